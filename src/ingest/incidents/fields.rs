//! Reading vendor JSON field by field, so that every reject names the JSON path of its record,
//! the field and what was expected. The incident readers go through [`serde_json::Value`]
//! rather than derived row types because a vendor's records differ in shape from one export to
//! the next (a field is a string here, an object there, absent in old records) and a derive
//! error cannot say which field of which record was wrong.

use std::collections::BTreeSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::ingest::grouped::{self, JsonLines};
use crate::ingest::source::Context;
use crate::ingest::time::{self, Zone};
use crate::model::{Incident, Reject, TimelineEvent};

/// What a JSON value is, for a message.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(60).collect();
            if short.len() < s.len() {
                format!("the string {short:?}…")
            } else {
                format!("the string {s:?}")
            }
        }
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// An instant as messages and tests write it: RFC 3339, UTC, no needless fraction.
pub(crate) fn show(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Text as written, with Windows and old-Mac line ends made `\n`.
pub(crate) fn text(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// serde_json's message without its trailing `at line L column C` (the position says that).
fn json_message(e: &serde_json::Error) -> String {
    let mut message = e.to_string();
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    message
}

/// The whole text as one JSON document, or a reject at the line and column where it breaks.
pub(crate) fn parse_json(text: &str, ctx: &Context<'_>) -> Result<Value, Reject> {
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        ctx.reject(
            format!("line {} column {}", e.line(), e.column()),
            None,
            format!("not valid JSON ({}); expected {}", json_message(&e), "one JSON document or JSON Lines"),
        )
    })
}

/// The documents of a file that is either one JSON document (root path `$`) or JSON Lines (root
/// path `line N: $`, one object per line, blank lines skipped). A line that is not JSON is a
/// reject and the others are still read.
pub(crate) fn documents(text: &str, ctx: &Context<'_>) -> (Vec<(String, Value)>, Vec<Reject>) {
    let text = text.trim_start_matches('\u{feff}');
    let whole = match serde_json::from_str::<Value>(text) {
        Ok(value) => return (vec![("$".to_string(), value)], Vec::new()),
        Err(e) => e,
    };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let first_is_object = lines
        .next()
        .map(|(_, l)| matches!(serde_json::from_str::<Value>(l), Ok(Value::Object(_))))
        .unwrap_or(false);
    if !first_is_object || lines.next().is_none() {
        let reject = ctx.reject(
            format!("line {} column {}", whole.line(), whole.column()),
            None,
            format!("not valid JSON ({}); expected one JSON document or JSON Lines", json_message(&whole)),
        );
        return (Vec::new(), vec![reject]);
    }
    let mut docs = Vec::new();
    let mut rejects = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(value) => docs.push(line_document(index + 1, value)),
            Err(e) => rejects.push(broken_line(ctx, index + 1, &e)),
        }
    }
    (docs, rejects)
}

/// The document of JSON Lines line `line` (1-based), at root path `line N: $`.
pub(crate) fn line_document(line: usize, value: Value) -> (String, Value) {
    (format!("line {line}: $"), value)
}

/// The reject for JSON Lines line `line`, which is not JSON.
pub(crate) fn broken_line(ctx: &Context<'_>, line: usize, e: &serde_json::Error) -> Reject {
    ctx.reject(
        format!("line {line}"),
        None,
        format!("not valid JSON ({}); expected one JSON object per line", json_message(e)),
    )
}

/// How the incident readers read JSON Lines, for reading them a group at a time
/// ([`crate::ingest::grouped`]): documents and broken lines as [`documents`] gives them,
/// records in the order of their groups, notes about their lines unless a reader says
/// otherwise.
pub(crate) const JSON_LINES: JsonLines<(String, Value), Incident> = JsonLines {
    document: line_document,
    broken: broken_line,
    order: grouped::group_order,
    note_kind: grouped::line_note,
};

/// One JSON object of a source, where it is, and the context it is read in.
#[derive(Clone)]
pub(crate) struct Record<'v, 'c> {
    /// The object (or whatever stands where one was expected).
    pub value: &'v Value,
    /// Its JSON path, e.g. `$.incidents[2]`.
    pub path: String,
    /// The file's context.
    pub ctx: Context<'c>,
}

impl<'v, 'c> Record<'v, 'c> {
    /// The record `value` at `path`.
    pub fn new(value: &'v Value, path: impl Into<String>, ctx: &Context<'c>) -> Record<'v, 'c> {
        Record { value, path: path.into(), ctx: *ctx }
    }

    /// The `index`th element of the array `field`, as a record.
    pub fn item(&self, field: &str, index: usize, value: &'v Value) -> Record<'v, 'c> {
        Record { value, path: format!("{}.{field}[{index}]", self.path), ctx: self.ctx }
    }

