//! Error cases: each checks the message (`error: ` … `hint: `) and that
//! pyproject.toml, envy.lock and .venv are left exactly as they were.

use crate::common::*;

/// A pyproject with comments and odd spacing, so a rewrite would show.
const PYPROJECT: &str = r#"# keep this comment
[project]
name = "proj"
version = "0.1.0"
readme = "README.md"
requires-python = ">=3.8"
dependencies = [
    "app-dep==1.0",   # pinned on purpose
]

[dependency-groups]
dev = []

[tool.whatever]
x   =   1

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"#;

/// Everything a failing command must leave alone.
struct State {
    pyproject: Option<Vec<u8>>,
    lock: Option<Vec<u8>>,
    venv: DirSnapshot,
    venv_existed: bool,
}

impl State {
    fn take(ctx: &TestContext) -> State {
        State {
            pyproject: ctx.read_opt("pyproject.toml"),
            lock: ctx.read_opt("envy.lock"),
            venv: ctx.snapshot(".venv"),
            venv_existed: ctx.exists(".venv"),
        }
    }

    #[track_caller]
    fn assert_unchanged(&self, ctx: &TestContext) {
        assert!(
            ctx.read_opt("pyproject.toml") == self.pyproject,
            "pyproject.toml changed:\n{}",
            ctx.read("pyproject.toml")
        );
        assert!(
            ctx.read_opt("envy.lock") == self.lock,
            "envy.lock changed or was created"
        );
        assert_eq!(
            ctx.exists(".venv"),
            self.venv_existed,
            ".venv created or removed"
        );
        ctx.snapshot(".venv").assert_same(&self.venv, ".venv");
    }
}

/// Scenario project with the odd pyproject; neither locked nor synced.
fn fresh_project() -> TestContext {
    let ctx = TestContext::with_scenario();
    ctx.write_pyproject(PYPROJECT);
    ctx.write("README.md", "# proj\n");
    ctx.write("src/proj/__init__.py", "");
    ctx
}

/// Scenario project already locked and synced (app-dep 1.0 installed).
fn synced_project() -> TestContext {
    let ctx = fresh_project();
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("app-dep", "1.0");
    ctx
}

// ---- unknown package ----

#[test]
fn unknown_package_on_fresh_project() {
    let ctx = fresh_project();
    let before = State::take(&ctx);
    ctx.run_envy(&["add", "does-not-exist"])
        .error(&["does-not-exist"]);
    before.assert_unchanged(&ctx);
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn unknown_package_on_synced_project() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    ctx.run_envy(&["add", "does-not-exist"])
        .error(&["does-not-exist"]);
    before.assert_unchanged(&ctx);
}

#[test]
fn unknown_package_in_pyproject_lock() {
    let ctx = fresh_project();
    ctx.write_pyproject(&PYPROJECT.replace("\"app-dep==1.0\"", "\"nope-nothing\""));
    let before = State::take(&ctx);
    ctx.run_envy(&["lock"]).error(&["nope-nothing"]);
    before.assert_unchanged(&ctx);
}

// ---- version that does not exist ----

#[test]
fn version_that_does_not_exist() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    ctx.run_envy(&["add", "app-dep>=9"])
        .error(&["app-dep", ">=9"]);
    before.assert_unchanged(&ctx);
}

// ---- unsatisfiable ----

#[test]
fn unsatisfiable_conflict() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    let out = ctx.run_envy(&["add", "conflict-a"]);
    out.error(&["conflict-a", "conflict-b", "<1"]);
    before.assert_unchanged(&ctx);
}

#[test]
fn requires_python_excludes_every_version() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    ctx.run_envy(&["add", "py-new"]).error(&["py-new"]);
    before.assert_unchanged(&ctx);
}

// ---- invalid requirement ----

#[test]
fn invalid_pep508_requirement_shows_caret() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    let out = ctx.run_envy(&["add", "foo >= >= 1"]);
    out.error(&["foo >= >= 1"]);
    // A caret line under the offending column.
    assert!(
        out.stderr
            .lines()
            .any(|l| l.trim_start().starts_with('^') && l.trim().chars().all(|c| c == '^')),
        "no caret line:\n{}",
        out.stderr
    );
    before.assert_unchanged(&ctx);
}

// ---- broken pyproject.toml ----

fn broken_project() -> TestContext {
    let ctx = TestContext::with_scenario();
    // Line 3, column 8 is the second `=`.
    ctx.write_pyproject("[project]\nversion = \"0.1.0\"\nname = = \"proj\"\ndependencies = []\n");
    ctx
}

#[test]
fn broken_pyproject_on_lock() {
    let ctx = broken_project();
    let before = State::take(&ctx);
    let out = ctx.run_envy(&["lock"]);
    out.error(&["pyproject.toml:3:"]);
    let col_ok = out
        .stderr
        .split("pyproject.toml:3:")
        .nth(1)
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    assert!(col_ok, "expected pyproject.toml:LINE:COL\n{}", out.stderr);
    before.assert_unchanged(&ctx);
}

