//! Attribution: for every incident, how likely each recent deploy (and each commit it shipped)
//! caused it, against an explicit share for "no change at fault", with the evidence in words.
//! Reads incidents and their timelines, deploys, what each deploy shipped (`deploy_commits`),
//! the service dependencies and the commits; writes `suspects` and `szz_links`.
//!
//! Candidates are the deploys to a service the incident names, or to a service those depend
//! on (up to `max_hops` away), that started inside the window before the incident's start:
//! nothing that happened after the start can be its cause. Each candidate's score is a sum of
//! log-odds (see `docs/attribution.md` for every weight):
//!
//! - a prior, less for every hour before the start and every dependency hop;
//! - more when the timeline or the title names the deploy, one of its commits or its pull
//!   requests; when it was rolled back during the incident; when a later commit reverted one
//!   of its commits; when a fix naming the incident changed lines one of its commits wrote
//!   (SZZ, blame at the fix's parent);
//! - a little more for a larger change.
//!
//! The probabilities are a softmax over the candidates and "no change at fault" (score 0). A
//! deploy's probability is shared among its commits by their own evidence (the commit a revert
//! or a fix points at takes most of it) and their size.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;

use crate::analyze::szz::SzzLink;
use crate::config::AttributionConfig;
use crate::model::short_sha;
use crate::model::{
    Commit, Deploy, DeployCommit, DeployKind, DeployStatus, Incident, ServiceDep, Suspect, SuspectKind,
    SzzLine,
};

/// The weights, with the config's overrides applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Hours before the start in which deploys are candidates.
    pub window_hours: f64,
    /// Dependency hops from an affected service.
    pub max_hops: u32,
    /// A candidate's starting log-odds against "no change at fault".
    pub deploy_prior: f64,
    /// Lost per hour between the deploy and the start.
    pub per_hour: f64,
    /// Lost per dependency hop.
    pub per_hop: f64,
    /// Gained when the timeline names the deploy or what it shipped.
    pub named_in_timeline: f64,
    /// Gained when it was rolled back during the incident.
    pub rolled_back: f64,
    /// Gained when one of its commits was reverted after the start.
    pub reverted: f64,
    /// Gained when a fix naming the incident changed lines one of its commits wrote.
    pub fixed: f64,
    /// Gained per natural-log unit of changed lines.
    pub per_log_line: f64,
    /// Lost by a deploy to an environment that is not production.
    pub not_production: f64,
    /// The environments that are production, lower case.
    pub production_environments: Vec<String>,
    /// Hours after the start in which a revert still counts.
    pub followup_hours: f64,
    /// The references an organisation gives its incidents (a regular expression).
    pub incident_key_pattern: String,
    /// What responders write when no change was at fault (regular expressions).
    pub no_change_patterns: Vec<String>,
    /// Gained by "no change at fault" when the incident says so.
    pub said_no_change: f64,
    /// Suspects under this probability are counted, not listed (each incident's first deploy
    /// and commit always are).
    pub min_probability: f64,
}

/// Suspects less likely than this are not listed by default.
pub const DEFAULT_MIN_PROBABILITY: f64 = 0.001;

/// The incident references recognised by default: `INC-2026-009`, `INC-1234`.
pub const DEFAULT_INCIDENT_KEY_PATTERN: &str = r"(?i)\bINC-\d+(?:-\d+)*\b";

/// What responders write when no change was at fault, recognised by default (case ignored):
/// a denial that a deploy or change was involved, and a provider, vendor or upstream outage.
pub const DEFAULT_NO_CHANGE_PATTERNS: [&str; 3] = [
    r"(?i)\b(no|not an?|without any|unrelated to any) (recent |shop |code )?(deploy|deploys|deployment|deployments|change|changes|release|releases)\b( (was |were )?(involved|at fault|to blame))?",
    r"(?i)\bnothing to roll ?back\b",
    r"(?i)\b(provider|processor|vendor|third[- ]party|upstream|cloud|isp|cdn)('s)?\b[^.;]*\b(outage|incident|degradation|degraded|disruption)\b",
];

impl Weights {
    /// The documented defaults, overridden by `[attribution]`.
    pub fn from_config(config: &AttributionConfig) -> Weights {
        Weights {
            window_hours: config.window_hours.unwrap_or(72.0),
            max_hops: config.max_hops.unwrap_or(3),
            deploy_prior: config.deploy_prior.unwrap_or(0.5),
            per_hour: config.per_hour.unwrap_or(0.15),
            per_hop: config.per_hop.unwrap_or(1.5),
            named_in_timeline: config.named_in_timeline.unwrap_or(4.0),
            rolled_back: config.rolled_back.unwrap_or(3.0),
            reverted: config.reverted.unwrap_or(4.0),
            fixed: config.fixed.unwrap_or(3.0),
            per_log_line: config.per_log_line.unwrap_or(0.2),
            not_production: config.not_production.unwrap_or(3.0),
            production_environments: config
                .production_environments
                .clone()
                .unwrap_or_else(|| ["production", "prod", "prd", "live"].map(String::from).to_vec())
                .into_iter()
                .map(|e| e.to_lowercase())
                .collect(),
            followup_hours: config.followup_hours.unwrap_or(168.0),
            incident_key_pattern: config
                .incident_key_pattern
                .clone()
                .unwrap_or_else(|| DEFAULT_INCIDENT_KEY_PATTERN.to_string()),
            no_change_patterns: config
                .no_change_patterns
                .clone()
                .unwrap_or_else(|| DEFAULT_NO_CHANGE_PATTERNS.map(String::from).to_vec()),
            said_no_change: config.said_no_change.unwrap_or(3.0),
            min_probability: config.min_probability.unwrap_or(DEFAULT_MIN_PROBABILITY),
        }
    }
}

