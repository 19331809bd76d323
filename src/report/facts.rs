//! What the reports need of the history, reduced by SQL on an engine: the quarterly report's
//! sums by day, tool and model, what the production deploys of each period shipped, the AI
//! commits that reached tier-1 services, the top AI commits by blast radius, and the few
//! commits a report names. Only these reduced rows come back to this process; `commits` and
//! `provenance`, the large tables, are never read whole.
//!
//! The in-process reports run the same SQL on polars over the store's files, and every sum is
//! of integers (AI lines in millionths), so a report comes out byte for byte the same whichever
//! engine gathered its facts.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::{Column, DataFrame};

use super::Period;
use crate::engine::{flags, floats, ints, key_frame, text_lists, texts, Kind, Source};
use crate::error::{Error, Result};
use crate::model::{Deploy, DeployKind, DeployStatus};
use crate::provenance_report::Origin;
use crate::tables::{self, names, CommitBrief};

/// AI lines are summed in millionths of a line: integers add up the same in any order, on any
/// engine.
pub const MICRO: f64 = 1_000_000.0;

/// Commits committed on one UTC day, of one origin, tool and model.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitDay {
    /// Days since 1970-01-01.
    pub day: i64,
    /// Their origin.
    pub origin: Origin,
    /// First tool named (AI commits only; `unnamed` when none is).
    pub tool: String,
    /// First model named (AI commits only; `-` when none is).
    pub model: String,
    /// Commits.
    pub commits: usize,
    /// Lines changed (added + deleted).
    pub lines: i64,
    /// Of which by AI, in millionths (see [`MICRO`]).
    pub ai_micro: i64,
}

/// Commits the production deploys of a period shipped to one service, of one origin, tool and
/// model: one row per (deploy, commit), as `deploy_commits` has them.
#[derive(Debug, Clone, PartialEq)]
pub struct ShippedGroup {
    /// The deploys' service.
    pub service: String,
    /// The commits' origin.
    pub origin: Origin,
    /// First tool named (AI only).
    pub tool: String,
    /// First model named (AI only).
    pub model: String,
    /// (deploy, commit) rows.
    pub commits: usize,
    /// Their lines changed.
    pub lines: i64,
    /// Of which by AI, in millionths.
    pub ai_micro: i64,
    /// Distinct deploys among them.
    pub deploys: usize,
}

/// An AI commit committed in the period and its blast radius.
#[derive(Debug, Clone, PartialEq)]
pub struct Radius {
    /// Repository.
    pub repo: String,
    /// Commit.
    pub sha: String,
    /// Realized blast radius.
    pub realized: f64,
    /// Potential blast radius.
    pub potential: f64,
}

/// What the quarterly report of one period reads of the history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuarterFacts {
    /// Commits committed in the period, by day.
    pub days: Vec<CommitDay>,
    /// What the period's production deploys shipped.
    pub shipped: Vec<ShippedGroup>,
    /// The distinct commits they shipped: (commits, lines) by origin.
    pub deployed: BTreeMap<Origin, (usize, i64)>,
    /// AI commits shipped to tier-1 services, with the ids of the deploys that did.
    pub tier1: BTreeMap<(String, String), BTreeSet<String>>,
    /// AI commits by realized blast radius (above zero), at most [`super::quarter::TOP`].
    pub top_realized: Vec<Radius>,
    /// AI commits by potential blast radius, at most [`super::quarter::TOP`].
    pub top_potential: Vec<Radius>,
    /// Production deploys that shipped nothing and whose commit is in no ingested history.
    pub deploys_not_in_history: usize,
}

/// `CASE` giving the number of the period (in `periods`, which do not overlap) holding the
/// epoch seconds in `column`, or -1.
fn period_of(column: &str, periods: &[Period]) -> String {
    let mut out = String::from("CASE");
    for (k, p) in periods.iter().enumerate() {
        out.push_str(&format!(
            " WHEN {column} >= {} AND {column} < {} THEN {k}",
            p.from.timestamp(),
            p.to.timestamp()
        ));
    }
    out + " ELSE -1 END"
}

