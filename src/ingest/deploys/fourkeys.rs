//! DORA Four Keys `deployments` rows (dora-team/fourkeys: the `four_keys.deployments` table
//! or view), exported from BigQuery as JSON Lines (`bq extract --destination_format
//! NEWLINE_DELIMITED_JSON`, `bq query --format=json`) or a JSON array: `deploy_id`,
//! `time_created`, `changes` (the change ids, i.e. commit SHAs, the deploy shipped), and in the
//! later schema `source` and `main_commit`.
//!
//! Four Keys measures deploys to production that succeeded, so every row is a success deploy
//! to [`super::DEFAULT_ENVIRONMENT`] at `time_created` (unless a team added an `environment`
//! column). Its rows name no service: a `service` column is used where a team added one,
//! else the config's catch-all mapping `"*" = "<service>"` under `[deploys.services]`; a row
//! with neither is rejected. The commit is `main_commit`, else the only change when there is
//! exactly one; `changes` is unordered (`ARRAY_AGG(DISTINCT …)`), so with several the deployed
//! head is unknown and `sha` stays empty (noted). Ids are `fourkeys:<source>:<deploy_id>`, or
//! `fourkeys:<deploy_id>` without a `source` column.
//!
//! Quirks: BigQuery writes `TIMESTAMP` as `2020-07-17 08:42:58 UTC` in exports and as
//! floating epoch seconds in scientific notation (`1.594975378E9`) through its REST API; both
//! are read, the latter without passing through `f64`.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::input::{self, child, documents, get, scalar, string, Document};
use super::naming;
use crate::ingest::grouped::NoteKind;
use crate::ingest::source::{Context, Parsed};
use crate::ingest::time;
use crate::model::{Deploy, DeployKind, DeployStatus, Reject};

/// The format name, stored in `deploys.source`.
pub const SOURCE: &str = "fourkeys";

/// The columns of a `deployments` row this reader uses (the schema's three, then the later
/// view's additions and the optional ones a team may add).
pub const COLUMNS: [&str; 7] =
    ["deploy_id", "time_created", "changes", "source", "main_commit", "service", "environment"];

/// Read Four Keys `deployments` rows.
pub fn parse(text: &str, ctx: &Context) -> Parsed<Deploy> {
    let (docs, rejects) = documents(text, ctx);
    from_documents(&docs, rejects, ctx)
}

/// Read the rows of `docs` (a file's, or one group's of JSON Lines), after `rejects`.
pub(crate) fn from_documents(docs: &[Document], rejects: Vec<Reject>, ctx: &Context) -> Parsed<Deploy> {
    let mut parsed = Parsed { rejects, ..Parsed::default() };
    let mut rows: Vec<(String, &Value)> = Vec::new();
    for doc in docs {
        match &doc.value {
            Value::Array(elements) => rows.extend(
                elements.iter().enumerate().map(|(i, v)| (child(&doc.position, &format!("[{i}]")), v)),
            ),
            value => rows.push((doc.position.clone(), value)),
        }
    }
    let mut unknown_head = 0;
    for (position, row) in rows {
        match deployment(row, &position, ctx) {
            Ok((deploy, several)) => {
                if several {
                    unknown_head += 1;
                }
                parsed.records.push(deploy);
            }
            Err(reject) => parsed.rejects.push(reject),
        }
    }
    if unknown_head > 0 {
        parsed.notes.push(format!(
            "{}: {unknown_head} Four Keys deploy(s) list several changes and no `main_commit`, so the commit deployed is unknown and `sha` was left empty",
            ctx.file.display()
        ));
    }
    input::sort(&mut parsed.records);
    parsed
}

/// The group of one JSON Lines row when the file is read a group at a time
/// ([`crate::ingest::grouped`]): `source:deploy_id`, the deploy's id (of an array's first row).
/// Rows are read each on its own, so this only keeps one deploy's rows together.
pub(crate) fn group_key(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items.first().and_then(group_key),
        value => {
            let id = scalar(value, &["deploy_id"])?;
            Some(format!("{}:{id}", string(value, &["source"]).unwrap_or("")))
        }
    }
}

/// The kinds of this reader's notes, for reading JSON Lines a group at a time: its one note is
/// a count.
pub(crate) fn note_kind(note: &str) -> NoteKind {
    if note.contains(" list several changes and no `main_commit`") {
        NoteKind::Count(0)
    } else {
        NoteKind::Line
    }
}

