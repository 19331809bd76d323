//! faultline's own incident format, for every tool that has no reader of its own: one record
//! per incident with `id`, `title`, `severity`, `services`, `started_at`, `detected_at`,
//! `mitigated_at`, `resolved_at`, `customers_affected` and `timeline` (`{at, kind, text}`
//! entries), as JSON Lines, one JSON array (or object), or YAML (a sequence, or one incident
//! per document). See `docs/formats.md` and `docs/schemas/incident.schema.json`.
//!
//! The format is ours, so it is read strictly: an unknown field, a key given twice, a severity
//! that is no level, or an end before the start is a reject naming the record (`line 4: $`,
//! `$[3]`, `document 2: $`), the field and what was expected — never a guess. Two things are
//! notes instead, because the incident is still worth keeping: a service name that maps to no
//! catalog service (the incident keeps the services that do map, and is kept with none when
//! none does: it still counts for the incident history, it only links to no deploy), and a
//! repeated id (merged as every incident source merges, see [`parse_jsonl`]).

use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::{self, describe, show, Record};
use super::severity_from_name;
use crate::ingest::source::{Context, Parsed};
use crate::model::{Incident, Reject, TimelineEvent};

/// The format name, also each incident's `source`.
pub const FORMAT: &str = "canonical";

/// The fields an incident may have, in the order [`to_jsonl`] writes them.
pub const FIELDS: [&str; 10] = [
    "id",
    "title",
    "severity",
    "services",
    "started_at",
    "detected_at",
    "mitigated_at",
    "resolved_at",
    "customers_affected",
    "timeline",
];

/// The fields of one timeline entry.
pub const TIMELINE_FIELDS: [&str; 3] = ["at", "kind", "text"];

/// The context a canonical incident file is read in: the file's [`Context`] and the config's
/// severity names for this source (`critical = 1`, …), tried before the built-in names of
/// [`severity_from_name`].
#[derive(Debug, Clone, Copy)]
pub struct IncidentContext<'a> {
    /// File, zone and service names.
    pub base: Context<'a>,
    /// Severity name → 1 (worst) … 5, matched ignoring case.
    pub severities: &'a BTreeMap<String, i32>,
}

/// A JSON value parsed with a key given twice as an error: serde_json keeps the last silently,
/// and in a file of ours a repeated key is a mistake whose other half would be lost.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a finite number")))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("the key `{key}` is given twice")));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// serde's message without its trailing `at line L column C`, which the position carries.
fn short_message(e: &impl fmt::Display) -> String {
    let mut message = e.to_string();
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    message
}

/// Read canonical incidents from any of the three containers, told by the content: a text
/// starting with `[` is a JSON array; one starting with `{` is one JSON document, or JSON Lines
/// when the whole is not one document but its first line is; anything else is YAML.
pub fn parse(text: &str, ctx: &IncidentContext) -> Parsed<Incident> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') {
        let whole_is_json = serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok();
        let first_line = body.lines().next().unwrap_or("");
        if !whole_is_json && serde_json::from_str::<serde::de::IgnoredAny>(first_line).is_ok() {
            return parse_jsonl(text.as_bytes(), ctx);
        }
        return parse_json(text, ctx);
    }
    if body.starts_with('[') {
        return parse_json(text, ctx);
    }
    parse_yaml(text, ctx)
}

/// Read canonical incidents from JSON Lines, one object per line (blank lines skipped),
/// streaming: one line is held at a time. Each record's position is `line N: $`.
///
/// Records that share an id are merged in file order into the first, as every incident reader
/// merges a later view of an incident: the later title, severity and customers affected win,
/// the earliest start and detection and the latest mitigation and resolution are kept, services
/// and timelines are united. A note lists the values that differed; a merge that would put an
/// end before the start rejects the later record and keeps the earlier.
pub fn parse_jsonl(mut reader: impl BufRead, ctx: &IncidentContext) -> Parsed<Incident> {
    let mut reading = Reading::new(ctx);
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => line += 1,
            Err(e) => {
                reading.reject_at(format!("line {}", line + 1), format!("could not be read: {e}"));
                break;
            }
        }
        let bytes = if line == 1 { buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf) } else { &buf[..] };
        let Ok(text) = std::str::from_utf8(bytes) else {
            reading.reject_at(format!("line {line}"), "not valid UTF-8".into());
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Strict>(text) {
            Ok(Strict(value)) => reading.take(&value, format!("line {line}: $")),
            Err(e) => reading.reject_at(
                format!("line {line}"),
                format!("not valid JSON ({}); expected one incident object per line", short_message(&e)),
            ),
        }
    }
    reading.finish()
}

