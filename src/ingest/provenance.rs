//! The AI-provenance detector: decides from a commit's metadata, its git-ai note and its Agent
//! Trace records whether an AI coding tool wrote it, which tool and model, and how many of its
//! added lines.
//!
//! Each rule looks at one place git or a tool writes a marker: the author, the committer, a
//! trailer from git's trailer block, a footer line of the message, the subject, a note, a trace
//! record, or a user's pattern from `[provenance]`. A match becomes one [`Evidence`] with a rule
//! id (`claude.co-author`, `aider.author`, `policy.assisted-by`, `user.acme-bot`), and the
//! verdict is folded from all of them, so a report can always say *why*.
//!
//! The rules key on what only a tool writes: its bot account, its co-author address, its
//! footer, its trailer. Names alone are never enough, because people are called Claude, Devin
//! and Cursor, and messages talk about tools without being written by them. The module is pure
//! (no git, no I/O) so every rule is tested on hand-built commits.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::config::{RuleField, UserRule};
use crate::error::{Error, Result};
use crate::ingest::agent_trace::TraceRecord;
use crate::ingest::gitai::{count_lines, merge_ranges, AuthorshipNote};
use crate::model::{Commit, Confidence, Evidence, Provenance};

/// Evidence source of a git-ai note.
pub const NOTE_SOURCE: &str = "note:refs/notes/ai";
/// Evidence source of an Agent Trace record.
pub const TRACE_SOURCE: &str = "agent-trace";

/// The built-in rules and the user's, compiled once and shared by every commit.
#[derive(Debug, Clone)]
pub struct Detector {
    user: Vec<UserMatcher>,
}

#[derive(Debug, Clone)]
struct UserMatcher {
    id: String,
    field: RuleField,
    key: Option<String>,
    regex: Regex,
    tool: Option<String>,
    confidence: Confidence,
    model: Option<String>,
}

/// What one rule found, before the findings are folded into a [`Provenance`].
struct Finding {
    evidence: Evidence,
    /// Whether the finding says AI wrote (part of) the commit; `false` for a human attestation.
    ai: bool,
    /// Whether it says an AI tool is the commit's author, so every added line is AI's.
    ai_author: bool,
    models: Vec<String>,
    sessions: Vec<String>,
}

impl Finding {
    fn ai(
        rule: impl Into<String>,
        source: impl Into<String>,
        text: impl Into<String>,
        tool: Option<String>,
        confidence: Confidence,
    ) -> Finding {
        Finding {
            evidence: Evidence {
                rule: rule.into(),
                source: source.into(),
                text: text.into(),
                tool,
                confidence,
            },
            ai: true,
            ai_author: false,
            models: Vec::new(),
            sessions: Vec::new(),
        }
    }

    fn human(rule: &str, source: impl Into<String>, text: impl Into<String>) -> Finding {
        Finding { ai: false, ..Finding::ai(rule, source, text, None, Confidence::Medium) }
    }

    fn model(mut self, model: Option<String>) -> Finding {
        self.models.extend(model.filter(|m| !m.trim().is_empty()));
        self
    }

    fn session(mut self, session: &str) -> Finding {
        if !session.trim().is_empty() {
            self.sessions.push(session.trim().to_string());
        }
        self
    }
}

impl Detector {
    /// Compile the user's rules (the built-in ones are compiled once per process).
    pub fn new(user_rules: &[UserRule]) -> Result<Detector> {
        let user = user_rules
            .iter()
            .map(|rule| {
                let regex = Regex::new(&rule.pattern).map_err(|e| {
                    let reason = e.to_string();
                    let reason = reason.lines().last().unwrap_or_default().trim().to_string();
                    Error::Usage(format!("provenance rule {:?}: invalid pattern: {reason}", rule.name))
                })?;
                Ok(UserMatcher {
                    id: format!("user.{}", rule.name),
                    field: rule.field,
                    key: rule.key.clone(),
                    regex,
                    tool: Some(rule.tool.trim().to_lowercase()).filter(|t| !t.is_empty()),
                    confidence: rule.confidence.unwrap_or(Confidence::Medium),
                    model: rule.model.clone(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Detector { user })
    }

    /// The verdict on one commit, given its git-ai note and the Agent Trace records whose
    /// revision is this commit.
    pub fn detect(
        &self,
        commit: &Commit,
        note: Option<&AuthorshipNote>,
        traces: &[&TraceRecord],
    ) -> Provenance {
        let mut findings = Vec::new();
        identities(commit, &mut findings);
        footers(commit, &mut findings);
        trailers(commit, &mut findings);
        self.user_rules(commit, &mut findings);
        let mut exact: Option<BTreeMap<String, Vec<(u32, u32)>>> = None;
        if let Some(note) = note {
            note_findings(note, &mut findings, &mut exact);
        }
        for record in traces {
            trace_findings(record, &mut findings, &mut exact);
        }
        fold(commit, findings, exact)
    }

    fn user_rules(&self, commit: &Commit, findings: &mut Vec<Finding>) {
        for rule in &self.user {
            let mut texts: Vec<(String, String)> = Vec::new();
            match rule.field {
                RuleField::Author => {
                    texts.push(("author".into(), person(&commit.author.name, &commit.author.email)))
                }
                RuleField::Committer => {
                    texts.push(("committer".into(), person(&commit.committer.name, &commit.committer.email)))
                }
                RuleField::Subject => texts.push(("subject".into(), commit.subject.clone())),
                RuleField::Message => texts.push(("message".into(), commit.message())),
                RuleField::Trailer => {
                    for trailer in &commit.trailers {
                        if rule.key.as_deref().is_none_or(|k| trailer.is(k)) {
                            texts.push((
                                format!("trailer:{}", trailer.key),
                                format!("{}: {}", trailer.key, trailer.value),
                            ));
                        }
                    }
                }
            }
            for (source, text) in texts {
                let Some(captures) = rule.regex.captures(&text) else { continue };
                let model = captures
                    .name("model")
                    .map(|m| m.as_str().trim().to_string())
                    .filter(|m| !m.is_empty())
                    .or_else(|| rule.model.clone());
                let shown = match rule.field {
                    RuleField::Message => captures.get(0).map(|m| m.as_str().to_string()).unwrap_or_default(),
                    _ => text.clone(),
                };
                let mut finding =
                    Finding::ai(rule.id.clone(), source, shown, rule.tool.clone(), rule.confidence)
                        .model(model);
                finding.ai_author = rule.field == RuleField::Author;
                findings.push(finding);
            }
        }
    }
}

fn person(name: &str, email: &str) -> String {
    format!("{name} <{email}>")
}

/// `Name <email>` split into its parts; a value without `<…>` is all name.
/// The AI tool a person value (`Name <email>`, a bare name or a bare address) names, as in a
/// `Reviewed-by:` trailer whose reviewer is a bot: `Some("copilot")` for Copilot's account.
pub fn ai_identity(value: &str) -> Option<&'static str> {
    let (name, email) = split_person(value);
    let (name, email) = if email.is_empty() && name.contains('@') { ("", name) } else { (name, email) };
    identify(name, email).map(|identity| identity.tool)
}

/// The people `keys` trailers name as reviewers, other than the author (`author_name`,
/// `author_email`) and other than machines ([`is_machine`]): a self-review or a bot's approval
/// is not a review. Trimmed, in trailer order, repeats dropped.
pub fn reviewers(
    trailers: &[crate::model::Trailer],
    keys: &[String],
    author_name: &str,
    author_email: &str,
) -> Vec<String> {
    let (name, email) = (author_name.trim().to_lowercase(), author_email.trim().to_lowercase());
    let mut out: Vec<String> = Vec::new();
    for value in trailers.iter().filter(|t| keys.iter().any(|k| t.is(k))).map(|t| t.value.trim()) {
        let lower = value.to_lowercase();
        let by_author = (!email.is_empty() && lower.contains(&email))
            || (!name.is_empty() && (lower == name || lower.starts_with(&format!("{name} <"))));
        if !value.is_empty() && !by_author && !is_machine(value) && !out.iter().any(|v| v == value) {
            out.push(value.to_string());
        }
    }
    out
}

/// Whether a person value (`Name <email>`) names a machine: an AI tool's identity
/// ([`ai_identity`]) or an app account (`renovate[bot]`, `github-actions[bot] <…>`).
pub fn is_machine(value: &str) -> bool {
    ai_identity(value).is_some() || value.to_ascii_lowercase().contains("[bot]")
}

fn split_person(value: &str) -> (&str, &str) {
    let value = value.trim();
    match (value.rfind('<'), value.ends_with('>')) {
        (Some(open), true) => (value[..open].trim(), value[open + 1..value.len() - 1].trim()),
        _ => (value, ""),
    }
}

/// A tool recognised from an identity, with the model the identity states.
struct Identity {
    tool: &'static str,
    model: Option<String>,
}

static GITHUB_NOREPLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d+\+)?([^@+\s]+)@users\.noreply\.github\.com$").expect("built-in pattern is valid")
});
static AIDER_CO_AUTHOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^aider\s*\((.+)\)$").expect("built-in pattern is valid"));

