//! Vendor JSON Lines files of any size, read without loading them whole. A vendor reader
//! groups the payloads of one record across its file (a deployment's `deployment_status`
//! webhooks, an alert's Create and Close, every event of one Kubernetes object, whose
//! consecutive revisions tell a rollback), so the file cannot be cut into independent pieces.
//! It is read twice instead: the first pass streams the lines and parses each only to learn the
//! group its payload belongs to (the reader's `group_key`), keeping per group where its lines
//! are (byte offset, length, line number); the second reads each group's lines back and gives
//! them, as the reader's own JSON Lines documents at their file positions, to the reader's
//! code. One group's lines are in memory at a time, plus that index of lines.
//!
//! The result is what the reader gives for the whole text: the same records, the same rejects
//! at the same positions, the same notes. The reader decides what "the same order" is
//! ([`JsonLines`]): records as it orders a whole file's; rejects by line, as
//! [`crate::ingest::sources`] orders every file's; notes as it writes them, its notes about a
//! line in line order, then those about a record in the order the records' groups begin, then
//! its counts over the file, each summed over the groups into one note.
//!
//! A payload that belongs to several groups (a PagerDuty V2 webhook whose `messages` are about
//! several incidents, a JSON array of payloads on one line) goes with the group of its first
//! record: the other records it holds are read apart from their own group's lines.

use std::collections::hash_map::{Entry, HashMap};
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::ingest::source::{Context, Parsed};
use crate::model::Reject;

/// How a reader reads JSON Lines, so that its groups, read one at a time, add up to what it
/// gives for the whole file.
pub(crate) struct JsonLines<D, T> {
    /// The document file line `N` holds, positioned as the reader's own JSON Lines documents.
    pub document: fn(usize, Value) -> D,
    /// The reject for file line `N`, which is not JSON, worded as the reader's own.
    pub broken: fn(&Context<'_>, usize, &serde_json::Error) -> Reject,
    /// Puts the records of all groups in the order the reader gives a whole file's.
    pub order: fn(&mut [T]),
    /// Which kind of note a note is (given without its leading `<file>: `).
    pub note_kind: fn(&str) -> NoteKind,
}

/// Where a note stands among a reader's notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoteKind {
    /// Written as the reader meets a line, naming it: in line order.
    Line,
    /// Written after every line was read, about one record: after the line notes, in the order
    /// the records' groups begin in the file.
    Record,
    /// A count over the file, `<file>: <n> …`, written last: the groups' counts add up to one
    /// note. The number orders the counts as the reader writes them.
    Count(u8),
}

/// Every note is about a line (the kind of a reader that says nothing else).
pub(crate) fn line_note(_: &str) -> NoteKind {
    NoteKind::Line
}

/// Records stay in the order of their groups (a reader that does not sort).
pub(crate) fn group_order<T>(_: &mut [T]) {}

/// Read the JSON Lines file `ctx.file` a group at a time: `key` tells the group of one line's
/// payload (`None`: a group of its own), `group` reads one group's documents as the reader
/// reads a whole file's. A file of at most one non-blank line is one JSON document to every
/// reader, not JSON Lines: it is given to `whole` as text.
///
/// Meant for files whose first non-blank line is a JSON object, which every reader reads as
/// JSON Lines. Invalid UTF-8 is an error naming its line and column, as when a file is read
/// whole.
pub(crate) fn read_grouped<D, T>(
    ctx: &Context<'_>,
    lines: &JsonLines<D, T>,
    mut key: impl FnMut(&Value) -> Option<String>,
    whole: impl FnOnce(&str) -> Parsed<T>,
    mut group: impl FnMut(&[D]) -> Parsed<T>,
) -> Result<Parsed<T>> {
    let path = ctx.file;
    let index = Index::read(ctx, lines, &mut key)?;
    if index.non_blank <= 1 {
        let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        return Ok(whole(&text));
    }

    let prefix = format!("{}: ", path.display());
    let mut parsed = Parsed { rejects: index.broken, ..Parsed::default() };
    let mut notes: Vec<((u8, usize), String)> = Vec::new();
    // Kind, the text after the number, the sum so far.
    let mut counts: Vec<(u8, String, usize)> = Vec::new();
    let mut file = LineReader::open(path)?;
    for (number, members) in index.groups.iter().enumerate() {
        let mut documents = Vec::with_capacity(members.len());
        for line in members {
            match serde_json::from_str::<Value>(file.line(line)?) {
                Ok(value) => documents.push((lines.document)(line.number, value)),
                // Only when the file changed since the first pass.
                Err(e) => parsed.rejects.push((lines.broken)(ctx, line.number, &e)),
            }
        }
        let part = group(&documents);
        drop(documents);
        parsed.records.extend(part.records);
        parsed.rejects.extend(part.rejects);
        let first_line = members.first().map_or(0, |l| l.number);
        for note in part.notes {
            let Some(rest) = note.strip_prefix(&prefix) else {
                notes.push(((0, first_line), note));
                continue;
            };
            match (lines.note_kind)(rest) {
                NoteKind::Count(kind) => match counted(rest) {
                    Some((n, tail)) => match counts.iter_mut().find(|(k, t, _)| *k == kind && t == tail) {
                        Some((_, _, sum)) => *sum += n,
                        None => counts.push((kind, tail.to_string(), n)),
                    },
                    None => notes.push(((0, line_named(rest).unwrap_or(first_line)), note)),
                },
                NoteKind::Record => notes.push(((1, number), note)),
                NoteKind::Line => notes.push(((0, line_named(rest).unwrap_or(first_line)), note)),
            }
        }
    }
    (lines.order)(&mut parsed.records);
    parsed.rejects.sort_by_key(|r| line_named(&r.position).unwrap_or(0));
    notes.sort_by_key(|(rank, _)| *rank);
    counts.sort_by_key(|(kind, _, _)| *kind);
    parsed.notes = notes.into_iter().map(|(_, note)| note).collect();
    parsed.notes.extend(counts.into_iter().map(|(_, tail, sum)| format!("{prefix}{sum} {tail}")));
    Ok(parsed)
}

