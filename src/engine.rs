//! SQL engines the analysis can run its heavy reductions on: polars in process (always built),
//! Apache DataFusion in process (feature `datafusion`), and an Apache DataFusion Ballista
//! cluster (feature `ballista`, `ballista://HOST:PORT`). Each reads the same Parquet files —
//! a store's snapshot or the files a lake's manifests list — and answers the same SQL; results
//! come back as polars frames with the column types the caller names, so nothing downstream
//! knows which engine ran.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::store::Store;

/// Which engine runs the SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// polars, in process.
    Polars,
    /// Apache DataFusion, in process.
    DataFusion,
    /// An Apache DataFusion Ballista scheduler at this `host:port`.
    Ballista(String),
}

impl FromStr for Engine {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Engine, String> {
        match text {
            "polars" => Ok(Engine::Polars),
            "datafusion" => Ok(Engine::DataFusion),
            _ => match text.strip_prefix("ballista://") {
                Some(address) if valid_address(address) => Ok(Engine::Ballista(address.to_string())),
                Some(address) => Err(format!(
                    "`{address}` is no scheduler address: expected ballista://HOST:PORT, e.g. ballista://localhost:50050"
                )),
                None => Err(format!(
                    "unknown engine `{text}`: expected polars, datafusion or ballista://HOST:PORT"
                )),
            },
        }
    }
}

fn valid_address(address: &str) -> bool {
    match address.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && host.chars().all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c))
                && port.parse::<u16>().is_ok_and(|p| p > 0)
        }
        None => false,
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Polars => f.write_str("polars"),
            Engine::DataFusion => f.write_str("datafusion"),
            Engine::Ballista(address) => write!(f, "ballista://{address}"),
        }
    }
}

/// The type a result column is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text.
    Text,
    /// 64-bit integers.
    Int,
    /// Booleans.
    Bool,
    /// 64-bit floats.
    Float,
    /// Lists of UTF-8 text.
    TextList,
}

impl Kind {
    fn dtype(self) -> DataType {
        match self {
            Kind::Text => DataType::String,
            Kind::Int => DataType::Int64,
            Kind::Bool => DataType::Boolean,
            Kind::Float => DataType::Float64,
            Kind::TextList => DataType::List(Box::new(DataType::String)),
        }
    }
}

/// The Parquet files of each table, absolute paths.
#[derive(Debug, Default, Clone)]
pub struct Tables {
    files: BTreeMap<String, Vec<PathBuf>>,
}

impl Tables {
    /// Every table of the store's current snapshot.
    pub fn from_store(store: &Store) -> Result<Tables> {
        let Some(current) = store.current() else {
            return Err(Error::Usage(format!(
                "the store {} is empty; run `faultline ingest` first",
                store.root().display()
            )));
        };
        let mut tables = Tables::default();
        let entries = std::fs::read_dir(&current).map_err(|e| Error::io(&current, e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if let Some(name) =
                path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".parquet"))
            {
                tables.files.insert(name.to_string(), vec![absolute(&path)?]);
            }
        }
        Ok(tables)
    }

    /// Register `files` as `table` (replacing what it was).
    pub fn insert(&mut self, table: &str, files: Vec<PathBuf>) -> Result<()> {
        let files = files.iter().map(|f| absolute(f)).collect::<Result<Vec<_>>>()?;
        self.files.insert(table.to_string(), files);
        Ok(())
    }

    /// The files of `table`.
    pub fn files(&self, table: &str) -> &[PathBuf] {
        self.files.get(table).map_or(&[], Vec::as_slice)
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io(path, e))
}

/// A connection to an engine with tables registered.
pub struct Session {
    engine: Engine,
    inner: Inner,
}

enum Inner {
    /// The tables; each query gets a context of its own (polars keeps a query's aliases in
    /// its context, where they would shadow the next query's).
    Polars(BTreeMap<String, LazyFrame>),
    #[cfg(feature = "datafusion")]
    DataFusion(datafusion_engine::Context),
}

