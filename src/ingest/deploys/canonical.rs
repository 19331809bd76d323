//! faultline's own deploy format, for every tool that has no reader of its own: one record per
//! deploy with the columns `id`, `service`, `environment`, `repo`, `sha`, `started_at`,
//! `finished_at`, `status`, `kind`, `rollback_of` and `actor`, as JSON Lines or as CSV with a
//! header row (see `docs/formats.md` and `docs/schemas/deploy.schema.json`).
//!
//! Both readers stream: a deploy log can hold millions of records, so a file is read one line
//! (or one CSV record) at a time into a borrowed row and converted at once; memory grows with
//! the records kept, not with the file. Everything the format does not allow is a reject naming
//! the line and the field — an unknown field too, because a misspelt `sah` would otherwise drop
//! the commit id without a word. Records that repeat an id are merged after the whole file is
//! read (see [`parse_jsonl`]).

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Serialize;

use crate::ingest::source::{Context, Parsed};
use crate::ingest::time;
use crate::model::{Deploy, DeployKind, DeployStatus, Reject};

/// The columns of the format, in the order [`to_jsonl`] and [`to_csv`] write them.
pub const COLUMNS: [&str; 11] = [
    "id",
    "service",
    "environment",
    "repo",
    "sha",
    "started_at",
    "finished_at",
    "status",
    "kind",
    "rollback_of",
    "actor",
];

/// The columns a record cannot do without (a CSV header must name them all).
pub const REQUIRED: [&str; 5] = ["id", "service", "environment", "started_at", "status"];

/// The value of [`Deploy::source`] for records read here.
pub const SOURCE: &str = "canonical";

const ID: usize = 0;
const SERVICE: usize = 1;
const ENVIRONMENT: usize = 2;
const REPO: usize = 3;
const SHA: usize = 4;
const STARTED_AT: usize = 5;
const FINISHED_AT: usize = 6;
const STATUS: usize = 7;
const KIND: usize = 8;
const ROLLBACK_OF: usize = 9;
const ACTOR: usize = 10;

/// Catalog lookups remembered per raw name: a log names a handful of services a million times.
const SERVICE_CACHE_LIMIT: usize = 4096;

/// One value of a record before it is checked: whatever JSON (or a CSV cell) held. Arrays and
/// objects are skipped while parsing and only remembered as such, so that a wrong type is
/// reported against its field instead of failing the whole line.
#[derive(Debug, Clone, PartialEq)]
enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    BigInt(u64),
    Float(f64),
    Text(Cow<'a, str>),
    Array,
    Object,
}

impl Scalar<'_> {
    /// What was found, for a message: `a number (42)`, `an array`.
    fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".into(),
            Scalar::Bool(b) => format!("a boolean ({b})"),
            Scalar::Int(n) => format!("a number ({n})"),
            Scalar::BigInt(n) => format!("a number ({n})"),
            Scalar::Float(n) => format!("a number ({n})"),
            Scalar::Text(s) => format!("a string ({s:?})"),
            Scalar::Array => "an array".into(),
            Scalar::Object => "an object".into(),
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map_or(Scalar::BigInt(v), Scalar::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// An object key, borrowed from the line unless it holds escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// One record as written, one slot per column (`None`: the field is absent).
struct Row<'a> {
    values: [Option<Scalar<'a>>; 11],
    /// The first field the format does not have, or the first one given twice.
    problem: Option<(String, &'static str)>,
}

impl Default for Row<'_> {
    fn default() -> Self {
        Row { values: Default::default(), problem: None }
    }
}

const UNKNOWN_FIELD: &str = "unknown field; expected one of id, service, environment, repo, sha, started_at, finished_at, status, kind, rollback_of, actor";
const REPEATED_FIELD: &str = "given twice in one record";

impl<'de> Deserialize<'de> for Row<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = Row<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object with the canonical deploy fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut row = Row::default();
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    match COLUMNS.iter().position(|c| *c == key) {
                        Some(i) if row.values[i].is_none() => row.values[i] = Some(map.next_value()?),
                        Some(_) => {
                            map.next_value::<IgnoredAny>()?;
                            row.problem.get_or_insert((key.into_owned(), REPEATED_FIELD));
                        }
                        None => {
                            map.next_value::<IgnoredAny>()?;
                            row.problem.get_or_insert((key.into_owned(), UNKNOWN_FIELD));
                        }
                    }
                }
                Ok(row)
            }
        }
        d.deserialize_map(RowVisitor)
    }
}

/// Why a record cannot be used: the field (when one is at fault) and the message.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) field: Option<String>,
    pub(crate) message: String,
}

impl Problem {
    fn at(field: &str, message: impl Into<String>) -> Problem {
        Problem { field: Some(field.to_string()), message: message.into() }
    }
}

const MISSING: &str = "required but missing";

/// A string field: trimmed; blank or null is absent.
fn text(row: &mut Row<'_>, i: usize) -> Result<Option<String>, Problem> {
    match row.values[i].take() {
        None | Some(Scalar::Null) => Ok(None),
        Some(Scalar::Text(s)) => {
            let trimmed = s.trim().len();
            Ok(match trimmed {
                0 => None,
                n if n == s.len() => Some(s.into_owned()),
                _ => Some(s.trim().to_string()),
            })
        }
        Some(other) => Err(Problem::at(COLUMNS[i], format!("expected a string, found {}", other.describe()))),
    }
}

/// An id field: a string, or an integer as many tools number their deploys.
fn id_text(row: &mut Row<'_>, i: usize) -> Result<Option<String>, Problem> {
    match &row.values[i] {
        Some(Scalar::Int(n)) => {
            let n = *n;
            row.values[i] = None;
            Ok(Some(n.to_string()))
        }
        Some(Scalar::BigInt(n)) => {
            let n = *n;
            row.values[i] = None;
            Ok(Some(n.to_string()))
        }
        Some(Scalar::Text(_)) | Some(Scalar::Null) | None => text(row, i),
        Some(other) => Err(Problem::at(
            COLUMNS[i],
            format!("expected a string or an integer, found {}", other.describe()),
        )),
    }
}

fn required(value: Option<String>, i: usize) -> Result<String, Problem> {
    value.ok_or_else(|| Problem::at(COLUMNS[i], MISSING))
}

