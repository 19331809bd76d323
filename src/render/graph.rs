//! The forensic graph as JSON, Graphviz DOT, or a self-contained SVG (a layered drawing:
//! tools, commits, deploys, services and incidents in columns, ordered to cross few edges).
//! Labels are untrusted text and are escaped for each format.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::graph::{Edge, Forensics, Node};

/// `{"nodes": [...], "edges": [{"from", "to", "kind", ...}]}`, sorted.
pub fn json(graph: &Forensics) -> String {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        nodes: Vec<&'a Node>,
        edges: Vec<EdgeOut<'a>>,
    }
    #[derive(serde::Serialize)]
    struct EdgeOut<'a> {
        from: String,
        to: String,
        #[serde(flatten)]
        edge: &'a Edge,
    }
    let (nodes, edges) = graph.sorted();
    let key = |n: &Node| format!("{}:{}", n.kind, n.id);
    let edges = edges.into_iter().map(|(a, b, e)| EdgeOut { from: key(a), to: key(b), edge: e }).collect();
    super::json::to_string(&Out { nodes, edges })
}

/// Graphviz DOT: one node per line, ids and labels quoted and escaped.
pub fn dot(graph: &Forensics) -> String {
    let (nodes, edges) = graph.sorted();
    let quote = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' | '\r' => out.push_str("\\n"),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let shape = |kind: &str| match kind {
        "commit" => "box",
        "deploy" => "parallelogram",
        "service" => "ellipse",
        "incident" => "octagon",
        _ => "note",
    };
    let mut out = String::from("digraph faultline {\n  rankdir=LR;\n");
    for n in &nodes {
        let _ = writeln!(
            out,
            "  {} [label={}, shape={}];",
            quote(&format!("{}:{}", n.kind, n.id)),
            quote(&n.label),
            shape(n.kind)
        );
    }
    for (a, b, e) in &edges {
        let label = match e.probability {
            Some(p) => format!("{} {:.0}%", e.kind, p * 100.0),
            None => e.kind.to_string(),
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            quote(&format!("{}:{}", a.kind, a.id)),
            quote(&format!("{}:{}", b.kind, b.id)),
            quote(&label)
        );
    }
    out.push_str("}\n");
    out
}

/// The drawing's columns, left to right: who wrote a change, the change, the deploy that
/// shipped it, the service it reached, the incident.
const COLUMNS: [&str; 5] = ["tool", "commit", "deploy", "service", "incident"];
const COLUMN_WIDTH: f64 = 300.0;
const BOX_WIDTH: f64 = 210.0;
const BOX_HEIGHT: f64 = 18.0;
const ROW: f64 = 26.0;
const LEFT: f64 = 20.0;
const TOP: f64 = 48.0;
/// Sweeps of barycenter ordering; each is cheap (a sort per column), and the best order seen
/// is kept.
const SWEEPS: usize = 12;
/// Above this many edges between columns, crossings are not counted (the count is quadratic
/// per pair of columns) and the last sweep's order is kept.
const MAX_COUNTED_EDGES: usize = 5_000;

/// Where each node sits: its column and its row within the column.
#[derive(Debug, PartialEq)]
struct Layout {
    /// For each column, node indices (into the sorted nodes) top to bottom.
    columns: Vec<Vec<usize>>,
    /// For each node, its column and row.
    place: Vec<(usize, usize)>,
}

