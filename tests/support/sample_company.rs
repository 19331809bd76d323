//! The bundled sample company, Acme Shop, as a generator: two bare repositories written with git2
//! from a fixed script plus a seeded random walk, so every run produces the same objects, the same
//! SHAs and the same bytes on disk.
//!
//! `shop.git` is a monorepo (checkout and payments in Go, catalog in Python, shared Go helpers under
//! `libs/common`, Kubernetes manifests under `deploy/`); `auth.git` is a TypeScript auth service.
//! From 2026-06-01 to 2026-09-15 a team spread from UTC-07:00 to UTC+09:00 works through pull
//! requests (merge commits), squash merges and direct pushes. Some commits were written with AI
//! coding tools, each marked the way that tool marks its work ([`Convention`]); some human commits
//! only look like AI work (a colleague called Claude, one called Devin, messages naming tools,
//! [`Lookalike`]); and a few changes caused incidents and were later reverted or fixed
//! ([`BadChange`]). The summary lists all of them so tests can check detection and attribution
//! against what the generator did rather than against what a detector thinks.
//!
//! The committed copy lives in `sample-data/repos`; `tests/sample_company.rs` checks it against
//! this generator and rewrites it when run with `--ignored regenerate`. Changing anything here
//! changes SHAs, so regenerate and update the exact numbers in that test together. [`events`]
//! writes the catalog, deploy logs and incidents that go with this history.

#![allow(dead_code)]

pub mod events;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Weekday};
use git2::{
    DiffFormat, Error, Index, IndexEntry, IndexTime, ObjectType, Oid, Repository, RepositoryInitOptions,
    Signature, Sort, Time, TreeWalkMode, TreeWalkResult,
};

// ---------------------------------------------------------------------------------------------
// What the generator reports
// ---------------------------------------------------------------------------------------------

/// How a commit says an AI tool wrote it. Each variant is one marker as the tool itself writes it,
/// so a detector can be tested per marker and per era of the same tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Convention {
    /// Footer `🤖 Generated with [Claude Code](https://claude.com/claude-code)` and a
    /// `Co-Authored-By: Claude <model> <noreply@anthropic.com>` trailer naming the model.
    ClaudeCode,
    /// The older footer linking `https://claude.ai/code`.
    ClaudeCodeLegacy,
    /// aider's first marker: the subject starts with `aider: `.
    AiderPrefix,
    /// aider's second marker: ` (aider)` after the author's and committer's name, email kept.
    AiderAuthor,
    /// aider's current marker: `Co-authored-by: aider (<model>) <aider@aider.chat>`.
    AiderTrailer,
    /// GitHub's coding agent: author `Copilot`, committer `GitHub`, merged through a pull request.
    CopilotAgent,
    /// VS Code's `Co-authored-by: Copilot <copilot@github.com>` on a human's commit.
    CopilotEditor,
    /// Cursor's background agent as author, `Cursor Agent <cursoragent@cursor.com>`.
    CursorAgent,
    /// A human's commit with the `Made-with: Cursor` trailer.
    CursorTrailer,
    /// `Co-authored-by: Codex <noreply@openai.com>`.
    Codex,
    /// Devin as author, `devin-ai-integration[bot]`.
    Devin,
    /// `Co-authored-by: Amp <amp@ampcode.com>` with an `Amp-Thread-ID:` link.
    Amp,
    /// A company's own trailers: `AI-Tool:`, `AI-Model:`, `AI-Session:` or `Assisted-by:`.
    PolicyTrailers,
    /// Nothing in the commit; a git-ai authorship note on `refs/notes/ai` names the agent.
    GitAiNote,
}

impl Convention {
    /// Every convention, in declaration order.
    pub const ALL: [Convention; 14] = [
        Convention::ClaudeCode,
        Convention::ClaudeCodeLegacy,
        Convention::AiderPrefix,
        Convention::AiderAuthor,
        Convention::AiderTrailer,
        Convention::CopilotAgent,
        Convention::CopilotEditor,
        Convention::CursorAgent,
        Convention::CursorTrailer,
        Convention::Codex,
        Convention::Devin,
        Convention::Amp,
        Convention::PolicyTrailers,
        Convention::GitAiNote,
    ];

    /// A short stable name, used in the README and in test messages.
    pub fn name(self) -> &'static str {
        match self {
            Convention::ClaudeCode => "claude-code",
            Convention::ClaudeCodeLegacy => "claude-code-legacy",
            Convention::AiderPrefix => "aider-prefix",
            Convention::AiderAuthor => "aider-author",
            Convention::AiderTrailer => "aider-trailer",
            Convention::CopilotAgent => "copilot-agent",
            Convention::CopilotEditor => "copilot-editor",
            Convention::CursorAgent => "cursor-agent",
            Convention::CursorTrailer => "cursor-trailer",
            Convention::Codex => "codex",
            Convention::Devin => "devin",
            Convention::Amp => "amp",
            Convention::PolicyTrailers => "policy-trailers",
            Convention::GitAiNote => "git-ai-note",
        }
    }
}

/// A commit written with an AI tool, and the one convention that marks it.
#[derive(Clone, Debug)]
pub struct AiCommit {
    pub sha: String,
    pub convention: Convention,
    pub subject: String,
}

/// A human commit that a careless detector would flag, and why.
#[derive(Clone, Debug)]
pub struct Lookalike {
    pub sha: String,
    pub why: &'static str,
}

/// How a bad change was undone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Undo {
    /// `Revert "<subject>"` with `This reverts commit <sha>.` in the body.
    Revert,
    /// A later commit whose subject names the incident.
    Fix,
}

/// A change that caused an incident, for the deploy and incident fixtures to point at.
#[derive(Clone, Debug)]
pub struct BadChange {
    pub sha: String,
    pub subject: String,
    pub incident: &'static str,
    /// The convention of the bad commit, `None` when a human wrote it alone.
    pub ai: Option<Convention>,
    pub undone_by: String,
    pub undo: Undo,
}

/// One generated repository, read back from disk after packing.
#[derive(Clone, Debug)]
pub struct RepoSummary {
    pub name: &'static str,
    /// Commits reachable from branches and tags (the notes history is not counted).
    pub commits: usize,
    pub commits_on_main: usize,
    pub merges: usize,
    /// Every reference, name → target id, as `git show-ref` would list them.
    pub refs: BTreeMap<String, String>,
    pub author_offsets_minutes: BTreeSet<i32>,
    /// `Name <email>` of every author.
    pub authors: BTreeSet<String>,
    /// Earliest and latest author time, seconds since the epoch.
    pub first_commit_at: i64,
    pub last_commit_at: i64,
    pub ai_commits: Vec<AiCommit>,
    pub lookalikes: Vec<Lookalike>,
    pub bad_changes: Vec<BadChange>,
    /// Commits carrying a note on `refs/notes/ai`.
    pub noted_commits: Vec<String>,
    /// Bytes of the pack and its index.
    pub pack_bytes: u64,
}

impl RepoSummary {
    /// How many commits use `convention`.
    pub fn ai_count(&self, convention: Convention) -> usize {
        self.ai_commits.iter().filter(|c| c.convention == convention).count()
    }
}

/// What [`generate`] wrote: `shop` first, then `auth`.
#[derive(Clone, Debug)]
pub struct SampleSummary {
    pub repos: Vec<RepoSummary>,
}

impl SampleSummary {
    pub fn repo(&self, name: &str) -> &RepoSummary {
        self.repos.iter().find(|r| r.name == name).expect("generate writes shop and auth")
    }

    /// How many commits in both repositories use `convention`.
    pub fn ai_count(&self, convention: Convention) -> usize {
        self.repos.iter().map(|r| r.ai_count(convention)).sum()
    }
}

/// Write `out_dir/shop.git` and `out_dir/auth.git`, replacing whatever was there.
pub fn generate(out_dir: &Path) -> Result<SampleSummary, Error> {
    fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;
    let mut repos = Vec::new();
    for plan in [shop_plan(), auth_plan()] {
        repos.push(build(out_dir, &plan)?);
    }
    Ok(SampleSummary { repos })
}

// ---------------------------------------------------------------------------------------------
// Time and randomness
// ---------------------------------------------------------------------------------------------

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
const MINUTE: i64 = 60;
/// 2026-06-01T00:00:00Z, the Monday the monorepo was created.
const START: i64 = 1_780_272_000;
/// 2026-06-01 through 2026-09-15.
const DAYS: i64 = 107;
const END: i64 = START + DAYS * DAY;

/// The instant of a local wall-clock time for `who`, 2026-`month`-`day` `hour`:`minute`.
fn local(who: &Person, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    let naive = NaiveDate::from_ymd_opt(2026, month, day)
        .and_then(|d| d.and_hms_opt(hour, minute, 0))
        .expect("the script only names real dates");
    naive.and_utc().timestamp() - i64::from(who.offset) * MINUTE
}

fn utc(t: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(t, 0).expect("the sample's times are in 2026")
}

/// splitmix64: a few lines, good enough to pick names and times, identical on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, digits: usize) -> String {
        (0..digits).map(|_| char::from_digit(self.below(16) as u32, 16).expect("below 16")).collect()
    }

    fn uuid(&mut self, version: char) -> String {
        let variant = ['8', '9', 'a', 'b'][self.below(4) as usize];
        format!(
            "{}-{}-{}{}-{}{}-{}",
            self.hex(8),
            self.hex(4),
            version,
            self.hex(3),
            variant,
            self.hex(3),
            self.hex(12)
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The people
// ---------------------------------------------------------------------------------------------

/// How a person uses AI tools on their own commits.
#[derive(Clone, Copy)]
enum Habit {
    Plain,
    /// Claude Code: the legacy footer and model before `switch_day` (days after 2026-06-01).
    ClaudeCode {
        switch_day: i64,
        legacy_model: &'static str,
        model: &'static str,
    },
    /// aider: prefix in June, ` (aider)` names in July, trailer from August.
    Aider,
    CopilotEditor,
    Cursor,
    Codex,
    Amp,
    /// `AI-Tool:` / `AI-Model:` / `AI-Session:`.
    PolicyTrailers,
    /// `Assisted-by:`.
    AssistedBy,
}

/// An agent a person hands whole pull requests to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Agent {
    Copilot,
    Devin,
    Cursor,
}

struct Person {
    /// GitHub login, also the prefix of their branch names.
    handle: &'static str,
    name: &'static str,
    email: &'static str,
    github_id: u32,
    /// Minutes east of UTC, summer time.
    offset: i32,
    areas: &'static [&'static str],
    /// Relative share of the commits in their repository.
    weight: u64,
    habit: Habit,
    ai_percent: u64,
    agent: Option<Agent>,
    agent_percent: u64,
    sign_off_percent: u64,
}

const fn person(
    handle: &'static str,
    name: &'static str,
    email: &'static str,
    github_id: u32,
    offset: i32,
) -> Person {
    Person {
        handle,
        name,
        email,
        github_id,
        offset,
        areas: &[],
        weight: 3,
        habit: Habit::Plain,
        ai_percent: 0,
        agent: None,
        agent_percent: 0,
        sign_off_percent: 0,
    }
}

static JOSE: Person = Person {
    areas: &["checkout"],
    agent: Some(Agent::Copilot),
    agent_percent: 14,
    ..person("jalvarez", "José Álvarez", "jose.alvarez@acme-shop.example", 41_827_330, -420)
};
static MARCUS: Person = Person {
    areas: &["checkout", "common"],
    habit: Habit::ClaudeCode { switch_day: 49, legacy_model: "Claude", model: "Claude Opus 4.1" },
    ai_percent: 35,
    ..person("mchen", "Marcus Chen", "marcus.chen@acme-shop.example", 52_119_084, -420)
};
static ZOE: Person = Person {
    areas: &["payments"],
    sign_off_percent: 100,
    ..person("zmueller", "Zoë Müller", "zoe.mueller@acme-shop.example", 38_442_917, 120)
};
static LIAM: Person = Person {
    areas: &["payments"],
    habit: Habit::ClaudeCode { switch_day: 30, legacy_model: "Claude Sonnet 4", model: "Claude Sonnet 4.5" },
    ai_percent: 30,
    ..person("loconnor", "Liam O'Connor", "liam.oconnor@acme-shop.example", 60_230_551, 60)
};
static NOAH: Person = Person {
    areas: &["payments", "common"],
    habit: Habit::Amp,
    ai_percent: 30,
    weight: 2,
    ..person("nkim", "Noah Kim", "noah.kim@acme-shop.example", 71_004_382, -420)
};
static TARO: Person = Person {
    areas: &["catalog"],
    ..person("ttanaka", "田中 太郎", "taro.tanaka@acme-shop.example", 29_553_106, 540)
};
static KENJI: Person = Person {
    areas: &["catalog"],
    habit: Habit::CopilotEditor,
    ai_percent: 30,
    agent: Some(Agent::Copilot),
    agent_percent: 6,
    ..person("ksato", "Kenji Sato", "kenji.sato@acme-shop.example", 44_870_213, 540)
};
static CLAUDE_DUPONT: Person = Person {
    areas: &["catalog"],
    sign_off_percent: 30,
    ..person("cdupont", "Claude Dupont", "claude.dupont@acme-shop.example", 35_712_640, 120)
};
static AISHA: Person = Person {
    areas: &["catalog"],
    habit: Habit::Cursor,
    ai_percent: 35,
    agent: Some(Agent::Cursor),
    agent_percent: 20,
    ..person("arahman", "Aisha Rahman", "aisha.rahman@acme-shop.example", 66_318_027, -240)
};
static HANNAH: Person = Person {
    areas: &["deploy", "common"],
    agent: Some(Agent::Devin),
    agent_percent: 12,
    sign_off_percent: 20,
    ..person("hbrooks", "Hannah Brooks", "hannah.brooks@acme-shop.example", 23_981_455, -240)
};
static EMMA: Person = Person {
    areas: &["deploy", "common"],
    habit: Habit::Codex,
    ai_percent: 30,
    ..person("ewilson", "Emma Wilson", "emma.wilson@acme-shop.example", 58_004_761, 60)
};
static SOFIA: Person = Person {
    areas: &["common", "checkout"],
    habit: Habit::PolicyTrailers,
    ai_percent: 40,
    weight: 2,
    ..person("srossi", "Sofia Rossi", "sofia.rossi@acme-shop.example", 49_127_338, 120)
};
static PRIYA: Person = Person {
    areas: &["tokens", "sessions", "api"],
    habit: Habit::Aider,
    ai_percent: 50,
    weight: 4,
    ..person("ppatel", "Priya Patel", "priya.patel@acme-shop.example", 47_220_981, 330)
};
static RAVI: Person = Person {
    areas: &["api", "sessions"],
    habit: Habit::AssistedBy,
    ai_percent: 30,
    sign_off_percent: 50,
    ..person("riyer", "Ravi Iyer", "ravi.iyer@acme-shop.example", 53_660_418, 330)
};
static DEVIN_OKAFOR: Person = Person {
    areas: &["tokens", "api", "deploy"],
    ..person("dokafor", "Devin Okafor", "devin@acme-shop.example", 62_915_007, 0)
};
static HANNAH_AUTH: Person = Person {
    areas: &["deploy"],
    agent: Some(Agent::Devin),
    agent_percent: 25,
    weight: 1,
    ..person("hbrooks", "Hannah Brooks", "hannah.brooks@acme-shop.example", 23_981_455, -240)
};

static SHOP_PEOPLE: [&Person; 12] =
    [&JOSE, &MARCUS, &ZOE, &LIAM, &NOAH, &TARO, &KENJI, &CLAUDE_DUPONT, &AISHA, &HANNAH, &EMMA, &SOFIA];
static AUTH_PEOPLE: [&Person; 4] = [&PRIYA, &RAVI, &DEVIN_OKAFOR, &HANNAH_AUTH];

const CLAUDE_MARTIN: &str = "Claude Martin <claude.martin@acme-shop.example>";

fn sig(name: &str, email: &str, t: i64, offset: i32) -> Result<Signature<'static>, Error> {
    Signature::new(name, email, &Time::new(t, offset))
}

fn github(t: i64) -> Result<Signature<'static>, Error> {
    sig("GitHub", "noreply@github.com", t, 0)
}

// ---------------------------------------------------------------------------------------------
// The code bases
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Go,
    Python,
    TypeScript,
}

impl Lang {
    fn ext(self) -> &'static str {
        match self {
            Lang::Go => ".go",
            Lang::Python => ".py",
            Lang::TypeScript => ".ts",
        }
    }

    fn is_test(self, path: &str) -> bool {
        let file = path.rsplit('/').next().unwrap_or(path);
        match self {
            Lang::Go => file.ends_with("_test.go"),
            Lang::Python => file.starts_with("test_"),
            Lang::TypeScript => file.ends_with(".test.ts"),
        }
    }

    /// Where the tests of `src` live: beside it for Go and TypeScript, in `../tests` for Python.
    fn test_path(self, src: &str) -> String {
        match self {
            Lang::Go => format!("{}_test.go", src.trim_end_matches(".go")),
            Lang::TypeScript => format!("{}.test.ts", src.trim_end_matches(".ts")),
            Lang::Python => {
                let (dir, file) = src.rsplit_once('/').expect("python sources sit in a package folder");
                let (root, _) = dir.rsplit_once('/').expect("the package sits in a service folder");
                format!("{root}/tests/test_{file}")
            }
        }
    }

    fn test_header(self, src: &str) -> String {
        let (dir, file) = src.rsplit_once('/').expect("sources sit in a folder");
        let stem = file.trim_end_matches(self.ext());
        match self {
            Lang::Go => format!("package {}\n\nimport \"testing\"\n", dir.rsplit('/').next().unwrap_or(dir)),
            Lang::Python => format!("from catalog import {stem}\n"),
            Lang::TypeScript => {
                format!("import {{ expect, it }} from \"vitest\";\n\nimport * as m from \"./{stem}\";\n")
            }
        }
    }

    fn file_header(self, dir: &str, obj: &str) -> String {
        match self {
            Lang::Go => format!(
                "package {}\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n",
                dir.rsplit('/').next().unwrap_or(dir)
            ),
            Lang::Python => format!("\"\"\"{} helpers.\"\"\"\n", sentence_case(obj)),
            Lang::TypeScript => format!("// {} helpers.\n", sentence_case(obj)),
        }
    }

    fn file_name(self, obj: &str) -> String {
        match self {
            Lang::Go | Lang::Python => format!("{}{}", snake(obj), self.ext()),
            Lang::TypeScript => format!("{}.ts", lower_camel(obj)),
        }
    }
}

/// A number in a config file that people tune.
struct Tunable {
    file: &'static str,
    key: &'static str,
    what: &'static str,
    unit: &'static str,
}

