//! git-ai authorship notes: the text of `git notes --ref=ai show <sha>`, which says line by line
//! which AI session wrote which lines of a commit.
//!
//! A note (schema `authorship/3.0.0`) is an attestation section, a line `---`, then JSON:
//!
//! ```text
//! src/main.rs
//!   4a60f5ac951ddc7b 36,246,251
//!   s_59875d04e5ebbf::t_bb0a26e167b0bf 340-347
//!   human 12
//! "docs/my file.md"
//!   e61c0a4 1-3
//! ---
//! {"schema_version": "authorship/3.0.0", "prompts": {"4a60f5ac951ddc7b": {"agent_id": {...}}},
//!  "sessions": {"s_59875d04e5ebbf": {"agent_id": {"tool": "claude", "id": "…", "model": "…"}}}}
//! ```
//!
//! A key is a prompt id (16 hex digits, 7 in older notes) looked up in `prompts`, a
//! `s_…::t_…` session/trace id looked up in `sessions` by its session part, or `human` / `h_…`
//! for lines a person wrote. The attestation may be empty (the note starts with `---`). The
//! older `refs/ai/authorship` blobs are one JSON object (`authorship/0.0.1`) naming authors per
//! file; [`parse_note`] reads both.
//!
//! Line numbers are exact for the commit the note is attached to, which is why faultline prefers
//! a note over every heuristic when it counts AI lines. Notes come from other people's
//! machines, so parsing never panics: any input yields a note or a [`NoteError`] with a line.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One parsed authorship note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorshipNote {
    /// `schema_version` as written (`authorship/3.0.0`, `authorship/0.0.1`); empty when absent.
    pub schema: String,
    /// Files with attributed lines, in note order.
    pub files: Vec<NoteFile>,
    /// Agents by prompt id (`prompts`) or session id (`sessions`, e.g. `s_59875d04e5ebbf`);
    /// for a legacy note, by author name.
    pub agents: BTreeMap<String, Agent>,
}

/// One file of the attestation section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteFile {
    /// Path in the commit's tree, unquoted.
    pub path: String,
    /// Attributions in note order.
    pub attributions: Vec<LineAttribution>,
}

/// Lines of one file attributed to one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineAttribution {
    /// The key as written: a prompt id, `s_…::t_…`, `h_…`, `human`, or a legacy author name.
    pub key: String,
    /// Whether the key names a person rather than an AI session.
    pub human: bool,
    /// Inclusive, 1-based line ranges as written (a single line is `(n, n)`); `start <= end`.
    pub ranges: Vec<(u32, u32)>,
}

/// The AI agent behind a prompt or session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agent {
    /// Tool name as git-ai records it (`claude`, `cursor`, `amp`, …), not normalized.
    pub tool: Option<String>,
    /// Model as recorded (`claude-opus-4-5-20251101`).
    pub model: Option<String>,
    /// The tool's conversation, session or thread id.
    pub id: Option<String>,
}

/// Why a note could not be read: where, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct NoteError {
    /// 1-based line of the note.
    pub line: usize,
    /// What was found and what was expected, on one line.
    pub message: String,
}

impl NoteError {
    fn new(line: usize, message: impl Into<String>) -> NoteError {
        NoteError { line, message: message.into() }
    }
}

impl AuthorshipNote {
    /// Whether the note says nothing: no attributed lines and no agents. git-ai writes such
    /// notes for commits it watched but found nothing in; they are not AI evidence.
    pub fn is_empty(&self) -> bool {
        self.files.iter().all(|f| f.attributions.is_empty()) && self.agents.is_empty()
    }

    /// The agent behind `key`: the prompt or session it names. A `s_X::t_Y` key resolves through
    /// its session `s_X`; a short hex key that is not itself a prompt id resolves to the one
    /// prompt id it is a prefix of, if there is exactly one. Human keys have no agent.
    pub fn agent_for(&self, key: &str) -> Option<&Agent> {
        self.resolve(key).map(|(_, agent)| agent)
    }

