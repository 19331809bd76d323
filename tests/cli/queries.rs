//! `faultline query` and `faultline tables` on the sample company: every saved query runs and
//! matches its snapshot, parameters stay values, bad SQL is a usage error, and the table list
//! is what `queries/README.md` says.

use std::path::{Path, PathBuf};

use crate::support::Workspace;

fn analyzed_sample() -> Workspace {
    let ws = crate::sample_workspace();
    let out = ws.run(&["analyze", "--no-reports"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    ws
}

fn queries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("queries")
}

/// The parameters each saved query is run with in its snapshot (defaults otherwise).
fn snapshot_params(name: &str) -> Vec<&'static str> {
    match name {
        "ai-commits-to-service" => vec!["service=payments"],
        "suspects-of-incident" => vec!["incident=INC-2026-021"],
        "ai-commits-by-blast-radius" => vec!["since=2026-07-01", "until=2026-10-01", "top=5"],
        _ => vec![],
    }
}

#[test]
fn every_saved_query_runs_on_the_sample_and_matches_its_snapshot() {
    let ws = analyzed_sample();
    let mut names: Vec<String> = std::fs::read_dir(queries_dir())
        .unwrap()
        .filter_map(|e| {
            e.unwrap().file_name().to_str().and_then(|n| n.strip_suffix(".sql")).map(String::from)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 12, "{names:?}");
    // The binary carries every file of queries/, and only those.
    let listed = ws.run(&["query", "--list"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let listed_names: Vec<&str> = listed.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(listed_names, names);
    let update = std::env::var_os("FAULTLINE_UPDATE_SNAPSHOTS").is_some();
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/queries");
    for name in &names {
        let mut args = vec!["query", name.as_str(), "--format", "csv"];
        let params = snapshot_params(name);
        for p in &params {
            args.extend(["--param", p]);
        }
        let out = ws.run(&args);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let rows = out.stdout.lines().count() - 1;
        assert!(rows >= 1, "{name} answered nothing on the sample");
        let path = snapshots.join(format!("{name}.csv"));
        if update {
            std::fs::create_dir_all(&snapshots).unwrap();
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("no snapshot {}; run with FAULTLINE_UPDATE_SNAPSHOTS=1", path.display())
        });
        assert_eq!(out.stdout, expected, "{name} differs from its snapshot");
    }
}

#[test]
fn parameters_with_quotes_or_sql_in_them_are_values() {
    let ws = analyzed_sample();
    let out =
        ws.run(&["query", "suspects-of-incident", "--param", "incident=x' OR '1'='1", "--format", "csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1, "only the header: {}", out.stdout);
    let out = ws.run(&[
        "query",
        "SELECT COUNT(*) AS n FROM incidents WHERE id = :id",
        "--param",
        "id=INC-2026-021'; DROP TABLE incidents; --",
        "--format",
        "csv",
    ]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "n\n0\n"), "{}", out.stderr);
    let out = ws.run(&[
        "query",
        "SELECT COUNT(*) AS n FROM incidents WHERE id = :id",
        "--param",
        "id=INC-2026-021",
        "--format",
        "csv",
    ]);
    assert_eq!(out.stdout, "n\n1\n");
    let printed = ws.run(&["query", "suspects-of-incident", "--param", "incident=a'b", "--print-sql"]);
    assert!(printed.stdout.contains("WHERE s.incident_id = 'a''b'\n"), "{}", printed.stdout);
    // A typed parameter refuses what is not of its type.
    let out = ws.run(&["query", "deploys-by-ai-line-share", "--param", "top=1; DROP TABLE deploys"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--param top=\"1; DROP TABLE deploys\": expected a whole number"),
        "{}",
        out.stderr
    );
    let out = ws.run(&["query", "suspects-of-incident"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("the query needs a value for :incident; pass --param incident=VALUE"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_bad_query_is_a_one_line_usage_error() {
    let ws = analyzed_sample();
    for sql in ["SELEC * FROM commits", "SELECT nope FROM commits", "SELECT * FROM no_such_table"] {
        let out = ws.run(&["query", sql]);
        assert_eq!(out.code, 2, "{sql}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.starts_with("faultline: error: query (1 line(s)): "), "{}", out.stderr);
    }
    let out = ws.run(&["query", "no-such-saved-query"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no saved query `no-such-saved-query`"), "{}", out.stderr);
}

#[test]
fn query_output_formats() {
    let ws = analyzed_sample();
    let sql = "SELECT tool, COUNT(*) AS commits FROM provenance WHERE ai GROUP BY tool ORDER BY commits DESC, tool LIMIT 3";
    let table = ws.run(&["query", sql]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert_eq!(
        table.stdout,
        "tool    commits\nclaude       27\ndevin        25\naider        22\n(3 row(s))\n"
    );
    let json = ws.run(&["query", sql, "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{"tool": "claude", "commits": 27}, {"tool": "devin", "commits": 25}, {"tool": "aider", "commits": 22}])
    );
    let out = ws.run(&["query", sql, "--format", "parquet", "--output", "out.parquet"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut file = std::fs::File::open(ws.path().join("out.parquet")).unwrap();
    use polars::prelude::SerReader as _;
    let frame = polars::prelude::ParquetReader::new(&mut file).finish().unwrap();
    assert_eq!(frame.shape(), (3, 2));
    let missing = ws.run(&["query", sql, "--format", "parquet"]);
    assert_eq!(missing.code, 2);
    // Lists print joined.
    let lists = ws.run(&[
        "query",
        "SELECT tools FROM provenance WHERE ai AND sha LIKE 'bc03ce70c721%'",
        "--format",
        "csv",
    ]);
    assert_eq!(lists.stdout, "tools\ncopilot\n");
}

#[test]
fn tables_lists_every_table_as_queries_readme_does() {
    let ws = analyzed_sample();
    let out = ws.run(&["tables"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for table in faultline::query::TABLES {
        assert!(out.stdout.contains(&format!("### `{}`", table.0)), "{}", table.0);
    }
    assert!(out.stdout.contains("| `committer_epoch` | int64 |"), "{}", out.stdout);
    assert!(!out.stdout.contains("(not in this store)"), "{}", out.stdout);
    let readme = std::fs::read_to_string(queries_dir().join("README.md")).unwrap();
    let start = readme.find("<!-- tables: generated by `faultline tables` -->\n").expect("the tables marker");
    let end = readme.find("<!-- end of tables -->").expect("the end marker");
    let section = &readme[start + "<!-- tables: generated by `faultline tables` -->\n".len()..end];
    assert_eq!(
        section, out.stdout,
        "queries/README.md is stale: paste `faultline tables` between the markers"
    );
}

/// With `--features datafusion`: every saved query gives the same rows on Apache DataFusion
/// as on polars, over the same store (the portable-SQL promise of `queries/README.md`).
#[cfg(feature = "datafusion")]
#[test]
fn every_saved_query_gives_the_same_rows_on_datafusion() {
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::prelude::{ParquetReadOptions, SessionContext};

    let ws = analyzed_sample();
    let store = ws.path().join(".faultline/current");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let ctx = SessionContext::new();
    for (table, _) in faultline::query::TABLES {
        let path = store.join(format!("{table}.parquet"));
        if path.is_file() {
            runtime
                .block_on(ctx.register_parquet(*table, path.to_str().unwrap(), ParquetReadOptions::default()))
                .unwrap();
        }
    }
    let listed = ws.run(&["query", "--list"]);
    let names: Vec<&str> = listed.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert!(names.len() >= 12);
    for name in names {
        let mut args = vec!["query", name];
        for p in snapshot_params(name) {
            args.extend(["--param", p]);
        }
        let sql = ws.run(&[args.as_slice(), &["--print-sql"]].concat()).stdout;
        let json = ws.run(&[args.as_slice(), &["--format", "json"]].concat());
        assert_eq!(json.code, 0, "{name}: {}", json.stderr);
        let expected: Vec<serde_json::Map<String, serde_json::Value>> =
            serde_json::from_str(&json.stdout).unwrap();
        let batches = runtime
            .block_on(async { ctx.sql(&sql).await?.collect().await })
            .unwrap_or_else(|e| panic!("{name} does not run on DataFusion: {e}"));
        let mut got: Vec<Vec<Option<String>>> = Vec::new();
        for batch in &batches {
            for row in 0..batch.num_rows() {
                got.push(
                    batch
                        .columns()
                        .iter()
                        .map(|c| (!c.is_null(row)).then(|| array_value_to_string(c, row).unwrap()))
                        .collect(),
                );
            }
        }
        assert_eq!(got.len(), expected.len(), "{name}: row counts differ");
        for (k, (ours, theirs)) in expected.iter().zip(&got).enumerate() {
            assert_eq!(ours.len(), theirs.len(), "{name} row {k}: column counts differ");
            for ((column, a), b) in ours.iter().zip(theirs) {
                let same = match (a, b) {
                    (serde_json::Value::Null, None) => true,
                    (serde_json::Value::Number(x), Some(y)) => y
                        .parse::<f64>()
                        .is_ok_and(|y| (x.as_f64().unwrap() - y).abs() <= 1e-9 * y.abs().max(1.0)),
                    (serde_json::Value::String(x), Some(y)) => x == y,
                    (serde_json::Value::Bool(x), Some(y)) => x.to_string() == *y,
                    _ => false,
                };
                assert!(same, "{name} row {k} column {column}: polars {a} against DataFusion {b:?}");
            }
        }
    }
}