/// Whether the file's first non-blank line (after a byte-order mark) is a whole JSON object,
/// however long it is: then every vendor reader reads the file as JSON Lines. A file that
/// cannot be read says no here, and its error comes when it is read whole.
pub(crate) fn first_line_is_object(path: &Path) -> bool {
    let Ok(file) = fs::File::open(path) else { return false };
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        let Ok(text) = std::str::from_utf8(&line) else { return false };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if !text.trim().is_empty() {
            return matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_)));
        }
    }
}

/// Where one non-blank line is: the bytes of its text (without the line end, and without the
/// byte-order mark on line 1) and its 1-based number.
struct Line {
    offset: u64,
    len: usize,
    number: usize,
}

/// The first pass: the groups in the order they begin, each with its lines in file order.
struct Index {
    groups: Vec<Vec<Line>>,
    /// The lines that are not JSON, rejected as the reader rejects them.
    broken: Vec<Reject>,
    non_blank: usize,
}

impl Index {
    fn read<D, T>(
        ctx: &Context<'_>,
        lines: &JsonLines<D, T>,
        key: &mut impl FnMut(&Value) -> Option<String>,
    ) -> Result<Index> {
        let path = ctx.file;
        let file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut reader = BufReader::new(file);
        let mut index = Index { groups: Vec::new(), broken: Vec::new(), non_blank: 0 };
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut buffer = Vec::new();
        let (mut offset, mut number) = (0u64, 0usize);
        loop {
            buffer.clear();
            let read = reader.read_until(b'\n', &mut buffer).map_err(|e| Error::io(path, e))?;
            if read == 0 {
                break;
            }
            number += 1;
            let start = offset;
            offset += read as u64;
            let text = std::str::from_utf8(&buffer).map_err(|e| Error::Parse {
                path: path.to_path_buf(),
                line: number,
                column: e.valid_up_to() + 1,
                message: "invalid UTF-8; expected UTF-8 text".into(),
            })?;
            // As `str::lines` gives it.
            let text = match text.strip_suffix('\n') {
                Some(t) => t.strip_suffix('\r').unwrap_or(t),
                None => text,
            };
            let (skipped, text) = match text.strip_prefix('\u{feff}') {
                Some(t) if number == 1 => ('\u{feff}'.len_utf8(), t),
                _ => (0, text),
            };
            if text.trim().is_empty() {
                continue;
            }
            index.non_blank += 1;
            let line = Line { offset: start + skipped as u64, len: text.len(), number };
            let value = match serde_json::from_str::<Value>(text) {
                Ok(value) => value,
                Err(e) => {
                    index.broken.push((lines.broken)(ctx, number, &e));
                    continue;
                }
            };
            match key(&value) {
                Some(key) => match by_key.entry(key) {
                    Entry::Occupied(group) => index.groups[*group.get()].push(line),
                    Entry::Vacant(slot) => {
                        slot.insert(index.groups.len());
                        index.groups.push(vec![line]);
                    }
                },
                None => index.groups.push(vec![line]),
            }
        }
        Ok(index)
    }
}

/// The second pass: lines read back by their place in the file.
struct LineReader<'p> {
    path: &'p Path,
    reader: BufReader<fs::File>,
    /// Where `reader` stands.
    at: u64,
    buffer: Vec<u8>,
}

