//! The analyses with their heavy reductions run as SQL on an engine (polars, DataFusion or a
//! Ballista cluster; see [`crate::engine`]) over a store's or a lake's Parquet files. Only
//! reduced rows come back to this process: the edges deploy → commit, the candidate deploys
//! of each incident, the few commits attribution reads, and the services each commit changed.
//! The graph work on those edges — baselines, attribution, blast radius — is the same code the
//! in-process analysis runs, so the tables come out the same.
//!
//! The reductions:
//! 1. **Deploy heads**: the ids the deploy logs name, resolved against `commits` (full ids by
//!    equality, abbreviated ones by their prefix) with their place in `commit_order`.
//! 2. **What each deploy shipped**: for a deploy of a mainline commit after one of another,
//!    the commits whose `landed` position lies between the two (see [`crate::ingest::mainline`]),
//!    a join on `(repo, landed)`. A deploy off the mainline is walked in its repository.
//! 3. **The files of shipped commits**, for services that own a folder of a monorepo.
//! 4. **Candidate deploys per incident**: deploys of the services each incident names (and
//!    those they depend on) in the window before it.
//! 5. **Commits attribution reads**: those the candidates shipped, reverts, and commits whose
//!    message names an incident.
//! 6. **Services each commit changed**, for blast radius: `commit_files` against the catalog's
//!    folders.
//! 7. **The joins behind the DORA figures**: each commit production deploys shipped, with when
//!    it was committed (`commits`) and its origin (`provenance`), for `deploy_facts`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use polars::prelude::*;

use crate::analyze::attribution::{self, upstream};
use crate::analyze::deploy_contents::{self, Contents};
use crate::analyze::{blast_radius, szz, AnalysisReport};
use crate::config::Config;
use crate::engine::{flags, ints, key_frame, sorted, texts, Engine, Kind, Run, Tables};
use crate::error::{Error, Result};
use crate::ingest::git::{self, WalkProblem, Walker};
use crate::model::{Deploy, DeployKind, Incident, Service};
use crate::store::{self, Store};
use crate::tables::{self, names};

