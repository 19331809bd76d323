//! Reading a deploy file into JSON values with their positions, whatever the container: one
//! JSON document, JSON Lines, JSON values written one after another (`kubectl get -w -o json`),
//! or YAML (one or many documents). Every reader of this folder starts here, so that a broken
//! line is one reject naming its line and the lines around it are still read.
//!
//! Also the small accessors the readers share: fields by path (where `null` counts as absent),
//! timestamps through [`crate::ingest::time`] with a reject naming the field, commit ids, and
//! repository names from URLs.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::ingest::grouped::{self, JsonLines};
use crate::ingest::source::Context;
use crate::ingest::time;
use crate::model::{Deploy, Reject};

/// One JSON value of a file, with where it starts (`$` for a whole-file document, `line 3`
/// for JSON Lines, `document 2` for the second of several YAML documents).
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub position: String,
    pub value: Value,
}

/// Every document of `text`, and a reject for each part that is not JSON or YAML.
pub(super) fn documents(text: &str, ctx: &Context) -> (Vec<Document>, Vec<Reject>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = first_content(text);
    match start.chars().next() {
        None => (Vec::new(), Vec::new()),
        Some('{') | Some('[') => json_documents(text, ctx),
        Some(_) => yaml_documents(text, ctx),
    }
}

/// The text from its first character that is neither whitespace nor inside a `#` comment line.
pub(super) fn first_content(text: &str) -> &str {
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else {
            return trimmed;
        }
    }
}

fn json_documents(text: &str, ctx: &Context) -> (Vec<Document>, Vec<Reject>) {
    let whole_error = match serde_json::from_str::<Value>(text) {
        Ok(value) => return (vec![Document { position: "$".into(), value }], Vec::new()),
        Err(e) => e,
    };
    // JSON Lines when one of the first lines is a whole object on its own (the first may be
    // the broken one); pretty-printed JSON never has that.
    let mut first_lines = text.lines().filter(|l| !l.trim().is_empty()).take(5);
    if first_lines.any(|l| matches!(serde_json::from_str::<Value>(l), Ok(Value::Object(_)))) {
        return json_lines(text, ctx);
    }
    // Values written one after another (pretty-printed), or one broken document.
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    loop {
        let offset = stream.byte_offset();
        match stream.next() {
            None => break,
            Some(Ok(value)) => {
                let start = offset + text[offset..].len() - text[offset..].trim_start().len();
                docs.push(Document { position: format!("line {}", line_of(text, start)), value });
            }
            Some(Err(e)) => {
                let e = if docs.is_empty() { whole_error } else { e };
                let reject = ctx.reject(
                    format!("line {} column {}", e.line(), e.column()),
                    None,
                    format!("not valid JSON: {}", json_message(&e)),
                );
                return (docs, vec![reject]);
            }
        }
    }
    (docs, Vec::new())
}

fn json_lines(text: &str, ctx: &Context) -> (Vec<Document>, Vec<Reject>) {
    let mut docs = Vec::new();
    let mut rejects = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(value) => docs.push(line_document(index + 1, value)),
            Err(e) => rejects.push(broken_line(ctx, index + 1, &e)),
        }
    }
    (docs, rejects)
}

/// The document of JSON Lines line `line` (1-based).
pub(crate) fn line_document(line: usize, value: Value) -> Document {
    Document { position: format!("line {line}"), value }
}

/// The reject for JSON Lines line `line`, which is not JSON.
pub(crate) fn broken_line(ctx: &Context, line: usize, e: &serde_json::Error) -> Reject {
    ctx.reject(
        format!("line {line}"),
        None,
        format!("not valid JSON: {} at column {}", json_message(e), e.column()),
    )
}

/// How every deploy reader reads JSON Lines, for reading them a group at a time
/// ([`crate::ingest::grouped`]): documents and broken lines as [`documents`] gives them,
/// records sorted by [`sort`], and notes that are about their lines unless a reader says
/// otherwise.
pub(crate) const JSON_LINES: JsonLines<Document, Deploy> = JsonLines {
    document: line_document,
    broken: broken_line,
    order: sort_by_line,
    note_kind: grouped::line_note,
};

