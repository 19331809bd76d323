//! The quarterly AI-risk report: how AI-written changes compare with the others over a period.
//! From `commits`, `provenance`, `deploys`, `deploy_commits`, `deploy_facts`, `incidents`,
//! `suspects`, `blast_radius` and `services`:
//!
//! - AI share of commits (committed in the period), changed lines and production deploys,
//!   week by week (weeks start on Monday, UTC), by tool and by model;
//! - the DORA four keys for production deploys carrying AI-provenance commits against the
//!   others (`analyze::dora` over `deploy_facts`); a deploy failed when it is a likely cause
//!   (P ≥ 0.5) of an incident or was rolled back;
//! - incident-minutes (start to mitigation) of incidents that started in the period, shared out
//!   by P(cause) to AI, human-attested and unknown-origin commits and to "no change";
//! - the top AI commits by realized and by potential blast radius, and services ranked by
//!   AI-attributed incident-minutes;
//! - governance: AI commits shipped to production on tier-1 services with no review trailer
//!   naming someone other than the author, and the share of deployed code of unknown origin.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, Utc};

use super::{Dataset, Period};
use crate::analyze::dora::{self, Comparison, DeployFacts};
use crate::model::{DeployKind, DeployStatus, SuspectKind};
use crate::provenance_report::Origin;

pub use crate::analyze::deploy_facts::LIKELY_CAUSE;

/// Rows in the top-commit tables.
pub const TOP: usize = 10;

/// The quarterly report.
#[derive(Debug, Clone)]
pub struct Quarter {
    /// The period.
    pub period: Period,
    /// Week by week.
    pub weeks: Vec<Week>,
    /// AI commits by tool and model.
    pub tools: Vec<ToolRow>,
    /// Totals over the period.
    pub totals: Week,
    /// The four keys, AI against the others.
    pub dora: Comparison,
    /// Production deploys that shipped no new commits (redeploys), outside the comparison.
    pub deploys_without_commits: usize,
    /// Incident-minutes by where the cause lies.
    pub minutes: Minutes,
    /// Top AI commits by realized blast radius (above zero).
    pub top_realized: Vec<TopCommit>,
    /// Top AI commits by potential blast radius.
    pub top_potential: Vec<TopCommit>,
    /// Services by AI-attributed risk.
    pub services: Vec<ServiceRisk>,
    /// AI commits on tier-1 services without review.
    pub unreviewed: Vec<Unreviewed>,
    /// AI commits shipped to tier-1 services in all.
    pub tier1_ai_commits: usize,
    /// Deployed code by origin.
    pub deployed: Deployed,
}

/// One week (or the whole period, for totals).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Week {
    /// Monday of the week.
    pub start: Option<DateTime<Utc>>,
    /// Commits committed.
    pub commits: usize,
    /// Of which AI.
    pub ai_commits: usize,
    /// AI commits by tool (first tool named; `unnamed` when none is).
    pub by_tool: BTreeMap<String, usize>,
    /// AI commits by model (first model named; `-` when none is).
    pub by_model: BTreeMap<String, usize>,
    /// Lines changed (added + deleted).
    pub lines: i64,
    /// Of which written by AI (the commit's AI line share when known, else all its lines).
    pub ai_lines: f64,
    /// Production deploys.
    pub deploys: usize,
    /// Of which carrying AI-provenance commits.
    pub ai_deploys: usize,
}

impl Week {
    /// AI share of commits, lines, deploys (`None` with nothing to share).
    pub fn shares(&self) -> [Option<f64>; 3] {
        let share = |part: f64, all: f64| (all > 0.0).then(|| part / all);
        [
            share(self.ai_commits as f64, self.commits as f64),
            share(self.ai_lines, self.lines as f64),
            share(self.ai_deploys as f64, self.deploys as f64),
        ]
    }
}

/// AI commits of one tool and model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRow {
    /// Tool.
    pub tool: String,
    /// Model (`-` when none is stated).
    pub model: String,
    /// Commits.
    pub commits: usize,
    /// Lines changed by AI.
    pub ai_lines: f64,
    /// Production deploys that shipped them.
    pub deploys: usize,
    /// First and last week seen.
    pub first: DateTime<Utc>,
    /// Last week seen.
    pub last: DateTime<Utc>,
}

