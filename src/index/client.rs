//! The HTTP side of [`Client`]: the reqwest clients, credentials per request,
//! retries with backoff, deadlines, and reading bodies.

use super::auth;
use super::cache::Cache;
use super::configuration::ResolvedIndex;
use super::{dns, redact, IndexConfig, IndexError, ProjectPage};
use crate::types::metadata::CoreMetadata;
use pep508_rs::PackageName;
use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use url::Url;

/// A fully read response.
pub(super) struct Fetched {
    pub(super) not_modified: bool,
    /// The final URL (after redirects), credentials redacted.
    pub(super) url: String,
    pub(super) content_type: String,
    pub(super) etag: Option<String>,
    pub(super) last_modified: Option<String>,
    pub(super) body: Vec<u8>,
}

pub(super) type Slot<T> = Arc<OnceLock<Result<Arc<T>, IndexError>>>;

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
    /// over HTTP/2 where the server offers it (ALPN). Made on first use: a
    /// cold sync only downloads files, and each client loads the system's
    /// CA certificates (tens of milliseconds).
    pub(super) http: OnceLock<Result<reqwest::blocking::Client, IndexError>>,
    /// For distribution files: bandwidth-bound downloads over HTTP/1.1,
    /// one TCP connection each (separate congestion windows instead of one
    /// shared HTTP/2 connection). Made on first use.
    pub(super) http_files: OnceLock<Result<reqwest::blocking::Client, IndexError>>,
    pub(super) timeout: u64,
    /// The overall time one transfer may take, retries included.
    pub(super) deadline: Duration,
    pub(super) cache: Cache,
    pub(super) config: IndexConfig,
    pub(super) indexes: Vec<ResolvedIndex>,
    pub(super) retries: u32,
    pub(super) pages: Mutex<HashMap<PackageName, Slot<ProjectPage>>>,
    pub(super) metadata: Mutex<HashMap<String, Slot<CoreMetadata>>>,
    pub(super) downloads: Mutex<HashMap<String, Slot<PathBuf>>>,
    pub(super) background_cancelled: std::sync::atomic::AtomicBool,
    /// What this process learned about each host (by origin): whether it
    /// answers unadvertised `.metadata` probes and `Range:` requests.
    pub(super) hosts: Mutex<HashMap<String, HostFacts>>,
    /// HTTP requests sent (each attempt counts).
    pub(super) requests_sent: AtomicU64,
    /// Response body bytes received.
    pub(super) bytes_received: AtomicU64,
}

/// What one host has shown about itself during this process.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct HostFacts {
    /// `<wheel>.metadata` probes (for files whose page does not advertise
    /// PEP 658 metadata) that answered with a body.
    pub(super) probe_hits: u32,
    /// Such probes that answered 404: after one, the host is not probed again.
    pub(super) probe_misses: u32,
    /// `Some(false)` once the host answered a `Range:` request with the whole
    /// file (200), `Some(true)` once it answered 206.
    pub(super) ranges: Option<bool>,
}

/// The answer to a `Range:` request.
pub(super) enum RangeAnswer {
    /// 206: `bytes` start at `start` of a file of `total` bytes.
    Partial {
        /// Offset of the first byte.
        start: u64,
        /// The file's size, from `Content-Range`.
        total: u64,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// 200: the server ignores ranges (the body was not read).
    Ignored,
}

/// The default overall deadline of one transfer (`ENVY_HTTP_DEADLINE`): long
/// enough for a multi-GB wheel on a slow link.
const DEFAULT_DEADLINE_SECS: u64 = 1800;

pub(super) const ACCEPT_SIMPLE: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

pub(super) fn slot<K: std::hash::Hash + Eq + Clone, T>(
    map: &Mutex<HashMap<K, Slot<T>>>,
    key: &K,
) -> Slot<T> {
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
    /// None today: both HTTP clients are made on first use, so a TLS
    /// backend that cannot be set up fails the first request instead.
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
        let indexes = config.resolve();
        Ok(Self {
            http: OnceLock::new(),
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
            hosts: Mutex::default(),
            requests_sent: AtomicU64::new(0),
            bytes_received: AtomicU64::new(0),
        })
    }

    /// HTTP requests sent and response body bytes received so far by this
    /// client (retries included; `file:` and cache reads not counted).
    pub fn transfer_stats(&self) -> (u64, u64) {
        (
            self.requests_sent.load(Ordering::Relaxed),
            self.bytes_received.load(Ordering::Relaxed),
        )
    }

    /// What this process learned about the host (origin) of `url`.
    pub(super) fn host_facts(&self, url: &str) -> HostFacts {
        let Ok(u) = Url::parse(url) else {
            return HostFacts::default();
        };
        let hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.get(&auth::origin(&u)).copied().unwrap_or_default()
    }

    /// Record something learned about the host (origin) of `url`.
    pub(super) fn learn_host(&self, url: &str, learn: impl FnOnce(&mut HostFacts)) {
        let Ok(u) = Url::parse(url) else { return };
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        learn(hosts.entry(auth::origin(&u)).or_default());
    }