#[test]
fn broken_pyproject_on_add_and_sync() {
    let ctx = broken_project();
    let before = State::take(&ctx);
    ctx.run_envy(&["add", "app-dep"])
        .error(&["pyproject.toml:3:"]);
    before.assert_unchanged(&ctx);
    ctx.run_envy(&["sync"]).error(&["pyproject.toml:3:"]);
    before.assert_unchanged(&ctx);
}

// ---- no interpreter ----

#[test]
fn no_interpreter_matches_requires_python() {
    let ctx = TestContext::with_scenario();
    ctx.write_pyproject(
        "[project]\nname = \"proj\"\nversion = \"0.1.0\"\nrequires-python = \">=4\"\ndependencies = []\n",
    );
    let before = State::take(&ctx);
    let out = ctx.run_envy(&["sync"]);
    out.error(&["interpreter", ">=4"]);
    assert!(!ctx.exists(".venv"));
    assert_eq!(ctx.read_opt("pyproject.toml"), before.pyproject);
}

#[test]
fn no_interpreter_for_explicit_python_request() {
    let ctx = fresh_project();
    ctx.envy_ok(&["lock"]);
    let before = State::take(&ctx);
    ctx.run_envy(&["sync", "--python", "3.1"]).error(&["3.1"]);
    before.assert_unchanged(&ctx);
}

// ---- no network ----

#[test]
fn no_network_on_add() {
    let mut ctx = fresh_project();
    ctx.stop_server();
    ctx.set_index_url(Some(format!("http://127.0.0.1:{}/simple", closed_port())));
    let before = State::take(&ctx);
    ctx.run_envy(&["add", "app-dep"])
        .error(&["connect", "--offline"]);
    before.assert_unchanged(&ctx);
}

#[test]
fn no_network_on_lock_with_index_url_flag() {
    let mut ctx = fresh_project();
    ctx.set_index_url(None);
    let url = format!("http://127.0.0.1:{}/simple", closed_port());
    let before = State::take(&ctx);
    ctx.run_envy(&["lock", "--index-url", &url])
        .error(&["connect", "--offline"]);
    before.assert_unchanged(&ctx);
}

// ---- hash mismatch ----

/// Locks + syncs app-dep, then locks speedup too, tampers the speedup
/// wheel on the server and syncs with a cold cache.
fn tampered_setup() -> (TestContext, String, String, String) {
    let mut ctx = synced_project();
    ctx.write_pyproject(&PYPROJECT.replace(
        "\"app-dep==1.0\",   # pinned on purpose",
        "\"app-dep==1.0\",   # pinned on purpose\n    \"speedup\",",
    ));
    ctx.envy_ok(&["lock"]);
    let file = scenario_wheel("speedup", "1.0");
    let expected = ctx.server().sha256(&file);
    assert_eq!(ctx.lock().wheels("speedup")[0].sha256, expected);
    ctx.server().tamper(&file);
    let (_, _, bytes) = http_get(&ctx.server().file_url(&file), None);
    let actual = sha256_hex(&bytes);
    assert_ne!(expected, actual);
    ctx.reset_cache();
    (ctx, file, expected, actual)
}

#[test]
fn hash_mismatch_aborts_sync_and_leaves_venv() {
    let (ctx, file, expected, actual) = tampered_setup();
    let before = State::take(&ctx);
    ctx.run_envy(&["sync"]).error(&[&file, &expected, &actual]);
    before.assert_unchanged(&ctx);
    ctx.assert_not_installed("speedup");
    ctx.assert_installed("app-dep", "1.0");
}

#[test]
fn hash_mismatch_aborts_frozen_sync() {
    let (ctx, file, expected, actual) = tampered_setup();
    let before = State::take(&ctx);
    ctx.run_envy(&["sync", "--frozen"])
        .error(&[&file, &expected, &actual]);
    before.assert_unchanged(&ctx);
}

#[test]
fn file_replaced_on_server_after_locking() {
    // The index now advertises the new hash too: the lock still wins.
    let mut ctx = fresh_project();
    ctx.envy_ok(&["lock"]);
    let file = scenario_wheel("app-dep", "1.0");
    let locked = ctx.lock().wheels("app-dep")[0].sha256.clone();
    WheelBuilder::new("app-dep", "1.0")
        .module("app_dep/__init__.py", "VALUE = 'evil'\n")
        .build(ctx.server().files_dir());
    let now = ctx.server().sha256(&file);
    assert_ne!(locked, now);
    ctx.reset_cache();
    let out = ctx.run_envy(&["sync", "--frozen"]);
    out.error(&[&file, &locked]);
    assert!(ctx.installed_version("app-dep").is_none());
}

// ---- byte-for-byte restore after a failed add ----

#[test]
fn failed_add_restores_pyproject_byte_for_byte() {
    let ctx = fresh_project();
    // CRLF and no trailing newline: any rewrite would show.
    let odd = PYPROJECT.replace('\n', "\r\n");
    let odd = odd.trim_end();
    ctx.write_pyproject(odd);
    let before = State::take(&ctx);
    ctx.run_envy(&["add", "--dev", "app-dep>=9"])
        .error(&["app-dep"]);
    before.assert_unchanged(&ctx);
    ctx.run_envy(&["add", "--optional", "fast", "conflict-a"])
        .error(&["conflict-b"]);
    before.assert_unchanged(&ctx);
}
