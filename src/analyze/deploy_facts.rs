//! The facts the DORA four keys need of each production deploy: whether it carried
//! AI-provenance commits, the lead time of every commit it shipped, whether it failed and how
//! long the restore took. They are the join of `deploy_commits` with `commits` (when each
//! shipped commit was made) and `provenance` (who wrote it), and of the deploys with the
//! incidents they likely caused and the rollbacks of them. The analysis writes them as the
//! `deploy_facts` table; the quarterly report reads that table and does only the statistics
//! ([`crate::analyze::dora`]) over the deploys of its period.
//!
//! The lookups are passed in: the in-process analysis answers them from the store, an engine
//! analysis from one join on its engine (see [`crate::analyze::on_engine`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::analyze::blast_radius::ImpactWeights;
use crate::analyze::dora::{DeployFacts, Group};
use crate::model::{Deploy, DeployCommit, DeployKind, DeployStatus, Incident, Suspect, SuspectKind};

/// A deploy is a likely cause of an incident at or above this probability.
pub const LIKELY_CAUSE: f64 = 0.5;

/// One production deploy that shipped commits, with its four-keys facts.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployFact {
    /// The deploy.
    pub deploy_id: String,
    /// Its service.
    pub service: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Commits it shipped.
    pub commits: usize,
    /// The facts (lead minutes in ascending order).
    pub facts: DeployFacts,
}

/// What the facts need of a shipped commit (by default: in neither table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShippedCommit {
    /// When it was committed (Unix seconds), when the commit is in `commits`.
    pub committed_epoch: Option<i64>,
    /// Whether its provenance is AI.
    pub ai: bool,
}