impl<'p> LineReader<'p> {
    fn open(path: &'p Path) -> Result<LineReader<'p>> {
        let file = fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(LineReader { path, reader: BufReader::new(file), at: 0, buffer: Vec::new() })
    }

    fn line(&mut self, line: &Line) -> Result<&str> {
        let io = |e| Error::io(self.path, e);
        // Relative, so that a line already in the buffer is not read again (a file's offsets
        // fit in an i64).
        self.reader.seek_relative(line.offset as i64 - self.at as i64).map_err(io)?;
        self.buffer.resize(line.len, 0);
        self.reader.read_exact(&mut self.buffer).map_err(io)?;
        self.at = line.offset + line.len as u64;
        std::str::from_utf8(&self.buffer).map_err(|_| {
            Error::io(
                self.path,
                std::io::Error::new(std::io::ErrorKind::InvalidData, "the file changed while it was read"),
            )
        })
    }
}

/// The first `line N` of a position or note.
fn line_named(text: &str) -> Option<usize> {
    static LINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\bline (\d+)").expect("built-in pattern is valid"));
    LINE.captures(text)?[1].parse().ok()
}

/// The line of a record's origin (`<file>:line N …`), for readers' orders.
pub(crate) fn origin_line(origin: &str) -> Option<usize> {
    let at = origin.rfind(":line ")?;
    let digits = origin[at + 6..].split(|c: char| !c.is_ascii_digit()).next()?;
    digits.parse().ok()
}

/// `<n> <rest>` → `(n, rest)`.
fn counted(text: &str) -> Option<(usize, &str)> {
    let (number, tail) = text.split_once(' ')?;
    Some((number.parse().ok()?, tail))
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;
    use std::path::PathBuf;

    use serde_json::{json, Value};

    use super::*;
    use crate::ingest::deploys::testing::{fixture, lines, resolver};
    use crate::ingest::incidents::IncidentOptions;
    use crate::ingest::source::ServiceResolver;
    use crate::ingest::{deploys, incidents};
    use crate::model::Deploy;

    /// A fixture as a JSON value.
    fn value(path: &str) -> Value {
        serde_json::from_str(&fixture(path)).expect("the fixture is JSON")
    }

    /// A JSON Lines file `name` in a fresh directory: each value compacted to one line, and
    /// the lines given as text (broken or blank ones) as they are.
    struct File {
        dir: tempfile::TempDir,
        path: PathBuf,
    }

    enum Text {
        Json(Value),
        Raw(&'static str),
    }

    fn file(name: &str, lines: Vec<Text>) -> File {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(name);
        let text: String = lines
            .into_iter()
            .map(|line| match line {
                Text::Json(value) => format!("{value}\n"),
                Text::Raw(raw) => format!("{raw}\n"),
            })
            .collect();
        std::fs::write(&path, text).expect("the file is written");
        File { dir, path }
    }

    impl File {
        fn text(&self) -> String {
            std::fs::read_to_string(&self.path).expect("the file is read")
        }

        /// `text` with the directory left out, so it names the file as `<name>`.
        fn short(&self, text: &str) -> String {
            text.replace(&format!("{}/", self.dir.path().display()), "")
        }

        fn ctx<'a>(&'a self, services: &'a ServiceResolver) -> Context<'a> {
            Context { file: &self.path, zone: None, services }
        }
    }

    /// Rejects as text, in the order of their lines (as `sources` orders every file's).
    fn in_line_order(rejects: &[Reject]) -> Vec<String> {
        let mut rejects = rejects.to_vec();
        rejects.sort_by_key(|r| line_named(&r.position).unwrap_or(0));
        rejects.iter().map(|r| r.to_string()).collect()
    }

    /// Reading by groups gives what reading the whole text gives.
    fn assert_same<T: PartialEq + Debug>(grouped: &Parsed<T>, whole: &Parsed<T>) {
        assert_eq!(grouped.records, whole.records);
        assert_eq!(in_line_order(&grouped.rejects), in_line_order(&whole.rejects));
        assert_eq!(
            grouped.rejects.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            in_line_order(&whole.rejects),
            "grouped rejects come in line order"
        );
        assert_eq!(grouped.notes, whole.notes);
    }

    fn github_webhook(name: &str, id: u64, changes: Value) -> Text {
        let mut payload = value(&format!("github-deployments/{name}"));
        payload["deployment"]["id"] = json!(id);
        merge(&mut payload, changes);
        Text::Json(payload)
    }

    /// `changes` written over `value`, key by key; `null` removes a key.
    fn merge(value: &mut Value, changes: Value) {
        let Value::Object(changes) = changes else { return };
        for (key, change) in changes {
            match (&mut value[&key], change) {
                (Value::Object(_), change @ Value::Object(_)) => merge(&mut value[&key], change),
                (_, Value::Null) => {
                    value.as_object_mut().expect("an object").remove(&key);
                }
                (slot, change) => *slot = change,
            }
        }
    }

    #[test]
    fn github_webhooks_of_one_deployment_are_read_together_wherever_they_are() {
        let f = file(
            "hooks.jsonl",
            vec![
                github_webhook("webhook-deployment.json", 1, json!({})),
                github_webhook(
                    "webhook-deployment.json",
                    2,
                    json!({"deployment": {"created_at": "2019-05-15T16:00:00Z", "environment": "staging"}}),
                ),
                github_webhook("webhook-deployment-status.json", 1, json!({})),
                Text::Raw("{\"action\": "),
                github_webhook(
                    "webhook-deployment-status.json",
                    2,
                    json!({"deployment": {"created_at": "2019-05-15T16:00:00Z", "environment": "staging"},
                           "deployment_status": {"id": 2, "state": "failure", "created_at": "2019-05-15T16:04:00Z"}}),
                ),
                Text::Raw(""),
                Text::Raw("{\"zen\": \"Keep it logically awesome.\"}"),
                github_webhook("webhook-deployment.json", 3, json!({"deployment": {"environment": null}})),
                github_webhook(
                    "webhook-deployment-status.json",
                    2,
                    json!({"deployment_status": {"id": 3, "state": "exploded"}}),
                ),
            ],
        );
        let services = resolver(&[], &[]);
        let ctx = f.ctx(&services);
        let grouped = deploys::read_json_lines("github", &ctx).expect("the file is read");
        let whole = deploys::github::parse(&f.text(), None, &ctx);
        assert_same(&grouped, &whole);
        assert_eq!(
            lines(&grouped.records).iter().map(|l| f.short(l)).collect::<Vec<_>>(),
            [
                "github:1 Hello-World production Hello-World f95f852bd8fca8fcc58a9a2d6c842781e32a215e 2019-05-15T15:20:53Z 2019-05-15T15:20:55Z success deploy - Codertocat github @hooks.jsonl:line 1 $.deployment",
                "github:2 Hello-World staging Hello-World f95f852bd8fca8fcc58a9a2d6c842781e32a215e 2019-05-15T16:00:00Z 2019-05-15T16:04:00Z failure deploy - Codertocat github @hooks.jsonl:line 2 $.deployment",
            ]
        );
        assert_eq!(
            grouped.rejects.iter().map(|r| f.short(&r.to_string())).collect::<Vec<_>>(),
            [
                "hooks.jsonl: line 4: not valid JSON: EOF while parsing a value at column 11",
                "hooks.jsonl: line 7: field `deployment`: expected a `deployment` or `deployment_status` webhook payload with a `deployment` object, found an object with keys zen",
                "hooks.jsonl: line 8 $.deployment: field `environment`: missing; expected the environment the deployment went to",
                "hooks.jsonl: line 9 $.deployment_status: field `state`: `exploded` is not a deployment state; expected one of queued, pending, in_progress, success, failure, error, inactive",
            ]
        );
    }

    #[test]
    fn a_github_rest_list_as_json_lines_keeps_a_repeat_once_with_its_note() {
        let deployments = value("github-deployments/repos_PyGithub_deployments.json");
        let [first, second] = [&deployments[0], &deployments[1]];
        let mut changed = first.clone();
        changed["sha"] = json!("bbbbbbb");
        let f = file(
            "deployments.jsonl",
            vec![
                Text::Json(first.clone()),
                Text::Json(second.clone()),
                Text::Json(first.clone()),
                Text::Json(changed),
            ],
        );
        let services = resolver(&[], &[]);
        let ctx = f.ctx(&services);
        let grouped = deploys::read_json_lines("github", &ctx).expect("the file is read");
        let whole = deploys::github::parse(&f.text(), None, &ctx);
        assert_same(&grouped, &whole);
        assert_eq!(grouped.records.len(), 2);
        assert_eq!(
            grouped.notes.iter().map(|n| f.short(n)).collect::<Vec<_>>(),
            ["deployments.jsonl: line 3: deployment 263877258 repeats line 1 unchanged; kept once"]
        );
        assert_eq!(
            grouped.rejects.iter().map(|r| f.short(&r.to_string())).collect::<Vec<_>>(),
            ["deployments.jsonl: line 4: field `id`: deployment 263877258 appears again with different content (first at line 1, which is kept); expected each deployment once"]
        );
    }

    /// A Kubernetes event about `object` (a Deployment in `shop`), after the fixture's first.
    fn k8s_event(template: &Value, name: &str, object: &str, revision: &str, at: &str, reason: &str) -> Text {
        let mut event = template.clone();
        merge(
            &mut event,
            json!({
                "involvedObject": {"kind": "Deployment", "name": object, "namespace": "shop", "apiVersion": "apps/v1"},
                "metadata": {"name": name, "namespace": "shop",
                             "annotations": {"deployment.kubernetes.io/revision": revision}},
                "eventTime": at,
                "reason": reason,
                "message": format!("{reason} {object}"),
                "type": if reason.contains("Fail") { "Warning" } else { "Normal" },
            }),
        );
        Text::Json(event)
    }

    #[test]
    fn kubernetes_events_of_one_object_fold_and_their_counts_add_up() {
        let events: Value =
            serde_yaml_ng::from_str(&fixture("kubernetes/events-null-timestamps-k8s-issue-90482.yaml"))
                .expect("the fixture is YAML");
        let template = &events[0];
        let (a, b, c) = (
            "main@sha1:802723078affd3eb2a3898630261ab3ca5d6dd40",
            "main@sha1:9999999999999999999999999999999999999999",
            "main@sha1:731f7eaddfb6af01cb2173e18f0f75b0ba780ef1",
        );
        let mut flux_source = template.clone();
        merge(
            &mut flux_source,
            json!({"involvedObject": {"kind": "GitRepository", "apiVersion": "source.toolkit.fluxcd.io/v1"}}),
        );
        let mut pod = template.clone();
        pod["kind"] = json!("Pod");
        let f = file(
            "events.jsonl",
            vec![
                k8s_event(template, "checkout.1", "checkout", a, "2026-06-01T10:00:00Z", "Progressing"),
                k8s_event(
                    template,
                    "payments.1",
                    "payments",
                    b,
                    "2026-06-01T10:01:00Z",
                    "ReconciliationSucceeded",
                ),
                Text::Json(events[0].clone()),
                k8s_event(
                    template,
                    "checkout.2",
                    "checkout",
                    a,
                    "2026-06-01T10:02:00Z",
                    "ReconciliationSucceeded",
                ),
                Text::Raw("{\"kind\": \"Event\", "),
                k8s_event(template, "checkout.3", "checkout", c, "2026-06-01T11:00:00Z", "HealthCheckFailed"),
                k8s_event(
                    template,
                    "payments.2",
                    "payments",
                    b,
                    "2026-06-01T10:03:00Z",
                    "ReconciliationSucceeded",
                ),
                Text::Json(events[1].clone()),
                k8s_event(
                    template,
                    "checkout.4",
                    "checkout",
                    a,
                    "2026-06-01T12:00:00Z",
                    "DeploymentRollback",
                ),
                Text::Json(flux_source),
                Text::Json(pod),
            ],
        );
        let services = resolver(&[], &[]);
        let ctx = f.ctx(&services);
        let grouped = deploys::read_json_lines("kubernetes", &ctx).expect("the file is read");
        let whole = deploys::kubernetes::parse(&f.text(), &ctx);
        assert_same(&grouped, &whole);
        assert_eq!(
            lines(&grouped.records).iter().map(|l| f.short(l)).collect::<Vec<_>>(),
            [
                "kubernetes:shop/checkout.1 checkout production - 802723078affd3eb2a3898630261ab3ca5d6dd40 2026-06-01T10:00:00Z 2026-06-01T10:02:00Z success deploy - default-scheduler kubernetes @events.jsonl:line 1",
                "kubernetes:shop/payments.1 payments production - 9999999999999999999999999999999999999999 2026-06-01T10:01:00Z 2026-06-01T10:03:00Z success deploy - default-scheduler kubernetes @events.jsonl:line 2",
                "kubernetes:shop/checkout.3 checkout production - 731f7eaddfb6af01cb2173e18f0f75b0ba780ef1 2026-06-01T11:00:00Z 2026-06-01T11:00:00Z failure deploy - default-scheduler kubernetes @events.jsonl:line 6",
                "kubernetes:shop/checkout.4 checkout production - 802723078affd3eb2a3898630261ab3ca5d6dd40 2026-06-01T12:00:00Z 2026-06-01T12:00:00Z success rollback - default-scheduler kubernetes @events.jsonl:line 9",
            ]
        );
        assert_eq!(
            grouped.notes.iter().map(|n| f.short(n)).collect::<Vec<_>>(),
            [
                "events.jsonl: 2 event(s) name no revision and are not deploys (only events that name a revision are)",
                "events.jsonl: 1 event(s) are about Flux sources (an artifact fetched, not applied) and are not deploys",
                "events.jsonl: 4 Kubernetes event deploy(s) name no environment and were recorded as `production`; name it in the source (for example `<service>-<environment>`) to record another",
            ]
        );
        assert_eq!(
            grouped.rejects.iter().map(|r| f.short(&r.to_string())).collect::<Vec<_>>(),
            [
                "events.jsonl: line 5: not valid JSON: EOF while parsing a value at column 18",
                "events.jsonl: line 11: field `kind`: expected a Kubernetes `Event`, found kind `Pod`",
            ]
        );
    }

    /// The Flux fixture's event about `object`, at `at`, applying `revision`.
    fn flux_event(object: &str, revision: &str, at: &str, severity: &str) -> Text {
        let mut event = value("flux/event-example.json");
        merge(
            &mut event,
            json!({
                "involvedObject": {"name": object},
                "metadata": {"kustomize.toolkit.fluxcd.io/revision": revision},
                "timestamp": at,
                "severity": severity,
                "reason": if severity == "error" { "ValidationFailed" } else { "ReconciliationSucceeded" },
            }),
        );
        Text::Json(event)
    }

    #[test]
    fn flux_events_of_one_object_fold_wherever_they_are() {
        let (a, b) = (
            "main/731f7eaddfb6af01cb2173e18f0f75b0ba780ef1",
            "main/802723078affd3eb2a3898630261ab3ca5d6dd40",
        );
        let f = file(
            "flux.jsonl",
            vec![
                flux_event("webapp", a, "2026-06-01T10:00:00Z", "info"),
                flux_event("api", a, "2026-06-01T10:00:30Z", "info"),
                flux_event("webapp", b, "2026-06-01T10:10:00Z", "error"),
                Text::Raw("not json"),
                flux_event("api", b, "2026-06-01T10:11:00Z", "info"),
                flux_event("webapp", b, "2026-06-01T10:12:00Z", "info"),
                flux_event("webapp", a, "2026-06-01T10:20:00Z", "info"),
                Text::Raw("{\"severity\": \"info\", \"timestamp\": \"2026-06-01T10:00:00Z\"}"),
            ],
        );
        let services = resolver(&[], &[]);
        let ctx = f.ctx(&services);
        let grouped = deploys::read_json_lines("flux", &ctx).expect("the file is read");
        let whole = deploys::flux::parse(&f.text(), &ctx);
        assert_same(&grouped, &whole);
        // webapp: a, then b (failed, then applied: one deploy), then a again.
        assert_eq!(grouped.records.len(), 5);
        assert_eq!(
            f.short(&deploys::testing::line(&grouped.records[2])),
            "flux:Kustomization/apps/webapp@2026-06-01T10:10:00Z webapp production - 802723078affd3eb2a3898630261ab3ca5d6dd40 2026-06-01T10:10:00Z 2026-06-01T10:12:00Z success deploy - kustomize-controller flux @flux.jsonl:line 3"
        );
        assert_eq!(
            grouped.notes.iter().map(|n| f.short(n)).collect::<Vec<_>>(),
            ["flux.jsonl: 5 Flux event deploy(s) name no environment and were recorded as `production`; name it in the source (for example `<service>-<environment>`) to record another"]
        );
        assert_eq!(
            grouped.rejects.iter().map(|r| f.short(&r.to_string())).collect::<Vec<_>>(),
            [
                "flux.jsonl: line 4: not valid JSON: expected ident at column 2",
                "flux.jsonl: line 8: field `involvedObject`: missing; expected the Flux object the event is about (kind, namespace, name)",
            ]
        );
    }

    fn pagerduty_v3(name: &str, id: &str, at: &str, changes: Value) -> Text {
        let mut payload = value(&format!("pagerduty/{name}"));
        payload["event"]["data"]["id"] = json!(id);
        payload["event"]["occurred_at"] = json!(at);
        merge(&mut payload, changes);
        Text::Json(payload)
    }

    #[test]
    fn pagerduty_v3_webhooks_of_one_incident_are_read_together_wherever_they_are() {
        const TRIGGERED: &str = "webhook-v3-incident-triggered.json";
        const RESOLVED: &str = "webhook-v3-incident-resolved.json";
        let no_service = json!({"event": {"data": {"service": null}}});
        let mut v2 = value("pagerduty/webhook-v2-incident-trigger.json");
        v2["messages"][0]["incident"]["urgency"] = json!("whenever");
        v2["messages"][0]["incident"]["priority"] = Value::Null;
        let f = file(
            "webhooks.jsonl",
            vec![
                pagerduty_v3(TRIGGERED, "PA", "2026-06-01T10:00:00Z", json!({})),
                pagerduty_v3(TRIGGERED, "PB", "2026-06-01T10:05:00Z", no_service.clone()),
                Text::Raw("{\"event\": {"),
                pagerduty_v3(RESOLVED, "PC", "2026-06-01T10:06:00Z", json!({})),
                pagerduty_v3(RESOLVED, "PA", "2026-06-01T11:00:00Z", json!({})),
                Text::Json(v2),
                pagerduty_v3(
                    TRIGGERED,
                    "PD",
                    "2026-06-01T10:07:00Z",
                    json!({"event": {"data": {"urgency": "whenever"}}}),
                ),
                pagerduty_v3(RESOLVED, "PB", "2026-06-01T10:30:00Z", no_service),
            ],
        );
        let services = resolver(&[], &[]);
        let ctx = f.ctx(&services);
        let options = IncidentOptions::default();
        let grouped = incidents::read_json_lines("pagerduty", &ctx, &options).expect("the file is read");
        let whole = incidents::pagerduty::parse(&f.text(), None, &ctx, &options);
        assert_same(&grouped, &whole);
        let ids: Vec<&str> = grouped.records.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["pagerduty:PXUDI1N", "pagerduty:PA", "pagerduty:PB", "pagerduty:PD"]);
        let pa = &grouped.records[1];
        assert_eq!(pa.resolved_at.map(|at| at.to_rfc3339()), Some("2026-06-01T11:00:00+00:00".to_string()));
        assert_eq!(f.short(&pa.origin), "webhooks.jsonl:line 1: $.event");
        // The V2 message's note is about its line; the V3 incidents' are written after every
        // line, in the order the incidents were first met (PB's names its latest line).
        assert_eq!(
            grouped.notes.iter().map(|n| f.short(n)).collect::<Vec<_>>(),
            [
                "webhooks.jsonl: line 6: $.messages[0].incident: urgency `whenever` maps to no severity; add it to this source's `severities`",
                "webhooks.jsonl: line 8: $.event.data: incident `PB` names no affected service",
                "webhooks.jsonl: line 7: $.event.data: urgency `whenever` maps to no severity; add it to this source's `severities`",
            ]
        );
        assert_eq!(
            grouped.rejects.iter().map(|r| f.short(&r.to_string())).collect::<Vec<_>>(),
            [
                "webhooks.jsonl: line 3: not valid JSON (EOF while parsing an object); expected one JSON object per line",
                "webhooks.jsonl: line 4: $.event: field `data.created_at`: missing, and no `incident.triggered` event for incident `PC` is in this file; expected the incident's creation time (collect its triggered webhook too, or read the REST export)",
            ]
        );
    }

    fn opsgenie(name: &str, id: &str, changes: Value) -> Text {
        let mut payload = value(&format!("opsgenie/{name}"));
        payload["alert"]["alertId"] = json!(id);
        merge(&mut payload, changes);
        Text::Json(payload)
    }

    #[test]
    fn opsgenie_create_and_close_of_one_alert_are_read_together_wherever_they_are() {
        const CREATE: &str = "webhook-create.json";
        const CLOSE: &str = "webhook-close.json";
        // The close fixture's alert was created in 2015; closed here after each create.
        let closed = |created_ms: u64, updated_ns: u64| json!({"alert": {"createdAt": created_ms, "updatedAt": updated_ns}});
        let f = file(
            "alerts.jsonl",
            vec![
                opsgenie(CREATE, "a1", json!({})),
                opsgenie(CREATE, "a2", json!({"alert": {"priority": 9, "entity": ""}})),
                Text::Raw("{\"action\": \"Create\", \"alert\": {\"alertId\": \"a3\""),
                opsgenie(CLOSE, "a2", closed(1502709956288, 1502710956288000000)),
                opsgenie(CLOSE, "a1", closed(1502709956288, 1502713556288000000)),
                opsgenie(CLOSE, "a4", json!({})),
                opsgenie(CREATE, "a4", json!({"alert": {"createdAt": 1420452191104_u64, "entity": ""}})),
            ],
        );
        let services = resolver(&[], &[]);
        let ctx = f.ctx(&services);
        let options = IncidentOptions::default();
        let grouped = incidents::read_json_lines("opsgenie", &ctx, &options).expect("the file is read");
        let whole = incidents::opsgenie::parse(&f.text(), &ctx, &options);
        assert_same(&grouped, &whole);
        let ids: Vec<&str> = grouped.records.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["opsgenie:a1", "opsgenie:a2", "opsgenie:a4"]);
        let a1 = &grouped.records[0];
        assert_eq!(
            a1.resolved_at.map(|at| at.to_rfc3339()),
            Some("2017-08-14T12:25:56.288+00:00".to_string())
        );
        assert_eq!(a1.timeline.len(), 2);
        assert_eq!(
            grouped.notes.iter().map(|n| f.short(n)).collect::<Vec<_>>(),
            [
                "alerts.jsonl: line 2: $.alert: priority `9` maps to no severity; add it to this source's `severities`",
                "alerts.jsonl: line 2: $: incident `a2` names no affected service (no entity, tag or team names one)",
                "alerts.jsonl: line 6: $: incident `a4` names no affected service (no entity, tag or team names one)",
            ]
        );
        assert_eq!(
            grouped.rejects.iter().map(|r| f.short(&r.to_string())).collect::<Vec<_>>(),
            ["alerts.jsonl: line 3: not valid JSON (EOF while parsing an object); expected one JSON object per line"]
        );
    }

