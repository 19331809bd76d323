//! Incident timelines, one module per tool that exports them: Atlassian Statuspage, PagerDuty,
//! incident.io, Opsgenie and the Google Cloud status feed, plus faultline's canonical format.
//!
//! Every reader turns its vendor's records into [`crate::model::Incident`]s (ids prefixed by the
//! source, `statuspage:…`, `pagerduty:…`), reports each record it cannot use as a
//! [`crate::model::Reject`] naming the JSON path or line and the field, and says in
//! [`crate::ingest::source::Parsed::notes`] what it could not map (a component that is no
//! catalog service, a severity name it does not know). Two decisions are shared here so that
//! every source means the same thing by them: the severity scale ([`severity_from_name`]) and
//! which format a file holds ([`detect`]).

pub mod canonical;
pub mod gcp;
pub mod incidentio;
pub mod opsgenie;
pub mod pagerduty;
pub mod statuspage;

pub(crate) mod fields;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::error::{Error, Result};
use crate::ingest::grouped::read_grouped;
use crate::ingest::source::{Context, Parsed};
use crate::model::Incident;

/// How one incident source is read, from its entry in the config.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentOptions {
    /// The source's own severity or priority names → 1 (worst) … 5, tried before the built-in
    /// names of [`severity_from_name`]; matched ignoring case.
    pub severities: BTreeMap<String, i32>,
    /// incident.io: faultline's milestone (`started`, `detected`, `mitigated`, `resolved`) →
    /// the timestamp name this organisation chose; replaces the built-in names for that
    /// milestone (see [`incidentio`]).
    pub milestones: BTreeMap<String, String>,
    /// incident.io: names of the custom fields that list affected services or products; empty
    /// means the built-in names (see [`incidentio`]).
    pub service_fields: Vec<String>,
}

/// A second file that belongs to the main one: PagerDuty log entries, incident.io updates.
/// Its own path is kept so that a bad record in it is reported against the right file.
#[derive(Debug, Clone, Copy)]
pub struct CompanionFile<'a> {
    /// The file, as given in the config.
    pub path: &'a Path,
    /// Its content.
    pub text: &'a str,
}

/// The vendor formats whose JSON Lines files [`read_json_lines`] reads.
pub(crate) const JSON_LINES_FORMATS: [&str; 2] = ["pagerduty", "opsgenie"];

/// Read the vendor JSON Lines file `ctx.file` (its first non-blank line a JSON object) without
/// loading it whole: a group of one incident's payloads at a time, with the format's grouping
/// key and reader (see [`crate::ingest::grouped`]). PagerDuty's log entries are not attached
/// here: the caller attaches them once, to every group's incidents
/// ([`pagerduty::attach_companion`]).
pub(crate) fn read_json_lines(
    format: &str,
    ctx: &Context<'_>,
    options: &IncidentOptions,
) -> Result<Parsed<Incident>> {
    match format {
        "pagerduty" => read_grouped(
            ctx,
            &pagerduty::JSON_LINES,
            pagerduty::group_key,
            |text| pagerduty::parse(text, None, ctx, options),
            |docs| pagerduty::parse_lines(docs, ctx, options),
        ),
        "opsgenie" => read_grouped(
            ctx,
            &opsgenie::JSON_LINES,
            opsgenie::group_key,
            |text| opsgenie::parse(text, ctx, options),
            |docs| opsgenie::from_documents(docs, Vec::new(), ctx, options),
        ),
        other => {
            Err(Error::Internal(format!("incident format {other:?} has no JSON Lines reading by groups")))
        }
    }
}

/// The format names an `[[incidents]]` entry may give as `format`.
pub const FORMATS: &[&str] = &[
    "canonical",
    "canonical-jsonl",
    "jsonl",
    "statuspage",
    "pagerduty",
    "pagerduty-csv",
    "incidentio",
    "opsgenie",
    "gcp",
];