/// The successful production deploys (not rollbacks) that `shipped` commits, oldest first, with
/// their facts; `commit` answers for each shipped (repo, sha), `production` names the production
/// environments in lower case.
pub fn gather(
    deploys: &[Deploy],
    shipped: &[DeployCommit],
    commit: &dyn Fn(&str, &str) -> ShippedCommit,
    incidents: &[Incident],
    suspects: &[Suspect],
    production: &[String],
    weights: &ImpactWeights,
) -> Vec<DeployFact> {
    let mut by_deploy: HashMap<&str, Vec<&DeployCommit>> = HashMap::new();
    for row in shipped {
        by_deploy.entry(row.deploy_id.as_str()).or_default().push(row);
    }
    let mut rolled_back: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for d in deploys.iter().filter(|d| d.kind == DeployKind::Rollback) {
        if let Some(of) = d.rollback_of.as_deref() {
            let at = d.finished_at.unwrap_or(d.started_at);
            rolled_back.entry(of).and_modify(|t| *t = (*t).min(at)).or_insert(at);
        }
    }
    let incident_minutes: BTreeMap<&str, f64> =
        incidents.iter().map(|i| (i.id.as_str(), weights.impact_minutes(i))).collect();
    let mut caused: HashMap<&str, f64> = HashMap::new();
    for s in suspects {
        if s.kind != SuspectKind::Deploy || s.probability < LIKELY_CAUSE {
            continue;
        }
        if let (Some(id), Some(restore)) =
            (s.deploy_id.as_deref(), incident_minutes.get(s.incident_id.as_str()).copied())
        {
            caused.entry(id).and_modify(|m| *m = m.min(restore)).or_insert(restore);
        }
    }
    let mut out: Vec<DeployFact> = Vec::new();
    for d in deploys {
        if d.kind != DeployKind::Deploy
            || d.status != DeployStatus::Success
            || !production.contains(&d.environment.to_lowercase())
        {
            continue;
        }
        let Some(rows) = by_deploy.get(d.id.as_str()) else { continue };
        let facts: Vec<ShippedCommit> = rows.iter().map(|r| commit(&r.repo, &r.sha)).collect();
        let mut lead_minutes: Vec<f64> = facts
            .iter()
            .filter_map(|c| c.committed_epoch)
            .map(|at| ((d.started_at.timestamp() - at) as f64 / 60.0).max(0.0))
            .collect();
        lead_minutes.sort_by(f64::total_cmp);
        let by_incident = caused.get(d.id.as_str()).copied();
        let by_rollback = rolled_back
            .get(d.id.as_str())
            .map(|at| ((*at - d.started_at).num_seconds() as f64 / 60.0).max(0.0));
        out.push(DeployFact {
            deploy_id: d.id.clone(),
            service: d.service.clone(),
            started_at: d.started_at,
            commits: rows.len(),
            facts: DeployFacts {
                group: if facts.iter().any(|c| c.ai) { Group::Ai } else { Group::Human },
                lead_minutes,
                failed: by_incident.is_some() || by_rollback.is_some(),
                restore_minutes: by_incident.or(by_rollback),
            },
        });
    }
    out.sort_by(|a, b| (a.started_at, &a.deploy_id).cmp(&(b.started_at, &b.deploy_id)));
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::DeployStatus;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 1, hour, 0, 0).unwrap()
    }

    fn deploy(id: &str, environment: &str, hour: u32, kind: DeployKind, of: Option<&str>) -> Deploy {
        Deploy {
            id: id.into(),
            service: "api".into(),
            environment: environment.into(),
            repo: Some("shop".into()),
            sha: None,
            started_at: at(hour),
            finished_at: Some(at(hour) + chrono::Duration::minutes(5)),
            status: DeployStatus::Success,
            kind,
            rollback_of: of.map(str::to_string),
            actor: None,
            source: "deploys.csv".into(),
            origin: "deploys.csv:2".into(),
        }
    }

    fn row(deploy: &Deploy, sha: &str, position: i32) -> DeployCommit {
        DeployCommit {
            deploy_id: deploy.id.clone(),
            service: deploy.service.clone(),
            environment: deploy.environment.clone(),
            repo: "shop".into(),
            sha: sha.into(),
            position,
            deployed_at: deploy.started_at,
        }
    }

    #[test]
    fn facts_join_commits_provenance_incidents_and_rollbacks() {
        let d1 = deploy("d1", "Production", 10, DeployKind::Deploy, None);
        let d2 = deploy("d2", "prod", 12, DeployKind::Deploy, None);
        let staging = deploy("d3", "staging", 13, DeployKind::Deploy, None);
        let back = deploy("r1", "prod", 14, DeployKind::Rollback, Some("d2"));
        let deploys = vec![d2.clone(), d1.clone(), staging.clone(), back];
        let shipped = vec![row(&d1, "a", 0), row(&d1, "b", 1), row(&d2, "c", 0), row(&staging, "c", 0)];
        let commit = |_: &str, sha: &str| match sha {
            "a" => ShippedCommit { committed_epoch: Some(at(9).timestamp()), ai: false },
            "b" => ShippedCommit { committed_epoch: Some(at(7).timestamp() - 1800), ai: true },
            // Not in `commits`: no lead time, but still shipped.
            _ => ShippedCommit { committed_epoch: None, ai: false },
        };
        let incident = Incident {
            id: "INC-1".into(),
            title: "checkout errors".into(),
            severity: Some(2),
            services: vec!["api".into()],
            started_at: at(11),
            detected_at: None,
            mitigated_at: Some(at(11) + chrono::Duration::minutes(42)),
            resolved_at: None,
            customers_affected: None,
            timeline: Vec::new(),
            source: "incidents.json".into(),
            origin: "incidents.json:$[0]".into(),
        };
        let suspect = |deploy: &str, probability: f64| Suspect {
            incident_id: "INC-1".into(),
            kind: SuspectKind::Deploy,
            rank: 1,
            deploy_id: Some(deploy.into()),
            service: None,
            repo: None,
            sha: None,
            probability,
            score: 0.0,
            evidence: Vec::new(),
        };
        let suspects = vec![suspect("d1", 0.5), suspect("d2", 0.49)];
        let production = vec!["production".to_string(), "prod".to_string()];
        let facts = gather(
            &deploys,
            &shipped,
            &commit,
            &[incident],
            &suspects,
            &production,
            &ImpactWeights::default(),
        );
        assert_eq!(
            facts,
            vec![
                DeployFact {
                    deploy_id: "d1".into(),
                    service: "api".into(),
                    started_at: at(10),
                    commits: 2,
                    facts: DeployFacts {
                        group: Group::Ai,
                        lead_minutes: vec![60.0, 210.0],
                        failed: true,
                        restore_minutes: Some(42.0),
                    },
                },
                DeployFact {
                    deploy_id: "d2".into(),
                    service: "api".into(),
                    started_at: at(12),
                    commits: 1,
                    facts: DeployFacts {
                        group: Group::Human,
                        lead_minutes: Vec::new(),
                        failed: true,
                        // Rolled back when the rollback finished, 2 h 5 min after it started.
                        restore_minutes: Some(125.0),
                    },
                },
            ]
        );
    }
}
