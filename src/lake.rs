//! The lake: faultline's tables as a folder of Hive-partitioned Parquet files that N mining
//! jobs (shards) write side by side and that Spark, Trino, DuckDB, DataFusion and Ballista read
//! as they are.
//!
//! ```text
//! <lake>/commits/repo_bucket=b017/part-s001of004-g000003.parquet   a repository table
//! <lake>/deploys/part-s000of004-g000003.parquet                     a table of the sources
//! <lake>/_shards/s001of004.json                                     shard 1's manifest
//! <lake>/_work/s001of004/                                           shard 1's working store
//! <lake>/_staging/s001of004-g000003/                                files not yet published
//! ```
//!
//! Each repository falls in one of [`BUCKETS`] buckets, a stable hash of its name, and bucket
//! `b` belongs to shard `b mod N`: shard I of N mines only its repositories and writes only
//! files named after itself, so two shards never write the same file. The repository tables
//! (`commits`, `commit_files`, `merge_files`, `provenance`, `commit_order`) are partitioned by bucket, the key
//! kept out of the files (the `repo` column is in them); the tables read from the deploy logs,
//! incident exports and catalog are written by shard 0, unpartitioned.
//!
//! Append-only: a run adds files and never changes one. The commit tables get a file with the
//! commits this shard had not published before (history a force-push removed stays in the lake:
//! a commit that was deployed remains evidence). Four things replace files instead, the old
//! ones deleted once the new manifest is in place: the source tables (shard 0 reads the exports
//! whole each time), `provenance` when its inputs changed (new rules, new notes),
//! `commit_order` on every run (a branch merged late lands late, and a rewritten `HEAD`
//! renumbers the mainline), and every table of a shard run with `--rebuild`.
//!
//! Publishing: the run writes its files under `_staging/`, moves each into place with one
//! `rename`, then replaces its manifest the same way. A manifest lists every file of its shard;
//! faultline reads only the files a manifest lists, so a run that died mid-way changes nothing
//! faultline sees, and rerunning that shard alone removes what it left.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions, IngestReport, Progress, SourceMode};
use crate::store::{read_parquet_columns, read_parquet_files, Store};
use crate::tables::names;

/// How many buckets repositories are hashed into; a lake is mined in at most this many shards.
pub const BUCKETS: u32 = 256;

/// The tables partitioned by repository bucket.
pub const REPO_TABLES: [&str; 5] =
    [names::COMMITS, names::COMMIT_FILES, names::MERGE_FILES, names::PROVENANCE, names::COMMIT_ORDER];

/// The tables shard 0 writes from the deploy logs, incident exports and catalog.
pub const SOURCE_TABLES: [&str; 6] = [
    names::DEPLOYS,
    names::INCIDENTS,
    names::TIMELINE_EVENTS,
    names::SERVICES,
    names::SERVICE_DEPS,
    names::REJECTS,
];

/// The tables `faultline analyze --lake` writes back into the lake, unpartitioned.
pub const ANALYSIS_TABLES: [&str; 5] =
    [names::DEPLOY_COMMITS, names::SUSPECTS, names::SZZ_LINKS, names::BLAST_RADIUS, names::DEPLOY_FACTS];

/// The layout version written in every manifest.
const MANIFEST_FORMAT: u32 = 1;

/// The bucket of a repository: the low bits of the XXH3 hash of its name, stable across
/// versions, machines and configs.
pub fn repo_bucket(repo: &str) -> u32 {
    (xxhash_rust::xxh3::xxh3_64(repo.as_bytes()) % u64::from(BUCKETS)) as u32
}

/// The partition folder of a bucket: `repo_bucket=b017` (letter-prefixed, so no engine reads
/// the value as a number).
pub fn bucket_dir(bucket: u32) -> String {
    format!("repo_bucket=b{bucket:03}")
}

