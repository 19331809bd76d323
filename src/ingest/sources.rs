//! Deploy logs, incident exports and the service catalog, as the config lists them: each file
//! read in its format (as given, or detected from its first kilobytes), names mapped to catalog
//! services, records with the same id merged, and every record that could not be used kept
//! with its reason.
//!
//! The catalog is read first, because deploys and incidents name services the way their tools
//! do (`checkout-prod`, a status-page component) and the catalog and the config's mappings
//! turn those names into catalog services.

use std::fs;
use std::io::BufReader;
use std::path::Path;

use crate::config::{CatalogSource, Config, DeploySource, IncidentSource};
use crate::error::{Error, Result};
use crate::ingest::catalog::{self, CatalogContext};
use crate::ingest::deploy_table::{DeployCollector, DeployTable};
use crate::ingest::incidents::{self, CompanionFile, IncidentOptions};
use crate::ingest::source::{Context, Parsed, ServiceResolver};
use crate::ingest::time::Zone;
use crate::ingest::{deploys, incidents::canonical::IncidentContext};
use crate::model::{Deploy, Incident, Reject, Service, ServiceDep};

/// Bytes read from the start of a file to tell its format.
const SNIFF_BYTES: usize = 16 * 1024;

/// Everything the non-git sources gave.
#[derive(Debug, Default)]
pub struct Sources {
    /// Catalog services, sorted by name.
    pub services: Vec<Service>,
    /// Dependencies between them, sorted.
    pub deps: Vec<ServiceDep>,
    /// Deploys, merged by id, sorted by start then id, held in bounded memory.
    pub deploys: DeployTable,
    /// Incidents, merged by id, sorted by start then id.
    pub incidents: Vec<Incident>,
    /// Records that could not be used: the catalog's, then each file's in config order, each
    /// file's in the order of its lines.
    pub rejects: Vec<Reject>,
    /// Things the user should know (unmapped names, merged duplicates), in source order.
    pub notes: Vec<String>,
}

/// Read the catalog, deploys and incidents the config lists. `repos` are the configured
/// repositories with their remote URLs, so catalog source locations map to repository names.
pub fn read(config: &Config, repos: &[(String, Option<String>)]) -> Result<Sources> {
    let mut sources = Sources::default();
    if let Some(catalog) = &config.catalog {
        read_catalog(catalog, repos, &mut sources)?;
    }
    let mut collector = DeployCollector::default();
    let mut repo_names = RepoNames::new(repos);
    for source in &config.deploys {
        let resolver = ServiceResolver::new(&sources.services, &source.services);
        let file = collector.begin_file(source.path.display().to_string());
        let mut parsed = read_deploys(source, &resolver, &mut |mut deploy| {
            repo_names.resolve(&mut deploy);
            collector.push(file, deploy);
        })?;
        check_deploys(&mut parsed, &source.path);
        for mut deploy in parsed.records.drain(..) {
            repo_names.resolve(&mut deploy);
            collector.push(file, deploy);
        }
        absorb(&mut sources.rejects, &mut sources.notes, parsed, &mut Vec::new());
        sources.notes.extend(repo_names.unknown_note(&source.path));
    }
    sources.deploys = collector.finish(&mut sources.notes, &mut sources.rejects, merge_deploy_files)?;
    for source in &config.incidents {
        let resolver = ServiceResolver::new(&sources.services, &source.services);
        let mut parsed = read_incidents(source, &resolver)?;
        check_incidents(&mut parsed, &source.path);
        absorb(&mut sources.rejects, &mut sources.notes, parsed, &mut sources.incidents);
    }
    sources.incidents = merge_incidents(std::mem::take(&mut sources.incidents), &mut sources.notes);
    sources.incidents.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    order_rejects(&mut sources.rejects);
    Ok(sources)
}

/// Rejects file by file, in the order the files were read, and within a file in the order of
/// its lines: `line 2` before `line 10`, `$[2]` before `$[10]`.
fn order_rejects(rejects: &mut [Reject]) {
    let mut rank: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for reject in rejects.iter() {
        let next = rank.len();
        rank.entry(reject.file.clone()).or_insert(next);
    }
    rejects.sort_by(|a, b| {
        rank[&a.file].cmp(&rank[&b.file]).then_with(|| natural_cmp(&a.position, &b.position))
    });
}

