//! `faultline.toml`: where the repositories, deploy logs, incident timelines and the catalog are,
//! and the user's own provenance rules.
//!
//! Paths inside the file are relative to the file itself, so a config can be moved together
//! with its data. Unknown keys are an error naming the key and its line: a typo must never
//! silently turn a setting off.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::Confidence;

/// The whole configuration, with every path made absolute (relative to the config's folder).
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file itself.
    pub path: PathBuf,
    /// Where the tables live.
    pub store: PathBuf,
    /// Git repositories to ingest.
    pub repos: Vec<RepoSource>,
    /// Deploy logs.
    pub deploys: Vec<DeploySource>,
    /// Incident timelines.
    pub incidents: Vec<IncidentSource>,
    /// The service catalog.
    pub catalog: Option<CatalogSource>,
    /// Provenance settings.
    pub provenance: ProvenanceConfig,
    /// How incidents are attributed to changes.
    pub attribution: AttributionConfig,
    /// How blast radius weighs severities and tiers.
    pub blast_radius: BlastRadiusConfig,
    /// What the organisation requires of changes, checked by `faultline gate`.
    pub policy: PolicyConfig,
    /// Which files SZZ skips.
    pub szz: SzzConfig,
}

/// `[policy]`: what the organisation requires of changes, checked by `faultline gate` (see
/// `docs/policy.md`); the reports use the review keys too.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// Trailer keys that name a reviewer, in addition to `Reviewed-by` and `Approved-by`.
    #[serde(default)]
    pub review_trailers: Vec<String>,
    /// Service tiers whose code is a critical path (default `[1]`).
    #[serde(default)]
    pub critical_tiers: Option<Vec<i32>>,
    /// A service whose potential blast radius (its tier weight and its dependents') is at least
    /// this is a critical path too; a commit whose potential blast radius is at least this
    /// touches one.
    #[serde(default)]
    pub critical_blast_radius: Option<f64>,
    /// Globs over repository paths (`infra/**`, `**/migrations/*.sql`) that are critical paths
    /// whatever service owns them.
    #[serde(default)]
    pub critical_paths: Vec<String>,
    /// Trailer keys every AI-provenance commit must carry (`AI-Tool`, `AI-Model`, `AI-Prompt`).
    #[serde(default)]
    pub audit_trailers: Vec<String>,
    /// Ceiling on the AI share of the changed lines in critical paths, over the commits a gate
    /// evaluates (0 to 1).
    #[serde(default)]
    pub max_ai_line_share: Option<f64>,
    /// How each rule acts on what it finds.
    #[serde(default)]
    pub rules: PolicyRules,
}

/// `[policy.rules]`: `deny`, `warn` or `off` for each rule; unset means its default.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyRules {
    /// AI commits touching critical paths need a review by someone other than their author
    /// (default `deny`).
    pub ai_review: Option<RuleLevel>,
    /// AI commits carry every `audit_trailers` key (default `warn` when keys are listed).
    pub ai_audit_trailers: Option<RuleLevel>,
    /// The AI share of changed lines in critical paths stays at or under `max_ai_line_share`
    /// (default `deny` when a ceiling is set).
    pub ai_line_share: Option<RuleLevel>,
    /// Commits of unknown origin in critical paths are flagged (default `warn`).
    pub unknown_origin: Option<RuleLevel>,
}

/// What a broken rule does to a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// The gate fails (exit 1).
    Deny,
    /// Reported; the gate passes.
    Warn,
    /// Not checked.
    Off,
}

impl RuleLevel {
    /// The lower-case name used in configs and output.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Deny => "deny",
            RuleLevel::Warn => "warn",
            RuleLevel::Off => "off",
        }
    }
}