impl Layout {
    /// Nodes in their kind's column, ordered to cross few edges: starting from the sorted
    /// order, each column is sorted by the mean height of its neighbours in the other columns
    /// (the barycenter heuristic of Sugiyama-style drawings), sweeping left to right and back;
    /// ties keep the previous order, so the result is deterministic.
    fn new(kinds: &[usize], edges: &[(usize, usize)]) -> Layout {
        let mut columns: Vec<Vec<usize>> = vec![Vec::new(); COLUMNS.len()];
        for (n, &k) in kinds.iter().enumerate() {
            columns[k].push(n);
        }
        let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); kinds.len()];
        for &(a, b) in edges {
            if kinds[a] != kinds[b] {
                neighbours[a].push(b);
                neighbours[b].push(a);
            }
        }
        let tallest = columns.iter().map(Vec::len).max().unwrap_or(0);
        let mut layout = Layout { place: vec![(0, 0); kinds.len()], columns };
        layout.reindex();
        let counted = edges.len() <= MAX_COUNTED_EDGES;
        let mut best = (if counted { layout.crossings(edges) } else { 0 }, layout.columns.clone());
        for sweep in 0..SWEEPS {
            let order: Vec<usize> = if sweep % 2 == 0 {
                (0..COLUMNS.len()).collect()
            } else {
                (0..COLUMNS.len()).rev().collect()
            };
            for c in order {
                let height = |n: usize| layout.height(n, tallest);
                let mut keyed: Vec<(f64, usize, usize)> = layout.columns[c]
                    .iter()
                    .enumerate()
                    .map(|(row, &n)| {
                        let around = &neighbours[n];
                        let center = if around.is_empty() {
                            height(n)
                        } else {
                            around.iter().map(|&m| height(m)).sum::<f64>() / around.len() as f64
                        };
                        (center, row, n)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                layout.columns[c] = keyed.into_iter().map(|(_, _, n)| n).collect();
                layout.reindex();
            }
            if counted {
                let crossings = layout.crossings(edges);
                if crossings < best.0 {
                    best = (crossings, layout.columns.clone());
                }
            }
        }
        if counted {
            layout.columns = best.1;
            layout.reindex();
        }
        layout
    }

    fn reindex(&mut self) {
        for (c, column) in self.columns.iter().enumerate() {
            for (row, &n) in column.iter().enumerate() {
                self.place[n] = (c, row);
            }
        }
    }

    /// A node's height in rows, its column centred against the tallest.
    fn height(&self, n: usize, tallest: usize) -> f64 {
        let (c, row) = self.place[n];
        (tallest - self.columns[c].len()) as f64 / 2.0 + row as f64
    }

    /// Pairs of edges between the same two columns that cross.
    fn crossings(&self, edges: &[(usize, usize)]) -> usize {
        let mut by_pair: BTreeMap<(usize, usize), Vec<(usize, usize)>> = BTreeMap::new();
        for &(a, b) in edges {
            let ((ca, ra), (cb, rb)) = (self.place[a], self.place[b]);
            if ca != cb {
                let (left, right) = if ca < cb { ((ca, ra), (cb, rb)) } else { ((cb, rb), (ca, ra)) };
                by_pair.entry((left.0, right.0)).or_default().push((left.1, right.1));
            }
        }
        by_pair
            .values()
            .map(|rows| {
                let mut n = 0;
                for (i, a) in rows.iter().enumerate() {
                    n += rows[i + 1..]
                        .iter()
                        .filter(|b| (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1))
                        .count();
                }
                n
            })
            .sum()
    }
}

/// An edge's colour and dash, by its kind.
fn stroke(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "suspected_cause" => ("#b2182b", ""),
        "introduced" | "fixed_by" | "reverted_by" => ("#2166ac", "4 2"),
        "written_by" => ("#e08214", "2 2"),
        _ => ("#8c8c8c", ""),
    }
}