/// A timestamp field, read by [`time`]; blank or null is absent.
fn timestamp(row: &Row<'_>, i: usize, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>, Problem> {
    let parsed = match &row.values[i] {
        None | Some(Scalar::Null) => return Ok(None),
        Some(Scalar::Text(s)) if s.trim().is_empty() => return Ok(None),
        Some(Scalar::Text(s)) => time::parse_str(s, ctx.zone),
        Some(Scalar::Int(n)) => time::from_epoch(*n),
        Some(Scalar::BigInt(n)) => Err(format!("epoch value {n} is out of range")),
        Some(Scalar::Float(f)) => match serde_json::Number::from_f64(*f) {
            Some(n) => time::parse_value(&serde_json::Value::Number(n), ctx.zone),
            None => Err(format!("{f} is not a timestamp")),
        },
        Some(other) => Err(format!("expected a timestamp, found {}", other.describe())),
    };
    parsed.map(Some).map_err(|message| Problem::at(COLUMNS[i], message))
}

fn is_commit_id(sha: &str) -> bool {
    (4..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit())
}

fn parse_status(text: &str) -> Option<DeployStatus> {
    [DeployStatus::Success, DeployStatus::Failure, DeployStatus::InProgress, DeployStatus::Cancelled]
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(text))
}

fn parse_kind(text: &str) -> Option<DeployKind> {
    [DeployKind::Deploy, DeployKind::Rollback].into_iter().find(|k| k.as_str().eq_ignore_ascii_case(text))
}

/// Resolves service names through the context, remembering the answers.
struct Services<'c, 'a> {
    ctx: &'c Context<'a>,
    known: std::collections::HashMap<String, Option<String>>,
}

impl<'c, 'a> Services<'c, 'a> {
    fn new(ctx: &'c Context<'a>) -> Self {
        Services { ctx, known: std::collections::HashMap::new() }
    }

    fn resolve(&mut self, name: &str) -> Option<String> {
        if let Some(hit) = self.known.get(name) {
            return hit.clone();
        }
        let found = self.ctx.service(name);
        if self.known.len() < SERVICE_CACHE_LIMIT {
            self.known.insert(name.to_string(), found.clone());
        }
        found
    }
}

/// The checks a record must pass on its own, and again after a merge.
pub(crate) fn check(deploy: &Deploy) -> Result<(), Problem> {
    if let Some(finished) = deploy.finished_at {
        if finished < deploy.started_at {
            return Err(Problem::at(
                "finished_at",
                format!("{} is before started_at {}", rfc3339(&finished), rfc3339(&deploy.started_at)),
            ));
        }
    }
    if let Some(undone) = &deploy.rollback_of {
        if deploy.kind == DeployKind::Deploy {
            return Err(Problem::at(
                "kind",
                format!("\"deploy\" contradicts rollback_of {undone:?}; a deploy that undoes another is a rollback (set kind to rollback or leave it out)"),
            ));
        }
        if *undone == deploy.id {
            return Err(Problem::at("rollback_of", "a deploy cannot roll back itself"));
        }
    }
    Ok(())
}

/// Turn one row into a deploy, or say which field is wrong.
fn build(
    mut row: Row<'_>,
    ctx: &Context<'_>,
    services: &mut Services<'_, '_>,
    origin: String,
) -> Result<Deploy, Problem> {
    if let Some((field, message)) = row.problem.take() {
        return Err(Problem { field: Some(field), message: message.to_string() });
    }
    let id = required(id_text(&mut row, ID)?, ID)?;
    let service_name = required(text(&mut row, SERVICE)?, SERVICE)?;
    let service = services.resolve(&service_name).ok_or_else(|| {
        Problem::at(
            "service",
            format!("{service_name:?} is not a catalog service, one of its aliases or a configured mapping"),
        )
    })?;
    let environment = required(text(&mut row, ENVIRONMENT)?, ENVIRONMENT)?;
    let repo = text(&mut row, REPO)?;
    let sha = match text(&mut row, SHA)? {
        Some(sha) if is_commit_id(&sha) => Some(sha.to_ascii_lowercase()),
        Some(sha) => {
            return Err(Problem::at(
                "sha",
                format!("{sha:?} is not a commit id; expected 4 to 64 hexadecimal digits"),
            ))
        }
        None => None,
    };
    let started_at = timestamp(&row, STARTED_AT, ctx)?.ok_or_else(|| Problem::at("started_at", MISSING))?;
    let finished_at = timestamp(&row, FINISHED_AT, ctx)?;
    let status_text = required(text(&mut row, STATUS)?, STATUS)?;
    let status = parse_status(&status_text).ok_or_else(|| {
        Problem::at(
            "status",
            format!(
                "{status_text:?} is not a deploy status; expected success, failure, in_progress or cancelled"
            ),
        )
    })?;
    let kind = match text(&mut row, KIND)? {
        Some(k) => Some(parse_kind(&k).ok_or_else(|| {
            Problem::at("kind", format!("{k:?} is not a deploy kind; expected deploy or rollback"))
        })?),
        None => None,
    };
    let rollback_of = id_text(&mut row, ROLLBACK_OF)?;
    let actor = text(&mut row, ACTOR)?;
    let kind = kind.unwrap_or(if rollback_of.is_some() { DeployKind::Rollback } else { DeployKind::Deploy });
    let deploy = Deploy {
        id,
        service,
        environment,
        repo,
        sha,
        started_at,
        finished_at,
        status,
        kind,
        rollback_of,
        actor,
        source: SOURCE.to_string(),
        origin,
    };
    check(&deploy)?;
    Ok(deploy)
}

/// The reader's running state: results, the file's name for origins, the service cache.
struct Reading<'c, 'a, 's> {
    ctx: &'c Context<'a>,
    file: String,
    services: Services<'c, 'a>,
    parsed: Parsed<Deploy>,
    /// Where records go when the caller streams them; `None` keeps them in `parsed`.
    sink: Option<&'s mut dyn FnMut(Deploy)>,
}

impl<'c, 'a, 's> Reading<'c, 'a, 's> {
    fn new(ctx: &'c Context<'a>, sink: Option<&'s mut dyn FnMut(Deploy)>) -> Self {
        Reading {
            ctx,
            file: ctx.file.display().to_string(),
            services: Services::new(ctx),
            parsed: Parsed::default(),
            sink,
        }
    }

    fn reject(&mut self, line: u64, field: Option<&str>, message: impl Into<String>) {
        self.parsed.rejects.push(self.ctx.reject(format!("line {line}"), field, message));
    }

    fn take(&mut self, row: Row<'_>, line: u64) {
        let origin = format!("{}:line {line}", self.file);
        match build(row, self.ctx, &mut self.services, origin) {
            Ok(deploy) => match self.sink.as_mut() {
                Some(sink) => sink(deploy),
                None => self.parsed.records.push(deploy),
            },
            Err(problem) => self.reject(line, problem.field.as_deref(), problem.message),
        }
    }