impl PolicyConfig {
    /// Every trailer key that names a reviewer: the two built in, then the configured ones.
    pub fn review_keys(&self) -> Vec<String> {
        let mut keys = vec!["Reviewed-by".to_string(), "Approved-by".to_string()];
        for key in &self.review_trailers {
            if !keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                keys.push(key.clone());
            }
        }
        keys
    }

    /// The tiers that are critical.
    pub fn critical_tiers(&self) -> Vec<i32> {
        self.critical_tiers.clone().unwrap_or_else(|| vec![1])
    }

    /// `ai_review`'s level.
    pub fn ai_review(&self) -> RuleLevel {
        self.rules.ai_review.unwrap_or(RuleLevel::Deny)
    }

    /// `ai_audit_trailers`'s level: off while no trailer is required.
    pub fn ai_audit_trailers(&self) -> RuleLevel {
        match (self.rules.ai_audit_trailers, self.audit_trailers.is_empty()) {
            (_, true) => RuleLevel::Off,
            (level, false) => level.unwrap_or(RuleLevel::Warn),
        }
    }

    /// `ai_line_share`'s level: off while no ceiling is set.
    pub fn ai_line_share(&self) -> RuleLevel {
        match (self.rules.ai_line_share, self.max_ai_line_share) {
            (_, None) => RuleLevel::Off,
            (level, Some(_)) => level.unwrap_or(RuleLevel::Deny),
        }
    }

    /// `unknown_origin`'s level.
    pub fn unknown_origin(&self) -> RuleLevel {
        self.rules.unknown_origin.unwrap_or(RuleLevel::Warn)
    }
}

/// A glob over repository paths, as `[policy] critical_paths` and `[szz] skip` read them: `*`
/// stays inside one folder, `**` crosses folders.
pub fn path_glob(glob: &str) -> std::result::Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(glob).literal_separator(true).build()
}

/// The globs of config key `key` as one set (loading the config checked each of them).
pub fn path_globs(key: &str, globs: &[String]) -> Result<globset::GlobSet> {
    let mut set = globset::GlobSetBuilder::new();
    for glob in globs {
        set.add(
            path_glob(glob)
                .map_err(|e| Error::Usage(format!("{key}: {glob:?} is not a glob: {}", e.kind())))?,
        );
    }
    set.build().map_err(|e| Error::Usage(format!("{key}: {e}")))
}

/// `[szz]`: which files SZZ does not blame, beyond the built-in lock, vendored and generated
/// files.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SzzConfig {
    /// Globs over repository paths (`**/*.snap`, `gen/**`) whose lines are no evidence.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Whether the built-in list (lock files, `vendor/`, `node_modules/`, `*.min.js`,
    /// `*.pb.go`, `*_generated.*` …) applies too (default true).
    #[serde(default)]
    pub builtin_skips: Option<bool>,
}

/// `[attribution]`: the window and the weights of the evidence (see `docs/attribution.md`);
/// every key is optional and defaults to the documented value.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AttributionConfig {
    /// How far before an incident's start a deploy is a candidate (hours; default 72).
    pub window_hours: Option<f64>,
    /// How many dependency hops from an affected service a deploy may be (default 3).
    pub max_hops: Option<u32>,
    /// Log-odds a candidate deploy starts with, against "no change at fault" at 0 (default 0.5).
    pub deploy_prior: Option<f64>,
    /// Log-odds lost per hour between deploy and start (default 0.15).
    pub per_hour: Option<f64>,
    /// Log-odds lost per dependency hop (default 1.5).
    pub per_hop: Option<f64>,
    /// Log-odds gained when the timeline names the deploy, one of its commits or pull requests
    /// (default 4).
    pub named_in_timeline: Option<f64>,
    /// Log-odds gained when the deploy was rolled back during the incident (default 3).
    pub rolled_back: Option<f64>,
    /// Log-odds gained when a commit it shipped was reverted after the start (default 4).
    pub reverted: Option<f64>,
    /// Log-odds gained when a fix naming the incident changed lines it shipped (SZZ; default 3).
    pub fixed: Option<f64>,
    /// Log-odds per natural-log unit of changed lines (default 0.2).
    pub per_log_line: Option<f64>,
    /// Log-odds lost by a deploy to an environment that is not production (default 3).
    pub not_production: Option<f64>,
    /// Environments that are production (default: `production`, `prod`, `prd`, `live`; case
    /// ignored).
    pub production_environments: Option<Vec<String>>,
    /// How long after the start a revert still counts as evidence (hours; default 168).
    pub followup_hours: Option<f64>,
    /// A regular expression for the references an organisation gives its incidents
    /// (`INC-2026-009`): such a reference in an incident's title or timeline names the incident
    /// too, so a fix commit that cites it is linked (default `\bINC-\d+(?:-\d+)*\b`, case
    /// ignored).
    pub incident_key_pattern: Option<String>,
    /// Regular expressions for what responders write when no change was at fault ("no deploy
    /// involved", "the payment processor is having an outage"); a match in the title or timeline
    /// adds `said_no_change` to "no change at fault" (default: see `docs/attribution.md`).
    pub no_change_patterns: Option<Vec<String>>,
    /// Log-odds gained by "no change at fault" when the incident says so (default 3).
    pub said_no_change: Option<f64>,
    /// Suspects less likely than this are not listed one by one: each incident keeps its
    /// likeliest deploy and commit and every other suspect at or above it, and says how many
    /// it left out and their total share (default 0.001; 0 keeps all).
    pub min_probability: Option<f64>,
}

