//! The simple repository API client (PEP 503 HTML, PEP 691 JSON), core
//! metadata fetching (PEP 658/714 `.metadata` files, else the distribution
//! itself), verified downloads, and the on-disk cache.
//!
//! This is the only module that does HTTP. It is thread-safe: the resolver
//! prefetches pages and metadata from a pool of threads while it solves, and
//! concurrent requests for the same page or file are made once.

pub mod auth;
pub mod cache;
pub mod dns;
mod partial;
pub mod sdist;
pub mod simple;
mod source;

pub use source::PackageIndex;

use crate::types::hash::sha256_bytes;
use crate::types::metadata::CoreMetadata;
use crate::types::DistFilename;
use cache::{write_atomic, Cache};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use url::Url;

/// The default index: PyPI's simple API.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple";

/// One file listed on a project page.
#[derive(Debug, Clone)]
pub struct IndexFile {
    /// The filename, as listed.
    pub filename: String,
    /// Absolute URL, without fragment.
    pub url: String,
    /// sha256 in lowercase hex, when the index gave one.
    pub sha256: Option<String>,
    /// Size in bytes (PEP 700), when given.
    pub size: Option<u64>,
    /// `Requires-Python` of the file (PEP 503 `data-requires-python`).
    pub requires_python: Option<VersionSpecifiers>,
    /// `Some(reason)` (possibly empty) when yanked (PEP 592).
    pub yanked: Option<String>,
    /// Whether the index offers `<url>.metadata` (PEP 658/714).
    pub core_metadata: bool,
    /// The sha256 of `<url>.metadata`, when the index gave one (PEP 658
    /// `data-core-metadata="sha256=..."`, PEP 714 `core-metadata`).
    pub metadata_sha256: Option<String>,
    /// Upload time (PEP 700), RFC 3339, when given.
    pub upload_time: Option<String>,
    /// The index URL this file came from (credentials redacted); one value
    /// shared by every file of a page.
    pub index: Arc<str>,
    /// The parsed filename.
    pub version: Version,
    /// Whether the file is a wheel (else an sdist).
    pub wheel: bool,
}

impl IndexFile {
    /// Whether this file is a wheel.
    pub fn is_wheel(&self) -> bool {
        self.wheel
    }

    /// The parsed wheel filename (parsed on demand: pages keep only the
    /// version and kind of each file, which keeps large pages small).
    pub fn wheel_filename(&self) -> Option<crate::types::WheelFilename> {
        if !self.wheel {
            return None;
        }
        self.filename.parse().ok()
    }
}

/// Every file of one project on the first index that lists it, grouped by version.
#[derive(Debug)]
pub struct ProjectPage {
    /// The normalized project name.
    pub name: PackageName,
    /// The index the page came from.
    pub index: String,
    /// Files by version, ascending.
    pub versions: BTreeMap<Version, Vec<IndexFile>>,
}

impl ProjectPage {
    fn from_files(name: PackageName, index: String, mut files: Vec<IndexFile>) -> Self {
        // Large pages (numpy: thousands of files) dominate a lock's memory:
        // group by version into exactly sized vectors, one shared version
        // value (an `Arc`) per group.
        files.sort_by(|a, b| {
            a.version
                .cmp(&b.version)
                .then_with(|| a.filename.cmp(&b.filename))
        });
        files.dedup_by(|a, b| a.filename == b.filename);
        let mut versions: BTreeMap<Version, Vec<IndexFile>> = BTreeMap::new();
        while let Some(last) = files.last() {
            let version = last.version.clone();
            let start = files.partition_point(|f| f.version < version);
            let mut group = files.split_off(start);
            for f in &mut group {
                f.version = version.clone();
            }
            versions.insert(version, group);
        }
        Self {
            name,
            index,
            versions,
        }
    }
}

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

    fn retryable(&self) -> bool {
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

/// One `[[tool.envy.index]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedIndex {
    /// The name, used by `[tool.envy.sources]` and in credential variables.
    pub name: String,
    /// The simple API URL (may carry `user:password@`).
    pub url: String,
    /// Replaces PyPI as the default index.
    pub default: bool,
    /// Only used for packages pinned to it in `[tool.envy.sources]`.
    pub explicit: bool,
}

