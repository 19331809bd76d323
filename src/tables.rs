//! The tables faultline stores, and their conversion to and from the owned records.
//!
//! One function per table builds its frame with a fixed column order and sort order, so the
//! same inputs give byte-identical Parquet files. `docs/schema.md` describes every column.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, TimeZone as _, Utc};
use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::model::{
    ChangeKind, Commit, Confidence, Deploy, DeployKind, DeployStatus, Evidence, FileChange, Incident,
    Provenance, Reject, Service, ServiceDep, Signature, Trailer,
};

/// Table names, as files in the store and as tables in SQL.
pub mod names {
    /// One row per commit.
    pub const COMMITS: &str = "commits";
    /// One row per file a commit changed.
    pub const COMMIT_FILES: &str = "commit_files";
    /// One row per path a merge changed against its first parent.
    pub const MERGE_FILES: &str = "merge_files";
    /// One row per commit: who or what wrote it.
    pub const PROVENANCE: &str = "provenance";
    /// Branch tips of each repository at the last ingest.
    pub const REPO_HEADS: &str = "repo_heads";
    /// Each commit's place on its repository's mainline (see `ingest::mainline`).
    pub const COMMIT_ORDER: &str = "commit_order";
    /// What the last ingest derived its tables from (`key`, `value`).
    pub const INGEST_STATE: &str = "ingest_state";
    /// One row per deploy.
    pub const DEPLOYS: &str = "deploys";
    /// One row per incident.
    pub const INCIDENTS: &str = "incidents";
    /// One row per incident timeline entry.
    pub const TIMELINE_EVENTS: &str = "timeline_events";
    /// One row per catalog entity.
    pub const SERVICES: &str = "services";
    /// One row per dependency edge.
    pub const SERVICE_DEPS: &str = "service_deps";
    /// One row per record a source held that could not be used.
    pub const REJECTS: &str = "rejects";
    /// What each deploy shipped: one row per (deploy, commit).
    pub const DEPLOY_COMMITS: &str = "deploy_commits";
    /// Each incident's suspected deploys and commits, with probabilities and evidence.
    pub const SUSPECTS: &str = "suspects";
    /// SZZ: the earlier commits whose lines each fix or revert changed.
    pub const SZZ_LINKS: &str = "szz_links";
    /// Every commit's realized and potential blast radius.
    pub const BLAST_RADIUS: &str = "blast_radius";
    /// The DORA facts of every production deploy that shipped commits.
    pub const DEPLOY_FACTS: &str = "deploy_facts";
}

fn store_error(table: &str, e: PolarsError) -> Error {
    Error::Store { path: format!("{table}.parquet").into(), message: e.to_string() }
}

fn utc_micros(name: &str, seconds: Vec<i64>) -> Column {
    Int64Chunked::from_vec(name.into(), seconds.into_iter().map(|s| s * 1_000_000).collect())
        .into_datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC))
        .into_column()
}

fn string_lists<'a>(name: &str, rows: impl ExactSizeIterator<Item = Vec<&'a str>>) -> Column {
    let mut builder = ListStringChunkedBuilder::new(name.into(), rows.len(), rows.len() * 2);
    for row in rows {
        builder.append_values_iter(row.into_iter());
    }
    builder.finish().into_column()
}

/// The `commits` table.
pub fn commits_frame(commits: &[Commit]) -> Result<DataFrame> {
    let mut sorted: Vec<&Commit> = commits.iter().collect();
    sorted.sort_by(|a, b| {
        (a.repo.as_str(), a.committer.at.timestamp(), a.sha.as_str()).cmp(&(
            b.repo.as_str(),
            b.committer.at.timestamp(),
            b.sha.as_str(),
        ))
    });
    let c = &sorted;
    let text = |name: &str, f: &dyn Fn(&Commit) -> &str| {
        Column::new(name.into(), c.iter().map(|x| f(x)).collect::<Vec<&str>>())
    };
    let int = |name: &str, f: &dyn Fn(&Commit) -> i64| {
        Column::new(name.into(), c.iter().map(|x| f(x)).collect::<Vec<i64>>())
    };
    let int32 = |name: &str, f: &dyn Fn(&Commit) -> i32| {
        Column::new(name.into(), c.iter().map(|x| f(x)).collect::<Vec<i32>>())
    };
    let flag = |name: &str, f: &dyn Fn(&Commit) -> bool| {
        Column::new(name.into(), c.iter().map(|x| f(x)).collect::<Vec<bool>>())
    };
    let columns = vec![
        text("repo", &|x| &x.repo),
        text("sha", &|x| &x.sha),
        string_lists("parents", c.iter().map(|x| x.parents.iter().map(String::as_str).collect())),
        int32("parent_count", &|x| x.parents.len() as i32),
        flag("is_merge", &|x| x.is_merge()),
        text("author_name", &|x| &x.author.name),
        text("author_email", &|x| &x.author.email),
        utc_micros("author_at", c.iter().map(|x| x.author.at.timestamp()).collect()),
        int("author_epoch", &|x| x.author.at.timestamp()),
        int32("author_offset_minutes", &|x| x.author.offset_minutes()),
        text("committer_name", &|x| &x.committer.name),
        text("committer_email", &|x| &x.committer.email),
        utc_micros("committer_at", c.iter().map(|x| x.committer.at.timestamp()).collect()),
        int("committer_epoch", &|x| x.committer.at.timestamp()),
        int32("committer_offset_minutes", &|x| x.committer.offset_minutes()),
        text("subject", &|x| &x.subject),
        text("body", &|x| &x.body),
        string_lists("trailer_keys", c.iter().map(|x| x.trailers.iter().map(|t| t.key.as_str()).collect())),
        string_lists(
            "trailer_values",
            c.iter().map(|x| x.trailers.iter().map(|t| t.value.as_str()).collect()),
        ),
        int("files_changed", &|x| x.files.len() as i64),
        int("added_lines", &|x| x.added_lines()),
        int("deleted_lines", &|x| x.deleted_lines()),
        flag("shallow_boundary", &|x| x.shallow_boundary),
    ];
    DataFrame::new(c.len(), columns).map_err(|e| store_error(names::COMMITS, e))
}

/// The `commit_files` table.
pub fn commit_files_frame(commits: &[Commit]) -> Result<DataFrame> {
    let mut rows: Vec<(&Commit, &FileChange)> =
        commits.iter().flat_map(|c| c.files.iter().map(move |f| (c, f))).collect();
    rows.sort_by(|a, b| {
        (a.0.repo.as_str(), a.0.sha.as_str(), a.1.path.as_str(), a.1.old_path.as_deref()).cmp(&(
            b.0.repo.as_str(),
            b.0.sha.as_str(),
            b.1.path.as_str(),
            b.1.old_path.as_deref(),
        ))
    });
    let columns = vec![
        Column::new("repo".into(), rows.iter().map(|r| r.0.repo.as_str()).collect::<Vec<_>>()),
        Column::new("sha".into(), rows.iter().map(|r| r.0.sha.as_str()).collect::<Vec<_>>()),
        Column::new("path".into(), rows.iter().map(|r| r.1.path.as_str()).collect::<Vec<_>>()),
        Column::new(
            "old_path".into(),
            rows.iter().map(|r| r.1.old_path.as_deref()).collect::<Vec<Option<&str>>>(),
        ),
        Column::new("status".into(), rows.iter().map(|r| r.1.kind.as_str()).collect::<Vec<_>>()),
        Column::new("added_lines".into(), rows.iter().map(|r| r.1.added).collect::<Vec<Option<i64>>>()),
        Column::new("deleted_lines".into(), rows.iter().map(|r| r.1.deleted).collect::<Vec<Option<i64>>>()),
        Column::new("is_binary".into(), rows.iter().map(|r| r.1.binary).collect::<Vec<bool>>()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::COMMIT_FILES, e))
}

