//! Git history through git2: the only module that touches git2.
//!
//! For one configured repository it lists the local branches and HEAD, walks every commit
//! reachable from them (merges included), and reads each new commit's metadata, trailers and
//! per-file line counts — the numbers `git log --numstat` prints, with rename detection on.
//! It also reads the git-ai authorship notes and the Agent Trace file, which provenance uses.
//!
//! Incremental: the caller passes what the store already holds (the branch tips of the last
//! ingest and the known commit ids). When every old tip is still an ancestor of a current tip,
//! the walk stops at the old tips; otherwise history was rewritten and a full walk finds which
//! stored commits are no longer reachable.
//!
//! Speed: the walk is cheap; the per-commit tree diff and line counting is not. The commits are
//! diffed in parallel (one `Repository` handle per worker thread), libgit2's re-hashing of every
//! object read is switched off (objects come from the local object database), and merges are
//! not diffed, as in `git log --numstat`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeZone};
use git2::{Delta, DiffFindOptions, DiffOptions, ObjectType, Oid, Repository, RepositoryOpenFlags};
use rayon::prelude::*;

use crate::config::RepoSource;
use crate::error::{Error, Result};
use crate::model::{ChangeKind, Commit, FileChange, Signature, Trailer};

/// Where the Agent Trace records live inside a repository's tree.
pub const AGENT_TRACE_PATH: &str = ".agent-trace/traces.jsonl";

/// What the store already knows about a repository.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Branch tips (ref name, sha) recorded by the last ingest.
    pub heads: Vec<(String, String)>,
    /// Every commit id stored for this repository.
    pub shas: HashSet<String>,
    /// Stored commits that were a shallow clone's boundary when read (their changes uncounted).
    pub shallow: HashSet<String>,
}

/// Everything read from one repository in one ingest.
#[derive(Debug, Clone, Default)]
pub struct RepoHistory {
    /// Repository name from the config.
    pub repo: String,
    /// Commits not in the store before, in walk order.
    pub new_commits: Vec<Commit>,
    /// Stored commits no longer reachable from any branch or HEAD (rewritten or deleted history).
    pub vanished: Vec<String>,
    /// Stored commits read again because they were a shallow boundary and no longer are (the
    /// clone was deepened): their stored rows are replaced by the ones in `new_commits`.
    pub refreshed: Vec<String>,
    /// Current tips: `HEAD` and `refs/heads/*`, sorted by name.
    pub heads: Vec<(String, String)>,
    /// git-ai authorship notes, commit id → note text (every note on the notes ref).
    pub notes: BTreeMap<String, String>,
    /// The Agent Trace file at HEAD, if the repository has one.
    pub agent_trace: Option<String>,
    /// Commit ids where a shallow clone cuts history off; empty for a full clone.
    pub shallow_boundary: Vec<String>,
    /// Whether the whole history had to be walked (first ingest or rewritten history).
    pub full_walk: bool,
    /// Files whose content could not be read (missing blobs): `sha:path`, sorted.
    pub unreadable: Vec<String>,
    /// The remote URL of `origin`, when configured.
    pub remote_url: Option<String>,
}

/// Reports progress while commits are diffed.
pub trait Progress: Sync {
    /// `total` new commits of `repo` are about to be read.
    fn start(&self, repo: &str, total: u64);
    /// `n` more commits of `repo` were read.
    fn advance(&self, repo: &str, n: u64);
    /// `repo` is done.
    fn finish(&self, repo: &str);
}

/// A [`Progress`] that reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: &str, _: u64) {}
    fn finish(&self, _: &str) {}
}

/// Settings that apply to the whole process; call once before reading repositories.
pub fn configure_libgit2() {
    // Objects come from the local object database, whose packs git already verified; libgit2
    // re-hashing every object it inflates costs about 40 % of the CPU of a history walk.
    git2::opts::strict_hash_verification(false);
}

/// The `origin` remote's URL of `source`, without reading its history.
pub fn remote_url(source: &RepoSource) -> Result<Option<String>> {
    let repo = open(source)?;
    let url = repo.find_remote("origin").ok().and_then(|r| r.url().ok().map(str::to_string));
    Ok(url)
}

