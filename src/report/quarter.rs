//! The quarterly AI-risk report: how AI-written changes compare with the others over a period.
//! From the facts an engine reduced `commits`, `provenance`, `deploy_commits` and
//! `blast_radius` to ([`super::facts`]), and from `deploys`, `deploy_facts`, `incidents`,
//! `suspects` and `services`:
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

use super::facts::{Radius, MICRO};
use super::{Dataset, Period};
use crate::analyze::dora::{self, Comparison, DeployFacts};
use crate::error::Result;
use crate::model::{Deploy, DeployKind, DeployStatus, SuspectKind};
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

/// The report for `period`, from its facts (loaded with the dataset).
pub fn report(data: &Dataset, period: &Period) -> Result<Quarter> {
    let facts = data.facts(period)?;
    let mut weeks: BTreeMap<DateTime<Utc>, Week> = BTreeMap::new();
    let mut w = week_of(period.from);
    while w < period.to {
        weeks.insert(w, Week { start: Some(w), ..Week::default() });
        w += Duration::days(7);
    }
    // AI lines in millionths, by week and by tool: integers, summed in any order alike.
    let mut week_micro: BTreeMap<DateTime<Utc>, i64> = BTreeMap::new();
    let mut tool_micro: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut tools: BTreeMap<(String, String), ToolRow> = BTreeMap::new();
    for d in &facts.days {
        let Some(at) = DateTime::from_timestamp(d.day * 86_400, 0) else { continue };
        let monday = week_of(at);
        let Some(week) = weeks.get_mut(&monday) else { continue };
        week.commits += d.commits;
        week.lines += d.lines;
        if d.origin != Origin::Ai {
            continue;
        }
        week.ai_commits += d.commits;
        *week_micro.entry(monday).or_default() += d.ai_micro;
        *week.by_tool.entry(d.tool.clone()).or_default() += d.commits;
        *week.by_model.entry(d.model.clone()).or_default() += d.commits;
        let key = (d.tool.clone(), d.model.clone());
        *tool_micro.entry(key.clone()).or_default() += d.ai_micro;
        let row = tools.entry(key).or_insert(ToolRow {
            tool: d.tool.clone(),
            model: d.model.clone(),
            commits: 0,
            ai_lines: 0.0,
            deploys: 0,
            first: monday,
            last: monday,
        });
        row.commits += d.commits;
        row.first = row.first.min(monday);
        row.last = row.last.max(monday);
    }
    for (monday, micro) in &week_micro {
        if let Some(week) = weeks.get_mut(monday) {
            week.ai_lines = *micro as f64 / MICRO;
        }
    }

    // The four keys' facts of the production deploys in the period, as the analysis gathered
    // them (`deploy_facts`): the deploys that shipped commits.
    let in_period: Vec<&crate::analyze::deploy_facts::DeployFact> =
        data.deploy_facts.iter().filter(|f| period.contains(f.started_at)).collect();
    let facts_of: Vec<DeployFacts> = in_period.iter().map(|f| f.facts.clone()).collect();
    let mut service_rows: BTreeMap<&str, ServiceRisk> = BTreeMap::new();
    for f in &in_period {
        if let Some(week) = weeks.get_mut(&week_of(f.started_at)) {
            week.deploys += 1;
            week.ai_deploys += usize::from(f.facts.group == dora::Group::Ai);
        }
        service_rows.entry(f.service.as_str()).or_insert_with(|| ServiceRisk {
            service: f.service.clone(),
            tier: data.tier(&f.service),
            ai_commits: 0,
            commits: 0,
            ai_line_share: None,
            ai_incidents: 0.0,
            ai_minutes: 0.0,
        });
    }
    let production_deploys = data
        .deploys
        .iter()
        .filter(|d| {
            period.contains(d.started_at)
                && d.kind == DeployKind::Deploy
                && d.status == DeployStatus::Success
                && data.is_production(&d.environment)
        })
        .count();
    let deploys_without_commits = production_deploys.saturating_sub(in_period.len());
    let mut service_lines: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut tool_deploys: BTreeMap<(String, String), usize> = BTreeMap::new();
    for g in &facts.shipped {
        let Some(row) = service_rows.get_mut(g.service.as_str()) else { continue };
        row.commits += g.commits;
        let lines = service_lines.entry(g.service.as_str()).or_default();
        lines.0 += g.lines;
        if g.origin == Origin::Ai {
            row.ai_commits += g.commits;
            lines.1 += g.ai_micro;
            *tool_deploys.entry((g.tool.clone(), g.model.clone())).or_default() += g.deploys;
        }
    }
    for (key, row) in tools.iter_mut() {
        row.ai_lines = tool_micro.get(key).copied().unwrap_or(0) as f64 / MICRO;
        row.deploys = tool_deploys.get(key).copied().unwrap_or(0);
    }
    for (service, (lines, micro)) in &service_lines {
        if let Some(row) = service_rows.get_mut(service) {
            row.ai_line_share = (*lines > 0).then(|| *micro as f64 / MICRO / *lines as f64);
        }
    }
    let mut deployed =
        Deployed { deploys_not_in_history: facts.deploys_not_in_history, ..Deployed::default() };
    for (origin, (commits, lines)) in &facts.deployed {
        deployed.commits += commits;
        deployed.lines += lines;
        if *origin == Origin::Unknown {
            deployed.unknown_commits += commits;
            deployed.unknown_lines += lines;
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
    let top = |radii: &[Radius]| -> Vec<TopCommit> {
        radii
            .iter()
            .map(|r| TopCommit {
                repo: r.repo.clone(),
                sha: r.sha.clone(),
                subject: data.commits.get(&r.repo, &r.sha).map(|c| c.subject.clone()).unwrap_or_default(),
                tools: data.tools(&r.repo, &r.sha),
                realized: r.realized,
                potential: r.potential,
                url: data.commit_url(&r.repo, &r.sha),
            })
            .collect()
    };
    let (top_realized, top_potential) = (top(&facts.top_realized), top(&facts.top_potential));

    let mut services: Vec<ServiceRisk> = service_rows.into_values().collect();
    services.sort_by(|a, b| {
        b.ai_minutes
            .total_cmp(&a.ai_minutes)
            .then(b.ai_incidents.total_cmp(&a.ai_incidents))
            .then(b.ai_commits.cmp(&a.ai_commits))
            .then_with(|| a.service.cmp(&b.service))
    });

    // Governance.
    let tier1_ai_commits = facts.tier1.len();
    let mut unreviewed = Vec::new();
    for ((repo, sha), deploy_ids) in &facts.tier1 {
        let Some(brief) = data.commits.get(repo, sha) else { continue };
        if !data.reviewers(brief).is_empty() {
            continue;
        }
        let reached: Vec<&Deploy> =
            deploy_ids.iter().filter_map(|id| data.deploy_index.get(id)).map(|&i| &data.deploys[i]).collect();
        let Some(at) = reached.iter().map(|d| d.started_at).min() else { continue };
        let services: BTreeSet<&str> = reached.iter().map(|d| d.service.as_str()).collect();
        let self_reviewed = brief.trailers.iter().any(|t| data.review_keys.iter().any(|k| t.is(k)));
        unreviewed.push(Unreviewed {
            repo: repo.clone(),
            sha: sha.clone(),
            subject: brief.subject.clone(),
            tools: data.tools(repo, sha),
            services: services.into_iter().map(str::to_string).collect(),
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
        totals.deploys += week.deploys;
        totals.ai_deploys += week.ai_deploys;
        for (tool, n) in &week.by_tool {
            *totals.by_tool.entry(tool.clone()).or_default() += n;
        }
        for (model, n) in &week.by_model {
            *totals.by_model.entry(model.clone()).or_default() += n;
        }
    }
    totals.ai_lines = week_micro.values().sum::<i64>() as f64 / MICRO;
    let mut tools: Vec<ToolRow> = tools.into_values().collect();
    tools.sort_by(|a, b| {
        b.commits.cmp(&a.commits).then_with(|| (&a.tool, &a.model).cmp(&(&b.tool, &b.model)))
    });
    let days = (period.to - period.from).num_seconds() as f64 / 86_400.0;
    Ok(Quarter {
        period: period.clone(),
        weeks,
        tools,
        totals,
        dora: dora::compare(&facts_of, days),
        deploys_without_commits,
        minutes,
        top_realized,
        top_potential,
        services,
        unreviewed,
        tier1_ai_commits,
        deployed,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::model::{
        ChangeKind, Commit, DeployCommit, FileChange, Incident, Provenance, Service, Signature, Suspect,
        Trailer,
    };
    use crate::report::{Dataset, Scope};
    use crate::tables::{self, names};

    fn day(n: i64) -> DateTime<Utc> {
        // Monday 2026-06-01.
        DateTime::from_timestamp(1_780_272_000, 0).unwrap() + Duration::days(n)
    }

    fn commit(sha: &str, added: i64, at: DateTime<Utc>, trailers: Vec<Trailer>) -> Commit {
        let ann = Signature { name: "Ann".into(), email: "ann@example.com".into(), at: at.fixed_offset() };
        Commit {
            repo: "r".into(),
            sha: sha.into(),
            parents: vec![],
            author: ann.clone(),
            committer: ann,
            subject: format!("change {sha}"),
            body: String::new(),
            trailers,
            files: vec![FileChange {
                path: format!("{sha}.rs"),
                old_path: None,
                kind: ChangeKind::Added,
                added: Some(added),
                deleted: Some(0),
                binary: false,
            }],
            merge_paths: vec![],
            shallow_boundary: false,
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

    fn shipped(deploy: &str, sha: &str, at: DateTime<Utc>) -> DeployCommit {
        DeployCommit {
            deploy_id: deploy.into(),
            service: "pay".into(),
            environment: "production".into(),
            repo: "r".into(),
            sha: sha.into(),
            position: 0,
            deployed_at: at,
        }
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
    /// not, on a tier-1 service; every figure below can be worked out by hand. The tables go
    /// into a store, and the report is made as `faultline report` makes it: its facts gathered
    /// by SQL on polars.
    fn quarter(review: Option<&str>) -> Quarter {
        let trailers =
            review.map(|r| vec![Trailer { key: "Reviewed-by".into(), value: r.into() }]).unwrap_or_default();
        let commits = [commit("a1", 10, day(1), trailers), commit("h1", 20, day(2), vec![])];
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
        let shipped = vec![shipped("d1", "a1", day(3)), shipped("d2", "h1", day(4))];
        let suspects = vec![
            suspect(SuspectKind::Deploy, Some("d1"), None, 0.8),
            suspect(SuspectKind::Commit, Some("d1"), Some("a1"), 0.7),
            suspect(SuspectKind::NoChange, None, None, 0.2),
        ];
        let radius = crate::analyze::blast_radius::Radius {
            repo: "r".into(),
            sha: "a1".into(),
            blast_radius: 42.0,
            potential_blast_radius: 3.0,
            incidents: vec![("I1".into(), 0.7)],
        };
        let service = Service {
            name: "pay".into(),
            kind: "service".into(),
            system: None,
            owner: None,
            tier: Some(1),
            lifecycle: None,
            repo: Some("r".into()),
            path: None,
            aliases: vec![],
        };
        // The facts as the analysis gathers them from these tables.
        let facts = crate::analyze::deploy_facts::gather(
            &deploys,
            &shipped,
            &|_, sha| crate::analyze::deploy_facts::ShippedCommit {
                committed_epoch: commits.iter().find(|c| c.sha == sha).map(|c| c.committer.at.timestamp()),
                ai: sha == "a1",
            },
            std::slice::from_ref(&incident),
            &suspects,
            &["production".to_string()],
            &crate::analyze::blast_radius::ImpactWeights::default(),
        );
        let folder = tempfile::tempdir().unwrap();
        let store = crate::store::Store::new(folder.path().join("store"));
        let incidents = std::slice::from_ref(&incident);
        store
            .write(&mut [
                (names::COMMITS, tables::commits_frame(&commits).unwrap()),
                (names::PROVENANCE, tables::provenance_frame(&[ai]).unwrap()),
                (names::DEPLOYS, tables::deploys_frame(&deploys).unwrap()),
                (names::DEPLOY_COMMITS, tables::deploy_commits_frame(&shipped).unwrap()),
                (names::DEPLOY_FACTS, tables::deploy_facts_frame(&facts).unwrap()),
                (names::INCIDENTS, tables::incidents_frame(incidents).unwrap()),
                (names::TIMELINE_EVENTS, tables::timeline_frame(incidents).unwrap()),
                (names::SUSPECTS, tables::suspects_frame(&suspects).unwrap()),
                (names::SZZ_LINKS, tables::szz_links_frame(&[]).unwrap()),
                (names::BLAST_RADIUS, tables::blast_radius_frame(&[radius]).unwrap()),
                (names::SERVICES, tables::services_frame(&[service]).unwrap()),
                (names::SERVICE_DEPS, tables::service_deps_frame(&[]).unwrap()),
            ])
            .unwrap();
        let path = folder.path().join("faultline.toml");
        let config = crate::config::Config::parse(&path, "store = \"store\"\n").unwrap();
        let period = Period::quarter("2026-Q2").unwrap();
        let mut source = crate::engine::Source::store(&store).unwrap();
        let data = Dataset::load(&config, &mut source, Scope::Period(&period)).unwrap();
        report(&data, &period).unwrap()
    }

    #[test]
    fn a_quarter_of_two_commits_worked_out_by_hand() {
        let q = quarter(None);
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
        let by_author = quarter(Some("Ann <ann@example.com>"));
        assert_eq!(by_author.unreviewed.len(), 1);
        assert!(by_author.unreviewed[0].self_reviewed);
        let by_other = quarter(Some("Bo <bo@example.com>"));
        assert!(by_other.unreviewed.is_empty());
        assert_eq!(by_other.tier1_ai_commits, 1);
        // A bot's approval, or an AI tool's, is no review either.
        for machine in [
            "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
            "Claude <noreply@anthropic.com>",
        ] {
            let by_machine = quarter(Some(machine));
            assert_eq!(by_machine.unreviewed.len(), 1, "{machine}");
        }
        // A person who shares a tool's name is a person.
        let devin = quarter(Some("Devin Okafor <devin@acme.example>"));
        assert!(devin.unreviewed.is_empty());
    }
}