    /// [`AuthorshipNote::agent_for`], with the id the agent is listed under.
    fn resolve(&self, key: &str) -> Option<(&str, &Agent)> {
        if is_human_key(key) {
            return None;
        }
        if let Some((id, agent)) = self.agents.get_key_value(key) {
            return Some((id.as_str(), agent));
        }
        if let Some((session, _)) = key.split_once("::") {
            return self.agents.get_key_value(session).map(|(id, agent)| (id.as_str(), agent));
        }
        if key.len() >= 7 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut candidates = self
                .agents
                .range::<str, _>((std::ops::Bound::Included(key), std::ops::Bound::Unbounded))
                .take_while(|(id, _)| id.starts_with(key));
            if let (Some((id, agent)), None) = (candidates.next(), candidates.next()) {
                return Some((id, agent));
            }
        }
        None
    }

    /// Distinct `(path, line)` pairs attributed to AI keys: the commit's AI-written lines.
    pub fn ai_lines(&self) -> i64 {
        self.ai_ranges().values().map(|r| count_lines(r)).sum()
    }

    /// Distinct `(path, line)` pairs attributed to people.
    pub fn human_lines(&self) -> i64 {
        self.ranges_where(|a| a.human).values().map(|r| count_lines(r)).sum()
    }

    /// AI-attributed lines per path, merged into sorted, disjoint ranges, so they can be joined
    /// with other line-exact sources without counting a line twice.
    pub fn ai_ranges(&self) -> BTreeMap<String, Vec<(u32, u32)>> {
        self.ranges_where(|a| !a.human)
    }

    /// Distinct AI lines per tool as the note names it (`None`: a key with no agent).
    pub fn ai_lines_by_tool(&self) -> BTreeMap<Option<String>, i64> {
        let mut by_tool: BTreeMap<Option<String>, BTreeMap<&str, Vec<(u32, u32)>>> = BTreeMap::new();
        for file in &self.files {
            for attribution in file.attributions.iter().filter(|a| !a.human) {
                let tool = self.agent_for(&attribution.key).and_then(|a| a.tool.clone());
                by_tool
                    .entry(tool)
                    .or_default()
                    .entry(file.path.as_str())
                    .or_default()
                    .extend(&attribution.ranges);
            }
        }
        by_tool
            .into_iter()
            .map(|(tool, paths)| {
                let lines = paths.into_values().map(|r| count_lines(&merge_ranges(r))).sum();
                (tool, lines)
            })
            .collect()
    }

    /// The agents that wrote this commit's lines: those AI keys resolve to. When the note
    /// attributes no line to AI, every agent it lists (git-ai keeps the prompt records of
    /// squashed commits whose lines did not survive, so the keys are the better witness).
    pub fn contributing_agents(&self) -> Vec<&Agent> {
        let mut referenced: BTreeMap<&str, &Agent> = BTreeMap::new();
        let mut any_ai = false;
        for attribution in self.files.iter().flat_map(|f| &f.attributions).filter(|a| !a.human) {
            any_ai = true;
            if let Some((id, agent)) = self.resolve(&attribution.key) {
                referenced.insert(id, agent);
            }
        }
        if any_ai {
            referenced.into_values().collect()
        } else {
            self.agents.values().collect()
        }
    }

    /// Tool names of the contributing agents, as written, sorted and unique.
    pub fn tools(&self) -> Vec<String> {
        sorted_unique(self.contributing_agents().into_iter().filter_map(|a| a.tool.clone()))
    }

    /// Models of the contributing agents, as written, sorted and unique (`unknown` left out).
    pub fn models(&self) -> Vec<String> {
        sorted_unique(
            self.contributing_agents()
                .into_iter()
                .filter_map(|a| a.model.clone())
                .filter(|m| !m.eq_ignore_ascii_case("unknown")),
        )
    }

    /// Conversation or session ids of the contributing agents, sorted and unique.
    pub fn sessions(&self) -> Vec<String> {
        sorted_unique(self.contributing_agents().into_iter().filter_map(|a| a.id.clone()))
    }

    fn ranges_where(&self, keep: impl Fn(&LineAttribution) -> bool) -> BTreeMap<String, Vec<(u32, u32)>> {
        let mut by_path: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
        for file in &self.files {
            for attribution in file.attributions.iter().filter(|a| keep(a)) {
                by_path.entry(file.path.clone()).or_default().extend(&attribution.ranges);
            }
        }
        by_path
            .into_iter()
            .map(|(path, ranges)| (path, merge_ranges(ranges)))
            .filter(|(_, ranges)| !ranges.is_empty())
            .collect()
    }
}

/// Whether an attestation key names a person: `human` or `h_…`.
pub fn is_human_key(key: &str) -> bool {
    key == "human" || key.starts_with("h_")
}

