//! PagerDuty change events, as the REST API returns them: `GET /change_events` and
//! `GET /incidents/{id}/related_change_events` (`{"change_events": […]}`), `GET
//! /change_events/{id}` (`{"change_event": {…}}`), or change event objects in a JSON array or
//! JSON Lines.
//!
//! A change event is one moment (`timestamp`) at which a pipeline told PagerDuty that
//! something changed; it is read as a deploy that started and finished then. PagerDuty
//! defines no fields for what was deployed, so these are assumptions, tried in order, about
//! what teams put in `custom_details` (keys compared case-insensitively):
//! - the commit: `sha`, `commit`, `commit_sha`, `commit_id`, `git_sha`, `git_commit` or
//!   `revision` when it is hexadecimal; else a link to `…/commit/<sha>` in `links`; else a
//!   full 40-digit SHA in `summary`;
//! - the repository: `repo` or `repository`; else the repository of that commit link;
//! - the environment: `environment`, `env` or `stage`; else the `<environment>` part of the
//!   service's name; else [`super::DEFAULT_ENVIRONMENT`] (noted);
//! - the status: `status`, `state`, `result`, `build_state` or `deploy_state`
//!   (`success`/`succeeded`/`successful`/`passed`/`ok`/`completed`/`complete`/`done` →
//!   success, `failed`/`failure`/`error`/`errored` → failure,
//!   `cancelled`/`canceled`/`aborted`/`stopped` → cancelled,
//!   `running`/`in_progress`/`pending`/`started`/`queued` → in progress); none → success,
//!   since a change event reports a change that happened; anything else is a reject naming
//!   the key it was found under;
//! - the actor: `actor`, `author`, `user`, `deployed_by` or `triggered_by`;
//! - a rollback: `summary` says "rollback", "roll back" or "rolled back".
//!
//! The service is `custom_details.service` (or `app`, `application`), else each of `services`
//! by its `summary` (name) then its `id`, else `source`, looked up in the catalog and the
//! config's `[deploys.services]` (PagerDuty service ids such as `PEYSGRV` can be mapped there);
//! then the catch-all mapping `"*"`; with no catalog at all, `custom_details.service` or each
//! of `services` as written.
//! An event for several catalog services is one deploy per service. Ids are
//! `pagerduty:<event id>`, with `:<service>` appended when an event names several services.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::input::{self, child, documents, get, required_time, scalar, string, Document};
use super::naming::{self, resolve_name, Named};
use crate::ingest::grouped::NoteKind;
use crate::ingest::source::{Context, Parsed};
use crate::model::{Deploy, DeployKind, DeployStatus, Reject};

/// The format name, stored in `deploys.source`.
pub const SOURCE: &str = "pagerduty";

/// Read PagerDuty change events.
pub fn parse(text: &str, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(text, ctx);
    from_documents(&docs, rejects, ctx)
}

/// Read the change events of `docs` (a file's, or one group's of JSON Lines), after `rejects`.
pub(crate) fn from_documents(docs: &[Document], rejects: Vec<Reject>, ctx: &Context) -> Parsed<Deploy> {
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    let mut events: Vec<(String, &Value)> = Vec::new();
    for doc in docs {
        match &doc.value {
            Value::Array(items) => events
                .extend(items.iter().enumerate().map(|(i, v)| (child(&doc.position, &format!("[{i}]")), v))),
            value if get(value, &["change_events"]).is_some() => {
                match input::array(value, &["change_events"]) {
                    Ok(items) => events.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (child(&doc.position, &format!(".change_events[{i}]")), v)),
                    ),
                    Err(message) => {
                        parsed.rejects.push(ctx.reject(&doc.position, Some("change_events"), message))
                    }
                }
            }
            value if get(value, &["change_event"]).is_some() => {
                events.push((child(&doc.position, ".change_event"), &value["change_event"]))
            }
            value => events.push((doc.position.clone(), value)),
        }
    }
    let patterns = Patterns::get();
    let mut defaulted = 0;
    for (position, event) in events {
        match change_event(event, &position, ctx, patterns) {
            Ok(deploys) => {
                defaulted += deploys.iter().filter(|(_, d)| *d).count();
                parsed.records.extend(deploys.into_iter().map(|(deploy, _)| deploy));
            }
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    if defaulted > 0 {
        parsed.notes.push(naming::default_environment_note(ctx, defaulted, "PagerDuty change event"));
    }
    input::sort(&mut parsed.records);
    parsed
}

/// The group of one JSON Lines payload when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the change event's `id` (of `change_event`, of the first of
/// `change_events`, of an array's first event). Change events are read each on its own, so
/// this only keeps one event's lines together.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    let event = match value {
        Value::Array(items) => return items.first().and_then(group_key),
        value => match get(value, &["change_events"]) {
            Some(events) => events.as_array()?.first()?,
            None => get(value, &["change_event"]).unwrap_or(value),
        },
    };
    scalar(event, &["id"])
}

