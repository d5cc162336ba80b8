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
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "does-not-exist"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `does-not-exist` was not found in the package index ([INDEX])

    hint: check the spelling of the name, or the index URL (`--index-url`)
    ");
    before.assert_unchanged(&ctx);
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn unknown_package_on_synced_project() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "does-not-exist"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `does-not-exist` was not found in the package index ([INDEX])

    hint: check the spelling of the name, or the index URL (`--index-url`)
    ");
    before.assert_unchanged(&ctx);
}

#[test]
fn unknown_package_in_pyproject_lock() {
    let ctx = fresh_project();
    ctx.write_pyproject(&PYPROJECT.replace("\"app-dep==1.0\"", "\"nope-nothing\""));
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `nope-nothing` was not found in the package index ([INDEX])

    hint: check the spelling of the name, or the index URL (`--index-url`)
    ");
    before.assert_unchanged(&ctx);
}

// ---- version that does not exist ----

#[test]
fn version_that_does_not_exist() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "app-dep>=9"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because there is no version of `app-dep>=9` and your project depends on `app-dep>=9`, we can conclude that your project's requirements are unsatisfiable.
      note: no version of `app-dep` matches `>=9` (the newest is 2.0)

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
    before.assert_unchanged(&ctx);
}

// ---- unsatisfiable ----

#[test]
fn unsatisfiable_conflict() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "conflict-a"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because there is no version of `conflict-b<1` and `conflict-a==1.0` depends on `conflict-b<1`, we can conclude that `conflict-a==1.0` cannot be used.
      And because there is no version of `conflict-a!=1.0` and your project depends on `conflict-a`, we can conclude that your project's requirements are unsatisfiable.
      note: no version of `conflict-b` matches `<1` (the newest is 1.0)

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
    before.assert_unchanged(&ctx);
}

#[test]
fn requires_python_excludes_every_version() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "py-new"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because there is no usable version of `py-new` and your project depends on `py-new`, we can conclude that your project's requirements are unsatisfiable.
      note: `py-new` 1.0 (requires Python >=4) does not support every Python the project allows (`requires-python = ">=3.8"`)
      (in the part of the environment where `python_full_version < '4'`)

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    "#);
    before.assert_unchanged(&ctx);
}

// ---- invalid requirement ----

#[test]
fn invalid_pep508_requirement_shows_caret() {
    let ctx = synced_project();
    let before = State::take(&ctx);
    // The snapshot shows a caret line under the offending column.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "foo >= >= 1"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: invalid requirement `foo >= >= 1`:
    expected version to start with a number, but no leading ASCII digits were found
    foo >= >= 1
        ^^^^^^^

    hint: requirements follow PEP 508, for example `flask`, `requests[socks]>=2.31` or `pywin32; sys_platform == "win32"`
    "#);
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
    // The snapshot shows `pyproject.toml:LINE:COL`.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:3:8: extra `=`, expected nothing

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");
    before.assert_unchanged(&ctx);
}

#[test]
fn broken_pyproject_on_add_and_sync() {
    let ctx = broken_project();
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "app-dep"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:3:8: extra `=`, expected nothing

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");
    before.assert_unchanged(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:3:8: extra `=`, expected nothing

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");
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
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Resolved 0 packages in [TIME]
    error: no Python interpreter satisfies requires-python `>=4`; looked at:
      - [PYTHON]: Python 3.[X] (one line per interpreter found)

    hint: install a matching Python (for example `pyenv install 3.12`), or pass `--python <version or path>`
    ");
    assert!(!ctx.exists(".venv"));
    assert_eq!(ctx.read_opt("pyproject.toml"), before.pyproject);
}

#[test]
fn no_interpreter_for_explicit_python_request() {
    let ctx = fresh_project();
    ctx.envy_ok(&["lock"]);
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--python", "3.1"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    error: no Python interpreter satisfies Python `--python 3.1` and requires-python `>=3.8`; looked at:
      - [PYTHON]: Python 3.[X] (one line per interpreter found)

    hint: install a matching Python (for example `pyenv install 3.12`), or pass `--python <version or path>`
    ");
    before.assert_unchanged(&ctx);
}

// ---- no network ----

#[test]
fn no_network_on_add() {
    let mut ctx = fresh_project();
    ctx.stop_server();
    ctx.set_index_url(Some(format!("http://127.0.0.1:{}/simple", closed_port())));
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "app-dep"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: could not fetch `[INDEX]/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111); retrying in 200 ms
    warning: could not fetch `[INDEX]/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111); retrying in 400 ms
    warning: could not fetch `[INDEX]/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111); retrying in 800 ms
    error: could not fetch `[INDEX]/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111) (gave up after 4 attempts)

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    before.assert_unchanged(&ctx);
}

