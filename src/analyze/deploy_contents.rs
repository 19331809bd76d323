//! What each deploy shipped: the commits reachable from its commit and not from the previous
//! successful deploy of the same service and environment, kept to the service's folder in a
//! monorepo. Reads the `deploys`, `services`, `commits` and `commit_files` tables and the
//! repositories; writes `deploy_commits`.
//!
//! This is what attribution starts from: a deploy can only have caused what it shipped.
//!
//! - The first deploy seen of a service and environment is a baseline: what ran before it is
//!   unknown, so it ships its own commit only.
//! - A rollback ships nothing new (it returns to code that ran before); it becomes the baseline
//!   of the next deploy, which therefore ships the rolled-back commits again.
//! - Only a successful deploy becomes a baseline; a failed one still shipped what it carried.
//! - With a `path` in the catalog, a commit counts when it changed a file under it, or a file
//!   under no service's path at all (shared code, build and deploy files, which every service
//!   of the repository ships); merge commits, whose changes are their parents', count only
//!   without a path.
//! - A commit the repository does not have (history rewritten, a shallow or stale clone) is
//!   reported and the deploy kept, with nothing shipped; it is no baseline either.

use std::collections::{BTreeMap, HashMap};

use git2::Oid;
use rustc_hash::FxBuildHasher;

use crate::analyze::blame::History;
use crate::ingest::git::{WalkProblem, Walker};
use crate::model::{Deploy, DeployCommit, DeployKind, DeployStatus, Service};

/// What [`ship`] found besides the rows.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Shipped {
    /// One row per (deploy, commit).
    pub rows: Vec<DeployCommit>,
    /// Deploys that shipped at least one commit.
    pub deploys_with_commits: usize,
    /// Things the user should know, sorted.
    pub notes: Vec<String>,
}

/// The service folders a commit changed files in (by number), and whether it changed a file
/// under none of them (shared code, which every service of the repository ships).
#[derive(Default)]
struct Reach {
    folders: Vec<u32>,
    unowned: bool,
}

impl Reach {
    /// Each path's folder is found by looking its own name and each folder above it up.
    fn new(paths: &[&str], folders: Option<&HashMap<&str, u32>>) -> Reach {
        let mut reach = Reach::default();
        for path in paths {
            let mut owned = false;
            let mut at = path.len();
            loop {
                if let Some(&folder) = folders.and_then(|f| f.get(&path[..at])) {
                    owned = true;
                    if !reach.folders.contains(&folder) {
                        reach.folders.push(folder);
                    }
                }
                match path[..at].rfind('/') {
                    Some(slash) => at = slash,
                    None => break,
                }
            }
            reach.unowned |= !owned;
        }
        reach
    }
}

/// Where [`ship_with`] learns a repository's history: which commit a deploy names, and what
/// lies between two commits.
pub trait Contents {
    /// Whether `repo` is configured (a deploy of another repository is skipped: the ingest
    /// already named it).
    fn configured(&self, repo: &str) -> bool;
    /// The full id of the commit `sha` (as a deploy log writes it) names in `repo`.
    fn resolve(&mut self, repo: &str, sha: &str) -> Result<String, WalkProblem>;
    /// The commits reachable from `head` and not from `since`, children before parents.
    fn between(&mut self, repo: &str, head: &str, since: &str) -> Vec<String>;
}

/// The repositories themselves, with their indexed histories where the store holds them.
struct Repositories<'a> {
    walkers: &'a BTreeMap<String, Walker>,
    graphs: &'a HashMap<String, History>,
}

impl Contents for Repositories<'_> {
    fn configured(&self, repo: &str) -> bool {
        self.walkers.contains_key(repo)
    }

    fn resolve(&mut self, repo: &str, sha: &str) -> Result<String, WalkProblem> {
        // A full id the indexed history holds needs no lookup in the repository.
        let indexed = self.graphs.get(repo).and_then(|g| {
            Some(Oid::from_str(sha).ok().filter(|oid| sha.len() == 40 && g.knows(*oid))?.to_string())
        });
        match (indexed, self.walkers.get(repo)) {
            (Some(head), _) => Ok(head),
            (None, Some(walker)) => walker.resolve(sha),
            (None, None) => Err(WalkProblem::Missing(sha.to_string())),
        }
    }

    fn between(&mut self, repo: &str, head: &str, since: &str) -> Vec<String> {
        // The indexed history when it holds both, else a walk of the repository.
        match self.graphs.get(repo).and_then(|g| g.between(head, since)) {
            Some(commits) => commits,
            None => {
                self.walkers.get(repo).and_then(|w| w.between(head, Some(since)).ok()).unwrap_or_default()
            }
        }
    }
}

