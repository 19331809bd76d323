//! The `faultline` binary: parse arguments, load the config, run one stage of the library,
//! render, and turn the outcome into an exit code. Nothing here computes a finding.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use cli::{Cli, Command, Format};
use faultline::config::Config;
use faultline::ingest::{self, IngestReport, Progress};
use faultline::provenance_report::Ledger;
use faultline::render;
use faultline::store::Store;

/// glibc's allocator, shared by polars' and rayon's threads, spent a quarter of `analyze`'s time
/// on a large store and held freed memory in per-thread arenas; mimalloc does neither. Built
/// without transparent huge pages (`no_thp`): zeroing 2 MiB pages on first touch cost more
/// system time than the fewer TLB misses won back, in `analyze` and in `szz` alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, as documented in the README.
mod exit {
    /// Success, including a closed output pipe.
    pub const OK: u8 = 0;
    /// An internal failure: a bug, or the machine (disk full, store unreadable).
    pub const FAILURE: u8 = 1;
    /// `faultline gate`: a rule at level `deny` was broken.
    pub const DENIED: u8 = 1;
    /// Bad input or usage: the user can fix it.
    pub const BAD_INPUT: u8 = 2;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(exit::OK);
            }
            let bad_input = err.downcast_ref::<faultline::Error>().is_some_and(|e| e.is_bad_input());
            // Messages quote input (keys, names, file contents): never let it drive the terminal.
            eprintln!("faultline: error: {}", render::escape_terminal(&format!("{err:#}")));
            ExitCode::from(if bad_input { exit::BAD_INPUT } else { exit::FAILURE })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let config = Config::load(&cli.config)?;
    let done = match cli.command {
        Command::Ingest(args) => {
            if let Some(lake) = &args.lake {
                let shard = args.shard.unwrap_or(faultline::lake::Shard::ALL);
                let lake = faultline::lake::Lake::new(lake);
                let bars = Bars::new();
                let report = faultline::lake::ingest_shard(&config, &lake, shard, args.options(), &bars)
                    .with_context(|| format!("ingest of shard {shard} failed"))?;
                drop(bars);
                print_ingest_report(&report.ingest);
                eprintln!(
                    "faultline: shard {shard}: generation {}, {} file(s) published in {}{}{}",
                    report.generation,
                    report.written.len(),
                    render::escape_terminal(&lake.root().display().to_string()),
                    match report.replaced {
                        0 => String::new(),
                        n => format!(", {n} replaced"),
                    },
                    match report.cleaned {
                        0 => String::new(),
                        n => format!(", {n} left by a failed run removed"),
                    }
                );
                return Ok(exit::OK);
            }
            let report = ingest_with_progress(&config, args.options())?;
            print_ingest_report(&report);
            Ok(())
        }
        Command::Analyze(args) => {
            if let Some(lake) = &args.lake {
                let lake = faultline::lake::Lake::new(lake);
                let complete = lake.complete()?;
                if !complete.unlisted.is_empty() {
                    eprintln!(
                        "faultline: warning: {} file(s) in the lake are listed by no shard's manifest (a run died while publishing; rerun its shard) and were not read, e.g. {}",
                        complete.unlisted.len(),
                        render::escape_terminal(&complete.unlisted[0])
                    );
                }
                let unmined = complete.unmined(&config);
                if !unmined.is_empty() {
                    eprintln!(
                        "faultline: warning: {} configured repositor(ies) are in no shard's manifest and are not analyzed (added after the shards ran? rerun every shard): {}",
                        unmined.len(),
                        render::escape_terminal(&unmined.join(", "))
                    );
                }
                if let Some(engine) = &args.engine {
                    let tables = lake.tables(&complete)?;
                    let analysis = faultline::analyze::on_engine::analyze(
                        &config,
                        engine,
                        &tables,
                        &lake.root().join("_engine"),
                    )
                    .context("analysis failed")?;
                    let written = lake.publish_frames(analysis.tables)?;
                    eprintln!(
                        "faultline: analyzed on {engine}; {} analysis table(s) published in the lake ({})",
                        written.len(),
                        faultline::lake::ANALYSIS_TABLES.join(", ")
                    );
                    print_analysis_report(&analysis.report);
                    if args.no_reports {
                        return Ok(exit::OK);
                    }
                    // The reports and the summary read the lake on the same engine: only what
                    // they show comes back.
                    let tables = lake.tables(&complete)?;
                    let source =
                        faultline::engine::Source::engine(engine, tables, &lake.root().join("_engine"))?;
                    return finish_analyze(&config, &args, source).map(|()| exit::OK);
                }
                lake.materialize(&complete, &Store::new(&config.store))?;
                eprintln!(
                    "faultline: lake {}: {} shard(s) read into the store",
                    render::escape_terminal(&lake.root().display().to_string()),
                    complete.manifests.len()
                );
            } else {
                let report = ingest_with_progress(
                    &config,
                    ingest::IngestOptions { rebuild: args.rebuild, lenient: args.lenient },
                )?;
                print_ingest_report(&report);
                if let Some(engine) = &args.engine {
                    let store = Store::new(&config.store);
                    let tables = faultline::engine::Tables::from_store(&store)?;
                    let mut analysis = faultline::analyze::on_engine::analyze(
                        &config,
                        engine,
                        &tables,
                        &store.root().join("_engine"),
                    )
                    .context("analysis failed")?;
                    faultline::analyze::on_engine::write_store(&store, &mut analysis)?;
                    eprintln!("faultline: analyzed on {engine}");
                    print_analysis_report(&analysis.report);
                    let tables = faultline::engine::Tables::from_store(&store)?;
                    let source =
                        faultline::engine::Source::engine(engine, tables, &store.root().join("_engine"))?;
                    return finish_analyze(&config, &args, source).map(|()| exit::OK);
                }
            }
            let analysis = faultline::analyze::analyze(&config).context("analysis failed")?;
            if let Some(lake) = &args.lake {
                let written =
                    faultline::lake::Lake::new(lake).publish_analysis(&Store::new(&config.store))?;
                eprintln!(
                    "faultline: {} analysis table(s) published in the lake ({})",
                    written.len(),
                    faultline::lake::ANALYSIS_TABLES.join(", ")
                );
            }
            print_analysis_report(&analysis);
            finish_analyze(&config, &args, source_of(&config)?)
        }
        Command::Explain(args) => {
            let explanation = faultline::analyze::explain::explain(&mut source_of(&config)?, &args.incident)?;
            let text = match args.format {
                cli::TableOrJson::Table => render::explain::text(&explanation, terminal_width()),
                cli::TableOrJson::Json => render::json::to_string(&explanation),
            };
            emit(&text)
        }
        Command::Graph(args) => {
            let full = faultline::graph::Forensics::load(&Store::new(&config.store))?;
            let graph = match &args.incident {
                Some(id) => full.neighbourhood(id, 0.01)?,
                None => full,
            };
            let text = match args.format {
                cli::GraphFormat::Dot => render::graph::dot(&graph),
                cli::GraphFormat::Json => render::graph::json(&graph),
                cli::GraphFormat::Svg => render::graph::svg(&graph),
            };
            emit(&text)
        }
        Command::Szz(args) => {
            let links = faultline::analyze::szz::run(&config, args.repo.as_deref(), &args.fixes)?;
            let text = match args.format {
                cli::TableOrJson::Table => render::szz::text(&links, terminal_width()),
                cli::TableOrJson::Json => render::json::to_string(&links),
            };
            emit(&text)
        }
        Command::Report(args) => {
            use faultline::report::{Dataset, Period, Scope};
            let out = args.out.clone().unwrap_or_else(|| faultline::report::default_out(&config));
            let mut source = faultline::engine::Source::store(&Store::new(&config.store))?;
            let folder = match &args.kind {
                cli::ReportKind::Incident { id } => {
                    let data = Dataset::load(&config, &mut source, Scope::Incident(id))?;
                    faultline::report::write_incident(&data, id, &out)?
                }
                cli::ReportKind::Quarter { quarter, from, to } => {
                    let period = match (quarter, from, to) {
                        (Some(q), _, _) => Period::quarter(q)?,
                        (None, Some(from), Some(to)) => Period::dates(from, to)?,
                        _ => unreachable!("clap requires a quarter or --from and --to"),
                    };
                    let data = Dataset::load(&config, &mut source, Scope::Period(&period))?;
                    faultline::report::write_quarter(&data, &period, &out)?
                }
            };
            faultline::report::write_index(&out)?;
            emit(&format!("{}\n", render::escape_terminal(&folder.join("report.html").display().to_string())))
        }
        Command::Tables => {
            let tables = faultline::query::describe(&Store::new(&config.store))?;
            emit(&render::query::tables(&tables))
        }
        Command::Query(args) => {
            let queries_dir = config.path.parent().map(|d| d.join("queries"));
            if args.list {
                return emit(&render::query::saved_list(&faultline::query::saved(queries_dir.as_deref())?))
                    .map(|()| exit::OK);
            }
            let text = args.query.as_deref().unwrap_or_default();
            let mut values = std::collections::BTreeMap::new();
            for pair in &args.params {
                let Some((key, value)) = pair.split_once('=') else {
                    return Err(
                        faultline::Error::Usage(format!("--param {pair:?}: expected KEY=VALUE")).into()
                    );
                };
                values.insert(key.trim().to_string(), value.to_string());
            }
            let is_name =
                !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
            let sql = if is_name {
                let saved = faultline::query::saved(queries_dir.as_deref())?;
                let Some(query) = saved.iter().find(|q| q.name == text) else {
                    let names: Vec<&str> = saved.iter().map(|q| q.name.as_str()).collect();
                    return Err(faultline::Error::Usage(format!(
                        "no saved query `{text}`; `faultline query --list` shows them: {}",
                        names.join(", ")
                    ))
                    .into());
                };
                faultline::query::bind(&query.sql, &values, Some(&query.params))?
            } else {
                faultline::query::bind(text, &values, None)?
            };
            if args.print_sql {
                return emit(&format!("{}\n", sql.trim_end())).map(|()| exit::OK);
            }
            let frame = match &args.lake {
                Some(lake) => {
                    let lake = faultline::lake::Lake::new(lake);
                    let tables = lake.tables(&lake.complete()?)?;
                    faultline::query::run_on(&mut faultline::query::context_of(&tables)?, &sql)?
                }
                None => faultline::query::run(&Store::new(&config.store), &sql)?,
            };
            let text = match args.format {
                cli::QueryFormat::Table => render::query::table(&frame, terminal_width()),
                cli::QueryFormat::Csv => render::query::csv(&frame)?,
                cli::QueryFormat::Json => render::query::json(&frame)?,
                cli::QueryFormat::Parquet => {
                    let Some(path) = &args.output else {
                        return Err(
                            faultline::Error::Usage("--format parquet needs --output FILE".into()).into()
                        );
                    };
                    return render::query::parquet(&frame, path).map(|()| exit::OK).map_err(Into::into);
                }
            };
            match &args.output {
                Some(path) => std::fs::write(path, text).map_err(|e| faultline::Error::io(path, e).into()),
                None => emit(&text),
            }
        }
        Command::Rank(args) => {
            let since = match args.since.as_deref() {
                None => None,
                Some(text) => Some(since(text)?),
            };
            let options =
                faultline::analyze::rank::RankOptions { ai_only: args.ai_only, top: args.top, since };
            let rows = faultline::analyze::rank::rank(&mut source_of(&config)?, &options)?;
            let text = match args.format {
                Format::Table => render::rank::table(&rows, terminal_width()),
                Format::Json => render::json::to_string(&rows),
                Format::Csv => render::rank::csv(&rows)?,
            };
            emit(&text)
        }
        Command::Provenance(args) => {
            let ledger = Ledger::load(&Store::new(&config.store))?;
            let text = if let Some(sha) = &args.sha {
                let trail = ledger.audit(sha, args.repo.as_deref())?;
                match args.format {
                    Format::Table => render::provenance::audit_text(&trail),
                    Format::Json => render::json::to_string(&trail),
                    Format::Csv => render::provenance::list_csv(std::slice::from_ref(&trail.row))?,
                }
            } else if args.list {
                let rows: Vec<_> = ledger
                    .rows()
                    .into_iter()
                    .filter(|r| args.repo.as_ref().is_none_or(|repo| &r.repo == repo))
                    .filter(|r| !args.ai_only || r.ai)
                    .collect();
                match args.format {
                    Format::Table => render::provenance::list_table(&rows, terminal_width()),
                    Format::Json => render::json::to_string(&rows),
                    Format::Csv => render::provenance::list_csv(&rows)?,
                }
            } else {
                let summary = ledger.summary();
                match args.format {
                    Format::Table => render::provenance::summary_table(&summary, terminal_width()),
                    Format::Json => render::json::to_string(&summary),
                    Format::Csv => render::provenance::summary_csv(&summary)?,
                }
            };
            emit(&text)
        }
        Command::Gate(args) => {
            let report = faultline::gate::run(&config, args.repo.as_deref(), &args.range)?;
            let text = match args.format {
                cli::GateFormat::Table => render::gate::text(&report, terminal_width()),
                cli::GateFormat::Json => render::json::to_string(&report),
                cli::GateFormat::Sarif => render::sarif::to_string(&report),
                cli::GateFormat::Github => render::gate::github(&report),
            };
            emit(&text)?;
            // Denied is the gate's answer, not a failure of faultline: the same exit code as
            // a failing test runner, documented in the README.
            return Ok(if report.passed { exit::OK } else { exit::DENIED });
        }
    };
    done.map(|()| exit::OK)
}