fn absorb<T>(rejects: &mut Vec<Reject>, notes: &mut Vec<String>, parsed: Parsed<T>, into: &mut Vec<T>) {
    into.extend(parsed.records);
    rejects.extend(parsed.rejects);
    notes.extend(parsed.notes);
}

/// A deploy's `repo` as a configured repository's name. Vendors name the repository by its
/// URL's last part (`acme/shop-monorepo` gives `shop-monorepo`), which is the configured name
/// only by luck: a configured repository whose remote ends in that name is meant. A name that
/// is neither is kept as written, and each file's such names are noted once, since their
/// commits cannot be found.
struct RepoNames {
    configured: std::collections::BTreeSet<String>,
    by_remote: std::collections::BTreeMap<String, String>,
    unknown: std::collections::BTreeMap<String, usize>,
}

impl RepoNames {
    fn new(repos: &[(String, Option<String>)]) -> RepoNames {
        let configured = repos.iter().map(|(name, _)| name.clone()).collect();
        let mut by_remote = std::collections::BTreeMap::new();
        for (name, remote) in repos {
            let last = remote
                .as_deref()
                .map(|r| r.trim().trim_end_matches('/'))
                .and_then(|r| r.rsplit(['/', ':']).next());
            if let Some(last) = last {
                let last = last.strip_suffix(".git").unwrap_or(last).to_string();
                by_remote.entry(last).or_insert_with(|| name.clone());
            }
        }
        RepoNames { configured, by_remote, unknown: std::collections::BTreeMap::new() }
    }

    fn resolve(&mut self, deploy: &mut Deploy) {
        let Some(repo) = deploy.repo.as_mut() else { return };
        if self.configured.is_empty() || self.configured.contains(repo) {
            return;
        }
        match self.by_remote.get(repo.as_str()) {
            Some(name) => *repo = name.clone(),
            None => *self.unknown.entry(repo.clone()).or_default() += 1,
        }
    }

    /// The note for the names of one file that matched no configured repository.
    fn unknown_note(&mut self, file: &Path) -> Option<String> {
        if self.unknown.is_empty() {
            return None;
        }
        let names: Vec<String> = std::mem::take(&mut self.unknown)
            .into_iter()
            .map(|(name, n)| format!("`{name}` ({n})"))
            .collect();
        Some(format!(
            "{}: deploys name repositories that are not configured and match no configured remote: {}; their commits cannot be looked up",
            file.display(),
            names.join(", ")
        ))
    }
}

/// Every reader's deploys pass the canonical format's own checks (a finish before the start, a
/// rollback of itself, …), whatever format they came in; one that fails is a reject at its
/// position.
fn check_deploys(parsed: &mut Parsed<Deploy>, file: &Path) {
    let records = std::mem::take(&mut parsed.records);
    for deploy in records {
        match deploys::canonical::check(&deploy) {
            Ok(()) => parsed.records.push(deploy),
            Err(problem) => parsed.rejects.push(Reject {
                file: file.display().to_string(),
                position: position_of(&deploy.origin, file),
                field: problem.field,
                message: format!("deploy {:?}: {}", deploy.id, problem.message),
            }),
        }
    }
}

/// Every reader's incidents keep their milestones in order: detection, mitigation and
/// resolution not before the start, resolution not before mitigation. Vendors' exports break
/// this now and then (an analytics row resolved before it was created); such a record is a
/// reject at its position, never reordered by guess.
fn check_incidents(parsed: &mut Parsed<Incident>, file: &Path) {
    let show = |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let records = std::mem::take(&mut parsed.records);
    for incident in records {
        let milestones = [
            ("detected_at", incident.detected_at, "started_at", Some(incident.started_at)),
            ("mitigated_at", incident.mitigated_at, "started_at", Some(incident.started_at)),
            ("resolved_at", incident.resolved_at, "started_at", Some(incident.started_at)),
            ("resolved_at", incident.resolved_at, "mitigated_at", incident.mitigated_at),
        ];
        let broken = milestones.into_iter().find_map(|(field, at, before, bound)| match (at, bound) {
            (Some(at), Some(bound)) if at < bound => Some((field, at, before, bound)),
            _ => None,
        });
        match broken {
            None => parsed.records.push(incident),
            Some((field, at, before, bound)) => parsed.rejects.push(Reject {
                file: file.display().to_string(),
                position: position_of(&incident.origin, file),
                field: Some(field.to_string()),
                message: format!(
                    "incident {:?}: {field} {} is before {before} {}; expected a time at or after it",
                    incident.id,
                    show(at),
                    show(bound)
                ),
            }),
        }
    }
}