/// One shard of N: `I/N` on the command line, I counted from 0 (a Kubernetes Indexed Job's
/// `JOB_COMPLETION_INDEX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shard {
    /// Which shard, 0 to `count - 1`.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// The whole lake in one shard.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether this shard mines `repo`.
    pub fn owns(&self, repo: &str) -> bool {
        repo_bucket(repo) % self.count == self.index
    }

    /// The name in its files and manifest: `s001of004`.
    pub fn tag(&self) -> String {
        format!("s{:03}of{:03}", self.index, self.count)
    }

    /// Whether this shard writes the tables of the sources.
    pub fn reads_sources(&self) -> bool {
        self.index == 0
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Shard, String> {
        let expected = format!("expected I/N with 0 <= I < N <= {BUCKETS}, e.g. 0/4");
        let (index, count) = text.split_once('/').ok_or_else(|| format!("`{text}`: {expected}"))?;
        let index: u32 = index.trim().parse().map_err(|_| format!("`{text}`: {expected}"))?;
        let count: u32 = count.trim().parse().map_err(|_| format!("`{text}`: {expected}"))?;
        if count == 0 || count > BUCKETS || index >= count {
            return Err(format!("`{text}`: {expected}"));
        }
        Ok(Shard { index, count })
    }
}

/// What a shard has published: `_shards/<tag>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The layout version.
    pub format: u32,
    /// The shard's index.
    pub shard: u32,
    /// How many shards the lake is mined in.
    pub shards: u32,
    /// How many runs of this shard have published; part of every file name it writes.
    pub generation: u64,
    /// The faultline version that wrote it.
    pub faultline: String,
    /// The repositories the shard mined, sorted.
    pub repos: Vec<String>,
    /// The fingerprint of what the published provenance was computed from.
    pub provenance_inputs: String,
    /// Every file of the shard, by table, relative to the lake, sorted.
    pub files: BTreeMap<String, Vec<String>>,
}

impl Manifest {
    fn shard(&self) -> Shard {
        Shard { index: self.shard, count: self.shards }
    }
}

/// A lake folder.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

/// What one shard's ingest did.
#[derive(Debug, Clone)]
pub struct ShardReport {
    /// The shard.
    pub shard: Shard,
    /// Its generation now.
    pub generation: u64,
    /// The ingest of its repositories (and, for shard 0, the sources).
    pub ingest: IngestReport,
    /// Files published, relative to the lake, sorted.
    pub written: Vec<String>,
    /// Files removed because new ones replace them.
    pub replaced: usize,
    /// Files a failed earlier run of this shard left, removed.
    pub cleaned: usize,
}

/// A lake whose every shard has published.
#[derive(Debug, Clone)]
pub struct Complete {
    /// The manifests, by shard.
    pub manifests: Vec<Manifest>,
    /// Parquet files in the lake that no manifest lists (left by a run that died between
    /// moving its files into place and writing its manifest); never read.
    pub unlisted: Vec<String>,
}

impl Complete {
    /// The configured repositories no shard mined (added to the config after the shards ran),
    /// sorted.
    pub fn unmined<'a>(&self, config: &'a Config) -> Vec<&'a str> {
        let mined: BTreeSet<&str> =
            self.manifests.iter().flat_map(|m| m.repos.iter().map(String::as_str)).collect();
        let mut unmined: Vec<&str> =
            config.repos.iter().map(|r| r.name.as_str()).filter(|r| !mined.contains(r)).collect();
        unmined.sort();
        unmined
    }

    /// Every file of `table`, relative to the lake, in shard order.
    pub fn files(&self, table: &str) -> Vec<&str> {
        self.manifests
            .iter()
            .flat_map(|m| m.files.get(table).into_iter().flatten().map(String::as_str))
            .collect()
    }
}

