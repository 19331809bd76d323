//! incident.io API v2: `GET /v2/incidents` (`{"incidents": [...]}`), `GET /v2/incidents/{id}`
//! (`{"incident": {...}}`) or a bare array of incidents, with the updates of
//! `GET /v2/incident_updates` (`{"incident_updates": [...]}`, linked by `incident_id`) in the
//! same document or in a second file ([`CompanionFile`]). Timestamps carry microseconds.
//!
//! The milestones live in `incident_timestamp_values`, under names each organisation chooses.
//! They are matched ignoring case; the source's `milestones` in the config (faultline's
//! `started`, `detected`, `mitigated`, `resolved` → the organisation's name) replace the
//! built-in names for that milestone:
//!
//! | milestone | built-in names | when none is set |
//! |---|---|---|
//! | `started_at` | Impact started, Impact start, Started at | `reported_at`, else `created_at` |
//! | `detected_at` | Detected at, Reported at, Impact detected | `reported_at`, else `created_at` |
//! | `mitigated_at` | Mitigated at, Fixed at, Impact ended, Impact mitigated | `None` |
//! | `resolved_at` | Resolved at, Closed at | `None` |
//!
//! Every timestamp that has a value is also a `milestone` entry of the timeline, so one whose
//! name matches no milestone is still seen. Updates become `update` entries (their message, or
//! the status they set when they have none).
//!
//! Severity: `severity.name` through [`super::severity_from_name`] (incident.io's defaults
//! Critical/Major/Minor read 1/2/3). `severity.rank` is not used: it grows with severity and
//! its scale is each organisation's own, so it cannot be placed on 1…5 without the config.
//! Services: the values of the custom fields that list affected services or products (by name,
//! ignoring case: Affected services, Affected service, Services, Service, Affected products,
//! Affected product, Products, Product, Affected components, Components; or the names in
//! [`IncidentOptions::service_fields`]): a catalog entry's name, an option's value or a text.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fields::{self, Record};
use super::{severity_from_name, CompanionFile, IncidentOptions};
use crate::ingest::source::{Context, Parsed};
use crate::model::{Incident, Reject, TimelineEvent};

/// The format name, also each incident's `source`.
pub const FORMAT: &str = "incidentio";

/// Faultline's milestones and the names incident.io organisations commonly give them.
const MILESTONES: [(&str, &[&str]); 4] = [
    ("started", &["impact started", "impact start", "started at"]),
    ("detected", &["detected at", "reported at", "impact detected"]),
    ("mitigated", &["mitigated at", "fixed at", "impact ended", "impact mitigated"]),
    ("resolved", &["resolved at", "closed at"]),
];

/// Custom fields that name affected services, unless the config names others.
const SERVICE_FIELDS: [&str; 10] = [
    "affected services",
    "affected service",
    "services",
    "service",
    "affected products",
    "affected product",
    "products",
    "product",
    "affected components",
    "components",
];

