//! `faultline gate` as text for people and as GitHub workflow commands.

use super::escape_terminal;
use super::table::Table;
use crate::config::RuleLevel;
use crate::gate::{GateFinding, GateReport};
use crate::model::short_sha;

/// The verdict as text: one row per commit, then every finding in words, the AI line share in
/// critical paths, and the result.
pub fn text(report: &GateReport, width: Option<usize>) -> String {
    let mut out = format!(
        "faultline gate: {} {} ({}..{}), {} commit(s)\n\n",
        escape_terminal(&report.repo),
        escape_terminal(&report.range),
        short_sha(&report.base),
        short_sha(&report.head),
        report.commits.len()
    );
    let mut table = Table::new(&[
        "commit",
        "origin",
        "tools",
        "services (tier)",
        "potential",
        "reviewers",
        "trailers",
        "findings",
        "subject",
    ])
    .right_align(&[4, 7]);
    for commit in &report.commits {
        let services = commit
            .services
            .iter()
            .map(|s| {
                let tier = s.tier.map_or_else(|| "?".to_string(), |t| t.to_string());
                format!("{}{} ({tier})", escape_terminal(&s.name), if s.critical { "*" } else { "" })
            })
            .collect::<Vec<_>>()
            .join(", ");
        let origin = if commit.merge { "merge".to_string() } else { commit.origin.as_str().to_string() };
        table.push(vec![
            short_sha(&commit.sha).to_string(),
            origin,
            or_dash(escape_terminal(&commit.tools.join(", "))),
            or_dash(services),
            format!("{:.1}", commit.potential_blast_radius),
            or_dash(escape_terminal(&commit.reviewers.join(", "))),
            or_dash(escape_terminal(&trailer_keys(commit))),
            commit.findings.len().to_string(),
            escape_terminal(&commit.subject),
        ]);
    }
    out.push_str(&table.render(width));
    out.push_str("  * a critical path under the policy\n");
    let findings: Vec<&GateFinding> = report.findings().collect();
    if !findings.is_empty() {
        out.push_str("\nfindings:\n");
        for finding in findings {
            let place = match (&finding.path, finding.line) {
                (Some(path), Some(line)) => format!(" {}:{line}", escape_terminal(path)),
                (Some(path), None) => format!(" {}", escape_terminal(path)),
                _ => String::new(),
            };
            out.push_str(&format!(
                "  {} {}{place}\n      {}\n",
                finding.level.as_str(),
                finding.rule,
                escape_terminal(&finding.message)
            ));
        }
    }
    let lines = &report.critical_lines;
    out.push_str(&format!("\nAI lines in critical paths: {} of {}", lines.ai_lines, lines.lines));
    if let Some(share) = lines.share {
        out.push_str(&format!(" ({:.1} %)", share * 100.0));
    }
    if let Some(ceiling) = lines.ceiling {
        out.push_str(&format!(", ceiling {:.1} %", ceiling * 100.0));
    }
    out.push('\n');
    let rules = report
        .rules
        .iter()
        .map(|r| format!("{} {}", r.rule, r.level.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    out.push_str(&format!("rules: {rules}\n"));
    for note in &report.notes {
        out.push_str(&format!("note: {}\n", escape_terminal(note)));
    }
    out.push_str(&format!(
        "result: {} ({} denied, {} warned)\n",
        if report.passed { "passed" } else { "denied" },
        report.denied,
        report.warned
    ));
    out
}

/// GitHub Actions workflow commands: one `::error` (deny) or `::warning` (warn) annotation per
/// finding, on the file and line it points at, then a summary line.
pub fn github(report: &GateReport) -> String {
    let mut out = String::new();
    for finding in report.findings() {
        let command = match finding.level {
            RuleLevel::Deny => "error",
            RuleLevel::Warn | RuleLevel::Off => "warning",
        };
        let mut properties = Vec::new();
        if let Some(path) = &finding.path {
            properties.push(format!("file={}", escape_property(&escape_terminal(path))));
            if let Some(line) = finding.line {
                properties.push(format!("line={line}"));
            }
        }
        properties.push(format!("title={}", escape_property(&format!("faultline {}", finding.rule))));
        // Control characters become visible escapes first (the log is a terminal too), then
        // the runner's own escapes keep the command on one line.
        let message = escape_data(&escape_terminal(&finding.message));
        out.push_str(&format!("::{command} {}::{message}\n", properties.join(",")));
    }
    out.push_str(&format!(
        "faultline gate {}: {} ({} denied, {} warned)\n",
        escape_data(&escape_terminal(&report.range)),
        if report.passed { "passed" } else { "denied" },
        report.denied,
        report.warned
    ));
    out
}

/// A workflow command's message: `%`, CR and LF escaped, as the runner decodes them.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: the message escapes, and `:` and `,`, which end it.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The keys of a commit's trailers, each once, in message order (the values are in the JSON).
fn trailer_keys(commit: &crate::gate::GateCommit) -> String {
    let mut keys: Vec<&str> = Vec::new();
    for trailer in &commit.trailers {
        if !keys.iter().any(|k| k.eq_ignore_ascii_case(&trailer.key)) {
            keys.push(&trailer.key);
        }
    }
    keys.join(", ")
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("::error::x"), "::error::x");
    }
}