/// `[blast_radius]`: the weights of incident severities and service tiers (see
/// `docs/attribution.md`); every key is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlastRadiusConfig {
    /// Weight of SEV1 to SEV5, five numbers (default `[16, 8, 4, 2, 1]`).
    pub severity_weights: Option<Vec<f64>>,
    /// Weight of tier 1 to tier 5, five numbers (default `[8, 4, 2, 1, 0.5]`).
    pub tier_weights: Option<Vec<f64>>,
    /// The severity counted when an incident has none (default 3).
    pub unknown_severity: Option<i32>,
    /// The tier counted when a service has none (default 4).
    pub unknown_tier: Option<i32>,
    /// Minutes of impact counted when an incident records no end (default 60).
    pub unknown_impact_minutes: Option<f64>,
}

/// One repository.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoSource {
    /// The name used in every table (`repo` column); unique within the config.
    pub name: String,
    /// Path to the work tree or the bare repository.
    pub path: PathBuf,
    /// Its web address (`https://github.com/acme/shop`), for links to commits in reports;
    /// default: read from the `origin` remote.
    #[serde(default)]
    pub url: Option<String>,
}

/// One deploy log and how to read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploySource {
    /// Path to the file.
    pub path: PathBuf,
    /// Format name; `None` means detect from the content.
    #[serde(default)]
    pub format: Option<String>,
    /// Zone for timestamps written without one (`UTC`, `+02:00`, `Europe/Berlin`); without
    /// it such timestamps are errors.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Environment or application name → catalog service, for records that do not say.
    #[serde(default)]
    pub services: BTreeMap<String, String>,
    /// GitHub Deployments: a file with the statuses of the deployments, when not inline.
    #[serde(default)]
    pub statuses: Option<PathBuf>,
}

/// One incident export and how to read it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSource {
    /// Path to the file.
    pub path: PathBuf,
    /// Format name; `None` means detect from the content.
    #[serde(default)]
    pub format: Option<String>,
    /// Zone for timestamps written without one.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Component, PagerDuty service or product name → catalog service.
    #[serde(default)]
    pub services: BTreeMap<String, String>,
    /// The source's severity or priority names → 1 (worst) … 5.
    #[serde(default)]
    pub severities: BTreeMap<String, i32>,
    /// incident.io: faultline's milestone (`started`, `detected`, `mitigated`, `resolved`) →
    /// the timestamp name this organisation uses.
    #[serde(default)]
    pub milestones: BTreeMap<String, String>,
    /// PagerDuty: a file with the incidents' log entries, when not in the same file.
    #[serde(default)]
    pub log_entries: Option<PathBuf>,
    /// incident.io: a file with the incidents' updates, when not in the same file.
    #[serde(default)]
    pub updates: Option<PathBuf>,
    /// incident.io: the custom fields that list affected services or products.
    #[serde(default)]
    pub service_fields: Vec<String>,
}

/// The service catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSource {
    /// Path to the file.
    pub path: PathBuf,
    /// Format name; `None` means detect (today: Backstage entity YAML).
    #[serde(default)]
    pub format: Option<String>,
    /// Annotation or label whose value is a service's tier; default `faultline.dev/tier`.
    #[serde(default)]
    pub tier_key: Option<String>,
    /// `spec.lifecycle` value → tier, for entities that state no tier; `None` means
    /// [`crate::ingest::catalog::DEFAULT_LIFECYCLE_TIERS`], an empty table turns it off.
    #[serde(default)]
    pub lifecycle_tiers: Option<BTreeMap<String, i32>>,
}

/// `[provenance]`: rules added to the built-in ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceConfig {
    /// The user's rules, tried after the built-in ones.
    #[serde(default)]
    pub rules: Vec<UserRule>,
    /// The notes ref git-ai writes to; default `refs/notes/ai`.
    #[serde(default)]
    pub notes_ref: Option<String>,
}

