//! The deploys of every source, merged by id and sorted by start, in memory that does not grow
//! with the input: a deploy log of any length becomes the `deploys` table.
//!
//! Deploys arrive one at a time, in config order and file order. They are held in a buffer of
//! at most [`RUN_RECORDS`]; a full buffer is sorted by id and written to a temporary run file.
//! At the end the runs are merged by id, each id's records folded into its first (a file's own
//! repeats as the canonical format merges them, then one record per file across files, see
//! [`crate::ingest::sources`]), and the merged deploys go through a second such sort, by start
//! and id, whose runs are merged once more as the table is written in batches. An input that
//! fits in one buffer never touches the disk.
//!
//! Memory is bounded by the buffer and one record per run; the disk holds two copies of the
//! deploys, as JSON Lines in a temporary folder that is removed when the table is dropped.

use std::cmp::Ordering;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Deploy, Reject};

/// Records a buffer holds before it is sorted and written as a run (about 100 MB of deploys).
pub const RUN_RECORDS: usize = 100_000;

/// Records of one batch handed to the table writer.
pub const BATCH_RECORDS: usize = 65_536;

/// A deploy with where it came from: the file's index in config order and its place in the
/// reading order, which decides which of two records with one id is the earlier.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Arrival {
    file: u32,
    seq: u64,
    deploy: Deploy,
}

fn by_id(a: &Arrival, b: &Arrival) -> Ordering {
    (&a.deploy.id, a.file, a.seq).cmp(&(&b.deploy.id, b.file, b.seq))
}

fn by_start(a: &Deploy, b: &Deploy) -> Ordering {
    (a.started_at, &a.id).cmp(&(b.started_at, &b.id))
}

/// Records sorted in bounded memory: a buffer, and the runs already written.
struct Sorter<T> {
    limit: usize,
    order: fn(&T, &T) -> Ordering,
    buffer: Vec<T>,
    runs: Vec<PathBuf>,
    dir: Option<tempfile::TempDir>,
    len: usize,
}

impl<T: Serialize + DeserializeOwned> Sorter<T> {
    fn new(limit: usize, order: fn(&T, &T) -> Ordering) -> Sorter<T> {
        Sorter { limit: limit.max(1), order, buffer: Vec::new(), runs: Vec::new(), dir: None, len: 0 }
    }

    fn push(&mut self, item: T) -> Result<()> {
        self.buffer.push(item);
        self.len += 1;
        if self.buffer.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// Sort the buffer and write it as a run.
    fn spill(&mut self) -> Result<()> {
        let order = self.order;
        self.buffer.sort_by(order);
        if self.dir.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("faultline-deploys-")
                .tempdir()
                .map_err(|e| Error::io(std::env::temp_dir(), e))?;
            self.dir = Some(dir);
        }
        let dir = self.dir.as_ref().expect("made above").path();
        let path = dir.join(format!("run-{:05}.jsonl", self.runs.len()));
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut out = BufWriter::new(file);
        for item in self.buffer.drain(..) {
            serde_json::to_writer(&mut out, &item)
                .map_err(|e| Error::Internal(format!("cannot write {}: {e}", path.display())))?;
            out.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
        }
        out.flush().map_err(|e| Error::io(&path, e))?;
        self.runs.push(path);
        Ok(())
    }

    /// Every record, in order.
    fn into_sorted(mut self) -> Result<Sorted<T>> {
        let order = self.order;
        if self.runs.is_empty() {
            self.buffer.sort_by(order);
            return Ok(Sorted {
                heads: Vec::new(),
                readers: Vec::new(),
                memory: self.buffer.into_iter(),
                order,
                _dir: None,
                len: self.len,
            });
        }
        if !self.buffer.is_empty() {
            self.spill()?;
        }
        let mut readers = Vec::with_capacity(self.runs.len());
        let mut heads = Vec::with_capacity(self.runs.len());
        for path in &self.runs {
            let file = File::open(path).map_err(|e| Error::io(path, e))?;
            let mut reader =
                RunReader { path: path.clone(), lines: BufReader::new(file), line: String::new() };
            heads.push(reader.next_item()?);
            readers.push(reader);
        }
        Ok(Sorted { heads, readers, memory: Vec::new().into_iter(), order, _dir: self.dir, len: self.len })
    }
}

