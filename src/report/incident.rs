//! The incident review: what the incident commander reads in the post-incident review. From
//! `incidents`, `timeline_events`, `suspects`, `deploys`, `deploy_commits`, `commits`,
//! `provenance`, `szz_links`, `services` and `service_deps`: the phases and how long each took,
//! the deploys around it (suspects marked), the ranked suspect deploys and commits with their
//! evidence and provenance, the dependency path the failure travelled, and the SZZ links.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Duration, Utc};

use super::Dataset;
use crate::error::{Error, Result};
use crate::model::{Incident, SuspectKind, TimelineEvent};

/// Suspects at or above this probability are drawn as suspects on the charts.
pub const SUSPECT_SHOWN: f64 = 0.05;

/// One incident's review.
#[derive(Debug, Clone)]
pub struct Review {
    /// Incident id.
    pub id: String,
    /// Title.
    pub title: String,
    /// SEV number (1 the worst).
    pub severity: Option<i32>,
    /// Services the incident names.
    pub services: Vec<String>,
    /// Customers affected, when recorded.
    pub customers_affected: Option<i64>,
    /// Where the record came from.
    pub source: String,
    /// Start, detection, mitigation, resolution.
    pub started_at: DateTime<Utc>,
    /// When it was detected.
    pub detected_at: Option<DateTime<Utc>>,
    /// When it was mitigated.
    pub mitigated_at: Option<DateTime<Utc>>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// The timeline as recorded.
    pub timeline: Vec<TimelineEvent>,
    /// Deploys drawn on the timeline: the suspects and the production deploys to the
    /// incident's services and their dependencies from the window before it to its end.
    pub deploys: Vec<TimelineDeploy>,
    /// P(no change at fault) and why.
    pub no_change: (f64, Vec<String>),
    /// Suspect deploys by probability.
    pub suspect_deploys: Vec<SuspectDeploy>,
    /// Suspect commits by probability.
    pub suspect_commits: Vec<SuspectCommit>,
    /// The dependency paths from each likely deploy's service to the services where the
    /// incident was seen.
    pub paths: Vec<FailurePath>,
    /// SZZ: which earlier commits' lines the fixes changed.
    pub szz: Vec<SzzGroup>,
}

/// A deploy on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineDeploy {
    /// Deploy id.
    pub id: String,
    /// Service.
    pub service: String,
    /// Start.
    pub at: DateTime<Utc>,
    /// `deploy` or `rollback`.
    pub kind: String,
    /// P(it caused the incident), when it is a suspect.
    pub probability: Option<f64>,
}

/// A suspect deploy.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectDeploy {
    /// Deploy id.
    pub id: String,
    /// Service.
    pub service: String,
    /// Environment.
    pub environment: String,
    /// Start.
    pub at: Option<DateTime<Utc>>,
    /// P(it caused the incident).
    pub probability: f64,
    /// Why, in words.
    pub evidence: Vec<String>,
}

/// A suspect commit and who or what wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectCommit {
    /// Repository.
    pub repo: String,
    /// Commit id.
    pub sha: String,
    /// The deploy that shipped it.
    pub deploy: String,
    /// P(it caused the incident).
    pub probability: f64,
    /// First line of its message.
    pub subject: String,
    /// Author, `Name <email>`.
    pub author: String,
    /// `ai`, `human` or `unknown`.
    pub origin: &'static str,
    /// AI tools.
    pub tools: Vec<String>,
    /// Models.
    pub models: Vec<String>,
    /// Sessions or prompt references.
    pub sessions: Vec<String>,
    /// Share of its added lines an AI tool wrote, when known.
    pub ai_line_share: Option<f64>,
    /// Reviewers named by review trailers (not the author).
    pub reviewers: Vec<String>,
    /// The provenance evidence, in words.
    pub provenance_evidence: Vec<String>,
    /// Link to the commit, when the repository's web address is known.
    pub url: Option<String>,
    /// Why it is a suspect, in words.
    pub evidence: Vec<String>,
}

/// A path the failure travelled: the deploy, its service, and the dependents up to a service
/// where the incident was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct FailurePath {
    /// The suspect deploy.
    pub deploy: String,
    /// P(it caused the incident).
    pub probability: f64,
    /// Services from the deployed one to the one where the incident was seen; each depends on
    /// the one before it.
    pub services: Vec<String>,
}

