//! `faultline analyze --engine …` on the sample company: the heavy reductions run as SQL on
//! polars (always built), on DataFusion in process (`--features datafusion`) and on a Ballista
//! cluster — scheduler and executor started inside this test process, on loopback
//! (`--features ballista`) — and every engine gives exactly the `suspects`, `blast_radius`,
//! `deploy_commits`, `szz_links` and `deploy_facts` of the in-process analysis, over the store
//! and over a lake, and the same quarterly reports, incident reviews and summary, which read the
//! lake on the engine as well.

use faultline::engine::{flags, floats, ints, key_frame, text_lists, texts, Engine, Kind, Run, Tables};
use polars::prelude::{Column, DataFrame, NamedFrom, Series};

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

/// A frame of two chunks, with nulls, long and non-ASCII text and lists, sent to an engine in
/// this process: read back whole, value for value, joined, replaced, and no file written.
fn sent_frames_come_back_whole(engine: &Engine) {
    let part = |ids: Vec<i64>, names: Vec<Option<&str>>, flags: Vec<Option<bool>>, tags: Vec<Vec<&str>>| {
        let height = ids.len();
        let shares: Vec<Option<f64>> = ids.iter().map(|&i| (i != 2).then_some(i as f64 / 4.0)).collect();
        let tags: Vec<Series> = tags.into_iter().map(|t| Series::new("".into(), t)).collect();
        let columns = vec![
            Column::new("id".into(), ids),
            Column::new("name".into(), names),
            Column::new("flag".into(), flags),
            Column::new("share".into(), shares),
            Column::new("tags".into(), tags),
        ];
        DataFrame::new(height, columns).unwrap()
    };
    let mut frame = part(
        vec![3, 1],
        vec![Some("checkout"), None],
        vec![Some(true), None],
        vec![vec!["claude-code", "aider"], vec![]],
    );
    frame
        .vstack_mut_owned(part(
            vec![2, 5, 4],
            vec![Some("a name longer than twelve bytes"), Some("zürich-ß"), Some("")],
            vec![Some(false), Some(true), Some(false)],
            vec![vec!["cursor"], vec!["x"], vec!["copilot", "", "y"]],
        ))
        .unwrap();
    assert_eq!(frame.first_col_n_chunks(), 2);
    let scratch = tempfile::tempdir().unwrap();
    let mut run = Run::open(engine, &Tables::default(), scratch.path(), "test-").unwrap();
    run.send("fl_sent", frame).unwrap();
    let columns = [
        ("id", Kind::Int),
        ("name", Kind::Text),
        ("flag", Kind::Bool),
        ("share", Kind::Float),
        ("tags", Kind::TextList),
    ];
    let back = run.query("SELECT id, name, flag, share, tags FROM fl_sent ORDER BY id", &columns).unwrap();
    assert_eq!(ints(&back, "id").unwrap(), [Some(1), Some(2), Some(3), Some(4), Some(5)]);
    assert_eq!(
        texts(&back, "name").unwrap(),
        [
            None,
            Some("a name longer than twelve bytes".into()),
            Some("checkout".into()),
            Some("".into()),
            Some("zürich-ß".into())
        ]
    );
    assert_eq!(flags(&back, "flag").unwrap(), [None, Some(false), Some(true), Some(false), Some(true)]);
    assert_eq!(floats(&back, "share").unwrap(), [Some(0.25), None, Some(0.75), Some(1.0), Some(1.25)]);
    assert_eq!(
        text_lists(&back, "tags").unwrap(),
        [vec![], vec!["cursor"], vec!["claude-code", "aider"], vec!["copilot", "", "y"], vec!["x"]]
    );
    // Joined with a second sent table, replaced by a later send of the same name.
    run.send("fl_keys", key_frame([("r", "a"), ("r", "b")]).unwrap()).unwrap();
    run.send("fl_keys", key_frame([("r", "c")]).unwrap()).unwrap();
    let joined = run
        .query("SELECT COUNT(*) AS n FROM fl_keys k JOIN fl_sent s ON k.sha <> s.name", &[("n", Kind::Int)])
        .unwrap();
    assert_eq!(ints(&joined, "n").unwrap(), [Some(4)]);
    // An empty frame is a table of no rows.
    run.send("fl_empty", key_frame([]).unwrap()).unwrap();
    let empty = run.query("SELECT COUNT(*) AS n FROM fl_empty", &[("n", Kind::Int)]).unwrap();
    assert_eq!(ints(&empty, "n").unwrap(), [Some(0)]);
    assert!(std::fs::read_dir(scratch.path()).unwrap().next().is_none(), "a file was written");
}

#[test]
fn the_polars_engine_takes_sent_frames_in_memory() {
    sent_frames_come_back_whole(&Engine::Polars);
}

#[cfg(feature = "datafusion")]
#[test]
fn datafusion_in_process_takes_sent_frames_in_memory() {
    sent_frames_come_back_whole(&Engine::DataFusion);
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
