//! Flux events as the notification-controller receives and forwards them (the generic
//! webhook provider's body, `fluxcd/pkg/apis/event`): `involvedObject`, `severity` (`info` or
//! `error`), `timestamp`, `message`, `reason`, `reportingController` and `metadata`, whose
//! `<group>/revision` key (`kustomize.toolkit.fluxcd.io/revision`,
//! `helm.toolkit.fluxcd.io/revision`, or a plain `revision` in older versions) names what was
//! applied. One event, a JSON array of them, or JSON Lines (as a webhook receiver logs them).
//!
//! Events are read like Kubernetes events that carry a revision (see [`super::kubernetes`], which
//! also reads Flux's own Kubernetes Events): events without a revision, and events about Flux
//! sources (a `GitRepository` storing a new artifact is a fetch, not a deploy), are counted in
//! notes; consecutive events of one object about one revision are one deploy; `severity: error` or
//! a reason naming a failure is a failure. The revision may be in the legacy form `main/<sha>` or
//! the Flux 2 form `main@sha1:<sha>`; a Helm release's revision is a chart version and gives no
//! commit. The service is the involved object's name (a Kustomization or HelmRelease is usually
//! named after what it deploys), else its namespace, as `<service>` or `<service>-<environment>`;
//! then the catch-all `"*"`; with no catalog, the object's name. Ids are
//! `flux:<kind>/<namespace>/<name>@<timestamp>`.

use chrono::SecondsFormat;
use serde_json::Value;

use super::input::{self, child, documents, get, required_time, string, Document};
use super::kubernetes::{
    annotation_revision, event_status, fold, is_flux_source, object_key, RevisionEvent, RevisionFinder, Seen,
    Tally,
};
use crate::ingest::source::{Context, Parsed};
use crate::model::{Deploy, Reject};

/// The format name, stored in `deploys.source`.
pub const SOURCE: &str = "flux";

/// Read Flux notification events; those naming a revision become deploys.
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
    tally.notes("Flux event", ctx, &mut parsed);
    fold(events, SOURCE, "Flux event", ctx, &mut parsed);
    parsed
}

/// The group of one JSON Lines payload when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the involved object (`kind/namespace/name`), whose events
/// are folded together; an array goes with its first event's object. Its notes are those of
/// [`super::kubernetes::note_kind`].
pub(crate) fn group_key(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items.first().and_then(group_key),
        value => {
            let object = get(value, &["involvedObject"]).filter(|o| o.is_object())?;
            Some(object_key(object, string(object, &["namespace"]).unwrap_or("")))
        }
    }
}