/// One team's part of a repository. Filler work in an area only touches the area's files, and an
/// open pull request locks its area, so merges never conflict.
struct Area {
    name: &'static str,
    lang: Lang,
    code_dirs: &'static [&'static str],
    readme: &'static str,
    deps: Option<&'static str>,
    tunables: &'static [Tunable],
    objects: &'static [&'static str],
}

const fn tunable(file: &'static str, key: &'static str, what: &'static str, unit: &'static str) -> Tunable {
    Tunable { file, key, what, unit }
}

#[rustfmt::skip]
static SHOP_AREAS: [Area; 5] = [
    Area {
        name: "checkout",
        lang: Lang::Go,
        code_dirs: &[
            "services/checkout/internal/cart",
            "services/checkout/internal/api",
            "services/checkout/internal/payments",
        ],
        readme: "services/checkout/README.md",
        deps: Some("services/checkout/go.mod"),
        tunables: &[
            tunable("services/checkout/config.yaml", "timeout_ms", "payments client timeout", "ms"),
            tunable("services/checkout/config.yaml", "max_retries", "payments client retries", ""),
            tunable("services/checkout/config.yaml", "max_lines", "cart line limit", ""),
            tunable("services/checkout/config.yaml", "pool_size", "database pool size", ""),
            tunable("services/checkout/config.yaml", "requests_per_second", "rate limit", " rps"),
        ],
        objects: &[
            "gift card", "promo code", "shipping address", "cart line", "tax quote", "delivery slot",
            "order note", "loyalty points", "currency code", "basket size", "store credit", "billing name",
            "postal code", "coupon stack", "gift wrap", "order reference", "checkout session",
            "discount rule", "vat number", "pickup point", "phone number", "guest email", "saved cart",
        ],
    },
    Area {
        name: "payments",
        lang: Lang::Go,
        code_dirs: &[
            "services/payments/internal/provider",
            "services/payments/internal/ledger",
            "services/payments/internal/refunds",
        ],
        readme: "services/payments/README.md",
        deps: Some("services/payments/go.mod"),
        tunables: &[
            tunable("services/payments/config.yaml", "batch_size", "ledger batch size", ""),
            tunable("services/payments/config.yaml", "flush_interval_ms", "ledger flush interval", "ms"),
            tunable("services/payments/config.yaml", "pool_size", "database pool size", ""),
            tunable("services/payments/config.yaml", "workers", "webhook workers", ""),
        ],
        objects: &[
            "card token", "refund amount", "payout batch", "chargeback reason", "settlement date",
            "ledger entry", "capture amount", "idempotency key", "merchant reference", "fx rate",
            "dispute note", "statement descriptor", "payment intent", "webhook signature", "card brand",
            "authorization code", "installment plan", "refund reason", "payout account", "risk score",
            "mandate id", "wallet type",
        ],
    },
    Area {
        name: "catalog",
        lang: Lang::Python,
        code_dirs: &["services/catalog/catalog"],
        readme: "services/catalog/README.md",
        deps: Some("services/catalog/pyproject.toml"),
        tunables: &[
            tunable("services/catalog/config.yaml", "page_size", "search page size", ""),
            tunable("services/catalog/config.yaml", "ttl_seconds", "search cache TTL", "s"),
            tunable("services/catalog/config.yaml", "pool_size", "database pool size", ""),
            tunable("services/catalog/config.yaml", "image_timeout_ms", "image CDN timeout", "ms"),
        ],
        objects: &[
            "product slug", "search query", "price band", "category path", "image url", "stock level", "sku",
            "facet value", "brand name", "review score", "variant option", "sort key", "colour name",
            "size label", "product title", "barcode", "shelf label", "warehouse code", "collection name",
            "search synonym", "image alt text", "price history", "bundle offer", "seo title",
        ],
    },
    Area {
        name: "common",
        lang: Lang::Go,
        code_dirs: &["libs/common/httpx", "libs/common/logging", "libs/common/config"],
        readme: "libs/common/README.md",
        deps: Some("libs/common/go.mod"),
        tunables: &[],
        objects: &[
            "request id", "header value", "trace context", "retry delay", "log field", "env var",
            "config key", "duration string", "user agent", "region code", "service name", "feature flag",
        ],
    },
    Area {
        name: "deploy",
        lang: Lang::Go,
        code_dirs: &[],
        readme: "deploy/README.md",
        deps: None,
        tunables: &[
            tunable("deploy/k8s/checkout/deployment.yaml", "replicas", "checkout replicas", ""),
            tunable("deploy/k8s/checkout/deployment.yaml", "memory", "checkout memory request", "Mi"),
            tunable("deploy/k8s/checkout/hpa.yaml", "maxReplicas", "checkout autoscaling ceiling", " pods"),
            tunable("deploy/k8s/payments/deployment.yaml", "replicas", "payments replicas", ""),
            tunable("deploy/k8s/payments/deployment.yaml", "memory", "payments memory request", "Mi"),
            tunable("deploy/k8s/payments/hpa.yaml", "maxReplicas", "payments autoscaling ceiling", " pods"),
            tunable("deploy/k8s/catalog/deployment.yaml", "replicas", "catalog replicas", ""),
            tunable("deploy/k8s/catalog/deployment.yaml", "memory", "catalog memory request", "Mi"),
            tunable("deploy/k8s/catalog/hpa.yaml", "minReplicas", "catalog autoscaling floor", " pods"),
            tunable("deploy/k8s/catalog/hpa.yaml", "maxReplicas", "catalog autoscaling ceiling", " pods"),
        ],
        objects: &[
            "rollback procedure", "canary rollout", "pod disruption budget", "resource limits",
            "secret rotation", "autoscaling", "image tags", "readiness probes", "node pools",
            "maintenance windows",
        ],
    },
];

#[rustfmt::skip]
static AUTH_AREAS: [Area; 4] = [
    Area {
        name: "tokens",
        lang: Lang::TypeScript,
        code_dirs: &["src/tokens"],
        readme: "docs/tokens.md",
        deps: None,
        tunables: &[
            tunable("config/tokens.yaml", "access_ttl_seconds", "access token TTL", "s"),
            tunable("config/tokens.yaml", "refresh_ttl_days", "refresh token lifetime", " days"),
        ],
        objects: &[
            "jwt claim", "refresh token", "signing key id", "token audience", "api key", "scope list",
            "issuer url", "token family", "key rotation", "revocation list",
        ],
    },
    Area {
        name: "sessions",
        lang: Lang::TypeScript,
        code_dirs: &["src/sessions"],
        readme: "docs/sessions.md",
        deps: None,
        tunables: &[
            tunable("config/sessions.yaml", "idle_minutes", "session idle timeout", " min"),
            tunable("config/sessions.yaml", "max_per_user", "sessions per user", ""),
        ],
        objects: &[
            "session id", "device fingerprint", "remember me flag", "session cookie", "csrf token",
            "ip address", "last seen", "device name",
        ],
    },
    Area {
        name: "api",
        lang: Lang::TypeScript,
        code_dirs: &["src/routes", "src/middleware"],
        readme: "README.md",
        deps: Some("package.json"),
        tunables: &[
            tunable("config/api.yaml", "login_attempts_per_minute", "login rate limit", "/min"),
            tunable("config/api.yaml", "bcrypt_cost", "bcrypt cost", ""),
        ],
        objects: &[
            "email address", "password", "mfa code", "redirect uri", "client id", "login attempt",
            "user agent", "locale", "display name", "recovery code",
        ],
    },
    Area {
        name: "deploy",
        lang: Lang::TypeScript,
        code_dirs: &[],
        readme: "deploy/README.md",
        deps: None,
        tunables: &[
            tunable("deploy/k8s/deployment.yaml", "replicas", "auth replicas", ""),
            tunable("deploy/k8s/deployment.yaml", "memory", "auth memory request", "Mi"),
            tunable("deploy/k8s/hpa.yaml", "maxReplicas", "auth autoscaling ceiling", " pods"),
        ],
        objects: &[
            "rollback procedure", "key rotation runbook", "readiness probes", "secret rotation",
            "autoscaling",
        ],
    },
];

fn area_named(areas: &'static [Area], name: &str) -> &'static Area {
    areas.iter().find(|a| a.name == name).expect("people and scripts name existing areas")
}

// ---------------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------------

/// A hand-written step of the history, at a fixed local time of the person doing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    ShopImport,
    ShopCi,
    DropCatalogIndex,
    RestoreCatalogIndex,
    ClaudeCodeReviewsDoc,
    RemovePaypal,
    RefreshLogo,
    MentionCopilotOnboarding,
    StripeTimeout,
    RevertStripeTimeout,
    RenameCheckoutHandlers,
    MoveLogo,
    CopilotCartCache,
    FixCartCache,
    GitAiNoteCommit,
    ClaudeCommitWithNote,
    DevinHpaFloor,
    RevertHpaFloor,
    PlaceOrdersAsync,
    FixPlaceOrders,
    RetryDeclines,
    RevertRetryDeclines,
    LedgerShardingDraft,
    AuthImport,
    AddAiderConfig,
    ClockSkew,
    FixClockSkew,
    RemoveAiderConfig,
}

struct Scripted {
    at: i64,
    who: &'static Person,
    /// The area it touches, kept free of open pull requests for four days before.
    area: Option<&'static str>,
    step: Step,
}

struct Plan {
    name: &'static str,
    seed: u64,
    people: &'static [&'static Person],
    areas: &'static [Area],
    /// Slots on a weekday: `base + below(spread)`.
    slots: (u64, u64),
    branch_percent: u64,
    first_pr: u32,
    script: Vec<Scripted>,
    /// Files filler work leaves alone because a scripted step edits them.
    protected: &'static [&'static str],
    tags: Vec<(i64, String, &'static Person)>,
}

fn shop_plan() -> Plan {
    let s = |who: &'static Person, month, day, hour, minute, area, step| Scripted {
        at: local(who, month, day, hour, minute) + i64::from((hour * 31 + minute * 17) % 60),
        who,
        area,
        step,
    };
    let script = vec![
        s(&HANNAH, 6, 1, 9, 5, None, Step::ShopImport),
        s(&HANNAH, 6, 2, 10, 20, None, Step::ShopCi),
        s(&CLAUDE_DUPONT, 6, 9, 16, 40, Some("catalog"), Step::DropCatalogIndex),
        s(&KENJI, 6, 10, 11, 5, Some("catalog"), Step::RestoreCatalogIndex),
        s(&JOSE, 6, 18, 14, 30, None, Step::ClaudeCodeReviewsDoc),
        s(&ZOE, 6, 23, 10, 15, Some("payments"), Step::RemovePaypal),
        s(&AISHA, 7, 1, 11, 45, Some("catalog"), Step::RefreshLogo),
        s(&HANNAH, 7, 9, 15, 10, None, Step::MentionCopilotOnboarding),
        s(&LIAM, 7, 14, 10, 32, Some("payments"), Step::StripeTimeout),
        s(&ZOE, 7, 15, 9, 48, Some("payments"), Step::RevertStripeTimeout),
        s(&JOSE, 7, 22, 13, 0, Some("checkout"), Step::RenameCheckoutHandlers),
        s(&CLAUDE_DUPONT, 8, 4, 14, 20, Some("catalog"), Step::MoveLogo),
        s(&JOSE, 8, 5, 9, 40, Some("checkout"), Step::CopilotCartCache),
        s(&JOSE, 8, 6, 16, 25, Some("checkout"), Step::FixCartCache),
        s(&TARO, 8, 12, 15, 10, Some("catalog"), Step::GitAiNoteCommit),
        s(&MARCUS, 8, 26, 11, 50, Some("checkout"), Step::ClaudeCommitWithNote),
        s(&HANNAH, 9, 2, 10, 5, Some("deploy"), Step::DevinHpaFloor),
        s(&EMMA, 9, 3, 8, 55, Some("deploy"), Step::RevertHpaFloor),
        s(&MARCUS, 9, 8, 7, 40, Some("checkout"), Step::PlaceOrdersAsync),
        s(&MARCUS, 9, 8, 12, 25, Some("checkout"), Step::FixPlaceOrders),
        s(&LIAM, 9, 10, 11, 20, Some("payments"), Step::RetryDeclines),
        s(&ZOE, 9, 10, 18, 35, Some("payments"), Step::RevertRetryDeclines),
        s(&ZOE, 9, 15, 15, 20, Some("payments"), Step::LedgerShardingDraft),
    ];
    let tags = (0..15)
        .map(|week| {
            let at = START + 7 * DAY * (week + 1) + 16 * HOUR;
            let date = utc(at).format("%Y.%m.%d").to_string();
            (at, format!("release-{date}"), &HANNAH)
        })
        .collect();
    Plan {
        name: "shop",
        seed: 0x5EED_5409,
        people: &SHOP_PEOPLE,
        areas: &SHOP_AREAS,
        slots: (3, 4),
        branch_percent: 28,
        first_pr: 1184,
        script,
        protected: &[
            "services/payments/internal/provider/stripe.go",
            "services/payments/internal/provider/paypal.go",
            "services/checkout/internal/cart/totals.go",
            "services/checkout/internal/api/handlers.go",
            "services/checkout/internal/api/http.go",
            PLACE_GO,
        ],
        tags,
    }
}

fn auth_plan() -> Plan {
    let s = |who: &'static Person, month, day, hour, minute, area, step| Scripted {
        at: local(who, month, day, hour, minute) + i64::from((hour * 31 + minute * 17) % 60),
        who,
        area,
        step,
    };
    let script = vec![
        s(&PRIYA, 6, 1, 10, 0, None, Step::AuthImport),
        s(&PRIYA, 6, 4, 12, 10, None, Step::AddAiderConfig),
        s(&PRIYA, 8, 20, 11, 25, Some("tokens"), Step::ClockSkew),
        s(&RAVI, 8, 21, 9, 40, Some("tokens"), Step::FixClockSkew),
        s(&DEVIN_OKAFOR, 8, 28, 14, 5, None, Step::RemoveAiderConfig),
    ];
    let tags = (0..7)
        .map(|n| (START + 9 * DAY + 14 * DAY * n + 10 * HOUR + 30 * MINUTE, format!("v1.{}.0", 9 + n), &RAVI))
        .collect();
    Plan {
        name: "auth",
        seed: 0xA07_4A07,
        people: &AUTH_PEOPLE,
        areas: &AUTH_AREAS,
        slots: (1, 2),
        branch_percent: 25,
        first_pr: 306,
        script,
        protected: &["src/tokens/jwt.ts"],
        tags,
    }
}

// ---------------------------------------------------------------------------------------------
// Building one repository
// ---------------------------------------------------------------------------------------------

/// A file written (`Some`) or deleted (`None`).
struct Edit {
    path: String,
    content: Option<Vec<u8>>,
    executable: bool,
}

fn write(path: impl Into<String>, content: impl Into<Vec<u8>>) -> Edit {
    Edit { path: path.into(), content: Some(content.into()), executable: false }
}

fn delete(path: impl Into<String>) -> Edit {
    Edit { path: path.into(), content: None, executable: false }
}

/// A change to commit: the edits and the words a person would write for them.
struct Change {
    subject: String,
    /// Bullet points an AI tool would put in the body.
    details: Vec<String>,
    edits: Vec<Edit>,
}

/// How a commit reaches `main`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Landing {
    /// Pushed (or on a branch): the author commits it.
    Push,
    /// Squash-merged on GitHub: `(#N)` in the subject, GitHub commits it.
    Squash(u32),
}

struct Branch {
    name: String,
    area: &'static str,
    owner: &'static Person,
    head: Oid,
    merge_at: i64,
    pr: u32,
    title: String,
}

