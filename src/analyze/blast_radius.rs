//! Blast radius, per commit: what it did (realized) and what it could do (potential). Reads
//! incidents, suspects, services, their dependencies and the commits' files; writes
//! `blast_radius`. The formula and weights are in `docs/attribution.md`.
//!
//! - Realized: Σ over incidents of P(commit caused it) × the incident's impact, where impact
//!   = severity weight × impact minutes × affected services (those the incident names and every
//!   service that depends on them, transitively) × (1 + log10(1 + customers affected)).
//! - Potential, for every commit: the services it changed (by catalog folder; a file under no
//!   service's folder is shared and changes every service of its repository; a repository
//!   without folders, all its services) and every service that depends on them, each weighted
//!   by its tier.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::config::BlastRadiusConfig;
use crate::model::{Commit, Incident, Service, ServiceDep, Suspect, SuspectKind};

/// One commit's blast radius.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Radius {
    /// Repository.
    pub repo: String,
    /// Commit.
    pub sha: String,
    /// Realized blast radius.
    pub blast_radius: f64,
    /// Potential blast radius.
    pub potential_blast_radius: f64,
    /// The incidents it may have caused, with P(it caused them), by probability.
    pub incidents: Vec<(String, f64)>,
}

/// The weights of severities and tiers, with `[blast_radius]`'s overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactWeights {
    /// SEV1 (the worst) to SEV5.
    pub severity: [f64; 5],
    /// Tier 1 (the most critical) to tier 5.
    pub tier: [f64; 5],
    /// The severity of an incident that has none.
    pub unknown_severity: i32,
    /// The tier of a service that has none.
    pub unknown_tier: i32,
    /// Minutes an incident's impact is counted when it records no end.
    pub unknown_impact_minutes: f64,
}

impl Default for ImpactWeights {
    fn default() -> ImpactWeights {
        ImpactWeights::from_config(&BlastRadiusConfig::default())
    }
}

impl ImpactWeights {
    /// The documented defaults, overridden by `[blast_radius]` (which the config checked).
    pub fn from_config(config: &BlastRadiusConfig) -> ImpactWeights {
        let five = |list: &Option<Vec<f64>>, default: [f64; 5]| {
            list.as_deref().and_then(|l| <[f64; 5]>::try_from(l).ok()).unwrap_or(default)
        };
        ImpactWeights {
            severity: five(&config.severity_weights, [16.0, 8.0, 4.0, 2.0, 1.0]),
            tier: five(&config.tier_weights, [8.0, 4.0, 2.0, 1.0, 0.5]),
            unknown_severity: config.unknown_severity.unwrap_or(3),
            unknown_tier: config.unknown_tier.unwrap_or(4),
            unknown_impact_minutes: config.unknown_impact_minutes.unwrap_or(60.0),
        }
    }

    /// Minutes of an incident's impact: start to mitigation (or resolution), or
    /// `unknown_impact_minutes` when it records neither; never below 0.
    pub fn impact_minutes(&self, incident: &Incident) -> f64 {
        incident
            .mitigated_at
            .or(incident.resolved_at)
            .map_or(self.unknown_impact_minutes, |end| {
                (end - incident.started_at).num_seconds() as f64 / 60.0
            })
            .max(0.0)
    }

    /// Weight of an incident's severity (1 is the worst; beyond 5 counts as 5).
    pub fn severity_weight(&self, severity: Option<i32>) -> f64 {
        self.severity[(severity.unwrap_or(self.unknown_severity).clamp(1, 5) - 1) as usize]
    }

    /// Weight of a service's tier (1 is the most critical; beyond 5 counts as 5).
    pub fn tier_weight(&self, tier: Option<i32>) -> f64 {
        self.tier[(tier.unwrap_or(self.unknown_tier).clamp(1, 5) - 1) as usize]
    }
}

/// Every commit's blast radius, sorted by realized then potential, descending.
pub fn measure<'a>(
    commits: &'a [Commit],
    incidents: &[Incident],
    suspects: &[Suspect],
    services: &'a [Service],
    deps: &'a [ServiceDep],
    weights: &ImpactWeights,
) -> Vec<Radius> {
    let ownership = Ownership::new(services);
    let changed = commits.iter().map(|commit| {
        let mut changed: BTreeSet<&str> = BTreeSet::new();
        for file in &commit.files {
            changed.extend(ownership.owners(&commit.repo, &file.path));
        }
        (commit.repo.as_str(), commit.sha.as_str(), changed)
    });
    measure_changed(changed, incidents, suspects, services, deps, weights)
}

/// Which services own a file: the catalog's services of its repository whose folder holds it,
/// or, for a file no folder claims (shared code, a repository without folders), every service
/// of the repository.
#[derive(Debug, Clone)]
pub struct Ownership<'a> {
    by_repo: HashMap<&'a str, Vec<&'a Service>>,
}