/// The lines one fix changed that one earlier commit wrote, in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct SzzGroup {
    /// Repository.
    pub repo: String,
    /// The fix.
    pub fix: String,
    /// The commit that last wrote the lines.
    pub blamed: String,
    /// File (at the fix's parent).
    pub path: String,
    /// Line numbers at the fix's parent.
    pub lines: Vec<i32>,
    /// Link to the blamed commit.
    pub url: Option<String>,
}

impl Review {
    /// Minutes from start to detection, mitigation and resolution.
    pub fn durations(&self) -> [(&'static str, Option<i64>); 3] {
        let since = |at: Option<DateTime<Utc>>| at.map(|t| (t - self.started_at).num_minutes());
        [
            ("time to detect", since(self.detected_at)),
            ("time to mitigate", since(self.mitigated_at)),
            ("time to resolve", since(self.resolved_at)),
        ]
    }
}

/// The review of incident `id`; an unknown id is a usage error.
pub fn review(data: &Dataset, id: &str) -> Result<Review> {
    let Some(incident) = data.incidents.iter().find(|i| i.id == id) else {
        return Err(Error::Usage(format!(
            "no incident `{id}` in the store; `faultline explain` lists the known ones"
        )));
    };
    let mut no_change = (1.0, Vec::new());
    let (mut suspect_deploys, mut suspect_commits) = (Vec::new(), Vec::new());
    for s in data.suspects.get(id).into_iter().flatten() {
        match s.kind {
            SuspectKind::NoChange => no_change = (s.probability, s.evidence.clone()),
            SuspectKind::Deploy => {
                let deploy_id = s.deploy_id.clone().unwrap_or_default();
                let deploy = data.deploy_index.get(&deploy_id).map(|&i| &data.deploys[i]);
                suspect_deploys.push(SuspectDeploy {
                    service: s.service.clone().or(deploy.map(|d| d.service.clone())).unwrap_or_default(),
                    environment: deploy.map(|d| d.environment.clone()).unwrap_or_default(),
                    at: deploy.map(|d| d.started_at),
                    id: deploy_id,
                    probability: s.probability,
                    evidence: s.evidence.clone(),
                });
            }
            SuspectKind::Commit => {
                let (repo, sha) = (s.repo.clone().unwrap_or_default(), s.sha.clone().unwrap_or_default());
                suspect_commits.push(commit(
                    data,
                    repo,
                    sha,
                    s.deploy_id.clone().unwrap_or_default(),
                    s.probability,
                    &s.evidence,
                ));
            }
        }
    }
    let by_probability = |a: f64, b: f64| b.total_cmp(&a);
    suspect_deploys
        .sort_by(|a, b| by_probability(a.probability, b.probability).then_with(|| a.id.cmp(&b.id)));
    suspect_commits.sort_by(|a, b| {
        by_probability(a.probability, b.probability).then_with(|| (&a.repo, &a.sha).cmp(&(&b.repo, &b.sha)))
    });
    let paths = failure_paths(data, incident, &suspect_deploys);
    let deploys = timeline_deploys(data, incident, &suspect_deploys, &paths);
    let mut groups: BTreeMap<(String, String, String, String), Vec<i32>> = BTreeMap::new();
    for line in data.szz.get(id).into_iter().flatten() {
        groups
            .entry((line.repo.clone(), line.fix_sha.clone(), line.blamed_sha.clone(), line.path.clone()))
            .or_default()
            .push(line.line);
    }
    let szz = groups
        .into_iter()
        .map(|((repo, fix, blamed, path), mut lines)| {
            lines.sort_unstable();
            lines.dedup();
            let url = data.commit_url(&repo, &blamed);
            SzzGroup { repo, fix, blamed, path, lines, url }
        })
        .collect();
    let mut timeline = incident.timeline.clone();
    timeline.sort();
    Ok(Review {
        id: incident.id.clone(),
        title: incident.title.clone(),
        severity: incident.severity,
        services: incident.services.clone(),
        customers_affected: incident.customers_affected,
        source: incident.source.clone(),
        started_at: incident.started_at,
        detected_at: incident.detected_at,
        mitigated_at: incident.mitigated_at,
        resolved_at: incident.resolved_at,
        timeline,
        deploys,
        no_change,
        suspect_deploys,
        suspect_commits,
        paths,
        szz,
    })
}

fn commit(
    data: &Dataset,
    repo: String,
    sha: String,
    deploy: String,
    probability: f64,
    evidence: &[String],
) -> SuspectCommit {
    let brief = data.commits.get(&repo, &sha);
    let provenance = data.provenance.get(&repo, &sha);
    SuspectCommit {
        subject: brief.map(|c| c.subject.clone()).unwrap_or_default(),
        author: brief.map(|c| format!("{} <{}>", c.author_name, c.author_email)).unwrap_or_default(),
        origin: data.origin(&repo, &sha).as_str(),
        tools: provenance.map(|p| p.tools.clone()).unwrap_or_default(),
        models: provenance.map(|p| p.models.clone()).unwrap_or_default(),
        sessions: provenance.map(|p| p.sessions.clone()).unwrap_or_default(),
        ai_line_share: provenance.and_then(|p| p.ai_line_share),
        reviewers: brief.map(|c| data.reviewers(c)).unwrap_or_default(),
        provenance_evidence: provenance
            .map(|p| p.evidence.iter().map(|e| e.describe()).collect())
            .unwrap_or_default(),
        url: data.commit_url(&repo, &sha),
        repo,
        sha,
        deploy,
        probability,
        evidence: evidence.to_vec(),
    }
}

/// For each likely deploy (at least [`SUSPECT_SHOWN`], at most three), the shortest chain of
/// dependents from its service to each service the incident names.
fn failure_paths(data: &Dataset, incident: &Incident, deploys: &[SuspectDeploy]) -> Vec<FailurePath> {
    let mut dependents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for dep in &data.deps {
        dependents.entry(dep.depends_on.as_str()).or_default().insert(dep.service.as_str());
    }
    let mut out = Vec::new();
    for deploy in deploys.iter().filter(|d| d.probability >= SUSPECT_SHOWN).take(3) {
        // Breadth first over dependents: the first time a service is reached is by a shortest
        // chain, and the sets are ordered, so the chain chosen is always the same.
        let start = deploy.service.as_str();
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = BTreeSet::from([start]);
        while let Some(s) = queue.pop_front() {
            for &next in dependents.get(s).into_iter().flatten() {
                if seen.insert(next) {
                    previous.insert(next, s);
                    queue.push_back(next);
                }
            }
        }
        let mut targets: Vec<&str> =
            incident.services.iter().map(String::as_str).filter(|s| seen.contains(s)).collect();
        targets.sort_unstable();
        if targets.is_empty() {
            out.push(FailurePath {
                deploy: deploy.id.clone(),
                probability: deploy.probability,
                services: vec![start.to_string()],
            });
        }
        for target in targets {
            let mut chain = vec![target.to_string()];
            let mut at = target;
            while let Some(&p) = previous.get(at) {
                chain.push(p.to_string());
                at = p;
            }
            chain.reverse();
            out.push(FailurePath {
                deploy: deploy.id.clone(),
                probability: deploy.probability,
                services: chain,
            });
        }
    }
    out
}

/// The deploys to draw: suspects, and production deploys to the services involved from the
/// attribution window (72 hours) before the start to the end; at most 60, the suspects kept.
fn timeline_deploys(
    data: &Dataset,
    incident: &Incident,
    suspects: &[SuspectDeploy],
    paths: &[FailurePath],
) -> Vec<TimelineDeploy> {
    let end = incident
        .resolved_at
        .or(incident.mitigated_at)
        .unwrap_or(incident.started_at)
        .max(incident.started_at);
    let from = incident.started_at - Duration::hours(72);
    let mut services: BTreeSet<&str> = incident.services.iter().map(String::as_str).collect();
    services.extend(paths.iter().flat_map(|p| p.services.iter().map(String::as_str)));
    let probability: BTreeMap<&str, f64> = suspects.iter().map(|s| (s.id.as_str(), s.probability)).collect();
    let mut out: Vec<TimelineDeploy> = data
        .deploys
        .iter()
        .filter(|d| {
            probability.get(d.id.as_str()).is_some_and(|&p| p >= SUSPECT_SHOWN)
                || (services.contains(d.service.as_str())
                    && data.is_production(&d.environment)
                    && d.started_at >= from
                    && d.started_at <= end)
        })
        .map(|d| TimelineDeploy {
            id: d.id.clone(),
            service: d.service.clone(),
            at: d.started_at,
            kind: d.kind.as_str().to_string(),
            probability: probability.get(d.id.as_str()).copied(),
        })
        .collect();
    if out.len() > 60 {
        // Keep the suspects and the deploys nearest the start.
        out.sort_by_key(|d| {
            (d.probability.is_none(), (d.at - incident.started_at).num_seconds().abs(), d.id.clone())
        });
        out.truncate(60);
    }
    out.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    out
}
