//! `faultline gate`: the `[policy]` rules on a pull request's commits, read straight from a
//! repository built here, with a Backstage catalog giving services and tiers.

use serde_json::{json, Value};

use crate::support::{RepoBuilder, Workspace, T0};

const CLAUDE: &str = "\n\nCo-authored-by: Claude <noreply@anthropic.com>";

fn alice(at: i64) -> git2::Signature<'static> {
    RepoBuilder::sig("Alice Example", "alice@example.com", at, 0)
}

/// `payments` (tier 1) and `docs` (tier 3, depending on payments) in one repository.
fn catalog(ws: &Workspace) {
    let component = |name: &str, tier: i32, depends: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations:\n    \
             backstage.io/source-location: url:https://github.com/acme/r/tree/main/services/{name}/\n    \
             faultline.dev/tier: \"{tier}\"\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n{depends}"
        )
    };
    ws.write(
        "catalog.yaml",
        &format!(
            "{}---\n{}",
            component("payments", 1, ""),
            component("docs", 3, "  dependsOn:\n    - component:payments\n")
        ),
    );
}

fn config(ws: &Workspace, policy: &str) {
    ws.write(
        "faultline.toml",
        &format!("[[repos]]\nname = \"r\"\npath = \"r\"\n[catalog]\npath = \"catalog.yaml\"\n{policy}"),
    );
}

fn gate(ws: &Workspace, range: &str, format: &str) -> (i32, String, String) {
    let out = ws.run(&["gate", "--range", range, "--format", format]);
    (out.code, out.stdout, out.stderr)
}

fn gate_json(ws: &Workspace, range: &str) -> (i32, Value) {
    let (code, stdout, stderr) = gate(ws, range, "json");
    let value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (code, value)
}

