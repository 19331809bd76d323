//! Charts with plotters, each drawn once into SVG (text kept as SVG text) and once into PNG
//! (text rasterised with the bundled DejaVu Sans, so a machine with no system fonts draws the
//! same picture). Colours come from the viridis ramp and a dark/light pair whose lightness
//! differs, and lines also differ by dash and marker, so every chart survives greyscale
//! printing. Every chart carries alt text (`<title>` and `aria-label` in the SVG).
//!
//! Text from the store (deploy ids, service and tool names) is stripped of control characters
//! before it reaches plotters, which escapes `<`, `>`, `&` and quotes in SVG.

use chrono::{DateTime, Duration, Utc};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::report::incident::{Review, SUSPECT_SHOWN};
use crate::report::quarter::Quarter;

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// Viridis, dark to light: distinct in colour and in lightness.
const RAMP: [RGBColor; 8] = [
    RGBColor(68, 1, 84),
    RGBColor(70, 50, 126),
    RGBColor(54, 92, 141),
    RGBColor(39, 127, 142),
    RGBColor(31, 161, 135),
    RGBColor(74, 193, 109),
    RGBColor(160, 218, 57),
    RGBColor(253, 231, 37),
];
/// AI: dark. Everything else: light.
const AI: RGBColor = RGBColor(153, 52, 4);
const HUMAN: RGBColor = RGBColor(107, 174, 214);
const INK: RGBColor = RGBColor(34, 34, 34);
const GRID: RGBColor = RGBColor(225, 225, 225);

/// A chart in both formats.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem: `timeline` → `timeline.svg`, `timeline.png`.
    pub name: &'static str,
    /// What it shows, in words, for readers who cannot see it.
    pub alt: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG image.
    pub png: Vec<u8>,
}

type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

/// Something drawable on any plotters backend.
trait Figure {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static;
}

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

fn render(figure: &impl Figure, name: &'static str, alt: String) -> Result<Chart> {
    register_font();
    let (w, h) = figure.size();
    let failed = |e: Box<dyn std::error::Error>| Error::Internal(format!("drawing chart {name}: {e}"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.into()))?;
        figure.draw(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.into()))?;
    }
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| failed(e.into()))?;
        figure.draw(&root).map_err(failed)?;
        root.present().map_err(|e| failed(e.into()))?;
    }
    let mut png = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().map_err(|e| Error::Internal(format!("chart {name}: {e}")))?;
        writer.write_image_data(&pixels).map_err(|e| Error::Internal(format!("chart {name}: {e}")))?;
    }
    Ok(Chart { name, svg: with_title(&svg, &alt), alt, png })
}

/// The SVG with its alt text as `<title>` and `aria-label`, ready to inline in HTML.
fn with_title(svg: &str, alt: &str) -> String {
    let alt = super::html::escape(alt);
    let Some(start) = svg.find("<svg") else { return svg.to_string() };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else { return svg.to_string() };
    format!(
        "{}<svg role=\"img\" aria-label=\"{alt}\"{}><title>{alt}</title>{}",
        &svg[..start],
        &svg[start + 4..end],
        &svg[end + 1..]
    )
}

/// Text for a chart: no control characters, at most `max` characters.
fn label(text: &str, max: usize) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() <= max {
        clean
    } else {
        clean.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
    }
}

fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FAMILY, size).into_font()).color(&INK)
}

/// How to label times on an axis `span` wide.
fn time_format(span: Duration) -> &'static str {
    if span <= Duration::hours(36) {
        "%H:%M"
    } else if span <= Duration::days(20) {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    }
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Mark {
    /// A filled box.
    Fill(RGBColor),
    /// A line: colour, dash (0 solid, 1 dashed, 2 dotted) and marker (0 circle, 1 triangle,
    /// 2 square).
    Line(RGBColor, u8, u8),
}

/// Width of the legend panel right of a chart.
const LEGEND_WIDTH: u32 = 180;