    #[test]
    fn readers_of_independent_records_give_what_they_give_for_the_whole_file() {
        let services = resolver(&[], &[("*", "checkout")]);
        let check = |f: &File, format: &str, whole: fn(&str, &Context) -> Parsed<Deploy>| {
            let ctx = f.ctx(&services);
            let grouped = deploys::read_json_lines(format, &ctx).expect("the file is read");
            assert_same(&grouped, &whole(&f.text(), &ctx));
            (grouped.records.len(), grouped.rejects.len(), grouped.notes.iter().map(|n| f.short(n)).collect())
        };
        type Outcome = (usize, usize, Vec<String>);

        let app = value("argocd/application-with-history.json");
        let named = |name: &str| {
            let mut app = app.clone();
            app["metadata"]["name"] = json!(name);
            app["metadata"]["namespace"] = json!("argocd");
            Text::Json(app)
        };
        let f = file(
            "apps.jsonl",
            vec![named("checkout"), Text::Json(app.clone()), Text::Raw("}"), named("checkout")],
        );
        let outcome: Outcome = check(&f, "argocd", deploys::argocd::parse);
        // Six history entries each; the application read twice keeps both readings (as a
        // whole file does), the one without a name takes its service's.
        assert_eq!(
            outcome,
            (
                18,
                1,
                vec![
                    "apps.jsonl: the Argo CD application at line 2 has no metadata.name; its deploy ids use its service `checkout`".to_string(),
                    "apps.jsonl: 18 Argo CD deploy(s) name no environment and were recorded as `production`; name it in the source (for example `<service>-<environment>`) to record another".to_string(),
                ]
            )
        );

        let deployment = value("codedeploy/get-deployment-example.json");
        let with_id = |id: &str| {
            let mut d = deployment.clone();
            d["deploymentInfo"]["deploymentId"] = json!(id);
            d
        };
        let both =
            json!({"deploymentsInfo": [with_id("d-3")["deploymentInfo"], with_id("d-4")["deploymentInfo"]]});
        let f = file(
            "codedeploy.jsonl",
            vec![Text::Json(with_id("d-1")), Text::Json(both), Text::Raw("{"), Text::Json(with_id("d-2"))],
        );
        assert_eq!(check(&f, "codedeploy", deploys::codedeploy::parse), (4, 1, vec![]));

        let events = value("pagerduty/rest-v2-examples.json")["GET /change_events"]["change_events"].clone();
        let mut lines: Vec<Text> =
            events.as_array().expect("an array").iter().cloned().map(Text::Json).collect();
        lines.insert(1, Text::Raw("[1,"));
        let f = file("changes.jsonl", lines);
        let outcome = check(&f, "pagerduty", deploys::pagerduty::parse);
        assert_eq!((outcome.0, outcome.1), (events.as_array().map_or(0, Vec::len), 1));

        let row = |id: &str, changes: Value| {
            Text::Json(
                json!({"source": "github", "deploy_id": id, "time_created": "2020-08-26 14:32:51 UTC", "changes": changes}),
            )
        };
        let f = file(
            "fourkeys.jsonl",
            vec![
                row(
                    "1",
                    json!([
                        "743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5",
                        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
                    ]),
                ),
                row("2", json!(["743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5"])),
                Text::Raw("{\"deploy_id\": 3,"),
                row(
                    "4",
                    json!([
                        "743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5",
                        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
                    ]),
                ),
            ],
        );
        assert_eq!(
            check(&f, "fourkeys", deploys::fourkeys::parse),
            (3, 1, vec!["fourkeys.jsonl: 2 Four Keys deploy(s) list several changes and no `main_commit`, so the commit deployed is unknown and `sha` was left empty".to_string()])
        );
    }

