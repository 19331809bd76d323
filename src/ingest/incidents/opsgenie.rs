//! Opsgenie alerts: the outgoing webhook (`{"action", "alert": {...}, "source", ...}`), one per
//! file, an array of them or JSON Lines as a receiver logs them, and the REST alerts of
//! `GET /v2/alerts` / `GET /v2/alerts/{id}` (`{"data": [...]}` or `{"data": {...}}`). Webhooks
//! about the same alert (its `Create`, then its `Close`) become one incident.
//!
//! Timestamps come in mixed units in one object: the webhook's `createdAt` is epoch
//! milliseconds, `updatedAt` epoch nanoseconds, beyond 2^53. serde_json keeps an integral JSON
//! number as an exact `i64`/`u64`, and [`crate::ingest::time::parse_value`] tells the unit by
//! magnitude from that integer, so no digit is lost to a float. REST alerts write RFC 3339.
//!
//! Fields: `alertId` (REST `id`) → `opsgenie:<id>`; `message` → title; `createdAt` →
//! `started_at` and `detected_at` (an alert is raised when it is noticed); a `Close` webhook's
//! `updatedAt` → `resolved_at` (the payload has no close time of its own, and the close is its
//! last update), for REST a `closed` alert's `createdAt` + `report.closeTime` milliseconds, else
//! its `updatedAt`; `mitigated_at` stays `None`. Severity: `priority`, an integer 1…5 in
//! webhooks and `"P1"`…`"P5"` in REST, through [`super::severity_from_name`]. Services: the
//! `entity`, the `tags` and the `teams` that name a catalog service; a tag such as `vip` is not
//! a service, so with no catalog only `entity` is taken as a name. The timeline has one entry
//! per webhook action (`create`, `acknowledge`, `addnote`, `close`, …) or, for REST, the
//! creation, the acknowledgement and the close from `report`.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::fields::{self, Record};
use super::{severity_from_name, IncidentOptions};
use crate::ingest::grouped::{self, JsonLines, NoteKind};
use crate::ingest::source::{Context, Parsed};
use crate::model::{Incident, Reject, TimelineEvent};

/// The format name, also each incident's `source`.
pub const FORMAT: &str = "opsgenie";

/// Read Opsgenie alert webhooks or REST alerts.
pub fn parse(text: &str, ctx: &Context<'_>, options: &IncidentOptions) -> Parsed<Incident> {
    let (docs, rejects) = fields::documents(text, ctx);
    from_documents(&docs, rejects, ctx, options)
}

/// Read the alerts of `docs` (a file's, or one group's of JSON Lines), after `rejects`.
pub(crate) fn from_documents(
    docs: &[(String, Value)],
    rejects: Vec<Reject>,
    ctx: &Context<'_>,
    options: &IncidentOptions,
) -> Parsed<Incident> {
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    // Alert id, the incident so far, and where it was first seen (for the note below).
    let mut alerts: Vec<(String, Incident, String)> = Vec::new();
    let mut payloads = Vec::new();
    for (path, doc) in docs {
        match doc {
            Value::Array(items) => payloads
                .extend(items.iter().enumerate().map(|(i, v)| Record::new(v, format!("{path}[{i}]"), ctx))),
            _ => payloads.push(Record::new(doc, path.clone(), ctx)),
        }
    }
    for payload in payloads {
        let views: Vec<Result<Incident, Reject>> = match payload.value {
            Value::Object(map) if map.contains_key("alert") => {
                vec![webhook(&payload, options, &mut parsed.notes)]
            }
            Value::Object(map) if map.contains_key("data") => match payload.get("data") {
                Some(Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| rest_alert(&payload.item("data", i, v), options, &mut parsed.notes))
                    .collect(),
                Some(_) => match payload.child("data") {
                    Some(alert) => vec![rest_alert(&alert, options, &mut parsed.notes)],
                    None => vec![Err(
                        payload.reject("data", "expected an alert (an object) or an array of alerts")
                    )],
                },
                None => vec![Err(payload.reject("data", "null; expected an alert or an array of alerts"))],
            },
            other => vec![Err(payload.reject_record(format!(
                "expected an Opsgenie webhook (`alert` and `action`) or REST alerts (`data`), found {}",
                fields::describe(other)
            )))],
        };
        for view in views {
            match view {
                Ok(incident) => match alerts.iter_mut().find(|(id, _, _)| *id == incident.id) {
                    Some((_, into, _)) => fields::merge(into, incident),
                    None => alerts.push((incident.id.clone(), incident, payload.path.clone())),
                },
                Err(reject) => parsed.rejects.push(reject),
            }
        }
    }
    for (id, incident, path) in alerts {
        if incident.services.is_empty() {
            let null = Value::Null;
            let record = Record::new(&null, path, ctx);
            let raw = id.trim_start_matches("opsgenie:");
            parsed.notes.push(fields::no_services_note(&record, raw, " (no entity, tag or team names one)"));
        }
        parsed.records.push(fields::finish(incident));
    }
    parsed
}