/// Everything attribution reads.
pub struct Evidence<'a> {
    /// Incidents with their timelines.
    pub incidents: &'a [Incident],
    /// Every deploy.
    pub deploys: &'a [Deploy],
    /// What each deploy shipped.
    pub shipped: &'a [DeployCommit],
    /// Service dependencies.
    pub deps: &'a [ServiceDep],
    /// Every commit, with its files.
    pub commits: &'a [Commit],
}

/// The suspects of every incident, and the SZZ lines behind them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Attribution {
    /// By incident (in the order given), then deploys, "no change", commits, each by rank.
    pub suspects: Vec<Suspect>,
    /// The lines each fix changed and who wrote them.
    pub szz: Vec<SzzLine>,
}

static REVERTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)this reverts commit ([0-9a-f]{7,64})").expect("built-in pattern is valid")
});
static PULL_REQUEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#(\d{1,7})\b").expect("built-in pattern is valid"));

/// The commit a revert names (`This reverts commit X`), lower case, full or abbreviated.
pub fn reverted_commit(message: &str) -> Option<String> {
    REVERTS.captures(message).map(|c| c[1].to_ascii_lowercase())
}

/// Attribute every incident. `szz` blames a fix commit of a repository (`None` when it cannot).
pub fn attribute(
    evidence: &Evidence<'_>,
    weights: &Weights,
    szz: &mut dyn FnMut(&str, &str) -> Option<SzzLink>,
) -> Attribution {
    let mut shipped_by: HashMap<&str, Vec<&DeployCommit>> = HashMap::new();
    for row in evidence.shipped {
        shipped_by.entry(row.deploy_id.as_str()).or_default().push(row);
    }
    let commits: HashMap<(&str, &str), &Commit> =
        evidence.commits.iter().map(|c| ((c.repo.as_str(), c.sha.as_str()), c)).collect();
    let mut depends_on: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for dep in evidence.deps {
        depends_on.entry(dep.service.as_str()).or_default().insert(dep.depends_on.as_str());
    }
    let patterns = Patterns::new(weights);
    let index = Index::new(evidence, &patterns);
    let mut out = Attribution::default();
    for (n, incident) in evidence.incidents.iter().enumerate() {
        attribute_one(
            incident,
            &index.fixes[n],
            weights,
            &patterns,
            &index,
            &shipped_by,
            &commits,
            &depends_on,
            szz,
            &mut out,
        );
    }
    out
}

/// The fix commits, (repo, sha), that [`attribute`] asks its `szz` to blame: those made after
/// an incident's start that name it. An analysis that blames in bulk (one repository's history
/// at a time) learns them first.
pub fn fixes(evidence: &Evidence<'_>, weights: &Weights) -> BTreeSet<(String, String)> {
    let index = Index::new(evidence, &Patterns::new(weights));
    index.fixes.iter().flatten().map(|c| (c.repo.clone(), c.sha.clone())).collect()
}

impl Patterns {
    fn new(weights: &Weights) -> Patterns {
        // The config checked the patterns; one that still fails to build matches nothing.
        let never = || Regex::new("$^").expect("an empty pattern is valid");
        Patterns {
            incident_key: Regex::new(&weights.incident_key_pattern).unwrap_or_else(|_| never()),
            no_change: weights
                .no_change_patterns
                .iter()
                .map(|p| Regex::new(p).unwrap_or_else(|_| never()))
                .collect(),
        }
    }
}

/// Lookups built once for all incidents, so that each one costs what its own candidates cost
/// and not a pass over every commit and deploy.
struct Index<'a> {
    /// Deploys (not rollbacks), by start.
    deploys: Vec<&'a Deploy>,
    /// Rollbacks, by start.
    rollbacks: Vec<&'a Deploy>,
    /// (repo, reverted id as written, lower case) → the reverts, with their commit time.
    reverts: HashMap<(String, String), Vec<(DateTime<Utc>, &'a Commit)>>,
    /// The lengths of the reverted ids written (7 to 40 and more).
    revert_lengths: BTreeSet<usize>,
    /// Per incident (in order), the commits that name it, made after its start.
    fixes: Vec<Vec<&'a Commit>>,
    /// Pull request numbers (`#123`) in each commit's subject.
    pull_requests: HashMap<(&'a str, &'a str), Vec<String>>,
}

