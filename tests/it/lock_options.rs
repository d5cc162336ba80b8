//! Options that change the answer are part of the lock (issue #13):
//! `[options]` records them, a plain `envy lock` re-resolves a lock made
//! with others, and `sync` re-locks the way the lock was made.

use crate::common::*;

fn context() -> TestContext {
    let server = IndexServer::empty();
    for v in ["1.0", "2.0"] {
        server.add_wheel(&WheelBuilder::new("dep", v));
    }
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.init_project(&["dep"]);
    ctx
}

#[test]
fn resolution_is_recorded_and_a_plain_lock_re_resolves() {
    let ctx = context();
    ctx.envy_ok(&["lock", "--resolution", "lowest"]);
    assert_eq!(ctx.lock().version("dep").as_deref(), Some("1.0"));
    assert!(ctx
        .read("envy.lock")
        .contains("[options]\nresolution = \"lowest\"\n"));
    // Same options: fresh.
    ctx.envy_ok(&["lock", "--resolution", "lowest", "--locked"]);
    // A plain lock asks for `highest`: `--locked` reports the change ...
    ctx.envy_fails(&["lock", "--locked"]);
    // ... and `sync` keeps the options the lock was made with.
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("dep", "1.0");
    // A plain `envy lock` re-resolves with the defaults.
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("dep").as_deref(), Some("2.0"));
    assert!(!ctx.read("envy.lock").contains("[options]"));
    ctx.envy_ok(&["lock", "--locked"]);
}

#[test]
fn exclude_newer_forms_are_recorded() {
    let ctx = context();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--exclude-newer", "last tuesday"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: invalid `--exclude-newer`: `last tuesday` is not a time: give an RFC 3339 timestamp (`2025-01-31T12:00:00Z`), a date (`2025-01-31`) or a duration (`7 days`)
    ");
    assert!(!ctx.exists("envy.lock"));
    // The test index gives no upload times, so every file is excluded.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--exclude-newer", "2025-01-31"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because there is no available version for dep and proj 0.1.0 depends on dep, proj 0.1.0 is forbidden.

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
    ctx.envy_ok(&["lock", "--prerelease", "allow", "--fork-strategy", "fewest"]);
    let text = ctx.read("envy.lock");
    assert!(
        text.contains("prerelease = \"allow\"\nfork-strategy = \"fewest\"\n"),
        "{text}"
    );
}
