//! Ad hoc questions: SQL (polars SQL) over every table of the store, saved queries with typed
//! parameters, and the list of tables with their columns.
//!
//! Tables are registered as lazy Parquet scans of the current snapshot, so a query reads only
//! the columns and row groups it needs. Parameters (`:name`) are bound as literals of their
//! declared type — a number, a date turned into epoch seconds, a quoted and escaped string —
//! found outside string literals, quoted identifiers and comments, so a value can never change
//! the structure of the query.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::error::{Error, Result};
use crate::store::Store;

/// Every table of the store and what it holds, in the order `faultline tables` lists them.
pub const TABLES: &[(&str, &str)] = &[
    ("commits", "One row per commit of every configured repository: ids, people, times, message, trailers, line counts"),
    ("commit_files", "One row per file a commit changed against its first parent, with line counts"),
    ("merge_files", "Paths a merge changed against its first parent (for what a deploy of a merge shipped)"),
    ("provenance", "Who or what wrote each commit: AI verdict, tools, models, sessions, every piece of evidence, AI lines"),
    ("commit_order", "Each commit's place on its repository's mainline (first-parent chain of HEAD): the position it landed at, its generation"),
    ("repo_heads", "The branch tips each repository had at the last ingest"),
    ("ingest_state", "What the last ingest derived the commit tables from (fingerprints, remote URLs)"),
    ("deploys", "One row per deploy or rollback from every deploy log"),
    ("deploy_commits", "Which commits each deploy shipped for the first time to its service and environment"),
    ("incidents", "One row per incident: title, severity, services, phases, impact"),
    ("timeline_events", "The incidents' timeline entries"),
    ("services", "The catalog's services: kind, owner, tier, lifecycle, repository and folder"),
    ("service_deps", "Which service depends on which"),
    ("suspects", "For each incident, the deploys and commits that may have caused it, with P(cause) and evidence"),
    ("szz_links", "For each fix of an incident, the lines it changed and the commit that last wrote each"),
    ("blast_radius", "Per commit, realized blast radius (incidents it may have caused, by impact) and potential (services it reaches)"),
    ("deploy_facts", "Per production deploy that shipped commits, what the DORA four keys need: AI or not, each commit's lead time, failed, time to restore"),
    ("rejects", "Input records the ingest could not use, with file, position and reason"),
];

/// A table's columns, from the store's real schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// Table name.
    pub name: &'static str,
    /// What it holds.
    pub about: &'static str,
    /// (column, type), in file order; empty when the store lacks the table.
    pub columns: Vec<(String, String)>,
}

/// The tables of `store` with their columns.
pub fn describe(store: &Store) -> Result<Vec<TableInfo>> {
    let mut out = Vec::new();
    for (name, about) in TABLES {
        let columns = match store.table_path(name).filter(|p| p.is_file()) {
            Some(path) => {
                let mut file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
                let schema = ParquetReader::new(&mut file)
                    .schema()
                    .map_err(|e| Error::Store { path: path.clone(), message: e.to_string() })?;
                schema
                    .iter()
                    .map(|(n, field)| (n.to_string(), type_name(&DataType::from_arrow_field(field))))
                    .collect()
            }
            None => Vec::new(),
        };
        out.push(TableInfo { name, about, columns });
    }
    Ok(out)
}

/// A type as people read it: `string`, `int64`, `list<string>`, `timestamp[µs, UTC]`.
fn type_name(dtype: &DataType) -> String {
    match dtype {
        DataType::String => "string".into(),
        DataType::Boolean => "bool".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::Float64 => "float64".into(),
        DataType::Datetime(_, zone) => {
            format!("timestamp[µs{}]", zone.as_ref().map_or(String::new(), |z| format!(", {z}")))
        }
        DataType::List(inner) => format!("list<{}>", type_name(inner)),
        other => other.to_string().to_lowercase(),
    }
}

/// A SQL context with every table of the store's current snapshot registered.
pub fn context(store: &Store) -> Result<SQLContext> {
    if store.current().is_none() {
        return Err(Error::Usage(format!(
            "the store {} is empty; run `faultline analyze` first",
            store.root().display()
        )));
    }
    context_of(&crate::engine::Tables::from_store(store)?)
}

/// A SQL context with the tables of `tables` registered (a store's, or a lake's: every file of
/// a table scanned as one).
pub fn context_of(tables: &crate::engine::Tables) -> Result<SQLContext> {
    let ctx = SQLContext::new();
    for (name, _) in TABLES {
        let files = tables.files(name);
        if files.is_empty() {
            continue;
        }
        let paths: Vec<PlRefPath> =
            files.iter().map(|f| PlRefPath::new(f.to_string_lossy().into_owned())).collect();
        let scan = LazyFrame::scan_parquet_files(paths.into_iter().collect(), ScanArgsParquet::default())
            .map_err(|e| Error::Store { path: files[0].clone(), message: e.to_string() })?;
        ctx.register(name, scan);
    }
    Ok(ctx)
}

