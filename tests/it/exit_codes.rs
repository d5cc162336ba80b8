//! Exit codes (README, "Exit codes"): 0 success, 1 a user error, 2 a usage
//! error or a bug (a panic), and `envy run` passing its command's code
//! through.

use crate::common::*;

#[test]
fn success_exits_0() {
    let ctx = TestContext::new();
    envy_snapshot!(ctx.filters(), ctx.envy().arg("--version"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    envy [VERSION]

    ----- stderr -----
    ");
    let out = ctx.run_envy(&["lock", "--help"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Usage:"), "{out:?}");
}

#[test]
fn usage_errors_exit_2() {
    let ctx = TestContext::new();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--no-such-flag"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unexpected argument '--no-such-flag' found

      tip: a similar argument exists: '--no-build-package'

    Usage: envy lock --no-build-package <NAME>

    For more information, try '--help'.
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().arg("no-such-command"), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: unrecognized subcommand 'no-such-command'

    Usage: envy [OPTIONS] <COMMAND>

    For more information, try '--help'.
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().arg("add"), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the following required arguments were not provided:
      <REQ>...

    Usage: envy add --cache-dir <DIR> <REQ>...

    For more information, try '--help'.
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen", "--locked"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: the argument '--frozen' cannot be used with '--locked'

    Usage: envy sync --frozen --cache-dir <DIR>

    For more information, try '--help'.
    ");
}

#[test]
fn broken_pyproject_exits_1() {
    let ctx = TestContext::new();
    ctx.write_pyproject("[project\nname = \"proj\"\n");
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:1:9: unclosed table, expected `]`

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");
}

#[test]
fn unknown_package_exits_1() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "--no-sync", "no-such-package-anywhere"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `no-such-package-anywhere` was not found in the package index ([INDEX])

    hint: check the spelling of the name, or the index URL (`--index-url`)
    ");
}

#[test]
fn missing_project_exits_1() {
    let ctx = TestContext::new();
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no `pyproject.toml` in [TEMP]

    hint: run `envy init` to create one here, or `envy new NAME` for a new project
    ");
}

/// `ctx`'s filters plus one for the panic's source location, which moves
/// whenever `src/cli/mod.rs` changes.
fn crash_filters(ctx: &TestContext) -> Filters {
    let mut filters = vec![(
        r"envy crashed at \S+:\d+:\d+:".to_string(),
        "envy crashed at [LOCATION]:".to_string(),
    )];
    filters.extend(ctx.filters());
    filters
}

#[test]
fn panic_is_reported_as_a_bug_and_exits_2() {
    let mut ctx = TestContext::new();
    ctx.env("ENVY_TEST_PANIC", "1");
    // No default panic output and no backtrace (the harness sets
    // `RUST_BACKTRACE=0`).
    envy_snapshot!(crash_filters(&ctx), ctx.envy().args(["cache", "dir"]), @"
    success: false
    exit_code: 2
    ----- stdout -----

    ----- stderr -----
    error: envy crashed at [LOCATION]: `ENVY_TEST_PANIC` is set: a deliberate panic to test the crash report

    hint: this is a bug in envy, not in your project; please report it to the envy issue tracker with the command you ran and this message (run with `RUST_BACKTRACE=1` for a backtrace)
    ");
}

#[test]
fn panic_backtrace_only_when_asked() {
    let mut ctx = TestContext::new();
    ctx.env("ENVY_TEST_PANIC", "1");
    ctx.env("RUST_BACKTRACE", "1");
    let out = ctx.run_envy(&["cache", "dir"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.starts_with("error: envy crashed at "), "{out:?}");
    assert!(out.stderr.contains("\nbacktrace:\n"), "{out:?}");
}

#[test]
fn run_passes_the_command_exit_code_through() {
    let ctx = TestContext::new();
    ctx.init_project(&[]);
    let out = ctx.run_envy(&["run", "--no-sync", "sh", "-c", "exit 7"]);
    assert_eq!(out.code, Some(7), "{out:?}");
}