impl Session {
    /// Connect to `engine` and register every table of `tables`. Tables without files are not
    /// registered; a query naming one fails.
    pub fn open(engine: &Engine, tables: &Tables) -> Result<Session> {
        let inner = match engine {
            Engine::Polars => Inner::Polars(BTreeMap::new()),
            #[cfg(feature = "datafusion")]
            Engine::DataFusion => Inner::DataFusion(datafusion_engine::Context::local()?),
            #[cfg(feature = "ballista")]
            Engine::Ballista(address) => Inner::DataFusion(datafusion_engine::Context::ballista(address)?),
            #[cfg(not(feature = "datafusion"))]
            Engine::DataFusion => return Err(not_built("datafusion", "datafusion")),
            #[cfg(not(feature = "ballista"))]
            Engine::Ballista(_) => return Err(not_built("ballista://HOST:PORT", "ballista")),
        };
        let mut session = Session { engine: engine.clone(), inner };
        for (table, files) in &tables.files {
            session.register(table, files)?;
        }
        Ok(session)
    }

    /// The engine this session runs on.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Register (or replace) `table` as the Parquet `files`.
    pub fn register(&mut self, table: &str, files: &[PathBuf]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        match &mut self.inner {
            Inner::Polars(frames) => {
                let paths: Vec<PlRefPath> =
                    files.iter().map(|f| PlRefPath::new(f.to_string_lossy().into_owned())).collect();
                let scan =
                    LazyFrame::scan_parquet_files(paths.into_iter().collect(), ScanArgsParquet::default())
                        .map_err(|e| Error::Store { path: files[0].clone(), message: e.to_string() })?;
                frames.insert(table.to_string(), scan);
                Ok(())
            }
            #[cfg(feature = "datafusion")]
            Inner::DataFusion(ctx) => ctx.register(table, files),
        }
    }

    /// Run `sql` and read its result as `columns` (names and types, in order).
    pub fn query(&mut self, sql: &str, columns: &[(&str, Kind)]) -> Result<DataFrame> {
        let frame = match &mut self.inner {
            Inner::Polars(frames) => {
                let mut ctx = polars::sql::SQLContext::new();
                for (name, frame) in frames.iter() {
                    ctx.register(name, frame.clone());
                }
                ctx.execute(sql)
                    .and_then(LazyFrame::collect)
                    .map_err(|e| self::failed(&self.engine, sql, &e.to_string()))?
            }
            #[cfg(feature = "datafusion")]
            Inner::DataFusion(ctx) => {
                ctx.query(sql, columns).map_err(|message| self::failed(&self.engine, sql, &message))?
            }
        };
        typed(frame, columns).map_err(|message| self::failed(&self.engine, sql, &message))
    }
}

/// An engine session and a folder of its own for the small tables this process sends along
/// (made on the first one, removed when the run is dropped); the folder must be one every
/// engine worker can read. polars and DataFusion, in this process, take the tables in memory.
pub struct Run {
    session: Session,
    /// Where the files for a Ballista cluster go (a default build only has polars).
    #[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
    outbox: Outbox,
}

/// A folder of the run's own for the tables it sends as files, made on the first one.
#[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
struct Outbox {
    scratch: PathBuf,
    prefix: String,
    folder: Option<tempfile::TempDir>,
    sent: usize,
}

impl Run {
    /// Open a session on `engine` over `tables`; what is sent as files goes into a new folder
    /// named `prefix…` in `scratch`.
    pub fn open(engine: &Engine, tables: &Tables, scratch: &Path, prefix: &str) -> Result<Run> {
        Ok(Run {
            session: Session::open(engine, tables)?,
            outbox: Outbox {
                scratch: scratch.to_path_buf(),
                prefix: prefix.to_string(),
                folder: None,
                sent: 0,
            },
        })
    }

    /// Send `frame` to the engine as table `name`: as it is to polars, as Arrow arrays to
    /// DataFusion in this process, as a Parquet file to a Ballista cluster's executors.
    pub fn send(&mut self, name: &str, frame: DataFrame) -> Result<()> {
        match &mut self.session.inner {
            Inner::Polars(frames) => {
                frames.insert(name.to_string(), frame.lazy());
                Ok(())
            }
            #[cfg(feature = "datafusion")]
            Inner::DataFusion(ctx) if self.session.engine == Engine::DataFusion => {
                ctx.register_frame(name, &frame)
            }
            #[cfg(feature = "datafusion")]
            Inner::DataFusion(_) => {
                let path = self.outbox.write(name, frame)?;
                self.session.register(name, &[path])
            }
        }
    }