/// The `provenance` table.
pub fn provenance_frame(rows: &[Provenance]) -> Result<DataFrame> {
    let mut sorted: Vec<&Provenance> = rows.iter().collect();
    sorted.sort_by(|a, b| (a.repo.as_str(), a.sha.as_str()).cmp(&(b.repo.as_str(), b.sha.as_str())));
    let p = &sorted;
    let list = |name: &str, f: &dyn Fn(&Provenance) -> Vec<&str>| string_lists(name, p.iter().map(|x| f(x)));
    let columns = vec![
        Column::new("repo".into(), p.iter().map(|x| x.repo.as_str()).collect::<Vec<_>>()),
        Column::new("sha".into(), p.iter().map(|x| x.sha.as_str()).collect::<Vec<_>>()),
        Column::new("ai".into(), p.iter().map(|x| x.ai).collect::<Vec<bool>>()),
        Column::new(
            "tool".into(),
            p.iter().map(|x| x.tools.first().map(String::as_str)).collect::<Vec<Option<&str>>>(),
        ),
        Column::new(
            "model".into(),
            p.iter().map(|x| x.models.first().map(String::as_str)).collect::<Vec<Option<&str>>>(),
        ),
        Column::new(
            "origin".into(),
            p.iter().map(|x| crate::provenance_report::Origin::of(x).as_str()).collect::<Vec<&str>>(),
        ),
        list("tools", &|x| x.tools.iter().map(String::as_str).collect()),
        list("models", &|x| x.models.iter().map(String::as_str).collect()),
        list("sessions", &|x| x.sessions.iter().map(String::as_str).collect()),
        Column::new(
            "confidence".into(),
            p.iter().map(|x| x.confidence.map(|c| c.as_str())).collect::<Vec<Option<&str>>>(),
        ),
        list("evidence_rules", &|x| x.evidence.iter().map(|e| e.rule.as_str()).collect()),
        list("evidence_sources", &|x| x.evidence.iter().map(|e| e.source.as_str()).collect()),
        list("evidence_texts", &|x| x.evidence.iter().map(|e| e.text.as_str()).collect()),
        list("evidence_tools", &|x| x.evidence.iter().map(|e| e.tool.as_deref().unwrap_or("")).collect()),
        list("evidence_confidences", &|x| x.evidence.iter().map(|e| e.confidence.as_str()).collect()),
        Column::new(
            "ai_added_lines".into(),
            p.iter().map(|x| x.ai_added_lines).collect::<Vec<Option<i64>>>(),
        ),
        Column::new("ai_line_share".into(), p.iter().map(|x| x.ai_line_share).collect::<Vec<Option<f64>>>()),
    ];
    DataFrame::new(p.len(), columns).map_err(|e| store_error(names::PROVENANCE, e))
}

/// The `repo_heads` table: `(repo, ref_name, sha)`.
pub fn heads_frame(heads: &BTreeMap<String, Vec<(String, String)>>) -> Result<DataFrame> {
    let rows: Vec<(&str, &str, &str)> = heads
        .iter()
        .flat_map(|(repo, refs)| refs.iter().map(move |(r, s)| (repo.as_str(), r.as_str(), s.as_str())))
        .collect();
    let columns = vec![
        Column::new("repo".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new("ref_name".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        Column::new("sha".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::REPO_HEADS, e))
}

/// The `ingest_state` table: `(key, value)`, sorted by key.
pub fn state_frame(state: &BTreeMap<String, String>) -> Result<DataFrame> {
    let columns = vec![
        Column::new("key".into(), state.keys().map(String::as_str).collect::<Vec<_>>()),
        Column::new("value".into(), state.values().map(String::as_str).collect::<Vec<_>>()),
    ];
    DataFrame::new(state.len(), columns).map_err(|e| store_error(names::INGEST_STATE, e))
}

/// Read `ingest_state` back.
pub fn state_from_frame(frame: &DataFrame) -> Result<BTreeMap<String, String>> {
    let get = |name: &str| strings(frame, names::INGEST_STATE, name);
    let (key, value) = (get("key")?, get("value")?);
    Ok(key.into_iter().zip(value).map(|(k, v)| (k.unwrap_or_default(), v.unwrap_or_default())).collect())
}

/// `(repo, sha, shallow_boundary)` of every commit, from those columns of `commits`.
pub fn commit_ids_from_frame(frame: &DataFrame) -> Result<Vec<(String, String, bool)>> {
    let t = names::COMMITS;
    let (repo, sha) = (strings(frame, t, "repo")?, strings(frame, t, "sha")?);
    let shallow = bools(frame, t, "shallow_boundary")?;
    Ok(repo
        .into_iter()
        .zip(sha)
        .zip(shallow)
        .map(|((r, s), b)| (r.unwrap_or_default(), s.unwrap_or_default(), b.unwrap_or(false)))
        .collect())
}

/// How many rows of `provenance` have AI evidence, from its `ai` column.
pub fn ai_count_from_frame(frame: &DataFrame) -> Result<usize> {
    Ok(bools(frame, names::PROVENANCE, "ai")?.into_iter().filter(|a| *a == Some(true)).count())
}

/// Read `repo_heads` back: repo → [(ref, sha)].
pub fn heads_from_frame(frame: &DataFrame) -> Result<BTreeMap<String, Vec<(String, String)>>> {
    let get = |name: &str| strings(frame, names::REPO_HEADS, name);
    let (repo, reference, sha) = (get("repo")?, get("ref_name")?, get("sha")?);
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for i in 0..frame.height() {
        out.entry(repo[i].clone().unwrap_or_default())
            .or_default()
            .push((reference[i].clone().unwrap_or_default(), sha[i].clone().unwrap_or_default()));
    }
    Ok(out)
}

fn column<'a>(frame: &'a DataFrame, table: &str, name: &str) -> Result<&'a Column> {
    frame.column(name).map_err(|_| Error::Store {
        path: format!("{table}.parquet").into(),
        message: format!("column `{name}` is missing; the store was written by another version, run `faultline ingest --rebuild`"),
    })
}

fn strings(frame: &DataFrame, table: &str, name: &str) -> Result<Vec<Option<String>>> {
    let col = column(frame, table, name)?;
    let ca = col.str().map_err(|e| store_error(table, e))?;
    Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
}

fn ints(frame: &DataFrame, table: &str, name: &str) -> Result<Vec<Option<i64>>> {
    let col = column(frame, table, name)?.cast(&DataType::Int64).map_err(|e| store_error(table, e))?;
    let ca = col.i64().map_err(|e| store_error(table, e))?;
    Ok(ca.iter().collect())
}

fn bools(frame: &DataFrame, table: &str, name: &str) -> Result<Vec<Option<bool>>> {
    let col = column(frame, table, name)?;
    let ca = col.bool().map_err(|e| store_error(table, e))?;
    Ok(ca.iter().collect())
}

fn lists(frame: &DataFrame, table: &str, name: &str) -> Result<Vec<Vec<String>>> {
    let col = column(frame, table, name)?;
    let ca = col.list().map_err(|e| store_error(table, e))?;
    let mut out = Vec::with_capacity(ca.len());
    for item in ca.amortized_iter() {
        let values = match item {
            Some(series) => series
                .as_ref()
                .str()
                .map_err(|e| store_error(table, e))?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect(),
            None => Vec::new(),
        };
        out.push(values);
    }
    Ok(out)
}