/// A legend in its own panel, so it never hides data.
fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, items: &[(String, Mark)]) -> Drawn
where
    DB::ErrorType: 'static,
{
    for (k, (name, mark)) in items.iter().enumerate() {
        let y = 30 + 22 * k as i32;
        match *mark {
            Mark::Fill(colour) => {
                area.draw(&Rectangle::new([(8, y - 7), (24, y + 7)], colour.filled()))?;
                area.draw(&Rectangle::new([(8, y - 7), (24, y + 7)], INK.stroke_width(1)))?;
            }
            Mark::Line(colour, dash, marker) => {
                let style = colour.stroke_width(2);
                match dash {
                    0 => area.draw(&PathElement::new(vec![(4, y), (30, y)], style))?,
                    1 => area.draw(&DashedPathElement::new(vec![(4, y), (30, y)], 8, 4, style))?,
                    _ => area.draw(&DashedPathElement::new(vec![(4, y), (30, y)], 2, 3, style))?,
                }
                draw_marker(area, (17, y), colour, marker)?;
            }
        }
        area.draw(&Text::new(name.clone(), (36, y - 7), font(12)))?;
    }
    Ok(())
}

fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    colour: RGBColor,
    marker: u8,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    match marker {
        0 => area.draw(&Circle::new(at, 4, colour.filled()))?,
        1 => area.draw(&TriangleMarker::new(at, 5, colour.filled()))?,
        _ => area.draw(&Rectangle::new([(at.0 - 4, at.1 - 4), (at.0 + 4, at.1 + 4)], colour.filled()))?,
    }
    Ok(())
}

/// A horizontal bar on a segmented row, inset from the row's edges.
fn bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: impl Fn(f64, i32) -> (i32, i32),
    row: i32,
    value: f64,
    colour: RGBColor,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let ((x0, top), (x1, bottom)) = (at(0.0, row + 1), at(value, row));
    let inset = (bottom - top) / 5;
    let corners = [(x0, top + inset), (x1.max(x0 + 1), bottom - inset)];
    root.draw(&Rectangle::new(corners, colour.filled()))?;
    root.draw(&Rectangle::new(corners, INK.stroke_width(1)))?;
    Ok(())
}

/// How to label days on an axis `span` wide: with the hour when the period is short.
fn day_format(span: Duration) -> &'static str {
    if span < Duration::days(20) {
        "%m-%d %H:%M"
    } else {
        "%m-%d"
    }
}

// ---------------------------------------------------------------------------------------------
// Incident review

/// The incident's timeline chart: deploys (suspects marked), timeline events and phases.
pub fn timeline(review: &Review) -> Result<Chart> {
    let figure = Timeline::new(review);
    let suspects: Vec<String> = figure
        .deploys
        .iter()
        .filter(|d| d.3.is_some_and(|p| p >= SUSPECT_SHOWN))
        .map(|d| format!("{} to {} ({:.0} %)", label(&d.0, 40), label(&d.1, 40), d.3.unwrap_or(0.0) * 100.0))
        .collect();
    let phases: Vec<String> = figure
        .phases
        .iter()
        .map(|(name, at)| format!("{name} {}", at.format("%Y-%m-%d %H:%M UTC")))
        .collect();
    let alt = format!(
        "Timeline of incident {}: {}. {} deploy(s) drawn{}; {} timeline event(s).",
        label(&review.id, 80),
        phases.join(", "),
        figure.deploys.len(),
        if suspects.is_empty() {
            ", none a likely cause".to_string()
        } else {
            format!(", suspects {}", suspects.join(", "))
        },
        figure.events.len()
    );
    render(&figure, "timeline", alt)
}