    /// Run `sql` and read its result as `columns`; with `FAULTLINE_STAGES` set, say how long it
    /// took and how many rows came back.
    pub fn query(&mut self, sql: &str, columns: &[(&str, Kind)]) -> Result<DataFrame> {
        let start = std::time::Instant::now();
        let frame = self.session.query(sql, columns)?;
        if std::env::var_os("FAULTLINE_STAGES").is_some() {
            let words: Vec<&str> = sql.split_whitespace().take(12).collect();
            eprintln!(
                "faultline:   query {:.2} s, {} row(s): {} …",
                start.elapsed().as_secs_f64(),
                frame.height(),
                words.join(" ")
            );
        }
        Ok(frame)
    }
}

#[cfg(feature = "datafusion")]
impl Outbox {
    /// Write `frame` as a new Parquet file named after `name`; its path.
    fn write(&mut self, name: &str, mut frame: DataFrame) -> Result<PathBuf> {
        let folder = match &self.folder {
            Some(folder) => folder.path().to_path_buf(),
            None => {
                let scratch = &self.scratch;
                std::fs::create_dir_all(scratch).map_err(|e| Error::io(scratch, e))?;
                let folder = tempfile::Builder::new()
                    .prefix(&self.prefix)
                    .tempdir_in(scratch)
                    .map_err(|e| Error::io(scratch, e))?;
                self.folder.insert(folder).path().to_path_buf()
            }
        };
        self.sent += 1;
        let path = folder.join(format!("{name}-{}.parquet", self.sent));
        // Read once and removed after the run: uncompressed, and not synced to disk (closing
        // the file is what makes it visible to other machines' readers of a shared volume).
        let mut file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        ParquetWriter::new(&mut file)
            .with_compression(ParquetCompression::Uncompressed)
            .finish(&mut frame)
            .map_err(|e| Error::Store { path: path.clone(), message: e.to_string() })?;
        drop(file);
        Ok(path)
    }
}

/// `frame` sorted by `columns`, ascending.
pub fn sorted(frame: DataFrame, columns: &[&str]) -> Result<DataFrame> {
    frame
        .lazy()
        .sort_by_exprs(columns.iter().map(|c| col(*c)).collect::<Vec<_>>(), SortMultipleOptions::default())
        .collect()
        .map_err(|e| Error::Internal(e.to_string()))
}

/// A text column's values.
pub fn texts(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let column =
        frame.column(name).and_then(|c| c.str().cloned()).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(column.iter().map(|v| v.map(str::to_string)).collect())
}

/// An integer column's values.
pub fn ints(frame: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let column =
        frame.column(name).and_then(|c| c.i64().cloned()).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(column.iter().collect())
}

/// A boolean column's values.
pub fn flags(frame: &DataFrame, name: &str) -> Result<Vec<Option<bool>>> {
    let column =
        frame.column(name).and_then(|c| c.bool().cloned()).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(column.iter().collect())
}

/// A frame of `repo`, `sha` keys, to send and join with.
pub fn key_frame<'a>(keys: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<DataFrame> {
    let (repos, shas): (Vec<&str>, Vec<&str>) = keys.into_iter().unzip();
    let columns = vec![Column::new("repo".into(), repos), Column::new("sha".into(), shas)];
    DataFrame::new(columns[0].len(), columns).map_err(|e| Error::Internal(e.to_string()))
}

/// A list-of-text column's values (a null list is empty, a null item empty text).
pub fn text_lists(frame: &DataFrame, name: &str) -> Result<Vec<Vec<String>>> {
    let column =
        frame.column(name).and_then(|c| c.list().cloned()).map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(column.len());
    for item in column.amortized_iter() {
        out.push(match item {
            Some(series) => series
                .as_ref()
                .str()
                .map_err(|e| Error::Internal(e.to_string()))?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect(),
            None => Vec::new(),
        });
    }
    Ok(out)
}

/// A float column's values.
pub fn floats(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    let column =
        frame.column(name).and_then(|c| c.f64().cloned()).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(column.iter().collect())
}

/// Where the reports and summaries read their rows: an engine session over a store's or a
/// lake's files, the small tables read whole, the large ones only through SQL.
pub struct Source {
    run: Run,
    tables: Tables,
    /// What to tell a user whose store or lake lacks a table.
    lacking: String,
}

impl Source {
    /// The store, read by polars in this process.
    pub fn store(store: &Store) -> Result<Source> {
        let tables = Tables::from_store(store)?;
        let run = Run::open(&Engine::Polars, &tables, &store.root().join("_engine"), "report-")?;
        Ok(Source { run, tables, lacking: format!("the store {} has", store.root().display()) })
    }

