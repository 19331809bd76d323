//! Line blame over an indexed history, for SZZ: which commit last wrote each of some lines of a
//! file. The result is what `git blame -w` gives for those lines, found without walking every
//! commit: the store already says which commits changed which paths (`commit_files`, with
//! renames), so blame jumps along first parents from one commit that changed the file to the
//! next, and reads blobs only there (and at merges, whose changes the store does not list).
//!
//! The walk follows git's rules: a commit whose file equals one parent's passes every line to
//! that parent; otherwise each parent in turn takes the lines it has unchanged (compared with
//! whitespace ignored, Myers diff with git's indent heuristic), following a rename to the parent's path; what no parent
//! has was written by the commit. Commits are taken children first (by generation number), so
//! lines that reach a commit along several paths are traced once.

use std::collections::{BinaryHeap, HashMap, HashSet};

use git2::{Oid, Repository};
use imara_diff::{Algorithm, Diff, IndentHeuristic, IndentLevel, SliderHeuristic, Token};
use rustc_hash::FxBuildHasher;

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
    /// Path → the commits that changed it (as a path after the change); merges too when listed.
    touched: HashMap<String, HashSet<u32, FxBuildHasher>>,
    /// (commit, path after) → path before, for renames and copies.
    renamed: HashMap<(u32, String), String>,
    /// (commit, path) for files a commit added: nothing before them.
    added: HashSet<(u32, String)>,
    /// Whether the commits carry their merges' paths (`merge_files`); without them each merge
    /// is looked at in the trees.
    merges_listed: bool,
}

/// What blame has read from one repository, kept between calls (fixes touch the same files
/// and cross the same merges); one per thread.
#[derive(Default)]
pub struct BlameCache {
    /// Blobs read, as interned lines.
    texts: Texts,
    /// The entry (blob and mode) of a path at a commit, as looked up at merges.
    entries: HashMap<(Oid, String), Option<(Oid, i32)>, FxBuildHasher>,
    /// Renames found at merges, per (parent, merge): path in the merge → path in the parent.
    merge_renames: HashMap<(Oid, Oid), HashMap<String, String>>,
}