struct Timeline {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    phases: Vec<(&'static str, DateTime<Utc>)>,
    /// id, service, time, probability, rollback
    deploys: Vec<(String, String, DateTime<Utc>, Option<f64>, bool)>,
    events: Vec<DateTime<Utc>>,
}

impl Timeline {
    fn new(review: &Review) -> Timeline {
        let mut phases = vec![("started", review.started_at)];
        for (name, at) in [
            ("detected", review.detected_at),
            ("mitigated", review.mitigated_at),
            ("resolved", review.resolved_at),
        ] {
            if let Some(at) = at {
                phases.push((name, at));
            }
        }
        let end = phases.iter().map(|p| p.1).max().unwrap_or(review.started_at);
        let suspects = review.deploys.iter().filter(|d| d.probability.is_some_and(|p| p >= SUSPECT_SHOWN));
        let first = suspects
            .map(|d| d.at)
            .min()
            .unwrap_or(review.started_at)
            .min(review.started_at - Duration::hours(2));
        let last = review.timeline.iter().map(|e| e.at).max().unwrap_or(end).max(end);
        let pad = Duration::seconds(((last - first).num_seconds() / 20).max(300));
        let (from, to) = (first - pad, last + pad);
        Timeline {
            from,
            to,
            phases,
            deploys: review
                .deploys
                .iter()
                .filter(|d| d.at >= from && d.at <= to)
                .map(|d| (d.id.clone(), d.service.clone(), d.at, d.probability, d.kind == "rollback"))
                .collect(),
            events: review.timeline.iter().map(|e| e.at).filter(|at| *at >= from && *at <= to).collect(),
        }
    }
}

impl Figure for Timeline {
    fn size(&self) -> (u32, u32) {
        (960, 360)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let format = time_format(self.to - self.from);
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .margin_top(76)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(self.from..self.to, (0..2).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(8)
            .x_label_formatter(&|t| t.format(format).to_string())
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(0) => "phases".into(),
                SegmentValue::CenterOf(1) => "timeline".into(),
                SegmentValue::CenterOf(2) => "deploys".into(),
                _ => String::new(),
            })
            .x_desc(format!(
                "time (UTC), {} to {}",
                self.from.format("%Y-%m-%d %H:%M"),
                self.to.format("%Y-%m-%d %H:%M")
            ))
            .label_style(font(12))
            .axis_desc_style(font(12))
            .draw()?;
        // Phases: impact until mitigation (dark), then until resolution (light).
        let at = |name: &str| self.phases.iter().find(|p| p.0 == name).map(|p| p.1);
        let start = at("started").unwrap_or(self.from);
        let mitigated = at("mitigated").or(at("resolved")).unwrap_or(self.to);
        let resolved = at("resolved").unwrap_or(mitigated);
        let band = |a: DateTime<Utc>, b: DateTime<Utc>, colour: RGBColor| {
            Rectangle::new([(a, SegmentValue::Exact(0)), (b.max(a), SegmentValue::Exact(1))], colour.filled())
        };
        chart.draw_series([
            band(start, mitigated, RGBColor(120, 120, 120)),
            band(mitigated, resolved, RGBColor(200, 200, 200)),
        ])?;
        for (k, (name, t)) in self.phases.iter().enumerate() {
            chart.draw_series(DashedLineSeries::new(
                [(*t, SegmentValue::Exact(0)), (*t, SegmentValue::Exact(3))],
                5,
                4,
                INK.stroke_width(1),
            ))?;
            // One line per phase above the plot, so phases close together stay readable.
            let (x, y) = chart.backend_coord(&(*t, SegmentValue::Exact(3)));
            let y_label = y - 13 * (4 - k as i32);
            root.draw(&PathElement::new(vec![(x, y_label + 6), (x, y)], INK.stroke_width(1)))?;
            // Near the right edge the name goes to the left of its line.
            let words = format!("{name} {}", t.format("%H:%M"));
            let width = root.estimate_text_size(&words, &font(11)).map_or(100, |(w, _)| w as i32);
            let x_text = if x + 3 + width > root.dim_in_pixel().0 as i32 - 4 { x - 3 - width } else { x + 3 };
            root.draw(&Text::new(words, (x_text, y_label), font(11)))?;
        }
        // Timeline events.
        chart.draw_series(self.events.iter().map(|t| {
            EmptyElement::at((*t, SegmentValue::CenterOf(1)))
                + Rectangle::new([(-2, -9), (2, 9)], INK.filled())
        }))?;
        // Deploys: others as light circles, rollbacks as crosses, suspects as dark triangles
        // with their id and probability.
        for (id, _service, t, p, rollback) in &self.deploys {
            let c = (*t, SegmentValue::CenterOf(2));
            match p.filter(|p| *p >= SUSPECT_SHOWN) {
                Some(p) => {
                    chart.draw_series([EmptyElement::at(c)
                        + TriangleMarker::new((0, 0), 9, AI.filled())
                        + Text::new(format!("{} {:.0} %", label(id, 24), p * 100.0), (8, -22), font(11))])?;
                }
                None if *rollback => {
                    chart.draw_series([EmptyElement::at(c) + Cross::new((0, 0), 5, INK.stroke_width(2))])?;
                }
                None => {
                    chart.draw_series([EmptyElement::at(c)
                        + Circle::new((0, 0), 4, HUMAN.filled())
                        + Circle::new((0, 0), 4, INK.stroke_width(1))])?;
                }
            }
        }
        root.draw(&Text::new(
            "▲ suspect deploy (P ≥ 5 %)   ● other production deploy   × rollback   ▮ timeline entry   dark band: impact until mitigation",
            (16, 8),
            font(11),
        ))?;
        Ok(())
    }
}

