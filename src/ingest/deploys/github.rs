//! GitHub Deployments: the REST list (`GET /repos/{owner}/{repo}/deployments`, or one
//! deployment), with each deployment's statuses inline under `statuses` or in a separate
//! statuses file (`GET …/deployments/{id}/statuses`, one deployment's or several
//! concatenated), and the `deployment` / `deployment_status` webhook payloads (one, a JSON
//! array of them, or JSON Lines).
//!
//! Quirks this reader expects, all seen in real exports:
//! - statuses come newest first; they are ordered by time here, and the newest status that is
//!   not `inactive` decides: `success` → success, `failure`/`error` → failure,
//!   `queued`/`pending`/`in_progress` → in progress. A deployment whose statuses are all
//!   `queued` never said how it ended and stays in progress, as does one with no status at
//!   all; one with only `inactive` statuses (superseded after succeeding) counts as success;
//! - `ref` may be a branch or a full SHA: the commit is `sha`, else `ref` when it is one;
//! - `payload` may be `{}`, any JSON, a JSON object encoded as a string, or `""`.
//!
//! The service is `payload.service` or `payload.app` where the deployment says so; else the
//! environment read as `<service>` or `<service>-<environment>` of a catalog service (or a
//! name mapped in `[deploys.services]`); else the catch-all mapping `"*"`; with no catalog and
//! no mapping at all, the repository's name. A deployment that maps to no service is rejected
//! with field `service`, saying how to map it. An environment that is itself the service
//! (`checkout`) is recorded as `production`. A `task` naming a rollback (`deploy:rollback`,
//! `rollback`) makes a rollback, of `payload.rollback_of` when given.
//!
//! Ids are `github:<deployment id>`; the deploy starts at the deployment's `created_at` and
//! finishes at its deciding status's `created_at`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::input::{self, child, documents, get, required_time, scalar, string, Document};
use super::naming::{self, resolve_name};
use crate::ingest::source::{Context, Parsed};
use crate::model::{Deploy, DeployKind, DeployStatus, Reject};

/// The format name, stored in `deploys.source`.
pub const SOURCE: &str = "github";

/// A statuses file read apart from the deployments: its path (named in rejects) and text.
#[derive(Debug, Clone, Copy)]
pub struct StatusesFile<'a> {
    /// The file, as given in the config.
    pub path: &'a Path,
    /// Its content: an array of statuses, one status, or JSON Lines of either.
    pub text: &'a str,
}

/// Read a GitHub Deployments file of either kind: webhook payloads when any record holds a
/// `deployment` object, else the REST list (with `statuses`, which only the REST list uses).
pub fn parse(text: &str, statuses: Option<StatusesFile<'_>>, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(text, ctx);
    if docs.iter().any(|doc| is_webhook(&doc.value)) {
        let mut parsed = webhooks_from(&docs, rejects, ctx);
        if let Some(file) = statuses {
            parsed.notes.push(format!(
                "{}: webhook payloads carry their own statuses; the statuses file {} was not read",
                ctx.file.display(),
                file.path.display()
            ));
        }
        parsed
    } else {
        rest_from(&docs, rejects, statuses, ctx)
    }
}

/// Whether a document is a webhook payload (one with a `deployment` object), or an array
/// holding one: then [`parse`] reads the whole file as webhooks.
pub(crate) fn is_webhook(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|i| get(i, &["deployment"]).is_some_and(Value::is_object)),
        other => get(other, &["deployment"]).is_some_and(Value::is_object),
    }
}

/// The group of one JSON Lines payload when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the deployment id, which webhooks are merged by and the REST
/// list's repeats are told by (`deployment.id` of a webhook payload, `id` of a REST
/// deployment); for an array, its first element's.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items.first().and_then(group_key),
        Value::Object(_) => match get(value, &["deployment"]).filter(|d| d.is_object()) {
            Some(deployment) => scalar(deployment, &["id"]),
            None => scalar(value, &["id"]),
        },
        _ => None,
    }
}

/// Read one group of JSON Lines documents as [`parse`] reads a whole file's: as webhooks when
/// any line of the file is one (`webhooks`), else as the REST list without a statuses file.
pub(crate) fn parse_lines(docs: &[Document], webhooks: bool, ctx: &Context) -> Parsed<Deploy> {
    if webhooks {
        webhooks_from(docs, Vec::new(), ctx)
    } else {
        rest_from(docs, Vec::new(), None, ctx)
    }
}

