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
use crate::ingest::incidents::{self, CompanionFile, IncidentOptions};
use crate::ingest::source::{Context, Parsed, ServiceResolver};
use crate::ingest::time::Zone;
use crate::ingest::{deploys, incidents::canonical::IncidentContext};
use crate::model::{Deploy, Incident, Reject, Service, ServiceDep};

/// Bytes read from the start of a file to tell its format.
const SNIFF_BYTES: usize = 16 * 1024;

/// Everything the non-git sources gave.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Catalog services, sorted by name.
    pub services: Vec<Service>,
    /// Dependencies between them, sorted.
    pub deps: Vec<ServiceDep>,
    /// Deploys, merged by id, sorted by start then id.
    pub deploys: Vec<Deploy>,
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
    for source in &config.deploys {
        let resolver = ServiceResolver::new(&sources.services, &source.services);
        let parsed = read_deploys(source, &resolver)?;
        absorb(&mut sources.rejects, &mut sources.notes, parsed, &mut sources.deploys);
    }
    for source in &config.incidents {
        let resolver = ServiceResolver::new(&sources.services, &source.services);
        let parsed = read_incidents(source, &resolver)?;
        absorb(&mut sources.rejects, &mut sources.notes, parsed, &mut sources.incidents);
    }
    sources.deploys = merge_deploys(std::mem::take(&mut sources.deploys), &mut sources.notes);
    sources.deploys.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    sources.incidents = merge_incidents(std::mem::take(&mut sources.incidents), &mut sources.notes);
    sources.incidents.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    Ok(sources)
}

fn absorb<T>(rejects: &mut Vec<Reject>, notes: &mut Vec<String>, mut parsed: Parsed<T>, into: &mut Vec<T>) {
    into.extend(parsed.records);
    // In the order of the file: line 2 before line 10, `$[2]` before `$[10]`.
    parsed.rejects.sort_by(|a, b| natural_cmp(&a.position, &b.position));
    rejects.extend(parsed.rejects);
    notes.extend(parsed.notes);
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
fn merge_deploys(mut records: Vec<Deploy>, notes: &mut Vec<String>) -> Vec<Deploy> {
    // A stable sort by id keeps each id's views in reading order without a map of ids.
    records.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out: Vec<Deploy> = Vec::with_capacity(records.len());
    for record in records {
        let Some(kept) = out.last_mut().filter(|k| k.id == record.id) else {
            out.push(record);
            continue;
        };
        let (merged, changes) = deploys::canonical::merge(kept, &record);
        if changes.is_empty() {
            continue;
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
    out
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

fn read_deploys(source: &DeploySource, resolver: &ServiceResolver) -> Result<Parsed<Deploy>> {
    let ctx = Context { file: &source.path, zone: zone(source.time_zone.as_deref()), services: resolver };
    let start = sniff(&source.path)?;
    let format = match source.format.as_deref() {
        Some(format) => format.to_string(),
        None => deploys::detect(&start)
            .ok_or_else(|| unknown_format(&source.path, None, &deploys::FORMATS))?
            .to_string(),
    };
    let open = || fs::File::open(&source.path).map(BufReader::new).map_err(|e| Error::io(&source.path, e));
    let text = || read_text(&source.path);
    Ok(match format.as_str() {
        // Canonical files stream: JSON Lines or CSV with the same columns.
        "canonical" if without_bom(&start).trim_start().starts_with('{') => {
            deploys::canonical::parse_jsonl(open()?, &ctx)
        }
        "canonical" => deploys::canonical::parse_csv(open()?, &ctx),
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
        "canonical" if first_line_is_json_object(&start) => {
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
    fn positions_sort_as_people_read_them() {
        let mut positions = vec!["line 10", "line 2", "$[10].statuses[1]", "$[2]", "line 2: $", "document 1"];
        positions.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            positions,
            vec!["$[2]", "$[10].statuses[1]", "document 1", "line 2", "line 2: $", "line 10"]
        );
    }
}
