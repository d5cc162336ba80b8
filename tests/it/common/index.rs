//! [`IndexServer`]: a PEP 503/691/658 simple index on 127.0.0.1 serving a
//! directory of built files (yanking, HTML-only mode, tampering, request
//! counting), a plain HTTP client, and the standard [`scenario_server`].

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::http;
use super::{
    escaped_name, html_escape, normalize_name, sha256_file, sha256_hex, SdistBuilder, WheelBuilder,
};

// ---------------------------------------------------------------------------
// IndexServer
// ---------------------------------------------------------------------------

/// Per-file facts the index advertises.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub filename: String,
    pub project: String,
    pub version: String,
    pub sha256: String,
    pub size: u64,
    pub requires_python: Option<String>,
    /// The wheel's METADATA (PEP 658), for wheels only.
    pub metadata: Option<Vec<u8>>,
}

#[derive(Default)]
struct ServerConfig {
    yanked: HashMap<String, String>,
    html_only: bool,
    no_metadata: bool,
    /// Answer `Range:` requests with the whole file (200), like a server
    /// that does not support ranges.
    ignore_range: bool,
    tampered: HashMap<String, Vec<u8>>,
    /// The `Authorization` header every request must carry, when set.
    basic_auth: Option<String>,
}

struct ServerState {
    files_dir: PathBuf,
    base_url: String,
    config: Mutex<ServerConfig>,
    requests: Mutex<Vec<String>>,
    /// Body bytes sent for `/files/...` (distribution and `.metadata` files).
    file_bytes: std::sync::atomic::AtomicU64,
}

/// A simple-API index on `127.0.0.1:<random>` serving `files_dir`. The
/// directory is re-read on every request, so tests may add files later.
/// Stops when dropped.
pub struct IndexServer {
    port: u16,
    state: Arc<ServerState>,
    server: Option<http::Server>,
    _owned_dir: Option<tempfile::TempDir>,
}

impl IndexServer {
    /// Serves the files in `files_dir`.
    pub fn start(files_dir: &Path) -> IndexServer {
        Self::start_inner(files_dir.to_path_buf(), None)
    }

    /// Serves a fresh temp dir; populate it via [`IndexServer::files_dir`].
    pub fn empty() -> IndexServer {
        let dir = tempfile::Builder::new()
            .prefix("envy-index-")
            .tempdir()
            .unwrap();
        let path = dir.path().canonicalize().unwrap();
        Self::start_inner(path, Some(dir))
    }