    /// GET `range` (`Range:` header value, e.g. `bytes=-65536`) of `url`,
    /// retried like [`Client::get_with`]. A 206 answer is read (at most
    /// `max_len` bytes); a 200 answer is dropped unread.
    ///
    /// # Errors
    /// 404/410 as [`IndexError::Status`], an unreadable `Content-Range` or a
    /// body longer than `max_len` as [`IndexError::Invalid`]; network errors.
    pub(super) fn get_range(
        &self,
        url: &str,
        range: &str,
        max_len: u64,
    ) -> Result<RangeAnswer, IndexError> {
        let deadline = std::time::Instant::now() + self.deadline;
        let headers = [
            ("Range", range.to_string()),
            ("Accept-Encoding", "identity".to_string()),
        ];
        let answer = self.get_with(url, &headers, |resp| {
            if resp.status() != reqwest::StatusCode::PARTIAL_CONTENT {
                return Ok(RangeAnswer::Ignored);
            }
            let invalid = |reason: String| IndexError::Invalid {
                url: redact(url),
                reason,
            };
            let content_range = resp
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let (start, end, total) = parse_content_range(&content_range).ok_or_else(|| {
                invalid(format!(
                    "the server answered `{range}` with `Content-Range: {content_range}`"
                ))
            })?;
            let len = end - start + 1;
            if len > max_len {
                return Err(invalid(format!(
                    "the server answered `{range}` with {len} bytes"
                )));
            }
            let mut bytes = Vec::with_capacity(len as usize);
            self.read_body(resp, url, deadline, |chunk| {
                if (bytes.len() + chunk.len()) as u64 > len {
                    return Err(invalid(
                        "the body is longer than its `Content-Range`".into(),
                    ));
                }
                bytes.extend_from_slice(chunk);
                Ok(())
            })?;
            if bytes.len() as u64 != len {
                return Err(IndexError::Network {
                    url: redact(url),
                    reason: format!("the body ended after {} of {len} bytes", bytes.len()),
                });
            }
            Ok(RangeAnswer::Partial {
                start,
                total,
                bytes,
            })
        })?;
        answer.ok_or_else(|| IndexError::Status {
            url: redact(url),
            status: 404,
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
    pub(super) fn auth_for(&self, url: &Url) -> (auth::RequestAuth, Option<&ResolvedIndex>) {
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
    pub(super) fn get_with<T>(
        &self,
        url: &str,
        headers: &[(&str, String)],
        read: impl FnMut(reqwest::blocking::Response) -> Result<T, IndexError>,
    ) -> Result<Option<T>, IndexError> {
        let http = self
            .http
            .get_or_init(|| http_client(self.timeout, false))
            .as_ref()
            .map_err(Clone::clone)?;
        self.get_on(http, url, headers, read)
    }

    /// [`Client::get_with`] for a distribution file, on the download client.
    pub(super) fn get_file<T>(
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
    pub(super) fn get_on<T>(
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
            self.requests_sent.fetch_add(1, Ordering::Relaxed);
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
    pub(super) fn get_bytes(
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
    pub(super) fn read_body(
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
            self.bytes_received.fetch_add(n as u64, Ordering::Relaxed);
            sink(&buf[..n])?;
        }
    }
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

/// One line for a failed request: what failed (timed out, could not
/// resolve the host, could not connect to `host:port`) and the root cause
/// from the error's sources (the operating system's words), without the
/// HTTP library's wrapper layers (`client error (Connect)`, `tcp connect
/// error`, `dns error`).
fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut chain = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    let dns = chain.iter().any(|s| s.starts_with("dns error"));
    let host = e.url().and_then(|u| u.host_str().map(str::to_string));
    let host_port = e.url().and_then(|u| {
        let host = u.host_str()?;
        Some(match u.port_or_known_default() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        })
    });
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if dns {
        match host {
            Some(h) => format!("could not resolve the host `{h}`"),
            None => "could not resolve the host".to_string(),
        }
    } else if e.is_connect() {
        match host_port {
            Some(h) => format!("could not connect to `{h}`"),
            None => "could not connect".to_string(),
        }
    } else {
        "request failed".to_string()
    };
    match chain.last() {
        Some(root) => {
            let mut chars = root.chars();
            let root = match chars.next() {
                Some(c) if chars.clone().next().is_some_and(char::is_lowercase) => {
                    c.to_lowercase().chain(chars).collect()
                }
                _ => root.clone(),
            };
            format!("{what}: {root}")
        }
        None => what,
    }
}

/// `bytes START-END/TOTAL` -> (start, end, total), with start <= end < total.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let (start, end, total) = (
        start.trim().parse::<u64>().ok()?,
        end.trim().parse::<u64>().ok()?,
        total.trim().parse::<u64>().ok()?,
    );
    (start <= end && end < total).then_some((start, end, total))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range() {
        assert_eq!(parse_content_range("bytes 0-9/100"), Some((0, 9, 100)));
        assert_eq!(parse_content_range("bytes 90-99/100"), Some((90, 99, 100)));
        assert_eq!(parse_content_range("bytes 90-100/100"), None);
        assert_eq!(parse_content_range("bytes 9-0/100"), None);
        assert_eq!(parse_content_range("bytes */100"), None);
        assert_eq!(parse_content_range("bytes 0-9/*"), None);
    }
}