/// Read the REST deployments list (an array, one deployment object, or JSON Lines), with
/// statuses inline under each deployment's `statuses` and/or from a statuses file.
pub fn parse_rest(deployments: &str, statuses: Option<StatusesFile<'_>>, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(deployments, ctx);
    rest_from(&docs, rejects, statuses, ctx)
}

fn rest_from(
    docs: &[Document],
    rejects: Vec<Reject>,
    statuses: Option<StatusesFile<'_>>,
    ctx: &Context,
) -> Parsed<Deploy> {
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    let mut items: Vec<(String, &Value)> = Vec::new();
    for doc in docs {
        match &doc.value {
            Value::Array(elements) => items.extend(
                elements.iter().enumerate().map(|(i, v)| (child(&doc.position, &format!("[{i}]")), v)),
            ),
            value @ Value::Object(_) => items.push((doc.position.clone(), value)),
            other => parsed.rejects.push(ctx.reject(
                &doc.position,
                None,
                format!("expected a deployment object or an array of them, found {}", input::kind(other)),
            )),
        }
    }

    let mut external: BTreeMap<String, Vec<Status>> = BTreeMap::new();
    let mut external_positions: BTreeMap<String, String> = BTreeMap::new();
    let statuses_ctx = statuses.map(|file| Context { file: file.path, ..*ctx });
    if let (Some(file), Some(sctx)) = (statuses, statuses_ctx.as_ref()) {
        let (docs, rejects) = documents(file.text, sctx);
        parsed.rejects.extend(rejects);
        for doc in docs {
            let elements: Vec<(String, Value)> = match doc.value {
                Value::Array(elements) => elements
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (child(&doc.position, &format!("[{i}]")), v))
                    .collect(),
                value => vec![(doc.position.clone(), value)],
            };
            for (position, value) in elements {
                let Some(deployment) = deployment_of_status(&value) else {
                    parsed.rejects.push(sctx.reject(
                        &position,
                        Some("deployment_url"),
                        "expected the status's deployment URL (…/deployments/<id>) or `deployment_id`, to tell which deployment it belongs to",
                    ));
                    continue;
                };
                match status(&value, &position, sctx) {
                    Ok(s) => {
                        external_positions.entry(deployment.clone()).or_insert(position);
                        external.entry(deployment).or_default().push(s);
                    }
                    Err(reject) => parsed.rejects.push(reject),
                }
            }
        }
    }

    // Id → where it was first seen, the object there, and whether it became a deploy.
    let mut first_seen: BTreeMap<String, (String, &Value, bool)> = BTreeMap::new();
    for (position, item) in items {
        if !item.is_object() {
            parsed.rejects.push(ctx.reject(
                &position,
                None,
                format!("expected a deployment object, found {}", input::kind(item)),
            ));
            continue;
        }
        let mut points = Vec::new();
        match input::array(item, &["statuses"]) {
            Ok(inline) => {
                for (j, value) in inline.iter().enumerate() {
                    match status(value, &child(&position, &format!(".statuses[{j}]")), ctx) {
                        Ok(s) => points.push(s),
                        Err(reject) => parsed.rejects.push(reject),
                    }
                }
            }
            Err(message) => parsed.rejects.push(ctx.reject(&position, Some("statuses"), message)),
        }
        let id = scalar(item, &["id"]);
        if let Some(id) = &id {
            if let Some((first, value, kept)) = first_seen.get(id) {
                if *value == item {
                    // Overlapping pages of the list: the same object twice.
                    parsed.notes.push(format!(
                        "{}: {position}: deployment {id} repeats {first} unchanged; kept once",
                        ctx.file.display()
                    ));
                } else {
                    let outcome = if *kept { "which is kept" } else { "which was rejected too" };
                    parsed.rejects.push(ctx.reject(
                        &position,
                        Some("id"),
                        format!("deployment {id} appears again with different content (first at {first}, {outcome}); expected each deployment once"),
                    ));
                }
                continue;
            }
            if let Some(more) = external.remove(id) {
                points.extend(more);
            }
        }
        let repo = string(item, &["repository_url"]).and_then(input::repo_name);
        let kept = match deploy(item, &position, points, repo, None, ctx) {
            Ok(d) => {
                parsed.records.push(d);
                true
            }
            Err(reject) => {
                parsed.rejects.push(reject);
                false
            }
        };
        if let Some(id) = id {
            first_seen.insert(id, (position.clone(), item, kept));
        }
    }
    if let Some(sctx) = statuses_ctx.as_ref() {
        for (deployment, points) in external {
            let position = external_positions.remove(&deployment).unwrap_or_else(|| "$".into());
            parsed.rejects.push(sctx.reject(
                position,
                Some("deployment_url"),
                format!(
                    "{} status(es) of deployment {deployment}, which is not in {}",
                    points.len(),
                    ctx.file.display()
                ),
            ));
        }
    }
    finish(parsed)
}