/// A commit's AI lines in millionths: its AI line share of its lines when known, all of them
/// for an AI commit without one; `c` is `commits`, `p` is `provenance`.
const AI_MICRO: &str = "CASE WHEN p.ai THEN CASE WHEN p.ai_line_share IS NULL \
     THEN (COALESCE(c.added_lines, 0) + COALESCE(c.deleted_lines, 0)) * 1000000 \
     ELSE CAST(p.ai_line_share * (COALESCE(c.added_lines, 0) + COALESCE(c.deleted_lines, 0)) * 1000000.0 + 0.5 AS BIGINT) END \
     ELSE 0 END";

const LINES: &str = "COALESCE(c.added_lines, 0) + COALESCE(c.deleted_lines, 0)";

/// Origin, and the first tool and model of an AI commit (`p` is `provenance`).
const ORIGIN_TOOL_MODEL: &str = "COALESCE(p.origin, 'unknown') AS origin, \
     CASE WHEN p.origin = 'ai' THEN p.tool END AS tool, CASE WHEN p.origin = 'ai' THEN p.model END AS model";

fn origin(text: Option<&str>) -> Origin {
    match text {
        Some("ai") => Origin::Ai,
        Some("human") => Origin::Human,
        _ => Origin::Unknown,
    }
}

fn count(value: Option<i64>) -> usize {
    value.and_then(|v| usize::try_from(v).ok()).unwrap_or(0)
}

/// The production deploys (successful, not rollbacks) of `periods`: (deploy id, period number,
/// whether its service is tier 1).
pub fn period_deploys<'a>(
    deploys: &'a [Deploy],
    periods: &[Period],
    is_production: impl Fn(&str) -> bool,
    tier1: &BTreeSet<&str>,
) -> Vec<(&'a str, i64, bool)> {
    deploys
        .iter()
        .filter(|d| d.kind == DeployKind::Deploy && d.status == DeployStatus::Success)
        .filter(|d| is_production(&d.environment))
        .filter_map(|d| {
            let k = periods.iter().position(|p| p.contains(d.started_at))?;
            Some((d.id.as_str(), k as i64, tier1.contains(d.service.as_str())))
        })
        .collect()
}