/// Run `sql` (parameters already bound) over the store.
pub fn run(store: &Store, sql: &str) -> Result<DataFrame> {
    run_on(&mut context(store)?, sql)
}

/// Run `sql` (parameters already bound) in `ctx`.
pub fn run_on(ctx: &mut SQLContext, sql: &str) -> Result<DataFrame> {
    let plan = ctx.execute(sql).map_err(|e| bad_query(sql, &e))?;
    plan.collect().map_err(|e| bad_query(sql, &e))
}

/// A query polars refused, as a usage error naming the problem (and the line of the query it
/// points at, when polars says).
fn bad_query(sql: &str, error: &PolarsError) -> Error {
    let message = error.to_string();
    let message = message.trim().replace('\n', " ");
    let lines = sql.lines().count();
    Error::Usage(format!("query ({lines} line(s)): {message}"))
}

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Text, bound as a quoted string.
    Text,
    /// A whole number.
    Int,
    /// A number.
    Float,
    /// A date (`2026-07-01`) or RFC 3339 time, bound as epoch seconds (the tables' `*_epoch`
    /// columns), so the SQL runs the same on every engine.
    Date,
    /// `true` or `false`.
    Bool,
}

impl ParamType {
    fn parse(name: &str) -> Option<ParamType> {
        match name {
            "text" => Some(ParamType::Text),
            "int" => Some(ParamType::Int),
            "float" => Some(ParamType::Float),
            "date" => Some(ParamType::Date),
            "bool" => Some(ParamType::Bool),
            _ => None,
        }
    }

    /// The name used in query headers.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Text => "text",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Date => "date",
            ParamType::Bool => "bool",
        }
    }
}

/// A declared parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name, without the colon.
    pub name: String,
    /// Its type.
    pub kind: ParamType,
    /// What it means.
    pub about: String,
    /// Its value when none is given.
    pub default: Option<String>,
}

/// A saved query: `queries/NAME.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedQuery {
    /// File stem.
    pub name: String,
    /// The question it answers (the header's first line).
    pub question: String,
    /// Its parameters.
    pub params: Vec<Param>,
    /// The whole file.
    pub sql: String,
}

/// Read a saved query's header:
///
/// ```sql
/// -- Which AI commits reached production on a service, by realized blast radius?
/// -- Parameters:
/// --   :service text              the catalog service
/// --   :since date = 1970-01-01   first day, UTC
/// ```
///
/// (`-- Parameters: none.` when it takes none).
pub fn parse_saved(name: &str, file: &Path, sql: &str) -> Result<SavedQuery> {
    let bad =
        |line: usize, message: String| Error::Parse { path: file.to_path_buf(), line, column: 1, message };
    let mut lines = sql.lines().enumerate();
    let question = match lines.next() {
        Some((_, l)) if l.starts_with("-- ") && l.len() > 3 => l[3..].trim().to_string(),
        _ => {
            return Err(bad(
                1,
                "expected the question the query answers as a `-- ` comment on the first line".into(),
            ))
        }
    };
    let mut params = Vec::new();
    match lines.next() {
        Some((_, l)) if l.trim() == "-- Parameters: none." => {}
        Some((_, l)) if l.trim() == "-- Parameters:" => {
            for (i, line) in lines {
                let Some(rest) = line.strip_prefix("--").map(str::trim) else { break };
                if !rest.starts_with(':') {
                    break;
                }
                let mut words = rest.splitn(3, char::is_whitespace);
                let name = words.next().unwrap_or("").trim_start_matches(':').to_string();
                let kind_word = words.next().unwrap_or("");
                let mut about = words.next().unwrap_or("").trim().to_string();
                let kind = ParamType::parse(kind_word).ok_or_else(|| {
                    bad(i + 1, format!("parameter :{name}: type {kind_word:?} is not one of text, int, float, date, bool"))
                })?;
                let mut default = None;
                if let Some(value) = about.strip_prefix("= ") {
                    let (value, rest) = value.split_once(char::is_whitespace).unwrap_or((value, ""));
                    default = Some(value.to_string());
                    about = rest.trim().to_string();
                }
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad(
                        i + 1,
                        format!("parameter name {name:?}: expected letters, digits and `_`"),
                    ));
                }
                params.push(Param { name, kind, about, default });
            }
        }
        _ => {
            return Err(bad(
                2,
                "expected `-- Parameters: none.` or `-- Parameters:` on the second line".into(),
            ))
        }
    }
    Ok(SavedQuery { name: name.to_string(), question, params, sql: sql.to_string() })
}

