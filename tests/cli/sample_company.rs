//! The bundled sample company in `sample-data/repos` is exactly what
//! `tests/support/sample_company.rs` generates: the same references, commits and pack, and it
//! opens from the plain files a clone of this project contains. After changing the generator,
//! rewrite the committed copy with
//! `cargo test --release --test cli -- --ignored regenerate`
//! and update the numbers in `sample_company_summary`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::sample_company::{generate, Convention, Undo};

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join("repos")
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
    let generated = tempfile::tempdir().expect("a temporary folder");
    let summary = generate(generated.path()).expect("generate the sample company");
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
    let generated_packs = packs(generated.path());
    assert_eq!(generated_packs.len(), 4, "one pack and one index per repository");
    assert!(
        generated_packs == packs(clone.path()),
        "the committed packs differ from the generator's; regenerate"
    );
    let names: BTreeSet<String> = files(generated.path()).into_keys().collect();
    let committed_names: BTreeSet<String> = files(clone.path()).into_keys().collect();
    assert_eq!(
        names, committed_names,
        "the committed repositories hold other files than the generator writes"
    );
}

#[test]
fn sample_company_summary() {
    let out = tempfile::tempdir().expect("a temporary folder");
    let summary = generate(out.path()).expect("generate the sample company");
    let shop = summary.repo("shop");
    let auth = summary.repo("auth");

    assert_eq!(
        (shop.commits, shop.commits_on_main, shop.merges),
        (417, 415, 77),
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
            ("codex", 11),
            ("devin", 24),
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
            ("co-author named Claude", 7),
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
            ("auth", "INC-2026-027", Some(Convention::AiderTrailer), Undo::Fix),
        ]
    );
}

/// Rewrites `sample-data/repos`. Run it after changing the generator, then commit the result.
#[test]
#[ignore = "rewrites sample-data/repos; run with --ignored regenerate"]
fn regenerate_sample_company() {
    let summary = generate(&committed()).expect("generate the sample company");
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
}
