//! AWS CodeDeploy deployments, as `aws deploy get-deployment` prints them
//! (`{"deploymentInfo": {…}}`), `aws deploy batch-get-deployments` (`{"deploymentsInfo": […]}`),
//! or several of those (or bare `deploymentInfo` objects) in a JSON array or JSON Lines.
//!
//! Status: `Succeeded` → success, `Failed` → failure, `Stopped` → cancelled, and `Created`,
//! `Queued`, `InProgress`, `Baking` (ECS) and `Ready` (blue/green, waiting to reroute traffic)
//! → in progress. The deploy starts at `startTime`, else `createTime`, and finishes at
//! `completeTime`; those are epoch seconds as JSON floats with milliseconds. The commit is
//! `revision.gitHubLocation.commitId` (S3 and AppSpec revisions have none) and the repository
//! the name part of `gitHubLocation.repository`. A deployment with
//! `rollbackInfo.rollbackTriggeringDeploymentId` (or created by `codeDeployRollback`) is a
//! rollback of that deployment; `rollbackInfo.rollbackDeploymentId` on the failed one only
//! points forward and changes nothing in it. `creator` (`user`, `autoscaling`,
//! `codeDeployRollback`, …) is the actor: CodeDeploy does not say which person.
//!
//! The service is `applicationName` or `deploymentGroupName` looked up as `<service>` or
//! `<service>-<environment>` in the catalog and `[deploys.services]`, then the catch-all
//! mapping `"*"`; with no catalog at all, `applicationName` as it is. The environment is the
//! `<environment>` part of either name when there is one, else the deployment group's name
//! without a leading `<application>-` (deployment groups are how CodeDeploy separates
//! environments). Ids are `codedeploy:<deploymentId>`.

use serde_json::Value;

use super::input::{self, child, documents, first_time, get, string, Document};
use super::naming::{self, resolve_name};
use crate::ingest::source::{Context, Parsed};
use crate::model::{Deploy, DeployKind, DeployStatus, Reject};

/// The format name, stored in `deploys.source`.
pub const SOURCE: &str = "codedeploy";

/// Read CodeDeploy `get-deployment` / `batch-get-deployments` output.
pub fn parse(text: &str, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(text, ctx);
    from_documents(&docs, rejects, ctx)
}

/// Read the deployments of `docs` (a file's, or one group's of JSON Lines), after `rejects`.
pub(crate) fn from_documents(docs: &[Document], rejects: Vec<Reject>, ctx: &Context) -> Parsed<Deploy> {
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    let mut infos: Vec<(String, &Value)> = Vec::new();
    for doc in docs {
        let tops: Vec<(String, &Value)> = match &doc.value {
            Value::Array(items) => {
                items.iter().enumerate().map(|(i, v)| (child(&doc.position, &format!("[{i}]")), v)).collect()
            }
            value => vec![(doc.position.clone(), value)],
        };
        for (position, top) in tops {
            if let Some(info) = get(top, &["deploymentInfo"]) {
                infos.push((child(&position, ".deploymentInfo"), info));
            } else if get(top, &["deploymentsInfo"]).is_some() {
                match input::array(top, &["deploymentsInfo"]) {
                    Ok(items) => infos.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (child(&position, &format!(".deploymentsInfo[{i}]")), v)),
                    ),
                    Err(message) => {
                        parsed.rejects.push(ctx.reject(&position, Some("deploymentsInfo"), message))
                    }
                }
            } else if get(top, &["deploymentId"]).is_some() {
                infos.push((position, top));
            } else {
                parsed.rejects.push(ctx.reject(
                    &position,
                    Some("deploymentInfo"),
                    format!(
                        "expected `aws deploy get-deployment` output (`deploymentInfo`), `batch-get-deployments` output (`deploymentsInfo`) or a deployment with `deploymentId`, found {}",
                        input::kind(top)
                    ),
                ));
            }
        }
    }
    for (position, info) in infos {
        match deployment(info, &position, ctx) {
            Ok(d) => parsed.records.push(d),
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    input::sort(&mut parsed.records);
    parsed
}

/// The group of one JSON Lines payload when the file is read a group at a time
/// ([`crate::ingest::grouped`]): the `deploymentId` (of `deploymentInfo`, of the first of
/// `deploymentsInfo`, or of the deployment itself; of an array's first element).
/// Deployments are read each on its own, so this only keeps one deployment's lines together.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    let info = match value {
        Value::Array(items) => return items.first().and_then(group_key),
        value => match get(value, &["deploymentInfo"]) {
            Some(info) => info,
            None => match get(value, &["deploymentsInfo"]) {
                Some(infos) => infos.as_array()?.first()?,
                None => value,
            },
        },
    };
    string(info, &["deploymentId"]).map(str::to_string)
}

