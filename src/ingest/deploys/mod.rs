//! Deploy logs, one module per source format, each converting its records into
//! [`crate::model::Deploy`] with a [`crate::model::Reject`] for every record it cannot use.
//! [`detect`] tells the format of a file from its first few kilobytes.
//!
//! Every reader takes the file's text and a [`crate::ingest::source::Context`] and returns
//! [`crate::ingest::source::Parsed`] records sorted by start time then id (sources that list
//! newest first are reordered), rejects in the order they were met, and notes. Positions are JSON paths
//! (`$.items[2].status.history[0]`), `line N` for JSON Lines (`line N $.deployment` inside
//! one), or `line L column C` where a file is not JSON or YAML at all. Which catalog service a
//! record belongs to follows the same rules in every reader (see each module): the record's
//! own words, then `<service>` or `<service>-<environment>` names looked up in the catalog and
//! the config's `[deploys.services]`, then the catch-all mapping `"*"`.
//!
//! A vendor JSON Lines file is not read as text but a group of one record's lines at a time
//! (`read_json_lines`, see `crate::ingest::grouped`), so each reader also says which group a
//! payload belongs to (`group_key`) and reads a group's documents (`from_documents`).

pub mod argocd;
pub mod canonical;
pub mod codedeploy;
pub mod flux;
pub mod fourkeys;
pub mod github;
pub mod kubernetes;
pub mod pagerduty;

mod input;
mod naming;
#[cfg(test)]
pub(crate) mod testing;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ingest::grouped::{read_grouped, JsonLines};
use crate::ingest::source::{Context, Parsed};
use crate::model::Deploy;

/// The environment recorded for a deploy whose source names none. Argo CD, Flux, Kubernetes
/// events and PagerDuty change events usually don't, and their readers note how many they
/// recorded so; a GitHub environment named exactly as its service (`checkout`) is this one;
/// Four Keys rows are production deploys by that schema's definition, so theirs go unnoted.
pub const DEFAULT_ENVIRONMENT: &str = "production";

/// The formats [`detect`] tells apart, by the names the config's `format = "…"` uses.
pub const FORMATS: [&str; 8] =
    ["canonical", "github", "argocd", "pagerduty", "codedeploy", "kubernetes", "flux", "fourkeys"];

/// The deploy format of a file, from its first few kilobytes (a cut-off record is fine):
/// the keys it uses, whether it is JSON (one document, an array or JSON Lines), YAML or a CSV
/// header. `None` when nothing fits, so the user is asked to say `format = "…"` instead of
/// getting a guess.
///
/// - `canonical` (checked first): a first line that is a flat JSON object with `id`, `service`
///   and `started_at`, or a CSV header with those columns;
/// - `codedeploy`: `deploymentInfo`, `deploymentsInfo`, or `deploymentId` with `deploymentGroupName`;
/// - `pagerduty`: `change_events`, `change_event`, or objects of `"type": "change_event"`;
/// - `kubernetes` / `flux`: `involvedObject` (or `regarding` with `eventTime`/`note`); Flux's
///   own events have `severity` (Kubernetes says `type`) and none of Kubernetes' `firstTimestamp`,
///   `lastTimestamp`, `eventTime`, `count`, `reportingComponent`;
/// - `github`: `deployment_status`, `deployment` with `action`/`sender`/`repository`,
///   `statuses_url`, or `sha`, `ref`, `task` and `environment` together;
/// - `argocd`: `argoproj.io`, `operationState`, `deployStartedAt`, `syncPolicy`, `history`
///   with `repoURL`, or an Application `spec` (`repoURL`, `targetRevision`, `destination`);
/// - `fourkeys`: `deploy_id` with `time_created`.
pub fn detect(text_start: &str) -> Option<&'static str> {
    let text = text_start.strip_prefix('\u{feff}').unwrap_or(text_start);
    let body = input::first_content(text);
    let first = body.chars().next()?;
    let json = first == '{' || first == '[';
    if !json {
        let header: BTreeSet<String> = body
            .lines()
            .next()
            .unwrap_or("")
            .split(',')
            .map(|c| c.trim().trim_matches('"').trim().to_ascii_lowercase())
            .collect();
        if ["id", "service", "started_at"].iter().all(|c| header.contains(*c)) {
            return Some("canonical");
        }
    }
    if json && canonical_line(body) {
        return Some("canonical");
    }
    let keys = keys(body, json);
    let has = |key: &str| keys.contains(key);
    if has("deploymentInfo") || has("deploymentsInfo") || (has("deploymentId") && has("deploymentGroupName"))
    {
        return Some("codedeploy");
    }
    if has("change_events") || has("change_event") || change_event_type().is_match(body) {
        return Some("pagerduty");
    }
    if has("involvedObject") || (has("regarding") && (has("eventTime") || has("note"))) {
        let kubernetes_only = ["firstTimestamp", "lastTimestamp", "eventTime", "count", "reportingComponent"];
        let flux = has("severity") && !kubernetes_only.iter().any(|k| has(k));
        return Some(if flux { "flux" } else { "kubernetes" });
    }
    if has("deployment_status")
        || (has("deployment") && (has("action") || has("sender") || has("repository")))
        || has("statuses_url")
        || (has("sha") && has("ref") && has("task") && has("environment"))
    {
        return Some("github");
    }
    if body.contains("argoproj.io")
        || has("operationState")
        || has("deployStartedAt")
        || has("syncPolicy")
        || (has("history") && has("repoURL"))
        || (has("repoURL") && has("targetRevision") && has("destination"))
    {
        return Some("argocd");
    }
    if has("deploy_id") && has("time_created") {
        return Some("fourkeys");
    }
    None
}

