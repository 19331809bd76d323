//! Reports as one self-contained HTML page: inline CSS, charts as inline SVG with their alt
//! text, no script and no external request (a Content-Security-Policy says so to the browser).
//! Every piece of untrusted text is escaped; links are only the checked `https://` ones.

use super::doc::{Block, Document, Inline};

/// Bidirectional controls, which could reorder what a reader sees.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// Escape text for HTML (and XML): `& < > " '` as entities, control and bidirectional
/// characters (invalid in XML, or misleading) as spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c.is_control() && c != '\n') || is_bidi(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}h3{margin-top:1.2em}\
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}\
th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-family:'DejaVu Sans Mono',monospace;font-size:.92em;background:#f4f4f4;padding:0 .2em}\
figure{margin:1em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:.88em;color:#444}\
a{color:#0b4f8a}nav{font-size:.9em;margin-bottom:1em}@media print{a{color:#000}}";

fn inline(pieces: &[Inline]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Inline::Text(t) => escape(t),
            Inline::Code(t) => format!("<code>{}</code>", escape(t)),
            Inline::Strong(t) => format!("<strong>{}</strong>", escape(t)),
            Inline::Link(t, url) => format!("<a href=\"{}\">{}</a>", escape(url), escape(t)),
        })
        .collect()
}

/// A whole page around `body`, titled `title`; `up` is the relative link to the index.
fn page(title: &str, up: Option<&str>, body: &str) -> String {
    let nav = up.map_or(String::new(), |up| format!("<nav><a href=\"{up}\">← all reports</a></nav>\n"));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{nav}<h1>{}</h1>\n{body}</body>\n</html>\n",
        escape(title),
        escape(title)
    )
}

/// The document as a self-contained page.
pub fn render(doc: &Document, up: Option<&str>) -> String {
    let mut body = String::new();
    for block in &doc.blocks {
        match block {
            Block::Heading(level, t) => {
                let h = (*level + 1).min(6);
                body.push_str(&format!("<h{h}>{}</h{h}>\n", escape(t)));
            }
            Block::Para(t) => body.push_str(&format!("<p>{}</p>\n", inline(t))),
            Block::List(items) => {
                body.push_str("<ul>\n");
                for item in items {
                    body.push_str(&format!("<li>{}</li>\n", inline(item)));
                }
                body.push_str("</ul>\n");
            }
            Block::Table { headers, right, rows } => {
                body.push_str("<table>\n<thead><tr>");
                for h in headers {
                    body.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
                }
                body.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    body.push_str("<tr>");
                    for (i, cell) in row.iter().enumerate() {
                        let class = if right.contains(&i) { " class=\"n\"" } else { "" };
                        body.push_str(&format!("<td{class}>{}</td>", inline(cell)));
                    }
                    body.push_str("</tr>\n");
                }
                body.push_str("</tbody>\n</table>\n");
            }
            Block::Figure { alt, svg, .. } => {
                // The SVG's own XML declaration is not allowed inside HTML.
                let svg = svg.find("<svg").map_or(svg.as_str(), |at| &svg[at..]);
                body.push_str(&format!(
                    "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
                    svg.trim_end(),
                    escape(alt)
                ));
            }
        }
    }
    page(&doc.title, up, &body)
}

/// One line of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// `quarters` or `incidents`.
    pub kind: &'static str,
    /// The report's folder name.
    pub folder: String,
    /// Its title.
    pub title: String,
}

/// `index.html`: every report, quarters first.
pub fn index(entries: &[IndexEntry]) -> String {
    let mut body = String::new();
    for (kind, heading) in [("quarters", "Quarterly AI-risk reports"), ("incidents", "Incident reviews")] {
        let mine: Vec<&IndexEntry> = entries.iter().filter(|e| e.kind == kind).collect();
        body.push_str(&format!("<h2>{heading}</h2>\n"));
        if mine.is_empty() {
            body.push_str("<p>None yet.</p>\n");
            continue;
        }
        body.push_str("<ul>\n");
        for e in mine {
            body.push_str(&format!(
                "<li><a href=\"{kind}/{}/report.html\">{}</a> (<a href=\"{kind}/{}/report.md\">Markdown</a>)</li>\n",
                escape(&e.folder),
                escape(&e.title),
                escape(&e.folder)
            ));
        }
        body.push_str("</ul>\n");
    }
    page("faultline reports", None, &body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_escaping_covers_markup_quotes_and_controls() {
        assert_eq!(
            super::escape("<a href='x'>\"&\u{1b}[0m\u{202e}"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp; [0m "
        );
    }
}
