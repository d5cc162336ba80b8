//! Exit codes (README, "Exit codes"): 0 success, 1 a user error, 2 a usage
//! error or a bug (a panic), and `envy run` passing its command's code
//! through.

mod common;

use common::*;

#[test]
fn success_exits_0() {
    let ctx = TestContext::new();
    let out = ctx.run_envy(&["--version"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let out = ctx.run_envy(&["lock", "--help"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Usage:"), "{out:?}");
}

#[test]
fn usage_error_exits_2() {
    let ctx = TestContext::new();
    for args in [
        &["lock", "--no-such-flag"][..],
        &["no-such-command"][..],
        &["add"][..],
        &["sync", "--frozen", "--locked"][..],
    ] {
        let out = ctx.run_envy(args);
        assert_eq!(out.code, Some(2), "{args:?}: {out:?}");
        assert!(out.stderr.starts_with("error: "), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {out:?}");
    }
}

#[test]
fn broken_pyproject_exits_1() {
    let ctx = TestContext::new();
    ctx.write_pyproject("[project\nname = \"proj\"\n");
    let out = ctx.run_envy(&["lock"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    out.error(&["pyproject.toml"]);
}

#[test]
fn unknown_package_exits_1() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    let out = ctx.run_envy(&["add", "--no-sync", "no-such-package-anywhere"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    out.error(&["no-such-package-anywhere"]);
}

#[test]
fn missing_project_exits_1() {
    let ctx = TestContext::new();
    let out = ctx.run_envy(&["lock"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    out.error(&["no `pyproject.toml`", "envy init"]);
}

#[test]
fn panic_is_reported_as_a_bug_and_exits_2() {
    let mut ctx = TestContext::new();
    ctx.env("ENVY_TEST_PANIC", "1");
    let out = ctx.run_envy(&["cache", "dir"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    out.error(&[
        "envy crashed",
        "ENVY_TEST_PANIC",
        "a bug in envy",
        "report it",
    ]);
    // No default panic output and no backtrace unless asked for
    // (the harness sets `RUST_BACKTRACE=0`).
    out.stderr_lacks("panicked at")
        .stderr_lacks("note: run with `RUST_BACKTRACE=1`")
        .stderr_lacks("backtrace:\n");
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn panic_backtrace_only_when_asked() {
    let mut ctx = TestContext::new();
    ctx.env("ENVY_TEST_PANIC", "1");
    ctx.env("RUST_BACKTRACE", "1");
    let out = ctx.run_envy(&["cache", "dir"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    out.stderr_contains("envy crashed")
        .stderr_contains("backtrace:\n");
}

#[test]
fn run_passes_the_command_exit_code_through() {
    let ctx = TestContext::new();
    ctx.init_project(&[]);
    let out = ctx.run_envy(&["run", "--no-sync", "sh", "-c", "exit 7"]);
    assert_eq!(out.code, Some(7), "{out:?}");
}
