//! Kubernetes Events that carry a revision, from `kubectl get events -o yaml` or `-o json`: a
//! `List`/`EventList` (`items`), a bare sequence of events (as pasted from such output), JSON
//! Lines, or the pretty-printed objects `kubectl get events -w -o json` writes one after another.
//!
//! Most events are not deploys (scheduling, pulling images, scaling replica sets); only an event
//! that names a revision is: a `…/revision` annotation (Flux writes
//! `kustomize.toolkit.fluxcd.io/revision`, `helm.toolkit.fluxcd.io/revision`, …), or a message that
//! says `revision <r>`, `commit <sha>`, `sync to <sha>` (Argo CD), `@sha1:<sha>` or holds a full
//! 40-digit SHA. The others are counted in a note, not rejected, as are events about Flux sources
//! (`GitRepository`, `HelmChart`, …), whose revision is an artifact fetched, not something applied.
//! Consecutive events of one object about one revision (Flux's `Progressing` then
//! `ReconciliationSucceeded`, a failure repeated every interval) are one deploy: it starts at the
//! first, and the last decides the status (`Warning`, or a reason naming a failure or error →
//! failure; `Progressing` or a reason naming a start → in progress; else success) and the finish. A
//! reason or message naming a rollback (`DeploymentRollback`, "rolled back") makes a rollback.
//!
//! Quirks: events.k8s.io/v1 events have a null `firstTimestamp`/`lastTimestamp` and a
//! microsecond `eventTime`, classic ones the reverse; the time is the first present of
//! `eventTime`, `firstTimestamp`, `deprecatedFirstTimestamp`, `lastTimestamp`,
//! `series.lastObservedTime` and `metadata.creationTimestamp`. events.k8s.io/v1 objects say
//! `regarding` and `note` where classic ones say `involvedObject` and `message`.
//!
//! The commit is read from the revision (`main@sha1:<sha>`, `main/<sha>`, `sha1:<sha>` or a
//! bare SHA; chart versions and `sha256:` artifact digests are not commits). The service is
//! the involved object's name, else its namespace, as `<service>` or `<service>-<environment>`
//! of the catalog or `[deploys.services]`; then the catch-all `"*"`; with no catalog, the
//! object's name. The environment is that `<environment>` part, else
//! [`super::DEFAULT_ENVIRONMENT`] (noted). Ids are `kubernetes:<namespace>/<event name>` of the
//! first event.

use std::sync::OnceLock;

use chrono::{DateTime, SecondsFormat, Utc};
use regex::Regex;
use serde_json::Value;

use super::input::{self, child, documents, first_time, get, string, Document};
use super::naming::{self, resolve_first, Named};
use crate::ingest::grouped::NoteKind;
use crate::ingest::source::{Context, Parsed};
use crate::model::{Deploy, DeployKind, DeployStatus, Reject};

/// The format name, stored in `deploys.source`.
pub const SOURCE: &str = "kubernetes";

/// Read Kubernetes events; those naming a revision become deploys.
pub fn parse(text: &str, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(text, ctx);
    from_documents(&docs, rejects, ctx)
}

/// Read the events of `docs` (a file's, or one group's of JSON Lines), after `rejects`.
pub(crate) fn from_documents(docs: &[Document], rejects: Vec<Reject>, ctx: &Context) -> Parsed<Deploy> {
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    let mut items: Vec<(String, &Value)> = Vec::new();
    for doc in docs {
        match &doc.value {
            Value::Array(elements) => items.extend(
                elements.iter().enumerate().map(|(i, v)| (child(&doc.position, &format!("[{i}]")), v)),
            ),
            value if get(value, &["items"]).is_some() => match input::array(value, &["items"]) {
                Ok(elements) => items.extend(
                    elements
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (child(&doc.position, &format!(".items[{i}]")), v)),
                ),
                Err(message) => parsed.rejects.push(ctx.reject(&doc.position, Some("items"), message)),
            },
            value => items.push((doc.position.clone(), value)),
        }
    }
    let finder = RevisionFinder::get();
    let mut events = Vec::new();
    let mut tally = Tally::default();
    for (position, item) in items {
        match event(item, &position, ctx, finder) {
            Ok(seen) => tally.add(seen, &mut events),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    tally.notes("event", ctx, &mut parsed);
    fold(events, SOURCE, "Kubernetes event", ctx, &mut parsed);
    parsed
}

/// The group of one JSON Lines payload when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the object the event is about (`kind/namespace/name`, as
/// [`fold`] groups events), since all events of one object must be read together to fold them
/// and to tell a rollback. A list or an array goes with its first event's object.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items.first().and_then(group_key),
        value if get(value, &["items"]).is_some() => {
            get(value, &["items"])?.as_array()?.first().and_then(group_key)
        }
        value => {
            let object_path: &[&str] =
                if get(value, &["involvedObject"]).is_some() { &["involvedObject"] } else { &["regarding"] };
            let object = get(value, object_path).filter(|o| o.is_object())?;
            let namespace = string(object, &["namespace"])
                .or_else(|| string(value, &["metadata", "namespace"]))
                .unwrap_or("");
            Some(object_key(object, namespace))
        }
    }
}