    /// Streamed records are merged by whoever received them; kept ones are merged here.
    fn finish(mut self) -> Parsed<Deploy> {
        if self.sink.is_none() {
            merge_duplicates(&mut self.parsed, &self.file);
        }
        self.parsed
    }
}

/// Read canonical deploys from JSON Lines: one JSON object per line, blank lines skipped.
///
/// Streams: one line is held at a time. A line that is not valid JSON, not an object, has a
/// field the format does not know or a value it does not allow is a reject naming `line N` and
/// the field; the reading goes on with the next line. `service` is resolved through
/// [`Context::service`] (an unknown service is a reject), `kind` defaults to `rollback` when
/// `rollback_of` is set and to `deploy` otherwise, `sha` is stored in lower case.
///
/// Records that share an id are merged in file order into the first one: a field the later
/// record sets replaces the earlier value, one it leaves out keeps it, and a status of
/// `in_progress` never replaces a final one. Each value that changes is reported in
/// [`Parsed::notes`]; a merge that would break a rule (`finished_at` before `started_at`)
/// rejects the later record and keeps the earlier.
pub fn parse_jsonl(reader: impl BufRead, ctx: &Context) -> Parsed<Deploy> {
    read_jsonl(reader, ctx, None)
}

/// [`parse_jsonl`] handing each record to `sink` as it is read, unmerged: the returned
/// [`Parsed`] holds the rejects and notes only. Repeated ids are the receiver's to merge, with
/// [`merge_repeat`].
pub fn stream_jsonl(reader: impl BufRead, ctx: &Context, sink: &mut dyn FnMut(Deploy)) -> Parsed<Deploy> {
    read_jsonl(reader, ctx, Some(sink))
}

fn read_jsonl(
    mut reader: impl BufRead,
    ctx: &Context,
    sink: Option<&mut dyn FnMut(Deploy)>,
) -> Parsed<Deploy> {
    let mut reading = Reading::new(ctx, sink);
    let mut buf = Vec::new();
    let mut line: u64 = 0;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => line += 1,
            Err(e) => {
                reading.reject(line + 1, None, format!("could not be read: {e}"));
                break;
            }
        }
        let bytes = if line == 1 { buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf) } else { &buf[..] };
        let Ok(text) = std::str::from_utf8(bytes) else {
            reading.reject(line, None, "not valid UTF-8");
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_str::<Row<'_>>(text) {
            Ok(row) => reading.take(row, line),
            Err(e) if e.is_data() => {
                // The position is the line's; serde's `at line 1 column N` adds nothing.
                let mut message = e.to_string();
                if let Some(i) = message.rfind(" at line ") {
                    message.truncate(i);
                }
                reading.reject(line, None, format!("not a deploy record: {message}"))
            }
            Err(e) => reading.reject(line, None, format!("not valid JSON: {e}")),
        }
    }
    reading.finish()
}

/// Read canonical deploys from CSV with a header row naming the columns (any order; the
/// optional ones may be left out), streaming one record at a time.
///
/// Cells follow RFC 4180 (quotes, doubled quotes, line breaks inside quotes); an empty cell is
/// an absent value. A header with an unknown, repeated or missing required column is one reject
/// at `line 1` and no row is read: every row would carry the same fault. Rows are checked and
/// merged as [`parse_jsonl`] does.
pub fn parse_csv(reader: impl BufRead, ctx: &Context) -> Parsed<Deploy> {
    read_csv(reader, ctx, None)
}

/// [`parse_csv`] handing each record to `sink` as it is read, unmerged (see [`stream_jsonl`]).
pub fn stream_csv(reader: impl BufRead, ctx: &Context, sink: &mut dyn FnMut(Deploy)) -> Parsed<Deploy> {
    read_csv(reader, ctx, Some(sink))
}

fn read_csv(reader: impl BufRead, ctx: &Context, sink: Option<&mut dyn FnMut(Deploy)>) -> Parsed<Deploy> {
    let mut reading = Reading::new(ctx, sink);
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let header = match csv.read_byte_record(&mut record) {
        Ok(true) => record.clone(),
        Ok(false) => return reading.finish(),
        Err(e) => {
            reading.reject(1, None, format!("could not be read: {e}"));
            return reading.finish();
        }
    };
    let columns = match header_columns(&header) {
        Ok(columns) => columns,
        Err(problem) => {
            reading.reject(1, problem.field.as_deref(), problem.message);
            return reading.finish();
        }
    };
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                reading.reject(line, None, format!("could not be read: {e}"));
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if record.len() != columns.len() {
            reading.reject(
                line,
                None,
                format!("expected {} cells as in the header, found {}", columns.len(), record.len()),
            );
            continue;
        }
        let mut row = Row::default();
        let mut bad_utf8 = None;
        for (cell, &column) in record.iter().zip(&columns) {
            match std::str::from_utf8(cell) {
                Ok(s) if s.trim().is_empty() => {}
                Ok(s) => row.values[column] = Some(Scalar::Text(Cow::Borrowed(s))),
                Err(_) => {
                    bad_utf8 = Some(column);
                    break;
                }
            }
        }
        match bad_utf8 {
            Some(column) => reading.reject(line, Some(COLUMNS[column]), "not valid UTF-8"),
            None => reading.take(row, line),
        }
    }
    reading.finish()
}

/// The column index of each header cell, or why the header is unusable.
fn header_columns(header: &csv::ByteRecord) -> Result<Vec<usize>, Problem> {
    let mut columns = Vec::with_capacity(header.len());
    for (n, cell) in header.iter().enumerate() {
        let cell = if n == 0 { cell.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(cell) } else { cell };
        let name = std::str::from_utf8(cell)
            .map_err(|_| Problem { field: None, message: "header is not valid UTF-8".into() })?;
        let name = name.trim();
        let Some(column) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(Problem::at(
                name,
                "unknown column in the header; expected id, service, environment, repo, sha, started_at, finished_at, status, kind, rollback_of, actor; no row was read",
            ));
        };
        if columns.contains(&column) {
            return Err(Problem::at(name, "column given twice in the header; no row was read"));
        }
        columns.push(column);
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !columns.iter().any(|&c| COLUMNS[c] == **r)) {
        return Err(Problem::at(missing, "required column missing from the header; no row was read"));
    }
    Ok(columns)
}

