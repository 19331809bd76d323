//! CSV output (RFC 4180), written by polars' CSV writer so quoting is never hand-rolled.

use polars::prelude::*;

use crate::error::{Error, Result};

/// Write `headers` and string `rows` as CSV.
pub fn to_string(headers: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let columns: Vec<Column> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            Column::new(
                (*h).into(),
                rows.iter().map(|r| r.get(i).map_or("", String::as_str)).collect::<Vec<&str>>(),
            )
        })
        .collect();
    let mut frame =
        DataFrame::new(rows.len(), columns).map_err(|e| Error::Internal(format!("cannot build CSV: {e}")))?;
    let mut out = Vec::new();
    CsvWriter::new(&mut out)
        .include_header(true)
        .finish(&mut frame)
        .map_err(|e| Error::Internal(format!("cannot write CSV: {e}")))?;
    String::from_utf8(out).map_err(|e| Error::Internal(format!("CSV is not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_commas_quotes_and_newlines() {
        let out = super::to_string(&["a", "b"], &[vec!["x,y".into(), "say \"hi\"\nthere".into()]]).unwrap();
        assert_eq!(out, "a,b\n\"x,y\",\"say \"\"hi\"\"\nthere\"\n");
    }
}