/// The facts of every period in `periods` (which do not overlap), in their order; `deploys`
/// are [`period_deploys`].
pub fn quarters(
    source: &mut Source,
    periods: &[Period],
    deploys: &[(&str, i64, bool)],
) -> Result<Vec<QuarterFacts>> {
    let mut out = vec![QuarterFacts::default(); periods.len()];
    if periods.is_empty() {
        return Ok(out);
    }
    for table in [names::COMMITS, names::PROVENANCE, names::DEPLOY_COMMITS, names::BLAST_RADIUS] {
        source.require_large(table)?;
    }
    let run = source.run();
    let slot = |k: Option<i64>| k.and_then(|k| usize::try_from(k).ok()).filter(|&k| k < periods.len());

    // Commits by day, origin, tool and model.
    let sql = format!(
        "SELECT period, day, origin, tool, model, COUNT(*) AS commits, SUM(lines) AS lines, SUM(ai_micro) AS ai_micro \
         FROM (SELECT {period} AS period, CAST(FLOOR(c.committer_epoch / 86400.0) AS BIGINT) AS day, \
               {ORIGIN_TOOL_MODEL}, {LINES} AS lines, {AI_MICRO} AS ai_micro \
               FROM commits c LEFT JOIN provenance p ON p.repo = c.repo AND p.sha = c.sha) x \
         WHERE period >= 0 GROUP BY period, day, origin, tool, model",
        period = period_of("c.committer_epoch", periods)
    );
    let frame = run.query(
        &sql,
        &[
            ("period", Kind::Int),
            ("day", Kind::Int),
            ("origin", Kind::Text),
            ("tool", Kind::Text),
            ("model", Kind::Text),
            ("commits", Kind::Int),
            ("lines", Kind::Int),
            ("ai_micro", Kind::Int),
        ],
    )?;
    let (period, day) = (ints(&frame, "period")?, ints(&frame, "day")?);
    let (origins, tool, model) = (texts(&frame, "origin")?, texts(&frame, "tool")?, texts(&frame, "model")?);
    let (commits, lines, micro) =
        (ints(&frame, "commits")?, ints(&frame, "lines")?, ints(&frame, "ai_micro")?);
    for k in 0..frame.height() {
        let Some(p) = slot(period[k]) else { continue };
        out[p].days.push(CommitDay {
            day: day[k].unwrap_or(0),
            origin: origin(origins[k].as_deref()),
            tool: tool[k].clone().unwrap_or_else(|| "unnamed".into()),
            model: model[k].clone().unwrap_or_else(|| "-".into()),
            commits: count(commits[k]),
            lines: lines[k].unwrap_or(0),
            ai_micro: micro[k].unwrap_or(0),
        });
    }

    if !deploys.is_empty() {
        let frame = DataFrame::new(
            deploys.len(),
            vec![
                Column::new("id".into(), deploys.iter().map(|d| d.0).collect::<Vec<_>>()),
                Column::new("period".into(), deploys.iter().map(|d| d.1).collect::<Vec<_>>()),
                Column::new("tier1".into(), deploys.iter().map(|d| d.2).collect::<Vec<_>>()),
            ],
        )
        .map_err(|e| Error::Internal(e.to_string()))?;
        run.send("fl_report_deploys", frame)?;
        let shipped = "deploy_commits s JOIN fl_report_deploys r ON r.id = s.deploy_id";
        // What they shipped, by service, origin, tool and model.
        let sql = format!(
            "SELECT period, service, origin, tool, model, COUNT(*) AS commits, SUM(lines) AS lines, \
                    SUM(ai_micro) AS ai_micro, COUNT(DISTINCT deploy_id) AS deploys \
             FROM (SELECT r.period, s.service, s.deploy_id, {ORIGIN_TOOL_MODEL}, {LINES} AS lines, {AI_MICRO} AS ai_micro \
                   FROM {shipped} \
                   JOIN commits c ON c.repo = s.repo AND c.sha = s.sha \
                   LEFT JOIN provenance p ON p.repo = s.repo AND p.sha = s.sha) x \
             GROUP BY period, service, origin, tool, model"
        );
        let frame = run.query(
            &sql,
            &[
                ("period", Kind::Int),
                ("service", Kind::Text),
                ("origin", Kind::Text),
                ("tool", Kind::Text),
                ("model", Kind::Text),
                ("commits", Kind::Int),
                ("lines", Kind::Int),
                ("ai_micro", Kind::Int),
                ("deploys", Kind::Int),
            ],
        )?;
        let (period, service) = (ints(&frame, "period")?, texts(&frame, "service")?);
        let (origins, tool, model) =
            (texts(&frame, "origin")?, texts(&frame, "tool")?, texts(&frame, "model")?);
        let (commits, lines) = (ints(&frame, "commits")?, ints(&frame, "lines")?);
        let (micro, n) = (ints(&frame, "ai_micro")?, ints(&frame, "deploys")?);
        for k in 0..frame.height() {
            let Some(p) = slot(period[k]) else { continue };
            out[p].shipped.push(ShippedGroup {
                service: service[k].clone().unwrap_or_default(),
                origin: origin(origins[k].as_deref()),
                tool: tool[k].clone().unwrap_or_else(|| "unnamed".into()),
                model: model[k].clone().unwrap_or_else(|| "-".into()),
                commits: count(commits[k]),
                lines: lines[k].unwrap_or(0),
                ai_micro: micro[k].unwrap_or(0),
                deploys: count(n[k]),
            });
        }

        // The distinct commits they shipped, by origin.
        let sql = format!(
            "SELECT period, origin, COUNT(*) AS commits, SUM(lines) AS lines \
             FROM (SELECT d.period, COALESCE(p.origin, 'unknown') AS origin, {LINES} AS lines \
                   FROM (SELECT DISTINCT r.period, s.repo, s.sha FROM {shipped}) d \
                   JOIN commits c ON c.repo = d.repo AND c.sha = d.sha \
                   LEFT JOIN provenance p ON p.repo = d.repo AND p.sha = d.sha) x \
             GROUP BY period, origin"
        );
        let frame = run.query(
            &sql,
            &[("period", Kind::Int), ("origin", Kind::Text), ("commits", Kind::Int), ("lines", Kind::Int)],
        )?;
        let (period, origins) = (ints(&frame, "period")?, texts(&frame, "origin")?);
        let (commits, lines) = (ints(&frame, "commits")?, ints(&frame, "lines")?);
        for k in 0..frame.height() {
            let Some(p) = slot(period[k]) else { continue };
            let entry = out[p].deployed.entry(origin(origins[k].as_deref())).or_default();
            entry.0 += count(commits[k]);
            entry.1 += lines[k].unwrap_or(0);
        }

        // AI commits shipped to tier-1 services.
        let sql = format!(
            "SELECT DISTINCT r.period, s.repo, s.sha, s.deploy_id FROM {shipped} \
             JOIN (SELECT repo, sha FROM commits) c ON c.repo = s.repo AND c.sha = s.sha \
             JOIN (SELECT repo, sha FROM provenance WHERE origin = 'ai') p ON p.repo = s.repo AND p.sha = s.sha \
             WHERE r.tier1"
        );
        let frame = run.query(
            &sql,
            &[("period", Kind::Int), ("repo", Kind::Text), ("sha", Kind::Text), ("deploy_id", Kind::Text)],
        )?;
        let (period, repo, sha, deploy) = (
            ints(&frame, "period")?,
            texts(&frame, "repo")?,
            texts(&frame, "sha")?,
            texts(&frame, "deploy_id")?,
        );
        for k in 0..frame.height() {
            let (Some(p), Some(repo), Some(sha), Some(deploy)) =
                (slot(period[k]), repo[k].clone(), sha[k].clone(), deploy[k].clone())
            else {
                continue;
            };
            out[p].tier1.entry((repo, sha)).or_default().insert(deploy);
        }
    }

    // AI commits by blast radius: every one with a realized radius above zero (few: those
    // that likely caused an incident), then each period's top by potential.
    let ai_commits = |filter: &str| {
        format!(
            "SELECT c.repo, c.sha, COALESCE(b.blast_radius, 0.0) AS realized, \
                    COALESCE(b.potential_blast_radius, 0.0) AS potential{filter} \
             FROM (SELECT repo, sha, committer_epoch FROM commits) c \
             JOIN (SELECT repo, sha FROM provenance WHERE origin = 'ai') p ON p.repo = c.repo AND p.sha = c.sha \
             LEFT JOIN blast_radius b ON b.repo = c.repo AND b.sha = c.sha"
        )
    };
    let radius_columns =
        [("repo", Kind::Text), ("sha", Kind::Text), ("realized", Kind::Float), ("potential", Kind::Float)];
    let radii = |frame: &DataFrame| -> Result<Vec<Radius>> {
        let (repo, sha) = (texts(frame, "repo")?, texts(frame, "sha")?);
        let (realized, potential) = (floats(frame, "realized")?, floats(frame, "potential")?);
        Ok((0..frame.height())
            .map(|k| Radius {
                repo: repo[k].clone().unwrap_or_default(),
                sha: sha[k].clone().unwrap_or_default(),
                realized: realized[k].unwrap_or(0.0).max(0.0),
                potential: potential[k].unwrap_or(0.0).max(0.0),
            })
            .collect())
    };
    let period = period_of("c.committer_epoch", periods);
    let sql = format!(
        "SELECT * FROM ({}) x WHERE realized > 0 AND period >= 0",
        ai_commits(&format!(", {period} AS period"))
    );
    let mut columns = radius_columns.to_vec();
    columns.push(("period", Kind::Int));
    let frame = run.query(&sql, &columns)?;
    let found = radii(&frame)?;
    let period_numbers = ints(&frame, "period")?;
    for (radius, k) in found.into_iter().zip(period_numbers) {
        if let Some(p) = slot(k) {
            out[p].top_realized.push(radius);
        }
    }
    for (p, facts) in out.iter_mut().enumerate() {
        by_realized(&mut facts.top_realized);
        facts.top_realized.truncate(super::quarter::TOP);
        let sql = format!(
            "SELECT repo, sha, realized, potential FROM ({}) x \
             WHERE committer_epoch >= {} AND committer_epoch < {} \
             ORDER BY potential DESC, realized DESC, repo, sha LIMIT {}",
            ai_commits(", c.committer_epoch"),
            periods[p].from.timestamp(),
            periods[p].to.timestamp(),
            super::quarter::TOP
        );
        let mut top = radii(&run.query(&sql, &radius_columns)?)?;
        // In this process's order, whatever the engine's float comparison.
        by_potential(&mut top);
        facts.top_potential = top;
    }
    Ok(out)
}

