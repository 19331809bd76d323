//! Answers to "who or what wrote these commits?" from the `commits` and `provenance` tables:
//! the summary by tool and model, one row per commit, and one commit's full audit trail.
//!
//! A commit's origin is `ai` when any rule found AI evidence, `human` when the only evidence is
//! a human attestation (`AI-Generated: false`, a git-ai note or Agent Trace record that gives
//! the lines to a person), and `unknown` otherwise: the absence of a marker is not proof that a
//! person wrote the change, and the reports say so rather than counting it as human.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{ints, text_lists, texts, Kind, Source};
use crate::error::{Error, Result};
use crate::model::{Commit, Evidence, Provenance, Trailer};
use crate::store::Store;
use crate::tables::{self, names};

/// Who wrote a commit, as far as the evidence tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// An AI tool wrote or co-wrote it.
    Ai,
    /// A person attested that no AI tool did.
    Human,
    /// Nothing says either way.
    Unknown,
}

impl Origin {
    /// The lower-case name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Ai => "ai",
            Origin::Human => "human",
            Origin::Unknown => "unknown",
        }
    }

    /// The origin a provenance verdict implies.
    pub fn of(provenance: &Provenance) -> Origin {
        if provenance.ai {
            Origin::Ai
        } else if provenance.evidence.is_empty() {
            Origin::Unknown
        } else {
            Origin::Human
        }
    }
}

/// One commit and its provenance, as `provenance --list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CommitRow {
    /// Commit id.
    pub sha: String,
    /// Repository name.
    pub repo: String,
    /// Whether AI evidence was found.
    pub ai: bool,
    /// `ai`, `human` or `unknown`.
    pub origin: Origin,
    /// Lower-case tool names.
    pub tools: Vec<String>,
    /// Models as stated.
    pub models: Vec<String>,
    /// Session, thread or prompt references.
    pub sessions: Vec<String>,
    /// Strongest confidence, if any evidence.
    pub confidence: Option<String>,
    /// Share of added lines written by AI, when known.
    pub ai_line_share: Option<f64>,
    /// Added lines written by AI, when known.
    pub ai_added_lines: Option<i64>,
    /// Added lines in all.
    pub added_lines: i64,
    /// Every match, in words.
    pub evidence: Vec<String>,
    /// Author `Name <email>`.
    pub author: String,
    /// Author time, RFC 3339 with the original offset.
    pub authored_at: String,
    /// First line of the message.
    pub subject: String,
}

/// One commit's full audit trail: the row plus everything the verdict rests on.
#[derive(Debug, Clone, Serialize)]
pub struct AuditTrail {
    /// The summary row.
    #[serde(flatten)]
    pub row: CommitRow,
    /// Committer `Name <email>`.
    pub committer: String,
    /// Commit time, RFC 3339 with the original offset.
    pub committed_at: String,
    /// Parent ids.
    pub parents: Vec<String>,
    /// The message after the subject.
    pub body: String,
    /// Trailers in message order.
    pub trailers: Vec<Trailer>,
    /// Each match with its rule, source, text, tool and confidence.
    pub evidence_detail: Vec<Evidence>,
    /// Files changed with their line counts.
    pub files: Vec<crate::model::FileChange>,
}

/// Commits and lines per tool and model.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ToolRow {
    /// Tool name.
    pub tool: String,
    /// Model name, or `None` when the evidence names none.
    pub model: Option<String>,
    /// Commits with this tool and model.
    pub commits: i64,
    /// Added lines of those commits.
    pub added_lines: i64,
    /// Added lines attributed to AI where known exactly.
    pub ai_added_lines: i64,
}

/// The answer to `faultline provenance` without a commit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Commits in the store (merges included).
    pub commits: i64,
    /// Commits with AI evidence.
    pub ai_commits: i64,
    /// Commits a person attested as human.
    pub human_commits: i64,
    /// Commits with no evidence either way.
    pub unknown_commits: i64,
    /// `ai_commits / commits`.
    pub ai_share: f64,
    /// `unknown_commits / commits`.
    pub unknown_share: f64,
    /// Per tool and model, sorted by commits (descending), then tool and model.
    pub by_tool: Vec<ToolRow>,
}