/// The group of one JSON Lines payload when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the alert's id (a webhook's `alert.alertId`, a REST alert's
/// `id`, the first alert's of `data` or of an array), by which [`parse`] merges its views.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    let id = fields::group_id;
    match value {
        Value::Array(items) => items.first().and_then(group_key),
        Value::Object(map) if map.contains_key("alert") => id(map.get("alert")?.get("alertId")),
        Value::Object(map) if map.contains_key("data") => match map.get("data")? {
            Value::Array(alerts) => id(alerts.first()?.get("id")),
            alert => id(alert.get("id")),
        },
        _ => None,
    }
}

/// The kinds of this reader's notes, for reading JSON Lines a group at a time: an alert that
/// names no service is noted once every payload is read, in the order the alerts were first
/// met; the other notes are about one payload.
pub(crate) fn note_kind(note: &str) -> NoteKind {
    if note.contains(" names no affected service") {
        NoteKind::Record
    } else {
        NoteKind::Line
    }
}

/// How this reader reads JSON Lines a group at a time.
pub(crate) const JSON_LINES: JsonLines<(String, Value), Incident> =
    JsonLines { order: in_origin_order, note_kind, ..fields::JSON_LINES };

/// Alerts in the order [`parse`] gives them: where each was first read.
fn in_origin_order(records: &mut [Incident]) {
    records.sort_by_key(|incident| grouped::origin_line(&incident.origin));
}

/// One webhook payload.
fn webhook(
    payload: &Record<'_, '_>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    let action = payload.req_str("action")?;
    let alert =
        payload.child("alert").ok_or_else(|| payload.reject("alert", "expected an alert (a JSON object)"))?;
    let zone = alert.ctx.zone;
    let id = alert.req_id("alertId")?;
    let created_at = alert.req_time("createdAt", zone)?;
    let updated_at = alert.opt_time("updatedAt", zone)?;
    let kind = action.trim().to_lowercase();
    let at = if kind == "create" { created_at } else { updated_at.unwrap_or(created_at) };
    let resolved_at =
        if kind == "close" {
            Some(updated_at.ok_or_else(|| {
                alert.reject("updatedAt", "missing on a Close; expected the time of the close")
            })?)
        } else {
            None
        };
    alert.check_not_before("updatedAt", resolved_at, "createdAt", created_at)?;
    let text = match (kind.as_str(), alert.opt_str("note")?, alert.opt_str("username")?) {
        ("create", _, _) => fields::text(alert.req_str("message")?),
        ("addnote", Some(note), _) => fields::text(note),
        (_, _, Some(user)) if !user.is_empty() => format!("{action} by {user}"),
        _ => action.to_string(),
    };
    let mut incident = alert_incident(&alert, &id, created_at, options, notes)?;
    incident.resolved_at = resolved_at;
    incident.timeline.push(TimelineEvent { at, kind, text });
    incident.origin = payload.origin();
    Ok(incident)
}