/// Run the ingest with progress bars on a terminal and silence otherwise.
fn ingest_with_progress(config: &Config, options: ingest::IngestOptions) -> anyhow::Result<IngestReport> {
    let bars = Bars::new();
    let report = ingest::ingest(config, options, &bars).context("ingest failed")?;
    Ok(report)
}

/// What the ingest did, on stderr (stdout is for results).
fn print_ingest_report(report: &IngestReport) {
    for warning in &report.warnings {
        eprintln!("faultline: warning: {}", render::escape_terminal(warning));
    }
    for repo in &report.repos {
        eprintln!(
            "faultline: {}: {} new commit(s), {} removed, {} in store",
            render::escape_terminal(&repo.repo),
            repo.new_commits,
            repo.vanished,
            repo.total_commits
        );
    }
    if report.deploys + report.incidents + report.services + report.rejects > 0 {
        eprintln!(
            "faultline: {} deploy(s), {} incident(s), {} catalog service(s){}",
            report.deploys,
            report.incidents,
            report.services,
            match report.rejects {
                0 => String::new(),
                n => format!("; {n} record(s) rejected (see the rejects table)"),
            }
        );
    }
}

/// `--since`: a date (midnight UTC) or an RFC 3339 time.
fn since(text: &str) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let full = if text.len() == 10 { format!("{text}T00:00:00Z") } else { text.to_string() };
    chrono::DateTime::parse_from_rfc3339(&full).map(|t| t.to_utc()).map_err(|_| {
        faultline::Error::Usage(format!(
            "--since {text:?}: expected a date such as 2026-07-01 or an RFC 3339 time"
        ))
        .into()
    })
}