/// The dependency path the failure travelled, drawn: each likely deploy, its service, and the
/// dependents up to the services where the incident was seen. `None` without a likely deploy.
pub fn failure_path(review: &Review) -> Result<Option<Chart>> {
    if review.paths.is_empty() {
        return Ok(None);
    }
    let figure = Paths::new(review);
    let words: Vec<String> = review
        .paths
        .iter()
        .map(|p| {
            format!(
                "{} ({:.0} %) to {}",
                label(&p.deploy, 40),
                p.probability * 100.0,
                p.services.iter().map(|s| label(s, 40)).collect::<Vec<_>>().join(", then ")
            )
        })
        .collect();
    let alt = format!(
        "Dependency path of incident {}: {}. Each service depends on the one before it; the incident was seen on {}.",
        label(&review.id, 80),
        words.join("; "),
        review.services.iter().map(|s| label(s, 40)).collect::<Vec<_>>().join(", ")
    );
    render(&figure, "dependencies", alt).map(Some)
}

struct Paths {
    /// (column, row, text, kind): kind 0 deploy, 1 service, 2 service where seen.
    nodes: Vec<(usize, usize, String, u8)>,
    /// Between node indexes.
    edges: Vec<(usize, usize)>,
    columns: usize,
    rows: usize,
}

impl Paths {
    fn new(review: &Review) -> Paths {
        let mut nodes: Vec<(usize, usize, String, u8)> = Vec::new();
        let mut edges = Vec::new();
        let mut rows_in: Vec<usize> = Vec::new();
        let mut find = |nodes: &mut Vec<(usize, usize, String, u8)>, col: usize, text: String, kind: u8| {
            if let Some(i) = nodes.iter().position(|n| n.0 == col && n.2 == text) {
                return i;
            }
            if rows_in.len() <= col {
                rows_in.resize(col + 1, 0);
            }
            nodes.push((col, rows_in[col], text, kind));
            rows_in[col] += 1;
            nodes.len() - 1
        };
        for path in &review.paths {
            let deploy = find(
                &mut nodes,
                0,
                format!("{} · {:.0} %", label(&path.deploy, 22), path.probability * 100.0),
                0,
            );
            let mut previous = deploy;
            for (k, service) in path.services.iter().enumerate() {
                let seen = review.services.contains(service);
                let node = find(&mut nodes, k + 1, label(service, 22), if seen { 2 } else { 1 });
                if !edges.contains(&(previous, node)) {
                    edges.push((previous, node));
                }
                previous = node;
            }
        }
        let columns = nodes.iter().map(|n| n.0 + 1).max().unwrap_or(1);
        let rows = nodes.iter().map(|n| n.1 + 1).max().unwrap_or(1);
        Paths { nodes, edges, columns, rows }
    }

    fn centre(&self, node: usize) -> (i32, i32) {
        let (col, row) = (self.nodes[node].0 as i32, self.nodes[node].1 as i32);
        (110 + col * 230, 70 + row * 70)
    }
}

impl Figure for Paths {
    fn size(&self) -> (u32, u32) {
        (self.columns as u32 * 230 + 20, self.rows as u32 * 70 + 70)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        root.draw(&Text::new(
            "suspect deploy → deployed service → its dependents; thick border: where the incident was seen",
            (10, 8),
            font(11),
        ))?;
        let (half_w, half_h) = (95, 18);
        for &(a, b) in &self.edges {
            let (from, to) = (self.centre(a), self.centre(b));
            let (start, end) = ((from.0 + half_w, from.1), (to.0 - half_w, to.1));
            root.draw(&PathElement::new(vec![start, end], INK.stroke_width(2)))?;
            root.draw(&Polygon::new(
                vec![end, (end.0 - 10, end.1 - 5), (end.0 - 10, end.1 + 5)],
                INK.filled(),
            ))?;
        }
        for (k, (_, _, text, kind)) in self.nodes.iter().enumerate() {
            let (x, y) = self.centre(k);
            let corners = [(x - half_w, y - half_h), (x + half_w, y + half_h)];
            let (fill, ink, border) = match kind {
                0 => (AI, WHITE, 1),
                2 => (RGBColor(235, 235, 235), INK, 4),
                _ => (WHITE, INK, 1),
            };
            root.draw(&Rectangle::new(corners, fill.filled()))?;
            root.draw(&Rectangle::new(corners, INK.stroke_width(border)))?;
            let style = TextStyle::from((FAMILY, 12).into_font()).color(&ink).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ),
            );
            root.draw(&Text::new(text.clone(), (x, y), style))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Quarterly report

/// The axes of a week-by-week chart: the period along x, `0..top` (in `unit`) up y.
fn weekly_axes<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    q: &Quarter,
    top: f64,
    unit: &str,
    y_desc: &str,
) -> std::result::Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<
            plotters::coord::types::RangedDateTime<DateTime<Utc>>,
            plotters::coord::types::RangedCoordf64,
        >,
    >,
    Box<dyn std::error::Error>,
