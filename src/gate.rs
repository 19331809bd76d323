//! `faultline gate`: the `[policy]` rules applied to the commits of a pull request, read straight
//! from the repository.
//!
//! Each commit gets its provenance (the same detector `ingest` runs, with the git-ai note and
//! the Agent Trace records of the head's tree), the services its files belong to with their
//! tier and potential blast radius, its trailers and reviewers, and every rule it breaks, in
//! words. A rule's level (`deny`, `warn`, `off`) decides what a finding does to the verdict.
//! The catalog comes from the config's catalog source, or from the store when the config lists
//! none; without either, only `critical_paths` make a path critical.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analyze::blast_radius::{ImpactWeights, Ownership, Reach};
use crate::config::{Config, PolicyConfig, RepoSource, RuleLevel};
use crate::error::{Error, Result};
use crate::ingest::git::{self, RangeCommit};
use crate::ingest::{agent_trace, gitai, provenance, sources};
use crate::model::{short_sha, Commit, Provenance, Service, ServiceDep};
use crate::provenance_report::Origin;
use crate::store::Store;
use crate::tables::{self, names};

/// Rule id: AI commits touching critical paths need a review by someone else.
pub const AI_REVIEW: &str = "ai_review";
/// Rule id: AI commits carry the required audit trailers.
pub const AI_AUDIT_TRAILERS: &str = "ai_audit_trailers";
/// Rule id: the AI share of added lines in critical paths stays under the ceiling.
pub const AI_LINE_SHARE: &str = "ai_line_share";
/// Rule id: commits of unknown origin in critical paths.
pub const UNKNOWN_ORIGIN: &str = "unknown_origin";

/// What the gate decided about a range.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    /// The configured repository.
    pub repo: String,
    /// The range as given.
    pub range: String,
    /// The base commit (the merge base for `BASE...HEAD`).
    pub base: String,
    /// The head commit.
    pub head: String,
    /// Every rule with its level and what it checks, in a fixed order.
    pub rules: Vec<RuleState>,
    /// The commits of the range, oldest first.
    pub commits: Vec<GateCommit>,
    /// Findings about the range as a whole (the AI line share).
    pub range_findings: Vec<GateFinding>,
    /// AI and all added lines in critical paths over the range's commits.
    pub critical_lines: LineShare,
    /// Findings at level `deny`.
    pub denied: usize,
    /// Findings at level `warn`.
    pub warned: usize,
    /// Whether nothing was denied (exit 0).
    pub passed: bool,
    /// What the user should know about how the gate was run (catalog source, skipped merges).
    pub notes: Vec<String>,
}

impl GateReport {
    /// Every finding: each commit's in commit order, then the range's.
    pub fn findings(&self) -> impl Iterator<Item = &GateFinding> {
        self.commits.iter().flat_map(|c| c.findings.iter()).chain(self.range_findings.iter())
    }
}

/// A rule as this gate applied it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleState {
    /// Rule id, the `[policy.rules]` key.
    pub rule: &'static str,
    /// `deny`, `warn` or `off`.
    pub level: RuleLevel,
    /// What it checks, in words.
    pub description: String,
}

/// One commit of the range.
#[derive(Debug, Clone, Serialize)]
pub struct GateCommit {
    /// Commit id.
    pub sha: String,
    /// First line of the message.
    pub subject: String,
    /// `Name <email>` of the author.
    pub author: String,
    /// Whether it is a merge (listed, not evaluated: its changes are its parents').
    pub merge: bool,
    /// `ai`, `human` or `unknown`.
    pub origin: Origin,
    /// AI tools, lower-case, sorted.
    pub tools: Vec<String>,
    /// Models as stated, sorted.
    pub models: Vec<String>,
    /// Ids of the provenance rules that matched, sorted.
    pub evidence: Vec<String>,
    /// Share of added lines AI wrote, when known.
    pub ai_line_share: Option<f64>,
    /// Lines added, over text files.
    pub added_lines: i64,
    /// The catalog services its files belong to.
    pub services: Vec<TouchedService>,
    /// Potential blast radius of the change: tier weights of those services and their
    /// dependents, transitively.
    pub potential_blast_radius: f64,
    /// Whether it touches a critical path (see `critical_files`, or its potential blast radius
    /// reaches `critical_blast_radius`).
    pub critical: bool,
    /// Its files in critical paths, sorted.
    pub critical_files: Vec<String>,
    /// Its trailers, in message order.
    pub trailers: Vec<TrailerRow>,
    /// Reviewers named by review trailers: not the author, not an AI tool.
    pub reviewers: Vec<String>,
    /// The rules it breaks.
    pub findings: Vec<GateFinding>,
}

