//! Agent Trace records (agent-trace.dev, v0.1): JSON Lines in `.agent-trace/traces.jsonl` at the
//! root of a repository, one record per change an agent made, naming the revision, the tool, and
//! per file the conversations and line ranges each contributor wrote.
//!
//! ```json
//! {"version": "0.1.0", "id": "…", "timestamp": "2026-01-23T14:30:00Z",
//!  "vcs": {"type": "git", "revision": "a1b2c3d…"}, "tool": {"name": "cursor", "version": "2.4"},
//!  "files": [{"path": "src/app.ts", "conversations": [{"url": "https://…",
//!    "contributor": {"type": "ai", "model_id": "anthropic/claude-opus-4-5"},
//!    "ranges": [{"start_line": 42, "end_line": 67, "content_hash": "murmur3:9f2e8a1b"}]}]}]}
//! ```
//!
//! Like a git-ai note, a record is line-exact for its revision, so faultline counts AI lines from
//! it. Unknown fields are ignored and optional ones may be missing, because writers add vendor
//! fields freely; what is present must have the documented shape, and a record that does not is
//! an error naming its line, so a broken file is reported rather than half read.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use crate::ingest::gitai::{count_lines, merge_ranges};

/// One Agent Trace record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRecord {
    /// 1-based line of the JSON Lines file the record came from.
    pub line: usize,
    /// Spec version the writer claims (`0.1.0`).
    pub version: Option<String>,
    /// The record's own id (a UUID).
    pub id: Option<String>,
    /// When the trace was recorded, with the writer's offset.
    pub timestamp: Option<DateTime<FixedOffset>>,
    /// The version-control revision the line numbers refer to.
    pub vcs: Option<Vcs>,
    /// The tool that made the change.
    pub tool: Option<TraceTool>,
    /// Files with attributed ranges.
    pub files: Vec<TraceFile>,
}

/// Where the traced lines live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vcs {
    /// `git`, `jj`, `hg` or `svn`, as written.
    pub kind: String,
    /// The revision (for git: the commit id).
    pub revision: String,
}

/// The tool that wrote a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceTool {
    /// Name as written (`cursor`, `amp-cli`, …).
    pub name: Option<String>,
    /// Version as written.
    pub version: Option<String>,
}

/// One file of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceFile {
    /// Path relative to the repository root.
    pub path: String,
    /// Conversations that contributed to it.
    pub conversations: Vec<Conversation>,
}

/// One conversation's contribution to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Link to the conversation, as written.
    pub url: Option<String>,
    /// Who wrote the ranges, unless a range says otherwise.
    pub contributor: Contributor,
    /// The lines.
    pub ranges: Vec<TraceRange>,
}

/// Who wrote some lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contributor {
    /// The kind of author.
    pub kind: ContributorKind,
    /// Model id as written (`anthropic/claude-opus-4-5`).
    pub model_id: Option<String>,
}

/// The contributor types of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ContributorKind {
    /// An AI model wrote the lines.
    Ai,
    /// A person wrote them.
    Human,
    /// Both edited them; not counted as AI lines, but evidence that AI was involved.
    Mixed,
    /// The writer does not know (also any type the spec does not define).
    Unknown,
}

/// One inclusive range of lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceRange {
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, inclusive; never before `start_line`.
    pub end_line: u32,
    /// Hash of the range's content, as written.
    pub content_hash: Option<String>,
    /// Overrides the conversation's contributor for this range.
    pub contributor: Option<Contributor>,
}

/// Why a traces file could not be read: the line, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TraceError {
    /// 1-based line of the JSON Lines file.
    pub line: usize,
    /// What was found and what was expected, on one line.
    pub message: String,
}

impl TraceRecord {
    /// The git commit the record's line numbers refer to; `None` for other version-control
    /// systems, whose revisions are not git commit ids.
    pub fn revision(&self) -> Option<&str> {
        self.vcs
            .as_ref()
            .filter(|v| v.kind.eq_ignore_ascii_case("git"))
            .map(|v| v.revision.as_str())
            .filter(|r| !r.is_empty())
    }

