//! Reports as Markdown (GitHub-flavoured): every piece of untrusted text is escaped so that it
//! reads as the text it is — no emphasis, links, HTML or table breaks can come from a commit
//! message or a timeline entry.

use super::doc::{Block, Document, Inline};

/// Escape text for Markdown: a backslash before every punctuation mark that Markdown gives
/// meaning to inline (and before `-`, `+`, `=` and `1.` at the start, which could open a list
/// or a heading), `:` too so that no autolink forms, `&`, `<` and `>` as entities (so no HTML
/// and no entity can form), line breaks and control characters as spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut leading_digits = true;
    for (i, c) in text.chars().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '#' | '!' | '|' | '~' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if leading_digits && i > 0 => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || super::html::is_bidi(c) => out.push(' '),
            c => out.push(c),
        }
        leading_digits &= c.is_ascii_digit();
    }
    out
}

/// An id or a path as a code span. Code spans cannot hold escapes, so text that holds a
/// backtick, `<`, `>` or `&` is written as escaped plain text instead: no renderer can then
/// take any of it for markup. A pipe is escaped, as GitHub's tables read it even in code.
fn code(text: &str) -> String {
    let clean: String =
        text.chars().map(|c| if c.is_control() || super::html::is_bidi(c) { ' ' } else { c }).collect();
    if clean.contains(['`', '<', '>', '&']) || clean.trim().is_empty() {
        return escape(&clean);
    }
    format!("`{}`", clean.replace('|', "\\|"))
}

fn inline(pieces: &[Inline]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Inline::Text(t) => escape(t),
            Inline::Code(t) => code(t),
            Inline::Strong(t) => format!("**{}**", escape(t)),
            Inline::Link(t, url) => format!("[{}](<{}>)", escape(t), url.replace(['<', '>', ' '], "")),
        })
        .collect()
}

/// The document as Markdown; figures link to their `.svg` file beside the report.
pub fn render(doc: &Document) -> String {
    let mut out = format!("# {}\n", escape(&doc.title));
    for block in &doc.blocks {
        out.push('\n');
        match block {
            Block::Heading(level, t) => {
                out.push_str(&format!("{} {}\n", "#".repeat(*level as usize + 1), escape(t)))
            }
            Block::Para(t) => out.push_str(&format!("{}\n", inline(t))),
            Block::List(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", inline(item)));
                }
            }
            Block::Table { headers, right, rows } => {
                let head: Vec<String> = headers.iter().map(|h| escape(h)).collect();
                out.push_str(&format!("| {} |\n", head.join(" | ")));
                let rule: Vec<&str> =
                    (0..headers.len()).map(|i| if right.contains(&i) { "---:" } else { "---" }).collect();
                out.push_str(&format!("|{}|\n", rule.join("|")));
                for row in rows {
                    let cells: Vec<String> = row.iter().map(|c| inline(c)).collect();
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
            }
            Block::Figure { name, alt, .. } => {
                out.push_str(&format!("![{}]({name}.svg)\n", escape(alt)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_leaves_no_markup() {
        assert_eq!(
            escape("a|b *c* [x](y) <img src=x> &amp;\nz https://e.com"),
            "a\\|b \\*c\\* \\[x\\](y) &lt;img src=x&gt; &amp;amp; z https\\://e.com"
        );
        assert_eq!(escape("- item"), "\\- item");
        assert_eq!(escape("12. x"), "12\\. x");
        assert_eq!(escape("INC-2026-011 v1.2"), "INC-2026-011 v1.2");
        assert_eq!(code("dep-1|2"), "`dep-1\\|2`");
        assert_eq!(code("a`b<i>"), "a\\`b&lt;i&gt;");
    }
}