fn event(item: &Value, position: &str, ctx: &Context, finder: &RevisionFinder) -> Result<Seen, Reject> {
    if !item.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected a Flux event object, found {}", input::kind(item)),
        ));
    }
    let Some(object) = get(item, &["involvedObject"]).filter(|o| o.is_object()) else {
        return Err(ctx.reject(
            position,
            Some("involvedObject"),
            "missing; expected the Flux object the event is about (kind, namespace, name)",
        ));
    };
    if is_flux_source(object) {
        return Ok(Seen::FluxSource);
    }
    let message = string(item, &["message"]).unwrap_or("");
    let revision = annotation_revision(get(item, &["metadata"])).or_else(|| finder.in_message(message));
    let Some(revision) = revision else { return Ok(Seen::NoRevision) };
    let at = required_time(ctx, position, item, &["timestamp"], "when the event happened")?;
    let severity = string(item, &["severity"]).unwrap_or("info");
    let reason = string(item, &["reason"]).unwrap_or("");
    let kind = string(object, &["kind"]).unwrap_or("");
    let name = string(object, &["name"]).unwrap_or("");
    let namespace = string(object, &["namespace"]).unwrap_or("");
    Ok(Seen::Revision(RevisionEvent {
        object: object_key(object, namespace),
        name: name.to_string(),
        namespace: namespace.to_string(),
        revision,
        at,
        last_at: at,
        status: event_status(severity.eq_ignore_ascii_case("error"), reason),
        rollback: finder.rollback(reason, message),
        id: format!("{SOURCE}:{kind}/{namespace}/{name}@{}", at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        position: position.to_string(),
        actor: string(item, &["reportingController"]).map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, fixture, lines, rejects, resolver};

    #[test]
    fn the_documented_event_with_a_legacy_revision() {
        let services = resolver(&[], &[]);
        let ctx = ctx("event.json", &services);
        let parsed = parse(&fixture("flux/event-example.json"), &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            ["flux:Kustomization/apps/webapp@2022-10-28T07:26:19Z webapp production - 731f7eaddfb6af01cb2173e18f0f75b0ba780ef1 2022-10-28T07:26:19Z 2022-10-28T07:26:19Z failure deploy - kustomize-controller flux @event.json:$"]
        );
        assert_eq!(
            parsed.notes,
            ["event.json: 1 Flux event deploy(s) name no environment and were recorded as `production`; name it in the source (for example `<service>-<environment>`) to record another"]
        );
    }

    #[test]
    fn json_lines_fold_per_object_and_revision() {
        let services = resolver(&["webapp"], &[]);
        let ctx = ctx("events.jsonl", &services);
        let event = |reason: &str, severity: &str, at: &str, revision: &str| {
            serde_json::json!({
                "involvedObject": {"kind": "HelmRelease", "namespace": "apps", "name": "webapp-staging"},
                "severity": severity, "reason": reason, "message": "x", "timestamp": at,
                "metadata": {"helm.toolkit.fluxcd.io/revision": revision, "helm.toolkit.fluxcd.io/token": "t"},
                "reportingController": "helm-controller"
            })
            .to_string()
        };
        let text = [
            event("UpgradeFailed", "error", "2026-06-01T10:05:00Z", "6.3.1"),
            event("InstallSucceeded", "info", "2026-06-01T09:00:00Z", "6.3.0"),
            event("UpgradeSucceeded", "info", "2026-06-01T10:20:00Z", "6.3.1"),
            r#"{"involvedObject": {"kind": "GitRepository", "namespace": "flux-system", "name": "flux-system"}, "severity": "info", "reason": "NewArtifact", "message": "stored artifact for commit 'x'", "timestamp": "2026-06-01T08:00:00Z", "metadata": {"source.toolkit.fluxcd.io/revision": "main@sha1:731f7eaddfb6af01cb2173e18f0f75b0ba780ef1"}}"#.to_string(),
            r#"{"involvedObject": {"kind": "Kustomization", "namespace": "flux-system", "name": "apps"}, "severity": "info", "reason": "DependencyNotReady", "message": "dependency not ready", "timestamp": "2026-06-01T08:00:00Z"}"#.to_string(),
        ]
        .join("\n");
        let parsed = parse(&text, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "flux:HelmRelease/apps/webapp-staging@2026-06-01T09:00:00Z webapp staging - - 2026-06-01T09:00:00Z 2026-06-01T09:00:00Z success deploy - helm-controller flux @events.jsonl:line 2",
                "flux:HelmRelease/apps/webapp-staging@2026-06-01T10:05:00Z webapp staging - - 2026-06-01T10:05:00Z 2026-06-01T10:20:00Z success deploy - helm-controller flux @events.jsonl:line 1",
            ]
        );
        assert_eq!(
            parsed.notes,
            [
                "events.jsonl: 1 Flux event(s) name no revision and are not deploys (only events that name a revision are)",
                "events.jsonl: 1 Flux event(s) are about Flux sources (an artifact fetched, not applied) and are not deploys",
            ]
        );
    }

    #[test]
    fn malformed_events_are_rejected() {
        let services = resolver(&[], &[]);
        let ctx = ctx("events.json", &services);
        let text = r#"[{"severity": "info", "metadata": {"revision": "main/731f7ea"}, "timestamp": "2026-06-01T10:00:00Z"},
                       {"involvedObject": {"kind": "Kustomization", "name": "web"}, "metadata": {"revision": "main/731f7ea"}, "timestamp": 12.5e300},
                       42]"#;
        let parsed = parse(text, &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "events.json: $[0]: field `involvedObject`: missing; expected the Flux object the event is about (kind, namespace, name)",
                "events.json: $[1]: field `timestamp`: 1.25e+301 is not an epoch timestamp",
                "events.json: $[2]: expected a Flux event object, found a number",
            ]
        );
    }
}
