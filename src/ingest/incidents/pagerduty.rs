//! PagerDuty incidents, from every export a team is likely to have:
//!
//! - **REST v2**: `GET /incidents` (`{"incidents": [...]}`) or `GET /incidents/{id}`
//!   (`{"incident": {...}}`), with the log entries (`{"log_entries": [...]}`,
//!   `GET /log_entries` or `GET /incidents/{id}/log_entries`) in the same file next to the
//!   incidents or in a second file ([`CompanionFile`], the source's `log_entries` in the config).
//!   `assignments` and `acknowledgements` are emptied once an incident resolves, so the log
//!   entries are the timeline whenever they are given.
//! - **V2 webhooks** (`{"messages": [...]}`): each message holds the whole incident and its log
//!   entries; messages about the same incident are merged.
//! - **V3 webhooks** (`{"event": {"event_type", "occurred_at", "data"}}`), one per file, a JSON
//!   array of them or JSON Lines as a receiver logs them. V3 says `number` where REST says
//!   `incident_number`, and the payloads carry no creation time: the start is `data.created_at`
//!   when present, else the `incident.triggered` event's `occurred_at`. An incident with neither
//!   in the file (only its `incident.resolved` webhook, say) is rejected rather than given a
//!   start it did not have.
//! - **Analytics raw incidents** (`POST /analytics/raw/incidents`: `{"data": [...]}`, or the rows
//!   as an array) and their **CSV** export (a header row with the same field names;
//!   `created_on`/`resolved_on`, `incident_id`, `title`, `service`, `priority` are accepted as
//!   column names too). Their timestamps have **no zone**: the response's `time_zone` says which
//!   (and wins), else the source's `time_zone` in the config, else each such time is an error.
//!   A row that resolves before it was created (one of PagerDuty's own example rows does) is
//!   rejected at `resolved_at`.
//!
//! Fields: `id` → `pagerduty:<id>`; `title` (else `summary`, else the analytics `description`);
//! `created_at` → `started_at` and `detected_at` (PagerDuty opens an incident when the alert
//! fires, which is when it is noticed); `resolved_at`, else `last_status_change_at` of a resolved
//! incident, else the first resolve log entry; `mitigated_at` stays `None` (PagerDuty has no such
//! milestone). Severity: the priority's name (`P1`…`P5`, `SEV-2`, or a name in the source's
//! `severities`) through [`super::severity_from_name`]; with no priority at all the urgency
//! (high → 2, low → 4), since urgency is a paging rule, not an impact. Services: `service`
//! (`summary`, V2 `name`) and `impacted_services`, or the analytics `service_name`, through the
//! catalog. Without log entries the timeline is built from the record: the trigger at
//! `created_at`, each acknowledgement, the resolution.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use regex::Regex;
use serde_json::{Map, Value};

use super::fields::{self, Record};
use super::{severity_from_name, CompanionFile, IncidentOptions};
use crate::ingest::grouped::{self, JsonLines, NoteKind};
use crate::ingest::source::{Context, Parsed};
use crate::ingest::time::Zone;
use crate::model::{Incident, Reject, TimelineEvent};

/// The format name, also each incident's `source`.
pub const FORMAT: &str = "pagerduty";

/// Read any PagerDuty incident export: JSON (REST, webhooks V2/V3 as one document, an array
/// or JSON Lines, analytics) or the CSV export, told apart by their shape.
pub fn parse(
    text: &str,
    log_entries: Option<CompanionFile<'_>>,
    ctx: &Context<'_>,
    options: &IncidentOptions,
) -> Parsed<Incident> {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if !(start.starts_with('{') || start.starts_with('[')) {
        let mut parsed = parse_csv(text.as_bytes(), ctx, options);
        attach_companion(&mut parsed, log_entries, ctx);
        return parsed;
    }
    let (docs, rejects) = fields::documents(text, ctx);
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    if docs.len() > 1 {
        webhooks(&docs, ctx, options, &mut parsed);
    } else if let Some((path, root)) = docs.first() {
        let record = Record::new(root, path.clone(), ctx);
        match root {
            Value::Object(map) if map.contains_key("messages") => webhooks(&docs, ctx, options, &mut parsed),
            Value::Object(map) if map.contains_key("event") => webhooks(&docs, ctx, options, &mut parsed),
            Value::Array(items) if items.iter().any(|v| v.get("event").is_some()) => {
                webhooks(&docs, ctx, options, &mut parsed)
            }
            Value::Array(_) => analytics(&record, options, &mut parsed),
            Value::Object(map) if map.contains_key("data") => analytics(&record, options, &mut parsed),
            Value::Object(map) if map.contains_key("incidents") || map.contains_key("incident") => {
                rest(&record, options, &mut parsed)
            }
            Value::Object(map) if map.contains_key("log_entries") => parsed.rejects.push(record.reject_record(
                "log entries without incidents; give them as this source's `log_entries` next to the incidents file",
            )),
            other => parsed.rejects.push(record.reject_record(format!(
                "expected PagerDuty incidents (`incidents` or `incident`), webhooks (`messages` or `event`) or analytics rows (`data`), found {}",
                describe_root(other)
            ))),
        }
    }
    attach_companion(&mut parsed, log_entries, ctx);
    parsed
}

/// Read a REST v2 incidents response, with its log entries in the same document or in
/// `log_entries`.
pub fn parse_rest(
    incidents: &str,
    log_entries: Option<CompanionFile<'_>>,
    ctx: &Context<'_>,
    options: &IncidentOptions,
) -> Parsed<Incident> {
    let mut parsed = Parsed::default();
    match fields::parse_json(incidents, ctx) {
        Ok(root) => rest(&Record::new(&root, "$", ctx), options, &mut parsed),
        Err(reject) => parsed.rejects.push(reject),
    }
    attach_companion(&mut parsed, log_entries, ctx);
    parsed
}