/// The saved queries faultline ships with.
const BUNDLED: &[(&str, &str)] = &[
    ("ai-commits-by-blast-radius", include_str!("../queries/ai-commits-by-blast-radius.sql")),
    ("ai-commits-by-tool", include_str!("../queries/ai-commits-by-tool.sql")),
    ("ai-commits-to-service", include_str!("../queries/ai-commits-to-service.sql")),
    ("ai-tools-over-time", include_str!("../queries/ai-tools-over-time.sql")),
    ("change-failure-rate-by-model", include_str!("../queries/change-failure-rate-by-model.sql")),
    ("change-failure-rate-by-tool", include_str!("../queries/change-failure-rate-by-tool.sql")),
    ("deploys-behind-incidents", include_str!("../queries/deploys-behind-incidents.sql")),
    ("deploys-by-ai-line-share", include_str!("../queries/deploys-by-ai-line-share.sql")),
    ("incidents-caused-by-ai", include_str!("../queries/incidents-caused-by-ai.sql")),
    ("repeat-offenders", include_str!("../queries/repeat-offenders.sql")),
    ("services-by-ai-churn", include_str!("../queries/services-by-ai-churn.sql")),
    ("suspects-of-incident", include_str!("../queries/suspects-of-incident.sql")),
    ("time-to-restore-by-provenance", include_str!("../queries/time-to-restore-by-provenance.sql")),
    ("unknown-origin-in-critical-paths", include_str!("../queries/unknown-origin-in-critical-paths.sql")),
    ("unreviewed-ai-commits-tier1", include_str!("../queries/unreviewed-ai-commits-tier1.sql")),
];

/// Every saved query: the bundled ones, then those in `dir` (a file there replaces a bundled
/// query of the same name), by name.
pub fn saved(dir: Option<&Path>) -> Result<Vec<SavedQuery>> {
    let mut out: BTreeMap<String, SavedQuery> = BTreeMap::new();
    for (name, sql) in BUNDLED {
        let path = Path::new("queries").join(format!("{name}.sql"));
        out.insert(name.to_string(), parse_saved(name, &path, sql)?);
    }
    if let Some(dir) = dir.filter(|d| d.is_dir()) {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        for path in files {
            let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let sql = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            out.insert(name.clone(), parse_saved(&name, &path, &sql)?);
        }
    }
    Ok(out.into_values().collect())
}