#[test]
fn no_network_on_lock_with_index_url_flag() {
    let mut ctx = fresh_project();
    ctx.set_index_url(None);
    let url = format!("http://127.0.0.1:{}/simple", closed_port());
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--index-url", &url]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    warning: could not fetch `http://127.0.0.1:[PORT]/simple/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111); retrying in 200 ms
    warning: could not fetch `http://127.0.0.1:[PORT]/simple/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111); retrying in 400 ms
    warning: could not fetch `http://127.0.0.1:[PORT]/simple/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111); retrying in 800 ms
    error: could not fetch `http://127.0.0.1:[PORT]/simple/app-dep/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111) (gave up after 4 attempts)

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    before.assert_unchanged(&ctx);
}

// ---- hash mismatch ----

/// Locks + syncs app-dep, then locks speedup too, tampers the speedup
/// wheel on the server and syncs with a cold cache.
/// Snapshots show the locked hash as `[LOCKED_SHA256]` and the served one as
/// `[SERVED_SHA256]`.
fn tampered_setup() -> TestContext {
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
    ctx.add_filter(&expected, "[LOCKED_SHA256]");
    ctx.add_filter(&actual, "[SERVED_SHA256]");
    ctx
}

#[test]
fn hash_mismatch_aborts_sync_and_leaves_venv() {
    let ctx = tampered_setup();
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    error: hash mismatch for `speedup-1.0-py3-none-any.whl`
      expected sha256: [LOCKED_SHA256]
      actual sha256:   [SERVED_SHA256]
      from: http://127.0.0.1:[PORT]/files/speedup-1.0-py3-none-any.whl

    hint: the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering
    ");
    before.assert_unchanged(&ctx);
    ctx.assert_not_installed("speedup");
    ctx.assert_installed("app-dep", "1.0");
}

#[test]
fn hash_mismatch_aborts_frozen_sync() {
    let ctx = tampered_setup();
    let before = State::take(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: hash mismatch for `speedup-1.0-py3-none-any.whl`
      expected sha256: [LOCKED_SHA256]
      actual sha256:   [SERVED_SHA256]
      from: http://127.0.0.1:[PORT]/files/speedup-1.0-py3-none-any.whl

    hint: the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering
    ");
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
    ctx.add_filter(&locked, "[LOCKED_SHA256]");
    ctx.add_filter(&now, "[SERVED_SHA256]");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: hash mismatch for `app_dep-1.0-py3-none-any.whl`
      expected sha256: [LOCKED_SHA256]
      actual sha256:   [SERVED_SHA256]
      from: http://127.0.0.1:[PORT]/files/app_dep-1.0-py3-none-any.whl

    hint: the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering
    ");
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
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "--dev", "app-dep>=9"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because your project requires `app-dep>=9` (from the dependency group `dev`) and `app-dep==1.0`, which no single version satisfies, we can conclude that your project's requirements are unsatisfiable.

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
    before.assert_unchanged(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "--optional", "fast", "conflict-a"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because there is no version of `conflict-b<1` and `conflict-a==1.0` depends on `conflict-b<1`, we can conclude that `conflict-a==1.0` cannot be used.
      And because there is no version of `conflict-a!=1.0` and your project depends on `conflict-a` (from the extra `fast`), we can conclude that your project's requirements are unsatisfiable.
      note: no version of `conflict-b` matches `<1` (the newest is 1.0)

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
    before.assert_unchanged(&ctx);
}
