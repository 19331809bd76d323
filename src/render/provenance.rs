//! `faultline provenance` output: the summary by tool and model, the per-commit list and one
//! commit's audit trail, as tables, JSON or CSV.

use crate::error::Result;
use crate::provenance_report::{AuditTrail, CommitRow, Summary};

use super::escape_terminal;
use super::table::Table;

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn share_cell(share: Option<f64>) -> String {
    share.map(percent).unwrap_or_else(|| "unknown".to_string())
}

/// The summary as text tables.
pub fn summary_table(summary: &Summary, width: Option<usize>) -> String {
    let mut out = format!(
        "{} commits: {} AI ({}), {} attested human, {} of unknown origin ({})\n\n",
        summary.commits,
        summary.ai_commits,
        percent(summary.ai_share),
        summary.human_commits,
        summary.unknown_commits,
        percent(summary.unknown_share),
    );
    if summary.by_tool.is_empty() {
        out.push_str("No AI-provenance commits found.\n");
        return out;
    }
    let mut table =
        Table::new(&["tool", "model", "commits", "added lines", "AI lines (exact)"]).right_align(&[2, 3, 4]);
    for row in &summary.by_tool {
        table.push(vec![
            row.tool.clone(),
            row.model.clone().unwrap_or_else(|| "-".into()),
            row.commits.to_string(),
            row.added_lines.to_string(),
            row.ai_added_lines.to_string(),
        ]);
    }
    out.push_str(&table.render(width));
    out
}

/// The summary as CSV: one row per tool and model.
pub fn summary_csv(summary: &Summary) -> Result<String> {
    let rows: Vec<Vec<String>> = summary
        .by_tool
        .iter()
        .map(|r| {
            vec![
                r.tool.clone(),
                r.model.clone().unwrap_or_default(),
                r.commits.to_string(),
                r.added_lines.to_string(),
                r.ai_added_lines.to_string(),
            ]
        })
        .collect();
    super::csv::to_string(&["tool", "model", "commits", "added_lines", "ai_added_lines"], &rows)
}

/// One row per commit as a text table.
pub fn list_table(rows: &[CommitRow], width: Option<usize>) -> String {
    let mut table = Table::new(&["repo", "sha", "date", "origin", "tools", "models", "AI share", "subject"]);
    for row in rows {
        table.push(vec![
            row.repo.clone(),
            row.sha[..12.min(row.sha.len())].to_string(),
            row.authored_at.get(..10).unwrap_or("").to_string(),
            row.origin.as_str().to_string(),
            row.tools.join(","),
            row.models.join(","),
            if row.ai { share_cell(row.ai_line_share) } else { String::new() },
            row.subject.clone(),
        ]);
    }
    table.render(width)
}

/// One row per commit as CSV; list cells are joined with `;`.
pub fn list_csv(rows: &[CommitRow]) -> Result<String> {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.repo.clone(),
                r.sha.clone(),
                r.authored_at.clone(),
                r.ai.to_string(),
                r.origin.as_str().to_string(),
                r.tools.join(";"),
                r.models.join(";"),
                r.sessions.join(";"),
                r.confidence.clone().unwrap_or_default(),
                r.ai_line_share.map(|s| format!("{s:.4}")).unwrap_or_default(),
                r.ai_added_lines.map(|n| n.to_string()).unwrap_or_default(),
                r.added_lines.to_string(),
                r.author.clone(),
                r.subject.clone(),
                r.evidence.join(";"),
            ]
        })
        .collect();
    super::csv::to_string(
        &[
            "repo",
            "sha",
            "authored_at",
            "ai",
            "origin",
            "tools",
            "models",
            "sessions",
            "confidence",
            "ai_line_share",
            "ai_added_lines",
            "added_lines",
            "author",
            "subject",
            "evidence",
        ],
        &body,
    )
}

/// One commit's audit trail as text.
pub fn audit_text(trail: &AuditTrail) -> String {
    let row = &trail.row;
    let e = |s: &str| escape_terminal(s);
    let mut out = String::new();
    out.push_str(&format!("commit     {} ({})\n", row.sha, e(&row.repo)));
    out.push_str(&format!("author     {}  {}\n", e(&row.author), row.authored_at));
    out.push_str(&format!("committer  {}  {}\n", e(&trail.committer), trail.committed_at));
    out.push_str(&format!("subject    {}\n", e(&row.subject)));
    out.push_str(&format!(
        "origin     {}{}\n",
        row.origin.as_str(),
        row.confidence.as_ref().map(|c| format!(" (confidence {c})")).unwrap_or_default()
    ));
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { e(&v.join(", ")) };
    out.push_str(&format!("tools      {}\n", list(&row.tools)));
    out.push_str(&format!("models     {}\n", list(&row.models)));
    out.push_str(&format!("sessions   {}\n", list(&row.sessions)));
    let ai_lines = match (row.ai_added_lines, row.ai_line_share) {
        (Some(n), Some(share)) => format!("{n} of {} added lines ({})", row.added_lines, percent(share)),
        (Some(n), None) => format!("{n} of {} added lines", row.added_lines),
        _ if row.ai => {
            format!("unknown (the evidence does not say which of the {} added lines)", row.added_lines)
        }
        _ => "-".to_string(),
    };
    out.push_str(&format!("AI lines   {ai_lines}\n"));

    out.push_str("\nevidence\n");
    if trail.evidence_detail.is_empty() {
        out.push_str("  none: no rule matched this commit\n");
    }
    for ev in &trail.evidence_detail {
        out.push_str(&format!(
            "  {} [{}] {}: {}{}\n",
            e(&ev.rule),
            ev.confidence.as_str(),
            e(&ev.source),
            e(&ev.text),
            ev.tool.as_ref().map(|t| format!(" -> {}", e(t))).unwrap_or_default()
        ));
    }
    if !trail.trailers.is_empty() {
        out.push_str("\ntrailers\n");
        for t in &trail.trailers {
            out.push_str(&format!("  {}: {}\n", e(&t.key), e(&t.value)));
        }
    }
    out.push_str(&format!("\nfiles ({})\n", trail.files.len()));
    for f in &trail.files {
        let counts = match (f.added, f.deleted) {
            (Some(a), Some(d)) => format!("+{a} -{d}"),
            _ if f.binary => "binary".to_string(),
            _ => "unreadable".to_string(),
        };
        let path = match &f.old_path {
            Some(old) => format!("{} -> {}", e(old), e(&f.path)),
            None => e(&f.path),
        };
        out.push_str(&format!("  {counts:>12}  {} {path}\n", f.kind.as_str()));
    }
    out
}