/// Read the history of `source` that `known` does not hold yet.
pub fn read_repo(
    source: &RepoSource,
    known: &Known,
    notes_ref: &str,
    progress: &dyn Progress,
) -> Result<RepoHistory> {
    let git_error = |e: git2::Error| Error::Git {
        repo: source.name.clone(),
        path: source.path.clone(),
        message: e.message().to_string(),
    };
    let repo = open(source)?;
    let mut history = RepoHistory { repo: source.name.clone(), ..RepoHistory::default() };
    history.heads = heads(&repo).map_err(git_error)?;
    history.remote_url = repo.find_remote("origin").ok().and_then(|r| r.url().ok().map(str::to_string));
    history.shallow_boundary = shallow_boundary(&repo);

    let tips: Vec<Oid> = history.heads.iter().filter_map(|(_, sha)| Oid::from_str(sha).ok()).collect();
    // A deepened shallow clone has history below the old boundary that hiding the old tips
    // would skip: walk everything again, and re-read the commits that were the boundary.
    let deepened: HashSet<&String> =
        known.shallow.iter().filter(|sha| !history.shallow_boundary.contains(sha)).collect();
    let still_reachable = deepened.is_empty()
        && !known.heads.is_empty()
        && known.heads.iter().all(|(_, old)| {
            Oid::from_str(old).is_ok_and(|old| {
                tips.iter().any(|&tip| tip == old || repo.graph_descendant_of(tip, old).unwrap_or(false))
            })
        });

    let mut walk = repo.revwalk().map_err(git_error)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME).map_err(git_error)?;
    for tip in &tips {
        walk.push(*tip).map_err(git_error)?;
    }
    let mut oids = Vec::new();
    if still_reachable {
        for (_, old) in &known.heads {
            if let Ok(old) = Oid::from_str(old) {
                walk.hide(old).map_err(git_error)?;
            }
        }
        for oid in walk {
            oids.push(oid.map_err(git_error)?);
        }
    } else {
        history.full_walk = true;
        let mut reachable = HashSet::new();
        for oid in walk {
            let oid = oid.map_err(git_error)?;
            let sha = oid.to_string();
            if deepened.contains(&sha) {
                history.refreshed.push(sha.clone());
                oids.push(oid);
            } else if !known.shas.contains(&sha) {
                oids.push(oid);
            }
            reachable.insert(sha);
        }
        history.vanished = known.shas.iter().filter(|s| !reachable.contains(*s)).cloned().collect();
        history.vanished.sort();
        history.refreshed.sort();
    }

    let boundary: HashSet<Oid> =
        history.shallow_boundary.iter().filter_map(|s| Oid::from_str(s).ok()).collect();
    progress.start(&source.name, oids.len() as u64);
    let read: Vec<Result<(Commit, Vec<String>)>> = oids
        .par_chunks(64)
        .map_init(
            || open(source),
            |repo, chunk| {
                let repo = match repo {
                    Ok(repo) => repo,
                    Err(e) => return vec![Err(Error::Usage(e.to_string()))],
                };
                let out: Vec<_> = chunk
                    .iter()
                    .map(|&oid| read_commit(repo, &source.name, oid, boundary.contains(&oid)))
                    .map(|r| r.map_err(git_error))
                    .collect();
                progress.advance(&source.name, chunk.len() as u64);
                out
            },
        )
        .flatten()
        .collect();
    progress.finish(&source.name);
    for item in read {
        let (commit, unreadable) = item?;
        history.unreadable.extend(unreadable);
        history.new_commits.push(commit);
    }
    history.unreadable.sort();

    history.notes = read_notes(&repo, notes_ref).map_err(git_error)?;
    history.agent_trace = read_head_file(&repo, AGENT_TRACE_PATH);
    Ok(history)
}

/// A repository opened once to answer what deploys shipped.
pub struct Walker {
    repo: Repository,
}

/// Why a deploy's commits could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkProblem {
    /// The deployed commit (or the previous deploy's) is not in the repository: history was
    /// rewritten, or the clone is shallow or older than the deploy.
    Missing(String),
    /// A commit id that names several commits.
    Ambiguous(String),
}

impl Walker {
    /// Open `source` for walks.
    pub fn open(source: &RepoSource) -> Result<Walker> {
        Ok(Walker { repo: open(source)? })
    }

    /// The repository, for readers of its objects.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// The full id of the commit `sha` (full or abbreviated) names.
    pub fn resolve(&self, sha: &str) -> std::result::Result<String, WalkProblem> {
        let object = self.repo.revparse_single(sha).map_err(|e| match e.code() {
            git2::ErrorCode::Ambiguous => WalkProblem::Ambiguous(sha.to_string()),
            _ => WalkProblem::Missing(sha.to_string()),
        })?;
        let commit = object.peel_to_commit().map_err(|_| WalkProblem::Missing(sha.to_string()))?;
        Ok(commit.id().to_string())
    }

    /// Commits reachable from `head` and not from `since`, newest first (topological, then by
    /// time), `head` first. Both are full ids from [`Walker::resolve`].
    pub fn between(&self, head: &str, since: Option<&str>) -> std::result::Result<Vec<String>, WalkProblem> {
        let missing = |sha: &str| WalkProblem::Missing(sha.to_string());
        let head_oid = Oid::from_str(head).map_err(|_| missing(head))?;
        let mut walk = self.repo.revwalk().map_err(|_| missing(head))?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME).map_err(|_| missing(head))?;
        walk.push(head_oid).map_err(|_| missing(head))?;
        if let Some(since) = since {
            let since_oid = Oid::from_str(since).map_err(|_| missing(since))?;
            walk.hide(since_oid).map_err(|_| missing(since))?;
        }
        let mut out = Vec::new();
        for oid in walk {
            // A walk that runs into a missing object (a shallow boundary) stops there.
            let Ok(oid) = oid else { break };
            out.push(oid.to_string());
        }
        Ok(out)
    }
}