/// Read incident.io incidents, with their updates in the same document or in `updates`.
pub fn parse(
    text: &str,
    updates: Option<CompanionFile<'_>>,
    ctx: &Context<'_>,
    options: &IncidentOptions,
) -> Parsed<Incident> {
    let mut parsed = Parsed::default();
    for key in options.milestones.keys() {
        if !MILESTONES.iter().any(|(m, _)| m == key) {
            parsed.notes.push(format!(
                "{}: milestone `{key}` in this source's `milestones` is not one of started, detected, mitigated, resolved; it was not used",
                ctx.file.display()
            ));
        }
    }
    let root = match fields::parse_json(text, ctx) {
        Ok(root) => root,
        Err(reject) => {
            parsed.rejects.push(reject);
            return parsed;
        }
    };
    let record = Record::new(&root, "$", ctx);
    let items: Vec<Record<'_, '_>> = match &root {
        Value::Array(items) => {
            items.iter().enumerate().map(|(i, v)| Record::new(v, format!("$[{i}]"), ctx)).collect()
        }
        Value::Object(map) if map.contains_key("incidents") => match record.array("incidents") {
            Ok(items) => items.iter().enumerate().map(|(i, v)| record.item("incidents", i, v)).collect(),
            Err(reject) => {
                parsed.rejects.push(reject);
                return parsed;
            }
        },
        Value::Object(map) if map.contains_key("incident") => {
            vec![Record::new(&map["incident"], "$.incident", ctx)]
        }
        Value::Object(map) if map.contains_key("incident_updates") => {
            parsed.rejects.push(record.reject_record(
                "incident updates without incidents; give them as the second file of an incidents export",
            ));
            return parsed;
        }
        other => {
            parsed.rejects.push(record.reject_record(format!(
                "expected incident.io incidents (`incidents` or `incident`), found {}",
                fields::describe(other)
            )));
            return parsed;
        }
    };

    let mut updates_by_incident: BTreeMap<String, Vec<TimelineEvent>> = BTreeMap::new();
    let mut unmatched = Vec::new();
    if root.get("incident_updates").is_some() {
        read_updates(&record, None, &mut updates_by_incident, &mut parsed.rejects);
        unmatched.push(record.clone());
    }
    let companion_root;
    let companion_ctx;
    if let Some(companion) = updates {
        companion_ctx = Context { file: companion.path, zone: ctx.zone, services: ctx.services };
        match fields::parse_json(companion.text, &companion_ctx) {
            Ok(value) => {
                companion_root = value;
                let companion_record = Record::new(&companion_root, "$", &companion_ctx);
                if companion_root.get("incident_updates").is_some() {
                    read_updates(&companion_record, None, &mut updates_by_incident, &mut parsed.rejects);
                    unmatched.push(companion_record);
                } else {
                    parsed.rejects.push(companion_record.reject_record(format!(
                        "expected incident.io updates (`incident_updates`), found {}",
                        fields::describe(&companion_root)
                    )));
                }
            }
            Err(reject) => parsed.rejects.push(reject),
        }
    }

    for item in items {
        match incident(&item, options, &mut updates_by_incident, &mut parsed.rejects, &mut parsed.notes) {
            Ok(incident) => parsed.records.push(incident),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    if !updates_by_incident.is_empty() {
        let count: usize = updates_by_incident.values().map(Vec::len).sum();
        let ids: Vec<&str> = updates_by_incident.keys().map(String::as_str).collect();
        let from = unmatched.last().expect("updates were read from some document");
        parsed.notes.push(from.note(format_args!(
            "{count} update{} of incident(s) {} not in the incidents read; {} not used",
            if count == 1 { " is" } else { "s are" },
            ids.join(", "),
            if count == 1 { "it was" } else { "they were" }
        )));
    }
    parsed
}

/// The `incident_updates` under `root`, by the incident each names. Nested in an incident
/// (`nested_in`), an update must name that incident: one naming another is a reject, never
/// attached to the wrong timeline.
fn read_updates(
    root: &Record<'_, '_>,
    nested_in: Option<&str>,
    into: &mut BTreeMap<String, Vec<TimelineEvent>>,
    rejects: &mut Vec<Reject>,
) {
    let items = match root.array("incident_updates") {
        Ok(items) => items,
        Err(reject) => {
            rejects.push(reject);
            return;
        }
    };
    for (index, value) in items.iter().enumerate() {
        let update = root.item("incident_updates", index, value);
        match read_update(&update) {
            Ok((incident, _)) if nested_in.is_some_and(|id| id != incident) => rejects.push(update.reject(
                "incident_id",
                format!(
                    "`{incident}`, but the update is nested in incident `{}`; expected that incident's id",
                    nested_in.unwrap_or_default()
                ),
            )),
            Ok((incident, event)) => into.entry(incident).or_default().push(event),
            Err(reject) => rejects.push(reject),
        }
    }
}

fn read_update(update: &Record<'_, '_>) -> Result<(String, TimelineEvent), Reject> {
    update.expect_object("an incident update")?;
    let incident = update.req_id("incident_id")?;
    let at = update.req_time("created_at", update.ctx.zone)?;
    let message = update.opt_str("message")?.unwrap_or("").trim();
    let text = if !message.is_empty() {
        fields::text(message)
    } else {
        match (update.opt_str("new_incident_status.name")?, update.opt_str("new_severity.name")?) {
            (Some(status), Some(severity)) => format!("Status: {status}; severity: {severity}"),
            (Some(status), None) => format!("Status: {status}"),
            (None, Some(severity)) => format!("Severity: {severity}"),
            (None, None) => String::new(),
        }
    };
    Ok((incident, TimelineEvent { at, kind: "update".into(), text }))
}

/// The names that stand for `milestone`: the configured one, else the built-in ones.
fn milestone_names<'o>(milestone: &str, options: &'o IncidentOptions) -> Vec<&'o str> {
    match options.milestones.get(milestone) {
        Some(name) => vec![name.as_str()],
        None => MILESTONES
            .iter()
            .find(|(m, _)| *m == milestone)
            .map(|(_, names)| names.to_vec())
            .unwrap_or_default(),
    }
}

