//! `[tool.envy]` resolver settings: constraints, overrides, required environments.

use crate::common::*;

fn project_with_tool(ctx: &TestContext, deps: &str, tool: &str) {
    ctx.write_pyproject(&format!(
        "[project]\nname = \"proj\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [{deps}]\n\n[tool.envy]\n{tool}\n"
    ));
}

/// A constraint narrows a package that something requires, without adding it.
#[test]
fn constraint_narrows_without_requiring() {
    let ctx = TestContext::with_scenario();
    project_with_tool(
        &ctx,
        "\"app-dep\"",
        "constraint-dependencies = [\"app-dep<2\", \"speedup<1\"]",
    );
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("1.0"));
    assert_eq!(
        lock.version("speedup"),
        None,
        "a constraint must not add a package"
    );
    // Changing the constraint makes the lock stale.
    project_with_tool(&ctx, "\"app-dep\"", "constraint-dependencies = []");
    ctx.envy_fails(&["lock", "--locked"]);
}

/// An override replaces a transitive requirement's range.
#[test]
fn override_replaces_transitive_range() {
    let ctx = TestContext::with_scenario();
    // `conflict-a` requires `conflict-b<1`, and only `conflict-b 1.0` exists.
    project_with_tool(&ctx, "\"conflict-a\"", "");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
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
    project_with_tool(
        &ctx,
        "\"conflict-a\"",
        "override-dependencies = [\"conflict-b>=1\"]",
    );
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("conflict-b").as_deref(), Some("1.0"));
}

/// A required environment the locked files cannot serve fails the lock; one
/// they can serve passes; one the dependency is never used in is ignored.
#[test]
fn required_environments_need_a_usable_file() {
    let ctx = TestContext::with_scenario();
    project_with_tool(
        &ctx,
        "\"app-dep\"",
        "required-environments = [\"sys_platform == 'linux'\", \"sys_platform == 'win32'\"]",
    );
    // app-dep has pure-Python wheels: every environment is served.
    ctx.envy_ok(&["lock"]);

    let mut ctx = TestContext::new();
    let files = ctx.path("../idx");
    std::fs::create_dir_all(&files).unwrap();
    WheelBuilder::new("mac-only", "1.0")
        .tag("py3-none-macosx_11_0_arm64")
        .build(&files);
    ctx.attach(IndexServer::start(&files));
    project_with_tool(
        &ctx,
        "\"mac-only\"",
        "required-environments = [\"sys_platform == 'linux'\"]",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because there is no usable version of `mac-only` and your project depends on `mac-only`, we can conclude that your project's requirements are unsatisfiable.
      note: `mac-only` 1.0 has no wheel (and no sdist) for the required environment `sys_platform == 'linux'`: its wheels are tagged `py3-none-macosx_11_0_arm64`; a wheel tagged `manylinux_*`/`musllinux_*` would have made it usable

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
    project_with_tool(
        &ctx,
        "\"mac-only; sys_platform == 'darwin'\"",
        "required-environments = [\"sys_platform == 'linux'\"]",
    );
    ctx.envy_ok(&["lock"]);
}