/// The position part of a record's `origin` (`<file>:<position>`).
fn position_of(origin: &str, file: &Path) -> String {
    let prefix = format!("{}:", file.display());
    origin.strip_prefix(&prefix).unwrap_or(origin).to_string()
}

/// Compare positions as people read them: runs of digits by value, the rest as text.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> impl Iterator<Item = (bool, &str)> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digits = first.is_ascii_digit();
            let end = rest.find(|c: char| c.is_ascii_digit() != digits).unwrap_or(rest.len());
            let (chunk, tail) = rest.split_at(end);
            rest = tail;
            Some((digits, chunk))
        })
    }
    let mut left = chunks(a);
    let mut right = chunks(b);
    loop {
        let ordering = match (left.next(), right.next()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some((true, x)), Some((true, y))) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Some((_, x)), Some((_, y))) => x.cmp(y),
        };
        if ordering.is_ne() {
            return ordering;
        }
    }
}

/// Views of one deploy from several files (a REST export and webhooks, say), merged in config
/// order as a file's own repeats are: the later value wins and every changed value is named.
/// A merge that would break a deploy's own checks keeps the earlier view and says so.
fn merge_deploy_files(kept: &mut Deploy, record: Deploy, notes: &mut Vec<String>) {
    let (merged, changes) = deploys::canonical::merge(kept, &record);
    if changes.is_empty() {
        return;
    }
    match deploys::canonical::check(&merged) {
        Ok(()) => {
            notes.push(format!(
                "deploy {:?} of {} is also in {} with different values, merged (the later value kept): {}",
                record.id,
                kept.origin,
                record.origin,
                changes.join(", ")
            ));
            *kept = Deploy { origin: kept.origin.clone(), ..merged };
        }
        Err(problem) => notes.push(format!(
            "deploy {:?} of {} is also in {}, but the two cannot be merged ({}{}); the first is kept",
            record.id,
            kept.origin,
            record.origin,
            problem.field.map(|f| format!("field `{f}`: ")).unwrap_or_default(),
            problem.message
        )),
    }
}

/// Views of one incident from several files (a REST export and its webhooks, a status page
/// and the paging tool), merged as every incident reader merges a later view: the later title,
/// severity and customers affected, the earliest start and detection, the latest mitigation and
/// resolution, services and timeline united. The values that differed are named.
fn merge_incidents(mut records: Vec<Incident>, notes: &mut Vec<String>) -> Vec<Incident> {
    records.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out: Vec<Incident> = Vec::with_capacity(records.len());
    for record in records {
        let Some(kept) = out.last_mut().filter(|k| k.id == record.id) else {
            out.push(record);
            continue;
        };
        if *kept == (Incident { origin: kept.origin.clone(), ..record.clone() }) {
            continue;
        }
        let differences = incidents::canonical::differences(kept, &record);
        let (id, origin) = (record.id.clone(), record.origin.clone());
        let mut merged = kept.clone();
        incidents::fields::merge(&mut merged, record);
        let merged = incidents::fields::finish(merged);
        let in_order = merged.mitigated_at.zip(merged.resolved_at).is_none_or(|(m, r)| m <= r);
        if !in_order {
            notes.push(format!(
                "incident {id:?} of {} is also in {origin}, but merged it would be resolved before it was mitigated; the first is kept",
                kept.origin
            ));
            continue;
        }
        let detail = if differences.is_empty() {
            "timelines and services united".to_string()
        } else {
            format!("with different values ({}), merged", differences.join("; "))
        };
        notes.push(format!("incident {id:?} of {} is also in {origin}: {detail}", kept.origin));
        *kept = merged;
    }
    out
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: "invalid UTF-8; expected UTF-8 text".into(),
        }
    })
}