/// `kind/namespace/name` of an involved object.
pub(super) fn object_key(object: &Value, namespace: &str) -> String {
    let kind = string(object, &["kind"]).unwrap_or("");
    let name = string(object, &["name"]).unwrap_or("");
    format!("{kind}/{namespace}/{name}")
}

/// The kinds of this reader's notes (and Flux's), for reading JSON Lines a group at a time:
/// the counts [`Tally::notes`] and [`fold`] write, in their order.
pub(crate) fn note_kind(note: &str) -> NoteKind {
    if note.contains(" name no revision and are not deploys") {
        NoteKind::Count(0)
    } else if note.contains(" are about Flux sources") {
        NoteKind::Count(1)
    } else if note.contains(" name no environment and were recorded as") {
        NoteKind::Count(2)
    } else {
        NoteKind::Line
    }
}

/// What one event turned out to be.
pub(super) enum Seen {
    /// It names a revision that was applied: part of a deploy.
    Revision(RevisionEvent),
    /// It names no revision (scheduling, scaling, pulling images …).
    NoRevision,
    /// It is about a Flux source (GitRepository, HelmChart, …): an artifact fetched, not applied.
    FluxSource,
}

/// How many events were not deploys, and why, for the notes.
#[derive(Default)]
pub(super) struct Tally {
    no_revision: usize,
    flux_source: usize,
}

impl Tally {
    pub(super) fn add(&mut self, seen: Seen, events: &mut Vec<RevisionEvent>) {
        match seen {
            Seen::Revision(e) => events.push(e),
            Seen::NoRevision => self.no_revision += 1,
            Seen::FluxSource => self.flux_source += 1,
        }
    }

    pub(super) fn notes(&self, what: &str, ctx: &Context, parsed: &mut Parsed<Deploy>) {
        if self.no_revision > 0 {
            parsed.notes.push(format!(
                "{}: {} {what}(s) name no revision and are not deploys (only events that name a revision are)",
                ctx.file.display(),
                self.no_revision
            ));
        }
        if self.flux_source > 0 {
            parsed.notes.push(format!(
                "{}: {} {what}(s) are about Flux sources (an artifact fetched, not applied) and are not deploys",
                ctx.file.display(),
                self.flux_source
            ));
        }
    }
}

/// Whether an object is a Flux source or image-automation object, whose revisions are
/// fetched artifacts rather than deploys.
pub(super) fn is_flux_source(object: &Value) -> bool {
    let api = string(object, &["apiVersion"]).unwrap_or("");
    let kind = string(object, &["kind"]).unwrap_or("");
    api.starts_with("source.toolkit.fluxcd.io")
        || api.starts_with("image.toolkit.fluxcd.io")
        || matches!(
            kind,
            "GitRepository"
                | "OCIRepository"
                | "HelmRepository"
                | "HelmChart"
                | "Bucket"
                | "ImageRepository"
                | "ImagePolicy"
                | "ImageUpdateAutomation"
        )
}