/// The lines a commit deleted or changed in one file, as SZZ needs them: the file's path at
/// the parent, each removed line with its number there, and the lines the commit put in their
/// place, hunk by hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangedFile {
    /// Path at the parent (before a rename).
    pub old_path: String,
    /// Path in the commit.
    pub new_path: String,
    /// Hunks: the removed lines `(number at the parent, text)` and the added lines' text.
    pub hunks: Vec<(Vec<(u32, String)>, Vec<String>)>,
}

impl Walker {
    /// The first parent of `fix` and the files it changed, lines and all; binary files and
    /// additions of whole files are left out (nothing of the parent to blame). `None` for a
    /// root commit.
    pub fn changed_lines(
        &self,
        fix: &str,
    ) -> std::result::Result<Option<(String, Vec<ChangedFile>)>, WalkProblem> {
        let missing = || WalkProblem::Missing(fix.to_string());
        let oid = Oid::from_str(fix).map_err(|_| missing())?;
        let commit = self.repo.find_commit(oid).map_err(|_| missing())?;
        let Ok(parent) = commit.parent(0) else { return Ok(None) };
        let (old_tree, new_tree) =
            (parent.tree().map_err(|_| missing())?, commit.tree().map_err(|_| missing())?);
        let mut options = DiffOptions::new();
        options.context_lines(0);
        let mut diff = self
            .repo
            .diff_tree_to_tree(Some(&old_tree), Some(&new_tree), Some(&mut options))
            .map_err(|_| missing())?;
        let mut find = DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find)).map_err(|_| missing())?;
        let mut files = Vec::new();
        for index in 0..diff.deltas().len() {
            let Some(delta) = diff.get_delta(index) else { continue };
            if !matches!(delta.status(), Delta::Modified | Delta::Renamed | Delta::Deleted)
                || delta.flags().is_binary()
            {
                continue;
            }
            let path =
                |f: git2::DiffFile<'_>| f.path_bytes().map(|p| String::from_utf8_lossy(p).into_owned());
            let (Some(old_path), new_path) = (path(delta.old_file()), path(delta.new_file())) else {
                continue;
            };
            // A missing blob (a partial clone) costs this file, not the fix.
            let Ok(Some(patch)) = git2::Patch::from_diff(&diff, index) else { continue };
            if delta.flags().is_binary() {
                continue;
            }
            let mut hunks = Vec::new();
            for h in 0..patch.num_hunks() {
                let Ok(lines) = patch.num_lines_in_hunk(h) else { continue };
                let (mut removed, mut added) = (Vec::new(), Vec::new());
                for l in 0..lines {
                    let Ok(line) = patch.line_in_hunk(h, l) else { continue };
                    let text =
                        String::from_utf8_lossy(line.content()).trim_end_matches(['\n', '\r']).to_string();
                    match (line.origin(), line.old_lineno()) {
                        ('-', Some(number)) => removed.push((number, text)),
                        ('+', _) => added.push(text),
                        _ => {}
                    }
                }
                if !removed.is_empty() {
                    hunks.push((removed, added));
                }
            }
            if !hunks.is_empty() {
                files.push(ChangedFile {
                    new_path: new_path.unwrap_or_else(|| old_path.clone()),
                    old_path,
                    hunks,
                });
            }
        }
        Ok(Some((parent.id().to_string(), files)))
    }

    /// Which commit last wrote each of `lines` (1-based) of `path` as it is at `at`: blame,
    /// bounded to the lines asked for, following the file back through renames.
    pub fn blame(
        &self,
        at: &str,
        path: &str,
        lines: &[u32],
    ) -> std::result::Result<Vec<(u32, String)>, WalkProblem> {
        let missing = || WalkProblem::Missing(at.to_string());
        let (Some(&first), Some(&last)) = (lines.iter().min(), lines.iter().max()) else {
            return Ok(Vec::new());
        };
        let oid = Oid::from_str(at).map_err(|_| missing())?;
        let mut options = git2::BlameOptions::new();
        options.newest_commit(oid).min_line(first as usize).max_line(last as usize);
        options.track_copies_same_file(true).ignore_whitespace(true);
        let blame =
            self.repo.blame_file(std::path::Path::new(path), Some(&mut options)).map_err(|_| missing())?;
        let mut out = Vec::with_capacity(lines.len());
        for &line in lines {
            if let Some(hunk) = blame.get_line(line as usize) {
                out.push((line, hunk.final_commit_id().to_string()));
            }
        }
        Ok(out)
    }
}

/// The commits of a range, as `faultline gate` reads them.
#[derive(Debug, Clone, Default)]
pub struct RangeHistory {
    /// The range as given.
    pub range: String,
    /// The base commit (for `BASE...HEAD`, the merge base of the two).
    pub base: String,
    /// The head commit.
    pub head: String,
    /// Commits reachable from head and not from base, oldest first (topological).
    pub commits: Vec<RangeCommit>,
    /// The Agent Trace file in the head commit's tree, if there is one.
    pub agent_trace: Option<String>,
    /// Files whose content could not be read (missing blobs): `sha: message`, sorted.
    pub unreadable: Vec<String>,
}

