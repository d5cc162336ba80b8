//! Network and process faults: a fault-injecting HTTP server (5xx then
//! success, resets, stalls, truncated bodies, wrong bytes, bad JSON/HTML),
//! `--offline` from warm and cold caches, a `sync` killed mid-install, and
//! two `sync`s at once.

use crate::common::*;
use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The fault server
// ---------------------------------------------------------------------------

/// What the server does with one request.
#[derive(Debug, Clone)]
enum Fault {
    /// Answer with this status and a short body.
    Status(u16),
    /// Close the connection without answering.
    Reset,
    /// Accept, then say nothing for this long, then close. If the client
    /// hangs up first, the path is recorded in `FaultState::abandoned`.
    Stall(Duration),
    /// Announce the full length, send half the body, close.
    Truncate,
    /// Send these bytes instead of the real body (status 200).
    Bytes(Vec<u8>),
}

struct Route {
    body: Vec<u8>,
    content_type: String,
    /// Faults to apply to the next requests, one per request.
    queued: VecDeque<Fault>,
    /// Applied once `queued` is empty; `None` serves the body.
    always: Option<Fault>,
}

#[derive(Default)]
struct FaultState {
    routes: HashMap<String, Route>,
    hits: Vec<String>,
    /// Paths of stalled requests whose client closed the connection before
    /// the stall ended (it gave up waiting: a timeout).
    abandoned: Vec<String>,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 serving a PEP 691 index of built
/// wheels (`/simple/<name>/`, `/files/<filename>`), with per-path faults.
struct FaultServer {
    port: u16,
    state: Arc<Mutex<FaultState>>,
    files: tempfile::TempDir,
}

impl FaultServer {
    fn start() -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(FaultState::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || serve(conn, &st));
            }
        });
        FaultServer {
            port,
            state,
            files: tempfile::tempdir().unwrap(),
        }
    }

    fn index_url(&self) -> String {
        format!("http://127.0.0.1:{}/simple", self.port)
    }

    /// Build `wheel`, serve it, and (re)publish its project page.
    fn add(&self, wheel: &WheelBuilder) -> String {
        let path = wheel.build(self.files.path());
        let filename = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let (name, _) = parse_dist_filename(&filename).unwrap();
        let name = normalize_name(&name);
        let metadata = wheel.metadata().into_bytes();
        let mut st = self.state.lock().unwrap();
        st.routes.insert(
            format!("/files/{filename}.metadata"),
            Route {
                body: metadata,
                content_type: "application/octet-stream".into(),
                queued: VecDeque::new(),
                always: None,
            },
        );
        st.routes.insert(
            format!("/files/{filename}"),
            Route {
                body: bytes,
                content_type: "application/octet-stream".into(),
                queued: VecDeque::new(),
                always: None,
            },
        );
        // Rebuild the page of `name` from every file of that project.
        let mut files = Vec::new();
        for (path, route) in &st.routes {
            if let Some(f) = path.strip_prefix("/files/") {
                if f.ends_with(".metadata") {
                    continue;
                }
                if parse_dist_filename(f).is_some_and(|(n, _)| normalize_name(&n) == name) {
                    let meta = &st.routes[&format!("{path}.metadata")].body;
                    files.push(serde_json::json!({
                        "filename": f,
                        "url": format!("/files/{f}"),
                        "hashes": { "sha256": sha256_hex(&route.body) },
                        "requires-python": ">=3.8",
                        "core-metadata": { "sha256": sha256_hex(meta) },
                    }));
                }
            }
        }
        let page = serde_json::json!({
            "meta": { "api-version": "1.1" },
            "name": name,
            "files": files,
        });
        let key = format!("/simple/{name}/");
        let old = st.routes.remove(&key);
        st.routes.insert(
            key,
            Route {
                body: serde_json::to_vec(&page).unwrap(),
                content_type: "application/vnd.pypi.simple.v1+json".into(),
                queued: old.as_ref().map(|r| r.queued.clone()).unwrap_or_default(),
                always: old.and_then(|r| r.always),
            },
        );
        filename
    }

    /// Apply `fault` to the next `times` requests of `path`.
    fn fail_next(&self, path: &str, fault: Fault, times: usize) {
        let mut st = self.state.lock().unwrap();
        let route = st.routes.get_mut(path).expect("known path");
        for _ in 0..times {
            route.queued.push_back(fault.clone());
        }
    }

    /// Apply `fault` to every request of `path` (`None`: serve normally).
    fn always(&self, path: &str, fault: Option<Fault>) {
        let mut st = self.state.lock().unwrap();
        st.routes.get_mut(path).expect("known path").always = fault;
    }

    /// Replace what `path` serves, keeping the advertised hash.
    fn set_body(&self, path: &str, body: Vec<u8>, content_type: &str) {
        let mut st = self.state.lock().unwrap();
        let route = st.routes.get_mut(path).expect("known path");
        route.body = body;
        route.content_type = content_type.to_string();
    }

    fn hits(&self, path: &str) -> usize {
        let st = self.state.lock().unwrap();
        st.hits.iter().filter(|h| *h == path).count()
    }

    /// How many stalled requests of `path` the client gave up on.
    fn abandoned(&self, path: &str) -> usize {
        let st = self.state.lock().unwrap();
        st.abandoned.iter().filter(|h| *h == path).count()
    }

    fn reset_hits(&self) {
        self.state.lock().unwrap().hits.clear();
    }
}

