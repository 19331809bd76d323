//! What `faultline analyze` prints after the provenance summary: a Markdown summary of the
//! ranking and of each incident's most likely cause (until the reports land). Untrusted text is
//! escaped for Markdown tables.

use std::fmt::Write as _;

use crate::analyze::explain::Explanation;
use crate::analyze::rank::Ranked;
use crate::model::short_sha;

/// Text safe inside a Markdown table cell: pipes, backslashes, markup and line breaks escaped.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The Markdown summary.
pub fn markdown(ranked: &[Ranked], incidents: &[Explanation]) -> String {
    let mut out = String::from("\n## Commits by blast radius\n\n| commit | repo | blast radius | potential | AI tools | subject |\n|---|---|---:|---:|---|---|\n");
    for r in ranked {
        let tools = if r.ai { r.tools.join(", ") } else { "-".into() };
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.1} | {} | {} |",
            short_sha(&r.sha),
            cell(&r.repo),
            r.blast_radius,
            r.potential_blast_radius,
            cell(&tools),
            cell(&r.subject)
        );
    }
    out.push_str("\n## Incidents and their most likely cause\n\n| incident | title | likeliest cause | deploy | commit | written by | no change at fault |\n|---|---|---|---|---|---|---:|\n");
    for e in incidents {
        let deploy = e
            .deploys
            .first()
            .map_or("-".to_string(), |d| format!("{} ({:.0}%)", cell(&d.id), d.probability * 100.0));
        let (commit, author) = e.commits.first().map_or(("-".to_string(), "-".to_string()), |c| {
            (
                format!("{} ({:.0}%)", short_sha(&c.sha), c.probability * 100.0),
                if c.ai { cell(&c.tools.join(", ")) } else { "-".to_string() },
            )
        });
        // "No change at fault" is the answer when it outweighs every deploy.
        let top = e.deploys.first().map_or(0.0, |d| d.probability);
        let likeliest = if e.no_change >= top { "no change" } else { "a change" };
        let _ = writeln!(
            out,
            "| {} | {} | {likeliest} | {deploy} | {commit} | {author} | {:.0}% |",
            cell(&e.incident),
            cell(&e.title),
            e.no_change * 100.0
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(super::cell("a|b\n<img src=x> [x](y)"), "a\\|b \\<img src=x\\> \\[x\\](y)");
    }
}