/// A deploy, and whether its head was unknown among several changes.
fn deployment(row: &Value, position: &str, ctx: &Context) -> Result<(Deploy, bool), Reject> {
    if !row.is_object() {
        return Err(ctx.reject(
            position,
            None,
            format!("expected a Four Keys deployments row (an object), found {}", input::kind(row)),
        ));
    }
    let id = scalar(row, &["deploy_id"]).ok_or_else(|| {
        ctx.reject(
            position,
            Some("deploy_id"),
            "missing; expected a Four Keys `deployments` row (deploy_id, time_created, changes); `events_raw` and `changes` rows are not deploys",
        )
    })?;
    let value = get(row, &["time_created"]).ok_or_else(|| {
        ctx.reject(position, Some("time_created"), "missing; expected when the deploy happened (a timestamp)")
    })?;
    let at = bigquery_time(value, ctx).map_err(|e| ctx.reject(position, Some("time_created"), e))?;
    let changes: Vec<&str> = match get(row, &["changes"]) {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut changes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_str() {
                    Some(s) => changes.push(s.trim()),
                    None => {
                        return Err(ctx.reject(
                            position,
                            Some(&format!("changes[{i}]")),
                            format!("expected a change id (a string), found {}", input::kind(item)),
                        ))
                    }
                }
            }
            changes
        }
        Some(other) => {
            return Err(ctx.reject(
                position,
                Some("changes"),
                format!("expected an array of change ids, found {}", input::kind(other)),
            ))
        }
    };
    let (sha, several) = match string(row, &["main_commit"]) {
        Some(main) => (input::sha(main), false),
        None if changes.len() == 1 => (input::sha(changes[0]), false),
        None => (None, changes.len() > 1),
    };
    let service = match string(row, &["service"]) {
        Some(name) => ctx.service(name).ok_or_else(|| {
            ctx.reject(
                position,
                Some("service"),
                format!("`{name}` is not a catalog service; add it to the catalog or map it under [deploys.services] in faultline.toml (\"{name}\" = \"<service>\")"),
            )
        })?,
        None => naming::catch_all(ctx).ok_or_else(|| {
            ctx.reject(
                position,
                Some("service"),
                "Four Keys rows name no service; map them all to one with \"*\" = \"<service>\" under [deploys.services] in faultline.toml, or add a `service` column",
            )
        })?,
    };
    let id = match string(row, &["source"]) {
        Some(source) => format!("{SOURCE}:{source}:{id}"),
        None => format!("{SOURCE}:{id}"),
    };
    Ok((
        Deploy {
            id,
            service,
            environment: string(row, &["environment"]).unwrap_or(super::DEFAULT_ENVIRONMENT).to_string(),
            repo: None,
            sha,
            started_at: at,
            finished_at: Some(at),
            status: DeployStatus::Success,
            kind: DeployKind::Deploy,
            rollback_of: None,
            actor: None,
            source: SOURCE.into(),
            origin: ctx.origin(position),
        },
        several,
    ))
}

/// A BigQuery `TIMESTAMP` as exported (`2020-07-17 08:42:58.123 UTC`, RFC 3339) or as the
/// REST API writes it (`1.594975378123E9` seconds).
fn bigquery_time(value: &Value, ctx: &Context) -> Result<DateTime<Utc>, String> {
    if let Some(text) = value.as_str() {
        if let Some(plain) = expand_exponent(text.trim()) {
            return time::parse_str(&plain, ctx.zone);
        }
    }
    time::parse_value(value, ctx.zone)
}

