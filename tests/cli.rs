//! The command line, as a specification: each test builds its input (git repositories with
//! fixed times, a config), runs `faultline`, and asserts exact output.

#[path = "cli/engines.rs"]
mod engines;
#[path = "cli/gate.rs"]
mod gate;
#[path = "cli/lake.rs"]
mod lake;
#[path = "cli/queries.rs"]
mod queries;
#[path = "cli/reports.rs"]
mod reports;
#[path = "cli/sample_company.rs"]
mod sample_company;
mod support;
#[path = "cli/szz.rs"]
mod szz;

use serde_json::Value;
use support::{RepoBuilder, Workspace, T0};

fn json(out: &support::Output) -> Value {
    assert_eq!(out.code, 0, "faultline failed: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", out.stdout))
}

fn alice(at: i64) -> git2::Signature<'static> {
    RepoBuilder::sig("Alice Example", "alice@example.com", at, 120)
}

/// The audit trail of one commit as JSON.
fn audit(ws: &Workspace, sha: &str) -> Value {
    json(&ws.run(&["provenance", sha, "--format", "json"]))
}

#[test]
fn empty_repository_ingests_to_an_empty_store() {
    let ws = Workspace::new();
    RepoBuilder::init(&ws.path().join("empty"), false);
    ws.config(&[("empty", "empty")]);
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("empty: 0 new commit(s), 0 removed, 0 in store"), "{}", out.stderr);
    let summary = json(&ws.run(&["provenance", "--format", "json"]));
    assert_eq!(summary["commits"], 0);
    assert_eq!(summary["by_tool"], Value::Array(vec![]));
}

#[test]
fn root_commit_counts_every_line_as_added() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let root = b.commit(
        "main",
        &[],
        &[(b"a.txt", Some(b"1\n2\n3\n")), (b"dir/b.txt", Some(b"x\n"))],
        &alice(T0),
        "Initial commit\n\nWith a body.\n\nSigned-off-by: Alice Example <alice@example.com>\n",
    );
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let trail = audit(&ws, &root.to_string());
    assert_eq!(trail["sha"], root.to_string());
    assert_eq!(trail["parents"], serde_json::json!([]));
    assert_eq!(trail["subject"], "Initial commit");
    assert_eq!(trail["body"], "With a body.\n\nSigned-off-by: Alice Example <alice@example.com>");
    assert_eq!(trail["authored_at"], "2026-06-01T11:00:00+02:00");
    assert_eq!(trail["added_lines"], 4);
    assert_eq!(
        trail["trailers"],
        serde_json::json!([{"key": "Signed-off-by", "value": "Alice Example <alice@example.com>"}])
    );
    assert_eq!(
        trail["files"],
        serde_json::json!([
            {"path": "a.txt", "old_path": null, "status": "added", "added_lines": 3, "deleted_lines": 0, "is_binary": false},
            {"path": "dir/b.txt", "old_path": null, "status": "added", "added_lines": 1, "deleted_lines": 0, "is_binary": false}
        ])
    );
    assert_eq!(trail["ai"], false);
    assert_eq!(trail["origin"], "unknown");
}

#[test]
fn merges_renames_and_binary_files() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let body: String = (1..=20).map(|i| format!("line {i}\n")).collect();
    let root = b.commit("main", &[], &[(b"old/name.txt", Some(body.as_bytes()))], &alice(T0), "root");
    let edited = body.replace("line 20\n", "line twenty\n");
    let renamed = b.commit(
        "feature",
        &[root],
        &[(b"old/name.txt", None), (b"new/name.txt", Some(edited.as_bytes()))],
        &alice(T0 + 60),
        "Move name.txt",
    );
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01";
    let binary = b.commit("main", &[root], &[(b"logo.png", Some(png))], &alice(T0 + 120), "Add logo");
    let merge = b.commit("main", &[binary, renamed], &[], &alice(T0 + 180), "Merge branch 'feature'");
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);

    let trail = audit(&ws, &renamed.to_string());
    assert_eq!(
        trail["files"],
        serde_json::json!([{"path": "new/name.txt", "old_path": "old/name.txt", "status": "renamed", "added_lines": 1, "deleted_lines": 1, "is_binary": false}])
    );
    let trail = audit(&ws, &binary.to_string());
    assert_eq!(
        trail["files"],
        serde_json::json!([{"path": "logo.png", "old_path": null, "status": "added", "added_lines": null, "deleted_lines": null, "is_binary": true}])
    );
    let trail = audit(&ws, &merge.to_string());
    assert_eq!(trail["parents"], serde_json::json!([binary.to_string(), renamed.to_string()]));
    assert_eq!(trail["files"], serde_json::json!([]));
    let list = json(&ws.run(&["provenance", "--list", "--format", "json"]));
    assert_eq!(list.as_array().unwrap().len(), 4);
}

#[test]
fn non_utf8_names_and_messages_are_decoded() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let root = b.commit("main", &[], &[(b"caf\xe9.txt", Some(b"x\n"))], &alice(T0), "root");
    let tree = b.tree_of(root);
    let mut raw = format!("tree {tree}\nparent {root}\n").into_bytes();
    raw.extend_from_slice(b"author Jos\xe9 \xc1lvarez <jose@example.com> 1780308000 -0300\n");
    raw.extend_from_slice(b"committer Jos\xe9 \xc1lvarez <jose@example.com> 1780308000 -0300\n");
    raw.extend_from_slice(b"encoding ISO-8859-1\n\nCorrige la r\xe9gression\n\nD\xe9tails ici.\n");
    let latin = b.raw_commit("main", &raw);
    let mut raw = format!("tree {tree}\nparent {latin}\n").into_bytes();
    raw.extend_from_slice(b"author Bad \xff Bytes <bad@example.com> 1780308060 +0000\n");
    raw.extend_from_slice(
        b"committer Bad \xff Bytes <bad@example.com> 1780308060 +0000\n\nBroken \xfe subject\n",
    );
    let broken = b.raw_commit("main", &raw);
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);

    let trail = audit(&ws, &latin.to_string());
    assert_eq!(trail["author"], "José Álvarez <jose@example.com>");
    assert_eq!(trail["subject"], "Corrige la régression");
    assert_eq!(trail["body"], "Détails ici.");
    assert_eq!(trail["authored_at"], "2026-06-01T07:00:00-03:00");
    let trail = audit(&ws, &broken.to_string());
    assert_eq!(trail["author"], "Bad \u{fffd} Bytes <bad@example.com>");
    assert_eq!(trail["subject"], "Broken \u{fffd} subject");
    let trail = audit(&ws, &root.to_string());
    assert_eq!(trail["files"][0]["path"], "caf\u{fffd}.txt");
}

#[test]
fn a_commit_touching_a_thousand_files() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), true);
    let names: Vec<String> = (0..1000).map(|i| format!("gen/file_{i:04}.txt")).collect();
    let contents: Vec<String> = (0..1000).map(|i| "x\n".repeat(i % 7 + 1)).collect();
    let changes: Vec<support::Change<'_>> =
        names.iter().zip(&contents).map(|(n, c)| (n.as_bytes(), Some(c.as_bytes()))).collect();
    let big = b.commit("main", &[], &changes, &alice(T0), "Generate 1000 files");
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let trail = audit(&ws, &big.to_string());
    assert_eq!(trail["files"].as_array().unwrap().len(), 1000);
    let expected: i64 = (0..1000).map(|i| (i % 7 + 1) as i64).sum();
    assert_eq!(trail["added_lines"], expected);
    assert_eq!(trail["files"][999]["path"], "gen/file_0999.txt");
    assert_eq!(trail["files"][999]["added_lines"], 999 % 7 + 1);
}