    /// The tool's name as written.
    pub fn tool_name(&self) -> Option<&str> {
        self.tool.as_ref().and_then(|t| t.name.as_deref()).filter(|n| !n.trim().is_empty())
    }

    /// Model ids of every contributor, sorted and unique.
    pub fn models(&self) -> Vec<String> {
        let mut models = BTreeSet::new();
        for conversation in self.conversations() {
            models.extend(conversation.contributor.model_id.clone());
            for range in &conversation.ranges {
                models.extend(range.contributor.as_ref().and_then(|c| c.model_id.clone()));
            }
        }
        models.into_iter().filter(|m| !m.trim().is_empty()).collect()
    }

    /// Conversation urls, sorted and unique.
    pub fn conversation_urls(&self) -> Vec<String> {
        let urls: BTreeSet<String> =
            self.conversations().filter_map(|c| c.url.clone()).filter(|u| !u.trim().is_empty()).collect();
        urls.into_iter().collect()
    }

    /// Whether any range was written by AI alone or together with a person.
    pub fn has_ai(&self) -> bool {
        self.kinds().any(|k| matches!(k, ContributorKind::Ai | ContributorKind::Mixed))
    }

    /// Distinct `(path, line)` pairs whose contributor is `ai`.
    pub fn ai_lines(&self) -> i64 {
        total(&self.ranges_of(ContributorKind::Ai))
    }

    /// Distinct `(path, line)` pairs whose contributor is `mixed`.
    pub fn mixed_lines(&self) -> i64 {
        total(&self.ranges_of(ContributorKind::Mixed))
    }

    /// Distinct `(path, line)` pairs whose contributor is `human`.
    pub fn human_lines(&self) -> i64 {
        total(&self.ranges_of(ContributorKind::Human))
    }

    /// Lines whose contributor is `ai`, per path, merged into sorted, disjoint ranges.
    pub fn ai_ranges(&self) -> BTreeMap<String, Vec<(u32, u32)>> {
        self.ranges_of(ContributorKind::Ai)
    }

    fn conversations(&self) -> impl Iterator<Item = &Conversation> {
        self.files.iter().flat_map(|f| &f.conversations)
    }

    fn kinds(&self) -> impl Iterator<Item = ContributorKind> + '_ {
        self.conversations().flat_map(|c| {
            std::iter::once(c.contributor.kind)
                .chain(c.ranges.iter().filter_map(|r| r.contributor.as_ref().map(|k| k.kind)))
        })
    }

    fn ranges_of(&self, kind: ContributorKind) -> BTreeMap<String, Vec<(u32, u32)>> {
        let mut by_path: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
        for file in &self.files {
            for conversation in &file.conversations {
                for range in &conversation.ranges {
                    let who = range.contributor.as_ref().unwrap_or(&conversation.contributor);
                    if who.kind == kind {
                        by_path
                            .entry(file.path.clone())
                            .or_default()
                            .push((range.start_line, range.end_line));
                    }
                }
            }
        }
        by_path.into_iter().map(|(path, ranges)| (path, merge_ranges(ranges))).collect()
    }
}

fn total(ranges: &BTreeMap<String, Vec<(u32, u32)>>) -> i64 {
    ranges.values().map(|r| count_lines(r)).sum()
}

/// Parse a JSON Lines file of Agent Trace records; blank lines are skipped.
pub fn parse_traces(text: &str) -> Result<Vec<TraceRecord>, TraceError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        if line.trim_start().starts_with('[') {
            // serde would read a struct from an array by position; a record is an object.
            return Err(TraceError {
                line: number,
                message: "expected an Agent Trace record (one JSON object per line), found an array".into(),
            });
        }
        let raw: RawRecord =
            serde_json::from_str(line).map_err(|e| TraceError { line: number, message: json_message(&e) })?;
        records.push(raw.into_record(number).map_err(|message| TraceError { line: number, message })?);
    }
    Ok(records)
}