/// One commit of a range.
#[derive(Debug, Clone)]
pub struct RangeCommit {
    /// Metadata, trailers and per-file line counts (none for merges).
    pub commit: Commit,
    /// Its git-ai authorship note, if the notes ref has one.
    pub note: Option<String>,
    /// For each file it added lines to, the first added line's number in the commit.
    pub first_lines: BTreeMap<String, u32>,
}

/// Read the commits of `range` (`BASE..HEAD`, or `BASE...HEAD` for the commits since their
/// merge base, as a pull request shows them; an empty side is `HEAD`) from `source`, with their
/// notes on `notes_ref`. A range that is not two commits of the repository is a usage error.
pub fn read_range(source: &RepoSource, range: &str, notes_ref: &str) -> Result<RangeHistory> {
    let git_error = |e: git2::Error| Error::Git {
        repo: source.name.clone(),
        path: source.path.clone(),
        message: e.message().to_string(),
    };
    let (base, head, merge_base) = match (range.split_once("..."), range.split_once("..")) {
        (Some((base, head)), _) => (base, head, true),
        (None, Some((base, head))) => (base, head, false),
        (None, None) => {
            return Err(Error::Usage(format!(
                "--range {range:?}: expected BASE..HEAD or BASE...HEAD, such as origin/main...HEAD"
            )));
        }
    };
    let repo = open(source)?;
    let commit_of = |rev: &str| -> Result<Oid> {
        let rev = if rev.trim().is_empty() { "HEAD" } else { rev.trim() };
        let object = repo.revparse_single(rev).map_err(|e| {
            let hint = if repo.is_shallow() {
                "; the clone is shallow: fetch the whole history (actions/checkout with fetch-depth: 0)"
            } else {
                ""
            };
            Error::Usage(format!(
                "--range {range:?}: `{rev}` is not a commit in {} ({}){hint}",
                source.name,
                e.message()
            ))
        })?;
        let commit = object.peel_to_commit().map_err(|_| {
            Error::Usage(format!("--range {range:?}: `{rev}` names no commit in {}", source.name))
        })?;
        Ok(commit.id())
    };
    let (head_oid, mut base_oid) = (commit_of(head)?, commit_of(base)?);
    if merge_base {
        base_oid = repo.merge_base(base_oid, head_oid).map_err(|e| {
            Error::Usage(format!(
                "--range {range:?}: `{base}` and `{head}` have no common ancestor in {} ({})",
                source.name,
                e.message()
            ))
        })?;
    }
    let mut walk = repo.revwalk().map_err(git_error)?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(git_error)?;
    walk.push(head_oid).map_err(git_error)?;
    walk.hide(base_oid).map_err(git_error)?;
    let oids: Vec<Oid> = walk.collect::<std::result::Result<_, _>>().map_err(git_error)?;
    let boundary: HashSet<String> = shallow_boundary(&repo).into_iter().collect();
    let has_notes = repo.find_reference(notes_ref).is_ok();
    let mut out = RangeHistory {
        range: range.to_string(),
        base: base_oid.to_string(),
        head: head_oid.to_string(),
        ..RangeHistory::default()
    };
    for oid in oids {
        let (commit, unreadable) =
            read_commit(&repo, &source.name, oid, boundary.contains(&oid.to_string())).map_err(git_error)?;
        out.unreadable.extend(unreadable);
        let note = if has_notes {
            repo.find_note(Some(notes_ref), oid)
                .ok()
                .map(|n| String::from_utf8_lossy(n.message_bytes()).into_owned())
        } else {
            None
        };
        let first_lines = if commit.is_merge() { BTreeMap::new() } else { first_added_lines(&repo, oid) };
        out.commits.push(RangeCommit { commit, note, first_lines });
    }
    out.unreadable.sort();
    out.agent_trace = repo
        .find_commit(head_oid)
        .ok()
        .and_then(|c| c.tree().ok())
        .and_then(|tree| tree_file(&repo, &tree, AGENT_TRACE_PATH));
    Ok(out)
}

/// For each file `oid` added lines to (against its first parent, renames followed), the
/// number of the first added line. Unreadable files are left out.
fn first_added_lines(repo: &Repository, oid: Oid) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    let Ok(commit) = repo.find_commit(oid) else { return out };
    let Ok(new_tree) = commit.tree() else { return out };
    let old_tree = commit.parent(0).ok().and_then(|p| p.tree().ok());
    let mut options = DiffOptions::new();
    options.context_lines(0);
    let Ok(mut diff) = repo.diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), Some(&mut options)) else {
        return out;
    };
    let mut find = DiffFindOptions::new();
    find.renames(true);
    if diff.find_similar(Some(&mut find)).is_err() {
        return out;
    }
    for index in 0..diff.deltas().len() {
        let Some(delta) = diff.get_delta(index) else { continue };
        let Some(path) = delta.new_file().path_bytes().map(|p| String::from_utf8_lossy(p).into_owned())
        else {
            continue;
        };
        let Ok(Some(patch)) = git2::Patch::from_diff(&diff, index) else { continue };
        let first = (0..patch.num_hunks())
            .filter_map(|h| patch.hunk(h).ok())
            .find(|(hunk, _)| hunk.new_lines() > 0)
            .map(|(hunk, _)| hunk.new_start());
        if let Some(first) = first {
            out.insert(path, first);
        }
    }
    out
}