#[test]
fn incremental_ingest_reads_only_new_commits() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let c1 = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    ws.config(&[("r", "r")]);
    let out = ws.run(&["ingest"]);
    assert!(out.stderr.contains("r: 1 new commit(s), 0 removed, 1 in store"), "{}", out.stderr);
    // Nothing new: the commit tables are carried into the new snapshot, not written again.
    let inode = |table: &str| {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(ws.path().join(format!(".faultline/current/{table}.parquet"))).unwrap().ino()
    };
    let before = [inode("commits"), inode("commit_files"), inode("provenance")];
    let out = ws.run(&["ingest"]);
    assert!(out.stderr.contains("r: 0 new commit(s), 0 removed, 1 in store"), "{}", out.stderr);
    assert_eq!([inode("commits"), inode("commit_files"), inode("provenance")], before);
    // A git-ai note fetched since is an input of provenance: it is recomputed.
    let note = ws.path().join("note.txt");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/git-ai-notes/note_cursor_00309900d71f.txt"),
        &note,
    )
    .unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git").arg("-C").arg(&b.path).args(args).status().unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "notes",
        "--ref=refs/notes/ai",
        "add",
        "-F",
        note.to_str().unwrap(),
        &c1.to_string(),
    ]);
    let out = ws.run(&["ingest"]);
    assert!(out.stderr.contains("r: 0 new commit(s), 0 removed, 1 in store"), "{}", out.stderr);
    assert_eq!(inode("commits"), before[0]);
    assert_ne!(inode("provenance"), before[2]);
    let trail = audit(&ws, &c1.to_string());
    assert_eq!(
        (trail["ai"].clone(), trail["tools"].clone()),
        (serde_json::json!(true), serde_json::json!(["cursor"]))
    );
    b.commit("main", &[c1], &[(b"b", Some(b"x\ny\n"))], &alice(T0 + 60), "two");
    // Lose the only object that reading `one` again would need: an incremental ingest never
    // notices, a full re-read would lose its line count and warn.
    let blob = b.repo.blob(b"1\n").unwrap().to_string();
    std::fs::remove_file(b.path.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let out = ws.run(&["ingest"]);
    assert!(out.stderr.contains("r: 1 new commit(s), 0 removed, 2 in store"), "{}", out.stderr);
    assert!(!out.stderr.contains("could not be read"), "{}", out.stderr);
    assert_eq!(audit(&ws, &c1.to_string())["added_lines"], 1);
}

#[test]
fn force_push_between_ingests_removes_vanished_commits() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let c1 = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    let c2 = b.commit("main", &[c1], &[(b"a", Some(b"1\n2\n"))], &alice(T0 + 60), "two");
    let c3 = b.commit("main", &[c2], &[(b"a", Some(b"1\n2\n3\n"))], &alice(T0 + 120), "three");
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    // Rewrite: drop two and three, commit something else on top of one.
    let c2b = b.commit("main", &[c1], &[(b"b", Some(b"z\n"))], &alice(T0 + 180), "two, rewritten");
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("r: history was rewritten (force-push or deleted branch): 2 stored commit(s) are no longer reachable and were removed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("r: 1 new commit(s), 2 removed, 2 in store"), "{}", out.stderr);
    let list = json(&ws.run(&["provenance", "--list", "--format", "json"]));
    let shas: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["sha"].as_str().unwrap()).collect();
    assert_eq!(shas, vec![c1.to_string(), c2b.to_string()]);
    assert!(!shas.contains(&c3.to_string().as_str()));
}

#[test]
fn shallow_clone_stops_at_the_boundary_and_says_so() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), true);
    let c1 = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    let c2 = b.commit("main", &[c1], &[(b"a", Some(b"1\n2\n"))], &alice(T0 + 60), "two");
    let c3 = b.commit("main", &[c2], &[(b"a", Some(b"1\n2\n3\n"))], &alice(T0 + 120), "three");
    // What `git clone --depth 2` leaves: a shallow file naming the boundary, and no older objects.
    std::fs::write(b.path.join("shallow"), format!("{c2}\n")).unwrap();
    let hex = c1.to_string();
    std::fs::remove_file(b.path.join("objects").join(&hex[..2]).join(&hex[2..])).unwrap();
    ws.config(&[("r", "r")]);
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "r: shallow clone; history stops at 1 boundary commit(s) ({})",
            &c2.to_string()[..12]
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("r: 2 new commit(s), 0 removed, 2 in store"), "{}", out.stderr);
    let trail = audit(&ws, &c2.to_string());
    assert_eq!(trail["parents"], serde_json::json!([c1.to_string()]));
    assert_eq!(trail["files"], serde_json::json!([]));
    let trail = audit(&ws, &c3.to_string());
    assert_eq!(trail["added_lines"], 1);
}

#[test]
fn deepened_shallow_clone_reads_the_history_below_the_old_boundary() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), true);
    let c1 = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    let c2 = b.commit("main", &[c1], &[(b"a", Some(b"1\n2\n"))], &alice(T0 + 60), "two");
    b.commit("main", &[c2], &[(b"a", Some(b"1\n2\n3\n"))], &alice(T0 + 120), "three");
    let hex = c1.to_string();
    let loose = b.path.join("objects").join(&hex[..2]).join(&hex[2..]);
    let saved = std::fs::read(&loose).unwrap();
    std::fs::write(b.path.join("shallow"), format!("{c2}\n")).unwrap();
    std::fs::remove_file(&loose).unwrap();
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    assert_eq!(audit(&ws, &c2.to_string())["files"], serde_json::json!([]));

    // `git fetch --unshallow`: the older objects arrive and the shallow file goes.
    std::fs::write(&loose, saved).unwrap();
    std::fs::remove_file(b.path.join("shallow")).unwrap();
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("r: the shallow clone was deepened; 1 former boundary commit(s) were read again"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("r: 1 new commit(s), 0 removed, 3 in store"), "{}", out.stderr);
    assert!(!out.stderr.contains("shallow clone; history stops"), "{}", out.stderr);
    let trail = audit(&ws, &c2.to_string());
    assert_eq!(trail["added_lines"], 1);
    assert_eq!(trail["files"][0]["path"], "a");
    assert_eq!(audit(&ws, &c1.to_string())["added_lines"], 1);
}

#[test]
fn shallow_clone_made_by_git_itself() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("origin"), true);
    let c1 = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    let c2 = b.commit("main", &[c1], &[(b"a", Some(b"1\n2\n"))], &alice(T0 + 60), "two");
    let c3 = b.commit("main", &[c2], &[(b"a", Some(b"1\n2\n3\n"))], &alice(T0 + 120), "three");
    let url = format!("file://{}", ws.path().join("origin").display());
    let status = std::process::Command::new("git")
        .args(["clone", "--quiet", "--bare", "--depth", "2", &url, "clone"])
        .current_dir(ws.path())
        .status()
        .expect("git is installed (the tests use it to make a real shallow clone)");
    assert!(status.success());
    ws.config(&[("clone", "clone")]);
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "clone: shallow clone; history stops at 1 boundary commit(s) ({})",
            &c2.to_string()[..12]
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("clone: 2 new commit(s), 0 removed, 2 in store"), "{}", out.stderr);
    assert_eq!(audit(&ws, &c3.to_string())["added_lines"], 1);
    assert_eq!(audit(&ws, &c2.to_string())["files"], serde_json::json!([]));
}