/// Where to look for distributions and how.
///
/// Index order for a package that is not pinned (uv's "first index"
/// strategy: the first index that lists a name is the only one used for it):
/// the non-explicit, non-default `[[tool.envy.index]]` entries in file
/// order, then the default index (`--index-url`, else an entry with
/// `default = true`, else PyPI), then `--extra-index-url`s. A package pinned
/// in `[tool.envy.sources]` is looked up on its index only, so a public
/// package of the same name can never replace it (dependency confusion).
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// The primary simple index URL.
    pub index_url: String,
    /// Further simple indexes, asked in order after the primary one.
    pub extra_index_urls: Vec<String>,
    /// Named indexes from `[[tool.envy.index]]`, in file order.
    pub indexes: Vec<NamedIndex>,
    /// Packages pinned to a named index (`[tool.envy.sources]`), by
    /// normalized package name.
    pub sources: BTreeMap<String, String>,
    /// Local directories of distribution files (like pip's `--find-links`).
    pub find_links: Vec<PathBuf>,
    /// Never use the network.
    pub offline: bool,
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self {
            index_url: PYPI_SIMPLE.to_string(),
            extra_index_urls: Vec::new(),
            indexes: Vec::new(),
            sources: BTreeMap::new(),
            find_links: Vec::new(),
            offline: false,
        }
    }
}

/// An index as the client uses it: display URL without credentials, and the
/// credentials found for it.
#[derive(Debug, Clone)]
struct ResolvedIndex {
    name: Option<String>,
    /// The URL without userinfo (what is shown, cached and locked).
    url: String,
    explicit: bool,
    credentials: Option<auth::Found>,
}

impl ResolvedIndex {
    fn new(name: Option<&str>, url: &str, explicit: bool) -> Self {
        let parsed = Url::parse(url).ok();
        let credentials = auth::for_index(name, parsed.as_ref());
        Self {
            name: name.map(str::to_string),
            url: redact(url),
            explicit,
            credentials,
        }
    }
}

impl IndexConfig {
    /// The default index URL: `--index-url` when it is not PyPI, else the
    /// `[[tool.envy.index]]` entry marked `default = true`, else PyPI.
    pub fn default_index(&self) -> &str {
        if self.index_url == PYPI_SIMPLE {
            if let Some(d) = self.indexes.iter().find(|i| i.default) {
                return &d.url;
            }
        }
        &self.index_url
    }

    fn resolve(&self) -> Vec<ResolvedIndex> {
        let default_url = self.default_index().to_string();
        let mut out: Vec<ResolvedIndex> = Vec::new();
        for i in &self.indexes {
            if i.default && i.url == default_url {
                continue;
            }
            out.push(ResolvedIndex::new(
                Some(&i.name),
                &i.url,
                i.explicit || i.default,
            ));
        }
        let default_name = self
            .indexes
            .iter()
            .find(|i| i.default && i.url == default_url)
            .map(|i| i.name.as_str());
        out.push(ResolvedIndex::new(default_name, &default_url, false));
        for u in &self.extra_index_urls {
            out.push(ResolvedIndex::new(None, u, false));
        }
        out
    }
}

/// Remove `user:password@` from a URL for display and for the lock (the one
/// redaction function, [`crate::types::redact_url`]).
pub use crate::types::redact_url as redact;

/// The first line of a cached page file: where the body came from and its
/// validators. The raw body follows the newline, so reading a page back
/// parses it in place, without an escaped copy.
#[derive(Serialize, Deserialize)]
struct PageHeader {
    url: String,
    content_type: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// A cached page: its header and raw body (empty: the index does not list
/// the name).
struct CachedPage {
    header: PageHeader,
    body: Vec<u8>,
}

impl CachedPage {
    fn read(path: &Path) -> Option<CachedPage> {
        let mut bytes = fs_err::read(path).ok()?;
        let nl = bytes.iter().position(|&b| b == b'\n')?;
        let header: PageHeader = serde_json::from_slice(&bytes[..nl]).ok()?;
        bytes.drain(..=nl);
        Some(CachedPage {
            header,
            body: bytes,
        })
    }

    /// Only the header line of a cached page (its validators), without
    /// reading a body of possibly several MB that a refetch replaces.
    fn read_header(path: &Path) -> Option<PageHeader> {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(fs_err::File::open(path).ok()?);
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line).ok()?;
        serde_json::from_slice(line.strip_suffix(b"\n")?).ok()
    }

