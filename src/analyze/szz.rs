//! SZZ: which earlier commits wrote the lines a fix (or a revert) changed. For each file the
//! fix modified, the lines it deleted or rewrote are blamed at the fix's first parent; the
//! commits blamed are the ones that introduced what the fix had to change. Attribution uses it
//! to pin the culprit inside a deploy that shipped several commits.
//!
//! Not every changed line is evidence, as the SZZ literature found: a line that was blank, a
//! comment, or only re-indented or re-spaced by the fix says nothing about who introduced the
//! fault, and is not blamed. Files added by the fix have no history to blame; binary files,
//! lock files and generated or vendored code are skipped. Blame follows a file back through
//! renames.

use std::collections::BTreeMap;

use crate::analyze::blame::{BlameCache, History};
use crate::config::{Config, RepoSource, SzzConfig};
use crate::error::{Error, Result};
use crate::ingest::git::{ChangedFile, WalkProblem, Walker};
use crate::store::Store;
use crate::tables::{self, names};

/// What one fix's changed lines were last written by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SzzLink {
    /// The fix commit.
    pub fix: String,
    /// The commits blamed, by commit then path.
    pub blamed: Vec<Blamed>,
}

/// Lines of one file, at the fix's parent, that one earlier commit wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Blamed {
    /// The commit that wrote them.
    pub sha: String,
    /// The file's path at the fix's parent.
    pub path: String,
    /// Line numbers at the fix's parent, ascending.
    pub lines: Vec<u32>,
}

/// Blame the lines `fix` changed. A root commit blames nothing. With the repository's indexed
/// `history` (from the store) blame jumps between the commits that changed each file
/// ([`History::blame`]); without it, or for a commit the store does not hold yet, libgit2's
/// blame walks the history.
pub fn blame_fix(
    walker: &Walker,
    history: Option<(&History, &mut BlameCache)>,
    skips: &Skips,
    fix: &str,
) -> std::result::Result<SzzLink, WalkProblem> {
    let mut history = history;
    let fix = walker.resolve(fix)?;
    let mut blamed: BTreeMap<(String, String), Vec<u32>> = BTreeMap::new();
    if let Some((parent, files)) = walker.changed_lines(&fix)? {
        let indexed = git2::Oid::from_str(&parent)
            .ok()
            .filter(|oid| history.as_ref().is_some_and(|(h, _)| h.knows(*oid)));
        for file in files.iter().filter(|f| !skips.skips(&f.old_path)) {
            let lines = evidence_lines(file);
            let found = match (history.as_mut(), indexed) {
                (Some((history, cache)), Some(at)) => history
                    .blame(walker.repository(), cache, at, &file.old_path, &lines)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(line, oid)| (line, oid.to_string()))
                    .collect(),
                _ => walker.blame(&parent, &file.old_path, &lines)?,
            };
            for (line, sha) in found {
                blamed.entry((sha, file.old_path.clone())).or_default().push(line);
            }
        }
    }
    let blamed = blamed
        .into_iter()
        .map(|((sha, path), mut lines)| {
            lines.sort_unstable();
            lines.dedup();
            Blamed { sha, path, lines }
        })
        .collect();
    Ok(SzzLink { fix, blamed })
}