/// Merge records that share an id into the first of them (see [`parse_jsonl`]).
///
/// Runs once over the finished list, sorting indices rather than keeping a map of ids while
/// reading, so a file without duplicates costs one sort and no second copy of its ids.
fn merge_duplicates(parsed: &mut Parsed<Deploy>, file: &str) {
    let records = &mut parsed.records;
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| records[a].id.cmp(&records[b].id).then(a.cmp(&b)));
    if !order.windows(2).any(|w| records[w[0]].id == records[w[1]].id) {
        return;
    }
    let mut remove = vec![false; records.len()];
    let mut notes: Vec<(usize, String)> = Vec::new();
    let mut rejects: Vec<(usize, Reject)> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && records[order[end]].id == records[order[start]].id {
            end += 1;
        }
        let first = order[start];
        for &later in &order[start + 1..end] {
            remove[later] = true;
            match merge_repeat(&records[first], &records[later], file) {
                Repeat::Merged(merged, note) => {
                    notes.push((later, note));
                    records[first] = merged;
                }
                Repeat::Rejected(reject) => rejects.push((later, reject)),
            }
        }
        start = end;
    }
    let mut index = 0;
    records.retain(|_| {
        index += 1;
        !remove[index - 1]
    });
    notes.sort_by_key(|(i, _)| *i);
    rejects.sort_by_key(|(i, _)| *i);
    parsed.notes.extend(notes.into_iter().map(|(_, n)| n));
    parsed.rejects.extend(rejects.into_iter().map(|(_, r)| r));
}

/// What a later record of one file with an earlier one's id came to.
pub enum Repeat {
    /// The two merged (the later value kept), and the note saying what changed.
    Merged(Deploy, String),
    /// Merged they would break a rule: the later record is rejected, the earlier kept.
    Rejected(Reject),
}

/// Fold `later` into `first`, two records of `file` sharing an id, as the canonical format
/// merges repeats.
pub fn merge_repeat(first: &Deploy, later: &Deploy, file: &str) -> Repeat {
    let position = |origin: &str| {
        origin.strip_prefix(file).and_then(|p| p.strip_prefix(':')).unwrap_or(origin).to_string()
    };
    let (merged, changes) = merge(first, later);
    let here = position(&later.origin);
    let there = position(&first.origin);
    match check(&merged) {
        Ok(()) => {
            let note = if changes.is_empty() {
                format!("{file}: {here}: deploy {:?} repeats {there}; kept once", merged.id)
            } else {
                format!(
                    "{file}: {here}: deploy {:?} repeats {there} with different values, merged (the later value kept): {}",
                    merged.id,
                    changes.join(", ")
                )
            };
            Repeat::Merged(merged, note)
        }
        Err(problem) => Repeat::Rejected(Reject {
            file: file.to_string(),
            position: here,
            field: problem.field,
            message: format!("repeats deploy {:?} of {there}; merged, {}", first.id, problem.message),
        }),
    }
}

/// `earlier` updated by `later`, and the values that changed (`sha "abc" → "def"`).
pub(crate) fn merge(earlier: &Deploy, later: &Deploy) -> (Deploy, Vec<String>) {
    let mut merged = earlier.clone();
    let mut changes = Vec::new();
    fn set<T: PartialEq + Clone + fmt::Debug>(name: &str, into: &mut T, from: &T, changes: &mut Vec<String>) {
        if into != from {
            changes.push(format!("{name} {into:?} → {from:?}"));
            *into = from.clone();
        }
    }
    fn fill<T: PartialEq + Clone + fmt::Debug>(
        name: &str,
        into: &mut Option<T>,
        from: &Option<T>,
        changes: &mut Vec<String>,
    ) {
        match (into.as_ref(), from) {
            (_, None) => {}
            (None, Some(_)) => *into = from.clone(),
            (Some(a), Some(b)) if a != b => {
                changes.push(format!("{name} {a:?} → {b:?}"));
                *into = from.clone();
            }
            _ => {}
        }
    }
    set("service", &mut merged.service, &later.service, &mut changes);
    set("environment", &mut merged.environment, &later.environment, &mut changes);
    fill("repo", &mut merged.repo, &later.repo, &mut changes);
    fill("sha", &mut merged.sha, &later.sha, &mut changes);
    if merged.started_at != later.started_at {
        changes.push(format!("started_at {} → {}", rfc3339(&merged.started_at), rfc3339(&later.started_at)));
        merged.started_at = later.started_at;
    }
    if let Some(finished) = later.finished_at {
        if let Some(before) = merged.finished_at.filter(|b| *b != finished) {
            changes.push(format!("finished_at {} → {}", rfc3339(&before), rfc3339(&finished)));
        }
        merged.finished_at = Some(finished);
    }
    match (merged.status, later.status) {
        (_, DeployStatus::InProgress) => {}
        (DeployStatus::InProgress, s) => merged.status = s,
        (a, b) if a != b => {
            changes.push(format!("status {} → {}", a.as_str(), b.as_str()));
            merged.status = b;
        }
        _ => {}
    }
    if merged.kind != later.kind {
        changes.push(format!("kind {} → {}", merged.kind.as_str(), later.kind.as_str()));
        merged.kind = later.kind;
    }
    fill("rollback_of", &mut merged.rollback_of, &later.rollback_of, &mut changes);
    fill("actor", &mut merged.actor, &later.actor, &mut changes);
    (merged, changes)
}

fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// One deploy as the format writes it.
#[derive(Serialize)]
struct Out<'a> {
    id: &'a str,
    service: &'a str,
    environment: &'a str,
    repo: Option<&'a str>,
    sha: Option<&'a str>,
    started_at: String,
    finished_at: Option<String>,
    status: &'static str,
    kind: &'static str,
    rollback_of: Option<&'a str>,
    actor: Option<&'a str>,
}

impl<'a> From<&'a Deploy> for Out<'a> {
    fn from(d: &'a Deploy) -> Self {
        Out {
            id: &d.id,
            service: &d.service,
            environment: &d.environment,
            repo: d.repo.as_deref(),
            sha: d.sha.as_deref(),
            started_at: rfc3339(&d.started_at),
            finished_at: d.finished_at.as_ref().map(rfc3339),
            status: d.status.as_str(),
            kind: d.kind.as_str(),
            rollback_of: d.rollback_of.as_deref(),
            actor: d.actor.as_deref(),
        }
    }
}