/// Incident-minutes shared out by cause.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Minutes {
    /// Incidents that started in the period.
    pub incidents: usize,
    /// Their minutes of impact.
    pub total: f64,
    /// Attributed to AI-provenance commits.
    pub ai: f64,
    /// To commits a person attested.
    pub human: f64,
    /// To commits of unknown origin.
    pub unknown: f64,
    /// To no change at all.
    pub no_change: f64,
    /// To deploys, beyond what their commits explain (configuration, image-only deploys).
    pub deploy_only: f64,
}

/// An AI commit and its blast radius.
#[derive(Debug, Clone, PartialEq)]
pub struct TopCommit {
    /// Repository.
    pub repo: String,
    /// Commit.
    pub sha: String,
    /// Subject.
    pub subject: String,
    /// Tools.
    pub tools: Vec<String>,
    /// Realized blast radius.
    pub realized: f64,
    /// Potential blast radius.
    pub potential: f64,
    /// Link, when known.
    pub url: Option<String>,
}

/// One service's AI-attributed risk.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRisk {
    /// Service.
    pub service: String,
    /// Tier.
    pub tier: Option<i32>,
    /// AI commits shipped to production.
    pub ai_commits: usize,
    /// Commits shipped to production.
    pub commits: usize,
    /// AI share of the lines shipped.
    pub ai_line_share: Option<f64>,
    /// Expected incidents caused by AI commits (Σ P).
    pub ai_incidents: f64,
    /// Incident-minutes attributed to AI commits shipped to it.
    pub ai_minutes: f64,
}

/// An AI commit on a tier-1 service without review.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreviewed {
    /// Repository.
    pub repo: String,
    /// Commit.
    pub sha: String,
    /// Subject.
    pub subject: String,
    /// Tools.
    pub tools: Vec<String>,
    /// Tier-1 services it reached.
    pub services: Vec<String>,
    /// First production deploy.
    pub deployed_at: DateTime<Utc>,
    /// Review trailers that were there but named the author.
    pub self_reviewed: bool,
    /// Link, when known.
    pub url: Option<String>,
}

/// Code shipped to production in the period, by origin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deployed {
    /// Commits shipped.
    pub commits: usize,
    /// Of unknown origin.
    pub unknown_commits: usize,
    /// Lines shipped.
    pub lines: i64,
    /// Of unknown origin.
    pub unknown_lines: i64,
    /// Production deploys whose commit is in no ingested repository.
    pub deploys_not_in_history: usize,
}