/// Read V2 (`{"messages"}`) or V3 (`{"event"}`) webhooks: one payload, an array of them or JSON
/// Lines; payloads about the same incident become one incident.
pub fn parse_webhooks(text: &str, ctx: &Context<'_>, options: &IncidentOptions) -> Parsed<Incident> {
    let (docs, rejects) = fields::documents(text, ctx);
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    webhooks(&docs, ctx, options, &mut parsed);
    parsed
}

/// Read one group of JSON Lines documents as [`parse`] reads a file of several lines: as
/// webhooks.
pub(crate) fn parse_lines(
    docs: &[(String, Value)],
    ctx: &Context<'_>,
    options: &IncidentOptions,
) -> Parsed<Incident> {
    let mut parsed = Parsed::default();
    webhooks(docs, ctx, options, &mut parsed);
    parsed
}

/// The group of one JSON Lines webhook when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the incident's id, by which [`parse`] merges the payloads of
/// one incident (a V3 event's `data.id`, or `data.incident.id` when the data is a note or a
/// responder; a V2 webhook's first message's `incident.id`, an array's first payload's). A V2
/// webhook whose messages are about several incidents goes with the first: the others are
/// read apart from their own group's lines.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    /// `null` counts as absent, as in [`Record::get`].
    fn present(value: Option<&Value>) -> Option<&Value> {
        value.filter(|v| !v.is_null())
    }
    let id = fields::group_id;
    match value {
        Value::Array(items) => items.first().and_then(group_key),
        value if present(value.get("messages")).is_some() => {
            id(value["messages"].as_array()?.first()?.get("incident")?.get("id"))
        }
        value => {
            let event = present(value.get("event"))?;
            let data = present(event.get("data"))?;
            let is_incident = event.get("resource_type").and_then(Value::as_str) == Some("incident")
                || data.get("type").and_then(Value::as_str) == Some("incident");
            if is_incident {
                id(data.get("id"))
            } else {
                id(present(data.get("incident"))?.get("id"))
            }
        }
    }
}

/// The kinds of this reader's notes, for reading JSON Lines a group at a time: a V2 message's
/// notes are written as its line is read, a V3 incident's once every payload is read.
pub(crate) fn note_kind(note: &str) -> NoteKind {
    static V2: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^line \d+: \$(\[\d+\])?\.messages\[").expect("built-in pattern is valid")
    });
    if V2.is_match(note) {
        NoteKind::Line
    } else {
        NoteKind::Record
    }
}

/// A file's incidents in the order [`parse`] gives them: the V2 ones where each was first
/// read, then the V3 ones in the order they were first met (their groups' order: the origin of
/// a V3 incident is its earliest event, not its first line).
fn webhook_order(records: &mut [Incident]) {
    records.sort_by_key(|incident| {
        let v2 = incident.origin.ends_with(".incident") && incident.origin.contains(".messages[");
        if v2 {
            (0, grouped::origin_line(&incident.origin))
        } else {
            (1, None)
        }
    });
}

/// How this reader reads JSON Lines (webhooks) a group at a time.
pub(crate) const JSON_LINES: JsonLines<(String, Value), Incident> =
    JsonLines { order: webhook_order, note_kind, ..fields::JSON_LINES };

/// Read the analytics raw incidents (`{"data": [...], "time_zone"}` or an array of rows).
pub fn parse_analytics(text: &str, ctx: &Context<'_>, options: &IncidentOptions) -> Parsed<Incident> {
    let mut parsed = Parsed::default();
    match fields::parse_json(text, ctx) {
        Ok(root) => analytics(&Record::new(&root, "$", ctx), options, &mut parsed),
        Err(reject) => parsed.rejects.push(reject),
    }
    parsed
}

/// Read the CSV export of the analytics raw incidents, row by row (the file is streamed).
pub fn parse_csv<R: Read>(reader: R, ctx: &Context<'_>, options: &IncidentOptions) -> Parsed<Incident> {
    let mut parsed = Parsed::default();
    let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
    let header: Vec<String> = match csv.headers() {
        Ok(h) => h.iter().map(column_name).collect(),
        Err(e) => {
            parsed.rejects.push(ctx.reject("line 1", None, format!("not a readable CSV header ({e})")));
            return parsed;
        }
    };
    for (column, alternatives) in [
        ("id", "`id` (or `incident_id`)"),
        ("created_at", "`created_at` (or `created_on`)"),
        ("description", "`description` (or `title`)"),
    ] {
        if !header.iter().any(|h| h == column) {
            parsed.rejects.push(ctx.reject(
                "line 1",
                Some(column),
                format!("missing column; expected a column {alternatives} in the header"),
            ));
        }
    }
    if !parsed.rejects.is_empty() {
        return parsed;
    }
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                let mut row = Map::new();
                for (name, value) in header.iter().zip(record.iter()) {
                    let value = value.trim();
                    let value = if value.is_empty() { Value::Null } else { Value::String(value.to_string()) };
                    row.entry(name.clone()).or_insert(value);
                }
                let row = Value::Object(row);
                let position = format!("line {line}");
                match analytics_row(&Record::new(&row, position, ctx), ctx.zone, options, &mut parsed.notes) {
                    Ok(incident) => parsed.records.push(incident),
                    Err(reject) => parsed.rejects.push(reject),
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                parsed.rejects.push(ctx.reject(
                    format!("line {line}"),
                    None,
                    format!("not a usable CSV row ({e})"),
                ));
                if fatal {
                    break;
                }
            }
        }
    }
    parsed
}