/// Whether the first line is a flat JSON object with the canonical format's key columns (a
/// nested `service` or `started_at`, as in PagerDuty incidents, does not count).
fn canonical_line(body: &str) -> bool {
    let line = body.lines().next().unwrap_or("");
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(map)) => {
            ["id", "service", "started_at"].iter().all(|k| map.contains_key(*k))
        }
        _ => false,
    }
}

/// Every key the text uses: JSON keys (`"key":`), and for YAML also `key:` at a line's start
/// (after list dashes) or inside a flow mapping.
fn keys(text: &str, json: bool) -> BTreeSet<&str> {
    static JSON_KEY: OnceLock<Regex> = OnceLock::new();
    static YAML_KEY: OnceLock<Regex> = OnceLock::new();
    let json_key =
        JSON_KEY.get_or_init(|| Regex::new(r#""((?:[^"\\\n]|\\.)*)"\s*:"#).expect("a valid regex literal"));
    let mut keys: BTreeSet<&str> =
        json_key.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str()).collect();
    if !json {
        let yaml_key = YAML_KEY.get_or_init(|| {
            Regex::new(r"(?m)(?:^[ \t]*(?:-[ \t]+)*|[{,][ \t]*)([A-Za-z_][A-Za-z0-9_./-]*)[ \t]*:(?:[ \t]|$)")
                .expect("a valid regex literal")
        });
        keys.extend(yaml_key.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str()));
    }
    keys
}

