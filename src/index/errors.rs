//! [`IndexError`]: what can go wrong talking to an index, in words.

use super::auth;

/// What went wrong talking to an index. Cloneable, so one failed request can
/// answer every thread that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IndexError {
    /// No configured index lists the project.
    #[error("package `{name}` was not found in the package index ({indexes})")]
    NotFound {
        /// The project name.
        name: String,
        /// The indexes asked, comma-separated.
        indexes: String,
    },
    /// Connecting or reading failed after retries.
    #[error("could not fetch `{url}`: {reason}")]
    Network {
        /// The URL (credentials redacted).
        url: String,
        /// What happened.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The URL (credentials redacted).
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// A 401/403: credentials missing or refused (see [`auth::message`]).
    #[error("{}", auth::message(.index.as_deref(), .url, *.status, *.under_index, .sent.as_ref()))]
    Auth {
        /// The name of the index the URL belongs to, when it has one.
        index: Option<String>,
        /// The URL fetched (credentials redacted).
        url: String,
        /// 401 or 403.
        status: u16,
        /// Whether `url` is one of the index's pages (not a file it links to).
        under_index: bool,
        /// Where the credentials sent came from; `None` when none were sent.
        sent: Option<auth::CredentialSource>,
    },
    /// `--no-index`, and no `--find-links` directory has a file of the package.
    #[error("package `{name}` was not found in the `--find-links` directories ({dirs}), and `--no-index` turns every index off")]
    NotFoundLocally {
        /// The project name.
        name: String,
        /// The directories searched, comma-separated (`none` when there are none).
        dirs: String,
    },
    /// `--no-index`, and neither the cache nor a `--find-links` directory
    /// has the file.
    #[error("{what} is not in the cache or a `--find-links` directory, and `--no-index` forbids downloading it")]
    NoIndex {
        /// What was needed.
        what: String,
    },
    /// `--no-index`, and the package is pinned to an index
    /// (`[tool.envy.sources]`), which may not be replaced by a
    /// `--find-links` file of the same name.
    #[error("`{name}` is pinned to the index `{index}` in `[tool.envy.sources]`, and `--no-index` turns every index off")]
    PinnedWithoutIndex {
        /// The package.
        name: String,
        /// The index it is pinned to.
        index: String,
    },
    /// Offline and the cache cannot answer.
    #[error("{what} is not in the cache and the network is off (`--offline`)")]
    Offline {
        /// What was needed.
        what: String,
    },
    /// Downloaded bytes did not match the expected sha256.
    #[error("hash mismatch for `{filename}`\n  expected sha256: {expected}\n  actual sha256:   {actual}\n  from: {url}")]
    HashMismatch {
        /// The distribution filename.
        filename: String,
        /// The URL it came from.
        url: String,
        /// The sha256 the lock or index promised.
        expected: String,
        /// The sha256 of what was received.
        actual: String,
    },
    /// A wheel's own METADATA differs from the `.metadata` file (PEP 658)
    /// its index served, from which the lock was resolved.
    #[error("the METADATA inside `{filename}` differs from the `.metadata` file the index served for it (PEP 658), which the lock was resolved from\n  from: {url}")]
    MetadataMismatch {
        /// The wheel filename.
        filename: String,
        /// The wheel's URL (credentials redacted).
        url: String,
    },
    /// A transfer that was still going when its overall deadline passed
    /// (`ENVY_HTTP_DEADLINE`): a server sending a byte now and then never
    /// trips the no-progress timeout, but cannot hold envy either.
    #[error(
        "could not fetch `{url}`: timed out: not finished after {seconds} s (`ENVY_HTTP_DEADLINE`)"
    )]
    Deadline {
        /// The URL (credentials redacted).
        url: String,
        /// The deadline, in seconds.
        seconds: u64,
    },
    /// A response that cannot be understood.
    #[error("cannot read `{url}`: {reason}")]
    Invalid {
        /// The URL or file.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A local I/O error (cache or find-links).
    #[error("{0}")]
    Io(String),
}

impl IndexError {
    /// What to do about an [`IndexError::Auth`] (see [`auth::hint`]).
    pub fn auth_hint(
        index: Option<&str>,
        url: &str,
        sent: Option<&auth::CredentialSource>,
    ) -> String {
        auth::hint(index, url, sent)
    }

    pub(super) fn retryable(&self) -> bool {
        match self {
            Self::Network { .. } => true,
            Self::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

impl From<std::io::Error> for IndexError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e.to_string())
    }
}