impl<'a> Ownership<'a> {
    /// Index `services` by repository.
    pub fn new(services: &'a [Service]) -> Ownership<'a> {
        let mut by_repo: HashMap<&str, Vec<&Service>> = HashMap::new();
        for service in services {
            if let Some(repo) = service.repo.as_deref() {
                by_repo.entry(repo).or_default().push(service);
            }
        }
        Ownership { by_repo }
    }

    /// The services owning `path` of `repo`, sorted; empty when the catalog names no service
    /// in `repo`.
    pub fn owners(&self, repo: &str, path: &str) -> BTreeSet<&'a str> {
        let under = |p: &str| path == p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/'));
        let services = self.by_repo.get(repo).map_or(&[][..], Vec::as_slice);
        let owning: BTreeSet<&str> = services
            .iter()
            .filter(|s| s.path.as_deref().is_none_or(under))
            .map(|s| s.name.as_str())
            .collect();
        if owning.is_empty() {
            services.iter().map(|s| s.name.as_str()).collect()
        } else {
            owning
        }
    }
}

/// The catalog's dependency graph, indexed once: who depends on each service, and each
/// service's tier.
#[derive(Debug, Clone)]
pub struct Reach<'a> {
    dependents: BTreeMap<&'a str, BTreeSet<&'a str>>,
    tiers: HashMap<&'a str, Option<i32>>,
}

impl<'a> Reach<'a> {
    /// Index `services` and `deps`.
    pub fn new(services: &'a [Service], deps: &'a [ServiceDep]) -> Reach<'a> {
        let mut dependents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for dep in deps {
            dependents.entry(dep.depends_on.as_str()).or_default().insert(dep.service.as_str());
        }
        let tiers = services.iter().map(|s| (s.name.as_str(), s.tier)).collect();
        Reach { dependents, tiers }
    }

    /// `start` and every service depending on one of them, transitively.
    pub fn affected<'s>(&self, start: impl Iterator<Item = &'s str>) -> BTreeSet<&'a str> {
        // The names are the catalog's own (the start may borrow from elsewhere); others reach
        // nothing.
        let start = start.filter_map(|s| self.tiers.get_key_value(s).map(|(k, _)| *k));
        reach(start, &self.dependents)
    }

    /// The potential blast radius of changing `changed`: the tier weights of those services and
    /// of every service depending on them, transitively. Names the catalog does not have count
    /// nothing.
    pub fn potential<'s>(&self, changed: impl Iterator<Item = &'s str>, weights: &ImpactWeights) -> f64 {
        // A fold from +0.0: `sum` of no weights is -0.0.
        self.affected(changed)
            .into_iter()
            .map(|s| weights.tier_weight(self.tiers.get(s).copied().flatten()))
            .fold(0.0, |total, weight| total + weight)
    }
}

/// [`measure`] from the services each commit changed, worked out already: (repo, sha, the
/// services whose files it changed, by the catalog's rule — the owners of each file, or every
/// service of the repository for a file no path claims).
pub fn measure_changed<'a>(
    changed: impl Iterator<Item = (&'a str, &'a str, BTreeSet<&'a str>)>,
    incidents: &[Incident],
    suspects: &[Suspect],
    services: &'a [Service],
    deps: &'a [ServiceDep],
    weights: &ImpactWeights,
) -> Vec<Radius> {
    let graph = Reach::new(services, deps);
    let impact: HashMap<&str, f64> = incidents
        .iter()
        .map(|i| {
            let minutes = weights.impact_minutes(i);
            let affected =
                reach(i.services.iter().map(String::as_str), &graph.dependents).len().max(1) as f64;
            let customers = i.customers_affected.map_or(1.0, |c| 1.0 + (1.0 + c.max(0) as f64).log10());
            (i.id.as_str(), weights.severity_weight(i.severity) * minutes * affected * customers)
        })
        .collect();
    let mut caused: HashMap<(&str, &str), Vec<(String, f64)>> = HashMap::new();
    for s in suspects.iter().filter(|s| s.kind == SuspectKind::Commit) {
        if let (Some(repo), Some(sha)) = (s.repo.as_deref(), s.sha.as_deref()) {
            caused.entry((repo, sha)).or_default().push((s.incident_id.clone(), s.probability));
        }
    }
    let mut out: Vec<Radius> = changed
        .map(|(repo, sha, changed)| {
            let potential = graph.potential(changed.into_iter(), weights);
            let mut incidents = caused.remove(&(repo, sha)).unwrap_or_default();
            incidents.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let realized: f64 =
                incidents.iter().map(|(id, p)| p * impact.get(id.as_str()).copied().unwrap_or(0.0)).sum();
            Radius {
                repo: repo.to_string(),
                sha: sha.to_string(),
                blast_radius: realized,
                potential_blast_radius: potential,
                incidents,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.blast_radius
            .total_cmp(&a.blast_radius)
            .then_with(|| b.potential_blast_radius.total_cmp(&a.potential_blast_radius))
            .then_with(|| (&a.repo, &a.sha).cmp(&(&b.repo, &b.sha)))
    });
    out
}

/// `start` and every service that depends on one of them, transitively.
fn reach<'a>(
    start: impl Iterator<Item = &'a str>,
    dependents: &BTreeMap<&'a str, BTreeSet<&'a str>>,
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<&str> = start.collect();
    while let Some(service) = queue.pop_front() {
        if seen.insert(service) {
            queue.extend(dependents.get(service).into_iter().flatten().copied());
        }
    }
    seen
}
