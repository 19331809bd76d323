//! Argo CD `Application` objects, as `kubectl get application -o json|yaml` or the Argo CD API
//! (`GET /api/v1/applications/{name}`) give them: one object, a list (`items`), or a JSON
//! array; JSON or YAML.
//!
//! Every `status.history[]` entry is a sync that succeeded: a success deploy of the
//! application's revision, from `deployStartedAt` to `deployedAt`, by `initiatedBy.username`
//! (or `automated`). `status.operationState` is the latest operation: when it is the sync
//! already recorded as a history entry (same revision, same start or finish) it adds nothing;
//! otherwise it is one more deploy with its phase (`Running` → in progress, `Succeeded` →
//! success, `Failed`/`Error` → failure, `Terminating` → cancelled).
//!
//! Quirks: the same revision can be deployed twice in a row — that stays two deploys; a
//! revision deployed again after a different one is going back to it, so it is a rollback of
//! the deploy just before; `repoURL` can change between entries (each entry's own source is
//! used); only the last `revisionHistoryLimit` (default 10) entries are kept, so the oldest
//! deploys are missing from any export; Helm sources have chart versions, not commits, as
//! revisions (then `sha` stays empty).
//!
//! The service comes from the application's name (`<service>` or `<service>-<environment>`),
//! its labels `app.kubernetes.io/name`, `app.kubernetes.io/instance`, `app`, then the source's
//! chart, the last folder of its path and the destination namespace, each looked up in the
//! catalog and the config's `[deploys.services]`; then the catch-all mapping `"*"`; with no
//! catalog at all, the first of those names as it is. The environment is the label
//! `environment` or `env`, else the `<environment>` part of the name, else
//! [`super::DEFAULT_ENVIRONMENT`] (noted). Ids are `argocd:<application>:<history id>` and
//! `argocd:<application>:operation:<started at>`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::input::{self, child, documents, first_time, get, required_time, string, Document};
use super::naming::{self, resolve_first, Named};
use crate::ingest::grouped::NoteKind;
use crate::ingest::source::{Context, Parsed};
use crate::model::{Deploy, DeployKind, DeployStatus, Reject};

/// The format name, stored in `deploys.source`.
pub const SOURCE: &str = "argocd";

/// Read Argo CD Applications.
pub fn parse(text: &str, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(text, ctx);
    from_documents(&docs, rejects, ctx)
}

/// Read the Applications of `docs` (a file's, or one group's of JSON Lines), after `rejects`.
pub(crate) fn from_documents(docs: &[Document], rejects: Vec<Reject>, ctx: &Context) -> Parsed<Deploy> {
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    let mut apps: Vec<(String, &Value)> = Vec::new();
    for doc in docs {
        match &doc.value {
            Value::Array(items) => apps
                .extend(items.iter().enumerate().map(|(i, v)| (child(&doc.position, &format!("[{i}]")), v))),
            value if get(value, &["items"]).is_some() => match input::array(value, &["items"]) {
                Ok(items) => apps.extend(
                    items.iter().enumerate().map(|(i, v)| (child(&doc.position, &format!(".items[{i}]")), v)),
                ),
                Err(message) => parsed.rejects.push(ctx.reject(&doc.position, Some("items"), message)),
            },
            value => apps.push((doc.position.clone(), value)),
        }
    }
    let mut defaulted = 0;
    for (position, app) in apps {
        match application(app, &position, ctx, &mut parsed) {
            Ok((deploys, default_environment)) => {
                if default_environment {
                    defaulted += deploys.len();
                }
                parsed.records.extend(deploys);
            }
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    if defaulted > 0 {
        parsed.notes.push(naming::default_environment_note(ctx, defaulted, "Argo CD"));
    }
    input::sort(&mut parsed.records);
    parsed
}

/// The group of one JSON Lines payload when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the Application's `namespace/name`. Applications are read
/// each on its own, so this only keeps one application's lines together; a list or an array
/// goes with its first Application.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items.first().and_then(group_key),
        value if get(value, &["items"]).is_some() => {
            get(value, &["items"])?.as_array()?.first().and_then(group_key)
        }
        value => {
            let name = string(value, &["metadata", "name"])?;
            Some(format!("{}/{name}", string(value, &["metadata", "namespace"]).unwrap_or("")))
        }
    }
}