/// A severity or priority name as the tools write it → 1 (worst) … 5.
///
/// `overrides` (the source's `severities` in the config) are tried first, ignoring case and
/// surrounding space; a value outside 1…5 is not a severity and is skipped. Then the built-in
/// scale, ignoring case, spaces, `-` and `_`:
///
/// | written | severity |
/// |---|---|
/// | `SEV1`…`SEV5`, `P1`…`P5`, `1`…`5` (`SEV-2`, `Sev 2`, `priority 2` too) | 1…5 (`SEV0`/`P0` → 1) |
/// | `critical`, `emergency`, `blocker` | 1 |
/// | `major`, `high`, `urgent` | 2 |
/// | `minor`, `medium`, `moderate` | 3 |
/// | `low`, `warning` | 4 |
/// | `none`, `info`, `informational`, `notice`, `trivial`, `maintenance` | 5 |
///
/// So Statuspage's impact critical/major/minor/none reads 1/2/3/5, Google Cloud's
/// high/medium/low 2/3/4 and PagerDuty's urgency high/low 2/4. Anything else is `None`: the
/// reader notes the unknown name rather than guessing a level.
pub fn severity_from_name(name: &str, overrides: &BTreeMap<String, i32>) -> Option<i32> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Some((_, level)) = overrides.iter().find(|(k, _)| k.trim().eq_ignore_ascii_case(trimmed)) {
        if (1..=5).contains(level) {
            return Some(*level);
        }
    }
    let key: String =
        trimmed.chars().filter(|c| !matches!(c, ' ' | '-' | '_')).collect::<String>().to_ascii_lowercase();
    let digits = ["severity", "priority", "sev", "p"]
        .iter()
        .find_map(|prefix| key.strip_prefix(prefix))
        .unwrap_or(&key);
    if !digits.is_empty() && digits.len() <= 2 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match digits.parse::<i32>() {
            Ok(0) => Some(1),
            Ok(n @ 1..=5) => Some(n),
            _ => None,
        };
    }
    match key.as_str() {
        "critical" | "emergency" | "blocker" => Some(1),
        "major" | "high" | "urgent" => Some(2),
        "minor" | "medium" | "moderate" => Some(3),
        "low" | "warning" => Some(4),
        "none" | "info" | "informational" | "notice" | "trivial" | "maintenance" => Some(5),
        _ => None,
    }
}