fn serve(mut conn: TcpStream, state: &Mutex<FaultState>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_string();
    let (fault, body, content_type) = {
        let mut st = state.lock().unwrap();
        st.hits.push(path.clone());
        match st.routes.get_mut(&path) {
            None => (Some(Fault::Status(404)), Vec::new(), String::new()),
            Some(r) => {
                let fault = r.queued.pop_front().or_else(|| r.always.clone());
                (fault, r.body.clone(), r.content_type.clone())
            }
        }
    };
    let respond = |conn: &mut TcpStream, status: u16, ct: &str, body: &[u8], send: usize| {
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = conn.write_all(head.as_bytes());
        let _ = conn.write_all(&body[..send.min(body.len())]);
        let _ = conn.flush();
    };
    match fault {
        None => respond(&mut conn, 200, &content_type, &body, body.len()),
        Some(Fault::Status(s)) => respond(&mut conn, s, "text/plain", b"fault\n", 6),
        Some(Fault::Reset) => {
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Some(Fault::Stall(d)) => {
            // Say nothing, but watch for the client hanging up.
            let until = Instant::now() + d;
            let _ = conn.set_read_timeout(Some(Duration::from_millis(50)));
            while Instant::now() < until {
                match conn.read(&mut buf) {
                    Ok(0) => {
                        state.lock().unwrap().abandoned.push(path);
                        return;
                    }
                    Ok(_) => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => {
                        state.lock().unwrap().abandoned.push(path);
                        return;
                    }
                }
            }
        }
        Some(Fault::Truncate) => {
            respond(&mut conn, 200, &content_type, &body, body.len() / 2);
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Some(Fault::Bytes(b)) => respond(&mut conn, 200, &content_type, &b, b.len()),
    }
}

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

fn wheel(name: &str, version: &str) -> WheelBuilder {
    WheelBuilder::new(name, version)
        .requires_python(">=3.8")
        .module(&format!("{}/__init__.py", import_name(name)), "X = 1\n")
}

/// A project depending on `deps`, pointed at a fault server holding them.
fn faulty(deps: &[&str]) -> (TestContext, FaultServer) {
    let server = FaultServer::start();
    let mut ctx = TestContext::new();
    ctx.set_index_url(Some(server.index_url()));
    ctx.env("ENVY_HTTP_TIMEOUT", "2");
    ctx.init_project(deps);
    (ctx, server)
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

// ---------------------------------------------------------------------------
// retries
// ---------------------------------------------------------------------------

#[test]
fn server_errors_are_retried_then_succeed() {
    let (mut ctx, server) = faulty(&["flaky"]);
    let whl = server.add(&wheel("flaky", "1.0"));
    server.fail_next("/simple/flaky/", Fault::Status(503), 2);
    server.fail_next(&format!("/files/{whl}"), Fault::Status(500), 1);
    ctx.env("ENVY_HTTP_RETRIES", "3");
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("flaky", "1.0");
    assert_eq!(server.hits("/simple/flaky/"), 3);
}

#[test]
fn persistent_server_errors_give_up_after_bounded_retries() {
    let (mut ctx, server) = faulty(&["down"]);
    server.add(&wheel("down", "1.0"));
    server.always("/simple/down/", Some(Fault::Status(503)));
    ctx.env("ENVY_HTTP_RETRIES", "2");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: `[INDEX]/down/` answered HTTP 503; retrying in 200 ms
    warning: `[INDEX]/down/` answered HTTP 503; retrying in 400 ms
    error: could not fetch `[INDEX]/down/`: the server answered HTTP 503 (gave up after 3 attempts)

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    // Bounded: exactly 1 try + 2 retries, then envy gives up.
    assert_eq!(server.hits("/simple/down/"), 3, "1 try + 2 retries");
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn client_errors_are_not_retried() {
    let (ctx, server) = faulty(&["gone"]);
    server.add(&wheel("gone", "1.0"));
    server.always("/simple/gone/", Some(Fault::Status(400)));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `[INDEX]/gone/` answered HTTP 400

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    assert_eq!(server.hits("/simple/gone/"), 1);
}

#[test]
fn connection_resets_are_retried_then_reported() {
    let (mut ctx, server) = faulty(&["resetty"]);
    server.add(&wheel("resetty", "1.0"));
    server.fail_next("/simple/resetty/", Fault::Reset, 1);
    ctx.env("ENVY_HTTP_RETRIES", "1");
    ctx.envy_ok(&["lock"]);
    assert_eq!(server.hits("/simple/resetty/"), 2);

    ctx.reset_cache();
    server.reset_hits();
    server.always("/simple/resetty/", Some(Fault::Reset));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--upgrade"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: could not fetch `[INDEX]/resetty/`: request failed: connection closed before message completed; retrying in 200 ms
    error: could not fetch `[INDEX]/resetty/`: request failed: connection closed before message completed (gave up after 2 attempts)

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    assert_eq!(server.hits("/simple/resetty/"), 2);
}

#[test]
fn stalled_server_times_out() {
    let (mut ctx, server) = faulty(&["slow"]);
    server.add(&wheel("slow", "1.0"));
    // The server never answers (a stall far longer than the 2 s timeout),
    // so each attempt ends only when envy gives up on it.
    server.always("/simple/slow/", Some(Fault::Stall(Duration::from_secs(60))));
    ctx.env("ENVY_HTTP_RETRIES", "1");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: could not fetch `[INDEX]/slow/`: timed out: operation timed out; retrying in 200 ms
    error: could not fetch `[INDEX]/slow/`: timed out: operation timed out (gave up after 2 attempts)

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    // 1 try + 1 retry, each abandoned by envy while the server still stalled.
    assert_eq!(server.hits("/simple/slow/"), 2);
    wait_until("the server to see both stalled requests abandoned", || {
        server.abandoned("/simple/slow/") == 2
    });
}

#[test]
fn truncated_download_is_retried_and_never_cached() {
    let (mut ctx, server) = faulty(&["chunky"]);
    let whl = server.add(&wheel("chunky", "1.0").module("chunky/data.py", &"# x\n".repeat(20_000)));
    let file = format!("/files/{whl}");
    ctx.env("ENVY_HTTP_RETRIES", "1");
    ctx.envy_ok(&["lock"]);
    ctx.reset_cache();
    server.reset_hits();
    server.fail_next(&file, Fault::Truncate, 1);
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("chunky", "1.0");
    assert_eq!(server.hits(&file), 2);

    // Always truncated: fails naming the URL, nothing cached or installed.
    std::fs::remove_dir_all(ctx.path(".venv")).unwrap();
    ctx.reset_cache();
    server.always(&file, Some(Fault::Truncate));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: could not fetch `http://127.0.0.1:[PORT]/files/chunky-1.0-py3-none-any.whl`: reading the body failed: request or response body error; retrying in 200 ms
    error: could not fetch `http://127.0.0.1:[PORT]/files/chunky-1.0-py3-none-any.whl`: reading the body failed: request or response body error (gave up after 2 attempts)

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    let cached: Vec<_> = files_under(&ctx.cache_dir().join("files-v1"));
    assert!(cached.is_empty(), "{cached:?}");
    assert!(!ctx.path(".venv").join("lib").exists() || ctx.installed_version("chunky").is_none());
}

#[test]
fn wrong_hash_is_never_installed_or_cached() {
    let (mut ctx, server) = faulty(&["evil"]);
    let whl = server.add(&wheel("evil", "1.0"));
    ctx.envy_ok(&["lock"]);
    ctx.reset_cache();
    let mut bytes = std::fs::read(server.files.path().join(&whl)).unwrap();
    bytes.extend_from_slice(b"trailing junk");
    server.always(&format!("/files/{whl}"), Some(Fault::Bytes(bytes)));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: hash mismatch for `evil-1.0-py3-none-any.whl`
      expected sha256: d5bc3b2414ad4c0b01389db144ec9f00f3f48d00b699cefc8955267b4f58c30a
      actual sha256:   68d59eb843f8a09190e3f295014556e019ceabac2802248f57b17a0b75298054
      from: http://127.0.0.1:[PORT]/files/evil-1.0-py3-none-any.whl

    hint: the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering
    ");
    assert!(ctx.installed_version("evil").is_none());
    let cached = files_under(&ctx.cache_dir().join("files-v1"));
    assert!(
        cached.is_empty(),
        "a file that failed its hash was kept: {cached:?}"
    );
}

#[test]
fn metadata_not_matching_its_advertised_hash_is_refused() {
    let (ctx, server) = faulty(&["meta-evil"]);
    let whl = server.add(&wheel("meta-evil", "1.0"));
    // Claims no dependencies were declared... and adds one.
    let forged = format!(
        "{}Requires-Dist: evil-extra\n",
        wheel("meta-evil", "1.0").metadata()
    );
    server.set_body(
        &format!("/files/{whl}.metadata"),
        forged.into_bytes(),
        "application/octet-stream",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: hash mismatch for `meta_evil-1.0-py3-none-any.whl.metadata`
      expected sha256: dfd28ba91abe5302a153770adf8fd5d7111f7ffa9ed57d0b7b8619404118712e
      actual sha256:   0c06f1e1a06d1237fadfec96abb847db80e7de027a928465cafac0f2430e4bcc
      from: http://127.0.0.1:[PORT]/files/meta_evil-1.0-py3-none-any.whl.metadata

    hint: the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering
    ");
    assert!(!ctx.exists("envy.lock"));
    assert_eq!(server.hits("/simple/evil-extra/"), 0);
}

#[test]
fn invalid_json_page_is_an_error_not_a_panic() {
    let (ctx, server) = faulty(&["jsonbad"]);
    server.add(&wheel("jsonbad", "1.0"));
    server.set_body(
        "/simple/jsonbad/",
        b"{\"meta\": {\"api-version\": \"1.1\"}, \"files\": [ {\"filename\": 3".to_vec(),
        "application/vnd.pypi.simple.v1+json",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: cannot read `[INDEX]/jsonbad/`: invalid type: integer `3`, expected a string at line 1 column 58

    hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)
    ");
}

#[test]
fn garbage_html_page_is_handled() {
    let (ctx, server) = faulty(&["htmlbad"]);
    server.add(&wheel("htmlbad", "1.0"));
    let mut junk = b"<html><body><a href=\"/files/htmlbad-1.0-py3-none-any.whl#sha256=zz".to_vec();
    junk.extend(std::iter::repeat_n(b'<', 10_000));
    junk.extend_from_slice(&[0xff, 0xfe, 0x00, b'>']);
    server.set_body("/simple/htmlbad/", junk, "text/html");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: skipping `htmlbad-1.0-py3-none-any.whl`: its index page gives an invalid sha256
    error: no solution found when resolving dependencies:
      Because there is no usable version of `htmlbad` and your project depends on `htmlbad`, we can conclude that your project's requirements are unsatisfiable.
      note: `htmlbad` has no files on the index

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
}

// ---------------------------------------------------------------------------
// offline
// ---------------------------------------------------------------------------

#[test]
fn offline_works_from_a_warm_cache_and_names_what_is_missing() {
    let (ctx, server) = faulty(&["warm"]);
    let whl = server.add(&wheel("warm", "1.0"));
    ctx.envy_ok(&["sync"]);
    std::fs::remove_dir_all(ctx.path(".venv")).unwrap();
    // Everything comes from the cache: the server may be dead.
    server.always("/simple/warm/", Some(Fault::Status(500)));
    server.always(&format!("/files/{whl}"), Some(Fault::Status(500)));
    server.reset_hits();
    ctx.envy_ok(&["--offline", "lock"]);
    ctx.envy_ok(&["--offline", "sync"]);
    ctx.assert_installed("warm", "1.0");
    assert_eq!(server.state.lock().unwrap().hits.len(), 0);

    // A cold cache: the message names the missing file.
    let mut cold = ctx;
    cold.reset_cache();
    std::fs::remove_dir_all(cold.path(".venv")).unwrap();
    envy_snapshot!(cold.filters(), cold.envy().args(["--offline", "sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `warm-1.0-py3-none-any.whl` (http://127.0.0.1:[PORT]/files/warm-1.0-py3-none-any.whl) is not in the cache and the network is off (`--offline`)

    hint: run once with network access to fill the cache, or drop `--offline`
    ");
}

// ---------------------------------------------------------------------------
// interrupted and concurrent syncs (harness index, no faults)
// ---------------------------------------------------------------------------

/// A server with a big wheel (many files, so installing takes a while) in
/// two versions plus a few small ones.
fn big_server() -> IndexServer {
    let server = IndexServer::empty();
    for v in ["1.0", "2.0"] {
        let mut w = WheelBuilder::new("bigpkg", v).requires_python(">=3.8");
        for i in 0..1500 {
            w = w.module(&format!("bigpkg/m{i}.py"), &format!("V = {i}\n# {v}\n"));
        }
        w = w.module("bigpkg/__init__.py", &format!("VERSION = '{v}'\n"));
        server.add_wheel(&w);
    }
    for (n, v) in [("small-a", "1.0"), ("small-b", "1.0"), ("small-c", "1.0")] {
        server.add_wheel(
            &WheelBuilder::new(n, v)
                .requires_python(">=3.8")
                .module(&format!("{}/__init__.py", import_name(n)), "X = 1\n"),
        );
    }
    server
}

fn venv_snapshot(ctx: &TestContext) -> DirSnapshot {
    ctx.snapshot(".venv/lib")
}

#[test]
fn killed_sync_is_repaired_by_the_next_sync() {
    let mut ctx = TestContext::new();
    ctx.attach(big_server());
    let set_a = ["bigpkg==1.0", "small-a"];
    let set_b = ["bigpkg==2.0", "small-b", "small-c"];
    // References: clean syncs of A and of B.
    ctx.init_project(&set_a);
    ctx.envy_ok(&["lock"]);
    let lock_a = ctx.read("envy.lock");
    ctx.envy_ok(&["sync", "--frozen"]);
    let snap_a = venv_snapshot(&ctx);
    ctx.init_project(&set_b);
    ctx.envy_ok(&["lock"]);
    let lock_b = ctx.read("envy.lock");
    // Time an uninterrupted A -> B sync (warm cache), the step we interrupt.
    let t0 = Instant::now();
    ctx.envy_ok(&["sync", "--frozen"]);
    let clean = t0.elapsed();
    let reference = venv_snapshot(&ctx);
    eprintln!("A -> B sync took {clean:?}");

    let mut mid_install = 0;
    for frac in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
        // Start from A, then sync to B and kill it part way.
        ctx.write("envy.lock", &lock_a);
        ctx.init_project(&set_a);
        ctx.envy_ok(&["sync", "--frozen"]);
        ctx.init_project(&set_b);
        ctx.write("envy.lock", &lock_b);
        let mut child = ctx
            .envy()
            .args(["sync", "--frozen"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(clean.mul_f64(frac));
        let running = child.try_wait().unwrap().is_none();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let broken = venv_snapshot(&ctx);
        let partial = broken != reference && broken != snap_a;
        mid_install += usize::from(partial);
        eprintln!("kill at {frac}: running = {running}, venv half-changed = {partial}");
        ctx.envy_ok(&["sync", "--frozen"]);
        venv_snapshot(&ctx).assert_same(&reference, &format!("venv after kill at {frac}"));
        ctx.assert_installed("bigpkg", "2.0");
        ctx.assert_not_installed("small-a");
    }
    eprintln!("{mid_install} of 9 kills left a half-changed venv; all repaired");
}

#[test]
fn two_syncs_at_once_both_succeed() {
    let mut ctx = TestContext::new();
    ctx.attach(big_server());
    ctx.init_project(&["bigpkg==2.0", "small-a", "small-b"]);
    ctx.envy_ok(&["lock"]);
    // Reference from a separate cache.
    ctx.envy_ok(&["sync", "--frozen"]);
    let reference = venv_snapshot(&ctx);
    for round in 0..3 {
        std::fs::remove_dir_all(ctx.path(".venv")).unwrap();
        ctx.reset_cache();
        let spawn = || {
            ctx.envy()
                .args(["sync", "--frozen"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let waited = [&a, &b]
            .iter()
            .filter(|o| String::from_utf8_lossy(&o.stderr).contains("Waiting for another envy"))
            .count();
        eprintln!("round {round}: {waited} of 2 waited for the venv lock");
        for o in [&a, &b] {
            assert!(
                o.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        venv_snapshot(&ctx).assert_same(&reference, &format!("venv after round {round}"));
    }
}