struct Company<'p> {
    plan: &'p Plan,
    repo: Repository,
    rng: Rng,
    main: Option<Oid>,
    open: Vec<Branch>,
    next_pr: u32,
    used: BTreeSet<String>,
    scaffold: BTreeSet<String>,
    labels: BTreeMap<&'static str, Oid>,
    ai: Vec<(Oid, Convention, String)>,
    lookalikes: Vec<(Oid, &'static str)>,
    bad: Vec<(Oid, &'static str, Undo, Oid)>,
    noted: Vec<Oid>,
}

enum Event {
    Script(usize),
    Tag(usize),
    Slot,
}

fn build(out_dir: &Path, plan: &Plan) -> Result<RepoSummary, Error> {
    let work = tempfile::tempdir().map_err(|e| io_error(out_dir, e))?;
    let mut opts = RepositoryInitOptions::new();
    opts.bare(true).external_template(false).initial_head("main");
    let repo = Repository::init_opts(work.path(), &opts)?;
    let mut company = Company {
        plan,
        repo,
        rng: Rng(plan.seed),
        main: None,
        open: Vec::new(),
        next_pr: plan.first_pr,
        used: BTreeSet::new(),
        scaffold: BTreeSet::new(),
        labels: BTreeMap::new(),
        ai: Vec::new(),
        lookalikes: Vec::new(),
        bad: Vec::new(),
        noted: Vec::new(),
    };
    company.run()?;
    let out = out_dir.join(format!("{}.git", plan.name));
    company.export(&out)?;
    company.summarize(&out)
}

impl Company<'_> {
    fn run(&mut self) -> Result<(), Error> {
        let mut events: Vec<(i64, u8, Event)> = Vec::new();
        for day in 0..DAYS {
            let start = START + day * DAY;
            let weekend = matches!(utc(start).weekday(), Weekday::Sat | Weekday::Sun);
            let slots = if weekend {
                u64::from(self.rng.chance(30))
            } else {
                self.plan.slots.0 + self.rng.below(self.plan.slots.1)
            };
            for _ in 0..slots {
                events.push((start + self.rng.range(0, DAY), 2, Event::Slot));
            }
        }
        for (i, s) in self.plan.script.iter().enumerate() {
            events.push((s.at, 0, Event::Script(i)));
        }
        for (i, (at, _, _)) in self.plan.tags.iter().enumerate() {
            events.push((*at, 1, Event::Tag(i)));
        }
        events.sort_by_key(|(t, order, _)| (*t, *order));

        for (t, _, event) in events {
            self.merge_due(t)?;
            match event {
                Event::Script(i) => self.scripted(i)?,
                Event::Tag(i) => self.tag(i)?,
                Event::Slot => self.slot(t)?,
            }
        }
        self.merge_due(END)
    }

    // ----- the random walk -----

    fn slot(&mut self, t: i64) -> Result<(), Error> {
        let Some(main) = self.main else { return Ok(()) };
        let at_work: Vec<&'static Person> = self
            .plan
            .people
            .iter()
            .copied()
            .filter(|p| {
                let hour = utc(t + i64::from(p.offset) * MINUTE).hour();
                (9..19).contains(&hour)
            })
            .collect();
        let total: u64 = at_work.iter().map(|p| p.weight).sum();
        if total == 0 {
            return Ok(());
        }
        let mut ticket = self.roll(t, 1) % total;
        let who = *at_work
            .iter()
            .find(|p| {
                if ticket < p.weight {
                    return true;
                }
                ticket -= p.weight;
                false
            })
            .expect("the ticket is below the total weight");
        let free: Vec<&'static str> = who.areas.iter().copied().filter(|a| !self.locked(a, t)).collect();
        if free.is_empty() {
            return Ok(());
        }
        let area = free[(self.roll(t, 2) % free.len() as u64) as usize];
        let has_code = !area_named(self.plan.areas, area).code_dirs.is_empty();
        if let Some(agent) = who.agent.filter(|_| has_code || who.agent == Some(Agent::Devin)) {
            if self.roll(t, 3) % 100 < who.agent_percent {
                return self.open_agent_pr(who, agent, area, t);
            }
        }
        if self.roll(t, 4) % 100 < self.plan.branch_percent {
            return self.open_human_pr(who, area, t);
        }
        let change = self.change(area, main, None)?;
        let landing =
            if self.roll(t, 6) % 100 < 45 { Landing::Squash(self.take_pr()) } else { Landing::Push };
        let convention = self.habit(who, t);
        let oid = self.commit_as(who, convention, &[main], change, t, landing)?;
        self.main = Some(oid);
        Ok(())
    }

    /// A die roll that depends only on the seed, the time and what it decides, not on how much
    /// randomness the content generators used before: who works when, and with which tool, stays
    /// put when a template changes.
    fn roll(&self, t: i64, what: u64) -> u64 {
        Rng(self.plan.seed
            ^ (t as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
            ^ what.wrapping_mul(0x8CB9_2BA7_2F3D_8DD7))
        .next()
    }

    /// An area is locked while a pull request on it is open, and for four days before a scripted
    /// step on it, so every merge is clean.
    fn locked(&self, area: &str, t: i64) -> bool {
        self.open.iter().any(|b| b.area == area)
            || self.plan.script.iter().any(|s| s.area == Some(area) && s.at >= t && s.at < t + 4 * DAY)
    }

    fn take_pr(&mut self) -> u32 {
        let pr = self.next_pr;
        self.next_pr += 1;
        pr
    }

    fn open_human_pr(&mut self, who: &'static Person, area: &'static str, t: i64) -> Result<(), Error> {
        let base = self.main.expect("the import happens first");
        let commits = 1 + self.rng.below(3);
        let mut head = base;
        let mut time = t;
        let mut title = String::new();
        for i in 0..commits {
            let change = self.change(area, head, None)?;
            if i == 0 {
                title = change.subject.clone();
            }
            let convention = self.habit(who, time);
            head = self.commit_as(who, convention, &[head], change, time, Landing::Push)?;
            time += self.rng.range(25, 120) * MINUTE;
        }
        let wait = self.rng.range(3 * HOUR, 30 * HOUR);
        let merge_at = self.next_working_time(who, time + wait);
        let name = format!("{}/{}", who.handle, slug(&title));
        let pr = self.take_pr();
        self.open.push(Branch { name, area, owner: who, head, merge_at, pr, title });
        Ok(())
    }

    /// A pull request written by an agent `who` assigned; `who` merges it.
    fn open_agent_pr(
        &mut self,
        who: &'static Person,
        agent: Agent,
        area: &'static str,
        t: i64,
    ) -> Result<(), Error> {
        let base = self.main.expect("the import happens first");
        let mut head = base;
        let mut time = t + self.rng.range(1, 4) * MINUTE;
        let mut title = String::new();
        if agent == Agent::Copilot {
            let empty = Change { subject: "Initial plan".into(), details: vec![], edits: vec![] };
            head = self.commit_by_agent(who, agent, head, empty, time)?;
            time += self.rng.range(6, 15) * MINUTE;
        }
        let commits = 1 + self.rng.below(2);
        for i in 0..commits {
            let mut change = self.change(area, head, None)?;
            if agent != Agent::Devin {
                change.subject =
                    sentence_case(change.subject.split_once(": ").map_or(&*change.subject, |(_, s)| s));
            }
            if i == 0 {
                title = change.subject.clone();
            }
            head = self.commit_by_agent(who, agent, head, change, time)?;
            time += self.rng.range(5, 25) * MINUTE;
        }
        let name = match agent {
            Agent::Copilot => format!("copilot/{}", slug(&title)),
            Agent::Devin => format!("devin/{}-{}", t, slug(&title)),
            Agent::Cursor => format!("cursor/{}-{}", slug(&title), self.rng.hex(4)),
        };
        let wait = self.rng.range(HOUR, 20 * HOUR);
        let merge_at = self.next_working_time(who, time + wait);
        let pr = self.take_pr();
        self.open.push(Branch { name, area, owner: who, head, merge_at, pr, title });
        Ok(())
    }

    /// The first time at or after `t` that falls in `who`'s working hours on a weekday.
    fn next_working_time(&mut self, who: &Person, mut t: i64) -> i64 {
        let offset = i64::from(who.offset) * MINUTE;
        loop {
            let local = utc(t + offset);
            let weekday = !matches!(local.weekday(), Weekday::Sat | Weekday::Sun);
            if weekday && (9..18).contains(&local.hour()) {
                return t;
            }
            let day_start = (t + offset).div_euclid(DAY) * DAY;
            let next_day = if local.hour() < 9 { day_start } else { day_start + DAY };
            t = next_day + 9 * HOUR + 30 * MINUTE + self.rng.range(0, 150 * MINUTE) - offset;
        }
    }

    fn merge_due(&mut self, now: i64) -> Result<(), Error> {
        loop {
            let Some(i) = (0..self.open.len())
                .filter(|&i| self.open[i].merge_at <= now)
                .min_by_key(|&i| (self.open[i].merge_at, self.open[i].pr))
            else {
                return Ok(());
            };
            let branch = self.open.remove(i);
            self.merge(&branch)?;
        }
    }

    fn merge(&mut self, branch: &Branch) -> Result<Oid, Error> {
        let main = self.main.expect("branches start from main");
        let ours = self.repo.find_commit(main)?;
        let theirs = self.repo.find_commit(branch.head)?;
        let mut index = self.repo.merge_commits(&ours, &theirs, None)?;
        if index.has_conflicts() {
            return Err(Error::from_str(&format!(
                "sample company: merging {} into main conflicts; areas must not overlap",
                branch.name
            )));
        }
        let tree = self.repo.find_tree(index.write_tree_to(&self.repo)?)?;
        let who = branch.owner;
        let author = sig(who.name, who.email, branch.merge_at, who.offset)?;
        let message =
            format!("Merge pull request #{} from acme-shop/{}\n\n{}\n", branch.pr, branch.name, branch.title);
        let oid =
            self.repo.commit(None, &author, &github(branch.merge_at)?, &message, &tree, &[&ours, &theirs])?;
        drop((ours, theirs, tree));
        self.note_lookalike_author(who, oid);
        self.main = Some(oid);
        Ok(oid)
    }

    fn tag(&mut self, i: usize) -> Result<(), Error> {
        let Some(main) = self.main else { return Ok(()) };
        let (at, name, who) = &self.plan.tags[i];
        let target = self.repo.find_object(main, Some(ObjectType::Commit))?;
        let tagger = sig(who.name, who.email, *at, who.offset)?;
        self.repo.tag(
            name,
            &target,
            &tagger,
            &format!("Release {}\n", name.trim_start_matches("release-")),
            false,
        )?;
        Ok(())
    }

    // ----- who wrote it, and how it says so -----

    /// Whether `who` used their AI tool for a commit at `t`, and which marker that tool wrote then.
    fn habit(&mut self, who: &Person, t: i64) -> Option<Convention> {
        if self.roll(t, 5) % 100 >= who.ai_percent {
            return None;
        }
        let day = (t - START) / DAY;
        Some(match who.habit {
            Habit::Plain => return None,
            Habit::ClaudeCode { switch_day, .. } if day < switch_day => Convention::ClaudeCodeLegacy,
            Habit::ClaudeCode { .. } => Convention::ClaudeCode,
            Habit::Aider if day < 30 => Convention::AiderPrefix,
            Habit::Aider if day < 61 => Convention::AiderAuthor,
            Habit::Aider => Convention::AiderTrailer,
            Habit::CopilotEditor => Convention::CopilotEditor,
            Habit::Cursor => Convention::CursorTrailer,
            Habit::Codex => Convention::Codex,
            Habit::Amp => Convention::Amp,
            Habit::PolicyTrailers | Habit::AssistedBy => Convention::PolicyTrailers,
        })
    }

    /// Commit `change` as `who` (with their tool's marker when `convention` is set).
    fn commit_as(
        &mut self,
        who: &'static Person,
        convention: Option<Convention>,
        parents: &[Oid],
        change: Change,
        t: i64,
        landing: Landing,
    ) -> Result<Oid, Error> {
        let mut subject = change.subject.clone();
        let mut name = who.name.to_string();
        let mut trailers: Vec<String> = Vec::new();
        let mut footer = None;
        let mut body = None;
        match convention {
            None => {
                if std::ptr::eq(who, &ZOE) && self.rng.chance(20) {
                    trailers.push(format!("Co-authored-by: {CLAUDE_MARTIN}"));
                }
                if landing == Landing::Push && self.rng.chance(15) {
                    let reviewer = self.reviewer(who);
                    trailers.push(format!("Reviewed-by: {} <{}>", reviewer.name, reviewer.email));
                }
                if self.rng.chance(25) && !change.details.is_empty() {
                    body = Some(change.details.join(".\n") + ".");
                }
            }
            Some(c) => {
                body = Some(change.details.iter().map(|d| format!("- {d}")).collect::<Vec<_>>().join("\n"));
                match (c, who.habit) {
                    (Convention::ClaudeCodeLegacy, Habit::ClaudeCode { legacy_model, .. }) => {
                        footer = Some("🤖 Generated with [Claude Code](https://claude.ai/code)".to_string());
                        trailers.push(format!("Co-Authored-By: {legacy_model} <noreply@anthropic.com>"));
                    }
                    (Convention::ClaudeCode, Habit::ClaudeCode { model, .. }) => {
                        footer = Some(
                            "🤖 Generated with [Claude Code](https://claude.com/claude-code)".to_string(),
                        );
                        trailers.push(format!("Co-Authored-By: {model} <noreply@anthropic.com>"));
                    }
                    (Convention::AiderPrefix, _) => {
                        subject = format!("aider: {subject}");
                        body = None;
                    }
                    (Convention::AiderAuthor, _) => {
                        name = format!("{} (aider)", who.name);
                        body = None;
                    }
                    (Convention::AiderTrailer, _) => {
                        body = None;
                        trailers.push(
                            "Co-authored-by: aider (openrouter/anthropic/claude-sonnet-4) <aider@aider.chat>"
                                .into(),
                        )
                    }
                    (Convention::CopilotEditor, _) => {
                        body = None;
                        trailers.push("Co-authored-by: Copilot <copilot@github.com>".into())
                    }
                    (Convention::CursorTrailer, _) => trailers.push("Made-with: Cursor".into()),
                    (Convention::Codex, _) => {
                        trailers.push("Co-authored-by: Codex <noreply@openai.com>".into())
                    }
                    (Convention::Amp, _) => {
                        trailers.push(format!(
                            "Amp-Thread-ID: https://ampcode.com/threads/T-{}",
                            self.rng.uuid('7')
                        ));
                        trailers.push("Co-authored-by: Amp <amp@ampcode.com>".into());
                    }
                    (Convention::PolicyTrailers, Habit::AssistedBy) => {
                        trailers.push("Assisted-by: gemini-cli (gemini-2.5-pro)".into())
                    }
                    (Convention::PolicyTrailers, _) => {
                        trailers.push("AI-Tool: claude-code".into());
                        trailers.push("AI-Model: claude-sonnet-4-5".into());
                        trailers.push(format!("AI-Session: {}", self.rng.uuid('4')));
                    }
                    _ => body = None,
                }
            }
        }
        if self.rng.chance(who.sign_off_percent) {
            trailers.push(format!("Signed-off-by: {} <{}>", who.name, who.email));
        }
        let author_time = match landing {
            Landing::Push => t,
            Landing::Squash(_) => t - self.rng.range(20, 200) * MINUTE,
        };
        if let Landing::Squash(pr) = landing {
            subject = format!("{subject} (#{pr})");
        }
        let author = sig(&name, who.email, author_time, who.offset)?;
        let committer = match landing {
            Landing::Push => sig(&name, who.email, t + self.rng.range(0, 40), who.offset)?,
            Landing::Squash(_) => github(t)?,
        };
        let message = compose(&subject, body.as_deref(), footer.as_deref(), &trailers);
        let oid = self.write_commit(parents, &change.edits, &author, &committer, &message)?;
        if let Some(c) = convention {
            self.ai.push((oid, c, subject));
        }
        self.note_lookalike_author(who, oid);
        if trailers.iter().any(|t| t.contains("Claude Martin")) {
            self.mark_lookalike(oid, "co-author named Claude");
        }
        Ok(oid)
    }

    fn reviewer(&mut self, who: &Person) -> &'static Person {
        let colleagues: Vec<&'static Person> = self
            .plan
            .people
            .iter()
            .copied()
            .filter(|p| p.email != who.email && p.areas.iter().any(|a| who.areas.contains(a)))
            .collect();
        if colleagues.is_empty() {
            return self.plan.people[0];
        }
        colleagues[self.rng.below(colleagues.len() as u64) as usize]
    }

    fn note_lookalike_author(&mut self, who: &Person, oid: Oid) {
        if std::ptr::eq(who, &CLAUDE_DUPONT) {
            self.mark_lookalike(oid, "author named Claude");
        } else if std::ptr::eq(who, &DEVIN_OKAFOR) {
            self.mark_lookalike(oid, "author named Devin");
        }
    }

    /// Record a look-alike once, with the first reason found.
    fn mark_lookalike(&mut self, oid: Oid, why: &'static str) {
        if !self.lookalikes.iter().any(|(o, _)| *o == oid) {
            self.lookalikes.push((oid, why));
        }
    }

    /// A commit written by an agent on a pull request branch.
    fn commit_by_agent(
        &mut self,
        owner: &Person,
        agent: Agent,
        parent: Oid,
        change: Change,
        t: i64,
    ) -> Result<Oid, Error> {
        let (author, committer, trailer, convention) = match agent {
            Agent::Copilot => (
                sig("Copilot", "198982749+Copilot@users.noreply.github.com", t, 0)?,
                github(t)?,
                format!(
                    "Co-authored-by: {} <{}+{}@users.noreply.github.com>",
                    owner.handle, owner.github_id, owner.handle
                ),
                Convention::CopilotAgent,
            ),
            Agent::Devin => {
                let devin = sig(
                    "devin-ai-integration[bot]",
                    "158243242+devin-ai-integration[bot]@users.noreply.github.com",
                    t,
                    0,
                )?;
                (
                    devin.clone(),
                    devin,
                    format!("Co-Authored-By: {} <{}>", owner.name, owner.email),
                    Convention::Devin,
                )
            }
            Agent::Cursor => {
                let cursor = sig("Cursor Agent", "cursoragent@cursor.com", t, 0)?;
                (
                    cursor.clone(),
                    cursor,
                    format!("Co-authored-by: {} <{}>", owner.name, owner.email),
                    Convention::CursorAgent,
                )
            }
        };
        let trailers = if change.edits.is_empty() { vec![] } else { vec![trailer] };
        let body = (!change.details.is_empty())
            .then(|| change.details.iter().map(|d| format!("- {d}")).collect::<Vec<_>>().join("\n"));
        let message = compose(&change.subject, body.as_deref(), None, &trailers);
        let oid = self.write_commit(&[parent], &change.edits, &author, &committer, &message)?;
        self.ai.push((oid, convention, change.subject));
        Ok(oid)
    }

    fn write_commit(
        &self,
        parents: &[Oid],
        edits: &[Edit],
        author: &Signature<'_>,
        committer: &Signature<'_>,
        message: &str,
    ) -> Result<Oid, Error> {
        let mut index = Index::new()?;
        if let Some(first) = parents.first() {
            index.read_tree(&self.repo.find_commit(*first)?.tree()?)?;
        }
        for edit in edits {
            match &edit.content {
                Some(data) => {
                    let entry = IndexEntry {
                        ctime: IndexTime::new(0, 0),
                        mtime: IndexTime::new(0, 0),
                        dev: 0,
                        ino: 0,
                        mode: if edit.executable { 0o100755 } else { 0o100644 },
                        uid: 0,
                        gid: 0,
                        file_size: data.len() as u32,
                        id: self.repo.blob(data)?,
                        flags: 0,
                        flags_extended: 0,
                        path: edit.path.as_bytes().to_vec(),
                    };
                    index.add(&entry)?;
                }
                None => index.remove_path(Path::new(&edit.path))?,
            }
        }
        let tree = self.repo.find_tree(index.write_tree_to(&self.repo)?)?;
        let parents: Vec<git2::Commit<'_>> =
            parents.iter().map(|p| self.repo.find_commit(*p)).collect::<Result<_, _>>()?;
        let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repo.commit(None, author, committer, message, &tree, &parents)
    }

    // ----- reading a snapshot -----

    /// Every file at `commit`, path → blob.
    fn files(&self, commit: Oid) -> Result<BTreeMap<String, Oid>, Error> {
        let tree = self.repo.find_commit(commit)?.tree()?;
        let mut files = BTreeMap::new();
        tree.walk(TreeWalkMode::PreOrder, |root, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                files.insert(format!("{root}{}", entry.name().unwrap_or_default()), entry.id());
            }
            TreeWalkResult::Ok
        })?;
        Ok(files)
    }

    fn read(&self, commit: Oid, path: &str) -> Result<String, Error> {
        let files = self.files(commit)?;
        let blob = files
            .get(path)
            .ok_or_else(|| Error::from_str(&format!("sample company: no {path} at {commit}")))?;
        Ok(String::from_utf8_lossy(self.repo.find_blob(*blob)?.content()).into_owned())
    }

    fn exists(&self, commit: Oid, path: &str) -> Result<bool, Error> {
        Ok(self.files(commit)?.contains_key(path))
    }

    // ----- filler changes -----

    /// A plausible change to `area` on top of `at`; `kind` is tried first when given.
    fn change(&mut self, area: &'static str, at: Oid, kind: Option<Kind>) -> Result<Change, Error> {
        let area = area_named(self.plan.areas, area);
        let files = self.files(at)?;
        let weights: &[(Kind, u64)] = if area.code_dirs.is_empty() {
            &[(Kind::Tune, 80), (Kind::Docs, 20)]
        } else {
            &[
                (Kind::AddFunction, 32),
                (Kind::NewFile, 14),
                (Kind::Literal, 10),
                (Kind::Tune, 14),
                (Kind::Docs, 8),
                (Kind::Bump, 8),
                (Kind::Delete, 4),
                (Kind::Rename, 2),
            ]
        };
        let mut kinds: Vec<(Kind, u64)> = weights.to_vec();
        let mut forced = kind;
        while !kinds.is_empty() {
            let total: u64 = kinds.iter().map(|(_, w)| w).sum();
            let mut ticket = match forced.take().and_then(|k| kinds.iter().position(|(w, _)| *w == k)) {
                Some(i) => kinds[..i].iter().map(|(_, w)| w).sum(),
                None => self.rng.below(total),
            };
            let i = kinds
                .iter()
                .position(|(_, w)| {
                    if ticket < *w {
                        return true;
                    }
                    ticket -= w;
                    false
                })
                .expect("the ticket is below the total weight");
            let (k, _) = kinds.remove(i);
            let made = match k {
                Kind::AddFunction => self.add_function(area, at, &files)?,
                Kind::NewFile => self.new_file(area, &files)?,
                Kind::Literal => self.tweak_literal(area, at, &files)?,
                Kind::Tune => self.tune(area, at, &files)?,
                Kind::Docs => self.document(area, at, &files)?,
                Kind::Bump => self.bump(area, at, &files)?,
                Kind::Delete => self.remove_file(area, &files)?,
                Kind::Rename => self.rename_file(area, at, &files)?,
            };
            if let Some(change) = made {
                return Ok(change);
            }
        }
        Err(Error::from_str(&format!("sample company: nothing left to change in {}", area.name)))
    }

    /// Source files filler work may touch: in the area's folders, not tests, not protected.
    fn sources(&self, area: &Area, files: &BTreeMap<String, Oid>) -> Vec<String> {
        files
            .keys()
            .filter(|p| {
                let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
                area.code_dirs.contains(&dir)
                    && p.ends_with(area.lang.ext())
                    && !area.lang.is_test(p)
                    && !p.ends_with("__init__.py")
                    && !self.plan.protected.contains(&p.as_str())
            })
            .cloned()
            .collect()
    }

    /// A (kind, object) pair for a new function, marked used: one the area has not used yet if
    /// any is left (so subjects rarely repeat), else one new to its namespace (`scope(object)`:
    /// the Go package folder, or the Python or TypeScript module), so names never clash.
    fn fresh_function(
        &mut self,
        area: &Area,
        scope: impl Fn(&str) -> String,
        allowed: impl Fn(&str) -> bool,
    ) -> Option<(FnKind, &'static str)> {
        for whole_area in [true, false] {
            let mut options = Vec::new();
            for obj in area.objects.iter().copied().filter(|o| allowed(o)) {
                for kind in FnKind::ALL {
                    let area_key = format!("{}/{kind:?}/{obj}", area.name);
                    let scope_key = format!("{}/{kind:?}/{obj}", scope(obj));
                    let taken = self.used.contains(&scope_key) || whole_area && self.used.contains(&area_key);
                    if !taken {
                        options.push((kind, obj, area_key, scope_key));
                    }
                }
            }
            if !options.is_empty() {
                let (kind, obj, area_key, scope_key) =
                    options.swap_remove(self.rng.below(options.len() as u64) as usize);
                self.used.insert(area_key);
                self.used.insert(scope_key);
                return Some((kind, obj));
            }
        }
        None
    }

    fn add_function(
        &mut self,
        area: &Area,
        at: Oid,
        files: &BTreeMap<String, Oid>,
    ) -> Result<Option<Change>, Error> {
        let sources = self.sources(area, files);
        if sources.is_empty() {
            return Ok(None);
        }
        let src = self.rng.pick(&sources).clone();
        let scope = if area.lang == Lang::Go { src.rsplit_once('/').map_or("", |(d, _)| d) } else { &src }
            .to_string();
        let Some((kind, obj)) = self.fresh_function(area, |_| scope.clone(), |_| true) else {
            return Ok(None);
        };
        let snippet = self.function_snippet(area.lang, kind, obj, &src);
        let test = area.lang.test_path(&src);
        let old_test =
            if files.contains_key(&test) { self.read(at, &test)? } else { area.lang.test_header(&src) };
        let old_src = self.read(at, &src)?;
        let subject = format!("{}: {}", area.name, snippet.subject);
        let details = vec![
            format!("Add `{}` to {}", snippet.name, short(&src)),
            format!("Cover it in {}", short(&test)),
        ];
        Ok(Some(Change {
            subject,
            details,
            edits: vec![write(&src, old_src + &snippet.code), write(&test, old_test + &snippet.test)],
        }))
    }

    fn new_file(&mut self, area: &Area, files: &BTreeMap<String, Oid>) -> Result<Option<Change>, Error> {
        if area.code_dirs.is_empty() {
            return Ok(None);
        }
        let dir = *self.rng.pick(area.code_dirs);
        let lang = area.lang;
        let path = |obj: &str| format!("{dir}/{}", lang.file_name(obj));
        let scope = |obj: &str| if lang == Lang::Go { dir.to_string() } else { path(obj) };
        let free = |obj: &str| !files.contains_key(&path(obj));
        let Some((kind, obj)) = self.fresh_function(area, scope, free) else { return Ok(None) };
        let src = format!("{dir}/{}", area.lang.file_name(obj));
        let snippet = self.function_snippet(area.lang, kind, obj, &src);
        let test = area.lang.test_path(&src);
        let subject = format!("{}: add {} helpers", area.name, obj);
        let details = vec![
            format!("New {} with `{}`", short(&src), snippet.name),
            format!("Tests in {}", short(&test)),
        ];
        Ok(Some(Change {
            subject,
            details,
            edits: vec![
                write(&src, area.lang.file_header(dir, obj) + &snippet.code),
                write(&test, area.lang.test_header(&src) + &snippet.test),
            ],
        }))
    }

    /// Change a `max…`/`default…` constant.
    fn tweak_literal(
        &mut self,
        area: &Area,
        at: Oid,
        files: &BTreeMap<String, Oid>,
    ) -> Result<Option<Change>, Error> {
        let mut candidates = Vec::new();
        for src in self.sources(area, files) {
            let text = self.read(at, &src)?;
            for (i, line) in text.lines().enumerate() {
                if let Some((ident, value)) = constant(line) {
                    candidates.push((src.clone(), i, ident, value));
                }
            }
        }
        if candidates.is_empty() {
            return Ok(None);
        }
        let (src, line_no, ident, value) = self.rng.pick(&candidates).clone();
        let new = self.nudge(value, None);
        let text = self.read(at, &src)?;
        let old_line = text.lines().nth(line_no).expect("the line was just read");
        let new_line = old_line.replacen(&value.to_string(), &new.to_string(), 1);
        let updated = replace_line(&text, line_no, &new_line);
        let verb = if new > value { "raise" } else { "lower" };
        Ok(Some(Change {
            subject: format!("{}: {verb} {ident} to {new}", area.name),
            details: vec![format!("{ident} goes from {value} to {new} in {}", short(&src))],
            edits: vec![write(&src, updated)],
        }))
    }

    /// A new value one step from `value`, drifting back towards `home` (the value the file
    /// started with) once it has wandered more than half again away from it.
    fn nudge(&mut self, value: u64, home: Option<u64>) -> u64 {
        let mut step = (value / 5).max(1);
        if value >= 1000 {
            step = (step / 100).max(1) * 100;
        } else if value >= 100 {
            step = (step / 10).max(1) * 10;
        }
        step *= 1 + self.rng.below(2);
        let up = match home {
            Some(h) if value * 2 >= h * 3 => false,
            Some(h) if value * 3 <= h * 2 => true,
            _ => self.rng.chance(55),
        };
        if up || value <= step {
            value + step
        } else {
            value - step
        }
    }

    fn tune(&mut self, area: &Area, at: Oid, files: &BTreeMap<String, Oid>) -> Result<Option<Change>, Error> {
        let present: Vec<&Tunable> = area.tunables.iter().filter(|t| files.contains_key(t.file)).collect();
        if present.is_empty() {
            return Ok(None);
        }
        let tunable = *self.rng.pick(&present);
        let text = self.read(at, tunable.file)?;
        let Some((line_no, value)) = config_value(&text, tunable.key) else { return Ok(None) };
        let import = self.labels["import"];
        let home =
            self.read(import, tunable.file).ok().and_then(|t| config_value(&t, tunable.key)).map(|(_, v)| v);
        let new = self.nudge(value, home);
        let line = text.lines().nth(line_no).expect("the line was just read");
        let new_line = line.replacen(&format!("{value}"), &new.to_string(), 1);
        let verb = if new > value { "raise" } else { "lower" };
        Ok(Some(Change {
            subject: format!("{}: {verb} {} to {new}{}", area.name, tunable.what, tunable.unit),
            details: vec![format!("`{}` in {} goes from {value} to {new}", tunable.key, short(tunable.file))],
            edits: vec![write(tunable.file, replace_line(&text, line_no, &new_line))],
        }))
    }

    fn document(
        &mut self,
        area: &Area,
        at: Oid,
        files: &BTreeMap<String, Oid>,
    ) -> Result<Option<Change>, Error> {
        if !files.contains_key(area.readme) {
            return Ok(None);
        }
        let fresh: Vec<&'static str> = area
            .objects
            .iter()
            .copied()
            .filter(|o| !self.used.contains(&format!("docs/{}/{o}", area.name)))
            .collect();
        if fresh.is_empty() {
            return Ok(None);
        }
        let obj = *self.rng.pick(&fresh);
        self.used.insert(format!("docs/{}/{obj}", area.name));
        let sources = self.sources(area, files);
        let place =
            if sources.is_empty() { area.readme.to_string() } else { self.rng.pick(&sources).clone() };
        let sentence = self.rng.pick(&[
            "{Obj} rules live in `{file}`; the tests beside it hold the cases that bit us in production.",
            "Change {obj} handling in `{file}` only, so every caller agrees on it.",
            "When {obj} behaviour changes, mention it in the release notes and ping the owning team.",
            "The on-call runbook links here: keep the {obj} notes short and current.",
        ]);
        let paragraph = sentence
            .replace("{Obj}", &sentence_case(obj))
            .replace("{obj}", obj)
            .replace("{file}", &short(&place));
        let text = self.read(at, area.readme)? + &format!("\n## {}\n\n{paragraph}\n", sentence_case(obj));
        Ok(Some(Change {
            subject: format!("{}: document {obj}", area.name),
            details: vec![format!("New section in {}", short(area.readme))],
            edits: vec![write(area.readme, text)],
        }))
    }

    fn bump(&mut self, area: &Area, at: Oid, files: &BTreeMap<String, Oid>) -> Result<Option<Change>, Error> {
        let Some(deps) = area.deps.filter(|d| files.contains_key(*d)) else { return Ok(None) };
        let text = self.read(at, deps)?;
        let candidates: Vec<(usize, String, String)> = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| dependency(l).map(|(name, version)| (i, name, version)))
            .collect();
        if candidates.is_empty() {
            return Ok(None);
        }
        let (line_no, name, version) = self.rng.pick(&candidates).clone();
        let mut parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        if parts.len() != 3 {
            return Ok(None);
        }
        if self.rng.chance(25) {
            parts[1] += 1;
            parts[2] = 0;
        } else {
            parts[2] += 1 + self.rng.below(2);
        }
        let new = format!("{}.{}.{}", parts[0], parts[1], parts[2]);
        let line = text.lines().nth(line_no).expect("the line was just read");
        let updated = replace_line(&text, line_no, &line.replacen(&version, &new, 1));
        let v = if area.lang == Lang::Go { "v" } else { "" };
        Ok(Some(Change {
            subject: format!("{}: bump {name} to {v}{new}", area.name),
            details: vec![format!("{name} {v}{version} → {v}{new}")],
            edits: vec![write(deps, updated)],
        }))
    }

    fn added_sources(&self, area: &Area, files: &BTreeMap<String, Oid>) -> Vec<String> {
        self.sources(area, files).into_iter().filter(|p| !self.scaffold.contains(p)).collect()
    }

    fn remove_file(&mut self, area: &Area, files: &BTreeMap<String, Oid>) -> Result<Option<Change>, Error> {
        let candidates = self.added_sources(area, files);
        if candidates.is_empty() {
            return Ok(None);
        }
        let src = self.rng.pick(&candidates).clone();
        let test = area.lang.test_path(&src);
        let mut edits = vec![delete(&src)];
        if files.contains_key(&test) {
            edits.push(delete(&test));
        }
        let stem = file_stem(&src, area.lang);
        Ok(Some(Change {
            subject: format!("{}: remove unused {stem} helpers", area.name),
            details: vec![format!("Nothing calls {} any more", short(&src))],
            edits,
        }))
    }

    fn rename_file(
        &mut self,
        area: &Area,
        at: Oid,
        files: &BTreeMap<String, Oid>,
    ) -> Result<Option<Change>, Error> {
        let candidates = self.added_sources(area, files);
        if candidates.is_empty() {
            return Ok(None);
        }
        let src = self.rng.pick(&candidates).clone();
        let (dir, _) = src.rsplit_once('/').expect("sources sit in a folder");
        let taken: BTreeSet<String> = files.keys().cloned().collect();
        let fresh: Vec<&'static str> = area
            .objects
            .iter()
            .copied()
            .filter(|o| !taken.contains(&format!("{dir}/{}", area.lang.file_name(o))))
            .collect();
        if fresh.is_empty() {
            return Ok(None);
        }
        let obj = *self.rng.pick(&fresh);
        let dst = format!("{dir}/{}", area.lang.file_name(obj));
        let (old_stem, new_stem) = (file_stem(&src, area.lang), file_stem(&dst, area.lang));
        let mut edits = vec![delete(&src), write(&dst, self.read(at, &src)?)];
        let test = area.lang.test_path(&src);
        if files.contains_key(&test) {
            let text = self.read(at, &test)?;
            edits.push(delete(&test));
            edits.push(write(area.lang.test_path(&dst), text.replace(&old_stem, &new_stem)));
        }
        Ok(Some(Change {
            subject: format!("{}: rename {} to {}", area.name, short(&src), short(&dst)),
            details: vec![format!("{old_stem} is really about {obj}")],
            edits,
        }))
    }

    fn function_snippet(&mut self, lang: Lang, kind: FnKind, obj: &str, src: &str) -> Snippet {
        let n = 10 * self.rng.range(2, 13);
        let (a, b, c) = (self.rng.range(2, 9), self.rng.range(3, 12), self.rng.range(2, 10));
        let sep = *self.rng.pick(&["-", "_", " "]);
        let name = kind.name(lang, obj);
        let constant = kind.constant(lang, obj);
        let module = file_stem(src, lang);
        let (code, test) = templates(lang, kind);
        let fill = |t: &str| {
            let filled = t
                .replace("{fn}", &name)
                .replace("{const}", &constant)
                .replace("{obj}", obj)
                .replace("{mod}", &module)
                .replace("{n}", &n.to_string())
                .replace("{a}", &a.to_string())
                .replace("{b}", &b.to_string())
                .replace("{c}", &c.to_string())
                .replace("{sep}", sep);
            if lang == Lang::Go {
                tabs(&filled)
            } else {
                filled
            }
        };
        let subject = self.rng.pick(kind.subjects()).replace("{obj}", obj).replace("{n}", &n.to_string());
        let (code, test) = (fill(code), fill(test));
        Snippet { name, code, test, subject }
    }

    // ----- the script -----

    fn scripted(&mut self, i: usize) -> Result<(), Error> {
        let s = &self.plan.script[i];
        let (who, t, step) = (s.who, s.at, s.step);
        let main = self.main;
        let head = || main.expect("the import comes first");
        match step {
            Step::ShopImport | Step::AuthImport => {
                let files = if step == Step::ShopImport { shop_files() } else { auth_files() };
                self.scaffold = files.iter().map(|e| e.path.clone()).collect();
                let subject =
                    if step == Step::ShopImport { "Import shop monorepo" } else { "Import auth service" };
                let body = if step == Step::ShopImport {
                    "Moves checkout, payments and catalog out of their own repositories into one tree,\nwith the shared Go helpers under libs/common and the manifests under deploy/."
                } else {
                    "The auth service moves out of the old platform repository. History before this\ncommit stays there, read-only."
                };
                let message = compose(subject, Some(body), None, &[]);
                let me = sig(who.name, who.email, t, who.offset)?;
                let oid = self.write_commit(&[], &files, &me, &me, &message)?;
                self.labels.insert("import", oid);
                self.main = Some(oid);
            }
            Step::ShopCi => {
                let change = Change {
                    subject: "ci: build and test every service on pull requests".into(),
                    details: vec![],
                    edits: vec![write(".github/workflows/ci.yml", CI_YML)],
                };
                self.push(who, None, change, t)?;
            }
            Step::DropCatalogIndex => {
                let change = Change {
                    subject: "catalog: drop unused products.updated_at index".into(),
                    details: vec![],
                    edits: vec![write(
                        "services/catalog/migrations/0007_drop_products_updated_at_index.sql",
                        "-- Nothing filters on updated_at since the feed moved to the event stream.\nDROP INDEX IF EXISTS products_updated_at_idx;\n",
                    )],
                };
                let oid = self.push(who, None, change, t)?;
                self.labels.insert("drop-index", oid);
            }
            Step::RestoreCatalogIndex => {
                let change = Change {
                    subject: "catalog: restore products_updated_at index (INC-2026-009)".into(),
                    details: vec![],
                    edits: vec![write(
                        "services/catalog/migrations/0008_restore_products_updated_at_index.sql",
                        "-- INC-2026-009: the \"recently updated\" shelf still sorts on updated_at; without the\n-- index every storefront page view scanned products.\nCREATE INDEX CONCURRENTLY IF NOT EXISTS products_updated_at_idx ON products (updated_at DESC);\n",
                    )],
                };
                let message_body = "The index dropped in 0007 is still used by the \"recently updated\" shelf.\nSearch p99 went from 180ms to 4s until this ran.";
                let oid = self.push_with_body(who, change, t, message_body)?;
                let bad = self.labels["drop-index"];
                self.bad.push((bad, "INC-2026-009", Undo::Fix, oid));
            }
            Step::ClaudeCodeReviewsDoc => {
                let change = Change {
                    subject: "docs: how we use Claude Code for reviews".into(),
                    details: vec![],
                    edits: vec![write("docs/ai-usage.md", AI_USAGE_MD)],
                };
                let oid = self.push(who, None, change, t)?;
                self.mark_lookalike(oid, "message mentions Claude Code");
            }
            Step::RemovePaypal => {
                let files = self.files(head())?;
                let mut edits = vec![delete("services/payments/internal/provider/paypal.go")];
                if files.contains_key("services/payments/internal/provider/paypal_test.go") {
                    edits.push(delete("services/payments/internal/provider/paypal_test.go"));
                }
                let change = Change {
                    subject: "payments: remove legacy PayPal adapter".into(),
                    details: vec![],
                    edits,
                };
                self.push(who, None, change, t)?;
            }
            Step::RefreshLogo => {
                let change = Change {
                    subject: "catalog: refresh logo for the summer campaign".into(),
                    details: vec![],
                    edits: vec![write("services/catalog/static/logo.png", logo([0x1f, 0x8a, 0x70]))],
                };
                self.push(who, None, change, t)?;
            }
            Step::MentionCopilotOnboarding => {
                let text = self.read(head(), "docs/onboarding.md")? + ONBOARDING_COPILOT;
                let change = Change {
                    subject: "Mention Copilot in onboarding guide".into(),
                    details: vec![],
                    edits: vec![write("docs/onboarding.md", text)],
                };
                let oid = self.push(who, None, change, t)?;
                self.mark_lookalike(oid, "message mentions Copilot");
            }
            Step::StripeTimeout => {
                let config = self.read(head(), "services/payments/config.yaml")?;
                let stripe = self.read(head(), "services/payments/internal/provider/stripe.go")?;
                let change = Change {
                    subject: "payments: cut Stripe client timeout to 2s and stop retrying".into(),
                    details: vec![
                        "Lower `stripe.timeout_ms` from 10000 to 2000 so a slow Stripe call fails fast"
                            .into(),
                        "Set `stripe.max_retries` to 0; checkout already retries the whole payment".into(),
                        "Match the defaults in provider/stripe.go".into(),
                    ],
                    edits: vec![
                        write(
                            "services/payments/config.yaml",
                            replace_once(
                                &replace_once(&config, "timeout_ms: 10000", "timeout_ms: 2000")?,
                                "max_retries: 3",
                                "max_retries: 0",
                            )?,
                        ),
                        write(
                            "services/payments/internal/provider/stripe.go",
                            replace_once(
                                &replace_once(
                                    &stripe,
                                    "defaultTimeout = 10 * time.Second",
                                    "defaultTimeout = 2 * time.Second",
                                )?,
                                "maxRetries     = 3",
                                "maxRetries     = 0",
                            )?,
                        ),
                    ],
                };
                let oid =
                    self.commit_as(who, Some(Convention::ClaudeCode), &[head()], change, t, Landing::Push)?;
                self.main = Some(oid);
                self.labels.insert("stripe-timeout", oid);
            }
            Step::RevertStripeTimeout => {
                let bad = self.labels["stripe-timeout"];
                let extra = "INC-2026-014: card authorizations timed out during the EU evening peak; Stripe's\np99 was 2.4s that night and nothing retried.";
                let oid = self.revert(who, bad, t, extra)?;
                self.bad.push((bad, "INC-2026-014", Undo::Revert, oid));
            }
            Step::RenameCheckoutHandlers => {
                let text = self.read(head(), "services/checkout/internal/api/handlers.go")?;
                let change = Change {
                    subject: "checkout: rename api/handlers.go to api/http.go".into(),
                    details: vec![],
                    edits: vec![
                        delete("services/checkout/internal/api/handlers.go"),
                        write("services/checkout/internal/api/http.go", text),
                    ],
                };
                self.push(who, None, change, t)?;
            }
            Step::MoveLogo => {
                let files = self.files(head())?;
                let blob = files["services/catalog/static/logo.png"];
                let png = self.repo.find_blob(blob)?.content().to_vec();
                let change = Change {
                    subject: "catalog: move logo under static/img".into(),
                    details: vec![],
                    edits: vec![
                        delete("services/catalog/static/logo.png"),
                        write("services/catalog/static/img/logo.png", png),
                    ],
                };
                self.push(who, None, change, t)?;
            }
            Step::CopilotCartCache => {
                let base = head();
                let empty = Change { subject: "Initial plan".into(), details: vec![], edits: vec![] };
                let plan_commit = self.commit_by_agent(who, Agent::Copilot, base, empty, t + 2 * MINUTE)?;
                let config = self.read(base, "services/checkout/config.yaml")?;
                let cache = Change {
                    subject: "Cache cart totals between pricing calls".into(),
                    details: vec![
                        "Add a per-cart cache of computed totals in internal/cart/totals.go".into(),
                        "Configure the TTL with cart.total_cache_ttl_seconds (600)".into(),
                    ],
                    edits: vec![
                        write("services/checkout/internal/cart/totals.go", tabs(TOTALS_GO)),
                        write(
                            "services/checkout/config.yaml",
                            replace_once(
                                &config,
                                "  max_lines:",
                                "  total_cache_ttl_seconds: 600\n  max_lines:",
                            )?,
                        ),
                    ],
                };
                let bad = self.commit_by_agent(who, Agent::Copilot, plan_commit, cache, t + 14 * MINUTE)?;
                let tests = Change {
                    subject: "Add tests for the cart total cache".into(),
                    details: vec!["Cover hits, misses and expiry".into()],
                    edits: vec![write(
                        "services/checkout/internal/cart/totals_test.go",
                        tabs(TOTALS_TEST_GO),
                    )],
                };
                let head_oid = self.commit_by_agent(who, Agent::Copilot, bad, tests, t + 23 * MINUTE)?;
                let pr = self.take_pr();
                let branch = Branch {
                    name: "copilot/cache-cart-totals".into(),
                    area: "checkout",
                    owner: who,
                    head: head_oid,
                    merge_at: t + 5 * HOUR + 10 * MINUTE,
                    pr,
                    title: "Cache cart totals between pricing calls".into(),
                };
                self.open.push(branch);
                self.labels.insert("cart-cache", bad);
            }
            Step::FixCartCache => {
                let totals = self.read(head(), "services/checkout/internal/cart/totals.go")?;
                let cart = self.read(head(), "services/checkout/internal/cart/cart.go")?;
                let config = self.read(head(), "services/checkout/config.yaml")?;
                let change = Change {
                    subject: "checkout: invalidate cached cart totals on price change (INC-2026-021)".into(),
                    details: vec![],
                    edits: vec![
                        write(
                            "services/checkout/internal/cart/totals.go",
                            replace_once(&totals, TOTALS_KEY_OLD, &tabs(TOTALS_KEY_NEW))?,
                        ),
                        write(
                            "services/checkout/internal/cart/cart.go",
                            replace_once(&cart, &tabs(CART_FIELDS_OLD), &tabs(CART_FIELDS_NEW))?,
                        ),
                        write(
                            "services/checkout/config.yaml",
                            replace_once(
                                &config,
                                "total_cache_ttl_seconds: 600",
                                "total_cache_ttl_seconds: 30",
                            )?,
                        ),
                    ],
                };
                let body = "Totals were cached per cart for ten minutes, so carts kept the old price after the\nflash sale ended and we charged it. The cache key now includes the price list version,\nand the TTL drops to 30s.";
                let oid = self.push_with_body(who, change, t, body)?;
                let bad = self.labels["cart-cache"];
                self.bad.push((bad, "INC-2026-021", Undo::Fix, oid));
            }
            Step::GitAiNoteCommit => {
                let change = self.change("catalog", head(), Some(Kind::NewFile))?;
                let oid = self.push(who, None, change, t)?;
                let subject = self.subject(oid)?;
                self.ai.push((oid, Convention::GitAiNote, subject));
                self.attach_note(oid, who, t + 20, "cursor", "claude-4-sonnet")?;
            }
            Step::ClaudeCommitWithNote => {
                let change = self.change("checkout", head(), Some(Kind::AddFunction))?;
                let oid =
                    self.commit_as(who, Some(Convention::ClaudeCode), &[head()], change, t, Landing::Push)?;
                self.main = Some(oid);
                self.attach_note(oid, who, t + 15, "claude", "claude-opus-4-1-20250805")?;
            }
            Step::DevinHpaFloor => {
                let base = head();
                let hpa = self.read(base, "deploy/k8s/payments/hpa.yaml")?;
                let change = Change {
                    subject: "deploy: lower payments autoscaling floor to 2 pods".into(),
                    details: vec![
                        "payments idles at ~15% CPU overnight; minReplicas 6 → 2 saves four pods".into(),
                        "maxReplicas unchanged, so peaks still scale out".into(),
                    ],
                    edits: vec![write(
                        "deploy/k8s/payments/hpa.yaml",
                        replace_once(&hpa, "minReplicas: 6", "minReplicas: 2")?,
                    )],
                };
                let bad = self.commit_by_agent(who, Agent::Devin, base, change, t + 9 * MINUTE)?;
                let pr = self.take_pr();
                self.open.push(Branch {
                    name: format!("devin/{t}-lower-payments-hpa-floor"),
                    area: "deploy",
                    owner: who,
                    head: bad,
                    merge_at: t + 2 * HOUR + 40 * MINUTE,
                    pr,
                    title: "deploy: lower payments autoscaling floor to 2 pods".into(),
                });
                self.labels.insert("hpa-floor", bad);
            }
            Step::RevertHpaFloor => {
                let bad = self.labels["hpa-floor"];
                let extra = "INC-2026-033: two pods could not absorb the 08:00 UTC batch of subscription\nrenewals while the autoscaler caught up; payments returned 503s for 14 minutes.";
                let oid = self.revert(who, bad, t, extra)?;
                self.bad.push((bad, "INC-2026-033", Undo::Revert, oid));
            }
            Step::PlaceOrdersAsync => {
                let change = Change {
                    subject: "checkout: place orders without waiting for the stock reservation".into(),
                    details: vec![
                        "Charge the card first and reserve stock in the background".into(),
                        "Checkout answers ~300ms sooner at p95".into(),
                    ],
                    edits: vec![write(PLACE_GO, tabs(PLACE_ASYNC))],
                };
                let oid =
                    self.commit_as(who, Some(Convention::Codex), &[head()], change, t, Landing::Push)?;
                self.main = Some(oid);
                self.labels.insert("place-async", oid);
            }
            Step::FixPlaceOrders => {
                let change = Change {
                    subject: "checkout: reserve stock before charging the card (INC-2026-036)".into(),
                    details: vec![],
                    edits: vec![write(PLACE_GO, tabs(PLACE_FIXED))],
                };
                let body = "A reservation that failed in the background left a paid order with nothing to ship.\nReserve first, then charge; a failed reservation charges nothing.";
                let oid = self.push_with_body(who, change, t, body)?;
                let bad = self.labels["place-async"];
                self.bad.push((bad, "INC-2026-036", Undo::Fix, oid));
            }
            Step::RetryDeclines => {
                let stripe = self.read(head(), "services/payments/internal/provider/stripe.go")?;
                let change = Change {
                    subject: "payments: retry Stripe authorizations that come back declined".into(),
                    details: vec![],
                    edits: vec![write(
                        "services/payments/internal/provider/stripe.go",
                        replace_once(
                            &stripe,
                            "if err == nil || errors.Is(err, ErrDeclined) {",
                            "if err == nil {",
                        )?,
                    )],
                };
                let body = "Some soft declines succeed on a second try; retry them like any other error.";
                let oid = self.push_with_body(who, change, t, body)?;
                self.labels.insert("retry-declines", oid);
            }
            Step::RevertRetryDeclines => {
                let bad = self.labels["retry-declines"];
                let extra = "Retrying declines four times tripped Stripe's rate limit for the whole account.";
                let oid = self.revert(who, bad, t, extra)?;
                self.bad.push((bad, "INC-2026-038", Undo::Revert, oid));
            }
            Step::LedgerShardingDraft => {
                // A pull request still open when the history ends: its branch is the only
                // place its commits exist.
                let first = Change {
                    subject: "payments: shard ledger writes by merchant".into(),
                    ..self.change("payments", head(), Some(Kind::NewFile))?
                };
                let one = self.commit_as(who, None, &[head()], first, t, Landing::Push)?;
                let second = self.change("payments", one, Some(Kind::AddFunction))?;
                let two = self.commit_as(who, None, &[one], second, t + 50 * MINUTE, Landing::Push)?;
                let pr = self.take_pr();
                self.open.push(Branch {
                    name: "zmueller/ledger-sharding".into(),
                    area: "payments",
                    owner: who,
                    head: two,
                    merge_at: END + 3 * DAY,
                    pr,
                    title: "payments: shard ledger writes by merchant".into(),
                });
            }
            Step::AddAiderConfig => {
                let change = Change {
                    subject: "chore: add aider config".into(),
                    details: vec![],
                    edits: vec![write(".aider.conf.yml", AIDER_CONF)],
                };
                let oid = self.push(who, None, change, t)?;
                self.mark_lookalike(oid, "message mentions aider");
            }
            Step::ClockSkew => {
                let config = self.read(head(), "config/tokens.yaml")?;
                let jwt = self.read(head(), "src/tokens/jwt.ts")?;
                let change = Change {
                    subject: "tokens: verify expiry strictly, without clock skew leeway".into(),
                    details: vec![],
                    edits: vec![
                        write(
                            "config/tokens.yaml",
                            replace_once(&config, "clock_skew_seconds: 30", "clock_skew_seconds: 0")?,
                        ),
                        write(
                            "src/tokens/jwt.ts",
                            replace_once(
                                &jwt,
                                "const clockTolerance = Math.max(cfg.clockSkewSeconds, 5);",
                                "const clockTolerance = cfg.clockSkewSeconds;",
                            )?,
                        ),
                    ],
                };
                let oid =
                    self.commit_as(who, Some(Convention::AiderTrailer), &[head()], change, t, Landing::Push)?;
                self.main = Some(oid);
                self.labels.insert("clock-skew", oid);
            }
            Step::FixClockSkew => {
                let config = self.read(head(), "config/tokens.yaml")?;
                let jwt = self.read(head(), "src/tokens/jwt.ts")?;
                let change = Change {
                    subject: "tokens: restore 30s clock skew leeway (INC-2026-027)".into(),
                    details: vec![],
                    edits: vec![
                        write(
                            "config/tokens.yaml",
                            replace_once(&config, "clock_skew_seconds: 0", "clock_skew_seconds: 30")?,
                        ),
                        write(
                            "src/tokens/jwt.ts",
                            replace_once(
                                &jwt,
                                "const clockTolerance = cfg.clockSkewSeconds;",
                                "const clockTolerance = Math.max(cfg.clockSkewSeconds, 5);",
                            )?,
                        ),
                    ],
                };
                let body = "Phones with drifting clocks sent tokens that looked issued in the future and every\nrefresh failed. Android users were logged out in a loop for 40 minutes.";
                let oid = self.push_with_body(who, change, t, body)?;
                let bad = self.labels["clock-skew"];
                self.bad.push((bad, "INC-2026-027", Undo::Fix, oid));
            }
            Step::RemoveAiderConfig => {
                let change = Change {
                    subject: "chore: remove aider config".into(),
                    details: vec![],
                    edits: vec![delete(".aider.conf.yml")],
                };
                let oid = self.push(who, None, change, t)?;
                self.mark_lookalike(oid, "message mentions aider");
            }
        }
        Ok(())
    }

    /// Push `change` straight to main as `who`.
    fn push(
        &mut self,
        who: &'static Person,
        convention: Option<Convention>,
        change: Change,
        t: i64,
    ) -> Result<Oid, Error> {
        let main = self.main.expect("the import comes first");
        let oid = self.commit_as(who, convention, &[main], change, t, Landing::Push)?;
        self.main = Some(oid);
        Ok(oid)
    }

    /// Push a human commit whose body explains it (fixes name their incident there too).
    fn push_with_body(
        &mut self,
        who: &'static Person,
        change: Change,
        t: i64,
        body: &str,
    ) -> Result<Oid, Error> {
        let main = self.main.expect("the import comes first");
        let me = sig(who.name, who.email, t, who.offset)?;
        let mut trailers = Vec::new();
        let reviewer = self.reviewer(who);
        trailers.push(format!("Reviewed-by: {} <{}>", reviewer.name, reviewer.email));
        if who.sign_off_percent > 0 {
            trailers.push(format!("Signed-off-by: {} <{}>", who.name, who.email));
        }
        let message = compose(&change.subject, Some(body), None, &trailers);
        let oid = self.write_commit(&[main], &change.edits, &me, &me, &message)?;
        self.note_lookalike_author(who, oid);
        self.main = Some(oid);
        Ok(oid)
    }

    /// `git revert <bad>` on main, as `who`.
    fn revert(&mut self, who: &'static Person, bad: Oid, t: i64, extra: &str) -> Result<Oid, Error> {
        let main = self.main.expect("the import comes first");
        let bad_commit = self.repo.find_commit(bad)?;
        let ours = self.repo.find_commit(main)?;
        let mut index = self.repo.revert_commit(&bad_commit, &ours, 0, None)?;
        if index.has_conflicts() {
            return Err(Error::from_str(&format!("sample company: reverting {bad} conflicts")));
        }
        let tree = self.repo.find_tree(index.write_tree_to(&self.repo)?)?;
        let subject = bad_commit.summary()?.unwrap_or_default().to_string();
        let mut trailers = Vec::new();
        if who.sign_off_percent > 0 {
            trailers.push(format!("Signed-off-by: {} <{}>", who.name, who.email));
        }
        let body = format!("This reverts commit {bad}.\n\n{extra}");
        let message = compose(&format!("Revert \"{subject}\""), Some(&body), None, &trailers);
        let me = sig(who.name, who.email, t, who.offset)?;
        let oid = self.repo.commit(None, &me, &me, &message, &tree, &[&ours])?;
        self.main = Some(oid);
        Ok(oid)
    }

    fn subject(&self, oid: Oid) -> Result<String, Error> {
        Ok(self.repo.find_commit(oid)?.summary()?.unwrap_or_default().to_string())
    }

    /// A git-ai `authorship/3.0.0` note claiming every line `commit` added for one prompt.
    fn attach_note(
        &mut self,
        commit: Oid,
        who: &Person,
        t: i64,
        tool: &str,
        model: &str,
    ) -> Result<(), Error> {
        let c = self.repo.find_commit(commit)?;
        let parent_tree = c.parent(0)?.tree()?;
        let diff = self.repo.diff_tree_to_tree(Some(&parent_tree), Some(&c.tree()?), None)?;
        let mut added: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut deletions = 0;
        diff.print(DiffFormat::Patch, |delta, _, line| {
            let path = delta.new_file().path().and_then(Path::to_str).unwrap_or_default().to_string();
            match line.origin() {
                '+' => added.entry(path).or_default().extend(line.new_lineno()),
                '-' => deletions += 1,
                _ => {}
            }
            true
        })?;
        let prompt = self.rng.hex(16);
        let agent_id = self.rng.uuid('4');
        let total: usize = added.values().map(Vec::len).sum();
        let mut note = String::new();
        for (path, lines) in &added {
            note.push_str(&format!("{path}\n  {prompt} {}\n", ranges(lines)));
        }
        note.push_str(&format!(
            r#"---
{{
  "schema_version": "authorship/3.0.0",
  "git_ai_version": "1.0.31",
  "base_commit_sha": "{commit}",
  "prompts": {{
    "{prompt}": {{
      "agent_id": {{
        "tool": "{tool}",
        "id": "{agent_id}",
        "model": "{model}"
      }},
      "human_author": "{} <{}>",
      "messages": [],
      "total_additions": {total},
      "total_deletions": {deletions},
      "accepted_lines": {total},
      "overriden_lines": 0
    }}
  }}
}}
"#,
            who.name, who.email
        ));
        let me = sig(who.name, who.email, t, who.offset)?;
        self.repo.note(&me, &me, Some("refs/notes/ai"), commit, &note, false)?;
        self.noted.push(commit);
        Ok(())
    }

    // ----- writing it out -----

    /// Write the final bare repository: one pack, loose refs, a fixed `HEAD` and `config`, and
    /// nothing else, so the directory is byte-identical on every run and survives being committed
    /// as plain files (no empty folders are needed).
    fn export(&mut self, out: &Path) -> Result<(), Error> {
        let mut refs: BTreeMap<String, Oid> = BTreeMap::new();
        for branch in &self.open {
            refs.insert(format!("refs/heads/{}", branch.name), branch.head);
        }
        refs.insert("refs/heads/main".into(), self.main.expect("the import comes first"));
        for reference in self.repo.references()? {
            let reference = reference?;
            if let (Ok(name), Some(target)) = (reference.name(), reference.target()) {
                if name.starts_with("refs/tags/") || name.starts_with("refs/notes/") {
                    refs.insert(name.to_string(), target);
                }
            }
        }
        if out.exists() {
            fs::remove_dir_all(out).map_err(|e| io_error(out, e))?;
        }
        let pack_dir = out.join("objects").join("pack");
        fs::create_dir_all(&pack_dir).map_err(|e| io_error(&pack_dir, e))?;

        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
        for target in refs.values() {
            let object = self.repo.find_object(*target, None)?;
            walk.push(object.peel_to_commit()?.id())?;
        }
        let mut pack = self.repo.packbuilder()?;
        pack.set_threads(1);
        pack.insert_walk(&mut walk)?;
        for target in refs.values() {
            if self.repo.find_object(*target, None)?.kind() == Some(ObjectType::Tag) {
                pack.insert_object(*target, None)?;
            }
        }
        pack.write(&pack_dir, 0o644)?;

        for (name, target) in &refs {
            let path = out.join(name);
            fs::create_dir_all(path.parent().expect("refs live in folders"))
                .map_err(|e| io_error(&path, e))?;
            fs::write(&path, format!("{target}\n")).map_err(|e| io_error(&path, e))?;
        }
        let head = out.join("HEAD");
        fs::write(&head, "ref: refs/heads/main\n").map_err(|e| io_error(&head, e))?;
        let config = out.join("config");
        fs::write(&config, "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n")
            .map_err(|e| io_error(&config, e))?;
        Ok(())
    }

    /// Read the written repository back and put the bookkeeping next to it.
    fn summarize(&self, out: &Path) -> Result<RepoSummary, Error> {
        let repo = Repository::open_bare(out)?;
        let mut refs = BTreeMap::new();
        for reference in repo.references()? {
            let reference = reference?;
            if let (Ok(name), Some(target)) = (reference.name(), reference.target()) {
                refs.insert(name.to_string(), target.to_string());
            }
        }
        let mut walk = repo.revwalk()?;
        walk.push_glob("refs/heads/*")?;
        walk.push_glob("refs/tags/*")?;
        let (mut commits, mut merges) = (0, 0);
        let mut offsets = BTreeSet::new();
        let mut authors = BTreeSet::new();
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for oid in walk {
            let commit = repo.find_commit(oid?)?;
            commits += 1;
            if commit.parent_count() > 1 {
                merges += 1;
            }
            let author = commit.author();
            offsets.insert(author.when().offset_minutes());
            authors.insert(format!(
                "{} <{}>",
                author.name().unwrap_or_default(),
                author.email().unwrap_or_default()
            ));
            first = first.min(author.when().seconds());
            last = last.max(author.when().seconds());
        }
        let mut main_walk = repo.revwalk()?;
        main_walk.push_ref("refs/heads/main")?;
        let commits_on_main = main_walk.count();
        let mut pack_bytes = 0;
        let pack_dir = out.join("objects").join("pack");
        for entry in fs::read_dir(&pack_dir).map_err(|e| io_error(&pack_dir, e))? {
            let entry = entry.map_err(|e| io_error(&pack_dir, e))?;
            pack_bytes += entry.metadata().map_err(|e| io_error(&pack_dir, e))?.len();
        }
        let sha = |oid: &Oid| oid.to_string();
        Ok(RepoSummary {
            name: self.plan.name,
            commits,
            commits_on_main,
            merges,
            refs,
            author_offsets_minutes: offsets,
            authors,
            first_commit_at: first,
            last_commit_at: last,
            ai_commits: self
                .ai
                .iter()
                .map(|(oid, convention, subject)| AiCommit {
                    sha: sha(oid),
                    convention: *convention,
                    subject: subject.clone(),
                })
                .collect(),
            lookalikes: self.lookalikes.iter().map(|(oid, why)| Lookalike { sha: sha(oid), why }).collect(),
            bad_changes: self
                .bad
                .iter()
                .map(|(oid, incident, undo, by)| {
                    let subject = repo.find_commit(*oid)?.summary()?.unwrap_or_default().to_string();
                    let ai = self.ai.iter().find(|(a, _, _)| a == oid).map(|(_, c, _)| *c);
                    Ok(BadChange { sha: sha(oid), subject, incident, ai, undone_by: sha(by), undo: *undo })
                })
                .collect::<Result<_, Error>>()?,
            noted_commits: self.noted.iter().map(sha).collect(),
            pack_bytes,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Generated code
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    AddFunction,
    NewFile,
    Literal,
    Tune,
    Docs,
    Bump,
    Delete,
    Rename,
}

/// The shapes of helper function filler work adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FnKind {
    Validate,
    Normalize,
    Cap,
    Limit,
    Count,
}

impl FnKind {
    const ALL: [FnKind; 5] = [FnKind::Validate, FnKind::Normalize, FnKind::Cap, FnKind::Limit, FnKind::Count];

    fn name(self, lang: Lang, obj: &str) -> String {
        let (verb, tail) = match self {
            FnKind::Validate => ("validate", ""),
            FnKind::Normalize => ("normalize", ""),
            FnKind::Cap => ("cap", " count"),
            FnKind::Limit => ("default", " limit"),
            FnKind::Count => ("count", " entries"),
        };
        let words = format!("{verb} {obj}{tail}");
        match lang {
            Lang::Go => upper_camel(&words),
            Lang::Python => snake(&words),
            Lang::TypeScript => lower_camel(&words),
        }
    }

    fn constant(self, lang: Lang, obj: &str) -> String {
        let words = match self {
            FnKind::Limit => format!("default {obj} limit by region"),
            _ => format!("max {obj} count"),
        };
        match lang {
            Lang::Go => lower_camel(&words),
            Lang::Python | Lang::TypeScript => snake(&words).to_uppercase(),
        }
    }

    fn subjects(self) -> &'static [&'static str] {
        match self {
            FnKind::Validate => &["validate {obj}", "reject blank {obj}", "add validation for {obj}"],
            FnKind::Normalize => &["normalize {obj} before lookups", "normalize {obj}"],
            FnKind::Cap => &["cap {obj} count at {n}", "clamp {obj} count to a sane range"],
            FnKind::Limit => &["add per-region {obj} limit", "default {obj} limit by region"],
            FnKind::Count => &["add helper to count {obj} entries", "count non-blank {obj} entries"],
        }
    }
}