/// The store's tables, read by polars in this process.
fn source_of(config: &faultline::config::Config) -> faultline::Result<faultline::engine::Source> {
    faultline::engine::Source::store(&Store::new(&config.store))
}

/// The reports and the summary of `faultline analyze`, once the analysis tables are written
/// where `source` reads.
fn finish_analyze(
    config: &faultline::config::Config,
    args: &cli::AnalyzeArgs,
    mut source: faultline::engine::Source,
) -> anyhow::Result<()> {
    let source = &mut source;
    if !args.no_reports {
        let out = args.out.clone().unwrap_or_else(|| faultline::report::default_out(config));
        let scope = faultline::report::Scope::Everything { reviews: faultline::report::ANALYZE_REVIEWS };
        let data = faultline::report::Dataset::load(config, source, scope)?;
        let written = faultline::report::write_all(&data, &out)?;
        eprintln!(
            "faultline: {} incident review(s), {} quarterly report(s) and the index in {}{}",
            written.reviews,
            written.quarters,
            render::escape_terminal(&out.join("index.html").display().to_string()),
            match written.skipped {
                0 => String::new(),
                n => format!("; the {n} older incident(s) get a review with `faultline report incident ID`"),
            }
        );
    }
    let summary = faultline::provenance_report::summary(source)?;
    let text = match args.format {
        Format::Table => {
            let options = faultline::analyze::rank::RankOptions { top: 10, ..Default::default() };
            let ranked = faultline::analyze::rank::rank(source, &options)?;
            let incidents = faultline::analyze::explain::explain_all(source)?;
            render::provenance::summary_table(&summary, terminal_width())
                + &render::summary::markdown(&ranked, &incidents)
        }
        Format::Json => render::json::to_string(&summary),
        Format::Csv => render::provenance::summary_csv(&summary)?,
    };
    emit(&text)
}