/// Write deploys as canonical JSON Lines: every column on every line (absent values as
/// `null`), times in RFC 3339 UTC at the precision they carry. `source` and `origin` are not
/// part of the format. What [`parse_jsonl`] reads back equals the input, except that a record
/// breaking the format's rules (a `deploy` with `rollback_of`) is written as given and then
/// rejected.
pub fn to_jsonl(deploys: &[Deploy]) -> String {
    let mut out = String::new();
    for deploy in deploys {
        let line = serde_json::to_string(&Out::from(deploy)).expect("a record of strings always serializes");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Write deploys as canonical CSV: the header row with every column in [`COLUMNS`] order,
/// then one row per deploy, an absent value as an empty cell.
pub fn to_csv(deploys: &[Deploy]) -> String {
    let write = || -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(COLUMNS)?;
        for d in deploys {
            let out = Out::from(d);
            writer.write_record([
                out.id,
                out.service,
                out.environment,
                out.repo.unwrap_or(""),
                out.sha.unwrap_or(""),
                &out.started_at,
                out.finished_at.as_deref().unwrap_or(""),
                out.status,
                out.kind,
                out.rollback_of.unwrap_or(""),
                out.actor.unwrap_or(""),
            ])?;
        }
        Ok(writer.into_inner()?)
    };
    let bytes = write().expect("writing CSV into memory cannot fail");
    String::from_utf8(bytes).expect("CSV written from strings is UTF-8")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ingest::source::ServiceResolver;
    use crate::ingest::time::Zone;
    use crate::model::Service;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    const JSONL: &str = include_str!("../../../tests/fixtures/canonical/deploys.jsonl");
    const CSV: &str = include_str!("../../../tests/fixtures/canonical/deploys.csv");

    fn catalog() -> ServiceResolver {
        let service = |name: &str, aliases: &[&str]| Service {
            name: name.into(),
            kind: "component".into(),
            system: None,
            owner: None,
            tier: None,
            lifecycle: None,
            repo: None,
            path: None,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        };
        let mappings: BTreeMap<String, String> =
            [("checkout-prod".to_string(), "checkout".to_string())].into();
        ServiceResolver::new(
            &[service("checkout", &["Checkout Service"]), service("payments", &[]), service("search", &[])],
            &mappings,
        )
    }

    fn ctx<'a>(file: &'a str, services: &'a ServiceResolver) -> Context<'a> {
        Context { file: Path::new(file), zone: None, services }
    }

    fn at(text: &str) -> DateTime<Utc> {
        time::parse_str(text, None).expect("a valid test timestamp")
    }

    fn messages(parsed: &Parsed<Deploy>) -> Vec<String> {
        parsed.rejects.iter().map(|r| r.to_string()).collect()
    }

    fn expected_sample(file: &str) -> Vec<Deploy> {
        vec![
            Deploy {
                id: "dep-1001".into(),
                service: "checkout".into(),
                environment: "production".into(),
                repo: Some("shop".into()),
                sha: Some("3f9c2a7e1b4d5c6a7b8c9d0e1f2a3b4c5d6e7f80".into()),
                started_at: at("2026-03-02T09:14:05Z"),
                finished_at: Some(at("2026-03-02T09:21:40Z")),
                status: DeployStatus::Success,
                kind: DeployKind::Deploy,
                rollback_of: None,
                actor: Some("ana@example.com".into()),
                source: "canonical".into(),
                origin: format!("{file}:line 1"),
            },
            Deploy {
                id: "dep-1002".into(),
                service: "payments".into(),
                environment: "production".into(),
                repo: Some("payments".into()),
                sha: Some("a1b2c3d".into()),
                started_at: at("2026-03-02T11:00:00.250Z"),
                finished_at: None,
                status: DeployStatus::InProgress,
                kind: DeployKind::Deploy,
                rollback_of: None,
                actor: Some("deploy-bot".into()),
                source: "canonical".into(),
                origin: format!("{file}:line 2"),
            },
            Deploy {
                id: "dep-1003".into(),
                service: "checkout".into(),
                environment: "production".into(),
                repo: Some("shop".into()),
                sha: Some("0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d".into()),
                started_at: at("2026-03-02T10:00:00Z"),
                finished_at: Some(at("2026-03-02T10:03:12Z")),
                status: DeployStatus::Success,
                kind: DeployKind::Rollback,
                rollback_of: Some("dep-1001".into()),
                actor: Some("Ana Lima".into()),
                source: "canonical".into(),
                origin: format!("{file}:line 3"),
            },
            Deploy {
                id: "dep-1004".into(),
                service: "search".into(),
                environment: "staging".into(),
                repo: None,
                sha: None,
                started_at: at("2026-03-03T08:00:00Z"),
                finished_at: Some(at("2026-03-03T08:00:30Z")),
                status: DeployStatus::Cancelled,
                kind: DeployKind::Deploy,
                rollback_of: None,
                actor: None,
                source: "canonical".into(),
                origin: format!("{file}:line 4"),
            },
        ]
    }

    #[test]
    fn jsonl_sample_reads_into_exact_records() {
        let services = catalog();
        let parsed = parse_jsonl(JSONL.as_bytes(), &ctx("deploys.jsonl", &services));
        assert_eq!(messages(&parsed), Vec::<String>::new());
        assert_eq!(parsed.notes, Vec::<String>::new());
        assert_eq!(parsed.records, expected_sample("deploys.jsonl"));
    }

    #[test]
    fn csv_sample_reads_into_the_same_records() {
        let services = catalog();
        let parsed = parse_csv(CSV.as_bytes(), &ctx("deploys.csv", &services));
        assert_eq!(messages(&parsed), Vec::<String>::new());
        assert_eq!(parsed.notes, Vec::<String>::new());
        // The CSV sample lists its columns in another order and leaves optional ones empty.
        let mut expected = expected_sample("deploys.csv");
        // Row 3 spans two lines (a quoted actor with a line break), so row 4 starts on line 6.
        expected[0].origin = "deploys.csv:line 2".into();
        expected[1].origin = "deploys.csv:line 3".into();
        expected[2].origin = "deploys.csv:line 4".into();
        expected[2].actor = Some("Ana Lima\n(on call)".into());
        expected[3].origin = "deploys.csv:line 6".into();
        assert_eq!(parsed.records, expected);
    }

    fn one_line(line: &str) -> Vec<String> {
        let services = catalog();
        let parsed = parse_jsonl(line.as_bytes(), &ctx("d.jsonl", &services));
        assert!(parsed.records.is_empty(), "{line} was accepted");
        messages(&parsed)
    }

    #[test]
    fn malformed_records_are_rejected_with_line_field_and_reason() {
        let base = r#""id":"d1","service":"checkout","environment":"production","started_at":"2026-03-02T09:14:05Z","status":"success""#;
        let cases = [
            (
                format!(r#"{{{base},"sah":"abc1234"}}"#),
                "d.jsonl: line 1: field `sah`: unknown field; expected one of id, service, environment, repo, sha, started_at, finished_at, status, kind, rollback_of, actor",
            ),
            (
                format!(r#"{{{base},"status":"failure"}}"#),
                "d.jsonl: line 1: field `status`: given twice in one record",
            ),
            (
                base.replace("checkout", "billing").replace(r#""id":"d1","#, r#"{"id":"d1","#) + "}",
                "d.jsonl: line 1: field `service`: \"billing\" is not a catalog service, one of its aliases or a configured mapping",
            ),
            (
                format!("{{{}}}", base.replace(r#""status":"success""#, r#""status":"done""#)),
                "d.jsonl: line 1: field `status`: \"done\" is not a deploy status; expected success, failure, in_progress or cancelled",
            ),
            (
                format!(r#"{{{base},"kind":"deploy","rollback_of":"d0"}}"#),
                "d.jsonl: line 1: field `kind`: \"deploy\" contradicts rollback_of \"d0\"; a deploy that undoes another is a rollback (set kind to rollback or leave it out)",
            ),
            (
                format!(r#"{{{base},"rollback_of":"d1"}}"#),
                "d.jsonl: line 1: field `rollback_of`: a deploy cannot roll back itself",
            ),
            (
                format!(r#"{{{base},"finished_at":"2026-03-02T09:00:00Z"}}"#),
                "d.jsonl: line 1: field `finished_at`: 2026-03-02T09:00:00Z is before started_at 2026-03-02T09:14:05Z",
            ),
            (
                format!(r#"{{{base},"sha":"main"}}"#),
                "d.jsonl: line 1: field `sha`: \"main\" is not a commit id; expected 4 to 64 hexadecimal digits",
            ),
            (
                format!(r#"{{{base},"repo":42}}"#),
                "d.jsonl: line 1: field `repo`: expected a string, found a number (42)",
            ),
            (
                format!(r#"{{{base},"kind":"redeploy"}}"#),
                "d.jsonl: line 1: field `kind`: \"redeploy\" is not a deploy kind; expected deploy or rollback",
            ),
            (
                format!("{{{}}}", base.replace(r#","environment":"production""#, "")),
                "d.jsonl: line 1: field `environment`: required but missing",
            ),
            (
                format!("{{{}}}", base.replace("2026-03-02T09:14:05Z", "2026-03-02T09:14:05")),
                "d.jsonl: line 1: field `started_at`: \"2026-03-02T09:14:05\" has no time zone; set `time_zone` for this source in faultline.toml (for example \"UTC\" or \"Europe/Berlin\")",
            ),
            (
                format!("{{{}}}", base.replace(r#""id":"d1""#, r#""id":["d1"]"#)),
                "d.jsonl: line 1: field `id`: expected a string or an integer, found an array",
            ),
            (
                "[1,2]".to_string(),
                "d.jsonl: line 1: not a deploy record: invalid type: sequence, expected a JSON object with the canonical deploy fields",
            ),
            (
                format!("{{{base}"),
                "d.jsonl: line 1: not valid JSON: EOF while parsing an object at line 1 column 113",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(one_line(&line), vec![want.to_string()], "{line}");
        }
    }

    #[test]
    fn bad_lines_do_not_stop_the_good_ones_and_count_lines_right() {
        let services = catalog();
        let text = "\u{feff}{\"id\":\"a\",\"service\":\"checkout\",\"environment\":\"prod\",\"started_at\":1772442845,\"status\":\"success\"}\r\n\
            \n\
            not json\n\
            {\"id\":7,\"service\":\"Checkout Service\",\"environment\":\"prod\",\"started_at\":\"1772442845123\",\"status\":\"FAILURE\"}";
        let mut bytes = text.as_bytes().to_vec();
        bytes.extend_from_slice(b"\n{\"id\":\"\xff\"}\n");
        let parsed = parse_jsonl(&bytes[..], &ctx("d.jsonl", &services));
        assert_eq!(
            messages(&parsed),
            vec![
                "d.jsonl: line 3: not valid JSON: expected ident at line 1 column 2".to_string(),
                "d.jsonl: line 5: not valid UTF-8".to_string(),
            ]
        );
        let got: Vec<(&str, &str, DeployStatus, String, &str)> = parsed
            .records
            .iter()
            .map(|d| (d.id.as_str(), d.service.as_str(), d.status, rfc3339(&d.started_at), d.origin.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "a",
                    "checkout",
                    DeployStatus::Success,
                    "2026-03-02T09:14:05Z".to_string(),
                    "d.jsonl:line 1"
                ),
                (
                    "7",
                    "checkout",
                    DeployStatus::Failure,
                    "2026-03-02T09:14:05.123Z".to_string(),
                    "d.jsonl:line 4"
                ),
            ]
        );
    }

    #[test]
    fn zoneless_times_use_the_configured_zone() {
        let services = catalog();
        let mut context = ctx("d.jsonl", &services);
        context.zone = Zone::parse("Europe/Berlin");
        let line = r#"{"id":"d1","service":"checkout","environment":"production","started_at":"2026-03-02 10:14:05","status":"success"}"#;
        let parsed = parse_jsonl(line.as_bytes(), &context);
        assert_eq!(messages(&parsed), Vec::<String>::new());
        assert_eq!(parsed.records[0].started_at, at("2026-03-02T09:14:05Z"));
    }

    #[test]
    fn malformed_csv_is_rejected_with_line_field_and_reason() {
        let services = catalog();
        let parse = |text: &str| messages(&parse_csv(text.as_bytes(), &ctx("d.csv", &services)));
        assert_eq!(
            parse("id,service,environment,started_at,status,sah\nd1,checkout,prod,2026-03-02T09:14:05Z,success,abc\n"),
            vec!["d.csv: line 1: field `sah`: unknown column in the header; expected id, service, environment, repo, sha, started_at, finished_at, status, kind, rollback_of, actor; no row was read"]
        );
        assert_eq!(
            parse("id,service,started_at,status\n"),
            vec!["d.csv: line 1: field `environment`: required column missing from the header; no row was read"]
        );
        assert_eq!(
            parse("id,service,environment,started_at,status,id\n"),
            vec!["d.csv: line 1: field `id`: column given twice in the header; no row was read"]
        );
        assert_eq!(
            parse("id,service,environment,started_at,status\nd1,checkout,prod,2026-03-02T09:14:05Z\n\n  \nd2,checkout,prod,yesterday,success\nd3,checkout,\"prod\nuction\",1772442845,ok\nd4,checkout,prod,1772442845,success,extra\n"),
            vec![
                "d.csv: line 2: expected 5 cells as in the header, found 4",
                "d.csv: line 5: field `started_at`: \"yesterday\" is not a timestamp; expected RFC 3339 (2026-06-01T10:00:00Z) or epoch seconds/milliseconds",
                "d.csv: line 6: field `status`: \"ok\" is not a deploy status; expected success, failure, in_progress or cancelled",
                "d.csv: line 8: expected 5 cells as in the header, found 6",
            ]
        );
    }

    #[test]
    fn duplicate_ids_merge_in_file_order_and_report_what_changed() {
        let services = catalog();
        let text = [
            r#"{"id":"d1","service":"checkout","environment":"production","started_at":"2026-03-02T09:00:00Z","status":"in_progress","sha":"abc1234"}"#,
            r#"{"id":"d2","service":"payments","environment":"production","started_at":"2026-03-02T09:30:00Z","status":"success"}"#,
            r#"{"id":"d1","service":"checkout","environment":"production","started_at":"2026-03-02T09:00:00Z","status":"success","finished_at":"2026-03-02T09:05:00Z","actor":"ana"}"#,
            r#"{"id":"d2","service":"payments","environment":"production","started_at":"2026-03-02T09:30:00Z","status":"success"}"#,
            r#"{"id":"d1","service":"checkout","environment":"production","started_at":"2026-03-02T09:00:00Z","status":"failure","sha":"def5678"}"#,
            r#"{"id":"d1","service":"checkout","environment":"production","started_at":"2026-03-02T09:10:00Z","status":"failure"}"#,
        ]
        .join("\n");
        let parsed = parse_jsonl(text.as_bytes(), &ctx("d.jsonl", &services));
        assert_eq!(
            parsed.notes,
            vec![
                "d.jsonl: line 3: deploy \"d1\" repeats line 1; kept once".to_string(),
                "d.jsonl: line 4: deploy \"d2\" repeats line 2; kept once".to_string(),
                "d.jsonl: line 5: deploy \"d1\" repeats line 1 with different values, merged (the later value kept): sha \"abc1234\" → \"def5678\", status success → failure".to_string(),
            ]
        );
        assert_eq!(
            messages(&parsed),
            vec!["d.jsonl: line 6: field `finished_at`: repeats deploy \"d1\" of line 1; merged, 2026-03-02T09:05:00Z is before started_at 2026-03-02T09:10:00Z"]
        );
        assert_eq!(parsed.records.len(), 2);
        let d1 = &parsed.records[0];
        assert_eq!(
            (
                d1.id.as_str(),
                d1.status,
                d1.sha.as_deref(),
                d1.actor.as_deref(),
                d1.finished_at,
                d1.origin.as_str()
            ),
            (
                "d1",
                DeployStatus::Failure,
                Some("def5678"),
                Some("ana"),
                Some(at("2026-03-02T09:05:00Z")),
                "d.jsonl:line 1"
            )
        );
        assert_eq!(parsed.records[1].id, "d2");
    }

    /// A small deterministic generator (SplitMix64), so the round trip needs no extra crate.
    pub(crate) struct Rng(pub(crate) u64);

    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        pub(crate) fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
            &items[self.below(items.len() as u64) as usize]
        }
        /// True two times in three: whether an optional field is set.
        pub(crate) fn chance(&mut self) -> bool {
            self.below(3) != 0
        }
        pub(crate) fn instant(&mut self) -> DateTime<Utc> {
            let secs = 1_700_000_000 + self.below(200_000_000) as i64;
            let nanos = match self.below(4) {
                0 => 0,
                1 => self.below(1000) as u32 * 1_000_000,
                2 => self.below(1_000_000) as u32 * 1_000,
                _ => self.below(1_000_000_000) as u32,
            };
            DateTime::from_timestamp(secs, nanos).expect("in range")
        }
    }

    fn random_deploys(rng: &mut Rng, n: usize) -> Vec<Deploy> {
        let texts =
            ["ana", "Zoë \"deploy\" bot", "line\nbreak", "tab\tand, comma", "日本語", "back\\slash", "x"];
        (0..n)
            .map(|i| {
                let started_at = rng.instant();
                let rollback_of =
                    if rng.below(4) == 0 { Some(format!("dep-{}", rng.below(1000))) } else { None };
                let kind = if rollback_of.is_some() || rng.below(5) == 0 {
                    DeployKind::Rollback
                } else {
                    DeployKind::Deploy
                };
                let sha: String = (0..[7, 12, 40][rng.below(3) as usize])
                    .map(|_| char::from(b"0123456789abcdef"[rng.below(16) as usize]))
                    .collect();
                Deploy {
                    id: format!("run/{i}-{}", rng.pick(&texts)),
                    service: rng.pick(&["checkout", "payments", "search svc", "ünï"]).to_string(),
                    environment: rng.pick(&["production", "staging", "eu-west-1/prod"]).to_string(),
                    repo: rng.chance().then(|| rng.pick(&["shop", "payments"]).to_string()),
                    sha: rng.chance().then_some(sha),
                    started_at,
                    finished_at: rng.chance().then(|| {
                        started_at + chrono::Duration::nanoseconds(rng.below(10_000_000_000_000) as i64)
                    }),
                    status: *rng.pick(&[
                        DeployStatus::Success,
                        DeployStatus::Failure,
                        DeployStatus::InProgress,
                        DeployStatus::Cancelled,
                    ]),
                    kind,
                    rollback_of,
                    actor: rng.chance().then(|| rng.pick(&texts).to_string()),
                    source: "canonical".into(),
                    origin: String::new(),
                }
            })
            .collect()
    }

    /// Text a canonical field can hold as written: not empty, no surrounding whitespace (which
    /// the reader removes); anything else goes, quotes, commas, line breaks and all.
    fn field_text() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{1,16}",
            "[a-z]{1,4}[\",\n\r\t\\\\ ]{1,3}[a-zé日]{1,4}",
            Just("Zoë \"deploy\" bot".to_string()),
        ]
        .prop_filter("a value the reader keeps as written", |s| !s.is_empty() && s.trim() == s)
    }

    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (0i64..4_000_000_000, 0u32..1_000_000_000)
            .prop_map(|(secs, nanos)| DateTime::from_timestamp(secs, nanos).expect("in range"))
    }

    prop_compose! {
        fn deploy()(
            id in field_text(),
            service in field_text(),
            environment in field_text(),
            repo in proptest::option::of(field_text()),
            sha in proptest::option::of("[0-9a-f]{4,64}"),
            started_at in instant(),
            duration in proptest::option::of(0i64..10_000_000_000_000),
            status in prop_oneof![
                Just(DeployStatus::Success),
                Just(DeployStatus::Failure),
                Just(DeployStatus::InProgress),
                Just(DeployStatus::Cancelled),
            ],
            rollback_of in proptest::option::of(field_text()),
            rollback in any::<bool>(),
            actor in proptest::option::of(field_text()),
        ) -> Deploy {
            let rollback_of = rollback_of.filter(|r| *r != id);
            Deploy {
                kind: if rollback_of.is_some() || rollback { DeployKind::Rollback } else { DeployKind::Deploy },
                id,
                service,
                environment,
                repo,
                sha,
                started_at,
                finished_at: duration.map(|ns| started_at + chrono::Duration::nanoseconds(ns)),
                status,
                rollback_of,
                actor,
                source: "canonical".into(),
                origin: String::new(),
            }
        }
    }

    /// A validator for one of `docs/schemas/`.
    pub(crate) fn schema(name: &str) -> jsonschema::Validator {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas").join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
    }

    #[test]
    fn the_deploy_schema_accepts_the_fixtures_and_rejects_what_the_reader_rejects() {
        let validator = schema("deploy.schema.json");
        let fixture = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/canonical/deploys.jsonl"),
        )
        .unwrap();
        for line in fixture.lines().filter(|l| !l.trim().is_empty()) {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
            assert_eq!(errors, Vec::<String>::new(), "{line}");
        }
        for bad in [
            r#"{"id":"d1","service":"a","environment":"p","started_at":"2026-06-01T10:00:00Z","status":"succeeded"}"#,
            r#"{"id":"d1","service":"a","environment":"p","started_at":"2026-06-01T10:00:00Z","status":"success","sah":"abc1"}"#,
            r#"{"id":"d1","environment":"p","started_at":"2026-06-01T10:00:00Z","status":"success"}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert!(!validator.is_valid(&value), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_deploys_survive_a_write_then_read_round_trip(
            deploys in proptest::collection::vec(deploy(), 0..20)
                .prop_map(|mut d| { d.sort_by(|a, b| a.id.cmp(&b.id)); d.dedup_by(|a, b| a.id == b.id); d })
        ) {
            let services = ServiceResolver::default();
            // What the writer writes is what the documented schema describes.
            let validator = schema("deploy.schema.json");
            for line in to_jsonl(&deploys).lines() {
                let value: serde_json::Value = serde_json::from_str(line).expect("JSON");
                prop_assert!(validator.is_valid(&value), "{}", line);
            }
            for (format, text) in [("jsonl", to_jsonl(&deploys)), ("csv", to_csv(&deploys))] {
                let file = format!("p.{format}");
                let context = ctx(&file, &services);
                let parsed = if format == "jsonl" {
                    parse_jsonl(text.as_bytes(), &context)
                } else {
                    parse_csv(text.as_bytes(), &context)
                };
                prop_assert_eq!(messages(&parsed), Vec::<String>::new(), "{}", format);
                let back: Vec<Deploy> =
                    parsed.records.iter().map(|d| Deploy { origin: String::new(), ..d.clone() }).collect();
                prop_assert_eq!(&back, &deploys, "{}", format);
            }
        }
    }

    #[test]
    fn cut_or_corrupted_files_never_panic() {
        let services = catalog();
        let context = ctx("d", &services);
        let mut rng = Rng(7);
        for sample in [JSONL.as_bytes(), CSV.as_bytes()] {
            for end in 0..sample.len() {
                let _ = parse_jsonl(&sample[..end], &context);
                let _ = parse_csv(&sample[..end], &context);
            }
            for _ in 0..500 {
                let mut bytes = sample.to_vec();
                for _ in 0..1 + rng.below(8) {
                    let i = rng.below(bytes.len() as u64) as usize;
                    bytes[i] = *rng.pick(b"{}[]\",:\"\n\r\xff0aZ-+. ");
                }
                let _ = parse_jsonl(&bytes[..], &context);
                let _ = parse_csv(&bytes[..], &context);
            }
        }
    }

    #[test]
    #[ignore = "benchmark: cargo test --release --lib canonical_deploys_benchmark -- --ignored --nocapture"]
    fn canonical_deploys_benchmark() {
        let services = catalog();
        let mut rng = Rng(1);
        let mut sample = random_deploys(&mut rng, 1000);
        for d in &mut sample {
            d.service = "checkout".into();
        }
        let block = to_jsonl(&sample);
        let path = std::env::temp_dir().join("faultline-bench-deploys.jsonl");
        {
            use std::io::Write;
            let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
            for i in 0..1000 {
                file.write_all(block.replace("\"id\":\"run/", &format!("\"id\":\"b{i}/")).as_bytes())
                    .expect("write");
            }
        }
        let started = std::time::Instant::now();
        let file = std::io::BufReader::new(std::fs::File::open(&path).expect("temp file"));
        let parsed = parse_jsonl(file, &ctx("bench.jsonl", &services));
        let elapsed = started.elapsed();
        eprintln!(
            "JSON Lines: {} records, {} rejects in {elapsed:?}",
            parsed.records.len(),
            parsed.rejects.len()
        );
        assert_eq!(parsed.records.len(), 1_000_000);
        drop(parsed);

        let csv_block = to_csv(&sample);
        let (header, rows) = csv_block.split_once('\n').expect("a header line");
        {
            use std::io::Write;
            let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("temp file"));
            writeln!(file, "{header}").expect("write");
            for i in 0..1000 {
                file.write_all(rows.replace("run/", &format!("b{i}/")).as_bytes()).expect("write");
            }
        }
        let started = std::time::Instant::now();
        let file = std::io::BufReader::new(std::fs::File::open(&path).expect("temp file"));
        let parsed = parse_csv(file, &ctx("bench.csv", &services));
        let elapsed = started.elapsed();
        eprintln!("CSV: {} records, {} rejects in {elapsed:?}", parsed.records.len(), parsed.rejects.len());
        assert_eq!(parsed.records.len(), 1_000_000);
        let _ = std::fs::remove_file(&path);
    }
}
