//! The mainline order of each repository, for analysis as SQL: the `commit_order` table.
//!
//! The mainline is the first-parent chain of `HEAD`, numbered from its root: position 1 is the
//! oldest. Every commit reachable from `HEAD` gets the position of the first mainline commit
//! that reaches it (`landed`): its own for a mainline commit, the merge's for a commit merged
//! in. Then what a deploy of mainline commit H shipped after one of mainline commit S — the
//! commits reachable from H and not from S — is exactly the commits with
//! `landed(S) < landed <= landed(H)`, an equality join on `landed` once the range is spelled
//! out, with no walk of the history.
//!
//! A deploy of a commit off the mainline (a release branch, a commit never merged) is not a
//! range; the analysis walks the repository for it.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::analyze::blame::generations;
use crate::error::{Error, Result};
use crate::model::Commit;
use crate::tables::names;

/// One row of `commit_order`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The configured repository.
    pub repo: String,
    /// Full id.
    pub sha: String,
    /// The position of the first mainline commit that reaches this one (1 = the root end).
    pub landed: i64,
    /// Whether the commit is on the mainline itself.
    pub mainline: bool,
    /// 1 for a root, else one more than the highest parent's.
    pub generation: i64,
    /// The commit time, seconds since the epoch: with the generation, the order a walk of
    /// the history lists commits in.
    pub committer_epoch: i64,
}

/// The order of every commit reachable from each repository's `HEAD` (`heads` as in
/// `repo_heads`), sorted by repository and id. A repository without `HEAD` gets no rows.
pub fn commit_order(commits: &[Commit], heads: &BTreeMap<String, Vec<(String, String)>>) -> Vec<Order> {
    let mut by_repo: BTreeMap<&str, Vec<&Commit>> = BTreeMap::new();
    for commit in commits {
        by_repo.entry(commit.repo.as_str()).or_default().push(commit);
    }
    let mut out = Vec::new();
    for (repo, commits) in by_repo {
        let Some(tip) = heads.get(repo).and_then(|refs| refs.iter().find(|(name, _)| name == "HEAD")) else {
            continue;
        };
        let index: HashMap<&str, u32> =
            commits.iter().enumerate().map(|(k, c)| (c.sha.as_str(), k as u32)).collect();
        let parents: Vec<Vec<u32>> = commits
            .iter()
            .map(|c| c.parents.iter().filter_map(|p| index.get(p.as_str()).copied()).collect())
            .collect();
        let generation = generations(&parents);
        let Some(&head) = index.get(tip.1.as_str()) else { continue };
        // The first-parent chain, tip first; it stops where the store has no parent (shallow).
        let mut chain = vec![head];
        let mut at = head as usize;
        while let Some(first) = commits[at].parents.first().and_then(|p| index.get(p.as_str())) {
            chain.push(*first);
            at = *first as usize;
        }
        chain.reverse();
        let mut landed = vec![0i64; commits.len()];
        let mut on_mainline = vec![false; commits.len()];
        for (k, &m) in chain.iter().enumerate() {
            let position = k as i64 + 1;
            on_mainline[m as usize] = true;
            // Everything the previous mainline commit reaches has its position already.
            let mut stack = vec![m];
            while let Some(c) = stack.pop() {
                if landed[c as usize] != 0 {
                    continue;
                }
                landed[c as usize] = position;
                stack.extend(parents[c as usize].iter().copied().filter(|&p| landed[p as usize] == 0));
            }
        }
        for (k, commit) in commits.iter().enumerate() {
            if landed[k] != 0 {
                out.push(Order {
                    repo: repo.to_string(),
                    sha: commit.sha.clone(),
                    landed: landed[k],
                    mainline: on_mainline[k],
                    generation: i64::from(generation[k]),
                    committer_epoch: commit.committer.at.timestamp(),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.repo, &a.sha).cmp(&(&b.repo, &b.sha)));
    out
}

/// The `commit_order` table.
pub fn commit_order_frame(rows: &[Order]) -> Result<DataFrame> {
    let columns = vec![
        Column::new("repo".into(), rows.iter().map(|r| r.repo.as_str()).collect::<Vec<_>>()),
        Column::new("sha".into(), rows.iter().map(|r| r.sha.as_str()).collect::<Vec<_>>()),
        Column::new("landed".into(), rows.iter().map(|r| r.landed).collect::<Vec<_>>()),
        Column::new("mainline".into(), rows.iter().map(|r| r.mainline).collect::<Vec<_>>()),
        Column::new("generation".into(), rows.iter().map(|r| r.generation).collect::<Vec<_>>()),
        Column::new("committer_epoch".into(), rows.iter().map(|r| r.committer_epoch).collect::<Vec<_>>()),
    ];
    DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::Internal(format!("the `{}` table: {e}", names::COMMIT_ORDER)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(sha: &str, parents: &[&str]) -> Commit {
        let nobody = crate::model::Signature {
            name: String::new(),
            email: String::new(),
            at: chrono::DateTime::UNIX_EPOCH.fixed_offset(),
        };
        Commit {
            repo: "r".into(),
            sha: sha.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            author: nobody.clone(),
            committer: nobody,
            subject: String::new(),
            body: String::new(),
            trailers: Vec::new(),
            files: Vec::new(),
            merge_paths: Vec::new(),
            shallow_boundary: false,
        }
    }

    /// a ← b ← m (merge of c, which forks from a) ← d; e on a branch nobody merged.
    #[test]
    fn merged_commits_land_with_their_merge() {
        let commits = vec![
            commit("a", &[]),
            commit("b", &["a"]),
            commit("c", &["a"]),
            commit("m", &["b", "c"]),
            commit("d", &["m"]),
            commit("e", &["d"]),
        ];
        let heads = BTreeMap::from([("r".to_string(), vec![("HEAD".to_string(), "d".to_string())])]);
        let order = commit_order(&commits, &heads);
        let rows: Vec<(&str, i64, bool, i64)> =
            order.iter().map(|o| (o.sha.as_str(), o.landed, o.mainline, o.generation)).collect();
        assert_eq!(
            rows,
            vec![
                ("a", 1, true, 1),
                ("b", 2, true, 2),
                ("c", 3, false, 2),
                ("d", 4, true, 4),
                ("m", 3, true, 3)
            ]
        );
    }
}