>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(plot)
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(q.period.from..q.period.to, 0f64..top)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(10)
        .x_label_formatter(&|t| t.format(day_format(q.period.to - q.period.from)).to_string())
        .y_label_formatter(&|v| format!("{v:.0}{unit}"))
        .x_desc("week starting (UTC)")
        .y_desc(y_desc)
        .label_style(font(12))
        .axis_desc_style(font(12))
        .draw()?;
    Ok(chart)
}

/// AI share of commits, changed lines and deploys, week by week.
pub fn weekly_share(quarter: &Quarter) -> Result<Chart> {
    let t = &quarter.totals;
    let pct = |s: Option<f64>| s.map_or("no data".to_string(), |s| format!("{:.0} %", s * 100.0));
    let [c, l, d] = t.shares();
    let alt = format!(
        "AI share week by week in {}, {} weeks: over the period {} of commits, {} of changed lines and {} of production deploys.",
        quarter.period.name,
        quarter.weeks.len(),
        pct(c),
        pct(l),
        pct(d)
    );
    render(&Shares(quarter), "ai-share", alt)
}

struct Shares<'a>(&'a Quarter);

impl Figure for Shares<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 380)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let q = self.0;
        let (plot, side) = root.split_horizontally(root.dim_in_pixel().0 - LEGEND_WIDTH);
        legend(
            &side,
            &[
                ("commits".into(), Mark::Line(RAMP[0], 0, 0)),
                ("changed lines".into(), Mark::Line(RAMP[3], 1, 1)),
                ("production deploys".into(), Mark::Line(RAMP[6], 2, 2)),
            ],
        )?;
        let mut chart = weekly_axes(&plot, q, 100.0, " %", "AI share")?;
        let series = |k: usize| -> Vec<(DateTime<Utc>, f64)> {
            q.weeks
                .iter()
                .filter_map(|w| Some((w.start? + Duration::hours(84), w.shares()[k]? * 100.0)))
                .map(|(t, v)| (t.clamp(q.period.from, q.period.to), v))
                .collect()
        };
        let (commits, lines, deploys) = (series(0), series(1), series(2));
        chart.draw_series(LineSeries::new(commits.clone(), RAMP[0].stroke_width(2)))?;
        chart.draw_series(DashedLineSeries::new(lines.clone(), 8, 4, RAMP[3].stroke_width(2)))?;
        chart.draw_series(DashedLineSeries::new(deploys.clone(), 2, 3, RAMP[6].stroke_width(2)))?;
        for (points, colour, marker) in [(&commits, RAMP[0], 0), (&lines, RAMP[3], 1), (&deploys, RAMP[6], 2)]
        {
            for p in points.iter() {
                draw_marker(&plot, chart.backend_coord(p), colour, marker)?;
            }
        }
        Ok(())
    }
}

/// AI commits per week, stacked by tool.
pub fn weekly_tools(quarter: &Quarter) -> Result<Chart> {
    let figure = Tools::new(quarter);
    let alt = format!(
        "AI-provenance commits per week in {}, stacked by tool: {}.",
        quarter.period.name,
        if figure.tools.is_empty() {
            "none".to_string()
        } else {
            figure.tools.iter().map(|(t, n)| format!("{} {n}", label(t, 40))).collect::<Vec<_>>().join(", ")
        }
    );
    render(&figure, "ai-tools", alt)
}

struct Tools<'a> {
    quarter: &'a Quarter,
    /// The tools drawn, most commits first, with their totals; the rest as `other`.
    tools: Vec<(String, usize)>,
}