#[test]
fn provenance_list_json_has_the_documented_fields() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let human = b.commit("main", &[], &[(b"a.py", Some(b"print(1)\n"))], &alice(T0), "Add a.py");
    let claude = b.commit(
        "main",
        &[human],
        &[(b"a.py", Some(b"print(1)\nprint(2)\nprint(3)\n"))],
        &alice(T0 + 60),
        "Print more\n\n\u{1f916} Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>\n",
    );
    let aider = b.commit(
        "main",
        &[claude],
        &[(b"b.py", Some(b"x = 1\n"))],
        &RepoBuilder::sig("Alice Example (aider)", "alice@example.com", T0 + 120, 0),
        "Add b.py",
    );
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let list = json(&ws.run(&["provenance", "--list", "--format", "json"]));
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["sha"], human.to_string());
    assert_eq!(rows[0]["ai"], false);
    assert_eq!(rows[0]["tools"], serde_json::json!([]));
    assert_eq!(rows[0]["ai_line_share"], Value::Null);
    assert_eq!(rows[1]["sha"], claude.to_string());
    assert_eq!(rows[1]["repo"], "r");
    assert_eq!(rows[1]["ai"], true);
    assert_eq!(rows[1]["tools"], serde_json::json!(["claude"]));
    assert_eq!(rows[1]["models"], serde_json::json!(["claude-opus-4.1"]));
    assert_eq!(rows[1]["ai_line_share"], Value::Null);
    assert!(rows[1]["evidence"].as_array().unwrap().len() >= 2);
    assert_eq!(rows[2]["sha"], aider.to_string());
    assert_eq!(rows[2]["tools"], serde_json::json!(["aider"]));
    assert_eq!(rows[2]["ai_line_share"], 1.0);

    let summary = json(&ws.run(&["provenance", "--format", "json"]));
    assert_eq!(summary["commits"], 3);
    assert_eq!(summary["ai_commits"], 2);
    assert_eq!(summary["unknown_commits"], 1);
}

#[test]
fn unknown_config_key_is_a_positioned_error_with_exit_code_2() {
    let ws = Workspace::new();
    ws.write("faultline.toml", "[[repos]]\nname = \"r\"\npath = \"r\"\nbranch = \"main\"\n");
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 2);
    let line = out.stderr.lines().next().unwrap();
    assert!(line.starts_with("faultline: error: "), "{line}");
    assert!(
        line.contains("faultline.toml:4:1: unknown field `branch`, expected one of `name`, `path`, `url`"),
        "{line}"
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn a_missing_repository_is_bad_input() {
    let ws = Workspace::new();
    ws.config(&[("gone", "nowhere")]);
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("repository gone ("), "{}", out.stderr);
    assert!(out.stderr.contains("no such directory; expected a git repository"), "{}", out.stderr);
}

#[test]
fn unknown_commit_and_bad_prefix_are_usage_errors() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let out = ws.run(&["provenance", "0000000"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no stored commit starts with 0000000"), "{}", out.stderr);
    let out = ws.run(&["provenance", "xyz"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("\"xyz\" is not a commit id: expected 4 to 40 hexadecimal digits"),
        "{}",
        out.stderr
    );
}

#[test]
fn provenance_before_ingest_tells_what_to_do() {
    let ws = Workspace::new();
    ws.config(&[]);
    let out = ws.run(&["provenance"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("holds no commits yet; run `faultline ingest` first"), "{}", out.stderr);
}

#[test]
fn same_inputs_give_byte_identical_tables() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let c1 = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    b.commit(
        "main",
        &[c1],
        &[(b"a", Some(b"2\n"))],
        &alice(T0 + 60),
        "two\n\nCo-authored-by: Codex <noreply@openai.com>\n",
    );
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let first: Vec<Vec<u8>> = ["commits", "commit_files", "provenance", "repo_heads"]
        .iter()
        .map(|t| std::fs::read(ws.path().join(".faultline/current").join(format!("{t}.parquet"))).unwrap())
        .collect();
    assert_eq!(ws.run(&["ingest", "--rebuild"]).code, 0);
    for (i, t) in ["commits", "commit_files", "provenance", "repo_heads"].iter().enumerate() {
        let again = std::fs::read(ws.path().join(".faultline/current").join(format!("{t}.parquet"))).unwrap();
        assert!(again == first[i], "{t}.parquet differs between two ingests of the same history");
    }
}

#[test]
fn the_root_config_and_the_sample_config_describe_the_same_sources() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = faultline::config::Config::load(&root.join("faultline.toml")).unwrap();
    let b = faultline::config::Config::load(&root.join("sample-data/faultline.toml")).unwrap();
    assert_eq!(a.store, b.store);
    let repos = |c: &faultline::config::Config| {
        c.repos.iter().map(|r| (r.name.clone(), r.path.clone())).collect::<Vec<_>>()
    };
    assert_eq!(repos(&a), repos(&b));
    let files = |c: &faultline::config::Config| {
        let mut v: Vec<_> =
            c.deploys.iter().map(|d| (d.path.clone(), d.format.clone(), d.services.clone())).collect();
        v.extend(c.incidents.iter().map(|i| (i.path.clone(), i.format.clone(), i.services.clone())));
        v
    };
    assert_eq!(files(&a), files(&b));
    assert_eq!(a.incidents[2].log_entries, b.incidents[2].log_entries);
    assert_eq!(a.catalog.as_ref().map(|c| &c.path), b.catalog.as_ref().map(|c| &c.path));
}

/// A copy of the bundled sample company (config and repositories) in a temporary folder, so
/// tests never write into the project's own store.
fn sample_workspace() -> Workspace {
    let ws = Workspace::new();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    for entry in std::fs::read_dir(&root).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".faultline" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &ws.path().join(&name));
        } else {
            std::fs::copy(entry.path(), ws.path().join(&name)).unwrap();
        }
    }
    ws
}

