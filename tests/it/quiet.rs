//! `-q` silences everything on stderr but errors, in every command
//! (status lines, change lines, the note that an sdist's build backend runs).

use crate::common::*;

#[test]
fn quiet_lock_hides_the_build_backend_note() {
    let mut ctx = TestContext::with_scenario();
    untrusted_metadata_sdist(ctx.server().files_dir(), "q-meta", "1.0", &[]);
    ctx.init_project(&["q-meta"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["-q", "lock"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    ");
    assert!(ctx.lock().has("q-meta"));
    // Without `-q` the note is there.
    std::fs::remove_file(ctx.path("envy.lock")).unwrap();
    ctx.reset_cache();
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Reading the metadata of q_meta-1.0.tar.gz with its build backend (runs its build code)
    Resolved 1 package in [TIME]
     + q-meta 1.0
    ");
}

#[test]
fn quiet_editing_locking_and_syncing_print_nothing() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    for args in [
        &["-q", "add", "app-dep"][..],
        &["-q", "lock", "--upgrade"][..],
        &["-q", "sync"][..],
        &["-q", "sync"][..],
        &["-q", "remove", "app-dep"][..],
    ] {
        let out = ctx.envy_ok(args);
        assert_eq!(out.stderr, "", "{args:?}: {out:?}");
        assert_eq!(out.stdout, "", "{args:?}: {out:?}");
    }
    // The same commands without `-q` report what they did.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "app-dep"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
     + app-dep 2.0
    Installed 1 package, removed 0, kept 0 in [TIME]
     + app-dep==2.0
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--upgrade"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Installed 0 packages, removed 0, kept 1 in [TIME]
    ");
}

#[test]
fn quiet_failure_still_prints_the_error() {
    let ctx = TestContext::new();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["-q", "lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no `pyproject.toml` in [TEMP]

    hint: run `envy init` to create one here, or `envy new NAME` for a new project
    ");
}
