//! `faultline rank`: commits by blast radius — realized, then potential — with who or what
//! wrote them and the incidents they may have caused. Reads `blast_radius`, `suspects`,
//! `commits` and `provenance` (after `faultline analyze`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::engine::{floats, texts, Kind, Source};
use crate::error::Result;
use crate::model::SuspectKind;
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

/// The ranking: the commits of `blast_radius` by realized, then potential blast radius (then
/// id), filtered and cut on the engine; only the commits kept come back, with their subjects
/// and provenance.
pub fn rank(source: &mut Source, options: &RankOptions) -> Result<Vec<Ranked>> {
    let suspects = tables::suspects_from_frame(&source.require(names::SUSPECTS)?)?;
    for table in [names::BLAST_RADIUS, names::COMMITS, names::PROVENANCE] {
        source.require_large(table)?;
    }
    let mut filters = Vec::new();
    if let Some(since) = options.since {
        // Commit times are whole seconds: at or after `since` is at or after its ceiling.
        let ceiling = since.timestamp() + i64::from(since.timestamp_subsec_nanos() > 0);
        filters.push(format!("c.committer_epoch >= {ceiling}"));
    }
    let ai = match options.ai_only {
        true => " JOIN (SELECT repo, sha FROM provenance WHERE ai) p ON p.repo = b.repo AND p.sha = b.sha",
        false => "",
    };
    let sql = format!(
        "SELECT b.repo, b.sha, b.blast_radius, b.potential_blast_radius FROM blast_radius b \
         JOIN (SELECT repo, sha, committer_epoch FROM commits) c ON c.repo = b.repo AND c.sha = b.sha{ai}{where_}{filters} \
         ORDER BY b.blast_radius DESC, b.potential_blast_radius DESC, b.repo, b.sha{limit}",
        where_ = if filters.is_empty() { "" } else { " WHERE " },
        filters = filters.join(" AND "),
        limit = if options.top > 0 { format!(" LIMIT {}", options.top) } else { String::new() },
    );
    let frame = source.run().query(
        &sql,
        &[
            ("repo", Kind::Text),
            ("sha", Kind::Text),
            ("blast_radius", Kind::Float),
            ("potential_blast_radius", Kind::Float),
        ],
    )?;
    let (repo, sha) = (texts(&frame, "repo")?, texts(&frame, "sha")?);
    let (realized, potential) = (floats(&frame, "blast_radius")?, floats(&frame, "potential_blast_radius")?);
    let mut radii: Vec<(String, String, f64, f64)> = (0..frame.height())
        .map(|k| {
            (
                repo[k].clone().unwrap_or_default(),
                sha[k].clone().unwrap_or_default(),
                realized[k].unwrap_or(0.0),
                potential[k].unwrap_or(0.0),
            )
        })
        .collect();
    // In this process's order, whatever the engine's.
    radii.sort_by(|a, b| {
        b.2.total_cmp(&a.2).then(b.3.total_cmp(&a.3)).then_with(|| (&a.0, &a.1).cmp(&(&b.0, &b.1)))
    });
    let keys: BTreeSet<(String, String)> = radii.iter().map(|(r, s, _, _)| (r.clone(), s.clone())).collect();
    let briefs = crate::report::facts::briefs(source, &keys)?;
    let provenance = crate::report::facts::ai_tools(source, &keys)?;
    let subjects: HashMap<(&str, &str), &str> =
        briefs.iter().map(|c| ((c.repo.as_str(), c.sha.as_str()), c.subject.as_str())).collect();
    let provenance: HashMap<(&str, &str), (bool, &[String])> = provenance
        .iter()
        .map(|((repo, sha), (ai, tools))| ((repo.as_str(), sha.as_str()), (*ai, tools.as_slice())))
        .collect();
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
        let mut incidents = shares.remove(&key).unwrap_or_default();
        incidents.sort_by(|a, b| b.probability.total_cmp(&a.probability).then_with(|| a.id.cmp(&b.id)));
        incidents.retain(|i| i.probability > 0.0);
        out.push(Ranked {
            sha: sha.clone(),
            repo: repo.clone(),
            subject: subjects.get(&key).copied().unwrap_or_default().to_string(),
            ai,
            tools: tools.to_vec(),
            blast_radius: *realized,
            potential_blast_radius: *potential,
            incidents,
        });
    }
    Ok(out)
}