    /// The object under `field` as a record, when there is one.
    pub fn child(&self, field: &str) -> Option<Record<'v, 'c>> {
        self.get(field).filter(|v| v.is_object()).map(|value| Record {
            value,
            path: format!("{}.{field}", self.path),
            ctx: self.ctx,
        })
    }

    /// A reject of this record about `field`.
    pub fn reject(&self, field: &str, message: impl Into<String>) -> Reject {
        self.ctx.reject(&self.path, Some(field), message)
    }

    /// A reject of this record as a whole.
    pub fn reject_record(&self, message: impl Into<String>) -> Reject {
        self.ctx.reject(&self.path, None, message)
    }

    /// `file:path`, for an incident's `origin`.
    pub fn origin(&self) -> String {
        self.ctx.origin(&self.path)
    }

    /// A note about this record, for [`crate::ingest::source::Parsed::notes`].
    pub fn note(&self, message: impl std::fmt::Display) -> String {
        format!("{}: {}: {message}", self.ctx.file.display(), self.path)
    }

    /// The value at `field` (dots go into nested objects); `None` when absent or null.
    pub fn get(&self, field: &str) -> Option<&'v Value> {
        let mut value = self.value;
        for key in field.split('.') {
            value = value.as_object()?.get(key)?;
        }
        (!value.is_null()).then_some(value)
    }

    /// Whether the record is a JSON object; a reject otherwise.
    pub fn expect_object(&self, what: &str) -> Result<(), Reject> {
        if self.value.is_object() {
            Ok(())
        } else {
            Err(self
                .reject_record(format!("expected {what} (a JSON object), found {}", describe(self.value))))
        }
    }

    /// A string field; `None` when absent or null, a reject when something else.
    pub fn opt_str(&self, field: &str) -> Result<Option<&'v str>, Reject> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(self.reject(field, format!("expected a string, found {}", describe(other)))),
        }
    }

    /// A string field that must be there.
    pub fn req_str(&self, field: &str) -> Result<&'v str, Reject> {
        self.opt_str(field)?.ok_or_else(|| self.reject(field, "missing; expected a string"))
    }

    /// An identifier written as a string or an integer; `None` when absent, null or empty.
    pub fn opt_id(&self, field: &str) -> Result<Option<String>, Reject> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
            Some(other) => Err(self.reject(
                field,
                format!("expected an id (a string or an integer), found {}", describe(other)),
            )),
        }
    }

    /// An identifier that must be there.
    pub fn req_id(&self, field: &str) -> Result<String, Reject> {
        self.opt_id(field)?
            .ok_or_else(|| self.reject(field, "missing; expected an id (a string or an integer)"))
    }

    /// A timestamp field; `None` when absent or null.
    pub fn opt_time(&self, field: &str, zone: Option<Zone>) -> Result<Option<DateTime<Utc>>, Reject> {
        match self.get(field) {
            None => Ok(None),
            Some(value) => time::parse_value(value, zone)
                .map(Some)
                .map_err(|e| self.reject(field, format!("expected a timestamp: {e}"))),
        }
    }

    /// A timestamp field that must be there.
    pub fn req_time(&self, field: &str, zone: Option<Zone>) -> Result<DateTime<Utc>, Reject> {
        self.opt_time(field, zone)?.ok_or_else(|| self.reject(field, "missing; expected a timestamp"))
    }

    /// An array field; empty when absent or null, a reject when something else.
    pub fn array(&self, field: &str) -> Result<&'v [Value], Reject> {
        match self.get(field) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items.as_slice()),
            Some(other) => Err(self.reject(field, format!("expected an array, found {}", describe(other)))),
        }
    }

    /// A reject when `later` (field `later_field`) lies before `start` (field `start_field`):
    /// an incident cannot end before it began, and guessing which of the two is wrong would
    /// hide the error.
    pub fn check_not_before(
        &self,
        later_field: &str,
        later: Option<DateTime<Utc>>,
        start_field: &str,
        start: DateTime<Utc>,
    ) -> Result<(), Reject> {
        match later {
            Some(at) if at < start => Err(self.reject(
                later_field,
                format!(
                    "{} is before `{start_field}` ({}); expected a time at or after it",
                    show(at),
                    show(start)
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// Add the catalog services `names` stand for to `services`; each name that maps to none
/// becomes a note (`what` says what the name is: `component`, `PagerDuty service`, …).
pub(crate) fn map_services<'n>(
    record: &Record<'_, '_>,
    names: impl IntoIterator<Item = &'n str>,
    what: &str,
    services: &mut Vec<String>,
    notes: &mut Vec<String>,
) {
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        match record.ctx.service(name) {
            Some(service) => services.push(service),
            None => notes.push(record.note(format_args!(
                "{what} `{name}` maps to no catalog service; add it to this source's `services` in faultline.toml or as an alias in the catalog"
            ))),
        }
    }
}

/// Services sorted and unique, the timeline oldest first (a stable sort, so entries at the same
/// instant keep the order the reader gave them, which is the source's oldest-first order).
pub(crate) fn finish(mut incident: Incident) -> Incident {
    incident.services.sort();
    incident.services.dedup();
    incident.timeline.sort_by_key(|event| event.at);
    incident
}

/// Fold a later view of the same incident (a second webhook, another REST page) into `into`:
/// the later title and severity win, services and timeline are united (exact duplicates
/// dropped), the start is the earliest seen and the ends the latest seen.
pub(crate) fn merge(into: &mut Incident, later: Incident) {
    if !later.title.is_empty() {
        into.title = later.title;
    }
    into.severity = later.severity.or(into.severity);
    into.services.extend(later.services);
    into.started_at = into.started_at.min(later.started_at);
    into.detected_at = min_some(into.detected_at, later.detected_at);
    into.mitigated_at = into.mitigated_at.max(later.mitigated_at);
    into.resolved_at = into.resolved_at.max(later.resolved_at);
    into.customers_affected = later.customers_affected.or(into.customers_affected);
    let mut seen: BTreeSet<TimelineEvent> = into.timeline.iter().cloned().collect();
    for event in later.timeline {
        if seen.insert(event.clone()) {
            into.timeline.push(event);
        }
    }
}

fn min_some(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A payload's id as a group key for JSON Lines read a group at a time: a non-blank string
/// (trimmed) or an integer; anything else is no key.
pub(crate) fn group_id(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// A note that an incident names no service, so the user knows why it links to no deploy.
pub(crate) fn no_services_note(record: &Record<'_, '_>, id: &str, detail: &str) -> String {
    record.note(format_args!("incident `{id}` names no affected service{detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::source::ServiceResolver;
    use std::path::Path;

    #[test]
    fn json_lines_are_read_line_by_line_and_a_bad_line_is_rejected_alone() {
        let services = ServiceResolver::default();
        let ctx = Context { file: Path::new("w.jsonl"), zone: None, services: &services };
        let (docs, rejects) = documents("{\"a\": 1}\n\n{\"a\": 2\n{\"a\": 3}\n", &ctx);
        assert_eq!(docs.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["line 1: $", "line 4: $"]);
        assert_eq!(rejects.len(), 1);
        assert_eq!(
            rejects[0].to_string(),
            "w.jsonl: line 3: not valid JSON (EOF while parsing an object); expected one JSON object per line"
        );
        let (docs, rejects) = documents("{\"a\": ", &ctx);
        assert!(docs.is_empty());
        assert_eq!(
            rejects[0].to_string(),
            "w.jsonl: line 1 column 6: not valid JSON (EOF while parsing a value); expected one JSON document or JSON Lines"
        );
    }
}

/// What the incident readers' tests share: a small catalog, a context, the fixtures.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;
    use std::path::Path;

    use chrono::{DateTime, Utc};

    use crate::ingest::source::{Context, ServiceResolver};
    use crate::ingest::time::Zone;
    use crate::model::Service;

    /// An instant written in RFC 3339.
    pub fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("a test timestamp").with_timezone(&Utc)
    }

    /// A fixture under `tests/fixtures/`.
    pub fn fixture(path: &str) -> String {
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    fn service(name: &str, aliases: &[&str]) -> Service {
        Service {
            name: name.to_string(),
            kind: "component".to_string(),
            system: None,
            owner: None,
            tier: None,
            lifecycle: None,
            repo: None,
            path: None,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// A catalog naming some of the fixtures' components, services and products by alias, and
    /// config mappings for two more.
    pub fn resolver() -> ServiceResolver {
        let catalog = [
            service("git", &["Git Operations"]),
            service("actions", &["Actions"]),
            service("notifications", &["Notifications"]),
            service("cloudflare-api", &["Cloudflare APIs"]),
            service("mail", &["My Mail Service"]),
            service("bigquery", &["Google BigQuery"]),
            service("networking", &["Google Cloud Networking"]),
            service("server", &["Server"]),
            service("checkout", &[]),
        ];
        let mappings: BTreeMap<String, String> = [
            ("Analytics", "analytics"),
            ("Management Portal (example)", "portal"),
            ("pig208", "pig"),
            ("Engineering", "engineering"),
            ("test_service", "test-service"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        ServiceResolver::new(&catalog, &mappings)
    }

    /// The context of `file` with `services` and an optional zone.
    pub fn ctx<'a>(file: &'a str, services: &'a ServiceResolver, zone: Option<&str>) -> Context<'a> {
        Context { file: Path::new(file), zone: zone.map(|z| Zone::parse(z).expect("a test zone")), services }
    }
}