/// The kinds of this reader's notes, for reading JSON Lines a group at a time: its one note is
/// the count of defaulted environments.
pub(crate) fn note_kind(note: &str) -> NoteKind {
    if note.contains(" name no environment and were recorded as") {
        NoteKind::Count(0)
    } else {
        NoteKind::Line
    }
}

struct Patterns {
    commit_link: Regex,
    full_sha: Regex,
    rollback: Regex,
}

impl Patterns {
    /// The patterns, compiled once.
    fn get() -> &'static Patterns {
        static PATTERNS: OnceLock<Patterns> = OnceLock::new();
        PATTERNS.get_or_init(Patterns::new)
    }

    fn new() -> Patterns {
        Patterns {
            commit_link: Regex::new(r"^(.*)/commits?/([0-9a-fA-F]{7,40})\b").expect("a valid regex literal"),
            full_sha: Regex::new(r"\b[0-9a-f]{40}\b").expect("a valid regex literal"),
            rollback: Regex::new(r"(?i)\broll(?:ed)?[ -]?back\b").expect("a valid regex literal"),
        }
    }
}

/// The `custom_details` value under the first of `keys` (case-insensitive) that holds text.
fn detail(details: Option<&Map<String, Value>>, keys: &[&str]) -> Option<String> {
    detail_at(details, keys).map(|(_, value)| value)
}

/// [`detail`] with the key it was found under, as written, for messages.
fn detail_at(details: Option<&Map<String, Value>>, keys: &[&str]) -> Option<(String, String)> {
    let details = details?;
    for key in keys {
        let mut matching: Vec<(&String, &Value)> =
            details.iter().filter(|(k, _)| k.eq_ignore_ascii_case(key)).collect();
        matching.sort_by(|a, b| a.0.cmp(b.0));
        for (found, value) in matching {
            match value {
                Value::String(s) if !s.trim().is_empty() => {
                    return Some((found.clone(), s.trim().to_string()))
                }
                Value::Number(n) => return Some((found.clone(), n.to_string())),
                _ => {}
            }
        }
    }
    None
}

/// The deploys of one change event, each with whether its environment was defaulted.
fn change_event(
    event: &Value,
    position: &str,
    ctx: &Context,
    patterns: &Patterns,
) -> Result<Vec<(Deploy, bool)>, Reject> {
    if !event.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected a change event object, found {}", input::kind(event)),
        ));
    }
    if let Some(kind) = string(event, &["type"]) {
        if kind != "change_event" {
            return Err(ctx.reject(
                position,
                Some("type"),
                format!("expected a `change_event`, found type `{kind}`"),
            ));
        }
    }
    let id = string(event, &["id"])
        .ok_or_else(|| ctx.reject(position, Some("id"), "missing; expected the change event's id"))?;
    let at = required_time(ctx, position, event, &["timestamp"], "when the change happened")?;
    let details = get(event, &["custom_details"]).and_then(Value::as_object);
    let summary = string(event, &["summary"]).unwrap_or("");

    let services = services(event, details, ctx);
    if services.is_empty() {
        let names = service_names(event, details);
        return Err(ctx.reject(
            position,
            Some("services"),
            if names.is_empty() {
                format!("change event {id} names no service; add `custom_details.service` when sending it, or map all change events of this file with \"*\" = \"<service>\" under [deploys.services] in faultline.toml")
            } else {
                format!(
                    "change event {id} maps to no service: none of {} is a catalog service; map one under [deploys.services] in faultline.toml (\"{}\" = \"<service>\")",
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                    names[0]
                )
            },
        ));
    }

    let links: Vec<&str> =
        input::array(event, &["links"]).unwrap_or(&[]).iter().filter_map(|l| string(l, &["href"])).collect();
    let commit_link = links.iter().find_map(|href| patterns.commit_link.captures(href));
    let sha =
        detail(details, &["sha", "commit", "commit_sha", "commit_id", "git_sha", "git_commit", "revision"])
            .and_then(|s| input::sha(&s))
            .or_else(|| commit_link.as_ref().and_then(|c| input::sha(&c[2])))
            .or_else(|| patterns.full_sha.find(summary).map(|m| m.as_str().to_string()));
    let repo = detail(details, &["repo", "repository"])
        .and_then(|r| input::repo_name(&r))
        .or_else(|| commit_link.as_ref().and_then(|c| input::repo_name(&c[1])));
    let status_at = detail_at(details, &["status", "state", "result", "build_state", "deploy_state"]);
    let status = match status_at.as_ref().map(|(_, text)| text.to_ascii_lowercase()).as_deref() {
        None
        | Some(
            "success" | "succeeded" | "successful" | "passed" | "ok" | "completed" | "complete" | "done",
        ) => DeployStatus::Success,
        Some("failed" | "failure" | "error" | "errored") => DeployStatus::Failure,
        Some("cancelled" | "canceled" | "aborted" | "stopped") => DeployStatus::Cancelled,
        Some("running" | "in_progress" | "pending" | "started" | "queued") => DeployStatus::InProgress,
        Some(other) => {
            let key = status_at.as_ref().map_or("status", |(key, _)| key.as_str());
            return Err(ctx.reject(
                position,
                Some(&format!("custom_details.{key}")),
                format!("`{other}` is not a status faultline knows; expected success, failed, cancelled or running (or their synonyms)"),
            ));
        }
    };
    let finished_at =
        matches!(status, DeployStatus::Success | DeployStatus::Failure | DeployStatus::Cancelled)
            .then_some(at);
    let explicit_environment = detail(details, &["environment", "env", "stage"]);
    let kind = if patterns.rollback.is_match(summary) { DeployKind::Rollback } else { DeployKind::Deploy };
    let actor = detail(details, &["actor", "author", "user", "deployed_by", "triggered_by"]);
    let several = services.len() > 1;
    Ok(services
        .into_iter()
        .map(|named| {
            let defaulted = explicit_environment.is_none() && named.environment.is_none();
            let environment = explicit_environment
                .clone()
                .or(named.environment)
                .unwrap_or_else(|| super::DEFAULT_ENVIRONMENT.to_string());
            let deploy = Deploy {
                id: if several {
                    format!("{SOURCE}:{id}:{}", named.service)
                } else {
                    format!("{SOURCE}:{id}")
                },
                service: named.service,
                environment,
                repo: repo.clone(),
                sha: sha.clone(),
                started_at: at,
                finished_at,
                status,
                kind,
                rollback_of: None,
                actor: actor.clone(),
                source: SOURCE.into(),
                origin: ctx.origin(position),
            };
            (deploy, defaulted)
        })
        .collect())
}

