//! `faultline analyze --engine …` on the sample company: the heavy reductions run as SQL on
//! polars (always built), on DataFusion in process (`--features datafusion`) and on a Ballista
//! cluster — scheduler and executor started inside this test process, on loopback
//! (`--features ballista`) — and every engine gives exactly the `suspects`, `blast_radius`,
//! `deploy_commits`, `szz_links` and `deploy_facts` of the in-process analysis, over the store
//! and over a lake, and the same quarterly reports, incident reviews and summary, which read the
//! lake on the engine as well.

use crate::support::Workspace;

const TABLES: [(&str, &str); 5] = [
    ("suspects", "SELECT * FROM suspects ORDER BY incident_id, rank"),
    ("blast_radius", "SELECT * FROM blast_radius ORDER BY repo, sha"),
    ("deploy_commits", "SELECT * FROM deploy_commits ORDER BY deploy_id, position"),
    ("szz_links", "SELECT * FROM szz_links ORDER BY incident_id, fix_sha, path, line"),
    ("deploy_facts", "SELECT * FROM deploy_facts ORDER BY started_at, deploy_id"),
];

/// Every report's Markdown under `out/KIND` (`quarters`, `incidents`), by folder.
fn reports(out: &std::path::Path, kind: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = std::fs::read_dir(out.join(kind))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(path.join("report.md")).unwrap())
        })
        .collect();
    found.sort();
    found
}

fn quarters(out: &std::path::Path) -> Vec<(String, String)> {
    reports(out, "quarters")
}

fn reviews(out: &std::path::Path) -> Vec<(String, String)> {
    reports(out, "incidents")
}

fn run_ok(ws: &Workspace, args: &[&str]) -> String {
    let out = ws.run(args);
    assert_eq!(out.code, 0, "faultline {args:?}: {}", out.stderr);
    out.stderr
}

/// The analysis tables, from the store or, with `lake`, from the lake.
fn tables_of(ws: &Workspace, lake: Option<&str>) -> Vec<(String, String)> {
    TABLES
        .iter()
        .map(|(name, sql)| {
            let mut args = vec!["query", sql, "--format", "csv"];
            args.extend(lake.map(|lake| ["--lake", lake]).into_iter().flatten());
            let out = ws.run(&args);
            assert_eq!(out.code, 0, "{sql}: {}", out.stderr);
            (name.to_string(), out.stdout)
        })
        .collect()
}

fn tables(ws: &Workspace) -> Vec<(String, String)> {
    tables_of(ws, None)
}

/// The tables and quarterly reports of the in-process analysis of the sample, once per test
/// binary.
struct Expected {
    tables: Vec<(String, String)>,
    quarters: Vec<(String, String)>,
    reviews: Vec<(String, String)>,
    summary: String,
}

fn expected() -> &'static Expected {
    static EXPECTED: std::sync::OnceLock<Expected> = std::sync::OnceLock::new();
    EXPECTED.get_or_init(|| {
        let ws = crate::sample_workspace();
        let out = ws.run(&["analyze", "--out", "out"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains("## Commits by blast radius"), "{}", out.stdout);
        let tables = tables(&ws);
        assert!(tables[0].1.lines().count() > 100, "{}", tables[0].1);
        assert!(tables[1].1.lines().count() > 500, "{}", tables[1].1);
        // Every successful production deploy that shipped commits, and the header.
        assert_eq!(tables[4].1.lines().count(), 1 + 218, "{}", tables[4].1);
        let quarters = quarters(&ws.path().join("out"));
        assert_eq!(quarters.iter().map(|q| q.0.as_str()).collect::<Vec<_>>(), ["2026-Q2", "2026-Q3"]);
        let reviews = reviews(&ws.path().join("out"));
        assert_eq!(reviews.len(), 14);
        Expected { tables, quarters, reviews, summary: out.stdout }
    })
}

/// `analyze --engine ENGINE` over the store, then over a lake mined in 3 shards.
fn same_answers(engine: &str) {
    let ws = crate::sample_workspace();
    let said = run_ok(&ws, &["analyze", "--no-reports", "--engine", engine]);
    assert!(said.contains(&format!("analyzed on {engine}")), "{said}");
    for ((name, want), (_, got)) in expected().tables.iter().zip(tables(&ws)) {
        assert_eq!(&got, want, "{name} on {engine} over the store");
    }

    let ws = crate::sample_workspace();
    for shard in ["0/3", "1/3", "2/3"] {
        run_ok(&ws, &["ingest", "--lake", "lake", "--shard", shard]);
    }
    let said = run_ok(&ws, &["analyze", "--no-reports", "--lake", "lake", "--engine", engine]);
    assert!(said.contains("5 analysis table(s) published in the lake"), "{said}");
    // The published tables are in the lake, listed by its analysis manifest.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("lake/_analysis.json")).unwrap())
            .unwrap();
    for (name, _) in TABLES {
        let file = manifest["files"][name][0].as_str().unwrap();
        assert!(ws.path().join("lake").join(file).is_file(), "{name}: {file}");
    }
    for ((name, want), (_, got)) in expected().tables.iter().zip(tables_of(&ws, Some("lake"))) {
        assert_eq!(&got, want, "{name} on {engine} over the lake");
    }
    // And with reports: they read the lake on the engine too, and the lake is never copied
    // into the store.
    let out = ws.run(&["analyze", "--lake", "lake", "--engine", engine, "--out", "out"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(quarters(&ws.path().join("out")), expected().quarters, "quarterly reports on {engine}");
    assert_eq!(reviews(&ws.path().join("out")), expected().reviews, "incident reviews on {engine}");
    assert_eq!(out.stdout, expected().summary, "the summary on {engine}");
    let store = ws.run(&["query", "SELECT COUNT(*) AS n FROM commits"]);
    assert!(store.code == 2 && store.stderr.contains("is empty"), "{}", store.stderr);
}

#[test]
fn the_polars_engine_gives_the_in_process_answers() {
    same_answers("polars");
}

#[cfg(feature = "datafusion")]
#[test]
fn datafusion_in_process_gives_the_in_process_answers() {
    same_answers("datafusion");
}

/// A Ballista scheduler and executor inside this process, on loopback; faultline connects to
/// the scheduler as it would to a cluster's.
#[cfg(feature = "ballista")]
#[test]
fn ballista_standalone_gives_the_in_process_answers() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let address = faultline::engine::start_standalone_cluster(&runtime).unwrap();
    same_answers(&format!("ballista://localhost:{}", address.port()));
    drop(runtime);
}

#[test]
fn engines_a_build_lacks_or_that_do_not_exist_are_usage_errors() {
    let ws = crate::sample_workspace();
    let out = ws.run(&["analyze", "--no-reports", "--engine", "spark"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown engine `spark`: expected polars, datafusion or ballista://HOST:PORT"),
        "{}",
        out.stderr
    );
    let out = ws.run(&["analyze", "--no-reports", "--engine", "ballista://nowhere"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("expected ballista://HOST:PORT"), "{}", out.stderr);
    #[cfg(not(feature = "datafusion"))]
    {
        let out = ws.run(&["analyze", "--no-reports", "--engine", "datafusion"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("cargo build --release --features datafusion"), "{}", out.stderr);
    }
    #[cfg(not(feature = "ballista"))]
    {
        let out = ws.run(&["analyze", "--no-reports", "--engine", "ballista://localhost:50050"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("cargo build --release --features ballista"), "{}", out.stderr);
    }
}