/// The kinds of this reader's notes, for reading JSON Lines a group at a time: the count of
/// defaulted environments comes last.
pub(crate) fn note_kind(note: &str) -> NoteKind {
    if note.contains(" name no environment and were recorded as") {
        NoteKind::Count(0)
    } else {
        NoteKind::Line
    }
}

/// One history entry or operation, before it becomes a deploy.
struct Sync {
    id: String,
    position: String,
    revision: Option<String>,
    repo: Option<String>,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    status: DeployStatus,
    actor: Option<String>,
}

/// The deploys of one application, and whether its environment was defaulted.
fn application(
    app: &Value,
    position: &str,
    ctx: &Context,
    parsed: &mut Parsed<Deploy>,
) -> Result<(Vec<Deploy>, bool), Reject> {
    if !app.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected an Argo CD Application object, found {}", input::kind(app)),
        ));
    }
    if let Some(kind) = string(app, &["kind"]) {
        if kind != "Application" {
            return Err(ctx.reject(
                position,
                Some("kind"),
                format!("expected an Argo CD `Application`, found kind `{kind}`"),
            ));
        }
    }
    let name = string(app, &["metadata", "name"]);
    let label = |key: &str| string(app, &["metadata", "labels", key]);
    let path_folder = string(app, &["spec", "source", "path"])
        .and_then(|p| p.trim_end_matches('/').rsplit('/').next())
        .filter(|p| !p.is_empty() && *p != ".");
    // Names that can be the service itself; the namespace only points to one.
    let own_names: Vec<&str> = [
        name,
        label("app.kubernetes.io/name"),
        label("app.kubernetes.io/instance"),
        label("app"),
        string(app, &["spec", "source", "chart"]),
        path_folder,
    ]
    .into_iter()
    .flatten()
    .collect();
    let namespace = string(app, &["spec", "destination", "namespace"]);
    let named = resolve_first(own_names.iter().copied().chain(namespace), ctx)
        .or_else(|| naming::catch_all(ctx).map(|service| Named { service, environment: None }))
        .or_else(|| {
            let first = own_names.first().filter(|_| naming::no_catalog(ctx))?;
            Some(Named { service: first.to_string(), environment: None })
        })
        .ok_or_else(|| {
            let shown = name.unwrap_or("(unnamed)");
            ctx.reject(
                position,
                Some("metadata.name"),
                format!(
                    "Argo CD application `{shown}` maps to no service: neither its name, its labels (app.kubernetes.io/name, app), its chart, path nor namespace is a catalog service; map it under [deploys.services] in faultline.toml (\"{shown}\" = \"<service>\")"
                ),
            )
        })?;
    let explicit_environment = label("environment").or_else(|| label("env")).map(str::to_string);
    let defaulted = explicit_environment.is_none() && named.environment.is_none();
    let environment = explicit_environment
        .or(named.environment.clone())
        .unwrap_or_else(|| super::DEFAULT_ENVIRONMENT.to_string());
    let app_name = match name {
        Some(n) => n.to_string(),
        None => {
            parsed.notes.push(format!(
                "{}: the Argo CD application at {position} has no metadata.name; its deploy ids use its service `{}`",
                ctx.file.display(),
                named.service
            ));
            named.service.clone()
        }
    };
    let spec_repo = string(app, &["spec", "source", "repoURL"]).and_then(input::repo_name);

    let mut syncs: Vec<(i64, Sync)> = Vec::new();
    let history = input::array(app, &["status", "history"])
        .map_err(|message| ctx.reject(position, Some("status.history"), message))?;
    for (i, entry) in history.iter().enumerate() {
        let entry_position = child(position, &format!(".status.history[{i}]"));
        match history_entry(entry, &entry_position, &app_name, spec_repo.as_deref(), ctx) {
            Ok(sync) => syncs.push(sync),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    syncs.sort_by_key(|(id, _)| *id);
    let mut syncs: Vec<Sync> = syncs.into_iter().map(|(_, s)| s).collect();

    if let Some(state) = get(app, &["status", "operationState"]) {
        let op_position = child(position, ".status.operationState");
        match operation(state, &op_position, spec_repo.as_deref(), ctx) {
            Ok(op) => {
                let recorded = syncs.iter().any(|s| {
                    s.revision.is_some()
                        && s.revision == op.revision
                        && (s.started_at == op.started_at
                            || (op.finished_at.is_some() && s.finished_at == op.finished_at))
                });
                if !recorded {
                    syncs.push(op);
                }
            }
            Err(reject) => parsed.rejects.push(reject),
        }
    }

    let mut deploys = Vec::with_capacity(syncs.len());
    let mut previous: Option<(&Sync, String)> = None;
    let mut seen: Vec<&str> = Vec::new();
    for sync in &syncs {
        let id = format!("{SOURCE}:{app_name}:{}", sync.id);
        let (kind, rollback_of) = match (&sync.revision, &previous) {
            (Some(revision), Some((before, before_id)))
                if before.revision.as_deref() != Some(revision.as_str())
                    && seen.contains(&revision.as_str()) =>
            {
                (DeployKind::Rollback, Some(before_id.clone()))
            }
            _ => (DeployKind::Deploy, None),
        };
        deploys.push(Deploy {
            id: id.clone(),
            service: named.service.clone(),
            environment: environment.clone(),
            repo: sync.repo.clone(),
            sha: sync.revision.as_deref().and_then(input::sha),
            started_at: sync.started_at,
            finished_at: sync.finished_at,
            status: sync.status,
            kind,
            rollback_of,
            actor: sync.actor.clone(),
            source: SOURCE.into(),
            origin: ctx.origin(&sync.position),
        });
        if let Some(revision) = &sync.revision {
            seen.push(revision);
        }
        previous = Some((sync, id));
    }
    Ok((deploys, defaulted))
}

fn revision(value: &Value, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|path| match get(value, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Array(items) => items.first().and_then(Value::as_str).map(|s| s.trim().to_string()),
        _ => None,
    })
}