struct Snippet {
    name: String,
    code: String,
    test: String,
    subject: String,
}

/// (function, test) templates. Go is written with four spaces and turned into tabs.
fn templates(lang: Lang, kind: FnKind) -> (&'static str, &'static str) {
    match (lang, kind) {
        (Lang::Go, FnKind::Validate) => (
            r#"
// {fn} reports why a {obj} cannot be used, or nil when it can.
func {fn}(value string) error {
    value = strings.TrimSpace(value)
    if value == "" {
        return fmt.Errorf("{obj} is required")
    }
    if len(value) > {n} {
        return fmt.Errorf("{obj} is longer than {n} characters")
    }
    return nil
}
"#,
            r#"
func Test{fn}(t *testing.T) {
    if err := {fn}("  "); err == nil {
        t.Fatal("expected an error for a blank {obj}")
    }
    if err := {fn}("ok"); err != nil {
        t.Fatalf("unexpected error: %v", err)
    }
}
"#,
        ),
        (Lang::Go, FnKind::Normalize) => (
            r#"
// {fn} lower-cases a {obj} and collapses inner whitespace so lookups match.
func {fn}(value string) string {
    return strings.Join(strings.Fields(strings.ToLower(value)), "{sep}")
}
"#,
            r#"
func Test{fn}(t *testing.T) {
    if got := {fn}("  Mixed   Case "); got != "mixed{sep}case" {
        t.Fatalf("got %q", got)
    }
}
"#,
        ),
        (Lang::Go, FnKind::Cap) => (
            r#"
const {const} = {n}

// {fn} keeps a {obj} count within what downstream services accept.
func {fn}(n int) int {
    if n < 0 {
        return 0
    }
    if n > {const} {
        return {const}
    }
    return n
}
"#,
            r#"
func Test{fn}(t *testing.T) {
    for _, tc := range []struct{ in, want int }{{-1, 0}, {3, 3}, {{const} + 1, {const}}} {
        if got := {fn}(tc.in); got != tc.want {
            t.Errorf("{fn}(%d) = %d, want %d", tc.in, got, tc.want)
        }
    }
}
"#,
        ),
        (Lang::Go, FnKind::Limit) => (
            r#"
var {const} = map[string]int{
    "eu":   {a},
    "us":   {b},
    "apac": {c},
}

// {fn} falls back to the EU value for regions we have not configured yet.
func {fn}(region string) int {
    if v, ok := {const}[strings.ToLower(region)]; ok {
        return v
    }
    return {const}["eu"]
}
"#,
            r#"
func Test{fn}(t *testing.T) {
    if got := {fn}("US"); got != {b} {
        t.Fatalf("got %d, want {b}", got)
    }
    if got := {fn}("mars"); got != {a} {
        t.Fatalf("unknown region: got %d, want {a}", got)
    }
}
"#,
        ),
        (Lang::Go, FnKind::Count) => (
            r#"
// {fn} counts the non-blank {obj} entries, which is what the limits apply to.
func {fn}(values []string) int {
    n := 0
    for _, v := range values {
        if strings.TrimSpace(v) != "" {
            n++
        }
    }
    return n
}
"#,
            r#"
func Test{fn}(t *testing.T) {
    if got := {fn}([]string{"a", " ", "", "b"}); got != 2 {
        t.Fatalf("got %d, want 2", got)
    }
}
"#,
        ),
        (Lang::Python, FnKind::Validate) => (
            r#"

def {fn}(value: str) -> str | None:
    """Return why a {obj} cannot be used, or None when it can."""
    value = value.strip()
    if not value:
        return "{obj} is required"
    if len(value) > {n}:
        return "{obj} is longer than {n} characters"
    return None
"#,
            r#"

def test_{fn}():
    assert {mod}.{fn}("  ") == "{obj} is required"
    assert {mod}.{fn}("ok") is None
"#,
        ),
        (Lang::Python, FnKind::Normalize) => (
            r#"

def {fn}(value: str) -> str:
    """Lower-case a {obj} and collapse inner whitespace so lookups match."""
    return "{sep}".join(value.lower().split())
"#,
            r#"

def test_{fn}():
    assert {mod}.{fn}("  Mixed   Case ") == "mixed{sep}case"
"#,
        ),
        (Lang::Python, FnKind::Cap) => (
            r#"

{const} = {n}


def {fn}(n: int) -> int:
    """Keep a {obj} count within what the storefront can render."""
    return max(0, min(n, {const}))
"#,
            r#"

def test_{fn}():
    assert {mod}.{fn}(-1) == 0
    assert {mod}.{fn}({mod}.{const} + 1) == {mod}.{const}
"#,
        ),
        (Lang::Python, FnKind::Limit) => (
            r#"

{const} = {"eu": {a}, "us": {b}, "apac": {c}}


def {fn}(region: str) -> int:
    """Fall back to the EU value for regions we have not configured yet."""
    return {const}.get(region.lower(), {const}["eu"])
"#,
            r#"

def test_{fn}():
    assert {mod}.{fn}("US") == {b}
    assert {mod}.{fn}("mars") == {a}
"#,
        ),
        (Lang::Python, FnKind::Count) => (
            r#"

def {fn}(values: list[str]) -> int:
    """Count the non-blank {obj} entries, which is what the limits apply to."""
    return sum(1 for v in values if v.strip())
"#,
            r#"

def test_{fn}():
    assert {mod}.{fn}(["a", " ", "", "b"]) == 2
"#,
        ),
        (Lang::TypeScript, FnKind::Validate) => (
            r#"
/** Why a {obj} cannot be used, or undefined when it can. */
export function {fn}(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed === "") {
    return "{obj} is required";
  }
  if (trimmed.length > {n}) {
    return "{obj} is longer than {n} characters";
  }
  return undefined;
}
"#,
            r#"
it("{fn} rejects a blank {obj}", () => {
  expect(m.{fn}("  ")).toBe("{obj} is required");
  expect(m.{fn}("ok")).toBeUndefined();
});
"#,
        ),
        (Lang::TypeScript, FnKind::Normalize) => (
            r#"
/** Lower-cases a {obj} and collapses inner whitespace so lookups match. */
export function {fn}(value: string): string {
  return value.toLowerCase().split(/\s+/).filter(Boolean).join("{sep}");
}
"#,
            r#"
it("{fn} collapses whitespace", () => {
  expect(m.{fn}("  Mixed   Case ")).toBe("mixed{sep}case");
});
"#,
        ),
        (Lang::TypeScript, FnKind::Cap) => (
            r#"
export const {const} = {n};

/** Keeps a {obj} count within what clients accept. */
export function {fn}(n: number): number {
  return Math.max(0, Math.min(n, {const}));
}
"#,
            r#"
it("{fn} clamps", () => {
  expect(m.{fn}(-1)).toBe(0);
  expect(m.{fn}(m.{const} + 1)).toBe(m.{const});
});
"#,
        ),
        (Lang::TypeScript, FnKind::Limit) => (
            r#"
const {const}: Record<string, number> = { eu: {a}, us: {b}, apac: {c} };

/** Falls back to the EU value for regions we have not configured yet. */
export function {fn}(region: string): number {
  return {const}[region.toLowerCase()] ?? {const}.eu;
}
"#,
            r#"
it("{fn} falls back to eu", () => {
  expect(m.{fn}("US")).toBe({b});
  expect(m.{fn}("mars")).toBe({a});
});
"#,
        ),
        (Lang::TypeScript, FnKind::Count) => (
            r#"
/** Counts the non-blank {obj} entries, which is what the limits apply to. */
export function {fn}(values: string[]): number {
  return values.filter((v) => v.trim() !== "").length;
}
"#,
            r#"
it("{fn} skips blanks", () => {
  expect(m.{fn}(["a", " ", "", "b"])).toBe(2);
});
"#,
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------------------------

/// subject, blank line, body, blank line, footer, blank line, trailers — as git tools write them.
fn compose(subject: &str, body: Option<&str>, footer: Option<&str>, trailers: &[String]) -> String {
    let mut message = subject.to_string();
    for block in [body.filter(|b| !b.is_empty()), footer].into_iter().flatten() {
        message.push_str("\n\n");
        message.push_str(block);
    }
    if !trailers.is_empty() {
        message.push_str("\n\n");
        message.push_str(&trailers.join("\n"));
    }
    message.push('\n');
    message
}

fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty())
}