impl Lake {
    /// The lake at `root` (it need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Lake {
        Lake { root: root.into() }
    }

    /// The lake folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn manifest_path(&self, shard: Shard) -> PathBuf {
        self.root.join("_shards").join(format!("{}.json", shard.tag()))
    }

    /// The working store of a shard: what it mined, so its next run reads only new commits.
    pub fn work_store(&self, shard: Shard) -> Store {
        Store::new(self.root.join("_work").join(shard.tag()))
    }

    /// Every manifest in the lake, by shard.
    pub fn manifests(&self) -> Result<Vec<Manifest>> {
        let dir = self.root.join("_shards");
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut manifests = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            manifests.push(read_manifest(&entry.path())?);
        }
        manifests.sort_by_key(Manifest::shard);
        Ok(manifests)
    }

    /// The lake, checked whole: every shard of one sharding has published. A missing shard, or
    /// shards of two different shardings, is an error naming them.
    pub fn complete(&self) -> Result<Complete> {
        let manifests = self.manifests()?;
        let Some(first) = manifests.first() else {
            return Err(Error::Usage(format!(
                "the lake {} holds no shard; run `faultline ingest --lake {} --shard I/N` for each shard first",
                self.root.display(),
                self.root.display()
            )));
        };
        let count = first.shards;
        let counts: BTreeSet<u32> = manifests.iter().map(|m| m.shards).collect();
        if counts.len() > 1 {
            let list: Vec<String> = counts.iter().map(|n| format!("{n}")).collect();
            return Err(Error::Usage(format!(
                "the lake {} was mined in {} different shard counts ({}); one lake is mined in one number of shards",
                self.root.display(),
                counts.len(),
                list.join(", ")
            )));
        }
        let present: BTreeSet<u32> = manifests.iter().map(|m| m.shard).collect();
        let missing: Vec<Shard> =
            (0..count).filter(|i| !present.contains(i)).map(|index| Shard { index, count }).collect();
        if !missing.is_empty() {
            let list = |f: &dyn Fn(&Shard) -> String| missing.iter().map(f).collect::<Vec<_>>().join(", ");
            return Err(Error::Usage(format!(
                "the lake {} is incomplete: shard(s) {} of {count} have not published (no {}); run `faultline ingest --lake {} --shard I/{count}` for each",
                self.root.display(),
                list(&|s| s.to_string()),
                list(&|s| format!("_shards/{}.json", s.tag())),
                self.root.display()
            )));
        }
        let listed: BTreeSet<&str> =
            manifests.iter().flat_map(|m| m.files.values().flatten().map(String::as_str)).collect();
        let unlisted = self.parquet_files()?.into_iter().filter(|f| !listed.contains(f.as_str())).collect();
        Ok(Complete { manifests, unlisted })
    }

    /// Every `*.parquet` file under the folders of the mined tables, relative to the lake,
    /// sorted (the analysis tables have a manifest of their own and are never read back).
    fn parquet_files(&self) -> Result<Vec<String>> {
        let mut files = Vec::new();
        for table in REPO_TABLES.iter().chain(&SOURCE_TABLES) {
            let dir = self.root.join(table);
            if dir.is_dir() {
                collect_parquet(&self.root, &dir, &mut files)?;
            }
        }
        files.sort();
        Ok(files)
    }

    /// Read every listed file of `table` into one frame; `None` when no shard wrote it.
    pub fn read(&self, complete: &Complete, table: &str) -> Result<Option<DataFrame>> {
        let files: Vec<PathBuf> = complete.files(table).iter().map(|f| self.root.join(f)).collect();
        read_parquet_files(&files, table)
    }

    /// The tables of the lake, as an engine reads them: the files every shard's manifest lists
    /// and, once `faultline analyze --lake` has published them, the analysis tables.
    pub fn tables(&self, complete: &Complete) -> Result<crate::engine::Tables> {
        let mut tables = crate::engine::Tables::default();
        for table in REPO_TABLES.iter().chain(&SOURCE_TABLES) {
            let files: Vec<PathBuf> = complete.files(table).iter().map(|f| self.root.join(f)).collect();
            tables.insert(table, files)?;
        }
        let path = self.root.join("_analysis.json");
        if path.is_file() {
            for (table, files) in read_manifest(&path)?.files {
                tables.insert(&table, files.iter().map(|f| self.root.join(f)).collect())?;
            }
        }
        Ok(tables)
    }

    /// Publish the analysis tables of `store` into the lake (`suspects/part-analysis-g….parquet`
    /// and the rest), replacing those of the previous analysis, with their manifest
    /// `_analysis.json`; the files written, relative to the lake.
    pub fn publish_analysis(&self, store: &Store) -> Result<Vec<String>> {
        let mut frames = Vec::new();
        for table in ANALYSIS_TABLES {
            if let Some(frame) = store.read(table)? {
                frames.push((table, frame));
            }
        }
        self.publish_frames(frames)
    }

    /// [`Lake::publish_analysis`] of frames in hand (an analysis run on an engine).
    pub fn publish_frames(&self, frames: Vec<(&str, DataFrame)>) -> Result<Vec<String>> {
        let path = self.root.join("_analysis.json");
        let previous = match path.is_file() {
            true => Some(read_manifest(&path)?),
            false => None,
        };
        let generation = previous.as_ref().map_or(0, |m| m.generation) + 1;
        let name = format!("part-analysis-g{generation:06}.parquet");
        let staging = self.root.join("_staging").join(format!("analysis-g{generation:06}"));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        let mut files = BTreeMap::new();
        for (table, mut frame) in frames {
            let relative = format!("{table}/{name}");
            write_parquet(&staging.join(&relative), &mut frame)?;
            files.insert(table.to_string(), vec![relative]);
        }
        for relative in files.values().flatten() {
            let target = self.root.join(relative);
            let parent = target.parent().expect("in a table folder");
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            fs::rename(staging.join(relative), &target).map_err(|e| Error::io(&target, e))?;
        }
        let manifest = Manifest {
            format: MANIFEST_FORMAT,
            shard: 0,
            shards: 1,
            generation,
            faultline: env!("CARGO_PKG_VERSION").to_string(),
            repos: Vec::new(),
            provenance_inputs: String::new(),
            files: files.clone(),
        };
        write_manifest(&path, &manifest)?;
        for relative in previous.iter().flat_map(|m| m.files.values().flatten()) {
            let _ = fs::remove_file(self.root.join(relative));
        }
        let _ = fs::remove_dir_all(&staging);
        let _ = fs::remove_dir(self.root.join("_staging"));
        Ok(files.into_values().flatten().collect())
    }

    /// Copy the whole lake into `store` as one snapshot, for the analyses that read a store.
    pub fn materialize(&self, complete: &Complete, store: &Store) -> Result<()> {
        let mut snapshot = store.begin()?;
        for table in REPO_TABLES.iter().chain(&SOURCE_TABLES) {
            if let Some(mut frame) = self.read(complete, table)? {
                snapshot.put(table, &mut frame)?;
            }
        }
        snapshot.commit()
    }
}