/// The first bytes of a file, cut at a character boundary.
fn sniff(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut buffer = vec![0u8; SNIFF_BYTES];
    let mut file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut filled = 0;
    while filled < buffer.len() {
        let n = file.read(&mut buffer[filled..]).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buffer.truncate(filled);
    let text = match String::from_utf8(buffer) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
    };
    Ok(text)
}

/// Whether the file's first non-blank line is a whole JSON object: JSON Lines, not a
/// pretty-printed document.
fn first_line_is_json_object(start: &str) -> bool {
    without_bom(start).lines().find(|l| !l.trim().is_empty()).is_some_and(|l| {
        l.trim_start().starts_with('{') && serde_json::from_str::<serde_json::Value>(l).is_ok()
    })
}

/// Whether a file's content starts as JSON does.
fn starts_like_json(start: &str) -> bool {
    let text = without_bom(start).trim_start();
    text.starts_with('{') || text.starts_with('[')
}

/// Text without the byte-order mark some Windows tools write first.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn zone(time_zone: Option<&str>) -> Option<Zone> {
    time_zone.and_then(Zone::parse)
}

fn unknown_format(path: &Path, given: Option<&str>, known: &[&str]) -> Error {
    match given {
        Some(format) => Error::Usage(format!(
            "{}: format {format:?} is not one faultline reads here; expected one of: {}",
            path.display(),
            known.join(", ")
        )),
        None => Error::Parse {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!(
                "cannot tell the format from the content; set `format` for this file to one of: {}",
                known.join(", ")
            ),
        },
    }
}

/// A source option its format does not read.
fn unused_option(path: &Path, option: &str, format: &str, readers: &str) -> Error {
    Error::Usage(format!(
        "{}: `{option}` is set, but the {format} format does not read it (only {readers} does); remove it or set the right `format`",
        path.display()
    ))
}

/// Only the catalog the config lists, as [`read`] reads it (services, dependencies, the
/// records it rejected and its notes), or `None` when the config lists no catalog.
pub fn read_catalog_only(config: &Config, repos: &[(String, Option<String>)]) -> Result<Option<Sources>> {
    let Some(catalog) = &config.catalog else { return Ok(None) };
    let mut sources = Sources::default();
    read_catalog(catalog, repos, &mut sources)?;
    Ok(Some(sources))
}

fn read_catalog(
    source: &CatalogSource,
    repos: &[(String, Option<String>)],
    sources: &mut Sources,
) -> Result<()> {
    if let Some(format) = source.format.as_deref() {
        if format != "backstage" {
            return Err(unknown_format(&source.path, Some(format), &["backstage"]));
        }
    }
    let text = read_text(&source.path)?;
    let ctx = CatalogContext {
        file: &source.path,
        repos,
        tier_key: source.tier_key.as_deref(),
        lifecycle_tiers: source.lifecycle_tiers.as_ref(),
    };
    let catalog = catalog::parse_backstage(&text, &ctx);
    sources.services = catalog.services.records;
    sources.rejects.extend(catalog.services.rejects);
    sources.notes.extend(catalog.services.notes);
    sources.deps = catalog.deps;
    Ok(())
}

