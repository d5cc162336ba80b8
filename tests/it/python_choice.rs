//! Which interpreter `.venv` runs: `.python-version`, `--python` (on `sync`,
//! `run` and `venv`) and `requires-python`, matched by version components,
//! and `sync` recreating `.venv` when its Python no longer fits.
//!
//! These tests need pyenv's CPython 3.11 and 3.12 (`~/.pyenv/versions`); where
//! one is missing they skip, saying which.

use std::path::PathBuf;

use crate::common::*;

/// pyenv's 3.11 and 3.12, or `None` after printing why the test skips.
fn pythons() -> Option<(PathBuf, PathBuf)> {
    match (pyenv_python("3.11"), pyenv_python("3.12")) {
        (Some(a), Some(b)) => Some((a, b)),
        _ => {
            eprintln!("skipped: needs pyenv's Python 3.11 and 3.12 in ~/.pyenv/versions");
            None
        }
    }
}

/// The scenario project with 3.11's and 3.12's `bin` directories first on
/// `PATH` (so `python3` is 3.11), and filters that keep the minor version
/// of the 3.11 and 3.12 interpreters visible in snapshots.
fn project(py311: &std::path::Path, py312: &std::path::Path) -> TestContext {
    let mut ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep"]);
    let path = format!(
        "{}:{}:{}",
        py311.parent().unwrap().display(),
        py312.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    ctx.env("PATH", &path);
    ctx.add_filter(r"\bPython 3\.(11|12)\.\d+", "Python [3.${1}.x]");
    ctx
}

/// `major.minor` of the Python `.venv` runs.
fn venv_minor(ctx: &TestContext) -> String {
    let out = ctx.python("import sys; print('%d.%d' % sys.version_info[:2])");
    out.success();
    out.stdout.trim().to_string()
}

#[test]
fn pin_after_the_venv_exists_recreates_it() {
    let Some((py311, py312)) = pythons() else {
        return;
    };
    let ctx = project(&py311, &py312);
    ctx.envy_ok(&["sync"]);
    assert_eq!(venv_minor(&ctx), "3.11");

    ctx.envy_ok(&["python", "pin", "3.12"]);
    // `python list` no longer says the 3.11 venv satisfies `3.12`
    let list = ctx.envy_ok(&["python", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert!(v.get("venv_python").is_none(), "{v}");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("`.venv` runs Python 3.11.")
            && reason.contains("does not satisfy `3.12`"),
        "{reason}"
    );

    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Recreating virtual environment at .venv with Python [3.12.x] (it ran Python [3.11.x], which does not match `3.12` from `.python-version`)
    Installed 1 package, removed 0, kept 0 in [TIME]
     + app-dep==2.0
    ");
    assert_eq!(venv_minor(&ctx), "3.12");
    ctx.assert_installed("app-dep", "2.0");

    // Now it fits: kept as it is.
    let again = ctx.envy_ok(&["sync"]);
    assert!(
        !again.stderr.contains("virtual environment"),
        "{}",
        again.stderr
    );

    // `3.12.1`-style pins are exact patch releases.
    let patch = ctx
        .python("import sys; print('%d.%d.%d' % sys.version_info[:3])")
        .stdout
        .trim()
        .to_string();
    ctx.write(".python-version", format!("{patch}\n"));
    let exact = ctx.envy_ok(&["sync"]);
    assert!(
        !exact.stderr.contains("virtual environment"),
        "{}",
        exact.stderr
    );
}

#[test]
fn requests_match_by_component_not_prefix() {
    let Some((py311, py312)) = pythons() else {
        return;
    };
    let ctx = project(&py311, &py312);
    ctx.envy_ok(&["sync", "--python", "3.12"]);
    assert_eq!(venv_minor(&ctx), "3.12");

    // `3.1` is not 3.11 or 3.12: nothing matches, and `.venv` is left alone.
    let out = ctx.envy_fails(&["sync", "--python", "3.1"]);
    assert!(
        out.stderr
            .contains("error: no Python interpreter satisfies Python `--python 3.1`"),
        "{}",
        out.stderr
    );
    assert_eq!(venv_minor(&ctx), "3.12");

    // `3.12` is not satisfied by 3.11: `run --python` recreates it, saying so
    // nowhere (run syncs quietly) but running the asked-for Python.
    let out = ctx.envy_ok(&[
        "run",
        "--python",
        "3.11",
        "python",
        "-c",
        "import sys; print(sys.version_info[:2])",
    ]);
    assert_eq!(out.stdout.trim(), "(3, 11)");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--python", "3.12"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Recreating virtual environment at .venv with Python [3.12.x] (it ran Python [3.11.x], which does not match `--python 3.12`)
    Installed 1 package, removed 0, kept 0 in [TIME]
     + app-dep==2.0
    ");

    // `venv --python` follows the same rules.
    let out = ctx.envy_fails(&["venv", "--python", "3.1"]);
    assert!(out.stderr.contains("`--python 3.1`"), "{}", out.stderr);
    ctx.envy_ok(&["venv", "--python", "3.11"]);
    assert_eq!(venv_minor(&ctx), "3.11");
}

#[test]
fn requires_python_that_excludes_the_venv_recreates_it() {
    let Some((py311, py312)) = pythons() else {
        return;
    };
    let ctx = project(&py311, &py312);
    ctx.envy_ok(&["sync"]);
    assert_eq!(venv_minor(&ctx), "3.11");
    let text = ctx.read("pyproject.toml").replace(">=3.8", ">=3.12");
    ctx.write("pyproject.toml", text);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
    Recreating virtual environment at .venv with Python [3.12.x] (it ran Python [3.11.x], which requires-python `>=3.12` excludes)
    Installed 1 package, removed 0, kept 0 in [TIME]
     + app-dep==2.0
    ");
    assert_eq!(venv_minor(&ctx), "3.12");
}