/// Read `deployment` and `deployment_status` webhook payloads (one object, a JSON array, or
/// JSON Lines). Payloads of one deployment are merged: its statuses from every
/// `deployment_status` payload, its fields from the first payload that names it.
pub fn parse_webhooks(text: &str, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(text, ctx);
    webhooks_from(&docs, rejects, ctx)
}

fn webhooks_from(docs: &[Document], rejects: Vec<Reject>, ctx: &Context) -> Parsed<Deploy> {
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

    struct Group<'a> {
        position: String,
        deployment: &'a Value,
        repo: Option<String>,
        sender: Option<String>,
        statuses: Vec<Status>,
    }
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (position, item) in items {
        let Some(deployment) = get(item, &["deployment"]).filter(|d| d.is_object()) else {
            parsed.rejects.push(ctx.reject(
                &position,
                Some("deployment"),
                format!(
                    "expected a `deployment` or `deployment_status` webhook payload with a `deployment` object, found {}",
                    describe_payload(item)
                ),
            ));
            continue;
        };
        let deployment_position = child(&position, ".deployment");
        let Some(id) = scalar(deployment, &["id"]) else {
            parsed.rejects.push(ctx.reject(
                &deployment_position,
                Some("id"),
                "missing; expected the deployment's numeric id",
            ));
            continue;
        };
        let group = groups.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            Group {
                position: deployment_position,
                deployment,
                repo: string(item, &["repository", "name"])
                    .map(str::to_string)
                    .or_else(|| string(deployment, &["repository_url"]).and_then(input::repo_name)),
                sender: string(item, &["sender", "login"]).map(str::to_string),
                statuses: Vec::new(),
            }
        });
        if let Some(value) = get(item, &["deployment_status"]) {
            match status(value, &child(&position, ".deployment_status"), ctx) {
                Ok(s) => group.statuses.push(s),
                Err(reject) => parsed.rejects.push(reject),
            }
        }
    }
    for id in order {
        let Some(group) = groups.remove(&id) else { continue };
        match deploy(group.deployment, &group.position, group.statuses, group.repo, group.sender, ctx) {
            Ok(d) => parsed.records.push(d),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    finish(parsed)
}

fn describe_payload(item: &Value) -> String {
    match item {
        Value::Object(map) => {
            let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
            keys.sort_unstable();
            keys.truncate(6);
            format!("an object with keys {}", keys.join(", "))
        }
        other => input::kind(other).to_string(),
    }
}

fn finish(mut parsed: Parsed<Deploy>) -> Parsed<Deploy> {
    input::sort(&mut parsed.records);
    parsed
}

/// A deployment state, as GitHub names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Queued,
    Pending,
    InProgress,
    Success,
    Failure,
    Error,
    Inactive,
}

#[derive(Debug, Clone)]
struct Status {
    at: DateTime<Utc>,
    /// The status id, for a stable order between statuses of the same second.
    id: i64,
    state: State,
}

