//! Shared harness for envy's integration tests.
//!
//! - [`TestContext`]: a temp dir with a project dir, a private cache and an
//!   `envy()` command builder (optionally wired to an [`IndexServer`]).
//! - [`WheelBuilder`] / [`SdistBuilder`]: build real distributions in Rust.
//! - [`IndexServer`]: a PEP 503/691/658 simple index on 127.0.0.1 serving a
//!   directory of built files, with yanking, HTML-only mode, tampering and
//!   request counting.
//! - [`scenario_server`]: the standard package set most tests use.
//!
//! Each test binary compiles this module separately and uses a subset of it.
#![allow(dead_code)]
// `run` echoes commands with `ENVY_TEST_ECHO=1` (the crate forbids prints outside `cli`).
#![allow(clippy::print_stderr)]

pub mod http;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------
// small utilities
// ---------------------------------------------------------------------------

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Lowercase hex sha256 of a file.
pub fn sha256_file(path: &Path) -> String {
    sha256_hex(&fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

/// URL-safe base64 without padding (the RECORD hash encoding).
pub fn urlsafe_b64_nopad(bytes: &[u8]) -> String {
    const ALPHA: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHA[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// PEP 503 name normalization: lowercase, runs of `-_.` become `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            last_sep = false;
        }
    }
    out
}

/// The name as it appears in wheel/sdist file names and dist-info dirs.
pub fn escaped_name(name: &str) -> String {
    normalize_name(name).replace('-', "_")
}

/// The Python import name used by default for a distribution.
pub fn import_name(name: &str) -> String {
    escaped_name(name)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// A `python3` from PATH, the interpreter the tests assume by default.
pub fn system_python() -> PathBuf {
    PathBuf::from("python3")
}

/// A pyenv interpreter of version `X.Y` if it is installed here.
pub fn pyenv_python(minor: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let versions = Path::new(&home).join(".pyenv/versions");
    let mut found = None;
    for entry in fs::read_dir(&versions).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name == minor || name.starts_with(&format!("{minor}.")) {
            let py = entry.path().join("bin/python3");
            if py.exists() {
                found = Some(py);
            }
        }
    }
    found
}

// ---------------------------------------------------------------------------
// command output assertions
// ---------------------------------------------------------------------------

/// Captured result of a finished command, with assertion helpers that print
/// the command, stdout and stderr when they fail.
#[derive(Debug)]
pub struct RunOutput {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl RunOutput {
    pub fn from_output(command: String, out: Output) -> Self {
        RunOutput {
            command,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn is_success(&self) -> bool {
        self.code == Some(0)
    }

    fn report(&self) -> String {
        format!(
            "command: {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n---",
            self.command, self.code, self.stdout, self.stderr
        )
    }

    /// Panics unless the command exited 0.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert!(self.is_success(), "expected success\n{}", self.report());
        self
    }

    /// Panics unless the command exited non-zero.
    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert!(
            !self.is_success() && self.code.is_some(),
            "expected a non-zero exit code\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout does not contain {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// Case-insensitive `stderr_contains`.
    #[track_caller]
    pub fn stderr_contains_ci(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "stderr does not contain {needle:?} (case-insensitive)\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr unexpectedly contains {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// The envy error contract: non-zero exit, a line starting with
    /// `error: `, a `hint: ` line after it, and every needle present in
    /// stderr (case-insensitive). Progress lines (e.g. `Resolved 3 packages`)
    /// may come before the error.
    #[track_caller]
    pub fn error(&self, needles: &[&str]) -> &Self {
        self.failure();
        let lines: Vec<&str> = self.stderr.lines().collect();
        let err = lines.iter().position(|l| l.starts_with("error: "));
        assert!(
            err.is_some(),
            "stderr should have a line starting with `error: `\n{}",
            self.report()
        );
        assert!(
            lines[err.unwrap()..]
                .iter()
                .any(|l| l.trim_start().starts_with("hint: ")),
            "stderr should have a `hint: ` line after the error\n{}",
            self.report()
        );
        for needle in needles {
            self.stderr_contains_ci(needle);
        }
        self
    }
}

/// Runs `cmd` to completion and captures its output.
///
/// With `ENVY_TEST_ECHO=1` in the test's environment, every command is
/// echoed with its wall time and stderr (and envy runs with debug logging),
/// for chasing a slow or flaky step.
pub fn run(cmd: &mut Command) -> RunOutput {
    let echo = std::env::var_os("ENVY_TEST_ECHO").is_some();
    if echo {
        cmd.env("ENVY_LOG", "envy=debug");
    }
    let desc = describe(cmd);
    let started = std::time::Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("failed to spawn `{desc}`: {e}"));
    if echo {
        eprintln!(
            "$ {desc}  ({:.2}s)\n{}",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    RunOutput::from_output(desc, out)
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    if let Some(dir) = cmd.get_current_dir() {
        s.push_str(&format!("  (in {})", dir.display()));
    }
    s
}

// ---------------------------------------------------------------------------
// directory snapshots ("venv unchanged")
// ---------------------------------------------------------------------------

/// Content of a directory tree: relative path → file bytes, `->target` for
/// symlinks and `<dir>` for directories. `__pycache__` is ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirSnapshot(pub BTreeMap<String, Vec<u8>>);

impl DirSnapshot {
    pub fn take(root: &Path) -> Self {
        let mut map = BTreeMap::new();
        if root.exists() {
            for entry in walkdir::WalkDir::new(root)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.file_name() != "__pycache__")
            {
                let entry = entry.unwrap();
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let ft = entry.file_type();
                let value = if ft.is_symlink() {
                    format!("->{}", fs::read_link(entry.path()).unwrap().display()).into_bytes()
                } else if ft.is_dir() {
                    b"<dir>".to_vec()
                } else {
                    fs::read(entry.path()).unwrap()
                };
                map.insert(rel, value);
            }
        }
        DirSnapshot(map)
    }

    /// Panics with a list of differing paths unless both snapshots are equal.
    #[track_caller]
    pub fn assert_same(&self, other: &DirSnapshot, what: &str) {
        if self == other {
            return;
        }
        let mut diffs = Vec::new();
        for (k, v) in &self.0 {
            match other.0.get(k) {
                None => diffs.push(format!("removed: {k}")),
                Some(v2) if v2 != v => diffs.push(format!("changed: {k}")),
                _ => {}
            }
        }
        for k in other.0.keys() {
            if !self.0.contains_key(k) {
                diffs.push(format!("added: {k}"));
            }
        }
        panic!("{what} changed:\n  {}", diffs.join("\n  "));
    }
}

// ---------------------------------------------------------------------------
// envy.lock reader
// ---------------------------------------------------------------------------

/// One `dependencies = [{ name, marker?, extras? }]` entry of a lock package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedDep {
    pub name: String,
    pub marker: Option<String>,
    pub extras: Vec<String>,
}

/// One `{ url, sha256, size }` file entry of a lock package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedFile {
    pub url: String,
    pub sha256: String,
    pub size: Option<u64>,
}

impl LockedFile {
    /// The last path segment of the URL (without fragment).
    pub fn filename(&self) -> String {
        let url = self.url.split('#').next().unwrap();
        url.rsplit('/').next().unwrap().to_string()
    }
}

/// A parsed `envy.lock`.
#[derive(Debug, Clone)]
pub struct Lock {
    pub raw: String,
    pub doc: toml::Table,
}

impl Lock {
    pub fn parse(raw: &str) -> Lock {
        let doc: toml::Table = toml::from_str(raw)
            .unwrap_or_else(|e| panic!("envy.lock is not valid TOML: {e}\n{raw}"));
        Lock {
            raw: raw.to_string(),
            doc,
        }
    }

    pub fn packages(&self) -> Vec<&toml::Table> {
        self.doc
            .get("package")
            .and_then(|p| p.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_table()).collect())
            .unwrap_or_default()
    }

    /// All entries with this (normalized) name.
    pub fn packages_named(&self, name: &str) -> Vec<&toml::Table> {
        let norm = normalize_name(name);
        self.packages()
            .into_iter()
            .filter(|p| {
                p.get("name")
                    .and_then(|n| n.as_str())
                    .is_some_and(|n| normalize_name(n) == norm)
            })
            .collect()
    }

    pub fn package(&self, name: &str) -> Option<&toml::Table> {
        self.packages_named(name).into_iter().next()
    }

    #[track_caller]
    pub fn expect_package(&self, name: &str) -> &toml::Table {
        self.package(name)
            .unwrap_or_else(|| panic!("{name} is not in envy.lock:\n{}", self.raw))
    }

    pub fn has(&self, name: &str) -> bool {
        self.package(name).is_some()
    }

    pub fn version(&self, name: &str) -> Option<String> {
        self.package(name)?
            .get("version")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }

    /// Normalized names of all locked packages.
    pub fn names(&self) -> BTreeSet<String> {
        self.packages()
            .iter()
            .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
            .map(normalize_name)
            .collect()
    }

    /// Normalized names of locked packages that come from an index or files
    /// (the project itself, with an editable/directory source, is left out).
    pub fn registry_names(&self) -> BTreeSet<String> {
        self.packages()
            .iter()
            .filter(|p| p.contains_key("wheels") || p.contains_key("sdist"))
            .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
            .map(normalize_name)
            .collect()
    }

    pub fn wheels(&self, name: &str) -> Vec<LockedFile> {
        self.package(name)
            .and_then(|p| p.get("wheels"))
            .and_then(|w| w.as_array())
            .map(|a| a.iter().filter_map(locked_file).collect())
            .unwrap_or_default()
    }

    pub fn sdist(&self, name: &str) -> Option<LockedFile> {
        locked_file(self.package(name)?.get("sdist")?)
    }

    pub fn dependencies(&self, name: &str) -> Vec<LockedDep> {
        let Some(deps) = self
            .package(name)
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
        else {
            return Vec::new();
        };
        deps.iter()
            .filter_map(|d| d.as_table())
            .map(|d| LockedDep {
                name: d
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_string(),
                marker: d.get("marker").and_then(|m| m.as_str()).map(str::to_string),
                extras: d
                    .get("extras")
                    .and_then(|e| e.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }
}

fn locked_file(v: &toml::Value) -> Option<LockedFile> {
    let t = v.as_table()?;
    Some(LockedFile {
        url: t
            .get("url")
            .or_else(|| t.get("path"))
            .and_then(|u| u.as_str())
            .unwrap_or_default()
            .to_string(),
        sha256: t
            .get("sha256")
            .or_else(|| t.get("hash"))
            .and_then(|h| h.as_str())
            .unwrap_or_default()
            .trim_start_matches("sha256:")
            .to_string(),
        size: t.get("size").and_then(|s| s.as_integer()).map(|s| s as u64),
    })
}

// ---------------------------------------------------------------------------
// TestContext
// ---------------------------------------------------------------------------

/// Name of the project written by [`TestContext::init_project`].
pub const PROJECT: &str = "proj";

/// A temp dir holding a project dir (`root/project`, the cwd of `envy()`),
/// the cache (`root/cache`), and optionally an attached index server.
pub struct TestContext {
    pub temp: tempfile::TempDir,
    /// The temp dir itself.
    pub root: PathBuf,
    /// Working directory of `envy()`; see [`TestContext::cd`].
    pub project: PathBuf,
    cache: PathBuf,
    cache_generation: u32,
    index_url: Option<String>,
    /// The attached index server, if any (its URL goes in `ENVY_INDEX_URL`).
    pub server: Option<IndexServer>,
    extra_env: Vec<(String, String)>,
}

impl Default for TestContext {
    fn default() -> Self {
        Self::new()
    }
}

impl TestContext {
    /// An empty project directory, no index attached.
    pub fn new() -> Self {
        let temp = tempfile::Builder::new()
            .prefix("envy-test-")
            .tempdir()
            .expect("tempdir");
        let root = temp.path().canonicalize().unwrap();
        let project = root.join("project");
        fs::create_dir_all(&project).unwrap();
        let cache = root.join("cache");
        TestContext {
            temp,
            root,
            project,
            cache,
            cache_generation: 0,
            index_url: None,
            server: None,
            extra_env: Vec::new(),
        }
    }

    /// An empty project directory with the [`scenario_server`] attached.
    pub fn with_scenario() -> Self {
        let mut ctx = Self::new();
        ctx.attach(scenario_server());
        ctx
    }

    /// Attaches `server`: its URL becomes `ENVY_INDEX_URL` for `envy()`.
    pub fn attach(&mut self, server: IndexServer) {
        self.index_url = Some(server.index_url());
        self.server = Some(server);
    }

    /// Points `ENVY_INDEX_URL` at an arbitrary URL (or unsets it with `None`).
    pub fn set_index_url(&mut self, url: Option<String>) {
        self.index_url = url;
    }

    /// Stops the attached server; `ENVY_INDEX_URL` keeps its now-dead URL.
    pub fn stop_server(&mut self) {
        self.server = None;
    }

    #[track_caller]
    pub fn server(&self) -> &IndexServer {
        self.server.as_ref().expect("no index server attached")
    }

    /// The `ENVY_INDEX_URL` value, if any.
    pub fn index_url(&self) -> Option<&str> {
        self.index_url.as_deref()
    }

    /// The cache dir passed as `ENVY_CACHE_DIR`.
    pub fn cache_dir(&self) -> &Path {
        &self.cache
    }

    /// Switches to a fresh, empty cache dir (so a following command must
    /// fetch again).
    pub fn reset_cache(&mut self) {
        self.cache_generation += 1;
        self.cache = self.root.join(format!("cache-{}", self.cache_generation));
    }

    /// Adds an environment variable to every `envy()` command.
    pub fn env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.to_string(), value.to_string()));
    }

    /// Changes the working directory of `envy()` to `root/<rel>`.
    pub fn cd(&mut self, rel: &str) {
        self.project = self.root.join(rel);
    }

    /// `envy` with cwd = project dir, `ENVY_CACHE_DIR`, `NO_COLOR=1`, no
    /// inherited `VIRTUAL_ENV`/`ENVY_*`, and `ENVY_INDEX_URL` when attached.
    pub fn envy(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envy"));
        cmd.current_dir(&self.project);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("ENVY_") || k == "VIRTUAL_ENV" || k == "CONDA_PREFIX" {
                cmd.env_remove(&key);
            }
        }
        cmd.env("ENVY_CACHE_DIR", &self.cache)
            .env("NO_COLOR", "1")
            .env("CLICOLOR", "0")
            .env("RUST_BACKTRACE", "0");
        if let Some(url) = &self.index_url {
            cmd.env("ENVY_INDEX_URL", url);
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `envy ARGS...` and captures the output (no assertion).
    pub fn run_envy<S: AsRef<OsStr>>(&self, args: &[S]) -> RunOutput {
        run(self.envy().args(args))
    }

    /// Runs `envy ARGS...` and asserts it succeeded.
    #[track_caller]
    pub fn envy_ok<S: AsRef<OsStr>>(&self, args: &[S]) -> RunOutput {
        let out = self.run_envy(args);
        out.success();
        out
    }

    /// Runs `envy ARGS...` and asserts it failed.
    #[track_caller]
    pub fn envy_fails<S: AsRef<OsStr>>(&self, args: &[S]) -> RunOutput {
        let out = self.run_envy(args);
        out.failure();
        out
    }

    // ---- files ----

    /// `project/<rel>`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.project.join(rel)
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&p, content).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    }

    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        let p = self.path(rel);
        fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    #[track_caller]
    pub fn read_bytes(&self, rel: &str) -> Vec<u8> {
        let p = self.path(rel);
        fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
    }

    /// File bytes, or `None` if it does not exist.
    pub fn read_opt(&self, rel: &str) -> Option<Vec<u8>> {
        fs::read(self.path(rel)).ok()
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// Snapshot of `project/<rel>` (e.g. `.venv`).
    pub fn snapshot(&self, rel: &str) -> DirSnapshot {
        DirSnapshot::take(&self.path(rel))
    }

    // ---- projects ----

    /// The standard test project's pyproject.toml with these dependencies.
    pub fn pyproject(deps: &[&str]) -> String {
        let deps = deps
            .iter()
            .map(|d| format!("    {},\n", toml_str(d)))
            .collect::<String>();
        format!(
            r#"[project]
name = "{PROJECT}"
version = "0.1.0"
description = "envy test project"
readme = "README.md"
requires-python = ">=3.8"
dependencies = [
{deps}]

[dependency-groups]
dev = []

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"#
        )
    }

    /// Writes the standard project `proj` (src layout) with these deps.
    pub fn init_project(&self, deps: &[&str]) {
        self.write("pyproject.toml", Self::pyproject(deps));
        self.write("README.md", "# proj\n");
        self.write(
            &format!("src/{PROJECT}/__init__.py"),
            "def hello():\n    return 'hello from proj'\n",
        );
    }

    /// Writes `pyproject.toml` verbatim.
    pub fn write_pyproject(&self, content: &str) {
        self.write("pyproject.toml", content);
    }

    /// Parsed pyproject.toml.
    pub fn pyproject_toml(&self) -> toml::Table {
        toml::from_str(&self.read("pyproject.toml")).expect("pyproject.toml parses")
    }

    /// `[project] dependencies` as strings.
    pub fn project_dependencies(&self) -> Vec<String> {
        let doc = self.pyproject_toml();
        str_array(
            doc.get("project")
                .and_then(|p| p.get("dependencies"))
                .cloned(),
        )
    }

    /// `[dependency-groups] <group>` (string entries only).
    pub fn group_dependencies(&self, group: &str) -> Vec<String> {
        let doc = self.pyproject_toml();
        str_array(
            doc.get("dependency-groups")
                .and_then(|g| g.get(group))
                .cloned(),
        )
    }

    /// `[project.optional-dependencies] <extra>`.
    pub fn optional_dependencies(&self, extra: &str) -> Vec<String> {
        let doc = self.pyproject_toml();
        str_array(
            doc.get("project")
                .and_then(|p| p.get("optional-dependencies"))
                .and_then(|o| o.get(extra))
                .cloned(),
        )
    }

    /// Parsed `envy.lock` (panics if missing).
    #[track_caller]
    pub fn lock(&self) -> Lock {
        Lock::parse(&self.read("envy.lock"))
    }

    // ---- the virtual environment ----

    pub fn venv(&self) -> PathBuf {
        self.path(".venv")
    }

    pub fn venv_bin(&self, name: &str) -> PathBuf {
        self.venv().join("bin").join(name)
    }

    pub fn venv_python(&self) -> PathBuf {
        self.venv_bin("python")
    }

    /// Runs `.venv/bin/python -c CODE` in the project dir.
    pub fn python(&self, code: &str) -> RunOutput {
        let mut cmd = Command::new(self.venv_python());
        cmd.arg("-c")
            .arg(code)
            .current_dir(&self.project)
            .env_remove("PYTHONPATH")
            .env_remove("VIRTUAL_ENV")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        run(&mut cmd)
    }

    /// Version of an installed distribution in `.venv`, via importlib.metadata.
    pub fn installed_version(&self, dist: &str) -> Option<String> {
        if !self.venv_python().exists() {
            return None;
        }
        let code = format!(
            "import importlib.metadata as m\ntry:\n    print(m.version({dist:?}))\nexcept m.PackageNotFoundError:\n    print('<none>')\n"
        );
        let out = self.python(&code);
        out.success();
        let v = out.stdout.trim().to_string();
        (v != "<none>").then_some(v)
    }

    /// Normalized names of all distributions installed in `.venv`.
    pub fn installed(&self) -> BTreeSet<String> {
        if !self.venv_python().exists() {
            return BTreeSet::new();
        }
        let out = self.python(
            "import importlib.metadata as m\nfor d in m.distributions():\n    print(d.metadata['Name'])\n",
        );
        out.success();
        out.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| normalize_name(l.trim()))
            .collect()
    }

    #[track_caller]
    pub fn assert_installed(&self, dist: &str, version: &str) {
        assert_eq!(
            self.installed_version(dist).as_deref(),
            Some(version),
            "{dist} should be installed at {version} (installed: {:?})",
            self.installed()
        );
    }

    #[track_caller]
    pub fn assert_not_installed(&self, dist: &str) {
        assert_eq!(
            self.installed_version(dist),
            None,
            "{dist} should not be installed"
        );
    }

    /// `.venv/lib/pythonX.Y/site-packages`.
    pub fn site_packages(&self) -> PathBuf {
        let lib = self.venv().join("lib");
        let entry = fs::read_dir(&lib)
            .unwrap_or_else(|e| panic!("read {}: {e}", lib.display()))
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().starts_with("python"))
            .expect("lib/pythonX.Y in .venv");
        entry.path().join("site-packages")
    }
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn str_array(v: Option<toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------
// WheelBuilder
// ---------------------------------------------------------------------------

/// Builds a valid wheel (dist-info METADATA 2.1, WHEEL, RECORD with urlsafe
/// b64 sha256 hashes, entry_points.txt). Output is deterministic.
#[derive(Debug, Clone)]
pub struct WheelBuilder {
    name: String,
    version: String,
    requires_dist: Vec<String>,
    provides_extra: Vec<String>,
    requires_python: Option<String>,
    modules: Vec<(String, String)>,
    console_scripts: Vec<(String, String)>,
    tag: String,
    summary: String,
}

impl WheelBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        WheelBuilder {
            name: name.to_string(),
            version: version.to_string(),
            requires_dist: Vec::new(),
            provides_extra: Vec::new(),
            requires_python: None,
            modules: Vec::new(),
            console_scripts: Vec::new(),
            tag: "py3-none-any".to_string(),
            summary: format!("{name} test package"),
        }
    }

    pub fn requires_dist(mut self, req: &str) -> Self {
        self.requires_dist.push(req.to_string());
        self
    }

    pub fn provides_extra(mut self, extra: &str) -> Self {
        self.provides_extra.push(extra.to_string());
        self
    }

    pub fn requires_python(mut self, spec: &str) -> Self {
        self.requires_python = Some(spec.to_string());
        self
    }

    /// Adds a file at `path` (e.g. `"name/__init__.py"`). Without any module
    /// a default `<import_name>/__init__.py` is written.
    pub fn module(mut self, path: &str, content: &str) -> Self {
        self.modules.push((path.to_string(), content.to_string()));
        self
    }

    pub fn console_script(mut self, name: &str, target: &str) -> Self {
        self.console_scripts
            .push((name.to_string(), target.to_string()));
        self
    }

    /// Compressed tag set, e.g. `py3-none-any` or `py2.py3-none-any`.
    pub fn tag(mut self, tag: &str) -> Self {
        self.tag = tag.to_string();
        self
    }

    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.to_string();
        self
    }

    pub fn filename(&self) -> String {
        format!(
            "{}-{}-{}.whl",
            escaped_name(&self.name),
            self.version,
            self.tag
        )
    }

    pub fn dist_info(&self) -> String {
        format!("{}-{}.dist-info", escaped_name(&self.name), self.version)
    }

    /// The METADATA file (core metadata 2.1).
    pub fn metadata(&self) -> String {
        core_metadata(
            "2.1",
            &self.name,
            &self.version,
            &self.summary,
            self.requires_python.as_deref(),
            &self.requires_dist,
            &self.provides_extra,
        )
    }

    fn wheel_file(&self) -> String {
        let mut s =
            String::from("Wheel-Version: 1.0\nGenerator: envy-tests 0.1\nRoot-Is-Purelib: true\n");
        let parts: Vec<&str> = self.tag.splitn(3, '-').collect();
        assert_eq!(parts.len(), 3, "bad tag {}", self.tag);
        for py in parts[0].split('.') {
            for abi in parts[1].split('.') {
                for plat in parts[2].split('.') {
                    let _ = writeln!(s, "Tag: {py}-{abi}-{plat}");
                }
            }
        }
        s
    }

    /// Files of the wheel in archive order (RECORD last).
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        if self.modules.is_empty() {
            files.push((
                format!("{}/__init__.py", import_name(&self.name)),
                format!("__version__ = {:?}\nNAME = {:?}\n", self.version, self.name).into_bytes(),
            ));
        } else {
            for (p, c) in &self.modules {
                files.push((p.clone(), c.clone().into_bytes()));
            }
        }
        let di = self.dist_info();
        files.push((format!("{di}/METADATA"), self.metadata().into_bytes()));
        files.push((format!("{di}/WHEEL"), self.wheel_file().into_bytes()));
        if !self.console_scripts.is_empty() {
            let mut ep = String::from("[console_scripts]\n");
            for (n, t) in &self.console_scripts {
                let _ = writeln!(ep, "{n} = {t}");
            }
            files.push((format!("{di}/entry_points.txt"), ep.into_bytes()));
        }
        let mut record = String::new();
        for (p, c) in &files {
            let _ = writeln!(
                record,
                "{p},sha256={},{}",
                urlsafe_b64_nopad(&Sha256::digest(c)),
                c.len()
            );
        }
        let _ = writeln!(record, "{di}/RECORD,,");
        files.push((format!("{di}/RECORD"), record.into_bytes()));
        files
    }

    /// Writes the wheel into `dir` and returns its path.
    pub fn build(&self, dir: &Path) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let path = dir.join(self.filename());
        let file = fs::File::create(&path).unwrap();
        let mut zw = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for (name, content) in self.files() {
            zw.start_file(name, opts).unwrap();
            zw.write_all(&content).unwrap();
        }
        zw.finish().unwrap();
        path
    }
}

