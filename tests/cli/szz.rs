//! `faultline szz` on histories built here: a fix across several files, whitespace-only and
//! comment-only changes, binary, generated and configured-skip files.

use serde_json::Value;

use crate::support::{RepoBuilder, Workspace, T0};

fn person(name: &str, at: i64) -> git2::Signature<'static> {
    RepoBuilder::sig(name, &format!("{name}@example.com"), at, 0)
}

/// (sha, path, lines) of every blamed entry of the only fix, sorted.
fn blamed(ws: &Workspace, fix: &str) -> Vec<(String, String, Vec<u64>)> {
    let out = ws.run(&["szz", fix, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value.as_array().unwrap().len(), 1);
    assert_eq!(value[0]["fix"].as_str().unwrap(), fix);
    let mut rows: Vec<(String, String, Vec<u64>)> = value[0]["blamed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["sha"].as_str().unwrap().to_string(),
                b["path"].as_str().unwrap().to_string(),
                b["lines"].as_array().unwrap().iter().map(|l| l.as_u64().unwrap()).collect(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn a_fix_across_files_blames_only_real_code_lines() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let c1 = b.commit(
        "main",
        &[],
        &[
            (b"svc/a.go", Some(b"package a\n\nfunc A() int {\n\treturn 1\n}\n// helper note\n")),
            (b"svc/b.rs", Some(b"fn b() -> i32 {\n    2\n}\n")),
            (b"img.png", Some(b"\x89PNG\r\n\x1a\n\0\0\0\x01")),
            (b"package-lock.json", Some(b"{\n  \"v\": 1\n}\n")),
            (b"ui/view.snap", Some(b"snapshot 1\n")),
        ],
        &person("ana", T0),
        "start",
    );
    let c2 = b.commit(
        "main",
        &[c1],
        &[(b"svc/b.rs", Some(b"fn b() -> i32 {\n    3\n}\n"))],
        &person("ben", T0 + 60),
        "b: three",
    );
    let fix = b.commit(
        "main",
        &[c2],
        &[
            // Line 3 re-indented only, line 4 changed, the comment on line 6 deleted.
            (b"svc/a.go", Some(b"package a\n\n  func A() int {\n\treturn 2\n}\n")),
            (b"svc/b.rs", Some(b"fn b() -> i32 {\n    4\n}\n")),
            (b"img.png", Some(b"\x89PNG\r\n\x1a\n\0\0\0\x02")),
            (b"package-lock.json", Some(b"{\n  \"v\": 2\n}\n")),
            (b"ui/view.snap", Some(b"snapshot 2\n")),
        ],
        &person("dee", T0 + 120),
        "fix: A and b (INC-9)",
    );
    let (c1, c2, fix) = (c1.to_string(), c2.to_string(), fix.to_string());
    ws.write("faultline.toml", "[[repos]]\nname = \"r\"\npath = \"r\"\n[szz]\nskip = [\"**/*.snap\"]\n");
    let mut expected =
        vec![(c1.clone(), "svc/a.go".to_string(), vec![4]), (c2.clone(), "svc/b.rs".to_string(), vec![2])];
    expected.sort();
    assert_eq!(blamed(&ws, &fix), expected);
    // The same from the store's history, after an ingest.
    assert_eq!(ws.run(&["ingest"]).code, 0);
    assert_eq!(blamed(&ws, &fix), expected);

    // Without the built-in list the lock file is evidence; without the glob, the snapshot.
    ws.write("faultline.toml", "[[repos]]\nname = \"r\"\npath = \"r\"\n[szz]\nbuiltin_skips = false\n");
    let mut all = expected.clone();
    all.push((c1.clone(), "package-lock.json".to_string(), vec![2]));
    all.push((c1.clone(), "ui/view.snap".to_string(), vec![1]));
    all.sort();
    assert_eq!(blamed(&ws, &fix), all);

    // A bad glob is bad input, at its position in the config.
    ws.write("faultline.toml", "[[repos]]\nname = \"r\"\npath = \"r\"\n[szz]\nskip = [\"a[\"]\n");
    let out = ws.run(&["szz", &fix]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "faultline: error: faultline.toml:5:9: szz.skip: \"a[\" is not a glob (unclosed character class; missing ']'); expected a pattern such as infra/**\n"
    );
}

#[test]
fn whitespace_only_and_comment_only_fixes_blame_nothing() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let c1 = b.commit(
        "main",
        &[],
        &[(b"app.py", Some(b"def f(x):\n    # keep x positive\n    return x + 1\n\n\nprint(f(1))\n"))],
        &person("ana", T0),
        "start",
    );
    ws.write("faultline.toml", "[[repos]]\nname = \"r\"\npath = \"r\"\n");
    // Re-indented and re-spaced, a blank line dropped: nothing was really changed.
    let respaced = b.commit(
        "main",
        &[c1],
        &[(b"app.py", Some(b"def f(x):\n    # keep x positive\n    return x  +  1\n\nprint(f(1))\n"))],
        &person("ben", T0 + 60),
        "style",
    );
    assert_eq!(blamed(&ws, &respaced.to_string()), vec![]);
    // Only the comment reworded.
    let comment = b.commit(
        "main",
        &[respaced],
        &[(b"app.py", Some(b"def f(x):\n    # x must stay positive\n    return x  +  1\n\nprint(f(1))\n"))],
        &person("cy", T0 + 120),
        "comment",
    );
    assert_eq!(blamed(&ws, &comment.to_string()), vec![]);
    // A real change after both: blamed on ana, who wrote the line, not on ben, who re-spaced it.
    let fix = b.commit(
        "main",
        &[comment],
        &[(b"app.py", Some(b"def f(x):\n    # x must stay positive\n    return x  +  2\n\nprint(f(1))\n"))],
        &person("dee", T0 + 180),
        "fix",
    );
    let expected = vec![(c1.to_string(), "app.py".to_string(), vec![3])];
    assert_eq!(blamed(&ws, &fix.to_string()), expected);
    // The store's indexed blame gives the same, as `git blame -w` would.
    assert_eq!(ws.run(&["ingest"]).code, 0);
    assert_eq!(blamed(&ws, &fix.to_string()), expected);
    assert_eq!(blamed(&ws, &respaced.to_string()), vec![]);
}