fn deployment(info: &Value, position: &str, ctx: &Context) -> Result<Deploy, Reject> {
    if !info.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected a deployment object, found {}", input::kind(info)),
        ));
    }
    let id = string(info, &["deploymentId"]).ok_or_else(|| {
        ctx.reject(position, Some("deploymentId"), "missing; expected the deployment id (d-…)")
    })?;
    let status = match string(info, &["status"]) {
        Some("Succeeded") => DeployStatus::Success,
        Some("Failed") => DeployStatus::Failure,
        Some("Stopped") => DeployStatus::Cancelled,
        Some("Created" | "Queued" | "InProgress" | "Baking" | "Ready") => DeployStatus::InProgress,
        Some(other) => {
            return Err(ctx.reject(
                position,
                Some("status"),
                format!("`{other}` is not a CodeDeploy status; expected Succeeded, Failed, Stopped, Created, Queued, InProgress, Baking or Ready"),
            ))
        }
        None => return Err(ctx.reject(position, Some("status"), "missing; expected the deployment's status")),
    };
    let started_at =
        first_time(ctx, position, info, &[&["startTime"], &["createTime"]])?.ok_or_else(|| {
            ctx.reject(
                position,
                Some("createTime"),
                "missing; expected `startTime` or `createTime` (epoch seconds)",
            )
        })?;
    let finished_at = first_time(ctx, position, info, &[&["completeTime"]])?;

    let application = string(info, &["applicationName"]);
    let group = string(info, &["deploymentGroupName"]);
    let from_group = group.and_then(|g| resolve_name(g, ctx));
    let from_application = application.and_then(|a| resolve_name(a, ctx));
    let (service, named_environment) = match (from_application, from_group) {
        (Some(a), g) => {
            let environment = a.environment.or_else(|| g.and_then(|g| g.environment));
            (a.service, environment)
        }
        (None, Some(g)) => (g.service, g.environment),
        (None, None) => match naming::catch_all(ctx)
            .or_else(|| naming::no_catalog(ctx).then(|| application.map(str::to_string)).flatten())
        {
            Some(service) => (service, None),
            None => {
                let shown = application.unwrap_or("(none)");
                return Err(ctx.reject(
                    position,
                    Some("applicationName"),
                    format!(
                        "CodeDeploy application `{shown}` (deployment group `{}`) maps to no service; map it under [deploys.services] in faultline.toml (\"{shown}\" = \"<service>\")",
                        group.unwrap_or("(none)")
                    ),
                ));
            }
        },
    };
    let environment = named_environment
        .or_else(|| {
            let group = group?;
            Some(
                application
                    .and_then(|a| naming::environment_after(group, a))
                    .unwrap_or_else(|| group.to_string()),
            )
        })
        .ok_or_else(|| {
            ctx.reject(
                position,
                Some("deploymentGroupName"),
                "missing; expected the deployment group, which names the environment",
            )
        })?;

    let triggering = string(info, &["rollbackInfo", "rollbackTriggeringDeploymentId"]);
    let creator = string(info, &["creator"]);
    let kind = if triggering.is_some() || creator == Some("codeDeployRollback") {
        DeployKind::Rollback
    } else {
        DeployKind::Deploy
    };
    Ok(Deploy {
        id: format!("{SOURCE}:{id}"),
        service,
        environment,
        repo: string(info, &["revision", "gitHubLocation", "repository"]).and_then(input::repo_name),
        sha: string(info, &["revision", "gitHubLocation", "commitId"]).and_then(input::sha),
        started_at,
        finished_at,
        status,
        kind,
        rollback_of: triggering.map(|t| format!("{SOURCE}:{t}")),
        actor: creator.map(str::to_string),
        source: SOURCE.into(),
        origin: ctx.origin(position),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, fixture, lines, rejects, resolver};

    #[test]
    fn the_cli_reference_example() {
        let services = resolver(&[], &[]);
        let ctx = ctx("get-deployment.json", &services);
        let parsed = parse(&fixture("codedeploy/get-deployment-example.json"), &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            ["codedeploy:d-A1B2C3123 WordPress_App WordPress_DG - - 2014-09-03T17:16:16.589Z 2014-09-03T17:16:36.101Z success deploy - user codedeploy @get-deployment.json:$.deploymentInfo"]
        );
    }

    #[test]
    fn batch_output_with_github_revisions_and_a_rollback() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("batch.json", &services);
        let text = r#"{"deploymentsInfo": [
          {"deploymentId": "d-FAILED001", "applicationName": "checkout", "deploymentGroupName": "checkout-production",
           "status": "Failed", "creator": "user", "createTime": 1780308000.5, "completeTime": 1780308100,
           "revision": {"revisionType": "GitHub", "gitHubLocation": {"repository": "acme/shop", "commitId": "ABCDEF0123456789ABCDEF0123456789ABCDEF01"}},
           "rollbackInfo": {"rollbackDeploymentId": "d-ROLLBACK1"}},
          {"deploymentId": "d-ROLLBACK1", "applicationName": "checkout", "deploymentGroupName": "checkout-production",
           "status": "InProgress", "creator": "codeDeployRollback", "createTime": 1780308101, "startTime": 1780308102.25,
           "rollbackInfo": {"rollbackTriggeringDeploymentId": "d-FAILED001", "rollbackMessage": "Deployment rolled back"}}
        ]}"#;
        let parsed = parse(text, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "codedeploy:d-FAILED001 checkout production shop abcdef0123456789abcdef0123456789abcdef01 2026-06-01T10:00:00.500Z 2026-06-01T10:01:40Z failure deploy - user codedeploy @batch.json:$.deploymentsInfo[0]",
                "codedeploy:d-ROLLBACK1 checkout production - - 2026-06-01T10:01:42.250Z - in_progress rollback codedeploy:d-FAILED001 codeDeployRollback codedeploy @batch.json:$.deploymentsInfo[1]",
            ]
        );
    }

    #[test]
    fn malformed_deployments_are_rejected() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("d.jsonl", &services);
        let text = concat!(
            r#"{"deploymentInfo": {"deploymentId": "d-1", "applicationName": "checkout", "deploymentGroupName": "prod", "status": "Exploded", "createTime": 1}}"#,
            "\n",
            r#"{"deploymentInfo": {"deploymentId": "d-2", "applicationName": "checkout", "deploymentGroupName": "prod", "status": "Succeeded", "createTime": "soon"}}"#,
            "\n",
            r#"{"deploymentInfo": {"deploymentId": "d-3", "applicationName": "WordPress_App", "deploymentGroupName": "WordPress_DG", "status": "Succeeded", "createTime": 1409764576.589}}"#,
            "\n",
            r#"{"applications": []}"#,
            "\n",
        );
        let parsed = parse(text, &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "d.jsonl: line 4: field `deploymentInfo`: expected `aws deploy get-deployment` output (`deploymentInfo`), `batch-get-deployments` output (`deploymentsInfo`) or a deployment with `deploymentId`, found an object",
                "d.jsonl: line 1 $.deploymentInfo: field `status`: `Exploded` is not a CodeDeploy status; expected Succeeded, Failed, Stopped, Created, Queued, InProgress, Baking or Ready",
                "d.jsonl: line 2 $.deploymentInfo: field `createTime`: \"soon\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds",
                "d.jsonl: line 3 $.deploymentInfo: field `applicationName`: CodeDeploy application `WordPress_App` (deployment group `WordPress_DG`) maps to no service; map it under [deploys.services] in faultline.toml (\"WordPress_App\" = \"<service>\")",
            ]
        );
    }
}