/// Which text of a commit a user rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleField {
    /// `Name <email>` of the author.
    Author,
    /// `Name <email>` of the committer.
    Committer,
    /// The value of the trailers whose key is `key` (any trailer when `key` is absent), as
    /// `Key: value`.
    Trailer,
    /// The whole message.
    Message,
    /// The first line of the message.
    Subject,
}

/// A user's provenance rule: a regular expression on one field of a commit, naming a tool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserRule {
    /// Short id, shown in evidence as `user.<name>`.
    pub name: String,
    /// Which text the pattern is matched against.
    pub field: RuleField,
    /// For `field = "trailer"`: the trailer key (case-insensitive).
    #[serde(default)]
    pub key: Option<String>,
    /// A regular expression (Rust `regex` syntax); a capture group named `model` sets the model.
    pub pattern: String,
    /// The tool this rule identifies (stored lower-case).
    pub tool: String,
    /// How sure a match is; default `medium`.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    /// A model to record when the pattern does not capture one.
    #[serde(default)]
    pub model: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    store: Option<PathBuf>,
    #[serde(default)]
    repos: Vec<RepoSource>,
    #[serde(default)]
    deploys: Vec<DeploySource>,
    #[serde(default)]
    incidents: Vec<IncidentSource>,
    #[serde(default)]
    catalog: Option<CatalogSource>,
    #[serde(default)]
    provenance: ProvenanceConfig,
    #[serde(default)]
    attribution: AttributionConfig,
    #[serde(default)]
    blast_radius: BlastRadiusConfig,
    #[serde(default)]
    policy: PolicyConfig,
    #[serde(default)]
    szz: SzzConfig,
}