    #[test]
    fn a_first_line_longer_than_the_sniffed_start_is_still_json_lines() {
        let long = json!({"deploymentId": "d-1", "description": "x".repeat(20 * 1024)});
        let f = file("long.jsonl", vec![Text::Raw(""), Text::Json(long), Text::Json(json!({"a": 1}))]);
        std::fs::write(&f.path, format!("\u{feff}{}", f.text())).expect("the file is written");
        assert!(first_line_is_object(&f.path));
        let pretty = file("pretty.json", vec![Text::Raw("{"), Text::Raw("  \"a\": 1"), Text::Raw("}")]);
        assert!(!first_line_is_object(&pretty.path));
        let array = file("array.json", vec![Text::Json(json!([{"a": 1}]))]);
        assert!(!first_line_is_object(&array.path));
        assert!(!first_line_is_object(&f.dir.path().join("missing.jsonl")));
    }

    #[test]
    fn a_file_of_one_line_is_one_document() {
        let rest = value("github-deployments/repos_PyGithub_deployments.json");
        let f = file("one.jsonl", vec![Text::Raw(""), Text::Json(rest[0].clone()), Text::Raw("  ")]);
        let services = resolver(&[], &[]);
        let ctx = f.ctx(&services);
        let grouped = deploys::read_json_lines("github", &ctx).expect("the file is read");
        assert_eq!(grouped, deploys::github::parse(&f.text(), None, &ctx));
        assert_eq!(f.short(&grouped.records[0].origin), "one.jsonl:$");
    }