/// One REST alert.
fn rest_alert(
    alert: &Record<'_, '_>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    alert.expect_object("an Opsgenie alert")?;
    let zone = alert.ctx.zone;
    let id = alert.req_id("id")?;
    let created_at = alert.req_time("createdAt", zone)?;
    let after = |field: &str| -> Result<Option<DateTime<Utc>>, Reject> {
        match alert.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some_and(|ms| ms >= 0) => Ok(n
                .as_i64()
                .and_then(|ms| created_at.checked_add_signed(Duration::try_milliseconds(ms)?))
                .filter(|at| at.timestamp() < 100_000_000_000)
                .map(Some)
                .ok_or_else(|| {
                    alert.reject(field, format!("{n} milliseconds after creation is out of range"))
                })?),
            Some(other) => Err(alert.reject(
                field,
                format!(
                    "expected milliseconds since the alert was created, found {}",
                    fields::describe(other)
                ),
            )),
        }
    };
    let acked_at = after("report.ackTime")?;
    let closed_after = after("report.closeTime")?;
    let resolved_at = match alert.opt_str("status")? {
        Some("closed") => closed_after.or(alert.opt_time("updatedAt", zone)?),
        _ => None,
    };
    alert.check_not_before("updatedAt", resolved_at, "createdAt", created_at)?;
    let mut incident = alert_incident(alert, &id, created_at, options, notes)?;
    incident.resolved_at = resolved_at;
    incident.timeline.push(TimelineEvent {
        at: created_at,
        kind: "create".into(),
        text: fields::text(alert.req_str("message")?),
    });
    if let Some(at) = acked_at {
        let text = match alert.opt_str("report.acknowledgedBy")? {
            Some(who) => format!("Acknowledge by {who}"),
            None => "Acknowledge".to_string(),
        };
        incident.timeline.push(TimelineEvent { at, kind: "acknowledge".into(), text });
    }
    if let Some(at) = resolved_at {
        let text = match alert.opt_str("report.closedBy")? {
            Some(who) => format!("Close by {who}"),
            None => "Close".to_string(),
        };
        incident.timeline.push(TimelineEvent { at, kind: "close".into(), text });
    }
    Ok(incident)
}