/// `faultline szz`: blame each of `fixes` in `repo` (or in the one configured repository that
/// has it), with the store's history when the store holds the repository.
pub fn run(config: &Config, repo: Option<&str>, fixes: &[String]) -> Result<Vec<SzzLink>> {
    crate::ingest::git::configure_libgit2();
    let sources: Vec<&RepoSource> = match repo {
        Some(name) => vec![config.repo(name)?],
        None => config.repos.iter().collect(),
    };
    let skips = Skips::new(&config.szz)?;
    let store = Store::new(&config.store);
    let (commit_columns, file_columns) = tables::COMMIT_GRAPH_COLUMNS;
    let mut commits = match (
        store.read_columns(names::COMMITS, commit_columns)?,
        store.read_columns(names::COMMIT_FILES, file_columns)?,
    ) {
        (Some(commits), Some(files)) => tables::commit_graph_from_frames(&commits, &files)?,
        _ => Vec::new(),
    };
    let merges = store.read(names::MERGE_FILES)?;
    if let Some(merges) = &merges {
        tables::attach_merge_files(&mut commits, merges)?;
    }
    let merges_listed = merges.is_some();
    // Which repository holds each fix, checked before any blame.
    let walkers: Vec<(&str, Walker)> =
        sources.iter().map(|s| Ok((s.name.as_str(), Walker::open(s)?))).collect::<Result<_>>()?;
    let mut placed: Vec<(usize, String)> = Vec::new();
    for fix in fixes {
        let mut found = Vec::new();
        for (n, (name, walker)) in walkers.iter().enumerate() {
            match walker.resolve(fix) {
                Ok(full) => found.push((n, full)),
                Err(WalkProblem::Ambiguous(_)) => {
                    return Err(Error::Usage(format!(
                        "`{fix}` names several commits in {name}; give more digits"
                    )));
                }
                Err(WalkProblem::Missing(_)) => {}
            }
        }
        match found.len() {
            1 => placed.push(found.remove(0)),
            0 => {
                let names: Vec<&str> = walkers.iter().map(|(n, _)| *n).collect();
                return Err(Error::Usage(format!("no commit `{fix}` in {}", names.join(", "))));
            }
            _ => {
                let names: Vec<&str> = found.iter().map(|(n, _)| walkers[*n].0).collect();
                return Err(Error::Usage(format!(
                    "`{fix}` is a commit of {}; say which with --repo",
                    names.join(" and ")
                )));
            }
        }
    }
    drop(walkers);
    let histories: Vec<Option<History>> = sources
        .iter()
        .map(|s| {
            let mine: Vec<&crate::model::Commit> = commits.iter().filter(|c| c.repo == s.name).collect();
            (!mine.is_empty()).then(|| History::new(mine, merges_listed))
        })
        .collect();
    // The fixes in parallel: each thread opens its own repositories, keeps its own caches and
    // takes the next fix when done; the output keeps the order asked.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(placed.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Vec<(usize, Result<SzzLink>)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut state: Vec<Option<(Walker, BlameCache)>> = sources.iter().map(|_| None).collect();
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((n, fix)) = placed.get(k) else { break };
                        let name = &sources[*n].name;
                        if state[*n].is_none() {
                            match Walker::open(sources[*n]) {
                                Ok(walker) => state[*n] = Some((walker, BlameCache::default())),
                                Err(e) => {
                                    done.push((k, Err(e)));
                                    continue;
                                }
                            }
                        }
                        let (walker, cache) = state[*n].as_mut().expect("opened above");
                        let history = histories[*n].as_ref().map(|h| (h, &mut *cache));
                        let link = blame_fix(walker, history, &skips, fix).map_err(|problem| match problem {
                            WalkProblem::Missing(sha) | WalkProblem::Ambiguous(sha) => {
                                Error::Usage(format!("{name}: cannot read commit `{sha}` or its parent"))
                            }
                        });
                        done.push((k, link));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_default()).collect()
    });
    let mut ordered: Vec<(usize, Result<SzzLink>)> = results.into_iter().flatten().collect();
    if ordered.len() != placed.len() {
        return Err(Error::Internal("a blame thread stopped before its work was done".into()));
    }
    ordered.sort_by_key(|(k, _)| *k);
    ordered.into_iter().map(|(_, link)| link).collect()
}

/// The removed lines worth blaming: not blank, not a comment, and not merely re-spaced (the
/// same text, whitespace aside, among the lines the hunk put in).
fn evidence_lines(file: &ChangedFile) -> Vec<u32> {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let comment = comment_markers(&file.old_path);
    let mut out = Vec::new();
    for (removed, added) in &file.hunks {
        let added: Vec<String> = added.iter().map(|a| squash(a)).collect();
        for (number, text) in removed {
            let squashed = squash(text);
            let is_comment = comment.iter().any(|m| text.trim_start().starts_with(m));
            if squashed.is_empty() || is_comment || added.contains(&squashed) {
                continue;
            }
            out.push(*number);
        }
    }
    out
}