/// The names an event gives for its service, most specific first.
fn service_names(event: &Value, details: Option<&Map<String, Value>>) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(name) = detail(details, &["service", "app", "application"]) {
        names.push(name);
    }
    for service in input::array(event, &["services"]).unwrap_or(&[]) {
        for key in ["summary", "name", "id"] {
            if let Some(name) = string(service, &[key]) {
                names.push(name.to_string());
            }
        }
    }
    if let Some(source) = string(event, &["source"]) {
        names.push(source.to_string());
    }
    names
}

/// The catalog services of an event: from `custom_details` alone when it names one, else one
/// per entry of `services` (each by name, then id), else `source`; then the fallbacks.
fn services(event: &Value, details: Option<&Map<String, Value>>, ctx: &Context) -> Vec<Named> {
    let mut found: Vec<Named> = Vec::new();
    let push = |named: Named, found: &mut Vec<Named>| {
        if !found.iter().any(|f| f.service == named.service) {
            found.push(named);
        }
    };
    if let Some(name) = detail(details, &["service", "app", "application"]) {
        if let Some(named) = resolve_name(&name, ctx) {
            return vec![named];
        }
    }
    for service in input::array(event, &["services"]).unwrap_or(&[]) {
        let names = ["summary", "name", "id"].into_iter().filter_map(|key| string(service, &[key]));
        if let Some(named) = naming::resolve_first(names, ctx) {
            push(named, &mut found);
        }
    }
    if found.is_empty() {
        if let Some(named) = string(event, &["source"]).and_then(|s| resolve_name(s, ctx)) {
            push(named, &mut found);
        }
    }
    if found.is_empty() {
        if let Some(service) = naming::catch_all(ctx) {
            push(Named { service, environment: None }, &mut found);
        } else if naming::no_catalog(ctx) {
            // Without a catalog, names are taken as they are: the detail, else each service.
            let mut plain: BTreeSet<String> = BTreeSet::new();
            if let Some(name) = detail(details, &["service", "app", "application"]) {
                plain.insert(name);
            } else {
                for service in input::array(event, &["services"]).unwrap_or(&[]) {
                    if let Some(name) =
                        ["summary", "name", "id"].into_iter().find_map(|key| string(service, &[key]))
                    {
                        plain.insert(name.to_string());
                    }
                }
            }
            for service in plain {
                push(Named { service, environment: None }, &mut found);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, fixture, lines, rejects, resolver};

    /// The `GET /change_events` response of the vendor examples.
    fn change_events() -> String {
        let all: Value = serde_json::from_str(&fixture("pagerduty/rest-v2-examples.json")).unwrap();
        all["GET /change_events"].to_string()
    }

    #[test]
    fn the_vendor_change_events_reordered_oldest_first() {
        let services = resolver(&[], &[]);
        let ctx = ctx("changes.json", &services);
        let parsed = parse(&change_events(), &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "pagerduty:01BBYA6PDIXPL8KO1HPIUL9CZN PEYSGRV production - - 2020-07-17T07:42:58Z 2020-07-17T07:42:58Z success deploy - - pagerduty @changes.json:$.change_events[1]",
                "pagerduty:01BBYA6PEVW6A852BUO6QYUE7O PEYSGRV production - - 2020-07-17T08:42:58Z 2020-07-17T08:42:58Z success deploy - - pagerduty @changes.json:$.change_events[0]",
            ]
        );
        assert_eq!(
            parsed.notes,
            ["changes.json: 2 PagerDuty change event deploy(s) name no environment and were recorded as `production`; name it in the source (for example `<service>-<environment>`) to record another"]
        );
    }

    #[test]
    fn the_vendor_related_change_events_map_the_pagerduty_service_id() {
        let services = resolver(&["checkout"], &[("PEYSGRV", "checkout")]);
        let ctx = ctx("related.json", &services);
        let all: Value = serde_json::from_str(&fixture("pagerduty/rest-v2-examples.json")).unwrap();
        let parsed = parse(&all["GET /incidents/{id}/related_change_events"].to_string(), &ctx);
        assert_eq!(
            lines(&parsed.records),
            [
                "pagerduty:01BBYA6PDIXPL8KO1HPIUL9CZN checkout production - - 2020-07-17T07:42:58Z 2020-07-17T07:42:58Z success deploy - - pagerduty @related.json:$.change_events[1]",
                "pagerduty:01BBYA6PEVW6A852BUO6QYUE7O checkout production - - 2020-07-17T08:42:58Z 2020-07-17T08:42:58Z success deploy - - pagerduty @related.json:$.change_events[0]",
            ]
        );
    }

    #[test]
    fn commit_environment_and_status_from_details_and_links() {
        let services = resolver(&["checkout", "payments"], &[]);
        let ctx = ctx("change.json", &services);
        let text = r#"{"change_event": {"id": "C1", "type": "change_event", "timestamp": "2026-06-01T10:00:00Z",
            "summary": "Rolled back checkout", "source": "ci",
            "services": [{"id": "P1", "summary": "checkout-staging", "type": "service_reference"}, {"id": "P2", "summary": "Payments", "type": "service_reference"}],
            "custom_details": {"Build_State": "failed", "Deployed_By": "alice"},
            "links": [{"href": "https://github.com/acme/shop/commit/0123456789abcdef0123456789abcdef01234567", "text": "commit"}]}}"#;
        let parsed = parse(text, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "pagerduty:C1:checkout checkout staging shop 0123456789abcdef0123456789abcdef01234567 2026-06-01T10:00:00Z 2026-06-01T10:00:00Z failure rollback - alice pagerduty @change.json:$.change_event",
                "pagerduty:C1:payments payments production shop 0123456789abcdef0123456789abcdef01234567 2026-06-01T10:00:00Z 2026-06-01T10:00:00Z failure rollback - alice pagerduty @change.json:$.change_event",
            ]
        );
        assert_eq!(parsed.notes.len(), 1);
    }

    #[test]
    fn malformed_change_events_are_rejected() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("changes.jsonl", &services);
        let text = concat!(
            r#"{"id": "A", "type": "change_event", "timestamp": "2026-06-01T10:00:00", "custom_details": {"service": "checkout"}}"#,
            "\n",
            r#"{"id": "B", "type": "change_event", "timestamp": "2026-06-01T10:00:00Z", "services": [{"id": "PXXXX"}]}"#,
            "\n",
            r#"{"id": "C", "type": "incident", "timestamp": "2026-06-01T10:00:00Z"}"#,
            "\n",
            r#"{"id": "D", "timestamp": "2026-06-01T10:00:00Z", "custom_details": {"service": "checkout", "Result": "meh"}}"#,
            "\n",
        );
        let parsed = parse(text, &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "changes.jsonl: line 1: field `timestamp`: \"2026-06-01T10:00:00\" has no time zone; set `time_zone` for this source in faultline.toml (for example \"UTC\" or \"Europe/Berlin\")",
                "changes.jsonl: line 2: field `services`: change event B maps to no service: none of `PXXXX` is a catalog service; map one under [deploys.services] in faultline.toml (\"PXXXX\" = \"<service>\")",
                "changes.jsonl: line 3: field `type`: expected a `change_event`, found type `incident`",
                "changes.jsonl: line 4: field `custom_details.Result`: `meh` is not a status faultline knows; expected success, failed, cancelled or running (or their synonyms)",
            ]
        );
    }
}
