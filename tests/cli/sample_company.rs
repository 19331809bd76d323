//! The bundled sample company in `sample-data/` is exactly what `tests/support/sample_company.rs`
//! generates: the same references, commits and pack in `repos/`, which open from the plain files a
//! clone of this project contains, and the same catalog, deploy logs and incidents, byte for byte,
//! tied to that history (every deploy ships a commit of `main` that exists before it; every bad
//! change reaches production with one deploy and its incident follows). After changing the
//! generator, rewrite the committed copy with
//! `cargo test --release --test cli -- --ignored regenerate`
//! and update the numbers in `sample_company_summary` and `sample_deploys_per_service_and_outcome`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::sample_company::events::{self, generate_sample};
use crate::support::sample_company::{generate, Convention, Undo};

fn sample_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

fn committed() -> PathBuf {
    sample_root().join("repos")
}

/// Copy regular files only, creating their folders: what a fresh clone of the project holds
/// (git keeps no empty folders and no nested `.git`).
fn copy_tracked_files(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).expect("read a folder of the sample") {
        let entry = entry.expect("a folder entry");
        let kind = entry.file_type().expect("a file type");
        assert_ne!(entry.file_name(), ".git", "nothing in the sample may be called .git");
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tracked_files(&entry.path(), &target);
        } else if kind.is_file() {
            fs::create_dir_all(to).expect("create a folder");
            fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).expect("read a folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name =
                    path.strip_prefix(root).expect("below the root").to_string_lossy().replace('\\', "/");
                out.insert(name, fs::read(&path).expect("read a file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn refs(repo: &git2::Repository) -> BTreeMap<String, String> {
    let mut refs = BTreeMap::new();
    for reference in repo.references().expect("list references") {
        let reference = reference.expect("a reference");
        let name = reference.name().expect("utf-8 reference name").to_string();
        refs.insert(name, reference.target().expect("a direct reference").to_string());
    }
    refs
}

fn commit_count(repo: &git2::Repository) -> usize {
    let mut walk = repo.revwalk().expect("revwalk");
    walk.push_glob("refs/heads/*").expect("push branches");
    walk.push_glob("refs/tags/*").expect("push tags");
    walk.count()
}

#[test]
fn sample_company_is_reproducible() {
    let root = tempfile::tempdir().expect("a temporary folder");
    let data = generate_sample(root.path()).expect("generate the sample company");
    let summary = &data.summary;
    let generated = root.path().join("repos");
    let clone = tempfile::tempdir().expect("a temporary folder");
    copy_tracked_files(&committed(), clone.path());

    for repo in &summary.repos {
        let path = clone.path().join(format!("{}.git", repo.name));
        let opened = git2::Repository::open_bare(&path)
            .unwrap_or_else(|e| panic!("open the committed {}.git from plain files: {e}", repo.name));
        assert_eq!(
            refs(&opened),
            repo.refs,
            "{}: committed refs differ from the generator's; regenerate",
            repo.name
        );
        assert_eq!(commit_count(&opened), repo.commits, "{}: commit count", repo.name);
        for sha in &repo.noted_commits {
            let oid = git2::Oid::from_str(sha).expect("a commit id");
            opened
                .find_note(Some("refs/notes/ai"), oid)
                .expect("a git-ai note readable from the committed copy");
        }
    }

    // The packs are binary, so a checkout never rewrites them: compare them byte for byte, which
    // also proves two runs of the generator write the same bytes.
    let packs = |dir: &Path| -> BTreeMap<String, Vec<u8>> {
        files(dir).into_iter().filter(|(name, _)| name.contains("/objects/pack/")).collect()
    };
    let generated_packs = packs(&generated);
    assert_eq!(generated_packs.len(), 4, "one pack and one index per repository");
    assert!(
        generated_packs == packs(clone.path()),
        "the committed packs differ from the generator's; regenerate"
    );
    let names: BTreeSet<String> = files(&generated).into_keys().collect();
    let committed_names: BTreeSet<String> = files(clone.path()).into_keys().collect();
    assert_eq!(
        names, committed_names,
        "the committed repositories hold other files than the generator writes"
    );

    // The catalog, deploys and incidents are text, kept byte for byte (`.gitattributes` keeps
    // their line ends as written).
    for name in events::FILES {
        let fresh = fs::read(root.path().join(name)).expect("the generator writes every file");
        let kept = fs::read(sample_root().join(name))
            .unwrap_or_else(|e| panic!("sample-data/{name}: {e}; regenerate"));
        assert!(fresh == kept, "sample-data/{name} differs from the generator's; regenerate");
    }
}

#[test]
fn sample_company_summary() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let summary = generate(out.path()).expect("generate the sample company");
    let shop = summary.repo("shop");
    let auth = summary.repo("auth");

    assert_eq!(
        (shop.commits, shop.commits_on_main, shop.merges),
        (416, 412, 75),
        "shop: commits, on main, merges"
    );
    assert_eq!(
        (auth.commits, auth.commits_on_main, auth.merges),
        (163, 163, 29),
        "auth: commits, on main, merges"
    );
    assert!(shop.commits + auth.commits >= 400);
    assert!(shop.merges + auth.merges >= 20);

    let offsets: BTreeSet<i32> =
        shop.author_offsets_minutes.union(&auth.author_offsets_minutes).copied().collect();
    assert_eq!(offsets, BTreeSet::from([-420, -240, 0, 60, 120, 330, 540]));
    for repo in [shop, auth] {
        // 2026-06-01T00:00Z .. 2026-09-16T00:00Z
        assert!(
            repo.first_commit_at >= 1_780_272_000 && repo.last_commit_at < 1_789_516_800,
            "{}",
            repo.name
        );
        assert!(repo.pack_bytes < 1_000_000, "{}: {} bytes", repo.name, repo.pack_bytes);
    }
    for name in ["José Álvarez", "Zoë Müller", "田中 太郎", "Claude Dupont", "Devin Okafor"] {
        let all = shop.authors.iter().chain(&auth.authors);
        assert!(all.clone().any(|a| a.starts_with(name)), "{name} is an author");
    }

    let counts: Vec<(&str, usize)> =
        Convention::ALL.iter().map(|c| (c.name(), summary.ai_count(*c))).collect();
    assert_eq!(
        counts,
        vec![
            ("claude-code", 10),
            ("claude-code-legacy", 14),
            ("aider-prefix", 4),
            ("aider-author", 9),
            ("aider-trailer", 9),
            ("copilot-agent", 9),
            ("copilot-editor", 4),
            ("cursor-agent", 7),
            ("cursor-trailer", 7),
            ("codex", 12),
            ("devin", 25),
            ("amp", 9),
            ("policy-trailers", 7),
            ("git-ai-note", 1),
        ]
    );
    assert_eq!(shop.noted_commits.len() + auth.noted_commits.len(), 2);

    let lookalikes: BTreeMap<&str, usize> =
        shop.lookalikes.iter().chain(&auth.lookalikes).fold(BTreeMap::new(), |mut m, l| {
            *m.entry(l.why).or_default() += 1;
            m
        });
    assert_eq!(
        lookalikes,
        BTreeMap::from([
            ("author named Claude", 15),
            ("author named Devin", 41),
            ("co-author named Claude", 8),
            ("message mentions Claude Code", 1),
            ("message mentions Copilot", 1),
            ("message mentions aider", 1),
        ])
    );

    let bad: Vec<(&str, &str, Option<Convention>, Undo)> = shop
        .bad_changes
        .iter()
        .map(|b| ("shop", b.incident, b.ai, b.undo))
        .chain(auth.bad_changes.iter().map(|b| ("auth", b.incident, b.ai, b.undo)))
        .collect();
    assert_eq!(
        bad,
        vec![
            ("shop", "INC-2026-009", None, Undo::Fix),
            ("shop", "INC-2026-014", Some(Convention::ClaudeCode), Undo::Revert),
            ("shop", "INC-2026-021", Some(Convention::CopilotAgent), Undo::Fix),
            ("shop", "INC-2026-033", Some(Convention::Devin), Undo::Revert),
            ("shop", "INC-2026-036", Some(Convention::Codex), Undo::Fix),
            ("shop", "INC-2026-038", None, Undo::Revert),
            ("auth", "INC-2026-027", Some(Convention::AiderTrailer), Undo::Fix),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Deploys, incidents and the catalog, read back from the committed files
// ---------------------------------------------------------------------------------------------

fn read(name: &str) -> String {
    fs::read_to_string(sample_root().join(name)).unwrap_or_else(|e| panic!("sample-data/{name}: {e}"))
}

fn json_file(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("sample-data/{name}: {e}"))
}

fn seconds(value: &Value) -> i64 {
    let text = value.as_str().unwrap_or_else(|| panic!("a timestamp, found {value}"));
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}")).timestamp()
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("a string, found {value}")).to_string()
}

/// One deploy as a committed file says, in the canonical vocabulary whatever the format.
#[derive(Debug, Clone)]
struct Logged {
    format: &'static str,
    id: String,
    service: String,
    environment: String,
    repo: String,
    sha: String,
    started_at: i64,
    finished_at: Option<i64>,
    status: String,
    kind: String,
    rollback_of: Option<String>,
}

fn logged_deploys() -> Vec<Logged> {
    let columns = [
        "id",
        "service",
        "environment",
        "repo",
        "sha",
        "started_at",
        "finished_at",
        "status",
        "kind",
        "rollback_of",
        "actor",
    ];
    let mut out = Vec::new();
    for (n, line) in read(events::SHOP_DEPLOYS).lines().enumerate() {
        let d: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        let keys: BTreeSet<&str> = d.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(keys, columns.into_iter().collect(), "line {}", n + 1);
        assert!(line.starts_with("{\"id\":"), "line {}: the columns in their order", n + 1);
        out.push(Logged {
            format: "canonical",
            id: text(&d["id"]),
            service: text(&d["service"]),
            environment: text(&d["environment"]),
            repo: text(&d["repo"]),
            sha: text(&d["sha"]),
            started_at: seconds(&d["started_at"]),
            finished_at: (!d["finished_at"].is_null()).then(|| seconds(&d["finished_at"])),
            status: text(&d["status"]),
            kind: text(&d["kind"]),
            rollback_of: d["rollback_of"].as_str().map(str::to_string),
        });
    }
    for d in json_file(events::AUTH_DEPLOYS).as_array().expect("the REST list is an array") {
        // Statuses come newest first; the newest one decides.
        let newest = &d["statuses"][0];
        let (status, finished) = match newest["state"].as_str() {
            Some("success") => ("success", Some(seconds(&newest["created_at"]))),
            Some("failure") => ("failure", Some(seconds(&newest["created_at"]))),
            _ => ("in_progress", None),
        };
        let rollback = text(&d["task"]).contains("rollback");
        out.push(Logged {
            format: "github",
            id: d["id"].as_i64().expect("a numeric id").to_string(),
            // The June deployments say nothing; the config maps them to auth.
            service: d["payload"]["service"].as_str().unwrap_or("auth").to_string(),
            environment: text(&d["environment"]),
            repo: text(&d["repository_url"]).rsplit('/').next().expect("a URL").to_string(),
            sha: text(&d["sha"]),
            started_at: seconds(&d["created_at"]),
            finished_at: finished,
            status: status.to_string(),
            kind: if rollback { "rollback" } else { "deploy" }.to_string(),
            rollback_of: d["payload"]["rollback_of"].as_i64().map(|id| id.to_string()),
        });
    }
    out
}

/// One incident as a committed file says.
#[derive(Debug)]
struct Told {
    started_at: i64,
    detected_at: i64,
    mitigated_at: Option<i64>,
    resolved_at: i64,
    /// Components, PagerDuty service or catalog services, as written.
    services: Vec<String>,
    /// Every timeline text, update body or log entry summary.
    texts: Vec<String>,
}

/// (format, id in its file) → what the file says.
fn told_incidents() -> BTreeMap<(&'static str, String), Told> {
    let mut out = BTreeMap::new();
    let strings = |v: &Value| -> Vec<String> { v.as_array().expect("an array").iter().map(text).collect() };
    for line in read(events::CANONICAL_INCIDENTS).lines() {
        let i: Value = serde_json::from_str(line).expect("a JSON line");
        out.insert(
            ("canonical", text(&i["id"])),
            Told {
                started_at: seconds(&i["started_at"]),
                detected_at: seconds(&i["detected_at"]),
                mitigated_at: Some(seconds(&i["mitigated_at"])),
                resolved_at: seconds(&i["resolved_at"]),
                services: strings(&i["services"]),
                texts: i["timeline"]
                    .as_array()
                    .expect("a timeline")
                    .iter()
                    .map(|e| text(&e["text"]))
                    .collect(),
            },
        );
    }
    let page = json_file(events::STATUSPAGE_INCIDENTS);
    for i in page["incidents"].as_array().expect("incidents") {
        let updates = i["incident_updates"].as_array().expect("updates");
        let shown: Vec<i64> = updates.iter().map(|u| seconds(&u["display_at"])).collect();
        assert!(shown.windows(2).all(|w| w[0] >= w[1]), "updates newest first");
        out.insert(
            ("statuspage", text(&i["id"])),
            Told {
                started_at: seconds(&i["started_at"]),
                detected_at: seconds(&i["created_at"]),
                mitigated_at: (!i["monitoring_at"].is_null()).then(|| seconds(&i["monitoring_at"])),
                resolved_at: seconds(&i["resolved_at"]),
                services: i["components"]
                    .as_array()
                    .expect("components")
                    .iter()
                    .map(|c| text(&c["name"]))
                    .collect(),
                texts: updates.iter().map(|u| text(&u["body"])).collect(),
            },
        );
    }
    let entries = json_file(events::PAGERDUTY_LOG_ENTRIES);
    let entries = entries["log_entries"].as_array().expect("log entries");
    let logged: Vec<i64> = entries.iter().map(|e| seconds(&e["created_at"])).collect();
    assert!(logged.windows(2).all(|w| w[0] >= w[1]), "log entries newest first");
    for i in json_file(events::PAGERDUTY_INCIDENTS)["incidents"].as_array().expect("incidents") {
        let id = text(&i["id"]);
        out.insert(
            ("pagerduty", id.clone()),
            Told {
                started_at: seconds(&i["created_at"]),
                detected_at: seconds(&i["created_at"]),
                mitigated_at: None,
                resolved_at: seconds(&i["resolved_at"]),
                services: vec![text(&i["service"]["summary"])],
                texts: entries
                    .iter()
                    .filter(|e| e["incident"]["id"] == id.as_str())
                    .map(|e| text(&e["summary"]))
                    .collect(),
            },
        );
    }
    out
}

fn open_committed(repo: &str) -> git2::Repository {
    git2::Repository::open_bare(committed().join(format!("{repo}.git"))).expect("open a committed repository")
}

/// Whether `tip` is `commit` or has it in its history.
fn contains(repo: &git2::Repository, tip: &str, commit: &str) -> bool {
    let (tip, commit) =
        (git2::Oid::from_str(tip).expect("an id"), git2::Oid::from_str(commit).expect("an id"));
    tip == commit || repo.graph_descendant_of(tip, commit).expect("compare two commits")
}

#[test]
fn sample_deploys_per_service_and_outcome() {
    let deploys = logged_deploys();
    let mut counts: BTreeMap<(&str, &str, &str, &str, &str), usize> = BTreeMap::new();
    for d in &deploys {
        *counts.entry((d.format, &d.service, &d.environment, &d.status, &d.kind)).or_default() += 1;
    }
    let counts: Vec<(&str, &str, &str, &str, &str, usize)> =
        counts.into_iter().map(|((f, s, e, st, k), n)| (f, s, e, st, k, n)).collect();
    assert_eq!(
        counts,
        vec![
            ("canonical", "catalog", "production", "failure", "deploy", 1),
            ("canonical", "catalog", "production", "success", "deploy", 58),
            ("canonical", "catalog", "production", "success", "rollback", 1),
            ("canonical", "catalog", "staging", "failure", "deploy", 2),
            ("canonical", "catalog", "staging", "success", "deploy", 55),
            ("canonical", "checkout", "production", "cancelled", "deploy", 1),
            ("canonical", "checkout", "production", "failure", "deploy", 4),
            ("canonical", "checkout", "production", "in_progress", "deploy", 1),
            ("canonical", "checkout", "production", "success", "deploy", 60),
            ("canonical", "checkout", "production", "success", "rollback", 1),
            ("canonical", "checkout", "staging", "failure", "deploy", 1),
            ("canonical", "checkout", "staging", "success", "deploy", 61),
            ("canonical", "payments", "production", "failure", "deploy", 2),
            ("canonical", "payments", "production", "success", "deploy", 71),
            ("canonical", "payments", "production", "success", "rollback", 2),
            ("canonical", "payments", "staging", "failure", "deploy", 1),
            ("canonical", "payments", "staging", "success", "deploy", 71),
            ("github", "auth", "production", "failure", "deploy", 2),
            ("github", "auth", "production", "success", "deploy", 30),
            ("github", "auth", "production", "success", "rollback", 2),
            ("github", "auth", "staging", "failure", "deploy", 1),
            ("github", "auth", "staging", "in_progress", "deploy", 1),
            ("github", "auth", "staging", "success", "deploy", 30),
        ]
    );

    // The canonical log is numbered in the order deploys started; the GitHub list is newest
    // first, as the API returns it, and only the deployments from July on name their service.
    let shop: Vec<&Logged> = deploys.iter().filter(|d| d.format == "canonical").collect();
    for (n, d) in shop.iter().enumerate() {
        assert_eq!(d.id, format!("dep-shop-{:04}", n + 1));
        assert_eq!(d.repo, "shop");
    }
    assert!(shop.windows(2).all(|w| w[0].started_at <= w[1].started_at));
    let auth = json_file(events::AUTH_DEPLOYS);
    let auth = auth.as_array().expect("an array");
    let created: Vec<i64> = auth.iter().map(|d| seconds(&d["created_at"])).collect();
    assert!(created.windows(2).all(|w| w[0] > w[1]), "deployments newest first");
    let july = 1_782_864_000; // 2026-07-01T00:00:00Z
    for d in auth {
        let statuses: Vec<i64> =
            d["statuses"].as_array().expect("statuses").iter().map(|s| seconds(&s["created_at"])).collect();
        assert!(statuses.windows(2).all(|w| w[0] >= w[1]), "statuses newest first");
        let payload = d["payload"].as_object().expect("a payload object");
        assert_eq!(payload.contains_key("service"), seconds(&d["created_at"]) >= july, "{}", d["id"]);
    }
}

#[test]
fn every_sample_deploy_ships_a_commit_of_main_from_before_it() {
    let deploys = logged_deploys();
    let repos: BTreeMap<&str, git2::Repository> =
        ["shop", "auth"].into_iter().map(|name| (name, open_committed(name))).collect();
    let by_id: BTreeMap<&str, &Logged> = deploys.iter().map(|d| (d.id.as_str(), d)).collect();
    assert_eq!(by_id.len(), deploys.len(), "deploy ids are unique");
    for d in &deploys {
        let repo = &repos[d.repo.as_str()];
        let oid = git2::Oid::from_str(&d.sha).expect("a full commit id");
        let commit =
            repo.find_commit(oid).unwrap_or_else(|_| panic!("{}: {} is not in {}", d.id, d.sha, d.repo));
        assert!(commit.time().seconds() <= d.started_at, "{}: ships a commit made after it started", d.id);
        let main = repo.refname_to_id("refs/heads/main").expect("main").to_string();
        assert!(contains(repo, &main, &d.sha), "{}: {} is not on main", d.id, d.sha);
        if let Some(finished) = d.finished_at {
            assert!(finished > d.started_at, "{}", d.id);
        }
        assert_eq!(d.finished_at.is_none(), d.status == "in_progress", "{}", d.id);
        match (d.kind.as_str(), &d.rollback_of) {
            ("rollback", Some(of)) => {
                let undone = by_id[of.as_str()];
                assert_eq!((&undone.service, undone.environment.as_str()), (&d.service, "production"));
                assert!(undone.started_at < d.started_at, "{}", d.id);
                assert!(contains(repo, &undone.sha, &d.sha), "{}: rolls back to an earlier commit", d.id);
            }
            ("deploy", None) => {}
            other => panic!("{}: kind and rollback_of disagree: {other:?}", d.id),
        }
    }
}

/// The ground truth as committed: (key, id as faultline stores it, the cause or null).
fn ground_truth() -> Vec<(String, String, Value)> {
    let truth = json_file(events::GROUND_TRUTH);
    truth["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .map(|i| (text(&i["key"]), text(&i["id"]), i["cause"].clone()))
        .collect()
}

/// The file's id of an id faultline stores (`github:2476430968` is `2476430968`).
fn file_id(id: &str) -> &str {
    id.split_once(':').map_or(id, |(_, rest)| rest)
}

#[test]
fn each_true_cause_in_the_ground_truth_holds_in_the_committed_files() {
    assert!(!read("faultline.toml").contains(events::GROUND_TRUTH), "faultline must never read the truth");
    let deploys = logged_deploys();
    let told = told_incidents();
    let by_id: BTreeMap<&str, &Logged> = deploys.iter().map(|d| (d.id.as_str(), d)).collect();
    let (mut decoys, mut downstream, mut after_start) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = Vec::new();
    for (key, id, cause) in ground_truth() {
        let (format, file_key) = match id.split_once(':') {
            Some((format, rest)) => (format, rest.to_string()),
            None => ("canonical", id.clone()),
        };
        let format =
            ["canonical", "statuspage", "pagerduty"].into_iter().find(|f| *f == format).expect("a format");
        let file = &told[&(format, file_key)];
        if cause.is_null() {
            seen.push((key, vec![]));
            continue;
        }
        let repo = text(&cause["repo"]);
        let git = open_committed(&repo);
        let sha = text(&cause["commit"]);
        let deploy = by_id[file_id(&text(&cause["deploy"]))];
        // The deploy is the first production deploy of its service that contains the commit.
        let mut production: Vec<&Logged> = deploys
            .iter()
            .filter(|d| d.service == deploy.service && d.environment == "production" && d.kind == "deploy")
            .collect();
        production.sort_by_key(|d| d.started_at);
        let first = production.iter().find(|d| contains(&git, &d.sha, &sha)).expect("shipped");
        assert_eq!(first.id, deploy.id, "{key}");
        assert_eq!(first.status, "success", "{key}");
        let after = file.started_at - first.finished_at.expect("finished");
        assert!((600..=5400).contains(&after), "{key}: starts {after}s after {}", first.id);

        let evidence: Vec<String> =
            cause["evidence"].as_array().expect("evidence").iter().map(text).collect();
        // The timeline names the deploy or the commit exactly when the truth says it does.
        let short = &sha[..7];
        let named = file.texts.iter().any(|t| t.contains(&deploy.id) || t.contains(short));
        assert_eq!(named, evidence.contains(&"timeline".to_string()), "{key}: {:?}", file.texts);

        let rollback =
            deploys.iter().find(|d| d.kind == "rollback" && d.rollback_of.as_ref() == Some(&deploy.id));
        assert_eq!(rollback.is_some(), evidence.contains(&"rollback".to_string()), "{key}");
        if let Some(r) = rollback {
            assert_eq!(cause["rollback"].as_str().map(file_id), Some(r.id.as_str()), "{key}");
            assert!(r.started_at > file.started_at, "{key}");
            assert!(r.finished_at.expect("finished") <= file.resolved_at, "{key}");
            assert!(!contains(&git, &r.sha, &sha), "{key}: the rollback leaves the change out");
        }
        if let Some(undo) = cause["undone_by"].as_str() {
            let message = git
                .find_commit(git2::Oid::from_str(undo).expect("a sha"))
                .expect("the undoing commit")
                .message()
                .expect("UTF-8")
                .to_string();
            let reverts = message.contains(&format!("This reverts commit {sha}."));
            assert_eq!(reverts, evidence.contains(&"revert".to_string()), "{key}");
            let names = message.lines().next().is_some_and(|s| s.contains(&key))
                && (id == key || file.texts.iter().any(|t| t.contains(&key)));
            assert_eq!(names, evidence.contains(&"fix".to_string()), "{key}");
            let shipped = production
                .iter()
                .find(|d| d.status == "success" && contains(&git, &d.sha, undo))
                .expect("the revert or fix ships");
            assert!(shipped.started_at > first.finished_at.expect("finished"), "{key}");
        } else {
            assert!(!evidence.iter().any(|e| e == "revert" || e == "fix"), "{key}");
        }

        // The distractions the attribution must see through.
        let services: Vec<&str> = ["checkout", "payments", "catalog", "auth"]
            .into_iter()
            .filter(|s| file.services.iter().any(|n| n == s || told_service(n) == Some(*s)))
            .collect();
        if !services.contains(&deploy.service.as_str()) {
            downstream.push(key.clone());
        }
        let unrelated = deploys.iter().any(|d| {
            d.environment == "production"
                && d.service != deploy.service
                && !services.contains(&d.service.as_str())
                && d.started_at < file.started_at
                && file.started_at - d.started_at <= 45 * 60
        });
        if unrelated {
            decoys.push(key.clone());
        }
        let later = deploys.iter().any(|d| {
            services.contains(&d.service.as_str())
                && d.kind == "deploy"
                && d.environment == "production"
                && d.started_at > file.started_at
                && d.started_at < file.resolved_at
        });
        if later {
            after_start.push(key.clone());
        }
        seen.push((key, evidence));
    }
    let kinds = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let seen: Vec<(&str, Vec<String>)> = seen.iter().map(|(k, e)| (k.as_str(), e.clone())).collect();
    assert_eq!(
        seen,
        vec![
            ("INC-2026-009", kinds(&["timeline", "fix", "time"])),
            ("INC-2026-011", vec![]),
            ("INC-2026-014", kinds(&["timeline", "rollback", "revert", "time"])),
            ("INC-2026-019", vec![]),
            ("INC-2026-021", kinds(&["timeline", "rollback", "fix", "time"])),
            ("INC-2026-024", vec![]),
            ("INC-2026-027", kinds(&["timeline", "rollback", "fix", "time"])),
            ("INC-2026-030", vec![]),
            ("INC-2026-033", kinds(&["timeline", "rollback", "revert", "time"])),
            ("INC-2026-034", kinds(&["time"])),
            ("INC-2026-035", kinds(&["rollback", "time"])),
            ("INC-2026-036", kinds(&["fix", "time"])),
            ("INC-2026-037", kinds(&["rollback", "time"])),
            ("INC-2026-038", kinds(&["revert", "time"])),
        ]
    );
    assert_eq!(downstream, ["INC-2026-037"], "seen only a dependency hop downstream");
    assert_eq!(decoys, ["INC-2026-034", "INC-2026-035", "INC-2026-038"], "decoy deploys minutes before");
    assert_eq!(
        after_start,
        ["INC-2026-009", "INC-2026-021", "INC-2026-034", "INC-2026-036", "INC-2026-038"],
        "deploys to the incident's service after its start"
    );
}

/// The catalog service a status page component or PagerDuty service names, as the config maps
/// them.
fn told_service(name: &str) -> Option<&'static str> {
    match name {
        "Web checkout" | "Checkout API" | "Shop Web (prod)" => Some("checkout"),
        "Card payments" | "Payments API" => Some("payments"),
        "Product search" | "Catalog API" => Some("catalog"),
        "Login" | "Auth API" => Some("auth"),
        _ => None,
    }
}

#[test]
fn sample_incidents_have_ordered_milestones_and_catalog_services() {
    let told = told_incidents();
    let mut rows: Vec<(String, &str, &str, Vec<&str>)> = told
        .iter()
        .map(|((format, id), t)| {
            let start = chrono::DateTime::from_timestamp(t.started_at, 0).expect("a time");
            (
                start.format("%Y-%m-%d %H:%M").to_string(),
                *format,
                id.as_str(),
                t.services.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            ("2026-06-10 01:36".to_string(), "statuspage", "pwkdezxl9l24", vec!["Product search"]),
            (
                "2026-06-24 13:12".to_string(),
                "canonical",
                "INC-2026-011",
                vec!["catalog", "checkout", "payments"]
            ),
            ("2026-07-14 16:27".to_string(), "pagerduty", "PS9E55H", vec!["Payments API"]),
            ("2026-07-27 19:40".to_string(), "pagerduty", "PF49L62", vec!["Shop Web (prod)"]),
            ("2026-08-06 17:21".to_string(), "canonical", "INC-2026-021", vec!["checkout"]),
            ("2026-08-13 15:52".to_string(), "statuspage", "rtt343qebh83", vec!["Card payments"]),
            ("2026-08-20 09:12".to_string(), "statuspage", "mgfcrvc8pxpk", vec!["Login", "Mobile app"]),
            ("2026-08-27 03:10".to_string(), "canonical", "INC-2026-030", vec!["catalog"]),
            ("2026-09-03 07:12".to_string(), "pagerduty", "P5OPPDU", vec!["Payments API"]),
            ("2026-09-07 07:26".to_string(), "pagerduty", "P1NIAD6", vec!["Payments API"]),
            ("2026-09-08 09:16".to_string(), "canonical", "INC-2026-035", vec!["auth"]),
            ("2026-09-08 17:12".to_string(), "statuspage", "9ddsdv7q3v2c", vec!["Web checkout"]),
            ("2026-09-10 01:50".to_string(), "canonical", "INC-2026-037", vec!["checkout"]),
            ("2026-09-10 15:40".to_string(), "canonical", "INC-2026-038", vec!["payments"]),
        ]
    );
    for ((format, id), t) in &told {
        assert!(t.started_at <= t.detected_at, "{format} {id}");
        if let Some(mitigated) = t.mitigated_at {
            assert!(t.detected_at <= mitigated && mitigated <= t.resolved_at, "{format} {id}");
        }
        assert!(t.detected_at <= t.resolved_at, "{format} {id}");
    }

    // Every name an incident uses is a catalog service or alias, but for the two the config
    // maps or leaves unmapped on purpose.
    let names = catalog_names();
    for ((format, id), t) in &told {
        for service in &t.services {
            let known = names.contains(&service.to_lowercase());
            let exception = ["Mobile app", "Shop Web (prod)"].contains(&service.as_str());
            assert!(known != exception, "{format} {id}: {service}");
        }
    }
}

/// Backstage entities as (kind, name) → document.
fn catalog_entities() -> BTreeMap<(String, String), serde_yaml_ng::Value> {
    use serde::Deserialize;
    let text = read(events::CATALOG);
    let mut out = BTreeMap::new();
    for document in serde_yaml_ng::Deserializer::from_str(&text) {
        let entity = serde_yaml_ng::Value::deserialize(document).expect("a YAML document");
        let kind = entity["kind"].as_str().expect("a kind").to_string();
        let name = entity["metadata"]["name"].as_str().expect("a name").to_string();
        assert!(out.insert((kind, name), entity).is_none(), "entities are unique");
    }
    out
}

/// Every lower-cased service name, title and alias in the catalog's components.
fn catalog_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for ((kind, name), entity) in catalog_entities() {
        if kind != "Component" {
            continue;
        }
        names.insert(name.to_lowercase());
        names.insert(entity["metadata"]["title"].as_str().expect("a title").to_lowercase());
        let aliases = entity["metadata"]["annotations"]["faultline.dev/aliases"].as_str().expect("aliases");
        names.extend(aliases.split(',').map(|a| a.trim().to_lowercase()));
    }
    names
}

#[test]
fn sample_catalog_lists_services_their_dependencies_tiers_and_aliases() {
    let entities = catalog_entities();
    let kinds: BTreeMap<&str, usize> = entities.keys().fold(BTreeMap::new(), |mut m, (kind, _)| {
        *m.entry(kind.as_str()).or_default() += 1;
        m
    });
    assert_eq!(kinds, BTreeMap::from([("API", 4), ("Component", 4), ("Resource", 7), ("System", 1)]));

    let plain = |reference: &str| reference.rsplit(['/', ':']).next().expect("a name").to_string();
    let mut edges = BTreeSet::new();
    let mut apis = BTreeSet::new();
    let mut tiers = BTreeMap::new();
    let mut sources = BTreeMap::new();
    for ((kind, name), entity) in &entities {
        for d in entity["spec"]["dependsOn"].as_sequence().into_iter().flatten() {
            edges.insert((name.clone(), plain(d.as_str().expect("a reference"))));
        }
        for api in entity["spec"]["consumesApis"].as_sequence().into_iter().flatten() {
            apis.insert((name.clone(), api.as_str().expect("an API").to_string()));
        }
        if kind == "Component" {
            assert_eq!(entity["spec"]["lifecycle"].as_str(), Some("production"), "{name}");
            let annotations = &entity["metadata"]["annotations"];
            tiers.insert(
                name.clone(),
                annotations["faultline.dev/tier"].as_str().expect("a tier").to_string(),
            );
            let source = annotations["backstage.io/source-location"]
                .as_str()
                .or(annotations["github.com/project-slug"].as_str())
                .expect("where the code is");
            sources.insert(name.clone(), source.to_string());
        }
    }
    let pairs = |list: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    };
    assert_eq!(
        edges,
        pairs(&[
            ("auth", "sessions-redis"),
            ("catalog", "catalog-db"),
            ("catalog", "images-cdn"),
            ("checkout", "auth"),
            ("checkout", "cart-cache"),
            ("checkout", "catalog"),
            ("checkout", "orders-db"),
            ("checkout", "payments"),
            ("payments", "auth"),
            ("payments", "ledger-db"),
            ("payments", "stripe"),
        ])
    );
    assert_eq!(
        apis,
        pairs(&[
            ("checkout", "auth-api"),
            ("checkout", "catalog-api"),
            ("checkout", "payments-api"),
            ("payments", "auth-api"),
        ])
    );
    let tiers: Vec<(&str, &str)> = tiers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(tiers, vec![("auth", "1"), ("catalog", "2"), ("checkout", "1"), ("payments", "1")]);
    assert_eq!(sources["auth"], "acme-shop/auth");
    assert_eq!(sources["payments"], "url:https://github.com/acme-shop/shop/tree/main/services/payments/");
    for alias in ["checkout api", "web checkout", "payments api", "card payments", "product search", "login"]
    {
        assert!(catalog_names().contains(alias), "{alias}");
    }
}