/// `1.594975378123E9` → `1594975378.123`, by moving the decimal point in the digits (no
/// float); `None` when `text` is not in that notation or the exponent is out of reach.
fn expand_exponent(text: &str) -> Option<String> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent: usize = exponent.strip_prefix('+').unwrap_or(exponent).parse().ok()?;
    if exponent > 30 {
        return None;
    }
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut digits = format!("{whole}{fraction}");
    let point = whole.len() + exponent;
    while digits.len() < point {
        digits.push('0');
    }
    let (int, frac) = digits.split_at(point);
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, fixture, lines, rejects, resolver};

    #[test]
    fn the_reader_covers_the_deployments_schema() {
        let schema: Value =
            serde_json::from_str(&fixture("fourkeys/setup_deprecated_deployments_schema.json")).unwrap();
        let names: Vec<&str> =
            schema.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["deploy_id", "time_created", "changes"]);
        assert!(names.iter().all(|n| COLUMNS.contains(n)));
        assert_eq!(schema[2]["mode"], "REPEATED");
    }

    #[test]
    fn rows_as_json_lines_in_every_timestamp_form() {
        let services = resolver(&["checkout"], &[("*", "checkout")]);
        let ctx = ctx("deployments.json", &services);
        let text = concat!(
            r#"{"source": "github", "deploy_id": "388454671", "time_created": "2020-08-26 14:32:51 UTC", "changes": ["743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5"]}"#,
            "\n",
            r#"{"source": "github", "deploy_id": "388433743", "time_created": "1.598450191E9", "changes": ["743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5", "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"]}"#,
            "\n",
            r#"{"deploy_id": "b1", "time_created": "2020-08-26T15:00:00.250Z", "changes": [], "main_commit": "F95F852BD8FCA8FCC58A9A2D6C842781E32A215E", "environment": "staging"}"#,
            "\n",
        );
        let parsed = parse(text, &ctx);
        assert_eq!(rejects(&parsed.rejects), Vec::<String>::new());
        assert_eq!(
            lines(&parsed.records),
            [
                "fourkeys:github:388433743 checkout production - - 2020-08-26T13:56:31Z 2020-08-26T13:56:31Z success deploy - - fourkeys @deployments.json:line 2",
                "fourkeys:github:388454671 checkout production - 743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5 2020-08-26T14:32:51Z 2020-08-26T14:32:51Z success deploy - - fourkeys @deployments.json:line 1",
                "fourkeys:b1 checkout staging - f95f852bd8fca8fcc58a9a2d6c842781e32a215e 2020-08-26T15:00:00.250Z 2020-08-26T15:00:00.250Z success deploy - - fourkeys @deployments.json:line 3",
            ]
        );
        assert_eq!(
            parsed.notes,
            ["deployments.json: 1 Four Keys deploy(s) list several changes and no `main_commit`, so the commit deployed is unknown and `sha` was left empty"]
        );
    }

    #[test]
    fn exponent_notation_moves_the_point_without_floats() {
        assert_eq!(expand_exponent("1.594975378E9").as_deref(), Some("1594975378"));
        assert_eq!(expand_exponent("1.594975378123456E9").as_deref(), Some("1594975378.123456"));
        assert_eq!(expand_exponent("1.5E+9").as_deref(), Some("1500000000"));
        assert_eq!(expand_exponent("2020-08-26"), None);
        assert_eq!(expand_exponent("1.5E400"), None);
    }

    #[test]
    fn malformed_rows_are_rejected() {
        let services = resolver(&["checkout"], &[]);
        let ctx = ctx("deployments.json", &services);
        let text = r#"[
          {"deploy_id": "a", "time_created": "2020-08-26 14:32:51 UTC"},
          {"event_type": "push", "id": "x", "metadata": "{}", "time_created": "2020-08-26 14:32:51 UTC"},
          {"deploy_id": "c", "time_created": "2020-08-26 14:32:51", "service": "checkout"},
          {"deploy_id": "d", "time_created": "2020-08-26T14:32:51Z", "service": "checkout", "changes": "abc"},
          {"deploy_id": "e", "service": "checkout"}
        ]"#;
        let parsed = parse(text, &ctx);
        assert!(parsed.records.is_empty());
        assert_eq!(
            rejects(&parsed.rejects),
            [
                "deployments.json: $[0]: field `service`: Four Keys rows name no service; map them all to one with \"*\" = \"<service>\" under [deploys.services] in faultline.toml, or add a `service` column",
                "deployments.json: $[1]: field `deploy_id`: missing; expected a Four Keys `deployments` row (deploy_id, time_created, changes); `events_raw` and `changes` rows are not deploys",
                "deployments.json: $[2]: field `time_created`: \"2020-08-26 14:32:51\" has no time zone; set `time_zone` for this source in faultline.toml (for example \"UTC\" or \"Europe/Berlin\")",
                "deployments.json: $[3]: field `changes`: expected an array of change ids, found a string",
                "deployments.json: $[4]: field `time_created`: missing; expected when the deploy happened (a timestamp)",
            ]
        );
    }
}
