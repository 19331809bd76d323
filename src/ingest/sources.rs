//! Deploy logs, incident exports and the service catalog, as the config lists them: each file
//! read in its format (as given, or detected from its first kilobytes), names mapped to catalog
//! services, records with the same id merged, and every record that could not be used kept
//! with its reason.
//!
//! The catalog is read first, because deploys and incidents name services the way their tools
//! do (`checkout-prod`, a status-page component) and the catalog and the config's mappings
//! turn those names into catalog services.

use std::collections::BTreeMap;
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
    /// Records that could not be used, sorted.
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
    sources.deploys =
        merge_by_id(std::mem::take(&mut sources.deploys), |d| &d.id, &mut sources.notes, "deploy");
    sources.deploys.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    sources.incidents =
        merge_by_id(std::mem::take(&mut sources.incidents), |i| &i.id, &mut sources.notes, "incident");
    sources.incidents.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
    sources.rejects.sort();
    Ok(sources)
}

fn absorb<T>(rejects: &mut Vec<Reject>, notes: &mut Vec<String>, parsed: Parsed<T>, into: &mut Vec<T>) {
    into.extend(parsed.records);
    rejects.extend(parsed.rejects);
    notes.extend(parsed.notes);
}

/// Records sharing an id: identical ones collapse to one; differing ones keep the first read
/// (config order, then file order) and the conflict is reported.
fn merge_by_id<T: PartialEq>(
    records: Vec<T>,
    id: impl Fn(&T) -> &String,
    notes: &mut Vec<String>,
    what: &str,
) -> Vec<T>
where
    T: HasOrigin,
{
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<T> = Vec::with_capacity(records.len());
    for record in records {
        match seen.get(id(&record)) {
            None => {
                seen.insert(id(&record).clone(), out.len());
                out.push(record);
            }
            Some(&kept) => {
                if out[kept] != record.without_origin(&out[kept]) {
                    notes.push(format!(
                        "{what} {} appears twice with different values ({} and {}); the first is kept",
                        id(&record),
                        out[kept].origin(),
                        record.origin()
                    ));
                }
            }
        }
    }
    out
}

/// Records that say where they were read from, so duplicates can be compared by content.
trait HasOrigin: Sized {
    fn origin(&self) -> &str;
    /// This record with `other`'s origin, to compare the rest.
    fn without_origin(&self, other: &Self) -> Self;
}

impl HasOrigin for Deploy {
    fn origin(&self) -> &str {
        &self.origin
    }
    fn without_origin(&self, other: &Self) -> Self {
        Deploy { origin: other.origin.clone(), ..self.clone() }
    }
}

impl HasOrigin for Incident {
    fn origin(&self) -> &str {
        &self.origin
    }
    fn without_origin(&self, other: &Self) -> Self {
        Incident { origin: other.origin.clone(), ..self.clone() }
    }
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
    start.lines().find(|l| !l.trim().is_empty()).is_some_and(|l| {
        l.trim_start().starts_with('{') && serde_json::from_str::<serde_json::Value>(l).is_ok()
    })
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
    let ctx = CatalogContext { file: &source.path, repos, tier_key: source.tier_key.as_deref() };
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
        "canonical" if start.trim_start().starts_with('{') => deploys::canonical::parse_jsonl(open()?, &ctx),
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
        "pagerduty" => incidents::pagerduty::parse(&read_text(&source.path)?, companion, &ctx, &options),
        "pagerduty-csv" => incidents::pagerduty::parse_csv(open()?, &ctx, &options),
        "incidentio" => incidents::incidentio::parse(&read_text(&source.path)?, companion, &ctx, &options),
        "opsgenie" => incidents::opsgenie::parse(&read_text(&source.path)?, &ctx, &options),
        "gcp" => incidents::gcp::parse(&read_text(&source.path)?, &ctx, &options),
        other => return Err(unknown_format(&source.path, Some(other), incidents::FORMATS)),
    })
}