impl Config {
    /// Read and check the config at `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Usage(format!(
                "{}: cannot read the configuration ({e}); run from a folder with a faultline.toml or pass --config FILE",
                path.display()
            ))
        })?;
        Config::parse(path, &text)
    }

    /// Parse `text` as if read from `path`; paths inside resolve against `path`'s folder.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = std::path::absolute(dir).map_err(|e| Error::io(dir, e))?;
        let at = |p: &Path| clean(&dir.join(p));

        let mut seen = std::collections::BTreeSet::new();
        for repo in &raw.repos {
            if repo.name.is_empty()
                || !repo.name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(at_key(
                    path,
                    text,
                    &format!("name = \"{}\"", repo.name),
                    format!(
                        "repository name {:?} must be non-empty and use only letters, digits, '-', '_' and '.'",
                        repo.name
                    ),
                ));
            }
            if !seen.insert(repo.name.clone()) {
                // The position of the second use, the one to change.
                let needle = format!("name = \"{}\"", repo.name);
                let at = text.match_indices(&needle).nth(1).map_or(0, |(at, _)| at);
                let (line, column) = line_column(text, at);
                return Err(Error::Parse {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!("repository name {:?} is used twice; names must be unique", repo.name),
                });
            }
        }
        let zones = raw.deploys.iter().filter_map(|d| d.time_zone.as_deref());
        for zone in zones.chain(raw.incidents.iter().filter_map(|i| i.time_zone.as_deref())) {
            if crate::ingest::time::Zone::parse(zone).is_none() {
                return Err(at_key(
                    path,
                    text,
                    &format!("\"{zone}\""),
                    format!("time_zone {zone:?} is not a zone; expected UTC, an offset such as +02:00, or an IANA name such as Europe/Berlin"),
                ));
            }
        }
        let lifecycle_tiers = raw.catalog.as_ref().and_then(|c| c.lifecycle_tiers.as_ref());
        for (lifecycle, tier) in lifecycle_tiers.into_iter().flatten() {
            if !(1..=5).contains(tier) {
                return Err(at_key(
                    path,
                    text,
                    &format!("{lifecycle} = {tier}"),
                    format!("lifecycle_tiers: tier {tier} for {lifecycle:?} is not a tier; expected 1 (most critical) to 5"),
                ));
            }
        }
        for rule in &raw.provenance.rules {
            if let Err(e) = regex::Regex::new(&rule.pattern) {
                let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
                return Err(at_key(
                    path,
                    text,
                    &rule.pattern,
                    format!("provenance rule {:?}: invalid pattern: {first}", rule.name),
                ));
            }
            if rule.field != RuleField::Trailer && rule.key.is_some() {
                return Err(at_key(
                    path,
                    text,
                    &format!("name = \"{}\"", rule.name),
                    format!("provenance rule {:?}: `key` applies only to field = \"trailer\"", rule.name),
                ));
            }
        }

        let patterns = raw.attribution.incident_key_pattern.iter().map(|p| ("incident_key_pattern", p));
        let patterns = patterns
            .chain(raw.attribution.no_change_patterns.iter().flatten().map(|p| ("no_change_patterns", p)));
        for (key, pattern) in patterns {
            if let Err(e) = regex::Regex::new(pattern) {
                let first = e.to_string().lines().last().unwrap_or_default().trim().to_string();
                let needle = if text.contains(pattern.as_str()) { pattern.as_str() } else { key };
                return Err(at_key(
                    path,
                    text,
                    needle,
                    format!("attribution.{key}: invalid pattern: {first}"),
                ));
            }
        }
        if raw.attribution.min_probability.is_some_and(|p| !(0.0..1.0).contains(&p)) {
            return Err(at_key(
                path,
                text,
                "min_probability",
                "attribution.min_probability: expected a probability from 0 up to (not including) 1".into(),
            ));
        }
        let blast = &raw.blast_radius;
        for (key, weights) in
            [("severity_weights", &blast.severity_weights), ("tier_weights", &blast.tier_weights)]
        {
            if let Some(weights) = weights {
                if weights.len() != 5 || weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
                    return Err(at_key(
                        path,
                        text,
                        key,
                        format!("blast_radius.{key}: expected five non-negative numbers, for 1 to 5"),
                    ));
                }
            }
        }
        for (key, value) in
            [("unknown_severity", blast.unknown_severity), ("unknown_tier", blast.unknown_tier)]
        {
            if value.is_some_and(|v| !(1..=5).contains(&v)) {
                return Err(at_key(path, text, key, format!("blast_radius.{key}: expected 1 to 5")));
            }
        }
        if blast.unknown_impact_minutes.is_some_and(|m| !m.is_finite() || m < 0.0) {
            return Err(at_key(
                path,
                text,
                "unknown_impact_minutes",
                "blast_radius.unknown_impact_minutes: expected a non-negative number of minutes".into(),
            ));
        }
        for key in &raw.policy.review_trailers {
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(at_key(
                    path,
                    text,
                    "review_trailers",
                    format!("policy.review_trailers: {key:?} is not a trailer key; expected letters, digits and '-', such as Acked-by"),
                ));
            }
        }
        let policy = &raw.policy;
        for key in &policy.audit_trailers {
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(at_key(
                    path,
                    text,
                    "audit_trailers",
                    format!("policy.audit_trailers: {key:?} is not a trailer key; expected letters, digits and '-', such as AI-Model"),
                ));
            }
        }
        if let Some(tier) = policy.critical_tiers.iter().flatten().find(|t| !(1..=5).contains(*t)) {
            return Err(at_key(
                path,
                text,
                "critical_tiers",
                format!("policy.critical_tiers: {tier} is not a tier; expected 1 (most critical) to 5"),
            ));
        }
        if policy.critical_blast_radius.is_some_and(|r| !r.is_finite() || r < 0.0) {
            return Err(at_key(
                path,
                text,
                "critical_blast_radius",
                "policy.critical_blast_radius: expected a non-negative number".into(),
            ));
        }
        if policy.max_ai_line_share.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
            return Err(at_key(
                path,
                text,
                "max_ai_line_share",
                "policy.max_ai_line_share: expected a share from 0 to 1, such as 0.5".into(),
            ));
        }
        for (key, globs) in [("policy.critical_paths", &policy.critical_paths), ("szz.skip", &raw.szz.skip)] {
            for glob in globs {
                if let Err(e) = path_glob(glob) {
                    return Err(at_key(
                        path,
                        text,
                        &format!("\"{glob}\""),
                        format!(
                            "{key}: {glob:?} is not a glob ({}); expected a pattern such as infra/**",
                            e.kind()
                        ),
                    ));
                }
            }
        }
        let needs = [
            (
                "ai_audit_trailers",
                policy.rules.ai_audit_trailers,
                policy.audit_trailers.is_empty(),
                "audit_trailers",
            ),
            (
                "ai_line_share",
                policy.rules.ai_line_share,
                policy.max_ai_line_share.is_none(),
                "max_ai_line_share",
            ),
        ];
        for (rule, level, missing, setting) in needs {
            if missing && matches!(level, Some(RuleLevel::Deny | RuleLevel::Warn)) {
                return Err(at_key(
                    path,
                    text,
                    rule,
                    format!("policy.rules.{rule} is on, but policy.{setting} is not set; set it or turn the rule off"),
                ));
            }
        }
        for repo in &raw.repos {
            if let Some(url) = &repo.url {
                if !(url.starts_with("https://") || url.starts_with("http://"))
                    || url.contains(char::is_whitespace)
                {
                    return Err(at_key(
                        path,
                        text,
                        &format!("\"{url}\""),
                        format!("repos.url {url:?}: expected a web address starting with https://"),
                    ));
                }
            }
        }

        Ok(Config {
            path: path.to_path_buf(),
            store: at(raw.store.as_deref().unwrap_or(Path::new(".faultline"))),
            repos: raw.repos.into_iter().map(|r| RepoSource { path: at(&r.path), ..r }).collect(),
            deploys: raw
                .deploys
                .into_iter()
                .map(|s| DeploySource { path: at(&s.path), statuses: s.statuses.as_deref().map(at), ..s })
                .collect(),
            incidents: raw
                .incidents
                .into_iter()
                .map(|s| IncidentSource {
                    path: at(&s.path),
                    log_entries: s.log_entries.as_deref().map(at),
                    updates: s.updates.as_deref().map(at),
                    ..s
                })
                .collect(),
            catalog: raw.catalog.map(|s| CatalogSource { path: at(&s.path), ..s }),
            provenance: raw.provenance,
            attribution: raw.attribution,
            blast_radius: raw.blast_radius,
            policy: raw.policy,
            szz: raw.szz,
        })
    }

    /// The configured repository `name`; a usage error listing the configured names when there
    /// is none.
    pub fn repo(&self, name: &str) -> Result<&RepoSource> {
        self.repos.iter().find(|r| r.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.repos.iter().map(|r| r.name.as_str()).collect();
            Error::Usage(format!("no repository `{name}` in the configuration; it has {}", names.join(", ")))
        })
    }

    /// The notes ref that holds git-ai authorship notes.
    pub fn notes_ref(&self) -> &str {
        self.provenance.notes_ref.as_deref().unwrap_or("refs/notes/ai")
    }
}