    fn start_inner(files_dir: PathBuf, owned: Option<tempfile::TempDir>) -> IndexServer {
        fs::create_dir_all(&files_dir).unwrap();
        // The handler needs the base URL, which needs the port: share the
        // state through a cell filled once the server is bound.
        let cell: Arc<std::sync::OnceLock<Arc<ServerState>>> = Arc::default();
        let server = {
            let cell = cell.clone();
            http::Server::start(move |request| {
                let state = cell.get().expect("server state");
                handle(state, request)
            })
        };
        let port = server.port();
        let state = Arc::new(ServerState {
            files_dir,
            base_url: format!("http://127.0.0.1:{port}"),
            config: Mutex::new(ServerConfig::default()),
            requests: Mutex::new(Vec::new()),
            file_bytes: std::sync::atomic::AtomicU64::new(0),
        });
        let _ = cell.set(state.clone());
        IndexServer {
            port,
            state,
            server: Some(server),
            _owned_dir: owned,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/simple` (pass as `--index-url`).
    pub fn index_url(&self) -> String {
        format!("{}/simple", self.state.base_url)
    }

    /// `http://127.0.0.1:PORT/files/<filename>`
    pub fn file_url(&self, filename: &str) -> String {
        format!("{}/files/{filename}", self.state.base_url)
    }

    pub fn files_dir(&self) -> &Path {
        &self.state.files_dir
    }

    /// Adds a wheel to the served directory.
    pub fn add_wheel(&self, wheel: &WheelBuilder) -> PathBuf {
        wheel.build(self.files_dir())
    }

    /// Adds an sdist to the served directory.
    pub fn add_sdist(&self, sdist: &SdistBuilder) -> PathBuf {
        sdist.build(self.files_dir())
    }

    /// sha256 (hex) of a served file as stored on disk (the advertised hash).
    pub fn sha256(&self, filename: &str) -> String {
        sha256_file(&self.files_dir().join(filename))
    }

    /// Marks a file yanked (PEP 592) with `reason` (may be empty).
    pub fn yank(&self, filename: &str, reason: &str) {
        self.state
            .config
            .lock()
            .unwrap()
            .yanked
            .insert(filename.to_string(), reason.to_string());
    }

    /// Serve only PEP 503 HTML, whatever the Accept header says.
    pub fn set_html_only(&self, on: bool) {
        self.state.config.lock().unwrap().html_only = on;
    }

    /// Answer 401 (with `WWW-Authenticate: Basic`) to every request, pages
    /// and files, that does not carry HTTP basic auth for `user`/`password`.
    pub fn set_basic_auth(&self, user: &str, password: &str) {
        let token = base64(format!("{user}:{password}").as_bytes());
        self.state.config.lock().unwrap().basic_auth = Some(format!("Basic {token}"));
    }

    /// Do not advertise or serve PEP 658 `.metadata` files.
    pub fn set_no_metadata(&self, on: bool) {
        self.state.config.lock().unwrap().no_metadata = on;
    }

    /// Serve other bytes for `filename` while still advertising the hash of
    /// the file on disk. The replacement is a valid wheel/zip-ish payload:
    /// the original bytes with a trailer appended.
    pub fn tamper(&self, filename: &str) {
        let mut bytes = fs::read(self.files_dir().join(filename)).unwrap();
        bytes.extend_from_slice(b"\n# tampered by envy tests\n");
        self.tamper_with(filename, bytes);
    }

    /// Serve exactly `bytes` for `filename` (advertised hash unchanged).
    pub fn tamper_with(&self, filename: &str, bytes: Vec<u8>) {
        self.state
            .config
            .lock()
            .unwrap()
            .tampered
            .insert(filename.to_string(), bytes);
    }

    /// Answer `Range:` requests with the whole file (HTTP 200), as a server
    /// without range support does.
    pub fn set_ignore_range(&self, on: bool) {
        self.state.config.lock().unwrap().ignore_range = on;
    }

    /// Body bytes served so far for `/files/...` requests (whole files,
    /// ranges and `.metadata` files).
    pub fn file_bytes_served(&self) -> u64 {
        self.state
            .file_bytes
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Paths of all requests received so far (e.g. `/simple/app-dep/`).
    pub fn requests(&self) -> Vec<String> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.state.requests.lock().unwrap().len()
    }

    /// Requests for distribution files (`/files/...`, not `.metadata`).
    pub fn file_downloads(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|p| p.starts_with("/files/") && !p.ends_with(".metadata"))
            .collect()
    }

    pub fn reset_requests(&self) {
        self.state.requests.lock().unwrap().clear();
    }

    /// Facts about every served file, sorted by filename.
    pub fn file_infos(&self) -> Vec<FileInfo> {
        list_files(&self.state.files_dir)
    }
}

impl Drop for IndexServer {
    fn drop(&mut self) {
        drop(self.server.take());
    }
}

/// Splits a distribution filename into (normalized project, version).
pub fn parse_dist_filename(filename: &str) -> Option<(String, String)> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        let mut parts = stem.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        return Some((normalize_name(name), version.to_string()));
    }
    let stem = filename
        .strip_suffix(".tar.gz")
        .or_else(|| filename.strip_suffix(".zip"))?;
    let (name, version) = stem.rsplit_once('-')?;
    Some((normalize_name(name), version.to_string()))
}

fn read_wheel_metadata(path: &Path) -> Option<Vec<u8>> {
    let file = fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(file).ok()?;
    let name = (0..zip.len()).find_map(|i| {
        let n = zip.by_index(i).ok()?.name().to_string();
        let mut parts = n.split('/');
        let top = parts.next()?;
        (top.ends_with(".dist-info") && parts.next() == Some("METADATA") && parts.next().is_none())
            .then_some(n)
    })?;
    let mut buf = Vec::new();
    zip.by_name(&name).ok()?.read_to_end(&mut buf).ok()?;
    Some(buf)
}

fn read_sdist_pkg_info(path: &Path) -> Option<Vec<u8>> {
    let file = fs::File::open(path).ok()?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        let p = entry.path().ok()?.to_string_lossy().into_owned();
        let parts: Vec<&str> = p.split('/').collect();
        if parts.len() == 2 && parts[1] == "PKG-INFO" {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).ok()?;
            return Some(buf);
        }
    }
    None
}