fn key(r: &Radius) -> (&str, &str) {
    (r.repo.as_str(), r.sha.as_str())
}

/// By realized blast radius, then potential, then id.
pub fn by_realized(radii: &mut [Radius]) {
    radii.sort_by(|a, b| {
        b.realized
            .total_cmp(&a.realized)
            .then(b.potential.total_cmp(&a.potential))
            .then_with(|| key(a).cmp(&key(b)))
    });
}

/// By potential blast radius, then realized, then id.
pub fn by_potential(radii: &mut [Radius]) {
    radii.sort_by(|a, b| {
        b.potential
            .total_cmp(&a.potential)
            .then(b.realized.total_cmp(&a.realized))
            .then_with(|| key(a).cmp(&key(b)))
    });
}

/// The origin of each of `keys` that is in `commits` (`unknown` without a provenance row);
/// keys not there are left out.
pub fn origins(
    source: &mut Source,
    keys: &BTreeSet<(String, String)>,
) -> Result<BTreeMap<(String, String), Origin>> {
    if keys.is_empty() {
        return Ok(BTreeMap::new());
    }
    source.require_large(names::COMMITS)?;
    source.require_large(names::PROVENANCE)?;
    let run = source.run();
    run.send("fl_keys", key_frame(keys.iter().map(|(r, s)| (r.as_str(), s.as_str())))?)?;
    let frame = run.query(
        "SELECT k.repo, k.sha, p.origin FROM fl_keys k \
         JOIN (SELECT repo, sha FROM commits) c ON c.repo = k.repo AND c.sha = k.sha \
         LEFT JOIN (SELECT repo, sha, origin FROM provenance) p ON p.repo = k.repo AND p.sha = k.sha",
        &[("repo", Kind::Text), ("sha", Kind::Text), ("origin", Kind::Text)],
    )?;
    let (repo, sha, found) = (texts(&frame, "repo")?, texts(&frame, "sha")?, texts(&frame, "origin")?);
    Ok((0..frame.height())
        .map(|k| {
            let key = (repo[k].clone().unwrap_or_default(), sha[k].clone().unwrap_or_default());
            (key, origin(found[k].as_deref()))
        })
        .collect())
}