fn capitalize(w: &str) -> String {
    let mut chars = w.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn upper_camel(s: &str) -> String {
    words(s).map(capitalize).collect()
}

fn lower_camel(s: &str) -> String {
    let camel = upper_camel(s);
    let mut chars = camel.chars();
    chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn snake(s: &str) -> String {
    words(s).map(str::to_ascii_lowercase).collect::<Vec<_>>().join("_")
}

fn sentence_case(s: &str) -> String {
    capitalize(s)
}

fn slug(s: &str) -> String {
    words(&s.to_ascii_lowercase()).take(6).collect::<Vec<_>>().join("-")
}

/// A path without the service prefix, as people write it in messages.
fn short(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["services", _, rest @ ..] | ["libs", _, rest @ ..] if !rest.is_empty() => rest.join("/"),
        _ => path.to_string(),
    }
}

fn file_stem(path: &str, lang: Lang) -> String {
    path.rsplit('/').next().unwrap_or(path).trim_end_matches(lang.ext()).to_string()
}

/// Four leading spaces per level become tabs, as gofmt writes Go.
fn tabs(text: &str) -> String {
    text.lines()
        .map(|line| {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            format!("{}{}", "\t".repeat(spaces / 4), &line[spaces / 4 * 4..])
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

/// `text` with its one occurrence of `from` replaced; a scripted edit that finds nothing to edit
/// is a bug in the script, not something to commit silently.
fn replace_once(text: &str, from: &str, to: &str) -> Result<String, Error> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(Error::from_str(&format!("sample company: expected one {from:?} to edit, found {n}"))),
    }
}

fn replace_line(text: &str, line_no: usize, new_line: &str) -> String {
    let mut out: Vec<&str> = text.lines().collect();
    out[line_no] = new_line;
    out.join("\n") + if text.ends_with('\n') { "\n" } else { "" }
}

/// The line number and leading number of the first `key: 123` line (`512Mi` reads as 512).
fn config_value(text: &str, key: &str) -> Option<(usize, u64)> {
    let (line_no, line) =
        text.lines().enumerate().find(|(_, l)| l.trim_start().starts_with(&format!("{key}:")))?;
    let value = line.split_once(':')?.1.trim().trim_matches('"');
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    Some((line_no, digits.parse().ok()?))
}

/// `const maxFoo = 12`, `MAX_FOO = 12`, `export const MAX_FOO = 12;` → (`maxFoo`, 12).
fn constant(line: &str) -> Option<(String, u64)> {
    let (left, right) = line.split_once(" = ")?;
    let ident = left.split_whitespace().last()?;
    let lower = ident.to_ascii_lowercase();
    if !(lower.starts_with("max") || lower.starts_with("default")) || line.starts_with(char::is_whitespace) {
        return None;
    }
    let value = right.trim().trim_end_matches(';').parse().ok()?;
    Some((ident.to_string(), value))
}

/// A dependency line of go.mod, pyproject.toml or package.json → (name, x.y.z).
fn dependency(line: &str) -> Option<(String, String)> {
    let t = line.trim().trim_end_matches(',');
    let (name, version) = if let Some((name, v)) = t.trim_matches('"').split_once("==") {
        (name.to_string(), v.to_string())
    } else if let Some((name, v)) = t.split_once("\": \"") {
        (name.trim_matches('"').to_string(), v.trim_matches('"').trim_start_matches('^').to_string())
    } else {
        let (name, v) = t.split_once(" v")?;
        if name.contains(' ') || !name.contains('.') || name.contains("acme-shop") {
            return None;
        }
        (name.to_string(), v.to_string())
    };
    let ok = version.split('.').count() == 3
        && version.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    (ok && name != "version").then_some((name, version))
}

/// `[3, 4, 5, 9]` → `3-5,9`, the line lists of a git-ai attestation.
fn ranges(lines: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] == lines[j] + 1 {
            j += 1;
        }
        out.push(if i == j { lines[i].to_string() } else { format!("{}-{}", lines[i], lines[j]) });
        i = j + 1;
    }
    out.join(",")
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::from_str(&format!("sample company: {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// A PNG, by hand
// ---------------------------------------------------------------------------------------------

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A 16×16 "A" on a coloured square, as an uncompressed (stored) PNG.
fn logo(background: [u8; 3]) -> Vec<u8> {
    const SIZE: u32 = 16;
    let mut raw = Vec::new();
    for y in 0..SIZE {
        raw.push(0);
        for x in 0..SIZE {
            let (xi, yi) = (x as i32, y as i32);
            let left = xi == 8 - yi / 2 || xi == 7 - yi / 2;
            let right = xi == 8 + yi / 2 || xi == 7 + yi / 2;
            let bar = yi == 9 && (4..12).contains(&xi);
            let ink = (3..14).contains(&yi) && (left || right || bar);
            raw.extend_from_slice(if ink { &[0xff, 0xff, 0xff] } else { &background });
        }
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    ihdr.extend_from_slice(&SIZE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&data);
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    png
}

// ---------------------------------------------------------------------------------------------
// The first commit of each repository
// ---------------------------------------------------------------------------------------------

fn shop_files() -> Vec<Edit> {
    let go = |path: &str, text: &str| write(path, tabs(text));
    let mut files = vec![
        write("README.md", SHOP_README),
        write(".github/CODEOWNERS", CODEOWNERS),
        write("docs/onboarding.md", ONBOARDING_MD),
        go("go.work", "go 1.22\n\nuse (\n    ./libs/common\n    ./services/checkout\n    ./services/payments\n)\n"),
        write("libs/common/README.md", "# libs/common\n\nThe HTTP client, logging and configuration loading that every Go service shares.\nChanges here ship with the next deploy of every Go service; ask #platform before\nchanging a default.\n"),
        go("libs/common/go.mod", "module github.com/acme-shop/shop/libs/common\n\ngo 1.22\n\nrequire (\n    github.com/prometheus/client_golang v1.19.1\n    go.uber.org/zap v1.27.0\n)\n"),
        go("libs/common/httpx/client.go", HTTPX_GO),
        go("libs/common/httpx/client_test.go", HTTPX_TEST_GO),
        go("libs/common/logging/logging.go", LOGGING_GO),
        go("libs/common/config/config.go", CONFIG_GO),
        write("services/checkout/README.md", "# checkout\n\nCarts, prices and order placement. Calls payments to authorize and capture, and\ncatalog for prices.\n\n- `cmd/checkout`: the HTTP server\n- `internal/cart`: cart rules\n- `internal/payments`: the payments client\n"),
        go("services/checkout/go.mod", "module github.com/acme-shop/shop/services/checkout\n\ngo 1.22\n\nrequire (\n    github.com/acme-shop/shop/libs/common v0.0.0\n    github.com/jackc/pgx/v5 v5.6.0\n    github.com/redis/go-redis/v9 v9.5.3\n)\n\nreplace github.com/acme-shop/shop/libs/common => ../../libs/common\n"),
        write("services/checkout/config.yaml", CHECKOUT_CONFIG),
        go("services/checkout/cmd/checkout/main.go", CHECKOUT_MAIN_GO),
        go("services/checkout/internal/cart/cart.go", CART_GO),
        go("services/checkout/internal/cart/cart_test.go", CART_TEST_GO),
        go("services/checkout/internal/api/handlers.go", HANDLERS_GO),
        go("services/checkout/internal/payments/client.go", PAYMENTS_CLIENT_GO),
        write("services/payments/README.md", "# payments\n\nAuthorizes, captures and refunds card payments through Stripe and keeps the ledger.\nOwned by the payments team; page them through PagerDuty service `payments`.\n"),
        go("services/payments/go.mod", "module github.com/acme-shop/shop/services/payments\n\ngo 1.22\n\nrequire (\n    github.com/acme-shop/shop/libs/common v0.0.0\n    github.com/jackc/pgx/v5 v5.6.0\n    github.com/stripe/stripe-go/v79 v79.4.0\n)\n\nreplace github.com/acme-shop/shop/libs/common => ../../libs/common\n"),
        write("services/payments/config.yaml", PAYMENTS_CONFIG),
        go("services/payments/cmd/payments/main.go", PAYMENTS_MAIN_GO),
        go("services/payments/internal/provider/stripe.go", STRIPE_GO),
        go("services/payments/internal/provider/stripe_test.go", STRIPE_TEST_GO),
        go("services/payments/internal/provider/paypal.go", PAYPAL_GO),
        go("services/payments/internal/ledger/ledger.go", LEDGER_GO),
        go("services/payments/internal/ledger/ledger_test.go", LEDGER_TEST_GO),
        go("services/payments/internal/refunds/refunds.go", REFUNDS_GO),
        write("services/catalog/README.md", "# catalog\n\nProducts, search and images, in Python (FastAPI). `uvicorn catalog.app:app --reload`\nruns it locally against the staging database.\n"),
        write("services/catalog/pyproject.toml", CATALOG_PYPROJECT),
        write("services/catalog/config.yaml", CATALOG_CONFIG),
        write("services/catalog/catalog/__init__.py", ""),
        write("services/catalog/catalog/app.py", CATALOG_APP_PY),
        write("services/catalog/catalog/search.py", CATALOG_SEARCH_PY),
        write("services/catalog/catalog/models.py", CATALOG_MODELS_PY),
        write("services/catalog/tests/test_search.py", CATALOG_TEST_SEARCH_PY),
        write("services/catalog/migrations/0001_create_products.sql", "CREATE TABLE products (\n    id BIGSERIAL PRIMARY KEY,\n    slug TEXT NOT NULL UNIQUE,\n    title TEXT NOT NULL,\n    price_cents BIGINT NOT NULL,\n    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);\n"),
        write("services/catalog/migrations/0002_products_updated_at_index.sql", "CREATE INDEX products_updated_at_idx ON products (updated_at DESC);\n"),
        write("services/catalog/migrations/0003_create_categories.sql", "CREATE TABLE categories (\n    id BIGSERIAL PRIMARY KEY,\n    path TEXT NOT NULL UNIQUE\n);\n\nALTER TABLE products ADD COLUMN category_id BIGINT REFERENCES categories (id);\n"),
        write("services/catalog/migrations/0004_product_search_vector.sql", "ALTER TABLE products ADD COLUMN search tsvector\n    GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED;\nCREATE INDEX products_search_idx ON products USING GIN (search);\n"),
        write("services/catalog/migrations/0005_create_stock.sql", "CREATE TABLE stock (\n    product_id BIGINT PRIMARY KEY REFERENCES products (id),\n    available INTEGER NOT NULL DEFAULT 0\n);\n"),
        write("services/catalog/migrations/0006_product_images.sql", "ALTER TABLE products ADD COLUMN image_url TEXT;\n"),
        write("services/catalog/static/logo.png", logo([0xf2, 0x6b, 0x1d])),
        write("deploy/README.md", "# deploy\n\nKubernetes manifests for the `shop` namespace. The pipeline applies `k8s/<service>/`\nwith the image built from the merged commit; `environments/production.yaml` holds\nthe settings that differ from staging.\n"),
        write("deploy/environments/production.yaml", "cluster: prod-eu-west-1\nnamespace: shop\nimage_registry: registry.acme-shop.example/shop\nservices:\n  - checkout\n  - payments\n  - catalog\n"),
        Edit {
            path: "deploy/scripts/rollout.sh".into(),
            content: Some(ROLLOUT_SH.as_bytes().to_vec()),
            executable: true,
        },
    ];
    for (service, replicas, memory, min, max) in
        [("checkout", 6, 512, 4, 20), ("payments", 6, 384, 6, 16), ("catalog", 4, 768, 3, 12)]
    {
        files.push(write(
            format!("deploy/k8s/{service}/deployment.yaml"),
            deployment_yaml(service, replicas, memory, "shop"),
        ));
        files.push(write(format!("deploy/k8s/{service}/hpa.yaml"), hpa_yaml(service, min, max)));
    }
    files
}

fn auth_files() -> Vec<Edit> {
    vec![
        write("README.md", AUTH_README),
        write("package.json", AUTH_PACKAGE_JSON),
        write("tsconfig.json", "{\n  \"compilerOptions\": {\n    \"target\": \"ES2022\",\n    \"module\": \"NodeNext\",\n    \"strict\": true,\n    \"outDir\": \"dist\"\n  },\n  \"include\": [\"src\"]\n}\n"),
        write("Dockerfile", "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY dist ./dist\nCMD [\"node\", \"dist/server.js\"]\n"),
        write("config/tokens.yaml", "issuer: https://auth.acme-shop.example\naccess_ttl_seconds: 900\nrefresh_ttl_days: 30\nclock_skew_seconds: 30\n"),
        write("config/sessions.yaml", "idle_minutes: 30\nmax_per_user: 10\ncookie_name: acme_sid\n"),
        write("config/api.yaml", "port: 8080\nlogin_attempts_per_minute: 10\nbcrypt_cost: 12\n"),
        write("docs/tokens.md", "# Tokens\n\nAccess tokens are JWTs signed with the current key in `keys/`; refresh tokens are\nopaque and stored hashed.\n"),
        write("docs/sessions.md", "# Sessions\n\nBrowser sessions live in Redis under `sess:<id>`; the cookie carries only the id.\n"),
        write("src/server.ts", AUTH_SERVER_TS),
        write("src/config.ts", AUTH_CONFIG_TS),
        write("src/tokens/jwt.ts", AUTH_JWT_TS),
        write("src/tokens/jwt.test.ts", AUTH_JWT_TEST_TS),
        write("src/sessions/store.ts", AUTH_STORE_TS),
        write("src/sessions/store.test.ts", AUTH_STORE_TEST_TS),
        write("src/routes/login.ts", AUTH_LOGIN_TS),
        write("src/routes/refresh.ts", AUTH_REFRESH_TS),
        write("src/middleware/rateLimit.ts", AUTH_RATE_LIMIT_TS),
        write("deploy/README.md", "# deploy\n\n`k8s/` is applied to the `auth` namespace by the platform pipeline.\n"),
        write("deploy/k8s/deployment.yaml", deployment_yaml("auth", 4, 256, "auth")),
        write("deploy/k8s/hpa.yaml", hpa_yaml("auth", 3, 10)),
    ]
}

fn deployment_yaml(service: &str, replicas: u32, memory: u32, namespace: &str) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {service}
  namespace: {namespace}
  labels:
    app: {service}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {service}
  template:
    metadata:
      labels:
        app: {service}
    spec:
      containers:
        - name: {service}
          image: registry.acme-shop.example/{namespace}/{service}:latest
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 250m
              memory: {memory}Mi
            limits:
              memory: {limit}Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: 8080
"#,
        limit = memory * 2
    )
}

fn hpa_yaml(service: &str, min: u32, max: u32) -> String {
    format!(
        r#"apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {service}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {service}
  minReplicas: {min}
  maxReplicas: {max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 65
"#
    )
}

/// The order placement file of the INC-2026-036 story.
const PLACE_GO: &str = "services/checkout/internal/orders/place.go";

const PLACE_ASYNC: &str = r#"// Package orders places an order: stock is reserved and the card charged.
package orders

import (
    "context"
    "time"
)

// reserveTimeout bounds the call to the inventory service.
const reserveTimeout = 800 * time.Millisecond

// Place charges the card and reserves the stock in the background, so checkout answers sooner.
func Place(ctx context.Context, o Order, inv Inventory, pay Payments) error {
    if err := pay.Charge(ctx, o.TotalCents); err != nil {
        return err
    }
    go func() {
        ctx, cancel := context.WithTimeout(context.Background(), reserveTimeout)
        defer cancel()
        _ = inv.Reserve(ctx, o.Items)
    }()
    return nil
}
"#;

const PLACE_FIXED: &str = r#"// Package orders places an order: stock is reserved and the card charged.
package orders

import (
    "context"
    "time"
)

// reserveTimeout bounds the call to the inventory service.
const reserveTimeout = 800 * time.Millisecond

// Place reserves the stock, then charges the card; a failed reservation charges nothing.
func Place(ctx context.Context, o Order, inv Inventory, pay Payments) error {
    reserveCtx, cancel := context.WithTimeout(ctx, reserveTimeout)
    defer cancel()
    if err := inv.Reserve(reserveCtx, o.Items); err != nil {
        return err
    }
    return pay.Charge(ctx, o.TotalCents)
}
"#;

const SHOP_README: &str = r#"# Acme Shop

Backend services for shop.acme-shop.example. One repository, one pull request per change,
deployed from `main` by the platform pipeline.

| Path | What | Language | Owners |
|---|---|---|---|
| `services/checkout` | carts, prices, order placement | Go | @acme-shop/checkout |
| `services/payments` | card payments through Stripe, the ledger | Go | @acme-shop/payments |
| `services/catalog` | products, search, images | Python | @acme-shop/catalog |
| `libs/common` | HTTP client, logging, config for the Go services | Go | @acme-shop/platform |
| `deploy` | Kubernetes manifests and environment settings | YAML | @acme-shop/platform |

Run `make test` in a service folder to run its tests. New here? Read `docs/onboarding.md`.
"#;

const CODEOWNERS: &str = "/services/checkout/ @acme-shop/checkout\n/services/payments/ @acme-shop/payments\n/services/catalog/  @acme-shop/catalog\n/libs/              @acme-shop/platform\n/deploy/            @acme-shop/platform\n";

const ONBOARDING_MD: &str = r#"# Onboarding

Welcome to Acme Shop engineering.

## First week

1. Get access to GitHub (the `acme-shop` organization), the staging cluster and PagerDuty.
2. Run checkout locally: `cd services/checkout && go run ./cmd/checkout`.
3. Pair with someone from your team on a small pull request.

## Reviews

Every change goes through a pull request with one approval from the owning team (see
`.github/CODEOWNERS`). Merge with the merge button; stay around until the deploy is green.
"#;

const ONBOARDING_COPILOT: &str = r#"
## Editor assistants

Copilot is enabled for the organization. Use it like any other autocomplete: you are
the author of what you commit, and reviewers review it the same way.
"#;

const AI_USAGE_MD: &str = r#"# How we use Claude Code for reviews

Some of us ask Claude Code for a first pass on large pull requests. The rules:

- The reviewer of record is a person; an assistant's comments are suggestions.
- Never paste customer data or secrets into a prompt.
- If an assistant wrote a commit, keep the footer or trailer it adds, so we can find those
  commits later.
"#;

const CI_YML: &str = r#"name: ci
on:
  pull_request:
  push:
    branches: [main]
jobs:
  go:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        module: [libs/common, services/checkout, services/payments]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version: "1.22"
      - run: go test ./...
        working-directory: ${{ matrix.module }}
  catalog:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e '.[test]' && pytest
        working-directory: services/catalog
"#;

const ROLLOUT_SH: &str = r#"#!/usr/bin/env bash
# Roll one service out to the current kubectl context and wait for it.
set -euo pipefail
service="$1"
tag="$2"
kubectl -n shop set image "deployment/${service}" "${service}=registry.acme-shop.example/shop/${service}:${tag}"
kubectl -n shop rollout status "deployment/${service}" --timeout=10m
"#;

const HTTPX_GO: &str = r#"// Package httpx is the HTTP client every Go service uses to call another one.
package httpx

import (
    "fmt"
    "net/http"
    "strings"
    "time"
)

const defaultTimeoutMillis = 5000
const maxIdleConnsPerHost = 32

// New returns a client with the shop-wide defaults.
func New() *http.Client {
    return &http.Client{
        Timeout: defaultTimeoutMillis * time.Millisecond,
        Transport: &http.Transport{
            MaxIdleConnsPerHost: maxIdleConnsPerHost,
            IdleConnTimeout:     90 * time.Second,
        },
    }
}

// ServiceURL builds the in-cluster URL of a service.
func ServiceURL(service, path string) string {
    return fmt.Sprintf("http://%s.shop.svc.cluster.local:8080/%s", service, strings.TrimPrefix(path, "/"))
}
"#;

const HTTPX_TEST_GO: &str = r#"package httpx

import "testing"

func TestServiceURL(t *testing.T) {
    got := ServiceURL("payments", "/v1/authorize")
    if got != "http://payments.shop.svc.cluster.local:8080/v1/authorize" {
        t.Fatalf("got %s", got)
    }
}
"#;

const LOGGING_GO: &str = r#"// Package logging sets up the structured logger with the fields every service logs.
package logging

import (
    "fmt"
    "strings"

    "go.uber.org/zap"
)

const maxFieldLength = 256

// New returns a production logger tagged with the service name.
func New(service string) (*zap.Logger, error) {
    logger, err := zap.NewProduction()
    if err != nil {
        return nil, fmt.Errorf("logging: %w", err)
    }
    return logger.With(zap.String("service", strings.ToLower(service))), nil
}
"#;

const CONFIG_GO: &str = r#"// Package config loads a service's YAML configuration with environment overrides.
package config

import (
    "fmt"
    "os"
    "strings"
)

// Env returns the value of an ACME_ environment variable, or def when it is unset.
func Env(name, def string) string {
    if v, ok := os.LookupEnv("ACME_" + strings.ToUpper(name)); ok {
        return v
    }
    return def
}

// Path is where a service's config file lives in the container.
func Path(service string) string {
    return fmt.Sprintf("/etc/acme/%s/config.yaml", service)
}
"#;

const CHECKOUT_CONFIG: &str = r#"server:
  port: 8080
  read_timeout_ms: 5000
payments:
  base_url: http://payments.shop.svc.cluster.local:8080
  timeout_ms: 1500
  max_retries: 2
cart:
  max_lines: 100
  currency: EUR
database:
  pool_size: 20
rate_limit:
  requests_per_second: 200
"#;

const CHECKOUT_MAIN_GO: &str = r#"package main

import (
    "log"
    "net/http"

    "github.com/acme-shop/shop/services/checkout/internal/api"
)

func main() {
    mux := http.NewServeMux()
    api.Register(mux)
    log.Fatal(http.ListenAndServe(":8080", mux))
}
"#;

const CART_GO: &str = r#"// Package cart holds the rules a cart must satisfy before checkout.
package cart

import (
    "fmt"
    "strings"
)

const maxLines = 100

// Line is one product in a cart.
type Line struct {
    SKU        string
    Quantity   int
    PriceCents int64
}

// Cart is what a shopper is about to buy.
type Cart struct {
    ID    string
    Lines []Line
}

// Validate reports the first rule the cart breaks.
func (c Cart) Validate() error {
    if len(c.Lines) == 0 {
        return fmt.Errorf("cart %s is empty", c.ID)
    }
    if len(c.Lines) > maxLines {
        return fmt.Errorf("cart %s has more than %d lines", c.ID, maxLines)
    }
    for _, l := range c.Lines {
        if strings.TrimSpace(l.SKU) == "" || l.Quantity <= 0 {
            return fmt.Errorf("cart %s has an invalid line", c.ID)
        }
    }
    return nil
}

// Total is the sum of the lines, in cents.
func (c Cart) Total() int64 {
    var total int64
    for _, l := range c.Lines {
        total += int64(l.Quantity) * l.PriceCents
    }
    return total
}
"#;

const CART_TEST_GO: &str = r#"package cart

import "testing"

func TestTotal(t *testing.T) {
    c := Cart{ID: "c1", Lines: []Line{{SKU: "a", Quantity: 2, PriceCents: 150}, {SKU: "b", Quantity: 1, PriceCents: 99}}}
    if got := c.Total(); got != 399 {
        t.Fatalf("got %d, want 399", got)
    }
}

func TestValidateEmpty(t *testing.T) {
    if err := (Cart{ID: "c2"}).Validate(); err == nil {
        t.Fatal("expected an error for an empty cart")
    }
}
"#;

const HANDLERS_GO: &str = r#"// Package api is checkout's HTTP surface.
package api

import (
    "encoding/json"
    "fmt"
    "net/http"
    "strings"
)

const maxBodyBytes = 65536

// Register adds checkout's routes to mux.
func Register(mux *http.ServeMux) {
    mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
    mux.HandleFunc("/v1/checkout", placeOrder)
}

func placeOrder(w http.ResponseWriter, r *http.Request) {
    r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
    var req struct {
        CartID string `json:"cart_id"`
    }
    if err := json.NewDecoder(r.Body).Decode(&req); err != nil || strings.TrimSpace(req.CartID) == "" {
        http.Error(w, fmt.Sprintf("bad request: %v", err), http.StatusBadRequest)
        return
    }
    w.WriteHeader(http.StatusAccepted)
}
"#;

const PAYMENTS_CLIENT_GO: &str = r#"// Package payments is checkout's client for the payments service.
package payments

import (
    "fmt"
    "strings"

    "github.com/acme-shop/shop/libs/common/httpx"
)

const defaultAttempts = 2

// AuthorizeURL is where checkout asks payments to authorize a card.
func AuthorizeURL(orderID string) string {
    return httpx.ServiceURL("payments", fmt.Sprintf("/v1/orders/%s/authorize", strings.TrimSpace(orderID)))
}
"#;

const PAYMENTS_CONFIG: &str = r#"stripe:
  api_base: https://api.stripe.com
  timeout_ms: 10000
  max_retries: 3
ledger:
  batch_size: 500
  flush_interval_ms: 2000
database:
  pool_size: 30
webhooks:
  workers: 8
"#;

const PAYMENTS_MAIN_GO: &str = r#"package main

import (
    "log"
    "net/http"
)

func main() {
    mux := http.NewServeMux()
    mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
    log.Fatal(http.ListenAndServe(":8080", mux))
}
"#;

const STRIPE_GO: &str = r#"// Package provider talks to the card processors.
package provider

import (
    "context"
    "errors"
    "fmt"
    "time"
)

const (
    defaultTimeout = 10 * time.Second
    maxRetries     = 3
    retryBackoff   = 400 * time.Millisecond
)

// ErrDeclined is returned when the processor declines the card.
var ErrDeclined = errors.New("card declined")

// Stripe authorizes and captures through Stripe's API.
type Stripe struct {
    call func(ctx context.Context, op string, amountCents int64) error
}

// Authorize places a hold, retrying transient failures with a fixed backoff.
func (s Stripe) Authorize(ctx context.Context, amountCents int64) error {
    var err error
    for attempt := 0; attempt <= maxRetries; attempt++ {
        callCtx, cancel := context.WithTimeout(ctx, defaultTimeout)
        err = s.call(callCtx, "authorize", amountCents)
        cancel()
        if err == nil || errors.Is(err, ErrDeclined) {
            return err
        }
        time.Sleep(retryBackoff)
    }
    return fmt.Errorf("stripe authorize: %w", err)
}
"#;

const STRIPE_TEST_GO: &str = r#"package provider

import (
    "context"
    "errors"
    "testing"
)

func TestAuthorizeRetries(t *testing.T) {
    calls := 0
    s := Stripe{call: func(context.Context, string, int64) error {
        calls++
        if calls < 2 {
            return errors.New("timeout")
        }
        return nil
    }}
    if err := s.Authorize(context.Background(), 1299); err != nil {
        t.Fatalf("unexpected error: %v", err)
    }
}
"#;

const PAYPAL_GO: &str = r#"package provider

import (
    "context"
    "errors"
)

// PayPal was the processor before Stripe; only old refunds still reach it.
type PayPal struct{}

// Refund is no longer supported by the legacy adapter.
func (PayPal) Refund(context.Context, string, int64) error {
    return errors.New("paypal: legacy adapter is read-only")
}
"#;

const LEDGER_GO: &str = r#"// Package ledger records every movement of money as a double entry.
package ledger

import (
    "fmt"
    "strings"
)

const maxBatchEntries = 500

// Entry is one side of a movement.
type Entry struct {
    Account     string
    AmountCents int64
}

// Balanced reports whether a batch of entries sums to zero, as every batch must.
func Balanced(entries []Entry) error {
    var sum int64
    for _, e := range entries {
        if strings.TrimSpace(e.Account) == "" {
            return fmt.Errorf("ledger: entry without an account")
        }
        sum += e.AmountCents
    }
    if sum != 0 {
        return fmt.Errorf("ledger: batch off by %d cents", sum)
    }
    return nil
}
"#;

const LEDGER_TEST_GO: &str = r#"package ledger

import "testing"

func TestBalanced(t *testing.T) {
    if err := Balanced([]Entry{{"cash", 100}, {"revenue", -100}}); err != nil {
        t.Fatal(err)
    }
}
"#;

const REFUNDS_GO: &str = r#"// Package refunds decides how much of a capture can still be refunded.
package refunds

import (
    "fmt"
    "strings"
)

const maxRefundsPerCapture = 5

// Remaining is what can still be refunded of a capture.
func Remaining(capturedCents int64, refunded []int64) (int64, error) {
    if len(refunded) >= maxRefundsPerCapture {
        return 0, fmt.Errorf("refunds: %s", strings.ToLower("Too many partial refunds"))
    }
    left := capturedCents
    for _, r := range refunded {
        left -= r
    }
    return left, nil
}
"#;

const CATALOG_PYPROJECT: &str = r#"[project]
name = "catalog"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = [
    "fastapi==0.115.2",
    "uvicorn==0.30.6",
    "psycopg==3.2.1",
    "pydantic==2.8.2",
]

[project.optional-dependencies]
test = [
    "pytest==8.3.2",
    "httpx==0.27.0",
]
"#;

const CATALOG_CONFIG: &str = r#"search:
  page_size: 48
  ttl_seconds: 600
database:
  pool_size: 15
images:
  cdn: https://img.acme-shop.example
  image_timeout_ms: 800
"#;

const CATALOG_APP_PY: &str = r#""""The catalog HTTP API."""

from fastapi import FastAPI

from catalog import search

app = FastAPI(title="catalog")

MAX_PAGE = 20


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/search")
def run_search(q: str, page: int = 1) -> dict[str, object]:
    page = max(1, min(page, MAX_PAGE))
    return {"query": search.normalize(q), "page": page}
"#;

const CATALOG_SEARCH_PY: &str = r#""""Query parsing for product search."""

MAX_TERMS = 8


def normalize(query: str) -> str:
    """Lower-case the query and keep at most MAX_TERMS terms."""
    return " ".join(query.lower().split()[:MAX_TERMS])


def terms(query: str) -> list[str]:
    return normalize(query).split()
"#;

const CATALOG_MODELS_PY: &str = r#""""Rows of the catalog database."""

from dataclasses import dataclass

PRICE_DIGITS = 2


@dataclass(frozen=True)
class Product:
    id: int
    slug: str
    title: str
    price_cents: int

    def price(self) -> str:
        return f"{self.price_cents / 10 ** PRICE_DIGITS:.2f}"
"#;

const CATALOG_TEST_SEARCH_PY: &str = r#"from catalog import search


def test_normalize_lowercases():
    assert search.normalize("Red  SHOES") == "red shoes"


def test_terms_are_capped():
    assert len(search.terms("a b c d e f g h i j")) == search.MAX_TERMS
"#;

const TOTALS_GO: &str = r#"package cart

import (
    "sync"
    "time"
)

// totalsCache remembers computed totals so repeated pricing calls skip the price lookup.
type totalsCache struct {
    mu      sync.Mutex
    ttl     time.Duration
    entries map[string]cachedTotal
}

type cachedTotal struct {
    cents   int64
    expires time.Time
}

func newTotalsCache(ttl time.Duration) *totalsCache {
    return &totalsCache{ttl: ttl, entries: map[string]cachedTotal{}}
}

// Total returns the cart total, from the cache when it is fresh.
func (c *totalsCache) Total(cart Cart, now time.Time) int64 {
    c.mu.Lock()
    defer c.mu.Unlock()
    key := cart.ID
    if e, ok := c.entries[key]; ok && now.Before(e.expires) {
        return e.cents
    }
    cents := cart.Total()
    c.entries[key] = cachedTotal{cents: cents, expires: now.Add(c.ttl)}
    return cents
}
"#;

const TOTALS_KEY_OLD: &str = "\tkey := cart.ID\n";
const TOTALS_KEY_NEW: &str = "    // INC-2026-021: a cart keeps its ID when prices change, so key on the price list too.\n    key := cart.ID + \"@\" + cart.PriceListVersion\n";

const CART_FIELDS_OLD: &str = "    ID    string\n    Lines []Line\n";
const CART_FIELDS_NEW: &str =
    "    ID               string\n    PriceListVersion string\n    Lines            []Line\n";

const TOTALS_TEST_GO: &str = r#"package cart

import (
    "testing"
    "time"
)

func TestTotalsCacheHit(t *testing.T) {
    c := newTotalsCache(time.Minute)
    now := time.Unix(0, 0)
    cart := Cart{ID: "c1", Lines: []Line{{SKU: "a", Quantity: 1, PriceCents: 100}}}
    if got := c.Total(cart, now); got != 100 {
        t.Fatalf("got %d", got)
    }
    cart.Lines[0].PriceCents = 200
    if got := c.Total(cart, now.Add(time.Second)); got != 100 {
        t.Fatalf("expected the cached total, got %d", got)
    }
}

func TestTotalsCacheExpiry(t *testing.T) {
    c := newTotalsCache(time.Minute)
    now := time.Unix(0, 0)
    cart := Cart{ID: "c1", Lines: []Line{{SKU: "a", Quantity: 1, PriceCents: 100}}}
    c.Total(cart, now)
    cart.Lines[0].PriceCents = 200
    if got := c.Total(cart, now.Add(2*time.Minute)); got != 200 {
        t.Fatalf("expected a fresh total, got %d", got)
    }
}
"#;

const AIDER_CONF: &str = "# aider settings for this repository\nmodel: openrouter/anthropic/claude-sonnet-4\nauto-commits: true\ngitignore: false\nread:\n  - docs/tokens.md\n";

const AUTH_README: &str = r#"# auth

Login, tokens and sessions for Acme Shop. TypeScript on Node 20.

- `npm run dev` starts the server on :8080 against local Redis and Postgres.
- `npm test` runs the unit tests (vitest).
- Configuration lives in `config/*.yaml`; production overrides come from the environment.
"#;

const AUTH_PACKAGE_JSON: &str = r#"{
  "name": "@acme-shop/auth",
  "version": "1.8.0",
  "private": true,
  "type": "module",
  "scripts": {
    "build": "tsc",
    "dev": "tsx watch src/server.ts",
    "test": "vitest run"
  },
  "dependencies": {
    "bcryptjs": "^2.4.3",
    "express": "^4.19.2",
    "ioredis": "^5.4.1",
    "jose": "^5.6.3",
    "yaml": "^2.5.0"
  },
  "devDependencies": {
    "tsx": "^4.16.2",
    "typescript": "^5.5.4",
    "vitest": "^2.0.5"
  }
}
"#;

const AUTH_SERVER_TS: &str = r#"import express from "express";

import { loadConfig } from "./config";
import { loginRouter } from "./routes/login";
import { refreshRouter } from "./routes/refresh";
import { rateLimit } from "./middleware/rateLimit";

const cfg = loadConfig();
const app = express();
app.use(express.json({ limit: "16kb" }));
app.get("/healthz", (_req, res) => res.send("ok"));
app.use("/v1/login", rateLimit(cfg.api.loginAttemptsPerMinute), loginRouter(cfg));
app.use("/v1/refresh", refreshRouter(cfg));
app.listen(cfg.api.port, () => console.log(`auth listening on ${cfg.api.port}`));
"#;

const AUTH_CONFIG_TS: &str = r#"import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface Config {
  tokens: { issuer: string; accessTtlSeconds: number; refreshTtlDays: number; clockSkewSeconds: number };
  sessions: { idleMinutes: number; maxPerUser: number };
  api: { port: number; loginAttemptsPerMinute: number; bcryptCost: number };
}

function read(name: string): Record<string, unknown> {
  return parse(readFileSync(`config/${name}.yaml`, "utf8"));
}

export function loadConfig(): Config {
  const t = read("tokens");
  const s = read("sessions");
  const a = read("api");
  return {
    tokens: {
      issuer: String(t.issuer),
      accessTtlSeconds: Number(t.access_ttl_seconds),
      refreshTtlDays: Number(t.refresh_ttl_days),
      clockSkewSeconds: Number(t.clock_skew_seconds),
    },
    sessions: { idleMinutes: Number(s.idle_minutes), maxPerUser: Number(s.max_per_user) },
    api: { port: Number(a.port), loginAttemptsPerMinute: Number(a.login_attempts_per_minute), bcryptCost: Number(a.bcrypt_cost) },
  };
}
"#;

const AUTH_JWT_TS: &str = r#"import { jwtVerify, SignJWT, type KeyLike } from "jose";

import type { Config } from "../config";

export async function issueAccessToken(cfg: Config["tokens"], key: KeyLike, subject: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "ES256" })
    .setIssuer(cfg.issuer)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(`${cfg.accessTtlSeconds}s`)
    .sign(key);
}