fn metadata_field(metadata: &[u8], field: &str) -> Option<String> {
    let text = String::from_utf8_lossy(metadata);
    let prefix = format!("{field}:");
    text.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
}

fn list_files(dir: &Path) -> Vec<FileInfo> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let filename = entry.file_name().to_string_lossy().into_owned();
        let Some((project, version)) = parse_dist_filename(&filename) else {
            continue;
        };
        let path = entry.path();
        let bytes = fs::read(&path).unwrap_or_default();
        let (metadata, requires_python) = if filename.ends_with(".whl") {
            let md = read_wheel_metadata(&path);
            let rp = md
                .as_deref()
                .and_then(|m| metadata_field(m, "Requires-Python"));
            (md, rp)
        } else {
            let rp = read_sdist_pkg_info(&path)
                .as_deref()
                .and_then(|m| metadata_field(m, "Requires-Python"));
            (None, rp)
        };
        out.push(FileInfo {
            filename,
            project,
            version,
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            requires_python,
            metadata,
        });
    }
    out.sort_by(|a, b| a.filename.cmp(&b.filename));
    out
}

/// Standard base64 (RFC 4648, with padding), for basic auth headers.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn respond(status: u16, content_type: &str, body: Vec<u8>) -> http::Response {
    http::Response::new(status, content_type, body).header("Cache-Control", "no-cache")
}

fn handle(state: &ServerState, request: &http::Request) -> http::Response {
    let response = handle_inner(state, request);
    if request.url.starts_with("/files/") && request.method == "GET" {
        state.file_bytes.fetch_add(
            response.body.len() as u64,
            std::sync::atomic::Ordering::SeqCst,
        );
    }
    response
}

/// A `Range: bytes=...` request for one range of a `len`-byte body: the
/// half-open span it asks for, `Err(())` when it cannot be satisfied, `None`
/// when there is no (usable) range header.
fn requested_range(request: &http::Request, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = request.header("Range")?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let span = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (len.saturating_sub(n), len)
        }
        (a, "") => (a.parse().ok()?, len),
        (a, b) => (a.parse().ok()?, (b.parse::<u64>().ok()? + 1).min(len)),
    };
    Some(if span.0 < span.1 { Ok(span) } else { Err(()) })
}

/// A whole file, or the part a `Range:` header asks for (206).
fn serve_file(request: &http::Request, bytes: Vec<u8>, ignore_range: bool) -> http::Response {
    let len = bytes.len() as u64;
    match requested_range(request, len).filter(|_| !ignore_range) {
        None => respond(200, "application/octet-stream", bytes),
        Some(Err(())) => respond(416, "text/plain", Vec::new())
            .header("Content-Range", &format!("bytes */{len}")),
        Some(Ok((start, end))) => respond(
            206,
            "application/octet-stream",
            bytes[start as usize..end as usize].to_vec(),
        )
        .header("Content-Range", &format!("bytes {start}-{}/{len}", end - 1)),
    }
}