fn event(item: &Value, position: &str, ctx: &Context, finder: &RevisionFinder) -> Result<Seen, Reject> {
    if !item.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected a Kubernetes Event object, found {}", input::kind(item)),
        ));
    }
    if let Some(kind) = string(item, &["kind"]) {
        if kind != "Event" {
            return Err(ctx.reject(
                position,
                Some("kind"),
                format!("expected a Kubernetes `Event`, found kind `{kind}`"),
            ));
        }
    }
    let object_path: &[&str] =
        if get(item, &["involvedObject"]).is_some() { &["involvedObject"] } else { &["regarding"] };
    let Some(object) = get(item, object_path).filter(|o| o.is_object()) else {
        return Err(ctx.reject(
            position,
            Some("involvedObject"),
            "missing; expected the object the event is about (`involvedObject`, or `regarding` in events.k8s.io/v1)",
        ));
    };
    if is_flux_source(object) {
        return Ok(Seen::FluxSource);
    }
    let message = string(item, &["message"]).or_else(|| string(item, &["note"])).unwrap_or("");
    let revision =
        annotation_revision(get(item, &["metadata", "annotations"])).or_else(|| finder.in_message(message));
    let Some(revision) = revision else { return Ok(Seen::NoRevision) };
    let at = first_time(
        ctx,
        position,
        item,
        &[
            &["eventTime"],
            &["firstTimestamp"],
            &["deprecatedFirstTimestamp"],
            &["lastTimestamp"],
            &["series", "lastObservedTime"],
            &["metadata", "creationTimestamp"],
        ],
    )?
    .ok_or_else(|| {
        ctx.reject(
            position,
            Some("eventTime"),
            "missing; expected one of eventTime, firstTimestamp, lastTimestamp or metadata.creationTimestamp",
        )
    })?;
    let last_at = first_time(
        ctx,
        position,
        item,
        &[&["lastTimestamp"], &["series", "lastObservedTime"], &["deprecatedLastTimestamp"]],
    )?
    .map_or(at, |last| last.max(at));

    let kind = string(object, &["kind"]).unwrap_or("");
    let name = string(object, &["name"]).unwrap_or("");
    let namespace =
        string(object, &["namespace"]).or_else(|| string(item, &["metadata", "namespace"])).unwrap_or("");
    let reason = string(item, &["reason"]).unwrap_or("");
    let warning = string(item, &["type"]) == Some("Warning");
    let id = match (string(item, &["metadata", "name"]), string(item, &["metadata", "uid"])) {
        (Some(event_name), _) => {
            let event_namespace = string(item, &["metadata", "namespace"]).unwrap_or(namespace);
            format!("{SOURCE}:{event_namespace}/{event_name}")
        }
        (None, Some(uid)) => format!("{SOURCE}:{uid}"),
        (None, None) => {
            format!("{SOURCE}:{kind}/{namespace}/{name}@{}", at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        }
    };
    Ok(Seen::Revision(RevisionEvent {
        object: object_key(object, namespace),
        name: name.to_string(),
        namespace: namespace.to_string(),
        revision,
        at,
        last_at,
        status: event_status(warning, reason),
        rollback: finder.rollback(reason, message),
        id,
        position: position.to_string(),
        actor: string(item, &["source", "component"])
            .or_else(|| string(item, &["reportingComponent"]))
            .or_else(|| string(item, &["reportingController"]))
            .map(str::to_string),
    }))
}

/// The value of the first annotation (or Flux event metadata key) named `revision` or
/// `<group>/revision`, in key order.
pub(super) fn annotation_revision(annotations: Option<&Value>) -> Option<String> {
    let map = annotations?.as_object()?;
    let mut keys: Vec<&String> =
        map.keys().filter(|k| k.as_str() == "revision" || k.ends_with("/revision")).collect();
    keys.sort();
    keys.into_iter()
        .find_map(|k| map.get(k).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty()))
        .map(str::to_string)
}

/// Revisions and rollbacks in event messages.
pub(super) struct RevisionFinder {
    patterns: Vec<Regex>,
    rollback: Regex,
}

impl RevisionFinder {
    /// The finder, its patterns compiled once.
    pub(super) fn get() -> &'static RevisionFinder {
        static FINDER: OnceLock<RevisionFinder> = OnceLock::new();
        FINDER.get_or_init(RevisionFinder::new)
    }

    fn new() -> RevisionFinder {
        let patterns = [
            r"@(sha1:[0-9a-fA-F]{40})\b",
            r"(?i)\brevision[:=]?\s+['\x22]?([0-9A-Za-z][\w.@:/+-]*)",
            r"(?i)\bcommit[:=]?\s+['\x22]?([0-9a-fA-F]{7,40})\b",
            r"(?i)\bsync(?:ed)?\s+(?:operation\s+)?to\s+['\x22]?([0-9a-fA-F]{7,40})\b",
            r"\b([0-9a-f]{40})\b",
        ];
        RevisionFinder {
            patterns: patterns.iter().map(|p| Regex::new(p).expect("a valid regex literal")).collect(),
            rollback: Regex::new(r"(?i)roll(?:ed|ing)?[ -]?back").expect("a valid regex literal"),
        }
    }

    /// The revision a message names, if any (a `revision` word must be followed by something
    /// with a digit: "revision history limit" names none).
    pub(super) fn in_message(&self, message: &str) -> Option<String> {
        for pattern in &self.patterns {
            for captures in pattern.captures_iter(message) {
                let token = captures[1].trim_end_matches(['.', ',', ';', ':', '\'', '"', ')']);
                if !token.is_empty() && token.bytes().any(|b| b.is_ascii_digit()) {
                    return Some(token.to_string());
                }
            }
        }
        None
    }

    /// Whether a reason or message says the change went back.
    pub(super) fn rollback(&self, reason: &str, message: &str) -> bool {
        self.rollback.is_match(reason) || self.rollback.is_match(message)
    }
}