/// The analysis tables an engine run produced, to be written where the caller wants them.
pub struct Analysis {
    /// What the analyses found.
    pub report: AnalysisReport,
    /// `deploy_commits`, `suspects`, `szz_links`, `blast_radius` and `deploy_facts`.
    pub tables: Vec<(&'static str, DataFrame)>,
}

/// Run the analyses on `engine` over `tables` (the store's or the lake's files); `scratch` is
/// a folder every engine worker can read, for the small tables this process sends along.
pub fn analyze(config: &Config, engine: &Engine, tables: &Tables, scratch: &Path) -> Result<Analysis> {
    git::configure_libgit2();
    let mut stages = Stages::new();
    for table in [names::COMMITS, names::COMMIT_FILES, names::COMMIT_ORDER, names::DEPLOYS] {
        if tables.files(table).is_empty() {
            return Err(Error::Usage(format!(
                "there is no `{table}` table to analyze; run `faultline ingest` (again, with this version) first"
            )));
        }
    }
    let small = |table: &str| store::read_parquet_files(tables.files(table), table);
    let need = |table: &str| -> Result<DataFrame> {
        small(table)?
            .ok_or_else(|| Error::Usage(format!("there is no `{table}` table; run `faultline ingest` first")))
    };
    let deploys = tables::deploys_from_frame(&need(names::DEPLOYS)?)?;
    let services = tables::services_from_frame(&need(names::SERVICES)?)?;
    let deps = tables::service_deps_from_frame(&need(names::SERVICE_DEPS)?)?;
    let incidents = tables::incidents_from_frames(&need(names::INCIDENTS)?, &need(names::TIMELINE_EVENTS)?)?;

    let mut run = Run::open(engine, tables, scratch, "analyze-")?;
    let mut walkers = Walkers::new(config);
    stages.done("small tables read");

    // 1 and 2: what each deploy shipped, in two passes over the deploys: the first learns
    // which (head, baseline) pairs are asked for, the engine answers them all at once, the
    // second ships.
    let heads = resolve_heads(&mut run, config, &deploys, &services)?;
    stages.done("deploy heads");
    let mut asked = Asking { heads: &heads, walkers: &mut walkers, pairs: BTreeSet::new() };
    deploy_contents::ship_with(&deploys, &services, &HashMap::new(), &mut asked);
    let pairs = std::mem::take(&mut asked.pairs);
    let between = ship_pairs(&mut run, &heads, &mut walkers, pairs)?;
    stages.done("what each deploy shipped");
    // 3: the files of what deploys of a service with a folder shipped.
    let by_name: HashMap<&str, &Service> = services.iter().map(|s| (s.name.as_str(), s)).collect();
    let files = if services.iter().any(|s| s.path.is_some()) {
        let foldered: BTreeSet<&str> = deploys
            .iter()
            .filter(|d| by_name.get(d.service.as_str()).is_some_and(|s| s.path.is_some()))
            .filter_map(|d| d.repo.as_deref().or_else(|| by_name.get(d.service.as_str())?.repo.as_deref()))
            .collect();
        // Borrowed, hashed: millions of shipped commits on a large lake.
        let mut keys: rustc_hash::FxHashSet<(&str, &str)> = rustc_hash::FxHashSet::default();
        for ((repo, head, _), commits) in &between {
            if foldered.contains(repo.as_str()) {
                keys.insert((repo.as_str(), head.as_str()));
                keys.extend(commits.iter().map(|c| (repo.as_str(), c.as_str())));
            }
        }
        for ((repo, _), resolved) in &heads {
            if let (true, Some(head)) = (foldered.contains(repo.as_str()), resolved.as_ref().ok()) {
                keys.insert((repo.as_str(), head.sha.as_str()));
            }
        }
        shipped_files(&mut run, keys)?
    } else {
        Vec::new()
    };
    let file_map: HashMap<(&str, &str), Vec<&str>> = {
        let mut map: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
        for (repo, sha, path) in &files {
            map.entry((repo.as_str(), sha.as_str())).or_default().push(path.as_str());
        }
        map
    };
    let mut answered = Answering { heads: &heads, walkers: &mut walkers, between: &between };
    let shipped = deploy_contents::ship_with(&deploys, &services, &file_map, &mut answered);
    stages.done("shipped files and rows");

    // 4: the candidate deploys of every incident.
    let weights = attribution::Weights::from_config(&config.attribution);
    let candidates = candidate_deploys(&mut run, &incidents, &deps, &weights)?;
    stages.done("candidate deploys");
    let considered: Vec<Deploy> = deploys
        .iter()
        .filter(|d| d.kind == DeployKind::Rollback || candidates.contains(d.id.as_str()))
        .cloned()
        .collect();
    let rows: Vec<_> =
        shipped.rows.iter().filter(|r| candidates.contains(r.deploy_id.as_str())).cloned().collect();

    // 5: the commits attribution reads.
    let mut keys: BTreeSet<(String, String)> = rows.iter().map(|r| (r.repo.clone(), r.sha.clone())).collect();
    keys.extend(pointing_commits(&mut run, &incidents, &weights)?);
    let commits = commit_details(&mut run, &keys)?;
    stages.done("commits attribution reads");
    let evidence = attribution::Evidence {
        incidents: &incidents,
        deploys: &considered,
        shipped: &rows,
        deps: &deps,
        commits: &commits,
    };
    // SZZ over each repository's indexed history, one repository at a time.
    let skips = szz::Skips::new(&config.szz)?;
    let links =
        blame_fixes(&mut run, &mut walkers, &attribution::fixes(&evidence, &weights), tables, &skips)?;
    stages.done("SZZ");
    let mut blame =
        |repo: &str, fix: &str| links.get(&(repo.to_string(), fix.to_string())).cloned().flatten();
    let attributed = attribution::attribute(&evidence, &weights, &mut blame);
    stages.done("attribution");

    // 6: the services every commit changed, for blast radius.
    let changed = changed_services(&mut run, &services)?;
    stages.done("services each commit changed");
    let impact = blast_radius::ImpactWeights::from_config(&config.blast_radius);
    let radii = blast_radius::measure_changed(
        changed
            .iter()
            .map(|(repo, sha, set)| (repo.as_str(), sha.as_str(), set.iter().map(String::as_str).collect())),
        &incidents,
        &attributed.suspects,
        &services,
        &deps,
        &impact,
    );

    stages.done("blast radius");

    // 7: the four keys' facts of production deploys.
    let production = &weights.production_environments;
    let production_rows: Vec<&crate::model::DeployCommit> =
        shipped.rows.iter().filter(|r| production.contains(&r.environment.to_lowercase())).collect();
    let looked_up = shipped_commit_facts(&mut run, &production_rows)?;
    let facts = crate::analyze::deploy_facts::gather(
        &deploys,
        &shipped.rows,
        &|repo, sha| looked_up.get(repo).and_then(|by_sha| by_sha.get(sha)).copied().unwrap_or_default(),
        &incidents,
        &attributed.suspects,
        production,
        &impact,
    );
    stages.done("deploy facts");
    let mut notes = shipped.notes;
    notes.extend(walkers.notes());
    notes.sort();
    let report = AnalysisReport {
        deploy_commits: shipped.rows.len(),
        deploys_with_commits: shipped.deploys_with_commits,
        incidents: incidents.len(),
        notes,
    };
    Ok(Analysis {
        report,
        tables: vec![
            (names::DEPLOY_COMMITS, tables::deploy_commits_frame(&shipped.rows)?),
            (names::SUSPECTS, tables::suspects_frame(&attributed.suspects)?),
            (names::SZZ_LINKS, tables::szz_links_frame(&attributed.szz)?),
            (names::BLAST_RADIUS, tables::blast_radius_frame(&radii)?),
            (names::DEPLOY_FACTS, tables::deploy_facts_frame(&facts)?),
        ],
    })
}

/// With `FAULTLINE_STAGES` set in the environment, the wall time of each step of an engine
/// analysis goes to stderr (the per-step table in docs/benchmarks.md was measured so).
struct Stages {
    last: std::time::Instant,
    on: bool,
}

impl Stages {
    fn new() -> Stages {
        Stages { last: std::time::Instant::now(), on: std::env::var_os("FAULTLINE_STAGES").is_some() }
    }

