//! The forensic graph as JSON, Graphviz DOT, or a self-contained SVG (a layered drawing:
//! commits, deploys, services, incidents and tools in columns). Labels are untrusted text and
//! are escaped for each format.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::graph::{Edge, Forensics, Node};

/// `{"nodes": [...], "edges": [{"from", "to", "kind", ...}]}`, sorted.
pub fn json(graph: &Forensics) -> String {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        nodes: Vec<&'a Node>,
        edges: Vec<EdgeOut<'a>>,
    }
    #[derive(serde::Serialize)]
    struct EdgeOut<'a> {
        from: String,
        to: String,
        #[serde(flatten)]
        edge: &'a Edge,
    }
    let (nodes, edges) = graph.sorted();
    let key = |n: &Node| format!("{}:{}", n.kind, n.id);
    let edges = edges.into_iter().map(|(a, b, e)| EdgeOut { from: key(a), to: key(b), edge: e }).collect();
    super::json::to_string(&Out { nodes, edges })
}

/// Graphviz DOT: one node per line, ids and labels quoted and escaped.
pub fn dot(graph: &Forensics) -> String {
    let (nodes, edges) = graph.sorted();
    let quote = |s: &str| {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' | '\r' => out.push_str("\\n"),
                c if c.is_control() => {}
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let shape = |kind: &str| match kind {
        "commit" => "box",
        "deploy" => "parallelogram",
        "service" => "ellipse",
        "incident" => "octagon",
        _ => "note",
    };
    let mut out = String::from("digraph faultline {\n  rankdir=LR;\n");
    for n in &nodes {
        let _ = writeln!(
            out,
            "  {} [label={}, shape={}];",
            quote(&format!("{}:{}", n.kind, n.id)),
            quote(&n.label),
            shape(n.kind)
        );
    }
    for (a, b, e) in &edges {
        let label = match e.probability {
            Some(p) => format!("{} {:.0}%", e.kind, p * 100.0),
            None => e.kind.to_string(),
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            quote(&format!("{}:{}", a.kind, a.id)),
            quote(&format!("{}:{}", b.kind, b.id)),
            quote(&label)
        );
    }
    out.push_str("}\n");
    out
}

/// A self-contained SVG: one column per kind, nodes stacked in sorted order, edges as lines;
/// text as SVG text (no fonts to embed), escaped.
pub fn svg(graph: &Forensics) -> String {
    let (nodes, edges) = graph.sorted();
    let columns = ["commit", "deploy", "service", "incident", "tool"];
    let (width, row, left, top) = (260.0, 28.0, 20.0, 40.0);
    let mut place: BTreeMap<(&str, &str), (f64, f64)> = BTreeMap::new();
    let mut counts = [0usize; 5];
    for n in &nodes {
        let column = columns.iter().position(|c| *c == n.kind).unwrap_or(4);
        let (x, y) = (left + column as f64 * width, top + counts[column] as f64 * row);
        counts[column] += 1;
        place.insert((n.kind, n.id.as_str()), (x, y));
    }
    let height = top + *counts.iter().max().unwrap_or(&0) as f64 * row + 20.0;
    let total = left * 2.0 + columns.len() as f64 * width;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total}\" height=\"{height}\" viewBox=\"0 0 {total} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n<title>faultline forensic graph</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (i, c) in columns.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"20\" font-weight=\"bold\">{}s</text>",
            left + i as f64 * width,
            c
        );
    }
    for (a, b, e) in &edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) =
            (place.get(&(a.kind, a.id.as_str())), place.get(&(b.kind, b.id.as_str())))
        else {
            continue;
        };
        let (stroke, dash) = match e.kind {
            "suspected_cause" => ("#b2182b", ""),
            "introduced" | "fixed_by" | "reverted_by" => ("#2166ac", " stroke-dasharray=\"4 2\""),
            _ => ("#999999", ""),
        };
        let opacity = e.probability.map_or(0.6, |p| 0.2 + 0.8 * p);
        let _ = writeln!(
            out,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{stroke}\" stroke-opacity=\"{opacity:.2}\"{dash}><title>{}</title></line>",
            x1 + 200.0,
            y1 - 4.0,
            x2,
            y2 - 4.0,
            escape(e.kind)
        );
    }
    for n in &nodes {
        let (x, y) = place[&(n.kind, n.id.as_str())];
        let label: String = n.label.chars().take(34).collect();
        let _ = writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"200\" height=\"18\" rx=\"3\" fill=\"#f7f7f7\" stroke=\"#636363\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x,
            y - 13.0,
            x + 4.0,
            y,
            escape(&label)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Text for XML: `&`, `<`, `>`, quotes escaped; control characters dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hostile_labels_are_escaped() {
        assert_eq!(super::escape("<script>\"x\"&'\u{1b}"), "&lt;script&gt;&quot;x&quot;&amp;&apos;");
    }
}