/// A self-contained SVG: one column per kind, rows ordered to cross few edges, edges as
/// curves with arrowheads (an edge within a column bows out to its right), commits that an
/// AI tool wrote shaded; labels cut to fit with the whole label as a tooltip; all text escaped.
pub fn svg(graph: &Forensics) -> String {
    let (nodes, edges) = graph.sorted();
    let index: BTreeMap<(&str, &str), usize> =
        nodes.iter().enumerate().map(|(i, n)| ((n.kind, n.id.as_str()), i)).collect();
    let kinds: Vec<usize> =
        nodes.iter().map(|n| COLUMNS.iter().position(|c| *c == n.kind).unwrap_or(0)).collect();
    let pairs: Vec<(usize, usize)> = edges
        .iter()
        .filter_map(|(a, b, _)| {
            Some((*index.get(&(a.kind, a.id.as_str()))?, *index.get(&(b.kind, b.id.as_str()))?))
        })
        .collect();
    let layout = Layout::new(&kinds, &pairs);
    let tallest = layout.columns.iter().map(Vec::len).max().unwrap_or(0);
    let at = |n: usize| {
        let (c, _) = layout.place[n];
        (LEFT + c as f64 * COLUMN_WIDTH, TOP + layout.height(n, tallest) * ROW)
    };
    // One legend entry, and one arrowhead, per stroke that `stroke` gives.
    let legend = [
        "shipped_in, deployed_to, depends_on",
        "suspected_cause",
        "introduced, fixed_by, reverted_by",
        "written_by",
    ];
    let strokes = legend.map(|kinds| stroke(kinds.split(',').next().unwrap_or(kinds)));
    let height = TOP + tallest as f64 * ROW + 40.0;
    let width = LEFT * 2.0 + (COLUMNS.len() - 1) as f64 * COLUMN_WIDTH + BOX_WIDTH + 60.0;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n<title>faultline forensic graph</title>\n<defs>\n"
    );
    for (colour, _) in &strokes {
        let _ = writeln!(
            out,
            "<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>",
            &colour[1..]
        );
    }
    out.push_str("</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    for (i, c) in COLUMNS.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"20\" font-weight=\"bold\" font-size=\"13\">{}s ({})</text>",
            LEFT + i as f64 * COLUMN_WIDTH,
            c,
            layout.columns[i].len()
        );
    }
    let mut x = LEFT;
    for (kinds, (colour, dash)) in legend.iter().zip(&strokes) {
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"34\" x2=\"{}\" y2=\"34\" stroke=\"{colour}\" stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"38\" fill=\"#525252\">{kinds}</text>",
            x + 24.0,
            x + 28.0
        );
        x += 40.0 + kinds.len() as f64 * 6.0;
    }
    for (&(a, b), (_, _, e)) in pairs.iter().zip(&edges) {
        let ((xa, ya), (xb, yb)) = (at(a), at(b));
        let (ya, yb) = (ya - BOX_HEIGHT / 2.0 + 4.0, yb - BOX_HEIGHT / 2.0 + 4.0);
        let (colour, dash) = stroke(e.kind);
        let path = if kinds[a] == kinds[b] {
            let x = xa + BOX_WIDTH;
            let bow = 24.0 + (yb - ya).abs().min(400.0) * 0.15;
            format!("M{x:.1},{ya:.1} C{:.1},{ya:.1} {:.1},{yb:.1} {x:.1},{yb:.1}", x + bow, x + bow)
        } else {
            let (x1, x2) = if kinds[a] < kinds[b] { (xa + BOX_WIDTH, xb) } else { (xa, xb + BOX_WIDTH) };
            let mid = (x1 + x2) / 2.0;
            format!("M{x1:.1},{ya:.1} C{mid:.1},{ya:.1} {mid:.1},{yb:.1} {x2:.1},{yb:.1}")
        };
        let (opacity, title) = match e.probability {
            Some(p) => (0.25 + 0.75 * p, format!("{} {:.1} %", e.kind, p * 100.0)),
            None => (0.7, e.kind.to_string()),
        };
        let _ = writeln!(
            out,
            "<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{:.1}\" stroke-opacity=\"{opacity:.2}\" stroke-dasharray=\"{dash}\" marker-end=\"url(#arrow-{})\"><title>{}</title></path>",
            if e.kind == "suspected_cause" { 1.0 + 2.0 * e.probability.unwrap_or(0.0) } else { 1.0 },
            &colour[1..],
            escape(&title)
        );
    }
    let ai: BTreeSet<usize> = pairs
        .iter()
        .zip(&edges)
        .filter(|(_, (_, _, e))| e.kind == "written_by")
        .map(|(&(a, _), _)| a)
        .collect();
    for (n, node) in nodes.iter().enumerate() {
        let (x, y) = at(n);
        let fill = match node.kind {
            "commit" if ai.contains(&n) => "#fee0b6",
            "incident" => "#fddbc7",
            "tool" => "#fdb863",
            "service" => "#e0f3f8",
            _ => "#f7f7f7",
        };
        let mut label: String = node.label.chars().take(32).collect();
        if label.len() < node.label.len() {
            label.push('…');
        }
        let _ = writeln!(
            out,
            "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{BOX_WIDTH}\" height=\"{BOX_HEIGHT}\" rx=\"3\" fill=\"{fill}\" stroke=\"#636363\"/><text x=\"{:.1}\" y=\"{y:.1}\">{}</text></g>",
            escape(&format!("{}: {}", node.kind, node.label)),
            y - BOX_HEIGHT + 5.0,
            x + 4.0,
            escape(&label)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Text for XML, as for HTML: the same escaping.
fn escape(text: &str) -> String {
    super::html::escape(text)
}

#[cfg(test)]
mod tests {
    use super::Layout;

    #[test]
    fn barycenter_ordering_uncrosses_edges() {
        // Two commits (column 1) shipped in two deploys (column 2) to two services
        // (column 3), in an order where each pair of columns crosses once: c0 -> d3,
        // c1 -> d2, d2 -> s5, d3 -> s4.
        let kinds = [1, 1, 2, 2, 3, 3];
        let edges = [(0, 3), (1, 2), (2, 5), (3, 4)];
        let layout = Layout::new(&kinds, &edges);
        assert_eq!(layout.crossings(&edges), 0);
        assert_eq!(layout.columns, vec![vec![], vec![1, 0], vec![2, 3], vec![5, 4], vec![]]);
        let sorted = Layout {
            columns: vec![vec![], vec![0, 1], vec![2, 3], vec![4, 5], vec![]],
            place: vec![(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)],
        };
        assert_eq!(sorted.crossings(&edges), 2);
    }

    #[test]
    fn hostile_labels_are_escaped() {
        assert_eq!(super::escape("<script>\"x\"&'\u{1b}"), "&lt;script&gt;&quot;x&quot;&amp;&#39; ");
    }
}
