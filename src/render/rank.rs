//! `faultline rank` as text and CSV.

use super::table::Table;
use crate::analyze::rank::Ranked;
use crate::error::Result;
use crate::model::short_sha;

fn cells(r: &Ranked) -> Vec<String> {
    vec![
        short_sha(&r.sha).to_string(),
        r.repo.clone(),
        format!("{:.1}", r.blast_radius),
        format!("{:.1}", r.potential_blast_radius),
        if r.ai { r.tools.join(", ") } else { "-".into() },
        r.incidents
            .iter()
            .map(|i| format!("{} ({:.0}%)", i.id, i.probability * 100.0))
            .collect::<Vec<_>>()
            .join(", "),
        r.subject.clone(),
    ]
}

const HEADERS: [&str; 7] =
    ["commit", "repo", "blast radius", "potential", "AI tools", "incidents", "subject"];

/// The ranking as aligned text, no wider than `width` where given.
pub fn table(rows: &[Ranked], width: Option<usize>) -> String {
    let mut table = Table::new(&HEADERS).right_align(&[2, 3]);
    for r in rows {
        table.push(cells(r));
    }
    table.render(width)
}

/// The ranking as CSV.
pub fn csv(rows: &[Ranked]) -> Result<String> {
    super::csv::to_string(&HEADERS, &rows.iter().map(cells).collect::<Vec<_>>())
}
