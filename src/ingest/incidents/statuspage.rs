//! Atlassian Statuspage v2: the `incidents.json` list (`{"page", "incidents": [...]}`), one
//! incident (`{"page", "incident"}`, as `incidents/<id>.json` returns it) and the incident
//! webhook (`{"meta", "page", "incident"}`). A bare array of incidents is read too.
//!
//! How the fields are read, and why:
//! - `started_at` is when impact began; it is preferred over `created_at` (when the incident was
//!   posted), which becomes `detected_at`. Old incidents have no `started_at`.
//! - `incident_updates` come newest first; the timeline is put oldest first by each update's
//!   `display_at`, because incidents backfilled years later carry the backfill date in
//!   `created_at`. An update without `display_at` uses its `created_at`. Each entry's `kind` is
//!   the update's status (`investigating`, `identified`, `monitoring`, `resolved`, …).
//! - Bodies contain HTML and `\r\n`: the text is kept as written (renderers escape it), with
//!   line ends normalised to `\n`.
//! - `mitigated_at` is `monitoring_at`, else the first update with status `monitoring` (the
//!   status Statuspage defines as "a fix has been implemented"). An incident that went straight
//!   to `resolved` has no mitigation time of its own: it stays `None` rather than being copied
//!   from the resolution, so analyses can tell the two apart.
//! - `resolved_at` is `resolved_at`, else the first update with status `resolved`.
//! - `impact_override`, else `impact` → severity via [`super::severity_from_name`]:
//!   critical → 1, major → 2, minor → 3, none and maintenance → 5.
//! - Services come from `components` (their names through the catalog). `components` is often
//!   empty while the updates' `affected_components` name the components, so a component named
//!   there whose `code` is not in `components` counts too. Their old/new statuses are not read:
//!   they are usually equal even during an outage. When neither names a component the incident
//!   has no service and a note says so; a title that lists components in prose
//!   ("Incident with Actions and Git Operations") is not parsed: that would be guessing.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fields::{self, Record};
use super::{severity_from_name, IncidentOptions};
use crate::ingest::source::{Context, Parsed};
use crate::model::{Incident, Reject, TimelineEvent};

/// The format name, also each incident's `source`.
pub const FORMAT: &str = "statuspage";

