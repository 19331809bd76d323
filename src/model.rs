//! The owned records that flow between ingestion, the store and the renderers.
//!
//! Every input format is converted into these types at its boundary, so nothing downstream
//! depends on git2, serde row types or a vendor's field names.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

/// A person or bot as git records them: name, email and the moment with its original offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// Display name, decoded per the commit's encoding header.
    pub name: String,
    /// Email as written (not lower-cased).
    pub email: String,
    /// The instant, with the UTC offset the committer's clock had; the offset is evidence
    /// (time zones of a team), the instant is what analyses compare.
    pub at: DateTime<FixedOffset>,
}

impl Signature {
    /// The instant in UTC.
    pub fn at_utc(&self) -> DateTime<Utc> {
        self.at.with_timezone(&Utc)
    }

    /// The original offset from UTC, in minutes east.
    pub fn offset_minutes(&self) -> i32 {
        self.at.offset().local_minus_utc() / 60
    }
}

/// One `Key: value` trailer from the end of a commit message, in message order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trailer {
    /// The key as written; compare with [`Trailer::is`], which ignores case.
    pub key: String,
    /// The value, with continuation lines folded.
    pub value: String,
}

impl Trailer {
    /// Whether this trailer's key equals `key`, ignoring ASCII case (git's rule).
    pub fn is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// How a file changed in a commit, relative to the first parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// The file is new.
    Added,
    /// The file's content or mode changed.
    Modified,
    /// The file was removed.
    Deleted,
    /// The file moved (possibly with edits); `old_path` says from where.
    Renamed,
    /// The file was copied from `old_path`.
    Copied,
    /// The entry changed type (file ↔ symlink ↔ submodule).
    Typechange,
}

impl ChangeKind {
    /// The lower-case name stored in `commit_files.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Copied => "copied",
            ChangeKind::Typechange => "typechange",
        }
    }
}

/// One file touched by a commit, with git's `--numstat` line counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// Path after the change (for a deletion: the removed path).
    pub path: String,
    /// Path before a rename or copy.
    pub old_path: Option<String>,
    /// What happened to the file.
    #[serde(rename = "status")]
    pub kind: ChangeKind,
    /// Lines added; `None` for binary files or when a blob could not be read.
    #[serde(rename = "added_lines")]
    pub added: Option<i64>,
    /// Lines deleted; `None` like `added`.
    #[serde(rename = "deleted_lines")]
    pub deleted: Option<i64>,
    /// Whether git considers either side binary.
    #[serde(rename = "is_binary")]
    pub binary: bool,
}

/// The first 12 characters of a commit id, as faultline shows ids to people; cut on a
/// character boundary, so an id quoted from an input file never splits a character.
pub fn short_sha(sha: &str) -> &str {
    sha.char_indices().nth(12).map_or(sha, |(end, _)| &sha[..end])
}

/// A commit as read from a repository, before provenance is decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// The configured repository name.
    pub repo: String,
    /// Full 40-hex object id.
    pub sha: String,
    /// Parent ids in order; empty for a root commit (or at a shallow boundary).
    pub parents: Vec<String>,
    /// Who wrote the change.
    pub author: Signature,
    /// Who committed it.
    pub committer: Signature,
    /// First line of the message.
    pub subject: String,
    /// The message after the subject and its blank line, trailers included.
    pub body: String,
    /// Trailers found by git's rules, in message order.
    pub trailers: Vec<Trailer>,
    /// Files changed against the first parent; empty for merges (as `git log --numstat`).
    pub files: Vec<FileChange>,
    /// For a merge, the paths it changed against its first parent (table `merge_files`).
    pub merge_paths: Vec<String>,
    /// Whether this commit's parents are cut off by a shallow clone.
    pub shallow_boundary: bool,
}

impl Commit {
    /// The whole message: subject, blank line, body.
    pub fn message(&self) -> String {
        if self.body.is_empty() {
            self.subject.clone()
        } else {
            format!("{}\n\n{}", self.subject, self.body)
        }
    }

    /// Lines added over all text files.
    pub fn added_lines(&self) -> i64 {
        self.files.iter().filter_map(|f| f.added).sum()
    }

    /// Lines deleted over all text files.
    pub fn deleted_lines(&self) -> i64 {
        self.files.iter().filter_map(|f| f.deleted).sum()
    }

    /// Whether the commit has more than one parent.
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }
}

/// How sure a provenance finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A weak or user-declared signal.
    Low,
    /// A convention a person could also type by hand, or a declaration without tool detail.
    Medium,
    /// A marker only the tool writes: its bot identity, its co-author address, an authorship note.
    High,
}

