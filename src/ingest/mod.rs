//! Reading the inputs into the store: git history with AI provenance, deploy logs, incident
//! exports and the service catalog. Each input format is one module that converts its rows
//! into [`crate::model`] records; this module runs them and writes the tables, all in one
//! snapshot, so the store never holds a half-read state.

pub mod agent_trace;
pub mod catalog;
pub mod deploy_table;
pub mod deploys;
pub mod git;
pub mod gitai;
mod grouped;
pub mod incidents;
pub mod mainline;
pub mod provenance;
pub mod source;
pub mod sources;
pub mod time;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Result;
use crate::model::{Commit, Provenance};
use crate::store::{Snapshot, Store};
use crate::tables::{self, names};

pub use git::{Progress, Silent};

/// What one ingest did to one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoReport {
    /// Repository name.
    pub repo: String,
    /// Commits read for the first time.
    pub new_commits: usize,
    /// Stored commits that are no longer reachable and were removed.
    pub vanished: usize,
    /// Commits of this repository now in the store.
    pub total_commits: usize,
    /// Whether history had to be walked in full (first ingest, or rewritten history).
    pub full_walk: bool,
    /// Commits where a shallow clone cuts history off.
    pub shallow_boundary: usize,
}

/// What an ingest did, for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestReport {
    /// One entry per configured repository, in config order.
    pub repos: Vec<RepoReport>,
    /// Repositories whose commits were dropped because they left the config.
    pub dropped_repos: Vec<String>,
    /// Commits in the store.
    pub commits: usize,
    /// Of which AI-provenance.
    pub ai_commits: usize,
    /// Deploys in the store.
    pub deploys: usize,
    /// Incidents in the store.
    pub incidents: usize,
    /// Catalog services in the store.
    pub services: usize,
    /// Records rejected (stored in the `rejects` table; only with `lenient`).
    pub rejects: usize,
    /// Things the user should know that did not stop the ingest, one line each.
    pub warnings: Vec<String>,
}

/// Options for [`ingest`].
#[derive(Debug, Clone, Copy, Default)]
pub struct IngestOptions {
    /// Ignore what the store holds and read every repository from scratch.
    pub rebuild: bool,
    /// Keep going past records a source cannot use, storing them in the `rejects` table;
    /// otherwise the first one stops the ingest and nothing is stored.
    pub lenient: bool,
}

/// Read every configured repository into the store, incrementally, and recompute provenance
/// for all stored commits (so changed rules or newly fetched notes take effect at once).
pub fn ingest(config: &Config, options: IngestOptions, progress: &dyn Progress) -> Result<IngestReport> {
    ingest_into(config, &Store::new(&config.store), options, progress, SourceMode::Read)
}

/// Whether an ingest reads the deploy logs, incident exports and catalog besides git.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SourceMode<'a> {
    /// Read them, matching deploys to the repositories being read.
    Read,
    /// Read them, matching deploys to these repositories (name, remote URL): a lake shard
    /// reads some repositories but the sources name all of them.
    ReadFor(&'a [(String, Option<String>)]),
    /// Leave them out: another shard reads them.
    Skip,
}

