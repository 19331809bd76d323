//! What the incident review and the quarterly report say, as a [`Document`] written out as
//! Markdown and as HTML, with their charts beside them as SVG and PNG.

use chrono::{DateTime, Utc};

use super::chart::{self, Chart};
use super::doc::{code, para, text, Block, Document, Inline, Text};
pub use super::html::IndexEntry;
use crate::error::Result;
use crate::model::short_sha;
use crate::report::incident::Review;
use crate::report::quarter::{Quarter, TopCommit};
use crate::report::Files;

fn percent(p: f64) -> String {
    let v = p * 100.0;
    if v != 0.0 && v.abs() < 0.5 {
        format!("{v:.1} %")
    } else {
        format!("{:.0} %", v + 0.0)
    }
}

fn share(s: Option<f64>) -> String {
    s.map_or("–".into(), percent)
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn minutes(m: i64) -> String {
    match m {
        m if m < 0 => format!("{m} min (before the start)"),
        m if m < 120 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d {} h", m / 1440, (m % 1440) / 60),
    }
}

/// A commit id, linked when its address is known.
fn commit_cell(sha: &str, url: &Option<String>) -> Inline {
    match url {
        Some(url) => Inline::Link(short_sha(sha).to_string(), url.clone()),
        None => code(short_sha(sha)),
    }
}

fn list_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "–".into()
    } else {
        items.join(", ")
    }
}

fn figure(chart: &Chart) -> Block {
    Block::Figure { name: chart.name.to_string(), alt: chart.alt.clone(), svg: chart.svg.clone() }
}

/// The files of a report: `report.md`, `report.html`, each chart as `.svg` and `.png`.
fn files(doc: &Document, charts: &[Chart], up: &str) -> Files {
    let mut out = vec![
        ("report.md".to_string(), super::markdown::render(doc).into_bytes()),
        ("report.html".to_string(), super::html::render(doc, Some(up)).into_bytes()),
    ];
    for c in charts {
        out.push((format!("{}.svg", c.name), c.svg.clone().into_bytes()));
        out.push((format!("{}.png", c.name), c.png.clone()));
    }
    out
}

/// `index.html`.
pub fn index_html(entries: &[IndexEntry]) -> String {
    super::html::index(entries)
}

// ---------------------------------------------------------------------------------------------

/// The incident review's files.
pub fn incident_files(review: &Review) -> Result<Files> {
    let timeline = chart::timeline(review)?;
    let path = chart::failure_path(review)?;
    let doc = incident_document(review, &timeline, path.as_ref());
    let charts: Vec<Chart> = std::iter::once(timeline).chain(path).collect();
    Ok(files(&doc, &charts, "../../index.html"))
}