#[test]
fn analyze_on_the_sample_company_summarises_provenance() {
    let ws = sample_workspace();
    let out = ws.run(&["analyze", "--format", "json"]);
    assert!(out.stderr.contains("shop: 416 new commit(s), 0 removed, 416 in store"), "{}", out.stderr);
    assert!(out.stderr.contains("auth: 163 new commit(s), 0 removed, 163 in store"), "{}", out.stderr);
    assert!(
        out.stderr.contains("faultline: 459 deploy(s), 14 incident(s), 16 catalog service(s)\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("component `Mobile app` maps to no catalog service"), "{}", out.stderr);
    let summary = json(&out);
    assert_eq!(summary["commits"], 579);
    assert_eq!(summary["ai_commits"], 127);
    assert_eq!(summary["human_commits"], 0);
    assert_eq!(summary["unknown_commits"], 452);
    let rows: Vec<(String, String, i64, i64, i64)> = summary["by_tool"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["tool"].as_str().unwrap().to_string(),
                r["model"].as_str().unwrap_or("-").to_string(),
                r["commits"].as_i64().unwrap(),
                r["added_lines"].as_i64().unwrap(),
                r["ai_added_lines"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, i64, i64, i64)> = [
        ("devin", "-", 25, 158, 158),
        ("cursor", "-", 14, 94, 31),
        ("aider", "-", 13, 129, 84),
        ("copilot", "-", 13, 188, 136),
        ("claude", "-", 12, 148, 0),
        ("codex", "-", 12, 102, 0),
        ("aider", "claude-sonnet-4", 9, 70, 0),
        ("amp", "-", 9, 122, 0),
        ("claude", "claude-sonnet-4.5", 7, 82, 0),
        ("claude", "claude-opus-4.1", 6, 126, 21),
        ("gemini", "gemini-2.5-pro", 4, 46, 0),
        ("claude", "claude-sonnet-4", 2, 35, 0),
        ("cursor", "claude-4-sonnet", 1, 15, 15),
    ]
    .iter()
    .map(|(t, m, c, a, x)| (t.to_string(), m.to_string(), *c, *a, *x))
    .collect();
    assert_eq!(rows, expected);
    // `analyze` reads only the columns it needs; `provenance` rebuilds every commit: they agree.
    assert_eq!(json(&ws.run(&["provenance", "--format", "json"])), summary);

    // Look-alike people are never flagged; the commit with only a git-ai note is.
    let list = json(&ws.run(&["provenance", "--list", "--format", "json"]));
    let lookalikes: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let author = r["author"].as_str().unwrap();
            author.starts_with("Claude Dupont") || author.starts_with("Devin Okafor")
        })
        .collect();
    assert_eq!(lookalikes.len(), 56);
    assert!(lookalikes.iter().all(|r| r["ai"] == false));
    let note_only = audit(&ws, "0db78a641fd4");
    assert_eq!(note_only["tools"], serde_json::json!(["cursor"]));
    assert_eq!(note_only["models"], serde_json::json!(["claude-4-sonnet"]));
    assert_eq!(note_only["sessions"], serde_json::json!(["99c5bd99-aef7-4f9e-8bce-fe64f851ab48"]));
    assert_eq!(note_only["ai_added_lines"], 15);
    assert_eq!(note_only["ai_line_share"], 1.0);
    assert_eq!(
        note_only["evidence"],
        serde_json::json!(["gitai.note matched note:refs/notes/ai \"15 line(s) attributed to cursor\""])
    );
}

#[test]
fn provenance_text_output_escapes_terminal_control_characters() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let sha = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "evil \x1b]0;pwned\x07 subject");
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let out = ws.run(&["provenance", &sha.to_string()]);
    assert_eq!(out.code, 0);
    assert!(!out.stdout.contains('\x1b'));
    assert!(out.stdout.contains("subject    evil \\u{1b}]0;pwned\\u{7} subject"), "{}", out.stdout);
    let out = ws.run(&["provenance", "--list"]);
    assert!(!out.stdout.contains('\x1b') && !out.stdout.contains('\x07'));
}

#[test]
fn a_missing_blob_loses_its_line_counts_not_the_ingest() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), true);
    let c1 = b.commit(
        "main",
        &[],
        &[(b"keep.txt", Some(b"a\n")), (b"big.bin", Some(b"one\ntwo\n"))],
        &alice(T0),
        "one",
    );
    let c2 = b.commit("main", &[c1], &[(b"keep.txt", Some(b"a\nb\n"))], &alice(T0 + 60), "two");
    // What a public snapshot without its large blobs looks like.
    let blob = b.repo.find_commit(c1).unwrap().tree().unwrap().get_name("big.bin").unwrap().id().to_string();
    std::fs::remove_file(b.path.join("objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    ws.config(&[("r", "r")]);
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "r: 1 file version(s) could not be read (missing objects); their line counts are unknown, e.g. {c1}:big.bin"
        )),
        "{}",
        out.stderr
    );
    let trail = audit(&ws, &c1.to_string());
    assert_eq!(
        trail["files"],
        serde_json::json!([
            {"path": "big.bin", "old_path": null, "status": "added", "added_lines": null, "deleted_lines": null, "is_binary": false},
            {"path": "keep.txt", "old_path": null, "status": "added", "added_lines": 1, "deleted_lines": 0, "is_binary": false}
        ])
    );
    assert_eq!(audit(&ws, &c2.to_string())["added_lines"], 1);
}

#[test]
fn agent_trace_records_at_head_give_exact_ai_lines() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let root = b.commit("main", &[], &[(b"a.ts", Some(b"1\n"))], &alice(T0), "root");
    let traced = b.commit(
        "main",
        &[root],
        &[(b"src/app.ts", Some(b"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"))],
        &alice(T0 + 60),
        "Add app",
    );
    let record = format!(
        r#"{{"version":"0.1.0","id":"0b1e7a34-0000-4000-8000-000000000001","timestamp":"2026-06-01T09:01:00Z","vcs":{{"type":"git","revision":"{traced}"}},"tool":{{"name":"cursor","version":"2.1"}},"files":[{{"path":"src/app.ts","conversations":[{{"url":"https://cursor.com/c/abc","contributor":{{"type":"ai","model_id":"anthropic/claude-sonnet-4-5"}},"ranges":[{{"start_line":1,"end_line":4}}]}}]}}]}}"#
    );
    let record = format!("{record}\n");
    b.commit(
        "main",
        &[traced],
        &[(b".agent-trace/traces.jsonl", Some(record.as_bytes()))],
        &alice(T0 + 120),
        "Record trace",
    );
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let trail = audit(&ws, &traced.to_string());
    assert_eq!(trail["ai"], true);
    assert_eq!(trail["tools"], serde_json::json!(["cursor"]));
    assert_eq!(trail["models"], serde_json::json!(["claude-sonnet-4.5"]));
    assert_eq!(trail["sessions"], serde_json::json!(["https://cursor.com/c/abc"]));
    assert_eq!(trail["ai_added_lines"], 4);
    assert_eq!(trail["ai_line_share"], 0.4);
}