/// Open a work tree or a bare repository at exactly the configured path (never a parent's).
fn open(source: &RepoSource) -> Result<Repository> {
    if !source.path.exists() {
        return Err(Error::Git {
            repo: source.name.clone(),
            path: source.path.clone(),
            message: "no such directory; expected a git repository (work tree or bare)".into(),
        });
    }
    Repository::open_ext(&source.path, RepositoryOpenFlags::NO_SEARCH, std::iter::empty::<&str>()).map_err(
        |e| Error::Git {
            repo: source.name.clone(),
            path: source.path.clone(),
            message: format!("not a git repository: {}", e.message()),
        },
    )
}

/// `HEAD` (when it points at a commit) and every local branch, sorted by name.
fn heads(repo: &Repository) -> std::result::Result<Vec<(String, String)>, git2::Error> {
    let mut out = Vec::new();
    if let Ok(head) = repo.head() {
        if let Ok(commit) = head.peel_to_commit() {
            out.push(("HEAD".to_string(), commit.id().to_string()));
        }
    }
    for reference in repo.references_glob("refs/heads/*")? {
        let reference = reference?;
        let Ok(name) = reference.name() else { continue };
        if let Ok(commit) = reference.peel_to_commit() {
            out.push((name.to_string(), commit.id().to_string()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The commits listed in `.git/shallow`: their parents are not in this clone.
fn shallow_boundary(repo: &Repository) -> Vec<String> {
    if !repo.is_shallow() {
        return Vec::new();
    }
    let text = std::fs::read_to_string(repo.path().join("shallow")).unwrap_or_default();
    let mut out: Vec<String> =
        text.lines().map(str::trim).filter(|l| Oid::from_str(l).is_ok()).map(str::to_string).collect();
    out.sort();
    out
}

/// Read one commit: metadata, trailers and (for non-merges) per-file line counts.
fn read_commit(
    repo: &Repository,
    name: &str,
    oid: Oid,
    shallow_boundary: bool,
) -> std::result::Result<(Commit, Vec<String>), git2::Error> {
    let commit = repo.find_commit(oid)?;
    let encoding = commit.message_encoding().ok().flatten().map(str::to_string);
    let text = |bytes: &[u8]| decode(bytes, encoding.as_deref());
    let parents = raw_parents(commit.raw_header_bytes());
    let signature = |s: git2::Signature<'_>| Signature {
        name: text(s.name_bytes()),
        email: text(s.email_bytes()),
        at: to_datetime(s.when()),
    };
    let message = commit.message_bytes();
    let trailers = git2::message_trailers_bytes(message)
        .map(|found| {
            found.iter().map(|(key, value)| Trailer { key: text(key), value: text(value) }).collect()
        })
        .unwrap_or_default();

    let mut unreadable = Vec::new();
    let merge_paths = if parents.len() > 1 && !shallow_boundary {
        merge_paths(repo, &commit).unwrap_or_else(|e| {
            unreadable.push(format!("{oid}: {}", e.message()));
            Vec::new()
        })
    } else {
        Vec::new()
    };
    let files = if parents.len() > 1 || shallow_boundary {
        Vec::new()
    } else {
        // A missing tree (a partial or damaged clone) loses this commit's file list, not the
        // ingest: the commit is kept and reported as unreadable.
        let diffed = (|| {
            let parent_tree = match commit.parent_count() {
                0 => None,
                _ => Some(commit.parent(0)?.tree()?),
            };
            diff_files(repo, parent_tree.as_ref(), &commit.tree()?, oid, &mut unreadable)
        })();
        match diffed {
            Ok(files) => files,
            Err(e) => {
                unreadable.push(format!("{oid}: {}", e.message()));
                Vec::new()
            }
        }
    };

    Ok((
        Commit {
            repo: name.to_string(),
            sha: oid.to_string(),
            parents,
            author: signature(commit.author()),
            committer: signature(commit.committer()),
            subject: commit.summary_bytes().map(text).unwrap_or_default(),
            body: commit.body_bytes().map(text).unwrap_or_default().trim_end().to_string(),
            trailers,
            files,
            merge_paths,
            shallow_boundary,
        },
        unreadable,
    ))
}

/// The paths a merge changed against its first parent, names only, sorted: blame passes every
/// other file straight through the merge.
fn merge_paths(
    repo: &Repository,
    commit: &git2::Commit<'_>,
) -> std::result::Result<Vec<String>, git2::Error> {
    let (old, new) = (commit.parent(0)?.tree()?, commit.tree()?);
    let mut changes = Vec::new();
    let mut paths: Vec<String> = if tree_changes(repo, Some(&old), Some(&new), &mut Vec::new(), &mut changes)?
    {
        changes.iter().map(|c| String::from_utf8_lossy(&c.path).into_owned()).collect()
    } else {
        let diff = repo.diff_tree_to_tree(Some(&old), Some(&new), None)?;
        diff.deltas()
            .flat_map(|d| [d.old_file().path_bytes(), d.new_file().path_bytes()])
            .flatten()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .collect()
    };
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// The parent ids as written in the commit object (a shallow clone's grafts hide them from
/// `parent_ids`, but they are still facts about the commit).
fn raw_parents(header: &[u8]) -> Vec<String> {
    header
        .split(|&b| b == b'\n')
        .filter_map(|line| line.strip_prefix(b"parent "))
        .filter_map(|sha| std::str::from_utf8(sha).ok())
        .map(|sha| sha.trim().to_string())
        .collect()
}

/// Per-file changes between `old` (none for a root commit) and `new`, renames detected.
///
/// Most commits only modify files. For those, the trees are compared directly, descending only
/// into subtrees whose ids differ, and each changed blob pair is diffed on its own; added and
/// deleted files are counted without a diff. A commit that adds and deletes files may hold
/// renames, and one that touches a symlink or submodule needs git's type rules: those go
/// through libgit2's full tree diff with rename detection.
fn diff_files(
    repo: &Repository,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
    oid: Oid,
    unreadable: &mut Vec<String>,
) -> std::result::Result<Vec<FileChange>, git2::Error> {
    let mut changes = Vec::new();
    let simple = tree_changes(repo, old, Some(new), &mut Vec::new(), &mut changes)?;
    let adds = changes.iter().any(|c| c.old.is_none());
    let deletes = changes.iter().any(|c| c.new.is_none());
    if !simple || (adds && deletes) {
        return full_diff(repo, old, new, oid, unreadable);
    }
    let mut files = Vec::with_capacity(changes.len());
    for change in changes {
        let path = String::from_utf8_lossy(&change.path).into_owned();
        let blob = |id: Option<Oid>| id.map(|id| repo.find_blob(id)).transpose();
        let counted = match (blob(change.old), blob(change.new)) {
            (Ok(None), Ok(Some(new))) => Ok((ChangeKind::Added, count_blob(new.content()).map(|n| (n, 0)))),
            (Ok(Some(old)), Ok(None)) => Ok((ChangeKind::Deleted, count_blob(old.content()).map(|n| (0, n)))),
            (Ok(Some(old)), Ok(Some(new))) => {
                let mut options = DiffOptions::new();
                options.context_lines(0);
                let name = Path::new(std::str::from_utf8(&change.path).unwrap_or("file"));
                git2::Patch::from_blobs(&old, Some(name), &new, Some(name), Some(&mut options)).and_then(
                    |patch| {
                        if patch.delta().flags().is_binary() {
                            Ok((ChangeKind::Modified, None))
                        } else {
                            let (_, a, d) = patch.line_stats()?;
                            Ok((ChangeKind::Modified, Some((a as i64, d as i64))))
                        }
                    },
                )
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
            (Ok(None), Ok(None)) => continue,
        };
        let (kind, counts, binary) = match counted {
            Ok((kind, Some((a, d)))) => (kind, Some((a, d)), false),
            Ok((kind, None)) => (kind, None, true),
            Err(_) => {
                unreadable.push(format!("{oid}:{path}"));
                let kind = match (change.old, change.new) {
                    (None, _) => ChangeKind::Added,
                    (_, None) => ChangeKind::Deleted,
                    _ => ChangeKind::Modified,
                };
                (kind, None, false)
            }
        };
        files.push(FileChange {
            path,
            old_path: None,
            kind,
            added: counts.map(|c| c.0),
            deleted: counts.map(|c| c.1),
            binary,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Lines in a blob as git counts them, or `None` when git would call it binary (a NUL byte in
/// the first 8,000 bytes).
fn count_blob(content: &[u8]) -> Option<i64> {
    if content[..content.len().min(8000)].contains(&0) {
        return None;
    }
    let newlines = content.iter().filter(|&&b| b == b'\n').count() as i64;
    Some(newlines + i64::from(content.last().is_some_and(|&b| b != b'\n')))
}

/// One changed blob: its path and the ids on each side (`None`: absent on that side).
struct BlobChange {
    path: Vec<u8>,
    old: Option<Oid>,
    new: Option<Oid>,
}

const MODE_TREE: i32 = 0o040000;
const MODE_LINK: i32 = 0o120000;
const MODE_COMMIT: i32 = 0o160000;

/// Collect the blobs that differ between two trees, descending only into subtrees whose ids
/// differ. Returns `false` when a change is not a plain file edit (a symlink or submodule
/// involved, or a mode change), which the caller hands to libgit2's full diff.
fn tree_changes(
    repo: &Repository,
    old: Option<&git2::Tree<'_>>,
    new: Option<&git2::Tree<'_>>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<BlobChange>,
) -> std::result::Result<bool, git2::Error> {
    let entries = |tree: Option<&git2::Tree<'_>>| -> Vec<(Vec<u8>, Oid, i32)> {
        tree.map(|t| t.iter().map(|e| (e.name_bytes().to_vec(), e.id(), e.filemode())).collect())
            .unwrap_or_default()
    };
    let (old_entries, new_entries) = (entries(old), entries(new));
    // Git sorts tree entries by name, a subtree's name as if it ended in '/'.
    let key = |e: &(Vec<u8>, Oid, i32)| {
        let mut k = e.0.clone();
        if e.2 == MODE_TREE {
            k.push(b'/');
        }
        k
    };
    let (mut i, mut j) = (0, 0);
    while i < old_entries.len() || j < new_entries.len() {
        let order = match (old_entries.get(i), new_entries.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0).then_with(|| key(a).cmp(&key(b))),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (a, b) = match order {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                (Some(&old_entries[i - 1]), Some(&new_entries[j - 1]))
            }
            std::cmp::Ordering::Less => {
                i += 1;
                (Some(&old_entries[i - 1]), None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, Some(&new_entries[j - 1]))
            }
        };
        if let (Some(a), Some(b)) = (a, b) {
            if a.1 == b.1 && a.2 == b.2 {
                continue;
            }
        }
        let name = a.or(b).map(|e| e.0.clone()).unwrap_or_default();
        let mode = |e: Option<&(Vec<u8>, Oid, i32)>| e.map(|e| e.2);
        for m in [mode(a), mode(b)].into_iter().flatten() {
            if m == MODE_LINK || m == MODE_COMMIT {
                return Ok(false);
            }
        }
        let is_tree = |e: Option<&(Vec<u8>, Oid, i32)>| e.is_some_and(|e| e.2 == MODE_TREE);
        let len = prefix.len();
        prefix.extend_from_slice(&name);
        let simple = if is_tree(a) || is_tree(b) {
            if (a.is_some() && !is_tree(a)) || (b.is_some() && !is_tree(b)) {
                // A file became a folder or the reverse.
                false
            } else {
                prefix.push(b'/');
                let old_tree = a.map(|e| repo.find_tree(e.1)).transpose()?;
                let new_tree = b.map(|e| repo.find_tree(e.1)).transpose()?;
                tree_changes(repo, old_tree.as_ref(), new_tree.as_ref(), prefix, out)?
            }
        } else if a.is_some() && b.is_some() && mode(a) != mode(b) {
            // An executable bit flipped: libgit2 reports it as git does.
            false
        } else {
            out.push(BlobChange { path: prefix.clone(), old: a.map(|e| e.1), new: b.map(|e| e.1) });
            true
        };
        prefix.truncate(len);
        if !simple {
            return Ok(false);
        }
    }
    Ok(true)
}

/// libgit2's tree diff with rename detection, for commits the direct comparison cannot handle.
fn full_diff(
    repo: &Repository,
    old: Option<&git2::Tree<'_>>,
    new: &git2::Tree<'_>,
    oid: Oid,
    unreadable: &mut Vec<String>,
) -> std::result::Result<Vec<FileChange>, git2::Error> {
    let mut options = DiffOptions::new();
    options.context_lines(0).ignore_submodules(false).skip_binary_check(false);
    let mut diff = repo.diff_tree_to_tree(old, Some(new), Some(&mut options))?;
    let mut find = DiffFindOptions::new();
    // git's defaults: renames on, 50 % similarity, up to 1,000 candidate files.
    find.renames(true).rename_threshold(50).rename_limit(1000);
    diff.find_similar(Some(&mut find))?;

    let mut files = Vec::with_capacity(diff.deltas().len());
    for (index, delta) in diff.deltas().enumerate() {
        let kind = match delta.status() {
            Delta::Added => ChangeKind::Added,
            Delta::Deleted => ChangeKind::Deleted,
            Delta::Renamed => ChangeKind::Renamed,
            Delta::Copied => ChangeKind::Copied,
            Delta::Typechange => ChangeKind::Typechange,
            _ => ChangeKind::Modified,
        };
        let path_of = |f: git2::DiffFile<'_>| f.path_bytes().map(|p| String::from_utf8_lossy(p).into_owned());
        let new_path = path_of(delta.new_file());
        let old_path = path_of(delta.old_file());
        let path = match kind {
            ChangeKind::Deleted => old_path.clone(),
            _ => new_path.clone(),
        }
        .unwrap_or_default();
        let old_path = match kind {
            ChangeKind::Renamed | ChangeKind::Copied => old_path,
            _ => None,
        };

        let (mut added, mut deleted, mut binary) = (None, None, delta.flags().is_binary());
        if !binary {
            match git2::Patch::from_diff(&diff, index) {
                Ok(Some(patch)) => {
                    binary = patch.delta().flags().is_binary();
                    if !binary {
                        let (_, a, d) = patch.line_stats()?;
                        added = Some(a as i64);
                        deleted = Some(d as i64);
                    }
                }
                Ok(None) => binary = true,
                Err(_) => unreadable.push(format!("{oid}:{path}")),
            }
        }
        files.push(FileChange { path, old_path, kind, added, deleted, binary });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path).then(a.old_path.cmp(&b.old_path)));
    Ok(merge_type_changes(files))
}

/// libgit2 reports a file that became a symlink (or the reverse) as a deletion and an addition of
/// the same path; git prints one line with both counts. Merge such pairs into one type change.
fn merge_type_changes(files: Vec<FileChange>) -> Vec<FileChange> {
    let mut out: Vec<FileChange> = Vec::with_capacity(files.len());
    for file in files {
        if let Some(last) = out.last_mut() {
            let pair = last.path == file.path
                && last.old_path.is_none()
                && file.old_path.is_none()
                && matches!(
                    (last.kind, file.kind),
                    (ChangeKind::Added, ChangeKind::Deleted) | (ChangeKind::Deleted, ChangeKind::Added)
                );
            if pair {
                let sum = |a: Option<i64>, b: Option<i64>| a.zip(b).map(|(a, b)| a + b);
                last.kind = ChangeKind::Typechange;
                last.added = sum(last.added, file.added);
                last.deleted = sum(last.deleted, file.deleted);
                last.binary |= file.binary;
                continue;
            }
        }
        out.push(file);
    }
    out
}

/// Every note on `notes_ref`: annotated commit id → note text. No ref, no notes.
fn read_notes(
    repo: &Repository,
    notes_ref: &str,
) -> std::result::Result<BTreeMap<String, String>, git2::Error> {
    let mut out = BTreeMap::new();
    if repo.find_reference(notes_ref).is_err() {
        return Ok(out);
    }
    for item in repo.notes(Some(notes_ref))? {
        let (note_id, annotated) = item?;
        let Ok(blob) = repo.find_blob(note_id) else { continue };
        out.insert(annotated.to_string(), String::from_utf8_lossy(blob.content()).into_owned());
    }
    Ok(out)
}

/// The text of `path` in HEAD's tree, if present and readable.
fn read_head_file(repo: &Repository, path: &str) -> Option<String> {
    tree_file(repo, &repo.head().ok()?.peel_to_tree().ok()?, path)
}

/// The text of `path` in `tree`, if present and readable.
fn tree_file(repo: &Repository, tree: &git2::Tree<'_>, path: &str) -> Option<String> {
    let entry = tree.get_path(Path::new(path)).ok()?;
    let blob = entry.to_object(repo).ok()?.peel(ObjectType::Blob).ok()?.into_blob().ok()?;
    Some(String::from_utf8_lossy(blob.content()).into_owned())
}

/// A git time with its original offset.
fn to_datetime(time: git2::Time) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(time.offset_minutes() * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
    offset
        .timestamp_opt(time.seconds(), 0)
        .single()
        .unwrap_or_else(|| offset.timestamp_opt(0, 0).single().expect("epoch is valid"))
}

/// Decode bytes as UTF-8, or per the commit's `encoding` header, or with replacement characters.
fn decode(bytes: &[u8], encoding: Option<&str>) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    if let Some(enc) = encoding.and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes())) {
        let (text, _, _) = enc.decode(bytes);
        return text.into_owned();
    }
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_parents_reads_every_parent_line() {
        let header = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 1111111111111111111111111111111111111111\nparent 2222222222222222222222222222222222222222\nauthor A <a@x> 0 +0000\n";
        assert_eq!(raw_parents(header), vec!["1".repeat(40), "2".repeat(40)]);
    }

    #[test]
    fn a_deletion_and_an_addition_of_one_path_are_one_type_change() {
        let file = |kind, added, deleted| FileChange {
            path: "LICENSE".into(),
            old_path: None,
            kind,
            added: Some(added),
            deleted: Some(deleted),
            binary: false,
        };
        let merged =
            merge_type_changes(vec![file(ChangeKind::Added, 1, 0), file(ChangeKind::Deleted, 0, 21)]);
        assert_eq!(merged, vec![file(ChangeKind::Typechange, 1, 21)]);
    }

    #[test]
    fn decode_uses_the_encoding_header_for_non_utf8() {
        assert_eq!(decode(b"Jos\xe9", Some("ISO-8859-1")), "José");
        assert_eq!(decode(b"Jos\xe9", None), "Jos\u{fffd}");
        assert_eq!(decode("Zoë".as_bytes(), Some("ISO-8859-1")), "Zoë");
    }

    #[test]
    fn to_datetime_keeps_the_offset() {
        let at = to_datetime(git2::Time::new(1_750_000_000, 330));
        assert_eq!(at.to_rfc3339(), "2025-06-15T20:36:40+05:30");
    }
}