/// Rewrites `sample-data/repos`, the catalog, the deploys and the incidents. Run it after changing
/// the generator, then commit the result.
#[test]
#[ignore = "rewrites sample-data; run with --ignored regenerate"]
fn regenerate_sample_company() {
    let data = generate_sample(&sample_root()).expect("generate the sample company");
    let summary = &data.summary;
    for repo in &summary.repos {
        println!(
            "{}: {} commits ({} on main, {} merges), {} AI commits, {} bytes of pack",
            repo.name,
            repo.commits,
            repo.commits_on_main,
            repo.merges,
            repo.ai_commits.len(),
            repo.pack_bytes
        );
    }
    let mut deploys: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in &data.deploys {
        *deploys.entry((d.service, d.environment)).or_default() += 1;
    }
    println!("deploys: {deploys:?}");
    for i in &data.incidents {
        let cause = i.cause.as_ref().map_or("-".to_string(), |c| {
            format!("{} {} {}", &c.sha[..7], c.deploy, c.rollback.as_deref().unwrap_or("-"))
        });
        println!(
            "{} {} {} {:?} {} {}",
            i.key,
            i.format,
            i.id,
            i.services,
            chrono::DateTime::from_timestamp(i.started_at, 0).unwrap(),
            cause
        );
    }
}