fn incident_document(r: &Review, timeline: &Chart, path: Option<&Chart>) -> Document {
    let mut b = Vec::new();
    let sev = r.severity.map_or("severity unknown".to_string(), |s| format!("SEV{s}"));
    b.push(Block::Para(vec![
        text("Incident "),
        code(&r.id),
        text(format!(
            ", {sev}, on {}; recorded by {}{}.",
            list_or_dash(&r.services),
            r.source,
            r.customers_affected.map_or(String::new(), |c| format!("; {c} customers affected"))
        )),
    ]));
    // The verdict first: what the reader came for.
    let verdict = match (r.suspect_deploys.first(), r.suspect_commits.first()) {
        _ if r.no_change.0 >= 0.5 => format!(
            "Most likely no change caused it (P = {}): {}.",
            percent(r.no_change.0),
            if r.no_change.1.is_empty() {
                "no deploy in the window explains it".to_string()
            } else {
                r.no_change.1.join("; ")
            }
        ),
        (Some(d), Some(c)) => format!(
            "Most likely cause: deploy {} to {} (P = {}), and within it commit {} (P = {}), written by {}.",
            d.id,
            d.service,
            percent(d.probability),
            short_sha(&c.sha),
            percent(c.probability),
            writer(&c.origin, &c.tools)
        ),
        (Some(d), None) => {
            format!("Most likely cause: deploy {} to {} (P = {}).", d.id, d.service, percent(d.probability))
        }
        _ => "No deploy or commit is a suspect.".to_string(),
    };
    b.push(Block::Para(vec![Inline::Strong(verdict)]));

    b.push(Block::Heading(1, "Phases".into()));
    let phase = |name: &str, at: Option<DateTime<Utc>>| {
        vec![vec![text(name)], vec![text(at.map_or("not recorded".into(), time))]]
    };
    let mut rows = vec![phase("started", Some(r.started_at))];
    rows.push(phase("detected", r.detected_at));
    rows.push(phase("mitigated", r.mitigated_at));
    rows.push(phase("resolved", r.resolved_at));
    b.push(Block::Table { headers: vec!["phase".into(), "at".into()], right: vec![], rows });
    b.push(Block::List(
        r.durations()
            .iter()
            .map(|(name, m)| vec![text(format!("{name}: {}", m.map_or("not recorded".to_string(), minutes)))])
            .collect(),
    ));
    b.push(figure(timeline));

    b.push(Block::Heading(1, "Suspect deploys".into()));
    if r.suspect_deploys.is_empty() {
        b.push(para("No deploy in the attribution window."));
    } else {
        let rows = r
            .suspect_deploys
            .iter()
            .map(|d| {
                vec![
                    vec![code(&d.id)],
                    vec![text(&d.service)],
                    vec![text(&d.environment)],
                    vec![text(d.at.map_or("–".into(), time))],
                    vec![text(percent(d.probability))],
                    vec![text(d.evidence.join("; "))],
                ]
            })
            .collect();
        b.push(Block::Table {
            headers: ["deploy", "service", "environment", "started", "P(cause)", "evidence"]
                .map(String::from)
                .to_vec(),
            right: vec![4],
            rows,
        });
    }
    b.push(para(format!(
        "P(no change at fault) = {}{}",
        percent(r.no_change.0),
        if r.no_change.1.is_empty() { String::new() } else { format!(": {}", r.no_change.1.join("; ")) }
    )));

    b.push(Block::Heading(1, "Suspect commits".into()));
    if r.suspect_commits.is_empty() {
        b.push(para("No commit is a suspect: the suspect deploys shipped no commit faultline knows."));
    } else {
        let rows = r
            .suspect_commits
            .iter()
            .map(|c| {
                vec![
                    vec![commit_cell(&c.sha, &c.url)],
                    vec![text(&c.repo)],
                    vec![code(&c.deploy)],
                    vec![text(percent(c.probability))],
                    vec![text(writer(&c.origin, &c.tools))],
                    vec![text(&c.subject)],
                ]
            })
            .collect();
        b.push(Block::Table {
            headers: ["commit", "repo", "deploy", "P(cause)", "written by", "subject"]
                .map(String::from)
                .to_vec(),
            right: vec![3],
            rows,
        });
        for c in r.suspect_commits.iter().take(5) {
            b.push(Block::Heading(2, format!("Commit {} ({})", short_sha(&c.sha), percent(c.probability))));
            let mut items: Vec<Text> = vec![
                vec![text("subject: "), text(&c.subject)],
                vec![text("author: "), text(&c.author)],
                vec![text(format!("origin: {}", c.origin))],
                vec![text(format!("tool: {}; model: {}", list_or_dash(&c.tools), list_or_dash(&c.models)))],
                vec![text(format!("session or prompt: {}", list_or_dash(&c.sessions)))],
                vec![text(format!(
                    "AI share of added lines: {}",
                    c.ai_line_share.map_or("not recorded".into(), percent)
                ))],
                vec![text(format!(
                    "reviewed by: {}",
                    if c.reviewers.is_empty() {
                        "no review trailer names anyone but the author".into()
                    } else {
                        c.reviewers.join(", ")
                    }
                ))],
            ];
            if let Some(url) = &c.url {
                items.push(vec![text("link: "), Inline::Link(url.clone(), url.clone())]);
            }
            for e in &c.evidence {
                items.push(vec![text("evidence: "), text(e)]);
            }
            for e in &c.provenance_evidence {
                items.push(vec![text("provenance: "), text(e)]);
            }
            b.push(Block::List(items));
        }
    }

    b.push(Block::Heading(1, "How the failure travelled".into()));
    match path {
        Some(chart) => {
            let items = r
                .paths
                .iter()
                .map(|p| {
                    vec![
                        code(&p.deploy),
                        text(format!(
                            " ({}) changed {}",
                            percent(p.probability),
                            p.services.join(", on which depends ")
                        )),
                    ]
                })
                .collect();
            b.push(Block::List(items));
            b.push(figure(chart));
        }
        None => b.push(para(format!(
            "No deploy reached P = {}; there is no dependency path to draw.",
            percent(crate::report::incident::SUSPECT_SHOWN)
        ))),
    }

    b.push(Block::Heading(1, "SZZ: the lines the fix changed".into()));
    if r.szz.is_empty() {
        b.push(para("No fix commit of this incident was found, or its changed lines were all new."));
    } else {
        let rows = r
            .szz
            .iter()
            .map(|g| {
                vec![
                    vec![code(short_sha(&g.fix))],
                    vec![commit_cell(&g.blamed, &g.url)],
                    vec![code(&g.path)],
                    vec![text(line_ranges(&g.lines))],
                ]
            })
            .collect();
        b.push(Block::Table {
            headers: ["fix", "last wrote the lines", "file", "lines (at the fix's parent)"]
                .map(String::from)
                .to_vec(),
            right: vec![],
            rows,
        });
    }

    b.push(Block::Heading(1, "Timeline".into()));
    if r.timeline.is_empty() {
        b.push(para("The incident record has no timeline entries."));
    } else {
        let rows = r
            .timeline
            .iter()
            .map(|e| vec![vec![text(time(e.at))], vec![text(&e.kind)], vec![text(&e.text)]])
            .collect();
        b.push(Block::Table {
            headers: ["at", "kind", "entry"].map(String::from).to_vec(),
            right: vec![],
            rows,
        });
    }
    Document { title: format!("{}: {}", r.id, r.title), blocks: b }
}