/// serde_json's message without its ` at line L column C` (positions are given apart).
fn json_message(e: &serde_json::Error) -> String {
    without_position(&e.to_string())
}

fn without_position(message: &str) -> String {
    static POSITION: OnceLock<Regex> = OnceLock::new();
    let position =
        POSITION.get_or_init(|| Regex::new(r" at line \d+ column \d+").expect("a valid regex literal"));
    position.replace_all(message, "").into_owned()
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// YAML documents, each parsed on its own (see [`crate::ingest::source::yaml_documents`]) so a
/// broken one is one reject and the rest are still read.
fn yaml_documents(text: &str, ctx: &Context) -> (Vec<Document>, Vec<Reject>) {
    let mut docs = Vec::new();
    let mut rejects = Vec::new();
    for (index, (lines_before, chunk)) in crate::ingest::source::yaml_documents(text).into_iter().enumerate()
    {
        let Some(document) = serde_yaml_ng::Deserializer::from_str(chunk).next() else { continue };
        match Value::deserialize(document) {
            Ok(Value::Null) => {}
            Ok(value) => docs.push(Document { position: format!("document {}", index + 1), value }),
            Err(e) => {
                let position = match e.location() {
                    Some(at) => format!("line {} column {}", lines_before + at.line(), at.column()),
                    None => format!("document {}", index + 1),
                };
                let message =
                    crate::ingest::source::shift_lines(&without_position(&e.to_string()), lines_before);
                rejects.push(ctx.reject(position, None, format!("not valid JSON or YAML: {message}")));
            }
        }
    }
    if docs.len() == 1 && rejects.is_empty() {
        docs[0].position = "$".into();
    }
    (docs, rejects)
}

/// The position of `suffix` (`[2]`, `.items[0]`) inside the document at `position`.
pub(super) fn child(position: &str, suffix: &str) -> String {
    if position == "$" {
        format!("${suffix}")
    } else if position.contains('$') {
        format!("{position}{suffix}")
    } else {
        format!("{position} ${suffix}")
    }
}

/// The value at `path`, where `null` counts as absent.
pub(super) fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut current = value;
    for key in path {
        current = current.as_object()?.get(*key)?;
    }
    (!current.is_null()).then_some(current)
}

/// The non-empty string at `path`, trimmed.
pub(super) fn string<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(value, path)?.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// A string or an integer at `path` as text (ids are written either way).
pub(super) fn scalar(value: &Value, path: &[&str]) -> Option<String> {
    match get(value, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The array at `path`; absent or `null` is empty, anything else is `Err` with what was found.
pub(super) fn array<'a>(value: &'a Value, path: &[&str]) -> Result<&'a [Value], String> {
    match get(value, path) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("expected an array, found {}", kind(other))),
    }
}

/// What a JSON value is, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The first of `candidates` that is present, read as a timestamp: `Ok(None)` when none is
/// present; a present value that is not a timestamp is a reject, never skipped for the next.
pub(super) fn first_time(
    ctx: &Context,
    position: &str,
    record: &Value,
    candidates: &[&[&str]],
) -> Result<Option<DateTime<Utc>>, Reject> {
    for path in candidates {
        if let Some(value) = get(record, path) {
            return time::parse_value(value, ctx.zone)
                .map(Some)
                .map_err(|e| ctx.reject(position, Some(&path.join(".")), e));
        }
    }
    Ok(None)
}

/// The timestamp at `path`, required.
pub(super) fn required_time(
    ctx: &Context,
    position: &str,
    record: &Value,
    path: &[&str],
    what: &str,
) -> Result<DateTime<Utc>, Reject> {
    first_time(ctx, position, record, &[path])?.ok_or_else(|| {
        ctx.reject(position, Some(&path.join(".")), format!("missing; expected {what} (a timestamp)"))
    })
}