fn handle_inner(state: &ServerState, request: &http::Request) -> http::Response {
    let url = request.url.clone();
    let path = url.split(['?', '#']).next().unwrap_or("").to_string();
    state.requests.lock().unwrap().push(path.clone());

    let accept = request.header("Accept").unwrap_or_default().to_string();
    let (html_only, no_metadata, ignore_range, yanked, tampered, basic_auth) = {
        let c = state.config.lock().unwrap();
        (
            c.html_only,
            c.no_metadata,
            c.ignore_range,
            c.yanked.clone(),
            c.tampered.clone(),
            c.basic_auth.clone(),
        )
    };
    if let Some(expected) = basic_auth {
        if request.header("Authorization") != Some(expected.as_str()) {
            return respond(401, "text/plain", b"unauthorized".to_vec())
                .header("WWW-Authenticate", "Basic realm=\"test\"");
        }
    }
    let want_json = !html_only && accept.contains("application/vnd.pypi.simple.v1+json");

    if request.method != "GET" && request.method != "HEAD" {
        return respond(405, "text/plain", b"method not allowed".to_vec());
    }

    if let Some(file) = path.strip_prefix("/files/") {
        let file = file.replace("%2B", "+").replace("%2b", "+");
        if file.contains('/') || file.contains("..") {
            return respond(404, "text/plain", b"not found".to_vec());
        }
        if let Some(dist) = file.strip_suffix(".metadata") {
            if no_metadata || !dist.ends_with(".whl") {
                return respond(404, "text/plain", b"not found".to_vec());
            }
            return match read_wheel_metadata(&state.files_dir.join(dist)) {
                Some(md) => respond(200, "text/plain", md),
                None => respond(404, "text/plain", b"not found".to_vec()),
            };
        }
        if let Some(bytes) = tampered.get(&file) {
            return serve_file(request, bytes.clone(), ignore_range);
        }
        return match fs::read(state.files_dir.join(&file)) {
            Ok(bytes) => serve_file(request, bytes, ignore_range),
            Err(_) => respond(404, "text/plain", b"not found".to_vec()),
        };
    }

    let Some(rest) = path.strip_prefix("/simple") else {
        return respond(404, "text/plain", b"not found".to_vec());
    };
    let rest = rest.trim_matches('/');
    let files = list_files(&state.files_dir);

    if rest.is_empty() {
        let projects: BTreeSet<String> = files.iter().map(|f| f.project.clone()).collect();
        return if want_json {
            let body = serde_json::json!({
                "meta": {"api-version": "1.1"},
                "projects": projects.iter().map(|p| serde_json::json!({"name": p})).collect::<Vec<_>>(),
            });
            respond(
                200,
                "application/vnd.pypi.simple.v1+json",
                serde_json::to_vec(&body).unwrap(),
            )
        } else {
            let mut html = String::from("<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Simple index</title></head>\n<body>\n");
            for p in &projects {
                let _ = writeln!(html, "<a href=\"/simple/{p}/\">{p}</a><br/>");
            }
            html.push_str("</body>\n</html>\n");
            respond(200, "text/html; charset=utf-8", html.into_bytes())
        };
    }

    let project = normalize_name(rest);
    let files: Vec<FileInfo> = files.into_iter().filter(|f| f.project == project).collect();
    if files.is_empty() || rest.contains('/') {
        return respond(404, "text/plain", b"not found".to_vec());
    }

    if want_json {
        let mut versions: Vec<String> = Vec::new();
        let mut entries = Vec::new();
        for f in &files {
            if !versions.contains(&f.version) {
                versions.push(f.version.clone());
            }
            let yank = match yanked.get(&f.filename) {
                None => serde_json::Value::Bool(false),
                Some(r) if r.is_empty() => serde_json::Value::Bool(true),
                Some(r) => serde_json::Value::String(r.clone()),
            };
            let mut e = serde_json::json!({
                "filename": f.filename,
                "url": format!("{}/files/{}", state.base_url, f.filename),
                "hashes": {"sha256": f.sha256},
                "requires-python": f.requires_python,
                "size": f.size,
                "yanked": yank,
            });
            if let (Some(md), false) = (&f.metadata, no_metadata) {
                let h = serde_json::json!({"sha256": sha256_hex(md)});
                e["core-metadata"] = h.clone();
                e["dist-info-metadata"] = h;
            } else {
                e["core-metadata"] = serde_json::Value::Bool(false);
            }
            entries.push(e);
        }
        let body = serde_json::json!({
            "meta": {"api-version": "1.1"},
            "name": project,
            "files": entries,
            "versions": versions,
        });
        respond(
            200,
            "application/vnd.pypi.simple.v1+json",
            serde_json::to_vec_pretty(&body).unwrap(),
        )
    } else {
        let mut html = format!(
            "<!DOCTYPE html>\n<html>\n<head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for {project}</title></head>\n<body>\n<h1>Links for {project}</h1>\n"
        );
        for f in &files {
            let mut attrs = String::new();
            if let Some(rp) = &f.requires_python {
                let _ = write!(attrs, " data-requires-python=\"{}\"", html_escape(rp));
            }
            if let Some(r) = yanked.get(&f.filename) {
                let _ = write!(attrs, " data-yanked=\"{}\"", html_escape(r));
            }
            if let (Some(md), false) = (&f.metadata, no_metadata) {
                let h = sha256_hex(md);
                let _ = write!(
                    attrs,
                    " data-core-metadata=\"sha256={h}\" data-dist-info-metadata=\"sha256={h}\""
                );
            }
            let _ = writeln!(
                html,
                "<a href=\"../../files/{fname}#sha256={sha}\"{attrs}>{fname}</a><br/>",
                fname = f.filename,
                sha = f.sha256,
            );
        }
        html.push_str("</body>\n</html>\n");
        respond(200, "text/html; charset=utf-8", html.into_bytes())
    }
}