/// The AI tool an identity (author, committer or co-author) belongs to. Bots are matched by
/// their GitHub account (`<digits>+<slug>@users.noreply.github.com`, the digits vary) or their
/// exact `[bot]` name; tools by the address only they use. A person's own address is never
/// enough, which keeps "Claude Dupont <claude@dupont.fr>" a person and lets aider, which keeps
/// the human's email, be found by its ` (aider)` name suffix instead.
fn identify(name: &str, email: &str) -> Option<Identity> {
    let name = name.trim();
    let email = email.trim().to_ascii_lowercase();
    let slug = GITHUB_NOREPLY.captures(&email).and_then(|c| c.get(1)).map(|m| m.as_str().to_string());
    let bot = |account: &str| name.eq_ignore_ascii_case(account) || slug.as_deref() == Some(account);
    let found = |tool| Some(Identity { tool, model: None });

    if email == "noreply@anthropic.com" {
        let stated = name.get(.."claude ".len()).is_some_and(|p| p.eq_ignore_ascii_case("claude "))
            && !name.eq_ignore_ascii_case("claude code");
        let model = stated.then(|| name.to_string());
        return Some(Identity { tool: "claude", model });
    }
    if bot("claude[bot]") {
        return found("claude");
    }
    if name.to_ascii_lowercase().ends_with(" (aider)") {
        return found("aider");
    }
    if email.ends_with("@aider.chat") || email.ends_with("@aider.dev") {
        let model =
            AIDER_CO_AUTHOR.captures(name).and_then(|c| c.get(1)).map(|m| m.as_str().trim().to_string());
        return Some(Identity { tool: "aider", model });
    }
    if bot("copilot-swe-agent[bot]") || slug.as_deref() == Some("copilot") || email == "copilot@github.com" {
        return found("copilot");
    }
    if email == "cursoragent@cursor.com" {
        return found("cursor");
    }
    if email == "noreply@openai.com" || bot("chatgpt-codex-connector[bot]") {
        return found("codex");
    }
    if bot("devin-ai-integration[bot]") {
        return found("devin");
    }
    if bot("google-labs-jules[bot]") {
        return found("jules");
    }
    if email == "amp@ampcode.com" {
        return found("amp");
    }
    if email == "noreply@opencode.ai" {
        return found("opencode");
    }
    if email == "qwen-coder@alibabacloud.com" {
        return found("qwen-code");
    }
    if email == "vibe@mistral.ai" {
        return found("mistral-vibe");
    }
    if bot("amazon-q-developer[bot]") {
        return found("amazon-q");
    }
    if bot("gemini-code-assist[bot]") {
        return found("gemini");
    }
    if email == "openhands@all-hands.dev" {
        return found("openhands");
    }
    None
}

/// Author, committer and `Co-authored-by` trailers against [`identify`]. The rule id names the
/// tool and the role (`copilot.author`, `claude.co-author`); only the author role makes every
/// added line AI's (aider sets ` (aider)` on the committer too for edits a person asked for).
fn identities(commit: &Commit, findings: &mut Vec<Finding>) {
    let mut check = |role: &str, source: String, name: &str, email: &str, text: String| {
        if let Some(identity) = identify(name, email) {
            let mut finding = Finding::ai(
                format!("{}.{role}", identity.tool),
                source,
                text,
                Some(identity.tool.to_string()),
                Confidence::High,
            )
            .model(identity.model);
            finding.ai_author = role == "author";
            findings.push(finding);
        }
    };
    let (author, committer) = (&commit.author, &commit.committer);
    check("author", "author".into(), &author.name, &author.email, person(&author.name, &author.email));
    check(
        "committer",
        "committer".into(),
        &committer.name,
        &committer.email,
        person(&committer.name, &committer.email),
    );
    for trailer in commit.trailers.iter().filter(|t| t.is("Co-authored-by")) {
        let (name, email) = split_person(&trailer.value);
        check("co-author", format!("trailer:{}", trailer.key), name, email, trailer.value.clone());
    }
}

static FOOTERS: LazyLock<Vec<(&'static str, &'static str, Regex)>> = LazyLock::new(|| {
    let footer = |pattern: &str| {
        Regex::new(&format!(r"(?m)^[\t ]*(?:\x{{1F916}}[\t ]*)?{pattern}[\t ]*\r?$"))
            .expect("built-in pattern is valid")
    };
    vec![
        (
            "claude.footer",
            "claude",
            footer(
                r"Generated with \[Claude Code\]\(https://(?:claude\.com/claude-code|claude\.ai/code)/?\)",
            ),
        ),
        ("opencode.footer", "opencode", footer(r"Generated with \[opencode\]\(https://opencode\.ai/?\)")),
        ("mistral-vibe.footer", "mistral-vibe", footer(r"Generated by Mistral Vibe\.")),
    ]
});

/// Footer lines tools append to the message body, whole lines only, and aider's old subject
/// prefix.
fn footers(commit: &Commit, findings: &mut Vec<Finding>) {
    let message = commit.message();
    for (rule, tool, regex) in FOOTERS.iter() {
        if let Some(m) = regex.find(&message) {
            findings.push(Finding::ai(
                *rule,
                "message",
                m.as_str().trim(),
                Some(tool.to_string()),
                Confidence::High,
            ));
        }
    }
    if commit.subject.starts_with("aider: ") {
        findings.push(Finding::ai(
            "aider.subject",
            "subject",
            commit.subject.clone(),
            Some("aider".into()),
            Confidence::Medium,
        ));
    }
}

/// Values that declare no AI involvement in a policy trailer.
fn is_no(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "false" | "no" | "n" | "0" | "none" | "n/a")
}

/// Values that declare AI involvement without naming a tool.
fn is_yes(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "yes" | "y" | "1" | "partial" | "partially" | "assisted"
    )
}

/// Tool markers that are trailers, and the policy trailers an organisation can require.
fn trailers(commit: &Commit, findings: &mut Vec<Finding>) {
    for trailer in &commit.trailers {
        let source = format!("trailer:{}", trailer.key);
        let text = format!("{}: {}", trailer.key, trailer.value);
        let value = trailer.value.trim();
        if value.is_empty() {
            continue;
        }
        let key = trailer.key.to_ascii_lowercase();
        let session_marker = match key.as_str() {
            "amp-thread-id" => Some(("amp.thread-id", "amp")),
            "entire-checkpoint" => Some(("entire.checkpoint", "entire")),
            "claude-session" => Some(("claude.session", "claude")),
            _ => None,
        };
        if let Some((rule, tool)) = session_marker {
            findings
                .push(Finding::ai(rule, source, text, Some(tool.into()), Confidence::High).session(value));
            continue;
        }
        match key.as_str() {
            "made-with" => {
                if let Some(tool) = tool_alias(value) {
                    findings.push(Finding::ai(
                        format!("{tool}.made-with"),
                        source,
                        text,
                        Some(tool.into()),
                        Confidence::High,
                    ));
                }
            }
            "assisted-by" | "generated-by" | "ai-tool" => {
                let rule = format!("policy.{key}");
                // Code generators and release scripts sign `Generated-by:` too, so there only a
                // known tool counts; the other two keys exist for AI disclosure.
                let unknown_is_a_tool = key != "generated-by";
                if is_no(value) {
                    findings.push(Finding::human("policy.human-attested", source, text));
                } else if is_yes(value) {
                    findings.push(Finding::ai(rule, source, text, None, Confidence::Medium));
                } else if let Some(finding) = declared_tool(&rule, source, text, value, unknown_is_a_tool) {
                    findings.push(finding);
                }
            }
            "ai-generated" | "ai-assisted" => {
                let rule = format!("policy.{key}");
                if is_no(value) {
                    findings.push(Finding::human("policy.human-attested", source, text));
                } else if is_yes(value) {
                    findings.push(Finding::ai(rule, source, text, None, Confidence::Medium));
                } else if let Some(finding) = declared_tool(&rule, source, text, value, false) {
                    findings.push(finding);
                }
            }
            "ai-model" => {
                if is_no(value) {
                    findings.push(Finding::human("policy.human-attested", source, text));
                } else {
                    findings.push(
                        Finding::ai("policy.ai-model", source, text, None, Confidence::Medium)
                            .model(Some(value.into())),
                    );
                }
            }
            "ai-session" | "ai-prompt" => {
                findings.push(
                    Finding::ai(format!("policy.{key}"), source, text, None, Confidence::Medium)
                        .session(value),
                );
            }
            _ => {}
        }
    }
}

/// A tool declared in a policy trailer: `Claude Code`, kernel style `AGENT:MODEL [TOOLS…]`, or
/// `Name <email>`. A tool's own name is high confidence; a name that merely contains one
/// (`Claude Opus 4.5`) is medium, and so is an unknown name when `unknown_is_a_tool`; an
/// unknown person with an address is a human helper, not a tool, and yields nothing.
fn declared_tool(
    rule: &str,
    source: String,
    text: String,
    value: &str,
    unknown_is_a_tool: bool,
) -> Option<Finding> {
    let (name, email) = split_person(value);
    let (agent, model) = match name.split_once(':') {
        Some((agent, rest)) if !rest.starts_with("//") && !agent.trim().is_empty() => {
            (agent.trim(), rest.split_whitespace().next().map(str::to_string))
        }
        _ => match parenthesised_model(name) {
            Some((agent, model)) => (agent, Some(model.to_string())),
            None => (name, None),
        },
    };
    let model = model.filter(|m| !m.is_empty());
    if let Some(tool) = tool_alias(agent) {
        return Some(Finding::ai(rule, source, text, Some(tool.into()), Confidence::High).model(model));
    }
    if !email.is_empty() {
        let identity = identify(name, email)?;
        return Some(
            Finding::ai(rule, source, text, Some(identity.tool.into()), Confidence::High)
                .model(identity.model.or(model)),
        );
    }
    let slug = slug(agent);
    let tool = match tool_in_words(&slug) {
        Some(tool) => tool.to_string(),
        None if unknown_is_a_tool && !slug.is_empty() => slug,
        None => return None,
    };
    Some(Finding::ai(rule, source, text, Some(tool), Confidence::Medium).model(model))
}