/// Drop `.` and resolve `..` lexically, so stored paths and messages stay readable.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Turn a TOML error into one line: `file:line:column: message`.
fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let (line, column) = err.span().map(|span| line_column(text, span.start)).unwrap_or((1, 1));
    let message = err.message().trim().replace('\n', "; ");
    Error::Parse { path: path.to_path_buf(), line, column, message }
}

/// An error positioned at the first occurrence of `needle` in the file.
fn at_key(path: &Path, text: &str, needle: &str, message: String) -> Error {
    let (line, column) = text.find(needle).map(|at| line_column(text, at)).unwrap_or((1, 1));
    Error::Parse { path: path.to_path_buf(), line, column, message }
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_shape_parses() {
        let text = r#"
store = ".faultline"            # optional; default: .faultline beside the config
[[repos]]
name = "shop"
path = "repos/shop"
[[deploys]]
path = "deploys.jsonl"
[[incidents]]
path = "incidents.jsonl"
[catalog]
path = "catalog.yaml"
[provenance]
"#;
        let config = Config::parse(Path::new("/data/co/faultline.toml"), text).unwrap();
        assert_eq!(config.store, PathBuf::from("/data/co/.faultline"));
        assert_eq!(config.repos[0].path, PathBuf::from("/data/co/repos/shop"));
        assert_eq!(config.deploys[0].path, PathBuf::from("/data/co/deploys.jsonl"));
        assert_eq!(config.deploys[0].format, None);
        assert_eq!(config.incidents[0].path, PathBuf::from("/data/co/incidents.jsonl"));
        assert_eq!(config.catalog.unwrap().path, PathBuf::from("/data/co/catalog.yaml"));
        assert!(config.provenance.rules.is_empty());
    }

    #[test]
    fn review_trailers_and_repository_urls_are_checked() {
        let ok = "[[repos]]\nname = \"a\"\npath = \"x\"\nurl = \"https://github.com/acme/a\"\n[policy]\nreview_trailers = [\"Acked-by\", \"reviewed-BY\"]\n";
        let config = Config::parse(Path::new("c.toml"), ok).unwrap();
        assert_eq!(config.repos[0].url.as_deref(), Some("https://github.com/acme/a"));
        assert_eq!(config.policy.review_keys(), ["Reviewed-by", "Approved-by", "Acked-by"]);
        let bad_key = "[policy]\nreview_trailers = [\"Reviewed by\"]\n";
        let err = Config::parse(Path::new("c.toml"), bad_key).unwrap_err().to_string();
        assert_eq!(err, "c.toml:2:1: policy.review_trailers: \"Reviewed by\" is not a trailer key; expected letters, digits and '-', such as Acked-by");
        let bad_url = "[[repos]]\nname = \"a\"\npath = \"x\"\nurl = \"javascript:alert(1)\"\n";
        let err = Config::parse(Path::new("c.toml"), bad_url).unwrap_err().to_string();
        assert_eq!(
            err,
            "c.toml:4:7: repos.url \"javascript:alert(1)\": expected a web address starting with https://"
        );
    }

    #[test]
    fn store_defaults_beside_the_config() {
        let config = Config::parse(Path::new("/x/y/faultline.toml"), "").unwrap();
        assert_eq!(config.store, PathBuf::from("/x/y/.faultline"));
    }

    #[test]
    fn unknown_key_names_the_key_and_the_line() {
        let text = "[[repos]]\nname = \"shop\"\npath = \"r\"\nbranch = \"main\"\n";
        let err = Config::parse(Path::new("c.toml"), text).unwrap_err().to_string();
        assert!(err.starts_with("c.toml:4:1: unknown field `branch`"), "{err}");
    }

    #[test]
    fn unknown_top_level_table_is_an_error() {
        let err =
            Config::parse(Path::new("c.toml"), "\n[catalogue]\npath = \"x\"\n").unwrap_err().to_string();
        assert!(err.starts_with("c.toml:2:2: unknown field `catalogue`"), "{err}");
    }

    #[test]
    fn duplicate_repo_names_are_rejected() {
        let text = "[[repos]]\nname = \"a\"\npath = \"x\"\n[[repos]]\nname = \"a\"\npath = \"y\"\n";
        let err = Config::parse(Path::new("c.toml"), text).unwrap_err().to_string();
        assert_eq!(err, "c.toml:5:1: repository name \"a\" is used twice; names must be unique");
    }

    #[test]
    fn user_rules_parse_and_bad_patterns_are_positioned() {
        let text = "[[provenance.rules]]\nname = \"acme\"\nfield = \"author\"\npattern = \"^acme-bot\"\ntool = \"acme\"\nconfidence = \"high\"\n";
        let config = Config::parse(Path::new("c.toml"), text).unwrap();
        assert_eq!(config.provenance.rules[0].confidence, Some(Confidence::High));
        let bad = text.replace("^acme-bot", "(unclosed");
        let err = Config::parse(Path::new("c.toml"), &bad).unwrap_err().to_string();
        assert!(err.starts_with("c.toml:4:12: provenance rule \"acme\": invalid pattern"), "{err}");
    }

    #[test]
    fn source_options_parse_and_bad_zones_are_positioned() {
        let text = "[[deploys]]\npath = \"d.json\"\nformat = \"github\"\nstatuses = \"s.json\"\ntime_zone = \"UTC\"\n[deploys.services]\n\"shop-prod\" = \"checkout\"\n[[incidents]]\npath = \"i.csv\"\ntime_zone = \"Europe/Berlin\"\nlog_entries = \"l.json\"\n[incidents.severities]\ncritical = 1\n[incidents.milestones]\nstarted = \"Impact started\"\n";
        let config = Config::parse(Path::new("/c/faultline.toml"), text).unwrap();
        assert_eq!(config.deploys[0].statuses, Some(PathBuf::from("/c/s.json")));
        assert_eq!(config.deploys[0].services["shop-prod"], "checkout");
        assert_eq!(config.incidents[0].log_entries, Some(PathBuf::from("/c/l.json")));
        assert_eq!(config.incidents[0].severities["critical"], 1);
        assert_eq!(config.incidents[0].milestones["started"], "Impact started");
        let bad = text.replace("Europe/Berlin", "Mars/Olympus");
        let err = Config::parse(Path::new("c.toml"), &bad).unwrap_err().to_string();
        assert!(err.starts_with("c.toml:10:13: time_zone \"Mars/Olympus\" is not a zone"), "{err}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 6), (2, 3));
    }
}