/// serde_json's message without its position (a record is one line; the column is noise) and
/// with control characters blanked, so it stays on one line.
fn json_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    let message: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    format!("expected an Agent Trace record (one JSON object per line): {message}")
}

#[derive(Deserialize)]
#[serde(expecting = "an Agent Trace record object")]
struct RawRecord {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    vcs: Option<RawVcs>,
    #[serde(default)]
    tool: Option<RawTool>,
    #[serde(default)]
    files: Option<Vec<RawFile>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a vcs object with type and revision")]
struct RawVcs {
    #[serde(rename = "type")]
    kind: String,
    revision: String,
}

#[derive(Deserialize)]
#[serde(expecting = "a tool object with name and version")]
struct RawTool {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a file object with path and conversations")]
struct RawFile {
    path: String,
    #[serde(default)]
    conversations: Option<Vec<RawConversation>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a conversation object with contributor and ranges")]
struct RawConversation {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    contributor: Option<RawContributor>,
    #[serde(default)]
    ranges: Option<Vec<RawRange>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a contributor object with type and model_id")]
struct RawContributor {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    model_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a range object with start_line and end_line")]
struct RawRange {
    start_line: u32,
    end_line: u32,
    #[serde(default)]
    content_hash: Option<String>,
    #[serde(default)]
    contributor: Option<RawContributor>,
}

impl RawContributor {
    fn into_contributor(self) -> Contributor {
        let kind = match self.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("ai") => ContributorKind::Ai,
            Some("human") => ContributorKind::Human,
            Some("mixed") => ContributorKind::Mixed,
            _ => ContributorKind::Unknown,
        };
        Contributor { kind, model_id: self.model_id.filter(|m| !m.trim().is_empty()) }
    }
}

impl RawRecord {
    fn into_record(self, line: usize) -> Result<TraceRecord, String> {
        let timestamp = match self.timestamp {
            Some(t) => Some(DateTime::parse_from_rfc3339(&t).map_err(|_| {
                format!(
                    "expected an RFC 3339 timestamp such as 2026-01-23T14:30:00Z, found {:?}",
                    shorten(&t)
                )
            })?),
            None => None,
        };
        let mut files = Vec::new();
        for file in self.files.into_iter().flatten() {
            let mut conversations = Vec::new();
            for conversation in file.conversations.into_iter().flatten() {
                let mut ranges = Vec::new();
                for range in conversation.ranges.into_iter().flatten() {
                    if range.start_line == 0 {
                        return Err(format!(
                            "file {:?}: line numbers start at 1, found start_line 0",
                            shorten(&file.path)
                        ));
                    }
                    if range.start_line > range.end_line {
                        return Err(format!(
                            "file {:?}: range {}-{} runs backwards; expected start_line <= end_line",
                            shorten(&file.path),
                            range.start_line,
                            range.end_line
                        ));
                    }
                    ranges.push(TraceRange {
                        start_line: range.start_line,
                        end_line: range.end_line,
                        content_hash: range.content_hash,
                        contributor: range.contributor.map(RawContributor::into_contributor),
                    });
                }
                conversations.push(Conversation {
                    url: conversation.url,
                    contributor: conversation
                        .contributor
                        .map(RawContributor::into_contributor)
                        .unwrap_or(Contributor { kind: ContributorKind::Unknown, model_id: None }),
                    ranges,
                });
            }
            files.push(TraceFile { path: file.path, conversations });
        }
        Ok(TraceRecord {
            line,
            version: self.version,
            id: self.id,
            timestamp,
            vcs: self.vcs.map(|v| Vcs { kind: v.kind, revision: v.revision }),
            tool: self.tool.map(|t| TraceTool { name: t.name, version: t.version }),
            files,
        })
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0";

    fn record(files: &str) -> String {
        format!(
            r#"{{"version":"0.1.0","id":"550e8400-e29b-41d4-a716-446655440000","timestamp":"2026-01-23T14:30:00+01:00","vcs":{{"type":"git","revision":"{SHA}"}},"tool":{{"name":"cursor","version":"2.4.0"}},"files":{files},"metadata":{{"dev.cursor":{{"x":1}}}}}}"#
        )
    }

    const SPEC_FILES: &str = r#"[{"path":"src/utils/parser.ts","conversations":[{"url":"https://api.cursor.com/v1/conversations/12345","contributor":{"type":"ai","model_id":"anthropic/claude-opus-4-5-20251101"},"ranges":[{"start_line":42,"end_line":67,"content_hash":"murmur3:9f2e8a1b"},{"start_line":60,"end_line":70}],"related":[{"type":"session","url":"https://x"}]},{"url":"https://api.cursor.com/v1/conversations/67890","contributor":{"type":"ai","model_id":"openai/gpt-4o"},"ranges":[{"start_line":100,"end_line":125,"content_hash":"murmur3:abcd1234"}]}]},{"path":"src/utils/helpers.ts","conversations":[{"url":"https://api.cursor.com/v1/conversations/12345","contributor":{"type":"human"},"ranges":[{"start_line":1,"end_line":25}]},{"contributor":{"type":"mixed"},"ranges":[{"start_line":30,"end_line":31}]}]}]"#;

    #[test]
    fn spec_example_is_read() {
        let records = parse_traces(&record(SPEC_FILES)).unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!(r.line, 1);
        assert_eq!(r.revision(), Some(SHA));
        assert_eq!(r.tool_name(), Some("cursor"));
        assert_eq!(r.version.as_deref(), Some("0.1.0"));
        assert_eq!(r.timestamp.unwrap().to_rfc3339(), "2026-01-23T14:30:00+01:00");
        assert_eq!(r.models(), vec!["anthropic/claude-opus-4-5-20251101", "openai/gpt-4o"]);
        assert_eq!(
            r.conversation_urls(),
            vec![
                "https://api.cursor.com/v1/conversations/12345",
                "https://api.cursor.com/v1/conversations/67890"
            ]
        );
        // 42-70 (overlap merged) is 29 lines, 100-125 is 26.
        assert_eq!(r.ai_lines(), 55);
        assert_eq!(r.human_lines(), 25);
        assert_eq!(r.mixed_lines(), 2);
        assert!(r.has_ai());
        assert_eq!(r.ai_ranges()["src/utils/parser.ts"], vec![(42, 70), (100, 125)]);
        assert_eq!(r.files[0].conversations[0].ranges[0].content_hash.as_deref(), Some("murmur3:9f2e8a1b"));
    }

    #[test]
    fn blank_lines_are_skipped_and_lines_are_counted() {
        let text = format!("\n{}\n\n  \n{}\n", record("[]"), record("[]"));
        let records = parse_traces(&text).unwrap();
        assert_eq!(records.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 5]);
        assert!(parse_traces("").unwrap().is_empty());
    }