impl<'a> Index<'a> {
    fn new(evidence: &Evidence<'a>, patterns: &Patterns) -> Index<'a> {
        let mut deploys: Vec<&Deploy> =
            evidence.deploys.iter().filter(|d| d.kind == DeployKind::Deploy).collect();
        deploys.sort_by_key(|d| d.started_at);
        let mut rollbacks: Vec<&Deploy> =
            evidence.deploys.iter().filter(|d| d.kind == DeployKind::Rollback).collect();
        rollbacks.sort_by_key(|d| d.started_at);
        let mut reverts: HashMap<(String, String), Vec<(DateTime<Utc>, &Commit)>> = HashMap::new();
        let mut revert_lengths = BTreeSet::new();
        let mut pull_requests = HashMap::new();
        for c in evidence.commits {
            if let Some(target) = reverted_commit(&c.body) {
                revert_lengths.insert(target.len());
                reverts
                    .entry((c.repo.clone(), target))
                    .or_default()
                    .push((c.committer.at.with_timezone(&Utc), c));
            }
            if c.subject.contains('#') {
                let numbers: Vec<String> =
                    PULL_REQUEST.captures_iter(&c.subject).map(|m| format!("#{}", &m[1])).collect();
                if !numbers.is_empty() {
                    pull_requests.insert((c.repo.as_str(), c.sha.as_str()), numbers);
                }
            }
        }
        // The names each incident goes by; a name made of word characters only is found by
        // looking the words of each commit message up, any other by its pattern.
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_pattern: Vec<(usize, Regex)> = Vec::new();
        for (n, incident) in evidence.incidents.iter().enumerate() {
            let mut names: BTreeSet<String> = BTreeSet::from([incident.id.clone()]);
            let texts = std::iter::once(incident.title.as_str())
                .chain(incident.timeline.iter().map(|e| e.text.as_str()));
            for text in texts {
                names.extend(patterns.incident_key.find_iter(text).map(|m| m.as_str().to_string()));
            }
            let mut complex = Vec::new();
            for name in &names {
                let bare = name.rsplit(':').next().unwrap_or(name);
                let bare = if bare.chars().all(|c| c.is_ascii_digit()) { name.as_str() } else { bare };
                // Wherever the whole id stands, its bare part stands as a word too: looking for
                // the bare part is enough (a number only ever as the whole id).
                if !bare.is_empty() && bare.chars().all(word) {
                    by_word.entry(bare.to_lowercase()).or_default().push(n);
                } else {
                    complex.push(bare);
                }
            }
            if !complex.is_empty() {
                by_pattern.push((n, incident_pattern(&complex)));
            }
        }
        let mut fixes: Vec<Vec<&Commit>> = vec![Vec::new(); evidence.incidents.len()];
        for c in evidence.commits {
            let at = c.committer.at.with_timezone(&Utc);
            let mut named: BTreeSet<usize> = BTreeSet::new();
            for text in [c.subject.as_str(), c.body.as_str()] {
                for token in text.split(|ch: char| !word(ch)).filter(|t| !t.is_empty()) {
                    if let Some(list) = by_word.get(&token.to_lowercase()) {
                        named.extend(list.iter().copied());
                    }
                }
            }
            for (n, pattern) in &by_pattern {
                if pattern.is_match(&c.subject) || pattern.is_match(&c.body) {
                    named.insert(*n);
                }
            }
            for n in named {
                if at >= evidence.incidents[n].started_at {
                    fixes[n].push(c);
                }
            }
        }
        Index { deploys, rollbacks, reverts, revert_lengths, fixes, pull_requests }
    }

    /// The reverts of `sha` in `repo` (by any abbreviation of it written).
    fn reverts_of(&self, repo: &str, sha: &str) -> Vec<&(DateTime<Utc>, &'a Commit)> {
        let sha = sha.to_ascii_lowercase();
        let mut out = Vec::new();
        for &n in self.revert_lengths.iter().filter(|&&n| n <= sha.len()) {
            out.extend(self.reverts.get(&(repo.to_string(), sha[..n].to_string())).into_iter().flatten());
        }
        out
    }
}

/// Every name the incidents go by, as [`attribute`] looks for them in commit messages: each id,
/// each reference the title or timeline gives (`incident_key_pattern`), and their bare parts.
/// A commit that names an incident contains one of them, case aside.
pub(crate) fn incident_names(incidents: &[Incident], weights: &Weights) -> BTreeSet<String> {
    let key = Regex::new(&weights.incident_key_pattern).unwrap_or_else(|_| Regex::new("$^").expect("valid"));
    let mut out = BTreeSet::new();
    for incident in incidents {
        let mut names: BTreeSet<String> = BTreeSet::from([incident.id.clone()]);
        let texts =
            std::iter::once(incident.title.as_str()).chain(incident.timeline.iter().map(|e| e.text.as_str()));
        for text in texts {
            names.extend(key.find_iter(text).map(|m| m.as_str().to_string()));
        }
        for name in names {
            let bare = name.rsplit(':').next().unwrap_or(&name).to_string();
            if !bare.is_empty() && !bare.chars().all(|c| c.is_ascii_digit()) {
                out.insert(bare);
            }
            out.insert(name);
        }
    }
    out
}

/// The config's regular expressions, built once.
struct Patterns {
    incident_key: Regex,
    no_change: Vec<Regex>,
}

/// What points at a commit a deploy shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pointer {
    Fixed,
    Reverted,
    Named,
}

