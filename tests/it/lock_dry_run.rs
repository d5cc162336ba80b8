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
    let out = envy_snapshot!(ctx.filters(), ctx.envy().args([
        "lock",
        "--dry-run",
        "--json",
        "--upgrade-package",
        "app-dep",
    ]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    {
      "added": [
        {
          "name": "child",
          "version": "1.0"
        },
        {
          "name": "parent",
          "version": "1.0"
        }
      ],
      "updated": [
        {
          "name": "app-dep",
          "from": "1.0",
          "to": "2.0"
        }
      ],
      "removed": [
        {
          "name": "with-extra",
          "version": "1.0"
        }
      ]
    }

    ----- stderr -----
    Resolved 3 packages in [TIME]
     ~ app-dep 1.0 -> 2.0
     + child 1.0
     + parent 1.0
     - with-extra 1.0
    Dry run: `envy.lock` would change; nothing was written
    "#);
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
    // stdout is for data: empty here.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--dry-run"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + app-dep 2.0
    Dry run: `envy.lock` would change; nothing was written
    ");
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn color_is_off_by_default_in_tests_and_on_with_always() {
    let ctx = TestContext::new();
    let plain = envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no `pyproject.toml` in [TEMP]

    hint: run `envy init` to create one here, or `envy new NAME` for a new project
    ");
    assert!(!plain.stderr.contains('\u{1b}'), "{:?}", plain.stderr);

    // Colours show in the snapshot as `<SGR>`, e.g. `<1;31>error<0>`.
    let mut filters = ctx.filters();
    filters.insert(0, (r"\x1b\[([0-9;]*)m".to_string(), "<$1>".to_string()));
    let colored = envy_snapshot!(filters, ctx.envy().args(["--color", "always", "lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    <1><31>error:<0> no `pyproject.toml` in [TEMP]

    <36>hint:<0> run `envy init` to create one here, or `envy new NAME` for a new project
    ");
    assert!(colored.stderr.contains('\u{1b}'), "{:?}", colored.stderr);

    let never = ctx.run_envy(&["--color", "never", "lock"]);
    assert!(!never.stderr.contains('\u{1b}'));
}