/// Sort inclusive ranges and merge those that overlap or touch, so counting them counts each
/// line once; huge ranges are never expanded line by line.
pub(crate) fn merge_ranges(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if u64::from(start) <= u64::from(last.1) + 1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Lines covered by merged (disjoint) inclusive ranges.
pub(crate) fn count_lines(merged: &[(u32, u32)]) -> i64 {
    merged.iter().map(|&(start, end)| i64::from(end) - i64::from(start) + 1).sum()
}

fn sorted_unique(items: impl Iterator<Item = String>) -> Vec<String> {
    items.filter(|s| !s.trim().is_empty()).collect::<std::collections::BTreeSet<_>>().into_iter().collect()
}

/// Parse a note: the `authorship/3.0.0` text form, or the legacy `refs/ai/authorship` JSON.
pub fn parse_note(text: &str) -> Result<AuthorshipNote, NoteError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut offset = 0;
    let mut attestation = Vec::new();
    let mut divider = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        offset += raw.len() + 1;
        if line.trim_end() == "---" {
            divider = Some((index + 1, offset.min(text.len())));
            break;
        }
        attestation.push(line);
    }
    let Some((divider_line, json_start)) = divider else {
        if text.trim_start().starts_with('{') {
            return parse_legacy(text);
        }
        return Err(NoteError::new(
            text.split('\n').count(),
            "expected a line `---` between the attestation and the JSON metadata; the note ends without one",
        ));
    };
    let files = parse_attestation(&attestation)?;
    let json = &text[json_start..];
    if json.trim_start().starts_with('[') {
        // serde would read the metadata struct from an array by position; it is an object.
        let blank = json.len() - json.trim_start().len();
        let line = divider_line + 1 + json[..blank].matches('\n').count();
        return Err(NoteError::new(
            line,
            "expected JSON metadata after `---`: found an array, expected an object",
        ));
    }
    let metadata: RawMetadata = serde_json::from_str(json)
        .map_err(|e| json_error(&e, divider_line, "expected JSON metadata after `---`"))?;
    let mut agents = BTreeMap::new();
    for (id, record) in metadata.prompts.into_iter().flatten().chain(metadata.sessions.into_iter().flatten())
    {
        agents.entry(id).or_insert_with(|| record.agent());
    }
    Ok(AuthorshipNote { schema: metadata.schema_version.unwrap_or_default(), files, agents })
}

fn parse_attestation(lines: &[&str]) -> Result<Vec<NoteFile>, NoteError> {
    let mut files: Vec<NoteFile> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            let Some(file) = files.last_mut() else {
                return Err(NoteError::new(
                    number,
                    "expected a file path before the first indented `<key> <ranges>` line",
                ));
            };
            let entry = line.trim();
            let Some((key, ranges)) = entry.split_once(char::is_whitespace) else {
                return Err(NoteError::new(
                    number,
                    format!("expected `<key> <line ranges>`, found only {}", quote(entry)),
                ));
            };
            let ranges = ranges.trim();
            if ranges.contains(char::is_whitespace) {
                return Err(NoteError::new(
                    number,
                    format!(
                        "expected `<key> <line ranges>` with no spaces in the ranges, found {}",
                        quote(entry)
                    ),
                ));
            }
            file.attributions.push(LineAttribution {
                key: key.to_string(),
                human: is_human_key(key),
                ranges: parse_ranges(ranges).map_err(|m| NoteError::new(number, m))?,
            });
        } else {
            let path = line.trim_end();
            let path = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')).unwrap_or(path);
            files.push(NoteFile { path: path.to_string(), attributions: Vec::new() });
        }
    }
    files.retain(|f| !f.attributions.is_empty());
    Ok(files)
}

/// `36,246,251` or `340-347,52`; empty items are skipped as git-ai does.
fn parse_ranges(text: &str) -> Result<Vec<(u32, u32)>, String> {
    let mut ranges = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let range = match part.split_once('-') {
            Some((start, end)) => (line_number(start, part)?, line_number(end, part)?),
            None => {
                let line = line_number(part, part)?;
                (line, line)
            }
        };
        if range.0 > range.1 {
            return Err(format!("range {} runs backwards; expected start <= end", quote(part)));
        }
        ranges.push(range);
    }
    if ranges.is_empty() {
        return Err(format!("expected line ranges like 12 or 3-7, found {}", quote(text)));
    }
    Ok(ranges)
}

