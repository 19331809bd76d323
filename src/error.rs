//! The library's error type: every variant names what failed and where, in words a user can act on.

use std::path::PathBuf;

/// What went wrong, with the file, position and expectation where there is one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input the user gave (a file, a flag, a value) is not what faultline expects.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file that holds the bad input.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was found and what was expected.
        message: String,
    },
    /// A file could not be read or written.
    // The reason is in the message and not a `source`, so a chain printed in full (`{:#}`)
    // gives it once.
    #[error("{path}: {reason}")]
    Io {
        /// The file in question.
        path: PathBuf,
        /// The operating system's reason.
        reason: std::io::Error,
    },
    /// A repository could not be opened or read.
    #[error("repository {repo} ({path}): {message}")]
    Git {
        /// Configured repository name.
        repo: String,
        /// Its path.
        path: PathBuf,
        /// What git2 reported, in words.
        message: String,
    },
    /// A source held a record faultline cannot use, and the ingest was not lenient.
    #[error("{first}{}", more_rejects(.more))]
    Rejected {
        /// The first rejected record: file, position, field and what was expected.
        first: String,
        /// How many more were rejected.
        more: usize,
    },
    /// A request that does not fit the data: unknown commit, ambiguous prefix, missing store.
    #[error("{0}")]
    Usage(String),
    /// Something inside faultline failed that no input explains (a bug): exit code 1.
    #[error("internal error: {0}")]
    Internal(String),
    /// The store could not be read or written as a table.
    #[error("store {path}: {message}")]
    Store {
        /// The table file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    /// Whether the user can fix this by changing their input (exit code 2) rather than it being
    /// a failure inside faultline or its environment (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Parse { .. } | Error::Usage(_) | Error::Git { .. } | Error::Rejected { .. } => true,
            Error::Io { reason, .. } => {
                matches!(reason.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied)
            }
            Error::Store { .. } | Error::Internal(_) => false,
        }
    }

    /// Build an [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { path: path.into(), reason: source }
    }
}

fn more_rejects(more: &usize) -> String {
    match more {
        0 => " (nothing was stored; `--lenient` keeps going and stores rejected records in the rejects table)".into(),
        n => format!(
            " (and {n} more; nothing was stored; `--lenient` keeps going and stores rejected records in the rejects table)"
        ),
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