fn collect_parquet(root: &Path, dir: &Path, files: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if path.is_dir() {
            collect_parquet(root, &path, files)?;
        } else if name.ends_with(".parquet") {
            let relative = path.strip_prefix(root).expect("under the root");
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

fn read_manifest(path: &Path) -> Result<Manifest> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: format!("not a faultline lake manifest: {e}"),
    })?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!(
                "lake layout {} (this faultline reads layout {MANIFEST_FORMAT}); mine the lake again with this version",
                manifest.format
            ),
        });
    }
    Ok(manifest)
}

/// Replace the manifest at `path` in one `rename`.
fn write_manifest(path: &Path, manifest: &Manifest) -> Result<()> {
    let dir = path.parent().expect("a manifest is in a folder");
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().expect("a file").to_string_lossy();
    let temporary = dir.join(format!(".{name}.tmp"));
    let text = serde_json::to_string_pretty(manifest).map_err(|e| Error::Internal(e.to_string()))?;
    fs::write(&temporary, text + "\n").map_err(|e| Error::io(&temporary, e))?;
    fs::File::open(&temporary).and_then(|f| f.sync_all()).map_err(|e| Error::io(&temporary, e))?;
    fs::rename(&temporary, path).map_err(|e| Error::io(path, e))
}

/// Write a lake file, its folders made as needed.
fn write_parquet(path: &Path, frame: &mut DataFrame) -> Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    crate::store::write_parquet(path, frame)
}