// ---------------------------------------------------------------------------
// plain HTTP client (for testing the harness itself)
// ---------------------------------------------------------------------------

/// Minimal HTTP/1.0 GET: returns (status, lowercase headers, body).
pub fn http_get(url: &str, accept: Option<&str>) -> (u16, HashMap<String, String>, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("http:// url");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n");
    if let Some(a) = accept {
        req.push_str(&format!("Accept: {a}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body)
}

// ---------------------------------------------------------------------------
// the standard scenario
// ---------------------------------------------------------------------------

/// Builds the standard scenario packages into `dir`:
///
/// | project | versions | notes |
/// | --- | --- | --- |
/// | app-dep | 1.0, 2.0 | `app_dep.VALUE` = 1 / 2 |
/// | with-extra | 1.0 | `Provides-Extra: fast` → `speedup>=1.0; extra == "fast"` |
/// | speedup | 1.0 | |
/// | win-only | 1.0 | |
/// | needs-marker | 1.0 | `win-only>=1.0; sys_platform == "win32"` |
/// | pre | 1.0, 2.0b1 | pre-release |
/// | only-pre | 0.5a1 | nothing but a pre-release |
/// | yanked-pkg | 1.0, 1.1 | 1.1 yanked ("broken release") by [`scenario_server`] |
/// | conflict-a | 1.0 | requires `conflict-b<1` |
/// | conflict-b | 1.0 | |
/// | py-new | 1.0 | `Requires-Python: >=4` |
/// | cli-tool | 1.0 | console script `cli-tool = cli_tool:main` printing `hello from cli-tool` |
/// | parent | 1.0 | requires `child>=1.0` |
/// | child | 1.0 | |
/// | dev-tool | 1.0 | handy for dependency groups |
/// | sdist-only | 1.0 | only an sdist (in-tree backend) |
pub fn build_scenario(dir: &Path) {
    let wheels = [
        WheelBuilder::new("app-dep", "1.0").module("app_dep/__init__.py", "VALUE = 1\n"),
        WheelBuilder::new("app-dep", "2.0").module("app_dep/__init__.py", "VALUE = 2\n"),
        WheelBuilder::new("with-extra", "1.0")
            .provides_extra("fast")
            .requires_dist("speedup>=1.0; extra == \"fast\""),
        WheelBuilder::new("speedup", "1.0"),
        WheelBuilder::new("win-only", "1.0"),
        WheelBuilder::new("needs-marker", "1.0")
            .requires_dist("win-only>=1.0; sys_platform == \"win32\""),
        WheelBuilder::new("pre", "1.0"),
        WheelBuilder::new("pre", "2.0b1"),
        WheelBuilder::new("only-pre", "0.5a1"),
        WheelBuilder::new("yanked-pkg", "1.0"),
        WheelBuilder::new("yanked-pkg", "1.1"),
        WheelBuilder::new("conflict-a", "1.0").requires_dist("conflict-b<1"),
        WheelBuilder::new("conflict-b", "1.0"),
        WheelBuilder::new("py-new", "1.0").requires_python(">=4"),
        WheelBuilder::new("cli-tool", "1.0")
            .module(
                "cli_tool/__init__.py",
                "def main():\n    print('hello from cli-tool')\n",
            )
            .console_script("cli-tool", "cli_tool:main"),
        WheelBuilder::new("parent", "1.0").requires_dist("child>=1.0"),
        WheelBuilder::new("child", "1.0"),
        WheelBuilder::new("dev-tool", "1.0"),
    ];
    for w in &wheels {
        w.requires_python_default().build(dir);
    }
    SdistBuilder::new("sdist-only", "1.0")
        .requires_python(">=3.8")
        .build(dir);
}

/// Filename of a scenario wheel, e.g. `scenario_wheel("app-dep", "2.0")`.
pub fn scenario_wheel(name: &str, version: &str) -> String {
    format!("{}-{version}-py3-none-any.whl", escaped_name(name))
}

/// A server over a fresh temp dir holding [`build_scenario`], with
/// `yanked-pkg 1.1` yanked.
pub fn scenario_server() -> IndexServer {
    let server = IndexServer::empty();
    build_scenario(server.files_dir());
    server.yank(&scenario_wheel("yanked-pkg", "1.1"), "broken release");
    server
}