/// The commit a revision names: `main@sha1:<sha>`, `sha1:<sha>`, `main/<sha>` or a bare SHA;
/// `None` for chart versions, Deployment revision numbers and `sha256:` artifact digests.
pub(super) fn sha_of(revision: &str) -> Option<String> {
    let r = revision.trim();
    if let Some(at) = r.rfind("sha1:") {
        return input::sha(&r[at + 5..]);
    }
    if r.contains("sha256:") {
        return None;
    }
    if let Some((_, last)) = r.rsplit_once('/') {
        return input::sha(last);
    }
    input::sha(r)
}

/// The status an event reports.
pub(super) fn event_status(failure: bool, reason: &str) -> DeployStatus {
    let reason = reason.to_ascii_lowercase();
    if failure || reason.contains("fail") || reason.contains("error") {
        DeployStatus::Failure
    } else if reason.contains("progressing") || reason.contains("start") {
        DeployStatus::InProgress
    } else {
        DeployStatus::Success
    }
}

/// One event that names a revision, before consecutive events of one object about one
/// revision are folded into one deploy.
pub(super) struct RevisionEvent {
    /// `kind/namespace/name` of the object the event is about.
    pub object: String,
    pub name: String,
    pub namespace: String,
    pub revision: String,
    pub at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub status: DeployStatus,
    pub rollback: bool,
    pub id: String,
    pub position: String,
    pub actor: Option<String>,
}

