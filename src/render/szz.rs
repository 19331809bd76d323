//! `faultline szz` as text: one row per fix and blamed commit, with the file and the lines.

use super::escape_terminal;
use super::table::Table;
use crate::analyze::szz::SzzLink;

/// The links as aligned text, no wider than `width` where given.
pub fn text(links: &[SzzLink], width: Option<usize>) -> String {
    let mut table = Table::new(&["fix", "blamed", "path", "lines at the fix's parent"]);
    for link in links {
        if link.blamed.is_empty() {
            table.push(vec![short(&link.fix), "-".into(), "-".into(), "-".into()]);
        }
        for b in &link.blamed {
            let lines = b.lines.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
            table.push(vec![short(&link.fix), short(&b.sha), escape_terminal(&b.path), lines]);
        }
    }
    table.render(width)
}

fn short(sha: &str) -> String {
    sha[..sha.len().min(12)].to_string()
}