#[test]
fn the_true_cause_of_each_sample_incident_ranks_first() {
    let ws = crate::sample_workspace();
    let out = ws.run(&["analyze"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\n## Commits by blast radius\n"), "{}", out.stdout);
    assert!(out.stdout.contains("\n## Incidents and their most likely cause\n"), "{}", out.stdout);
    let mut checked = Vec::new();
    for (key, id, cause) in ground_truth() {
        let explained = crate::json(&ws.run(&["explain", &id, "--format", "json"]));
        let no_change = explained["no_change"].as_f64().unwrap();
        let deploys = explained["deploys"].as_array().unwrap();
        let top = |list: &[Value]| list.first().map_or(0.0, |d| d["probability"].as_f64().unwrap());
        // The summary `analyze` prints gives the same answer on the incident's row.
        let row = out.stdout.lines().find(|l| l.starts_with(&format!("| {id} |"))).expect("a summary row");
        let likeliest = if cause.is_null() { "| no change |" } else { "| a change |" };
        assert!(row.contains(likeliest), "{row}");
        if cause.is_null() {
            // No change was at fault: "no change" outweighs every deploy.
            assert!(no_change > top(deploys), "{key}: {explained:#}");
            checked.push((key, "no change".to_string()));
            continue;
        }
        assert_eq!(deploys[0]["id"], cause["deploy"], "{key}: {explained:#}");
        assert!(top(deploys) > no_change, "{key}: {explained:#}");
        if cause["commit_evidence"] == true {
            // Something points at the commit: it ranks first, and the summary names it.
            let commit = &explained["commits"][0];
            assert_eq!(commit["sha"], cause["commit"], "{key}: {explained:#}");
            assert_eq!(commit["deploy"], cause["deploy"], "{key}");
            assert!(commit["probability"].as_f64().unwrap() > 0.5, "{key}: {explained:#}");
            assert!(row.contains(&format!("| {} (", &text(&cause["commit"])[..12])), "{row}");
            checked.push((key, "deploy and commit".to_string()));
        } else {
            // Only the deploy can be told: its commits share it, the true one among them.
            let commits = explained["commits"].as_array().unwrap();
            let ours =
                commits.iter().find(|c| c["sha"] == cause["commit"]).expect("the true commit is a suspect");
            assert_eq!(ours["deploy"], cause["deploy"], "{key}");
            checked.push((key, "deploy".to_string()));
        }
    }
    let checked: Vec<(&str, &str)> = checked.iter().map(|(k, w)| (k.as_str(), w.as_str())).collect();
    assert_eq!(
        checked,
        [
            ("INC-2026-009", "deploy and commit"),
            ("INC-2026-011", "no change"),
            ("INC-2026-014", "deploy and commit"),
            ("INC-2026-019", "no change"),
            ("INC-2026-021", "deploy and commit"),
            ("INC-2026-024", "no change"),
            ("INC-2026-027", "deploy and commit"),
            ("INC-2026-030", "no change"),
            ("INC-2026-033", "deploy and commit"),
            ("INC-2026-034", "deploy"),
            ("INC-2026-035", "deploy"),
            ("INC-2026-036", "deploy and commit"),
            ("INC-2026-037", "deploy"),
            ("INC-2026-038", "deploy and commit"),
        ]
    );
}

/// `git blame -w` of every line of a file, as (line, commit).
fn git_blame(git_dir: &Path, at: &str, path: &str) -> Vec<(u32, String)> {
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["blame", "-w", "--porcelain", at, "--", path])
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git blame {at} {path}: {}", String::from_utf8_lossy(&out.stderr));
    let mut lines = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut words = line.split(' ');
        let (Some(sha), Some(_), Some(number)) = (words.next(), words.next(), words.next()) else { continue };
        if sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
            lines.push((number.parse().expect("a line number"), sha.to_string()));
        }
    }
    lines
}