/// A candidate deploy while its score is built.
struct Candidate<'a> {
    deploy: &'a Deploy,
    score: f64,
    evidence: Vec<String>,
    /// Commit → its own log-odds and evidence.
    commits: Vec<(&'a DeployCommit, f64, Vec<String>)>,
}

/// A commit a candidate deploy shipped, with its probability summed over the deploys.
struct Shipped<'a> {
    row: &'a DeployCommit,
    /// The deploy that gives it the most probability.
    deploy: &'a Deploy,
    best: f64,
    probability: f64,
    score: f64,
    words: Vec<&'a String>,
}

#[allow(clippy::too_many_arguments)]
fn attribute_one(
    incident: &Incident,
    fixes: &[&Commit],
    weights: &Weights,
    patterns: &Patterns,
    index: &Index<'_>,
    shipped_by: &HashMap<&str, Vec<&DeployCommit>>,
    commits: &HashMap<(&str, &str), &Commit>,
    depends_on: &BTreeMap<&str, BTreeSet<&str>>,
    szz: &mut dyn FnMut(&str, &str) -> Option<SzzLink>,
    out: &mut Attribution,
) {
    let start = incident.started_at;
    let hops = upstream(&incident.services, depends_on, weights.max_hops);
    let window = chrono::Duration::seconds((weights.window_hours * 3600.0) as i64);
    let end = incident.resolved_at.or(incident.mitigated_at).unwrap_or(start + chrono::Duration::hours(24));
    let texts = Said::new(
        std::iter::once((None, incident.title.as_str()))
            .chain(incident.timeline.iter().map(|e| (Some(e.at), e.text.as_str()))),
    );

    // Changes made after the start that point back: reverts, and fixes naming the incident
    // by its id or by a reference its title or timeline gives it (found by the index).
    let followup = start + chrono::Duration::seconds((weights.followup_hours * 3600.0) as i64);
    let mut blamed: HashMap<(String, String), Vec<String>> = HashMap::new();
    for fix in fixes {
        let Some(link) = szz(&fix.repo, &fix.sha) else { continue };
        for b in &link.blamed {
            blamed.entry((fix.repo.clone(), b.sha.clone())).or_default().push(format!(
                "fix {} (“{}”) changed lines {} of {} that it wrote",
                short_sha(&fix.sha),
                fix.subject,
                lines(&b.lines),
                b.path
            ));
            for &line in &b.lines {
                out.szz.push(SzzLine {
                    incident_id: incident.id.clone(),
                    repo: fix.repo.clone(),
                    fix_sha: fix.sha.clone(),
                    blamed_sha: b.sha.clone(),
                    path: b.path.clone(),
                    line: line as i32,
                });
            }
        }
    }

    let mut candidates: Vec<Candidate<'_>> = Vec::new();
    let from = index.deploys.partition_point(|d| d.started_at < start - window);
    let to = index.deploys.partition_point(|d| d.started_at < start);
    for &deploy in &index.deploys[from..to.max(from)] {
        let Some(&hop) = hops.get(deploy.service.as_str()) else { continue };
        if deploy.status == DeployStatus::Cancelled {
            continue;
        }
        let hours = (start - deploy.started_at).num_seconds() as f64 / 3600.0;
        let mut score = weights.deploy_prior - weights.per_hour * hours - weights.per_hop * f64::from(hop);
        let mut words = vec![format!(
            "deployed {} to {} {} before the incident started",
            deploy.service,
            deploy.environment,
            duration(hours)
        )];
        if hop > 0 {
            words.push(format!(
                "{} is {hop} dependency hop(s) from a service the incident names",
                deploy.service
            ));
        }
        if !weights.production_environments.contains(&deploy.environment.to_lowercase()) {
            score -= weights.not_production;
            words.push(format!("{} is not a production environment", deploy.environment));
        }
        let shipped: &[&DeployCommit] = shipped_by.get(deploy.id.as_str()).map_or(&[], Vec::as_slice);
        let mut commit_rows: Vec<(&DeployCommit, f64, Vec<String>)> = Vec::new();
        let mut total_lines = 0i64;
        // Each kind of pointer at one of its commits counts once for the deploy.
        let mut pointed: BTreeMap<Pointer, String> = BTreeMap::new();
        for row in shipped {
            let commit = commits.get(&(row.repo.as_str(), row.sha.as_str()));
            let changed: i64 = commit
                .map_or(0, |c| c.files.iter().map(|f| f.added.unwrap_or(0) + f.deleted.unwrap_or(0)).sum());
            total_lines += changed;
            let mut commit_words =
                vec![format!("shipped by deploy {}; {changed} line(s) changed", deploy.id)];
            let mut commit_score = weights.per_log_line * (1.0 + changed as f64).ln();
            let mut point =
                |pointer: Pointer, weight: f64, word: String, words: &mut Vec<String>, score: &mut f64| {
                    *score += weight;
                    pointed
                        .entry(pointer)
                        .or_insert_with(|| format!("commit {}: {word}", short_sha(&row.sha)));
                    words.push(word);
                };
            for why in blamed.get(&(row.repo.clone(), row.sha.clone())).into_iter().flatten() {
                point(Pointer::Fixed, weights.fixed, why.clone(), &mut commit_words, &mut commit_score);
            }
            for (at, revert) in index.reverts_of(&row.repo, &row.sha) {
                if *at >= start && *at <= followup {
                    let word = format!(
                        "reverted after the start by {} (“{}”)",
                        short_sha(&revert.sha),
                        revert.subject
                    );
                    point(Pointer::Reverted, weights.reverted, word, &mut commit_words, &mut commit_score);
                }
            }
            if let Some(text) = texts.naming_commit(&row.sha) {
                let word = format!("named in the incident: {text}");
                point(Pointer::Named, weights.named_in_timeline, word, &mut commit_words, &mut commit_score);
            }
            commit_rows.push((row, commit_score, commit_words));
        }
        score += weights.per_log_line * (1.0 + total_lines as f64).ln();
        for (pointer, word) in &pointed {
            score += match pointer {
                Pointer::Fixed => weights.fixed,
                Pointer::Reverted => weights.reverted,
                Pointer::Named => weights.named_in_timeline,
            };
            words.push(word.clone());
        }
        let pull_requests: BTreeSet<&str> = shipped
            .iter()
            .filter_map(|row| index.pull_requests.get(&(row.repo.as_str(), row.sha.as_str())))
            .flatten()
            .map(String::as_str)
            .collect();
        let mut needles: Vec<&str> = vec![deploy.id.as_str()];
        needles.extend(pull_requests.iter().copied());
        if let Some(text) = texts.naming(&needles).filter(|_| !pointed.contains_key(&Pointer::Named)) {
            score += weights.named_in_timeline;
            words.push(format!("named in the incident: {text}"));
        }
        let during = index.rollbacks.partition_point(|r| r.started_at < start);
        let rollback = index.rollbacks[during..].iter().take_while(|r| r.started_at <= end).find(|r| {
            r.rollback_of.as_deref() == Some(deploy.id.as_str())
                || (r.rollback_of.is_none()
                    && r.service == deploy.service
                    && r.environment == deploy.environment)
        });
        if let Some(r) = rollback {
            score += weights.rolled_back;
            words.push(format!(
                "rolled back by deploy {} {} after the start, during the incident",
                r.id,
                duration((r.started_at - start).num_seconds() as f64 / 3600.0)
            ));
        }
        candidates.push(Candidate { deploy, score, evidence: words, commits: commit_rows });
    }
    // A rollback without `rollback_of` undoes only the latest deploy of its service before it.
    keep_latest_rollback_claims(&mut candidates, weights);

    // What the incident says about its cause: "no deploy involved", a provider's outage.
    let said = texts.texts.iter().find_map(|(at, text, _)| {
        let hit = patterns.no_change.iter().find_map(|p| p.find(text))?;
        Some((hit.as_str().to_string(), where_said(*at, text)))
    });
    let none_score = if said.is_some() { weights.said_no_change } else { 0.0 };
    let denominator = none_score.exp() + candidates.iter().map(|c| c.score.exp()).sum::<f64>();
    let none_probability = none_score.exp() / denominator;
    // Probabilities first, rows after: only the suspects that are kept are written out.
    let mut deploys: Vec<(f64, &Candidate<'_>)> =
        candidates.iter().map(|c| (c.score.exp() / denominator, c)).collect();
    // A commit two candidate deploys shipped (a retried deploy, a failed one then a good one)
    // is one suspect: its probabilities add up, and it names the likelier deploy.
    let mut commits: Vec<Shipped<'_>> = Vec::new();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for &(probability, candidate) in &deploys {
        let total: f64 = candidate.commits.iter().map(|(_, s, _)| s.exp()).sum();
        for (row, score, words) in &candidate.commits {
            let share = probability * score.exp() / total;
            match seen.get(&(row.repo.as_str(), row.sha.as_str())) {
                None => {
                    seen.insert((row.repo.as_str(), row.sha.as_str()), commits.len());
                    commits.push(Shipped {
                        row,
                        deploy: candidate.deploy,
                        best: share,
                        probability: share,
                        score: *score,
                        words: words.iter().collect(),
                    });
                }
                Some(&n) => {
                    let kept = &mut commits[n];
                    if share > kept.best {
                        kept.deploy = candidate.deploy;
                        kept.best = share;
                        kept.score = *score;
                    }
                    kept.probability += share;
                    for word in words {
                        if !kept.words.contains(&word) {
                            kept.words.push(word);
                        }
                    }
                }
            }
        }
    }
    deploys.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.deploy.id.cmp(&b.1.deploy.id)));
    commits.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| (&a.deploy.id, &a.row.sha).cmp(&(&b.deploy.id, &b.row.sha)))
    });
    let (deploys_left, deploys_share) = keep_likely(&mut deploys, weights.min_probability, |d| d.0);
    let (commits_left, commits_share) = keep_likely(&mut commits, weights.min_probability, |c| c.probability);
    let deploy_rows = deploys.iter().enumerate().map(|(rank, &(probability, candidate))| Suspect {
        incident_id: incident.id.clone(),
        kind: SuspectKind::Deploy,
        rank: rank as i32 + 1,
        deploy_id: Some(candidate.deploy.id.clone()),
        service: Some(candidate.deploy.service.clone()),
        repo: candidate.deploy.repo.clone(),
        sha: candidate.deploy.sha.clone(),
        probability,
        score: candidate.score,
        evidence: candidate.evidence.clone(),
    });
    let deploy_rows: Vec<Suspect> = deploy_rows.collect();
    let commit_rows: Vec<Suspect> = commits
        .iter()
        .enumerate()
        .map(|(rank, c)| Suspect {
            incident_id: incident.id.clone(),
            kind: SuspectKind::Commit,
            rank: rank as i32 + 1,
            deploy_id: Some(c.deploy.id.clone()),
            service: Some(c.deploy.service.clone()),
            repo: Some(c.row.repo.clone()),
            sha: Some(c.row.sha.clone()),
            probability: c.probability,
            score: c.score,
            evidence: c.words.iter().map(|w| w.to_string()).collect(),
        })
        .collect();
    let mut none_words = vec![format!(
        "{} candidate deploy(s) in the {} h before the start",
        candidates.len(),
        weights.window_hours
    )];
    if incident.services.is_empty() {
        none_words.push("the incident names no service, so no deploy can be linked to it".into());
    }
    if let Some((hit, text)) = &said {
        none_words.push(format!("the incident says “{hit}”: {text}"));
    }
    if deploys_left + commits_left > 0 {
        none_words.push(format!(
            "not listed, each under {}: {deploys_left} deploy(s) ({} in all) and {commits_left} commit(s) ({} in all)",
            percent(weights.min_probability),
            percent(deploys_share),
            percent(commits_share)
        ));
    }
    out.suspects.extend(deploy_rows);
    out.suspects.push(Suspect {
        incident_id: incident.id.clone(),
        kind: SuspectKind::NoChange,
        rank: 1,
        deploy_id: None,
        service: None,
        repo: None,
        sha: None,
        probability: none_probability,
        score: none_score,
        evidence: none_words,
    });
    out.suspects.extend(commit_rows);
}