/// Read canonical incidents from one JSON document: an array of incidents (positions `$[i]`)
/// or a single incident object (position `$`). Checked and merged as [`parse_jsonl`] does.
pub fn parse_json(text: &str, ctx: &IncidentContext) -> Parsed<Incident> {
    let mut reading = Reading::new(ctx);
    match serde_json::from_str::<Strict>(text.trim_start_matches('\u{feff}')) {
        Ok(Strict(root)) => reading.take_root(&root, "$"),
        Err(e) => reading.reject_at(
            format!("line {} column {}", e.line(), e.column()),
            format!(
                "not valid JSON ({}); expected an array of incidents or one incident object",
                short_message(&e)
            ),
        ),
    }
    reading.finish()
}

/// Read canonical incidents from YAML: one document holding a sequence of incidents (positions
/// `$[i]`) or one incident (`$`), or several documents (`---`), each an incident or a sequence
/// (positions `document N: $`, `document N: $[i]`). Empty documents are skipped. YAML values
/// are read as JSON ones (an unquoted `2026-06-01T10:00:00Z` is a string, as the timestamp
/// rules want); a key given twice, a tag (`!foo`) or a non-string key is a reject. A document
/// that is not valid YAML is one reject; the documents around it are still read.
pub fn parse_yaml(text: &str, ctx: &IncidentContext) -> Parsed<Incident> {
    let mut reading = Reading::new(ctx);
    let chunks = crate::ingest::source::yaml_documents(text.trim_start_matches('\u{feff}'));
    let single = chunks.len() == 1;
    for (index, (lines_before, chunk)) in chunks.into_iter().enumerate() {
        let Some(document) = serde_yaml_ng::Deserializer::from_str(chunk).next() else { continue };
        match Strict::deserialize(document) {
            Ok(Strict(value)) if value.is_null() => {}
            Ok(Strict(value)) => {
                let root = if single { "$".to_string() } else { format!("document {}: $", index + 1) };
                reading.take_root(&value, &root);
            }
            Err(e) => {
                let position = match e.location() {
                    Some(l) => {
                        format!(
                            "document {} (line {} column {})",
                            index + 1,
                            lines_before + l.line(),
                            l.column()
                        )
                    }
                    None => format!("document {}", index + 1),
                };
                let message = crate::ingest::source::shift_lines(&short_message(&e), lines_before);
                reading.reject_at(position, format!("not valid YAML for an incident ({message})"));
            }
        }
    }
    reading.finish()
}

/// The reader's running state: results, and where each id was first seen.
struct Reading<'c, 'a> {
    ctx: &'c IncidentContext<'a>,
    parsed: Parsed<Incident>,
    /// Id → (index in `records`, position of the record).
    seen: BTreeMap<String, (usize, String)>,
}

impl<'c, 'a> Reading<'c, 'a> {
    fn new(ctx: &'c IncidentContext<'a>) -> Self {
        Reading { ctx, parsed: Parsed::default(), seen: BTreeMap::new() }
    }

    fn reject_at(&mut self, position: String, message: String) {
        self.parsed.rejects.push(self.ctx.base.reject(position, None, message));
    }

    /// A document root: an array of incidents or one incident.
    fn take_root(&mut self, root: &Value, path: &str) {
        match root {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.take(item, format!("{path}[{i}]"));
                }
            }
            other => self.take(other, path.to_string()),
        }
    }

    fn take(&mut self, value: &Value, path: String) {
        let record = Record::new(value, path, &self.ctx.base);
        let incident = match read_incident(&record, self.ctx, &mut self.parsed.notes) {
            Ok(incident) => incident,
            Err(reject) => {
                self.parsed.rejects.push(reject);
                return;
            }
        };
        let Some((index, there)) = self.seen.get(&incident.id).cloned() else {
            self.seen.insert(incident.id.clone(), (self.parsed.records.len(), record.path.clone()));
            self.parsed.records.push(incident);
            return;
        };
        let earlier = &self.parsed.records[index];
        let differences = differences(earlier, &incident);
        let mut merged = earlier.clone();
        let id = incident.id.clone();
        fields::merge(&mut merged, incident);
        let merged = fields::finish(merged);
        match check_order(&record, &merged) {
            Ok(()) => {
                self.parsed.notes.push(if differences.is_empty() {
                    record.note(format_args!("incident `{id}` repeats {there}; kept once"))
                } else {
                    record.note(format_args!(
                        "incident `{id}` repeats {there} with different values ({}); merged: the later title, severity and customers_affected, the earliest start and detection, the latest mitigation and resolution, services and timeline united",
                        differences.join("; ")
                    ))
                });
                self.parsed.records[index] = merged;
            }
            Err(mut reject) => {
                reject.message = format!("repeats incident `{id}` of {there}; merged, {}", reject.message);
                self.parsed.rejects.push(reject);
            }
        }
    }

    fn finish(self) -> Parsed<Incident> {
        self.parsed
    }
}