/// A service a commit touches.
#[derive(Debug, Clone, Serialize)]
pub struct TouchedService {
    /// Catalog name.
    pub name: String,
    /// 1 (most critical) to 5, when known.
    pub tier: Option<i32>,
    /// Potential blast radius of a change to it alone.
    pub potential_blast_radius: f64,
    /// Whether the policy counts it a critical path.
    pub critical: bool,
}

/// A trailer, as the gate shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TrailerRow {
    /// Key as written.
    pub key: String,
    /// Value.
    pub value: String,
}

/// One broken rule.
#[derive(Debug, Clone, Serialize)]
pub struct GateFinding {
    /// Rule id.
    pub rule: &'static str,
    /// `deny` or `warn`.
    pub level: RuleLevel,
    /// The commit, for a per-commit rule.
    pub commit: Option<String>,
    /// The file the finding points at.
    pub path: Option<String>,
    /// Its first added line there, when known.
    pub line: Option<u32>,
    /// What is wrong and what would fix it, in words.
    pub message: String,
}

/// AI lines among the lines added to critical paths.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LineShare {
    /// Lines added in critical paths, over the evaluated commits.
    pub lines: i64,
    /// Of those, the lines AI wrote: exact where a git-ai note or Agent Trace says, else the
    /// commit's AI line share, else all of an AI commit's lines.
    pub ai_lines: i64,
    /// `ai_lines / lines`; `None` without lines.
    pub share: Option<f64>,
    /// The ceiling, when one is set.
    pub ceiling: Option<f64>,
}

/// The services, dependencies and weights that decide what is critical.
struct Criticality<'a> {
    policy: &'a PolicyConfig,
    services: &'a [Service],
    reach: Reach<'a>,
    weights: ImpactWeights,
    ownership: Ownership<'a>,
    paths: globset::GlobSet,
    tiers: Vec<i32>,
}

impl<'a> Criticality<'a> {
    fn new(config: &'a Config, services: &'a [Service], deps: &'a [ServiceDep]) -> Result<Criticality<'a>> {
        let paths = crate::config::path_globs("policy.critical_paths", &config.policy.critical_paths)?;
        Ok(Criticality {
            policy: &config.policy,
            services,
            reach: Reach::new(services, deps),
            weights: ImpactWeights::from_config(&config.blast_radius),
            ownership: Ownership::new(services),
            paths,
            tiers: config.policy.critical_tiers(),
        })
    }

    fn potential<'s>(&self, names: impl Iterator<Item = &'s str>) -> f64 {
        self.reach.potential(names, &self.weights)
    }

    fn service(&self, name: &str) -> TouchedService {
        let tier = self.services.iter().find(|s| s.name == name).and_then(|s| s.tier);
        let potential = self.potential(std::iter::once(name));
        let critical = tier.is_some_and(|t| self.tiers.contains(&t))
            || self.policy.critical_blast_radius.is_some_and(|limit| potential >= limit);
        TouchedService { name: name.to_string(), tier, potential_blast_radius: potential, critical }
    }
}

