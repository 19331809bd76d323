//! Google Cloud's public status feed, `https://status.cloud.google.com/incidents.json`: a
//! top-level array of incidents with `begin`, `created`, `end`, `modified`, `severity`
//! (`low`, `medium`, `high`), `affected_products` and `updates` (newest first; the newest is
//! repeated as `most_recent_update`, which is read only when `updates` is missing).
//!
//! Fields: `id` → `gcp:<id>` (`number` is a second id, not used); `external_desc` → title;
//! `begin` → `started_at` (impact began; it can lie days before `created`); `created` (when
//! Google posted it) → `detected_at`; `end` (impact ended; it can lie before `created` for an
//! incident posted after the fact) and the first update with status `AVAILABLE` (when Google
//! declared the products available again): the earlier → `mitigated_at`, the later →
//! `resolved_at` (either alone is both, or only `resolved_at` for an `AVAILABLE` update).
//! Severity through [`super::severity_from_name`]: high → 2, medium → 3, low → 4 (Google's
//! scale has nothing above `high`; a source's `severities` can say `high = 1`). Services: the
//! `affected_products` titles through the catalog, or `service_name` when there is no product
//! list (it says "Multiple Products" when there are several). Locations are not services and are
//! not read. Timeline: each update at its `when` (else `created`), `kind` its status lower-cased
//! (`service_information`, `service_disruption`, `service_outage`, `available`).

use serde_json::Value;

use super::fields::{self, Record};
use super::{severity_from_name, IncidentOptions};
use crate::ingest::source::{Context, Parsed};
use crate::model::{Incident, Reject, TimelineEvent};

/// The format name, also each incident's `source`.
pub const FORMAT: &str = "gcp";

