//! The command line: clap's structs, converted into the library's plain option types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// faultline — outage post-incident forensics.
///
/// Reads git history, deploy logs, incident timelines and the service catalog, decides which
/// commits AI coding tools wrote, and links incidents to the changes that caused them.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The configuration file; paths inside it are relative to it.
    #[arg(long, short = 'c', global = true, value_name = "FILE", default_value = "faultline.toml")]
    pub config: PathBuf,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest everything, then summarise: the main job, and what a newcomer runs first.
    Analyze(AnalyzeArgs),
    /// Read the configured repositories (incrementally), deploy logs, incident exports and the
    /// service catalog into the store.
    Ingest(IngestArgs),
    /// Who or what wrote the commits: a summary by tool and model, one row per commit, or one
    /// commit's full audit trail.
    #[command(
        after_help = "Examples:\n  faultline provenance\n  faultline provenance --list --format json\n  faultline provenance 3f2a9c1 --format json"
    )]
    Provenance(ProvenanceArgs),
    /// Which deploys and commits most likely caused an incident, with the evidence in words
    /// (after `faultline analyze`).
    #[command(
        after_help = "Examples:\n  faultline explain INC-2026-014\n  faultline explain INC-2026-014 --format json"
    )]
    Explain(ExplainArgs),
    /// Commits by blast radius: realized (incidents they may have caused, weighted by impact),
    /// then potential (the services they reach); after `faultline analyze`.
    #[command(
        after_help = "Examples:\n  faultline rank\n  faultline rank --ai-only --top 0 --format json\n  faultline rank --since 2026-07-01"
    )]
    Rank(RankArgs),
    /// The forensic graph (commits, deploys, services, incidents, AI tools), whole or one
    /// incident's neighbourhood, as DOT, JSON or SVG; after `faultline analyze`.
    #[command(
        after_help = "Examples:\n  faultline graph --incident INC-2026-021 --format svg > inc.svg\n  faultline graph --format dot | dot -Tpng > graph.png"
    )]
    Graph(GraphArgs),
    /// SZZ for fix commits: the earlier commits that last wrote the lines each fix deleted or
    /// changed (blame at the fix's parent), blank, comment-only and re-spaced lines left out.
    /// Fast after `faultline ingest` (the store's history is used); works without it.
    #[command(
        after_help = "Examples:\n  faultline szz 355f20ffa8fc\n  faultline szz --repo auth eb532a3 --format json"
    )]
    Szz(SzzArgs),
    /// The `[policy]` rules on the commits of a pull request, read straight from the
    /// repository: provenance, services, tiers, blast radius, trailers and every rule broken.
    /// Exit 0 when nothing is denied, 1 when something is, 2 for bad input.
    #[command(
        after_help = "Examples:\n  faultline gate --range origin/main...HEAD\n  faultline gate --range \"$BASE_SHA..$HEAD_SHA\" --repo payments --format sarif > gate.sarif\n  faultline gate --range origin/main...HEAD --format github"
    )]
    Gate(GateArgs),
    /// Write a report people read: the review of one incident, or the AI-risk report of a
    /// quarter; Markdown, self-contained HTML and charts (SVG, PNG); after `faultline analyze`.
    #[command(
        after_help = "Examples:\n  faultline report incident INC-2026-021\n  faultline report quarter 2026-Q3\n  faultline report quarter --from 2026-06-01 --to 2026-08-31 --out /tmp/reports"
    )]
    Report(ReportArgs),
    /// SQL over the store's tables (polars SQL), inline or a saved query from `queries/`, with
    /// `--param key=value` bound as typed, escaped literals; after `faultline analyze`.
    #[command(
        after_help = "Examples:\n  faultline query --list\n  faultline query ai-commits-by-tool\n  faultline query \"SELECT tool, COUNT(*) AS n FROM provenance WHERE ai GROUP BY tool ORDER BY n DESC\"\n  faultline query suspects-of-incident --param incident=INC-2026-021 --format json\n  faultline query \"SELECT * FROM deploys\" --format parquet --output deploys.parquet"
    )]
    Query(QueryArgs),
    /// The store's tables: what each holds, its columns and their types.
    Tables,
}

/// `faultline query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// SQL, or the name of a saved query (`queries/NAME.sql`).
    #[arg(value_name = "SQL_OR_NAME", required_unless_present = "list")]
    pub query: Option<String>,
    /// A parameter: fills `:key` (as its declared type in a saved query; as a number or text in
    /// inline SQL). Repeatable.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// The saved queries, each with the question it answers and its parameters.
    #[arg(long, conflicts_with = "query")]
    pub list: bool,
    /// Print the SQL with its parameters bound instead of running it (to run it on another
    /// engine).
    #[arg(long)]
    pub print_sql: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
    /// Where to write the result (required for parquet).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Query a lake (`faultline ingest --lake DIR`, `faultline analyze --lake DIR`) instead of
    /// the store: every shard's files and the published analysis tables.
    #[arg(long, value_name = "DIR")]
    pub lake: Option<PathBuf>,
}

/// Query output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// Aligned text that fits the terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// A Parquet file (with --output).
    Parquet,
}

/// `faultline report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    #[command(subcommand)]
    pub kind: ReportKind,
    /// Where reports go (default: `reports/` beside the config); the report's folder is made
    /// under it and `index.html` updated.
    #[arg(long, value_name = "DIR", global = true)]
    pub out: Option<PathBuf>,
}

