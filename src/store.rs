//! The store: faultline's tables as Parquet files in one folder, replaced atomically.
//!
//! Layout: `<store>/snapshots/<n>/<table>.parquet`, and `<store>/current`, a symbolic link to
//! the newest complete snapshot. A write builds a whole new snapshot (unchanged tables are
//! hard-linked from the previous one), then swaps `current` with one `rename`, so a crash at
//! any point leaves the previous store whole and every table consistent with the others.
//! Other engines read `<store>/current/<table>.parquet` as is.
//!
//! Conventions that let Spark, DuckDB and DataFusion read the files: timestamps in
//! microseconds, UTC; signed integers only; durations as integer seconds; an `_epoch` column
//! (seconds) beside each timestamp, for queries that compare times portably.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// A store folder.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The store at `root` (it need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    /// The store folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of the current snapshot, if any ingest has completed.
    pub fn current(&self) -> Option<PathBuf> {
        let link = self.root.join("current");
        let target = fs::read_link(&link).ok()?;
        let dir = self.root.join(target);
        dir.is_dir().then_some(dir)
    }

    /// The path `table` has in the current snapshot.
    pub fn table_path(&self, table: &str) -> Option<PathBuf> {
        self.current().map(|dir| dir.join(format!("{table}.parquet"))).filter(|p| p.is_file())
    }

    /// Read `table` from the current snapshot; `None` when the store or the table is absent.
    pub fn read(&self, table: &str) -> Result<Option<DataFrame>> {
        let Some(path) = self.table_path(table) else { return Ok(None) };
        read_parquet(&path).map(Some)
    }

    /// Read only `columns` of `table`, `None` when it does not exist.
    pub fn read_columns(&self, table: &str, columns: &[&str]) -> Result<Option<DataFrame>> {
        let Some(path) = self.table_path(table) else { return Ok(None) };
        read_parquet_columns(&path, columns).map(Some)
    }

    /// Read `table`, which `command` writes: its absence is an error telling the user to run
    /// that command first.
    pub fn require(&self, table: &str, command: &str) -> Result<DataFrame> {
        self.read(table)?.ok_or_else(|| {
            Error::Usage(format!(
                "the store {} has no `{table}` table; run `faultline {command}` first",
                self.root.display()
            ))
        })
    }

    /// [`Store::require`], reading only `columns`.
    pub fn require_columns(&self, table: &str, columns: &[&str], command: &str) -> Result<DataFrame> {
        self.read_columns(table, columns)?.ok_or_else(|| {
            Error::Usage(format!(
                "the store {} has no `{table}` table; run `faultline {command}` first",
                self.root.display()
            ))
        })
    }

    /// Write a new snapshot holding `tables` and every other table of the current snapshot,
    /// then make it current.
    pub fn write(&self, tables: &mut [(&str, DataFrame)]) -> Result<()> {
        let mut snapshot = self.begin()?;
        for (table, frame) in tables.iter_mut() {
            snapshot.put(table, frame)?;
        }
        snapshot.commit()
    }

    /// Start a new snapshot. Tables are written into it one at a time with
    /// [`Snapshot::put`] (so a caller can drop each frame once written), and it becomes current
    /// only at [`Snapshot::commit`]; dropped before that, it leaves no trace.
    pub fn begin(&self) -> Result<Snapshot<'_>> {
        let snapshots = self.root.join("snapshots");
        fs::create_dir_all(&snapshots).map_err(|e| Error::io(&snapshots, e))?;
        let name = format!("{:06}", next_snapshot_number(&snapshots)?);
        let staging = snapshots.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(Snapshot { store: self, snapshots, name, staging, committed: false })
    }

    #[cfg(unix)]
    fn point_current_at(&self, relative: &Path) -> Result<()> {
        let link = self.root.join("current");
        let temporary = self.root.join(".current.tmp");
        let _ = fs::remove_file(&temporary);
        std::os::unix::fs::symlink(relative, &temporary).map_err(|e| Error::io(&temporary, e))?;
        fs::rename(&temporary, &link).map_err(|e| Error::io(&link, e))?;
        sync_dir(&self.root);
        Ok(())
    }

    #[cfg(not(unix))]
    fn point_current_at(&self, relative: &Path) -> Result<()> {
        let link = self.root.join("current");
        let _ = fs::remove_dir_all(&link);
        std::os::windows::fs::symlink_dir(relative, &link).map_err(|e| Error::io(&link, e))
    }
}