fn change_event_type() -> &'static Regex {
    static TYPE: OnceLock<Regex> = OnceLock::new();
    TYPE.get_or_init(|| Regex::new(r#""type"\s*:\s*"change_event""#).expect("a valid regex literal"))
}

/// The vendor formats whose JSON Lines files [`read_json_lines`] reads.
pub(crate) const JSON_LINES_FORMATS: [&str; 7] =
    ["github", "argocd", "pagerduty", "codedeploy", "kubernetes", "flux", "fourkeys"];

/// Read the vendor JSON Lines file `ctx.file` (its first non-blank line a JSON object) without
/// loading it whole: a group of one record's payloads at a time, with the format's grouping
/// key and reader (see [`crate::ingest::grouped`]). GitHub's file is read as webhooks when any
/// line is one, as the REST list otherwise, and without a statuses file.
pub(crate) fn read_json_lines(format: &str, ctx: &Context) -> Result<Parsed<Deploy>> {
    let lines = |note_kind| JsonLines { note_kind, ..input::JSON_LINES };
    match format {
        "github" => {
            let webhooks = Cell::new(false);
            let key = |value: &Value| {
                webhooks.set(webhooks.get() || github::is_webhook(value));
                github::group_key(value)
            };
            read_grouped(
                ctx,
                &input::JSON_LINES,
                key,
                |text| github::parse(text, None, ctx),
                |docs| github::parse_lines(docs, webhooks.get(), ctx),
            )
        }
        "argocd" => read_grouped(
            ctx,
            &lines(argocd::note_kind),
            argocd::group_key,
            |text| argocd::parse(text, ctx),
            |docs| argocd::from_documents(docs, Vec::new(), ctx),
        ),
        "pagerduty" => read_grouped(
            ctx,
            &lines(pagerduty::note_kind),
            pagerduty::group_key,
            |text| pagerduty::parse(text, ctx),
            |docs| pagerduty::from_documents(docs, Vec::new(), ctx),
        ),
        "codedeploy" => read_grouped(
            ctx,
            &input::JSON_LINES,
            codedeploy::group_key,
            |text| codedeploy::parse(text, ctx),
            |docs| codedeploy::from_documents(docs, Vec::new(), ctx),
        ),
        "kubernetes" => read_grouped(
            ctx,
            &lines(kubernetes::note_kind),
            kubernetes::group_key,
            |text| kubernetes::parse(text, ctx),
            |docs| kubernetes::from_documents(docs, Vec::new(), ctx),
        ),
        "flux" => read_grouped(
            ctx,
            &lines(kubernetes::note_kind),
            flux::group_key,
            |text| flux::parse(text, ctx),
            |docs| flux::from_documents(docs, Vec::new(), ctx),
        ),
        "fourkeys" => read_grouped(
            ctx,
            &lines(fourkeys::note_kind),
            fourkeys::group_key,
            |text| fourkeys::parse(text, ctx),
            |docs| fourkeys::from_documents(docs, Vec::new(), ctx),
        ),
        other => Err(Error::Internal(format!("deploy format {other:?} has no JSON Lines reading by groups"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::fixture;

    /// The first `n` bytes of a fixture (at a character boundary), as a caller would pass them.
    fn start(path: &str, n: usize) -> String {
        let text = fixture(path);
        let mut end = n.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text[..end].to_string()
    }

    #[test]
    fn each_real_sample_is_recognised_from_its_first_kilobytes() {
        let cases = [
            ("github-deployments/repos_PyGithub_deployments.json", "github"),
            ("github-deployments/deployment_get.json", "github"),
            ("github-deployments/webhook-deployment.json", "github"),
            ("github-deployments/webhook-deployment-status.json", "github"),
            ("argocd/application-with-history.json", "argocd"),
            ("codedeploy/get-deployment-example.json", "codedeploy"),
            ("kubernetes/events-null-timestamps-k8s-issue-90482.yaml", "kubernetes"),
            ("flux/event-example.json", "flux"),
        ];
        for (path, format) in cases {
            assert_eq!(detect(&start(path, 4096)), Some(format), "{path}");
            assert_eq!(detect(&start(path, 1024)), Some(format), "{path} cut at 1 KiB");
        }
        let pagerduty: serde_json::Value =
            serde_json::from_str(&fixture("pagerduty/rest-v2-examples.json")).unwrap();
        let changes = serde_json::to_string_pretty(&pagerduty["GET /change_events"]).unwrap();
        assert_eq!(detect(&changes), Some("pagerduty"));
        let one_per_line: Vec<String> = pagerduty["GET /change_events"]["change_events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(detect(&one_per_line.join("\n")), Some("pagerduty"));
    }

    #[test]
    fn json_lines_yaml_and_csv_shapes() {
        assert_eq!(
            detect("{\"id\":\"d1\",\"service\":\"checkout\",\"environment\":\"production\",\"started_at\":\"2026-03-02T09:14:05Z\",\"status\":\"success\"}\n{\"id\":"),
            Some("canonical")
        );
        assert_eq!(detect("\u{feff}id,service,environment,repo,sha,started_at,finished_at,status\nd1,checkout,production,,,2026-03-02T09:14:05Z,,success\n"), Some("canonical"));
        assert_eq!(detect("\"id\",\"service\",\"started_at\"\n"), Some("canonical"));
        assert_eq!(detect("{\"source\": \"github\", \"deploy_id\": \"1\", \"time_created\": \"2020-08-26 14:32:51 UTC\", \"changes\": []}\n"), Some("fourkeys"));
        assert_eq!(
            detect("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: checkout\n"),
            Some("argocd")
        );
        assert_eq!(detect("apiVersion: v1\nitems:\n- apiVersion: v1\n  involvedObject: {kind: Application, apiVersion: argoproj.io/v1alpha1}\n  firstTimestamp: null\n"), Some("kubernetes"));
        assert_eq!(detect("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"kind\": \"Event\", \"regarding\": {}, \"note\": \"x\""), Some("kubernetes"));
        assert_eq!(detect("{\"involvedObject\": {\"kind\": \"HelmRelease\"}, \"severity\": \"info\", \"timestamp\": \"2026-06-01T10:00:00Z\"}\n"), Some("flux"));
        assert_eq!(detect("{\"deploymentsInfo\": []}"), Some("codedeploy"));
        assert_eq!(detect("[{\"action\": \"created\", \"deployment\": {\"id\": 1"), Some("github"));
    }

    #[test]
    fn other_files_are_not_guessed() {
        assert_eq!(detect(""), None);
        assert_eq!(detect("   \n# only a comment\n"), None);
        assert_eq!(detect("hello world"), None);
        assert_eq!(detect("{\"page\": {\"id\": \"x\"}, \"incidents\": [{\"id\": \"a\", \"name\": \"Outage\", \"started_at\": \"2026-06-01T10:00:00Z\"}]}"), None);
        assert_eq!(detect("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\nspec:\n  type: service\n  lifecycle: production\n"), None);
        assert_eq!(detect("id,title,severity,started_at\n"), None);
        let pagerduty: serde_json::Value =
            serde_json::from_str(&fixture("pagerduty/rest-v2-examples.json")).unwrap();
        assert_eq!(detect(&pagerduty["GET /incidents"].to_string()), None);
    }

    /// Every reader and [`detect`] on every cut of every fixture and on each fixture with one
    /// value replaced by a value of another type: records or rejects, never a panic.
    #[test]
    fn no_input_makes_a_reader_panic() {
        use crate::ingest::deploys::testing::{ctx, resolver};
        let services = resolver(&["checkout"], &[("*", "checkout")]);
        let ctx = ctx("f", &services);
        let run = |text: &str| {
            let _ = detect(text);
            let _ = github::parse(
                text,
                Some(github::StatusesFile { path: std::path::Path::new("s"), text }),
                &ctx,
            );
            let _ = argocd::parse(text, &ctx);
            let _ = pagerduty::parse(text, &ctx);
            let _ = codedeploy::parse(text, &ctx);
            let _ = kubernetes::parse(text, &ctx);
            let _ = flux::parse(text, &ctx);
            let _ = fourkeys::parse(text, &ctx);
        };
        let fixtures = [
            "github-deployments/repos_PyGithub_deployments.json",
            "github-deployments/webhook-deployment-status.json",
            "argocd/application-with-history.json",
            "codedeploy/get-deployment-example.json",
            "kubernetes/events-null-timestamps-k8s-issue-90482.yaml",
            "flux/event-example.json",
            "fourkeys/setup_deprecated_deployments_schema.json",
        ];
        for path in fixtures {
            let text = fixture(path);
            let mut cut = 0;
            while cut < text.len() {
                if text.is_char_boundary(cut) {
                    run(&text[..cut]);
                }
                cut += 31;
            }
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
            let mut paths = Vec::new();
            leaves(&value, &mut Vec::new(), &mut paths);
            for path in paths {
                for replacement in
                    [serde_json::Value::Null, 1e300.into(), serde_json::json!([{}]), "\u{0}é".into()]
                {
                    let mut changed = value.clone();
                    if let Some(slot) = changed.pointer_mut(&path) {
                        *slot = replacement;
                    }
                    run(&changed.to_string());
                }
            }
        }
        for text in
            ["\u{0}", "[[[[[[[[[[", "{\"a\":", "- - - -", "&a [*a, *a]", ":", "---\n---\n", "\"x\"", "1e999"]
        {
            run(text);
        }
        let deep = "[".repeat(10_000);
        run(&deep);
    }

    fn leaves(value: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<String>) {
        out.push(path.iter().map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1"))).collect());
        match value {
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    leaves(item, path, out);
                    path.pop();
                }
            }
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    path.push(key.clone());
                    leaves(item, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
}