/// Drop the rows (sorted by probability, descending) under `floor`, keeping the first; the
/// count and the total probability of those dropped.
fn keep_likely<T>(rows: &mut Vec<T>, floor: f64, probability: impl Fn(&T) -> f64) -> (usize, f64) {
    let keep = rows.iter().skip(1).position(|r| probability(r) < floor).map_or(rows.len(), |n| n + 1);
    let left = rows.split_off(keep);
    (left.len(), left.iter().map(probability).sum())
}

/// A probability in words: `0.1 %`, `12.3 %`, `under 0.1 %`.
fn percent(p: f64) -> String {
    let value = p * 100.0;
    // A share worked out as a difference can come out a rounding error below zero.
    if value <= 0.0 {
        "0.0 %".to_string()
    } else if value < 0.1 {
        "under 0.1 %".to_string()
    } else {
        format!("{value:.1} %")
    }
}

/// A rollback that names no deploy is credited only to the latest candidate of its service and
/// environment: it undid that one.
fn keep_latest_rollback_claims(candidates: &mut [Candidate<'_>], weights: &Weights) {
    let mut latest: HashMap<(&str, &str), DateTime<Utc>> = HashMap::new();
    for c in candidates.iter() {
        let key = (c.deploy.service.as_str(), c.deploy.environment.as_str());
        let at = latest.entry(key).or_insert(c.deploy.started_at);
        *at = (*at).max(c.deploy.started_at);
    }
    for c in candidates.iter_mut() {
        let key = (c.deploy.service.as_str(), c.deploy.environment.as_str());
        let is_latest = latest.get(&key) == Some(&c.deploy.started_at);
        let claimed = c.evidence.iter().position(|w| w.starts_with("rolled back by "));
        if let (Some(index), false) = (claimed, is_latest) {
            let names_it = c.evidence[index].contains(&format!("deploy {}", c.deploy.id));
            if !names_it {
                c.evidence.remove(index);
                c.score -= weights.rolled_back;
            }
        }
    }
}

/// The services an incident names and those they depend on, each with its distance in hops.
pub(crate) fn upstream<'a>(
    affected: &'a [String],
    depends_on: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    max_hops: u32,
) -> HashMap<&'a str, u32> {
    let mut hops: HashMap<&str, u32> = HashMap::new();
    let mut queue: VecDeque<(&str, u32)> = affected.iter().map(|s| (s.as_str(), 0)).collect();
    while let Some((service, hop)) = queue.pop_front() {
        if hops.contains_key(service) {
            continue;
        }
        hops.insert(service, hop);
        if hop < max_hops {
            for next in depends_on.get(service).into_iter().flatten() {
                queue.push_back((next, hop + 1));
            }
        }
    }
    hops
}