/// [`ingest`] into `store`, reading `config.repos` and the sources as `sources` says.
pub(crate) fn ingest_into(
    config: &Config,
    store: &Store,
    options: IngestOptions,
    progress: &dyn Progress,
    sources: SourceMode<'_>,
) -> Result<IngestReport> {
    git::configure_libgit2();
    let store = store.clone();
    let stored = if options.rebuild { StoredIds::default() } else { StoredIds::load(&store)? };

    let configured: BTreeSet<&str> = config.repos.iter().map(|r| r.name.as_str()).collect();
    let mut known: HashMap<&str, git::Known> = HashMap::new();
    let mut dropped_repos = BTreeSet::new();
    for (repo, sha, shallow) in &stored.commits {
        if configured.contains(repo.as_str()) {
            let entry = known.entry(repo.as_str()).or_default();
            entry.shas.insert(sha.clone());
            if *shallow {
                entry.shallow.insert(sha.clone());
            }
        } else {
            dropped_repos.insert(repo.clone());
        }
    }
    for (repo, refs) in &stored.heads {
        if let Some(entry) = known.get_mut(repo.as_str()) {
            entry.heads = refs.clone();
        }
    }

    let empty = git::Known::default();
    let mut histories: Vec<git::RepoHistory> = config
        .repos
        .par_iter()
        .map(|source| {
            let known = known.get(source.name.as_str()).unwrap_or(&empty);
            git::read_repo(source, known, config.notes_ref(), progress)
        })
        .collect::<Result<_>>()?;
    drop(known);

    let remotes: Vec<(String, Option<String>)> =
        histories.iter().map(|h| (h.repo.clone(), h.remote_url.clone())).collect();
    let mut events = match sources {
        SourceMode::Read => sources::read(config, &remotes)?,
        SourceMode::ReadFor(all) => sources::read(config, all)?,
        SourceMode::Skip => sources::Sources::default(),
    };
    if !options.lenient {
        if let Some(first) = events.rejects.first() {
            return Err(crate::Error::Rejected { first: first.to_string(), more: events.rejects.len() - 1 });
        }
    }

    let mut warnings = Vec::new();
    warnings.extend(events.notes.iter().cloned());
    for history in &histories {
        history_warnings(history, &mut warnings);
    }
    for repo in &dropped_repos {
        warnings.push(format!("{repo}: no longer in the config; its commits were removed from the store"));
    }

    // Nothing new in any repository and provenance's inputs as they were: the commit tables
    // stand as stored, and are neither read back nor written again.
    let inputs = provenance_inputs(config, &histories);
    let same_commits = stored.complete
        && dropped_repos.is_empty()
        && histories
            .iter()
            .all(|h| h.new_commits.is_empty() && h.vanished.is_empty() && h.refreshed.is_empty());
    let heads: BTreeMap<String, Vec<(String, String)>> =
        histories.iter().map(|h| (h.repo.clone(), h.heads.clone())).collect();
    // A moved HEAD changes the mainline order even without new commits.
    let unchanged = same_commits
        && stored.state.get(PROVENANCE_INPUTS) == Some(&inputs)
        && stored.heads == heads
        && store.table_path(names::COMMIT_ORDER).is_some();
    let mut snapshot = store.begin()?;
    let (repos, total, ai_commits) = if unchanged {
        let repos = histories
            .iter()
            .map(|h| RepoReport {
                repo: h.repo.clone(),
                new_commits: 0,
                vanished: 0,
                total_commits: stored.commits.iter().filter(|c| c.0 == h.repo).count(),
                full_walk: h.full_walk,
                shallow_boundary: h.shallow_boundary.len(),
            })
            .collect();
        let ai = store.require_columns(names::PROVENANCE, &["ai"], "ingest")?;
        (repos, stored.commits.len(), tables::ai_count_from_frame(&ai)?)
    } else {
        drop(stored);
        let loaded = if options.rebuild { Vec::new() } else { load_commits(&store)? };
        write_commits(
            config,
            &mut snapshot,
            loaded,
            &mut histories,
            &configured,
            &heads,
            same_commits,
            &mut warnings,
        )?
    };
    let mut state = BTreeMap::from([(PROVENANCE_INPUTS.to_string(), inputs)]);
    for (repo, url) in &remotes {
        if let Some(url) = url {
            state.insert(format!("{REMOTE_URL}{repo}"), url.clone());
        }
    }
    snapshot.put(names::INGEST_STATE, &mut tables::state_frame(&state)?)?;
    snapshot.put(names::REPO_HEADS, &mut tables::heads_frame(&heads)?)?;
    snapshot.put(names::SERVICES, &mut tables::services_frame(&events.services)?)?;
    snapshot.put(names::SERVICE_DEPS, &mut tables::service_deps_frame(&events.deps)?)?;
    let deploys = events.deploys.len();
    let batches = std::mem::take(&mut events.deploys).batches(deploy_table::BATCH_RECORDS)?;
    // An empty frame first, so the table exists (with its columns) even without deploys.
    let empty = std::iter::once(tables::deploys_frame(&[]));
    snapshot.put_batches(names::DEPLOYS, empty.chain(batches.map(|batch| tables::deploys_frame(&batch?))))?;
    snapshot.put(names::INCIDENTS, &mut tables::incidents_frame(&events.incidents)?)?;
    snapshot.put(names::TIMELINE_EVENTS, &mut tables::timeline_frame(&events.incidents)?)?;
    snapshot.put(names::REJECTS, &mut tables::rejects_frame(&events.rejects)?)?;
    snapshot.commit()?;

    Ok(IngestReport {
        repos,
        dropped_repos: dropped_repos.into_iter().collect(),
        commits: total,
        ai_commits,
        deploys,
        incidents: events.incidents.len(),
        services: events.services.len(),
        rejects: events.rejects.len(),
        warnings,
    })
}

/// The prefix of the `ingest_state` keys holding each repository's `origin` remote URL.
pub const REMOTE_URL: &str = "remote_url:";

/// The layout of the `provenance` table; a store written with another is recomputed.
/// 2: `model` and `origin` columns.
const PROVENANCE_LAYOUT: u32 = 2;