impl<'a> Tools<'a> {
    fn new(quarter: &'a Quarter) -> Tools<'a> {
        let mut tools: Vec<(String, usize)> =
            quarter.totals.by_tool.iter().map(|(t, n)| (t.clone(), *n)).collect();
        tools.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if tools.len() > RAMP.len() {
            let other: usize = tools[RAMP.len() - 1..].iter().map(|t| t.1).sum();
            tools.truncate(RAMP.len() - 1);
            tools.push(("other".into(), other));
        }
        Tools { quarter, tools }
    }

    fn count(&self, week: &crate::report::quarter::Week, k: usize) -> usize {
        let name = &self.tools[k].0;
        if k == RAMP.len() - 1 && name == "other" {
            let named: Vec<&String> = self.tools[..k].iter().map(|t| &t.0).collect();
            week.by_tool.iter().filter(|(t, _)| !named.contains(t)).map(|(_, n)| n).sum()
        } else {
            week.by_tool.get(name).copied().unwrap_or(0)
        }
    }
}

impl Figure for Tools<'_> {
    fn size(&self) -> (u32, u32) {
        (960, 380)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let q = self.quarter;
        let top = q.weeks.iter().map(|w| w.ai_commits).max().unwrap_or(0).max(1) as f64 * 1.15;
        let (plot, side) = root.split_horizontally(root.dim_in_pixel().0 - LEGEND_WIDTH);
        let colours: Vec<RGBColor> = (0..self.tools.len())
            .map(|k| {
                if self.tools.len() == 1 {
                    RAMP[2]
                } else {
                    RAMP[k * (RAMP.len() - 1) / (self.tools.len() - 1)]
                }
            })
            .collect();
        let items: Vec<(String, Mark)> = self
            .tools
            .iter()
            .zip(&colours)
            .map(|((t, n), c)| (format!("{} ({n})", label(t, 16)), Mark::Fill(*c)))
            .collect();
        legend(&side, &items)?;
        let mut chart = weekly_axes(&plot, q, top, "", "AI-provenance commits")?;
        for (k, colour) in colours.iter().copied().enumerate() {
            let bars: Vec<Rectangle<(DateTime<Utc>, f64)>> = q
                .weeks
                .iter()
                .filter_map(|w| {
                    let start = w.start?;
                    let below: usize = (0..k).map(|j| self.count(w, j)).sum();
                    let n = self.count(w, k);
                    (n > 0).then(|| {
                        let (a, b) = (
                            (start + Duration::hours(12)).max(q.period.from),
                            (start + Duration::hours(156)).min(q.period.to),
                        );
                        Rectangle::new([(a, below as f64), (b, (below + n) as f64)], colour.filled())
                    })
                })
                .collect();
            chart.draw_series(bars)?;
        }
        // Outline every stack segment so neighbouring greys stay apart.
        for w in &q.weeks {
            let Some(start) = w.start else { continue };
            let (a, b) = (
                (start + Duration::hours(12)).max(q.period.from),
                (start + Duration::hours(156)).min(q.period.to),
            );
            let mut below = 0;
            for k in 0..self.tools.len() {
                let n = self.count(w, k);
                if n > 0 {
                    chart.draw_series([Rectangle::new(
                        [(a, below as f64), (b, (below + n) as f64)],
                        WHITE.stroke_width(1),
                    )])?;
                }
                below += n;
            }
        }
        Ok(())
    }
}

/// Change failure rate, AI against the others, with 95% Wilson intervals.
pub fn change_failure(quarter: &Quarter) -> Result<Chart> {
    let (a, h) = (quarter.dora.ai.change_failure, quarter.dora.human.change_failure);
    let alt = format!(
        "Change failure rate in {}: deploys carrying AI-provenance commits {}/{} ({:.0} %, 95 % interval {:.0}–{:.0} %), other deploys {}/{} ({:.0} %, {:.0}–{:.0} %). {}",
        quarter.period.name,
        a.count,
        a.total,
        a.rate * 100.0,
        a.low * 100.0,
        a.high * 100.0,
        h.count,
        h.total,
        h.rate * 100.0,
        h.low * 100.0,
        h.high * 100.0,
        quarter.dora.verdict.words()
    );
    let row = |name: &str, r: crate::analyze::dora::Rate, colour| BarRow {
        name: name.to_string(),
        value: r.rate * 100.0,
        colour,
        interval: Some((r.low * 100.0, r.high * 100.0)),
        note: format!("{}/{} = {:.1} %", r.count, r.total, r.rate * 100.0),
    };
    let figure = Bars {
        rows: vec![row("AI-carrying deploys", a, AI), row("other deploys", h, HUMAN)],
        unit: " %",
        cap: Some(100.0),
        axis: "change failure rate: failed production deploys (likely cause of an incident, or rolled back), with 95 % Wilson interval",
        label_width: 150,
    };
    render(&figure, "change-failure", alt)
}

