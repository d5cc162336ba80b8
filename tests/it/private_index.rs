//! Private indexes: `[[tool.envy.index]]`, `[tool.envy.sources]` pinning
//! (dependency confusion), credentials (env vars, netrc, URL userinfo) and a
//! real pypiserver with htpasswd auth.

use crate::common::*;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The standard project plus a `[tool.envy]` section.
fn project_with_tool(ctx: &TestContext, deps: &[&str], tool: &str) {
    ctx.init_project(deps);
    let text = format!("{}\n{tool}", TestContext::pyproject(deps));
    ctx.write_pyproject(&text);
}

/// A public server (the harness scenario) attached as `ENVY_INDEX_URL`, and
/// a second harness server playing the private index.
fn two_indexes() -> (TestContext, IndexServer) {
    let ctx = TestContext::with_scenario();
    let private = IndexServer::empty();
    private.add_wheel(&WheelBuilder::new("internal-pkg", "1.0").requires_python(">=3.8"));
    private.add_wheel(&WheelBuilder::new("shared", "1.0").requires_python(">=3.8"));
    let public = ctx.server();
    public.add_wheel(&WheelBuilder::new("internal-pkg", "9.0").requires_python(">=3.8"));
    public.add_wheel(&WheelBuilder::new("shared", "2.0").requires_python(">=3.8"));
    (ctx, private)
}

fn page_requests(server: &IndexServer, name: &str) -> usize {
    let page = format!("/simple/{name}/");
    server.requests().iter().filter(|r| **r == page).count()
}

#[test]
fn first_index_that_lists_a_name_wins() {
    let (ctx, private) = two_indexes();
    project_with_tool(
        &ctx,
        &["shared", "app-dep"],
        &format!(
            "[[tool.envy.index]]\nname = \"private\"\nurl = \"{}\"\n",
            private.index_url()
        ),
    );
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    // `shared` is on both: the named index comes first, so 1.0 although the
    // default index has 2.0.
    assert_eq!(lock.version("shared").as_deref(), Some("1.0"));
    let raw = ctx.read("envy.lock");
    assert!(raw.contains(&private.index_url()), "{raw}");
    // `app-dep` is only on the default index.
    assert_eq!(lock.version("app-dep").as_deref(), Some("2.0"));
    assert_eq!(page_requests(ctx.server(), "shared"), 0);
}

