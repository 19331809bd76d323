//! Line blame over an indexed history, for SZZ: which commit last wrote each of some lines of a
//! file. The result is what `git blame -w` gives for those lines, found without walking every
//! commit: the store already says which commits changed which paths (`commit_files`, with
//! renames), so blame jumps along first parents from one commit that changed the file to the
//! next, and reads blobs only there (and at merges, whose changes the store does not list).
//!
//! The walk follows git's rules: a commit whose file equals one parent's passes every line to
//! that parent; otherwise each parent in turn takes the lines it has unchanged (compared with
//! whitespace ignored, Myers diff), following a rename to the parent's path; what no parent
//! has was written by the commit. Commits are taken children first (by generation number), so
//! lines that reach a commit along several paths are traced once.

use std::collections::{BinaryHeap, HashMap, HashSet};

use git2::{Oid, Repository};

use crate::model::{ChangeKind, Commit};

/// The shape of one repository's history: parents, generations, and which commit changed which
/// path, built from the store's commits.
pub struct History {
    index: HashMap<Oid, u32>,
    oids: Vec<Oid>,
    parents: Vec<Vec<u32>>,
    generation: Vec<u32>,
    /// Whether the commit has a parent the store does not know (a shallow boundary).
    cut: Vec<bool>,
    /// Path → the non-merge commits that changed it (as a path after the change).
    touched: HashMap<String, HashSet<u32>>,
    /// (commit, path after) → path before, for renames and copies.
    renamed: HashMap<(u32, String), String>,
    /// (commit, path) for files a commit added: nothing before them.
    added: HashSet<(u32, String)>,
}

impl History {
    /// Index `commits` (one repository's, any order).
    pub fn new<'a>(commits: impl IntoIterator<Item = &'a Commit>) -> History {
        let commits: Vec<&Commit> = commits.into_iter().collect();
        let mut index = HashMap::with_capacity(commits.len());
        let mut oids = Vec::with_capacity(commits.len());
        for commit in &commits {
            let Ok(oid) = Oid::from_str(&commit.sha) else { continue };
            if !index.contains_key(&oid) {
                index.insert(oid, oids.len() as u32);
                oids.push(oid);
            }
        }
        let mut parents = vec![Vec::new(); oids.len()];
        let mut cut = vec![false; oids.len()];
        let mut touched: HashMap<String, HashSet<u32>> = HashMap::new();
        let mut renamed = HashMap::new();
        let mut added = HashSet::new();
        for commit in &commits {
            let Some(&at) = Oid::from_str(&commit.sha).ok().and_then(|oid| index.get(&oid)) else { continue };
            let i = at as usize;
            if !parents[i].is_empty() || cut[i] {
                continue;
            }
            for parent in &commit.parents {
                match Oid::from_str(parent).ok().and_then(|oid| index.get(&oid)) {
                    Some(&p) => parents[i].push(p),
                    None => cut[i] = true,
                }
            }
            cut[i] |= commit.shallow_boundary;
            for file in &commit.files {
                touched.entry(file.path.clone()).or_default().insert(at);
                if let Some(old) = &file.old_path {
                    renamed.insert((at, file.path.clone()), old.clone());
                }
                if file.kind == ChangeKind::Added {
                    added.insert((at, file.path.clone()));
                }
            }
        }
        let generation = generations(&parents);
        History { index, oids, parents, generation, cut, touched, renamed, added }
    }

    /// Whether the history holds `oid`.
    pub fn knows(&self, oid: Oid) -> bool {
        self.index.contains_key(&oid)
    }

    /// The commit that last wrote each of `lines` (1-based) of `path` as it is at `at`, in the
    /// order asked; lines the file does not have are left out. `None` when `at` is unknown.
    pub fn blame(&self, repo: &Repository, at: Oid, path: &str, lines: &[u32]) -> Option<Vec<(u32, Oid)>> {
        let &start = self.index.get(&at)?;
        let mut blamed: HashMap<u32, Oid> = HashMap::new();
        // Pending work per commit: (path there, blob there if known, [(line asked, line there)]).
        let mut pending: HashMap<u32, Vec<Suspect>> = HashMap::new();
        let mut queue: BinaryHeap<(u32, u32)> = BinaryHeap::new();
        let targets: Vec<(u32, u32)> = lines.iter().map(|&l| (l, l)).collect();
        self.land(start, path.to_string(), targets, &mut pending, &mut queue);
        while let Some((_, c)) = queue.pop() {
            let Some(suspects) = pending.remove(&c) else { continue };
            for suspect in merge_suspects(suspects) {
                self.step(repo, c, suspect, &mut pending, &mut queue, &mut blamed);
            }
        }
        Some(lines.iter().filter_map(|l| blamed.get(l).map(|oid| (*l, *oid))).collect())
    }

    /// Hand `lines` of `path` to commit `from` or, when `from` cannot have changed the file, to
    /// the first commit down its first parents that can.
    fn land(
        &self,
        from: u32,
        path: String,
        lines: Vec<(u32, u32)>,
        pending: &mut HashMap<u32, Vec<Suspect>>,
        queue: &mut BinaryHeap<(u32, u32)>,
    ) {
        if lines.is_empty() {
            return;
        }
        let touched = self.touched.get(&path);
        let mut c = from;
        loop {
            let i = c as usize;
            let interesting =
                self.parents[i].len() != 1 || self.cut[i] || touched.is_some_and(|t| t.contains(&c));
            if interesting {
                break;
            }
            c = self.parents[i][0];
        }
        let entry = pending.entry(c).or_default();
        if entry.is_empty() {
            queue.push((self.generation[c as usize], c));
        }
        entry.push(Suspect { path, lines });
    }

    fn step(
        &self,
        repo: &Repository,
        c: u32,
        suspect: Suspect,
        pending: &mut HashMap<u32, Vec<Suspect>>,
        queue: &mut BinaryHeap<(u32, u32)>,
        blamed: &mut HashMap<u32, Oid>,
    ) {
        let i = c as usize;
        let oid = self.oids[i];
        let blame_rest = |lines: &[(u32, u32)], blamed: &mut HashMap<u32, Oid>| {
            for (asked, _) in lines {
                blamed.entry(*asked).or_insert(oid);
            }
        };
        if self.cut[i] || self.parents[i].is_empty() || self.added.contains(&(c, suspect.path.clone())) {
            return blame_rest(&suspect.lines, blamed);
        }
        let Some(commit) = repo.find_commit(oid).ok() else { return blame_rest(&suspect.lines, blamed) };
        let Some(ours) = blob_at(&commit, &suspect.path) else { return blame_rest(&suspect.lines, blamed) };
        let merge = self.parents[i].len() > 1;
        // Each parent's path: a rename in a non-merge commit is in the store.
        let parent_path = |_: usize| -> String {
            if merge {
                suspect.path.clone()
            } else {
                self.renamed.get(&(c, suspect.path.clone())).cloned().unwrap_or_else(|| suspect.path.clone())
            }
        };
        let parent_commits: Vec<Option<git2::Commit<'_>>> =
            (0..self.parents[i].len()).map(|n| commit.parent(n).ok()).collect();
        let parent_blobs: Vec<Option<Oid>> = parent_commits
            .iter()
            .enumerate()
            .map(|(n, p)| p.as_ref().and_then(|p| blob_at(p, &parent_path(n))))
            .collect();
        // The same file as a parent's: everything passes to the first such parent.
        if let Some(n) = parent_blobs.iter().position(|b| *b == Some(ours)) {
            return self.land(self.parents[i][n], parent_path(n), suspect.lines, pending, queue);
        }
        let Some(our_text) = blob_lines(repo, ours) else { return blame_rest(&suspect.lines, blamed) };
        let mut remaining = suspect.lines;
        for (n, blob) in parent_blobs.iter().enumerate() {
            if remaining.is_empty() {
                break;
            }
            let Some(their_text) = blob.and_then(|b| blob_lines(repo, b)) else { continue };
            let map = unchanged_lines(&their_text, &our_text);
            let (passed, kept): (Vec<_>, Vec<_>) =
                remaining.into_iter().partition(|(_, line)| map.contains_key(line));
            let passed = passed.into_iter().map(|(asked, line)| (asked, map[&line])).collect();
            self.land(self.parents[i][n], parent_path(n), passed, pending, queue);
            remaining = kept;
        }
        blame_rest(&remaining, blamed);
    }
}