fn signature(
    name: Option<String>,
    email: Option<String>,
    epoch: Option<i64>,
    offset: Option<i64>,
) -> Signature {
    let offset = FixedOffset::east_opt(offset.unwrap_or(0) as i32 * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset is valid"));
    let at: DateTime<FixedOffset> = offset
        .timestamp_opt(epoch.unwrap_or(0), 0)
        .single()
        .unwrap_or_else(|| offset.timestamp_opt(0, 0).single().expect("epoch is valid"));
    Signature { name: name.unwrap_or_default(), email: email.unwrap_or_default(), at }
}

/// Rebuild commits (with their files) from the `commits` and `commit_files` tables.
pub fn commits_from_frames(commits: &DataFrame, files: Option<&DataFrame>) -> Result<Vec<Commit>> {
    let t = names::COMMITS;
    let s = |n: &str| strings(commits, t, n);
    let i = |n: &str| ints(commits, t, n);
    let (mut repo, mut sha, mut subject, mut body) = (s("repo")?, s("sha")?, s("subject")?, s("body")?);
    let (mut an, mut ae, ats, aoff) =
        (s("author_name")?, s("author_email")?, i("author_epoch")?, i("author_offset_minutes")?);
    let (mut cn, mut ce, cts, coff) =
        (s("committer_name")?, s("committer_email")?, i("committer_epoch")?, i("committer_offset_minutes")?);
    // Without `parents` (a reduced read: the analysis on an engine), none.
    let mut parents = match commits.column("parents") {
        Ok(_) => lists(commits, t, "parents")?,
        Err(_) => vec![Vec::new(); commits.height()],
    };
    let mut keys = lists(commits, t, "trailer_keys")?;
    let mut values = lists(commits, t, "trailer_values")?;
    let shallow = bools(commits, t, "shallow_boundary")?;

    let mut by_commit = match files {
        Some(files) => files_by_commit(files)?,
        None => FxHashMap::default(),
    };

    let mut out = Vec::with_capacity(commits.height());
    for k in 0..commits.height() {
        let key = (repo[k].take().unwrap_or_default(), sha[k].take().unwrap_or_default());
        let files = by_commit.remove(&key).unwrap_or_default();
        out.push(Commit {
            repo: key.0,
            sha: key.1,
            parents: std::mem::take(&mut parents[k]),
            author: signature(an[k].take(), ae[k].take(), ats[k], aoff[k]),
            committer: signature(cn[k].take(), ce[k].take(), cts[k], coff[k]),
            subject: subject[k].take().unwrap_or_default(),
            body: body[k].take().unwrap_or_default(),
            trailers: keys[k]
                .drain(..)
                .zip(values[k].drain(..))
                .map(|(key, value)| Trailer { key, value })
                .collect(),
            files,
            merge_paths: Vec::new(),
            shallow_boundary: shallow[k].unwrap_or(false),
        });
    }
    Ok(out)
}

/// The `commit_files` rows by (repo, sha).
fn files_by_commit(files: &DataFrame) -> Result<FxHashMap<(String, String), Vec<FileChange>>> {
    let mut by_commit: FxHashMap<(String, String), Vec<FileChange>> = FxHashMap::default();
    let t = names::COMMIT_FILES;
    let (mut frepo, mut fsha, mut path, mut old, status) = (
        strings(files, t, "repo")?,
        strings(files, t, "sha")?,
        strings(files, t, "path")?,
        strings(files, t, "old_path")?,
        strings(files, t, "status")?,
    );
    let (added, deleted, binary) =
        (ints(files, t, "added_lines")?, ints(files, t, "deleted_lines")?, bools(files, t, "is_binary")?);
    for k in 0..files.height() {
        let kind = match status[k].as_deref() {
            Some("added") => ChangeKind::Added,
            Some("deleted") => ChangeKind::Deleted,
            Some("renamed") => ChangeKind::Renamed,
            Some("copied") => ChangeKind::Copied,
            Some("typechange") => ChangeKind::Typechange,
            _ => ChangeKind::Modified,
        };
        by_commit
            .entry((frepo[k].take().unwrap_or_default(), fsha[k].take().unwrap_or_default()))
            .or_default()
            .push(FileChange {
                path: path[k].take().unwrap_or_default(),
                old_path: old[k].take(),
                kind,
                added: added[k],
                deleted: deleted[k],
                binary: binary[k].unwrap_or(false),
            });
    }
    Ok(by_commit)
}

/// Commits with only what a history walk needs — parents, files, the shallow flag — from the
/// columns of `commits` and `commit_files` that hold them (see [`COMMIT_GRAPH_COLUMNS`]);
/// names, times and messages are left empty.
pub fn commit_graph_from_frames(commits: &DataFrame, files: &DataFrame) -> Result<Vec<Commit>> {
    partial_commits(commits, files, false)
}

/// Commits with what the analyses read — [`commit_graph_from_frames`]'s, plus the message and
/// the commit time — from [`COMMIT_ANALYSIS_COLUMNS`]; names, author time and trailers are
/// left empty.
pub fn commit_analysis_from_frames(commits: &DataFrame, files: &DataFrame) -> Result<Vec<Commit>> {
    partial_commits(commits, files, true)
}

fn partial_commits(commits: &DataFrame, files: &DataFrame, messages: bool) -> Result<Vec<Commit>> {
    let t = names::COMMITS;
    let (mut repo, mut sha) = (strings(commits, t, "repo")?, strings(commits, t, "sha")?);
    // Without `parents` (a reduced read: the analysis on an engine), none.
    let mut parents = match commits.column("parents") {
        Ok(_) => lists(commits, t, "parents")?,
        Err(_) => vec![Vec::new(); commits.height()],
    };
    let shallow = bools(commits, t, "shallow_boundary")?;
    let height = commits.height();
    let (mut subject, mut body, at, offset) = if messages {
        (
            strings(commits, t, "subject")?,
            strings(commits, t, "body")?,
            ints(commits, t, "committer_epoch")?,
            ints(commits, t, "committer_offset_minutes")?,
        )
    } else {
        (vec![None; height], vec![None; height], vec![None; height], vec![None; height])
    };
    let mut by_commit = files_by_commit(files)?;
    let epoch = signature(None, None, None, None);
    Ok((0..height)
        .map(|k| {
            let key = (repo[k].take().unwrap_or_default(), sha[k].take().unwrap_or_default());
            let files = by_commit.remove(&key).unwrap_or_default();
            Commit {
                repo: key.0,
                sha: key.1,
                parents: std::mem::take(&mut parents[k]),
                author: epoch.clone(),
                committer: signature(None, None, at[k], offset[k]),
                subject: subject[k].take().unwrap_or_default(),
                body: body[k].take().unwrap_or_default(),
                trailers: Vec::new(),
                files,
                merge_paths: Vec::new(),
                shallow_boundary: shallow[k].unwrap_or(false),
            }
        })
        .collect())
}

/// The columns [`commit_analysis_from_frames`] reads: of `commits`, then of `commit_files`.
pub const COMMIT_ANALYSIS_COLUMNS: (&[&str], &[&str]) = (
    &[
        "repo",
        "sha",
        "parents",
        "shallow_boundary",
        "subject",
        "body",
        "committer_epoch",
        "committer_offset_minutes",
    ],
    &["repo", "sha", "path", "old_path", "status", "added_lines", "deleted_lines", "is_binary"],
);

/// The columns [`commit_graph_from_frames`] reads: of `commits`, then of `commit_files`.
pub const COMMIT_GRAPH_COLUMNS: (&[&str], &[&str]) = (
    &["repo", "sha", "parents", "shallow_boundary"],
    &["repo", "sha", "path", "old_path", "status", "added_lines", "deleted_lines", "is_binary"],
);

/// The `merge_files` table: (repo, sha, path) for every path a merge changed against its first
/// parent, sorted.
pub fn merge_files_frame(commits: &[Commit]) -> Result<DataFrame> {
    let mut rows: Vec<(&str, &str, &str)> = commits
        .iter()
        .flat_map(|c| c.merge_paths.iter().map(move |p| (c.repo.as_str(), c.sha.as_str(), p.as_str())))
        .collect();
    rows.sort_unstable();
    let columns = vec![
        Column::new("repo".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new("sha".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        Column::new("path".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::MERGE_FILES, e))
}

/// Give each merge of `commits` its paths from the `merge_files` table.
pub fn attach_merge_files(commits: &mut [Commit], frame: &DataFrame) -> Result<()> {
    let t = names::MERGE_FILES;
    let (mut repo, mut sha, mut path) =
        (strings(frame, t, "repo")?, strings(frame, t, "sha")?, strings(frame, t, "path")?);
    let mut by_commit: FxHashMap<(String, String), Vec<String>> = FxHashMap::default();
    for k in 0..frame.height() {
        by_commit
            .entry((repo[k].take().unwrap_or_default(), sha[k].take().unwrap_or_default()))
            .or_default()
            .push(path[k].take().unwrap_or_default());
    }
    for commit in commits.iter_mut() {
        if let Some(paths) = by_commit.remove(&(commit.repo.clone(), commit.sha.clone())) {
            commit.merge_paths = paths;
        }
    }
    Ok(())
}

/// What the provenance summary needs of one commit (see [`PROVENANCE_BRIEF_COLUMNS`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvenanceBrief {
    /// Repository.
    pub repo: String,
    /// Commit id.
    pub sha: String,
    /// Whether AI evidence was found.
    pub ai: bool,
    /// AI tools, lower case.
    pub tools: Vec<String>,
    /// Models as stated.
    pub models: Vec<String>,
    /// Added lines written by AI, when known.
    pub ai_added_lines: Option<i64>,
    /// Whether any rule matched (AI or a human attestation).
    pub has_evidence: bool,
}

/// The columns of `provenance` that [`provenance_briefs_from_frame`] reads.
pub const PROVENANCE_BRIEF_COLUMNS: &[&str] =
    &["repo", "sha", "ai", "tools", "models", "ai_added_lines", "evidence_rules"];

/// The `provenance` table's verdicts without their evidence, from [`PROVENANCE_BRIEF_COLUMNS`].
pub fn provenance_briefs_from_frame(frame: &DataFrame) -> Result<Vec<ProvenanceBrief>> {
    let t = names::PROVENANCE;
    let (mut repo, mut sha) = (strings(frame, t, "repo")?, strings(frame, t, "sha")?);
    let ai = bools(frame, t, "ai")?;
    let (mut tools, mut models) = (lists(frame, t, "tools")?, lists(frame, t, "models")?);
    let rules = lists(frame, t, "evidence_rules")?;
    let ai_lines = ints(frame, t, "ai_added_lines")?;
    Ok((0..frame.height())
        .map(|k| ProvenanceBrief {
            repo: repo[k].take().unwrap_or_default(),
            sha: sha[k].take().unwrap_or_default(),
            ai: ai[k].unwrap_or(false),
            tools: std::mem::take(&mut tools[k]),
            models: std::mem::take(&mut models[k]),
            ai_added_lines: ai_lines[k],
            has_evidence: !rules[k].is_empty(),
        })
        .collect())
}

/// (repo, sha, added lines) of every commit, in table order, from the `commits` columns
/// `repo`, `sha` and `added_lines`.
pub fn commit_lines_from_frame(frame: &DataFrame) -> Result<Vec<(String, String, i64)>> {
    let t = names::COMMITS;
    let (mut repo, mut sha) = (strings(frame, t, "repo")?, strings(frame, t, "sha")?);
    let added = ints(frame, t, "added_lines")?;
    Ok((0..frame.height())
        .map(|k| {
            (repo[k].take().unwrap_or_default(), sha[k].take().unwrap_or_default(), added[k].unwrap_or(0))
        })
        .collect())
}

/// (repo, sha, subject, commit time) of every commit, in table order, from the `commits`
/// columns `repo`, `sha`, `subject` and `committer_epoch`.
pub fn commit_subjects_from_frame(frame: &DataFrame) -> Result<Vec<(String, String, String, DateTime<Utc>)>> {
    let t = names::COMMITS;
    let (mut repo, mut sha, mut subject) =
        (strings(frame, t, "repo")?, strings(frame, t, "sha")?, strings(frame, t, "subject")?);
    let at = ints(frame, t, "committer_epoch")?;
    Ok((0..frame.height())
        .map(|k| {
            let at = DateTime::from_timestamp(at[k].unwrap_or(0), 0).unwrap_or_default();
            (
                repo[k].take().unwrap_or_default(),
                sha[k].take().unwrap_or_default(),
                subject[k].take().unwrap_or_default(),
                at,
            )
        })
        .collect())
}

/// Read the `provenance` table back into records (evidence rebuilt from its three lists).
pub fn provenance_from_frame(frame: &DataFrame) -> Result<Vec<Provenance>> {
    let t = names::PROVENANCE;
    let (repo, sha, confidence) =
        (strings(frame, t, "repo")?, strings(frame, t, "sha")?, strings(frame, t, "confidence")?);
    let ai = bools(frame, t, "ai")?;
    let (tools, models, sessions) =
        (lists(frame, t, "tools")?, lists(frame, t, "models")?, lists(frame, t, "sessions")?);
    let (rules, sources, texts) = (
        lists(frame, t, "evidence_rules")?,
        lists(frame, t, "evidence_sources")?,
        lists(frame, t, "evidence_texts")?,
    );
    let (evidence_tools, evidence_confidences) =
        (lists(frame, t, "evidence_tools")?, lists(frame, t, "evidence_confidences")?);
    let ai_lines = ints(frame, t, "ai_added_lines")?;
    let share_col = column(frame, t, "ai_line_share")?;
    let share: Vec<Option<f64>> = share_col.f64().map_err(|e| store_error(t, e))?.iter().collect();
    let parse_confidence = |s: &str| match s {
        "high" => Some(Confidence::High),
        "medium" => Some(Confidence::Medium),
        "low" => Some(Confidence::Low),
        _ => None,
    };
    let mut out = Vec::with_capacity(frame.height());
    for k in 0..frame.height() {
        let row_confidence = confidence[k].as_deref().and_then(parse_confidence);
        let evidence = (0..rules[k].len())
            .map(|e| Evidence {
                rule: rules[k][e].clone(),
                source: sources[k].get(e).cloned().unwrap_or_default(),
                text: texts[k].get(e).cloned().unwrap_or_default(),
                tool: evidence_tools[k].get(e).filter(|t| !t.is_empty()).cloned(),
                confidence: evidence_confidences[k]
                    .get(e)
                    .and_then(|c| parse_confidence(c))
                    .unwrap_or(Confidence::Low),
            })
            .collect();
        out.push(Provenance {
            repo: repo[k].clone().unwrap_or_default(),
            sha: sha[k].clone().unwrap_or_default(),
            ai: ai[k].unwrap_or(false),
            tools: tools[k].clone(),
            models: models[k].clone(),
            sessions: sessions[k].clone(),
            confidence: row_confidence,
            evidence,
            ai_added_lines: ai_lines[k],
            ai_line_share: share[k],
        });
    }
    Ok(out)
}

fn micros_of(at: &chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_micros()
}

fn utc_exact(name: &str, values: Vec<Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values.into_iter())
        .into_datetime(TimeUnit::Microseconds, Some(polars::prelude::TimeZone::UTC))
        .into_column()
}

/// The `deploys` table, sorted by `started_at`, `id`.
pub fn deploys_frame(deploys: &[Deploy]) -> Result<DataFrame> {
    let mut d: Vec<&Deploy> = deploys.iter().collect();
    d.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    let text = |name: &str, f: &dyn Fn(&Deploy) -> Option<&str>| {
        Column::new(name.into(), d.iter().map(|x| f(x)).collect::<Vec<Option<&str>>>())
    };
    let columns = vec![
        text("id", &|x| Some(&x.id)),
        text("service", &|x| Some(&x.service)),
        text("environment", &|x| Some(&x.environment)),
        text("repo", &|x| x.repo.as_deref()),
        text("sha", &|x| x.sha.as_deref()),
        utc_exact("started_at", d.iter().map(|x| Some(micros_of(&x.started_at))).collect()),
        Column::new("started_epoch".into(), d.iter().map(|x| x.started_at.timestamp()).collect::<Vec<i64>>()),
        utc_exact("finished_at", d.iter().map(|x| x.finished_at.as_ref().map(micros_of)).collect()),
        Column::new(
            "finished_epoch".into(),
            d.iter().map(|x| x.finished_at.map(|t| t.timestamp())).collect::<Vec<Option<i64>>>(),
        ),
        Column::new(
            "duration_seconds".into(),
            d.iter()
                .map(|x| x.finished_at.map(|f| (f - x.started_at).num_seconds()))
                .collect::<Vec<Option<i64>>>(),
        ),
        text("status", &|x| Some(x.status.as_str())),
        text("kind", &|x| Some(x.kind.as_str())),
        text("rollback_of", &|x| x.rollback_of.as_deref()),
        text("actor", &|x| x.actor.as_deref()),
        text("source", &|x| Some(&x.source)),
        text("origin", &|x| Some(&x.origin)),
    ];
    DataFrame::new(d.len(), columns).map_err(|e| store_error(names::DEPLOYS, e))
}

/// The `incidents` table, sorted by `started_at`, `id`.
pub fn incidents_frame(incidents: &[Incident]) -> Result<DataFrame> {
    let mut v: Vec<&Incident> = incidents.iter().collect();
    v.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    let time = |name: &str, f: &dyn Fn(&Incident) -> Option<chrono::DateTime<chrono::Utc>>| {
        utc_exact(name, v.iter().map(|x| f(x).as_ref().map(micros_of)).collect())
    };
    let epoch = |name: &str, f: &dyn Fn(&Incident) -> Option<chrono::DateTime<chrono::Utc>>| {
        Column::new(name.into(), v.iter().map(|x| f(x).map(|t| t.timestamp())).collect::<Vec<Option<i64>>>())
    };
    let columns = vec![
        Column::new("id".into(), v.iter().map(|x| x.id.as_str()).collect::<Vec<_>>()),
        Column::new("title".into(), v.iter().map(|x| x.title.as_str()).collect::<Vec<_>>()),
        Column::new("severity".into(), v.iter().map(|x| x.severity).collect::<Vec<Option<i32>>>()),
        string_lists("services", v.iter().map(|x| x.services.iter().map(String::as_str).collect())),
        time("started_at", &|x| Some(x.started_at)),
        epoch("started_epoch", &|x| Some(x.started_at)),
        time("detected_at", &|x| x.detected_at),
        epoch("detected_epoch", &|x| x.detected_at),
        time("mitigated_at", &|x| x.mitigated_at),
        epoch("mitigated_epoch", &|x| x.mitigated_at),
        time("resolved_at", &|x| x.resolved_at),
        epoch("resolved_epoch", &|x| x.resolved_at),
        Column::new(
            "impact_seconds".into(),
            v.iter()
                .map(|x| x.mitigated_at.or(x.resolved_at).map(|end| (end - x.started_at).num_seconds()))
                .collect::<Vec<Option<i64>>>(),
        ),
        Column::new(
            "customers_affected".into(),
            v.iter().map(|x| x.customers_affected).collect::<Vec<Option<i64>>>(),
        ),
        Column::new("source".into(), v.iter().map(|x| x.source.as_str()).collect::<Vec<_>>()),
        Column::new("origin".into(), v.iter().map(|x| x.origin.as_str()).collect::<Vec<_>>()),
    ];
    DataFrame::new(v.len(), columns).map_err(|e| store_error(names::INCIDENTS, e))
}

/// The `timeline_events` table: one row per entry, sorted by incident, time, position.
pub fn timeline_frame(incidents: &[Incident]) -> Result<DataFrame> {
    let mut rows: Vec<(&str, i64, &crate::model::TimelineEvent)> = incidents
        .iter()
        .flat_map(|i| i.timeline.iter().enumerate().map(move |(n, e)| (i.id.as_str(), n as i64, e)))
        .collect();
    rows.sort_by(|a, b| (a.0, a.2.at, a.1).cmp(&(b.0, b.2.at, b.1)));
    let columns = vec![
        Column::new("incident_id".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new("position".into(), rows.iter().map(|r| r.1).collect::<Vec<i64>>()),
        utc_exact("at", rows.iter().map(|r| Some(micros_of(&r.2.at))).collect()),
        Column::new("at_epoch".into(), rows.iter().map(|r| r.2.at.timestamp()).collect::<Vec<i64>>()),
        Column::new("kind".into(), rows.iter().map(|r| r.2.kind.as_str()).collect::<Vec<_>>()),
        Column::new("text".into(), rows.iter().map(|r| r.2.text.as_str()).collect::<Vec<_>>()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::TIMELINE_EVENTS, e))
}

/// The `services` table, sorted by name.
pub fn services_frame(services: &[Service]) -> Result<DataFrame> {
    let mut v: Vec<&Service> = services.iter().collect();
    v.sort();
    let text = |name: &str, f: &dyn Fn(&Service) -> Option<&str>| {
        Column::new(name.into(), v.iter().map(|x| f(x)).collect::<Vec<Option<&str>>>())
    };
    let columns = vec![
        text("name", &|x| Some(&x.name)),
        text("kind", &|x| Some(&x.kind)),
        text("system", &|x| x.system.as_deref()),
        text("owner", &|x| x.owner.as_deref()),
        Column::new("tier".into(), v.iter().map(|x| x.tier).collect::<Vec<Option<i32>>>()),
        text("lifecycle", &|x| x.lifecycle.as_deref()),
        text("repo", &|x| x.repo.as_deref()),
        text("path", &|x| x.path.as_deref()),
        string_lists("aliases", v.iter().map(|x| x.aliases.iter().map(String::as_str).collect())),
    ];
    DataFrame::new(v.len(), columns).map_err(|e| store_error(names::SERVICES, e))
}

/// The `service_deps` table, sorted.
pub fn service_deps_frame(deps: &[ServiceDep]) -> Result<DataFrame> {
    let mut v: Vec<&ServiceDep> = deps.iter().collect();
    v.sort();
    let columns = vec![
        Column::new("service".into(), v.iter().map(|x| x.service.as_str()).collect::<Vec<_>>()),
        Column::new("depends_on".into(), v.iter().map(|x| x.depends_on.as_str()).collect::<Vec<_>>()),
        Column::new("via".into(), v.iter().map(|x| x.via.as_str()).collect::<Vec<_>>()),
    ];
    DataFrame::new(v.len(), columns).map_err(|e| store_error(names::SERVICE_DEPS, e))
}

/// The `rejects` table, sorted by file and position.
pub fn rejects_frame(rejects: &[Reject]) -> Result<DataFrame> {
    let mut v: Vec<&Reject> = rejects.iter().collect();
    v.sort();
    let columns = vec![
        Column::new("file".into(), v.iter().map(|x| x.file.as_str()).collect::<Vec<_>>()),
        Column::new("position".into(), v.iter().map(|x| x.position.as_str()).collect::<Vec<_>>()),
        Column::new("field".into(), v.iter().map(|x| x.field.as_deref()).collect::<Vec<Option<&str>>>()),
        Column::new("message".into(), v.iter().map(|x| x.message.as_str()).collect::<Vec<_>>()),
    ];
    DataFrame::new(v.len(), columns).map_err(|e| store_error(names::REJECTS, e))
}

/// Deploys back from the `deploys` table, in its order (start, then id).
pub fn deploys_from_frame(frame: &DataFrame) -> Result<Vec<Deploy>> {
    let t = names::DEPLOYS;
    let s = |n: &str| strings(frame, t, n);
    let (id, service, environment, repo, sha) =
        (s("id")?, s("service")?, s("environment")?, s("repo")?, s("sha")?);
    let (status, kind, rollback_of, actor, source, origin) =
        (s("status")?, s("kind")?, s("rollback_of")?, s("actor")?, s("source")?, s("origin")?);
    let (started, finished) = (ints(frame, t, "started_at")?, ints(frame, t, "finished_at")?);
    let instant = |micros: Option<i64>| micros.and_then(DateTime::from_timestamp_micros);
    let bad = |column: &str, value: &str| Error::Store {
        path: format!("{t}.parquet").into(),
        message: format!(
            "`{column}` holds {value:?}, which this version does not know; run `faultline ingest --rebuild`"
        ),
    };
    let mut out = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let status_text = status[i].clone().unwrap_or_default();
        let status =
            [DeployStatus::Success, DeployStatus::Failure, DeployStatus::InProgress, DeployStatus::Cancelled]
                .into_iter()
                .find(|s| s.as_str() == status_text)
                .ok_or_else(|| bad("status", &status_text))?;
        let kind_text = kind[i].clone().unwrap_or_default();
        let kind = [DeployKind::Deploy, DeployKind::Rollback]
            .into_iter()
            .find(|k| k.as_str() == kind_text)
            .ok_or_else(|| bad("kind", &kind_text))?;
        out.push(Deploy {
            id: id[i].clone().unwrap_or_default(),
            service: service[i].clone().unwrap_or_default(),
            environment: environment[i].clone().unwrap_or_default(),
            repo: repo[i].clone(),
            sha: sha[i].clone(),
            started_at: instant(started[i]).ok_or_else(|| bad("started_at", "null"))?,
            finished_at: instant(finished[i]),
            status,
            kind,
            rollback_of: rollback_of[i].clone(),
            actor: actor[i].clone(),
            source: source[i].clone().unwrap_or_default(),
            origin: origin[i].clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Catalog services back from the `services` table (name, repository and path are what the
/// analyses use; the rest is carried along).
pub fn services_from_frame(frame: &DataFrame) -> Result<Vec<Service>> {
    let t = names::SERVICES;
    let s = |n: &str| strings(frame, t, n);
    let (name, kind, system, owner, lifecycle, repo, path) =
        (s("name")?, s("kind")?, s("system")?, s("owner")?, s("lifecycle")?, s("repo")?, s("path")?);
    let tier = ints(frame, t, "tier")?;
    let aliases = lists(frame, t, "aliases")?;
    Ok((0..frame.height())
        .map(|i| Service {
            name: name[i].clone().unwrap_or_default(),
            kind: kind[i].clone().unwrap_or_default(),
            system: system[i].clone(),
            owner: owner[i].clone(),
            tier: tier[i].map(|t| t as i32),
            lifecycle: lifecycle[i].clone(),
            repo: repo[i].clone(),
            path: path[i].clone(),
            aliases: aliases[i].clone(),
        })
        .collect())
}

/// The `deploy_commits` table, in the order given (deploys by start, each one's commits
/// newest first).
pub fn deploy_commits_frame(rows: &[crate::model::DeployCommit]) -> Result<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&crate::model::DeployCommit) -> &str| {
        Column::new(name.into(), rows.iter().map(|x| f(x)).collect::<Vec<&str>>())
    };
    let columns = vec![
        text("deploy_id", &|x| &x.deploy_id),
        text("service", &|x| &x.service),
        text("environment", &|x| &x.environment),
        text("repo", &|x| &x.repo),
        text("sha", &|x| &x.sha),
        Column::new("position".into(), rows.iter().map(|x| x.position).collect::<Vec<i32>>()),
        utc_exact("deployed_at", rows.iter().map(|x| Some(micros_of(&x.deployed_at))).collect()),
        Column::new(
            "deployed_epoch".into(),
            rows.iter().map(|x| x.deployed_at.timestamp()).collect::<Vec<i64>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::DEPLOY_COMMITS, e))
}

/// Incidents back from the `incidents` and `timeline_events` tables.
pub fn incidents_from_frames(incidents: &DataFrame, timeline: &DataFrame) -> Result<Vec<Incident>> {
    let t = names::INCIDENTS;
    let s = |n: &str| strings(incidents, t, n);
    let i = |n: &str| ints(incidents, t, n);
    let (id, title, source, origin) = (s("id")?, s("title")?, s("source")?, s("origin")?);
    let services = lists(incidents, t, "services")?;
    let (severity, customers) = (i("severity")?, i("customers_affected")?);
    let (started, detected, mitigated, resolved) =
        (i("started_at")?, i("detected_at")?, i("mitigated_at")?, i("resolved_at")?);
    let instant = |micros: Option<i64>| micros.and_then(DateTime::from_timestamp_micros);

    let tt = names::TIMELINE_EVENTS;
    let (owner, kind, text, at) = (
        strings(timeline, tt, "incident_id")?,
        strings(timeline, tt, "kind")?,
        strings(timeline, tt, "text")?,
        ints(timeline, tt, "at")?,
    );
    let mut events: BTreeMap<String, Vec<crate::model::TimelineEvent>> = BTreeMap::new();
    for k in 0..timeline.height() {
        let Some(at) = instant(at[k]) else { continue };
        events.entry(owner[k].clone().unwrap_or_default()).or_default().push(crate::model::TimelineEvent {
            at,
            kind: kind[k].clone().unwrap_or_default(),
            text: text[k].clone().unwrap_or_default(),
        });
    }
    let mut out = Vec::with_capacity(incidents.height());
    for k in 0..incidents.height() {
        let id = id[k].clone().unwrap_or_default();
        let Some(started_at) = instant(started[k]) else {
            return Err(Error::Store {
                path: format!("{t}.parquet").into(),
                message: format!("incident {id:?} has no started_at; run `faultline ingest --rebuild`"),
            });
        };
        out.push(Incident {
            timeline: events.remove(&id).unwrap_or_default(),
            id,
            title: title[k].clone().unwrap_or_default(),
            severity: severity[k].map(|s| s as i32),
            services: services[k].clone(),
            started_at,
            detected_at: instant(detected[k]),
            mitigated_at: instant(mitigated[k]),
            resolved_at: instant(resolved[k]),
            customers_affected: customers[k],
            source: source[k].clone().unwrap_or_default(),
            origin: origin[k].clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Dependencies back from the `service_deps` table.
pub fn service_deps_from_frame(frame: &DataFrame) -> Result<Vec<ServiceDep>> {
    let t = names::SERVICE_DEPS;
    let (service, depends_on, via) =
        (strings(frame, t, "service")?, strings(frame, t, "depends_on")?, strings(frame, t, "via")?);
    Ok((0..frame.height())
        .map(|k| ServiceDep {
            service: service[k].clone().unwrap_or_default(),
            depends_on: depends_on[k].clone().unwrap_or_default(),
            via: via[k].clone().unwrap_or_default(),
        })
        .collect())
}

/// The `suspects` table: per incident, its suspects by rank (deploys, then commits, then the
/// share of "no change at fault").
pub fn suspects_frame(rows: &[crate::model::Suspect]) -> Result<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&crate::model::Suspect) -> Option<&str>| {
        Column::new(name.into(), rows.iter().map(|x| f(x)).collect::<Vec<Option<&str>>>())
    };
    let columns = vec![
        text("incident_id", &|x| Some(&x.incident_id)),
        text("kind", &|x| Some(x.kind.as_str())),
        Column::new("rank".into(), rows.iter().map(|x| x.rank).collect::<Vec<i32>>()),
        text("deploy_id", &|x| x.deploy_id.as_deref()),
        text("service", &|x| x.service.as_deref()),
        text("repo", &|x| x.repo.as_deref()),
        text("sha", &|x| x.sha.as_deref()),
        Column::new("probability".into(), rows.iter().map(|x| x.probability).collect::<Vec<f64>>()),
        Column::new("score".into(), rows.iter().map(|x| x.score).collect::<Vec<f64>>()),
        string_lists("evidence", rows.iter().map(|x| x.evidence.iter().map(String::as_str).collect())),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::SUSPECTS, e))
}

/// Suspects back from the `suspects` table.
pub fn suspects_from_frame(frame: &DataFrame) -> Result<Vec<crate::model::Suspect>> {
    let t = names::SUSPECTS;
    let s = |n: &str| strings(frame, t, n);
    let (incident, kind, deploy, service, repo, sha) =
        (s("incident_id")?, s("kind")?, s("deploy_id")?, s("service")?, s("repo")?, s("sha")?);
    let rank = ints(frame, t, "rank")?;
    let evidence = lists(frame, t, "evidence")?;
    let floats = |name: &str| -> Result<Vec<Option<f64>>> {
        let col = column(frame, t, name)?;
        Ok(col.f64().map_err(|e| store_error(t, e))?.iter().collect())
    };
    let (probability, score) = (floats("probability")?, floats("score")?);
    Ok((0..frame.height())
        .map(|k| crate::model::Suspect {
            incident_id: incident[k].clone().unwrap_or_default(),
            kind: crate::model::SuspectKind::parse(kind[k].as_deref().unwrap_or_default()),
            rank: rank[k].unwrap_or_default() as i32,
            deploy_id: deploy[k].clone(),
            service: service[k].clone(),
            repo: repo[k].clone(),
            sha: sha[k].clone(),
            probability: probability[k].unwrap_or_default(),
            score: score[k].unwrap_or_default(),
            evidence: evidence[k].clone(),
        })
        .collect())
}

/// The `szz_links` table: one row per line a fix changed and the commit that wrote it.
pub fn szz_links_frame(rows: &[crate::model::SzzLine]) -> Result<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&crate::model::SzzLine) -> &str| {
        Column::new(name.into(), rows.iter().map(|x| f(x)).collect::<Vec<&str>>())
    };
    let columns = vec![
        text("incident_id", &|x| &x.incident_id),
        text("repo", &|x| &x.repo),
        text("fix_sha", &|x| &x.fix_sha),
        text("blamed_sha", &|x| &x.blamed_sha),
        text("path", &|x| &x.path),
        Column::new("line".into(), rows.iter().map(|x| x.line).collect::<Vec<i32>>()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::SZZ_LINKS, e))
}

/// The `blast_radius` table: one row per commit, by realized then potential blast radius.
pub fn blast_radius_frame(rows: &[crate::analyze::blast_radius::Radius]) -> Result<DataFrame> {
    let columns = vec![
        Column::new("repo".into(), rows.iter().map(|r| r.repo.as_str()).collect::<Vec<_>>()),
        Column::new("sha".into(), rows.iter().map(|r| r.sha.as_str()).collect::<Vec<_>>()),
        Column::new("blast_radius".into(), rows.iter().map(|r| r.blast_radius).collect::<Vec<f64>>()),
        Column::new(
            "potential_blast_radius".into(),
            rows.iter().map(|r| r.potential_blast_radius).collect::<Vec<f64>>(),
        ),
        string_lists(
            "incident_ids",
            rows.iter().map(|r| r.incidents.iter().map(|(id, _)| id.as_str()).collect()),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::BLAST_RADIUS, e))
}

/// The (repo, sha) of the AI-origin commits in `provenance` (its `repo`, `sha` and `origin`
/// columns suffice).
pub fn ai_commits_from_frame(frame: &DataFrame) -> Result<std::collections::HashSet<(String, String)>> {
    let t = names::PROVENANCE;
    let (repo, sha, origin) =
        (strings(frame, t, "repo")?, strings(frame, t, "sha")?, strings(frame, t, "origin")?);
    Ok(repo
        .into_iter()
        .zip(sha)
        .zip(origin)
        .filter(|(_, origin)| origin.as_deref() == Some(crate::provenance_report::Origin::Ai.as_str()))
        .map(|((repo, sha), _)| (repo.unwrap_or_default(), sha.unwrap_or_default()))
        .collect())
}

/// The `deploy_facts` table: one row per production deploy that shipped commits, by start.
pub fn deploy_facts_frame(rows: &[crate::analyze::deploy_facts::DeployFact]) -> Result<DataFrame> {
    use crate::analyze::dora::Group;
    let mut leads = ListPrimitiveChunkedBuilder::<Float64Type>::new(
        "lead_minutes".into(),
        rows.len(),
        rows.iter().map(|r| r.facts.lead_minutes.len()).sum(),
        DataType::Float64,
    );
    for row in rows {
        leads.append_slice(&row.facts.lead_minutes);
    }
    let columns = vec![
        Column::new("deploy_id".into(), rows.iter().map(|r| r.deploy_id.as_str()).collect::<Vec<_>>()),
        Column::new("service".into(), rows.iter().map(|r| r.service.as_str()).collect::<Vec<_>>()),
        utc_exact("started_at", rows.iter().map(|r| Some(micros_of(&r.started_at))).collect()),
        Column::new("ai".into(), rows.iter().map(|r| r.facts.group == Group::Ai).collect::<Vec<bool>>()),
        Column::new("commits".into(), rows.iter().map(|r| r.commits as i64).collect::<Vec<i64>>()),
        leads.finish().into_column(),
        Column::new("failed".into(), rows.iter().map(|r| r.facts.failed).collect::<Vec<bool>>()),
        Column::new(
            "restore_minutes".into(),
            rows.iter().map(|r| r.facts.restore_minutes).collect::<Vec<Option<f64>>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| store_error(names::DEPLOY_FACTS, e))
}

/// The `deploy_facts` table back as records, in its order.
pub fn deploy_facts_from_frame(frame: &DataFrame) -> Result<Vec<crate::analyze::deploy_facts::DeployFact>> {
    use crate::analyze::dora::{DeployFacts, Group};
    let t = names::DEPLOY_FACTS;
    let (mut id, mut service) = (strings(frame, t, "deploy_id")?, strings(frame, t, "service")?);
    let started = ints(frame, t, "started_at")?;
    let (ai, failed) = (bools(frame, t, "ai")?, bools(frame, t, "failed")?);
    let commits = ints(frame, t, "commits")?;
    let restore: Vec<Option<f64>> =
        column(frame, t, "restore_minutes")?.f64().map_err(|e| store_error(t, e))?.iter().collect();
    let leads_col = column(frame, t, "lead_minutes")?;
    let mut leads: Vec<Vec<f64>> = Vec::with_capacity(frame.height());
    for item in leads_col.list().map_err(|e| store_error(t, e))?.amortized_iter() {
        leads.push(match item {
            Some(series) => series.as_ref().f64().map_err(|e| store_error(t, e))?.iter().flatten().collect(),
            None => Vec::new(),
        });
    }
    Ok((0..frame.height())
        .map(|k| crate::analyze::deploy_facts::DeployFact {
            deploy_id: id[k].take().unwrap_or_default(),
            service: service[k].take().unwrap_or_default(),
            started_at: started[k].and_then(DateTime::from_timestamp_micros).unwrap_or_default(),
            commits: commits[k].unwrap_or(0).max(0) as usize,
            facts: DeployFacts {
                group: if ai[k].unwrap_or(false) { Group::Ai } else { Group::Human },
                lead_minutes: std::mem::take(&mut leads[k]),
                failed: failed[k].unwrap_or(false),
                restore_minutes: restore[k],
            },
        })
        .collect())
}

/// `(repo, sha, realized, potential)` back from the `blast_radius` table, in its order.
pub fn blast_radius_from_frame(frame: &DataFrame) -> Result<Vec<(String, String, f64, f64)>> {
    let t = names::BLAST_RADIUS;
    let (repo, sha) = (strings(frame, t, "repo")?, strings(frame, t, "sha")?);
    let floats = |name: &str| -> Result<Vec<Option<f64>>> {
        Ok(column(frame, t, name)?.f64().map_err(|e| store_error(t, e))?.iter().collect())
    };
    let (realized, potential) = (floats("blast_radius")?, floats("potential_blast_radius")?);
    Ok((0..frame.height())
        .map(|k| {
            (
                repo[k].clone().unwrap_or_default(),
                sha[k].clone().unwrap_or_default(),
                realized[k].unwrap_or_default(),
                potential[k].unwrap_or_default(),
            )
        })
        .collect())
}

/// The `deploy_commits` table back as records, in its order.
pub fn deploy_commits_from_frame(frame: &DataFrame) -> Result<Vec<crate::model::DeployCommit>> {
    let t = names::DEPLOY_COMMITS;
    let s = |n: &str| strings(frame, t, n);
    let (mut deploy, mut service, mut environment) = (s("deploy_id")?, s("service")?, s("environment")?);
    let (mut repo, mut sha) = (s("repo")?, s("sha")?);
    let (position, at) = (ints(frame, t, "position")?, ints(frame, t, "deployed_epoch")?);
    Ok((0..frame.height())
        .map(|k| crate::model::DeployCommit {
            deploy_id: deploy[k].take().unwrap_or_default(),
            service: service[k].take().unwrap_or_default(),
            environment: environment[k].take().unwrap_or_default(),
            repo: repo[k].take().unwrap_or_default(),
            sha: sha[k].take().unwrap_or_default(),
            position: position[k].unwrap_or(0) as i32,
            deployed_at: DateTime::from_timestamp(at[k].unwrap_or(0), 0).unwrap_or_default(),
        })
        .collect())
}

/// The `szz_links` table back as records, in its order.
pub fn szz_links_from_frame(frame: &DataFrame) -> Result<Vec<crate::model::SzzLine>> {
    let t = names::SZZ_LINKS;
    let s = |n: &str| strings(frame, t, n);
    let (mut incident, mut repo, mut fix) = (s("incident_id")?, s("repo")?, s("fix_sha")?);
    let (mut blamed, mut path, line) = (s("blamed_sha")?, s("path")?, ints(frame, t, "line")?);
    Ok((0..frame.height())
        .map(|k| crate::model::SzzLine {
            incident_id: incident[k].take().unwrap_or_default(),
            repo: repo[k].take().unwrap_or_default(),
            fix_sha: fix[k].take().unwrap_or_default(),
            blamed_sha: blamed[k].take().unwrap_or_default(),
            path: path[k].take().unwrap_or_default(),
            line: line[k].unwrap_or(0) as i32,
        })
        .collect())
}

/// What the reports need of a commit (see [`COMMIT_REPORT_COLUMNS`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitBrief {
    /// Repository.
    pub repo: String,
    /// Commit id.
    pub sha: String,
    /// First line of the message.
    pub subject: String,
    /// Author's name.
    pub author_name: String,
    /// Author's address.
    pub author_email: String,
    /// When it was committed.
    pub committed_at: DateTime<Utc>,
    /// Its trailers, in message order.
    pub trailers: Vec<Trailer>,
    /// Lines added.
    pub added_lines: i64,
    /// Lines deleted.
    pub deleted_lines: i64,
}

/// The columns of `commits` that [`commit_briefs_from_frame`] reads.
pub const COMMIT_REPORT_COLUMNS: &[&str] = &[
    "repo",
    "sha",
    "subject",
    "author_name",
    "author_email",
    "committer_epoch",
    "trailer_keys",
    "trailer_values",
    "added_lines",
    "deleted_lines",
];

/// Commits without their bodies and files, from [`COMMIT_REPORT_COLUMNS`].
pub fn commit_briefs_from_frame(frame: &DataFrame) -> Result<Vec<CommitBrief>> {
    let t = names::COMMITS;
    let s = |n: &str| strings(frame, t, n);
    let (mut repo, mut sha, mut subject) = (s("repo")?, s("sha")?, s("subject")?);
    let (mut name, mut email) = (s("author_name")?, s("author_email")?);
    let at = ints(frame, t, "committer_epoch")?;
    let (keys, values) = (lists(frame, t, "trailer_keys")?, lists(frame, t, "trailer_values")?);
    let (added, deleted) = (ints(frame, t, "added_lines")?, ints(frame, t, "deleted_lines")?);
    Ok((0..frame.height())
        .map(|k| CommitBrief {
            repo: repo[k].take().unwrap_or_default(),
            sha: sha[k].take().unwrap_or_default(),
            subject: subject[k].take().unwrap_or_default(),
            author_name: name[k].take().unwrap_or_default(),
            author_email: email[k].take().unwrap_or_default(),
            committed_at: DateTime::from_timestamp(at[k].unwrap_or(0), 0).unwrap_or_default(),
            trailers: keys[k]
                .iter()
                .zip(&values[k])
                .map(|(key, value)| Trailer { key: key.clone(), value: value.clone() })
                .collect(),
            added_lines: added[k].unwrap_or(0),
            deleted_lines: deleted[k].unwrap_or(0),
        })
        .collect())
}