export async function verifyAccessToken(cfg: Config["tokens"], key: KeyLike, token: string): Promise<string> {
  const clockTolerance = Math.max(cfg.clockSkewSeconds, 5);
  const { payload } = await jwtVerify(token, key, { issuer: cfg.issuer, clockTolerance });
  return String(payload.sub);
}
"#;

const AUTH_JWT_TEST_TS: &str = r#"import { expect, it } from "vitest";

import * as m from "./jwt";

it("exports the token functions", () => {
  expect(typeof m.issueAccessToken).toBe("function");
  expect(typeof m.verifyAccessToken).toBe("function");
});
"#;

const AUTH_STORE_TS: &str = r#"import type Redis from "ioredis";

export const MAX_SESSION_ID_LENGTH = 64;

export function sessionKey(id: string): string {
  if (id.length === 0 || id.length > MAX_SESSION_ID_LENGTH) {
    throw new Error("invalid session id");
  }
  return `sess:${id}`;
}

export async function touch(redis: Redis, id: string, idleMinutes: number): Promise<void> {
  await redis.expire(sessionKey(id), idleMinutes * 60);
}
"#;

const AUTH_STORE_TEST_TS: &str = r#"import { expect, it } from "vitest";

import * as m from "./store";

it("prefixes session keys", () => {
  expect(m.sessionKey("abc")).toBe("sess:abc");
});
"#;