fn findings(report: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for commit in report["commits"].as_array().unwrap() {
        for f in commit["findings"].as_array().unwrap() {
            out.push((
                f["rule"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

#[test]
fn an_ai_commit_to_a_tier_one_service_needs_a_review_by_someone_else() {
    let ws = Workspace::new();
    catalog(&ws);
    config(&ws, "");
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let pay = |text: &'static [u8]| (b"services/payments/pay.py" as &[u8], Some(text));
    let base = b.commit("main", &[], &[pay(b"def pay():\n    return 1\n")], &alice(T0), "payments: start");
    // AI-written, no review: denied.
    let c1 = b.commit(
        "main",
        &[base],
        &[pay(b"def pay():\n    return 2\n    # audited\n")],
        &alice(T0 + 60),
        &format!("payments: return two{CLAUDE}"),
    );
    let (code, report) = gate_json(&ws, &format!("{base}..{c1}"));
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["passed"], json!(false));
    assert_eq!((report["denied"].clone(), report["warned"].clone()), (json!(1), json!(0)));
    let commit = &report["commits"][0];
    assert_eq!(commit["sha"], json!(c1.to_string()));
    assert_eq!(commit["origin"], json!("ai"));
    assert_eq!(commit["tools"], json!(["claude"]));
    assert_eq!(commit["critical"], json!(true));
    assert_eq!(commit["critical_files"], json!(["services/payments/pay.py"]));
    // Tier 1 weighs 8 and docs (tier 3, 2) depends on payments.
    assert_eq!(
        commit["services"],
        json!([{"name": "payments", "tier": 1, "potential_blast_radius": 10.0, "critical": true}])
    );
    assert_eq!(commit["potential_blast_radius"], json!(10.0));
    let short = &c1.to_string()[..12];
    assert_eq!(
        commit["findings"],
        json!([{
            "rule": "ai_review",
            "level": "deny",
            "commit": c1.to_string(),
            "path": "services/payments/pay.py",
            "line": 2,
            "message": format!("AI-provenance commit {short} (claude) touches payments (tier 1) and has no review trailer (Reviewed-by, Approved-by); a person other than the author must review it"),
        }])
    );

    // Reviewed by another person: passes.
    let c2 = b.commit(
        "main",
        &[c1],
        &[pay(b"def pay():\n    return 3\n    # audited\n")],
        &alice(T0 + 120),
        &format!("payments: return three{CLAUDE}\nReviewed-by: Bob Reviewer <bob@example.com>"),
    );
    let (code, report) = gate_json(&ws, &format!("{c1}..{c2}"));
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["commits"][0]["reviewers"], json!(["Bob Reviewer <bob@example.com>"]));
    assert_eq!(findings(&report), vec![]);

    // Reviewed by the author, or only by an AI tool: denied, and the message says which.
    let c3 = b.commit(
        "main",
        &[c2],
        &[pay(b"def pay():\n    return 4\n    # audited\n")],
        &alice(T0 + 180),
        &format!("payments: return four{CLAUDE}\nReviewed-by: Alice Example <alice@example.com>"),
    );
    let c4 = b.commit(
        "main",
        &[c3],
        &[pay(b"def pay():\n    return 5\n    # audited\n")],
        &alice(T0 + 240),
        &format!(
            "payments: return five{CLAUDE}\nApproved-by: Claude <noreply@anthropic.com>\nReviewed-by: github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
        ),
    );
    let (code, report) = gate_json(&ws, &format!("{c2}..{c4}"));
    assert_eq!(code, 1, "{report}");
    let messages: Vec<String> =
        findings(&report).into_iter().map(|(rule, level, m)| format!("{rule} {level}: {m}")).collect();
    assert_eq!(
        messages,
        vec![
            format!("ai_review deny: AI-provenance commit {} (claude) touches payments (tier 1) and names only its author as reviewer (Alice Example <alice@example.com>); a person other than the author must review it", &c3.to_string()[..12]),
            format!("ai_review deny: AI-provenance commit {} (claude) touches payments (tier 1) and is reviewed only by an AI tool or bot (Claude <noreply@anthropic.com>, github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>), not by a person; a person other than the author must review it", &c4.to_string()[..12]),
        ]
    );

    // Unknown origin in a critical path: warned, passes. An AI commit to docs (tier 3) is not
    // in a critical path: nothing to say.
    let c5 =
        b.commit("main", &[c4], &[pay(b"def pay():\n    return 6\n")], &alice(T0 + 300), "payments: six");
    let c6 = b.commit(
        "main",
        &[c5],
        &[(b"services/docs/index.md", Some(b"# Docs\n"))],
        &alice(T0 + 360),
        &format!("docs: index{CLAUDE}"),
    );
    let (code, report) = gate_json(&ws, &format!("{c4}..{c6}"));
    assert_eq!(code, 0, "{report}");
    assert_eq!((report["denied"].clone(), report["warned"].clone()), (json!(0), json!(1)));
    assert_eq!(report["commits"][0]["origin"], json!("unknown"));
    assert_eq!(report["commits"][1]["critical"], json!(false));
    assert_eq!(report["commits"][1]["services"][0]["potential_blast_radius"], json!(2.0));
    assert_eq!(
        findings(&report),
        vec![(
            "unknown_origin".to_string(),
            "warn".to_string(),
            format!("commit {} touches payments (tier 1) and nothing says who wrote it: no AI tool marker, no human attestation (such as an `AI-Generated: false` trailer)", &c5.to_string()[..12])
        )]
    );
    let (code, text, _) = gate(&ws, &format!("{c4}..{c6}"), "table");
    assert_eq!(code, 0);
    let short = |oid: git2::Oid| oid.to_string()[..12].to_string();
    let expected = format!(
        "faultline gate: r {c4}..{c6} ({}..{}), 2 commit(s)

commit        origin   tools   services (tier)  potential  reviewers  trailers        findings  subject
{}  unknown  -       payments* (1)         10.0  -          -                      1  payments: six
{}  ai       claude  docs (3)               2.0  -          Co-authored-by         0  docs: index
  * a critical path under the policy

findings:
  warn unknown_origin services/payments/pay.py:2
      commit {} touches payments (tier 1) and nothing says who wrote it: no AI tool marker, no human attestation (such as an `AI-Generated: false` trailer)

AI lines in critical paths: 0 of 1 (0.0 %)
rules: ai_review deny, ai_audit_trailers off, ai_line_share off, unknown_origin warn
result: passed (0 denied, 1 warned)
",
        short(c4),
        short(c6),
        short(c5),
        short(c6),
        short(c5)
    );
    assert_eq!(text, expected);

    // A human attestation is not unknown; turning a rule off silences it.
    let c7 = b.commit(
        "main",
        &[c6],
        &[pay(b"def pay():\n    return 7\n")],
        &alice(T0 + 420),
        "payments: seven\n\nAI-Generated: false",
    );
    let (code, report) = gate_json(&ws, &format!("{c6}..{c7}"));
    assert_eq!((code, report["warned"].clone()), (0, json!(0)), "{report}");
    config(&ws, "[policy.rules]\nai_review = \"off\"\nunknown_origin = \"deny\"\n");
    let (code, report) = gate_json(&ws, &format!("{base}..{c6}"));
    assert_eq!(code, 1);
    let rules: Vec<(String, String)> = findings(&report).into_iter().map(|(r, l, _)| (r, l)).collect();
    assert_eq!(rules, vec![("unknown_origin".to_string(), "deny".to_string())]);
    // BASE...HEAD evaluates the commits since the merge base.
    let side =
        b.commit("side", &[c2], &[(b"services/docs/README.md", Some(b"hi\n"))], &alice(T0 + 500), "readme");
    let (code, report) = gate_json(&ws, &format!("{side}...{c3}"));
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["base"], json!(c2.to_string()));
    assert_eq!(report["commits"].as_array().unwrap().len(), 1);
    // A merge is listed, not evaluated: its changes are its parents'.
    let merge = b.commit("main", &[c7, side], &[], &alice(T0 + 600), "Merge branch 'side'");
    let (code, report) = gate_json(&ws, &format!("{c7}..{merge}"));
    assert_eq!(code, 0, "{report}");
    let listed: Vec<(Value, Value, Value)> = report["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["sha"].clone(), c["merge"].clone(), c["potential_blast_radius"].clone()))
        .collect();
    assert_eq!(
        listed,
        vec![
            (json!(side.to_string()), json!(false), json!(2.0)),
            (json!(merge.to_string()), json!(true), json!(0.0)),
        ]
    );
    assert_eq!(
        report["notes"],
        json!(["1 merge commit(s) listed, not evaluated: their changes are their parents' commits"])
    );
}

#[test]
fn audit_trailers_line_share_and_critical_paths_follow_the_policy() {
    let ws = Workspace::new();
    catalog(&ws);
    config(
        &ws,
        "[policy]\naudit_trailers = [\"AI-Tool\", \"AI-Model\"]\nmax_ai_line_share = 0.5\ncritical_paths = [\"infra/**\"]\n[policy.rules]\nai_audit_trailers = \"deny\"\n",
    );
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let base = b.commit("main", &[], &[(b"README", Some(b"r\n"))], &alice(T0), "start");
    // AI, reviewed, with one of two audit trailers: 3 lines in payments.
    let c1 = b.commit(
        "main",
        &[base],
        &[(b"services/payments/a.py", Some(b"1\n2\n3\n"))],
        &alice(T0 + 60),
        &format!("payments: a{CLAUDE}\nReviewed-by: Bob <bob@example.com>\nAI-Tool: claude-code"),
    );
    // A person's (attested), 1 line in infra/, a critical path by glob; 5 lines in docs, not one.
    let c2 = b.commit(
        "main",
        &[c1],
        &[(b"infra/main.tf", Some(b"x\n")), (b"services/docs/d.md", Some(b"1\n2\n3\n4\n5\n"))],
        &alice(T0 + 120),
        "infra and docs\n\nAI-Generated: false",
    );
    let (code, report) = gate_json(&ws, &format!("{base}..{c2}"));
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["critical_lines"], json!({"lines": 4, "ai_lines": 3, "share": 0.75, "ceiling": 0.5}));
    assert_eq!(report["commits"][1]["critical_files"], json!(["infra/main.tf"]));
    assert_eq!(
        findings(&report),
        vec![(
            "ai_audit_trailers".to_string(),
            "deny".to_string(),
            format!(
                "AI-provenance commit {} (claude) lacks the audit trailer(s) AI-Model:",
                &c1.to_string()[..12]
            )
        )]
    );
    assert_eq!(
        report["range_findings"],
        json!([{
            "rule": "ai_line_share",
            "level": "deny",
            "commit": null,
            "path": "services/payments/a.py",
            "line": 1,
            "message": "AI wrote 3 of the 4 lines these commits add in critical paths (75.0 %), above the policy's ceiling of 50.0 %",
        }])
    );
    assert_eq!((report["denied"].clone(), report["warned"].clone()), (json!(2), json!(0)));
}

#[test]
fn sarif_output_follows_the_2_1_0_schema_and_workflow_commands_are_escaped() {
    let ws = Workspace::new();
    catalog(&ws);
    config(&ws, "[policy]\naudit_trailers = [\"AI-Model\"]\n");
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let base = b.commit("main", &[], &[(b"README", Some(b"r\n"))], &alice(T0), "start");
    let path: &[u8] = b"services/payments/50%,a:b c.py";
    let c1 = b.commit(
        "main",
        &[base],
        &[(path, Some(b"x = 1\n"))],
        &alice(T0 + 60),
        &format!("pay{CLAUDE}\nReviewed-by: Alice Example <alice@example.com> \x1b[2J"),
    );
    let c2 = b.commit("main", &[c1], &[(b"services/payments/u.py", Some(b"u\n"))], &alice(T0 + 120), "u");
    let range = format!("{base}..{c2}");

    let (code, sarif, stderr) = gate(&ws, &range, "sarif");
    assert_eq!(code, 1, "{stderr}");
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sarif/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    // The published schema's `run.language` pattern has a stray `]`: a literal under
    // JavaScript's rules, an error under Rust's. Escaped, it means the same.
    let text = text.replace("[a-zA-Z]{2}]?$", "[a-zA-Z]{2}\\\\]?$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert_eq!(errors, Vec::<String>::new());
    // And the check can fail: SARIF has no level `deny`.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = json!("deny");
    assert!(!validator.is_valid(&broken));
    // The schema's shape is what GitHub code scanning reads; check the parts it uses.
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], json!("2.1.0"));
    assert_eq!(run["tool"]["driver"]["name"], json!("faultline"));
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rule_ids, ["ai_review", "ai_audit_trailers", "ai_line_share", "unknown_origin"]);
    let results: Vec<(String, u64, String, String, u64)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["ruleIndex"].as_u64().unwrap(),
                r["level"].as_str().unwrap().to_string(),
                location["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    let uri = "services/payments/50%25%2Ca%3Ab%20c.py".to_string();
    assert_eq!(
        results,
        vec![
            ("ai_review".into(), 0, "error".into(), uri.clone(), 1),
            ("ai_audit_trailers".into(), 1, "warning".into(), uri, 1),
            ("unknown_origin".into(), 3, "warning".into(), "services/payments/u.py".into(), 1),
        ]
    );
    assert_eq!(run["results"][0]["properties"]["commit"], json!(c1.to_string()));

    let (code, github, _) = gate(&ws, &range, "github");
    assert_eq!(code, 1);
    let lines: Vec<&str> = github.lines().collect();
    let short = &c1.to_string()[..12];
    assert_eq!(lines.len(), 4, "{github}");
    assert_eq!(
        lines[0],
        format!("::error file=services/payments/50%25%2Ca%3Ab c.py,line=1,title=faultline ai_review::AI-provenance commit {short} (claude) touches payments (tier 1) and names only its author as reviewer (Alice Example <alice@example.com> \\u{{1b}}[2J); a person other than the author must review it")
    );
    assert!(
        lines[2].starts_with(
            "::warning file=services/payments/u.py,line=1,title=faultline unknown_origin::commit "
        ),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], format!("faultline gate {range}: denied (1 denied, 2 warned)"));
}

#[test]
fn bad_ranges_and_unnamed_repositories_are_bad_input() {
    let ws = Workspace::new();
    let b = RepoBuilder::init(&ws.path().join("r"), false);
    let base = b.commit("main", &[], &[(b"README", Some(b"r\n"))], &alice(T0), "start");
    ws.config(&[("r", "r")]);
    let out = ws.run(&["gate", "--range", "main"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "faultline: error: --range \"main\": expected BASE..HEAD or BASE...HEAD, such as origin/main...HEAD\n"
    );
    let out = ws.run(&["gate", "--range", "nope..main"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("faultline: error: --range \"nope..main\": `nope` is not a commit in r ("),
        "{}",
        out.stderr
    );
    // Without a catalog, an empty range passes and says why nothing is critical.
    let out = ws.run(&["gate", "--range", &format!("{base}..main"), "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["commits"], json!([]));
    // An empty side is HEAD.
    let out = ws.run(&["gate", "--range", &format!("{base}.."), "--format", "json"]);
    let open: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        (open["base"].clone(), open["head"].clone()),
        (json!(base.to_string()), json!(base.to_string()))
    );
    assert_eq!(
        report["notes"],
        json!(["no catalog (configure [catalog] or run `faultline ingest`): only policy.critical_paths mark critical paths"])
    );
    RepoBuilder::init(&ws.path().join("s"), false);
    ws.config(&[("r", "r"), ("s", "s")]);
    let out = ws.run(&["gate", "--range", "main..main"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "faultline: error: several repositories are configured (r, s); say which with --repo\n"
    );
}