/// Read a Google Cloud status `incidents.json`.
pub fn parse(text: &str, ctx: &Context<'_>, options: &IncidentOptions) -> Parsed<Incident> {
    let mut parsed = Parsed::default();
    let root = match fields::parse_json(text, ctx) {
        Ok(root) => root,
        Err(reject) => {
            parsed.rejects.push(reject);
            return parsed;
        }
    };
    let Value::Array(items) = &root else {
        parsed.rejects.push(ctx.reject(
            "$",
            None,
            format!(
                "expected the incidents array of Google Cloud's incidents.json, found {}",
                fields::describe(&root)
            ),
        ));
        return parsed;
    };
    for (index, value) in items.iter().enumerate() {
        let record = Record::new(value, format!("$[{index}]"), ctx);
        match incident(&record, options, &mut parsed.rejects, &mut parsed.notes) {
            Ok(incident) => parsed.records.push(incident),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    parsed
}

fn incident(
    record: &Record<'_, '_>,
    options: &IncidentOptions,
    rejects: &mut Vec<Reject>,
    notes: &mut Vec<String>,
) -> Result<Incident, Reject> {
    record.expect_object("a Google Cloud incident")?;
    let zone = record.ctx.zone;
    let id = record.req_id("id")?;
    let title = record.req_str("external_desc")?;
    let started_at = record.req_time("begin", zone)?;
    let created = record.opt_time("created", zone)?;
    let end = record.opt_time("end", zone)?;
    record.check_not_before("end", end, "begin", started_at)?;

    let mut timeline = Vec::new();
    let updates: Vec<Record<'_, '_>> = match record.get("updates") {
        Some(_) => {
            record.array("updates")?.iter().enumerate().map(|(i, v)| record.item("updates", i, v)).collect()
        }
        None => record.child("most_recent_update").into_iter().collect(),
    };
    // Newest first in the source: read in reverse so that the stable sort keeps ties in order.
    for update in updates.iter().rev() {
        match timeline_update(update) {
            Ok(event) => timeline.push(event),
            Err(reject) => rejects.push(reject),
        }
    }
    // Impact ended (`end`) and products declared available again: whichever came first is the
    // mitigation, the later the resolution (Google posts either first).
    let available = timeline.iter().filter(|e| e.kind == "available").map(|e| e.at).min();
    let (mitigated_at, resolved_at) = match (end, available) {
        (Some(end), Some(available)) => (Some(end.min(available)), Some(end.max(available))),
        (end, available) => (end, available.or(end)),
    };
    record.check_not_before("updates", resolved_at, "begin", started_at)?;

    let severity = match record.opt_str("severity")? {
        Some(name) => {
            let level = severity_from_name(name, &options.severities);
            if level.is_none() {
                notes.push(record.note(format_args!(
                    "severity `{name}` maps to no level; add it to this source's `severities`"
                )));
            }
            level
        }
        None => None,
    };

    let mut names = Vec::new();
    for (index, value) in record.array("affected_products")?.iter().enumerate() {
        let product = record.item("affected_products", index, value);
        product.expect_object("an affected product")?;
        names.push(product.req_str("title")?);
    }
    if names.is_empty() {
        names.extend(record.opt_str("service_name")?);
    }
    let mut services = Vec::new();
    let named = !names.is_empty();
    fields::map_services(record, names, "product", &mut services, notes);
    if !named {
        notes.push(fields::no_services_note(record, &id, " (no `affected_products`, no `service_name`)"));
    }

    Ok(fields::finish(Incident {
        id: format!("{FORMAT}:{id}"),
        title: title.to_string(),
        severity,
        services,
        started_at,
        detected_at: created,
        mitigated_at,
        resolved_at,
        customers_affected: None,
        timeline,
        source: FORMAT.to_string(),
        origin: record.origin(),
    }))
}

fn timeline_update(update: &Record<'_, '_>) -> Result<TimelineEvent, Reject> {
    update.expect_object("an update")?;
    let zone = update.ctx.zone;
    let at = match update.opt_time("when", zone)? {
        Some(at) => at,
        None => update
            .opt_time("created", zone)?
            .ok_or_else(|| update.reject("when", "missing, and so is `created`; expected a timestamp"))?,
    };
    let kind = update.opt_str("status")?.unwrap_or("update").trim().to_lowercase();
    let text = update.opt_str("text")?.unwrap_or("");
    Ok(TimelineEvent { at, kind, text: fields::text(text) })
}

#[cfg(test)]
mod tests {
    use super::super::fields::testing::{at, ctx, fixture, resolver};
    use super::*;

    fn read(text: &str, file: &str) -> Parsed<Incident> {
        let services = resolver();
        parse(text, &ctx(file, &services, None), &IncidentOptions::default())
    }

    #[test]
    fn every_sample_incident_is_read_with_times_severity_and_products() {
        let parsed = read(&fixture("gcp-status/incidents-sample.json"), "gcp.json");
        assert_eq!(parsed.rejects, vec![]);
        assert_eq!(parsed.records.len(), 8);
        let summary: Vec<(&str, Option<i32>, usize)> =
            parsed.records.iter().map(|i| (i.id.as_str(), i.severity, i.timeline.len())).collect();
        assert_eq!(
            summary,
            [
                ("gcp:TaA75H7XA1DQyM2ReK2f", Some(4), 5),
                ("gcp:mDY7jN545et9XUV541MZ", Some(4), 5),
                ("gcp:sPyYB214xAhqnoxNrrnW", Some(3), 4),
                ("gcp:V3AJNVDysYF1EXttKC3N", Some(4), 8),
                ("gcp:pXUM8jeE61fpp3VXz5sr", Some(4), 2),
                ("gcp:mbtvSs2qKE3Nz6nxR6rY", Some(4), 2),
                ("gcp:iAgVMxJUfE1J9et7j9KB", Some(2), 3),
                ("gcp:huJFgyiNYPPypbw8PX9Y", Some(2), 7),
            ]
        );

        // Every incident's milestones: the earlier of `end` and the first AVAILABLE update
        // mitigates, the later resolves.
        let milestones: Vec<(&str, String, String, String, String)> = parsed
            .records
            .iter()
            .map(|i| {
                let show = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)).unwrap_or_default()
                };
                (
                    i.id.as_str(),
                    show(Some(i.started_at)),
                    show(i.detected_at),
                    show(i.mitigated_at),
                    show(i.resolved_at),
                )
            })
            .collect();
        let expected: Vec<(&str, &str, &str, &str, &str)> = vec![
            (
                "gcp:TaA75H7XA1DQyM2ReK2f",
                "2022-07-01T13:37:44Z",
                "2022-07-01T14:05:02Z",
                "2022-07-01T19:25:45Z",
                "2022-07-01T19:25:45Z",
            ),
            (
                "gcp:mDY7jN545et9XUV541MZ",
                "2022-06-30T18:12:00Z",
                "2022-06-30T18:45:06Z",
                "2022-07-01T02:15:28Z",
                "2022-07-01T02:15:28Z",
            ),
            (
                "gcp:sPyYB214xAhqnoxNrrnW",
                "2022-06-29T20:54:00Z",
                "2022-06-29T22:14:46Z",
                "2022-06-29T22:59:00Z",
                "2022-06-29T23:11:51Z",
            ),
            (
                "gcp:V3AJNVDysYF1EXttKC3N",
                "2022-06-29T18:29:36Z",
                "2022-06-29T18:29:38Z",
                "2022-06-30T18:42:09Z",
                "2022-06-30T18:42:09Z",
            ),
            (
                "gcp:pXUM8jeE61fpp3VXz5sr",
                "2022-06-28T16:08:29Z",
                "2022-06-28T16:46:51Z",
                "2022-06-28T17:04:11Z",
                "2022-06-28T17:04:17Z",
            ),
            (
                "gcp:mbtvSs2qKE3Nz6nxR6rY",
                "2022-06-28T09:55:31Z",
                "2022-06-28T10:20:33Z",
                "2022-06-28T10:25:30Z",
                "2022-06-28T10:25:35Z",
            ),
            (
                "gcp:iAgVMxJUfE1J9et7j9KB",
                "2022-06-16T08:11:00Z",
                "2022-06-16T09:46:24Z",
                "2022-06-16T09:44:00Z",
                "2022-06-16T10:03:47Z",
            ),
            (
                "gcp:huJFgyiNYPPypbw8PX9Y",
                "2022-06-14T10:06:00Z",
                "2022-06-16T16:27:22Z",
                "2022-06-16T18:33:00Z",
                "2022-06-16T18:55:37Z",
            ),
        ];
        let expected: Vec<(&str, String, String, String, String)> = expected
            .into_iter()
            .map(|(id, s, d, m, r)| (id, s.to_string(), d.to_string(), m.to_string(), r.to_string()))
            .collect();
        assert_eq!(milestones, expected);

        let bigquery = &parsed.records[0];
        assert_eq!(bigquery.title, "[Google BigQuery] Lower throughput from the Read API");
        assert_eq!(bigquery.services, ["bigquery"]);
        assert_eq!(bigquery.started_at, at("2022-07-01T13:37:44Z"));
        assert_eq!(bigquery.detected_at, Some(at("2022-07-01T14:05:02Z")));
        assert_eq!(bigquery.mitigated_at, Some(at("2022-07-01T19:25:45Z")));
        assert_eq!(bigquery.resolved_at, Some(at("2022-07-01T19:25:45Z")));
        assert_eq!(bigquery.timeline[0].at, at("2022-07-01T14:04:53Z"));
        assert_eq!(bigquery.timeline[0].kind, "service_information");
        assert!(bigquery.timeline[0]
            .text
            .starts_with("Summary: [Google BigQuery] Lower throughput from the Read API\n"));
        assert_eq!(bigquery.timeline[4].kind, "available");
        assert!(bigquery.timeline[4].text.starts_with("The issue with Google BigQuery has been resolved"));
        assert_eq!(bigquery.origin, "gcp.json:$[0]");

        // Posted after impact ended: `end` before `created`, closed by the first AVAILABLE update.
        let packet_loss = &parsed.records[6];
        assert_eq!(packet_loss.title, "Google Cloud Networking packet loss issue");
        assert_eq!(packet_loss.services, ["networking"]);
        assert_eq!(packet_loss.started_at, at("2022-06-16T08:11:00Z"));
        assert_eq!(packet_loss.detected_at, Some(at("2022-06-16T09:46:24Z")));
        assert_eq!(packet_loss.mitigated_at, Some(at("2022-06-16T09:44:00Z")));
        assert_eq!(packet_loss.resolved_at, Some(at("2022-06-16T10:03:47Z")));
        assert_eq!(packet_loss.timeline[0].at, at("2022-06-16T09:46:13Z"));
        assert_eq!(packet_loss.timeline[0].kind, "service_outage");
        assert_eq!(packet_loss.timeline[2].at, at("2022-06-17T00:10:38Z"));
        assert!(packet_loss.timeline[2].text.starts_with("# MINI INCIDENT REPORT\n"));

        assert!(parsed.notes.contains(
            &"gcp.json: $[1]: product `Google Cloud Composer` maps to no catalog service; add it to this source's `services` in faultline.toml or as an alias in the catalog".to_string()
        ));
    }

    #[test]
    fn malformed_incident_is_rejected_with_its_field() {
        let text = fixture("gcp-status/incidents-sample.json").replacen(
            "\"begin\": \"2022-07-01T13:37:44+00:00\"",
            "\"begin\": null",
            1,
        );
        let parsed = read(&text, "bad.json");
        assert_eq!(parsed.records.len(), 7);
        assert_eq!(
            parsed.rejects.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["bad.json: $[0]: field `begin`: missing; expected a timestamp"]
        );
        let parsed = read(
            r#"[{"id": "x", "external_desc": "x", "begin": "2022-07-01T13:00:00+00:00", "end": "2022-07-01T12:00:00+00:00"}]"#,
            "e.json",
        );
        assert_eq!(
            parsed.rejects[0].to_string(),
            "e.json: $[0]: field `end`: 2022-07-01T12:00:00Z is before `begin` (2022-07-01T13:00:00Z); expected a time at or after it"
        );
        let parsed = read(r#"{"incidents": []}"#, "o.json");
        assert_eq!(
            parsed.rejects[0].to_string(),
            "o.json: $: expected the incidents array of Google Cloud's incidents.json, found an object"
        );
    }
}
