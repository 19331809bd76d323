//! Aligned plain-text tables that fit the terminal: the widest cells are cut with `…` when the
//! table would be wider than the width given.

use unicode_width::UnicodeWidthStr;

use super::escape_terminal;

/// A table: a header row and body rows of the same length.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column titles.
    pub headers: Vec<String>,
    /// Cells, row by row; untrusted text is escaped when rendered.
    pub rows: Vec<Vec<String>>,
    /// Columns whose cells are right-aligned (numbers).
    pub right: Vec<usize>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(headers: &[&str]) -> Table {
        Table { headers: headers.iter().map(|h| h.to_string()).collect(), ..Table::default() }
    }

    /// Right-align the columns at these positions.
    pub fn right_align(mut self, columns: &[usize]) -> Table {
        self.right = columns.to_vec();
        self
    }

    /// Add a row.
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// Render with two spaces between columns, no wider than `max_width` (when given).
    pub fn render(&self, max_width: Option<usize>) -> String {
        let cells: Vec<Vec<String>> = std::iter::once(&self.headers)
            .chain(&self.rows)
            .map(|row| row.iter().map(|c| escape_terminal(c)).collect())
            .collect();
        let columns = self.headers.len();
        let mut widths: Vec<usize> = (0..columns)
            .map(|i| cells.iter().map(|r| r.get(i).map_or(0, |c| c.width())).max().unwrap_or(0))
            .collect();
        if let Some(max) = max_width {
            let gaps = 2 * columns.saturating_sub(1);
            while widths.iter().sum::<usize>() + gaps > max {
                let (widest, &w) = widths.iter().enumerate().max_by_key(|(_, w)| **w).unwrap_or((0, &0));
                if w <= 8 {
                    break;
                }
                widths[widest] = w - 1;
            }
        }
        let mut out = String::new();
        for row in &cells {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let cell = fit(row.get(i).map_or("", String::as_str), *width);
                let pad = width.saturating_sub(cell.width());
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right.contains(&i) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(&cell);
                } else {
                    line.push_str(&cell);
                    if i + 1 < columns {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `text` cut to `width` display columns, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_numbers_go_right() {
        let mut t = Table::new(&["tool", "commits"]).right_align(&[1]);
        t.push(vec!["claude".into(), "12".into()]);
        t.push(vec!["aider".into(), "3".into()]);
        assert_eq!(t.render(None), "tool    commits\nclaude       12\naider         3\n");
    }

    #[test]
    fn wide_cells_are_cut_to_fit() {
        let mut t = Table::new(&["sha", "subject"]);
        t.push(vec!["abc".into(), "a very long subject line that will not fit".into()]);
        let out = t.render(Some(24));
        assert_eq!(out, "sha  subject\nabc  a very long subjec…\n");
    }
}