/// One run file, read back one record at a time.
struct RunReader {
    path: PathBuf,
    lines: BufReader<File>,
    line: String,
}

impl RunReader {
    fn next_item<T: DeserializeOwned>(&mut self) -> Result<Option<T>> {
        self.line.clear();
        let n = self.lines.read_line(&mut self.line).map_err(|e| Error::io(&self.path, e))?;
        if n == 0 {
            return Ok(None);
        }
        serde_json::from_str(&self.line)
            .map(Some)
            .map_err(|e| Error::Internal(format!("cannot read back {}: {e}", self.path.display())))
    }
}

/// The records of a [`Sorter`], in order: from memory, or merged from its runs.
struct Sorted<T> {
    heads: Vec<Option<T>>,
    readers: Vec<RunReader>,
    memory: std::vec::IntoIter<T>,
    order: fn(&T, &T) -> Ordering,
    /// Held so the run files live as long as they are read.
    _dir: Option<tempfile::TempDir>,
    len: usize,
}

impl<T: DeserializeOwned> Iterator for Sorted<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.readers.is_empty() {
            return self.memory.next().map(Ok);
        }
        // Few runs: a scan of their heads is cheaper than a heap's bookkeeping.
        let mut best: Option<usize> = None;
        for (i, head) in self.heads.iter().enumerate() {
            let Some(item) = head else { continue };
            let better = match best {
                None => true,
                Some(b) => (self.order)(item, self.heads[b].as_ref().expect("a head")) == Ordering::Less,
            };
            if better {
                best = Some(i);
            }
        }
        let i = best?;
        let item = self.heads[i].take().expect("the chosen head");
        match self.readers[i].next_item() {
            Ok(next) => self.heads[i] = next,
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(item))
    }
}

/// Collects every source's deploys; [`DeployCollector::finish`] merges and sorts them.
pub struct DeployCollector {
    files: Vec<String>,
    arrivals: Sorter<Arrival>,
    seq: u64,
    /// The first failure to write a run, reported at [`DeployCollector::finish`] (records
    /// arrive through a callback that cannot fail).
    failed: Option<Error>,
}

impl Default for DeployCollector {
    fn default() -> Self {
        DeployCollector::new(RUN_RECORDS)
    }
}

impl DeployCollector {
    /// A collector whose buffer holds `run_records` records.
    pub fn new(run_records: usize) -> DeployCollector {
        DeployCollector { files: Vec::new(), arrivals: Sorter::new(run_records, by_id), seq: 0, failed: None }
    }

    /// Start the records of a new file (its name as messages show it); returns its index.
    pub fn begin_file(&mut self, file: String) -> u32 {
        self.files.push(file);
        (self.files.len() - 1) as u32
    }

    /// One deploy of file `file`, in reading order.
    pub fn push(&mut self, file: u32, deploy: Deploy) {
        if self.failed.is_some() {
            return;
        }
        self.seq += 1;
        if let Err(e) = self.arrivals.push(Arrival { file, seq: self.seq, deploy }) {
            self.failed = Some(e);
        }
    }