#[test]
fn pinned_package_never_comes_from_another_index() {
    let (ctx, private) = two_indexes();
    project_with_tool(
        &ctx,
        &["internal-pkg", "app-dep"],
        &format!(
            "[[tool.envy.index]]\nname = \"corp\"\nurl = \"{}\"\nexplicit = true\n\n\
             [tool.envy.sources]\ninternal-pkg = {{ index = \"corp\" }}\n",
            private.index_url()
        ),
    );
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("internal-pkg", "1.0");
    // The public index has 9.0 but was never asked for it.
    assert_eq!(page_requests(ctx.server(), "internal-pkg"), 0);
    assert!(ctx
        .server()
        .file_downloads()
        .iter()
        .all(|f| !f.contains("internal_pkg")));
    // The explicit index is not asked for unpinned names.
    assert_eq!(page_requests(&private, "app-dep"), 0);
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn pinned_package_missing_on_its_index_is_an_error_not_a_fallback() {
    let (ctx, private) = two_indexes();
    project_with_tool(
        &ctx,
        &["app-dep"],
        &format!(
            "[[tool.envy.index]]\nname = \"corp\"\nurl = \"{}\"\nexplicit = true\n\n\
             [tool.envy.sources]\napp-dep = {{ index = \"corp\" }}\n",
            private.index_url()
        ),
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `app-dep` was not found in the package index (`corp` http://127.0.0.1:[PORT]/simple)

    hint: check the spelling of the name, or the index URL (`--index-url`)
    ");
    assert_eq!(page_requests(ctx.server(), "app-dep"), 0);
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn default_index_replaces_pypi() {
    let (mut ctx, private) = two_indexes();
    ctx.set_index_url(None);
    project_with_tool(
        &ctx,
        &["shared"],
        &format!(
            "[[tool.envy.index]]\nname = \"corp\"\nurl = \"{}\"\ndefault = true\n",
            private.index_url()
        ),
    );
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("shared").as_deref(), Some("1.0"));
}

#[test]
fn source_naming_an_unknown_index_is_rejected_with_position() {
    let ctx = TestContext::with_scenario();
    project_with_tool(
        &ctx,
        &["app-dep"],
        "[tool.envy.sources]\napp-dep = { index = \"nope\" }\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:8:6: invalid tool.envy.sources: `app-dep` names the index `nope`, but no `[[tool.envy.index]]` has that name

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn userinfo_in_index_url_never_reaches_lock_or_output() {
    let (ctx, private) = two_indexes();
    let with_creds = private
        .index_url()
        .replace("http://", "http://alice:s3cr3t-pw@");
    project_with_tool(
        &ctx,
        &["internal-pkg"],
        &format!(
            "[[tool.envy.index]]\nname = \"corp\"\nurl = \"{with_creds}\"\n\n\
             [tool.envy.sources]\ninternal-pkg = {{ index = \"corp\" }}\n"
        ),
    );
    let out = ctx.envy_ok(&["-vv", "lock"]);
    assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);
    let out = ctx.envy_ok(&["-vv", "sync"]);
    assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);
    let out = ctx.envy_ok(&["export", "--frozen", "--format", "requirements.txt"]);
    assert!(!out.stdout.contains("s3cr3t"), "{}", out.stdout);
    // Even with every library's trace logs on.
    let out = run(ctx
        .envy()
        .env("ENVY_LOG", "trace")
        .args(["lock", "--upgrade"]));
    out.success();
    assert!(
        !out.stderr.contains("s3cr3t"),
        "trace logs leak the password"
    );
    let lock = ctx.read("envy.lock");
    assert!(
        !lock.contains("s3cr3t") && !lock.contains("alice"),
        "{lock}"
    );
    assert!(lock.contains(&private.index_url()), "{lock}");
    ctx.assert_installed("internal-pkg", "1.0");
    for entry in walk(ctx.cache_dir()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("s3cr3t"),
            "{} holds the password",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// A real pypiserver with htpasswd auth.
// ---------------------------------------------------------------------------

/// A pypiserver process, killed on drop.
struct PypiServer {
    child: Child,
    port: u16,
}

impl Drop for PypiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A venv with pypiserver + passlib, shared by the tests of this binary
/// (built once per machine under the target dir). `None` (with a printed
/// reason) when pip cannot install them.
fn pypiserver_venv() -> Option<PathBuf> {
    static VENV: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    VENV.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pypiserver-venv");
        let py = dir.join("bin/python");
        let ok = |py: &Path| {
            Command::new(py)
                .args(["-c", "import pypiserver, passlib"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if ok(&py) {
            return Some(dir);
        }
        let out = Command::new(system_python())
            .args(["-m", "venv"])
            .arg(&dir)
            .output();
        if !out.as_ref().is_ok_and(|o| o.status.success()) {
            eprintln!("SKIP: cannot create a venv for pypiserver: {out:?}");
            return None;
        }
        let out = Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "pypiserver",
                "passlib",
            ])
            .env_remove("PIP_FIND_LINKS")
            .output();
        match out {
            Ok(o) if o.status.success() && ok(&py) => Some(dir),
            other => {
                eprintln!("SKIP: `pip install pypiserver passlib` failed: {other:?}");
                None
            }
        }
    })
    .clone()
}

/// Start pypiserver on a free port over `packages`, requiring the
/// credentials in `htpasswd` for every action; waits until it answers.
fn start_pypiserver(venv: &Path, packages: &Path, htpasswd: &Path) -> Option<PypiServer> {
    let port = free_port();
    let child = Command::new(venv.join("bin/pypi-server"))
        .args(["run", "-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-a", "update,download,list", "-P"])
        .arg(htpasswd)
        .arg(packages)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIP: cannot start pypi-server: {e}");
            return None;
        }
    };
    let mut server = PypiServer { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            eprintln!("SKIP: pypi-server exited: {status}");
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("SKIP: pypi-server did not come up in 30 s");
    let _ = server.child.kill();
    None
}

fn write_htpasswd(venv: &Path, path: &Path, user: &str, password: &str) {
    let out = Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import sys; from passlib.apache import HtpasswdFile; \
             h = HtpasswdFile(sys.argv[1], new=True, default_scheme='apr_md5_crypt'); \
             h.set_password(sys.argv[2], sys.argv[3]); h.save()",
        ])
        .arg(path)
        .args([user, password])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn pypiserver_with_basic_auth() {
    let Some(venv) = pypiserver_venv() else {
        return;
    };
    let mut ctx = TestContext::with_scenario();
    let packages = ctx.root.join("private-packages");
    std::fs::create_dir_all(&packages).unwrap();
    WheelBuilder::new("internal-pkg", "1.0")
        .requires_python(">=3.8")
        .requires_dist("app-dep>=1")
        .module("internal_pkg/__init__.py", "SECRET_SAUCE = 1\n")
        .build(&packages);
    // The public index has a higher version of the same name.
    ctx.server()
        .add_wheel(&WheelBuilder::new("internal-pkg", "99.0").requires_python(">=3.8"));
    let htpasswd = ctx.root.join("htpasswd.txt");
    write_htpasswd(&venv, &htpasswd, "alice", "correct-horse");
    let Some(server) = start_pypiserver(&venv, &packages, &htpasswd) else {
        return;
    };
    let url = format!("http://127.0.0.1:{}/simple/", server.port);
    project_with_tool(
        &ctx,
        &["internal-pkg"],
        &format!(
            "[[tool.envy.index]]\nname = \"corp-pypi\"\nurl = \"{url}\"\nexplicit = true\n\n\
             [tool.envy.sources]\ninternal-pkg = {{ index = \"corp-pypi\" }}\n"
        ),
    );

    // No credentials: a clear message, nothing written.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the index `corp-pypi` requires credentials for `http://127.0.0.1:[PORT]/simple/internal-pkg/` (HTTP 401)

    hint: set `ENVY_INDEX_CORP_PYPI_USERNAME` and `ENVY_INDEX_CORP_PYPI_PASSWORD`, or add `machine 127.0.0.1 login USER password PASSWORD` to [HOME]/.netrc (or the file named by `NETRC`)
    ");
    assert!(!ctx.exists("envy.lock"));

    // Right credentials from the environment: lock, sync, export.
    ctx.env("ENVY_INDEX_CORP_PYPI_USERNAME", "alice");
    ctx.env("ENVY_INDEX_CORP_PYPI_PASSWORD", "correct-horse");
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("internal-pkg", "1.0");
    ctx.assert_installed("app-dep", "2.0");
    let export = ctx.envy_ok(&["export", "--frozen", "--format", "requirements.txt"]);
    for text in [ctx.read("envy.lock"), export.stdout.clone()] {
        assert!(
            !text.contains("correct-horse") && !text.contains("alice"),
            "{text}"
        );
    }
    assert!(ctx
        .read("envy.lock")
        .contains(&format!("127.0.0.1:{}", server.port)));
    // Never asked the public index for the pinned name.
    assert_eq!(page_requests(ctx.server(), "internal-pkg"), 0);
    assert!(ctx
        .server()
        .file_downloads()
        .iter()
        .all(|f| !f.contains("internal_pkg")));

    // Wrong password: the 401 message names the index; files unchanged.
    let lock_before = ctx.read("envy.lock");
    let venv_before = ctx.snapshot(".venv");
    ctx.env("ENVY_INDEX_CORP_PYPI_PASSWORD", "wrong");
    ctx.reset_cache();
    // pypiserver answers a wrong password with 403 (a missing one with 401).
    let out = envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--upgrade"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the index `corp-pypi` refused the credentials from `ENVY_INDEX_CORP_PYPI_USERNAME` and `ENVY_INDEX_CORP_PYPI_PASSWORD` for `http://127.0.0.1:[PORT]/simple/internal-pkg/` (HTTP 403)

    hint: check the values of `ENVY_INDEX_CORP_PYPI_USERNAME` and `ENVY_INDEX_CORP_PYPI_PASSWORD`
    ");
    // Whatever the wording, a password never shows (nor is filtered away).
    assert!(!out.stderr.contains("wrong") && !out.stderr.contains("correct-horse"));
    let pyproject_before = ctx.read("pyproject.toml");
    let out = envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "app-dep==1.0"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the index `corp-pypi` refused the credentials from `ENVY_INDEX_CORP_PYPI_USERNAME` and `ENVY_INDEX_CORP_PYPI_PASSWORD` for `http://127.0.0.1:[PORT]/simple/internal-pkg/` (HTTP 403)

    hint: check the values of `ENVY_INDEX_CORP_PYPI_USERNAME` and `ENVY_INDEX_CORP_PYPI_PASSWORD`
    ");
    assert!(!out.stderr.contains("correct-horse"));
    assert_eq!(ctx.read("pyproject.toml"), pyproject_before);
    assert_eq!(ctx.read("envy.lock"), lock_before);
    ctx.snapshot(".venv").assert_same(&venv_before, ".venv");
    drop(server);
}

#[test]
fn netrc_credentials_are_used() {
    let Some(venv) = pypiserver_venv() else {
        return;
    };
    let mut ctx = TestContext::with_scenario();
    let packages = ctx.root.join("private-packages");
    std::fs::create_dir_all(&packages).unwrap();
    WheelBuilder::new("netrc-pkg", "1.0")
        .requires_python(">=3.8")
        .build(&packages);
    let htpasswd = ctx.root.join("htpasswd.txt");
    write_htpasswd(&venv, &htpasswd, "bob", "hunter2");
    let Some(server) = start_pypiserver(&venv, &packages, &htpasswd) else {
        return;
    };
    let netrc = ctx.root.join("netrc");
    std::fs::write(
        &netrc,
        "machine 127.0.0.1\n  login bob\n  password hunter2\n",
    )
    .unwrap();
    ctx.env("NETRC", netrc.to_str().unwrap());
    project_with_tool(
        &ctx,
        &["netrc-pkg"],
        &format!(
            "[[tool.envy.index]]\nname = \"corp\"\nurl = \"http://127.0.0.1:{}/simple/\"\n",
            server.port
        ),
    );
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("netrc-pkg", "1.0");
    assert!(!ctx.read("envy.lock").contains("hunter2"));
}

#[test]
fn adding_a_pin_makes_an_older_lock_stale() {
    let (ctx, private) = two_indexes();
    let index = format!(
        "[[tool.envy.index]]\nname = \"corp\"\nurl = \"{}\"\nexplicit = true\n",
        private.index_url()
    );
    // Locked before the pin: the public 9.0 got in.
    project_with_tool(&ctx, &["internal-pkg"], &index);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("internal-pkg").as_deref(), Some("9.0"));
    // Pinning it must not leave that lock in use.
    project_with_tool(
        &ctx,
        &["internal-pkg"],
        &format!("{index}\n[tool.envy.sources]\ninternal-pkg = {{ index = \"corp\" }}\n"),
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--locked"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `envy.lock` does not match `pyproject.toml` and `--locked` was given

    hint: run `envy lock` and commit the updated `envy.lock`
    ");
    ctx.envy_ok(&["sync"]);
    assert_eq!(ctx.lock().version("internal-pkg").as_deref(), Some("1.0"));
    ctx.assert_installed("internal-pkg", "1.0");
    ctx.envy_ok(&["lock", "--locked"]);
}