/// The briefs of `keys` (subject, author, trailers, lines), those `commits` has, by (repo, sha).
pub fn briefs(source: &mut Source, keys: &BTreeSet<(String, String)>) -> Result<Vec<CommitBrief>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    source.require_large(names::COMMITS)?;
    let run = source.run();
    run.send("fl_keys", key_frame(keys.iter().map(|(r, s)| (r.as_str(), s.as_str())))?)?;
    let columns: Vec<(&str, Kind)> = tables::COMMIT_REPORT_COLUMNS
        .iter()
        .map(|&c| {
            let kind = match c {
                "committer_epoch" | "added_lines" | "deleted_lines" => Kind::Int,
                "trailer_keys" | "trailer_values" => Kind::TextList,
                _ => Kind::Text,
            };
            (c, kind)
        })
        .collect();
    let list: Vec<String> = columns.iter().map(|(c, _)| format!("c.{c}")).collect();
    let commits = run.query(
        &format!(
            "SELECT {} FROM commits c JOIN fl_keys k ON c.repo = k.repo AND c.sha = k.sha",
            list.join(", ")
        ),
        &columns,
    )?;
    let mut briefs = tables::commit_briefs_from_frame(&commits)?;
    briefs.sort_by(|a, b| (&a.repo, &a.sha).cmp(&(&b.repo, &b.sha)));
    Ok(briefs)
}