/// Read a Statuspage export or webhook.
pub fn parse(text: &str, ctx: &Context<'_>, options: &IncidentOptions) -> Parsed<Incident> {
    let mut parsed = Parsed::default();
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
        Value::Object(map) if map.contains_key("component_update") || map.contains_key("component") => {
            parsed.rejects.push(record.reject_record(
                "a component-update webhook carries no incident; expected `incident` or `incidents`",
            ));
            return parsed;
        }
        other => {
            parsed.rejects.push(record.reject_record(format!(
                "expected a Statuspage incident list (`incidents`), one incident (`incident`) or an incident webhook, found {}",
                fields::describe(other)
            )));
            return parsed;
        }
    };
    for item in items {
        match incident(&item, options, &mut parsed.rejects, &mut parsed.notes) {
            Ok(incident) => parsed.records.push(incident),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    parsed
}

/// One incident object.
fn incident(
    record: &Record<'_, '_>,
    options: &IncidentOptions,
    rejects: &mut Vec<Reject>,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    record.expect_object("a Statuspage incident")?;
    let zone = record.ctx.zone;
    let id = record.req_id("id")?;
    let title = record.req_str("name")?;
    let created_at = record.opt_time("created_at", zone)?;
    let started_at = match record.opt_time("started_at", zone)?.or(created_at) {
        Some(at) => at,
        None => {
            return Err(record.reject("started_at", "missing, and so is `created_at`; expected a timestamp"))
        }
    };

    // Newest first in the source: read in reverse so that updates at the same instant stay
    // oldest first after the stable sort.
    let mut timeline = Vec::new();
    let mut first_monitoring: Option<DateTime<Utc>> = None;
    let mut first_resolved: Option<DateTime<Utc>> = None;
    let mut affected: Vec<(Option<String>, &str)> = Vec::new();
    let updates = record.array("incident_updates")?;
    for (index, value) in updates.iter().enumerate().rev() {
        let update = record.item("incident_updates", index, value);
        match timeline_update(&update) {
            Ok((event, names)) => {
                let slot = match event.kind.as_str() {
                    "monitoring" => Some(&mut first_monitoring),
                    "resolved" => Some(&mut first_resolved),
                    _ => None,
                };
                if let Some(slot) = slot {
                    *slot = Some(slot.map_or(event.at, |at| at.min(event.at)));
                }
                affected.extend(names);
                timeline.push(event);
            }
            Err(reject) => rejects.push(reject),
        }
    }

    let mitigated_at = record.opt_time("monitoring_at", zone)?.or(first_monitoring);
    let resolved_at = record.opt_time("resolved_at", zone)?.or(first_resolved);
    record.check_not_before("monitoring_at", mitigated_at, "started_at", started_at)?;
    record.check_not_before("resolved_at", resolved_at, "started_at", started_at)?;

    let impact_field = if record.get("impact_override").is_some() { "impact_override" } else { "impact" };
    let severity = match record.opt_str(impact_field)? {
        Some(impact) => {
            let level = severity_from_name(impact, &options.severities);
            if level.is_none() {
                notes.push(record.note(format_args!(
                    "impact `{impact}` maps to no severity; add it to this source's `severities`"
                )));
            }
            level
        }
        None => None,
    };

    let mut services = Vec::new();
    let mut codes = BTreeSet::new();
    let mut names = Vec::new();
    for (index, value) in record.array("components")?.iter().enumerate() {
        let component = record.item("components", index, value);
        component.expect_object("a component")?;
        if let Some(code) = component.opt_id("id")? {
            codes.insert(code);
        }
        names.push(component.req_str("name")?);
    }
    let mut seen_extra = BTreeSet::new();
    for (code, name) in affected {
        let known = code.as_ref().is_some_and(|c| codes.contains(c));
        if !known && seen_extra.insert(name) {
            names.push(name);
        }
    }
    let named_any = names.iter().any(|n| !n.trim().is_empty());
    fields::map_services(record, names, "component", &mut services, notes);
    if !named_any {
        notes.push(fields::no_services_note(
            record,
            &id,
            ": neither `components` nor the updates' `affected_components` name one (a title that lists components in prose is not read)",
        ));
    }

    Ok(fields::finish(Incident {
        id: format!("{FORMAT}:{id}"),
        title: title.to_string(),
        severity,
        services,
        started_at,
        detected_at: created_at,
        mitigated_at,
        resolved_at,
        customers_affected: None,
        timeline,
        source: FORMAT.to_string(),
        origin: record.origin(),
    }))
}

/// One incident update: its timeline entry and the components it names (code, name).
fn timeline_update<'v>(
    update: &Record<'v, '_>,
) -> Result<(TimelineEvent, Vec<(Option<String>, &'v str)>), Reject> {
    update.expect_object("an incident update")?;
    let zone = update.ctx.zone;
    let at = match update.opt_time("display_at", zone)? {
        Some(at) => at,
        None => update.opt_time("created_at", zone)?.ok_or_else(|| {
            update.reject("display_at", "missing, and so is `created_at`; expected a timestamp")
        })?,
    };
    let kind = update.opt_str("status")?.unwrap_or("update").trim().to_lowercase();
    let body = update.opt_str("body")?.unwrap_or("");
    let mut names = Vec::new();
    for (index, value) in update.array("affected_components")?.iter().enumerate() {
        let component = update.item("affected_components", index, value);
        component.expect_object("an affected component")?;
        if let Some(name) = component.opt_str("name")? {
            names.push((component.opt_id("code")?, name));
        }
    }
    Ok((TimelineEvent { at, kind, text: fields::text(body) }, names))
}

#[cfg(test)]
mod tests {
    use super::super::fields::testing::{at, ctx, fixture, resolver};
    use super::*;

    fn read(path: &str) -> Parsed<Incident> {
        let services = resolver();
        parse(&fixture(path), &ctx(path, &services, None), &IncidentOptions::default())
    }

    fn one(path: &str) -> (Incident, Vec<String>) {
        let parsed = read(path);
        assert_eq!(parsed.rejects, vec![], "{path}");
        assert_eq!(parsed.records.len(), 1, "{path}");
        (parsed.records.into_iter().next().expect("one record"), parsed.notes)
    }

    #[test]
    fn single_incident_reads_display_times_oldest_first_with_components_as_services() {
        let (incident, notes) = one("statuspage/githubstatus-00km0kwpz23b.json");
        assert_eq!(incident.id, "statuspage:00km0kwpz23b");
        assert_eq!(incident.title, "Incident with Actions and Git Operations");
        assert_eq!(incident.severity, Some(3));
        assert_eq!(incident.services, ["actions", "git"]);
        assert_eq!(incident.started_at, at("2023-01-10T17:04:42.456Z"));
        assert_eq!(incident.detected_at, Some(at("2023-01-10T17:04:42.462Z")));
        assert_eq!(incident.mitigated_at, None);
        assert_eq!(incident.resolved_at, Some(at("2023-01-10T18:14:45.860Z")));
        assert_eq!(incident.timeline.len(), 4);
        let first = &incident.timeline[0];
        assert_eq!(first.at, at("2023-01-10T17:04:42.496Z"));
        assert_eq!(first.kind, "investigating");
        assert_eq!(first.text, "We are investigating reports of degraded performance for Git Operations.");
        let last = &incident.timeline[3];
        assert_eq!((last.at, last.kind.as_str()), (at("2023-01-10T18:14:45.860Z"), "resolved"));
        assert_eq!(last.text, "This incident has been resolved.");
        assert_eq!(incident.source, "statuspage");
        assert_eq!(incident.origin, "statuspage/githubstatus-00km0kwpz23b.json:$.incident");
        assert_eq!(notes, Vec::<String>::new());
    }

    #[test]
    fn empty_components_with_prose_in_the_name_give_no_service_and_a_note() {
        let (incident, notes) = one("statuspage/githubstatus-22y5yl6gcc6b.json");
        assert_eq!(incident.id, "statuspage:22y5yl6gcc6b");
        assert_eq!(incident.title, "Incident with GitHub Docs");
        assert_eq!(incident.severity, Some(2));
        assert_eq!(incident.services, Vec::<String>::new());
        assert_eq!(incident.started_at, at("2021-11-29T12:30:44.749Z"));
        assert_eq!(incident.resolved_at, Some(at("2021-11-29T13:28:24.008Z")));
        assert_eq!(incident.timeline.len(), 2);
        assert_eq!(incident.timeline[0].at, at("2021-11-29T12:30:44.807Z"));
        assert_eq!(incident.timeline[1].kind, "resolved");
        assert_eq!(
            notes,
            ["statuspage/githubstatus-22y5yl6gcc6b.json: $.incident: incident `22y5yl6gcc6b` names no affected service: neither `components` nor the updates' `affected_components` name one (a title that lists components in prose is not read)"]
        );
    }

    #[test]
    fn backfilled_incident_uses_display_at_not_the_backfill_date_and_keeps_html() {
        let (incident, notes) = one("statuspage/githubstatus-92lgbmn7kxpt.json");
        assert_eq!(incident.id, "statuspage:92lgbmn7kxpt");
        assert_eq!(incident.title, "Incident on 2016-07-12 16:00:47 UTC");
        assert_eq!(incident.severity, Some(2));
        // `Issues` is the component; the update names it by its old name under the same code.
        assert_eq!(incident.services, Vec::<String>::new());
        assert_eq!(
            notes,
            ["statuspage/githubstatus-92lgbmn7kxpt.json: $.incident: component `Issues` maps to no catalog service; add it to this source's `services` in faultline.toml or as an alias in the catalog"]
        );
        assert_eq!(incident.started_at, at("2016-07-12T16:00:47Z"));
        assert_eq!(incident.detected_at, Some(at("2016-07-12T16:00:47Z")));
        assert_eq!(incident.resolved_at, Some(at("2016-07-12T16:00:47Z")));
        assert_eq!(incident.timeline.len(), 1);
        assert_eq!(incident.timeline[0].at, at("2016-07-12T16:00:47Z"));
        assert!(incident.timeline[0]
            .text
            .starts_with("<ul><li><strong>2016-07-12 16:00:47</strong> - We're investigating"));
    }

    #[test]
    fn monitoring_at_is_the_mitigation_and_affected_components_stand_in_for_an_empty_list() {
        let (incident, notes) = one("statuspage/githubstatus-rgy28jwprr1c.json");
        assert_eq!(incident.id, "statuspage:rgy28jwprr1c");
        assert_eq!(incident.title, "Notifications degredation");
        assert_eq!(incident.severity, Some(1));
        assert_eq!(incident.services, ["notifications"]);
        assert_eq!(incident.started_at, at("2019-09-23T16:12:01.644Z"));
        assert_eq!(incident.detected_at, Some(at("2019-09-23T16:12:01.654Z")));
        assert_eq!(incident.mitigated_at, Some(at("2019-09-23T16:28:27.036Z")));
        assert_eq!(incident.resolved_at, Some(at("2019-09-23T16:37:46.707Z")));
        assert_eq!(
            incident.timeline.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["investigating", "identified", "monitoring", "resolved"]
        );
        assert_eq!(incident.timeline[0].text, "We are investigating a delay in webhook delivery.");
        assert_eq!(
            incident.timeline[3].text,
            "The backlog has cleared and all notifications are operational."
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn long_incidents_keep_every_update_in_order() {
        let (incident, _) = one("statuspage/githubstatus-f0mhbz9xn497.json");
        assert_eq!(incident.id, "statuspage:f0mhbz9xn497");
        assert_eq!(incident.severity, Some(2));
        assert_eq!(incident.services, ["actions", "git"]);
        assert_eq!(incident.started_at, at("2023-05-09T11:32:57.678Z"));
        assert_eq!(incident.resolved_at, Some(at("2023-05-09T21:14:09.894Z")));
        assert_eq!(incident.timeline.len(), 30);
        assert_eq!(incident.timeline[0].at, at("2023-05-09T11:32:57.777Z"));
        assert_eq!(incident.timeline[29].at, at("2023-05-09T21:14:09.894Z"));
        assert!(incident.timeline.windows(2).all(|w| w[0].at <= w[1].at));

        let (incident, _) = one("statuspage/githubstatus-gqx5l06jjxhp.json");
        assert_eq!(incident.id, "statuspage:gqx5l06jjxhp");
        assert_eq!(incident.title, "Incident On 2023-06-29");
        assert_eq!(incident.severity, Some(1));
        assert_eq!(incident.started_at, at("2023-06-29T17:52:11.466Z"));
        assert_eq!(incident.resolved_at, Some(at("2023-06-29T18:36:19Z")));
        assert_eq!(incident.timeline.len(), 8);
        assert_eq!(incident.timeline[7].at, at("2023-06-29T18:36:19Z"));
        assert_eq!(incident.timeline[7].kind, "resolved");
    }

    #[test]
    fn list_response_without_started_at_starts_at_created_at_and_normalises_line_ends() {
        let parsed = read("statuspage/cloudflare-incidents-list-excerpt.json");
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.records.len(), 2);
        let api = &parsed.records[0];
        assert_eq!(api.id, "statuspage:q746ybtyb6q0");
        assert_eq!(api.title, "Cloudflare API service issues");
        assert_eq!(api.severity, Some(3));
        assert_eq!(api.services, ["cloudflare-api"]);
        assert_eq!(api.started_at, at("2018-09-17T19:29:21.132Z"));
        assert_eq!(api.detected_at, Some(at("2018-09-17T19:29:21.132Z")));
        assert_eq!(api.mitigated_at, Some(at("2018-09-17T21:35:06.492Z")));
        assert_eq!(api.resolved_at, Some(at("2018-09-18T07:45:41.290Z")));
        assert_eq!(api.timeline.len(), 4);
        assert_eq!(api.timeline[0].at, at("2018-09-17T19:29:21.201Z"));
        assert_eq!(
            api.timeline[2].text,
            "Cloudflare has implemented a fix for this issue and is currently monitoring the results.\n\nWe will update the status once the issue is resolved."
        );
        assert_eq!(api.origin, "statuspage/cloudflare-incidents-list-excerpt.json:$.incidents[0]");
        let analytics = &parsed.records[1];
        assert_eq!(analytics.id, "statuspage:wqfk9mzs5qt1");
        assert_eq!(analytics.services, ["analytics"]);
        assert_eq!(analytics.mitigated_at, None);
        assert_eq!(analytics.timeline.len(), 2);
        assert_eq!(analytics.timeline[1].kind, "resolved");
        assert_eq!(parsed.notes, Vec::<String>::new());
    }

    #[test]
    fn webhook_reads_like_a_single_incident_with_impact_none_as_severity_5() {
        let (incident, notes) = one("statuspage/webhook-incident-update.json");
        assert_eq!(incident.id, "statuspage:z3lct0r596n4");
        assert_eq!(incident.title, "Database query delays");
        assert_eq!(incident.severity, Some(5));
        assert_eq!(incident.services, ["portal"]);
        assert_eq!(incident.started_at, at("2017-12-26T07:32:00.507Z"));
        assert_eq!(incident.resolved_at, Some(at("2017-12-26T07:37:20.785Z")));
        assert_eq!(incident.timeline.len(), 2);
        assert_eq!(incident.timeline[0].kind, "identified");
        assert_eq!(incident.timeline[1].text, "The database issue is resolved.");
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn offsets_from_pages_with_a_local_zone_are_honoured() {
        let text = r#"{"incident": {"id": "x1", "name": "Slow", "impact": "major",
            "created_at": "2024-03-01T10:05:00.000-06:00", "started_at": "2024-03-01T10:00:00.000-06:00",
            "resolved_at": "2024-03-01T11:00:00.000-06:00", "incident_updates": [], "components": []}}"#;
        let services = resolver();
        let parsed = parse(text, &ctx("s.json", &services, None), &IncidentOptions::default());
        assert_eq!(parsed.records[0].started_at, at("2024-03-01T16:00:00Z"));
        assert_eq!(parsed.records[0].resolved_at, Some(at("2024-03-01T17:00:00Z")));
    }

    #[test]
    fn malformed_incident_is_rejected_with_path_field_and_expectation() {
        let text = fixture("statuspage/githubstatus-00km0kwpz23b.json")
            .replace(r#""started_at": "2023-01-10T17:04:42.456Z""#, r#""started_at": "yesterday""#);
        let services = resolver();
        let parsed = parse(&text, &ctx("bad.json", &services, None), &IncidentOptions::default());
        assert!(parsed.records.is_empty());
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["bad.json: $.incident: field `started_at`: expected a timestamp: \"yesterday\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds"]
        );
    }

    #[test]
    fn a_bad_update_is_rejected_alone_and_the_incident_kept() {
        let text = r#"{"incidents": [{"id": "a", "name": "A", "created_at": "2024-01-01T00:00:00Z",
            "incident_updates": [{"status": "resolved", "body": "ok", "display_at": "2024-01-01T01:00:00Z"},
                                 {"status": "investigating", "body": "hm"}]},
            {"id": "b", "name": "B", "created_at": "2024-01-02T00:00:00Z", "resolved_at": "2023-12-31T00:00:00Z"},
            {"name": "C"}, 7]}"#;
        let services = resolver();
        let parsed = parse(text, &ctx("l.json", &services, None), &IncidentOptions::default());
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].timeline.len(), 1);
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "l.json: $.incidents[0].incident_updates[1]: field `display_at`: missing, and so is `created_at`; expected a timestamp",
                "l.json: $.incidents[1]: field `resolved_at`: 2023-12-31T00:00:00Z is before `started_at` (2024-01-02T00:00:00Z); expected a time at or after it",
                "l.json: $.incidents[2]: field `id`: missing; expected an id (a string or an integer)",
                "l.json: $.incidents[3]: expected a Statuspage incident (a JSON object), found the number 7",
            ]
        );
    }

    #[test]
    fn documents_that_hold_no_incident_are_rejected_as_a_whole() {
        let services = resolver();
        let c = ctx("w.json", &services, None);
        let options = IncidentOptions::default();
        let component =
            parse(r#"{"meta": {}, "page": {}, "component_update": {}, "component": {}}"#, &c, &options);
        assert_eq!(
            component.rejects[0].to_string(),
            "w.json: $: a component-update webhook carries no incident; expected `incident` or `incidents`"
        );
        let broken = parse("{\"incidents\": [", &c, &options);
        assert_eq!(
            broken.rejects[0].to_string(),
            "w.json: line 1 column 15: not valid JSON (EOF while parsing a list); expected one JSON document or JSON Lines"
        );
        let other = parse("{\"page\": {}}", &c, &options);
        assert_eq!(
            other.rejects[0].to_string(),
            "w.json: $: expected a Statuspage incident list (`incidents`), one incident (`incident`) or an incident webhook, found an object"
        );
    }
}
