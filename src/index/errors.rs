//! [`IndexError`]: what can go wrong talking to an index, in words.

use super::auth;
use url::Url;

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
    /// The index answered 401/403: credentials missing or refused.
    #[error("{}", auth_message(.index, .url, *.status, *.sent))]
    Auth {
        /// The index's name, when it has one.
        index: Option<String>,
        /// The index URL (credentials redacted).
        url: String,
        /// 401 or 403.
        status: u16,
        /// Whether credentials were sent.
        sent: bool,
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

fn auth_message(index: &Option<String>, url: &str, status: u16, sent: bool) -> String {
    let who = match index {
        Some(name) => format!("the index `{name}` ({url})"),
        None => format!("the index {url}"),
    };
    if sent {
        format!("{who} refused the credentials (HTTP {status})")
    } else {
        format!("{who} requires credentials (HTTP {status})")
    }
}

impl IndexError {
    /// Advice on where envy looks for credentials for the index of an
    /// [`IndexError::Auth`] (the environment variables and the netrc file).
    pub fn auth_hint(index: Option<&str>, url: &str) -> String {
        let host = Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "HOST".to_string());
        let netrc = auth::netrc_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "~/.netrc".to_string());
        match index {
            Some(name) => {
                let (u, p) = auth::env_vars(name);
                format!("set `{u}` and `{p}`, or add `machine {host} login USER password PASSWORD` to {netrc} (or the file named by `NETRC`)")
            }
            None => format!("add `machine {host} login USER password PASSWORD` to {netrc} (or the file named by `NETRC`), or name the index under `[[tool.envy.index]]` and set `ENVY_INDEX_<NAME>_USERNAME` and `ENVY_INDEX_<NAME>_PASSWORD`"),
        }
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