/// A CSV header as the analytics field it stands for.
fn column_name(header: &str) -> String {
    let name = header.trim().trim_start_matches('\u{feff}').trim().to_lowercase().replace([' ', '-'], "_");
    match name.as_str() {
        "incident_id" => "id".into(),
        "created_on" => "created_at".into(),
        "resolved_on" => "resolved_at".into(),
        "title" | "summary" => "description".into(),
        "service" => "service_name".into(),
        "priority" => "priority_name".into(),
        "team" => "team_name".into(),
        _ => name,
    }
}

fn describe_root(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
            keys.sort_unstable();
            keys.truncate(5);
            format!("an object with keys {}", keys.join(", "))
        }
        other => fields::describe(other),
    }
}

// ---------------------------------------------------------------------------------------------
// REST

fn rest(root: &Record<'_, '_>, options: &IncidentOptions, parsed: &mut Parsed<Incident>) {
    let items: Vec<Record<'_, '_>> = match root.value {
        Value::Object(map) if map.contains_key("incidents") => match root.array("incidents") {
            Ok(items) => items.iter().enumerate().map(|(i, v)| root.item("incidents", i, v)).collect(),
            Err(reject) => {
                parsed.rejects.push(reject);
                return;
            }
        },
        Value::Object(map) if map.contains_key("incident") => {
            vec![Record::new(&map["incident"], format!("{}.incident", root.path), &root.ctx)]
        }
        other => {
            parsed.rejects.push(root.reject_record(format!(
                "expected PagerDuty incidents (`incidents` or `incident`), found {}",
                describe_root(other)
            )));
            return;
        }
    };
    for item in items {
        match rest_incident(&item, options, &mut parsed.notes) {
            Ok(incident) => parsed.records.push(incident),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    if root.get("log_entries").is_some() {
        let entries = log_entries(root, &mut parsed.rejects);
        attach(parsed, entries, root);
    }
}

/// One REST (or V2 webhook) incident object, its timeline built from the record.
fn rest_incident(
    record: &Record<'_, '_>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    record.expect_object("a PagerDuty incident")?;
    let zone = record.ctx.zone;
    let id = record.req_id("id")?;
    let title = match record.opt_str("title")?.or(record.opt_str("summary")?) {
        Some(title) => title,
        None => record.opt_str("description")?.ok_or_else(|| {
            record.reject("title", "missing, and so are `summary` and `description`; expected a string")
        })?,
    };
    let started_at = record.req_time("created_at", zone)?;
    let status = record.opt_str("status")?.unwrap_or("");
    let resolved_at = match record.opt_time("resolved_at", zone)? {
        Some(at) => Some(at),
        None if status == "resolved" => record.opt_time("last_status_change_at", zone)?,
        None => None,
    };
    record.check_not_before("resolved_at", resolved_at, "created_at", started_at)?;

    let priority = match record.get("priority") {
        Some(Value::Object(_)) => record.opt_str("priority.summary")?.or(record.opt_str("priority.name")?),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let severity = severity_of(record, priority, record.opt_str("urgency")?, options, notes);

    let mut names = Vec::new();
    if let Some(name) = record.opt_str("service.summary")?.or(record.opt_str("service.name")?) {
        names.push(name);
    }
    for (index, value) in record.array("impacted_services")?.iter().enumerate() {
        let service = record.item("impacted_services", index, value);
        if let Some(name) = service.opt_str("summary")?.or(service.opt_str("name")?) {
            names.push(name);
        }
    }
    let mut services = Vec::new();
    let named = !names.is_empty();
    fields::map_services(record, names, "PagerDuty service", &mut services, notes);
    if !named {
        notes.push(fields::no_services_note(record, &id, ""));
    }

    let trigger = record.opt_str("first_trigger_log_entry.summary")?.unwrap_or("Triggered");
    let mut timeline =
        vec![TimelineEvent { at: started_at, kind: "trigger".into(), text: fields::text(trigger) }];
    for (index, value) in record.array("acknowledgements")?.iter().enumerate() {
        let ack = record.item("acknowledgements", index, value);
        let at = ack.req_time("at", zone)?;
        let text = match ack.opt_str("acknowledger.summary")? {
            Some(who) => format!("Acknowledged by {who}"),
            None => "Acknowledged".to_string(),
        };
        timeline.push(TimelineEvent { at, kind: "acknowledge".into(), text });
    }
    if let Some(at) = resolved_at {
        let text = match record.opt_str("last_status_change_by.summary")? {
            Some(who) if status == "resolved" => format!("Resolved by {who}"),
            _ => "Resolved".to_string(),
        };
        timeline.push(TimelineEvent { at, kind: "resolve".into(), text });
    }

    Ok(fields::finish(Incident {
        id: format!("{FORMAT}:{id}"),
        title: title.to_string(),
        severity,
        services,
        started_at,
        detected_at: Some(started_at),
        mitigated_at: None,
        resolved_at,
        customers_affected: None,
        timeline,
        source: FORMAT.to_string(),
        origin: record.origin(),
    }))
}

/// The severity from a priority name, else (only when there is no priority) the urgency.
fn severity_of(
    record: &Record<'_, '_>,
    priority: Option<&str>,
    urgency: Option<&str>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
) -> Option<i32> {
    let (name, what) = match (priority.filter(|p| !p.trim().is_empty()), urgency) {
        (Some(p), _) => (p, "priority"),
        (None, Some(u)) => (u, "urgency"),
        (None, None) => return None,
    };
    let level = severity_from_name(name, &options.severities);
    if level.is_none() {
        notes.push(
            record.note(format_args!(
                "{what} `{name}` maps to no severity; add it to this source's `severities`"
            )),
        );
    }
    level
}

// ---------------------------------------------------------------------------------------------
// Log entries

/// Timeline entries by PagerDuty incident id, from a document's `log_entries`.
fn log_entries(root: &Record<'_, '_>, rejects: &mut Vec<Reject>) -> BTreeMap<String, Vec<TimelineEvent>> {
    let mut by_incident: BTreeMap<String, Vec<TimelineEvent>> = BTreeMap::new();
    let items = match root.array("log_entries") {
        Ok(items) => items,
        Err(reject) => {
            rejects.push(reject);
            return by_incident;
        }
    };
    for (index, value) in items.iter().enumerate() {
        let entry = root.item("log_entries", index, value);
        match log_entry(&entry) {
            Ok((incident, event)) => by_incident.entry(incident).or_default().push(event),
            Err(reject) => rejects.push(reject),
        }
    }
    by_incident
}

fn log_entry(entry: &Record<'_, '_>) -> Result<(String, TimelineEvent), Reject> {
    entry.expect_object("a PagerDuty log entry")?;
    let incident = entry.req_id("incident.id")?;
    let at = entry.req_time("created_at", entry.ctx.zone)?;
    let kind = entry.req_str("type")?;
    let kind = kind.strip_suffix("_reference").unwrap_or(kind);
    let kind = kind.strip_suffix("_log_entry").unwrap_or(kind).to_string();
    let text = entry.opt_str("summary")?.unwrap_or("");
    Ok((incident, TimelineEvent { at, kind, text: fields::text(text) }))
}

/// Replace the record-built timeline of each incident that has log entries with them, and
/// note the entries whose incident is not among the records.
fn attach(
    parsed: &mut Parsed<Incident>,
    mut entries: BTreeMap<String, Vec<TimelineEvent>>,
    from: &Record<'_, '_>,
) {
    for incident in &mut parsed.records {
        let Some(raw) = incident.id.strip_prefix("pagerduty:") else { continue };
        if let Some(events) = entries.remove(raw) {
            if incident.resolved_at.is_none() {
                incident.resolved_at = events.iter().filter(|e| e.kind == "resolve").map(|e| e.at).min();
            }
            incident.timeline = events;
            incident.timeline.sort_by_key(|e| e.at);
        }
    }
    if !entries.is_empty() {
        let count: usize = entries.values().map(Vec::len).sum();
        let ids: Vec<&str> = entries.keys().map(String::as_str).collect();
        parsed.notes.push(from.note(format_args!(
            "{count} log entr{} of incident(s) {} not in the incidents read; they were not used",
            if count == 1 { "y is" } else { "ies are" },
            ids.join(", ")
        )));
    }
}

pub(crate) fn attach_companion(
    parsed: &mut Parsed<Incident>,
    companion: Option<CompanionFile<'_>>,
    ctx: &Context<'_>,
) {
    let Some(companion) = companion else { return };
    let ctx = Context { file: companion.path, zone: ctx.zone, services: ctx.services };
    let root = match fields::parse_json(companion.text, &ctx) {
        Ok(root) => root,
        Err(reject) => {
            parsed.rejects.push(reject);
            return;
        }
    };
    let record = Record::new(&root, "$", &ctx);
    if root.get("log_entries").is_none() {
        parsed.rejects.push(record.reject_record(format!(
            "expected PagerDuty log entries (`log_entries`), found {}",
            describe_root(&root)
        )));
        return;
    }
    let entries = log_entries(&record, &mut parsed.rejects);
    attach(parsed, entries, &record);
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/// One V3 event, read.
struct V3Event<'v, 'c> {
    record: Record<'v, 'c>,
    kind: String,
    at: DateTime<Utc>,
    data: Record<'v, 'c>,
    /// Whether `data` is the incident itself (not a note or a responder about it).
    is_incident: bool,
}

fn webhooks(
    docs: &[(String, Value)],
    ctx: &Context<'_>,
    options: &IncidentOptions,
    parsed: &mut Parsed<Incident>,
) {
    let mut v2: Vec<(String, Incident)> = Vec::new();
    let mut v3: Vec<(String, Vec<V3Event<'_, '_>>)> = Vec::new();
    let mut payloads = Vec::new();
    for (path, doc) in docs {
        match doc {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    payloads.push(Record::new(item, format!("{path}[{i}]"), ctx));
                }
            }
            _ => payloads.push(Record::new(doc, path.clone(), ctx)),
        }
    }
    for payload in payloads {
        if payload.get("messages").is_some() {
            let messages = match payload.array("messages") {
                Ok(m) => m,
                Err(reject) => {
                    parsed.rejects.push(reject);
                    continue;
                }
            };
            for (index, value) in messages.iter().enumerate() {
                let message = payload.item("messages", index, value);
                match v2_message(&message, options, &mut parsed.notes, &mut parsed.rejects) {
                    Ok(incident) => {
                        let raw = incident.id.clone();
                        match v2.iter_mut().find(|(id, _)| *id == raw) {
                            Some((_, into)) => fields::merge(into, incident),
                            None => v2.push((raw, incident)),
                        }
                    }
                    Err(reject) => parsed.rejects.push(reject),
                }
            }
        } else {
            match v3_event(&payload) {
                Ok((id, event)) => match v3.iter_mut().find(|(i, _)| *i == id) {
                    Some((_, events)) => events.push(event),
                    None => v3.push((id, vec![event])),
                },
                Err(reject) => parsed.rejects.push(reject),
            }
        }
    }
    for (_, incident) in v2 {
        parsed.records.push(fields::finish(incident));
    }
    for (id, events) in v3 {
        match v3_incident(&id, events, options, &mut parsed.notes) {
            Ok(incident) => parsed.records.push(incident),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
}

fn v2_message(
    message: &Record<'_, '_>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
    rejects: &mut Vec<Reject>,
) -> Result<Incident, Reject> {
    message.expect_object("a V2 webhook message")?;
    let record = message
        .child("incident")
        .ok_or_else(|| message.reject("incident", "missing; expected the incident (a JSON object)"))?;
    let mut incident = rest_incident(&record, options, notes)?;
    let entries = log_entries(message, rejects);
    let events: Vec<TimelineEvent> = entries.into_values().flatten().collect();
    if !events.is_empty() {
        if incident.resolved_at.is_none() {
            incident.resolved_at = events.iter().filter(|e| e.kind == "resolve").map(|e| e.at).min();
        }
        incident.timeline = events;
    }
    Ok(incident)
}

fn v3_event<'v, 'c>(payload: &Record<'v, 'c>) -> Result<(String, V3Event<'v, 'c>), Reject> {
    payload.expect_object("a PagerDuty webhook")?;
    let record = payload.child("event").ok_or_else(|| {
        payload.reject_record(format!(
            "expected a V3 webhook (`event`) or a V2 webhook (`messages`), found {}",
            describe_root(payload.value)
        ))
    })?;
    let kind = record.req_str("event_type")?.to_string();
    let at = record.req_time("occurred_at", record.ctx.zone)?;
    let data = record.child("data").ok_or_else(|| record.reject("data", "missing; expected an object"))?;
    let is_incident =
        record.opt_str("resource_type")? == Some("incident") || data.opt_str("type")? == Some("incident");
    let id = if is_incident { data.opt_id("id")? } else { data.opt_id("incident.id")? };
    let id = id.ok_or_else(|| {
        record.reject(
            "data.id",
            "missing; expected the incident's id (`data.id`, or `data.incident.id` for a note)",
        )
    })?;
    Ok((id, V3Event { record, kind, at, data, is_incident }))
}

fn v3_incident(
    id: &str,
    mut events: Vec<V3Event<'_, '_>>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    events.sort_by_key(|e| e.at);
    let first = &events[0].record;
    let Some(latest) = events.iter().rev().find(|e| e.is_incident) else {
        return Err(first.reject_record(format!(
            "only `{}` events for incident `{id}`; expected at least one event whose data is the incident",
            events[0].kind
        )));
    };
    let zone = first.ctx.zone;
    let data = &latest.data;
    let title = data.req_str("title")?;

    let mut created = None;
    for event in events.iter().filter(|e| e.is_incident) {
        if let Some(at) = event.data.opt_time("created_at", zone)? {
            created = Some(at);
            break;
        }
    }
    let triggered = events.iter().find(|e| e.kind == "incident.triggered").map(|e| e.at);
    let Some(started_at) = created.or(triggered) else {
        return Err(latest.record.reject(
            "data.created_at",
            format!(
                "missing, and no `incident.triggered` event for incident `{id}` is in this file; expected the incident's creation time (collect its triggered webhook too, or read the REST export)"
            ),
        ));
    };

    let mut resolved_at = None;
    let mut timeline = Vec::new();
    for event in &events {
        let action = event.kind.strip_prefix("incident.").unwrap_or(&event.kind);
        match action {
            "resolved" => resolved_at = Some(event.at),
            "triggered" | "reopened" | "acknowledged" | "unacknowledged" => resolved_at = None,
            _ => {}
        }
        let text = match (action, event.data.opt_str("content")?, event.record.opt_str("agent.summary")?) {
            ("annotated", Some(content), _) => fields::text(content),
            (_, _, Some(agent)) => format!("{} by {agent}", action.replace('_', " ")),
            _ => action.replace('_', " "),
        };
        timeline.push(TimelineEvent { at: event.at, kind: action.to_string(), text });
    }
    latest.record.check_not_before("occurred_at", resolved_at, "created_at", started_at)?;

    let priority = match data.get("priority") {
        Some(Value::Object(_)) => data.opt_str("priority.summary")?.or(data.opt_str("priority.name")?),
        _ => None,
    };
    let severity = severity_of(data, priority, data.opt_str("urgency")?, options, notes);
    let mut services = Vec::new();
    match data.opt_str("service.summary")? {
        Some(name) => fields::map_services(data, [name], "PagerDuty service", &mut services, notes),
        None => notes.push(fields::no_services_note(data, id, "")),
    }

    Ok(fields::finish(Incident {
        id: format!("{FORMAT}:{id}"),
        title: title.to_string(),
        severity,
        services,
        started_at,
        detected_at: Some(started_at),
        mitigated_at: None,
        resolved_at,
        customers_affected: None,
        timeline,
        source: FORMAT.to_string(),
        origin: first.origin(),
    }))
}

// ---------------------------------------------------------------------------------------------
// Analytics

fn analytics(root: &Record<'_, '_>, options: &IncidentOptions, parsed: &mut Parsed<Incident>) {
    let mut zone = root.ctx.zone;
    let rows: Vec<Record<'_, '_>> = match root.value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| Record::new(v, format!("{}[{i}]", root.path), &root.ctx))
            .collect(),
        _ => {
            match root.opt_str("time_zone") {
                Ok(Some(name)) => match Zone::parse(name) {
                    Some(z) => zone = Some(z),
                    None => {
                        parsed.rejects.push(root.reject(
                            "time_zone",
                            format!("{name:?} is not a zone; expected UTC, an offset such as +02:00, or an IANA name"),
                        ));
                        return;
                    }
                },
                Ok(None) => {}
                Err(reject) => {
                    parsed.rejects.push(reject);
                    return;
                }
            }
            match root.array("data") {
                Ok(items) => items.iter().enumerate().map(|(i, v)| root.item("data", i, v)).collect(),
                Err(reject) => {
                    parsed.rejects.push(reject);
                    return;
                }
            }
        }
    };
    for row in rows {
        match analytics_row(&row, zone, options, &mut parsed.notes) {
            Ok(incident) => parsed.records.push(incident),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
}

/// One analytics raw incident (a JSON row, or a CSV row made into one with string values).
fn analytics_row(
    row: &Record<'_, '_>,
    zone: Option<Zone>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    row.expect_object("a PagerDuty analytics incident")?;
    let id = row.req_id("id")?;
    let title = row.req_str("description")?;
    let started_at = row.req_time("created_at", zone)?;
    let resolved_at = row.opt_time("resolved_at", zone)?;
    row.check_not_before("resolved_at", resolved_at, "created_at", started_at)?;
    let severity = severity_of(row, row.opt_str("priority_name")?, row.opt_str("urgency")?, options, notes);

    let mut services = Vec::new();
    match row.opt_str("service_name")? {
        Some(name) => fields::map_services(row, [name], "PagerDuty service", &mut services, notes),
        None => notes.push(fields::no_services_note(row, &id, "")),
    }

    let mut timeline =
        vec![TimelineEvent { at: started_at, kind: "trigger".into(), text: "Triggered".into() }];
    if let Some(seconds) = seconds(row, "seconds_to_first_ack")? {
        timeline.push(TimelineEvent {
            at: started_at + Duration::seconds(seconds),
            kind: "acknowledge".into(),
            text: "First acknowledged".into(),
        });
    }
    if let Some(at) = resolved_at {
        let text = match row.opt_str("resolved_by_user_name")? {
            Some(who) => format!("Resolved by {who}"),
            None => "Resolved".to_string(),
        };
        timeline.push(TimelineEvent { at, kind: "resolve".into(), text });
    }

    Ok(fields::finish(Incident {
        id: format!("{FORMAT}:{id}"),
        title: title.to_string(),
        severity,
        services,
        started_at,
        detected_at: Some(started_at),
        mitigated_at: None,
        resolved_at,
        customers_affected: None,
        timeline,
        source: FORMAT.to_string(),
        origin: row.origin(),
    }))
}

/// A whole number of seconds written as a JSON integer or a digit string.
fn seconds(row: &Record<'_, '_>, field: &str) -> Result<Option<i64>, Reject> {
    let value = match row.get(field) {
        None => return Ok(None),
        Some(v) => v,
    };
    let n = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (0..=100 * 366 * 86_400).contains(&n) => Ok(Some(n)),
        _ => Err(row
            .reject(field, format!("expected a whole number of seconds, found {}", fields::describe(value)))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::fields::testing::{at, ctx, fixture, resolver};
    use super::*;

    /// One endpoint's response out of the vendor examples file, as its own JSON text.
    fn endpoint(name: &str) -> String {
        let all: Value =
            serde_json::from_str(&fixture("pagerduty/rest-v2-examples.json")).expect("fixture is JSON");
        serde_json::to_string_pretty(&all[name]).expect("serialisable")
    }

    fn options() -> IncidentOptions {
        IncidentOptions::default()
    }

    #[test]
    fn rest_list_without_log_entries_builds_the_timeline_from_the_record() {
        let services = resolver();
        let parsed = parse(&endpoint("GET /incidents"), None, &ctx("pd.json", &services, None), &options());
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.notes, Vec::<String>::new());
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "pagerduty:PT4KHLK");
        assert_eq!(incident.title, "The server is on fire.");
        assert_eq!(incident.severity, Some(2));
        assert_eq!(incident.services, ["mail"]);
        assert_eq!(incident.started_at, at("2015-10-06T21:30:42Z"));
        assert_eq!(incident.detected_at, Some(at("2015-10-06T21:30:42Z")));
        assert_eq!(incident.mitigated_at, None);
        assert_eq!(incident.resolved_at, Some(at("2015-10-06T21:38:23Z")));
        assert_eq!(
            incident.timeline,
            [
                TimelineEvent {
                    at: at("2015-10-06T21:30:42Z"),
                    kind: "trigger".into(),
                    text: "Triggered through the API".into()
                },
                TimelineEvent {
                    at: at("2015-10-06T21:38:23Z"),
                    kind: "resolve".into(),
                    text: "Resolved by Earline Greenholt".into()
                },
            ]
        );
        assert_eq!(incident.origin, "pd.json:$.incidents[0]");
        assert_eq!(incident.source, "pagerduty");
    }

    #[test]
    fn rest_single_incident_with_log_entries_from_a_second_file() {
        let services = resolver();
        let entries = endpoint("GET /incidents/{id}/log_entries");
        let companion = CompanionFile { path: Path::new("log.json"), text: &entries };
        let parsed = parse_rest(
            &endpoint("GET /incidents/{id}"),
            Some(companion),
            &ctx("one.json", &services, None),
            &options(),
        );
        assert_eq!(parsed.rejects, vec![]);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "pagerduty:PT4KHLK");
        assert_eq!(incident.severity, Some(2));
        assert_eq!(incident.services, ["mail"]);
        assert_eq!(incident.started_at, at("2015-10-06T21:30:42Z"));
        assert_eq!(incident.resolved_at, None);
        assert_eq!(incident.origin, "one.json:$.incident");
        assert_eq!(
            incident.timeline,
            [TimelineEvent {
                at: at("2015-11-07T00:14:20Z"),
                kind: "trigger".into(),
                text: "Triggered through the API".into()
            }]
        );
    }

    #[test]
    fn rest_single_incident_alone_lists_its_acknowledgement() {
        let services = resolver();
        let parsed =
            parse(&endpoint("GET /incidents/{id}"), None, &ctx("one.json", &services, None), &options());
        let incident = &parsed.records[0];
        assert_eq!(incident.timeline.len(), 2);
        assert_eq!(incident.timeline[1].at, at("2015-11-10T00:32:52Z"));
        assert_eq!(incident.timeline[1].text, "Acknowledged by Earline Greenholt");
    }

    #[test]
    fn log_entries_in_the_same_file_are_used_and_strays_are_noted() {
        let text = r#"{"incidents": [{"id": "PA", "title": "A", "created_at": "2024-01-01T00:00:00Z",
                "status": "resolved", "service": {"summary": "checkout"}, "urgency": "low"}],
            "log_entries": [
                {"type": "resolve_log_entry", "summary": "Resolved by X", "created_at": "2024-01-01T01:00:00Z", "incident": {"id": "PA"}},
                {"type": "trigger_log_entry", "summary": "Triggered", "created_at": "2024-01-01T00:00:00Z", "incident": {"id": "PA"}},
                {"type": "trigger_log_entry", "summary": "Other", "created_at": "2024-01-01T00:00:00Z", "incident": {"id": "PB"}},
                {"type": "trigger_log_entry", "created_at": "2024-01-01T00:00:00Z"}]}"#;
        let services = resolver();
        let parsed = parse(text, None, &ctx("same.json", &services, None), &options());
        let incident = &parsed.records[0];
        assert_eq!(incident.severity, Some(4));
        assert_eq!(incident.services, ["checkout"]);
        assert_eq!(incident.resolved_at, Some(at("2024-01-01T01:00:00Z")));
        assert_eq!(
            incident.timeline.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["trigger", "resolve"]
        );
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["same.json: $.log_entries[3]: field `incident.id`: missing; expected an id (a string or an integer)"]
        );
        assert_eq!(
            parsed.notes,
            ["same.json: $: 1 log entry is of incident(s) PB not in the incidents read; they were not used"]
        );
    }

    #[test]
    fn analytics_rows_need_a_zone_which_the_response_gives() {
        let services = resolver();
        let parsed = parse(
            &endpoint("POST /analytics/raw/incidents"),
            None,
            &ctx("a.json", &services, None),
            &options(),
        );
        assert_eq!(parsed.records.len(), 1);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "pagerduty:PYC0H08");
        assert_eq!(incident.title, "The server is on fire!");
        assert_eq!(incident.severity, Some(4));
        assert_eq!(incident.services, ["engineering"]);
        assert_eq!(incident.started_at, at("2023-05-31T10:05:00Z"));
        assert_eq!(incident.detected_at, Some(at("2023-05-31T10:05:00Z")));
        assert_eq!(incident.mitigated_at, None);
        assert_eq!(incident.resolved_at, Some(at("2023-05-31T10:15:00Z")));
        assert_eq!(incident.timeline.len(), 3);
        assert_eq!(incident.timeline[1].at, at("2023-05-31T10:05:05Z"));
        assert_eq!(incident.timeline[2].text, "Resolved by John Smith");
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["a.json: $.data[1]: field `resolved_at`: 2023-05-30T10:00:05Z is before `created_at` (2023-05-31T10:00:00Z); expected a time at or after it"]
        );
    }

    #[test]
    fn analytics_rows_without_the_envelope_use_the_configured_zone_or_fail() {
        let all: Value = serde_json::from_str(&endpoint("POST /analytics/raw/incidents")).expect("JSON");
        let rows = serde_json::to_string(&all["data"]).expect("serialisable");
        let services = resolver();
        let parsed = parse_analytics(&rows, &ctx("rows.json", &services, None), &options());
        assert_eq!(parsed.records, vec![]);
        assert_eq!(
            parsed.rejects[0].to_string(),
            "rows.json: $[0]: field `created_at`: expected a timestamp: \"2023-05-31T10:05:00\" has no time zone; set `time_zone` for this source in faultline.toml (for example \"UTC\" or \"Europe/Berlin\")"
        );
        let parsed = parse_analytics(&rows, &ctx("rows.json", &services, Some("Europe/Berlin")), &options());
        assert_eq!(parsed.records[0].started_at, at("2023-05-31T08:05:00Z"));
    }

    #[test]
    fn csv_export_is_read_row_by_row_with_the_configured_zone() {
        let services = resolver();
        let text = fixture("pagerduty/incidents-export.csv");
        let parsed = parse(&text, None, &ctx("export.csv", &services, Some("UTC")), &options());
        assert_eq!(parsed.records.len(), 2);
        let first = &parsed.records[0];
        assert_eq!(first.id, "pagerduty:PYC0H08");
        assert_eq!(first.title, "The server is on fire!");
        assert_eq!(first.severity, Some(4));
        assert_eq!(first.services, ["engineering"]);
        assert_eq!(first.started_at, at("2023-05-31T10:05:00Z"));
        assert_eq!(first.resolved_at, Some(at("2023-05-31T10:15:00Z")));
        assert_eq!(first.timeline.len(), 3);
        assert_eq!(first.origin, "export.csv:line 2");
        let open = &parsed.records[1];
        assert_eq!(open.id, "pagerduty:PQ1OPEN");
        assert_eq!(open.title, "Checkout latency, EU");
        assert_eq!(open.severity, Some(1));
        assert_eq!(open.services, ["checkout"]);
        assert_eq!(open.resolved_at, None);
        assert_eq!(open.timeline.len(), 1);
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["export.csv: line 3: field `resolved_at`: 2023-05-30T10:00:05Z is before `created_at` (2023-05-31T10:00:00Z); expected a time at or after it"]
        );
        assert_eq!(parsed.notes, Vec::<String>::new());
    }

    #[test]
    fn csv_without_a_needed_column_or_with_a_short_row_is_rejected() {
        let services = resolver();
        let c = ctx("e.csv", &services, Some("UTC"));
        let parsed = parse_csv("id,incident_number,description\nP1,1,x\n".as_bytes(), &c, &options());
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["e.csv: line 1: field `created_at`: missing column; expected a column `created_at` (or `created_on`) in the header"]
        );
        let parsed = parse_csv(
            "Incident ID,Title,Created On\nP1,x,2024-01-01 10:00:00\nP2,y\n".as_bytes(),
            &c,
            &options(),
        );
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].started_at, at("2024-01-01T10:00:00Z"));
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["e.csv: line 3: not a usable CSV row (CSV error: record 2 (line: 3, byte: 54): found record with 2 fields, but the previous record has 3 fields)"]
        );
    }

    #[test]
    fn v2_webhook_uses_the_message_log_entries_and_the_sev_priority() {
        let services = resolver();
        let text = fixture("pagerduty/webhook-v2-incident-trigger.json");
        let parsed = parse(&text, None, &ctx("v2.json", &services, None), &options());
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.records.len(), 1);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "pagerduty:PXUDI1N");
        assert_eq!(incident.title, "Testing123");
        assert_eq!(incident.severity, Some(2));
        assert_eq!(incident.services, ["test-service"]);
        assert_eq!(incident.started_at, at("2021-07-13T17:11:25Z"));
        assert_eq!(incident.resolved_at, None);
        assert_eq!(
            incident.timeline,
            [TimelineEvent {
                at: at("2021-07-13T17:11:25Z"),
                kind: "trigger".into(),
                text: "Triggered through the website".into()
            }]
        );
        assert_eq!(incident.origin, "v2.json:$.messages[0].incident");
    }

    #[test]
    fn v3_triggered_webhook_starts_when_it_occurred() {
        let services = resolver();
        let text = fixture("pagerduty/webhook-v3-incident-triggered.json");
        let parsed = parse(&text, None, &ctx("v3.json", &services, None), &options());
        assert_eq!(parsed.rejects, vec![]);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "pagerduty:PFQZPSY");
        assert_eq!(incident.title, "Test Incident 3");
        assert_eq!(incident.severity, Some(2));
        assert_eq!(incident.services, ["pig"]);
        assert_eq!(incident.started_at, at("2021-06-04T13:35:29.781Z"));
        assert_eq!(incident.resolved_at, None);
        assert_eq!(
            incident.timeline,
            [TimelineEvent {
                at: at("2021-06-04T13:35:29.781Z"),
                kind: "triggered".into(),
                text: "triggered by PIG 208".into()
            }]
        );
    }

    #[test]
    fn v3_resolved_webhook_alone_has_no_start_and_is_rejected() {
        let services = resolver();
        let text = fixture("pagerduty/webhook-v3-incident-resolved.json");
        let parsed = parse(&text, None, &ctx("v3r.json", &services, None), &options());
        assert_eq!(parsed.records, vec![]);
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["v3r.json: $.event: field `data.created_at`: missing, and no `incident.triggered` event for incident `PCPZE64` is in this file; expected the incident's creation time (collect its triggered webhook too, or read the REST export)"]
        );
    }

    #[test]
    fn v3_webhooks_as_json_lines_merge_into_one_incident() {
        let triggered = fixture("pagerduty/webhook-v3-incident-triggered.json");
        let resolved = fixture("pagerduty/webhook-v3-incident-resolved.json")
            .replace("PCPZE64", "PFQZPSY")
            .replace("2021-06-04T13:16:53.816Z", "2021-06-04T13:45:00Z");
        let line =
            |t: &str| serde_json::to_string(&serde_json::from_str::<Value>(t).expect("JSON")).expect("JSON");
        let text = format!("{}\n{}\n", line(&resolved), line(&triggered));
        let services = resolver();
        let parsed = parse(&text, None, &ctx("log.jsonl", &services, None), &options());
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.records.len(), 1);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "pagerduty:PFQZPSY");
        // The latest event's title wins (the resolved fixture's, here).
        assert_eq!(incident.title, "Test Incident");
        assert_eq!(incident.started_at, at("2021-06-04T13:35:29.781Z"));
        assert_eq!(incident.resolved_at, Some(at("2021-06-04T13:45:00Z")));
        assert_eq!(incident.origin, "log.jsonl:line 2: $.event");
        assert_eq!(
            incident.timeline,
            [
                TimelineEvent {
                    at: at("2021-06-04T13:35:29.781Z"),
                    kind: "triggered".into(),
                    text: "triggered by PIG 208".into()
                },
                TimelineEvent {
                    at: at("2021-06-04T13:45:00Z"),
                    kind: "resolved".into(),
                    text: "resolved by PIG 208".into()
                },
            ]
        );
    }

    #[test]
    fn malformed_rest_incident_is_rejected_with_its_field() {
        let text = endpoint("GET /incidents")
            .replace("\"created_at\": \"2015-10-06T21:30:42Z\"", "\"created_at\": \"2015-10-06T25:30:42Z\"");
        let services = resolver();
        let parsed = parse(&text, None, &ctx("bad.json", &services, None), &options());
        assert_eq!(parsed.records, vec![]);
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["bad.json: $.incidents[0]: field `created_at`: expected a timestamp: \"2015-10-06T25:30:42Z\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds"]
        );
    }

    #[test]
    fn shapes_that_are_not_pagerduty_incidents_are_rejected() {
        let services = resolver();
        let c = ctx("x.json", &services, None);
        let only_entries = parse(&endpoint("GET /log_entries"), None, &c, &options());
        assert_eq!(
            only_entries.rejects[0].to_string(),
            "x.json: $: log entries without incidents; give them as this source's `log_entries` next to the incidents file"
        );
        let other = parse(&endpoint("GET /change_events"), None, &c, &options());
        assert_eq!(
            other.rejects[0].to_string(),
            "x.json: $: expected PagerDuty incidents (`incidents` or `incident`), webhooks (`messages` or `event`) or analytics rows (`data`), found an object with keys change_events, limit, more, offset, total"
        );
    }
}