    #[test]
    fn invalid_utf8_names_its_line_and_column_as_reading_whole_does() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, b"\xef\xbb\xbf{\"a\": 1}\n{\"a\": \"\xff\"}\n").expect("the file is written");
        let services = resolver(&[], &[]);
        let ctx = Context { file: &path, zone: None, services: &services };
        let error = deploys::read_json_lines("kubernetes", &ctx).expect_err("invalid UTF-8 is an error");
        match error {
            Error::Parse { line, column, message, .. } => {
                assert_eq!((line, column, message.as_str()), (2, 8, "invalid UTF-8; expected UTF-8 text"))
            }
            other => panic!("expected a parse error, got {other:?}"),
        }
        // Line 1's byte-order mark counts in the column, as in the whole file's bytes.
        std::fs::write(&path, b"\xef\xbb\xbf{\"a\": \"\xff\"}\n").expect("the file is written");
        match deploys::read_json_lines("kubernetes", &ctx) {
            Err(Error::Parse { line: 1, column: 11, .. }) => {}
            other => panic!("expected a parse error at 1:11, got {other:?}"),
        }
    }

    #[test]
    fn notes_about_lines_records_and_counts_come_in_the_readers_order() {
        fn kind(note: &str) -> NoteKind {
            match note {
                n if n.contains("apples") => NoteKind::Count(0),
                n if n.contains("pears") => NoteKind::Count(1),
                n if n.contains("record") => NoteKind::Record,
                _ => NoteKind::Line,
            }
        }
        let lines = JsonLines {
            document: |line, value| (line, value),
            broken: |ctx, line, _| ctx.reject(format!("line {line}"), None, "broken"),
            order: group_order,
            note_kind: kind,
        };
        let f = file(
            "f.jsonl",
            vec![
                Text::Json(json!({"k": "x"})),
                Text::Json(json!({"k": "y"})),
                Text::Raw("{"),
                Text::Json(json!({"k": "x"})),
            ],
        );
        let services = ServiceResolver::default();
        let ctx = f.ctx(&services);
        let name = f.path.display().to_string();
        let group = |docs: &[(usize, Value)]| {
            let key = docs[0].1["k"].as_str().unwrap_or("").to_string();
            let mut notes: Vec<String> =
                docs.iter().map(|(line, _)| format!("{name}: line {line}: seen")).collect();
            // The first group counts pears only, so the order of the counts is the reader's,
            // not the order they were first met.
            if key == "x" {
                notes.push(format!("{name}: 2 pears counted"));
            } else {
                notes.push(format!("{name}: line {}: record {key}", docs[0].0));
                notes.push(format!("{name}: 1 apples counted"));
                notes.push(format!("{name}: 3 pears counted"));
            }
            Parsed { records: vec![key], rejects: Vec::new(), notes }
        };
        let parsed =
            read_grouped(&ctx, &lines, |v| v["k"].as_str().map(str::to_string), |_| Parsed::default(), group)
                .expect("the file is read");
        assert_eq!(parsed.records, ["x", "y"]);
        assert_eq!(
            parsed.notes.iter().map(|n| f.short(n)).collect::<Vec<_>>(),
            [
                "f.jsonl: line 1: seen",
                "f.jsonl: line 2: seen",
                "f.jsonl: line 4: seen",
                "f.jsonl: line 2: record y",
                "f.jsonl: 1 apples counted",
                "f.jsonl: 5 pears counted",
            ]
        );
        assert_eq!(
            parsed.rejects.iter().map(|r| f.short(&r.to_string())).collect::<Vec<_>>(),
            ["f.jsonl: line 3: broken"]
        );
    }
}