/// What the analyses did, on stderr.
fn print_analysis_report(report: &faultline::analyze::AnalysisReport) {
    for note in &report.notes {
        eprintln!("faultline: warning: {}", render::escape_terminal(note));
    }
    eprintln!(
        "faultline: {} deploy(s) shipped {} commit(s) (deploy_commits); {} incident(s) attributed (suspects)",
        report.deploys_with_commits, report.deploy_commits, report.incidents
    );
}

/// Write to stdout; a closed pipe is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let pipe = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
        cause.downcast_ref::<std::io::Error>().is_some_and(pipe)
            || matches!(cause.downcast_ref::<faultline::Error>(), Some(faultline::Error::Io { reason, .. }) if pipe(reason))
    })
}

/// The width tables must fit: the terminal's, or none when stdout is not a terminal.
fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| w.0 as usize)
}

/// Progress bars for the ingest, one per repository, drawn only on a terminal.
struct Bars {
    multi: MultiProgress,
    bars: std::sync::Mutex<std::collections::BTreeMap<String, ProgressBar>>,
}

impl Bars {
    fn new() -> Bars {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bars { multi: MultiProgress::with_draw_target(target), bars: Default::default() }
    }
}

impl Progress for Bars {
    fn start(&self, repo: &str, total: u64) {
        let bar = self.multi.add(ProgressBar::new(total));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} commits, {eta} left")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_prefix(repo.to_string());
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(repo.to_string(), bar);
        }
    }

    fn advance(&self, repo: &str, n: u64) {
        if let Ok(bars) = self.bars.lock() {
            if let Some(bar) = bars.get(repo) {
                bar.inc(n);
            }
        }
    }

    fn finish(&self, repo: &str) {
        if let Ok(bars) = self.bars.lock() {
            if let Some(bar) = bars.get(repo) {
                bar.finish_and_clear();
            }
        }
    }
}
