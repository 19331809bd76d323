//! `faultline rank`: commits by blast radius — realized, then potential — with who or what
//! wrote them and the incidents they may have caused. Reads `blast_radius`, `suspects`,
//! `commits` and `provenance` (after `faultline analyze`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Result;
use crate::model::SuspectKind;
use crate::store::Store;
use crate::tables::{self, names};

/// What to rank.
#[derive(Debug, Clone, Default)]
pub struct RankOptions {
    /// Only commits with AI provenance.
    pub ai_only: bool,
    /// How many; 0 for all.
    pub top: usize,
    /// Only commits committed at or after this.
    pub since: Option<DateTime<Utc>>,
}

/// One ranked commit (the JSON contract of `faultline rank`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranked {
    /// Commit id.
    pub sha: String,
    /// Repository.
    pub repo: String,
    /// First line of the message.
    pub subject: String,
    /// Whether AI evidence was found.
    pub ai: bool,
    /// AI tools, lower case.
    pub tools: Vec<String>,
    /// Realized blast radius.
    pub blast_radius: f64,
    /// Potential blast radius.
    pub potential_blast_radius: f64,
    /// Incidents it may have caused.
    pub incidents: Vec<IncidentShare>,
}

/// An incident and P(the commit caused it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentShare {
    /// Incident id.
    pub id: String,
    /// P(the commit caused it).
    pub probability: f64,
}

/// The ranking.
pub fn rank(store: &Store, options: &RankOptions) -> Result<Vec<Ranked>> {
    let read = |table: &str| store.require(table, "analyze");
    let radii = tables::blast_radius_from_frame(&read(names::BLAST_RADIUS)?)?;
    let suspects = tables::suspects_from_frame(&read(names::SUSPECTS)?)?;
    let columns = ["repo", "sha", "subject", "committer_epoch"];
    let commits =
        tables::commit_subjects_from_frame(&store.require_columns(names::COMMITS, &columns, "analyze")?)?;
    let provenance = store.require_columns(names::PROVENANCE, tables::PROVENANCE_BRIEF_COLUMNS, "analyze")?;
    let provenance = tables::provenance_briefs_from_frame(&provenance)?;
    let commits: HashMap<(&str, &str), (&str, DateTime<Utc>)> = commits
        .iter()
        .map(|(repo, sha, subject, at)| ((repo.as_str(), sha.as_str()), (subject.as_str(), *at)))
        .collect();
    let provenance: HashMap<(&str, &str), (bool, &[String])> =
        provenance.iter().map(|p| ((p.repo.as_str(), p.sha.as_str()), (p.ai, p.tools.as_slice()))).collect();
    let mut shares: HashMap<(&str, &str), Vec<IncidentShare>> = HashMap::new();
    for s in suspects.iter().filter(|s| s.kind == SuspectKind::Commit) {
        if let (Some(repo), Some(sha)) = (s.repo.as_deref(), s.sha.as_deref()) {
            shares
                .entry((repo, sha))
                .or_default()
                .push(IncidentShare { id: s.incident_id.clone(), probability: s.probability });
        }
    }
    let mut out = Vec::new();
    for (repo, sha, realized, potential) in &radii {
        let key = (repo.as_str(), sha.as_str());
        let (ai, tools) = provenance.get(&key).copied().unwrap_or((false, &[]));
        let Some((subject, at)) = commits.get(&key).copied() else { continue };
        if (options.ai_only && !ai) || options.since.is_some_and(|since| at < since) {
            continue;
        }
        let mut incidents = shares.remove(&key).unwrap_or_default();
        incidents.sort_by(|a, b| b.probability.total_cmp(&a.probability).then_with(|| a.id.cmp(&b.id)));
        incidents.retain(|i| i.probability > 0.0);
        out.push(Ranked {
            sha: sha.clone(),
            repo: repo.clone(),
            subject: subject.to_string(),
            ai,
            tools: tools.to_vec(),
            blast_radius: *realized,
            potential_blast_radius: *potential,
            incidents,
        });
        if options.top > 0 && out.len() == options.top {
            break;
        }
    }
    Ok(out)
}