/// Whether `text` is a commit id: 7 to 40 hexadecimal digits (64 for SHA-256 repositories).
pub(super) fn is_sha(text: &str) -> bool {
    ((7..=40).contains(&text.len()) || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `text` as a commit id, lower-cased, when it is one.
pub(super) fn sha(text: &str) -> Option<String> {
    let t = text.trim();
    is_sha(t).then(|| t.to_ascii_lowercase())
}

/// The repository's name from a clone or web URL (`https://github.com/org/repo.git`,
/// `git@github.com:org/repo`, `org/repo`): the last path segment without `.git`.
pub(super) fn repo_name(url: &str) -> Option<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let last = trimmed.rsplit(['/', ':']).next()?;
    let name = last.strip_suffix(".git").unwrap_or(last);
    (!name.is_empty()).then(|| name.to_string())
}

/// Records in a deterministic order: by start, then id.
pub(crate) fn sort(records: &mut [Deploy]) {
    records.sort_by(|a, b| a.started_at.cmp(&b.started_at).then_with(|| a.id.cmp(&b.id)));
}

/// Records as [`sort`] orders them, those that tie there (one id in several lines) in the
/// order of their lines: a JSON Lines file read a group at a time gives its records group by
/// group, where the whole file gives them line by line.
fn sort_by_line(records: &mut [Deploy]) {
    records.sort_by(|a, b| {
        (a.started_at, &a.id, grouped::origin_line(&a.origin)).cmp(&(
            b.started_at,
            &b.id,
            grouped::origin_line(&b.origin),
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::deploys::testing::{ctx, rejects, resolver};

    fn shapes(text: &str) -> (Vec<String>, Vec<String>) {
        let services = resolver(&[], &[]);
        let ctx = ctx("f", &services);
        let (docs, bad) = documents(text, &ctx);
        (docs.iter().map(|d| format!("{} {}", d.position, d.value)).collect(), rejects(&bad))
    }

    #[test]
    fn every_container_keeps_its_positions() {
        assert_eq!(shapes("[1, 2]"), (vec!["$ [1,2]".to_string()], vec![]));
        assert_eq!(
            shapes("\u{feff}{\"a\": 1}\n\n{\"a\": 2}\n"),
            (vec!["line 1 {\"a\":1}".into(), "line 3 {\"a\":2}".into()], vec![])
        );
        // `kubectl get -w -o json`: pretty objects one after another.
        assert_eq!(
            shapes("{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n"),
            (vec!["line 1 {\"a\":1}".into(), "line 4 {\"a\":2}".into()], vec![])
        );
        assert_eq!(
            shapes("{\n  \"a\": 1,\n  \"b\": tru\n}\n"),
            (vec![], vec!["f: line 4 column 0: not valid JSON: expected ident".to_string()])
        );
        assert_eq!(shapes("# c\n- a: 1\n"), (vec!["$ [{\"a\":1}]".to_string()], vec![]));
        assert_eq!(
            shapes("a: 1\n---\na: 2\n"),
            (vec!["document 1 {\"a\":1}".into(), "document 2 {\"a\":2}".into()], vec![])
        );
        assert_eq!(shapes("a: [1\n"), (vec![], vec!["f: line 2 column 1: not valid JSON or YAML: did not find expected ',' or ']', while parsing a flow sequence".to_string()]));
        assert_eq!(shapes("  \n"), (vec![], vec![]));
        // A broken YAML document costs only itself.
        assert_eq!(
            shapes("a: 1\n---\na: [\n---\na: 3\n"),
            (
                vec!["document 1 {\"a\":1}".into(), "document 3 {\"a\":3}".into()],
                vec!["f: line 4 column 1: not valid JSON or YAML: did not find expected node content, while parsing a flow node".to_string()]
            )
        );
        assert_eq!(
            shapes("{\"a\": \n{\"a\": 2}\n"),
            (
                vec!["line 2 {\"a\":2}".to_string()],
                vec!["f: line 1: not valid JSON: EOF while parsing a value at column 6".to_string()]
            )
        );
        assert_eq!(child("line 3", ".a"), "line 3 $.a");
        assert_eq!(child("line 3 $.a", "[0]"), "line 3 $.a[0]");
        assert_eq!(repo_name("git@github.com:acme/shop.git").as_deref(), Some("shop"));
        assert_eq!(repo_name("https://github.com/acme/shop/").as_deref(), Some("shop"));
    }
}