    fn done(&mut self, stage: &str) {
        if self.on {
            eprintln!("faultline: {stage}: {:.2} s", self.last.elapsed().as_secs_f64());
        }
        self.last = std::time::Instant::now();
    }
}

/// Write an engine run's tables into `store` as a new snapshot.
pub fn write_store(store: &Store, analysis: &mut Analysis) -> Result<()> {
    let mut frames: Vec<(&str, DataFrame)> =
        analysis.tables.iter().map(|(name, frame)| (*name, frame.clone())).collect();
    store.write(&mut frames)
}

/// Borrowed (repo, sha) pairs of a key set.
fn pairs(keys: &BTreeSet<(String, String)>) -> impl Iterator<Item = (&str, &str)> {
    keys.iter().map(|(repo, sha)| (repo.as_str(), sha.as_str()))
}

/// A deploy head as the engine found it.
#[derive(Debug, Clone)]
struct Head {
    sha: String,
    /// `landed` and whether on the mainline, when reachable from `HEAD`.
    order: Option<(i64, bool)>,
}

/// (repo, id as the log writes it) → the commit, or why not.
type Heads = BTreeMap<(String, String), std::result::Result<Head, WalkProblem>>;

/// Reduction 1: every id the deploys name, resolved.
fn resolve_heads(run: &mut Run, config: &Config, deploys: &[Deploy], services: &[Service]) -> Result<Heads> {
    let configured: HashSet<&str> = config.repos.iter().map(|r| r.name.as_str()).collect();
    let by_name: HashMap<&str, &Service> = services.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut written: BTreeSet<(String, String)> = BTreeSet::new();
    for deploy in deploys {
        let Some(sha) = deploy.sha.as_deref() else { continue };
        let repo = deploy.repo.as_deref().or_else(|| by_name.get(deploy.service.as_str())?.repo.as_deref());
        if let Some(repo) = repo.filter(|r| configured.contains(r)) {
            written.insert((repo.to_string(), sha.to_string()));
        }
    }
    // Ids of hex digits are looked up by the engine; anything else (a tag, a branch) by git.
    let hex = |s: &str| (4..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit());
    let mut lengths: BTreeSet<usize> = BTreeSet::new();
    let mut rows: Vec<(&str, String, &str)> = Vec::new();
    for (repo, sha) in &written {
        if hex(sha) {
            lengths.insert(sha.len());
            rows.push((repo, sha.to_ascii_lowercase(), sha));
        }
    }
    let mut found: BTreeMap<(String, String), Vec<Head>> = BTreeMap::new();
    if !rows.is_empty() {
        let frame = DataFrame::new(
            rows.len(),
            vec![
                Column::new("repo".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
                Column::new("sha".into(), rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>()),
                Column::new("written".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
                Column::new("len".into(), rows.iter().map(|r| r.1.len() as i64).collect::<Vec<_>>()),
            ],
        )
        .map_err(|e| Error::Internal(e.to_string()))?;
        run.send("fl_heads", frame)?;
        for length in lengths {
            let commits = if length == 40 {
                "SELECT repo, sha, sha AS prefix FROM commits".to_string()
            } else {
                format!("SELECT repo, sha, SUBSTR(sha, 1, {length}) AS prefix FROM commits")
            };
            let sql = format!(
                "SELECT h.repo, h.written, c.sha, o.landed, o.mainline \
                 FROM (SELECT repo, sha, written FROM fl_heads WHERE len = {length}) h \
                 JOIN ({commits}) c ON c.repo = h.repo AND c.prefix = h.sha \
                 LEFT JOIN commit_order o ON o.repo = c.repo AND o.sha = c.sha"
            );
            let frame = run.query(
                &sql,
                &[
                    ("repo", Kind::Text),
                    ("written", Kind::Text),
                    ("sha", Kind::Text),
                    ("landed", Kind::Int),
                    ("mainline", Kind::Bool),
                ],
            )?;
            let (repo, written, sha) =
                (texts(&frame, "repo")?, texts(&frame, "written")?, texts(&frame, "sha")?);
            let (landed, mainline) = (ints(&frame, "landed")?, flags(&frame, "mainline")?);
            for k in 0..frame.height() {
                let order = landed[k].map(|l| (l, mainline[k].unwrap_or(false)));
                let key = (repo[k].clone().unwrap_or_default(), written[k].clone().unwrap_or_default());
                found.entry(key).or_default().push(Head { sha: sha[k].clone().unwrap_or_default(), order });
            }
        }
    }
    let mut heads = Heads::new();
    for (repo, sha) in written {
        let mut matches = found.remove(&(repo.clone(), sha.clone())).unwrap_or_default();
        matches.sort_by(|a, b| a.sha.cmp(&b.sha));
        matches.dedup_by(|a, b| a.sha == b.sha);
        let resolved = match matches.len() {
            1 => Ok(matches.remove(0)),
            0 if !hex(&sha) => Err(WalkProblem::Missing(String::new())), // asked of git below
            0 => Err(WalkProblem::Missing(sha.clone())),
            _ => Err(WalkProblem::Ambiguous(sha.clone())),
        };
        heads.insert((repo, sha), resolved);
    }
    Ok(heads)
}

/// The repositories, opened when a deploy off the mainline or a fix needs one.
struct Walkers<'a> {
    config: &'a Config,
    open: BTreeMap<String, Option<Walker>>,
    failed: BTreeMap<String, String>,
}

impl<'a> Walkers<'a> {
    fn new(config: &'a Config) -> Walkers<'a> {
        Walkers { config, open: BTreeMap::new(), failed: BTreeMap::new() }
    }

    fn open(&mut self, repo: &str) -> Option<&Walker> {
        if !self.open.contains_key(repo) {
            let walker = match self.config.repos.iter().find(|r| r.name == repo).map(Walker::open) {
                Some(Ok(walker)) => Some(walker),
                Some(Err(e)) => {
                    self.failed.insert(repo.to_string(), e.to_string());
                    None
                }
                None => None,
            };
            self.open.insert(repo.to_string(), walker);
        }
        self.open.get(repo).and_then(Option::as_ref)
    }

    fn notes(&self) -> Vec<String> {
        self.failed
            .iter()
            .map(|(repo, why)| {
                format!("{repo}: the repository could not be opened for what only git can answer (deploys off the mainline, fixes to blame): {why}")
            })
            .collect()
    }
}

/// A deploy's id resolved from the engine's answer, or by git for names that are no ids.
fn resolve(
    heads: &Heads,
    walkers: &mut Walkers<'_>,
    repo: &str,
    sha: &str,
) -> std::result::Result<String, WalkProblem> {
    match heads.get(&(repo.to_string(), sha.to_string())) {
        Some(Ok(head)) => Ok(head.sha.clone()),
        Some(Err(WalkProblem::Missing(asked))) if asked.is_empty() => match walkers.open(repo) {
            Some(walker) => walker.resolve(sha),
            None => Err(WalkProblem::Missing(sha.to_string())),
        },
        Some(Err(problem)) => Err(problem.clone()),
        None => Err(WalkProblem::Missing(sha.to_string())),
    }
}

/// The first pass: records the pairs asked for.
struct Asking<'h, 'w, 'c> {
    heads: &'h Heads,
    walkers: &'w mut Walkers<'c>,
    pairs: BTreeSet<(String, String, String)>,
}

impl Contents for Asking<'_, '_, '_> {
    fn configured(&self, repo: &str) -> bool {
        self.walkers.config.repos.iter().any(|r| r.name == repo)
    }
    fn resolve(&mut self, repo: &str, sha: &str) -> std::result::Result<String, WalkProblem> {
        resolve(self.heads, self.walkers, repo, sha)
    }
    fn between(&mut self, repo: &str, head: &str, since: &str) -> Vec<String> {
        self.pairs.insert((repo.to_string(), head.to_string(), since.to_string()));
        Vec::new()
    }
}

/// The second pass: answers from what the engine found.
struct Answering<'h, 'w, 'c> {
    heads: &'h Heads,
    walkers: &'w mut Walkers<'c>,
    between: &'h BTreeMap<(String, String, String), Vec<String>>,
}