/// Read one deploy file. Canonical files stream their records into `sink` unmerged; the other
/// formats return theirs in the result.
fn read_deploys(
    source: &DeploySource,
    resolver: &ServiceResolver,
    sink: &mut dyn FnMut(Deploy),
) -> Result<Parsed<Deploy>> {
    let ctx = Context { file: &source.path, zone: zone(source.time_zone.as_deref()), services: resolver };
    let start = sniff(&source.path)?;
    let format = match source.format.as_deref() {
        Some(format) => format.to_string(),
        None => deploys::detect(&start)
            .ok_or_else(|| unknown_format(&source.path, None, &deploys::FORMATS))?
            .to_string(),
    };
    if source.statuses.is_some() && format != "github" {
        return Err(unused_option(&source.path, "statuses", &format, "github"));
    }
    let open = || fs::File::open(&source.path).map(BufReader::new).map_err(|e| Error::io(&source.path, e));
    let text = || read_text(&source.path);
    Ok(match format.as_str() {
        // Canonical files stream: JSON Lines or CSV with the same columns.
        "canonical" if without_bom(&start).trim_start().starts_with('{') => {
            deploys::canonical::stream_jsonl(open()?, &ctx, sink)
        }
        "canonical" => deploys::canonical::stream_csv(open()?, &ctx, sink),
        // Vendor JSON Lines stream too, a group of one record's payloads at a time.
        f if deploys::JSON_LINES_FORMATS.contains(&f)
            && (f != "github" || source.statuses.is_none())
            && (first_line_is_json_object(&start) || super::grouped::first_line_is_object(&source.path)) =>
        {
            deploys::read_json_lines(f, &ctx)?
        }
        "github" => {
            let statuses = match &source.statuses {
                Some(path) => Some((path.as_path(), read_text(path)?)),
                None => None,
            };
            let file = statuses
                .as_ref()
                .map(|(path, text)| deploys::github::StatusesFile { path, text: text.as_str() });
            deploys::github::parse(&text()?, file, &ctx)
        }
        "argocd" => deploys::argocd::parse(&text()?, &ctx),
        "pagerduty" => deploys::pagerduty::parse(&text()?, &ctx),
        "codedeploy" => deploys::codedeploy::parse(&text()?, &ctx),
        "kubernetes" => deploys::kubernetes::parse(&text()?, &ctx),
        "flux" => deploys::flux::parse(&text()?, &ctx),
        "fourkeys" => deploys::fourkeys::parse(&text()?, &ctx),
        other => return Err(unknown_format(&source.path, Some(other), &deploys::FORMATS)),
    })
}