/// Mine `shard` of the configured repositories into the lake: an incremental ingest into the
/// shard's working store, then its new files published beside the other shards'.
pub fn ingest_shard(
    config: &Config,
    lake: &Lake,
    shard: Shard,
    options: IngestOptions,
    progress: &dyn Progress,
) -> Result<ShardReport> {
    let previous = match lake.manifest_path(shard) {
        path if path.is_file() => Some(read_manifest(&path)?),
        _ => None,
    };
    if let Some(other) = lake.manifests()?.into_iter().find(|m| m.shards != shard.count) {
        return Err(Error::Usage(format!(
            "the lake {} is mined in {} shards (see _shards/{}.json), not {}; use --shard I/{} or a new lake",
            lake.root.display(),
            other.shards,
            other.shard().tag(),
            shard.count,
            other.shards
        )));
    }

    let mut mined = config.clone();
    mined.repos.retain(|r| shard.owns(&r.name));
    let remotes: Vec<(String, Option<String>)>;
    let mode = if shard.reads_sources() {
        remotes = config
            .repos
            .iter()
            .map(|r| Ok((r.name.clone(), ingest::git::remote_url(r)?)))
            .collect::<Result<_>>()?;
        SourceMode::ReadFor(&remotes)
    } else {
        mined.deploys.clear();
        mined.incidents.clear();
        mined.catalog = None;
        SourceMode::Skip
    };
    let work = lake.work_store(shard);
    let report = ingest::ingest_into(&mined, &work, options, progress, mode)?;

    let generation = previous.as_ref().map_or(0, |m| m.generation) + 1;
    let tag = shard.tag();
    let name = format!("part-{tag}-g{generation:06}.parquet");
    let staging = lake.root.join("_staging").join(format!("{tag}-g{generation:06}"));
    let cleaned = clean_failed_runs(lake, shard, previous.as_ref())?;
    fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;

    let inputs = match work.read(names::INGEST_STATE)? {
        Some(frame) => {
            crate::tables::state_from_frame(&frame)?.remove(ingest::PROVENANCE_INPUTS).unwrap_or_default()
        }
        None => String::new(),
    };
    // Tables whose files this run replaces; every other table gets only new rows.
    let fresh = options.rebuild || previous.is_none();
    let replace = |table: &str| -> bool {
        fresh
            || SOURCE_TABLES.contains(&table)
            // A commit merged late lands late, and a rewritten HEAD renumbers the mainline.
            || table == names::COMMIT_ORDER
            || (table == names::PROVENANCE
                && previous.as_ref().is_some_and(|m| m.provenance_inputs != inputs))
    };
    let published = match (&previous, fresh) {
        (Some(manifest), false) => Some(published_keys(lake, manifest)?),
        _ => None,
    };

    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut staged: Vec<String> = Vec::new();
    let mut replaced: Vec<String> = Vec::new();
    for table in REPO_TABLES {
        let keep = previous.as_ref().and_then(|m| m.files.get(table)).cloned().unwrap_or_default();
        let mut listed = if replace(table) {
            replaced.extend(keep);
            Vec::new()
        } else {
            keep
        };
        if let Some(frame) = work.read(table)? {
            let frame = match (&published, replace(table)) {
                (Some(keys), false) => without_keys(frame, keys.clone(), table)?,
                _ => frame,
            };
            for (bucket, mut part) in by_bucket(&frame, table)? {
                let relative = format!("{table}/{}/{name}", bucket_dir(bucket));
                write_parquet(&staging.join(&relative), &mut part)?;
                staged.push(relative.clone());
                listed.push(relative);
            }
        }
        listed.sort();
        files.insert(table.to_string(), listed);
    }
    if shard.reads_sources() {
        for table in SOURCE_TABLES {
            replaced.extend(previous.as_ref().and_then(|m| m.files.get(table)).cloned().unwrap_or_default());
            if let Some(mut frame) = work.read(table)? {
                let relative = format!("{table}/{name}");
                write_parquet(&staging.join(&relative), &mut frame)?;
                staged.push(relative.clone());
                files.insert(table.to_string(), vec![relative]);
            }
        }
    }

    // Publish: each file into place, then the manifest that lists them, then the files they
    // replace go.
    for relative in &staged {
        let target = lake.root.join(relative);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        fs::rename(staging.join(relative), &target).map_err(|e| Error::io(&target, e))?;
    }
    let mut repos: Vec<String> = mined.repos.iter().map(|r| r.name.clone()).collect();
    repos.sort();
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        shard: shard.index,
        shards: shard.count,
        generation,
        faultline: env!("CARGO_PKG_VERSION").to_string(),
        repos,
        provenance_inputs: inputs,
        files,
    };
    write_manifest(&lake.manifest_path(shard), &manifest)?;
    for relative in &replaced {
        let _ = fs::remove_file(lake.root.join(relative));
    }
    let _ = fs::remove_dir_all(&staging);
    let _ = fs::remove_dir(lake.root.join("_staging")); // only when no other shard is staging
    staged.sort();
    Ok(ShardReport { shard, generation, ingest: report, written: staged, replaced: replaced.len(), cleaned })
}