fn status(value: &Value, position: &str, ctx: &Context) -> Result<Status, Reject> {
    if !value.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected a deployment status object, found {}", input::kind(value)),
        ));
    }
    let state = match string(value, &["state"]).map(str::to_ascii_lowercase).as_deref() {
        Some("queued") => State::Queued,
        Some("pending") => State::Pending,
        Some("in_progress") => State::InProgress,
        Some("success") => State::Success,
        Some("failure") => State::Failure,
        Some("error") => State::Error,
        Some("inactive") => State::Inactive,
        Some(other) => {
            return Err(ctx.reject(
                position,
                Some("state"),
                format!("`{other}` is not a deployment state; expected one of queued, pending, in_progress, success, failure, error, inactive"),
            ))
        }
        None => return Err(ctx.reject(position, Some("state"), "missing; expected the deployment state")),
    };
    let at = required_time(ctx, position, value, &["created_at"], "when the status was set")?;
    let id = get(value, &["id"]).and_then(Value::as_i64).unwrap_or(0);
    Ok(Status { at, id, state })
}

/// Which deployment a status from a statuses file belongs to.
fn deployment_of_status(value: &Value) -> Option<String> {
    if let Some(id) = scalar(value, &["deployment_id"]) {
        return Some(id);
    }
    let url = string(value, &["deployment_url"])?;
    let last = url.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())).then(|| last.to_string())
}

/// The payload as an object: as given, or decoded from a string holding one.
fn payload(deployment: &Value) -> Option<serde_json::Map<String, Value>> {
    match get(deployment, &["payload"])? {
        Value::Object(map) => Some(map.clone()),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        },
        _ => None,
    }
}

fn deploy(
    deployment: &Value,
    position: &str,
    mut statuses: Vec<Status>,
    repo: Option<String>,
    sender: Option<String>,
    ctx: &Context,
) -> Result<Deploy, Reject> {
    let id = scalar(deployment, &["id"])
        .ok_or_else(|| ctx.reject(position, Some("id"), "missing; expected the deployment's numeric id"))?;
    let environment = string(deployment, &["environment"]).ok_or_else(|| {
        ctx.reject(position, Some("environment"), "missing; expected the environment the deployment went to")
    })?;
    let started_at =
        required_time(ctx, position, deployment, &["created_at"], "when the deployment was created")?;
    let payload = payload(deployment);
    let (service, environment) = service(&id, environment, payload.as_ref(), repo.as_deref(), position, ctx)?;

    statuses.sort_by_key(|s| (s.at, s.id));
    let deciding = statuses.iter().rev().find(|s| s.state != State::Inactive);
    let (status, finished_at) = match deciding.map(|s| (s.state, s.at)) {
        Some((State::Success, at)) => (DeployStatus::Success, Some(at)),
        Some((State::Failure | State::Error, at)) => (DeployStatus::Failure, Some(at)),
        Some(_) => (DeployStatus::InProgress, None),
        None if !statuses.is_empty() => (DeployStatus::Success, None),
        None => (DeployStatus::InProgress, None),
    };

    let sha = string(deployment, &["sha"])
        .and_then(input::sha)
        .or_else(|| string(deployment, &["ref"]).filter(|r| r.len() >= 40).and_then(input::sha));
    let task = string(deployment, &["task"]).unwrap_or("deploy").to_ascii_lowercase();
    let kind = if task.contains("rollback") { DeployKind::Rollback } else { DeployKind::Deploy };
    let rollback_of = match (&kind, payload.as_ref().and_then(|p| p.get("rollback_of"))) {
        (DeployKind::Rollback, Some(Value::Number(n))) => Some(format!("{SOURCE}:{n}")),
        (DeployKind::Rollback, Some(Value::String(s))) if !s.trim().is_empty() => {
            let s = s.trim();
            Some(if s.bytes().all(|b| b.is_ascii_digit()) { format!("{SOURCE}:{s}") } else { s.to_string() })
        }
        _ => None,
    };
    Ok(Deploy {
        id: format!("{SOURCE}:{id}"),
        service,
        environment,
        repo,
        sha,
        started_at,
        finished_at,
        status,
        kind,
        rollback_of,
        actor: string(deployment, &["creator", "login"]).map(str::to_string).or(sender),
        source: SOURCE.into(),
        origin: ctx.origin(position),
    })
}

