//! `faultline explain` as text: the incident, then its suspect deploys and commits by
//! probability, each with its evidence.

use super::escape_terminal;
use super::table::Table;
use crate::analyze::explain::Explanation;
use crate::model::short_sha;

/// The explanation as aligned text, no wider than `width` where given.
pub fn text(explanation: &Explanation, width: Option<usize>) -> String {
    let percent = |p: f64| format!("{:.1}%", p * 100.0);
    let mut out = format!(
        "{}: {}\nno change at fault: {} ({})\n\n",
        escape_terminal(&explanation.incident),
        escape_terminal(&explanation.title),
        percent(explanation.no_change),
        escape_terminal(&explanation.no_change_evidence.join("; "))
    );
    let mut deploys = Table::new(&["deploy", "service", "probability", "evidence"]).right_align(&[2]);
    for d in &explanation.deploys {
        deploys.push(vec![d.id.clone(), d.service.clone(), percent(d.probability), d.evidence.join("; ")]);
    }
    out.push_str(&deploys.render(width));
    out.push('\n');
    let mut commits =
        Table::new(&["commit", "repo", "probability", "written by", "evidence"]).right_align(&[2]);
    for c in &explanation.commits {
        let author = if c.ai { c.tools.join(", ") } else { "-".to_string() };
        commits.push(vec![
            short_sha(&c.sha).to_string(),
            c.repo.clone(),
            percent(c.probability),
            author,
            c.evidence.join("; "),
        ]);
    }
    out.push_str(&commits.render(width));
    out
}