/// Read a whole Parquet file the store or the lake wrote.
pub(crate) fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    ParquetReader::new(file).finish().map_err(|e| Error::Store {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet table: {e}"),
    })
}

/// Read the Parquet `files` of one table into one frame, in order; `None` for no files.
pub(crate) fn read_parquet_files(files: &[PathBuf], table: &str) -> Result<Option<DataFrame>> {
    let mut frame: Option<DataFrame> = None;
    for file in files {
        let part = read_parquet(file)?;
        match &mut frame {
            None => frame = Some(part),
            Some(frame) => {
                frame.vstack_mut_owned(part).map_err(|e| Error::Store {
                    path: file.clone(),
                    message: format!("its columns differ from the other files of `{table}`: {e}"),
                })?;
            }
        }
    }
    Ok(frame)
}

/// Read only `columns` of a Parquet file the store or the lake wrote.
pub(crate) fn read_parquet_columns(path: &Path, columns: &[&str]) -> Result<DataFrame> {
    let file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let columns = columns.iter().map(|c| c.to_string()).collect();
    ParquetReader::new(file).with_columns(Some(columns)).finish().map_err(|e| Error::Store {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet table: {e}"),
    })
}

/// Write `frame` to `path` as the store writes every table (full statistics), synced to disk.
pub(crate) fn write_parquet(path: &Path, frame: &mut DataFrame) -> Result<()> {
    let mut file = fs::File::create(path).map_err(|e| Error::io(path, e))?;
    ParquetWriter::new(&mut file)
        .with_statistics(StatisticsOptions::full())
        .finish(frame)
        .map_err(|e| Error::Store { path: path.to_path_buf(), message: e.to_string() })?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// A snapshot being written: invisible to readers until [`Snapshot::commit`].
pub struct Snapshot<'a> {
    store: &'a Store,
    snapshots: PathBuf,
    name: String,
    staging: PathBuf,
    committed: bool,
}