/// Remove what a run of `shard` that died left: its staging folders, and files named after it
/// that its manifest does not list. The number of files removed.
fn clean_failed_runs(lake: &Lake, shard: Shard, manifest: Option<&Manifest>) -> Result<usize> {
    let tag = shard.tag();
    let staging = lake.root.join("_staging");
    if let Ok(entries) = fs::read_dir(&staging) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&format!("{tag}-")) {
                fs::remove_dir_all(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            }
        }
    }
    let listed: BTreeSet<&str> =
        manifest.iter().flat_map(|m| m.files.values().flatten().map(String::as_str)).collect();
    let prefix = format!("part-{tag}-");
    let mut cleaned = 0;
    for file in lake.parquet_files()? {
        let name = file.rsplit('/').next().unwrap_or(&file);
        if name.starts_with(&prefix) && !listed.contains(file.as_str()) {
            let path = lake.root.join(&file);
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            cleaned += 1;
        }
    }
    Ok(cleaned)
}

/// (repo, sha) of every commit the shard has published.
fn published_keys(lake: &Lake, manifest: &Manifest) -> Result<DataFrame> {
    let mut keys = DataFrame::empty_with_schema(&Schema::from_iter([
        Field::new("repo".into(), DataType::String),
        Field::new("sha".into(), DataType::String),
    ]));
    for file in manifest.files.get(names::COMMITS).into_iter().flatten() {
        let path = lake.root.join(file);
        let part = read_parquet_columns(&path, &["repo", "sha"])?;
        keys.vstack_mut_owned(part).map_err(|e| Error::Store { path, message: e.to_string() })?;
    }
    Ok(keys)
}

/// The rows of `frame` whose (repo, sha) is not in `keys`, in their order.
fn without_keys(frame: DataFrame, keys: DataFrame, table: &str) -> Result<DataFrame> {
    let on = [col("repo"), col("sha")];
    let mut args = JoinArgs::new(JoinType::Anti);
    args.maintain_order = MaintainOrderJoin::Left;
    frame
        .lazy()
        .join(keys.lazy(), on.clone(), on, args)
        .collect()
        .map_err(|e| Error::Internal(format!("the new rows of `{table}`: {e}")))
}

/// `frame` split by the bucket of its `repo` column, by bucket.
fn by_bucket(frame: &DataFrame, table: &str) -> Result<Vec<(u32, DataFrame)>> {
    let repos = frame
        .column("repo")
        .and_then(|c| c.str().cloned())
        .map_err(|e| Error::Internal(format!("`{table}` has no text column `repo`: {e}")))?;
    let mut rows: BTreeMap<u32, Vec<IdxSize>> = BTreeMap::new();
    let mut memo: BTreeMap<&str, u32> = BTreeMap::new();
    for (k, repo) in repos.iter().enumerate() {
        let repo = repo.unwrap_or_default();
        let bucket = *memo.entry(repo).or_insert_with(|| repo_bucket(repo));
        rows.entry(bucket).or_default().push(k as IdxSize);
    }
    rows.into_iter()
        .map(|(bucket, rows)| {
            let index = IdxCa::from_vec("rows".into(), rows);
            let part = frame.take(&index).map_err(|e| Error::Internal(format!("`{table}`: {e}")))?;
            Ok((bucket, part))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_reject_what_is_not_one() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        assert_eq!("0/1".parse::<Shard>(), Ok(Shard::ALL));
        for bad in ["4/4", "1", "a/4", "0/0", "0/257", "-1/4", "1/4/2"] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.starts_with(&format!("`{bad}`: expected I/N")), "{bad}: {error}");
        }
    }

    #[test]
    fn buckets_are_stable_and_cover_every_shard() {
        // Pinned: a lake written by one version must be read by the next. The same numbers as
        // Python's `xxhash.xxh3_64_intdigest(name) % 256` (xxhash 4.1.0).
        assert_eq!([repo_bucket("payments"), repo_bucket("auth"), repo_bucket("shop")], [61, 232, 217]);
        assert_eq!(bucket_dir(17), "repo_bucket=b017");
        let names: Vec<String> = (0..2000).map(|k| format!("repo-{k}")).collect();
        let shards: Vec<Shard> = (0..8).map(|index| Shard { index, count: 8 }).collect();
        for name in &names {
            assert_eq!(shards.iter().filter(|s| s.owns(name)).count(), 1, "{name}");
        }
        for shard in &shards {
            let owned = names.iter().filter(|n| shard.owns(n)).count();
            assert!((150..350).contains(&owned), "{shard}: {owned} of 2000");
        }
    }
}
