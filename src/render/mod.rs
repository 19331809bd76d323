//! Renderers: pure functions from findings to text. Each output format is one file; none of
//! them reads the store or the clock.

pub mod chart;
pub mod csv;
pub mod doc;
pub mod explain;
pub mod gate;
pub mod graph;
pub mod html;
pub mod json;
pub mod markdown;
pub mod provenance;
pub mod query;
pub mod rank;
pub mod report;
pub mod sarif;
pub mod summary;
pub mod szz;
pub mod table;

/// Make untrusted text (commit messages, names, paths) safe to print on a terminal: control
/// characters, escape sequences and bidirectional overrides are shown as `\u{…}` escapes.
pub fn escape_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}');
        if c.is_control() || bidi {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_terminal_neutralises_escape_sequences_and_bidi() {
        assert_eq!(escape_terminal("ok\x1b[31mred\u{202e}x\ny"), "ok\\u{1b}[31mred\\u{202e}x\\ny");
        assert_eq!(escape_terminal("José 田中"), "José 田中");
    }
}