#[test]
fn user_rules_from_the_config_flag_commits_and_take_effect_without_reingesting_history() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let bot = b.commit(
        "main",
        &[],
        &[(b"gen.go", Some(b"package gen\n"))],
        &RepoBuilder::sig("acme-codegen[bot]", "codegen@acme.example", T0, 0),
        "Regenerate clients\n\nX-Codegen-Model: acme-coder-2\n",
    );
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    assert_eq!(audit(&ws, &bot.to_string())["ai"], false);

    let mut config = std::fs::read_to_string(ws.path().join("faultline.toml")).unwrap();
    config.push_str(
        "[[provenance.rules]]\nname = \"acme-codegen\"\nfield = \"author\"\npattern = \"^acme-codegen\\\\[bot\\\\]\"\ntool = \"Acme-Codegen\"\nconfidence = \"high\"\n\n[[provenance.rules]]\nname = \"acme-model\"\nfield = \"trailer\"\nkey = \"x-codegen-model\"\npattern = \"(?P<model>acme-[a-z0-9-]+)\"\ntool = \"acme-codegen\"\n",
    );
    ws.write("faultline.toml", &config);
    let out = ws.run(&["ingest"]);
    assert!(out.stderr.contains("r: 0 new commit(s), 0 removed, 1 in store"), "{}", out.stderr);
    let trail = audit(&ws, &bot.to_string());
    assert_eq!(trail["ai"], true);
    assert_eq!(trail["tools"], serde_json::json!(["acme-codegen"]));
    assert_eq!(trail["models"], serde_json::json!(["acme-coder-2"]));
    assert_eq!(trail["confidence"], "high");
    assert_eq!(trail["ai_line_share"], 1.0);
    let rules: Vec<&str> =
        trail["evidence_detail"].as_array().unwrap().iter().map(|e| e["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, vec!["user.acme-codegen", "user.acme-model"]);
}

#[test]
fn config_paths_resolve_against_the_config_file_not_the_working_folder() {
    let ws = Workspace::new();
    std::fs::create_dir_all(ws.path().join("company/repos")).unwrap();
    let b = RepoBuilder::init(&ws.path().join("company/repos/r"), false);
    b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    ws.write(
        "company/faultline.toml",
        "store = \"data/store\"\n[[repos]]\nname = \"r\"\npath = \"repos/r\"\n",
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let config = ws.path().join("company/faultline.toml");
    let out = support::run_in(elsewhere.path(), &["ingest", "--config", config.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(ws.path().join("company/data/store/current/commits.parquet").is_file());
    let out = support::run_in(elsewhere.path(), &["provenance"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("faultline.toml: cannot read the configuration"), "{}", out.stderr);
}

#[test]
fn a_closed_output_pipe_exits_quietly_with_success() {
    let ws = sample_workspace();
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["provenance", "--list", "--format", "json"])
        .current_dir(ws.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then hang up, as `| head -c 100` does; the listing is far longer than a
    // pipe's buffer, so faultline is still writing.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 100];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

fn read_table(ws: &Workspace, table: &str) -> polars::prelude::DataFrame {
    faultline::store::Store::new(ws.path().join(".faultline")).read(table).unwrap().unwrap()
}

#[test]
fn a_bad_deploy_record_stops_the_ingest_and_leaves_the_store_as_it_was() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let sha = b.commit("main", &[], &[(b"a", Some(b"1\n"))], &alice(T0), "one");
    let good = format!(
        r#"{{"id":"d1","service":"api","environment":"production","repo":"r","sha":"{sha}","started_at":"2026-06-01T10:00:00Z","finished_at":"2026-06-01T10:05:00Z","status":"success","kind":"deploy","rollback_of":null,"actor":"alice"}}"#
    );
    ws.write("deploys.jsonl", &format!("{good}\n"));
    ws.write(
        "faultline.toml",
        "[[repos]]\nname = \"r\"\npath = \"r\"\n[[deploys]]\npath = \"deploys.jsonl\"\n",
    );
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("faultline: 1 deploy(s), 0 incident(s), 0 catalog service(s)\n"),
        "{}",
        out.stderr
    );
    let before = std::fs::read_link(ws.path().join(".faultline/current")).unwrap();

    let bad = good.replace("d1", "d2").replace("\"success\"", "\"succeeded\"");
    ws.write("deploys.jsonl", &format!("{good}\n{bad}\n"));
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = out.stderr.lines().next().unwrap();
    assert!(line.contains("deploys.jsonl: line 2"), "{line}");
    assert!(line.contains("field `status`"), "{line}");
    assert!(line.contains("nothing was stored; `--lenient` keeps going"), "{line}");
    assert_eq!(std::fs::read_link(ws.path().join(".faultline/current")).unwrap(), before);
    assert_eq!(read_table(&ws, "deploys").height(), 1);

    let out = ws.run(&["ingest", "--lenient"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("faultline: 1 deploy(s), 0 incident(s), 0 catalog service(s); 1 record(s) rejected (see the rejects table)"),
        "{}",
        out.stderr
    );
    let rejects = read_table(&ws, "rejects");
    assert_eq!(rejects.height(), 1);
    let field = rejects.column("field").unwrap().str().unwrap().get(0).map(str::to_string);
    assert_eq!(field.as_deref(), Some("status"));
    let position = rejects.column("position").unwrap().str().unwrap().get(0).map(str::to_string);
    assert_eq!(position.as_deref(), Some("line 2"));
}

#[test]
fn formats_are_detected_from_the_content_of_real_exports() {
    let ws = Workspace::new();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(
        fixtures.join("statuspage/githubstatus-00km0kwpz23b.json"),
        ws.path().join("incidents.json"),
    )
    .unwrap();
    std::fs::copy(fixtures.join("gcp-status/incidents-sample.json"), ws.path().join("gcp.json")).unwrap();
    ws.write(
        "faultline.toml",
        "[[incidents]]\npath = \"incidents.json\"\n[[incidents]]\npath = \"gcp.json\"\n",
    );
    let out = ws.run(&["ingest", "--lenient"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let incidents = read_table(&ws, "incidents");
    let sources: std::collections::BTreeSet<String> =
        incidents.column("source").unwrap().str().unwrap().iter().map(|s| s.unwrap().to_string()).collect();
    assert_eq!(sources, ["gcp", "statuspage"].iter().map(|s| s.to_string()).collect());
}

#[test]
fn an_option_the_format_does_not_read_is_an_error_not_ignored() {
    let ws = Workspace::new();
    ws.write(
        "deploys.jsonl",
        "{\"id\":\"d1\",\"service\":\"api\",\"environment\":\"production\",\"started_at\":\"2026-06-01T10:00:00Z\",\"status\":\"success\"}\n",
    );
    ws.write("faultline.toml", "[[deploys]]\npath = \"deploys.jsonl\"\nstatuses = \"statuses.json\"\n");
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("deploys.jsonl: `statuses` is set, but the canonical format does not read it (only github does); remove it or set the right `format`"),
        "{}",
        out.stderr
    );
}

#[test]
fn deploys_repeated_across_and_within_files_merge_into_one_row_each() {
    let ws = Workspace::new();
    let row = |id: &str, sha: &str, start: &str| {
        format!(
            "{{\"id\":\"{id}\",\"service\":\"api\",\"environment\":\"production\",\"sha\":\"{sha}\",\"started_at\":\"{start}\",\"status\":\"success\"}}\n"
        )
    };
    ws.write(
        "a.jsonl",
        &(row("d2", "aaaa", "2026-06-01T11:00:00Z")
            + &row("d1", "bbbb", "2026-06-01T10:00:00Z")
            + &row("d2", "cccc", "2026-06-01T11:00:00Z")),
    );
    ws.write("b.jsonl", &row("d1", "dddd", "2026-06-01T09:00:00Z"));
    ws.write("faultline.toml", "[[deploys]]\npath = \"a.jsonl\"\n[[deploys]]\npath = \"b.jsonl\"\n");
    let out = ws.run(&["ingest"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("a.jsonl: line 3: deploy \"d2\" repeats line 1 with different values, merged (the later value kept): sha \"aaaa\" → \"cccc\""), "{}", out.stderr);
    assert!(out.stderr.contains("deploy \"d1\" of "), "{}", out.stderr);
    assert!(out.stderr.contains("b.jsonl:line 1 with different values, merged (the later value kept): sha \"bbbb\" → \"dddd\", started_at 2026-06-01T10:00:00Z → 2026-06-01T09:00:00Z"), "{}", out.stderr);
    let deploys = read_table(&ws, "deploys");
    let column = |name: &str| -> Vec<String> {
        deploys.column(name).unwrap().str().unwrap().iter().map(|v| v.unwrap().to_string()).collect()
    };
    assert_eq!(column("id"), vec!["d1", "d2"]);
    assert_eq!(column("sha"), vec!["dddd", "cccc"]);
}

#[test]
fn each_deploy_ships_the_commits_since_the_last_good_one_in_its_services_folder() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let c1 = b.commit("main", &[], &[(b"services/a/x", Some(b"1\n"))], &alice(T0), "a: one");
    let c2 = b.commit("main", &[c1], &[(b"services/b/y", Some(b"1\n"))], &alice(T0 + 60), "b: one");
    let c3 = b.commit("main", &[c2], &[(b"services/a/x", Some(b"1\n2\n"))], &alice(T0 + 120), "a: two");
    let c4 = b.commit("main", &[c3], &[(b"libs/z", Some(b"1\n"))], &alice(T0 + 180), "libs: one");
    let c5 = b.commit("main", &[c4], &[(b"services/a/x", Some(b"1\n2\n3\n"))], &alice(T0 + 240), "a: three");
    let component = |name: &str| {
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations:\n    backstage.io/source-location: url:https://github.com/acme/r/tree/main/services/{name}/\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n")
    };
    ws.write("catalog.yaml", &format!("{}---\n{}", component("a"), component("b")));
    let deploy = |id: &str,
                  service: &str,
                  sha: &str,
                  minute: i64,
                  status: &str,
                  rollback_of: Option<&str>| {
        let at = chrono::DateTime::from_timestamp(T0 + 3600 + minute * 60, 0).unwrap().to_rfc3339();
        let rollback = rollback_of.map_or("null".to_string(), |r| format!("\"{r}\""));
        format!("{{\"id\":\"{id}\",\"service\":\"{service}\",\"environment\":\"production\",\"repo\":\"r\",\"sha\":\"{sha}\",\"started_at\":\"{at}\",\"status\":\"{status}\",\"rollback_of\":{rollback}}}\n")
    };
    let lines = [
        deploy("d1", "a", &c1.to_string(), 1, "success", None),
        deploy("d2", "b", &c2.to_string(), 2, "success", None),
        deploy("d3", "a", &c3.to_string()[..10], 3, "success", None),
        deploy("d4", "a", &c5.to_string(), 4, "failure", None),
        deploy("d5", "a", &c5.to_string(), 5, "success", None),
        deploy("d6", "a", &c3.to_string(), 6, "success", Some("d5")),
        deploy("d7", "a", "deadbeefdeadbeef", 7, "success", None),
        deploy("d8", "a", &c5.to_string(), 8, "success", None),
    ];
    ws.write("deploys.jsonl", &lines.concat());
    ws.write(
        "faultline.toml",
        "[[repos]]\nname = \"r\"\npath = \"r\"\n[catalog]\npath = \"catalog.yaml\"\n[[deploys]]\npath = \"deploys.jsonl\"\n",
    );
    let out = ws.run(&["analyze"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("faultline: warning: 1 deploy(s) name a commit that repository r does not have (history rewritten, or a shallow or stale clone); they are kept and ship nothing: d7 (deadbeefdeadbeef)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("faultline: 6 deploy(s) shipped 9 commit(s) (deploy_commits)"),
        "{}",
        out.stderr
    );
    let table = read_table(&ws, "deploy_commits");
    let text = |name: &str| -> Vec<String> {
        table.column(name).unwrap().str().unwrap().iter().map(|v| v.unwrap().to_string()).collect()
    };
    let position: Vec<i32> =
        table.column("position").unwrap().i32().unwrap().iter().map(|v| v.unwrap()).collect();
    let rows: Vec<(String, String, i32)> =
        text("deploy_id").into_iter().zip(text("sha")).zip(position).map(|((d, s), p)| (d, s, p)).collect();
    let (c1, c2, c3, c5) = (c1.to_string(), c2.to_string(), c3.to_string(), c5.to_string());
    assert_eq!(
        rows,
        vec![
            // The first deploy of a service is its baseline: its own commit only.
            ("d1".to_string(), c1, 0),
            ("d2".to_string(), c2, 0),
            // Since d1: c3 and b's c2, kept to services/a.
            ("d3".to_string(), c3, 0),
            // Since d3: c5 and the library's c4, outside every service's folder, so shared.
            ("d4".to_string(), c5.clone(), 0),
            ("d4".to_string(), c4.to_string(), 1),
            // A failure is no baseline, so d5 ships both again; the rollback d6 ships nothing
            // and takes the baseline back to c3, so d8 (after d7's unknown commit) ships them
            // once more.
            ("d5".to_string(), c5.clone(), 0),
            ("d5".to_string(), c4.to_string(), 1),
            ("d8".to_string(), c5, 0),
            ("d8".to_string(), c4.to_string(), 1),
        ]
    );
}

#[test]
fn szz_blames_the_commits_that_wrote_what_a_fix_changed_across_a_rename() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let person = |name: &str, at: i64| RepoBuilder::sig(name, &format!("{name}@example.com"), at, 0);
    let c1 = b.commit(
        "main",
        &[],
        &[(b"a.py", Some(b"def price(x):\n    rate = 0.2\n    total = x * rate\n    return total\n"))],
        &person("ana", T0),
        "pricing",
    );
    let c2 = b.commit(
        "main",
        &[c1],
        &[(
            b"a.py",
            Some(b"def price(x):\n    rate = 0.25\n    total = x * rate\n    return total\n# rounding is done by the caller\n"),
        )],
        &person("ben", T0 + 60),
        "raise the rate",
    );
    let c3 = b.commit(
        "main",
        &[c2],
        &[
            (b"a.py", None),
            (
                b"pricing.py",
                Some(b"def price(x):\n    rate = 0.25\n    total = x * rate\n    return round(total, 2)\n# rounding is done by the caller\n"),
            ),
        ],
        &person("cy", T0 + 120),
        "rename to pricing.py and round",
    );
    let fix = b.commit(
        "main",
        &[c3],
        &[(
            b"pricing.py",
            Some(b"def price(x, currency):\n    rate = rate_for(currency)\n    total = x  *  rate\n    return round(total, 4)\n"),
        )],
        &person("dee", T0 + 180),
        "fix pricing (INC-7)",
    );
    let walker = faultline::ingest::git::Walker::open(&faultline::config::RepoSource {
        name: "r".into(),
        path: ws.path().join("r"),
        url: None,
    })
    .unwrap();
    // libgit2's blame, and the indexed history's blame from the store, agree exactly.
    let link = faultline::analyze::szz::blame_fix(&walker, None, &Default::default(), &fix.to_string()[..12])
        .unwrap();
    ws.config(&[("r", "r")]);
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let (_, commits) = crate::support::stored_commits(ws.path());
    let history = faultline::analyze::blame::History::new(&commits, false);
    let mut cache = faultline::analyze::blame::BlameCache::default();
    let indexed = faultline::analyze::szz::blame_fix(
        &walker,
        Some((&history, &mut cache)),
        &Default::default(),
        &fix.to_string(),
    )
    .unwrap();
    assert_eq!(indexed, link);

    // The command, with its JSON contract; an unknown commit is bad input.
    let out = ws.run(&["szz", &fix.to_string()[..10], "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let blamed_json: Vec<serde_json::Value> = link
        .blamed
        .iter()
        .map(|b| serde_json::json!({"sha": b.sha, "path": b.path, "lines": b.lines}))
        .collect();
    assert_eq!(json(&out), serde_json::json!([{"fix": fix.to_string(), "blamed": blamed_json}]));
    let table = ws.run(&["szz", &fix.to_string()]);
    assert!(
        table.stdout.starts_with("fix           blamed        path        lines at the fix's parent\n"),
        "{}",
        table.stdout
    );
    let out = ws.run(&["szz", "0123456789ab"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "faultline: error: no commit `0123456789ab` in r\n");
    assert_eq!(link.fix, fix.to_string());
    let blamed: Vec<(String, String, Vec<u32>)> =
        link.blamed.into_iter().map(|b| (b.sha, b.path, b.lines)).collect();
    let mut expected = vec![
        // The signature, written by ana before the rename.
        (c1.to_string(), "pricing.py".to_string(), vec![1]),
        // The rate, ben's.
        (c2.to_string(), "pricing.py".to_string(), vec![2]),
        // The rounding, cy's. Line 3 was only re-spaced and line 5 is a comment: not blamed.
        (c3.to_string(), "pricing.py".to_string(), vec![4]),
    ];
    expected.sort();
    assert_eq!(blamed, expected);
}

#[test]
fn attribution_ranks_the_reverted_commit_and_its_deploy_first_with_the_documented_weights() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let hour = 3600;
    let c1 = b.commit("main", &[], &[(b"services/a/x", Some(b"1\n"))], &alice(T0), "a: start");
    let c2 = b.commit("main", &[c1], &[(b"services/b/y", Some(b"1\n"))], &alice(T0 + 60), "b: start");
    let c3 =
        b.commit("main", &[c2], &[(b"services/a/x", Some(b"2\n"))], &alice(T0 + hour), "a: cache more (#41)");
    let c4 = b.commit("main", &[c3], &[(b"services/a/z", Some(b"1\n"))], &alice(T0 + hour + 60), "a: add z");
    let revert = b.commit(
        "main",
        &[c4],
        &[(b"services/a/x", Some(b"1\n"))],
        &alice(T0 + 4 * hour),
        &format!("Revert \"a: cache more (#41)\"\n\nThis reverts commit {c3}.\n"),
    );
    let component = |name: &str, deps: &str| {
        format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations:\n    backstage.io/source-location: url:https://github.com/acme/r/tree/main/services/{name}/\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n  dependsOn: [{deps}]\n")
    };
    ws.write("catalog.yaml", &format!("{}---\n{}", component("a", "component:b"), component("b", "")));
    let at = |seconds: i64| chrono::DateTime::from_timestamp(T0 + seconds, 0).unwrap().to_rfc3339();
    let deploy = |id: &str, service: &str, sha: &str, seconds: i64| {
        format!(
            "{{\"id\":\"{id}\",\"service\":\"{service}\",\"environment\":\"production\",\"repo\":\"r\",\"sha\":\"{sha}\",\"started_at\":\"{}\",\"status\":\"success\"}}\n",
            at(seconds)
        )
    };
    ws.write(
        "deploys.jsonl",
        &[
            deploy("d1", "a", &c1.to_string(), 600),
            deploy("d2", "b", &c2.to_string(), 1200),
            deploy("d3", "a", &c4.to_string(), 2 * hour),
            deploy("d4", "b", &c2.to_string(), 2 * hour + 1800),
            // After the start: never a suspect.
            deploy("d5", "a", &revert.to_string(), 4 * hour + 600),
        ]
        .concat(),
    );
    ws.write(
        "incidents.jsonl",
        &format!(
            "{{\"id\":\"INC-1\",\"title\":\"a is slow\",\"severity\":\"SEV2\",\"services\":[\"a\"],\"started_at\":\"{}\",\"resolved_at\":\"{}\",\"timeline\":[]}}\n",
            at(3 * hour),
            at(5 * hour)
        ),
    );
    ws.write(
        "faultline.toml",
        "[[repos]]\nname = \"r\"\npath = \"r\"\n[catalog]\npath = \"catalog.yaml\"\n[[deploys]]\npath = \"deploys.jsonl\"\n[[incidents]]\npath = \"incidents.jsonl\"\n",
    );
    let out = ws.run(&["analyze"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let explained = json(&ws.run(&["explain", "INC-1", "--format", "json"]));

    // The documented score: prior 0.5, −0.15 per hour before the start, −1.5 per hop,
    // +0.2·ln(1 + changed lines), +4 for a reverted commit; "no change" scores 0.
    let score = |hours: f64, hops: f64, lines: f64, reverted: f64| {
        0.5 - 0.15 * hours - 1.5 * hops + 0.2 * (1.0 + lines).ln() + reverted
    };
    let scores = [
        ("d3", score(1.0, 0.0, 3.0, 4.0)),
        ("d1", score(10.0 / 6.0 + 7.0 / 6.0, 0.0, 1.0, 0.0)),
        ("d4", score(0.5, 1.0, 0.0, 0.0)),
        ("d2", score(8.0 / 3.0, 1.0, 1.0, 0.0)),
    ];
    let denominator = 1.0 + scores.iter().map(|(_, s)| f64::exp(*s)).sum::<f64>();
    let deploys = explained["deploys"].as_array().unwrap();
    let ids: Vec<&str> = deploys.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["d3", "d1", "d4", "d2"]);
    for (deploy, (id, s)) in deploys.iter().zip(scores) {
        let p = deploy["probability"].as_f64().unwrap();
        assert!((p - s.exp() / denominator).abs() < 1e-9, "{id}: {p} against {}", s.exp() / denominator);
    }
    assert!((explained["no_change"].as_f64().unwrap() - 1.0 / denominator).abs() < 1e-9);
    assert_eq!(
        deploys[0]["evidence"],
        serde_json::json!([
            "deployed a to production 1.0 h before the incident started",
            format!(
                "commit {}: reverted after the start by {} (“Revert \"a: cache more (#41)\"”)",
                &c3.to_string()[..12],
                &revert.to_string()[..12]
            ),
        ])
    );
    assert_eq!(deploys[2]["evidence"][1], "b is 1 dependency hop(s) from a service the incident names");

    // Inside d3 the reverted commit takes most of the deploy's probability.
    let commits = explained["commits"].as_array().unwrap();
    assert_eq!(commits[0]["sha"], c3.to_string());
    assert_eq!(commits[0]["deploy"], "d3");
    let p_d3 = scores[0].1.exp() / denominator;
    let (s3, s4) = (0.2 * 3.0f64.ln() + 4.0, 0.2 * 2.0f64.ln());
    let p_c3 = p_d3 * s3.exp() / (s3.exp() + s4.exp());
    assert!((commits[0]["probability"].as_f64().unwrap() - p_c3).abs() < 1e-9);
    assert_eq!(commits[1]["sha"], c4.to_string());
    let p_c3_default = p_c3;

    let out = ws.run(&["explain", "INC-2"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, "faultline: error: no incident `INC-2`; the nearest known ids are `INC-1`\n");

    // Blast radius: P(c3 caused INC-1) × SEV2's weight 8 × 120 impact minutes × 1 affected
    // service; potential: service a, tier 2 from its production lifecycle, weight 4.
    let ranked = json(&ws.run(&["rank", "--top", "0", "--format", "json"]));
    let first = &ranked[0];
    assert_eq!(first["sha"], c3.to_string());
    assert_eq!(first["repo"], "r");
    assert_eq!(first["subject"], "a: cache more (#41)");
    assert_eq!(first["ai"], false);
    assert_eq!(first["tools"], serde_json::json!([]));
    assert!((first["blast_radius"].as_f64().unwrap() - p_c3 * 8.0 * 120.0).abs() < 1e-6);
    assert_eq!(first["potential_blast_radius"], 4.0);
    assert_eq!(first["incidents"][0]["id"], "INC-1");
    assert!((first["incidents"][0]["probability"].as_f64().unwrap() - p_c3).abs() < 1e-9);
    assert_eq!(ranked.as_array().unwrap().len(), 5);
    // b's commit reaches b and a, which depends on it: 4 + 4.
    let c2_row = ranked.as_array().unwrap().iter().find(|r| r["sha"] == c2.to_string()).unwrap();
    assert_eq!(c2_row["potential_blast_radius"], 8.0);
    let ai_only = json(&ws.run(&["rank", "--ai-only", "--top", "0", "--format", "json"]));
    assert_eq!(ai_only, serde_json::json!([]));

    // The incident's neighbourhood in the graph: its suspects, what they shipped, the revert.
    let graph = json(&ws.run(&["graph", "--incident", "INC-1", "--format", "json"]));
    let edge = |from: &str, to: &str, kind: &str| {
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == from && e["to"] == to && e["kind"] == kind)
    };
    let commit = |oid: git2::Oid| format!("commit:r@{oid}");
    assert!(edge(&commit(c3), "deploy:d3", "shipped_in"));
    assert!(edge("deploy:d3", "service:a", "deployed_to"));
    assert!(edge("service:a", "service:b", "depends_on"));
    assert!(edge("deploy:d3", "incident:INC-1", "suspected_cause"));
    assert!(edge(&commit(c3), "incident:INC-1", "suspected_cause"));
    assert!(edge(&commit(c3), &commit(revert), "reverted_by"));
    let cause = graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["from"] == "deploy:d3" && e["kind"] == "suspected_cause")
        .unwrap();
    assert!((cause["probability"].as_f64().unwrap() - p_d3).abs() < 1e-9);
    let dot = ws.run(&["graph", "--incident", "INC-1", "--format", "dot"]);
    assert!(
        dot.stdout.contains("\"deploy:d3\" -> \"incident:INC-1\" [label=\"suspected_cause "),
        "{}",
        dot.stdout
    );
    let svg = ws.run(&["graph", "--format", "svg"]);
    assert!(svg.stdout.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.stdout.contains("a: cache more (#41)"));
    assert_eq!(ws.run(&["graph", "--incident", "INC-9"]).code, 2);

    // The same history with the weights overridden: severities, tiers, and what "no change"
    // gains when the incident says no deploy was involved.
    let base = "[[repos]]\nname = \"r\"\npath = \"r\"\n[catalog]\npath = \"catalog.yaml\"\n[[deploys]]\npath = \"deploys.jsonl\"\n[[incidents]]\npath = \"incidents.jsonl\"\n";
    ws.write(
        "faultline.toml",
        &format!(
            "{base}[blast_radius]\nseverity_weights = [1, 2.5, 3, 4, 5]\ntier_weights = [1, 10, 1, 1, 1]\n[attribution]\nsaid_no_change = 2\nno_change_patterns = ['(?i)\\bis slow\\b']\n"
        ),
    );
    assert_eq!(ws.run(&["analyze"]).code, 0);
    let explained = json(&ws.run(&["explain", "INC-1", "--format", "json"]));
    let denominator = 2f64.exp() + scores.iter().map(|(_, s)| f64::exp(*s)).sum::<f64>();
    assert!((explained["no_change"].as_f64().unwrap() - 2f64.exp() / denominator).abs() < 1e-9);
    let p_d3 = scores[0].1.exp() / denominator;
    let p_c3 = p_d3 * s3.exp() / (s3.exp() + s4.exp());
    assert!((explained["commits"][0]["probability"].as_f64().unwrap() - p_c3).abs() < 1e-9);
    let ranked = json(&ws.run(&["rank", "--top", "1", "--format", "json"]));
    assert_eq!(ranked[0]["sha"], c3.to_string());
    // SEV2 now weighs 2.5; service a is tier 2, now weight 10.
    assert!((ranked[0]["blast_radius"].as_f64().unwrap() - p_c3 * 2.5 * 120.0).abs() < 1e-6);
    assert_eq!(ranked[0]["potential_blast_radius"], 10.0);
    let text = ws.run(&["explain", "INC-1"]);
    assert!(text.stdout.contains("the incident says “is slow”: the title “a is slow”"), "{}", text.stdout);

    // Suspects under `min_probability` are counted in the "no change" evidence, not listed;
    // each kind's first is always listed.
    let all_commits: Vec<(String, f64)> = commits
        .iter()
        .map(|c| (c["sha"].as_str().unwrap().to_string(), c["probability"].as_f64().unwrap()))
        .collect();
    ws.write("faultline.toml", &format!("{base}[attribution]\nmin_probability = 0.05\n"));
    assert_eq!(ws.run(&["analyze"]).code, 0);
    let pruned = json(&ws.run(&["explain", "INC-1", "--format", "json"]));
    let denominator = 1.0 + scores.iter().map(|(_, s)| f64::exp(*s)).sum::<f64>();
    let deploy_p: Vec<(&str, f64)> = scores.iter().map(|(id, s)| (*id, s.exp() / denominator)).collect();
    let kept = |rows: &[(String, f64)]| -> (Vec<String>, usize, f64) {
        let (keep, left): (Vec<_>, Vec<_>) =
            rows.iter().enumerate().partition(|(n, (_, p))| *n == 0 || *p >= 0.05);
        (
            keep.iter().map(|(_, (id, _))| id.clone()).collect(),
            left.len(),
            left.iter().map(|(_, (_, p))| p).sum(),
        )
    };
    let deploy_rows: Vec<(String, f64)> = deploy_p.iter().map(|(id, p)| (id.to_string(), *p)).collect();
    let (deploys_kept, deploys_left, deploys_share) = kept(&deploy_rows);
    let (commits_kept, commits_left, commits_share) = kept(&all_commits);
    assert!(deploys_left > 0 && commits_left > 0, "the floor leaves something out");
    let listed = |key: &str, field: &str| -> Vec<String> {
        pruned[key].as_array().unwrap().iter().map(|d| d[field].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(listed("deploys", "id"), deploys_kept);
    assert_eq!(listed("commits", "sha"), commits_kept);
    assert_eq!(
        pruned["no_change_evidence"].as_array().unwrap().last().unwrap(),
        &serde_json::json!(format!(
            "not listed, each under 5.0 %: {deploys_left} deploy(s) ({:.1} % in all) and {commits_left} commit(s) ({:.1} % in all)",
            deploys_share * 100.0,
            commits_share * 100.0
        ))
    );
    // Realized blast radius counts the listed suspects: c3 is still first, unchanged.
    let ranked = json(&ws.run(&["rank", "--top", "1", "--format", "json"]));
    assert!((ranked[0]["blast_radius"].as_f64().unwrap() - p_c3_default * 8.0 * 120.0).abs() < 1e-6);

    // Bad overrides are errors that name the key and its line.
    ws.write("faultline.toml", &format!("{base}[blast_radius]\ntier_weights = [1, 2]\n"));
    let out = ws.run(&["analyze"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .ends_with(":11:1: blast_radius.tier_weights: expected five non-negative numbers, for 1 to 5\n"),
        "{}",
        out.stderr
    );
    ws.write("faultline.toml", &format!("{base}[attribution]\nmin_probability = 1.5\n"));
    let out = ws.run(&["analyze"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.ends_with(
            ":11:1: attribution.min_probability: expected a probability from 0 up to (not including) 1\n"
        ),
        "{}",
        out.stderr
    );
    ws.write("faultline.toml", &format!("{base}[attribution]\nincident_key_pattern = 'INC-(\\d+'\n"));
    let out = ws.run(&["analyze"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains(":11:"), "{}", out.stderr);
    assert!(out.stderr.contains("attribution.incident_key_pattern: invalid pattern: "), "{}", out.stderr);
}