fn writer(origin: &str, tools: &[String]) -> String {
    match origin {
        "ai" if !tools.is_empty() => format!("AI ({})", tools.join(", ")),
        "ai" => "AI (tool not named)".into(),
        "human" => "a person (attested)".into(),
        _ => "unknown (no provenance marker)".into(),
    }
}

/// `3-5, 9`.
fn line_ranges(lines: &[i32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] == lines[j] + 1 {
            j += 1;
        }
        out.push(if i == j { lines[i].to_string() } else { format!("{}-{}", lines[i], lines[j]) });
        i = j + 1;
    }
    out.join(", ")
}

// ---------------------------------------------------------------------------------------------

/// The quarterly report's files.
pub fn quarter_files(q: &Quarter) -> Result<Files> {
    let charts = [
        chart::weekly_share(q)?,
        chart::weekly_tools(q)?,
        chart::change_failure(q)?,
        chart::incident_minutes(q)?,
    ];
    let doc = quarter_document(q, &charts);
    Ok(files(&doc, &charts, "../../index.html"))
}

fn quarter_document(q: &Quarter, charts: &[Chart; 4]) -> Document {
    let mut b = Vec::new();
    let t = &q.totals;
    let [c, l, d] = t.shares();
    b.push(para(format!(
        "From {} to {} (UTC, end excluded). {} commits, {} AI-provenance ({}); {} changed lines, {} by AI ({}); {} production deploys, {} carrying AI-provenance commits ({}).",
        q.period.from.format("%Y-%m-%d"),
        q.period.to.format("%Y-%m-%d"),
        t.commits,
        t.ai_commits,
        share(c),
        t.lines,
        t.ai_lines.round(),
        share(l),
        t.deploys,
        t.ai_deploys,
        share(d)
    )));

    b.push(Block::Heading(1, "AI share, week by week".into()));
    b.push(figure(&charts[0]));
    b.push(figure(&charts[1]));
    let rows = q
        .weeks
        .iter()
        .map(|w| {
            let [c, l, d] = w.shares();
            let ranked = |counts: &std::collections::BTreeMap<String, usize>| {
                let mut items: Vec<(&String, &usize)> = counts.iter().collect();
                items.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
                items.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ")
            };
            vec![
                vec![text(w.start.map_or("–".into(), |s| s.format("%Y-%m-%d").to_string()))],
                vec![text(w.commits.to_string())],
                vec![text(share(c))],
                vec![text(share(l))],
                vec![text(w.deploys.to_string())],
                vec![text(share(d))],
                vec![text(ranked(&w.by_tool))],
                vec![text(ranked(&w.by_model))],
            ]
        })
        .collect();
    b.push(Block::Table {
        headers: [
            "week of",
            "commits",
            "AI commits",
            "AI lines",
            "prod deploys",
            "AI deploys",
            "AI commits by tool",
            "by model",
        ]
        .map(String::from)
        .to_vec(),
        right: vec![1, 2, 3, 4, 5],
        rows,
    });
    b.push(Block::Heading(2, "By tool and model".into()));
    if q.tools.is_empty() {
        b.push(para("No AI-provenance commit in the period."));
    } else {
        let rows = q
            .tools
            .iter()
            .map(|r| {
                vec![
                    vec![text(&r.tool)],
                    vec![text(&r.model)],
                    vec![text(r.commits.to_string())],
                    vec![text(format!("{:.0}", r.ai_lines))],
                    vec![text(r.deploys.to_string())],
                    vec![text(format!("{} – {}", r.first.format("%m-%d"), r.last.format("%m-%d")))],
                ]
            })
            .collect();
        b.push(Block::Table {
            headers: ["tool", "model", "commits", "AI lines", "prod deploys", "weeks seen"]
                .map(String::from)
                .to_vec(),
            right: vec![2, 3, 4],
            rows,
        });
    }

    b.push(Block::Heading(1, "DORA four keys: AI-carrying deploys against the others".into()));
    let (a, h) = (&q.dora.ai, &q.dora.human);
    let hours = |v: Option<f64>| v.map_or("–".into(), |h| format!("{h:.1} h"));
    let mins = |v: Option<f64>| v.map_or("–".into(), |m| minutes(m.round() as i64));
    let rate = |r: &crate::analyze::dora::Rate| {
        format!(
            "{}/{} = {} (95 % CI {}–{})",
            r.count,
            r.total,
            percent(r.rate),
            percent(r.low),
            percent(r.high)
        )
    };
    let row =
        |name: &str, ai: String, human: String| vec![vec![text(name)], vec![text(ai)], vec![text(human)]];
    b.push(Block::Table {
        headers: ["key", "deploys carrying AI-provenance commits", "deploys carrying only other commits"]
            .map(String::from)
            .to_vec(),
        right: vec![],
        rows: vec![
            row("production deploys", a.deploys.to_string(), h.deploys.to_string()),
            row(
                "deployment frequency",
                format!("{:.1} per week", a.deploys_per_week),
                format!("{:.1} per week", h.deploys_per_week),
            ),
            row(
                "lead time for changes (median, p90)",
                format!(
                    "{}, {} ({} commits)",
                    hours(a.lead_time_median_hours),
                    hours(a.lead_time_p90_hours),
                    a.changes
                ),
                format!(
                    "{}, {} ({} commits)",
                    hours(h.lead_time_median_hours),
                    hours(h.lead_time_p90_hours),
                    h.changes
                ),
            ),
            row("change failure rate", rate(&a.change_failure), rate(&h.change_failure)),
            row(
                "time to restore (median)",
                format!("{} ({} restore(s))", mins(a.time_to_restore_median_minutes), a.restores),
                format!("{} ({} restore(s))", mins(h.time_to_restore_median_minutes), h.restores),
            ),
        ],
    });
    b.push(Block::Para(vec![Inline::Strong(q.dora.verdict.words().to_string())]));
    b.push(para(format!(
        "A deploy failed when it is a likely cause (P ≥ {}) of an incident or was rolled back; time to restore runs from the incident's start to its mitigation, or from the deploy to its rollback. {} production deploy(s) shipped no new commit and are left out of the comparison.",
        percent(crate::report::quarter::LIKELY_CAUSE),
        q.deploys_without_commits
    )));
    b.push(figure(&charts[2]));

    b.push(Block::Heading(1, "Incident-minutes by cause".into()));
    let m = &q.minutes;
    b.push(para(format!(
        "{} incident(s) started in the period, {:.0} minutes of impact (start to mitigation). Shared out by P(cause): AI-provenance commits {:.0} ({}), human-attested commits {:.0}, commits of unknown origin {:.0}, deploys beyond what their commits explain {:.0}, no change at fault {:.0}.",
        m.incidents,
        m.total,
        m.ai,
        share((m.total > 0.0).then(|| m.ai / m.total)),
        m.human,
        m.unknown,
        m.deploy_only,
        m.no_change
    )));
    b.push(figure(&charts[3]));

    b.push(Block::Heading(1, "Top AI commits by blast radius".into()));
    b.push(Block::Heading(2, "Realized (incidents they may have caused, weighted by impact)".into()));
    push_top(&mut b, &q.top_realized, "No AI-provenance commit of the period is a suspect of any incident.");
    b.push(Block::Heading(2, "Potential (the services they reach, weighted by tier)".into()));
    push_top(&mut b, &q.top_potential, "No AI-provenance commit in the period.");

    b.push(Block::Heading(1, "Services by AI-attributed risk".into()));
    if q.services.is_empty() {
        b.push(para("No production deploy in the period."));
    } else {
        let rows = q
            .services
            .iter()
            .map(|s| {
                vec![
                    vec![text(&s.service)],
                    vec![text(s.tier.map_or("–".into(), |t| t.to_string()))],
                    vec![text(format!("{:.0}", s.ai_minutes))],
                    vec![text(format!("{:.2}", s.ai_incidents))],
                    vec![text(format!("{}/{}", s.ai_commits, s.commits))],
                    vec![text(share(s.ai_line_share))],
                ]
            })
            .collect();
        b.push(Block::Table {
            headers: [
                "service",
                "tier",
                "AI incident-minutes",
                "AI-caused incidents (Σ P)",
                "AI commits shipped",
                "AI share of lines",
            ]
            .map(String::from)
            .to_vec(),
            right: vec![1, 2, 3, 4, 5],
            rows,
        });
    }

    b.push(Block::Heading(1, "Governance".into()));
    b.push(para(format!(
        "{} of the {} AI-provenance commits shipped to production on tier-1 services carry no review trailer naming someone other than the author.",
        q.unreviewed.len(),
        q.tier1_ai_commits
    )));
    if !q.unreviewed.is_empty() {
        let rows = q
            .unreviewed
            .iter()
            .map(|u| {
                vec![
                    vec![commit_cell(&u.sha, &u.url)],
                    vec![text(&u.repo)],
                    vec![text(u.services.join(", "))],
                    vec![text(list_or_dash(&u.tools))],
                    vec![text(time(u.deployed_at))],
                    vec![text(if u.self_reviewed { "self-review only" } else { "none" })],
                    vec![text(&u.subject)],
                ]
            })
            .collect();
        b.push(Block::Table {
            headers: [
                "commit",
                "repo",
                "tier-1 services",
                "tool",
                "first in production",
                "review trailer",
                "subject",
            ]
            .map(String::from)
            .to_vec(),
            right: vec![],
            rows,
        });
    }
    let dep = &q.deployed;
    b.push(para(format!(
        "Deployed code of unknown origin (no AI marker and no human attestation): {} of {} commits ({}) and {} of {} changed lines ({}) shipped to production in the period{}.",
        dep.unknown_commits,
        dep.commits,
        share((dep.commits > 0).then(|| dep.unknown_commits as f64 / dep.commits as f64)),
        dep.unknown_lines,
        dep.lines,
        share((dep.lines > 0).then(|| dep.unknown_lines as f64 / dep.lines as f64)),
        match dep.deploys_not_in_history {
            0 => String::new(),
            n => format!("; {n} production deploy(s) shipped a commit that is in no ingested repository"),
        }
    )));
    Document { title: format!("AI risk, {}", q.period.name), blocks: b }
}

fn push_top(b: &mut Vec<Block>, top: &[TopCommit], empty: &str) {
    if top.is_empty() {
        b.push(para(empty));
        return;
    }
    let rows = top
        .iter()
        .map(|c| {
            vec![
                vec![commit_cell(&c.sha, &c.url)],
                vec![text(&c.repo)],
                vec![text(format!("{:.1}", c.realized.max(0.0)))],
                vec![text(format!("{:.1}", c.potential.max(0.0)))],
                vec![text(list_or_dash(&c.tools))],
                vec![text(&c.subject)],
            ]
        })
        .collect();
    b.push(Block::Table {
        headers: ["commit", "repo", "blast radius", "potential", "AI tools", "subject"]
            .map(String::from)
            .to_vec(),
        right: vec![2, 3],
        rows,
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn line_ranges_collapse_runs() {
        assert_eq!(super::line_ranges(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
        assert_eq!(super::line_ranges(&[]), "");
    }
}