/// The `ingest_state` key of the fingerprint of what provenance was computed from.
pub(crate) const PROVENANCE_INPUTS: &str = "provenance_inputs";

/// What the store holds of its commits without reading them: ids, shallow flags, branch tips
/// and the last ingest's state.
#[derive(Default)]
struct StoredIds {
    /// (repo, sha, shallow boundary) per stored commit.
    commits: Vec<(String, String, bool)>,
    heads: BTreeMap<String, Vec<(String, String)>>,
    state: BTreeMap<String, String>,
    /// Every commit table is there (a store from before `merge_files` is read again whole, so
    /// every merge gets its paths).
    complete: bool,
}

impl StoredIds {
    fn load(store: &Store) -> Result<StoredIds> {
        let columns = ["repo", "sha", "shallow_boundary"];
        let (Some(commits), true) =
            (store.read_columns(names::COMMITS, &columns)?, store.table_path(names::MERGE_FILES).is_some())
        else {
            return Ok(StoredIds::default());
        };
        let heads = match store.read(names::REPO_HEADS)? {
            Some(frame) => tables::heads_from_frame(&frame)?,
            None => BTreeMap::new(),
        };
        let state = match store.read(names::INGEST_STATE)? {
            Some(frame) => tables::state_from_frame(&frame)?,
            None => BTreeMap::new(),
        };
        Ok(StoredIds { commits: tables::commit_ids_from_frame(&commits)?, heads, state, complete: true })
    }
}

/// A fingerprint of everything provenance is computed from besides the commits: this
/// version of faultline, the `[provenance]` config, and each repository's git-ai notes and
/// Agent Trace records.
fn provenance_inputs(config: &Config, histories: &[git::RepoHistory]) -> String {
    let mut text = format!(
        "faultline {} provenance table {PROVENANCE_LAYOUT}\n{:?}\n{}\n",
        env!("CARGO_PKG_VERSION"),
        config.provenance,
        config.notes_ref()
    );
    for history in histories {
        text.push_str(&format!("repo {:?}\n", history.repo));
        for (sha, note) in &history.notes {
            text.push_str(&format!("note {sha} {}\n{note}\n", note.len()));
        }
        if let Some(trace) = &history.agent_trace {
            text.push_str(&format!("trace {}\n{trace}\n", trace.len()));
        }
    }
    git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
        .map_or_else(|_| String::new(), |oid| oid.to_string())
}

/// What one repository's read tells the user.
fn history_warnings(history: &git::RepoHistory, warnings: &mut Vec<String>) {
    if !history.vanished.is_empty() {
        warnings.push(format!(
            "{}: history was rewritten (force-push or deleted branch): {} stored commit(s) are no longer reachable and were removed, e.g. {}",
            history.repo,
            history.vanished.len(),
            &history.vanished[0][..12.min(history.vanished[0].len())]
        ));
    }
    if !history.shallow_boundary.is_empty() {
        warnings.push(format!(
            "{}: shallow clone; history stops at {} boundary commit(s) ({}), whose changes are not counted",
            history.repo,
            history.shallow_boundary.len(),
            history.shallow_boundary.iter().map(|s| &s[..12.min(s.len())]).collect::<Vec<_>>().join(", ")
        ));
    }
    if !history.refreshed.is_empty() {
        warnings.push(format!(
            "{}: the shallow clone was deepened; {} former boundary commit(s) were read again and the history below them added",
            history.repo,
            history.refreshed.len()
        ));
    }
    if !history.unreadable.is_empty() {
        warnings.push(format!(
            "{}: {} file version(s) could not be read (missing objects); their line counts are unknown, e.g. {}",
            history.repo,
            history.unreadable.len(),
            history.unreadable[0]
        ));
    }
}