/// The incident format of a file, told from its first few kilobytes, or `None`.
///
/// Returns one of `statuspage`, `pagerduty` (REST incidents, V2/V3 webhooks, the analytics raw
/// incidents and their CSV export: [`pagerduty::parse`] tells them apart), `incidentio`,
/// `opsgenie`, `gcp` and `canonical` (JSON, JSON Lines or YAML objects with `id`, `title` and
/// `started_at`). The start may be cut anywhere, so only key names are looked at, never the
/// structure; vendors are tried before `canonical` because their records may carry the
/// canonical keys too.
pub fn detect(text_start: &str) -> Option<&'static str> {
    static KEY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""([A-Za-z_]+)"\s*:"#).expect("a valid pattern"));
    static PD_EVENT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#""event(_type)?"\s*:\s*"incident\."#).expect("a valid pattern"));
    static YAML_KEY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^(?:\s*-)?\s*([A-Za-z_]+)\s*:").expect("a valid pattern"));

    let text = text_start.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return None;
    }
    let json = text.starts_with('{') || text.starts_with('[');
    if !json {
        let first = text.lines().next().unwrap_or("").to_ascii_lowercase();
        let header: Vec<&str> = first.split(',').map(|c| c.trim().trim_matches('"').trim()).collect();
        let has = |name: &str| header.iter().any(|c| c.replace([' ', '-'], "_") == name);
        if header.len() > 2 && has("incident_number") && (has("created_at") || has("created_on")) {
            return Some("pagerduty");
        }
        let keys: Vec<&str> =
            YAML_KEY.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str()).collect();
        if ["id", "title", "started_at"].iter().all(|k| keys.contains(k)) {
            return Some("canonical");
        }
        return None;
    }
    let keys: Vec<&str> = KEY.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str()).collect();
    let has = |k: &str| keys.contains(&k);
    if has("page_id") || has("shortlink") || (has("meta") && has("status_indicator")) {
        return Some("statuspage");
    }
    if has("alertId") || (has("alert") && has("integrationId")) || has("tinyId") {
        return Some("opsgenie");
    }
    if has("incident_timestamp_values")
        || has("custom_field_entries")
        || has("incident_role_assignments")
        || has("new_incident_status")
        || has("incident_status")
        || text.contains("app.incident.io")
    {
        return Some("incidentio");
    }
    if has("incident_number")
        || has("log_entries")
        || has("escalation_policy")
        || has("escalation_policy_id")
        || PD_EVENT.is_match(text)
    {
        return Some("pagerduty");
    }
    if has("external_desc") || has("affected_products") || (has("begin") && has("service_key")) {
        return Some("gcp");
    }
    if has("id") && has("title") && has("started_at") {
        return Some("canonical");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> String {
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    /// The first `n` bytes, cut on a character boundary, as a caller reading a file start would.
    fn start(text: &str, n: usize) -> &str {
        let mut end = n.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }

    #[test]
    fn severity_names_of_every_source_map_onto_one_scale() {
        let none = BTreeMap::new();
        let cases = [
            ("SEV1", Some(1)),
            ("sev-2", Some(2)),
            ("Sev 3", Some(3)),
            ("SEV0", Some(1)),
            ("P1", Some(1)),
            ("P5", Some(5)),
            ("priority 4", Some(4)),
            ("3", Some(3)),
            ("critical", Some(1)),
            ("Major", Some(2)),
            ("high", Some(2)),
            ("minor", Some(3)),
            ("medium", Some(3)),
            ("low", Some(4)),
            ("none", Some(5)),
            ("maintenance", Some(5)),
            ("P6", None),
            ("SEV12", None),
            ("Disaster", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(severity_from_name(name, &none), want, "{name}");
        }
    }

    #[test]
    fn configured_severity_names_win_and_out_of_range_values_are_skipped() {
        let overrides: BTreeMap<String, i32> =
            [("Disaster".to_string(), 1), ("Minor".to_string(), 4), ("weird".to_string(), 9)].into();
        assert_eq!(severity_from_name("disaster", &overrides), Some(1));
        assert_eq!(severity_from_name("MINOR", &overrides), Some(4));
        assert_eq!(severity_from_name("weird", &overrides), None);
        assert_eq!(severity_from_name("major", &overrides), Some(2));
    }

    #[test]
    fn detect_tells_every_real_sample_from_its_first_kilobytes() {
        let cases = [
            ("statuspage/githubstatus-00km0kwpz23b.json", "statuspage"),
            ("statuspage/githubstatus-22y5yl6gcc6b.json", "statuspage"),
            ("statuspage/cloudflare-incidents-list-excerpt.json", "statuspage"),
            ("statuspage/webhook-incident-update.json", "statuspage"),
            ("pagerduty/rest-v2-examples.json", "pagerduty"),
            ("pagerduty/webhook-v2-incident-trigger.json", "pagerduty"),
            ("pagerduty/webhook-v3-incident-resolved.json", "pagerduty"),
            ("pagerduty/webhook-v3-incident-triggered.json", "pagerduty"),
            ("pagerduty/incidents-export.csv", "pagerduty"),
            ("incidentio/api-v2-examples.json", "incidentio"),
            ("opsgenie/webhook-create.json", "opsgenie"),
            ("opsgenie/webhook-close.json", "opsgenie"),
            ("gcp-status/incidents-sample.json", "gcp"),
        ];
        for (path, want) in cases {
            let text = fixture(path);
            assert_eq!(detect(start(&text, 4096)), Some(want), "{path} (4 KB)");
            assert_eq!(detect(start(&text, 1024)), Some(want), "{path} (1 KB)");
        }
    }

    #[test]
    fn detect_recognises_each_shape_of_the_vendor_apis() {
        let pd_rest = r#"{"incidents": [{"id": "P1", "incident_number": 3, "title": "x"}]}"#;
        let pd_analytics =
            r#"{"data": [{"created_at": "2023-05-31T10:05:00", "escalation_policy_id": "E"}]}"#;
        let io_single = r#"{"incident": {"call_url": "x", "incident_status": {"name": "Closed"}}}"#;
        let io_updates = r#"{"incident_updates": [{"new_incident_status": {}}]}"#;
        let gcp = r#"[{"id": "a", "begin": "2022-07-01T13:37:44+00:00", "service_key": "k"}]"#;
        let og_rest = r#"{"data": [{"id": "a", "tinyId": "1", "message": "m"}]}"#;
        let pd_v3_jsonl = "{\"event\":{\"event_type\":\"incident.triggered\"}}\n";
        for (text, want) in [
            (pd_rest, "pagerduty"),
            (pd_analytics, "pagerduty"),
            (pd_v3_jsonl, "pagerduty"),
            (io_single, "incidentio"),
            (io_updates, "incidentio"),
            (gcp, "gcp"),
            (og_rest, "opsgenie"),
        ] {
            assert_eq!(detect(text), Some(want), "{text}");
        }
    }

    #[test]
    fn detect_recognises_canonical_json_lines_arrays_and_yaml() {
        let jsonl =
            "{\"id\": \"INC-1\", \"title\": \"Checkout down\", \"started_at\": \"2026-06-01T10:00:00Z\"}\n";
        let array = "[\n  {\"id\": \"INC-1\", \"title\": \"x\", \"severity\": \"SEV2\", \"started_at\": \"2026-06-01T10:00:00Z\"}";
        let yaml = "- id: INC-1\n  title: Checkout down\n  started_at: 2026-06-01T10:00:00Z\n";
        let yaml_doc = "---\nid: INC-1\ntitle: Checkout down\nstarted_at: 2026-06-01T10:00:00Z\n";
        for text in [jsonl, array, yaml, yaml_doc] {
            assert_eq!(detect(text), Some("canonical"), "{text}");
        }
    }

    /// `value` with its `target`th node (in document order) replaced by `with`.
    fn replace_node(
        value: &serde_json::Value,
        target: usize,
        with: &serde_json::Value,
        seen: &mut usize,
    ) -> serde_json::Value {
        use serde_json::Value;
        let here = *seen;
        *seen += 1;
        if here == target {
            return with.clone();
        }
        match value {
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| replace_node(v, target, with, seen)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter().map(|(k, v)| (k.clone(), replace_node(v, target, with, seen))).collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn no_reader_panics_on_cut_mutated_or_foreign_input() {
        use crate::ingest::source::{Context, ServiceResolver};
        use serde_json::{json, Value};

        let services = ServiceResolver::default();
        let ctx = Context { file: Path::new("f"), zone: None, services: &services };
        let options = IncidentOptions {
            milestones: [("started".to_string(), "Impact started".to_string())].into(),
            ..IncidentOptions::default()
        };
        let read_all = |text: &str| {
            let companion = CompanionFile { path: Path::new("g"), text };
            let _ = statuspage::parse(text, &ctx, &options);
            let _ = pagerduty::parse(text, Some(companion), &ctx, &options);
            let _ = incidentio::parse(text, Some(companion), &ctx, &options);
            let _ = opsgenie::parse(text, &ctx, &options);
            let _ = gcp::parse(text, &ctx, &options);
            let _ = detect(text);
        };
        let replacements = [
            Value::Null,
            json!(-1),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e300),
            json!("9999-12-31T23:59:59Z"),
            json!("x"),
            json!([]),
            json!({}),
        ];
        for path in [
            "statuspage/githubstatus-rgy28jwprr1c.json",
            "statuspage/cloudflare-incidents-list-excerpt.json",
            "statuspage/webhook-incident-update.json",
            "pagerduty/rest-v2-examples.json",
            "pagerduty/webhook-v2-incident-trigger.json",
            "pagerduty/webhook-v3-incident-resolved.json",
            "pagerduty/incidents-export.csv",
            "incidentio/api-v2-examples.json",
            "opsgenie/webhook-create.json",
            "opsgenie/webhook-close.json",
            "gcp-status/incidents-sample.json",
        ] {
            let text = fixture(path);
            read_all(&text);
            let step = (text.len() / 25).max(1);
            for n in (0..text.len()).step_by(step) {
                read_all(start(&text, n));
            }
            let Ok(value) = serde_json::from_str::<Value>(&text) else { continue };
            let mut nodes = 0;
            replace_node(&value, usize::MAX, &Value::Null, &mut nodes);
            // Every node of the small files; a spread of the large ones, and each one's subtree.
            for target in (0..nodes).step_by((nodes / 50).max(1)) {
                for with in &replacements {
                    let mutated = replace_node(&value, target, with, &mut 0);
                    read_all(&mutated.to_string());
                    if let Value::Array(items) = &mutated {
                        read_all(&Value::Array(items.iter().take(1).cloned().collect()).to_string());
                    }
                }
            }
            // Each endpoint of the vendor-example files on its own.
            if let Value::Object(map) = &value {
                for part in map.values() {
                    read_all(&part.to_string());
                }
            }
        }
    }

    #[test]
    fn detect_says_none_for_anything_else() {
        for text in [
            "",
            "   ",
            "hello world",
            "{\"deployments\": []}",
            "id,service,sha,started_at\n1,a,b,c\n",
            "[1, 2, 3]",
            "{\"id\": \"x\", \"title\": \"no start\"}",
            // PagerDuty change events are deploys, not incidents.
            "{\"change_events\": [{\"id\": \"01B\", \"self\": \"https://api.pagerduty.com/change_events/01B\"}]}",
        ] {
            assert_eq!(detect(text), None, "{text:?}");
        }
    }
}
