//! `faultline ingest --lake DIR --shard I/N` and `faultline analyze --lake DIR` on the sample
//! company: shards write disjoint Hive-partitioned files, the lake analyzes to exactly what the
//! store does, a missing shard is an error, and a failed run is cleaned up by rerunning its
//! shard alone.

use std::collections::BTreeSet;
use std::path::Path;

use polars::prelude::SerReader;
use serde_json::Value;

use crate::support::Workspace;

const SUSPECTS: &str = "SELECT * FROM suspects ORDER BY incident_id, rank";
const BLAST_RADIUS: &str = "SELECT * FROM blast_radius ORDER BY repo, sha";

fn run_ok(ws: &Workspace, args: &[&str]) -> String {
    let out = ws.run(args);
    assert_eq!(out.code, 0, "faultline {args:?}: {}", out.stderr);
    out.stderr
}

fn query_csv(ws: &Workspace, sql: &str) -> String {
    let out = ws.run(&["query", sql, "--format", "csv"]);
    assert_eq!(out.code, 0, "{sql}: {}", out.stderr);
    out.stdout
}

fn manifest(lake: &Path, tag: &str) -> Value {
    let text = std::fs::read_to_string(lake.join("_shards").join(format!("{tag}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn listed(manifest: &Value, table: &str) -> Vec<String> {
    manifest["files"][table].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect()
}

fn mine(ws: &Workspace, count: u32) {
    for index in 0..count {
        run_ok(ws, &["ingest", "--lake", "lake", "--shard", &format!("{index}/{count}")]);
    }
}

#[test]
fn a_lake_mined_in_shards_analyzes_to_what_the_store_does() {
    let store = crate::sample_workspace();
    run_ok(&store, &["analyze", "--no-reports"]);
    let expected = (query_csv(&store, SUSPECTS), query_csv(&store, BLAST_RADIUS));
    assert!(expected.0.lines().count() > 10, "{}", expected.0);

    let ws = crate::sample_workspace();
    mine(&ws, 3);
    let lake = ws.path().join("lake");
    let manifests: Vec<Value> = (0..3).map(|i| manifest(&lake, &format!("s{i:03}of003"))).collect();

    // Every repository in exactly one shard; every file named after its shard, in its
    // repository's bucket; only shard 0 holds the tables of the sources.
    let mut repos = Vec::new();
    for (i, m) in manifests.iter().enumerate() {
        assert_eq!(m["shard"], i as u64);
        assert_eq!(m["shards"], 3);
        assert_eq!(m["generation"], 1);
        repos.extend(m["repos"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()));
        for (table, files) in m["files"].as_object().unwrap() {
            for file in files.as_array().unwrap() {
                let file = file.as_str().unwrap();
                assert!(file.ends_with(&format!("/part-s{i:03}of003-g000001.parquet")), "{file}");
                assert!(file.starts_with(&format!("{table}/")), "{file}");
                assert!(lake.join(file).is_file(), "{file}");
            }
        }
        let sources = m["files"].get("deploys").is_some();
        assert_eq!(sources, i == 0, "shard {i}");
    }
    repos.sort();
    assert_eq!(repos, ["auth", "shop"]);
    for m in &manifests {
        for repo in m["repos"].as_array().unwrap() {
            let bucket = faultline::lake::repo_bucket(repo.as_str().unwrap());
            let dir = format!("commits/repo_bucket=b{bucket:03}/");
            assert!(listed(m, "commits").iter().any(|f| f.starts_with(&dir)), "{dir} in {m}");
        }
    }

    // The partition key is in the path, not in the file.
    let any_commits =
        listed(&manifests.iter().find(|m| !listed(m, "commits").is_empty()).unwrap().clone(), "commits");
    let file = std::fs::File::open(lake.join(&any_commits[0])).unwrap();
    let frame = polars::prelude::ParquetReader::new(file);
    let frame = frame.finish().unwrap();
    let columns: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
    assert!(
        columns.contains(&"repo".to_string()) && !columns.contains(&"repo_bucket".to_string()),
        "{columns:?}"
    );

    let stderr = run_ok(&ws, &["analyze", "--lake", "lake", "--no-reports"]);
    assert!(stderr.contains("3 shard(s) read into the store"), "{stderr}");
    assert!(stderr.contains("5 analysis table(s) published in the lake"), "{stderr}");
    let analysis = manifest(&lake, "../_analysis");
    assert_eq!(listed(&analysis, "suspects"), ["suspects/part-analysis-g000001.parquet"]);
    let file = std::fs::File::open(lake.join("suspects/part-analysis-g000001.parquet")).unwrap();
    let published = polars::prelude::ParquetReader::new(file).finish().unwrap();
    assert_eq!(published.height(), expected.0.lines().count() - 1);
    assert_eq!(query_csv(&ws, SUSPECTS), expected.0);
    assert_eq!(query_csv(&ws, BLAST_RADIUS), expected.1);
    // A second analysis replaces the first's tables.
    run_ok(&ws, &["analyze", "--lake", "lake", "--no-reports"]);
    assert!(lake.join("suspects/part-analysis-g000002.parquet").is_file());
    assert!(!lake.join("suspects/part-analysis-g000001.parquet").exists());
    for sql in [
        "SELECT COUNT(*) AS n, SUM(added_lines) AS added FROM commits",
        "SELECT COUNT(*) AS n FROM commit_files",
        "SELECT * FROM provenance ORDER BY repo, sha",
        "SELECT COUNT(*) AS n FROM deploys",
        "SELECT * FROM deploy_commits ORDER BY deploy_id, repo, sha",
        "SELECT id, title, severity, started_epoch, resolved_epoch, impact_seconds FROM incidents ORDER BY id",
    ] {
        assert_eq!(query_csv(&ws, sql), query_csv(&store, sql), "{sql}");
    }
}

#[test]
fn a_lake_with_a_missing_shard_is_not_analyzed() {
    let ws = crate::sample_workspace();
    run_ok(&ws, &["ingest", "--lake", "lake", "--shard", "0/4"]);
    run_ok(&ws, &["ingest", "--lake", "lake", "--shard", "2/4"]);
    let out = ws.run(&["analyze", "--lake", "lake", "--no-reports"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("is incomplete: shard(s) 1/4, 3/4 of 4 have not published"),
        "{}",
        out.stderr
    );
    // Complete, but the config has gained a repository since: analyzed, and said.
    run_ok(&ws, &["ingest", "--lake", "lake", "--shard", "1/4"]);
    run_ok(&ws, &["ingest", "--lake", "lake", "--shard", "3/4"]);
    let config = std::fs::read_to_string(ws.path().join("faultline.toml")).unwrap();
    let more = config.replacen(
        "[[repos]]",
        "[[repos]]\nname = \"billing\"\npath = \"repos/auth.git\"\n\n[[repos]]",
        1,
    );
    std::fs::write(ws.path().join("faultline.toml"), more).unwrap();
    let stderr = run_ok(&ws, &["analyze", "--lake", "lake", "--no-reports"]);
    assert!(
        stderr.contains("1 configured repositor(ies) are in no shard's manifest and are not analyzed (added after the shards ran? rerun every shard): billing"),
        "{stderr}"
    );
    // Another shard count on the same lake is refused before anything is mined.
    let out = ws.run(&["ingest", "--lake", "lake", "--shard", "1/2"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("is mined in 4 shards"), "{}", out.stderr);
    // An empty lake, and a shard that is not one.
    let out = ws.run(&["analyze", "--lake", "nothing-here", "--no-reports"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("holds no shard"), "{}", out.stderr);
    let out = ws.run(&["ingest", "--lake", "lake", "--shard", "4/4"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("expected I/N with 0 <= I < N <= 256"), "{}", out.stderr);
}

#[test]
fn new_commits_are_appended_and_a_failed_run_is_cleaned_by_rerunning_its_shard() {
    let ws = crate::sample_workspace();
    mine(&ws, 2);
    let lake = ws.path().join("lake");
    let owner = |repo: &str| {
        (0..2)
            .find(|i| {
                manifest(&lake, &format!("s{i:03}of002"))["repos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r == repo)
            })
            .unwrap()
    };
    let shard = owner("auth");
    let tag = format!("s{shard:03}of002");
    let first = manifest(&lake, &tag);
    let old_commits = listed(&first, "commits");
    let before: Vec<Vec<u8>> = old_commits.iter().map(|f| std::fs::read(lake.join(f)).unwrap()).collect();

    // One new commit in auth.
    let repo = ws.path().join("sample-data-repos-auth");
    let status = std::process::Command::new("git")
        .args(["clone", "-q"])
        .arg(ws.path().join("repos/auth.git"))
        .arg(&repo)
        .status()
        .unwrap();
    assert!(status.success());
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(args)
            .env("GIT_AUTHOR_DATE", "2026-11-30T10:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-11-30T10:00:00Z")
            .env("GIT_AUTHOR_NAME", "Dana")
            .env("GIT_AUTHOR_EMAIL", "dana@example.com")
            .env("GIT_COMMITTER_NAME", "Dana")
            .env("GIT_COMMITTER_EMAIL", "dana@example.com")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["commit", "-q", "--allow-empty", "-m", "Tighten the token check"]);
    git(&["push", "-q", "origin", "HEAD"]);

    // A run of that shard died after moving one file into place: faultline does not read it.
    let bucket = faultline::lake::repo_bucket("auth");
    let stray = format!("commits/repo_bucket=b{bucket:03}/part-{tag}-g000002.parquet");
    std::fs::write(lake.join(&stray), b"half a file").unwrap();
    std::fs::create_dir_all(lake.join(format!("_staging/{tag}-g000002/commits"))).unwrap();
    let stderr = run_ok(&ws, &["analyze", "--lake", "lake", "--no-reports"]);
    assert!(stderr.contains("1 file(s) in the lake are listed by no shard's manifest"), "{stderr}");
    assert!(stderr.contains(&stray), "{stderr}");

    // Rerun alone: the stray file goes, the new commit is appended in a file of its own, and the
    // files written before are untouched.
    let stderr = run_ok(&ws, &["ingest", "--lake", "lake", "--shard", &format!("{shard}/2")]);
    assert!(stderr.contains("1 left by a failed run removed"), "{stderr}");
    assert!(!lake.join(format!("_staging/{tag}-g000002")).exists());
    let second = manifest(&lake, &tag);
    assert_eq!(second["generation"], 2);
    let new_commits = listed(&second, "commits");
    let added: BTreeSet<&String> = new_commits.iter().filter(|f| !old_commits.contains(f)).collect();
    assert_eq!(added.into_iter().collect::<Vec<_>>(), [&stray]);
    for (file, bytes) in old_commits.iter().zip(&before) {
        assert_eq!(&std::fs::read(lake.join(file)).unwrap(), bytes, "{file} changed");
    }
    let file = std::fs::File::open(lake.join(&stray)).unwrap();
    let frame = polars::prelude::ParquetReader::new(file).finish().unwrap();
    assert_eq!(frame.height(), 1);
    let subject = frame.column("subject").unwrap().str().unwrap().get(0).map(str::to_string);
    assert_eq!(subject.as_deref(), Some("Tighten the token check"));

    let stderr = run_ok(&ws, &["analyze", "--lake", "lake", "--no-reports"]);
    assert!(!stderr.contains("listed by no shard's manifest"), "{stderr}");
    let count = query_csv(
        &ws,
        "SELECT COUNT(*) AS n FROM commits WHERE repo = 'auth' AND subject = 'Tighten the token check'",
    );
    assert_eq!(count, "n\n1\n");
}