impl Confidence {
    /// The lower-case name stored in `provenance.confidence`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One rule that matched one piece of text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// Rule id, e.g. `claude.co-author` or `user.acme-bot`.
    pub rule: String,
    /// Where the text came from: `author`, `committer`, `trailer:Co-authored-by`, `message`,
    /// `subject`, `note:refs/notes/ai`, `agent-trace`.
    pub source: String,
    /// The text that matched, verbatim (escape it when rendering).
    pub text: String,
    /// The tool the rule names (lower-case), if it names one.
    pub tool: Option<String>,
    /// How sure the rule is.
    pub confidence: Confidence,
}

impl Evidence {
    /// One line for people: `rule: source "text"`.
    pub fn describe(&self) -> String {
        format!("{} matched {} {:?}", self.rule, self.source, self.text)
    }
}

/// The verdict on who or what wrote a commit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// Repository name.
    pub repo: String,
    /// Commit id.
    pub sha: String,
    /// Whether any AI rule matched (an explicit `AI-Generated: false` does not count).
    pub ai: bool,
    /// Lower-case tool names, sorted, unique.
    pub tools: Vec<String>,
    /// Model names as stated, sorted, unique.
    pub models: Vec<String>,
    /// Session, thread, conversation or prompt references as stated, sorted, unique.
    pub sessions: Vec<String>,
    /// The strongest confidence among the matches; `None` when nothing matched.
    pub confidence: Option<Confidence>,
    /// Every match, sorted.
    pub evidence: Vec<Evidence>,
    /// Added lines attributed to AI, when known exactly (AI author, git-ai note, Agent Trace).
    pub ai_added_lines: Option<i64>,
    /// `ai_added_lines / added lines`; 1.0 for an AI author; `None` when unknown.
    pub ai_line_share: Option<f64>,
}

/// How a deploy ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployStatus {
    /// The new version is running.
    Success,
    /// The deploy failed.
    Failure,
    /// Still running (or the source never said how it ended).
    InProgress,
    /// Stopped before it finished.
    Cancelled,
}

impl DeployStatus {
    /// The name stored in `deploys.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeployStatus::Success => "success",
            DeployStatus::Failure => "failure",
            DeployStatus::InProgress => "in_progress",
            DeployStatus::Cancelled => "cancelled",
        }
    }
}

/// Whether a deploy ships a version forward or goes back to an earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployKind {
    /// A new version.
    Deploy,
    /// Back to an earlier version; `rollback_of` names the deploy it undoes when known.
    Rollback,
}

impl DeployKind {
    /// The name stored in `deploys.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeployKind::Deploy => "deploy",
            DeployKind::Rollback => "rollback",
        }
    }
}

/// One deploy of one service to one environment, from any source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Deploy {
    /// Unique within the sources (a source's own id, prefixed where ids could collide).
    pub id: String,
    /// Catalog service name.
    pub service: String,
    /// Environment (`production`, `staging`, …).
    pub environment: String,
    /// Configured repository name, when known.
    pub repo: Option<String>,
    /// Full or abbreviated commit id deployed, when known.
    pub sha: Option<String>,
    /// When the deploy started.
    pub started_at: DateTime<Utc>,
    /// When it finished, if it did.
    pub finished_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub status: DeployStatus,
    /// Deploy or rollback.
    pub kind: DeployKind,
    /// The deploy a rollback undoes.
    pub rollback_of: Option<String>,
    /// Who or what started it.
    pub actor: Option<String>,
    /// The format it was read from (`canonical`, `github`, `argocd`, …).
    pub source: String,
    /// `file:line` or `file:$.json.path` of the record, for messages.
    pub origin: String,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TimelineEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What kind of entry (`update`, `status`, `note`, `alert`, …), lower-case.
    pub kind: String,
    /// The text as written (untrusted: escape it when rendering).
    pub text: String,
}

/// One incident, from any source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// Unique within the sources.
    pub id: String,
    /// Title as written.
    pub title: String,
    /// 1 (worst) to 5, when known.
    pub severity: Option<i32>,
    /// Catalog services affected, sorted.
    pub services: Vec<String>,
    /// When impact began.
    pub started_at: DateTime<Utc>,
    /// When it was noticed.
    pub detected_at: Option<DateTime<Utc>>,
    /// When impact ended.
    pub mitigated_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Customers affected, when the source says.
    pub customers_affected: Option<i64>,
    /// The timeline, oldest first.
    pub timeline: Vec<TimelineEvent>,
    /// The format it was read from.
    pub source: String,
    /// `file:line` or `file:$.json.path` of the record.
    pub origin: String,
}

