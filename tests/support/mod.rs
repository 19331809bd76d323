//! Helpers for the integration tests: git repositories built with git2 at fixed times (so their
//! SHAs are stable), a config beside them, and a way to run the `faultline` binary.

#![allow(dead_code)]

pub mod sample_company;

use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{IndexEntry, IndexTime, Oid, Repository, Signature, Time};

/// A temporary folder holding repositories, a `faultline.toml` and the store.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// What a faultline run printed and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace { dir: tempfile::tempdir().expect("a temporary folder") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `faultline.toml` with these `(name, relative path)` repositories.
    pub fn config(&self, repos: &[(&str, &str)]) -> PathBuf {
        let mut text = String::new();
        for (name, path) in repos {
            text.push_str(&format!("[[repos]]\nname = \"{name}\"\npath = \"{path}\"\n"));
        }
        self.write("faultline.toml", &text)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("write a file");
        path
    }

    /// Run `faultline ARGS --config <workspace>/faultline.toml` in the workspace.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args)
    }
}

/// Run the faultline binary in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run faultline");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A repository built commit by commit with fixed signatures.
pub struct RepoBuilder {
    pub repo: Repository,
    pub path: PathBuf,
}

/// A file change for [`RepoBuilder::commit`]: `Some(content)` writes, `None` deletes.
pub type Change<'a> = (&'a [u8], Option<&'a [u8]>);

/// 2026-06-01T09:00:00Z.
pub const T0: i64 = 1_780_304_400;

impl RepoBuilder {
    pub fn init(path: &Path, bare: bool) -> RepoBuilder {
        let repo = if bare { Repository::init_bare(path) } else { Repository::init(path) }.expect("init");
        RepoBuilder { repo, path: path.to_path_buf() }
    }

    pub fn sig(name: &str, email: &str, time: i64, offset_minutes: i32) -> Signature<'static> {
        Signature::new(name, email, &Time::new(time, offset_minutes)).expect("signature")
    }

    /// Commit on `refs/heads/<branch>`: `changes` applied to the first parent's tree.
    pub fn commit(
        &self,
        branch: &str,
        parents: &[Oid],
        changes: &[Change<'_>],
        author: &Signature<'_>,
        message: &str,
    ) -> Oid {
        let mut index = git2::Index::new().expect("in-memory index");
        if let Some(first) = parents.first() {
            let tree = self.repo.find_commit(*first).expect("parent").tree().expect("tree");
            index.read_tree(&tree).expect("read tree");
        }
        for (path, content) in changes {
            match content {
                Some(data) => {
                    let entry = IndexEntry {
                        ctime: IndexTime::new(0, 0),
                        mtime: IndexTime::new(0, 0),
                        dev: 0,
                        ino: 0,
                        mode: 0o100644,
                        uid: 0,
                        gid: 0,
                        file_size: data.len() as u32,
                        id: self.repo.blob(data).expect("write blob"),
                        flags: 0,
                        flags_extended: 0,
                        path: path.to_vec(),
                    };
                    index.add(&entry).expect("add file");
                }
                None => index
                    .remove_path(Path::new(std::str::from_utf8(path).expect("utf-8 path to delete")))
                    .expect("remove"),
            }
        }
        let tree_id = index.write_tree_to(&self.repo).expect("write tree");
        let tree = self.repo.find_tree(tree_id).expect("tree");
        let parent_commits: Vec<git2::Commit<'_>> =
            parents.iter().map(|p| self.repo.find_commit(*p).expect("parent")).collect();
        let refs: Vec<&git2::Commit<'_>> = parent_commits.iter().collect();
        let oid = self.repo.commit(None, author, author, message, &tree, &refs).expect("commit");
        self.set_branch(branch, oid);
        oid
    }

    /// Point `refs/heads/<branch>` at `oid` (forcing, as a force-push would), and HEAD at it
    /// when HEAD is unborn or already on that branch.
    pub fn set_branch(&self, branch: &str, oid: Oid) {
        let name = format!("refs/heads/{branch}");
        self.repo.reference(&name, oid, true, "test").expect("set branch");
        let head_target = self
            .repo
            .find_reference("HEAD")
            .ok()
            .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
        if head_target.as_deref() == Some(name.as_str()) || self.repo.head().is_err() && branch == "main" {
            self.repo.set_head(&name).expect("set HEAD");
        }
    }

    /// Write a raw commit object (for encodings git2's API cannot produce) and put it on `branch`.
    pub fn raw_commit(&self, branch: &str, raw: &[u8]) -> Oid {
        let oid = self.repo.odb().expect("odb").write(git2::ObjectType::Commit, raw).expect("write commit");
        self.set_branch(branch, oid);
        oid
    }

    /// The tree id of a commit.
    pub fn tree_of(&self, oid: Oid) -> Oid {
        self.repo.find_commit(oid).expect("commit").tree_id()
    }
}

/// The commits (with their files) of the store under `dir`, written by `faultline ingest`.
pub fn stored_commits(dir: &Path) -> (faultline::store::Store, Vec<faultline::model::Commit>) {
    let store = faultline::store::Store::new(&dir.join(".faultline"));
    let commits = faultline::tables::commits_from_frames(
        &store.require("commits", "ingest").unwrap(),
        Some(&store.require("commit_files", "ingest").unwrap()),
    )
    .unwrap();
    (store, commits)
}