/// Fold events into deploys (see the module docs) and add them, the rejects and the note on
/// defaulted environments to `parsed`.
pub(super) fn fold(
    mut events: Vec<RevisionEvent>,
    source: &str,
    what: &str,
    ctx: &Context,
    parsed: &mut Parsed<Deploy>,
) {
    events.sort_by(|a, b| a.object.cmp(&b.object).then(a.at.cmp(&b.at)).then_with(|| a.id.cmp(&b.id)));
    let mut groups: Vec<Vec<RevisionEvent>> = Vec::new();
    for event in events {
        match groups.last_mut() {
            Some(group) if group[0].object == event.object && group[0].revision == event.revision => {
                group.push(event)
            }
            _ => groups.push(vec![event]),
        }
    }
    let mut defaulted = 0;
    for group in groups {
        let first = &group[0];
        let last = &group[group.len() - 1];
        let named = resolve_first([first.name.as_str(), first.namespace.as_str()], ctx)
            .or_else(|| naming::catch_all(ctx).map(|service| Named { service, environment: None }))
            .or_else(|| {
                (naming::no_catalog(ctx) && !first.name.is_empty())
                    .then(|| Named { service: first.name.clone(), environment: None })
            });
        let Some(named) = named else {
            parsed.rejects.push(ctx.reject(
                &first.position,
                Some("involvedObject.name"),
                format!(
                    "{what} about `{}` (revision {}) maps to no service: neither `{}` nor its namespace `{}` is a catalog service; map it under [deploys.services] in faultline.toml (\"{}\" = \"<service>\")",
                    first.object, first.revision, first.name, first.namespace, first.name
                ),
            ));
            continue;
        };
        let environment = named.environment.unwrap_or_else(|| {
            defaulted += 1;
            super::DEFAULT_ENVIRONMENT.to_string()
        });
        let status = last.status;
        let finished_at = match status {
            DeployStatus::InProgress => None,
            _ => group.iter().map(|e| e.last_at).max(),
        };
        parsed.records.push(Deploy {
            id: first.id.clone(),
            service: named.service,
            environment,
            repo: None,
            sha: sha_of(&first.revision),
            started_at: first.at,
            finished_at,
            status,
            kind: if group.iter().any(|e| e.rollback) { DeployKind::Rollback } else { DeployKind::Deploy },
            rollback_of: None,
            actor: first.actor.clone(),
            source: source.into(),
            origin: ctx.origin(&first.position),
        });
    }
    if defaulted > 0 {
        parsed.notes.push(naming::default_environment_note(ctx, defaulted, what));
    }
    input::sort(&mut parsed.records);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, fixture, lines, rejects, resolver};

    #[test]
    fn the_real_events_with_null_timestamps_name_no_revision() {
        let services = resolver(&[], &[]);
        let ctx = ctx("events.yaml", &services);
        let parsed = parse(&fixture("kubernetes/events-null-timestamps-k8s-issue-90482.yaml"), &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            parsed.notes,
            ["events.yaml: 2 event(s) name no revision and are not deploys (only events that name a revision are)"]
        );
    }

    /// `kubectl get events -o json` with Flux events shaped after the Flux docs' example, an
    /// events.k8s.io/v1 one, and a Deployment rollback.
    const FLUX_EVENTS: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [
      {"kind": "Event", "apiVersion": "v1",
       "metadata": {"name": "checkout.177bd633e296a292", "namespace": "flux-system",
                    "annotations": {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:802723078affd3eb2a3898630261ab3ca5d6dd40"}},
       "involvedObject": {"kind": "Kustomization", "namespace": "flux-system", "name": "checkout-production", "apiVersion": "kustomize.toolkit.fluxcd.io/v1"},
       "reason": "ReconciliationSucceeded", "message": "Reconciliation finished in 436.493292ms, next run in 10m0s",
       "source": {"component": "kustomize-controller"},
       "firstTimestamp": "2023-08-16T10:26:43Z", "lastTimestamp": "2023-08-16T10:26:43Z", "type": "Normal"},
      {"kind": "Event", "apiVersion": "v1",
       "metadata": {"name": "checkout.177bd633e2000001", "namespace": "flux-system",
                    "annotations": {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:802723078affd3eb2a3898630261ab3ca5d6dd40"}},
       "involvedObject": {"kind": "Kustomization", "namespace": "flux-system", "name": "checkout-production"},
       "reason": "Progressing", "message": "Deployment/shop/checkout configured",
       "source": {"component": "kustomize-controller"},
       "firstTimestamp": "2023-08-16T10:26:40Z", "lastTimestamp": "2023-08-16T10:26:40Z", "type": "Normal"},
      {"kind": "Event", "apiVersion": "v1",
       "metadata": {"name": "checkout.177bd633e2000002", "namespace": "flux-system",
                    "annotations": {"kustomize.toolkit.fluxcd.io/revision": "main@sha1:9999999999999999999999999999999999999999"}},
       "involvedObject": {"kind": "Kustomization", "namespace": "flux-system", "name": "checkout-production"},
       "reason": "HealthCheckFailed", "message": "health check failed after 5m0s",
       "source": {"component": "kustomize-controller"},
       "firstTimestamp": "2023-08-16T11:00:00Z", "lastTimestamp": "2023-08-16T11:30:00Z", "count": 4, "type": "Warning"},
      {"kind": "Event", "apiVersion": "v1", "eventTime": "2023-08-16T12:00:00.123456Z", "firstTimestamp": null, "lastTimestamp": null,
       "metadata": {"name": "checkout.18000000", "namespace": "shop"},
       "involvedObject": {"kind": "Deployment", "namespace": "shop", "name": "checkout"},
       "reason": "DeploymentRollback", "message": "Rolled back deployment \"checkout\" to revision 2",
       "reportingComponent": "deployment-controller", "type": "Normal"},
      {"kind": "Event", "apiVersion": "v1", "firstTimestamp": "2023-08-16T12:00:01Z",
       "metadata": {"name": "checkout-5d59d67564.1", "namespace": "shop"},
       "involvedObject": {"kind": "ReplicaSet", "namespace": "shop", "name": "checkout-5d59d67564"},
       "reason": "SuccessfulCreate", "message": "Created pod: checkout-5d59d67564-x2x9z", "type": "Normal"},
      {"kind": "Event", "apiVersion": "v1", "firstTimestamp": "2023-08-16T10:26:30Z",
       "metadata": {"name": "flux-system.177bd633e0000000", "namespace": "flux-system",
                    "annotations": {"source.toolkit.fluxcd.io/revision": "main@sha1:802723078affd3eb2a3898630261ab3ca5d6dd40"}},
       "involvedObject": {"kind": "GitRepository", "namespace": "flux-system", "name": "flux-system", "apiVersion": "source.toolkit.fluxcd.io/v1"},
       "reason": "NewArtifact", "message": "stored artifact for commit 'Bump checkout'", "type": "Normal"}
    ]}"#;

    #[test]
    fn events_naming_a_revision_fold_into_deploys() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("events.json", &services);
        let parsed = parse(FLUX_EVENTS, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "kubernetes:flux-system/checkout.177bd633e2000001 checkout production - 802723078affd3eb2a3898630261ab3ca5d6dd40 2023-08-16T10:26:40Z 2023-08-16T10:26:43Z success deploy - kustomize-controller kubernetes @events.json:$.items[1]",
                "kubernetes:flux-system/checkout.177bd633e2000002 checkout production - 9999999999999999999999999999999999999999 2023-08-16T11:00:00Z 2023-08-16T11:30:00Z failure deploy - kustomize-controller kubernetes @events.json:$.items[2]",
                "kubernetes:shop/checkout.18000000 checkout production - - 2023-08-16T12:00:00.123456Z 2023-08-16T12:00:00.123456Z success rollback - deployment-controller kubernetes @events.json:$.items[3]",
            ]
        );
        assert_eq!(
            parsed.notes,
            [
                "events.json: 1 event(s) name no revision and are not deploys (only events that name a revision are)",
                "events.json: 1 event(s) are about Flux sources (an artifact fetched, not applied) and are not deploys",
                "events.json: 1 Kubernetes event deploy(s) name no environment and were recorded as `production`; name it in the source (for example `<service>-<environment>`) to record another",
            ]
        );
    }

    #[test]
    fn revisions_and_commits() {
        assert_eq!(
            sha_of("main@sha1:802723078AFFD3EB2A3898630261AB3CA5D6DD40").as_deref(),
            Some("802723078affd3eb2a3898630261ab3ca5d6dd40")
        );
        assert_eq!(
            sha_of("main/731f7eaddfb6af01cb2173e18f0f75b0ba780ef1").as_deref(),
            Some("731f7eaddfb6af01cb2173e18f0f75b0ba780ef1")
        );
        assert_eq!(
            sha_of("sha1:731f7eaddfb6af01cb2173e18f0f75b0ba780ef1").as_deref(),
            Some("731f7eaddfb6af01cb2173e18f0f75b0ba780ef1")
        );
        assert_eq!(
            sha_of("6.3.0@sha256:1111111111111111111111111111111111111111111111111111111111111111"),
            None
        );
        assert_eq!(sha_of("6.3.0"), None);
        assert_eq!(sha_of("2"), None);
        let finder = RevisionFinder::new();
        assert_eq!(finder.in_message("Initiated automated sync to '5c8fa9d'").as_deref(), Some("5c8fa9d"));
        assert_eq!(finder.in_message("Sync operation to 5c8fa9d1 succeeded").as_deref(), Some("5c8fa9d1"));
        assert_eq!(finder.in_message("Deployment has exceeded its revision history limit"), None);
        assert_eq!(finder.in_message("Scaled up replica set web-5d59d67564 to 3"), None);
    }

    #[test]
    fn malformed_events_are_rejected() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("events.yaml", &services);
        let text = "- kind: Event\n  message: deployed revision 42\n  involvedObject: {kind: Deployment, name: checkout}\n  firstTimestamp: later\n- kind: Pod\n  metadata: {name: x}\n- kind: Event\n  message: commit abcdef12 deployed\n- kind: Event\n  message: commit abcdef12 deployed\n  firstTimestamp: \"2026-06-01T10:00:00Z\"\n  involvedObject: {kind: Deployment, namespace: web, name: billing}\n";
        let parsed = parse(text, &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "events.yaml: $[0]: field `firstTimestamp`: \"later\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds",
                "events.yaml: $[1]: field `kind`: expected a Kubernetes `Event`, found kind `Pod`",
                "events.yaml: $[2]: field `involvedObject`: missing; expected the object the event is about (`involvedObject`, or `regarding` in events.k8s.io/v1)",
                "events.yaml: $[3]: field `involvedObject.name`: Kubernetes event about `Deployment/web/billing` (revision abcdef12) maps to no service: neither `billing` nor its namespace `web` is a catalog service; map it under [deploys.services] in faultline.toml (\"billing\" = \"<service>\")",
            ]
        );
    }
}