/// `gemini-cli (gemini-2.5-pro)`: a tool followed by its model in parentheses, the form aider
/// and several company conventions use. The model must be one word.
fn parenthesised_model(name: &str) -> Option<(&str, &str)> {
    let inner = name.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let (agent, model) = (inner[..open].trim(), inner[open + 1..].trim());
    (!agent.is_empty() && !model.is_empty() && !model.contains(char::is_whitespace)).then_some((agent, model))
}

/// A git-ai note: AI evidence when it attributes lines to AI or lists agents, each tool with its
/// line count; a human attestation when it attributes lines only to people; nothing when empty.
fn note_findings(
    note: &AuthorshipNote,
    findings: &mut Vec<Finding>,
    exact: &mut Option<BTreeMap<String, Vec<(u32, u32)>>>,
) {
    if note.is_empty() {
        return;
    }
    let agents = note.contributing_agents();
    let by_tool = note.ai_lines_by_tool();
    if by_tool.is_empty() && agents.is_empty() {
        let human = note.human_lines();
        if human > 0 {
            findings.push(Finding::human(
                "gitai.human",
                NOTE_SOURCE,
                format!("{human} line(s) attributed to people, none to AI"),
            ));
        }
        return;
    }
    let mut texts = Vec::new();
    if by_tool.is_empty() {
        let tools: BTreeSet<Option<String>> = agents.iter().map(|a| a.tool.clone()).collect();
        for tool in tools {
            let named = tool.as_deref().unwrap_or("an agent without a tool name");
            texts.push((
                tool.clone(),
                format!("prompt record for {named}; no line of this commit attributed to it"),
            ));
        }
    } else {
        for (tool, lines) in &by_tool {
            let named = tool.as_deref().unwrap_or("an agent the note does not describe");
            texts.push((tool.clone(), format!("{lines} line(s) attributed to {named}")));
        }
    }
    let models = note.models();
    let sessions = note.sessions();
    for (i, (tool, text)) in texts.into_iter().enumerate() {
        let mut finding = Finding::ai(
            "gitai.note",
            NOTE_SOURCE,
            text,
            tool.as_deref().map(normalize_tool),
            Confidence::High,
        );
        if i == 0 {
            finding.models = models.clone();
            finding.sessions = sessions.clone();
        }
        findings.push(finding);
    }
    add_exact(exact, note.ai_ranges());
}

/// An Agent Trace record for this commit: AI evidence when any range is `ai` or `mixed`
/// (`mixed` lines are not counted as AI lines), a human attestation when all attributed lines
/// are a person's.
fn trace_findings(
    record: &TraceRecord,
    findings: &mut Vec<Finding>,
    exact: &mut Option<BTreeMap<String, Vec<(u32, u32)>>>,
) {
    let label = match &record.id {
        Some(id) => format!("record {id}"),
        None => format!("record on line {}", record.line),
    };
    if record.has_ai() {
        let tool = record.tool_name().map(normalize_tool);
        let text = format!(
            "{label} by {}: {} ai line(s), {} mixed line(s)",
            record.tool_name().unwrap_or("an unnamed tool"),
            record.ai_lines(),
            record.mixed_lines()
        );
        let mut finding = Finding::ai("agent-trace.record", TRACE_SOURCE, text, tool, Confidence::High);
        finding.models = record.models();
        finding.sessions = record.conversation_urls();
        findings.push(finding);
        add_exact(exact, record.ai_ranges());
    } else if record.human_lines() > 0 {
        findings.push(Finding::human(
            "agent-trace.human",
            TRACE_SOURCE,
            format!("{label}: {} human line(s), none by AI", record.human_lines()),
        ));
    }
}

fn add_exact(
    exact: &mut Option<BTreeMap<String, Vec<(u32, u32)>>>,
    ranges: BTreeMap<String, Vec<(u32, u32)>>,
) {
    let exact = exact.get_or_insert_with(BTreeMap::new);
    for (path, ranges) in ranges {
        exact.entry(path).or_default().extend(ranges);
    }
}

fn fold(
    commit: &Commit,
    findings: Vec<Finding>,
    exact: Option<BTreeMap<String, Vec<(u32, u32)>>>,
) -> Provenance {
    let ai = findings.iter().any(|f| f.ai);
    let ai_author = findings.iter().any(|f| f.ai_author);
    let clean = |items: &mut dyn Iterator<Item = &String>| -> Vec<String> {
        let set: BTreeSet<String> = items.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        set.into_iter().collect()
    };
    let tools = clean(&mut findings.iter().filter(|f| f.ai).filter_map(|f| f.evidence.tool.as_ref()));
    let normalized: Vec<String> =
        findings.iter().filter(|f| f.ai).flat_map(|f| &f.models).map(|m| normalize_model(m)).collect();
    let models = clean(&mut normalized.iter());
    let sessions = clean(&mut findings.iter().filter(|f| f.ai).flat_map(|f| &f.sessions));
    let mut evidence: Vec<Evidence> = findings.into_iter().map(|f| f.evidence).collect();
    evidence.sort();
    evidence.dedup();
    let confidence = evidence.iter().map(|e| e.confidence).max();

    let added = commit.added_lines();
    let (ai_added_lines, ai_line_share) = if !ai {
        (None, None)
    } else if ai_author {
        (Some(added), Some(1.0))
    } else if let Some(exact) = exact {
        let lines: i64 = exact.into_values().map(|r| count_lines(&merge_ranges(r))).sum();
        // A note or trace may name more lines than the diff added (ranges over moved or
        // re-attributed lines); the AI's part of a commit cannot exceed what it added.
        let lines = if added > 0 { lines.min(added) } else { lines };
        let share = (added > 0).then(|| (lines as f64 / added as f64).clamp(0.0, 1.0));
        (Some(lines), share)
    } else {
        (None, None)
    };

    Provenance {
        repo: commit.repo.clone(),
        sha: commit.sha.clone(),
        ai,
        tools,
        models,
        sessions,
        confidence,
        evidence,
        ai_added_lines,
        ai_line_share,
    }
}