/// The values two records of one incident disagree on, for the merge note.
pub(crate) fn differences(a: &Incident, b: &Incident) -> Vec<String> {
    let mut out = Vec::new();
    if a.title != b.title {
        out.push(format!("title {:?} / {:?}", a.title, b.title));
    }
    let times = [
        ("started_at", Some(a.started_at), Some(b.started_at)),
        ("detected_at", a.detected_at, b.detected_at),
        ("mitigated_at", a.mitigated_at, b.mitigated_at),
        ("resolved_at", a.resolved_at, b.resolved_at),
    ];
    if let (Some(x), Some(y)) = (a.severity, b.severity) {
        if x != y {
            out.push(format!("severity {x} / {y}"));
        }
    }
    for (name, x, y) in times {
        if let (Some(x), Some(y)) = (x, y) {
            if x != y {
                out.push(format!("{name} {} / {}", show(x), show(y)));
            }
        }
    }
    if let (Some(x), Some(y)) = (a.customers_affected, b.customers_affected) {
        if x != y {
            out.push(format!("customers_affected {x} / {y}"));
        }
    }
    if a.services != b.services && !a.services.is_empty() && !b.services.is_empty() {
        out.push(format!("services {} / {}", a.services.join(", "), b.services.join(", ")));
    }
    out
}

const UNKNOWN_FIELD: &str = "unknown field; expected one of id, title, severity, services, started_at, detected_at, mitigated_at, resolved_at, customers_affected, timeline";

/// The first key of `record` that is not one of `known`, as a reject.
fn check_fields(record: &Record<'_, '_>, known: &[&str], message: &str) -> Result<(), Reject> {
    if let Value::Object(map) = record.value {
        if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(record.reject(key, message));
        }
    }
    Ok(())
}

/// One incident from its JSON object, or the reject that says what is wrong with it.
fn read_incident(
    record: &Record<'_, '_>,
    ctx: &IncidentContext<'_>,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    record.expect_object("an incident")?;
    check_fields(record, &FIELDS, UNKNOWN_FIELD)?;
    let zone = ctx.base.zone;
    let id = record.req_id("id")?;
    let title = record.req_str("title")?;
    if title.trim().is_empty() {
        return Err(record.reject("title", "empty; expected the incident's title"));
    }
    let severity = severity(record, ctx.severities)?;

    let mut names = Vec::new();
    for (index, value) in record.array("services")?.iter().enumerate() {
        match value {
            Value::String(name) if !name.trim().is_empty() => names.push(name.as_str()),
            other => {
                return Err(record.reject(
                    &format!("services[{index}]"),
                    format!("expected a service name, found {}", describe(other)),
                ))
            }
        }
    }
    let mut services = Vec::new();
    let before = notes.len();
    fields::map_services(record, names.iter().copied(), "service", &mut services, notes);
    if services.is_empty() && notes.len() > before {
        notes.push(fields::no_services_note(
            record,
            &id,
            ": none of its `services` maps to a catalog service; the incident is kept without one",
        ));
    }

    let started_at = record.req_time("started_at", zone)?;
    let detected_at = record.opt_time("detected_at", zone)?;
    let mitigated_at = record.opt_time("mitigated_at", zone)?;
    let resolved_at = record.opt_time("resolved_at", zone)?;

    let customers_affected = match record.get("customers_affected") {
        None => None,
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n >= 0) => n.as_i64(),
        Some(other) => {
            return Err(record.reject(
                "customers_affected",
                format!("expected a whole number of customers (0 or more), found {}", describe(other)),
            ))
        }
    };

    let mut timeline = Vec::new();
    for (index, value) in record.array("timeline")?.iter().enumerate() {
        let entry = record.item("timeline", index, value);
        entry.expect_object("a timeline entry")?;
        check_fields(&entry, &TIMELINE_FIELDS, "unknown field; expected one of at, kind, text")?;
        let at = entry.req_time("at", zone)?;
        let kind = entry.req_str("kind")?.trim().to_lowercase();
        if kind.is_empty() {
            return Err(entry.reject("kind", "empty; expected a kind such as update, status, note or alert"));
        }
        let text = entry.req_str("text")?.to_string();
        timeline.push(TimelineEvent { at, kind, text });
    }

    let incident = fields::finish(Incident {
        id,
        title: title.to_string(),
        severity,
        services,
        started_at,
        detected_at,
        mitigated_at,
        resolved_at,
        customers_affected,
        timeline,
        source: FORMAT.to_string(),
        origin: record.origin(),
    });
    check_order(record, &incident)?;
    Ok(incident)
}