fn core_metadata(
    metadata_version: &str,
    name: &str,
    version: &str,
    summary: &str,
    requires_python: Option<&str>,
    requires_dist: &[String],
    provides_extra: &[String],
) -> String {
    let mut s = format!(
        "Metadata-Version: {metadata_version}\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
    );
    if let Some(rp) = requires_python {
        let _ = writeln!(s, "Requires-Python: {rp}");
    }
    for e in provides_extra {
        let _ = writeln!(s, "Provides-Extra: {e}");
    }
    for r in requires_dist {
        let _ = writeln!(s, "Requires-Dist: {r}");
    }
    s
}

// ---------------------------------------------------------------------------
// SdistBuilder
// ---------------------------------------------------------------------------

const BACKEND_PY: &str = r#"# Minimal in-tree PEP 517 backend used by envy's tests.
import base64
import hashlib
import os
import zipfile

from _envy_meta import NAME, VERSION, METADATA, PACKAGE

_DIST = NAME.replace("-", "_").replace(".", "_").lower() + "-" + VERSION
_DIST_INFO = _DIST + ".dist-info"
_WHEEL = "Wheel-Version: 1.0\nGenerator: envy-test-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, _DIST_INFO)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write(METADATA)
    with open(os.path.join(d, "WHEEL"), "w") as f:
        f.write(_WHEEL)
    return _DIST_INFO


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (path, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    files = []
    for root, dirs, names in os.walk(os.path.join(here, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            full = os.path.join(root, n)
            with open(full, "rb") as f:
                files.append((os.path.relpath(full, here).replace(os.sep, "/"), f.read()))
    files.append((_DIST_INFO + "/METADATA", METADATA.encode()))
    files.append((_DIST_INFO + "/WHEEL", _WHEEL.encode()))
    record = "".join(_record_line(p, d) for p, d in files) + _DIST_INFO + "/RECORD,,\n"
    files.append((_DIST_INFO + "/RECORD", record.encode()))
    name = _DIST + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files:
            z.writestr(p, d)
    return name


build_editable = build_wheel
"#;

/// Builds `name-1.0.tar.gz` with PKG-INFO (Metadata-Version 2.2) and a
/// pyproject.toml whose build backend is a tiny in-tree module
/// (`backend-path = ["."]`), so building needs no network.
#[derive(Debug, Clone)]
pub struct SdistBuilder {
    name: String,
    version: String,
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    modules: Vec<(String, String)>,
}

impl SdistBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        SdistBuilder {
            name: name.to_string(),
            version: version.to_string(),
            requires_dist: Vec::new(),
            requires_python: None,
            modules: Vec::new(),
        }
    }

    pub fn requires_dist(mut self, req: &str) -> Self {
        self.requires_dist.push(req.to_string());
        self
    }

    pub fn requires_python(mut self, spec: &str) -> Self {
        self.requires_python = Some(spec.to_string());
        self
    }

    /// Adds a module file relative to the package root (default:
    /// `<import_name>/__init__.py`).
    pub fn module(mut self, path: &str, content: &str) -> Self {
        self.modules.push((path.to_string(), content.to_string()));
        self
    }

    pub fn base(&self) -> String {
        format!("{}-{}", escaped_name(&self.name), self.version)
    }

    pub fn filename(&self) -> String {
        format!("{}.tar.gz", self.base())
    }

    pub fn pkg_info(&self) -> String {
        core_metadata(
            "2.2",
            &self.name,
            &self.version,
            &format!("{} test sdist", self.name),
            self.requires_python.as_deref(),
            &self.requires_dist,
            &[],
        )
    }

    fn pyproject(&self) -> String {
        let deps: Vec<String> = self.requires_dist.iter().map(|d| toml_str(d)).collect();
        let mut s = format!(
            "[build-system]\nrequires = []\nbuild-backend = \"envy_test_backend\"\nbackend-path = [\".\"]\n\n[project]\nname = {}\nversion = {}\ndependencies = [{}]\n",
            toml_str(&self.name),
            toml_str(&self.version),
            deps.join(", ")
        );
        if let Some(rp) = &self.requires_python {
            let _ = writeln!(s, "requires-python = {}", toml_str(rp));
        }
        s
    }

    pub fn build(&self, dir: &Path) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let base = self.base();
        let pkg = import_name(&self.name);
        let meta_py = format!(
            "NAME = {}\nVERSION = {}\nMETADATA = {}\nPACKAGE = {}\n",
            serde_json::to_string(&self.name).unwrap(),
            serde_json::to_string(&self.version).unwrap(),
            serde_json::to_string(&self.pkg_info()).unwrap(),
            serde_json::to_string(&pkg).unwrap(),
        );
        let mut files: Vec<(String, Vec<u8>)> = vec![
            ("PKG-INFO".into(), self.pkg_info().into_bytes()),
            ("pyproject.toml".into(), self.pyproject().into_bytes()),
            (
                "envy_test_backend.py".into(),
                BACKEND_PY.as_bytes().to_vec(),
            ),
            ("_envy_meta.py".into(), meta_py.into_bytes()),
        ];
        if self.modules.is_empty() {
            files.push((
                format!("{pkg}/__init__.py"),
                format!("__version__ = {:?}\n", self.version).into_bytes(),
            ));
        } else {
            for (p, c) in &self.modules {
                files.push((p.clone(), c.clone().into_bytes()));
            }
        }
        let path = dir.join(self.filename());
        let gz = flate2::GzBuilder::new().mtime(0).write(
            fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        let mut tb = tar::Builder::new(gz);
        tb.mode(tar::HeaderMode::Deterministic);
        for (p, c) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(c.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_uid(0);
            h.set_gid(0);
            h.set_entry_type(tar::EntryType::Regular);
            tb.append_data(&mut h, format!("{base}/{p}"), c.as_slice())
                .unwrap();
        }
        tb.into_inner().unwrap().finish().unwrap();
        path
    }
}

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
    tampered: HashMap<String, Vec<u8>>,
}