/// The service and environment of a deployment (see the module docs for the order).
fn service(
    id: &str,
    environment: &str,
    payload: Option<&serde_json::Map<String, Value>>,
    repo: Option<&str>,
    position: &str,
    ctx: &Context,
) -> Result<(String, String), Reject> {
    let named_environment = |service: &str| -> String {
        naming::environment_after(environment, service).unwrap_or_else(|| {
            if environment.eq_ignore_ascii_case(service) {
                super::DEFAULT_ENVIRONMENT.to_string()
            } else {
                environment.to_string()
            }
        })
    };
    for key in ["service", "app"] {
        let Some(name) = payload.and_then(|p| p.get(key)).and_then(Value::as_str).map(str::trim) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        return match ctx.service(name) {
            Some(service) => {
                let environment = named_environment(&service);
                Ok((service, environment))
            }
            None => Err(ctx.reject(
                position,
                Some(&format!("payload.{key}")),
                format!(
                    "deployment {id} names service `{name}`, which is not in the catalog; add it to the catalog or map it under [deploys.services] in faultline.toml (\"{name}\" = \"<service>\")"
                ),
            )),
        };
    }
    if let Some(named) = resolve_name(environment, ctx) {
        let environment = named.environment.unwrap_or_else(|| named_environment(&named.service));
        return Ok((named.service, environment));
    }
    if let Some(service) = naming::catch_all(ctx) {
        return Ok((service, environment.to_string()));
    }
    if naming::no_catalog(ctx) {
        if let Some(repo) = repo {
            return Ok((repo.to_string(), environment.to_string()));
        }
    }
    Err(ctx.reject(
        position,
        Some("service"),
        format!(
            "deployment {id} to environment `{environment}` maps to no service: its payload has no `service` or `app`, and `{environment}` is neither a catalog service nor `<service>-<environment>`; set `payload.service` when deploying, or map it under [deploys.services] in faultline.toml (\"{environment}\" = \"<service>\")"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, fixture, lines, rejects, resolver};

    const DIR: &str = "github-deployments";

    #[test]
    fn rest_list_with_a_statuses_file_all_queued_stays_in_progress() {
        let services = resolver(&[], &[]);
        let ctx = ctx("deployments.json", &services);
        let deployments = fixture(&format!("{DIR}/repos_PyGithub_deployments.json"));
        let statuses = fixture(&format!("{DIR}/deployment_263877258_statuses.json"));
        let file = StatusesFile { path: Path::new("statuses.json"), text: &statuses };
        let parsed = parse(&deployments, Some(file), &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "github:262350588 PyGithub production PyGithub 743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5 2020-08-26T11:40:41Z - in_progress deploy - jacquev6 github @deployments.json:$[1]",
                "github:263877258 PyGithub test PyGithub 743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5 2020-08-26T11:44:53Z - in_progress deploy - jacquev6 github @deployments.json:$[0]",
            ]
        );
        assert!(parsed.notes.is_empty());
    }

    #[test]
    fn one_deployment_object_maps_its_environment_through_the_config() {
        let services = resolver(&["pygithub"], &[("test", "pygithub")]);
        let ctx = ctx("deployment.json", &services);
        let parsed = parse_rest(&fixture(&format!("{DIR}/deployment_get.json")), None, &ctx);
        assert_eq!(
            lines(&parsed.records),
            ["github:263877258 pygithub test PyGithub 743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5 2020-08-26T11:44:53Z - in_progress deploy - jacquev6 github @deployment.json:$"]
        );
        assert!(parsed.rejects.is_empty());
    }

    #[test]
    fn a_single_status_as_the_statuses_file() {
        let services = resolver(&[], &[]);
        let ctx = ctx("deployment.json", &services);
        let status =
            fixture(&format!("{DIR}/deployment_status_create.json")).replace("\"queued\"", "\"success\"");
        let file = StatusesFile { path: Path::new("status.json"), text: &status };
        let parsed = parse_rest(&fixture(&format!("{DIR}/deployment_get.json")), Some(file), &ctx);
        assert_eq!(
            lines(&parsed.records),
            ["github:263877258 PyGithub test PyGithub 743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5 2020-08-26T11:44:53Z 2020-08-26T14:32:51Z success deploy - jacquev6 github @deployment.json:$"]
        );
    }

    #[test]
    fn webhook_payloads_in_an_array_merge_per_deployment() {
        let services = resolver(&["hello"], &[("Hello-World", "hello"), ("production", "hello")]);
        let ctx = ctx("hooks.json", &services);
        let text = format!(
            "[{}, {}]",
            fixture(&format!("{DIR}/webhook-deployment.json")),
            fixture(&format!("{DIR}/webhook-deployment-status.json"))
        );
        let parsed = parse(&text, None, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        // `ref` is the branch `master`; the commit comes from `sha`.
        assert_eq!(
            lines(&parsed.records),
            ["github:145988746 hello production Hello-World f95f852bd8fca8fcc58a9a2d6c842781e32a215e 2019-05-15T15:20:53Z 2019-05-15T15:20:55Z success deploy - Codertocat github @hooks.json:$[0].deployment"]
        );
    }

    #[test]
    fn webhook_payloads_as_json_lines() {
        let services = resolver(&[], &[]);
        let ctx = ctx("hooks.jsonl", &services);
        let one_line = |name: &str| {
            let value: Value = serde_json::from_str(&fixture(&format!("{DIR}/{name}"))).unwrap();
            value.to_string()
        };
        let text = format!(
            "{}\n{}\n",
            one_line("webhook-deployment-status.json"),
            one_line("webhook-deployment.json")
        );
        let parsed = parse_webhooks(&text, &ctx);
        assert_eq!(
            lines(&parsed.records),
            ["github:145988746 Hello-World production Hello-World f95f852bd8fca8fcc58a9a2d6c842781e32a215e 2019-05-15T15:20:53Z 2019-05-15T15:20:55Z success deploy - Codertocat github @hooks.jsonl:line 1 $.deployment"]
        );
    }

    #[test]
    fn service_from_payload_or_environment_name() {
        let services = resolver(&["checkout", "payments-api"], &[]);
        let ctx = ctx("d.json", &services);
        let text = r#"[
          {"id": 1, "sha": "aaaaaaa", "ref": "main", "environment": "prod", "payload": {"service": "checkout"}, "created_at": "2026-06-01T10:00:00Z"},
          {"id": 2, "sha": "bbbbbbb", "ref": "main", "environment": "payments-api-staging", "payload": "", "created_at": "2026-06-01T11:00:00Z"},
          {"id": 3, "sha": "ccccccc", "ref": "main", "environment": "checkout", "payload": "{\"x\": 1}", "created_at": "2026-06-01T12:00:00Z",
           "statuses": [{"id": 9, "state": "failure", "created_at": "2026-06-01T12:05:00Z"}, {"id": 8, "state": "in_progress", "created_at": "2026-06-01T12:01:00Z"}]},
          {"id": 4, "sha": "ddddddd", "ref": "main", "task": "deploy:rollback", "environment": "checkout-production", "payload": {"app": "Checkout", "rollback_of": 3}, "created_at": "2026-06-01T13:00:00Z",
           "statuses": [{"id": 11, "state": "inactive", "created_at": "2026-06-01T14:00:00Z"}, {"id": 10, "state": "success", "created_at": "2026-06-01T13:02:00Z"}]}
        ]"#;
        let parsed = parse(text, None, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "github:1 checkout prod - aaaaaaa 2026-06-01T10:00:00Z - in_progress deploy - - github @d.json:$[0]",
                "github:2 payments-api staging - bbbbbbb 2026-06-01T11:00:00Z - in_progress deploy - - github @d.json:$[1]",
                "github:3 checkout production - ccccccc 2026-06-01T12:00:00Z 2026-06-01T12:05:00Z failure deploy - - github @d.json:$[2]",
                "github:4 checkout production - ddddddd 2026-06-01T13:00:00Z 2026-06-01T13:02:00Z success rollback github:3 - github @d.json:$[3]",
            ]
        );
    }

    #[test]
    fn a_deployment_that_maps_to_no_service_is_rejected_with_how_to_map_it() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("deployments.json", &services);
        let parsed = parse(&fixture(&format!("{DIR}/repos_PyGithub_deployments.json")), None, &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "deployments.json: $[0]: field `service`: deployment 263877258 to environment `test` maps to no service: its payload has no `service` or `app`, and `test` is neither a catalog service nor `<service>-<environment>`; set `payload.service` when deploying, or map it under [deploys.services] in faultline.toml (\"test\" = \"<service>\")",
                "deployments.json: $[1]: field `service`: deployment 262350588 to environment `production` maps to no service: its payload has no `service` or `app`, and `production` is neither a catalog service nor `<service>-<environment>`; set `payload.service` when deploying, or map it under [deploys.services] in faultline.toml (\"production\" = \"<service>\")",
            ]
        );
    }

    #[test]
    fn malformed_records_are_rejected_with_field_and_expectation() {
        let services = resolver(&[], &[]);
        let ctx = ctx("d.json", &services);
        let statuses = r#"[{"id": 5, "state": "exploded", "created_at": "2026-06-01T10:00:00Z", "deployment_url": "https://api.github.com/repos/o/r/deployments/1"},
                           {"id": 6, "state": "success", "created_at": "2026-06-01T10:00:00Z", "deployment_url": "https://api.github.com/repos/o/r/deployments/77"},
                           {"id": 7, "state": "success", "created_at": "2026-06-01T10:00:00Z"}]"#;
        let text = r#"[
          {"id": 1, "sha": "aaaaaaa", "environment": "prod", "created_at": "yesterday", "repository_url": "https://api.github.com/repos/o/r"},
          {"id": 2, "sha": "aaaaaaa", "created_at": "2026-06-01T10:00:00Z"},
          "oops",
          {"id": 1, "sha": "aaaaaaa", "environment": "prod", "created_at": "2026-06-01T10:00:00Z"}
        ]"#;
        let file = StatusesFile { path: Path::new("s.json"), text: statuses };
        let parsed = parse_rest(text, Some(file), &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "s.json: $[0]: field `state`: `exploded` is not a deployment state; expected one of queued, pending, in_progress, success, failure, error, inactive",
                "s.json: $[2]: field `deployment_url`: expected the status's deployment URL (…/deployments/<id>) or `deployment_id`, to tell which deployment it belongs to",
                "d.json: $[0]: field `created_at`: \"yesterday\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds",
                "d.json: $[1]: field `environment`: missing; expected the environment the deployment went to",
                "d.json: $[2]: expected a deployment object, found a string",
                "d.json: $[3]: field `id`: deployment 1 appears again with different content (first at $[0], which was rejected too); expected each deployment once",
                "s.json: $[1]: field `deployment_url`: 1 status(es) of deployment 77, which is not in d.json",
            ]
        );
    }

    #[test]
    fn overlapping_pages_keep_a_repeated_deployment_once() {
        let services = resolver(&[], &[]);
        let ctx = ctx("d.json", &services);
        let one = r#"{"id": 1, "sha": "aaaaaaa", "environment": "prod", "created_at": "2026-06-01T10:00:00Z", "repository_url": "https://api.github.com/repos/o/r"}"#;
        let other = r#"{"id": 1, "sha": "bbbbbbb", "environment": "prod", "created_at": "2026-06-01T10:00:00Z", "repository_url": "https://api.github.com/repos/o/r"}"#;
        let parsed = parse_rest(&format!("[{one}, {one}, {other}]"), None, &ctx);
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].sha.as_deref(), Some("aaaaaaa"));
        assert_eq!(parsed.notes, ["d.json: $[1]: deployment 1 repeats $[0] unchanged; kept once"]);
        assert_eq!(
            rejects(&parsed.rejects),
            ["d.json: $[2]: field `id`: deployment 1 appears again with different content (first at $[0], which is kept); expected each deployment once"]
        );
    }

    #[test]
    fn broken_json_lines_are_rejected_one_by_one() {
        let services = resolver(&[], &[]);
        let ctx = ctx("hooks.jsonl", &services);
        let text = "{\"action\": \"created\", \"deployment\": {\"id\": 1, \"environment\": \"prod\", \"created_at\": \"2026-06-01T10:00:00Z\", \"repository_url\": \"https://x/r\"}}\n{\"action\": \n{\"zen\": \"Keep it logically awesome.\"}\n";
        let parsed = parse(text, None, &ctx);
        assert_eq!(
            lines(&parsed.records),
            ["github:1 r prod r - 2026-06-01T10:00:00Z - in_progress deploy - - github @hooks.jsonl:line 1 $.deployment"]
        );
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "hooks.jsonl: line 2: not valid JSON: EOF while parsing a value at column 11",
                "hooks.jsonl: line 3: field `deployment`: expected a `deployment` or `deployment_status` webhook payload with a `deployment` object, found an object with keys zen",
            ]
        );
    }
}