    /// Merge records sharing an id and sort the rest by start. `merge_files` folds the merged
    /// record of a later file into an earlier file's (notes go to `notes`); a file's own
    /// repeats are merged as the canonical format merges them, their notes and rejects in
    /// reading order.
    pub fn finish(
        mut self,
        notes: &mut Vec<String>,
        rejects: &mut Vec<Reject>,
        merge_files: impl Fn(&mut Deploy, Deploy, &mut Vec<String>),
    ) -> Result<DeployTable> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let run_records = self.arrivals.limit;
        let mut sorted = Sorter::new(run_records, by_start);
        let mut own_notes: Vec<(u64, String)> = Vec::new();
        let mut own_rejects: Vec<(u64, Reject)> = Vec::new();
        let mut cross_notes = Vec::new();
        // The id being folded: the merged record so far, and the current file's record.
        let mut merged: Option<Deploy> = None;
        let mut current: Option<(u32, u64, Deploy)> = None;
        let files = self.files;
        let close_file = |merged: &mut Option<Deploy>, done: Deploy, notes: &mut Vec<String>| match merged {
            None => *merged = Some(done),
            Some(kept) => merge_files(kept, done, notes),
        };
        for arrival in self.arrivals.into_sorted()? {
            let Arrival { file, seq, deploy } = arrival?;
            let same_id = current.as_ref().is_some_and(|(_, _, d)| d.id == deploy.id);
            if !same_id {
                if let Some((_, _, done)) = current.take() {
                    close_file(&mut merged, done, &mut cross_notes);
                }
                if let Some(done) = merged.take() {
                    sorted.push(done)?;
                }
                current = Some((file, seq, deploy));
                continue;
            }
            let (current_file, _, kept) = current.as_mut().expect("same id");
            if *current_file != file {
                let (_, _, done) = current.take().expect("same id");
                close_file(&mut merged, done, &mut cross_notes);
                current = Some((file, seq, deploy));
                continue;
            }
            match crate::ingest::deploys::canonical::merge_repeat(kept, &deploy, &files[file as usize]) {
                crate::ingest::deploys::canonical::Repeat::Merged(m, note) => {
                    *kept = m;
                    own_notes.push((seq, note));
                }
                crate::ingest::deploys::canonical::Repeat::Rejected(reject) => {
                    own_rejects.push((seq, reject))
                }
            }
        }
        if let Some((_, _, done)) = current.take() {
            close_file(&mut merged, done, &mut cross_notes);
        }
        if let Some(done) = merged.take() {
            sorted.push(done)?;
        }
        own_notes.sort_by_key(|(seq, _)| *seq);
        own_rejects.sort_by_key(|(seq, _)| *seq);
        notes.extend(own_notes.into_iter().map(|(_, n)| n));
        notes.extend(cross_notes);
        rejects.extend(own_rejects.into_iter().map(|(_, r)| r));
        Ok(DeployTable { sorted })
    }
}

/// The merged deploys, sorted by start then id, ready to be written in batches.
pub struct DeployTable {
    sorted: Sorter<Deploy>,
}

impl Default for DeployTable {
    fn default() -> Self {
        DeployTable { sorted: Sorter::new(RUN_RECORDS, by_start) }
    }
}

impl std::fmt::Debug for DeployTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeployTable({} deploys, {} runs)", self.sorted.len, self.sorted.runs.len())
    }
}

impl DeployTable {
    /// How many deploys there are.
    pub fn len(&self) -> usize {
        self.sorted.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sorted.len == 0
    }

    /// The deploys in order, `size` at a time.
    pub fn batches(self, size: usize) -> Result<impl Iterator<Item = Result<Vec<Deploy>>>> {
        let mut records = self.sorted.into_sorted()?;
        let size = size.max(1);
        Ok(std::iter::from_fn(move || {
            let mut batch = Vec::with_capacity(size.min(records.len));
            for item in records.by_ref() {
                match item {
                    Ok(deploy) => batch.push(deploy),
                    Err(e) => return Some(Err(e)),
                }
                if batch.len() == size {
                    break;
                }
            }
            (!batch.is_empty()).then_some(Ok(batch))
        }))
    }