fn incident(
    record: &Record<'_, '_>,
    options: &IncidentOptions,
    updates: &mut BTreeMap<String, Vec<TimelineEvent>>,
    rejects: &mut Vec<Reject>,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    record.expect_object("an incident.io incident")?;
    let zone = record.ctx.zone;
    let id = record.req_id("id")?;
    let title = record.req_str("name")?;
    let created_at = record.opt_time("created_at", zone)?;
    let reported_at = record.opt_time("reported_at", zone)?;

    let mut timeline = Vec::new();
    let mut values: Vec<(String, DateTime<Utc>)> = Vec::new();
    for (index, value) in record.array("incident_timestamp_values")?.iter().enumerate() {
        let entry = record.item("incident_timestamp_values", index, value);
        entry.expect_object("an incident timestamp value")?;
        let name = entry.req_str("incident_timestamp.name")?;
        if let Some(at) = entry.opt_time("value.value", zone)? {
            values.push((name.trim().to_lowercase(), at));
            timeline.push(TimelineEvent { at, kind: "milestone".into(), text: name.to_string() });
        }
    }
    let milestone = |which: &str| -> Option<DateTime<Utc>> {
        milestone_names(which, options)
            .iter()
            .find_map(|name| values.iter().find(|(n, _)| n == &name.trim().to_lowercase()).map(|(_, at)| *at))
    };
    let started_at = match milestone("started").or(reported_at).or(created_at) {
        Some(at) => at,
        None => {
            return Err(record.reject(
                "created_at",
                "missing, and so are `reported_at` and an impact-started timestamp; expected a timestamp",
            ))
        }
    };
    let detected_at = milestone("detected").or(reported_at).or(created_at);
    let mitigated_at = milestone("mitigated");
    let resolved_at = milestone("resolved");
    record.check_not_before("incident_timestamp_values", mitigated_at, "started_at", started_at)?;
    record.check_not_before("incident_timestamp_values", resolved_at, "started_at", started_at)?;

    let severity = match record.opt_str("severity.name")? {
        Some(name) => {
            let level = severity_from_name(name, &options.severities);
            if level.is_none() {
                let rank = record.get("severity.rank").map(|r| format!(" (rank {r})")).unwrap_or_default();
                notes.push(record.note(format_args!(
                    "severity `{name}`{rank} maps to no level; add it to this source's `severities`"
                )));
            }
            level
        }
        None => None,
    };

    let wanted: Vec<String> = if options.service_fields.is_empty() {
        SERVICE_FIELDS.iter().map(|s| s.to_string()).collect()
    } else {
        options.service_fields.iter().map(|s| s.trim().to_lowercase()).collect()
    };
    let mut names = Vec::new();
    for (index, value) in record.array("custom_field_entries")?.iter().enumerate() {
        let entry = record.item("custom_field_entries", index, value);
        entry.expect_object("a custom field entry")?;
        let field = entry.opt_str("custom_field.name")?.unwrap_or("").trim().to_lowercase();
        if !wanted.contains(&field) {
            continue;
        }
        for (j, value) in entry.array("values")?.iter().enumerate() {
            let value = entry.item("values", j, value);
            let name = value
                .opt_str("value_catalog_entry.name")?
                .or(value.opt_str("value_option.value")?)
                .or(value.opt_str("value_text")?);
            names.extend(name);
        }
    }
    let mut services = Vec::new();
    let named = !names.is_empty();
    fields::map_services(record, names, "affected service", &mut services, notes);
    if !named {
        notes.push(fields::no_services_note(
            record,
            &id,
            &format!(" (no custom field called {} has a value)", wanted.join(", ")),
        ));
    }

    if let Some(events) = updates.remove(&id) {
        timeline.extend(events);
    }
    if record.get("incident_updates").is_some() {
        let mut nested = BTreeMap::new();
        read_updates(record, Some(&id), &mut nested, rejects);
        timeline.extend(nested.into_values().flatten());
    }

    Ok(fields::finish(Incident {
        id: format!("{FORMAT}:{id}"),
        title: title.to_string(),
        severity,
        services,
        started_at,
        detected_at,
        mitigated_at,
        resolved_at,
        customers_affected: None,
        timeline,
        source: FORMAT.to_string(),
        origin: record.origin(),
    }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::fields::testing::{at, ctx, fixture, resolver};
    use super::*;

    fn endpoint(name: &str) -> Value {
        let all: Value =
            serde_json::from_str(&fixture("incidentio/api-v2-examples.json")).expect("fixture is JSON");
        all[name].clone()
    }

    fn text(value: &Value) -> String {
        serde_json::to_string_pretty(value).expect("serialisable")
    }

    #[test]
    fn vendor_example_list_reads_milestones_severity_and_notes_what_it_cannot_map() {
        let services = resolver();
        let updates = text(&endpoint("GET /v2/incident_updates"));
        let companion = CompanionFile { path: Path::new("updates.json"), text: &updates };
        let parsed = parse(
            &text(&endpoint("GET /v2/incidents")),
            Some(companion),
            &ctx("io.json", &services, None),
            &IncidentOptions::default(),
        );
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.records.len(), 1);
        let incident = &parsed.records[0];
        assert_eq!(incident.id, "incidentio:01FDAG4SAP5TYPT98WGR2N7W91");
        assert_eq!(incident.title, "Our database is sad");
        assert_eq!(incident.severity, Some(3));
        assert_eq!(incident.services, Vec::<String>::new());
        assert_eq!(incident.started_at, at("2021-08-17T13:28:57.801578Z"));
        assert_eq!(incident.detected_at, Some(at("2021-08-17T13:28:57.801578Z")));
        assert_eq!(incident.mitigated_at, None);
        assert_eq!(incident.resolved_at, None);
        assert_eq!(
            incident.timeline,
            [TimelineEvent {
                at: at("2021-08-17T13:28:57.801578Z"),
                kind: "milestone".into(),
                text: "Impact started".into()
            }]
        );
        assert_eq!(incident.origin, "io.json:$.incidents[0]");
        assert_eq!(
            parsed.notes,
            [
                "io.json: $.incidents[0]: incident `01FDAG4SAP5TYPT98WGR2N7W91` names no affected service (no custom field called affected services, affected service, services, service, affected products, affected product, products, product, affected components, components has a value)",
                "updates.json: $: 1 update is of incident(s) 01FCNDV6P870EA6S7TK1DSYDG0 not in the incidents read; it was not used",
            ]
        );
    }

    #[test]
    fn configured_milestone_names_and_service_fields_are_used() {
        let mut incident = endpoint("GET /v2/incidents/{id}");
        incident["incident"]["incident_timestamp_values"] = serde_json::json!([
            {"incident_timestamp": {"id": "1", "name": "Customer impact began", "rank": 1},
             "value": {"value": "2021-08-17T13:00:00.000001Z"}},
            {"incident_timestamp": {"id": "2", "name": "Resolved at", "rank": 4},
             "value": {"value": "2021-08-17T15:00:00Z"}},
            {"incident_timestamp": {"id": "3", "name": "Fixed at", "rank": 3}, "value": {}},
        ]);
        let updates = serde_json::json!({"incident_updates": [
            {"id": "u1", "incident_id": "01FDAG4SAP5TYPT98WGR2N7W91", "created_at": "2021-08-17T14:00:00Z",
             "message": "Rolled back\r\nwatching", "new_incident_status": {"name": "Monitoring"}},
            {"id": "u2", "incident_id": "01FDAG4SAP5TYPT98WGR2N7W91", "created_at": "2021-08-17T13:30:00Z",
             "new_incident_status": {"name": "Investigating"}}
        ]});
        incident["incident_updates"] = updates["incident_updates"].clone();
        // An update nested in the incident itself must be that incident's.
        incident["incident"]["incident_updates"] = serde_json::json!([
            {"id": "u3", "incident_id": "01SOMEOTHERINCIDENT", "created_at": "2021-08-17T13:40:00Z",
             "message": "not this incident's"}
        ]);
        let options = IncidentOptions {
            milestones: [("started".to_string(), "customer impact BEGAN".to_string())].into(),
            service_fields: vec!["Affected Team".to_string()],
            ..IncidentOptions::default()
        };
        let services = resolver();
        let parsed = parse(&text(&incident), None, &ctx("one.json", &services, None), &options);
        assert_eq!(
            parsed.rejects.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            ["one.json: $.incident.incident_updates[0]: field `incident_id`: `01SOMEOTHERINCIDENT`, but the update is nested in incident `01FDAG4SAP5TYPT98WGR2N7W91`; expected that incident's id"]
        );
        let incident = &parsed.records[0];
        assert_eq!(incident.started_at, at("2021-08-17T13:00:00.000001Z"));
        assert_eq!(incident.detected_at, Some(at("2021-08-17T13:28:57.801578Z")));
        assert_eq!(incident.mitigated_at, None);
        assert_eq!(incident.resolved_at, Some(at("2021-08-17T15:00:00Z")));
        assert_eq!(
            incident.timeline.iter().map(|e| (e.kind.as_str(), e.text.as_str())).collect::<Vec<_>>(),
            [
                ("milestone", "Customer impact began"),
                ("update", "Status: Investigating"),
                ("update", "Rolled back\nwatching"),
                ("milestone", "Resolved at"),
            ]
        );
        assert_eq!(
            parsed.notes,
            ["one.json: $.incident: affected service `Primary On-call` maps to no catalog service; add it to this source's `services` in faultline.toml or as an alias in the catalog"]
        );
    }

    #[test]
    fn malformed_incident_is_rejected_with_its_field() {
        let mut list = endpoint("GET /v2/incidents");
        list["incidents"][0]["incident_timestamp_values"][0]["value"]["value"] =
            Value::from("17/08/2021 13:28");
        let services = resolver();
        let parsed =
            parse(&text(&list), None, &ctx("bad.json", &services, None), &IncidentOptions::default());
        assert_eq!(parsed.records, vec![]);
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["bad.json: $.incidents[0].incident_timestamp_values[0]: field `value.value`: expected a timestamp: \"17/08/2021 13:28\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds"]
        );
    }

    #[test]
    fn a_resolution_before_the_start_is_rejected() {
        let mut list = endpoint("GET /v2/incidents");
        list["incidents"][0]["incident_timestamp_values"] = serde_json::json!([
            {"incident_timestamp": {"name": "Impact started"}, "value": {"value": "2021-08-17T13:00:00Z"}},
            {"incident_timestamp": {"name": "Resolved at"}, "value": {"value": "2021-08-17T12:00:00Z"}},
        ]);
        let services = resolver();
        let parsed =
            parse(&text(&list), None, &ctx("bad.json", &services, None), &IncidentOptions::default());
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["bad.json: $.incidents[0]: field `incident_timestamp_values`: 2021-08-17T12:00:00Z is before `started_at` (2021-08-17T13:00:00Z); expected a time at or after it"]
        );
    }

    #[test]
    fn updates_alone_and_unknown_milestone_keys_are_reported() {
        let services = resolver();
        let options = IncidentOptions {
            milestones: [("begin".to_string(), "x".to_string())].into(),
            ..IncidentOptions::default()
        };
        let parsed = parse(
            &text(&endpoint("GET /v2/incident_updates")),
            None,
            &ctx("u.json", &services, None),
            &options,
        );
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["u.json: $: incident updates without incidents; give them as the second file of an incidents export"]
        );
        assert_eq!(
            parsed.notes,
            ["u.json: milestone `begin` in this source's `milestones` is not one of started, detected, mitigated, resolved; it was not used"]
        );
    }
}