/// Merge the stored commits with what the repositories gave, recompute provenance for all, and
/// write the commit tables (only `provenance` when `same_commits`: the commits are as stored);
/// the report per repository, the commit count and the AI count.
fn write_commits(
    config: &Config,
    snapshot: &mut Snapshot<'_>,
    stored: Vec<Commit>,
    histories: &mut [git::RepoHistory],
    configured: &BTreeSet<&str>,
    heads: &BTreeMap<String, Vec<(String, String)>>,
    same_commits: bool,
    warnings: &mut Vec<String>,
) -> Result<(Vec<RepoReport>, usize, usize)> {
    let vanished: HashSet<(String, String)> = histories
        .iter()
        .flat_map(|h| h.vanished.iter().chain(&h.refreshed).map(|s| (h.repo.clone(), s.clone())))
        .collect();
    let mut commits: Vec<Commit> = stored
        .into_iter()
        .filter(|c| configured.contains(c.repo.as_str()))
        .filter(|c| !vanished.contains(&(c.repo.clone(), c.sha.clone())))
        .collect();
    let mut new_counts = Vec::with_capacity(histories.len());
    for history in histories.iter_mut() {
        // Moved, not copied: on a large history the commits are most of the memory.
        new_counts.push(history.new_commits.len() - history.refreshed.len());
        commits.append(&mut history.new_commits);
    }
    let repos = histories
        .iter()
        .zip(new_counts)
        .map(|(history, new_commits)| RepoReport {
            repo: history.repo.clone(),
            new_commits,
            vanished: history.vanished.len(),
            total_commits: commits.iter().filter(|c| c.repo == history.repo).count(),
            full_walk: history.full_walk,
            shallow_boundary: history.shallow_boundary.len(),
        })
        .collect();
    let provenance = detect_all(config, &commits, histories, warnings)?;
    let ai_commits = provenance.iter().filter(|p| p.ai).count();
    let total = commits.len();
    // One table at a time, each frame dropped once written: on a large history the frames
    // and the commits are most of the memory.
    snapshot.put(names::PROVENANCE, &mut tables::provenance_frame(&provenance)?)?;
    drop(provenance);
    let order = mainline::commit_order(&commits, heads);
    snapshot.put(names::COMMIT_ORDER, &mut mainline::commit_order_frame(&order)?)?;
    drop(order);
    if same_commits {
        return Ok((repos, total, ai_commits));
    }
    snapshot.put(names::COMMIT_FILES, &mut tables::commit_files_frame(&commits)?)?;
    snapshot.put(names::MERGE_FILES, &mut tables::merge_files_frame(&commits)?)?;
    snapshot.put(names::COMMITS, &mut tables::commits_frame(&commits)?)?;
    Ok((repos, total, ai_commits))
}

/// The commits (with files and merge paths) the store holds.
fn load_commits(store: &Store) -> Result<Vec<Commit>> {
    let Some(commits) = store.read(names::COMMITS)? else { return Ok(Vec::new()) };
    let files = store.read(names::COMMIT_FILES)?;
    let Some(merges) = store.read(names::MERGE_FILES)? else { return Ok(Vec::new()) };
    let mut commits = tables::commits_from_frames(&commits, files.as_ref())?;
    tables::attach_merge_files(&mut commits, &merges)?;
    Ok(commits)
}

/// Provenance for every commit, from its metadata, its git-ai note and its Agent Trace records.
fn detect_all(
    config: &Config,
    commits: &[Commit],
    histories: &[git::RepoHistory],
    warnings: &mut Vec<String>,
) -> Result<Vec<Provenance>> {
    let detector = provenance::Detector::new(&config.provenance.rules)?;
    let mut notes: HashMap<(&str, &str), gitai::AuthorshipNote> = HashMap::new();
    let mut traces: HashMap<(&str, String), Vec<agent_trace::TraceRecord>> = HashMap::new();
    for history in histories {
        let mut bad_notes = Vec::new();
        for (sha, text) in &history.notes {
            match gitai::parse_note(text) {
                Ok(note) => {
                    notes.insert((history.repo.as_str(), sha.as_str()), note);
                }
                Err(e) => bad_notes.push(format!("{}: {e}", &sha[..12.min(sha.len())])),
            }
        }
        if !bad_notes.is_empty() {
            warnings.push(format!(
                "{}: {} git-ai note(s) on {} could not be read and were ignored: {}",
                history.repo,
                bad_notes.len(),
                config.notes_ref(),
                bad_notes.join("; ")
            ));
        }
        if let Some(text) = &history.agent_trace {
            match agent_trace::parse_traces(text) {
                Ok(records) => {
                    for record in records {
                        if let Some(revision) = record.revision() {
                            traces
                                .entry((history.repo.as_str(), revision.to_string()))
                                .or_default()
                                .push(record);
                        }
                    }
                }
                Err(e) => warnings.push(format!(
                    "{}: {}: {e}; Agent Trace records ignored",
                    history.repo,
                    git::AGENT_TRACE_PATH
                )),
            }
        }
    }
    Ok(commits
        .par_iter()
        .map(|commit| {
            let note = notes.get(&(commit.repo.as_str(), commit.sha.as_str()));
            let records: Vec<&agent_trace::TraceRecord> = traces
                .get(&(commit.repo.as_str(), commit.sha.clone()))
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            detector.detect(commit, note, &records)
        })
        .collect())
}