/// `faultline gate`: evaluate the commits of `range` in `repo` (or the only configured
/// repository) against `[policy]`.
pub fn run(config: &Config, repo: Option<&str>, range: &str) -> Result<GateReport> {
    git::configure_libgit2();
    let source = pick_repo(config, repo)?;
    let history = git::read_range(source, range, config.notes_ref())?;
    let mut notes = Vec::new();
    let (services, deps) = catalog(config, &mut notes)?;
    let criticality = Criticality::new(config, &services, &deps)?;
    let detector = provenance::Detector::new(&config.provenance.rules)?;
    let mut traces: BTreeMap<String, Vec<agent_trace::TraceRecord>> = BTreeMap::new();
    if let Some(text) = &history.agent_trace {
        match agent_trace::parse_traces(text) {
            Ok(records) => {
                for record in records {
                    if let Some(revision) = record.revision() {
                        traces.entry(revision.to_string()).or_default().push(record);
                    }
                }
            }
            Err(e) => notes.push(format!("{}: {e}; Agent Trace records ignored", git::AGENT_TRACE_PATH)),
        }
    }
    let mut commits = Vec::new();
    let mut share = LineShare { ceiling: config.policy.max_ai_line_share, ..LineShare::default() };
    for range_commit in &history.commits {
        let note = match range_commit.note.as_deref().map(gitai::parse_note) {
            Some(Ok(note)) => Some(note),
            Some(Err(e)) => {
                notes.push(format!(
                    "{}: git-ai note on {} could not be read and was ignored: {e}",
                    short_sha(&range_commit.commit.sha),
                    config.notes_ref()
                ));
                None
            }
            None => None,
        };
        let records: Vec<&agent_trace::TraceRecord> =
            traces.get(&range_commit.commit.sha).map(|v| v.iter().collect()).unwrap_or_default();
        let verdict = detector.detect(&range_commit.commit, note.as_ref(), &records);
        let mut exact: BTreeMap<String, Vec<(u32, u32)>> =
            note.as_ref().map(|n| n.ai_ranges()).unwrap_or_default();
        for record in &records {
            for (path, ranges) in record.ai_ranges() {
                exact.entry(path).or_default().extend(ranges);
            }
        }
        let has_exact = note.is_some() || !records.is_empty();
        let commit = evaluate(config, &criticality, range_commit, &verdict, &exact, has_exact, &mut share);
        commits.push(commit);
    }
    let merges = commits.iter().filter(|c| c.merge).count();
    if merges > 0 {
        notes.push(format!(
            "{merges} merge commit(s) listed, not evaluated: their changes are their parents' commits"
        ));
    }
    if !history.unreadable.is_empty() {
        notes.push(format!(
            "{} file(s) could not be read and count no lines: {}",
            history.unreadable.len(),
            history.unreadable.join("; ")
        ));
    }
    share.share = (share.lines > 0).then(|| share.ai_lines as f64 / share.lines as f64);
    let mut range_findings = Vec::new();
    let level = config.policy.ai_line_share();
    if let (Some(ceiling), Some(actual), true) = (share.ceiling, share.share, level != RuleLevel::Off) {
        if actual > ceiling {
            // Pointed at the first AI commit's first critical file, where it added lines.
            let first = commits.iter().position(|c| c.origin == Origin::Ai && !c.critical_files.is_empty());
            let path = first.map(|i| commits[i].critical_files[0].clone());
            let line =
                first.zip(path.as_ref()).and_then(|(i, p)| history.commits[i].first_lines.get(p).copied());
            range_findings.push(GateFinding {
                rule: AI_LINE_SHARE,
                level,
                commit: None,
                path,
                line,
                message: format!(
                    "AI wrote {} of the {} lines these commits add in critical paths ({:.1} %), above the \
                     policy's ceiling of {:.1} %",
                    share.ai_lines,
                    share.lines,
                    actual * 100.0,
                    ceiling * 100.0
                ),
            });
        }
    }
    let count = |level: RuleLevel| {
        commits
            .iter()
            .flat_map(|c| c.findings.iter())
            .chain(range_findings.iter())
            .filter(|f| f.level == level)
            .count()
    };
    let (denied, warned) = (count(RuleLevel::Deny), count(RuleLevel::Warn));
    Ok(GateReport {
        repo: source.name.clone(),
        range: history.range.clone(),
        base: history.base.clone(),
        head: history.head.clone(),
        rules: rules(&config.policy),
        commits,
        range_findings,
        critical_lines: share,
        denied,
        warned,
        passed: denied == 0,
        notes,
    })
}

/// The rules in a fixed order with their levels.
fn rules(policy: &PolicyConfig) -> Vec<RuleState> {
    let keys = policy.review_keys().join(", ");
    vec![
        RuleState {
            rule: AI_REVIEW,
            level: policy.ai_review(),
            description: format!(
                "AI-provenance commits that touch critical paths need a review trailer ({keys}) naming a \
                 person other than their author"
            ),
        },
        RuleState {
            rule: AI_AUDIT_TRAILERS,
            level: policy.ai_audit_trailers(),
            description: if policy.audit_trailers.is_empty() {
                "AI-provenance commits carry the audit trailers in policy.audit_trailers (none listed)".into()
            } else {
                format!("AI-provenance commits carry the audit trailers {}", policy.audit_trailers.join(", "))
            },
        },
        RuleState {
            rule: AI_LINE_SHARE,
            level: policy.ai_line_share(),
            description: match policy.max_ai_line_share {
                Some(ceiling) => format!(
                    "AI writes at most {:.1} % of the lines the range adds in critical paths",
                    ceiling * 100.0
                ),
                None => "AI's share of the lines added in critical paths stays under \
                         policy.max_ai_line_share (not set)"
                    .into(),
            },
        },
        RuleState {
            rule: UNKNOWN_ORIGIN,
            level: policy.unknown_origin(),
            description:
                "commits of unknown origin (no AI marker, no human attestation) that touch critical \
                          paths are flagged"
                    .into(),
        },
    ]
}