/// Whether each of `keys` has AI evidence, and its tools: what a list of commits shows of
/// their provenance. Keys without a provenance row are left out.
pub fn ai_tools(
    source: &mut Source,
    keys: &BTreeSet<(String, String)>,
) -> Result<BTreeMap<(String, String), (bool, Vec<String>)>> {
    if keys.is_empty() {
        return Ok(BTreeMap::new());
    }
    source.require_large(names::PROVENANCE)?;
    let run = source.run();
    run.send("fl_keys", key_frame(keys.iter().map(|(r, s)| (r.as_str(), s.as_str())))?)?;
    let frame = run.query(
        "SELECT p.repo, p.sha, p.ai, p.tools FROM provenance p JOIN fl_keys k ON p.repo = k.repo AND p.sha = k.sha",
        &[("repo", Kind::Text), ("sha", Kind::Text), ("ai", Kind::Bool), ("tools", Kind::TextList)],
    )?;
    let (repo, sha, ai) = (texts(&frame, "repo")?, texts(&frame, "sha")?, flags(&frame, "ai")?);
    let tools = text_lists(&frame, "tools")?;
    Ok(tools
        .into_iter()
        .enumerate()
        .map(|(k, tools)| {
            let key = (repo[k].clone().unwrap_or_default(), sha[k].clone().unwrap_or_default());
            (key, (ai[k].unwrap_or(false), tools))
        })
        .collect())
}

/// The provenance rows of `keys`, those the table has, by (repo, sha).
pub fn provenance(
    source: &mut Source,
    keys: &BTreeSet<(String, String)>,
) -> Result<Vec<crate::model::Provenance>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    source.require_large(names::PROVENANCE)?;
    let run = source.run();
    run.send("fl_keys", key_frame(keys.iter().map(|(r, s)| (r.as_str(), s.as_str())))?)?;
    let list: Vec<String> = PROVENANCE_COLUMNS.iter().map(|(c, _)| format!("p.{c}")).collect();
    let frame = run.query(
        &format!(
            "SELECT {} FROM provenance p JOIN fl_keys k ON p.repo = k.repo AND p.sha = k.sha",
            list.join(", ")
        ),
        PROVENANCE_COLUMNS,
    )?;
    let mut rows = tables::provenance_from_frame(&frame)?;
    rows.sort_by(|a, b| (&a.repo, &a.sha).cmp(&(&b.repo, &b.sha)));
    Ok(rows)
}

/// The `provenance` columns [`tables::provenance_from_frame`] reads.
const PROVENANCE_COLUMNS: &[(&str, Kind)] = &[
    ("repo", Kind::Text),
    ("sha", Kind::Text),
    ("ai", Kind::Bool),
    ("tools", Kind::TextList),
    ("models", Kind::TextList),
    ("sessions", Kind::TextList),
    ("confidence", Kind::Text),
    ("evidence_rules", Kind::TextList),
    ("evidence_sources", Kind::TextList),
    ("evidence_texts", Kind::TextList),
    ("evidence_tools", Kind::TextList),
    ("evidence_confidences", Kind::TextList),
    ("ai_added_lines", Kind::Int),
    ("ai_line_share", Kind::Float),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_become_one_case() {
        let periods = [Period::quarter("2026-Q1").unwrap(), Period::quarter("2026-Q2").unwrap()];
        assert_eq!(
            period_of("t", &periods),
            "CASE WHEN t >= 1767225600 AND t < 1775001600 THEN 0 WHEN t >= 1775001600 AND t < 1782864000 THEN 1 ELSE -1 END"
        );
    }
}
