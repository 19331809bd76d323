//! The analyses: what the store's tables mean together. Each stage is one file and reads what
//! the ingest wrote; [`analyze`] runs them and writes their tables into a new snapshot.

pub mod attribution;
pub mod blame;
pub mod blast_radius;
pub mod deploy_contents;
pub mod deploy_facts;
pub mod dora;
pub mod explain;
pub mod on_engine;
pub mod rank;
pub mod szz;

use std::collections::{BTreeMap, HashMap};

use crate::config::Config;
use crate::error::Result;
use crate::ingest::git::{self, Walker};
use crate::store::Store;
use crate::tables::{self, names};

/// What the analyses found, for the command line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AnalysisReport {
    /// Rows written to `deploy_commits`.
    pub deploy_commits: usize,
    /// Deploys that shipped at least one commit.
    pub deploys_with_commits: usize,
    /// Incidents attributed.
    pub incidents: usize,
    /// Things the user should know.
    pub notes: Vec<String>,
}

/// Run every analysis over the store the config names and write their tables.
pub fn analyze(config: &Config) -> Result<AnalysisReport> {
    git::configure_libgit2();
    // Blame reads each blob once into its own cache; libgit2's object cache (256 MiB by
    // default) would hold them a second time.
    // SAFETY: a process-wide libgit2 setting that nothing else in faultline changes.
    let _ = unsafe { git2::opts::set_cache_max_size(32 << 20) };
    let store = Store::new(&config.store);
    let read = |table: &str| store.require(table, "ingest");
    let deploys = tables::deploys_from_frame(&read(names::DEPLOYS)?)?;
    let services = tables::services_from_frame(&read(names::SERVICES)?)?;
    let (commit_columns, file_columns) = tables::COMMIT_ANALYSIS_COLUMNS;
    let mut commits = tables::commit_analysis_from_frames(
        &store.require_columns(names::COMMITS, commit_columns, "ingest")?,
        &store.require_columns(names::COMMIT_FILES, file_columns, "ingest")?,
    )?;
    let merges = store.read(names::MERGE_FILES)?;
    if let Some(merges) = &merges {
        tables::attach_merge_files(&mut commits, merges)?;
    }
    let merges_listed = merges.is_some();
    let files: HashMap<(&str, &str), Vec<&str>> = commits
        .iter()
        .map(|c| ((c.repo.as_str(), c.sha.as_str()), c.files.iter().map(|f| f.path.as_str()).collect()))
        .collect();
    let incidents = tables::incidents_from_frames(&read(names::INCIDENTS)?, &read(names::TIMELINE_EVENTS)?)?;
    let deps = tables::service_deps_from_frame(&read(names::SERVICE_DEPS)?)?;
    let mut walkers = BTreeMap::new();
    for source in &config.repos {
        walkers.insert(source.name.clone(), Walker::open(source)?);
    }

    // Each repository's history, indexed once: what deploys shipped, and SZZ.
    let graphs: HashMap<String, blame::History> = config
        .repos
        .iter()
        .map(|r| {
            (r.name.clone(), blame::History::new(commits.iter().filter(|c| c.repo == r.name), merges_listed))
        })
        .collect();
    let shipped = deploy_contents::ship(&deploys, &services, &files, &walkers, &graphs);
    let evidence = attribution::Evidence {
        incidents: &incidents,
        deploys: &deploys,
        shipped: &shipped.rows,
        deps: &deps,
        commits: &commits,
    };
    let weights = attribution::Weights::from_config(&config.attribution);
    let mut caches: HashMap<String, blame::BlameCache> = HashMap::new();
    let skips = szz::Skips::new(&config.szz)?;
    let mut blame = |repo: &str, fix: &str| {
        let walker = walkers.get(repo)?;
        let history = graphs.get(repo)?;
        let cache = caches.entry(repo.to_string()).or_default();
        szz::blame_fix(walker, Some((history, cache)), &skips, fix).ok()
    };
    let attributed = attribution::attribute(&evidence, &weights, &mut blame);
    let impact = blast_radius::ImpactWeights::from_config(&config.blast_radius);
    let radii = blast_radius::measure(&commits, &incidents, &attributed.suspects, &services, &deps, &impact);
    let ai_owned = tables::ai_commits_from_frame(&store.require_columns(
        names::PROVENANCE,
        &["repo", "sha", "origin"],
        "ingest",
    )?)?;
    let ai: std::collections::HashSet<(&str, &str)> =
        ai_owned.iter().map(|(repo, sha)| (repo.as_str(), sha.as_str())).collect();
    let committed: HashMap<(&str, &str), i64> =
        commits.iter().map(|c| ((c.repo.as_str(), c.sha.as_str()), c.committer.at.timestamp())).collect();
    let facts = deploy_facts::gather(
        &deploys,
        &shipped.rows,
        &|repo, sha| deploy_facts::ShippedCommit {
            committed_epoch: committed.get(&(repo, sha)).copied(),
            ai: ai.contains(&(repo, sha)),
        },
        &incidents,
        &attributed.suspects,
        &weights.production_environments,
        &impact,
    );
    store.write(&mut [
        (names::DEPLOY_COMMITS, tables::deploy_commits_frame(&shipped.rows)?),
        (names::SUSPECTS, tables::suspects_frame(&attributed.suspects)?),
        (names::SZZ_LINKS, tables::szz_links_frame(&attributed.szz)?),
        (names::BLAST_RADIUS, tables::blast_radius_frame(&radii)?),
        (names::DEPLOY_FACTS, tables::deploy_facts_frame(&facts)?),
    ])?;
    Ok(AnalysisReport {
        deploy_commits: shipped.rows.len(),
        deploys_with_commits: shipped.deploys_with_commits,
        incidents: incidents.len(),
        notes: shipped.notes,
    })
}