/// The provenance summary of every stored commit, summed on the engine: commits by origin,
/// and AI commits by their lists of tools and models. Only those sums come back, so it is what
/// `analyze` prints on a store or a lake of any size.
pub fn summary(source: &mut Source) -> Result<Summary> {
    for table in [names::COMMITS, names::PROVENANCE] {
        if !source.has(table) {
            return Err(Error::Usage(format!(
                "there is no `{table}` table yet; run `faultline ingest` first"
            )));
        }
    }
    let run = source.run();
    let frame = run.query(
        "SELECT COALESCE(p.origin, 'unknown') AS origin, COUNT(*) AS commits \
         FROM (SELECT repo, sha FROM commits) c \
         LEFT JOIN (SELECT repo, sha, origin FROM provenance) p ON p.repo = c.repo AND p.sha = c.sha \
         GROUP BY COALESCE(p.origin, 'unknown')",
        &[("origin", Kind::Text), ("commits", Kind::Int)],
    )?;
    let (origins, counts) = (texts(&frame, "origin")?, ints(&frame, "commits")?);
    let mut verdicts: Vec<Verdict> = (0..frame.height())
        .filter_map(|k| {
            let origin = match origins[k].as_deref() {
                Some("ai") => return None, // counted with their tools below
                Some("human") => Origin::Human,
                _ => Origin::Unknown,
            };
            let commits = counts[k].unwrap_or(0);
            Some(Verdict {
                origin,
                tools: Vec::new(),
                models: Vec::new(),
                commits,
                added_lines: 0,
                ai_added_lines: 0,
            })
        })
        .collect();
    let frame = run.query(
        "SELECT p.tools, p.models, COUNT(*) AS commits, SUM(COALESCE(c.added_lines, 0)) AS added, \
                SUM(COALESCE(p.ai_added_lines, 0)) AS ai_added \
         FROM (SELECT repo, sha, added_lines FROM commits) c \
         JOIN (SELECT repo, sha, tools, models, ai_added_lines FROM provenance WHERE ai) p \
           ON p.repo = c.repo AND p.sha = c.sha \
         GROUP BY p.tools, p.models",
        &[
            ("tools", Kind::TextList),
            ("models", Kind::TextList),
            ("commits", Kind::Int),
            ("added", Kind::Int),
            ("ai_added", Kind::Int),
        ],
    )?;
    let (tools, models) = (text_lists(&frame, "tools")?, text_lists(&frame, "models")?);
    let (commits, added, ai_added) =
        (ints(&frame, "commits")?, ints(&frame, "added")?, ints(&frame, "ai_added")?);
    for (k, (tools, models)) in tools.into_iter().zip(models).enumerate() {
        verdicts.push(Verdict {
            origin: Origin::Ai,
            tools,
            models,
            commits: commits[k].unwrap_or(0),
            added_lines: added[k].unwrap_or(0),
            ai_added_lines: ai_added[k].unwrap_or(0),
        });
    }
    Ok(summarize(verdicts.iter()))
}

/// Commits of one provenance, as far as the summary counts them.
struct Verdict {
    origin: Origin,
    tools: Vec<String>,
    models: Vec<String>,
    /// How many commits.
    commits: i64,
    /// Their added lines.
    added_lines: i64,
    /// Their added lines written by AI, where known.
    ai_added_lines: i64,
}

fn summarize<'a>(verdicts: impl Iterator<Item = &'a Verdict>) -> Summary {
    let mut by_tool: BTreeMap<(String, Option<String>), ToolRow> = BTreeMap::new();
    let (mut ai, mut human, mut unknown) = (0, 0, 0);
    let unnamed = ["unnamed".to_string()];
    for v in verdicts {
        match v.origin {
            Origin::Ai => ai += v.commits,
            Origin::Human => human += v.commits,
            Origin::Unknown => unknown += v.commits,
        }
        if v.origin != Origin::Ai {
            continue;
        }
        let tools = if v.tools.is_empty() { &unnamed[..] } else { &v.tools[..] };
        let models: Vec<Option<&String>> =
            if v.models.is_empty() { vec![None] } else { v.models.iter().map(Some).collect() };
        for tool in tools {
            for model in &models {
                let row = by_tool.entry((tool.clone(), model.cloned())).or_insert_with(|| ToolRow {
                    tool: tool.clone(),
                    model: model.cloned(),
                    commits: 0,
                    added_lines: 0,
                    ai_added_lines: 0,
                });
                row.commits += v.commits;
                row.added_lines += v.added_lines;
                row.ai_added_lines += v.ai_added_lines;
            }
        }
    }
    let mut rows: Vec<ToolRow> = by_tool.into_values().collect();
    rows.sort_by(|a, b| b.commits.cmp(&a.commits).then(a.tool.cmp(&b.tool)).then(a.model.cmp(&b.model)));
    let total = ai + human + unknown;
    let share = |n: i64| if total == 0 { 0.0 } else { n as f64 / total as f64 };
    Summary {
        commits: total,
        ai_commits: ai,
        human_commits: human,
        unknown_commits: unknown,
        ai_share: share(ai),
        unknown_share: share(unknown),
        by_tool: rows,
    }
}

/// Commits and their provenance, loaded from the store.
pub struct Ledger {
    commits: Vec<Commit>,
    provenance: BTreeMap<(String, String), Provenance>,
}