/// One spelling per model, so that `Claude Opus 4.1` (a co-author name),
/// `claude-opus-4-1-20250805` (an API id) and `anthropic/claude-opus-4.1` (a router's id) group
/// together as `claude-opus-4.1`: lower case; the provider path dropped; spaces and underscores
/// as hyphens; a trailing release date dropped; `4-1` style version pairs written `4.1`.
pub fn normalize_model(model: &str) -> String {
    let lower = model.trim().to_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let slug: String = name.chars().map(|c| if c.is_whitespace() || c == '_' { '-' } else { c }).collect();
    let mut parts: Vec<&str> = slug.split('-').filter(|p| !p.is_empty()).collect();
    let numeric = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    // A date at the end: `20250805`, or `2024-08-06`.
    if parts.last().is_some_and(|p| p.len() == 8 && numeric(p)) && parts.len() > 1 {
        parts.pop();
    } else if parts.len() > 3 {
        let n = parts.len();
        if parts[n - 3].len() == 4 && numeric(parts[n - 3]) && numeric(parts[n - 2]) && numeric(parts[n - 1])
        {
            parts.truncate(n - 3);
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    let mut i = 0;
    while i < parts.len() {
        let short = |p: &str| numeric(p) && p.len() <= 2;
        // `4-1` is a version; `03-25` (a month and day in `exp-03-25`) is not.
        let major = |p: &str| short(p) && (p.len() == 1 || !p.starts_with('0'));
        if i + 1 < parts.len() && major(parts[i]) && short(parts[i + 1]) {
            out.push(format!("{}.{}", parts[i], parts[i + 1]));
            i += 2;
        } else {
            out.push(parts[i].to_string());
            i += 1;
        }
    }
    if out.is_empty() {
        return lower;
    }
    out.join("-")
}

/// Each tool's spellings (as slugs), mapped to faultline's name for it.
const ALIASES: &[(&str, &str)] = &[
    ("claude", "claude"),
    ("claude-code", "claude"),
    ("claude-ai", "claude"),
    ("anthropic-claude", "claude"),
    ("anthropic-claude-code", "claude"),
    ("aider", "aider"),
    ("aider-chat", "aider"),
    ("copilot", "copilot"),
    ("github-copilot", "copilot"),
    ("copilot-cli", "copilot"),
    ("copilot-chat", "copilot"),
    ("copilot-agent", "copilot"),
    ("copilot-swe-agent", "copilot"),
    ("github-copilot-agent", "copilot"),
    ("cursor", "cursor"),
    ("cursor-agent", "cursor"),
    ("cursoragent", "cursor"),
    ("cursor-ai", "cursor"),
    ("codex", "codex"),
    ("openai-codex", "codex"),
    ("codex-cli", "codex"),
    ("chatgpt-codex-connector", "codex"),
    ("devin", "devin"),
    ("devin-ai", "devin"),
    ("devin-ai-integration", "devin"),
    ("jules", "jules"),
    ("google-jules", "jules"),
    ("google-labs-jules", "jules"),
    ("amp", "amp"),
    ("amp-cli", "amp"),
    ("ampcode", "amp"),
    ("sourcegraph-amp", "amp"),
    ("entire", "entire"),
    ("entire-cli", "entire"),
    ("opencode", "opencode"),
    ("sst-opencode", "opencode"),
    ("qwen", "qwen-code"),
    ("qwen-code", "qwen-code"),
    ("qwen-coder", "qwen-code"),
    ("mistral-vibe", "mistral-vibe"),
    ("vibe", "mistral-vibe"),
    ("amazon-q", "amazon-q"),
    ("amazon-q-developer", "amazon-q"),
    ("q-developer", "amazon-q"),
    ("gemini", "gemini"),
    ("gemini-cli", "gemini"),
    ("gemini-code-assist", "gemini"),
    ("google-gemini", "gemini"),
    ("openhands", "openhands"),
    ("all-hands", "openhands"),
    ("openhands-agent", "openhands"),
    ("windsurf", "windsurf"),
    ("codeium", "windsurf"),
    ("chatgpt", "chatgpt"),
    ("cline", "cline"),
    ("roo-code", "roo-code"),
    ("kiro", "kiro"),
    ("junie", "junie"),
    ("tabnine", "tabnine"),
];

/// Lower-case, `[bot]` dropped, runs of anything but letters and digits made one `-`.
fn slug(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let lower = lower.strip_suffix("[bot]").unwrap_or(&lower);
    let mut out = String::new();
    for c in lower.chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The tool a name spells exactly (`Claude Code`, `copilot_cli`, `GitHub Copilot`,
/// `claude[bot]`), or `None`. Stricter than [`normalize_tool`]: "Devin Smith" is not a tool.
pub fn tool_alias(name: &str) -> Option<&'static str> {
    let slug = slug(name);
    ALIASES.iter().find(|(alias, _)| *alias == slug).map(|(_, tool)| *tool)
}

/// A tool named among other words (`Claude Opus 4.5`, `OpenAI Codex CLI`), by whole words.
fn tool_in_words(slug: &str) -> Option<&'static str> {
    let words: BTreeSet<&str> = slug.split('-').collect();
    let has = |w: &str| words.contains(w);
    let tool = if has("claude") || has("anthropic") {
        "claude"
    } else if has("aider") {
        "aider"
    } else if has("copilot") {
        "copilot"
    } else if has("cursor") || has("cursoragent") {
        "cursor"
    } else if has("codex") {
        "codex"
    } else if has("devin") {
        "devin"
    } else if has("jules") {
        "jules"
    } else if has("amp") || has("ampcode") {
        "amp"
    } else if has("opencode") {
        "opencode"
    } else if has("qwen") {
        "qwen-code"
    } else if has("vibe") {
        "mistral-vibe"
    } else if has("amazon") && has("q") {
        "amazon-q"
    } else if has("gemini") {
        "gemini"
    } else if has("openhands") || (has("all") && has("hands")) {
        "openhands"
    } else if has("windsurf") || has("codeium") {
        "windsurf"
    } else if has("entire") {
        "entire"
    } else {
        return None;
    };
    Some(tool)
}

/// faultline's lower-case name for a tool as some source spells it: `Claude Code` → `claude`,
/// `GitHub Copilot` → `copilot`, `OpenAI Codex` → `codex`, `amp-cli` → `amp`; a name it does not
/// know becomes a lower-case slug (`Acme Bot` → `acme-bot`), `unknown` if nothing is left. Use
/// it on values that name a tool; on a person's name it would find "Devin" in "Devin Smith".
pub fn normalize_tool(name: &str) -> String {
    let slug = slug(name);
    if let Some(tool) = ALIASES.iter().find(|(alias, _)| *alias == slug).map(|(_, tool)| *tool) {
        return tool.to_string();
    }
    if let Some(tool) = tool_in_words(&slug) {
        return tool.to_string();
    }
    if slug.is_empty() {
        "unknown".to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::ingest::agent_trace::parse_traces;
    use crate::ingest::gitai::parse_note;
    use crate::model::{ChangeKind, FileChange, Signature, Trailer};

    const ALICE: (&str, &str) = ("Alice Example", "alice@example.com");

    fn sig((name, email): (&str, &str)) -> Signature {
        Signature {
            name: name.to_string(),
            email: email.to_string(),
            at: DateTime::parse_from_rfc3339("2025-06-01T12:00:00+02:00").expect("fixed time"),
        }
    }

    /// A commit by Alice that adds 10 lines; `message` is split into subject and body, and
    /// `trailers` are what git would find in its last paragraph.
    fn commit(message: &str, trailers: &[(&str, &str)]) -> Commit {
        let (subject, body) = message.split_once("\n\n").unwrap_or((message, ""));
        Commit {
            repo: "shop".into(),
            sha: "0123456789abcdef0123456789abcdef01234567".into(),
            parents: vec!["1111111111111111111111111111111111111111".into()],
            author: sig(ALICE),
            committer: sig(ALICE),
            subject: subject.into(),
            body: body.into(),
            trailers: trailers
                .iter()
                .map(|(k, v)| Trailer { key: k.to_string(), value: v.to_string() })
                .collect(),
            files: vec![FileChange {
                path: "src/app.rs".into(),
                old_path: None,
                kind: ChangeKind::Modified,
                added: Some(10),
                deleted: Some(2),
                binary: false,
            }],
            merge_paths: Vec::new(),
            shallow_boundary: false,
        }
    }

    fn with_trailers(trailers: &[(&str, &str)]) -> Commit {
        let lines: Vec<String> = trailers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        commit(&format!("Change things\n\nWhy it changed.\n\n{}", lines.join("\n")), trailers)
    }

    fn by(author: (&str, &str), committer: (&str, &str)) -> Commit {
        let mut c = commit("Change things", &[]);
        c.author = sig(author);
        c.committer = sig(committer);
        c
    }

    fn detect(c: &Commit) -> Provenance {
        Detector::new(&[]).unwrap().detect(c, None, &[])
    }

    fn rules(p: &Provenance) -> Vec<(&str, &str)> {
        p.evidence.iter().map(|e| (e.rule.as_str(), e.source.as_str())).collect()
    }

    /// The verdict says AI with exactly these tools, models, rule ids and confidence.
    fn assert_ai(
        p: &Provenance,
        tools: &[&str],
        models: &[&str],
        evidence: &[(&str, &str)],
        confidence: Confidence,
    ) {
        assert!(p.ai, "{p:#?}");
        assert_eq!(p.tools, tools, "{p:#?}");
        assert_eq!(p.models, models, "{p:#?}");
        assert_eq!(rules(p), evidence, "{p:#?}");
        assert_eq!(p.confidence, Some(confidence), "{p:#?}");
    }

    fn assert_nothing(p: &Provenance) {
        assert!(!p.ai, "{p:#?}");
        assert!(p.evidence.is_empty(), "{p:#?}");
        assert!(p.tools.is_empty() && p.models.is_empty() && p.sessions.is_empty(), "{p:#?}");
        assert_eq!((p.confidence, p.ai_added_lines, p.ai_line_share), (None, None, None));
    }

    // ---- Claude Code ----

    #[test]
    fn claude_co_author_with_model() {
        let p = detect(&with_trailers(&[("Co-Authored-By", "Claude Opus 4.5 <noreply@anthropic.com>")]));
        assert_ai(
            &p,
            &["claude"],
            &["claude-opus-4.5"],
            &[("claude.co-author", "trailer:Co-Authored-By")],
            Confidence::High,
        );
        assert_eq!(p.evidence[0].text, "Claude Opus 4.5 <noreply@anthropic.com>");
        assert_eq!(p.evidence[0].tool.as_deref(), Some("claude"));
        assert_eq!((p.ai_added_lines, p.ai_line_share), (None, None));
    }

    #[test]
    fn claude_co_author_without_model() {
        for name in ["Claude", "Claude Code", "claude"] {
            let p = detect(&with_trailers(&[("Co-authored-by", &format!("{name} <noreply@anthropic.com>"))]));
            assert_ai(
                &p,
                &["claude"],
                &[],
                &[("claude.co-author", "trailer:Co-authored-by")],
                Confidence::High,
            );
        }
    }

    #[test]
    fn people_called_claude_are_not_claude() {
        assert_nothing(&detect(&by(
            ("Claude Dupont", "claude@dupont.fr"),
            ("Claude Dupont", "claude@dupont.fr"),
        )));
        assert_nothing(&detect(&with_trailers(&[(
            "Co-authored-by",
            "Claude Martin <claude.martin@acme.io>",
        )])));
        assert_nothing(&detect(&with_trailers(&[(
            "Co-authored-by",
            "Claude <12345+claude@users.noreply.github.com>",
        )])));
    }

    #[test]
    fn claude_footer_new_and_old_link() {
        for footer in [
            "\u{1f916} Generated with [Claude Code](https://claude.com/claude-code)",
            "Generated with [Claude Code](https://claude.ai/code)",
        ] {
            let p = detect(&commit(&format!("Fix parser\n\nDetails.\n\n{footer}"), &[]));
            assert_ai(&p, &["claude"], &[], &[("claude.footer", "message")], Confidence::High);
            assert_eq!(p.evidence[0].text, footer);
        }
    }

    #[test]
    fn messages_about_claude_code_are_not_claude() {
        assert_nothing(&detect(&commit("Document how to use Claude Code", &[])));
        assert_nothing(&detect(&commit(
            "Docs\n\nSee how we use [Claude Code](https://claude.com/claude-code) and why: Generated with [Claude Code](https://claude.com/claude-code) footers are stripped.",
            &[],
        )));
    }

    #[test]
    fn claude_footer_and_co_author_together() {
        let c = commit(
            "Print more\n\n\u{1f916} Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>",
            &[("Co-Authored-By", "Claude Opus 4.1 <noreply@anthropic.com>")],
        );
        let p = detect(&c);
        assert_ai(
            &p,
            &["claude"],
            &["claude-opus-4.1"],
            &[("claude.co-author", "trailer:Co-Authored-By"), ("claude.footer", "message")],
            Confidence::High,
        );
    }

    #[test]
    fn claude_bot_author_owns_every_line() {
        let p = detect(&by(("claude[bot]", "209825114+claude[bot]@users.noreply.github.com"), ALICE));
        assert_ai(&p, &["claude"], &[], &[("claude.author", "author")], Confidence::High);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(10), Some(1.0)));
    }

    #[test]
    fn claude_bot_committer_does_not_own_the_lines() {
        let p = detect(&by(ALICE, ("claude[bot]", "209825114+claude[bot]@users.noreply.github.com")));
        assert_ai(&p, &["claude"], &[], &[("claude.committer", "committer")], Confidence::High);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (None, None));
        assert_nothing(&detect(&by(ALICE, ("Claude", "claude@acme.io"))));
    }

    #[test]
    fn claude_session_trailer() {
        let p = detect(&with_trailers(&[("Claude-Session", "https://claude.ai/code/session_01ABC")]));
        assert_ai(&p, &["claude"], &[], &[("claude.session", "trailer:Claude-Session")], Confidence::High);
        assert_eq!(p.sessions, vec!["https://claude.ai/code/session_01ABC"]);
        assert_nothing(&detect(&commit("Add Claude-Session: parsing", &[])));
    }

    // ---- aider ----

    #[test]
    fn aider_author_owns_every_line() {
        let p = detect(&by(
            ("Alice Example (aider)", "alice@example.com"),
            ("Alice Example (aider)", "alice@example.com"),
        ));
        assert_ai(
            &p,
            &["aider"],
            &[],
            &[("aider.author", "author"), ("aider.committer", "committer")],
            Confidence::High,
        );
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(10), Some(1.0)));
    }

    #[test]
    fn aider_committer_only_does_not_own_the_lines() {
        let p = detect(&by(ALICE, ("Alice Example (aider)", "alice@example.com")));
        assert_ai(&p, &["aider"], &[], &[("aider.committer", "committer")], Confidence::High);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (None, None));
    }

    #[test]
    fn aider_subject_prefix() {
        let p = detect(&commit("aider: Added retry to the client", &[]));
        assert_ai(&p, &["aider"], &[], &[("aider.subject", "subject")], Confidence::Medium);
        assert_nothing(&detect(&commit("revert aider: config", &[])));
        assert_nothing(&detect(&commit("Aider: typo", &[])));
    }

    #[test]
    fn aider_co_author_names_the_model() {
        for (value, model) in [
            ("aider (anthropic/claude-sonnet-4-20250514) <aider@aider.chat>", "claude-sonnet-4"),
            ("aider (gpt-4o) <noreply@aider.chat>", "gpt-4o"),
        ] {
            let p = detect(&with_trailers(&[("Co-authored-by", value)]));
            assert_ai(
                &p,
                &["aider"],
                &[model],
                &[("aider.co-author", "trailer:Co-authored-by")],
                Confidence::High,
            );
            assert_eq!((p.ai_added_lines, p.ai_line_share), (None, None));
        }
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "aider fan <fan@acme.io>")])));
    }

    #[test]
    fn the_human_email_of_an_aider_commit_is_not_aider() {
        // The same person without the suffix, and a name that mentions aider elsewhere.
        assert_nothing(&detect(&by(ALICE, ALICE)));
        assert_nothing(&detect(&by(("Aider Fan", "alice@example.com"), ("aider", "aider@example.com"))));
    }

    // ---- GitHub Copilot ----

    #[test]
    fn copilot_agent_author_and_its_noreply_ids() {
        for (name, email) in [
            ("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"),
            ("Copilot", "198982749+Copilot@users.noreply.github.com"),
            ("Copilot", "175728472+Copilot@users.noreply.github.com"),
            ("copilot-swe-agent[bot]", "198982749+copilot-swe-agent[bot]@users.noreply.github.com"),
        ] {
            let p = detect(&by((name, email), ALICE));
            assert_ai(&p, &["copilot"], &[], &[("copilot.author", "author")], Confidence::High);
            assert_eq!(p.ai_line_share, Some(1.0));
        }
    }

    #[test]
    fn copilot_co_author_and_committer() {
        let p = detect(&with_trailers(&[
            ("Co-authored-by", "Copilot <175728472+Copilot@users.noreply.github.com>"),
            ("co-authored-by", "Copilot <copilot@github.com>"),
        ]));
        assert_ai(
            &p,
            &["copilot"],
            &[],
            &[
                ("copilot.co-author", "trailer:Co-authored-by"),
                ("copilot.co-author", "trailer:co-authored-by"),
            ],
            Confidence::High,
        );
        let p = detect(&by(ALICE, ("copilot-swe-agent[bot]", "noreply@github.com")));
        assert_ai(&p, &["copilot"], &[], &[("copilot.committer", "committer")], Confidence::High);
        assert_eq!(p.ai_line_share, None);
    }

    #[test]
    fn copilot_look_alikes() {
        assert_nothing(&detect(&commit("bump copilot-swe-agent docs", &[])));
        assert_nothing(&detect(&by(("Copilot", "copilot@acme.io"), ALICE)));
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "Jane <jane@acme.io>")])));
    }

    // ---- Cursor ----

    #[test]
    fn cursor_agent_as_author_committer_co_author() {
        let agent = ("Cursor Agent", "cursoragent@cursor.com");
        let p = detect(&by(agent, agent));
        assert_ai(
            &p,
            &["cursor"],
            &[],
            &[("cursor.author", "author"), ("cursor.committer", "committer")],
            Confidence::High,
        );
        assert_eq!(p.ai_line_share, Some(1.0));
        let p = detect(&with_trailers(&[("Co-authored-by", "Cursor Agent <cursoragent@cursor.com>")]));
        assert_ai(&p, &["cursor"], &[], &[("cursor.co-author", "trailer:Co-authored-by")], Confidence::High);
    }

    #[test]
    fn cursor_made_with_trailer() {
        let p = detect(&with_trailers(&[("Made-with", "Cursor")]));
        assert_ai(&p, &["cursor"], &[], &[("cursor.made-with", "trailer:Made-with")], Confidence::High);
    }

    #[test]
    fn cursor_look_alikes() {
        assert_nothing(&detect(&by(("Cursor Lee", "cursor.lee@acme.io"), ALICE)));
        assert_nothing(&detect(&commit("Refactor\n\nMade with Cursor in mind.", &[])));
        assert_nothing(&detect(&with_trailers(&[("Made-with", "love")])));
    }

    // ---- the other tools' identities ----

    #[test]
    fn codex_identities() {
        let p = detect(&with_trailers(&[("Co-authored-by", "Codex <noreply@openai.com>")]));
        assert_ai(&p, &["codex"], &[], &[("codex.co-author", "trailer:Co-authored-by")], Confidence::High);
        let p = detect(&by(
            (
                "chatgpt-codex-connector[bot]",
                "199175422+chatgpt-codex-connector[bot]@users.noreply.github.com",
            ),
            ALICE,
        ));
        assert_ai(&p, &["codex"], &[], &[("codex.author", "author")], Confidence::High);
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "Codex Team <codex@acme.io>")])));
    }

    #[test]
    fn devin_identities() {
        let bot =
            ("devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com");
        let p = detect(&by(bot, bot));
        assert_ai(
            &p,
            &["devin"],
            &[],
            &[("devin.author", "author"), ("devin.committer", "committer")],
            Confidence::High,
        );
        let p = detect(&with_trailers(&[(
            "Co-Authored-By",
            "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
        )]));
        assert_ai(&p, &["devin"], &[], &[("devin.co-author", "trailer:Co-Authored-By")], Confidence::High);
        assert_nothing(&detect(&by(("Devin Smith", "devin@acme.io"), ("Devin Smith", "devin@acme.io"))));
    }

    #[test]
    fn jules_identity() {
        let p = detect(&by(
            ("google-labs-jules[bot]", "161369871+google-labs-jules[bot]@users.noreply.github.com"),
            ALICE,
        ));
        assert_ai(&p, &["jules"], &[], &[("jules.author", "author")], Confidence::High);
        assert_nothing(&detect(&by(("Jules Verne", "jules@acme.io"), ALICE)));
    }

    #[test]
    fn amp_co_author_and_thread() {
        let p = detect(&with_trailers(&[
            ("Amp-Thread-ID", "https://ampcode.com/threads/T-019cb450-65d5"),
            ("Co-authored-by", "Amp <amp@ampcode.com>"),
        ]));
        assert_ai(
            &p,
            &["amp"],
            &[],
            &[("amp.co-author", "trailer:Co-authored-by"), ("amp.thread-id", "trailer:Amp-Thread-ID")],
            Confidence::High,
        );
        assert_eq!(p.sessions, vec!["https://ampcode.com/threads/T-019cb450-65d5"]);
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "Amp Lee <amp@acme.io>")])));
        assert_nothing(&detect(&commit(
            "Log the Amp-Thread-ID: header\n\nAmp-Thread-ID: is now parsed.",
            &[],
        )));
    }

    #[test]
    fn entire_checkpoint() {
        let p = detect(&with_trailers(&[("Entire-Checkpoint", "a3b2c4d5e6f7")]));
        assert_ai(
            &p,
            &["entire"],
            &[],
            &[("entire.checkpoint", "trailer:Entire-Checkpoint")],
            Confidence::High,
        );
        assert_eq!(p.sessions, vec!["a3b2c4d5e6f7"]);
        assert_nothing(&detect(&commit("Rewrite the entire checkpoint logic", &[])));
    }

    #[test]
    fn opencode_co_author_and_footer() {
        let c = commit(
            "Add cache\n\nGenerated with [opencode](https://opencode.ai)\n\nCo-Authored-By: opencode <noreply@opencode.ai>",
            &[("Co-Authored-By", "opencode <noreply@opencode.ai>")],
        );
        let p = detect(&c);
        assert_ai(
            &p,
            &["opencode"],
            &[],
            &[("opencode.co-author", "trailer:Co-Authored-By"), ("opencode.footer", "message")],
            Confidence::High,
        );
        assert_nothing(&detect(&commit("Try opencode (https://opencode.ai) for refactors", &[])));
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "opencode <dev@acme.io>")])));
    }

    #[test]
    fn qwen_code_co_author() {
        let p = detect(&with_trailers(&[("Co-authored-by", "Qwen-Coder <qwen-coder@alibabacloud.com>")]));
        assert_ai(
            &p,
            &["qwen-code"],
            &[],
            &[("qwen-code.co-author", "trailer:Co-authored-by")],
            Confidence::High,
        );
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "Qwen Li <qwen@acme.io>")])));
    }

    #[test]
    fn mistral_vibe_co_author_and_footer() {
        let c = commit(
            "Tidy\n\nGenerated by Mistral Vibe.\nCo-Authored-By: Mistral Vibe <vibe@mistral.ai>",
            &[("Co-Authored-By", "Mistral Vibe <vibe@mistral.ai>")],
        );
        let p = detect(&c);
        assert_ai(
            &p,
            &["mistral-vibe"],
            &[],
            &[("mistral-vibe.co-author", "trailer:Co-Authored-By"), ("mistral-vibe.footer", "message")],
            Confidence::High,
        );
        assert_nothing(&detect(&commit("Tidy\n\nGenerated by Mistral Vibe. Then edited by hand.", &[])));
    }

    #[test]
    fn amazon_q_identity() {
        let bot = ("amazon-q-developer[bot]", "208079219+amazon-q-developer[bot]@users.noreply.github.com");
        let p = detect(&by(bot, ALICE));
        assert_ai(&p, &["amazon-q"], &[], &[("amazon-q.author", "author")], Confidence::High);
        assert_nothing(&detect(&by(("Q Developer", "q@acme.io"), ALICE)));
    }

    #[test]
    fn gemini_code_assist_co_author() {
        let p = detect(&with_trailers(&[(
            "Co-authored-by",
            "gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>",
        )]));
        assert_ai(&p, &["gemini"], &[], &[("gemini.co-author", "trailer:Co-authored-by")], Confidence::High);
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "Gemini Park <gemini@acme.io>")])));
    }

    #[test]
    fn openhands_identity() {
        let p = detect(&with_trailers(&[("Co-authored-by", "openhands <openhands@all-hands.dev>")]));
        assert_ai(
            &p,
            &["openhands"],
            &[],
            &[("openhands.co-author", "trailer:Co-authored-by")],
            Confidence::High,
        );
        assert_nothing(&detect(&with_trailers(&[("Co-authored-by", "openhands <team@acme.io>")])));
    }

    // ---- policy trailers ----

    #[test]
    fn assisted_by_kernel_style_names_tool_and_model() {
        let p = detect(&with_trailers(&[("Assisted-by", "Claude Code:claude-opus-4")]));
        assert_ai(
            &p,
            &["claude"],
            &["claude-opus-4"],
            &[("policy.assisted-by", "trailer:Assisted-by")],
            Confidence::High,
        );
        let p = detect(&with_trailers(&[("Assisted-by", "Claude:claude-3-opus coccinelle sparse")]));
        assert_ai(
            &p,
            &["claude"],
            &["claude-3-opus"],
            &[("policy.assisted-by", "trailer:Assisted-by")],
            Confidence::High,
        );
    }

    #[test]
    fn generated_by_and_ai_tool() {
        let p = detect(&with_trailers(&[("Generated-by", "GitHub Copilot")]));
        assert_ai(
            &p,
            &["copilot"],
            &[],
            &[("policy.generated-by", "trailer:Generated-by")],
            Confidence::High,
        );
        let p = detect(&with_trailers(&[("AI-Tool", "OpenAI Codex"), ("AI-Model", "gpt-5-codex")]));
        assert_ai(
            &p,
            &["codex"],
            &["gpt-5-codex"],
            &[("policy.ai-model", "trailer:AI-Model"), ("policy.ai-tool", "trailer:AI-Tool")],
            Confidence::High,
        );
        let p = detect(&with_trailers(&[("Assisted-by", "Claude Opus 4.5")]));
        assert_ai(&p, &["claude"], &[], &[("policy.assisted-by", "trailer:Assisted-by")], Confidence::Medium);
        let p = detect(&with_trailers(&[("AI-Tool", "Acme Coder")]));
        assert_ai(&p, &["acme-coder"], &[], &[("policy.ai-tool", "trailer:AI-Tool")], Confidence::Medium);
        let p = detect(&with_trailers(&[("Assisted-by", "Claude <noreply@anthropic.com>")]));
        assert_ai(&p, &["claude"], &[], &[("policy.assisted-by", "trailer:Assisted-by")], Confidence::High);
    }

    #[test]
    fn assisted_by_names_the_model_in_parentheses() {
        let p = detect(&with_trailers(&[("Assisted-by", "gemini-cli (gemini-2.5-pro)")]));
        assert_ai(
            &p,
            &["gemini"],
            &["gemini-2.5-pro"],
            &[("policy.assisted-by", "trailer:Assisted-by")],
            Confidence::High,
        );
        // Words in parentheses are a remark, not a model.
        let p = detect(&with_trailers(&[("Assisted-by", "Claude Code (for the tests only)")]));
        assert_ai(&p, &["claude"], &[], &[("policy.assisted-by", "trailer:Assisted-by")], Confidence::Medium);
    }

    #[test]
    fn ai_model_none_attests_a_human_and_names_no_model() {
        let p = detect(&with_trailers(&[("AI-Model", "none")]));
        assert!(!p.ai);
        assert!(p.tools.is_empty() && p.models.is_empty());
        assert_eq!(rules(&p), vec![("policy.human-attested", "trailer:AI-Model")]);
        assert_nothing(&detect(&commit("Document the AI-Model: none trailer", &[])));
    }

    #[test]
    fn assisted_by_a_person_is_not_a_tool() {
        assert_nothing(&detect(&with_trailers(&[("Assisted-by", "Devin Smith <devin@acme.io>")])));
        assert_nothing(&detect(&with_trailers(&[("Helped-by", "Claude Code")])));
        assert_nothing(&detect(&commit("Explain Assisted-by: Claude Code in CONTRIBUTING", &[])));
    }

    #[test]
    fn generated_by_a_script_is_not_a_tool() {
        assert_nothing(&detect(&with_trailers(&[("Generated-by", "scripts/update-deps.sh")])));
        assert_nothing(&detect(&with_trailers(&[("Generated-by", "Sphinx 7.2")])));
        let p = detect(&with_trailers(&[("Generated-by", "ChatGPT")]));
        assert_ai(
            &p,
            &["chatgpt"],
            &[],
            &[("policy.generated-by", "trailer:Generated-by")],
            Confidence::High,
        );
    }

    #[test]
    fn ai_generated_true_and_false() {
        let p = detect(&with_trailers(&[("AI-Generated", "true")]));
        assert_ai(&p, &[], &[], &[("policy.ai-generated", "trailer:AI-Generated")], Confidence::Medium);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (None, None));
        let p = detect(&with_trailers(&[("Ai-assisted", "yes")]));
        assert_ai(&p, &[], &[], &[("policy.ai-assisted", "trailer:Ai-assisted")], Confidence::Medium);
        let p = detect(&with_trailers(&[("Assisted-by", "yes")]));
        assert_ai(&p, &[], &[], &[("policy.assisted-by", "trailer:Assisted-by")], Confidence::Medium);
        for value in ["false", "no", "None"] {
            let p = detect(&with_trailers(&[("ai-generated", value)]));
            assert!(!p.ai);
            assert!(p.tools.is_empty());
            assert_eq!(rules(&p), vec![("policy.human-attested", "trailer:ai-generated")]);
            assert_eq!(p.evidence[0].tool, None);
            assert_eq!(
                (p.confidence, p.ai_added_lines, p.ai_line_share),
                (Some(Confidence::Medium), None, None)
            );
        }
        assert_nothing(&detect(&with_trailers(&[("AI-Generated", "")])));
        assert_nothing(&detect(&commit("Mark files as AI-Generated: true in the manifest", &[])));
    }

    #[test]
    fn ai_generated_false_does_not_hide_other_evidence() {
        let p = detect(&with_trailers(&[
            ("AI-Generated", "false"),
            ("Co-authored-by", "Codex <noreply@openai.com>"),
        ]));
        assert_ai(
            &p,
            &["codex"],
            &[],
            &[
                ("codex.co-author", "trailer:Co-authored-by"),
                ("policy.human-attested", "trailer:AI-Generated"),
            ],
            Confidence::High,
        );
    }

    #[test]
    fn ai_session_and_prompt_are_sessions() {
        let p = detect(&with_trailers(&[("AI-Session", "sess-42"), ("AI-Prompt", "prompts/123")]));
        assert_ai(
            &p,
            &[],
            &[],
            &[("policy.ai-prompt", "trailer:AI-Prompt"), ("policy.ai-session", "trailer:AI-Session")],
            Confidence::Medium,
        );
        assert_eq!(p.sessions, vec!["prompts/123", "sess-42"]);
        assert_nothing(&detect(&commit(
            "Store AI-Session: ids\n\nAI-Session: and AI-Prompt: are new columns.",
            &[],
        )));
        assert_nothing(&detect(&with_trailers(&[("AI-Session", " ")])));
    }

    #[test]
    fn trailer_keys_ignore_case_and_repeat() {
        let c = with_trailers(&[
            ("CO-AUTHORED-BY", "Claude <noreply@anthropic.com>"),
            ("Co-authored-by", "Jane <jane@acme.io>"),
            ("co-authored-by", "Claude Sonnet 4.5 <noreply@anthropic.com>"),
            ("Co-authored-by", "Claude <noreply@anthropic.com>"),
        ]);
        let p = detect(&c);
        assert_ai(
            &p,
            &["claude"],
            &["claude-sonnet-4.5"],
            &[
                ("claude.co-author", "trailer:CO-AUTHORED-BY"),
                ("claude.co-author", "trailer:Co-authored-by"),
                ("claude.co-author", "trailer:co-authored-by"),
            ],
            Confidence::High,
        );
    }

    #[test]
    fn co_author_lines_outside_the_trailer_block_do_not_count() {
        // git did not parse it as a trailer (it is not in the last paragraph).
        let c = commit("Pair\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nMore text after.", &[]);
        assert_nothing(&detect(&c));
    }

    // ---- git-ai notes ----

    const MULTI: &str = include_str!("../../tests/fixtures/git-ai-notes/note_multi_00ae21a642f9.txt");
    const CURSOR_NOTE: &str = include_str!("../../tests/fixtures/git-ai-notes/note_cursor_00309900d71f.txt");
    const EMPTY_NOTE: &str = include_str!("../../tests/fixtures/git-ai-notes/note_empty_000c95d4f7aa.txt");

    fn adding(lines: i64) -> Commit {
        let mut c = commit("Change things", &[]);
        c.files[0].added = Some(lines);
        c
    }

    #[test]
    fn git_ai_note_gives_exact_lines() {
        let note = parse_note(MULTI).unwrap();
        let p = Detector::new(&[]).unwrap().detect(&adding(1204), Some(&note), &[]);
        assert_ai(&p, &["claude"], &["claude-opus-4.6"], &[("gitai.note", NOTE_SOURCE)], Confidence::High);
        assert_eq!(p.sessions, vec!["6581f90a-0171-4534-b30b-ad5952501a1a"]);
        assert_eq!(p.evidence[0].text, "602 line(s) attributed to claude");
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(602), Some(0.5)));
    }

    #[test]
    fn git_ai_note_share_is_clamped_and_unknown_without_added_lines() {
        let note = parse_note(CURSOR_NOTE).unwrap();
        let p = Detector::new(&[]).unwrap().detect(&adding(41), Some(&note), &[]);
        assert_ai(&p, &["cursor"], &["gpt-5.1"], &[("gitai.note", NOTE_SOURCE)], Confidence::High);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(41), Some(1.0)));
        let mut merge = adding(0);
        merge.files.clear();
        let p = Detector::new(&[]).unwrap().detect(&merge, Some(&note), &[]);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(82), None));
    }

    #[test]
    fn empty_git_ai_note_is_not_evidence() {
        let note = parse_note(EMPTY_NOTE).unwrap();
        assert_nothing(&Detector::new(&[]).unwrap().detect(&adding(5), Some(&note), &[]));
    }

    #[test]
    fn human_only_git_ai_note_is_a_human_attestation() {
        let note =
            parse_note("a.rs\n  human 1-4\n---\n{\"schema_version\": \"authorship/3.0.0\", \"prompts\": {}}")
                .unwrap();
        let p = Detector::new(&[]).unwrap().detect(&adding(4), Some(&note), &[]);
        assert!(!p.ai);
        assert_eq!(rules(&p), vec![("gitai.human", NOTE_SOURCE)]);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (None, None));
    }

    #[test]
    fn git_ai_note_with_unknown_key_is_ai_without_a_tool() {
        let note = parse_note("a.rs\n  0123456789abcdef 1-5\n---\n{\"prompts\": {}}").unwrap();
        let p = Detector::new(&[]).unwrap().detect(&adding(10), Some(&note), &[]);
        assert_ai(&p, &[], &[], &[("gitai.note", NOTE_SOURCE)], Confidence::High);
        assert_eq!(p.evidence[0].tool, None);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(5), Some(0.5)));
    }

    #[test]
    fn ai_author_beats_note_lines() {
        let note = parse_note(MULTI).unwrap();
        let mut c = adding(1000);
        c.author = sig(("Alice Example (aider)", "alice@example.com"));
        let p = Detector::new(&[]).unwrap().detect(&c, Some(&note), &[]);
        assert_eq!(p.tools, vec!["aider", "claude"]);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(1000), Some(1.0)));
        c.files.clear();
        let p = Detector::new(&[]).unwrap().detect(&c, Some(&note), &[]);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(0), Some(1.0)));
    }

    #[test]
    fn model_spellings_group_together() {
        for (given, expected) in [
            ("Claude Opus 4.1", "claude-opus-4.1"),
            ("claude-opus-4-1-20250805", "claude-opus-4.1"),
            ("anthropic/claude-opus-4.1", "claude-opus-4.1"),
            ("openrouter/anthropic/claude-sonnet-4", "claude-sonnet-4"),
            ("Claude Sonnet 4", "claude-sonnet-4"),
            ("claude-3-5-sonnet-20241022", "claude-3.5-sonnet"),
            ("gpt-5.1", "gpt-5.1"),
            ("gpt-4o-2024-08-06", "gpt-4o"),
            ("o4-mini", "o4-mini"),
            ("qwen3-coder-480b", "qwen3-coder-480b"),
            ("claude-opus-4-6", "claude-opus-4.6"),
            ("gemini-2.5-pro-exp-03-25", "gemini-2.5-pro-exp-03-25"),
        ] {
            assert_eq!(normalize_model(given), expected, "{given}");
        }
    }

    // ---- Agent Trace ----

    fn trace(files: &str) -> TraceRecord {
        let line = format!(
            r#"{{"version":"0.1.0","id":"rec-1","vcs":{{"type":"git","revision":"0123456789abcdef0123456789abcdef01234567"}},"tool":{{"name":"Cursor","version":"2.4"}},"files":{files}}}"#
        );
        parse_traces(&line).unwrap().remove(0)
    }

    #[test]
    fn agent_trace_record_gives_tool_models_urls_and_lines() {
        let record = trace(
            r#"[{"path":"src/app.rs","conversations":[{"url":"https://cursor.com/c/1","contributor":{"type":"ai","model_id":"anthropic/claude-opus-4-5"},"ranges":[{"start_line":1,"end_line":4}]},{"url":"https://cursor.com/c/2","contributor":{"type":"mixed"},"ranges":[{"start_line":8,"end_line":9}]}]}]"#,
        );
        let p = Detector::new(&[]).unwrap().detect(&adding(8), None, &[&record]);
        assert_ai(
            &p,
            &["cursor"],
            &["claude-opus-4.5"],
            &[("agent-trace.record", TRACE_SOURCE)],
            Confidence::High,
        );
        assert_eq!(p.sessions, vec!["https://cursor.com/c/1", "https://cursor.com/c/2"]);
        assert_eq!(p.evidence[0].text, "record rec-1 by Cursor: 4 ai line(s), 2 mixed line(s)");
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(4), Some(0.5)));
    }

    #[test]
    fn agent_trace_human_record_is_a_human_attestation() {
        let record = trace(
            r#"[{"path":"a","conversations":[{"contributor":{"type":"human"},"ranges":[{"start_line":1,"end_line":3}]}]}]"#,
        );
        let p = Detector::new(&[]).unwrap().detect(&adding(3), None, &[&record]);
        assert!(!p.ai);
        assert_eq!(rules(&p), vec![("agent-trace.human", TRACE_SOURCE)]);
        let unknown = trace(
            r#"[{"path":"a","conversations":[{"contributor":{"type":"unknown"},"ranges":[{"start_line":1,"end_line":3}]}]}]"#,
        );
        assert_nothing(&Detector::new(&[]).unwrap().detect(&adding(3), None, &[&unknown]));
    }

    #[test]
    fn note_and_trace_lines_are_joined_without_double_counting() {
        let note = parse_note(
            "src/app.rs\n  k 1-6\n---\n{\"prompts\": {\"k\": {\"agent_id\": {\"tool\": \"cursor\"}}}}",
        )
        .unwrap();
        let record = trace(
            r#"[{"path":"src/app.rs","conversations":[{"contributor":{"type":"ai"},"ranges":[{"start_line":5,"end_line":8}]}]}]"#,
        );
        let p = Detector::new(&[]).unwrap().detect(&adding(10), Some(&note), &[&record]);
        assert_eq!(rules(&p), vec![("agent-trace.record", TRACE_SOURCE), ("gitai.note", NOTE_SOURCE)]);
        assert_eq!(p.tools, vec!["cursor"]);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(8), Some(0.8)));
    }

    // ---- user rules ----

    fn user_rule(name: &str, field: RuleField, key: Option<&str>, pattern: &str) -> UserRule {
        UserRule {
            name: name.into(),
            field,
            key: key.map(str::to_string),
            pattern: pattern.into(),
            tool: "Acme-Bot".into(),
            confidence: None,
            model: None,
        }
    }

    #[test]
    fn user_rule_on_the_author_owns_every_line() {
        let detector = Detector::new(&[user_rule("acme", RuleField::Author, None, r"^acme-bot <")]).unwrap();
        let mut c = adding(7);
        c.author = sig(("acme-bot", "bot@acme.io"));
        let p = detector.detect(&c, None, &[]);
        assert_ai(&p, &["acme-bot"], &[], &[("user.acme", "author")], Confidence::Medium);
        assert_eq!(p.evidence[0].text, "acme-bot <bot@acme.io>");
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(7), Some(1.0)));
        assert_nothing(&detector.detect(&adding(7), None, &[]));
    }

    #[test]
    fn user_rule_on_a_trailer_captures_the_model() {
        let mut rule =
            user_rule("acme-model", RuleField::Trailer, Some("x-acme-ai"), r"^X-Acme-AI: (?P<model>\S+)");
        rule.confidence = Some(Confidence::High);
        let detector = Detector::new(&[rule]).unwrap();
        let p = detector.detect(&with_trailers(&[("x-acme-ai", "Acme-7b"), ("Other", "x")]), None, &[]);
        // The key matches case-insensitively, but the text keeps the key as written.
        assert_nothing(&p);
        let p = detector.detect(
            &with_trailers(&[("X-Acme-AI", "acme-7b"), ("Other", "X-Acme-AI: no")]),
            None,
            &[],
        );
        assert_ai(
            &p,
            &["acme-bot"],
            &["acme-7b"],
            &[("user.acme-model", "trailer:X-Acme-AI")],
            Confidence::High,
        );
        assert_eq!((p.ai_added_lines, p.ai_line_share), (None, None));
    }

    #[test]
    fn user_rule_on_message_subject_and_committer() {
        let mut rule = user_rule("gen", RuleField::Message, None, r"\[generated by acme\]");
        rule.model = Some("acme-large".into());
        let subject = user_rule("subj", RuleField::Subject, None, r"^acme:");
        let committer = user_rule("ci", RuleField::Committer, None, r"@ci\.acme\.io>$");
        let detector = Detector::new(&[rule, subject, committer]).unwrap();
        let mut c = commit("acme: regenerate\n\nBody [generated by acme] end.", &[]);
        c.committer = sig(("CI", "ci@ci.acme.io"));
        let p = detector.detect(&c, None, &[]);
        assert_ai(
            &p,
            &["acme-bot"],
            &["acme-large"],
            &[("user.ci", "committer"), ("user.gen", "message"), ("user.subj", "subject")],
            Confidence::Medium,
        );
        assert_eq!(p.evidence[1].text, "[generated by acme]");
        assert_eq!(p.ai_line_share, None);
        assert_nothing(&detector.detect(&commit("Mention acme: in the docs", &[]), None, &[]));
    }

    #[test]
    fn invalid_user_pattern_is_an_error_not_a_panic() {
        let e = Detector::new(&[user_rule("bad", RuleField::Author, None, "(unclosed")]).unwrap_err();
        assert!(e.to_string().starts_with("provenance rule \"bad\": invalid pattern"), "{e}");
        assert!(e.is_bad_input());
    }

    // ---- folding and names ----

    #[test]
    fn ai_author_with_no_added_lines_has_share_one() {
        let mut c = by(("copilot-swe-agent[bot]", "198982749+Copilot@users.noreply.github.com"), ALICE);
        c.files.clear();
        let p = detect(&c);
        assert_eq!((p.ai_added_lines, p.ai_line_share), (Some(0), Some(1.0)));
    }

    #[test]
    fn verdicts_are_sorted_unique_and_deterministic() {
        let c = with_trailers(&[
            ("Co-authored-by", "Codex <noreply@openai.com>"),
            ("Co-authored-by", "Claude Sonnet 4.5 <noreply@anthropic.com>"),
            ("Co-authored-by", "Claude Opus 4.5 <noreply@anthropic.com>"),
            ("Co-authored-by", "Codex <noreply@openai.com>"),
        ]);
        let p = detect(&c);
        assert_eq!(p.tools, vec!["claude", "codex"]);
        assert_eq!(p.models, vec!["claude-opus-4.5", "claude-sonnet-4.5"]);
        assert_eq!(p.evidence.len(), 3);
        let mut sorted = p.evidence.clone();
        sorted.sort();
        assert_eq!(p.evidence, sorted);
        assert_eq!(detect(&c), p);
        assert_eq!((p.repo.as_str(), p.sha.as_str()), ("shop", "0123456789abcdef0123456789abcdef01234567"));
    }

    #[test]
    fn plain_commits_have_no_verdict() {
        assert_nothing(&detect(&commit(
            "Fix typo\n\nSigned-off-by: Alice <alice@example.com>",
            &[("Signed-off-by", "Alice <alice@example.com>")],
        )));
    }

    #[test]
    fn normalize_tool_names() {
        let cases = [
            ("Claude Code", "claude"),
            ("claude", "claude"),
            ("claude[bot]", "claude"),
            ("Claude Opus 4.5", "claude"),
            ("GitHub Copilot", "copilot"),
            ("copilot_cli", "copilot"),
            ("copilot-swe-agent[bot]", "copilot"),
            ("OpenAI Codex", "codex"),
            ("Codex CLI", "codex"),
            ("Cursor", "cursor"),
            ("Cursor Agent", "cursor"),
            ("aider", "aider"),
            ("Devin", "devin"),
            ("google-labs-jules[bot]", "jules"),
            ("amp-cli", "amp"),
            ("Amp", "amp"),
            ("Entire", "entire"),
            ("opencode", "opencode"),
            ("Qwen-Coder", "qwen-code"),
            ("Qwen Code", "qwen-code"),
            ("Mistral Vibe", "mistral-vibe"),
            ("Amazon Q Developer", "amazon-q"),
            ("gemini-cli", "gemini"),
            ("Gemini Code Assist", "gemini"),
            ("OpenHands", "openhands"),
            ("Windsurf", "windsurf"),
            ("Acme Bot 2", "acme-bot-2"),
            ("  ", "unknown"),
            ("Example Tool", "example-tool"),
        ];
        for (name, tool) in cases {
            assert_eq!(normalize_tool(name), tool, "{name}");
        }
        assert_eq!(tool_alias("Claude Code"), Some("claude"));
        assert_eq!(tool_alias("Devin Smith"), None);
        assert_eq!(tool_alias("Claude Opus 4.5"), None);
    }

    #[test]
    fn split_person_handles_odd_values() {
        assert_eq!(split_person("Jane Doe <jane@acme.io>"), ("Jane Doe", "jane@acme.io"));
        assert_eq!(split_person("<x@y>"), ("", "x@y"));
        assert_eq!(split_person("no email"), ("no email", ""));
        assert_eq!(split_person("a <b"), ("a <b", ""));
        assert_eq!(split_person("a <b> c"), ("a <b> c", ""));
        assert_eq!(split_person(""), ("", ""));
    }
}