fn actor(initiated_by: Option<&Value>) -> Option<String> {
    let by = initiated_by?;
    string(by, &["username"]).map(str::to_string).or_else(|| {
        (get(by, &["automated"]).and_then(Value::as_bool) == Some(true)).then(|| "automated".to_string())
    })
}

fn history_entry(
    entry: &Value,
    position: &str,
    app: &str,
    spec_repo: Option<&str>,
    ctx: &Context,
) -> Result<(i64, Sync), Reject> {
    if !entry.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected a history entry object, found {}", input::kind(entry)),
        ));
    }
    let id = get(entry, &["id"]).and_then(Value::as_i64).ok_or_else(|| {
        ctx.reject(
            position,
            Some("id"),
            format!("expected the history entry's integer id (application `{app}`)"),
        )
    })?;
    let finished_at = required_time(ctx, position, entry, &["deployedAt"], "when the sync finished")?;
    let started_at = first_time(ctx, position, entry, &[&["deployStartedAt"]])?.unwrap_or(finished_at);
    let repo = string(entry, &["source", "repoURL"])
        .or_else(|| {
            get(entry, &["sources"])
                .and_then(Value::as_array)
                .and_then(|s| s.first())
                .and_then(|s| string(s, &["repoURL"]))
        })
        .and_then(input::repo_name)
        .or_else(|| spec_repo.map(str::to_string));
    Ok((
        id,
        Sync {
            id: id.to_string(),
            position: position.to_string(),
            revision: revision(entry, &[&["revision"], &["revisions"]]),
            repo,
            started_at,
            finished_at: Some(finished_at),
            status: DeployStatus::Success,
            actor: actor(get(entry, &["initiatedBy"])),
        },
    ))
}