/// What webhook and REST alerts share: title, severity, services.
fn alert_incident(
    alert: &Record<'_, '_>,
    id: &str,
    created_at: DateTime<Utc>,
    options: &IncidentOptions,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    let title = alert.req_str("message")?;
    let severity = match alert.get("priority") {
        None => None,
        Some(value) => {
            let name = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
                other => {
                    return Err(alert.reject(
                        "priority",
                        format!(
                            "expected a priority (1…5 or \"P1\"…\"P5\"), found {}",
                            fields::describe(other)
                        ),
                    ))
                }
            };
            let level = severity_from_name(&name, &options.severities);
            if level.is_none() {
                notes.push(alert.note(format_args!(
                    "priority `{name}` maps to no severity; add it to this source's `severities`"
                )));
            }
            level
        }
    };

    let entity = alert.opt_str("entity")?.map(str::trim).filter(|e| !e.is_empty());
    let mut services = Vec::new();
    if alert.ctx.services.is_empty() {
        services.extend(entity.and_then(|e| alert.ctx.service(e)));
    } else {
        let mut candidates: Vec<String> = entity.map(str::to_string).into_iter().collect();
        for (index, value) in alert.array("tags")?.iter().enumerate() {
            match value {
                Value::String(tag) => candidates.push(tag.clone()),
                other => {
                    return Err(alert.reject(
                        &format!("tags[{index}]"),
                        format!("expected a string, found {}", fields::describe(other)),
                    ))
                }
            }
        }
        for (index, value) in alert.array("teams")?.iter().enumerate() {
            let team = alert.item("teams", index, value);
            match value {
                Value::String(name) => candidates.push(name.clone()),
                Value::Object(_) => candidates.extend(team.opt_str("name")?.map(str::to_string)),
                other => {
                    return Err(alert.reject(
                        &format!("teams[{index}]"),
                        format!("expected a team name or object, found {}", fields::describe(other)),
                    ))
                }
            }
        }
        services.extend(candidates.iter().filter_map(|c| alert.ctx.service(c)));
        if services.is_empty() && !candidates.is_empty() {
            notes.push(alert.note(format_args!(
                "alert `{id}`: none of its entity, tags and teams ({}) is a catalog service; map one in this source's `services`",
                candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(Incident {
        id: format!("{FORMAT}:{id}"),
        title: title.to_string(),
        severity,
        services,
        started_at: created_at,
        detected_at: Some(created_at),
        mitigated_at: None,
        resolved_at: None,
        customers_affected: None,
        timeline: Vec::new(),
        source: FORMAT.to_string(),
        origin: alert.origin(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::fields::testing::{at, ctx, fixture, resolver};
    use super::*;
    use crate::ingest::source::ServiceResolver;

    fn read(text: &str, file: &str) -> Parsed<Incident> {
        let services = resolver();
        parse(text, &ctx(file, &services, None), &IncidentOptions::default())
    }

    #[test]
    fn create_webhook_reads_milliseconds_priority_and_entity() {
        let parsed = read(&fixture("opsgenie/webhook-create.json"), "create.json");
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.notes, Vec::<String>::new());
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "opsgenie:ec03dad6-62c8-4c94-b38b-d88f398e900f");
        assert_eq!(incident.title, "another alert");
        assert_eq!(incident.severity, Some(3));
        assert_eq!(incident.services, ["server"]);
        assert_eq!(incident.started_at, at("2017-08-14T11:25:56.288Z"));
        assert_eq!(incident.detected_at, Some(at("2017-08-14T11:25:56.288Z")));
        assert_eq!(incident.mitigated_at, None);
        assert_eq!(incident.resolved_at, None);
        assert_eq!(
            incident.timeline,
            [TimelineEvent {
                at: at("2017-08-14T11:25:56.288Z"),
                kind: "create".into(),
                text: "another alert".into()
            }]
        );
        assert_eq!(incident.origin, "create.json:$");
    }

    #[test]
    fn close_webhook_resolves_at_its_nanosecond_update_time_exactly() {
        let parsed = read(&fixture("opsgenie/webhook-close.json"), "close.json");
        assert_eq!(parsed.rejects, vec![]);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "opsgenie:052652ac-5d1c-464a-812a-7dd18bbfba8c");
        assert_eq!(incident.title, "test alert");
        assert_eq!(incident.severity, None);
        assert_eq!(incident.services, Vec::<String>::new());
        assert_eq!(incident.started_at, at("2015-01-05T10:03:11.104Z"));
        // 1420452374669001603 ns: above 2^53, every digit kept.
        assert_eq!(incident.resolved_at, Some(at("2015-01-05T10:06:14.669001603Z")));
        assert_eq!(
            incident.timeline,
            [TimelineEvent {
                at: at("2015-01-05T10:06:14.669001603Z"),
                kind: "close".into(),
                text: "Close by fili@ifountain.com".into()
            }]
        );
        assert_eq!(
            parsed.notes,
            ["close.json: $: incident `052652ac-5d1c-464a-812a-7dd18bbfba8c` names no affected service (no entity, tag or team names one)"]
        );
    }

    #[test]
    fn create_and_close_in_json_lines_become_one_incident() {
        let one_line = |t: String| {
            serde_json::to_string(&serde_json::from_str::<Value>(&t).expect("JSON")).expect("JSON")
        };
        let create = one_line(fixture("opsgenie/webhook-create.json"));
        let close = one_line(
            fixture("opsgenie/webhook-close.json")
                .replace("052652ac-5d1c-464a-812a-7dd18bbfba8c", "ec03dad6-62c8-4c94-b38b-d88f398e900f")
                .replace("1420452191104", "1502709956288")
                .replace("1420452374669001603", "1502710256288000007"),
        );
        let parsed = read(&format!("{create}\n{close}\n"), "alerts.jsonl");
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.records.len(), 1);
        let incident = &parsed.records[0];
        assert_eq!(incident.title, "test alert");
        assert_eq!(incident.severity, Some(3));
        assert_eq!(incident.services, ["server"]);
        assert_eq!(incident.started_at, at("2017-08-14T11:25:56.288Z"));
        assert_eq!(incident.resolved_at, Some(at("2017-08-14T11:30:56.288000007Z")));
        assert_eq!(
            incident.timeline.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["create", "close"]
        );
        assert_eq!(incident.origin, "alerts.jsonl:line 1: $");
    }

    #[test]
    fn rest_alerts_use_p_priorities_and_the_report_durations() {
        let text = r#"{"data": [{"id": "70413a06-38d6-4c85-92b8-5ebc900d42e2", "tinyId": "1791",
            "message": "Checkout 5xx above 2%", "status": "closed", "acknowledged": true,
            "createdAt": "2017-05-18T08:37:59.123Z", "updatedAt": "2017-05-18T09:00:00Z",
            "priority": "P1", "tags": ["payments"], "teams": [{"id": "8418d193"}], "entity": "checkout",
            "report": {"ackTime": 15702, "closeTime": 60503, "acknowledgedBy": "alice", "closedBy": "bob"}}]}"#;
        let parsed = read(text, "rest.json");
        assert_eq!(parsed.rejects, vec![]);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "opsgenie:70413a06-38d6-4c85-92b8-5ebc900d42e2");
        assert_eq!(incident.severity, Some(1));
        assert_eq!(incident.services, ["checkout"]);
        assert_eq!(incident.resolved_at, Some(at("2017-05-18T08:38:59.626Z")));
        assert_eq!(
            incident.timeline.iter().map(|e| (e.kind.as_str(), e.text.as_str())).collect::<Vec<_>>(),
            [
                ("create", "Checkout 5xx above 2%"),
                ("acknowledge", "Acknowledge by alice"),
                ("close", "Close by bob")
            ]
        );
        assert_eq!(incident.origin, "rest.json:$.data[0]");
    }

    #[test]
    fn without_a_catalog_only_the_entity_is_a_service() {
        let services = ServiceResolver::default();
        let parsed = parse(
            &fixture("opsgenie/webhook-create.json"),
            &ctx("c.json", &services, None),
            &IncidentOptions::default(),
        );
        assert_eq!(parsed.records[0].services, ["Server"]);
    }

    #[test]
    fn malformed_webhook_is_rejected_with_its_field() {
        let text = fixture("opsgenie/webhook-create.json").replace("1502709956288,", "\"soon\",");
        let parsed = read(&text, "bad.json");
        assert_eq!(parsed.records, vec![]);
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["bad.json: $.alert: field `createdAt`: expected a timestamp: \"soon\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds"]
        );
        let parsed = read("{\"action\": \"Create\", \"alert\": {\"alertId\": \"a\", \"message\": \"m\", \"createdAt\": 1502709956288, \"priority\": 2.5}}", "p.json");
        assert_eq!(
            parsed.rejects[0].to_string(),
            "p.json: $.alert: field `priority`: expected a priority (1…5 or \"P1\"…\"P5\"), found the number 2.5"
        );
        let parsed = read("{\"integrationId\": \"x\"}", "x.json");
        assert_eq!(
            parsed.rejects[0].to_string(),
            "x.json: $: expected an Opsgenie webhook (`alert` and `action`) or REST alerts (`data`), found an object"
        );
    }
}
