//! `faultline szz` as text: one row per fix and blamed commit, with the file and the lines.

use super::escape_terminal;
use super::table::Table;
use crate::analyze::szz::SzzLink;
use crate::model::short_sha;

/// The links as aligned text, no wider than `width` where given.
pub fn text(links: &[SzzLink], width: Option<usize>) -> String {
    let mut table = Table::new(&["fix", "blamed", "path", "lines at the fix's parent"]);
    for link in links {
        if link.blamed.is_empty() {
            table.push(vec![short_sha(&link.fix).to_string(), "-".into(), "-".into(), "-".into()]);
        }
        for b in &link.blamed {
            let lines = b.lines.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
            table.push(vec![
                short_sha(&link.fix).to_string(),
                short_sha(&b.sha).to_string(),
                escape_terminal(&b.path),
                lines,
            ]);
        }
    }
    table.render(width)
}