/// The reports.
#[derive(Debug, Subcommand)]
pub enum ReportKind {
    /// The post-incident review of one incident: `incidents/ID/`.
    Incident {
        /// The incident's id, as the `incidents` table holds it.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// The quarterly AI-risk report: `quarters/2026-Q2/` (or `quarters/FROM..TO/`).
    Quarter {
        /// The quarter, such as 2026-Q2.
        #[arg(value_name = "QUARTER", required_unless_present = "from", conflicts_with_all = ["from", "to"])]
        quarter: Option<String>,
        /// First day of a period of your own (with --to).
        #[arg(long, value_name = "DATE", requires = "to")]
        from: Option<String>,
        /// Last day, included (with --from).
        #[arg(long, value_name = "DATE", requires = "from")]
        to: Option<String>,
    },
}

/// `faultline szz`.
#[derive(Debug, Args)]
pub struct SzzArgs {
    /// Fix commits, full or abbreviated ids.
    #[arg(value_name = "FIX_SHA", required = true)]
    pub fixes: Vec<String>,
    /// The configured repository the fixes are in (default: the one that has them).
    #[arg(long, value_name = "NAME")]
    pub repo: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    pub format: TableOrJson,
}

/// `faultline gate`.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The commits to evaluate: `BASE..HEAD`, or `BASE...HEAD` for those since the merge base.
    #[arg(long, value_name = "BASE..HEAD")]
    pub range: String,
    /// The configured repository (default: the only one configured).
    #[arg(long, value_name = "NAME")]
    pub repo: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GateFormat::Table)]
    pub format: GateFormat,
}

/// `faultline gate` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GateFormat {
    /// Aligned text for people.
    Table,
    /// The whole verdict as JSON.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (`::error`, `::warning` annotations).
    Github,
}

/// `faultline graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Only this incident's neighbourhood: its suspects (above 1 %), what they shipped, the
    /// services and dependencies involved, fixes and the commits they blamed.
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

/// Graph output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// JSON: nodes and edges.
    Json,
    /// A self-contained SVG drawing.
    Svg,
}

/// `faultline rank`.
#[derive(Debug, Args)]
pub struct RankArgs {
    /// Only commits with AI provenance.
    #[arg(long)]
    pub ai_only: bool,
    /// How many commits; 0 for all.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// Only commits committed on or after this date (`2026-07-01`) or time (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `faultline explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The incident's id, as the `incidents` table holds it.
    #[arg(value_name = "INCIDENT")]
    pub incident: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    pub format: TableOrJson,
}

/// Output formats of commands whose results are nested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    /// Aligned text for people.
    Table,
    /// JSON for programs.
    Json,
}

/// `faultline analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Read every repository from scratch instead of incrementally.
    #[arg(long)]
    pub rebuild: bool,
    /// Keep going past records a deploy, incident or catalog file cannot use; they are stored
    /// in the `rejects` table and counted.
    #[arg(long)]
    pub lenient: bool,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Where the reports go (default: `reports/` beside the config).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write no reports (every incident's review, every quarter's report, `index.html`).
    #[arg(long, conflicts_with = "out")]
    pub no_reports: bool,
    /// Analyze a lake its shards have mined (`faultline ingest --lake DIR --shard I/N`)
    /// instead of ingesting first; every shard must have published.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["rebuild", "lenient"])]
    pub lake: Option<PathBuf>,
    /// Run the heavy reductions (what each deploy shipped, candidate deploys per incident,
    /// the commits attribution reads, the services each commit changed) as SQL on this
    /// engine, over the store or the lake: `polars`, `datafusion` (a build with
    /// `--features datafusion`) or `ballista://HOST:PORT`, a Ballista scheduler (`--features
    /// ballista`). Without it the analyses run in this process on the whole store.
    #[arg(long, value_name = "ENGINE")]
    pub engine: Option<faultline::engine::Engine>,
}

/// `faultline ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Read every repository from scratch instead of incrementally.
    #[arg(long)]
    pub rebuild: bool,
    /// Keep going past records a deploy, incident or catalog file cannot use; they are stored
    /// in the `rejects` table and counted. Without it the first such record stops the ingest
    /// (exit code 2) and the store is left as it was.
    #[arg(long)]
    pub lenient: bool,
    /// Write a lake instead of the store: Hive-partitioned Parquet that several shards write
    /// side by side and other engines read (see docs/scale.md).
    #[arg(long, value_name = "DIR")]
    pub lake: Option<PathBuf>,
    /// With --lake: mine only shard I of N (counted from 0) of the configured repositories,
    /// chosen by a stable hash of each name; shard 0 also reads the deploy logs, incidents and
    /// catalog. Default 0/1, the whole lake.
    #[arg(long, value_name = "I/N", requires = "lake")]
    pub shard: Option<faultline::lake::Shard>,
}

/// `faultline provenance`.
#[derive(Debug, Args)]
pub struct ProvenanceArgs {
    /// A commit id (4 to 40 hex digits): show its full audit trail.
    #[arg(value_name = "SHA")]
    pub sha: Option<String>,
    /// One row per commit instead of the summary.
    #[arg(long, conflicts_with = "sha")]
    pub list: bool,
    /// Only commits of this repository (with a SHA: to settle an ambiguous prefix).
    #[arg(long, value_name = "NAME")]
    pub repo: Option<String>,
    /// Only AI-provenance commits (with --list).
    #[arg(long, requires = "list")]
    pub ai_only: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Table,
    /// JSON for programs.
    Json,
    /// CSV for spreadsheets.
    Csv,
}

impl IngestArgs {
    /// The library's options.
    pub fn options(&self) -> faultline::ingest::IngestOptions {
        faultline::ingest::IngestOptions { rebuild: self.rebuild, lenient: self.lenient }
    }
}