/// How a line comment or a comment block's line starts in the file's language, by extension.
fn comment_markers(path: &str) -> &'static [&'static str] {
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
    match extension.as_str() {
        "py" | "sh" | "bash" | "rb" | "pl" | "r" | "yaml" | "yml" | "toml" | "cfg" | "conf" | "ini"
        | "tf" | "dockerfile" | "mk" | "cmake" => &["#"],
        "sql" | "lua" | "hs" | "elm" => &["--"],
        "html" | "xml" | "svg" | "vue" | "md" => &["<!--"],
        "clj" | "el" | "lisp" | "scm" => &[";"],
        // C-like languages, and the default.
        _ => &["//", "/*", "* ", "*/"],
    }
}

/// The files whose lines SZZ does not blame: the built-in list ([`generated`]) unless the
/// config turns it off, and the config's `[szz] skip` globs.
#[derive(Debug, Clone)]
pub struct Skips {
    builtin: bool,
    globs: globset::GlobSet,
}

impl Default for Skips {
    fn default() -> Skips {
        Skips { builtin: true, globs: globset::GlobSet::empty() }
    }
}

impl Skips {
    /// The skips `[szz]` configures.
    pub fn new(config: &SzzConfig) -> Result<Skips> {
        let globs = crate::config::path_globs("szz.skip", &config.skip)?;
        Ok(Skips { builtin: config.builtin_skips.unwrap_or(true), globs })
    }

    /// Whether the lines of `path` are no evidence.
    pub fn skips(&self, path: &str) -> bool {
        (self.builtin && generated(path)) || self.globs.is_match(path)
    }
}

/// Files whose lines say nothing about who introduced a fault: lock files, minified, vendored
/// and generated code.
pub fn generated(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let generated_name = name.ends_with(".lock")
        || matches!(name, "package-lock.json" | "pnpm-lock.yaml" | "yarn.lock" | "go.sum")
        || name.ends_with(".min.js")
        || name.ends_with(".min.css")
        || name.ends_with(".pb.go")
        || name.contains("_generated.")
        || name.contains(".generated.");
    let generated_folder =
        path.split('/').any(|part| matches!(part, "vendor" | "node_modules" | "third_party"));
    generated_name || generated_folder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_comment_and_respaced_lines_are_no_evidence() {
        let file = ChangedFile {
            old_path: "svc/main.go".into(),
            new_path: "svc/main.go".into(),
            hunks: vec![(
                vec![
                    (3, "    timeout := 30".into()),
                    (4, "   ".into()),
                    (5, "    // retry twice".into()),
                    (6, "\tclient.Do(req)".into()),
                ],
                vec!["    timeout := 2".into(), "  client.Do( req )".into()],
            )],
        };
        assert_eq!(evidence_lines(&file), vec![3]);
        let python = ChangedFile { old_path: "a.py".into(), ..file.clone() };
        // In Python `//` is no comment (it is floor division) and `#` is.
        assert_eq!(comment_markers(&python.old_path), &["#"]);
    }

    #[test]
    fn lock_vendored_and_generated_files_are_skipped() {
        for path in
            ["Cargo.lock", "web/package-lock.json", "vendor/x/y.go", "api/types.pb.go", "a/b_generated.rs"]
        {
            assert!(generated(path), "{path}");
        }
        for path in ["src/lock.rs", "services/payments/client.go", "vendored.md"] {
            assert!(!generated(path), "{path}");
        }
    }

    #[test]
    fn configured_globs_are_skipped_and_the_builtin_list_can_be_turned_off() {
        let config = SzzConfig { skip: vec!["**/*.snap".into(), "gen/**".into()], builtin_skips: None };
        let skips = Skips::new(&config).unwrap();
        for (path, skipped) in [
            ("tests/snapshots/a.snap", true),
            ("a.snap", true),
            ("gen/x/y.rs", true),
            ("src/gen/y.rs", false),
            ("Cargo.lock", true),
            ("src/main.rs", false),
        ] {
            assert_eq!(skips.skips(path), skipped, "{path}");
        }
        let own = Skips::new(&SzzConfig { skip: vec!["gen/**".into()], builtin_skips: Some(false) }).unwrap();
        assert!(!own.skips("Cargo.lock"));
        assert!(own.skips("gen/a.rs"));
        let err = Skips::new(&SzzConfig { skip: vec!["a/[b".into()], builtin_skips: None }).unwrap_err();
        assert!(err.to_string().starts_with("szz.skip: \"a/[b\" is not a glob"), "{err}");
    }
}