    /// `tables` (a lake's files, the analysis tables among them) on `engine`; `scratch` is a
    /// folder every engine worker can read.
    pub fn engine(engine: &Engine, tables: Tables, scratch: &Path) -> Result<Source> {
        let run = Run::open(engine, &tables, scratch, "report-")?;
        Ok(Source { run, tables, lacking: "the lake has".to_string() })
    }

    /// A small table, read whole; `None` when there is none.
    pub fn read(&self, table: &str) -> Result<Option<DataFrame>> {
        crate::store::read_parquet_files(self.tables.files(table), table)
    }

    /// A small table `faultline analyze` writes, read whole.
    pub fn require(&self, table: &str) -> Result<DataFrame> {
        self.read(table)?.ok_or_else(|| {
            Error::Usage(format!("{} no `{table}` table; run `faultline analyze` first", self.lacking))
        })
    }

    /// Whether `table` has files.
    pub fn has(&self, table: &str) -> bool {
        !self.tables.files(table).is_empty()
    }

    /// An error unless `table` (a large one, read only through SQL) has files.
    pub fn require_large(&self, table: &str) -> Result<()> {
        match self.has(table) {
            true => Ok(()),
            false => Err(Error::Usage(format!(
                "{} no `{table}` table; run `faultline ingest` and `faultline analyze` first",
                self.lacking
            ))),
        }
    }

    /// The engine session.
    pub fn run(&mut self) -> &mut Run {
        &mut self.run
    }
}

/// `frame` with exactly `columns`, cast to their types.
fn typed(frame: DataFrame, columns: &[(&str, Kind)]) -> std::result::Result<DataFrame, String> {
    if frame.width() != columns.len() {
        return Err(format!("{} column(s) came back, {} expected", frame.width(), columns.len()));
    }
    let height = frame.height();
    let cast = frame
        .columns()
        .iter()
        .zip(columns)
        .map(|(column, (name, kind))| {
            column.cast(&kind.dtype()).map(|c| c.with_name((*name).into())).map_err(|e| e.to_string())
        })
        .collect::<std::result::Result<Vec<Column>, String>>()?;
    DataFrame::new(height, cast).map_err(|e| e.to_string())
}

fn failed(engine: &Engine, sql: &str, message: &str) -> Error {
    let first = sql.split_whitespace().take(8).collect::<Vec<_>>().join(" ");
    Error::Internal(format!("{engine} could not run `{first} …`: {}", message.trim().replace('\n', " ")))
}

#[cfg(any(not(feature = "datafusion"), not(feature = "ballista")))]
fn not_built(engine: &str, feature: &str) -> Error {
    Error::Usage(format!(
        "--engine {engine} needs a faultline built with it: cargo build --release --features {feature}"
    ))
}

#[cfg(feature = "datafusion")]
mod datafusion_engine {
    //! DataFusion (and Ballista, which plans with DataFusion) behind [`super::Session`].

    use std::path::PathBuf;
    use std::sync::Arc;

    use arrow::array::{make_array, Array, RecordBatch, RecordBatchOptions};
    use arrow::compute::cast;
    use arrow::datatypes::{DataType as ArrowType, Field, Schema};
    use arrow::error::ArrowError;
    use arrow::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::{
        ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
    };
    use datafusion::datasource::MemTable;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use polars::prelude::{CompatLevel, DataFrame, IntoColumn, PlSmallStr, Series};

    use super::Kind;
    use crate::error::{Error, Result};

    pub struct Context {
        runtime: tokio::runtime::Runtime,
        ctx: SessionContext,
    }