/// The commits each deploy shipped. `deploys` in table order (start, then id); `files` are the
/// paths each commit changed, by (repository, commit); `walkers` the configured repositories.
pub fn ship(
    deploys: &[Deploy],
    services: &[Service],
    files: &HashMap<(&str, &str), Vec<&str>>,
    walkers: &BTreeMap<String, Walker>,
    graphs: &HashMap<String, History>,
) -> Shipped {
    ship_with(deploys, services, files, &mut Repositories { walkers, graphs })
}

/// [`ship`], learning the histories from `contents`.
pub fn ship_with(
    deploys: &[Deploy],
    services: &[Service],
    files: &HashMap<(&str, &str), Vec<&str>>,
    contents: &mut dyn Contents,
) -> Shipped {
    let by_name: HashMap<&str, &Service> = services.iter().map(|s| (s.name.as_str(), s)).collect();
    // Each repository's service folders, numbered.
    let mut owned: HashMap<&str, HashMap<&str, u32>> = HashMap::new();
    for service in services {
        if let (Some(repo), Some(path)) = (service.repo.as_deref(), service.path.as_deref()) {
            let folders = owned.entry(repo).or_default();
            let next = folders.len() as u32;
            folders.entry(path.trim_end_matches('/')).or_insert(next);
        }
    }
    let under = |file: &str, path: &str| {
        let path = path.trim_end_matches('/');
        file == path || file.strip_prefix(path).is_some_and(|r| r.starts_with('/'))
    };
    // Which folders each commit changed, and whether it changed a file under none: worked
    // out once per commit, however many deploys of however many services ship it.
    let reaches: HashMap<(&str, &str), Reach, FxBuildHasher> = if services.iter().all(|s| s.path.is_none()) {
        HashMap::default()
    } else {
        files.iter().map(|(&key, paths)| (key, Reach::new(paths, owned.get(key.0)))).collect()
    };
    let mut baseline: HashMap<(&str, &str), String> = HashMap::new();
    let mut shipped = Shipped::default();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut no_repo = Vec::new();
    for deploy in deploys {
        let service = by_name.get(deploy.service.as_str());
        let Some(sha) = deploy.sha.as_deref() else { continue };
        let Some(repo) = deploy.repo.clone().or_else(|| service.and_then(|s| s.repo.clone())) else {
            no_repo.push(deploy.id.clone());
            continue;
        };
        // Not configured: the ingest already named it.
        if !contents.configured(&repo) {
            continue;
        }
        let head = match contents.resolve(&repo, sha) {
            Ok(head) => head,
            Err(WalkProblem::Missing(sha)) | Err(WalkProblem::Ambiguous(sha)) => {
                missing.entry(repo).or_default().push(format!("{} ({sha})", deploy.id));
                continue;
            }
        };
        let key = (deploy.service.as_str(), deploy.environment.as_str());
        if deploy.kind == DeployKind::Deploy {
            let commits = match baseline.get(&key) {
                None => vec![head.clone()],
                Some(since) => contents.between(&repo, &head, since),
            };
            let path = service.and_then(|s| s.path.as_deref());
            let mut any = false;
            let folders = owned.get(repo.as_str());
            let folder = path.and_then(|p| folders?.get(p.trim_end_matches('/')).copied());
            for (position, commit) in commits.iter().enumerate() {
                if let Some(path) = path {
                    let commit_key = (repo.as_str(), commit.as_str());
                    let counts = match (reaches.get(&commit_key), folder) {
                        (Some(reach), Some(folder)) => reach.unowned || reach.folders.contains(&folder),
                        // A service of another repository: its folder is looked for as it stands.
                        (Some(reach), None) => {
                            reach.unowned
                                || files
                                    .get(&commit_key)
                                    .is_some_and(|paths| paths.iter().any(|f| under(f, path)))
                        }
                        (None, _) => false,
                    };
                    if !counts {
                        continue;
                    }
                }
                any = true;
                shipped.rows.push(DeployCommit {
                    deploy_id: deploy.id.clone(),
                    service: deploy.service.clone(),
                    environment: deploy.environment.clone(),
                    repo: repo.clone(),
                    sha: commit.clone(),
                    position: i32::try_from(position).unwrap_or(i32::MAX),
                    deployed_at: deploy.started_at,
                });
            }
            shipped.deploys_with_commits += usize::from(any);
        }
        if deploy.status == DeployStatus::Success {
            baseline.insert(key, head);
        }
    }
    for (repo, deploys) in missing {
        shipped.notes.push(format!(
            "{} deploy(s) name a commit that repository {repo} does not have (history rewritten, or a shallow or stale clone); they are kept and ship nothing: {}",
            deploys.len(),
            deploys.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if !no_repo.is_empty() {
        shipped.notes.push(format!(
            "{} deploy(s) name a commit but no repository, and their service has none in the catalog: {}",
            no_repo.len(),
            no_repo.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    shipped
}