    /// Every deploy, in order (for tests and small stores).
    pub fn into_vec(self) -> Result<Vec<Deploy>> {
        let mut all = Vec::with_capacity(self.len());
        for batch in self.batches(BATCH_RECORDS)? {
            all.extend(batch?);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeployKind, DeployStatus};

    fn deploy(id: &str, file: &str, line: u64, start: i64, sha: &str) -> Deploy {
        Deploy {
            id: id.into(),
            service: "checkout".into(),
            environment: "production".into(),
            repo: None,
            sha: Some(sha.into()),
            started_at: chrono::DateTime::from_timestamp(1_780_300_000 + start, 0).unwrap(),
            finished_at: None,
            status: DeployStatus::Success,
            kind: DeployKind::Deploy,
            rollback_of: None,
            actor: None,
            source: "canonical".into(),
            origin: format!("{file}:line {line}"),
        }
    }

    /// Two files, repeats within each and across them, fed to a collector of `run_records`.
    fn collect(run_records: usize) -> (Vec<Deploy>, Vec<String>, Vec<String>) {
        let mut collector = DeployCollector::new(run_records);
        let a = collector.begin_file("a.jsonl".into());
        let b = collector.begin_file("b.jsonl".into());
        for i in 0..50u64 {
            // Ids in an order unlike their starts, so both sorts matter.
            let id = format!("d{:02}", (i * 37) % 50);
            collector.push(a, deploy(&id, "a.jsonl", i + 1, 1_000 - i as i64 * 10, "aaaa"));
        }
        collector.push(a, deploy("d07", "a.jsonl", 51, 5, "aaaa"));
        collector.push(a, deploy("d07", "a.jsonl", 52, 5, "bbbb"));
        let mut bad = deploy("d09", "a.jsonl", 53, 5, "aaaa");
        bad.finished_at = Some(chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap());
        collector.push(a, bad);
        collector.push(b, deploy("d03", "b.jsonl", 1, 3, "cccc"));
        collector.push(b, deploy("z99", "b.jsonl", 2, -5, "dddd"));
        let (mut notes, mut rejects) = (Vec::new(), Vec::new());
        let table = collector
            .finish(&mut notes, &mut rejects, |kept, later, notes| {
                notes.push(format!("{} also in {}", kept.origin, later.origin));
                kept.sha = later.sha;
            })
            .unwrap();
        assert_eq!(table.len(), 51);
        let rejects = rejects.iter().map(|r| r.to_string()).collect();
        (table.into_vec().unwrap(), notes, rejects)
    }

    #[test]
    fn runs_on_disk_give_what_memory_gives() {
        let (in_memory, notes, rejects) = collect(1_000);
        for run_records in [1, 3, 7, 50] {
            assert_eq!(
                collect(run_records),
                (in_memory.clone(), notes.clone(), rejects.clone()),
                "{run_records}"
            );
        }
        // Sorted by start, then id; the latest start first of the two repeats of d07.
        assert_eq!(in_memory[0].id, "z99");
        assert!(in_memory.windows(2).all(|w| (w[0].started_at, &w[0].id) <= (w[1].started_at, &w[1].id)));
        let d07 = in_memory.iter().find(|d| d.id == "d07").unwrap();
        assert_eq!(
            (d07.sha.as_deref(), d07.started_at.timestamp(), d07.origin.as_str()),
            (Some("bbbb"), 1_780_300_005, "a.jsonl:line 12")
        );
        let d03 = in_memory.iter().find(|d| d.id == "d03").unwrap();
        assert_eq!(d03.sha.as_deref(), Some("cccc"));
        assert_eq!(
            notes,
            vec![
                "a.jsonl: line 51: deploy \"d07\" repeats line 12 with different values, merged (the later value kept): started_at 2026-06-01T08:01:30Z → 2026-06-01T07:46:45Z",
                "a.jsonl: line 52: deploy \"d07\" repeats line 12 with different values, merged (the later value kept): sha \"aaaa\" → \"bbbb\"",
                "a.jsonl:line 20 also in b.jsonl:line 1",
            ]
        );
        assert_eq!(
            rejects,
            vec!["a.jsonl: line 53: field `finished_at`: repeats deploy \"d09\" of line 8; merged, 2026-05-28T20:26:40Z is before started_at 2026-06-01T07:46:45Z"]
        );
    }
}