/// Incident-minutes by where the cause lies.
pub fn incident_minutes(quarter: &Quarter) -> Result<Chart> {
    let m = &quarter.minutes;
    let alt = format!(
        "Incident-minutes in {} ({} incidents, {:.0} minutes): AI-provenance commits {:.0}, human-attested commits {:.0}, commits of unknown origin {:.0}, deploys beyond their commits {:.0}, no change at fault {:.0}.",
        quarter.period.name, m.incidents, m.total, m.ai, m.human, m.unknown, m.deploy_only, m.no_change
    );
    let row = |name: &str, value: f64, colour| BarRow {
        name: name.to_string(),
        value,
        colour,
        interval: None,
        note: format!("{value:.0}"),
    };
    let figure = Bars {
        rows: vec![
            row("AI-provenance commits", m.ai, AI),
            row("human-attested commits", m.human, RAMP[3]),
            row("unknown-origin commits", m.unknown, HUMAN),
            row("deploys beyond commits", m.deploy_only, RAMP[6]),
            row("no change at fault", m.no_change, RGBColor(200, 200, 200)),
        ],
        unit: "",
        cap: None,
        axis: "incident-minutes (start to mitigation), shared out by P(cause)",
        label_width: 170,
    };
    render(&figure, "incident-minutes", alt)
}

/// One bar of a horizontal bar chart.
struct BarRow {
    name: String,
    value: f64,
    colour: RGBColor,
    /// Whiskers: a confidence interval.
    interval: Option<(f64, f64)>,
    /// The figure written beside the bar.
    note: String,
}

/// Horizontal bars, top to bottom, on one value axis.
struct Bars {
    rows: Vec<BarRow>,
    unit: &'static str,
    /// The axis never runs past this (100 for percentages).
    cap: Option<f64>,
    axis: &'static str,
    label_width: u32,
}

impl Figure for Bars {
    fn size(&self) -> (u32, u32) {
        (960, 110 + 34 * self.rows.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let highest = self.rows.iter().map(|r| r.interval.map_or(r.value, |i| i.1)).fold(0.0f64, f64::max);
        let top =
            (highest.max(if self.cap.is_some() { 5.0 } else { 1.0 }) * 1.2).min(self.cap.unwrap_or(f64::MAX));
        let n = self.rows.len() as i32;
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(self.label_width)
            .build_cartesian_2d(0f64..top, (0..n - 1).into_segmented())?;
        let unit = self.unit;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_label_formatter(&|v| format!("{v:.0}{unit}"))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if (0..n).contains(i) => {
                    self.rows[(n - 1 - i) as usize].name.clone()
                }
                _ => String::new(),
            })
            .x_desc(self.axis)
            .label_style(font(12))
            .axis_desc_style(font(11))
            .draw()?;
        for (k, r) in self.rows.iter().enumerate() {
            let row = n - 1 - k as i32;
            bar(root, |v, at| chart.backend_coord(&(v, SegmentValue::Exact(at))), row, r.value, r.colour)?;
            let mid = SegmentValue::CenterOf(row);
            let mut end = r.value;
            if let Some((low, high)) = r.interval {
                chart.draw_series([PathElement::new(
                    vec![(low, mid.clone()), (high, mid.clone())],
                    INK.stroke_width(2),
                )])?;
                for x in [low, high] {
                    chart.draw_series([EmptyElement::at((x, mid.clone()))
                        + PathElement::new(vec![(0, -8), (0, 8)], INK.stroke_width(2))])?;
                }
                end = end.max(high);
            }
            chart
                .draw_series([EmptyElement::at((end, mid)) + Text::new(r.note.clone(), (8, -6), font(12))])?;
        }
        Ok(())
    }
}