const AUTH_LOGIN_TS: &str = r#"import { Router } from "express";

import type { Config } from "../config";

export const MAX_PASSWORD_LENGTH = 128;

export function loginRouter(_cfg: Config): Router {
  const router = Router();
  router.post("/", (req, res) => {
    const { email, password } = req.body ?? {};
    if (typeof email !== "string" || typeof password !== "string" || password.length > MAX_PASSWORD_LENGTH) {
      res.status(400).json({ error: "invalid_request" });
      return;
    }
    res.status(501).json({ error: "not_implemented" });
  });
  return router;
}
"#;

const AUTH_REFRESH_TS: &str = r#"import { Router } from "express";

import type { Config } from "../config";

export function refreshRouter(_cfg: Config): Router {
  const router = Router();
  router.post("/", (req, res) => {
    if (typeof req.body?.refresh_token !== "string") {
      res.status(400).json({ error: "invalid_request" });
      return;
    }
    res.status(501).json({ error: "not_implemented" });
  });
  return router;
}
"#;

const AUTH_RATE_LIMIT_TS: &str = r#"import type { NextFunction, Request, Response } from "express";

export const DEFAULT_WINDOW_MS = 60000;

export function rateLimit(perMinute: number) {
  const hits = new Map<string, number[]>();
  return (req: Request, res: Response, next: NextFunction) => {
    const now = Date.now();
    const key = req.ip ?? "unknown";
    const recent = (hits.get(key) ?? []).filter((t) => now - t < DEFAULT_WINDOW_MS);
    if (recent.length >= perMinute) {
      res.status(429).json({ error: "too_many_requests" });
      return;
    }
    hits.set(key, [...recent, now]);
    next();
  };
}
"#;