/// One commit's facts and findings; adds its critical lines to `share`.
fn evaluate(
    config: &Config,
    criticality: &Criticality<'_>,
    range_commit: &RangeCommit,
    verdict: &Provenance,
    exact: &BTreeMap<String, Vec<(u32, u32)>>,
    has_exact: bool,
    share: &mut LineShare,
) -> GateCommit {
    let commit = &range_commit.commit;
    let policy = &config.policy;
    let origin = Origin::of(verdict);
    let mut touched: BTreeSet<&str> = BTreeSet::new();
    let mut critical_files = BTreeSet::new();
    let mut service_rows: BTreeMap<String, TouchedService> = BTreeMap::new();
    for file in &commit.files {
        let owners = criticality.ownership.owners(&commit.repo, &file.path);
        let mut critical = criticality.paths.is_match(&file.path);
        for owner in owners {
            let row = service_rows.entry(owner.to_string()).or_insert_with(|| criticality.service(owner));
            critical |= row.critical;
            touched.insert(owner);
        }
        if critical {
            critical_files.insert(file.path.clone());
        }
    }
    let potential = criticality.potential(touched.iter().copied());
    let by_potential = policy.critical_blast_radius.is_some_and(|limit| potential >= limit);
    if by_potential && critical_files.is_empty() {
        critical_files.extend(commit.files.iter().map(|f| f.path.clone()));
    }
    let critical = !critical_files.is_empty() || by_potential;
    let reviewers: Vec<String> = provenance::reviewers(
        &commit.trailers,
        &policy.review_keys(),
        &commit.author.name,
        &commit.author.email,
    );
    let mut gate = GateCommit {
        sha: commit.sha.clone(),
        subject: commit.subject.clone(),
        author: format!("{} <{}>", commit.author.name, commit.author.email),
        merge: commit.is_merge(),
        origin,
        tools: verdict.tools.clone(),
        models: verdict.models.clone(),
        evidence: verdict
            .evidence
            .iter()
            .map(|e| e.rule.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        ai_line_share: verdict.ai_line_share,
        added_lines: commit.added_lines(),
        services: service_rows.into_values().collect(),
        potential_blast_radius: potential,
        critical,
        critical_files: critical_files.into_iter().collect(),
        trailers: commit
            .trailers
            .iter()
            .map(|t| TrailerRow { key: t.key.clone(), value: t.value.clone() })
            .collect(),
        reviewers,
        findings: Vec::new(),
    };
    if gate.merge {
        return gate;
    }
    // The critical lines, and AI's part of them.
    for file in commit.files.iter().filter(|f| gate.critical_files.contains(&f.path)) {
        let added = file.added.unwrap_or(0);
        share.lines += added;
        share.ai_lines += if origin != Origin::Ai {
            0
        } else if has_exact {
            let ranges = exact.get(&file.path).cloned().unwrap_or_default();
            gitai::count_lines(&gitai::merge_ranges(ranges)).min(added)
        } else {
            match verdict.ai_line_share {
                Some(fraction) => (added as f64 * fraction).round() as i64,
                None => added,
            }
        };
    }
    let location = gate.critical_files.first().or_else(|| commit.files.first().map(|f| &f.path)).cloned();
    let line = location.as_ref().and_then(|p| range_commit.first_lines.get(p).copied());
    let mut findings = Vec::new();
    let mut finding = |rule: &'static str, level: RuleLevel, message: String| {
        if level != RuleLevel::Off {
            findings.push(GateFinding {
                rule,
                level,
                commit: Some(commit.sha.clone()),
                path: location.clone(),
                line,
                message,
            });
        }
    };
    let what = what_critical(&gate);
    if origin == Origin::Ai && critical && gate.reviewers.is_empty() {
        finding(AI_REVIEW, policy.ai_review(), review_message(commit, policy, &gate, &what));
    }
    if origin == Origin::Ai {
        let missing: Vec<&str> = policy
            .audit_trailers
            .iter()
            .filter(|key| !commit.trailers.iter().any(|t| t.is(key) && !t.value.trim().is_empty()))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            finding(
                AI_AUDIT_TRAILERS,
                policy.ai_audit_trailers(),
                format!(
                    "AI-provenance commit {} ({}) lacks the audit trailer(s) {}",
                    short_sha(&commit.sha),
                    tools_text(&gate),
                    missing.iter().map(|k| format!("{k}:")).collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
    if origin == Origin::Unknown && critical {
        finding(
            UNKNOWN_ORIGIN,
            policy.unknown_origin(),
            format!(
                "commit {} touches {what} and nothing says who wrote it: no AI tool marker, no human \
                 attestation (such as an `AI-Generated: false` trailer)",
                short_sha(&commit.sha)
            ),
        );
    }
    gate.findings = findings;
    gate
}

/// The critical things a commit touches, in words: `payments (tier 1), infra/main.tf`.
fn what_critical(gate: &GateCommit) -> String {
    let mut parts: Vec<String> = gate
        .services
        .iter()
        .filter(|s| s.critical)
        .map(|s| match s.tier {
            Some(tier) => format!("{} (tier {tier})", s.name),
            None => s.name.clone(),
        })
        .collect();
    if parts.is_empty() {
        parts.extend(gate.critical_files.iter().take(3).cloned());
        if gate.critical_files.len() > 3 {
            parts.push(format!("{} more file(s)", gate.critical_files.len() - 3));
        }
    }
    if parts.is_empty() {
        format!("services of potential blast radius {:.1}", gate.potential_blast_radius)
    } else {
        parts.join(", ")
    }
}

fn review_message(commit: &Commit, policy: &PolicyConfig, gate: &GateCommit, what: &str) -> String {
    let keys = policy.review_keys();
    let named: Vec<&str> = commit
        .trailers
        .iter()
        .filter(|t| keys.iter().any(|k| t.is(k)))
        .map(|t| t.value.trim())
        .filter(|v| !v.is_empty())
        .collect();
    let why = if named.is_empty() {
        format!("has no review trailer ({})", keys.join(", "))
    } else if named.iter().all(|v| provenance::is_machine(v)) {
        format!("is reviewed only by an AI tool or bot ({}), not by a person", named.join(", "))
    } else {
        format!("names only its author as reviewer ({})", named.join(", "))
    };
    format!(
        "AI-provenance commit {} ({}) touches {what} and {why}; a person other than the author must review it",
        short_sha(&commit.sha),
        tools_text(gate)
    )
}

fn tools_text(gate: &GateCommit) -> String {
    match (gate.tools.is_empty(), gate.models.is_empty()) {
        (true, _) => "tool not named".into(),
        (false, true) => gate.tools.join(", "),
        (false, false) => format!("{}; {}", gate.tools.join(", "), gate.models.join(", ")),
    }
}

/// The catalog: the config's source when it lists one, else the store's tables, else none.
fn catalog(config: &Config, notes: &mut Vec<String>) -> Result<(Vec<Service>, Vec<ServiceDep>)> {
    if config.catalog.is_some() {
        let repos: Vec<(String, Option<String>)> =
            config.repos.iter().map(|r| (r.name.clone(), git::remote_url(r).ok().flatten())).collect();
        let read = sources::read_catalog_only(config, &repos)?.unwrap_or_default();
        if !read.rejects.is_empty() {
            notes.push(format!(
                "the catalog has {} record(s) that could not be used; `faultline ingest` lists them",
                read.rejects.len()
            ));
        }
        return Ok((read.services, read.deps));
    }
    let store = Store::new(&config.store);
    match (store.read(names::SERVICES)?, store.read(names::SERVICE_DEPS)?) {
        (Some(services), deps) => {
            let services = tables::services_from_frame(&services)?;
            let deps = match deps {
                Some(frame) => tables::service_deps_from_frame(&frame)?,
                None => Vec::new(),
            };
            notes.push(format!("catalog: the store's services table ({} services)", services.len()));
            Ok((services, deps))
        }
        (None, _) => {
            notes.push(
                "no catalog (configure [catalog] or run `faultline ingest`): only policy.critical_paths \
                 mark critical paths"
                    .into(),
            );
            Ok((Vec::new(), Vec::new()))
        }
    }
}

/// `name`'s configured repository, or the only one configured.
fn pick_repo<'a>(config: &'a Config, name: Option<&str>) -> Result<&'a RepoSource> {
    let names = || config.repos.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
    match name {
        Some(name) => config.repo(name),
        None => match config.repos.as_slice() {
            [only] => Ok(only),
            [] => Err(Error::Usage("the configuration lists no repository ([[repos]])".into())),
            _ => Err(Error::Usage(format!(
                "several repositories are configured ({}); say which with --repo",
                names()
            ))),
        },
    }
}