/// Bind `values` into `sql`. With `declared` (a saved query), each value is checked against
/// its parameter's type and every parameter needs a value or a default; without (inline SQL),
/// a value that reads as a number is a number and anything else is text.
pub fn bind(sql: &str, values: &BTreeMap<String, String>, declared: Option<&[Param]>) -> Result<String> {
    let mut used = std::collections::BTreeSet::new();
    let mut out = String::with_capacity(sql.len());
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        // Skip string literals, quoted identifiers and comments whole.
        let skip_to = match c {
            b'\'' | b'"' | b'`' => {
                let mut j = i + 1;
                while j < bytes.len() {
                    if bytes[j] == c {
                        if j + 1 < bytes.len() && bytes[j + 1] == c {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j += 1;
                }
                Some((j + 1).min(bytes.len()))
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                Some(sql[i..].find('\n').map_or(bytes.len(), |n| i + n))
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                Some(sql[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2))
            }
            _ => None,
        };
        if let Some(end) = skip_to {
            out.push_str(&sql[i..end]);
            i = end;
            continue;
        }
        let starts_name = |k: usize| bytes.get(k).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        if c == b':'
            && starts_name(i + 1)
            && (i == 0 || bytes[i - 1] != b':')
            && bytes.get(i + 1) != Some(&b':')
        {
            let mut j = i + 1;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            let name = &sql[i + 1..j];
            let spec = declared.and_then(|d| d.iter().find(|p| p.name == name));
            if declared.is_some() && spec.is_none() {
                return Err(Error::Usage(format!(
                    "the query uses :{name}, which its header does not declare"
                )));
            }
            let value = values.get(name).or(spec.and_then(|p| p.default.as_ref())).ok_or_else(|| {
                Error::Usage(format!("the query needs a value for :{name}; pass --param {name}=VALUE"))
            })?;
            out.push_str(&literal(name, value, spec.map(|p| p.kind))?);
            used.insert(name.to_string());
            i = j;
            continue;
        }
        let ch = sql[i..].chars().next().expect("inside the string");
        out.push(ch);
        i += ch.len_utf8();
    }
    if let Some(unused) = values.keys().find(|k| !used.contains(*k)) {
        return Err(Error::Usage(format!("--param {unused}: the query has no :{unused}")));
    }
    Ok(out)
}

/// A value as a SQL literal of its type.
fn literal(name: &str, value: &str, kind: Option<ParamType>) -> Result<String> {
    let bad = |what: &str| Error::Usage(format!("--param {name}={value:?}: expected {what}"));
    let number = |v: &str| v.parse::<f64>().ok().filter(|f| f.is_finite()).map(|_| v.to_string());
    match kind {
        Some(ParamType::Int) => {
            value.trim().parse::<i64>().map(|n| n.to_string()).map_err(|_| bad("a whole number"))
        }
        Some(ParamType::Float) => number(value.trim()).ok_or_else(|| bad("a number")),
        Some(ParamType::Bool) => match value.trim().to_lowercase().as_str() {
            "true" => Ok("TRUE".into()),
            "false" => Ok("FALSE".into()),
            _ => Err(bad("true or false")),
        },
        Some(ParamType::Date) => {
            let text = value.trim();
            let full = if text.len() == 10 { format!("{text}T00:00:00Z") } else { text.to_string() };
            chrono::DateTime::parse_from_rfc3339(&full)
                .map(|t| t.timestamp().to_string())
                .map_err(|_| bad("a date such as 2026-07-01 or an RFC 3339 time"))
        }
        Some(ParamType::Text) => Ok(quote(value)),
        None => Ok(if value.trim().parse::<i64>().is_ok() { value.trim().to_string() } else { quote(value) }),
    }
}

/// A string literal: single quotes doubled; characters that are not text refused by escaping
/// them out (a NUL cannot reach the parser).
fn quote(value: &str) -> String {
    let clean: String = value.chars().filter(|c| *c != '\0').collect();
    format!("'{}'", clean.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parameters_bind_as_values_never_as_sql() {
        let sql = "SELECT * FROM t WHERE a = :x AND b = ':x' AND c::int = 1 -- :x\n AND \"col:x\" = :y";
        let bound = bind(sql, &values(&[("x", "it's'; DROP TABLE t; --"), ("y", "12")]), None).unwrap();
        assert_eq!(
            bound,
            "SELECT * FROM t WHERE a = 'it''s''; DROP TABLE t; --' AND b = ':x' AND c::int = 1 -- :x\n AND \"col:x\" = 12"
        );
        let missing = bind("SELECT :a", &values(&[]), None).unwrap_err().to_string();
        assert_eq!(missing, "the query needs a value for :a; pass --param a=VALUE");
        let extra = bind("SELECT 1", &values(&[("z", "1")]), None).unwrap_err().to_string();
        assert_eq!(extra, "--param z: the query has no :z");
    }

    #[test]
    fn declared_types_are_checked() {
        let params = [
            Param {
                name: "n".into(),
                kind: ParamType::Int,
                about: String::new(),
                default: Some("10".into()),
            },
            Param { name: "since".into(), kind: ParamType::Date, about: String::new(), default: None },
        ];
        let sql = "SELECT :n, :since";
        assert_eq!(
            bind(sql, &values(&[("since", "2026-07-01")]), Some(&params)).unwrap(),
            "SELECT 10, 1782864000"
        );
        let err =
            bind(sql, &values(&[("n", "1 OR 1=1"), ("since", "2026-07-01")]), Some(&params)).unwrap_err();
        assert_eq!(err.to_string(), "--param n=\"1 OR 1=1\": expected a whole number");
        let err = bind("SELECT :other", &values(&[]), Some(&params)).unwrap_err();
        assert_eq!(err.to_string(), "the query uses :other, which its header does not declare");
    }

    #[test]
    fn saved_query_headers_parse() {
        let text = "-- Which?\n-- Parameters:\n--   :service text   the catalog service\n--   :top int = 10   how many\nSELECT 1";
        let q = parse_saved("q", Path::new("queries/q.sql"), text).unwrap();
        assert_eq!(q.question, "Which?");
        assert_eq!(
            q.params[0],
            Param {
                name: "service".into(),
                kind: ParamType::Text,
                about: "the catalog service".into(),
                default: None
            }
        );
        assert_eq!(
            q.params[1],
            Param {
                name: "top".into(),
                kind: ParamType::Int,
                about: "how many".into(),
                default: Some("10".into())
            }
        );
        let err = parse_saved("q", Path::new("queries/q.sql"), "SELECT 1").unwrap_err().to_string();
        assert_eq!(
            err,
            "queries/q.sql:1:1: expected the question the query answers as a `-- ` comment on the first line"
        );
        for (name, sql) in BUNDLED {
            parse_saved(name, Path::new(name), sql).unwrap();
        }
    }
}