struct ServerState {
    files_dir: PathBuf,
    base_url: String,
    config: Mutex<ServerConfig>,
    requests: Mutex<Vec<String>>,
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

fn respond(status: u16, content_type: &str, body: Vec<u8>) -> http::Response {
    http::Response::new(status, content_type, body).header("Cache-Control", "no-cache")
}

fn handle(state: &ServerState, request: &http::Request) -> http::Response {
    let url = request.url.clone();
    let path = url.split(['?', '#']).next().unwrap_or("").to_string();
    state.requests.lock().unwrap().push(path.clone());

    let accept = request.header("Accept").unwrap_or_default().to_string();
    let (html_only, no_metadata, yanked, tampered) = {
        let c = state.config.lock().unwrap();
        (
            c.html_only,
            c.no_metadata,
            c.yanked.clone(),
            c.tampered.clone(),
        )
    };
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
            return respond(200, "application/octet-stream", bytes.clone());
        }
        return match fs::read(state.files_dir.join(&file)) {
            Ok(bytes) => respond(200, "application/octet-stream", bytes),
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

impl WheelBuilder {
    /// Adds `Requires-Python: >=3.8` unless one was set.
    fn requires_python_default(&self) -> WheelBuilder {
        let mut w = self.clone();
        if w.requires_python.is_none() {
            w.requires_python = Some(">=3.8".into());
        }
        w
    }
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
