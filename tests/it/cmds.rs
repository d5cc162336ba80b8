//! Integration tests for the everyday commands (`tree`, `show`, `outdated`,
//! `python`, `venv`, `version`, `completions`, `cache`), run against the real
//! binary on hand-written `envy.lock` fixtures. No network: `outdated` talks
//! to a local simple index (`common/http.rs`).

use crate::common::{envy_snapshot, http};

use std::path::Path;
use std::process::{Command, Output};

const PYPROJECT: &str = r#"[project]
name = "demo"
version   =   "0.1.0"  # keep this comment
requires-python = ">=3.11"
dependencies = ["flask>=3"]

[dependency-groups]
dev = ["pytest>=8"]
"#;

const LOCK: &str = r#"version = 1
requires-python = ">=3.11"

[manifest]
requirements = ["flask>=3"]

[manifest.dependency-groups]
dev = ["pytest>=8"]

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "flask" }]

[package.dependency-groups]
dev = [{ name = "pytest" }]

[[package]]
name = "click"
version = "8.3.1"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]
dependencies = [{ name = "colorama", marker = "sys_platform == 'win32'" }]
wheels = [{ url = "https://example.invalid/click-8.3.1-py3-none-any.whl", sha256 = "00", size = 1 }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]

[[package]]
name = "flask"
version = "3.1.2"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]
dependencies = [{ name = "click" }, { name = "werkzeug" }]
sdist = { url = "https://example.invalid/flask-3.1.2.tar.gz", sha256 = "00", size = 1 }
wheels = [{ url = "https://example.invalid/flask-3.1.2-py3-none-any.whl", sha256 = "00", size = 1 }]

[[package]]
name = "markupsafe"
version = "3.0.3"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]

[[package]]
name = "pytest"
version = "8.4.2"
source = { registry = "https://pypi.org/simple" }
groups = ["dev"]

[[package]]
name = "werkzeug"
version = "3.1.3"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]
dependencies = [{ name = "markupsafe" }]
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pyproject.toml"), PYPROJECT).expect("write pyproject");
    std::fs::write(dir.path().join("envy.lock"), LOCK).expect("write lock");
    dir
}

fn envy(dir: &Path, args: &[&str]) -> Output {
    envy_cmd(dir, args).output().expect("run envy")
}

/// The command [`envy`] runs (for a snapshot).
fn envy_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_envy"));
    cmd.args(args)
        .current_dir(dir)
        .env("ENVY_CACHE_DIR", dir.join(".cache"))
        .env("ENVY_OFFLINE", "1")
        .env_remove("ENVY_INDEX_URL");
    cmd
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

