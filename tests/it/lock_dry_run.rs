//! `envy lock --dry-run [--json]` and `--color`.

use crate::common::*;

#[test]
fn dry_run_reports_changes_without_writing() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep<2", "with-extra"]);
    ctx.envy_ok(&["lock"]);
    let before = ctx.read("envy.lock");

    ctx.write(
        "pyproject.toml",
        TestContext::pyproject(&["app-dep", "parent"]),
    );
    let out = ctx.envy_ok(&[
        "lock",
        "--dry-run",
        "--json",
        "--upgrade-package",
        "app-dep",
    ]);
    out.stderr_contains("~ app-dep 1.0 -> 2.0")
        .stderr_contains("nothing was written");
    assert_eq!(ctx.read("envy.lock"), before, "--dry-run must not write");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({
            "added": [
                {"name": "child", "version": "1.0"},
                {"name": "parent", "version": "1.0"}
            ],
            "updated": [{"name": "app-dep", "from": "1.0", "to": "2.0"}],
            "removed": [{"name": "with-extra", "version": "1.0"}]
        })
    );

    // Without --dry-run the same report comes with a written lock.
    let out = ctx.envy_ok(&["lock", "--json", "--upgrade-package", "app-dep"]);
    assert_ne!(ctx.read("envy.lock"), before);
    let written: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(written, report);

    // Fresh lock: nothing would change.
    let out = ctx.envy_ok(&["lock", "--dry-run", "--json"]);
    let empty: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        empty,
        serde_json::json!({"added": [], "updated": [], "removed": []})
    );
}

#[test]
fn dry_run_without_a_lock_writes_none() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep"]);
    let out = ctx.envy_ok(&["lock", "--dry-run"]);
    out.stderr_contains("+ app-dep 2.0");
    assert!(out.stdout.is_empty(), "stdout is for data: {}", out.stdout);
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn color_is_off_by_default_in_tests_and_on_with_always() {
    let ctx = TestContext::new();
    let plain = ctx.run_envy(&["lock"]);
    plain.failure();
    assert!(!plain.stderr.contains('\u{1b}'), "{:?}", plain.stderr);
    plain.stderr_contains("error: no `pyproject.toml`");

    let colored = ctx.run_envy(&["--color", "always", "lock"]);
    colored.failure();
    assert!(colored.stderr.contains('\u{1b}'), "{:?}", colored.stderr);
    assert!(colored.stderr.contains("hint:"));

    let never = ctx.run_envy(&["--color", "never", "lock"]);
    assert!(!never.stderr.contains('\u{1b}'));
}