impl Ledger {
    /// Load from the store; an error when nothing has been ingested yet.
    pub fn load(store: &Store) -> Result<Ledger> {
        let missing = || {
            Error::Usage(format!(
                "the store {} holds no commits yet; run `faultline ingest` first",
                store.root().display()
            ))
        };
        let commits = store.read(names::COMMITS)?.ok_or_else(missing)?;
        let files = store.read(names::COMMIT_FILES)?;
        let provenance = store.read(names::PROVENANCE)?.ok_or_else(missing)?;
        let mut commits = tables::commits_from_frames(&commits, files.as_ref())?;
        commits.sort_by(|a, b| {
            (a.author.at.timestamp(), &a.repo, &a.sha).cmp(&(b.author.at.timestamp(), &b.repo, &b.sha))
        });
        let provenance = tables::provenance_from_frame(&provenance)?
            .into_iter()
            .map(|p| ((p.repo.clone(), p.sha.clone()), p))
            .collect();
        Ok(Ledger { commits, provenance })
    }

    /// Build from records already in memory.
    pub fn new(commits: Vec<Commit>, provenance: Vec<Provenance>) -> Ledger {
        let provenance = provenance.into_iter().map(|p| ((p.repo.clone(), p.sha.clone()), p)).collect();
        Ledger { commits, provenance }
    }

    fn provenance_of(&self, commit: &Commit) -> Provenance {
        self.provenance.get(&(commit.repo.clone(), commit.sha.clone())).cloned().unwrap_or(Provenance {
            repo: commit.repo.clone(),
            sha: commit.sha.clone(),
            ai: false,
            tools: Vec::new(),
            models: Vec::new(),
            sessions: Vec::new(),
            confidence: None,
            evidence: Vec::new(),
            ai_added_lines: None,
            ai_line_share: None,
        })
    }

    /// Counts by tool and model, and the shares of AI and unknown-origin commits.
    pub fn summary(&self) -> Summary {
        let verdicts: Vec<Verdict> = self
            .commits
            .iter()
            .map(|c| {
                let p = self.provenance_of(c);
                Verdict {
                    origin: Origin::of(&p),
                    ai_added_lines: p.ai_added_lines.unwrap_or(0),
                    tools: p.tools,
                    models: p.models,
                    commits: 1,
                    added_lines: c.added_lines(),
                }
            })
            .collect();
        summarize(verdicts.iter())
    }

    /// One row per commit, oldest first.
    pub fn rows(&self) -> Vec<CommitRow> {
        self.commits.iter().map(|c| self.row(c)).collect()
    }

    fn row(&self, commit: &Commit) -> CommitRow {
        let p = self.provenance_of(commit);
        CommitRow {
            sha: commit.sha.clone(),
            repo: commit.repo.clone(),
            ai: p.ai,
            origin: Origin::of(&p),
            tools: p.tools.clone(),
            models: p.models.clone(),
            sessions: p.sessions.clone(),
            confidence: p.confidence.map(|c| c.as_str().to_string()),
            ai_line_share: p.ai_line_share,
            ai_added_lines: p.ai_added_lines,
            added_lines: commit.added_lines(),
            evidence: p.evidence.iter().map(Evidence::describe).collect(),
            author: format!("{} <{}>", commit.author.name, commit.author.email),
            authored_at: commit.author.at.to_rfc3339(),
            subject: commit.subject.clone(),
        }
    }

    /// The audit trail of the commit whose id starts with `prefix` (at least 4 hex digits),
    /// optionally only in `repo`.
    pub fn audit(&self, prefix: &str, repo: Option<&str>) -> Result<AuditTrail> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 4 || prefix.len() > 40 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::Usage(format!(
                "{prefix:?} is not a commit id: expected 4 to 40 hexadecimal digits"
            )));
        }
        let matches: Vec<&Commit> = self
            .commits
            .iter()
            .filter(|c| c.sha.starts_with(&prefix) && repo.is_none_or(|r| c.repo == r))
            .collect();
        let commit = match matches.as_slice() {
            [one] => *one,
            [] => {
                return Err(Error::Usage(format!(
                    "no stored commit starts with {prefix}{}; run `faultline ingest` if it is new",
                    repo.map(|r| format!(" in repository {r}")).unwrap_or_default()
                )))
            }
            many => {
                let names: Vec<String> = many
                    .iter()
                    .take(5)
                    .map(|c| format!("{}:{}", c.repo, c.sha.get(..12).unwrap_or(&c.sha)))
                    .collect();
                return Err(Error::Usage(format!(
                    "commit id {prefix} is ambiguous ({} matches: {}); give more digits or --repo",
                    many.len(),
                    names.join(", ")
                )));
            }
        };
        let p = self.provenance_of(commit);
        Ok(AuditTrail {
            row: self.row(commit),
            committer: format!("{} <{}>", commit.committer.name, commit.committer.email),
            committed_at: commit.committer.at.to_rfc3339(),
            parents: commit.parents.clone(),
            body: commit.body.clone(),
            trailers: commit.trailers.clone(),
            evidence_detail: p.evidence.clone(),
            files: commit.files.clone(),
        })
    }
}
