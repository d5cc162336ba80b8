//! Metadata of sdist-only versions is built off the solver thread: the
//! prefetcher hands such sdists to the build backend ahead of need, each
//! backend runs once per sdist (the solver waits for a build under way
//! rather than starting its own), and failures read as they always did.

use std::path::Path;

use crate::common::*;

/// The `<name> <version>` lines the backends appended to `runs`, sorted.
fn backend_runs(runs: &Path) -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string(runs)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

fn counted(ctx: &TestContext, name: &str, version: &str, requires_dist: &[&str]) {
    let runs = ctx.path("backend-runs.txt");
    untrusted_metadata_sdist_with(
        ctx.server().files_dir(),
        name,
        version,
        requires_dist,
        &UntrustedBackend {
            runs_file: Some(&runs),
            fail: false,
        },
    );
}

#[test]
fn lock_builds_sdist_metadata_once_each_in_the_background() {
    let ctx = TestContext::with_scenario();
    counted(&ctx, "s-one", "1.0", &["app-dep>=1"]);
    counted(&ctx, "s-two", "1.0", &["s-three"]);
    counted(&ctx, "s-three", "1.0", &[]);
    counted(&ctx, "s-four", "1.0", &[]);
    ctx.init_project(&["s-one", "s-two", "s-four"]);
    let out = ctx.envy_ok(&["-vv", "lock"]);
    assert_eq!(
        backend_runs(&ctx.path("backend-runs.txt")),
        ["s-four 1.0", "s-one 1.0", "s-three 1.0", "s-two 1.0"],
        "{}",
        out.stderr
    );
    // One status line per backend run, whichever thread ran it.
    assert_eq!(
        out.stderr
            .matches("with its build backend (runs its build code)")
            .count(),
        4,
        "{}",
        out.stderr
    );
    // The solver decides one of the project's three sdists first and may
    // reach it before the prefetcher does; the other two are built by the
    // prefetcher while the solver waits for that first build.
    let in_background = ["s-one", "s-two", "s-four"]
        .into_iter()
        .filter(|name| {
            out.stderr.contains(&format!(
                "building metadata of {name} 1.0 from its sdist in the background"
            ))
        })
        .count();
    assert!(in_background >= 2, "{}", out.stderr);
    // The backends' metadata (not PKG-INFO's) shapes the lock.
    let lock = ctx.lock();
    let deps = |n: &str| -> Vec<String> {
        lock.dependencies(n)
            .into_iter()
            .map(|d| d.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(deps("s-one"), ["app-dep"], "{}", lock.raw);
    assert_eq!(deps("s-two"), ["s-three"], "{}", lock.raw);
    assert_eq!(
        lock.names(),
        ["app-dep", "proj", "s-four", "s-one", "s-three", "s-two"]
            .into_iter()
            .map(str::to_string)
            .collect(),
        "{}",
        lock.raw
    );
    // A second lock from a fresh cache writes the same file.
    let first = ctx.read("envy.lock");
    std::fs::remove_file(ctx.path("envy.lock")).unwrap();
    let mut ctx = ctx;
    ctx.reset_cache();
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.read("envy.lock"), first);
}

#[test]
fn backtracking_into_sdist_versions_built_ahead_runs_each_backend_once() {
    let ctx = TestContext::with_scenario();
    ctx.server()
        .add_wheel(&WheelBuilder::new("pin-dep", "1.0").module("pin_dep.py", ""));
    ctx.server()
        .add_wheel(&WheelBuilder::new("pin-dep", "2.0").module("pin_dep.py", ""));
    // The two newest versions need `pin-dep>=2`, which the project forbids:
    // the solver tries 3.0, then 2.0 (the prefetcher builds 2.0 and 1.0
    // ahead once it sees the solver walk the history), then takes 1.0.
    counted(&ctx, "walked", "3.0", &["pin-dep>=2"]);
    counted(&ctx, "walked", "2.0", &["pin-dep>=2"]);
    counted(&ctx, "walked", "1.0", &["pin-dep"]);
    ctx.init_project(&["walked", "pin-dep<2"]);
    let out = ctx.envy_ok(&["-vv", "lock"]);
    assert_eq!(
        backend_runs(&ctx.path("backend-runs.txt")),
        ["walked 1.0", "walked 2.0", "walked 3.0"],
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("prefetching 2 versions of walked from 2.0 on"),
        "{}",
        out.stderr
    );
    // The solver reaches 1.0 only after 2.0's metadata: the prefetcher
    // started 1.0's build before.
    assert!(
        out.stderr
            .contains("building metadata of walked 1.0 from its sdist in the background"),
        "{}",
        out.stderr
    );
    let lock = ctx.lock();
    assert_eq!(
        lock.version("walked").as_deref(),
        Some("1.0"),
        "{}",
        lock.raw
    );
    assert_eq!(
        lock.version("pin-dep").as_deref(),
        Some("1.0"),
        "{}",
        lock.raw
    );
}

#[test]
fn a_failing_metadata_backend_reads_as_before() {
    let mut ctx = TestContext::with_scenario();
    // Python 3.11+ underlines parts of traceback lines; older ones do not.
    ctx.add_filter(r"(?m)^ *\| *\^+\n", "");
    let runs = ctx.path("backend-runs.txt");
    untrusted_metadata_sdist_with(
        ctx.server().files_dir(),
        "broken-meta",
        "1.0",
        &[],
        &UntrustedBackend {
            runs_file: Some(&runs),
            fail: true,
        },
    );
    ctx.init_project(&["broken-meta"]);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Reading the metadata of broken_meta-1.0.tar.gz with its build backend (runs its build code)
    error: no solution found when resolving dependencies:
      Because there is no version of `broken-meta!=1.0` and `broken-meta==1.0` cannot be used: its metadata could not be read from its sdist (failed to build `broken_meta-1.0`: the `prepare_metadata_for_build_wheel` hook of `meta_backend` exited with status 1; the last lines of its output:
        | Traceback (most recent call last):
        |   File "[TEMP]/envy_pep517_driver.py", line 52, in <module>
        |     sys.exit(main())
        |   File "[TEMP]/envy_pep517_driver.py", line 46, in main
        |     result = fn(*json.loads(args))
        |   File "[TEMP]/broken_meta-1.0/meta_backend.py", line 7, in prepare_metadata_for_build_wheel
        |     raise RuntimeError("this backend cannot prepare metadata")
        | RuntimeError: this backend cannot prepare metadata), we can conclude that `broken-meta` cannot be used.
      And because your project depends on `broken-meta`, we can conclude that your project's requirements are unsatisfiable.

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    "#);
    // Tried once, by the prefetcher or the solver; the failure is memoized.
    assert_eq!(backend_runs(&runs), ["broken-meta 1.0"]);
}

#[test]
fn sdists_deep_in_a_walked_history_are_not_built_ahead() {
    let ctx = TestContext::with_scenario();
    ctx.server()
        .add_wheel(&WheelBuilder::new("pin-dep", "1.0").module("pin_dep.py", ""));
    ctx.server()
        .add_wheel(&WheelBuilder::new("pin-dep", "2.0").module("pin_dep.py", ""));
    // Wheels for 10.0 down to 7.0, each needing `pin-dep>=2`, which the
    // project forbids: the solver walks them down to 6.0, an sdist.
    for v in ["10.0", "9.0", "8.0", "7.0"] {
        ctx.server().add_wheel(
            &WheelBuilder::new("deep", v)
                .requires_dist("pin-dep>=2")
                .module("deep.py", ""),
        );
    }
    counted(&ctx, "deep", "6.0", &["pin-dep"]);
    // Older releases with only an sdist each: the backtracking batches reach
    // them while the solver waits for 6.0's backend, the solver never does.
    counted(&ctx, "deep", "3.0", &["pin-dep"]);
    counted(&ctx, "deep", "2.0", &["pin-dep"]);
    counted(&ctx, "deep", "1.0", &["pin-dep"]);
    ctx.init_project(&["deep", "pin-dep<2"]);
    let out = ctx.envy_ok(&["-vv", "lock"]);
    assert!(
        out.stderr.contains("versions of deep from 8.0 on"),
        "the solver walked the history: {}",
        out.stderr
    );
    assert_eq!(
        backend_runs(&ctx.path("backend-runs.txt")),
        ["deep 6.0"],
        "{}",
        out.stderr
    );
    assert_eq!(ctx.lock().version("deep").as_deref(), Some("6.0"));
}