fn read_incidents(source: &IncidentSource, resolver: &ServiceResolver) -> Result<Parsed<Incident>> {
    let ctx = Context { file: &source.path, zone: zone(source.time_zone.as_deref()), services: resolver };
    let options = IncidentOptions {
        severities: source.severities.clone(),
        milestones: source.milestones.clone(),
        service_fields: source.service_fields.clone(),
    };
    let start = sniff(&source.path)?;
    let format = match source.format.as_deref() {
        Some(format) => format.to_string(),
        None => incidents::detect(&start)
            .ok_or_else(|| unknown_format(&source.path, None, incidents::FORMATS))?
            .to_string(),
    };
    // Options only some readers use: given to another, they would be ignored without a word.
    let companion_formats = ["pagerduty", "pagerduty-csv", "incidentio"];
    if source.log_entries.is_some() && source.updates.is_some() {
        return Err(Error::Usage(format!(
            "{}: both `log_entries` and `updates` are set; give one file of log entries (PagerDuty) or updates (incident.io)",
            source.path.display()
        )));
    }
    for (option, given) in
        [("log_entries", source.log_entries.is_some()), ("updates", source.updates.is_some())]
    {
        if given && !companion_formats.contains(&format.as_str()) {
            return Err(unused_option(&source.path, option, &format, "pagerduty or incidentio"));
        }
    }
    for (option, given) in
        [("milestones", !source.milestones.is_empty()), ("service_fields", !source.service_fields.is_empty())]
    {
        if given && format != "incidentio" {
            return Err(unused_option(&source.path, option, &format, "incidentio"));
        }
    }
    let companion_path = source.log_entries.as_ref().or(source.updates.as_ref());
    let companion_text = match companion_path {
        Some(path) => Some((path.as_path(), read_text(path)?)),
        None => None,
    };
    let companion = companion_text.as_ref().map(|(path, text)| CompanionFile { path, text: text.as_str() });
    let canonical = IncidentContext { base: ctx, severities: &source.severities };
    let open = || fs::File::open(&source.path).map(BufReader::new).map_err(|e| Error::io(&source.path, e));
    Ok(match format.as_str() {
        // JSON Lines stream; a JSON array, one object or YAML are read whole.
        "canonical"
            if first_line_is_json_object(&start) || super::grouped::first_line_is_object(&source.path) =>
        {
            incidents::canonical::parse_jsonl(open()?, &canonical)
        }
        "canonical" => incidents::canonical::parse(&read_text(&source.path)?, &canonical),
        "canonical-jsonl" | "jsonl" => incidents::canonical::parse_jsonl(open()?, &canonical),
        "statuspage" => incidents::statuspage::parse(&read_text(&source.path)?, &ctx, &options),
        // The CSV export streams, with or without `format` given.
        f if f == "pagerduty-csv" || (f == "pagerduty" && !starts_like_json(&start)) => {
            let mut parsed = incidents::pagerduty::parse_csv(open()?, &ctx, &options);
            incidents::pagerduty::attach_companion(&mut parsed, companion, &ctx);
            parsed
        }
        // Vendor JSON Lines stream, a group of one incident's payloads at a time; the log
        // entries are attached once, to all of them.
        f if incidents::JSON_LINES_FORMATS.contains(&f)
            && (first_line_is_json_object(&start) || super::grouped::first_line_is_object(&source.path)) =>
        {
            let mut parsed = incidents::read_json_lines(f, &ctx, &options)?;
            if f == "pagerduty" {
                incidents::pagerduty::attach_companion(&mut parsed, companion, &ctx);
            }
            parsed
        }
        "pagerduty" => incidents::pagerduty::parse(&read_text(&source.path)?, companion, &ctx, &options),
        "incidentio" => incidents::incidentio::parse(&read_text(&source.path)?, companion, &ctx, &options),
        "opsgenie" => incidents::opsgenie::parse(&read_text(&source.path)?, &ctx, &options),
        "gcp" => incidents::gcp::parse(&read_text(&source.path)?, &ctx, &options),
        other => return Err(unknown_format(&source.path, Some(other), incidents::FORMATS)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_repository_names_become_configured_ones() {
        let repos = vec![
            ("shop".to_string(), Some("git@github.com:acme/shop-monorepo.git".to_string())),
            ("auth".to_string(), None),
        ];
        let mut names = RepoNames::new(&repos);
        let mut named = |repo: &str| {
            let mut deploy = crate::ingest::deploys::testing::deploy_named(repo);
            names.resolve(&mut deploy);
            deploy.repo.unwrap()
        };
        assert_eq!(named("shop-monorepo"), "shop");
        assert_eq!(named("auth"), "auth");
        assert_eq!(named("billing"), "billing");
        assert_eq!(named("billing"), "billing");
        assert_eq!(
            names.unknown_note(Path::new("d.json")).as_deref(),
            Some("d.json: deploys name repositories that are not configured and match no configured remote: `billing` (2); their commits cannot be looked up")
        );
        assert_eq!(names.unknown_note(Path::new("d.json")), None);
    }

    fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn every_readers_incidents_keep_their_milestones_in_order() {
        let incident = |id: &str, mitigated: &str, resolved: &str| Incident {
            id: id.into(),
            title: "t".into(),
            severity: None,
            services: vec![],
            started_at: at("2026-06-01T10:00:00Z"),
            detected_at: None,
            mitigated_at: Some(at(mitigated)),
            resolved_at: Some(at(resolved)),
            customers_affected: None,
            timeline: vec![],
            source: "gcp".into(),
            origin: format!("x.json:$[{id}]"),
        };
        let mut parsed = Parsed {
            records: vec![
                incident("0", "2026-06-01T11:00:00Z", "2026-06-01T12:00:00Z"),
                incident("1", "2026-06-01T11:00:00Z", "2026-06-01T10:30:00Z"),
                incident("2", "2026-06-01T09:00:00Z", "2026-06-01T12:00:00Z"),
            ],
            rejects: vec![],
            notes: vec![],
        };
        check_incidents(&mut parsed, Path::new("x.json"));
        assert_eq!(parsed.records.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), vec!["0"]);
        let rejects: Vec<String> = parsed.rejects.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            rejects,
            vec![
                "x.json: $[1]: field `resolved_at`: incident \"1\": resolved_at 2026-06-01T10:30:00Z is before mitigated_at 2026-06-01T11:00:00Z; expected a time at or after it",
                "x.json: $[2]: field `mitigated_at`: incident \"2\": mitigated_at 2026-06-01T09:00:00Z is before started_at 2026-06-01T10:00:00Z; expected a time at or after it",
            ]
        );
    }

    #[test]
    fn positions_sort_as_people_read_them() {
        let mut positions = vec!["line 10", "line 2", "$[10].statuses[1]", "$[2]", "line 2: $", "document 1"];
        positions.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            positions,
            vec!["$[2]", "$[10].statuses[1]", "document 1", "line 2", "line 2: $", "line 10"]
        );
    }
}