    fn write(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        fs_err::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut tmp, &self.header).map_err(std::io::Error::other)?;
        tmp.write_all(b"\n")?;
        tmp.write_all(&self.body)?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// A fully read response.
struct Fetched {
    not_modified: bool,
    /// The final URL (after redirects), credentials redacted.
    url: String,
    content_type: String,
    etag: Option<String>,
    last_modified: Option<String>,
    body: Vec<u8>,
}

type Slot<T> = Arc<OnceLock<Result<Arc<T>, IndexError>>>;

/// A reqwest client with envy's user agent and timeouts (`timeout` seconds);
/// `files`: HTTP/1.1 only, for downloads (see [`Client`]'s fields).
fn http_client(timeout: u64, files: bool) -> Result<reqwest::blocking::Client, IndexError> {
    static RESOLVER: OnceLock<dns::HedgedResolver> = OnceLock::new();
    let resolver = RESOLVER.get_or_init(dns::HedgedResolver::default).clone();
    let mut builder = reqwest::blocking::Client::builder()
        .dns_resolver(Arc::new(resolver))
        .user_agent(concat!("envy/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(timeout.min(10)))
        .timeout(Duration::from_secs(timeout))
        .pool_max_idle_per_host(64);
    builder = if files {
        builder.http1_only()
    } else {
        builder.http2_adaptive_window(true)
    };
    builder
        .build()
        .map_err(|e| IndexError::Io(format!("cannot start the HTTP client: {e}")))
}

/// A thread-safe simple-index client with an on-disk cache.
pub struct Client {
    /// For index pages and metadata: latency-bound requests, multiplexed
    /// over HTTP/2 where the server offers it (ALPN).
    http: reqwest::blocking::Client,
    /// For distribution files: bandwidth-bound downloads over HTTP/1.1,
    /// one TCP connection each (separate congestion windows instead of one
    /// shared HTTP/2 connection). Made on first use.
    http_files: OnceLock<Result<reqwest::blocking::Client, IndexError>>,
    timeout: u64,
    /// The overall time one transfer may take, retries included.
    deadline: Duration,
    cache: Cache,
    config: IndexConfig,
    indexes: Vec<ResolvedIndex>,
    retries: u32,
    pages: Mutex<HashMap<PackageName, Slot<ProjectPage>>>,
    metadata: Mutex<HashMap<String, Slot<CoreMetadata>>>,
    downloads: Mutex<HashMap<String, Slot<PathBuf>>>,
    background_cancelled: std::sync::atomic::AtomicBool,
}

/// The default overall deadline of one transfer (`ENVY_HTTP_DEADLINE`): long
/// enough for a multi-GB wheel on a slow link.
const DEFAULT_DEADLINE_SECS: u64 = 1800;

const ACCEPT_SIMPLE: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

fn slot<K: std::hash::Hash + Eq + Clone, T>(map: &Mutex<HashMap<K, Slot<T>>>, key: &K) -> Slot<T> {
    let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
    m.entry(key.clone()).or_default().clone()
}

impl Client {
    /// Make a client.
    ///
    /// Timeout per request without progress: `ENVY_HTTP_TIMEOUT` seconds
    /// (default 30); overall deadline of one transfer, retries included:
    /// `ENVY_HTTP_DEADLINE` seconds (default 1800); retries of transient
    /// failures: `ENVY_HTTP_RETRIES` (default 3).
    ///
    /// # Errors
    /// When the TLS backend cannot be set up.
    pub fn new(config: IndexConfig, cache: Cache) -> Result<Self, IndexError> {
        let timeout = std::env::var("ENVY_HTTP_TIMEOUT")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(30);
        let retries = std::env::var("ENVY_HTTP_RETRIES")
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(3);
        let deadline = std::env::var("ENVY_HTTP_DEADLINE")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_DEADLINE_SECS);
        let http = http_client(timeout, false)?;
        let indexes = config.resolve();
        Ok(Self {
            http,
            http_files: OnceLock::new(),
            timeout,
            deadline: Duration::from_secs(deadline),
            cache,
            config,
            indexes,
            retries,
            pages: Mutex::default(),
            metadata: Mutex::default(),
            downloads: Mutex::default(),
            background_cancelled: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Allow (`false`) or stop (`true`) speculative background fetches; they
    /// check [`Client::background_cancelled`] before each request.
    pub fn set_background_cancelled(&self, cancelled: bool) {
        self.background_cancelled
            .store(cancelled, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether speculative background fetches should stop.
    pub fn background_cancelled(&self) -> bool {
        self.background_cancelled
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The cache this client uses.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The index configuration.
    pub fn config(&self) -> &IndexConfig {
        &self.config
    }

    /// The credentials and index for a request to `url` (see
    /// [`auth::for_request`]: by longest URL prefix, then origin, then netrc).
    fn auth_for(&self, url: &Url) -> (auth::RequestAuth, Option<&ResolvedIndex>) {
        let found = auth::for_request(
            url,
            self.indexes
                .iter()
                .map(|i| (i.url.as_str(), i.credentials.as_ref())),
        );
        let index = found.index.map(|k| &self.indexes[k]);
        (found, index)
    }

    /// GET `url` and hand the response to `read`, retrying transient
    /// failures (connect errors, timeouts, resets and truncated bodies while
    /// `read` runs, HTTP 5xx and 429) up to `ENVY_HTTP_RETRIES` times with
    /// exponential backoff (200 ms doubling, capped at 5 s). Sends basic auth
    /// for the URL's index ([`Client::auth_for`]); the URL is requested
    /// without userinfo. Returns `Ok(None)` for 404/410.
    fn get_with<T>(
        &self,
        url: &str,
        headers: &[(&str, String)],
        read: impl FnMut(reqwest::blocking::Response) -> Result<T, IndexError>,
    ) -> Result<Option<T>, IndexError> {
        self.get_on(&self.http, url, headers, read)
    }

    /// [`Client::get_with`] for a distribution file, on the download client.
    fn get_file<T>(
        &self,
        url: &str,
        read: impl FnMut(reqwest::blocking::Response) -> Result<T, IndexError>,
    ) -> Result<Option<T>, IndexError> {
        let http = self
            .http_files
            .get_or_init(|| http_client(self.timeout, true))
            .as_ref()
            .map_err(Clone::clone)?;
        self.get_on(http, url, &[], read)
    }

    /// [`Client::get_with`] on the given reqwest client.
    fn get_on<T>(
        &self,
        http: &reqwest::blocking::Client,
        url: &str,
        headers: &[(&str, String)],
        mut read: impl FnMut(reqwest::blocking::Response) -> Result<T, IndexError>,
    ) -> Result<Option<T>, IndexError> {
        let parsed = Url::parse(url).map_err(|e| IndexError::Invalid {
            url: redact(url),
            reason: e.to_string(),
        })?;
        let (auth, index) = self.auth_for(&parsed);
        let creds = auth.found.as_ref().map(|f| &f.credentials);
        let clean = redact(url);
        let mut attempt = 0;
        loop {
            let mut req = http.get(&clean);
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            if let Some(c) = &creds {
                req = req.basic_auth(&c.username, c.password.as_ref());
            }
            let t0 = std::time::Instant::now();
            let result = req.send();
            tracing::debug!(
                "GET {} ({:.0} ms)",
                clean,
                t0.elapsed().as_secs_f64() * 1000.0
            );
            let err = match result {
                Ok(resp) => {
                    let status = resp.status();
                    if status == reqwest::StatusCode::NOT_FOUND
                        || status == reqwest::StatusCode::GONE
                    {
                        return Ok(None);
                    }
                    if status == reqwest::StatusCode::UNAUTHORIZED
                        || status == reqwest::StatusCode::FORBIDDEN
                    {
                        return Err(IndexError::Auth {
                            index: index.and_then(|i| i.name.clone()),
                            url: clean.clone(),
                            status: status.as_u16(),
                            under_index: auth.under_index,
                            sent: auth.found.as_ref().map(|f| f.source.clone()),
                        });
                    }
                    if status.is_success() || status == reqwest::StatusCode::NOT_MODIFIED {
                        match read(resp) {
                            Ok(v) => return Ok(Some(v)),
                            Err(e) => e,
                        }
                    } else {
                        IndexError::Status {
                            url: clean.clone(),
                            status: status.as_u16(),
                        }
                    }
                }
                Err(e) => IndexError::Network {
                    url: clean.clone(),
                    reason: describe_reqwest(&e),
                },
            };
            if !err.retryable() {
                return Err(err);
            }
            if attempt >= self.retries {
                return Err(match err {
                    IndexError::Network { url, reason } if attempt > 0 => IndexError::Network {
                        url,
                        reason: format!("{reason} (gave up after {} attempts)", attempt + 1),
                    },
                    IndexError::Status { url, status } if attempt > 0 => IndexError::Network {
                        url,
                        reason: format!(
                            "the server answered HTTP {status} (gave up after {} attempts)",
                            attempt + 1
                        ),
                    },
                    e => e,
                });
            }
            let delay = Duration::from_millis((200u64 << attempt.min(5)).min(5000));
            tracing::warn!("{err}; retrying in {} ms", delay.as_millis());
            std::thread::sleep(delay);
            attempt += 1;
        }
    }

    /// GET `url` and read the whole body (retried like [`Client::get_with`]).
    fn get_bytes(
        &self,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<Option<Fetched>, IndexError> {
        let deadline = std::time::Instant::now() + self.deadline;
        self.get_with(url, headers, |resp| {
            let header = |h: &str| {
                resp.headers()
                    .get(h)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let meta = Fetched {
                not_modified: resp.status() == reqwest::StatusCode::NOT_MODIFIED,
                url: redact(resp.url().as_str()),
                content_type: header("content-type").unwrap_or_default(),
                etag: header("etag"),
                last_modified: header("last-modified"),
                body: Vec::new(),
            };
            let mut body = Vec::new();
            self.read_body(resp, url, deadline, |chunk| {
                body.extend_from_slice(chunk);
                Ok(())
            })?;
            Ok(Fetched { body, ..meta })
        })
    }

    /// Read a response body in chunks into `sink`, until its end or the
    /// overall `deadline`.
    ///
    /// # Errors
    /// [`IndexError::Deadline`] past the deadline; [`IndexError::Network`]
    /// when reading fails (a stall says it timed out); `sink`'s errors.
    fn read_body(
        &self,
        mut reader: impl Read,
        url: &str,
        deadline: std::time::Instant,
        mut sink: impl FnMut(&[u8]) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            if std::time::Instant::now() > deadline {
                return Err(IndexError::Deadline {
                    url: redact(url),
                    seconds: self.deadline.as_secs(),
                });
            }
            let n = reader.read(&mut buf).map_err(|e| IndexError::Network {
                url: redact(url),
                reason: describe_body_error(&e, self.timeout),
            })?;
            if n == 0 {
                return Ok(());
            }
            sink(&buf[..n])?;
        }
    }

    /// The page of `name`: from the first index that lists it, plus any
    /// `--find-links` files. Memoized for the life of the client.
    ///
    /// # Errors
    /// [`IndexError::NotFound`] when no index lists it; network, offline and
    /// parse errors otherwise.
    pub fn project(&self, name: &PackageName) -> Result<Arc<ProjectPage>, IndexError> {
        let s = slot(&self.pages, name);
        s.get_or_init(|| self.fetch_project(name).map(Arc::new))
            .clone()
    }

    /// The indexes to ask for `name`, in order: its pinned index only, when
    /// `[tool.envy.sources]` pins it; else every non-explicit index.
    fn indexes_for(&self, name: &PackageName) -> Result<Vec<&ResolvedIndex>, IndexError> {
        if let Some(pinned) = self.config.sources.get(name.as_ref()) {
            let index = self
                .indexes
                .iter()
                .find(|i| i.name.as_deref() == Some(pinned.as_str()))
                .ok_or_else(|| IndexError::Invalid {
                    url: "pyproject.toml".to_string(),
                    reason: format!(
                        "`{name}` is pinned to the index `{pinned}`, but no `[[tool.envy.index]]` has that name"
                    ),
                })?;
            return Ok(vec![index]);
        }
        Ok(self.indexes.iter().filter(|i| !i.explicit).collect())
    }

    fn fetch_project(&self, name: &PackageName) -> Result<ProjectPage, IndexError> {
        let pinned = self.config.sources.contains_key(name.as_ref());
        // A pinned package comes from its index only, not from find-links.
        let mut files = if pinned {
            Vec::new()
        } else {
            self.find_links_files(name)?
        };
        let mut source = None;
        let indexes = self.indexes_for(name)?;
        for index in &indexes {
            if let Some(found) = self.fetch_page(index, name)? {
                source = Some(index.url.clone());
                if files.is_empty() {
                    files = found;
                } else {
                    files.extend(found);
                }
                break;
            }
        }
        if source.is_none() && files.is_empty() {
            return Err(IndexError::NotFound {
                name: name.to_string(),
                indexes: indexes
                    .iter()
                    .map(|i| match &i.name {
                        Some(n) => format!("`{n}` {}", i.url),
                        None => i.url.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let index = source.unwrap_or_else(|| "find-links".to_string());
        Ok(ProjectPage::from_files(name.clone(), index, files))
    }

    /// Fetch and parse one index's page for `name`; `None` when it does not list it.
    fn fetch_page(
        &self,
        index: &ResolvedIndex,
        name: &PackageName,
    ) -> Result<Option<Vec<IndexFile>>, IndexError> {
        let url = format!("{}/{}/", index.url.trim_end_matches('/'), name);
        let cache_path = self.cache.page_path(&index.url, name.as_ref());
        let parse = |c: &CachedPage| -> Result<Vec<IndexFile>, IndexError> {
            let h = &c.header;
            let base = Url::parse(&h.url).map_err(|e| IndexError::Invalid {
                url: redact(&h.url),
                reason: e.to_string(),
            })?;
            let parsed = if h.content_type.contains("json") {
                simple::parse_json(&c.body, &base, name, &index.url)
            } else {
                simple::parse_html(&c.body, &base, name, &index.url)
            };
            let mut files = parsed.map_err(|reason| IndexError::Invalid {
                url: redact(&h.url),
                reason,
            })?;
            // Absolute links may carry userinfo: never let it reach the lock.
            for f in &mut files {
                if f.url.contains('@') {
                    f.url = redact(&f.url);
                }
            }
            Ok(files)
        };
        if self.config.offline {
            return match &CachedPage::read(&cache_path) {
                Some(c) if c.body.is_empty() => Ok(None),
                Some(c) => parse(c).map(Some),
                None => Err(IndexError::Offline {
                    what: format!("the index page of `{name}` ({url})"),
                }),
            };
        }
        let mut headers = vec![("Accept", ACCEPT_SIMPLE.to_string())];
        if let Some(h) = CachedPage::read_header(&cache_path) {
            if let Some(e) = h.etag {
                headers.push(("If-None-Match", e));
            }
            if let Some(l) = h.last_modified {
                headers.push(("If-Modified-Since", l));
            }
        }
        let Some(fetched) = self.get_bytes(&url, &headers)? else {
            // Remember "not here" so offline runs can answer it too.
            let miss = CachedPage {
                header: PageHeader {
                    url: url.clone(),
                    content_type: String::new(),
                    etag: None,
                    last_modified: None,
                },
                body: Vec::new(),
            };
            let _ = miss.write(&cache_path);
            return Ok(None);
        };
        if fetched.not_modified {
            if let Some(c) = &CachedPage::read(&cache_path) {
                return parse(c).map(Some);
            }
        }
        let page = CachedPage {
            header: PageHeader {
                content_type: fetched.content_type,
                etag: fetched.etag,
                last_modified: fetched.last_modified,
                url: fetched.url,
            },
            body: fetched.body,
        };
        let files = parse(&page)?;
        // Links may carry `user:password@` (they are redacted when parsed):
        // the cached body must not keep them either.
        let page = match std::str::from_utf8(&page.body).map(crate::types::redact_text) {
            Ok(std::borrow::Cow::Owned(clean)) => CachedPage {
                body: clean.into_bytes(),
                ..page
            },
            _ => page,
        };
        page.write(&cache_path)?;
        Ok(Some(files))
    }

    /// Files for `name` in the `--find-links` directories, hashed on the fly.
    fn find_links_files(&self, name: &PackageName) -> Result<Vec<IndexFile>, IndexError> {
        let mut out = Vec::new();
        for dir in &self.config.find_links {
            let Ok(entries) = fs_err::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let filename = entry.file_name().to_string_lossy().into_owned();
                let Some(dist) = DistFilename::parse(&filename, name) else {
                    continue;
                };
                let path = entry.path();
                let file = fs_err::File::open(&path)?;
                let (sha256, size) = crate::types::hash::sha256_reader(file)?;
                let url = Url::from_file_path(fs_err::canonicalize(&path)?)
                    .map_err(|()| IndexError::Io(format!("bad path {}", path.display())))?;
                out.push(IndexFile {
                    filename,
                    url: url.to_string(),
                    sha256: Some(sha256),
                    size: Some(size),
                    requires_python: None,
                    yanked: None,
                    core_metadata: false,
                    metadata_sha256: None,
                    upload_time: None,
                    index: Arc::from("find-links"),
                    version: dist.version().clone(),
                    wheel: matches!(dist, DistFilename::Wheel(_)),
                });
            }
        }
        Ok(out)
    }

    /// Core metadata of `name==version`, from the best file of that version:
    /// a PEP 658 `.metadata` file, else the wheel, else the sdist's PKG-INFO.
    ///
    /// # Errors
    /// When no file of the version yields metadata.
    pub fn metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, IndexError> {
        let key = format!("{}=={}", page.name, version);
        let s = slot(&self.metadata, &key);
        s.get_or_init(|| self.fetch_metadata(page, version).map(Arc::new))
            .clone()
    }

    fn fetch_metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<CoreMetadata, IndexError> {
        let files = page
            .versions
            .get(version)
            .ok_or_else(|| IndexError::Invalid {
                url: page.name.to_string(),
                reason: format!("no files for version {version}"),
            })?;
        let mut wheels: Vec<&IndexFile> = files.iter().filter(|f| f.is_wheel()).collect();
        // Prefer files that advertise PEP 658 metadata, then pure wheels.
        wheels.sort_by_key(|f| {
            let pure = f.wheel_filename().is_some_and(|w| w.is_universal());
            (!f.core_metadata, !pure)
        });
        let sdist = files.iter().find(|f| !f.is_wheel());
        let chosen = wheels
            .first()
            .copied()
            .or(sdist)
            .ok_or_else(|| IndexError::Invalid {
                url: page.name.to_string(),
                reason: format!("version {version} has no usable files"),
            })?;
        let cache_path = self
            .cache
            .metadata_path(&chosen.url, chosen.sha256.as_deref());
        if let Ok(bytes) = fs_err::read(&cache_path) {
            if let Ok(m) = CoreMetadata::parse(&bytes) {
                return Ok(m);
            }
        }
        let bytes = if chosen.is_wheel() {
            self.wheel_metadata(chosen)?
        } else {
            let path = self.download(chosen)?;
            sdist::pkg_info(&path).map_err(|reason| IndexError::Invalid {
                url: redact(&chosen.url),
                reason,
            })?
        };
        let meta = CoreMetadata::parse(&bytes).map_err(|e| IndexError::Invalid {
            url: redact(&chosen.url),
            reason: e.to_string(),
        })?;
        write_atomic(&cache_path, &bytes)?;
        Ok(meta)
    }

    /// METADATA of a wheel: `<url>.metadata` first (PEP 658, also tried when not
    /// advertised since many mirrors answer it anyway), else the wheel itself.
    fn wheel_metadata(&self, file: &IndexFile) -> Result<Vec<u8>, IndexError> {
        if !self.config.offline && !file.url.starts_with("file:") {
            let url = format!("{}.metadata", file.url);
            if let Some(fetched) = self.get_bytes(&url, &[])? {
                // PEP 658: the page's hash of the metadata file must match.
                if let Some(expected) = &file.metadata_sha256 {
                    let actual = sha256_bytes(&fetched.body);
                    if !expected.eq_ignore_ascii_case(&actual) {
                        return Err(IndexError::HashMismatch {
                            filename: format!("{}.metadata", file.filename),
                            url: redact(&url),
                            expected: expected.clone(),
                            actual,
                        });
                    }
                }
                return Ok(fetched.body);
            }
        }
        let path = self.download(file)?;
        read_wheel_metadata(&path).map_err(|reason| IndexError::Invalid {
            url: redact(&file.url),
            reason,
        })
    }

    /// Download `file` into the cache, verifying its sha256; returns the cached path.
    ///
    /// # Errors
    /// [`IndexError::HashMismatch`] when the bytes differ from the promised
    /// hash (nothing is kept), network and offline errors otherwise.
    pub fn download(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        self.download_url(&file.url, &file.filename, file.sha256.as_deref())
    }

    /// Download `url` (http(s) or `file:`) as `filename`, verified against
    /// `sha256` when given. Concurrent calls for one URL download once.
    ///
    /// # Errors
    /// As [`Client::download`].
    pub fn download_url(
        &self,
        url: &str,
        filename: &str,
        sha256: Option<&str>,
    ) -> Result<PathBuf, IndexError> {
        let key = url.to_string();
        let s = slot(&self.downloads, &key);
        s.get_or_init(|| self.fetch_file(url, filename, sha256).map(Arc::new))
            .clone()
            .map(|p| (*p).clone())
    }

    fn fetch_file(
        &self,
        url: &str,
        filename: &str,
        sha256: Option<&str>,
    ) -> Result<PathBuf, IndexError> {
        let key = sha256.map(str::to_string).unwrap_or_else(|| {
            format!("url-{}", &hex::encode(Sha256::digest(url.as_bytes()))[..32])
        });
        let dest = self.cache.file_path(&key, filename);
        if dest.is_file() {
            // The cache is a directory anyone may write to (a disk error, a
            // restore, a hand): a file is only as good as its hash.
            match sha256 {
                None => return Ok(dest),
                Some(expected) => match verify_cached_file(&dest, expected) {
                    Ok(()) => return Ok(dest),
                    Err(actual) => tracing::warn!(
                        "the cached `{filename}` does not match its sha256 (expected {expected}, got {actual}); downloading it again"
                    ),
                },
            }
        }
        let dir = dest.parent().unwrap_or_else(|| Path::new("."));
        fs_err::create_dir_all(dir)?;
        // Removed when dropped: on every error path, nothing partial stays
        // (and on SIGINT/SIGTERM, see `partial`).
        // The name is registered before the file exists, so a signal at any
        // moment finds it (and the handler is installed before either).
        let guard = std::cell::RefCell::new(None);
        let mut tmp = tempfile::Builder::new().make_in(dir, |path| {
            guard.replace(Some(partial::Partial::register(path)));
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(path)
        })?;
        let _partial = guard.into_inner();
        let mut hasher = Sha256::new();
        let deadline = std::time::Instant::now() + self.deadline;
        let copy = |reader: Box<dyn Read>,
                    tmp: &mut tempfile::NamedTempFile,
                    hasher: &mut Sha256|
         -> Result<(), IndexError> {
            // Start over on a retry: a truncated earlier attempt leaves nothing.
            *hasher = Sha256::new();
            tmp.as_file_mut().set_len(0)?;
            std::io::Seek::seek(tmp.as_file_mut(), std::io::SeekFrom::Start(0))?;
            self.read_body(reader, url, deadline, |chunk| {
                hasher.update(chunk);
                tmp.write_all(chunk)?;
                Ok(())
            })
        };
        // A file of that name in a `--find-links` directory (e.g. a wheelhouse
        // exported earlier) serves before the network; its hash is checked
        // against the lock like any download.
        let local = self
            .config
            .find_links
            .iter()
            .map(|d| d.join(filename))
            .find(|p| p.is_file());
        if let Some(path) = local {
            copy(Box::new(fs_err::File::open(path)?), &mut tmp, &mut hasher)?;
        } else if let Some(path) = url.strip_prefix("file://") {
            let path = Url::parse(url)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(path));
            copy(Box::new(fs_err::File::open(path)?), &mut tmp, &mut hasher)?;
        } else {
            if self.config.offline {
                return Err(IndexError::Offline {
                    what: format!("`{filename}` ({})", redact(url)),
                });
            }
            self.get_file(url, |resp| copy(Box::new(resp), &mut tmp, &mut hasher))?
                .ok_or_else(|| IndexError::Status {
                    url: redact(url),
                    status: 404,
                })?;
        }
        let actual = hex::encode(hasher.finalize());
        if let Some(expected) = sha256 {
            if !expected.eq_ignore_ascii_case(&actual) {
                return Err(IndexError::HashMismatch {
                    filename: filename.to_string(),
                    url: redact(url),
                    expected: expected.to_string(),
                    actual,
                });
            }
        }
        tmp.persist(&dest)
            .map_err(|e| IndexError::Io(e.error.to_string()))?;
        Ok(dest)
    }
}

/// Check a cached distribution file against the sha256 it is stored under;
/// a file that does not match is removed from the cache.
///
/// # Errors
/// The actual sha256 (or the read error) when it does not match.
pub fn verify_cached_file(path: &Path, expected: &str) -> Result<(), String> {
    let actual = match fs_err::File::open(path).and_then(crate::types::hash::sha256_reader) {
        Ok((actual, _)) => actual,
        Err(e) => e.to_string(),
    };
    if actual.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    let _ = fs_err::remove_file(path);
    Err(actual)
}

/// Check a downloaded wheel against the core metadata cached for it at lock
/// time (a PEP 658 `.metadata` file the index served, the source of the
/// lock's dependencies): PEP 658 requires the two to be identical. Nothing
/// cached (another machine, a cleaned cache): nothing to compare.
///
/// `url` and `sha256` are the file's URL and hash as the lock records them;
/// `wheel` is the verified file.
///
/// # Errors
/// [`IndexError::MetadataMismatch`] when they differ; the cached entry is then
/// removed, so the next lock fetches the metadata again.
pub fn check_cached_metadata(
    cache: &Cache,
    url: &str,
    sha256: &str,
    filename: &str,
    wheel: &Path,
) -> Result<(), IndexError> {
    let cached_path = cache.metadata_path(url, Some(sha256));
    let Ok(cached) = fs_err::read(&cached_path) else {
        return Ok(());
    };
    let own = read_wheel_metadata(wheel).map_err(|reason| IndexError::Invalid {
        url: filename.to_string(),
        reason,
    })?;
    if own != cached {
        let _ = fs_err::remove_file(&cached_path);
        return Err(IndexError::MetadataMismatch {
            filename: filename.to_string(),
            url: redact(url),
        });
    }
    Ok(())
}

/// Read `*.dist-info/METADATA` out of a wheel file.
///
/// # Errors
/// A message when the file is not a zip, has no METADATA, or has more than
/// one `.dist-info` directory with a METADATA.
pub fn read_wheel_metadata(path: &Path) -> Result<Vec<u8>, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
    let mut found = zip.file_names().filter(|n| {
        let mut parts = n.split('/');
        matches!((parts.next(), parts.next(), parts.next()), (Some(d), Some("METADATA"), None) if d.ends_with(".dist-info"))
    });
    let name = found
        .next()
        .map(str::to_string)
        .ok_or_else(|| "the wheel has no .dist-info/METADATA".to_string())?;
    // A wheel is one distribution: which METADATA would be the real one?
    let more = found.next().is_some();
    drop(found);
    if more {
        return Err("the wheel holds more than one `.dist-info` directory".to_string());
    }
    let mut entry = zip.by_name(&name).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    entry.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A failed body read in words: a stall says it timed out (reqwest reports
/// its per-read timeout as an I/O error whose source is a timeout).
fn describe_body_error(e: &std::io::Error, timeout: u64) -> String {
    let mut timed_out = e.kind() == std::io::ErrorKind::TimedOut;
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<reqwest::Error>() {
            timed_out |= r.is_timeout();
        }
        timed_out |= s.to_string().contains("timed out");
        source = s.source();
    }
    if timed_out {
        format!("timed out: no data for {timeout} s in the middle of the body")
    } else {
        format!("reading the body failed: {e}")
    }
}

/// Flatten a reqwest error and its sources into one line.
fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// sha256 of `bytes` (re-exported for callers that hash small payloads).
pub fn hash_bytes(bytes: &[u8]) -> String {
    sha256_bytes(bytes)
}
