//! Query results and the table list: aligned text, CSV, JSON and Parquet.

use polars::prelude::*;

use super::table::Table;
use crate::error::{Error, Result};
use crate::query::{SavedQuery, TableInfo};

/// A cell as text: strings as they are, lists joined with `, `, null as empty.
fn cell(value: &AnyValue<'_>) -> String {
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::List(series) => (0..series.len())
            .map(|i| series.get(i).map(|v| cell(&v)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", "),
        AnyValue::Float64(f) => float(*f),
        AnyValue::Float32(f) => float(*f as f64),
        other => other.to_string(),
    }
}

/// Up to six decimals, trailing zeros dropped: `0.25`, `3`, `1e-7` as `0.0000001` rounded.
fn float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let text = format!("{:.6}", f + 0.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.to_string()
    }
}

fn is_number(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric()
}

/// The rows as text cells, column by column.
fn rows(frame: &DataFrame) -> Vec<Vec<String>> {
    let columns = frame.columns();
    (0..frame.height())
        .map(|row| columns.iter().map(|c| c.get(row).map(|v| cell(&v)).unwrap_or_default()).collect())
        .collect()
}

/// Aligned text no wider than `width` (when given), numbers to the right, and the row count.
pub fn table(frame: &DataFrame, width: Option<usize>) -> String {
    let headers: Vec<&str> = frame.get_column_names().iter().map(|n| n.as_str()).collect();
    let right: Vec<usize> =
        frame.columns().iter().enumerate().filter(|(_, c)| is_number(c.dtype())).map(|(i, _)| i).collect();
    let mut table = Table::new(&headers).right_align(&right);
    for row in rows(frame) {
        table.push(row);
    }
    format!("{}({} row(s))\n", table.render(width), frame.height())
}

/// CSV with a header row; lists joined with `, ` (CSV has no lists).
pub fn csv(frame: &DataFrame) -> Result<String> {
    let headers: Vec<&str> = frame.get_column_names().iter().map(|n| n.as_str()).collect();
    super::csv::to_string(&headers, &rows(frame))
}

/// A JSON array of objects, one per row, written by polars.
pub fn json(frame: &DataFrame) -> Result<String> {
    let mut frame = frame.clone();
    let mut out = Vec::new();
    JsonWriter::new(&mut out)
        .with_json_format(JsonFormat::Json)
        .finish(&mut frame)
        .map_err(|e| Error::Internal(format!("cannot write JSON: {e}")))?;
    let mut text = String::from_utf8(out).map_err(|e| Error::Internal(format!("JSON is not UTF-8: {e}")))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Parquet into `path`.
pub fn parquet(frame: &DataFrame, path: &std::path::Path) -> Result<()> {
    let mut frame = frame.clone();
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    ParquetWriter::new(file)
        .finish(&mut frame)
        .map(|_| ())
        .map_err(|e| Error::Store { path: path.to_path_buf(), message: e.to_string() })
}

/// `faultline query --list`.
pub fn saved_list(queries: &[SavedQuery]) -> String {
    let mut out = String::new();
    for q in queries {
        out.push_str(&format!("{}\n    {}\n", q.name, q.question));
        for p in &q.params {
            let default = p.default.as_ref().map_or(String::new(), |d| format!(" (default {d})"));
            out.push_str(&format!("    --param {}=<{}>{default}  {}\n", p.name, p.kind.as_str(), p.about));
        }
    }
    out
}

/// `faultline tables` (and `queries/README.md`'s table section): Markdown.
pub fn tables(tables: &[TableInfo]) -> String {
    let mut out = String::new();
    for t in tables {
        out.push_str(&format!("### `{}`\n\n{}.\n\n", t.name, t.about));
        if t.columns.is_empty() {
            out.push_str("(not in this store)\n\n");
            continue;
        }
        out.push_str("| column | type |\n|---|---|\n");
        for (name, kind) in &t.columns {
            out.push_str(&format!("| `{name}` | {kind} |\n"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn floats_print_short_and_without_negative_zero() {
        assert_eq!(super::float(0.25), "0.25");
        assert_eq!(super::float(3.0), "3");
        assert_eq!(super::float(-0.0), "0");
        assert_eq!(super::float(-1e-9), "0");
        assert_eq!(super::float(2.0 / 3.0), "0.666667");
    }
}
