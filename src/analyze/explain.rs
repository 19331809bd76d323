//! One incident's suspects, as `faultline explain` shows them: the deploys and commits that
//! most likely caused it, by probability, each with its evidence and, for commits, who or what
//! wrote them. Reads `incidents`, `suspects` and the suspect commits' `provenance`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::engine::Source;
use crate::error::{Error, Result};
use crate::model::SuspectKind;
use crate::tables::{self, names};

/// The explanation of one incident (the JSON contract of `faultline explain`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The incident's id.
    pub incident: String,
    /// Its title.
    pub title: String,
    /// P(no change at fault).
    pub no_change: f64,
    /// Why "no change at fault" has that share, in words.
    pub no_change_evidence: Vec<String>,
    /// Suspect deploys by probability, descending.
    pub deploys: Vec<DeploySuspect>,
    /// Suspect commits by probability, descending.
    pub commits: Vec<CommitSuspect>,
}

/// A suspect deploy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploySuspect {
    /// The deploy's id.
    pub id: String,
    /// Its service.
    pub service: String,
    /// P(it caused the incident).
    pub probability: f64,
    /// Why, in words.
    pub evidence: Vec<String>,
}

/// A suspect commit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitSuspect {
    /// The commit.
    pub sha: String,
    /// Its repository.
    pub repo: String,
    /// The deploy that shipped it.
    pub deploy: String,
    /// P(it caused the incident).
    pub probability: f64,
    /// Whether AI evidence was found for it.
    pub ai: bool,
    /// The AI tools that wrote it, lower case.
    pub tools: Vec<String>,
    /// Why, in words.
    pub evidence: Vec<String>,
}

/// Explain `incident` from the store; an unknown id is an error naming the nearest known ones.
pub fn explain(source: &mut Source, incident: &str) -> Result<Explanation> {
    let tables = Tables::load(source, Some(incident))?;
    let Some(found) = tables.incidents.iter().find(|i| i.id == incident) else {
        let ids: Vec<&str> = tables.incidents.iter().map(|i| i.id.as_str()).collect();
        return Err(Error::Usage(unknown_incident(incident, &ids)));
    };
    Ok(tables.explain(found))
}

/// Every incident's explanation, in the order of the `incidents` table (by start); the tables
/// are read once.
pub fn explain_all(source: &mut Source) -> Result<Vec<Explanation>> {
    if !source.has(names::INCIDENTS) {
        return Ok(Vec::new());
    }
    let tables = Tables::load(source, None)?;
    Ok(tables.incidents.iter().map(|i| tables.explain(i)).collect())
}

/// What explanations are made of, read once: the small tables whole, the provenance of the
/// suspect commits by key.
struct Tables {
    incidents: Vec<crate::model::Incident>,
    /// Suspects by incident, in the table's order.
    suspects: BTreeMap<String, Vec<crate::model::Suspect>>,
    /// (repo, sha) → (AI, tools).
    provenance: BTreeMap<(String, String), (bool, Vec<String>)>,
}

impl Tables {
    fn load(source: &mut Source, only: Option<&str>) -> Result<Tables> {
        let incidents = source.require(names::INCIDENTS)?;
        let timeline = source.require(names::TIMELINE_EVENTS)?;
        let incidents = tables::incidents_from_frames(&incidents, &timeline)?;
        let mut suspects: BTreeMap<String, Vec<crate::model::Suspect>> = BTreeMap::new();
        for s in tables::suspects_from_frame(&source.require(names::SUSPECTS)?)? {
            suspects.entry(s.incident_id.clone()).or_default().push(s);
        }
        let keys: BTreeSet<(String, String)> = suspects
            .iter()
            .filter(|(id, _)| only.is_none_or(|only| only == id.as_str()))
            .flat_map(|(_, rows)| rows)
            .filter_map(|s| Some((s.repo.clone()?, s.sha.clone()?)))
            .collect();
        let provenance = match source.has(names::PROVENANCE) {
            true => crate::report::facts::ai_tools(source, &keys)?,
            false => BTreeMap::new(),
        };
        Ok(Tables { incidents, suspects, provenance })
    }

    fn explain(&self, found: &crate::model::Incident) -> Explanation {
        let mut explanation = Explanation {
            incident: found.id.clone(),
            title: found.title.clone(),
            no_change: 1.0,
            no_change_evidence: Vec::new(),
            deploys: Vec::new(),
            commits: Vec::new(),
        };
        for s in self.suspects.get(&found.id).into_iter().flatten().cloned() {
            match s.kind {
                SuspectKind::NoChange => {
                    explanation.no_change = s.probability;
                    explanation.no_change_evidence = s.evidence;
                }
                SuspectKind::Deploy => explanation.deploys.push(DeploySuspect {
                    id: s.deploy_id.unwrap_or_default(),
                    service: s.service.unwrap_or_default(),
                    probability: s.probability,
                    evidence: s.evidence,
                }),
                SuspectKind::Commit => {
                    let (repo, sha) = (s.repo.unwrap_or_default(), s.sha.unwrap_or_default());
                    let (ai, tools) =
                        self.provenance.get(&(repo.clone(), sha.clone())).cloned().unwrap_or_default();
                    explanation.commits.push(CommitSuspect {
                        sha,
                        repo,
                        deploy: s.deploy_id.unwrap_or_default(),
                        probability: s.probability,
                        ai,
                        tools,
                        evidence: s.evidence,
                    });
                }
            }
        }
        explanation
    }
}

/// "no incident `INC-9`; the nearest known ids are …".
fn unknown_incident(wanted: &str, known: &[&str]) -> String {
    if known.is_empty() {
        return format!("no incident `{wanted}`: the store holds no incidents");
    }
    let mut nearest: Vec<(usize, &str)> = known
        .iter()
        .map(|id| (strsim::levenshtein(&wanted.to_lowercase(), &id.to_lowercase()), *id))
        .collect();
    nearest.sort();
    let names: Vec<String> = nearest.iter().take(3).map(|(_, id)| format!("`{id}`")).collect();
    format!("no incident `{wanted}`; the nearest known ids are {}", names.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unknown_id_suggests_the_nearest() {
        let known = ["INC-2026-009", "INC-2026-014", "INC-2026-021", "gcp:abc"];
        assert_eq!(
            super::unknown_incident("INC-2026-01", &known),
            "no incident `INC-2026-01`; the nearest known ids are `INC-2026-014`, `INC-2026-021`, `INC-2026-009`"
        );
        assert_eq!(super::unknown_incident("x", &[]), "no incident `x`: the store holds no incidents");
    }
}