impl History {
    /// Index `commits` (one repository's, any order); `merges_listed` when their
    /// `merge_paths` were read (the store has `merge_files`).
    pub fn new<'a>(commits: impl IntoIterator<Item = &'a Commit>, merges_listed: bool) -> History {
        let commits: Vec<&Commit> = commits.into_iter().collect();
        let mut index = HashMap::with_capacity(commits.len());
        let mut oids = Vec::with_capacity(commits.len());
        for commit in &commits {
            let Ok(oid) = Oid::from_str(&commit.sha) else { continue };
            if let std::collections::hash_map::Entry::Vacant(slot) = index.entry(oid) {
                slot.insert(oids.len() as u32);
                oids.push(oid);
            }
        }
        let mut parents = vec![Vec::new(); oids.len()];
        let mut cut = vec![false; oids.len()];
        let mut touched: HashMap<String, HashSet<u32, FxBuildHasher>> = HashMap::new();
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
            for path in &commit.merge_paths {
                touched.entry(path.clone()).or_default().insert(at);
            }
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
        History { index, oids, parents, generation, cut, touched, renamed, added, merges_listed }
    }

    /// The commits reachable from `head` and not from `since` (full ids), children before
    /// parents, newest generation first: what a deploy of `head` after one of `since` shipped.
    /// `None` when the history does not hold one of them.
    pub fn between(&self, head: &str, since: &str) -> Option<Vec<String>> {
        let index = |sha: &str| Oid::from_str(sha).ok().and_then(|oid| self.index.get(&oid).copied());
        let (head, since) = (index(head)?, index(since)?);
        // 1: reachable from head; 2: reachable from since. Taken by generation, highest first,
        // every commit's flags are final when it is taken (its children come before it).
        let mut flags: HashMap<u32, u8, FxBuildHasher> = HashMap::default();
        let mut queue: BinaryHeap<(u32, u32)> = BinaryHeap::new();
        let mut interesting = 0usize;
        for (c, flag) in [(head, 1u8), (since, 2u8)] {
            let entry = flags.entry(c).or_insert(0);
            if *entry == 0 {
                queue.push((self.generation[c as usize], c));
            }
            *entry |= flag;
        }
        if flags[&head] == 1 {
            interesting += 1;
        }
        let mut out = Vec::new();
        while interesting > 0 {
            let Some((_, c)) = queue.pop() else { break };
            let flag = flags[&c];
            if flag == 1 {
                interesting -= 1;
                out.push(self.oids[c as usize].to_string());
            }
            for &p in &self.parents[c as usize] {
                let entry = flags.entry(p).or_insert(0);
                let before = *entry;
                if before == 0 {
                    queue.push((self.generation[p as usize], p));
                }
                *entry |= flag;
                let now = *entry;
                if now == 1 && before != 1 {
                    interesting += 1;
                } else if before == 1 && now != 1 {
                    interesting -= 1;
                }
            }
        }
        Some(out)
    }

    /// Whether the history holds `oid`.
    pub fn knows(&self, oid: Oid) -> bool {
        self.index.contains_key(&oid)
    }

    /// The commit that last wrote each of `lines` (1-based) of `path` as it is at `at`, in the
    /// order asked; lines the file does not have are left out. `None` when `at` is unknown.
    pub fn blame(
        &self,
        repo: &Repository,
        cache: &mut BlameCache,
        at: Oid,
        path: &str,
        lines: &[u32],
    ) -> Option<Vec<(u32, Oid)>> {
        let &start = self.index.get(&at)?;
        // Blobs stay cached across calls, within a bound.
        if cache.texts.tokens > 4_000_000 {
            cache.texts = Texts::default();
        }
        let mut blamed: HashMap<u32, Oid> = HashMap::new();
        // Pending work per commit: (path there, blob there if known, [(line asked, line there)]).
        let mut pending: HashMap<u32, Vec<Suspect>> = HashMap::new();
        let mut queue: BinaryHeap<(u32, u32)> = BinaryHeap::new();
        let targets: Vec<(u32, u32)> = lines.iter().map(|&l| (l, l)).collect();
        self.land(repo, cache, start, path.to_string(), targets, &mut pending, &mut queue);
        while let Some((_, c)) = queue.pop() {
            let Some(suspects) = pending.remove(&c) else { continue };
            for suspect in merge_suspects(suspects) {
                self.step(repo, cache, c, suspect, &mut pending, &mut queue, &mut blamed);
            }
        }
        Some(lines.iter().filter_map(|l| blamed.get(l).map(|oid| (*l, *oid))).collect())
    }

    /// Hand `lines` of `path` to commit `from` or, when `from` cannot have changed the file, to
    /// the first commit down its first parents that can.
    #[allow(clippy::too_many_arguments)]
    fn land(
        &self,
        repo: &Repository,
        cache: &mut BlameCache,
        from: u32,
        path: String,
        lines: Vec<(u32, u32)>,
        pending: &mut HashMap<u32, Vec<Suspect>>,
        queue: &mut BinaryHeap<(u32, u32)>,
    ) {
        if lines.is_empty() {
            return;
        }
        // Down the first parents to the next commit that changed the file (or a root, or a
        // shallow boundary).
        let touched = self.touched.get(&path);
        let mut c = from;
        loop {
            let i = c as usize;
            if self.cut[i] || self.parents[i].is_empty() {
                break;
            }
            let changed = if self.parents[i].len() > 1 && !self.merges_listed {
                self.merge_changed(repo, cache, c, &path)
            } else {
                touched.is_some_and(|t| t.contains(&c))
            };
            if changed {
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

    /// Whether merge `c` changed `path` against its first parent, from the trees (for a store
    /// written before `merge_files`).
    fn merge_changed(&self, repo: &Repository, cache: &mut BlameCache, c: u32, path: &str) -> bool {
        let mut entry = |x: Oid| -> Option<(Oid, i32)> {
            if let Some(e) = cache.entries.get(&(x, path.to_string())) {
                return *e;
            }
            let e = repo.find_commit(x).ok().and_then(|commit| entry_at(&commit, path));
            cache.entries.insert((x, path.to_string()), e);
            e
        };
        let i = c as usize;
        entry(self.oids[i]) != entry(self.oids[self.parents[i][0] as usize])
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        repo: &Repository,
        cache: &mut BlameCache,
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
        let mut paths: Vec<String> = (0..parent_commits.len()).map(parent_path).collect();
        let mut parent_blobs: Vec<Option<Oid>> = parent_commits
            .iter()
            .zip(&paths)
            .map(|(p, path)| p.as_ref().and_then(|p| blob_at(p, path)))
            .collect();
        let same = |blobs: &[Option<Oid>]| blobs.iter().position(|b| *b == Some(ours));
        // At a merge whose parents all differ, a parent may hold the file under another path
        // (a subtree merge, a rename on a branch): found as git finds it, by rename detection
        // against that parent.
        if merge && same(&parent_blobs).is_none() {
            for (n, parent) in parent_commits.iter().enumerate() {
                let Some(parent) = parent.as_ref().filter(|_| parent_blobs[n].is_none()) else { continue };
                let from = cache
                    .merge_renames
                    .entry((parent.id(), oid))
                    .or_insert_with(|| renames(repo, parent, &commit))
                    .get(&suspect.path)
                    .cloned();
                if let Some(from) = from {
                    parent_blobs[n] = blob_at(parent, &from);
                    paths[n] = from;
                }
            }
        }
        // The same file as a parent's: everything passes to the first such parent.
        if let Some(n) = same(&parent_blobs) {
            return self.land(
                repo,
                cache,
                self.parents[i][n],
                paths[n].clone(),
                suspect.lines,
                pending,
                queue,
            );
        }
        if cache.texts.lines(repo, ours).is_none() {
            return blame_rest(&suspect.lines, blamed);
        }
        let mut remaining = suspect.lines;
        for (n, blob) in parent_blobs.iter().enumerate() {
            if remaining.is_empty() {
                break;
            }
            let Some(blob) = *blob else { continue };
            let wanted: Vec<u32> = remaining.iter().map(|(_, line)| *line).collect();
            let Some(map) = cache.texts.unchanged(repo, blob, ours, &wanted) else { continue };
            let (passed, kept): (Vec<_>, Vec<_>) =
                remaining.into_iter().partition(|(_, line)| map.contains_key(line));
            let passed = passed.into_iter().map(|(asked, line)| (asked, map[&line])).collect();
            self.land(repo, cache, self.parents[i][n], paths[n].clone(), passed, pending, queue);
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
pub(crate) fn generations(parents: &[Vec<u32>]) -> Vec<u32> {
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

/// The renames and copies between `parent` and `commit` by git's rename detection: path in
/// `commit` → path in `parent`.
fn renames(
    repo: &Repository,
    parent: &git2::Commit<'_>,
    commit: &git2::Commit<'_>,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let (Ok(old), Ok(new)) = (parent.tree(), commit.tree()) else { return out };
    let Ok(mut diff) = repo.diff_tree_to_tree(Some(&old), Some(&new), None) else { return out };
    // A rename needs a file the commit deleted; without one, rename detection (which hashes
    // every added file) would find nothing.
    if !diff.deltas().any(|d| d.status() == git2::Delta::Deleted) {
        return out;
    }
    let mut find = git2::DiffFindOptions::new();
    find.renames(true);
    if diff.find_similar(Some(&mut find)).is_err() {
        return out;
    }
    for delta in diff.deltas().filter(|d| matches!(d.status(), git2::Delta::Renamed | git2::Delta::Copied)) {
        let path = |f: git2::DiffFile<'_>| f.path().and_then(|p| p.to_str()).map(str::to_string);
        if let (Some(new), Some(old)) = (path(delta.new_file()), path(delta.old_file())) {
            out.insert(new, old);
        }
    }
    out
}

/// The id and mode of the entry at `path` in `commit`'s tree.
fn entry_at(commit: &git2::Commit<'_>, path: &str) -> Option<(Oid, i32)> {
    let tree = commit.tree().ok()?;
    let entry = tree.get_path(std::path::Path::new(path)).ok()?;
    Some((entry.id(), entry.filemode()))
}

/// The blob at `path` in `commit`'s tree.
fn blob_at(commit: &git2::Commit<'_>, path: &str) -> Option<Oid> {
    let tree = commit.tree().ok()?;
    let entry = tree.get_path(std::path::Path::new(path)).ok()?;
    (entry.kind() == Some(git2::ObjectType::Blob)).then(|| entry.id())
}

/// A blob's lines: tokens and indentations.
type Lines = (Vec<Token>, Vec<IndentLevel>);

/// Blobs read so far, as lines interned with whitespace removed (as `git blame -w` compares
/// them), with each line's indentation for the diff's slider heuristic.
#[derive(Default)]
struct Texts {
    /// Blob → its lines' tokens and indentations.
    blobs: HashMap<Oid, Option<Lines>, FxBuildHasher>,
    /// A line's hash, whitespace left out (`squashed_hash`) → its token.
    interned: HashMap<u64, Token, FxBuildHasher>,
    /// Lines held in `blobs`.
    tokens: usize,
}

impl Texts {
    fn lines(&mut self, repo: &Repository, blob: Oid) -> Option<&Lines> {
        if !self.blobs.contains_key(&blob) {
            let read = repo.find_blob(blob).ok().filter(|b| !b.is_binary()).map(|b| {
                let content = b.content();
                let content = content.strip_suffix(b"\n").unwrap_or(content);
                let (mut tokens, mut indents) = (Vec::new(), Vec::new());
                if content.is_empty() && b.content().is_empty() {
                    return (tokens, indents);
                }
                let mut at = 0;
                while at <= content.len() {
                    let end = memchr::memchr(b'\n', &content[at..]).map_or(content.len(), |n| at + n);
                    let line = &content[at..end];
                    at = end + 1;
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    let next = Token(self.interned.len() as u32);
                    tokens.push(*self.interned.entry(squashed_hash(line)).or_insert(next));
                    indents.push(IndentLevel::for_ascii_line(line.iter().copied(), 8));
                }
                (tokens, indents)
            });
            self.tokens += read.as_ref().map_or(0, |(t, _)| t.len());
            self.blobs.insert(blob, read);
        }
        self.blobs.get(&blob).and_then(Option::as_ref)
    }

    /// New line number → old line number (both 1-based) for the lines a Myers diff of the two
    /// blobs keeps, hunks placed by the indent heuristic as git places them.
    /// Only the lines in `wanted` are mapped.
    fn unchanged(
        &mut self,
        repo: &Repository,
        old: Oid,
        new: Oid,
        wanted: &[u32],
    ) -> Option<HashMap<u32, u32>> {
        self.lines(repo, old)?;
        self.lines(repo, new)?;
        let (before, before_indents) = self.blobs[&old].as_ref()?;
        let (after, after_indents) = self.blobs[&new].as_ref()?;
        let mut diff = Diff::default();
        diff.compute_with(Algorithm::Myers, before, after, self.interned.len() as u32);
        let positions: Vec<Token> = (0..before.len().max(after.len()) as u32).map(Token).collect();
        diff.postprocess_with(
            before,
            after,
            ByPosition { before, before_indents, after_indents, positions: &positions },
        );
        let (before, after) = (before.as_slice(), after.as_slice());
        let last = wanted.iter().copied().max().unwrap_or(0);
        let wanted: HashSet<u32, FxBuildHasher> = wanted.iter().copied().collect();
        let mut map = HashMap::with_capacity(wanted.len());
        let (mut i, mut j) = (0u32, 0u32);
        while (i as usize) < before.len() && (j as usize) < after.len() && j < last {
            if diff.is_removed(i) {
                i += 1;
            } else if diff.is_added(j) {
                j += 1;
            } else {
                if wanted.contains(&(j + 1)) {
                    map.insert(j + 1, i + 1);
                }
                i += 1;
                j += 1;
            }
        }
        Some(map)
    }
}

/// A 64-bit hash of a line with its whitespace left out, eight bytes at a step.
fn squashed_hash(line: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut hash, mut word, mut filled, mut length) = (0u64, 0u64, 0u32, 0u64);
    for &c in line {
        if c.is_ascii_whitespace() {
            continue;
        }
        word |= u64::from(c) << (8 * filled);
        filled += 1;
        length += 1;
        if filled == 8 {
            hash = (hash.rotate_left(5) ^ word).wrapping_mul(K);
            (word, filled) = (0, 0);
        }
    }
    hash = (hash.rotate_left(5) ^ word ^ (length << 56)).wrapping_mul(K);
    hash ^ (hash >> 32)
}

/// git's indent heuristic on the indentation of each line where it stands: with whitespace
/// ignored, equal tokens can be indented differently.
struct ByPosition<'a> {
    before: &'a [Token],
    before_indents: &'a [IndentLevel],
    after_indents: &'a [IndentLevel],
    positions: &'a [Token],
}

impl SliderHeuristic for ByPosition<'_> {
    fn best_slider_end(&mut self, tokens: &[Token], hunk: std::ops::Range<u32>, earliest_end: u32) -> u32 {
        let indents =
            if std::ptr::eq(tokens.as_ptr(), self.before.as_ptr()) && tokens.len() == self.before.len() {
                self.before_indents
            } else {
                self.after_indents
            };
        let positions = &self.positions[..tokens.len()];
        IndentHeuristic::new(|t: Token| indents[t.0 as usize]).best_slider_end(positions, hunk, earliest_end)
    }
}

#[cfg(test)]
mod tests {
    use super::squashed_hash;

    #[test]
    fn lines_hash_alike_whatever_their_whitespace() {
        let hash = |line: &str| squashed_hash(line.as_bytes());
        // Values worked out apart from this code (a Python rendering of the same hash).
        assert_eq!(hash(""), 0);
        assert_eq!(hash("    let x = a + b;"), 0xc983_daab_c587_343d);
        assert_eq!(hash("\tfn main() {}\r"), 0x5ab9_37f0_a107_d079);
        assert_eq!(hash("letx=a+b;"), hash("    let x = a + b;"));
        assert_eq!(hash("let x\t=\x0ca + b ;  "), hash("letx=a+b;"));
        assert_ne!(hash("let x = a + c;"), hash("let x = a + b;"));
        assert_ne!(hash("ab"), hash("ba"));
    }
}