fn line_number(text: &str, part: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err(format!("line numbers start at 1, found {}", quote(part))),
        Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!(
            "expected a line number from 1 to {} or a range like 3-7, found {}",
            u32::MAX,
            quote(part)
        )),
    }
}

/// A value for an error message: quoted, escaped, at most 60 characters, so the message stays
/// on one line whatever the input holds.
fn quote(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() > MAX {
        format!("{:?}…", text.chars().take(MAX).collect::<String>())
    } else {
        format!("{text:?}")
    }
}

/// A serde_json error placed on the note's line numbering, without serde's own position suffix.
fn json_error(error: &serde_json::Error, lines_before: usize, what: &str) -> NoteError {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    let message: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    NoteError::new(lines_before + error.line().max(1), format!("{what}: {message}"))
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object with schema_version and prompts")]
struct RawMetadata {
    #[serde(default)]
    schema_version: Option<String>,
    #[serde(default)]
    prompts: Option<BTreeMap<String, RawRecord>>,
    #[serde(default)]
    sessions: Option<BTreeMap<String, RawRecord>>,
}

#[derive(Deserialize)]
#[serde(expecting = "a prompt or session record (an object with agent_id)")]
struct RawRecord {
    #[serde(default)]
    agent_id: Option<RawAgentId>,
}

#[derive(Deserialize)]
#[serde(expecting = "an agent_id object with tool, id and model")]
struct RawAgentId {
    #[serde(default)]
    tool: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    model: Option<String>,
}

impl RawRecord {
    fn agent(self) -> Agent {
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        match self.agent_id {
            Some(a) => Agent { tool: nonempty(a.tool), model: nonempty(a.model), id: nonempty(a.id) },
            None => Agent::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(expecting = "a legacy authorship object with files and schema_version")]
struct RawLegacy {
    files: BTreeMap<String, RawLegacyFile>,
    #[serde(default)]
    schema_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "a file entry with authors")]
struct RawLegacyFile {
    #[serde(default)]
    authors: Vec<RawLegacyAuthor>,
}

#[derive(Deserialize)]
#[serde(expecting = "an author entry with author and lines")]
struct RawLegacyAuthor {
    author: String,
    #[serde(default)]
    lines: Vec<serde_json::Value>,
    #[serde(default)]
    agent_metadata: Option<serde_json::Value>,
}

/// The legacy `refs/ai/authorship` blob: `{"files": {path: {"authors": [{"author", "lines"}]}}}`
/// with lines as numbers or `[start, end]` pairs. Authors are tools ("Claude", "Cursor") and
/// people alike; an author counts as AI when it has agent metadata or its name is exactly a
/// tool's name, so a person called "Devin Smith" stays a person.
fn parse_legacy(text: &str) -> Result<AuthorshipNote, NoteError> {
    let raw: RawLegacy = serde_json::from_str(text)
        .map_err(|e| json_error(&e, 0, "expected a legacy authorship JSON object"))?;
    let mut files = Vec::new();
    let mut agents = BTreeMap::new();
    for (path, file) in raw.files {
        let mut attributions = Vec::new();
        for author in file.authors {
            let metadata = author.agent_metadata.filter(|m| !m.is_null());
            let field = |name: &str| {
                metadata
                    .as_ref()
                    .and_then(|m| m.get(name))
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.trim().is_empty())
                    .map(str::to_string)
            };
            let human = metadata.is_none() && crate::ingest::provenance::tool_alias(&author.author).is_none();
            if !human {
                agents.entry(author.author.clone()).or_insert_with(|| Agent {
                    tool: field("tool").or_else(|| Some(author.author.clone())),
                    model: field("model"),
                    id: field("id"),
                });
            }
            let mut ranges = Vec::new();
            for value in &author.lines {
                ranges.push(legacy_range(value).map_err(|m| {
                    NoteError::new(1, format!("file {} author {}: {m}", quote(&path), quote(&author.author)))
                })?);
            }
            if !ranges.is_empty() {
                attributions.push(LineAttribution { key: author.author, human, ranges });
            }
        }
        if !attributions.is_empty() {
            files.push(NoteFile { path, attributions });
        }
    }
    Ok(AuthorshipNote { schema: raw.schema_version.unwrap_or_default(), files, agents })
}

fn legacy_range(value: &serde_json::Value) -> Result<(u32, u32), String> {
    let number = |v: &serde_json::Value| {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("expected line numbers from 1 to {}, found {v}", u32::MAX))
    };
    let range = match value {
        serde_json::Value::Array(pair) if pair.len() == 2 => (number(&pair[0])?, number(&pair[1])?),
        serde_json::Value::Number(_) => {
            let n = number(value)?;
            (n, n)
        }
        other => {
            let shown = other.to_string();
            return Err(format!("expected a line number or a [start, end] pair, found {}", quote(&shown)));
        }
    };
    if range.0 > range.1 {
        return Err(format!("range [{}, {}] runs backwards; expected start <= end", range.0, range.1));
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPTS: &str =
        include_str!("../../tests/fixtures/git-ai-notes/note_authorship-3.0.0_000841e6607a.txt");
    const AMP: &str = include_str!("../../tests/fixtures/git-ai-notes/note_amp_13c5a59aa9e3.txt");
    const CURSOR: &str = include_str!("../../tests/fixtures/git-ai-notes/note_cursor_00309900d71f.txt");
    const MULTI: &str = include_str!("../../tests/fixtures/git-ai-notes/note_multi_00ae21a642f9.txt");
    const EMPTY: &str = include_str!("../../tests/fixtures/git-ai-notes/note_empty_000c95d4f7aa.txt");
    const LEGACY: &str =
        include_str!("../../tests/fixtures/git-ai-notes/legacy_refs-ai-authorship_03c09275096a.json");

    fn meta(json_body: &str) -> String {
        format!("---\n{{\"schema_version\": \"authorship/3.0.0\", {json_body}}}")
    }

    fn err(text: &str) -> NoteError {
        parse_note(text).expect_err("the note should be rejected")
    }

    #[test]
    fn prompts_note_resolves_keys_and_counts_lines() {
        let note = parse_note(PROMPTS).unwrap();
        assert_eq!(note.schema, "authorship/3.0.0");
        assert_eq!(note.files.len(), 1);
        assert_eq!(note.files[0].path, ".github/workflows/release.yml");
        assert_eq!(
            note.files[0].attributions,
            vec![
                LineAttribution {
                    key: "4a60f5ac951ddc7b".into(),
                    human: false,
                    ranges: vec![(36, 36), (246, 246), (251, 251)],
                },
                LineAttribution { key: "e0c8cc5b56bc1d0e".into(), human: false, ranges: vec![(340, 347)] },
            ]
        );
        assert_eq!(note.agents.len(), 6);
        assert_eq!(note.ai_lines(), 11);
        assert_eq!(note.human_lines(), 0);
        assert_eq!(note.tools(), vec!["claude"]);
        assert_eq!(note.models(), vec!["claude-opus-4-5-20251101"]);
        // Only the two prompts whose lines are in this commit, not all six records.
        assert_eq!(
            note.sessions(),
            vec!["4f32d4d1-91e9-4da6-a608-57c5b826f8f9", "9279810e-3d8b-4f0a-8444-0a82624fd8eb"]
        );
        assert_eq!(note.ai_lines_by_tool(), BTreeMap::from([(Some("claude".to_string()), 11)]));
    }

    #[test]
    fn amp_note_names_the_thread() {
        let note = parse_note(AMP).unwrap();
        assert_eq!(note.ai_lines(), 35);
        assert_eq!(note.tools(), vec!["amp"]);
        assert_eq!(note.models(), vec!["claude-opus-4-6"]);
        assert_eq!(note.sessions(), vec!["T-019cb450-65d5-74cc-809f-de7e032a8236"]);
    }

    #[test]
    fn cursor_note_has_a_seven_hex_key_and_human_lines() {
        let note = parse_note(CURSOR).unwrap();
        assert_eq!(note.files.len(), 2);
        assert_eq!(note.files[1].path, "tests/stats.rs");
        assert_eq!(note.files[1].attributions[1].key, "human");
        assert!(note.files[1].attributions[1].human);
        assert_eq!(note.ai_lines(), 82);
        assert_eq!(note.human_lines(), 3);
        assert_eq!(note.agent_for("e61c0a4").and_then(|a| a.tool.as_deref()), Some("cursor"));
        assert_eq!(note.agent_for("human"), None);
        assert_eq!(note.tools(), vec!["cursor"]);
        assert_eq!(note.models(), vec!["gpt-5.1"]);
        assert_eq!(note.sessions(), vec!["d13537e7-a8cd-49ba-82f3-3b4c2eeb0f71"]);
    }

    #[test]
    fn multi_note_resolves_session_keys_through_sessions() {
        let note = parse_note(MULTI).unwrap();
        assert_eq!(note.files.len(), 6);
        assert_eq!(note.files.iter().map(|f| f.attributions.len()).sum::<usize>(), 20);
        assert_eq!(note.ai_lines(), 602);
        assert_eq!(note.agents.keys().collect::<Vec<_>>(), vec!["s_59875d04e5ebbf"]);
        let agent = note.agent_for("s_59875d04e5ebbf::t_bb0a26e167b0bf").unwrap();
        assert_eq!(agent.tool.as_deref(), Some("claude"));
        assert_eq!(note.tools(), vec!["claude"]);
        assert_eq!(note.models(), vec!["claude-opus-4-6"]);
        assert_eq!(note.sessions(), vec!["6581f90a-0171-4534-b30b-ad5952501a1a"]);
        assert_eq!(
            note.ai_ranges()["docs/superpowers/plans/2026-04-20-sessions-v2-stats-processing.md"],
            vec![(1, 532)]
        );
    }

    #[test]
    fn empty_note_is_empty() {
        let note = parse_note(EMPTY).unwrap();
        assert!(note.is_empty());
        assert_eq!(note.schema, "authorship/3.0.0");
        assert_eq!(note.ai_lines(), 0);
        assert!(note.tools().is_empty());
    }

    #[test]
    fn legacy_json_is_read() {
        let note = parse_note(LEGACY).unwrap();
        assert_eq!(note.schema, "authorship/0.0.1");
        assert_eq!(note.files.len(), 1);
        assert_eq!(note.files[0].path, ".github/workflows/pr-comment.yml");
        assert_eq!(note.ai_lines(), 1);
        assert_eq!(note.tools(), vec!["Claude"]);
        assert!(!note.is_empty());
    }

    #[test]
    fn legacy_people_are_human_and_pairs_are_ranges() {
        let text = r#"{"files":{"a.ts":{"authors":[{"author":"Cursor","lines":[186,186,[182,183],[183,183]],"agent_metadata":null},{"author":"Devin Smith","lines":[182,[158,160]],"agent_metadata":null}]}},"schema_version":"authorship/0.0.1"}"#;
        let note = parse_note(text).unwrap();
        assert_eq!(note.ai_lines(), 3);
        assert_eq!(note.human_lines(), 4);
        assert_eq!(note.tools(), vec!["Cursor"]);
        assert!(note.files[0].attributions[1].human);
    }

    #[test]
    fn legacy_errors_name_the_file_and_author() {
        let e =
            err(r#"{"files":{"a.rs":{"authors":[{"author":"Cursor","lines":[[1,9223372036854775807]]}]}}}"#);
        assert_eq!(e.line, 1);
        assert!(
            e.message
                .starts_with("file \"a.rs\" author \"Cursor\": expected line numbers from 1 to 4294967295"),
            "{e}"
        );
        let e = err(r#"{"files":{"a.rs":{"authors":[{"author":"Cursor","lines":[[9,3]]}]}}}"#);
        assert!(e.message.ends_with("range [9, 3] runs backwards; expected start <= end"), "{e}");
        let e = err(r#"{"files":{"a.rs":{"authors":[{"author":"Cursor","lines":["x"]}]}}}"#);
        assert!(
            e.message.ends_with("expected a line number or a [start, end] pair, found \"\\\"x\\\"\""),
            "{e}"
        );
        let e = err(r#"{"schema_version":"authorship/0.0.1"}"#);
        assert_eq!(e.to_string(), "line 1: expected a legacy authorship JSON object: missing field `files`");
    }

    #[test]
    fn quoted_paths_with_spaces_are_unquoted() {
        let text = format!(
            "\"src/my file.rs\"\n  abcd1234abcd1234 1-3\ndocs/README (copy).md\n  abcd1234abcd1234 5\n{}",
            meta("\"prompts\": {}")
        );
        let note = parse_note(&text).unwrap();
        assert_eq!(note.files[0].path, "src/my file.rs");
        assert_eq!(note.files[1].path, "docs/README (copy).md");
        assert_eq!(note.ai_lines(), 4);
    }

    #[test]
    fn human_and_unknown_keys() {
        let text = format!(
            "a.rs\n  h_31dce776f88375 42-50\n  0123456789abcdef 1-10\n  s_x::t_y 5-12\n{}",
            meta("\"prompts\": {}, \"humans\": {\"h_31dce776f88375\": {\"author\": \"Dev <d@x>\"}}")
        );
        let note = parse_note(&text).unwrap();
        assert_eq!(note.human_lines(), 9);
        assert_eq!(note.ai_lines(), 12);
        assert_eq!(note.ai_lines_by_tool(), BTreeMap::from([(None, 12)]));
        assert!(note.tools().is_empty());
        assert!(note.contributing_agents().is_empty());
    }

    #[test]
    fn overlapping_ranges_count_once_and_huge_ones_are_not_expanded() {
        let text =
            format!("a.rs\n  k1 1-4000000000,5-7\n  k2 6-9\nb.rs\n  k1 3\n{}", meta("\"prompts\": {}"));
        let note = parse_note(&text).unwrap();
        assert_eq!(note.ai_lines(), 4_000_000_001);
        assert_eq!(merge_ranges(vec![(10, 12), (1, 2), (3, 4), (11, 20)]), vec![(1, 4), (10, 20)]);
        assert_eq!(merge_ranges(vec![(u32::MAX, u32::MAX), (1, u32::MAX)]), vec![(1, u32::MAX)]);
    }

    #[test]
    fn short_keys_resolve_to_a_unique_prompt_prefix() {
        let agent = "{\"agent_id\": {\"tool\": \"cursor\", \"id\": \"c1\", \"model\": \"m\"}}";
        let text = format!(
            "a.rs\n  e61c0a4 1\n{}",
            meta(&format!("\"prompts\": {{\"e61c0a4f00112233\": {agent}}}"))
        );
        let note = parse_note(&text).unwrap();
        assert_eq!(note.tools(), vec!["cursor"]);
        let two = format!(
            "a.rs\n  e61c0a4 1\n{}",
            meta(&format!("\"prompts\": {{\"e61c0a4f00112233\": {agent}, \"e61c0a4f99999999\": {agent}}}"))
        );
        assert_eq!(parse_note(&two).unwrap().agent_for("e61c0a4"), None);
    }

    #[test]
    fn reversed_range_is_an_error_with_its_line() {
        let e = err(&format!("a.rs\n  k1 1,9-3\n{}", meta("\"prompts\": {}")));
        assert_eq!(e.to_string(), "line 2: range \"9-3\" runs backwards; expected start <= end");
    }

    #[test]
    fn bad_numbers_are_errors_with_their_line() {
        let cases = [
            (
                "a.rs\n\n  k1 99999999999\n",
                3,
                "expected a line number from 1 to 4294967295 or a range like 3-7, found \"99999999999\"",
            ),
            ("a.rs\n  k1 0-3\n", 2, "line numbers start at 1, found \"0-3\""),
            (
                "a.rs\n  k1 -3\n",
                2,
                "expected a line number from 1 to 4294967295 or a range like 3-7, found \"-3\"",
            ),
            (
                "a.rs\n  k1 +3\n",
                2,
                "expected a line number from 1 to 4294967295 or a range like 3-7, found \"+3\"",
            ),
            (
                "a.rs\n  k1 1-2-3\n",
                2,
                "expected a line number from 1 to 4294967295 or a range like 3-7, found \"1-2-3\"",
            ),
            ("a.rs\n  k1 ,\n", 2, "expected line ranges like 12 or 3-7, found \",\""),
            ("a.rs\n  k1\n", 2, "expected `<key> <line ranges>`, found only \"k1\""),
            (
                "a.rs\n  k1 1, 2\n",
                2,
                "expected `<key> <line ranges>` with no spaces in the ranges, found \"k1 1, 2\"",
            ),
            ("  k1 1\n", 1, "expected a file path before the first indented `<key> <ranges>` line"),
        ];
        for (attestation, line, message) in cases {
            let e = err(&format!("{attestation}{}", meta("\"prompts\": {}")));
            assert_eq!((e.line, e.message.as_str()), (line, message), "{attestation:?}");
        }
    }

    #[test]
    fn json_errors_are_placed_on_note_lines() {
        let e = err("a.rs\n  k1 1\n---\n{\n  \"prompts\": [1]\n}");
        assert_eq!(e.line, 5);
        assert!(e.message.starts_with("expected JSON metadata after `---`: invalid type: sequence"), "{e}");
        let e = err("a.rs\n  k1 1\n---\n");
        assert_eq!(e.to_string(), "line 4: expected JSON metadata after `---`: EOF while parsing a value");
        let e = err("---\n\"just a string\"");
        assert_eq!(
            e.to_string(),
            "line 2: expected JSON metadata after `---`: invalid type: string \"just a string\", expected a JSON object with schema_version and prompts"
        );
        let e = err("a.rs\n  k 1\n---\n\n[{\"prompts\": {}}]");
        assert_eq!(
            e.to_string(),
            "line 5: expected JSON metadata after `---`: found an array, expected an object"
        );
        let e = err("---\n{\"prompts\": {}} trailing");
        assert!(e.message.ends_with("trailing characters"), "{e}");
    }

    #[test]
    fn missing_divider_is_an_error_at_the_end() {
        let e = err("just a comment\nsecond line");
        assert_eq!(
            e.to_string(),
            "line 2: expected a line `---` between the attestation and the JSON metadata; the note ends without one"
        );
        assert_eq!(err("").line, 1);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let text = "\u{feff}a.rs\r\n  k1 1-2\r\n---\r\n{\"schema_version\": \"authorship/3.0.0\", \"prompts\": {}}\r\n";
        let note = parse_note(text).unwrap();
        assert_eq!(note.files[0].path, "a.rs");
        assert_eq!(note.ai_lines(), 2);
    }

    #[test]
    fn error_messages_stay_on_one_line() {
        let long = "x".repeat(500);
        let e = err(&format!("a.rs\n  k1 {long}\n---\n{{}}"));
        assert_eq!(e.to_string().lines().count(), 1);
        assert!(e.message.len() < 200, "{e}");
        let e = err("---\n{\"prompts\": {\"a\": {\"agent_id\": {\"tool\": \"x\ny\"}}}}");
        assert_eq!(e.to_string().lines().count(), 1, "{e}");
    }

    #[test]
    fn truncated_and_garbage_inputs_never_panic() {
        let samples = [PROMPTS, AMP, CURSOR, MULTI, EMPTY, LEGACY];
        for sample in samples {
            let mut cut = 0;
            while cut <= sample.len() {
                if sample.is_char_boundary(cut) {
                    let _ = parse_note(&sample[..cut]);
                }
                cut += 7;
            }
        }
        let garbage = [
            "\0\0\0",
            "---",
            "---\n",
            "\n\n\n---\n{}",
            "{",
            "{]",
            "[]",
            "\"",
            "  \n---\n{}",
            "a\n \n---\n{}",
            "a\n  k 1-\n---\n{}",
            "a\n  k -\n---\n{}",
            "a\n  k 4294967296\n---\n{}",
            "a\n  k 4294967295\n---\n{}",
            "a\n\t\tk 1\n---\n{}",
            "\"\n  k 1\n---\n{}",
            "---\n{\"sessions\": {\"s\": {}}}",
            "---\nnull",
            "{\"files\": {\"a\": {\"authors\": [{\"author\": \"x\", \"lines\": [[1]]}]}}}",
            "{\"files\": {\"a\": {\"authors\": [{\"author\": \"x\", \"lines\": [-1, 1.5, null]}]}}}",
        ];
        for text in garbage {
            let _ = parse_note(text);
        }
        assert_eq!(parse_note("a\n  k 4294967295\n---\n{}").unwrap().ai_lines(), 1);
        assert!(parse_note("---\nnull").is_err());
        assert!(parse_note("---\n{\"sessions\": {\"s\": {}}}").unwrap().agents["s"] == Agent::default());
    }

    #[test]
    fn files_without_attributions_are_dropped() {
        let note = parse_note(&format!("a.rs\nb.rs\n  k 1\n{}", meta("\"prompts\": {}"))).unwrap();
        assert_eq!(note.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["b.rs"]);
    }

    #[test]
    fn prompts_without_lines_are_the_contributing_agents() {
        let text = meta("\"prompts\": {\"0123456789abcdef\": {\"agent_id\": {\"tool\": \"claude\", \"id\": \"c\", \"model\": \"unknown\"}}}");
        let note = parse_note(&text).unwrap();
        assert!(!note.is_empty());
        assert_eq!(note.ai_lines(), 0);
        assert_eq!(note.tools(), vec!["claude"]);
        assert!(note.models().is_empty());
        assert_eq!(note.sessions(), vec!["c"]);
    }
}