#[test]
fn tree_prints_the_locked_graph() {
    let p = project();
    let o = envy(p.path(), &["tree", "--frozen"]);
    ok(&o);
    assert_eq!(
        stdout(&o),
        "\
demo v0.1.0
├── flask v3.1.2
│   ├── click v8.3.1
│   │   └── colorama v0.4.6 ; sys_platform == 'win32'
│   └── werkzeug v3.1.3
│       └── markupsafe v3.0.3
└── pytest v8.4.2 (group: dev)
"
    );
    let o = envy(p.path(), &["tree", "--frozen", "--no-dev", "--depth", "1"]);
    ok(&o);
    assert_eq!(stdout(&o), "demo v0.1.0\n└── flask v3.1.2\n");

    let o = envy(
        p.path(),
        &["tree", "--frozen", "--invert", "--package", "MarkupSafe"],
    );
    ok(&o);
    assert_eq!(
        stdout(&o),
        "markupsafe v3.0.3\n└── werkzeug v3.1.3\n    └── flask v3.1.2\n        └── demo v0.1.0\n"
    );

    let o = envy(p.path(), &["tree", "--frozen", "--json"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v[0]["name"], "demo");
    assert_eq!(v[0]["children"][0]["name"], "flask");
    assert_eq!(
        v[0]["children"][0]["children"][0]["children"][0]["marker"],
        "sys_platform == 'win32'"
    );
    assert_eq!(v[0]["children"][1]["via"], "group: dev");

    envy_snapshot!(envy_cmd(p.path(), &["tree", "--frozen", "--package", "nope"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `nope` is not in `envy.lock`

    hint: run `envy tree` to see every locked package
    ");
}

#[test]
fn tree_without_lock_under_frozen_fails_with_hint() {
    let p = project();
    std::fs::remove_file(p.path().join("envy.lock")).expect("rm");
    envy_snapshot!(envy_cmd(p.path(), &["tree", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: there is no `envy.lock` and `--frozen` was given

    hint: run `envy lock` first
    ");
}

#[test]
fn show_explains_why_a_package_is_there() {
    let p = project();
    let o = envy(p.path(), &["show", "werkzeug", "--frozen"]);
    ok(&o);
    let out = stdout(&o);
    assert!(out.contains("Name: werkzeug\nVersion: 3.1.3\n"), "{out}");
    assert!(out.contains("Source: https://pypi.org/simple\n"), "{out}");
    assert!(out.contains("Files: 0 (0 sdist, 0 wheels)\n"), "{out}");
    assert!(out.contains("Dependencies:\n  markupsafe\n"), "{out}");
    assert!(out.contains("Required by: flask\n"), "{out}");
    assert!(out.contains("Why:\n  demo -> flask -> werkzeug\n"), "{out}");

    let o = envy(p.path(), &["show", "colorama", "--frozen", "--json"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v[0]["version"], "0.4.6");
    assert_eq!(
        v[0]["chains"][0]["steps"],
        serde_json::json!(["demo", "flask", "click", "colorama"])
    );
    assert_eq!(v[0]["chains"][0]["marker"], "sys_platform == 'win32'");

    envy_snapshot!(envy_cmd(p.path(), &["show", "flaskk", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `flaskk` is not in `envy.lock`

    hint: did you mean flask?
    ");
}

/// Serve a PEP 503 index: `flask` has 3.1.2 and 3.1.3 (and a 4.0.0 pre-release),
/// every other name is a 404. Stops when the returned server is dropped.
fn serve_index() -> (String, http::Server) {
    let server = http::Server::start(|req| {
        if req.url.trim_end_matches('/') == "/simple/flask" {
            let links: String = ["3.1.2", "3.1.3", "4.0.0rc1"]
                .iter()
                .map(|v| {
                    format!("<a href=\"/files/flask-{v}-py3-none-any.whl#sha256=00\">flask-{v}-py3-none-any.whl</a>\n")
                })
                .collect();
            http::Response::new(
                200,
                "text/html",
                format!("<html><body>\n{links}</body></html>"),
            )
        } else {
            http::Response::new(404, "text/plain", "not found")
        }
    });
    (format!("http://127.0.0.1:{}", server.port()), server)
}

#[test]
fn outdated_and_tree_outdated_ask_the_index() {
    let p = project();
    let (base, handle) = serve_index();
    let index = format!("{base}/simple");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_envy"))
            .args(args)
            .args(["--index-url", &index])
            .current_dir(p.path())
            .env("ENVY_CACHE_DIR", p.path().join(".cache"))
            .env_remove("ENVY_OFFLINE")
            .output()
            .expect("run envy")
    };
    let o = run(&["outdated", "--frozen"]);
    ok(&o);
    assert_eq!(
        stdout(&o),
        "Package  Locked  Latest  Groups\n-------  ------  ------  ------\nflask    3.1.2   3.1.3   main\n"
    );
    let o = run(&["outdated", "--frozen", "--json", "--all"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let flask = v
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["name"] == "flask")
        .expect("flask row");
    assert_eq!(flask["latest"], "3.1.3");
    assert_eq!(flask["outdated"], true);

    let o = run(&["tree", "--frozen", "--outdated", "--depth", "1", "--no-dev"]);
    ok(&o);
    assert_eq!(
        stdout(&o),
        "demo v0.1.0\n└── flask v3.1.2 (latest: v3.1.3)\n"
    );
    drop(handle);
}

#[test]
fn version_prints_and_bumps_keeping_formatting() {
    let p = project();
    let o = envy(p.path(), &["version"]);
    ok(&o);
    assert_eq!(stdout(&o), "demo 0.1.0\n");
    envy_snapshot!(envy_cmd(p.path(), &["version", "--bump", "minor", "--short"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    0.2.0

    ----- stderr -----
    Bumped demo from 0.1.0 to 0.2.0
    Updated the project's version in envy.lock
    ");
    let text = std::fs::read_to_string(p.path().join("pyproject.toml")).expect("read");
    assert_eq!(
        text,
        PYPROJECT.replace("\"0.1.0\"  # keep", "\"0.2.0\"  # keep")
    );
    let lock = std::fs::read_to_string(p.path().join("envy.lock")).expect("read");
    assert!(
        lock.contains("name = \"demo\"\nversion = \"0.2.0\"\n"),
        "{lock}"
    );
    let o = envy(p.path(), &["version", "--bump", "major", "--short"]);
    ok(&o);
    assert_eq!(stdout(&o), "1.0.0\n");

    let empty = tempfile::tempdir().expect("tempdir");
    envy_snapshot!(envy_cmd(empty.path(), &["version"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no `pyproject.toml` in [TEMP]

    hint: run `envy init` to create one here, or `envy new NAME` for a new project
    ");
}

#[test]
fn help_has_examples() {
    let p = project();
    // Only the examples are pinned (the rest of `--help` is clap's).
    let mut examples = String::new();
    for cmd in [
        "tree",
        "show",
        "outdated",
        "python",
        "venv",
        "version",
        "completions",
        "cache",
    ] {
        let o = envy(p.path(), &[cmd, "--help"]);
        ok(&o);
        examples += &format!("$ envy {cmd} --help\n");
        for line in stdout(&o).lines().filter(|l| l.contains("Example: `envy ")) {
            examples += line;
            examples += "\n";
        }
    }
    insta::assert_snapshot!(examples, @"
    $ envy tree --help
    Example: `envy tree --depth 1` or `envy tree --invert --package markupsafe`
    $ envy show --help
    Example: `envy show werkzeug`
    $ envy outdated --help
    Example: `envy outdated --all`
    $ envy python --help
    Example: `envy python list` or `envy python pin 3.12`
    $ envy venv --help
    Example: `envy venv --python 3.12` or `envy venv /tmp/scratch`
    $ envy version --help
    Example: `envy version --bump minor`
    $ envy completions --help
    Example: `envy completions bash > ~/.local/share/bash-completion/completions/envy`
    $ envy cache --help
    Example: `envy cache dir` or `envy cache prune`
    ");
}

#[test]
fn completions_for_every_shell() {
    let p = project();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = envy(p.path(), &["completions", shell]);
        ok(&o);
        assert!(stdout(&o).contains("envy"), "{shell}");
    }
    let o = envy(p.path(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn empty_envy_variables_count_as_unset() {
    let p = project();
    let o = Command::new(env!("CARGO_BIN_EXE_envy"))
        .args(["cache", "dir"])
        .current_dir(p.path())
        .env("ENVY_CACHE_DIR", "")
        .env("ENVY_INDEX_URL", "")
        .env("XDG_CACHE_HOME", p.path().join("xdg"))
        .output()
        .expect("run envy");
    ok(&o);
    assert_eq!(
        stdout(&o).trim_end(),
        p.path().join("xdg").join("envy").display().to_string()
    );
}

#[test]
fn cache_dir_prune_clean() {
    let p = project();
    let cache = p.path().join(".cache");
    std::fs::create_dir_all(cache.join("simple-v2/abc")).expect("mkdir");
    std::fs::write(cache.join("simple-v2/abc/flask.json"), "x".repeat(100)).expect("w");
    std::fs::create_dir_all(cache.join("files-v1/00")).expect("mkdir");
    std::fs::write(cache.join("files-v1/00/f.whl"), "y".repeat(50)).expect("w");
    std::fs::write(cache.join("files-v1/.tmpAbC"), "z".repeat(7)).expect("w");

    let o = envy_snapshot!(envy_cmd(p.path(), &["cache", "dir"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [TEMP]/.cache

    ----- stderr -----
    157 B in 3 files
    ");
    assert_eq!(o.stdout.trim_end(), cache.display().to_string());

    envy_snapshot!(envy_cmd(p.path(), &["cache", "prune"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Pruned 2 files (107 B) from [TEMP]/.cache
    ");
    assert!(cache.join("files-v1/00/f.whl").exists());
    assert!(!cache.join("simple-v2").exists());

    envy_snapshot!(envy_cmd(p.path(), &["cache", "clean"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Removed 1 file (50 B) from [TEMP]/.cache
    ");
    assert!(!cache.exists());

    // Refuses to delete a directory that is not a cache.
    let o = Command::new(env!("CARGO_BIN_EXE_envy"))
        .args(["cache", "clean", "--cache-dir"])
        .arg(p.path())
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(p.path().join("pyproject.toml").exists());
}

fn have_python() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn python_list_find_pin_and_venv() {
    if !have_python() {
        eprintln!("skipping: no python3");
        return;
    }
    let p = project();
    // requires-python >=3.11 is what the fixture says; loosen it so any python3 fits.
    let text = PYPROJECT.replace(">=3.11", ">=3");
    std::fs::write(p.path().join("pyproject.toml"), text).expect("w");

    let o = envy(p.path(), &["python", "list", "--json"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let list = v["interpreters"].as_array().expect("interpreters");
    assert!(!list.is_empty());
    assert_eq!(list.iter().filter(|e| e["selected"] == true).count(), 1);
    assert!(v["reason"]
        .as_str()
        .expect("reason")
        .contains("requires-python `>=3`"));

    let o = envy(p.path(), &["python", "find"]);
    ok(&o);
    let found = stdout(&o);
    assert!(Path::new(found.trim()).exists(), "{found}");

    envy_snapshot!(envy_cmd(p.path(), &["python", "pin", "2.7"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: Python 2.7 does not satisfy the project's requires-python `>=3`

    hint: pin a version that `requires-python` allows, or change `requires-python` in `pyproject.toml`
    ");
    let o = envy(p.path(), &["python", "pin", "nonsense!"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!p.path().join(".python-version").exists());
    let o = envy(p.path(), &["python", "pin", "3"]);
    ok(&o);
    assert_eq!(
        std::fs::read_to_string(p.path().join(".python-version")).expect("read"),
        "3\n"
    );
    let o = envy(p.path(), &["python", "list", "--json"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["request"], "3");

    envy_snapshot!(envy_cmd(p.path(), &["venv", "scratch"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Created virtual environment at [TEMP]/scratch (Python 3.[X] at [PYTHON])
    Activate with: source [TEMP]/scratch/bin/activate
    ");
    assert!(p.path().join("scratch/pyvenv.cfg").is_file());
    // A non-venv directory is not replaced.
    std::fs::create_dir_all(p.path().join("data")).expect("mkdir");
    std::fs::write(p.path().join("data/keep.txt"), "x").expect("w");
    let o = envy(p.path(), &["venv", "data"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(p.path().join("data/keep.txt").exists());
}