impl Snapshot<'_> {
    /// Write `table` into the snapshot.
    pub fn put(&mut self, table: &str, frame: &mut DataFrame) -> Result<()> {
        write_parquet(&self.staging.join(format!("{table}.parquet")), frame)
    }

    /// Write `table` from frames of one schema, one at a time, as row groups of one file: a
    /// table larger than memory is never held whole. No frame at all writes nothing; give
    /// at least one (it may be empty) so the table exists.
    pub fn put_batches(
        &mut self,
        table: &str,
        frames: impl Iterator<Item = Result<DataFrame>>,
    ) -> Result<()> {
        let path = self.staging.join(format!("{table}.parquet"));
        let store_error = |e: PolarsError| Error::Store { path: path.clone(), message: e.to_string() };
        let mut frames = frames.peekable();
        let mut writer = None;
        let mut file = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        while let Some(frame) = frames.next() {
            let mut frame = frame?;
            frame.rechunk_mut();
            if writer.is_none() {
                let batched = ParquetWriter::new(&mut file)
                    .with_statistics(StatisticsOptions::full())
                    .batched(frame.schema())
                    .map_err(store_error)?;
                writer = Some(batched);
            }
            writer.as_mut().expect("made above").write_batch(&frame).map_err(store_error)?;
        }
        match writer {
            Some(writer) => {
                writer.finish().map_err(store_error)?;
            }
            None => {
                drop(file);
                let _ = fs::remove_file(&path);
                return Ok(());
            }
        }
        file.sync_all().map_err(|e| Error::io(&path, e))
    }

    /// Carry over the tables this snapshot did not write, make it current, and remove what came
    /// before it.
    pub fn commit(mut self) -> Result<()> {
        if let Some(previous) = self.store.current() {
            let entries = fs::read_dir(&previous).map_err(|e| Error::io(&previous, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(&previous, e))?;
                let target = self.staging.join(entry.file_name());
                if !target.exists() {
                    fs::hard_link(entry.path(), &target)
                        .or_else(|_| fs::copy(entry.path(), &target).map(|_| ()))
                        .map_err(|e| Error::io(&target, e))?;
                }
            }
        }
        sync_dir(&self.staging);
        let snapshot = self.snapshots.join(&self.name);
        if snapshot.exists() {
            return Err(Error::Store {
                path: snapshot,
                message: "another faultline process wrote this store at the same time; run the command again"
                    .into(),
            });
        }
        fs::rename(&self.staging, &snapshot).map_err(|e| Error::io(&snapshot, e))?;
        self.committed = true;
        self.store.point_current_at(&Path::new("snapshots").join(&self.name))?;

        // The new snapshot is current. The one before it stays, for a reader that resolved
        // `current` a moment ago; older ones go, and so do the staging folders of processes
        // that died, never those of one still writing.
        let ours: u64 = self.name.parse().expect("snapshot names are numbers");
        for entry in fs::read_dir(&self.snapshots).map_err(|e| Error::io(&self.snapshots, e))? {
            let entry = entry.map_err(|e| Error::io(&self.snapshots, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let stale = match name.parse::<u64>() {
                Ok(n) => n + 1 < ours,
                Err(_) => staging_owner(name).is_some_and(|pid| !process_is_running(pid)),
            };
            if stale {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        Ok(())
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The process id in a staging folder's name (`.000007.partial-4242`).
fn staging_owner(name: &str) -> Option<u32> {
    name.strip_prefix('.')?.split_once(".partial-")?.1.parse().ok()
}

/// Whether `pid` is a live process. Where that cannot be told, it is taken as live: a stale
/// staging folder wastes disk, removing a live one breaks another ingest.
fn process_is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// One more than the highest snapshot number present.
fn next_snapshot_number(snapshots: &Path) -> Result<u64> {
    let mut highest = 0;
    for entry in fs::read_dir(snapshots).map_err(|e| Error::io(snapshots, e))? {
        let entry = entry.map_err(|e| Error::io(snapshots, e))?;
        if let Some(n) = entry.file_name().to_str().and_then(|s| s.parse::<u64>().ok()) {
            highest = highest.max(n);
        }
    }
    Ok(highest + 1)
}

/// Flush a directory's entries to disk, so a rename that follows is durable (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(values: &[i64]) -> DataFrame {
        DataFrame::new(values.len(), vec![Column::new("n".into(), values.to_vec())]).unwrap()
    }

    fn numbers(store: &Store, table: &str) -> Vec<i64> {
        let f = store.read(table).unwrap().unwrap();
        f.column("n").unwrap().i64().unwrap().iter().map(|v| v.unwrap()).collect()
    }

    #[test]
    fn a_write_keeps_untouched_tables_and_replaces_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("s"));
        assert!(store.read("a").unwrap().is_none());
        store.write(&mut [("a", frame(&[1, 2])), ("b", frame(&[3]))]).unwrap();
        store.write(&mut [("b", frame(&[4, 5]))]).unwrap();
        assert_eq!(numbers(&store, "a"), vec![1, 2]);
        assert_eq!(numbers(&store, "b"), vec![4, 5]);
        assert_eq!(snapshot_names(&store), vec!["000001", "000002"]);
        assert_eq!(store.current().unwrap(), dir.path().join("s/snapshots/000002"));
        store.write(&mut [("a", frame(&[6]))]).unwrap();
        assert_eq!(snapshot_names(&store), vec!["000002", "000003"]);
        assert_eq!(numbers(&store, "b"), vec![4, 5]);
    }

    fn snapshot_names(store: &Store) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(store.root().join("snapshots"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_commit_leaves_the_staging_folder_of_a_live_process_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("s"));
        store.write(&mut [("a", frame(&[1]))]).unwrap();
        // Another ingest of this very process is still writing (a live pid).
        let live = dir.path().join(format!("s/snapshots/.000009.partial-{}", std::process::id()));
        fs::create_dir_all(&live).unwrap();
        store.write(&mut [("a", frame(&[2]))]).unwrap();
        assert!(live.exists());
        assert_eq!(staging_owner(".000009.partial-4242"), Some(4242));
        assert_eq!(staging_owner("000009"), None);
    }

    #[test]
    fn a_crash_mid_write_leaves_the_previous_snapshot_current() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("s"));
        store.write(&mut [("a", frame(&[1]))]).unwrap();
        // What a crash after writing half a snapshot leaves behind.
        // A pid above any kernel's pid_max: that process cannot be running.
        let partial = dir.path().join("s/snapshots/.000002.partial-4294967294");
        fs::create_dir_all(&partial).unwrap();
        fs::write(partial.join("a.parquet"), b"PAR1 truncated").unwrap();
        assert_eq!(numbers(&store, "a"), vec![1]);
        store.write(&mut [("a", frame(&[7]))]).unwrap();
        assert_eq!(numbers(&store, "a"), vec![7]);
        assert!(!partial.exists());
    }
}