/// Nothing ends before it starts: detection, mitigation and resolution not before the start,
/// resolution not before mitigation.
fn check_order(record: &Record<'_, '_>, incident: &Incident) -> Result<(), Reject> {
    record.check_not_before("detected_at", incident.detected_at, "started_at", incident.started_at)?;
    record.check_not_before("mitigated_at", incident.mitigated_at, "started_at", incident.started_at)?;
    record.check_not_before("resolved_at", incident.resolved_at, "started_at", incident.started_at)?;
    if let Some(mitigated) = incident.mitigated_at {
        record.check_not_before("resolved_at", incident.resolved_at, "mitigated_at", mitigated)?;
    }
    Ok(())
}

/// `severity`: `SEV1`…`SEV5`, `1`…`5`, or a name from the config or [`severity_from_name`]'s
/// scale. An unknown name is a reject here, unlike in the vendor readers: in our own format a
/// severity that is no level is a typo.
fn severity(record: &Record<'_, '_>, severities: &BTreeMap<String, i32>) -> Result<Option<i32>, Reject> {
    let (written, level) = match record.get("severity") {
        None => return Ok(None),
        Some(Value::String(s)) => (format!("{s:?}"), severity_from_name(s, severities)),
        Some(Value::Number(n)) => {
            (n.to_string(), n.as_i64().filter(|n| (1..=5).contains(n)).map(|n| n as i32))
        }
        Some(other) => (describe(other), None),
    };
    level.map(Some).ok_or_else(|| {
        let configured = if severities.is_empty() {
            String::new()
        } else {
            format!(" or one of the configured names ({})", severities.keys().cloned().collect::<Vec<_>>().join(", "))
        };
        record.reject(
            "severity",
            format!("{written} is not a severity; expected SEV1…SEV5, 1…5, a name such as critical or minor{configured}"),
        )
    })
}

/// One incident as the format writes it.
#[derive(Serialize)]
struct Out<'a> {
    id: &'a str,
    title: &'a str,
    severity: Option<String>,
    services: &'a [String],
    started_at: String,
    detected_at: Option<String>,
    mitigated_at: Option<String>,
    resolved_at: Option<String>,
    customers_affected: Option<i64>,
    timeline: Vec<OutEvent<'a>>,
}

#[derive(Serialize)]
struct OutEvent<'a> {
    at: String,
    kind: &'a str,
    text: &'a str,
}

fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Write incidents as canonical JSON Lines: every field on every line (absent values as
/// `null`), severity as `SEV1`…`SEV5`, times in RFC 3339 UTC at the precision they carry.
/// `source` and `origin` are not part of the format. What [`parse_jsonl`] reads back equals
/// the input when the input keeps the format's rules (services sorted, timeline oldest first).
pub fn to_jsonl(incidents: &[Incident]) -> String {
    let mut out = String::new();
    for incident in incidents {
        let record = Out {
            id: &incident.id,
            title: &incident.title,
            severity: incident.severity.map(|s| format!("SEV{s}")),
            services: &incident.services,
            started_at: rfc3339(&incident.started_at),
            detected_at: incident.detected_at.as_ref().map(rfc3339),
            mitigated_at: incident.mitigated_at.as_ref().map(rfc3339),
            resolved_at: incident.resolved_at.as_ref().map(rfc3339),
            customers_affected: incident.customers_affected,
            timeline: incident
                .timeline
                .iter()
                .map(|e| OutEvent { at: rfc3339(&e.at), kind: &e.kind, text: &e.text })
                .collect(),
        };
        out.push_str(
            &serde_json::to_string(&record).expect("a record of strings and numbers always serializes"),
        );
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::incidents::fields::testing::at;
    use crate::ingest::source::ServiceResolver;
    use crate::model::Service;
    use std::path::Path;

    const JSONL: &str = include_str!("../../../tests/fixtures/canonical/incidents.jsonl");
    const JSON: &str = include_str!("../../../tests/fixtures/canonical/incidents.json");
    const YAML: &str = include_str!("../../../tests/fixtures/canonical/incidents.yaml");

    fn catalog() -> ServiceResolver {
        let service = |name: &str, aliases: &[&str]| Service {
            name: name.into(),
            kind: "component".into(),
            system: None,
            owner: None,
            tier: None,
            lifecycle: None,
            repo: None,
            path: None,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        };
        ServiceResolver::new(
            &[service("checkout", &["Checkout API"]), service("payments", &[]), service("search", &[])],
            &BTreeMap::new(),
        )
    }

    fn severities() -> BTreeMap<String, i32> {
        [("Disaster".to_string(), 1), ("Degraded".to_string(), 3)].into()
    }

    fn ctx<'a>(
        file: &'a str,
        services: &'a ServiceResolver,
        severities: &'a BTreeMap<String, i32>,
    ) -> IncidentContext<'a> {
        IncidentContext { base: Context { file: Path::new(file), zone: None, services }, severities }
    }

    fn messages(parsed: &Parsed<Incident>) -> Vec<String> {
        parsed.rejects.iter().map(|r| r.to_string()).collect()
    }

    fn event(at_: &str, kind: &str, text: &str) -> TimelineEvent {
        TimelineEvent { at: at(at_), kind: kind.into(), text: text.into() }
    }

    /// The sample's two incidents; `origins` are the positions each container gives them.
    fn expected(file: &str, origins: [&str; 2]) -> Vec<Incident> {
        vec![
            Incident {
                id: "INC-2026-031".into(),
                title: "Checkout errors after release 2026.03.2".into(),
                severity: Some(1),
                services: vec!["checkout".into(), "payments".into()],
                started_at: at("2026-03-02T09:22:00Z"),
                detected_at: Some(at("2026-03-02T09:27:30Z")),
                mitigated_at: Some(at("2026-03-02T10:03:12Z")),
                resolved_at: Some(at("2026-03-02T11:30:00Z")),
                customers_affected: Some(1840),
                timeline: vec![
                    event("2026-03-02T09:27:30Z", "alert", "checkout 5xx rate above 5% for 5 minutes"),
                    event("2026-03-02T09:31:00Z", "status", "investigating"),
                    event("2026-03-02T09:31:00Z", "note", "Suspect dep-1001 (shop 3f9c2a7)"),
                    event("2026-03-02T10:00:00Z", "update", "Rolling back checkout to the previous release"),
                    event("2026-03-02T10:03:12.5Z", "status", "mitigated"),
                ],
                source: "canonical".into(),
                origin: format!("{file}:{}", origins[0]),
            },
            Incident {
                id: "INC-2026-032".into(),
                title: "Slow search results".into(),
                severity: Some(3),
                services: vec!["search".into()],
                started_at: at("2026-03-03T07:55:00Z"),
                detected_at: None,
                mitigated_at: None,
                resolved_at: Some(at("2026-03-03T09:00:00Z")),
                customers_affected: None,
                timeline: vec![],
                source: "canonical".into(),
                origin: format!("{file}:{}", origins[1]),
            },
        ]
    }

    const SAMPLE_NOTES: usize = 1;

    fn check_sample(parsed: &Parsed<Incident>, file: &str, origins: [&str; 2]) {
        assert_eq!(messages(parsed), Vec::<String>::new());
        assert_eq!(parsed.records, expected(file, origins));
        assert_eq!(parsed.notes.len(), SAMPLE_NOTES, "{:?}", parsed.notes);
        assert_eq!(
            parsed.notes[0],
            format!("{file}: {}: service `ledger` maps to no catalog service; add it to this source's `services` in faultline.toml or as an alias in the catalog", origins[1])
        );
    }

    #[test]
    fn jsonl_sample_reads_into_exact_records() {
        let (services, sev) = (catalog(), severities());
        let parsed = parse_jsonl(JSONL.as_bytes(), &ctx("incidents.jsonl", &services, &sev));
        check_sample(&parsed, "incidents.jsonl", ["line 1: $", "line 2: $"]);
    }

    #[test]
    fn json_array_sample_reads_into_the_same_records() {
        let (services, sev) = (catalog(), severities());
        let parsed = parse_json(JSON, &ctx("incidents.json", &services, &sev));
        check_sample(&parsed, "incidents.json", ["$[0]", "$[1]"]);
        let detected = parse(JSON, &ctx("incidents.json", &services, &sev));
        assert_eq!(detected, parsed);
    }

    #[test]
    fn yaml_sample_reads_into_the_same_records() {
        let (services, sev) = (catalog(), severities());
        let parsed = parse_yaml(YAML, &ctx("incidents.yaml", &services, &sev));
        check_sample(&parsed, "incidents.yaml", ["$[0]", "$[1]"]);
        assert_eq!(parse(YAML, &ctx("incidents.yaml", &services, &sev)), parsed);
        let parsed = parse(JSONL, &ctx("incidents.jsonl", &services, &sev));
        check_sample(&parsed, "incidents.jsonl", ["line 1: $", "line 2: $"]);
    }

    #[test]
    fn yaml_documents_are_incidents_each() {
        let (services, sev) = (catalog(), severities());
        let text = "---\nid: A\ntitle: one\nstarted_at: 2026-03-02T09:00:00Z\nservices: [Nowhere]\n---\n---\n- id: B\n  title: two\n  started_at: 1772442845\n  severity: 2\n";
        let parsed = parse_yaml(text, &ctx("i.yaml", &services, &sev));
        assert_eq!(messages(&parsed), Vec::<String>::new());
        let got: Vec<(&str, &str, Option<i32>)> =
            parsed.records.iter().map(|i| (i.id.as_str(), i.origin.as_str(), i.severity)).collect();
        assert_eq!(got, vec![("A", "i.yaml:document 1: $", None), ("B", "i.yaml:document 3: $[0]", Some(2))]);
        assert_eq!(
            parsed.notes,
            vec![
                "i.yaml: document 1: $: service `Nowhere` maps to no catalog service; add it to this source's `services` in faultline.toml or as an alias in the catalog",
                "i.yaml: document 1: $: incident `A` names no affected service: none of its `services` maps to a catalog service; the incident is kept without one",
            ]
        );
    }

    fn one(text: &str) -> Vec<String> {
        let (services, sev) = (catalog(), severities());
        messages(&parse_json(text, &ctx("i.json", &services, &sev)))
    }

    #[test]
    fn malformed_incidents_are_rejected_with_path_field_and_reason() {
        let base = r#""id":"I1","title":"Down","started_at":"2026-03-02T09:00:00Z""#;
        let cases = [
            (format!(r#"[{{{base}}}, {{{base},"sevrity":"SEV1"}}]"#), "i.json: $[1]: field `sevrity`: unknown field; expected one of id, title, severity, services, started_at, detected_at, mitigated_at, resolved_at, customers_affected, timeline"),
            (format!(r#"[{{{base},"severity":"urgentish"}}]"#), "i.json: $[0]: field `severity`: \"urgentish\" is not a severity; expected SEV1…SEV5, 1…5, a name such as critical or minor or one of the configured names (Degraded, Disaster)"),
            (format!(r#"[{{{base},"severity":7}}]"#), "i.json: $[0]: field `severity`: 7 is not a severity; expected SEV1…SEV5, 1…5, a name such as critical or minor or one of the configured names (Degraded, Disaster)"),
            (format!(r#"[{{{base},"detected_at":"2026-03-02T08:59:59Z"}}]"#), "i.json: $[0]: field `detected_at`: 2026-03-02T08:59:59Z is before `started_at` (2026-03-02T09:00:00Z); expected a time at or after it"),
            (format!(r#"[{{{base},"mitigated_at":"2026-03-02T10:00:00Z","resolved_at":"2026-03-02T09:30:00Z"}}]"#), "i.json: $[0]: field `resolved_at`: 2026-03-02T09:30:00Z is before `mitigated_at` (2026-03-02T10:00:00Z); expected a time at or after it"),
            (r#"[{"id":"I1","title":"Down"}]"#.to_string(), "i.json: $[0]: field `started_at`: missing; expected a timestamp"),
            (format!(r#"[{{{base},"timeline":[{{"at":"2026-03-02T09:01:00Z","kind":"note","text":"a"}},{{"at":"soon","kind":"note","text":"b"}}]}}]"#), "i.json: $[0].timeline[1]: field `at`: expected a timestamp: \"soon\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds"),
            (format!(r#"[{{{base},"timeline":[{{"at":"2026-03-02T09:01:00Z","kind":"note","txt":"a"}}]}}]"#), "i.json: $[0].timeline[0]: field `txt`: unknown field; expected one of at, kind, text"),
            (format!(r#"[{{{base},"services":["checkout",7]}}]"#), "i.json: $[0]: field `services[1]`: expected a service name, found the number 7"),
            (format!(r#"[{{{base},"customers_affected":-3}}]"#), "i.json: $[0]: field `customers_affected`: expected a whole number of customers (0 or more), found the number -3"),
            (r#"[{"id":"I1","title":"Down","title":"Again","started_at":"2026-03-02T09:00:00Z"}]"#.to_string(), "i.json: line 1 column 42: not valid JSON (the key `title` is given twice); expected an array of incidents or one incident object"),
            (r#"[{"id":"I1","title":"  ","started_at":"2026-03-02T09:00:00Z"}]"#.to_string(), "i.json: $[0]: field `title`: empty; expected the incident's title"),
            (r#"["INC-1"]"#.to_string(), "i.json: $[0]: expected an incident (a JSON object), found the string \"INC-1\""),
        ];
        for (text, want) in cases {
            assert_eq!(one(&text), vec![want.to_string()], "{text}");
        }
    }

    #[test]
    fn malformed_lines_and_documents_are_rejected_with_their_position() {
        let (services, sev) = (catalog(), severities());
        let context = ctx("i.jsonl", &services, &sev);
        let text = "{\"id\":\"I1\",\"title\":\"a\",\"started_at\":\"2026-03-02T09:00:00\"}\n{oops\n";
        assert_eq!(
            messages(&parse_jsonl(text.as_bytes(), &context)),
            vec![
                "i.jsonl: line 1: $: field `started_at`: expected a timestamp: \"2026-03-02T09:00:00\" has no time zone; set `time_zone` for this source in faultline.toml (for example \"UTC\" or \"Europe/Berlin\")",
                "i.jsonl: line 2: not valid JSON (key must be a string); expected one incident object per line",
            ]
        );
        let context = ctx("i.yaml", &services, &sev);
        let yaml = "- id: A\n  title: a\n  title: b\n  started_at: 2026-03-02T09:00:00Z\n";
        assert_eq!(
            messages(&parse_yaml(yaml, &context)),
            vec!["i.yaml: document 1 (line 1 column 3): not valid YAML for an incident (.[0]: the key `title` is given twice)"]
        );
        assert_eq!(
            messages(&parse_yaml("- id: [unclosed\n", &context)),
            vec!["i.yaml: document 1 (line 2 column 1): not valid YAML for an incident (did not find expected ',' or ']' at line 2 column 1, while parsing a flow sequence)"]
        );
    }

    #[test]
    fn a_broken_yaml_document_costs_only_itself() {
        let (services, sev) = (catalog(), severities());
        let context = ctx("i.yaml", &services, &sev);
        let yaml = "id: A\ntitle: a\nstarted_at: 2026-03-02T09:00:00Z\n---\nid: [B\n---\nid: C\ntitle: c\nstarted_at: 2026-03-02T10:00:00Z\n";
        let parsed = parse_yaml(yaml, &context);
        let ids: Vec<&str> = parsed.records.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, vec!["A", "C"]);
        assert_eq!(
            messages(&parsed),
            vec!["i.yaml: document 2 (line 6 column 1): not valid YAML for an incident (did not find expected ',' or ']' at line 6 column 1, while parsing a flow sequence)"]
        );
    }

    #[test]
    fn repeated_ids_merge_and_report_the_differences() {
        let (services, sev) = (catalog(), severities());
        let text = [
            r#"{"id":"I1","title":"Checkout down","severity":"SEV2","services":["checkout"],"started_at":"2026-03-02T09:00:00Z","timeline":[{"at":"2026-03-02T09:05:00Z","kind":"alert","text":"5xx"}]}"#,
            r#"{"id":"I1","title":"Checkout down","severity":"SEV2","services":["checkout"],"started_at":"2026-03-02T09:00:00Z","timeline":[{"at":"2026-03-02T09:05:00Z","kind":"alert","text":"5xx"}]}"#,
            r#"{"id":"I1","title":"Checkout and payments down","severity":1,"services":["payments"],"started_at":"2026-03-02T08:58:00Z","resolved_at":"2026-03-02T10:00:00Z","timeline":[{"at":"2026-03-02T09:40:00Z","kind":"status","text":"resolved"}]}"#,
            r#"{"id":"I1","title":"x","started_at":"2026-03-02T09:00:00Z","mitigated_at":"2026-03-02T11:00:00Z"}"#,
        ]
        .join("\n");
        let parsed = parse_jsonl(text.as_bytes(), &ctx("i.jsonl", &services, &sev));
        assert_eq!(
            parsed.notes,
            vec![
                "i.jsonl: line 2: $: incident `I1` repeats line 1: $; kept once",
                "i.jsonl: line 3: $: incident `I1` repeats line 1: $ with different values (title \"Checkout down\" / \"Checkout and payments down\"; severity 2 / 1; started_at 2026-03-02T09:00:00Z / 2026-03-02T08:58:00Z; services checkout / payments); merged: the later title, severity and customers_affected, the earliest start and detection, the latest mitigation and resolution, services and timeline united",
            ]
        );
        assert_eq!(
            messages(&parsed),
            vec!["i.jsonl: line 4: $: field `resolved_at`: repeats incident `I1` of line 1: $; merged, 2026-03-02T10:00:00Z is before `mitigated_at` (2026-03-02T11:00:00Z); expected a time at or after it"]
        );
        let i1 = &parsed.records[0];
        assert_eq!(i1.title, "Checkout and payments down");
        assert_eq!(i1.severity, Some(1));
        assert_eq!(i1.services, vec!["checkout".to_string(), "payments".to_string()]);
        assert_eq!(i1.started_at, at("2026-03-02T08:58:00Z"));
        assert_eq!(i1.timeline.len(), 2);
        assert_eq!(i1.origin, "i.jsonl:line 1: $");
    }

    #[test]
    fn cut_files_never_panic() {
        let (services, sev) = (catalog(), severities());
        let context = ctx("i", &services, &sev);
        for sample in [JSONL, JSON, YAML] {
            for end in (0..sample.len()).filter(|&e| sample.is_char_boundary(e)) {
                let _ = parse(&sample[..end], &context);
                let _ = parse_jsonl(sample[..end].as_bytes(), &context);
            }
        }
    }

    use proptest::prelude::*;

    /// Free text (titles, timeline entries): anything printable, line breaks, quotes and
    /// markup included, kept exactly as written.
    fn free_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,24}",
            "[a-zé日 ]{0,6}[\"'<>&\n\r\t\\\\]{1,3}[a-z ]{0,6}",
            Just("  padded  ".to_string())
        ]
    }

    /// A name (id, service): not empty and without surrounding whitespace, which the reader
    /// removes.
    fn name() -> impl Strategy<Value = String> {
        "\\PC{1,12}".prop_filter("a name the reader keeps as written", |s| s.trim() == s && !s.is_empty())
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..4_000_000_000, 0u32..1_000_000_000)
            .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).expect("in range"))
    }

    prop_compose! {
        fn incident()(
            id in name(),
            title in free_text().prop_filter("a title", |t| !t.trim().is_empty()),
            severity in proptest::option::of(1i32..=5),
            services in proptest::collection::btree_set(name(), 0..4),
            started_at in instant(),
            detected in proptest::option::of(0i64..20_000_000_000_000),
            mitigated in proptest::option::of(0i64..20_000_000_000_000),
            resolved in proptest::option::of(0i64..20_000_000_000_000),
            customers_affected in proptest::option::of(0i64..(1 << 40)),
            timeline in proptest::collection::vec(
                (instant(), prop_oneof![Just("update"), Just("status"), Just("alert"), Just("note")], free_text()),
                0..6,
            ),
        ) -> Incident {
            let after = |base: DateTime<Utc>, ns: Option<i64>| ns.map(|ns| base + chrono::Duration::nanoseconds(ns));
            let mitigated_at = after(started_at, mitigated);
            let mut timeline: Vec<TimelineEvent> = timeline
                .into_iter()
                .map(|(at, kind, text)| TimelineEvent { at, kind: kind.to_string(), text })
                .collect();
            timeline.sort_by_key(|e| e.at);
            Incident {
                id,
                title,
                severity,
                services: services.into_iter().collect(),
                started_at,
                detected_at: after(started_at, detected),
                mitigated_at,
                resolved_at: after(mitigated_at.unwrap_or(started_at), resolved),
                customers_affected,
                timeline,
                source: "canonical".into(),
                origin: String::new(),
            }
        }
    }

    #[test]
    fn the_incident_schema_accepts_the_fixtures_and_rejects_a_misspelt_field() {
        let validator = crate::ingest::deploys::canonical::tests::schema("incident.schema.json");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/canonical");
        let jsonl = std::fs::read_to_string(root.join("incidents.jsonl")).unwrap();
        let mut values: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let array: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("incidents.json")).unwrap()).unwrap();
        values.extend(array.as_array().cloned().unwrap_or_else(|| vec![array.clone()]));
        assert!(values.len() >= 3);
        for value in &values {
            let errors: Vec<String> = validator.iter_errors(value).map(|e| e.to_string()).collect();
            assert_eq!(errors, Vec::<String>::new(), "{value}");
        }
        let mut bad = values[0].clone();
        bad["titel"] = bad["title"].clone();
        assert!(!validator.is_valid(&bad));
    }

    proptest! {
        #[test]
        fn any_incidents_survive_a_write_then_read_round_trip(
            incidents in proptest::collection::vec(incident(), 0..12)
                .prop_map(|mut v| { v.sort_by(|a, b| a.id.cmp(&b.id)); v.dedup_by(|a, b| a.id == b.id); v })
        ) {
            let services = ServiceResolver::default();
            let sev = BTreeMap::new();
            let text = to_jsonl(&incidents);
            let file = "p.jsonl";
            let strip = |records: &[Incident]| -> Vec<Incident> {
                records.iter().map(|i| Incident { origin: String::new(), ..i.clone() }).collect()
            };
            // What the writer writes is what the documented schema describes.
            let validator = crate::ingest::deploys::canonical::tests::schema("incident.schema.json");
            for line in text.lines() {
                let value: Value = serde_json::from_str(line).expect("JSON");
                prop_assert!(validator.is_valid(&value), "{}", line);
            }
            let parsed = parse_jsonl(text.as_bytes(), &ctx(file, &services, &sev));
            prop_assert_eq!(messages(&parsed), Vec::<String>::new());
            prop_assert_eq!(&parsed.notes, &Vec::<String>::new());
            prop_assert_eq!(strip(&parsed.records), incidents.clone());
            // The same records as one JSON array and as YAML.
            let array = format!("[{}]", text.trim_end().replace('\n', ",\n"));
            let from_array = parse_json(&array, &ctx(file, &services, &sev));
            prop_assert_eq!(messages(&from_array), Vec::<String>::new());
            prop_assert_eq!(strip(&from_array.records), incidents.clone());
            let values: Vec<Value> = serde_json::from_str(&array).expect("valid JSON");
            let yaml = serde_yaml_ng::to_string(&values).expect("YAML");
            let from_yaml = parse_yaml(&yaml, &ctx(file, &services, &sev));
            prop_assert_eq!(messages(&from_yaml), Vec::<String>::new());
            prop_assert_eq!(strip(&from_yaml.records), incidents);
        }
    }
}
