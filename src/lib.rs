//! faultline: outage post-incident forensics.
//!
//! It reads git history, deploy logs, incident timelines and the service catalog into a store of
//! Parquet tables, decides which commits AI coding tools wrote, links incidents to the deploys
//! and commits that most likely caused them, and ranks AI-provenance commits by blast radius.
//! The library holds every stage; the `faultline` binary only wires them to a command line.
#![warn(missing_docs)]

pub mod analyze;
pub mod config;
pub mod engine;
pub mod error;
pub mod gate;
pub mod graph;
pub mod ingest;
pub mod lake;
pub mod model;
pub mod provenance_report;
pub mod query;
pub mod render;
pub mod report;
pub mod store;
pub mod tables;

pub use error::{Error, Result};