/// What an incident says — its title, then its timeline entries — lowered once, with the
/// commit-like words in it, to be searched for every candidate deploy and commit.
struct Said<'a> {
    /// When (none for the title), what, and the same lowered.
    texts: Vec<(Option<DateTime<Utc>>, &'a str, String)>,
    /// (text, word) for every word of 7 to 40 hex digits: an abbreviated or full sha.
    hex: Vec<(usize, String)>,
}

/// A character that continues a word: ids like `dep-12` and `fix_3` are one word.
fn in_word(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

impl<'a> Said<'a> {
    fn new(texts: impl IntoIterator<Item = (Option<DateTime<Utc>>, &'a str)>) -> Said<'a> {
        let texts: Vec<_> = texts.into_iter().map(|(at, text)| (at, text, text.to_lowercase())).collect();
        let mut hex = Vec::new();
        for (k, (_, _, lower)) in texts.iter().enumerate() {
            for word in lower.split(|c: char| !in_word(c)) {
                if (7..=40).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_hexdigit()) {
                    hex.push((k, word.to_string()));
                }
            }
        }
        Said { texts, hex }
    }

    /// The first text naming one of `needles` as a word, as evidence: when, and an excerpt.
    fn naming(&self, needles: &[&str]) -> Option<String> {
        let needles: Vec<String> =
            needles.iter().filter(|n| n.len() >= 2).map(|n| n.to_lowercase()).collect();
        for (at, text, lower) in &self.texts {
            for needle in &needles {
                let mut from = 0;
                while let Some(found) = lower[from..].find(needle.as_str()) {
                    let begin = from + found;
                    let end = begin + needle.len();
                    let word = |c: Option<char>| c.is_some_and(in_word);
                    if !word(lower[..begin].chars().next_back()) && !word(lower[end..].chars().next()) {
                        return Some(where_said(*at, text));
                    }
                    from = end;
                }
            }
        }
        None
    }

    /// The first text naming the commit `sha` by a word of at least 7 hex digits it starts
    /// with, as evidence.
    fn naming_commit(&self, sha: &str) -> Option<String> {
        let sha = sha.to_ascii_lowercase();
        let (k, _) = self.hex.iter().find(|(_, word)| sha.starts_with(word.as_str()))?;
        let (at, text, _) = &self.texts[*k];
        Some(where_said(*at, text))
    }
}

/// Where `text` was said, with its first 160 characters: `at 2026-06-01 09:00 UTC “…”` for a
/// timeline entry, `the title “…”` for the title.
fn where_said(at: Option<DateTime<Utc>>, text: &str) -> String {
    let excerpt: String = text.chars().take(160).collect();
    match at {
        Some(at) => format!("at {} “{excerpt}”", at.format("%Y-%m-%d %H:%M UTC")),
        None => format!("the title “{excerpt}”"),
    }
}

/// Matches an incident's id in a commit message: the whole id, or the part after a source
/// prefix (`pagerduty:Q1W2E3` is also `Q1W2E3`), as a word, case ignored.
fn incident_pattern(names: &[&str]) -> Regex {
    let mut alternatives: BTreeSet<String> = BTreeSet::new();
    for id in names {
        let bare = id.rsplit(':').next().unwrap_or(id);
        // A bare number (`1412`) would match pull requests and versions: only the whole id then.
        let bare = if bare.chars().all(|c| c.is_ascii_digit()) { id } else { bare };
        alternatives.extend([id, bare].iter().map(|s| regex::escape(s)));
    }
    let pattern = format!(
        r"(?i)(^|[^A-Za-z0-9_-])({})($|[^A-Za-z0-9_-])",
        alternatives.into_iter().collect::<Vec<_>>().join("|")
    );
    Regex::new(&pattern).unwrap_or_else(|_| Regex::new("$^").expect("an empty pattern is valid"))
}

fn lines(numbers: &[u32]) -> String {
    numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

fn duration(hours: f64) -> String {
    if hours < 1.0 {
        format!("{} min", (hours * 60.0).round() as i64)
    } else {
        format!("{:.1} h", hours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_names_an_incident_by_its_id_or_its_vendor_id_never_by_a_bare_number() {
        let pattern = incident_pattern(&["pagerduty:PS9E55H"]);
        assert!(pattern.is_match("payments: restore retries (PS9E55H)"));
        assert!(pattern.is_match("Fixes pagerduty:PS9E55H"));
        assert!(!pattern.is_match("PS9E55HX is another"));
        let numbered = incident_pattern(&["pagerduty:1412"]);
        assert!(!numbered.is_match("bump to 1412 (#1412)"));
        assert!(numbered.is_match("fix for pagerduty:1412"));
        assert!(incident_pattern(&["INC-2026-021"]).is_match("checkout: invalidate totals (inc-2026-021)"));
        assert!(!incident_pattern(&["INC-2026-021"]).is_match("see INC-2026-0210"));
    }

    #[test]
    fn a_fix_names_an_incident_by_a_reference_its_timeline_gives_it() {
        let pattern = incident_pattern(&["statuspage:9ddsdv7q3v2c", "INC-2026-036"]);
        assert!(pattern.is_match("checkout: reserve stock first (INC-2026-036)"));
        assert!(pattern.is_match("fixes 9ddsdv7q3v2c"));
        assert!(!pattern.is_match("checkout: INC-2026-0361"));
        let key = Regex::new(DEFAULT_INCIDENT_KEY_PATTERN).unwrap();
        let found: Vec<&str> = key
            .find_iter("Our reference is INC-2026-036; see inc-77 and WINC-1.")
            .map(|m| m.as_str())
            .collect();
        assert_eq!(found, ["INC-2026-036", "inc-77"]);
    }

    #[test]
    fn responders_saying_no_change_was_at_fault_are_recognised_and_change_talk_is_not() {
        let patterns: Vec<Regex> =
            DEFAULT_NO_CHANGE_PATTERNS.iter().map(|p| Regex::new(p).unwrap()).collect();
        let says = |text: &str| patterns.iter().find_map(|p| p.find(text)).map(|m| m.as_str().to_string());
        assert_eq!(says("Traffic-driven; no deploy involved.").as_deref(), Some("no deploy involved"));
        assert_eq!(
            says("No shop deploy in the six hours before; nothing to roll back.").as_deref(),
            Some("No shop deploy")
        );
        assert_eq!(
            says("Our card payment processor is having an outage that makes authorizations fail").as_deref(),
            Some("processor is having an outage")
        );
        assert_eq!(
            says("CDN provider's status page: degraded performance at NRT").as_deref(),
            Some("CDN provider's status page: degraded")
        );
        assert_eq!(says("Timeouts calling Stripe began after payments deploy dep-7. Suspect faeb4ed."), None);
        assert_eq!(says("Rolled back deploy dep-7; the outage is over."), None);
        assert_eq!(says("A change to the provider client went out."), None);
    }

    #[test]
    fn suspects_under_the_floor_are_counted_not_listed_but_the_first_always_is() {
        let mut rows = vec![0.5, 0.2, 0.001, 0.0009, 0.0001];
        assert_eq!(keep_likely(&mut rows, 0.001, |p| *p), (2, 0.0009 + 0.0001));
        assert_eq!(rows, [0.5, 0.2, 0.001]);
        let mut rows = vec![0.0004, 0.0003];
        assert_eq!(keep_likely(&mut rows, 0.001, |p| *p), (1, 0.0003));
        assert_eq!(rows, [0.0004]);
        let mut rows = vec![0.0004, 0.0003];
        assert_eq!(keep_likely(&mut rows, 0.0, |p| *p), (0, 0.0));
        assert_eq!(rows.len(), 2);
        let mut none: Vec<f64> = Vec::new();
        assert_eq!(keep_likely(&mut none, 0.001, |p| *p), (0, 0.0));
        assert_eq!(percent(0.001), "0.1 %");
        assert_eq!(percent(0.0004), "under 0.1 %");
        assert_eq!(percent(0.0), "0.0 %");
        assert_eq!(percent(-1e-17), "0.0 %");
        assert_eq!(percent(0.1234), "12.3 %");
    }

    #[test]
    fn the_timeline_names_a_deploy_as_a_word() {
        let at = DateTime::from_timestamp(1_780_304_400, 0).unwrap();
        let texts = Said::new([(None, "Checkout slow"), (Some(at), "rolling back dep-12 now")]);
        assert_eq!(
            texts.naming(&["dep-12"]),
            Some("at 2026-06-01 09:00 UTC “rolling back dep-12 now”".to_string())
        );
        assert_eq!(texts.naming(&["dep-1"]), None);
    }

    #[test]
    fn the_timeline_names_a_commit_by_any_abbreviation_of_seven_digits_or_more() {
        let at = DateTime::from_timestamp(1_780_304_400, 0).unwrap();
        let texts = Said::new([
            (None, "Checkout slow after 3F2A9C1"),
            (Some(at), "culprit is 0db78a641fd4e2, reverting"),
            (Some(at), "not dep-9d8e7f6a5b, nor 9d8e7f6"),
        ]);
        let sha = "0db78a641fd4e2b4c4b3d5b1f0e9a8c7d6b5a4f3";
        assert_eq!(
            texts.naming_commit(sha),
            Some("at 2026-06-01 09:00 UTC “culprit is 0db78a641fd4e2, reverting”".to_string())
        );
        assert_eq!(
            texts.naming_commit("3f2a9c1000000000000000000000000000000000"),
            Some("the title “Checkout slow after 3F2A9C1”".to_string())
        );
        // `dep-9d8e7f6a5b` is a deploy id, not a sha; `9d8e7f6` after it is.
        assert_eq!(
            texts.naming_commit("9d8e7f6a5b000000000000000000000000000000").as_deref(),
            Some("at 2026-06-01 09:00 UTC “not dep-9d8e7f6a5b, nor 9d8e7f6”")
        );
        assert_eq!(texts.naming_commit("9d8e7f0000000000000000000000000000000000"), None);
        // Six digits are too few; a hex run inside a longer word is no sha; nor a longer
        // abbreviation that parts from the sha.
        assert_eq!(Said::new([(None, "see 0db78a")]).naming_commit(sha), None);
        assert_eq!(Said::new([(None, "see x0db78a641fd4")]).naming_commit(sha), None);
        assert_eq!(Said::new([(None, "see 0db78a641fd5")]).naming_commit(sha), None);
    }
}