/// A record a source held that faultline could not use, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reject {
    /// The file.
    pub file: String,
    /// `line 12` or a JSON path such as `$.deployments[3]`.
    pub position: String,
    /// The field at fault, when one is.
    pub field: Option<String>,
    /// What was found and what was expected.
    pub message: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: ", self.file, self.position)?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// One entry of the service catalog.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Service {
    /// Catalog name (Backstage `metadata.name`), unique.
    pub name: String,
    /// `component`, `resource`, `system` or `api`.
    pub kind: String,
    /// The system it belongs to, if any.
    pub system: Option<String>,
    /// Owning team, if any.
    pub owner: Option<String>,
    /// 1 (most critical) to 5, when known.
    pub tier: Option<i32>,
    /// Backstage `spec.lifecycle` (`production`, `experimental`, …).
    pub lifecycle: Option<String>,
    /// Configured repository name holding its code, when known.
    pub repo: Option<String>,
    /// Folder inside that repository (for monorepos), without a trailing slash; `None` = all.
    pub path: Option<String>,
    /// Other names the service goes by (titles, status-page components, PagerDuty services).
    pub aliases: Vec<String>,
}

/// `service` depends on `depends_on` (a failure of the latter can surface in the former).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ServiceDep {
    /// The dependent service.
    pub service: String,
    /// The service it depends on.
    pub depends_on: String,
    /// How the catalog says so: `depends_on` or `consumes_api`.
    pub via: String,
}

/// One commit one deploy shipped: reachable from the deploy's commit and not from the previous
/// successful deploy of the same service and environment, and touching the service's folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployCommit {
    /// The deploy.
    pub deploy_id: String,
    /// Its service and environment.
    pub service: String,
    /// Its environment.
    pub environment: String,
    /// The configured repository.
    pub repo: String,
    /// The commit, full id.
    pub sha: String,
    /// 0 for the deployed commit itself, then 1, 2, … going back in history.
    pub position: i32,
    /// When the deploy started.
    pub deployed_at: DateTime<Utc>,
}

/// What a suspect is: a deploy, a commit, or the share of "no change at fault".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectKind {
    /// A deploy shipped the cause.
    Deploy,
    /// A commit is the cause.
    Commit,
    /// No change at fault (capacity, a dependency outside, hardware, …).
    NoChange,
}

impl SuspectKind {
    /// The name stored in `suspects.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuspectKind::Deploy => "deploy",
            SuspectKind::Commit => "commit",
            SuspectKind::NoChange => "no_change",
        }
    }

    /// The kind a stored name stands for (an unknown name reads as `no_change`).
    pub fn parse(name: &str) -> SuspectKind {
        match name {
            "deploy" => SuspectKind::Deploy,
            "commit" => SuspectKind::Commit,
            _ => SuspectKind::NoChange,
        }
    }
}

/// One suspect of one incident: how likely it caused it, and why, in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suspect {
    /// The incident.
    pub incident_id: String,
    /// Deploy, commit or no change.
    pub kind: SuspectKind,
    /// 1 for the most likely of its kind.
    pub rank: i32,
    /// The deploy (for a commit: the deploy that shipped it).
    pub deploy_id: Option<String>,
    /// The deploy's service.
    pub service: Option<String>,
    /// The commit's repository.
    pub repo: Option<String>,
    /// The commit.
    pub sha: Option<String>,
    /// P(this caused the incident); all deploys and "no change" sum to 1, and all of a
    /// deploy's commits to the deploy's probability (the suspects under
    /// `attribution.min_probability` are counted in the "no change" row's evidence, not listed).
    pub probability: f64,
    /// The log-odds score behind the probability.
    pub score: f64,
    /// Each piece of evidence, in plain words.
    pub evidence: Vec<String>,
}

/// One line a fix or revert changed, and the commit that last wrote it (SZZ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SzzLine {
    /// The incident the fix belongs to.
    pub incident_id: String,
    /// The repository.
    pub repo: String,
    /// The fix or revert.
    pub fix_sha: String,
    /// The commit blamed.
    pub blamed_sha: String,
    /// The file at the fix's parent.
    pub path: String,
    /// The line number there.
    pub line: i32,
}

#[cfg(test)]
mod tests {
    use super::short_sha;

    #[test]
    fn short_ids_cut_on_character_boundaries() {
        assert_eq!(short_sha("0123456789abcdef0123"), "0123456789ab");
        assert_eq!(short_sha("abc"), "abc");
        // An id quoted from an input file may be anything; twelve characters, not bytes.
        assert_eq!(short_sha("ééééééééééééé"), "éééééééééééé");
    }
}