    #[test]
    fn minimal_record_is_fine() {
        let records = parse_traces("{}").unwrap();
        assert_eq!(records[0].revision(), None);
        assert_eq!(records[0].tool_name(), None);
        assert!(!records[0].has_ai());
        assert_eq!(records[0].ai_lines(), 0);
        let only_mixed =
            parse_traces(r#"{"files":[{"path":"a","conversations":[{"contributor":{"type":"mixed"}}]}]}"#)
                .unwrap();
        assert!(only_mixed[0].has_ai());
        assert_eq!(only_mixed[0].ai_lines(), 0);
    }

    #[test]
    fn range_contributor_overrides_the_conversation() {
        let files = r#"[{"path":"a.rs","conversations":[{"contributor":{"type":"ai","model_id":"m1"},"ranges":[{"start_line":1,"end_line":10},{"start_line":11,"end_line":12,"contributor":{"type":"human"}},{"start_line":20,"end_line":20,"contributor":{"type":"ai","model_id":"m2"}}]}]}]"#;
        let r = &parse_traces(&record(files)).unwrap()[0];
        assert_eq!(r.ai_lines(), 11);
        assert_eq!(r.human_lines(), 2);
        assert_eq!(r.models(), vec!["m1", "m2"]);
    }

    #[test]
    fn unknown_contributor_types_are_unknown() {
        let files = r#"[{"path":"a","conversations":[{"contributor":{"type":"bot"},"ranges":[{"start_line":1,"end_line":2}]},{"contributor":{"type":"AI"},"ranges":[{"start_line":5,"end_line":5}]}]}]"#;
        let r = &parse_traces(&record(files)).unwrap()[0];
        assert_eq!(r.files[0].conversations[0].contributor.kind, ContributorKind::Unknown);
        assert_eq!(r.ai_lines(), 1);
    }

    #[test]
    fn other_version_control_has_no_git_revision() {
        let r = &parse_traces(r#"{"vcs":{"type":"jj","revision":"kxyz"}}"#).unwrap()[0];
        assert_eq!(r.revision(), None);
        assert_eq!(r.vcs.as_ref().unwrap().revision, "kxyz");
    }

    #[test]
    fn errors_name_the_line_and_the_expectation() {
        let cases = [
            ("{}\nnot json", 2, "expected an Agent Trace record (one JSON object per line): expected ident"),
            ("[1]", 1, "expected an Agent Trace record (one JSON object per line), found an array"),
            ("\"x\"", 1, "expected an Agent Trace record (one JSON object per line): invalid type: string \"x\", expected an Agent Trace record object"),
            (r#"{"vcs":{"type":"git"}}"#, 1, "expected an Agent Trace record (one JSON object per line): missing field `revision`"),
            (r#"{"files":[{"path":"a","conversations":[{"ranges":[{"start_line":9,"end_line":3}]}]}]}"#, 1, "file \"a\": range 9-3 runs backwards; expected start_line <= end_line"),
            (r#"{"files":[{"path":"a","conversations":[{"ranges":[{"start_line":0,"end_line":3}]}]}]}"#, 1, "file \"a\": line numbers start at 1, found start_line 0"),
            (r#"{"files":[{"path":"a","conversations":[{"ranges":[{"start_line":1,"end_line":99999999999}]}]}]}"#, 1, "expected an Agent Trace record (one JSON object per line): invalid value: integer `99999999999`, expected u32"),
            (r#"{"files":[{"path":"a","conversations":[{"ranges":[{"start_line":-1,"end_line":3}]}]}]}"#, 1, "expected an Agent Trace record (one JSON object per line): invalid value: integer `-1`, expected u32"),
            (r#"{"timestamp":"yesterday"}"#, 1, "expected an RFC 3339 timestamp such as 2026-01-23T14:30:00Z, found \"yesterday\""),
        ];
        for (text, line, message) in cases {
            let e = parse_traces(text).expect_err(text);
            assert_eq!((e.line, e.message.as_str()), (line, message), "{text}");
            assert_eq!(e.to_string(), format!("line {line}: {message}"));
        }
    }

    #[test]
    fn truncated_and_garbage_inputs_never_panic() {
        let full = record(SPEC_FILES);
        for cut in 0..full.len() {
            if full.is_char_boundary(cut) {
                let _ = parse_traces(&full[..cut]);
            }
        }
        for text in [
            "\0",
            "{",
            "}",
            "null",
            "\"x\"",
            "{\"files\":null}",
            "{\"files\":[null]}",
            "\u{feff}{}",
            "{}\r\n{}",
        ] {
            let _ = parse_traces(text);
        }
        assert_eq!(parse_traces("{\"files\":null}").unwrap()[0].files.len(), 0);
        assert_eq!(parse_traces("{}\r\n{}").unwrap().len(), 2);
        assert_eq!(parse_traces("\u{feff}{}").unwrap().len(), 1);
        let e = parse_traces("{\"id\": \"a\nb\"}").unwrap_err();
        assert_eq!(e.to_string().lines().count(), 1);
    }
}