/// Monday 00:00 UTC of the week holding `at`.
pub fn week_of(at: DateTime<Utc>) -> DateTime<Utc> {
    let day = at.date_naive() - Duration::days(at.weekday().num_days_from_monday() as i64);
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

/// The report for `period`.
pub fn report(data: &Dataset, period: &Period) -> Quarter {
    let mut weeks: BTreeMap<DateTime<Utc>, Week> = BTreeMap::new();
    let mut w = week_of(period.from);
    while w < period.to {
        weeks.insert(w, Week { start: Some(w), ..Week::default() });
        w += Duration::days(7);
    }
    let ai_lines = |repo: &str, sha: &str, lines: i64| -> f64 {
        match data.provenance.get(repo, sha) {
            Some(p) if p.ai => p.ai_line_share.map_or(lines as f64, |s| s * lines as f64),
            _ => 0.0,
        }
    };
    let first_tool = |repo: &str, sha: &str| -> (String, String) {
        let p = data.provenance.get(repo, sha);
        (
            p.and_then(|p| p.tools.first().cloned()).unwrap_or_else(|| "unnamed".into()),
            p.and_then(|p| p.models.first().cloned()).unwrap_or_else(|| "-".into()),
        )
    };
    // Commits, in a fixed order.
    let mut commits: Vec<&crate::tables::CommitBrief> =
        data.commits.values().filter(|c| period.contains(c.committed_at)).collect();
    commits.sort_by(|a, b| (a.committed_at, &a.repo, &a.sha).cmp(&(b.committed_at, &b.repo, &b.sha)));
    let mut tools: BTreeMap<(String, String), ToolRow> = BTreeMap::new();
    for c in &commits {
        let Some(week) = weeks.get_mut(&week_of(c.committed_at)) else { continue };
        let lines = c.added_lines + c.deleted_lines;
        week.commits += 1;
        week.lines += lines;
        if data.origin(&c.repo, &c.sha) == Origin::Ai {
            let (tool, model) = first_tool(&c.repo, &c.sha);
            let ai = ai_lines(&c.repo, &c.sha, lines);
            week.ai_commits += 1;
            week.ai_lines += ai;
            *week.by_tool.entry(tool.clone()).or_default() += 1;
            *week.by_model.entry(model.clone()).or_default() += 1;
            let row = tools.entry((tool.clone(), model.clone())).or_insert(ToolRow {
                tool,
                model,
                commits: 0,
                ai_lines: 0.0,
                deploys: 0,
                first: week_of(c.committed_at),
                last: week_of(c.committed_at),
            });
            row.commits += 1;
            row.ai_lines += ai;
            row.last = week_of(c.committed_at);
        }
    }

    // The four keys' facts of the production deploys in the period, as the analysis gathered
    // them (`deploy_facts`).
    let facts: Vec<DeployFacts> =
        data.deploy_facts.iter().filter(|f| period.contains(f.started_at)).map(|f| f.facts.clone()).collect();
    let tier1: BTreeSet<&str> =
        data.services.iter().filter(|s| s.tier == Some(1)).map(|s| s.name.as_str()).collect();
    let mut deploys_without_commits = 0;
    let mut deployed = Deployed::default();
    let mut seen_shipped: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut tier1_reached: BTreeMap<(&str, &str), (BTreeSet<&str>, DateTime<Utc>)> = BTreeMap::new();
    let mut service_rows: BTreeMap<&str, ServiceRisk> = BTreeMap::new();
    let mut service_lines: BTreeMap<&str, (i64, f64)> = BTreeMap::new();
    let mut tool_deploys: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    for d in &data.deploys {
        if !period.contains(d.started_at)
            || d.kind != DeployKind::Deploy
            || d.status != DeployStatus::Success
            || !data.is_production(&d.environment)
        {
            continue;
        }
        let shipped = data.shipped.get(&d.id).map(Vec::as_slice).unwrap_or(&[]);
        if shipped.is_empty() {
            if let (Some(repo), Some(sha)) = (d.repo.as_deref(), d.sha.as_deref()) {
                if !data.commits.contains(repo, sha) {
                    deployed.deploys_not_in_history += 1;
                }
            }
            deploys_without_commits += 1;
            continue;
        }
        let ai = shipped.iter().any(|c| data.origin(&c.repo, &c.sha) == Origin::Ai);
        if let Some(week) = weeks.get_mut(&week_of(d.started_at)) {
            week.deploys += 1;
            week.ai_deploys += usize::from(ai);
        }
        let row = service_rows.entry(d.service.as_str()).or_insert_with(|| ServiceRisk {
            service: d.service.clone(),
            tier: data.tier(&d.service),
            ai_commits: 0,
            commits: 0,
            ai_line_share: None,
            ai_incidents: 0.0,
            ai_minutes: 0.0,
        });
        for c in shipped {
            let Some(brief) = data.commits.get(&c.repo, &c.sha) else { continue };
            let lines = brief.added_lines + brief.deleted_lines;
            let origin = data.origin(&c.repo, &c.sha);
            row.commits += 1;
            let entry = service_lines.entry(d.service.as_str()).or_default();
            entry.0 += lines;
            if origin == Origin::Ai {
                row.ai_commits += 1;
                entry.1 += ai_lines(&c.repo, &c.sha, lines);
                tool_deploys.entry(first_tool(&c.repo, &c.sha)).or_default().insert(d.id.as_str());
                if tier1.contains(d.service.as_str()) {
                    let reach = tier1_reached
                        .entry((c.repo.as_str(), c.sha.as_str()))
                        .or_insert((BTreeSet::new(), d.started_at));
                    reach.0.insert(d.service.as_str());
                    reach.1 = reach.1.min(d.started_at);
                }
            }
            if seen_shipped.insert((c.repo.as_str(), c.sha.as_str())) {
                deployed.commits += 1;
                deployed.lines += lines;
                if origin == Origin::Unknown {
                    deployed.unknown_commits += 1;
                    deployed.unknown_lines += lines;
                }
            }
        }
    }
    for (key, deploys) in tool_deploys {
        if let Some(row) = tools.get_mut(&key) {
            row.deploys = deploys.len();
        }
    }
    for (service, (lines, ai)) in &service_lines {
        if let Some(row) = service_rows.get_mut(service) {
            row.ai_line_share = (*lines > 0).then(|| ai / *lines as f64);
        }
    }

    // Incident-minutes.
    let mut minutes = Minutes::default();
    for incident in data.incidents.iter().filter(|i| period.contains(i.started_at)) {
        let impact = data.impact_minutes(incident);
        minutes.incidents += 1;
        minutes.total += impact;
        let (mut to_commits, mut to_deploys, mut none) = (0.0, 0.0, 0.0);
        for s in data.suspects.get(&incident.id).into_iter().flatten() {
            match s.kind {
                SuspectKind::NoChange => none += s.probability,
                SuspectKind::Deploy => to_deploys += s.probability,
                SuspectKind::Commit => {
                    let (repo, sha) = (s.repo.as_deref().unwrap_or(""), s.sha.as_deref().unwrap_or(""));
                    to_commits += s.probability;
                    let share = s.probability * impact;
                    match data.origin(repo, sha) {
                        Origin::Ai => {
                            minutes.ai += share;
                            let service = s
                                .deploy_id
                                .as_deref()
                                .and_then(|id| data.deploy_index.get(id))
                                .map(|&i| &data.deploys[i].service);
                            if let Some(row) = service.and_then(|svc| service_rows.get_mut(svc.as_str())) {
                                row.ai_incidents += s.probability;
                                row.ai_minutes += share;
                            }
                        }
                        Origin::Human => minutes.human += share,
                        Origin::Unknown => minutes.unknown += share,
                    }
                }
            }
        }
        minutes.no_change += none * impact;
        minutes.deploy_only += (to_deploys - to_commits).max(0.0) * impact;
    }

    // Blast radius of AI commits committed in the period.
    let mut top: Vec<TopCommit> = commits
        .iter()
        .filter(|c| data.origin(&c.repo, &c.sha) == Origin::Ai)
        .map(|c| {
            let (realized, potential) =
                data.radius.get(&c.repo, &c.sha).map_or((0.0, 0.0), |&(r, p)| (r.max(0.0), p.max(0.0)));
            TopCommit {
                repo: c.repo.clone(),
                sha: c.sha.clone(),
                subject: c.subject.clone(),
                tools: data.provenance.get(&c.repo, &c.sha).map(|p| p.tools.clone()).unwrap_or_default(),
                realized,
                potential,
                url: data.commit_url(&c.repo, &c.sha),
            }
        })
        .collect();
    let key = |c: &TopCommit| (c.repo.clone(), c.sha.clone());
    top.sort_by(|a, b| {
        b.realized
            .total_cmp(&a.realized)
            .then(b.potential.total_cmp(&a.potential))
            .then_with(|| key(a).cmp(&key(b)))
    });
    let top_realized: Vec<TopCommit> = top.iter().filter(|c| c.realized > 0.0).take(TOP).cloned().collect();
    top.sort_by(|a, b| {
        b.potential
            .total_cmp(&a.potential)
            .then(b.realized.total_cmp(&a.realized))
            .then_with(|| key(a).cmp(&key(b)))
    });
    let top_potential: Vec<TopCommit> = top.into_iter().take(TOP).collect();

    let mut services: Vec<ServiceRisk> = service_rows.into_values().collect();
    services.sort_by(|a, b| {
        b.ai_minutes
            .total_cmp(&a.ai_minutes)
            .then(b.ai_incidents.total_cmp(&a.ai_incidents))
            .then(b.ai_commits.cmp(&a.ai_commits))
            .then_with(|| a.service.cmp(&b.service))
    });

    // Governance.
    let tier1_ai_commits = tier1_reached.len();
    let mut unreviewed = Vec::new();
    for ((repo, sha), (reached, at)) in tier1_reached {
        let Some(brief) = data.commits.get(repo, sha) else { continue };
        if !data.reviewers(brief).is_empty() {
            continue;
        }
        let self_reviewed = brief.trailers.iter().any(|t| data.review_keys.iter().any(|k| t.is(k)));
        unreviewed.push(Unreviewed {
            repo: repo.to_string(),
            sha: sha.to_string(),
            subject: brief.subject.clone(),
            tools: data.provenance.get(repo, sha).map(|p| p.tools.clone()).unwrap_or_default(),
            services: reached.into_iter().map(str::to_string).collect(),
            deployed_at: at,
            self_reviewed,
            url: data.commit_url(repo, sha),
        });
    }
    unreviewed.sort_by(|a, b| (a.deployed_at, &a.repo, &a.sha).cmp(&(b.deployed_at, &b.repo, &b.sha)));

    let weeks: Vec<Week> = weeks.into_values().collect();
    let mut totals = Week::default();
    for week in &weeks {
        totals.commits += week.commits;
        totals.ai_commits += week.ai_commits;
        totals.lines += week.lines;
        totals.ai_lines += week.ai_lines;
        totals.deploys += week.deploys;
        totals.ai_deploys += week.ai_deploys;
        for (tool, n) in &week.by_tool {
            *totals.by_tool.entry(tool.clone()).or_default() += n;
        }
        for (model, n) in &week.by_model {
            *totals.by_model.entry(model.clone()).or_default() += n;
        }
    }
    let mut tools: Vec<ToolRow> = tools.into_values().collect();
    tools.sort_by(|a, b| {
        b.commits.cmp(&a.commits).then_with(|| (&a.tool, &a.model).cmp(&(&b.tool, &b.model)))
    });
    let days = (period.to - period.from).num_seconds() as f64 / 86_400.0;
    Quarter {
        period: period.clone(),
        weeks,
        tools,
        totals,
        dora: dora::compare(&facts, days),
        deploys_without_commits,
        minutes,
        top_realized,
        top_potential,
        services,
        unreviewed,
        tier1_ai_commits,
        deployed,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::model::{Deploy, DeployCommit, Incident, Provenance, Service, Suspect, Trailer};
    use crate::report::Dataset;
    use crate::tables::CommitBrief;

    fn day(n: i64) -> DateTime<Utc> {
        // Monday 2026-06-01.
        DateTime::from_timestamp(1_780_272_000, 0).unwrap() + Duration::days(n)
    }

    fn brief(sha: &str, added: i64, at: DateTime<Utc>, trailers: Vec<Trailer>) -> CommitBrief {
        CommitBrief {
            repo: "r".into(),
            sha: sha.into(),
            subject: format!("change {sha}"),
            author_name: "Ann".into(),
            author_email: "ann@example.com".into(),
            committed_at: at,
            trailers,
            added_lines: added,
            deleted_lines: 0,
        }
    }

    fn deploy(id: &str, at: DateTime<Utc>, kind: DeployKind, rollback_of: Option<&str>) -> Deploy {
        Deploy {
            id: id.into(),
            service: "pay".into(),
            environment: "production".into(),
            repo: Some("r".into()),
            sha: None,
            started_at: at,
            finished_at: Some(at + Duration::minutes(5)),
            status: DeployStatus::Success,
            kind,
            rollback_of: rollback_of.map(String::from),
            actor: None,
            source: "canonical".into(),
            origin: "deploys.jsonl:1".into(),
        }
    }

    fn shipped(deploy: &str, sha: &str, at: DateTime<Utc>) -> (String, Vec<DeployCommit>) {
        let row = DeployCommit {
            deploy_id: deploy.into(),
            service: "pay".into(),
            environment: "production".into(),
            repo: "r".into(),
            sha: sha.into(),
            position: 0,
            deployed_at: at,
        };
        (deploy.to_string(), vec![row])
    }

    fn suspect(kind: SuspectKind, deploy: Option<&str>, sha: Option<&str>, p: f64) -> Suspect {
        Suspect {
            incident_id: "I1".into(),
            kind,
            rank: 1,
            deploy_id: deploy.map(String::from),
            service: Some("pay".into()),
            repo: sha.map(|_| "r".into()),
            sha: sha.map(String::from),
            probability: p,
            score: 0.0,
            evidence: vec![],
        }
    }

    /// One AI commit (half its 10 lines by AI) that failed, one unknown-origin commit that did
    /// not, on a tier-1 service; every figure below can be worked out by hand.
    fn company(review: Option<&str>) -> Dataset {
        let trailers =
            review.map(|r| vec![Trailer { key: "Reviewed-by".into(), value: r.into() }]).unwrap_or_default();
        let commits = [brief("a1", 10, day(1), trailers), brief("h1", 20, day(2), vec![])];
        let ai = Provenance {
            repo: "r".into(),
            sha: "a1".into(),
            ai: true,
            tools: vec!["claude".into()],
            models: vec!["claude-opus-4.1".into()],
            sessions: vec![],
            confidence: None,
            evidence: vec![],
            ai_added_lines: Some(5),
            ai_line_share: Some(0.5),
        };
        let deploys = vec![
            deploy("d1", day(3), DeployKind::Deploy, None),
            deploy("d1r", day(3) + Duration::hours(1), DeployKind::Rollback, Some("d1")),
            deploy("d2", day(4), DeployKind::Deploy, None),
        ];
        let incident = Incident {
            id: "I1".into(),
            title: "pay down".into(),
            severity: Some(1),
            services: vec!["pay".into()],
            started_at: day(3) + Duration::minutes(30),
            detected_at: None,
            mitigated_at: Some(day(3) + Duration::minutes(90)),
            resolved_at: None,
            customers_affected: None,
            timeline: vec![],
            source: "canonical".into(),
            origin: "incidents.jsonl:1".into(),
        };
        let mut data = Dataset {
            commits: commits.into_iter().map(|c| ((c.repo.clone(), c.sha.clone()), c)).collect(),
            provenance: [(("r".to_string(), "a1".to_string()), ai)].into_iter().collect(),
            deploy_index: deploys.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect(),
            deploys,
            shipped: HashMap::from([shipped("d1", "a1", day(3)), shipped("d2", "h1", day(4))]),
            deploy_facts: Vec::new(),
            incidents: vec![incident],
            suspects: BTreeMap::from([(
                "I1".to_string(),
                vec![
                    suspect(SuspectKind::Deploy, Some("d1"), None, 0.8),
                    suspect(SuspectKind::Commit, Some("d1"), Some("a1"), 0.7),
                    suspect(SuspectKind::NoChange, None, None, 0.2),
                ],
            )]),
            szz: BTreeMap::new(),
            radius: [(("r".to_string(), "a1".to_string()), (42.0, 3.0))].into_iter().collect(),
            services: vec![Service {
                name: "pay".into(),
                kind: "service".into(),
                system: None,
                owner: None,
                tier: Some(1),
                lifecycle: None,
                repo: Some("r".into()),
                path: None,
                aliases: vec![],
            }],
            deps: vec![],
            web: BTreeMap::new(),
            review_keys: crate::config::PolicyConfig::default().review_keys(),
            production: vec!["production".into()],
            weights: crate::analyze::blast_radius::ImpactWeights::default(),
        };
        // The facts as the analysis gathers them from these tables.
        let rows: Vec<_> = data.shipped.values().flatten().cloned().collect();
        let suspects: Vec<_> = data.suspects.values().flatten().cloned().collect();
        data.deploy_facts = crate::analyze::deploy_facts::gather(
            &data.deploys,
            &rows,
            &|repo, sha| crate::analyze::deploy_facts::ShippedCommit {
                committed_epoch: data.commits.get(repo, sha).map(|c| c.committed_at.timestamp()),
                ai: data.origin(repo, sha) == Origin::Ai,
            },
            &data.incidents,
            &suspects,
            &data.production,
            &data.weights,
        );
        data
    }

    #[test]
    fn a_quarter_of_two_commits_worked_out_by_hand() {
        let q = report(&company(None), &Period::quarter("2026-Q2").unwrap());
        assert_eq!(q.weeks.len(), 14, "the weeks touching April to June");
        let june = q.weeks.iter().find(|w| w.start == Some(day(0))).unwrap();
        assert_eq!((june.commits, june.ai_commits, june.lines, june.ai_lines), (2, 1, 30, 5.0));
        assert_eq!((june.deploys, june.ai_deploys), (2, 1));
        assert_eq!(june.by_tool, BTreeMap::from([("claude".to_string(), 1)]));
        assert_eq!(june.by_model, BTreeMap::from([("claude-opus-4.1".to_string(), 1)]));
        assert_eq!(q.tools.len(), 1);
        assert_eq!(
            (q.tools[0].model.as_str(), q.tools[0].commits, q.tools[0].deploys),
            ("claude-opus-4.1", 1, 1)
        );
        let (ai, human) = (&q.dora.ai, &q.dora.human);
        assert_eq!(
            (ai.deploys, ai.change_failure.count, human.deploys, human.change_failure.count),
            (1, 1, 1, 0)
        );
        assert_eq!(ai.lead_time_median_hours, Some(48.0));
        assert_eq!(human.lead_time_median_hours, Some(48.0));
        // Restored at the incident's mitigation, 60 minutes after its start.
        assert_eq!(ai.time_to_restore_median_minutes, Some(60.0));
        assert_eq!(q.dora.verdict, crate::analyze::dora::Verdict::TooFewDeploys);
        let m = &q.minutes;
        assert_eq!((m.incidents, m.total), (1, 60.0));
        assert!(
            (m.ai - 42.0).abs() < 1e-9
                && (m.no_change - 12.0).abs() < 1e-9
                && (m.deploy_only - 6.0).abs() < 1e-9
        );
        assert_eq!((m.human, m.unknown), (0.0, 0.0));
        assert_eq!(
            q.top_realized.iter().map(|c| (c.sha.as_str(), c.realized)).collect::<Vec<_>>(),
            [("a1", 42.0)]
        );
        assert_eq!(q.services.len(), 1);
        let pay = &q.services[0];
        assert_eq!((pay.ai_commits, pay.commits, pay.ai_line_share), (1, 2, Some(5.0 / 30.0)));
        assert!((pay.ai_incidents - 0.7).abs() < 1e-9 && (pay.ai_minutes - 42.0).abs() < 1e-9);
        assert_eq!((q.tier1_ai_commits, q.unreviewed.len()), (1, 1));
        assert!(!q.unreviewed[0].self_reviewed);
        assert_eq!(
            q.deployed,
            Deployed {
                commits: 2,
                unknown_commits: 1,
                lines: 30,
                unknown_lines: 20,
                deploys_not_in_history: 0
            }
        );
        assert_eq!(q.deploys_without_commits, 0);
    }

    #[test]
    fn a_review_counts_only_when_it_names_someone_else() {
        let period = Period::quarter("2026-Q2").unwrap();
        let by_author = report(&company(Some("Ann <ann@example.com>")), &period);
        assert_eq!(by_author.unreviewed.len(), 1);
        assert!(by_author.unreviewed[0].self_reviewed);
        let by_other = report(&company(Some("Bo <bo@example.com>")), &period);
        assert!(by_other.unreviewed.is_empty());
        assert_eq!(by_other.tier1_ai_commits, 1);
        // A bot's approval, or an AI tool's, is no review either.
        for machine in [
            "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
            "Claude <noreply@anthropic.com>",
        ] {
            let by_machine = report(&company(Some(machine)), &period);
            assert_eq!(by_machine.unreviewed.len(), 1, "{machine}");
        }
        // A person who shares a tool's name is a person.
        let devin = report(&company(Some("Devin Okafor <devin@acme.example>")), &period);
        assert!(devin.unreviewed.is_empty());
    }
}
