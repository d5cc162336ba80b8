//! [`TestContext`]: a temp project dir, a private cache and an `envy()` command
//! builder, optionally wired to an [`IndexServer`]; and [`DirSnapshot`] for
//! "this tree did not change" checks.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{
    default_filters, literal, normalize_name, run, scenario_server, toml_str, Filters, IndexServer,
    Lock, RunOutput,
};

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
    extra_filters: Filters,
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
            extra_filters: Vec::new(),
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

    /// The snapshot filters for this context, most specific first: the
    /// ones added with [`TestContext::add_filter`], the attached index URL
    /// -> `[INDEX]`, its files dir -> `[FILES]`, the cache dir -> `[CACHE]`,
    /// the project dir -> `[TEMP]`, the rest of the temp dir -> `[ROOT]`,
    /// then [`default_filters`].
    pub fn filters(&self) -> Filters {
        let mut filters = self.extra_filters.clone();
        if let Some(url) = &self.index_url {
            filters.push(literal(url, "[INDEX]"));
        }
        if let Some(server) = &self.server {
            filters.push(literal(&server.files_dir().to_string_lossy(), "[FILES]"));
        }
        filters.push(literal(&self.cache.to_string_lossy(), "[CACHE]"));
        filters.push(literal(&self.project.to_string_lossy(), "[TEMP]"));
        filters.push(literal(&self.root.to_string_lossy(), "[ROOT]"));
        filters.extend(default_filters());
        filters
    }

    /// Adds a filter (a regex and its replacement) in front of the others
    /// for this context's snapshots, e.g. a hash that varies by test.
    pub fn add_filter(&mut self, regex: &str, replacement: &str) {
        self.extra_filters
            .push((regex.to_string(), replacement.to_string()));
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

    /// Parsed `envy.lock` (panics if missing). Every lock a test reads this
    /// way is also checked to read and write back byte-identical through
    /// envy's own typed model (`envy::lock::Lock`).
    #[track_caller]
    pub fn lock(&self) -> Lock {
        let text = self.read("envy.lock");
        assert_lock_round_trips(&text);
        Lock::parse(&text)
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
        run(&mut self.python_command(code))
    }

    /// The command [`TestContext::python`] runs (for a snapshot).
    pub fn python_command(&self, code: &str) -> Command {
        let mut cmd = Command::new(self.venv_python());
        cmd.arg("-c")
            .arg(code)
            .current_dir(&self.project)
            .env_remove("PYTHONPATH")
            .env_remove("VIRTUAL_ENV")
            .env("PYTHONDONTWRITEBYTECODE", "1");
        cmd
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

fn str_array(v: Option<toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// `text` (an `envy.lock` envy wrote) parses with envy's strict reader and
/// is written back byte-identical.
#[track_caller]
pub fn assert_lock_round_trips(text: &str) {
    let lock = envy::lock::Lock::parse(text, "envy.lock")
        .unwrap_or_else(|e| panic!("envy cannot read the lock it wrote: {e}\n{text}"));
    let written = lock.to_toml();
    if written != text {
        panic!("envy.lock does not round-trip:\n--- read ---\n{text}\n--- written ---\n{written}");
    }
}