fn operation(state: &Value, position: &str, spec_repo: Option<&str>, ctx: &Context) -> Result<Sync, Reject> {
    let phase = string(state, &["phase"]).ok_or_else(|| {
        ctx.reject(
            position,
            Some("phase"),
            "missing; expected Running, Succeeded, Failed, Error or Terminating",
        )
    })?;
    let status = match phase {
        "Running" => DeployStatus::InProgress,
        "Succeeded" => DeployStatus::Success,
        "Failed" | "Error" => DeployStatus::Failure,
        "Terminating" => DeployStatus::Cancelled,
        other => {
            return Err(ctx.reject(
                position,
                Some("phase"),
                format!("`{other}` is not an operation phase; expected Running, Succeeded, Failed, Error or Terminating"),
            ))
        }
    };
    let started_at = required_time(ctx, position, state, &["startedAt"], "when the operation started")?;
    let finished_at = match status {
        DeployStatus::InProgress => None,
        _ => first_time(ctx, position, state, &[&["finishedAt"]])?,
    };
    let repo = string(state, &["syncResult", "source", "repoURL"])
        .and_then(input::repo_name)
        .or_else(|| spec_repo.map(str::to_string));
    Ok(Sync {
        id: format!("operation:{}", started_at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        position: position.to_string(),
        revision: revision(
            state,
            &[
                &["syncResult", "revision"],
                &["syncResult", "revisions"],
                &["operation", "sync", "revision"],
                &["operation", "sync", "revisions"],
            ],
        ),
        repo,
        started_at,
        finished_at,
        status,
        actor: actor(get(state, &["operation", "initiatedBy"])),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, fixture, lines, rejects, resolver};

    const SAMPLE: &str = "argocd/application-with-history.json";

    #[test]
    fn the_real_application_history_without_double_counting_the_operation() {
        let services = resolver(&[], &[]);
        let ctx = ctx("app.json", &services);
        let parsed = parse(&fixture(SAMPLE), &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        let repo = "infra-helm-charts";
        assert_eq!(
            lines(&parsed.records),
            [
                format!("argocd:docker-storage-web:0 docker-storage-web production {repo} e2be3479bb46086832a484f28ca4bb171d657f91 2024-05-25T19:13:58Z 2024-05-25T19:13:59Z success deploy - automated argocd @app.json:$.status.history[0]"),
                format!("argocd:docker-storage-web:1 docker-storage-web production {repo} db195fef5463c7e3f70c3167ea1880d027937175 2024-05-31T17:52:45Z 2024-05-31T17:52:48Z success deploy - admin argocd @app.json:$.status.history[1]"),
                format!("argocd:docker-storage-web:2 docker-storage-web production {repo} 995737f96c59e53e9f60e2a45d1eae1c60646ecd 2024-05-31T17:56:46Z 2024-05-31T17:56:46Z success deploy - automated argocd @app.json:$.status.history[2]"),
                format!("argocd:docker-storage-web:3 docker-storage-web production {repo} cfc9e326222a84697e578b374b89d160264f3afd 2024-05-31T18:22:49Z 2024-05-31T18:22:51Z success deploy - automated argocd @app.json:$.status.history[3]"),
                format!("argocd:docker-storage-web:4 docker-storage-web production {repo} cfc9e326222a84697e578b374b89d160264f3afd 2024-05-31T18:32:49Z 2024-05-31T18:38:00Z success deploy - admin argocd @app.json:$.status.history[4]"),
                format!("argocd:docker-storage-web:5 docker-storage-web production {repo} b9526b6641ea13f5ba5715e566fef664d3216dd2 2024-05-31T18:38:01Z 2024-05-31T18:38:02Z success deploy - automated argocd @app.json:$.status.history[5]"),
            ]
        );
        assert_eq!(
            parsed.notes,
            [
                "app.json: the Argo CD application at $ has no metadata.name; its deploy ids use its service `docker-storage-web`",
                "app.json: 6 Argo CD deploy(s) name no environment and were recorded as `production`; name it in the source (for example `<service>-<environment>`) to record another",
            ]
        );
    }

    /// The sample with a name, in a list, with a failed operation after a rollback.
    fn named_list() -> String {
        let mut app: Value = serde_json::from_str(&fixture(SAMPLE)).unwrap();
        app["metadata"]["name"] = "aladin-prod".into();
        app["kind"] = "Application".into();
        // Go back to revision 995737f (history id 2), then a sync of a new revision fails.
        let mut back = app["status"]["history"][2].clone();
        back["id"] = 6.into();
        back["deployStartedAt"] = "2024-06-01T09:00:00Z".into();
        back["deployedAt"] = "2024-06-01T09:00:05Z".into();
        app["status"]["history"].as_array_mut().unwrap().push(back);
        app["status"]["operationState"]["phase"] = "Failed".into();
        app["status"]["operationState"]["startedAt"] = "2024-06-02T08:00:00Z".into();
        app["status"]["operationState"]["finishedAt"] = "2024-06-02T08:01:00Z".into();
        app["status"]["operationState"]["syncResult"]["revision"] =
            "0123456789abcdef0123456789abcdef01234567".into();
        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [app]}).to_string()
    }

    #[test]
    fn a_revisited_revision_is_a_rollback_and_a_failed_operation_a_failure() {
        let services = resolver(&["aladin"], &[]);
        let ctx = ctx("apps.json", &services);
        let parsed = parse(&named_list(), &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        let all = lines(&parsed.records);
        assert_eq!(all.len(), 8);
        assert_eq!(
            all[..2],
            [
                "argocd:aladin-prod:0 aladin prod infra-helm-charts e2be3479bb46086832a484f28ca4bb171d657f91 2024-05-25T19:13:58Z 2024-05-25T19:13:59Z success deploy - automated argocd @apps.json:$.items[0].status.history[0]",
                "argocd:aladin-prod:1 aladin prod infra-helm-charts db195fef5463c7e3f70c3167ea1880d027937175 2024-05-31T17:52:45Z 2024-05-31T17:52:48Z success deploy - admin argocd @apps.json:$.items[0].status.history[1]",
            ]
        );
        assert_eq!(
            all[6..],
            [
                "argocd:aladin-prod:6 aladin prod infra-helm-charts 995737f96c59e53e9f60e2a45d1eae1c60646ecd 2024-06-01T09:00:00Z 2024-06-01T09:00:05Z success rollback argocd:aladin-prod:5 automated argocd @apps.json:$.items[0].status.history[6]",
                "argocd:aladin-prod:operation:2024-06-02T08:00:00Z aladin prod infra-helm-charts 0123456789abcdef0123456789abcdef01234567 2024-06-02T08:00:00Z 2024-06-02T08:01:00Z failure deploy - automated argocd @apps.json:$.items[0].status.operationState",
            ]
        );
        assert!(parsed.notes.is_empty(), "{:?}", parsed.notes);
    }

    #[test]
    fn yaml_application_with_a_running_operation_and_an_environment_label() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("app.yaml", &services);
        let text = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: checkout\n  labels:\n    environment: staging\nspec:\n  source:\n    repoURL: git@github.com:acme/shop.git\n    path: deploy/checkout\nstatus:\n  history:\n  - id: 1\n    revision: \"1111111111111111111111111111111111111111\"\n    deployedAt: \"2026-06-01T10:00:00Z\"\n  operationState:\n    phase: Running\n    startedAt: \"2026-06-01T11:00:00Z\"\n    operation:\n      sync:\n        revision: \"2222222222222222222222222222222222222222\"\n      initiatedBy:\n        username: alice\n";
        let parsed = parse(text, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "argocd:checkout:1 checkout staging shop 1111111111111111111111111111111111111111 2026-06-01T10:00:00Z 2026-06-01T10:00:00Z success deploy - - argocd @app.yaml:$.status.history[0]",
                "argocd:checkout:operation:2026-06-01T11:00:00Z checkout staging shop 2222222222222222222222222222222222222222 2026-06-01T11:00:00Z - in_progress deploy - alice argocd @app.yaml:$.status.operationState",
            ]
        );
    }

    #[test]
    fn malformed_applications_are_rejected() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("apps.json", &services);
        let text = r#"[
          {"kind": "Application", "metadata": {"name": "billing"}, "status": {"history": []}},
          {"kind": "AppProject", "metadata": {"name": "default"}},
          {"kind": "Application", "metadata": {"name": "checkout"}, "status": {
             "history": [{"id": 1, "revision": "abcdef1"}, {"revision": "abcdef2", "deployedAt": "2026-06-01T10:00:00Z"}],
             "operationState": {"phase": "Exploded", "startedAt": "2026-06-01T10:00:00Z"}}}
        ]"#;
        let parsed = parse(text, &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "apps.json: $[0]: field `metadata.name`: Argo CD application `billing` maps to no service: neither its name, its labels (app.kubernetes.io/name, app), its chart, path nor namespace is a catalog service; map it under [deploys.services] in faultline.toml (\"billing\" = \"<service>\")",
                "apps.json: $[1]: field `kind`: expected an Argo CD `Application`, found kind `AppProject`",
                "apps.json: $[2].status.history[0]: field `deployedAt`: missing; expected when the sync finished (a timestamp)",
                "apps.json: $[2].status.history[1]: field `id`: expected the history entry's integer id (application `checkout`)",
                "apps.json: $[2].status.operationState: field `phase`: `Exploded` is not an operation phase; expected Running, Succeeded, Failed, Error or Terminating",
            ]
        );
    }
}