    fn runtime() -> Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("could not start the DataFusion runtime: {e}")))
    }

    impl Context {
        pub fn local() -> Result<Context> {
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            // Batches of 64 Ki rows, not 8 Ki: Arrow compiles a regular expression once per
            // batch, and the one that finds commits naming an incident alternates every
            // incident's names (3.7 s on the 1M-commit lake at 8 Ki rows).
            let config = SessionConfig::new().with_target_partitions(threads).with_batch_size(1 << 16);
            Ok(Context { runtime: runtime()?, ctx: SessionContext::new_with_config(config) })
        }

        #[cfg(feature = "ballista")]
        pub fn ballista(address: &str) -> Result<Context> {
            use ballista::prelude::SessionContextExt;
            let runtime = runtime()?;
            let url = format!("df://{address}");
            let ctx = runtime.block_on(SessionContext::remote(&url)).map_err(|e| {
                Error::Usage(format!("could not reach the Ballista scheduler at {address}: {e}"))
            })?;
            Ok(Context { runtime, ctx })
        }

        pub fn register(&mut self, table: &str, files: &[PathBuf]) -> Result<()> {
            let failed =
                |e: &dyn std::fmt::Display| Error::Store { path: files[0].clone(), message: e.to_string() };
            let urls = files
                .iter()
                .map(|f| ListingTableUrl::parse(f.to_string_lossy()).map_err(|e| failed(&e)))
                .collect::<Result<Vec<_>>>()?;
            let options =
                ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
            let state = self.ctx.state();
            let config = ListingTableConfig::new_with_multi_paths(urls).with_listing_options(options);
            let config = self.runtime.block_on(config.infer_schema(&state)).map_err(|e| failed(&e))?;
            let listing = ListingTable::try_new(config).map_err(|e| failed(&e))?;
            let _ = self.ctx.deregister_table(table);
            self.ctx.register_table(table, Arc::new(listing)).map_err(|e| failed(&e))?;
            Ok(())
        }

        /// Register `frame` as `table`, in memory: its columns are handed to Arrow through the
        /// Arrow C data interface, without a copy, and the rows split into one partition per
        /// thread so that the scans run in parallel.
        pub fn register_frame(&mut self, table: &str, frame: &DataFrame) -> Result<()> {
            let failed = |e: &dyn std::fmt::Display| {
                Error::Internal(format!("could not hand the table `{table}` to DataFusion: {e}"))
            };
            let batch = record_batch(frame).map_err(|e| failed(&e))?;
            let parts = self.ctx.copied_config().target_partitions().max(1);
            let rows = batch.num_rows().div_ceil(parts).max(1);
            let partitions = (0..batch.num_rows().max(1))
                .step_by(rows)
                .map(|start| vec![batch.slice(start, rows.min(batch.num_rows() - start))])
                .collect();
            let memory = MemTable::try_new(batch.schema(), partitions).map_err(|e| failed(&e))?;
            let _ = self.ctx.deregister_table(table);
            self.ctx.register_table(table, Arc::new(memory)).map_err(|e| failed(&e))?;
            Ok(())
        }

        pub fn query(
            &mut self,
            sql: &str,
            columns: &[(&str, Kind)],
        ) -> std::result::Result<DataFrame, String> {
            let batches = self
                .runtime
                .block_on(async { self.ctx.sql(sql).await?.collect().await })
                .map_err(|e| e.to_string())?;
            for batch in &batches {
                if batch.num_columns() != columns.len() {
                    return Err(format!(
                        "{} column(s) came back, {} expected",
                        batch.num_columns(),
                        columns.len()
                    ));
                }
            }
            let height: usize = batches.iter().map(|b| b.num_rows()).sum();
            // Each column cast by Arrow to the type polars keeps it as (a no-op when it is that
            // already), then handed over through the Arrow C data interface, without a copy.
            let mut frame_columns = Vec::with_capacity(columns.len());
            for (k, (name, kind)) in columns.iter().enumerate() {
                let target = match kind {
                    Kind::Text => ArrowType::Utf8View,
                    Kind::Int => ArrowType::Int64,
                    Kind::Bool => ArrowType::Boolean,
                    Kind::Float => ArrowType::Float64,
                    Kind::TextList => {
                        ArrowType::LargeList(Arc::new(Field::new("item", ArrowType::Utf8View, true)))
                    }
                };
                let chunks = batches
                    .iter()
                    .map(|batch| {
                        let array = cast(batch.column(k), &target).map_err(|e| e.to_string())?;
                        polars_array(array.as_ref()).map_err(|e| e.to_string())
                    })
                    .collect::<std::result::Result<Vec<_>, String>>()?;
                let series = match chunks.is_empty() {
                    true => Series::new_empty((*name).into(), &kind.dtype()),
                    false => {
                        Series::try_from((PlSmallStr::from(*name), chunks)).map_err(|e| e.to_string())?
                    }
                };
                frame_columns.push(series.into_column());
            }
            DataFrame::new(height, frame_columns).map_err(|e| e.to_string())
        }
    }

    /// An Arrow array as a polars one, through the Arrow C data interface: the buffers are
    /// shared, and released by whichever side drops them last.
    fn polars_array(array: &dyn Array) -> std::result::Result<polars::prelude::ArrayRef, String> {
        let (array, schema) = to_ffi(&array.to_data()).map_err(|e| e.to_string())?;
        // SAFETY: as in `record_batch`, the two crates' structs are the same C structs.
        let (array, schema) = unsafe {
            (
                std::mem::transmute::<FFI_ArrowArray, polars_arrow::ffi::ArrowArray>(array),
                std::mem::transmute::<FFI_ArrowSchema, polars_arrow::ffi::ArrowSchema>(schema),
            )
        };
        // SAFETY: Arrow exported a valid array of the type `schema` names.
        unsafe {
            let field = polars_arrow::ffi::import_field_from_c(&schema).map_err(|e| e.to_string())?;
            polars_arrow::ffi::import_array_from_c(array, field.dtype).map_err(|e| e.to_string())
        }
    }

    /// `frame` as one Arrow record batch. polars' arrays are exported and Arrow's imported
    /// through the Arrow C data interface: the buffers are shared, and released by whichever
    /// side drops them last.
    fn record_batch(frame: &DataFrame) -> std::result::Result<RecordBatch, ArrowError> {
        let arrays = frame.rechunk_to_arrow(CompatLevel::newest());
        let mut fields = Vec::with_capacity(arrays.len());
        let mut columns = Vec::with_capacity(arrays.len());
        for (column, array) in frame.columns().iter().zip(arrays) {
            let field =
                polars_arrow::datatypes::Field::new(column.name().clone(), array.dtype().clone(), true);
            let schema = polars_arrow::ffi::export_field_to_c(&field);
            let array = polars_arrow::ffi::export_array_to_c(array);
            // SAFETY: both crates' structs are the C data interface's `ArrowSchema` and
            // `ArrowArray`, `#[repr(C)]` with the same fields in the same order (transmute checks
            // the sizes); ownership moves with the struct, so each is released once, by Arrow.
            let (schema, array) = unsafe {
                (
                    std::mem::transmute::<polars_arrow::ffi::ArrowSchema, FFI_ArrowSchema>(schema),
                    std::mem::transmute::<polars_arrow::ffi::ArrowArray, FFI_ArrowArray>(array),
                )
            };
            // SAFETY: polars exported a valid array of the type `schema` names.
            let data = unsafe { from_ffi(array, &schema) }?;
            fields.push(Field::try_from(&schema)?);
            columns.push(make_array(data));
        }
        RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(frame.height())),
        )
    }
}