/// Lines of one path waiting at a commit: (line asked, line number there).
struct Suspect {
    path: String,
    lines: Vec<(u32, u32)>,
}

/// One suspect per path, lines merged.
fn merge_suspects(suspects: Vec<Suspect>) -> Vec<Suspect> {
    let mut by_path: Vec<Suspect> = Vec::new();
    for s in suspects {
        match by_path.iter_mut().find(|t| t.path == s.path) {
            Some(t) => t.lines.extend(s.lines),
            None => by_path.push(s),
        }
    }
    for s in &mut by_path {
        s.lines.sort_unstable();
        s.lines.dedup();
    }
    by_path
}

/// Generation numbers: 1 for a root, else one more than the highest parent's.
fn generations(parents: &[Vec<u32>]) -> Vec<u32> {
    let mut generation = vec![0u32; parents.len()];
    for start in 0..parents.len() {
        if generation[start] != 0 {
            continue;
        }
        // Depth-first without recursion: a commit is done when its parents are.
        let mut stack = vec![start as u32];
        while let Some(&c) = stack.last() {
            let c = c as usize;
            if generation[c] != 0 {
                stack.pop();
                continue;
            }
            let todo: Vec<u32> =
                parents[c].iter().copied().filter(|&p| generation[p as usize] == 0).collect();
            if todo.is_empty() {
                generation[c] = 1 + parents[c].iter().map(|&p| generation[p as usize]).max().unwrap_or(0);
                stack.pop();
            } else {
                stack.extend(todo);
            }
        }
    }
    generation
}

/// The blob at `path` in `commit`'s tree.
fn blob_at(commit: &git2::Commit<'_>, path: &str) -> Option<Oid> {
    let tree = commit.tree().ok()?;
    let entry = tree.get_path(std::path::Path::new(path)).ok()?;
    (entry.kind() == Some(git2::ObjectType::Blob)).then(|| entry.id())
}

/// A blob's lines with whitespace removed, as `git blame -w` compares them.
fn blob_lines(repo: &Repository, blob: Oid) -> Option<Vec<String>> {
    let blob = repo.find_blob(blob).ok()?;
    if blob.is_binary() {
        return None;
    }
    let text = String::from_utf8_lossy(blob.content());
    Some(text.lines().map(|l| l.chars().filter(|c| !c.is_whitespace()).collect()).collect())
}

/// New line number → old line number (both 1-based) for the lines a Myers diff keeps.
fn unchanged_lines(old: &[String], new: &[String]) -> HashMap<u32, u32> {
    let mut map = HashMap::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, old, new) {
        if let similar::DiffOp::Equal { old_index, new_index, len } = op {
            for k in 0..len {
                map.insert((new_index + k + 1) as u32, (old_index + k + 1) as u32);
            }
        }
    }
    map
}