#[test]
fn indexed_blame_agrees_with_git_blame_on_the_sample_history() {
    let ws = crate::sample_workspace();
    assert_eq!(ws.run(&["ingest"]).code, 0);
    let (store, commits) = crate::support::stored_commits(ws.path());
    let mut with_merges = commits.clone();
    faultline::tables::attach_merge_files(&mut with_merges, &store.require("merge_files", "ingest").unwrap())
        .unwrap();
    // 104 merges; one leaves every file as its first parent has it.
    assert_eq!(with_merges.iter().filter(|c| c.parents.len() > 1).count(), 104);
    assert_eq!(with_merges.iter().filter(|c| !c.merge_paths.is_empty()).count(), 103);
    let mut compared = 0;
    // With the merges' paths from `merge_files`, and without them (a store from before it),
    // where each merge is looked at in the trees.
    for (repo_name, merges_listed) in [("shop", true), ("shop", false), ("auth", true), ("auth", false)] {
        let git_dir = committed().join(format!("{repo_name}.git"));
        let repo = open_committed(repo_name);
        let source = if merges_listed { &with_merges } else { &commits };
        let history = faultline::analyze::blame::History::new(
            source.iter().filter(|c| c.repo == repo_name),
            merges_listed,
        );
        let mut cache = faultline::analyze::blame::BlameCache::default();
        // Every file a non-merge commit modified, blamed whole at the commit's parent: all of
        // the history's merges, renames and re-spacings are crossed on the way.
        let mut cases: Vec<(String, String)> = commits
            .iter()
            .filter(|c| c.repo == repo_name && c.parents.len() == 1)
            .flat_map(|c| {
                c.files
                    .iter()
                    .filter(|f| f.kind == faultline::model::ChangeKind::Modified && !f.binary)
                    .map(|f| (c.parents[0].clone(), f.path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        cases.sort();
        cases.dedup();
        for (at, path) in cases {
            let expected = git_blame(&git_dir, &at, &path);
            let lines: Vec<u32> = expected.iter().map(|(l, _)| *l).collect();
            let ours: Vec<(u32, String)> = history
                .blame(&repo, &mut cache, git2::Oid::from_str(&at).unwrap(), &path, &lines)
                .expect("a commit of the history")
                .into_iter()
                .map(|(l, oid)| (l, oid.to_string()))
                .collect();
            assert_eq!(ours, expected, "{repo_name} {at} {path} (merges listed: {merges_listed})");
            compared += lines.len();
        }
    }
    assert_eq!(compared, 2 * 10_482, "lines compared");
}