/// A Ballista scheduler and one executor inside this process, on loopback, as the tests use
/// them: what `ballista-scheduler` and `ballista-executor` do as programs of their own. Both
/// run on `runtime` until it is dropped; the scheduler's address comes back.
#[cfg(feature = "ballista")]
pub fn start_standalone_cluster(runtime: &tokio::runtime::Runtime) -> Result<std::net::SocketAddr> {
    use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
    use ballista_core::serde::BallistaCodec;
    runtime.block_on(async {
        let failed = |e: &dyn std::fmt::Display| Error::Internal(format!("standalone Ballista: {e}"));
        let address =
            ballista_scheduler::standalone::new_standalone_scheduler().await.map_err(|e| failed(&e))?;
        let url = format!("http://localhost:{}", address.port());
        let mut attempts = 0;
        let scheduler = loop {
            match SchedulerGrpcClient::connect(url.clone()).await {
                Ok(client) => break client,
                Err(e) if attempts == 200 => return Err(failed(&e)),
                Err(_) => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await
                }
            }
        };
        ballista_executor::new_standalone_executor(scheduler, 2, BallistaCodec::default())
            .await
            .map_err(|e| failed(&e))?;
        Ok(address)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_parse() {
        assert_eq!("polars".parse::<Engine>(), Ok(Engine::Polars));
        assert_eq!("datafusion".parse::<Engine>(), Ok(Engine::DataFusion));
        assert_eq!(
            "ballista://sched.internal:50050".parse::<Engine>(),
            Ok(Engine::Ballista("sched.internal:50050".into()))
        );
        assert_eq!(
            "ballista://sched".parse::<Engine>(),
            Err("`sched` is no scheduler address: expected ballista://HOST:PORT, e.g. ballista://localhost:50050".into())
        );
        assert_eq!(
            "spark".parse::<Engine>(),
            Err("unknown engine `spark`: expected polars, datafusion or ballista://HOST:PORT".into())
        );
        assert_eq!(Engine::Ballista("h:1".into()).to_string(), "ballista://h:1");
    }
}