impl Contents for Answering<'_, '_, '_> {
    fn configured(&self, repo: &str) -> bool {
        self.walkers.config.repos.iter().any(|r| r.name == repo)
    }
    fn resolve(&mut self, repo: &str, sha: &str) -> std::result::Result<String, WalkProblem> {
        resolve(self.heads, self.walkers, repo, sha)
    }
    fn between(&mut self, repo: &str, head: &str, since: &str) -> Vec<String> {
        self.between
            .get(&(repo.to_string(), head.to_string(), since.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

/// Reduction 2: the commits between each (repo, head, since) pair — a range of mainline
/// positions for the engine, a walk of the repository for a pair off the mainline.
fn ship_pairs(
    run: &mut Run,
    heads: &Heads,
    walkers: &mut Walkers<'_>,
    pairs: BTreeSet<(String, String, String)>,
) -> Result<BTreeMap<(String, String, String), Vec<String>>> {
    // Where each full id stands, from the resolved heads (a baseline is a resolved head).
    let mut order: HashMap<(&str, &str), (i64, bool)> = HashMap::new();
    for ((repo, _), head) in heads {
        if let Ok(Head { sha, order: Some(at) }) = head {
            order.insert((repo.as_str(), sha.as_str()), *at);
        }
    }
    let mut out: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    let (mut pair_ids, mut span_repos, mut span_landed): (Vec<i64>, Vec<&str>, Vec<i64>) =
        (Vec::new(), Vec::new(), Vec::new());
    let listed: Vec<&(String, String, String)> = pairs.iter().collect();
    for (n, pair) in listed.iter().enumerate() {
        let (repo, head, since) = pair;
        match (order.get(&(repo.as_str(), head.as_str())), order.get(&(repo.as_str(), since.as_str()))) {
            (Some(&(hi, true)), Some(&(lo, true))) => {
                for landed in lo + 1..=hi {
                    pair_ids.push(n as i64);
                    span_repos.push(repo);
                    span_landed.push(landed);
                }
                out.insert((*pair).clone(), Vec::new());
            }
            _ => {
                let commits =
                    walkers.open(repo).and_then(|w| w.between(head, Some(since)).ok()).unwrap_or_default();
                out.insert((*pair).clone(), commits);
            }
        }
    }
    if pair_ids.is_empty() {
        return Ok(out);
    }
    let frame = DataFrame::new(
        pair_ids.len(),
        vec![
            Column::new("pair".into(), pair_ids),
            Column::new("repo".into(), span_repos),
            Column::new("landed".into(), span_landed),
        ],
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    run.send("fl_spans", frame)?;
    let frame = run.query(
        "SELECT s.pair, o.sha, o.generation, o.committer_epoch FROM fl_spans s \
         JOIN commit_order o ON o.repo = s.repo AND o.landed = s.landed",
        &[
            ("pair", Kind::Int),
            ("sha", Kind::Text),
            ("generation", Kind::Int),
            ("committer_epoch", Kind::Int),
        ],
    )?;
    let (pair, mut sha) = (ints(&frame, "pair")?, texts(&frame, "sha")?);
    let (generation, at) = (ints(&frame, "generation")?, ints(&frame, "committer_epoch")?);
    // By pair number, whatever order the engine's join gave the rows in.
    let mut by_pair: Vec<Vec<(i64, i64, String)>> = vec![Vec::new(); listed.len()];
    for k in 0..frame.height() {
        let Some(commits) = pair[k].and_then(|n| usize::try_from(n).ok()).and_then(|n| by_pair.get_mut(n))
        else {
            continue;
        };
        commits.push((generation[k].unwrap_or(0), at[k].unwrap_or(0), sha[k].take().unwrap_or_default()));
    }
    for (key, mut commits) in listed.iter().zip(by_pair) {
        if commits.is_empty() {
            continue;
        }
        // Children before parents: newest generation first, then as the commits table is
        // sorted (time, id), last first — the order the in-process walk of the history gives.
        commits.sort_by(|a, b| b.cmp(a));
        out.insert((*key).clone(), commits.into_iter().map(|(_, _, sha)| sha).collect());
    }
    Ok(out)
}

/// Reduction 3: (repo, sha, path) of every file the `keys` commits changed.
fn shipped_files(
    run: &mut Run,
    keys: rustc_hash::FxHashSet<(&str, &str)>,
) -> Result<Vec<(String, String, String)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    run.send("fl_keys", key_frame(keys)?)?;
    let frame = run.query(
        "SELECT f.repo, f.sha, f.path FROM commit_files f JOIN fl_keys k ON f.repo = k.repo AND f.sha = k.sha",
        &[("repo", Kind::Text), ("sha", Kind::Text), ("path", Kind::Text)],
    )?;
    // Sorted by polars, in parallel, whatever order the engine gave.
    let frame = sorted(frame, &["repo", "sha", "path"])?;
    let (mut repo, mut sha, mut path) =
        (texts(&frame, "repo")?, texts(&frame, "sha")?, texts(&frame, "path")?);
    Ok((0..frame.height())
        .map(|k| {
            (
                repo[k].take().unwrap_or_default(),
                sha[k].take().unwrap_or_default(),
                path[k].take().unwrap_or_default(),
            )
        })
        .collect())
}

/// Reduction 4: the ids of the deploys that are candidates of some incident: of a service the
/// incident names or one it depends on (within `max_hops`), started in the window before it.
/// A superset by a second at each end; attribution applies the exact window.
fn candidate_deploys(
    run: &mut Run,
    incidents: &[Incident],
    deps: &[crate::model::ServiceDep],
    weights: &attribution::Weights,
) -> Result<HashSet<String>> {
    let mut depends_on: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for dep in deps {
        depends_on.entry(dep.service.as_str()).or_default().insert(dep.depends_on.as_str());
    }
    let window = (weights.window_hours * 3600.0) as i64;
    let (mut service, mut from, mut to, mut bucket): (Vec<&str>, Vec<i64>, Vec<i64>, Vec<i64>) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut windows: BTreeSet<(&str, i64, i64)> = BTreeSet::new();
    for incident in incidents {
        let start = incident.started_at.timestamp();
        for name in upstream(&incident.services, &depends_on, weights.max_hops).into_keys() {
            windows.insert((name, start - window - 1, start + 1));
        }
    }
    if windows.is_empty() {
        return Ok(HashSet::new());
    }
    // The join is on (service, bucket) by equality, the range checked after: joined on the
    // service alone, an engine that materializes joins (polars) builds every deploy of a
    // service against every window of it. Buckets are as wide as a window, so a window meets
    // two or three; both sides divide the same way (truncating, as SQL's integer division and
    // a cast of a quotient do), which keeps every deploy of a window in one of its buckets.
    let width = (window + 2).max(1);
    for (name, a, b) in &windows {
        for k in a / width..=b / width {
            service.push(name);
            from.push(*a);
            to.push(*b);
            bucket.push(k);
        }
    }
    let frame = DataFrame::new(
        service.len(),
        vec![
            Column::new("service".into(), service),
            Column::new("from_epoch".into(), from),
            Column::new("to_epoch".into(), to),
            Column::new("bucket".into(), bucket),
        ],
    )
    .map_err(|e| Error::Internal(e.to_string()))?;
    run.send("fl_windows", frame)?;
    let sql = format!(
        "SELECT DISTINCT d.id FROM \
         (SELECT id, service, started_epoch, CAST(started_epoch / {width} AS BIGINT) AS bucket \
          FROM deploys WHERE kind = 'deploy') d \
         JOIN fl_windows w ON d.service = w.service AND d.bucket = w.bucket \
         WHERE d.started_epoch >= w.from_epoch AND d.started_epoch <= w.to_epoch"
    );
    let frame = run.query(&sql, &[("id", Kind::Text)])?;
    Ok(texts(&frame, "id")?.into_iter().flatten().collect())
}

/// Reduction 5a: the commits that may point back at an incident: reverts, and commits made
/// after the earliest incident whose message contains one of the incidents' names. A superset
/// (no word boundaries, any character for punctuation); attribution applies the exact rules.
fn pointing_commits(
    run: &mut Run,
    incidents: &[Incident],
    weights: &attribution::Weights,
) -> Result<BTreeSet<(String, String)>> {
    let mut conditions = vec!["LOWER(body) LIKE '%this reverts commit%'".to_string()];
    let names = attribution::incident_names(incidents, weights);
    if let (false, Some(first)) = (names.is_empty(), incidents.iter().map(|i| i.started_at.timestamp()).min())
    {
        // Letters and `_` stand for themselves, a run of digits for any run of digits, any
        // other character for any: the pattern needs no escaping in any engine's SQL or
        // regular expressions, and ten thousand names like `INC-1234` make one alternative,
        // `inc.[0-9]+`, not ten thousand (engines compile it once per batch of rows). What it
        // finds is a superset; attribution matches the names exactly.
        let alternatives: BTreeSet<String> = names.iter().map(|n| loose_pattern(n)).collect();
        let pattern = alternatives.into_iter().collect::<Vec<_>>().join("|");
        conditions.push(format!(
            "(committer_epoch >= {first} AND (LOWER(subject) ~ '{pattern}' OR LOWER(body) ~ '{pattern}'))"
        ));
    }
    let sql = format!("SELECT repo, sha FROM commits WHERE {}", conditions.join(" OR "));
    let frame = run.query(&sql, &[("repo", Kind::Text), ("sha", Kind::Text)])?;
    let (repo, sha) = (texts(&frame, "repo")?, texts(&frame, "sha")?);
    Ok((0..frame.height())
        .map(|k| (repo[k].clone().unwrap_or_default(), sha[k].clone().unwrap_or_default()))
        .collect())
}

/// `name` as a loose, lower-case pattern: see [`pointing_commits`]. A name with no letter
/// keeps its digits, or it would find every commit with a number in its message.
fn loose_pattern(name: &str) -> String {
    let generalize = name.chars().any(|c| c.is_ascii_alphabetic());
    let mut out = String::new();
    let mut in_digits = false;
    for c in name.chars() {
        if c.is_ascii_digit() && generalize {
            if !in_digits {
                out.push_str("[0-9]+");
            }
            in_digits = true;
            continue;
        }
        in_digits = false;
        out.push(if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '.' });
    }
    out
}

/// Reduction 5b: the `keys` commits with their messages and files, as attribution reads them.
fn commit_details(run: &mut Run, keys: &BTreeSet<(String, String)>) -> Result<Vec<crate::model::Commit>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    run.send("fl_keys", key_frame(pairs(keys))?)?;
    let commits = run.query(
        "SELECT c.repo, c.sha, c.shallow_boundary, c.subject, c.body, c.committer_epoch, c.committer_offset_minutes \
         FROM commits c JOIN fl_keys k ON c.repo = k.repo AND c.sha = k.sha",
        &[
            ("repo", Kind::Text),
            ("sha", Kind::Text),
            ("shallow_boundary", Kind::Bool),
            ("subject", Kind::Text),
            ("body", Kind::Text),
            ("committer_epoch", Kind::Int),
            ("committer_offset_minutes", Kind::Int),
        ],
    )?;
    let files = run.query(
        "SELECT f.repo, f.sha, f.path, f.old_path, f.status, f.added_lines, f.deleted_lines, f.is_binary \
         FROM commit_files f JOIN fl_keys k ON f.repo = k.repo AND f.sha = k.sha",
        &FILE_COLUMNS,
    )?;
    // Sorted as the commits table is, so attribution sees them in the same order.
    let commits = sorted(commits, &["repo", "committer_epoch", "sha"])?;
    let files = sorted(files, &["repo", "sha", "path"])?;
    tables::commit_analysis_from_frames(&commits, &files)
}

/// The `commit_files` columns attribution and SZZ read, as the engine returns them.
const FILE_COLUMNS: [(&str, Kind); 8] = [
    ("repo", Kind::Text),
    ("sha", Kind::Text),
    ("path", Kind::Text),
    ("old_path", Kind::Text),
    ("status", Kind::Text),
    ("added_lines", Kind::Int),
    ("deleted_lines", Kind::Int),
    ("is_binary", Kind::Bool),
];

/// Reduction 7: for every commit a production deploy shipped, when it was committed (from
/// `commits`) and whether its provenance is AI (from `provenance`); a commit missing from
/// either table has no lead time or is not AI.
fn shipped_commit_facts(
    run: &mut Run,
    rows: &[&crate::model::DeployCommit],
) -> Result<HashMap<String, HashMap<String, crate::analyze::deploy_facts::ShippedCommit>>> {
    let keys: BTreeSet<(String, String)> = rows.iter().map(|r| (r.repo.clone(), r.sha.clone())).collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    run.send("fl_shipped", key_frame(pairs(&keys))?)?;
    let frame = run.query(
        "SELECT k.repo, k.sha, c.committer_epoch, p.origin \
         FROM fl_shipped k \
         LEFT JOIN (SELECT repo, sha, committer_epoch FROM commits) c ON c.repo = k.repo AND c.sha = k.sha \
         LEFT JOIN (SELECT repo, sha, origin FROM provenance) p ON p.repo = k.repo AND p.sha = k.sha",
        &[("repo", Kind::Text), ("sha", Kind::Text), ("committer_epoch", Kind::Int), ("origin", Kind::Text)],
    )?;
    let (repo, mut sha) = (texts(&frame, "repo")?, texts(&frame, "sha")?);
    let (epoch, origin) = (ints(&frame, "committer_epoch")?, texts(&frame, "origin")?);
    let ai = crate::provenance_report::Origin::Ai.as_str();
    // By repo, then sha: looked up with borrowed ids.
    let mut out: HashMap<String, HashMap<String, crate::analyze::deploy_facts::ShippedCommit>> =
        HashMap::new();
    for k in 0..frame.height() {
        let (Some(repo), Some(sha)) = (repo[k].as_deref(), sha[k].take()) else { continue };
        let fact = crate::analyze::deploy_facts::ShippedCommit {
            committed_epoch: epoch[k],
            ai: origin[k].as_deref() == Some(ai),
        };
        out.entry(repo.to_string()).or_default().insert(sha, fact);
    }
    Ok(out)
}

/// The SZZ links of `fixes`: for each repository that has fixes, its commit graph (commits,
/// the files they changed, the paths merges changed) comes from the engine and is indexed as
/// the in-process analysis indexes it, its fixes are blamed over it, and it is dropped before
/// the next repository's: memory is that of the largest repository, not of the lake.
fn blame_fixes(
    run: &mut Run,
    walkers: &mut Walkers,
    fixes: &BTreeSet<(String, String)>,
    tables: &Tables,
    skips: &szz::Skips,
) -> Result<HashMap<(String, String), Option<szz::SzzLink>>> {
    let mut by_repo: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (repo, sha) in fixes {
        by_repo.entry(repo.as_str()).or_default().push(sha.as_str());
    }
    let merges_listed = !tables.files(names::MERGE_FILES).is_empty();
    let mut links = HashMap::new();
    for (repo, shas) in by_repo {
        let Some(walker) = walkers.open(repo) else {
            links.extend(shas.iter().map(|sha| ((repo.to_string(), sha.to_string()), None)));
            continue;
        };
        let commits = repo_graph(run, repo, merges_listed)?;
        let history = crate::analyze::blame::History::new(&commits, merges_listed);
        drop(commits);
        let mut cache = crate::analyze::blame::BlameCache::default();
        for sha in shas {
            let link = szz::blame_fix(walker, Some((&history, &mut cache)), skips, sha).ok();
            links.insert((repo.to_string(), sha.to_string()), link);
        }
    }
    Ok(links)
}

/// One repository's commits with their parents and changed files (and merges' paths when the
/// lake lists them), in the order of the `commits` table.
fn repo_graph(run: &mut Run, repo: &str, merges_listed: bool) -> Result<Vec<crate::model::Commit>> {
    let quoted = repo.replace('\'', "''");
    // Parents as text: every engine reads the list column, not every one returns lists.
    let commits = run.query(
        &format!(
            "SELECT repo, sha, ARRAY_TO_STRING(parents, ' ') AS parents, shallow_boundary, committer_epoch \
             FROM commits WHERE repo = '{quoted}'"
        ),
        &[
            ("repo", Kind::Text),
            ("sha", Kind::Text),
            ("parents", Kind::Text),
            ("shallow_boundary", Kind::Bool),
            ("committer_epoch", Kind::Int),
        ],
    )?;
    let mut commits = sorted(commits, &["committer_epoch", "sha"])?;
    let parents: Vec<Series> = texts(&commits, "parents")?
        .iter()
        .map(|p| {
            let list: Vec<&str> = p.as_deref().unwrap_or("").split_whitespace().collect();
            Series::new("".into(), list)
        })
        .collect();
    commits
        .replace("parents", Series::new("parents".into(), parents).into_column())
        .map_err(|e| Error::Internal(e.to_string()))?;
    let (_, file_columns) = tables::COMMIT_GRAPH_COLUMNS;
    let files = run.query(
        &format!("SELECT {} FROM commit_files WHERE repo = '{quoted}'", file_columns.join(", ")),
        &FILE_COLUMNS,
    )?;
    let files = sorted(files, &["sha", "path"])?;
    let mut graph = tables::commit_graph_from_frames(&commits, &files)?;
    if merges_listed {
        let merges = run.query(
            &format!("SELECT repo, sha, path FROM merge_files WHERE repo = '{quoted}'"),
            &[("repo", Kind::Text), ("sha", Kind::Text), ("path", Kind::Text)],
        )?;
        let merges = sorted(merges, &["sha", "path"])?;
        tables::attach_merge_files(&mut graph, &merges)?;
    }
    Ok(graph)
}

/// Reduction 6: every commit with the services whose files it changed (a file a folder
/// claims belongs to that folder's services and to those without a folder; one no folder
/// claims belongs to every service of the repository).
fn changed_services(run: &mut Run, services: &[Service]) -> Result<Vec<(String, String, BTreeSet<String>)>> {
    let owners: Vec<(&str, &str, Option<String>)> = services
        .iter()
        .filter_map(|s| {
            Some((
                s.repo.as_deref()?,
                s.name.as_str(),
                s.path.as_deref().map(|p| p.trim_end_matches('/').to_string()),
            ))
        })
        .collect();
    let mut changed: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    // Rows sorted by polars before they go into the maps, whatever order the engine gave.
    let all = run.query("SELECT repo, sha FROM commits", &[("repo", Kind::Text), ("sha", Kind::Text)])?;
    let all = sorted(all, &["repo", "sha"])?;
    let (mut repo, mut sha) = (texts(&all, "repo")?, texts(&all, "sha")?);
    for k in 0..all.height() {
        changed
            .insert((repo[k].take().unwrap_or_default(), sha[k].take().unwrap_or_default()), BTreeSet::new());
    }
    drop(all);
    if !owners.is_empty() {
        let frame = DataFrame::new(
            owners.len(),
            vec![
                Column::new("repo".into(), owners.iter().map(|o| o.0).collect::<Vec<_>>()),
                Column::new("service".into(), owners.iter().map(|o| o.1).collect::<Vec<_>>()),
                Column::new("path".into(), owners.iter().map(|o| o.2.as_deref()).collect::<Vec<_>>()),
                Column::new(
                    "prefix".into(),
                    owners.iter().map(|o| o.2.as_ref().map(|p| format!("{p}/"))).collect::<Vec<_>>(),
                ),
            ],
        )
        .map_err(|e| Error::Internal(e.to_string()))?;
        run.send("fl_owners", frame)?;
        let owned = "SELECT f.repo, f.sha, f.path, o.service FROM commit_files f JOIN fl_owners o ON f.repo = o.repo \
                     WHERE o.path IS NULL OR f.path = o.path OR STARTS_WITH(f.path, o.prefix)";
        let columns = [("repo", Kind::Text), ("sha", Kind::Text), ("service", Kind::Text)];
        let frame = run.query(&format!("SELECT DISTINCT repo, sha, service FROM ({owned}) x"), &columns)?;
        let unowned = format!(
            "SELECT DISTINCT u.repo, u.sha, o.service FROM \
             (SELECT f.repo, f.sha FROM commit_files f \
              LEFT JOIN (SELECT DISTINCT repo, sha, path FROM ({owned}) y) w \
              ON f.repo = w.repo AND f.sha = w.sha AND f.path = w.path WHERE w.path IS NULL) u \
             JOIN fl_owners o ON u.repo = o.repo"
        );
        let rest = run.query(&unowned, &columns)?;
        for frame in [frame, rest] {
            let frame = sorted(frame, &["repo", "sha", "service"])?;
            let (mut repo, mut sha, mut service) =
                (texts(&frame, "repo")?, texts(&frame, "sha")?, texts(&frame, "service")?);
            for k in 0..frame.height() {
                let key = (repo[k].take().unwrap_or_default(), sha[k].take().unwrap_or_default());
                if let Some(set) = changed.get_mut(&key) {
                    set.insert(service[k].take().unwrap_or_default());
                }
            }
        }
    }
    Ok(changed.into_iter().map(|((repo, sha), set)| (repo, sha, set)).collect())
}

#[cfg(test)]
mod tests {
    use super::loose_pattern;

    #[test]
    fn names_become_loose_patterns_that_need_no_escaping() {
        assert_eq!(loose_pattern("INC-1234"), "inc.[0-9]+");
        assert_eq!(loose_pattern("PD:Q1X2Y3"), "pd.q[0-9]+x[0-9]+y[0-9]+");
        assert_eq!(loose_pattern("sev1_db-42"), "sev[0-9]+_db.[0-9]+");
        // No letter: the digits stay, or every commit with a number would be found.
        assert_eq!(loose_pattern("20261203"), "20261203");
        assert_eq!(loose_pattern("1.2'3"), "1.2.3");
    }
}
