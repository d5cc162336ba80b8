//! `envy add` and `envy remove`: pyproject edits, lock, sync.

use crate::common::*;

fn scenario_project(deps: &[&str]) -> TestContext {
    let ctx = TestContext::with_scenario();
    ctx.init_project(deps);
    ctx
}

#[test]
fn add_writes_lower_bound_locks_and_installs() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "app-dep"]);

    assert_eq!(ctx.project_dependencies(), vec!["app-dep>=2.0"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("2.0"));
    let wheels = lock.wheels("app-dep");
    assert_eq!(wheels.len(), 1, "{}", lock.raw);
    let fname = scenario_wheel("app-dep", "2.0");
    assert_eq!(wheels[0].filename(), fname);
    assert_eq!(wheels[0].sha256, ctx.server().sha256(&fname));

    ctx.assert_installed("app-dep", "2.0");
    ctx.python("import app_dep; assert app_dep.VALUE == 2")
        .success();
    // The project itself is installed (editable) too.
    envy_snapshot!(ctx.filters(), ctx.python_command("import proj; print(proj.hello())"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    hello from proj

    ----- stderr -----
    ");
}

#[test]
fn add_with_explicit_specifier_keeps_it() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "app-dep==1.0"]);
    assert_eq!(ctx.project_dependencies(), vec!["app-dep==1.0"]);
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("1.0"));
    ctx.assert_installed("app-dep", "1.0");
}

#[test]
fn add_with_index_url_flag() {
    let mut ctx = scenario_project(&[]);
    let url = ctx.server().index_url();
    ctx.set_index_url(None);
    ctx.envy_ok(&["add", "speedup", "--index-url", &url]);
    assert_eq!(ctx.project_dependencies(), vec!["speedup>=1.0"]);
    ctx.assert_installed("speedup", "1.0");
}

#[test]
fn add_preserves_comments_and_formatting() {
    let ctx = TestContext::with_scenario();
    let original = r#"# Top comment: keep me.
[project]
name = "proj"
version = "0.1.0"
readme = "README.md"
requires-python = ">=3.8"   # trailing comment
dependencies = [
    # a comment inside the array
    "speedup>=1.0",
]

[dependency-groups]
dev = []

[tool.custom]
key   =   "odd   spacing"   # keep this too
list = [ 1,2,   3 ]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"#;
    ctx.write_pyproject(original);
    ctx.write("README.md", "# proj\n");
    ctx.write("src/proj/__init__.py", "");
    ctx.envy_ok(&["add", "app-dep"]);

    let after = ctx.read("pyproject.toml");
    for keep in [
        "# Top comment: keep me.\n",
        "requires-python = \">=3.8\"   # trailing comment\n",
        "# a comment inside the array",
        "[tool.custom]\nkey   =   \"odd   spacing\"   # keep this too\nlist = [ 1,2,   3 ]\n",
        "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
    ] {
        assert!(after.contains(keep), "lost {keep:?}:\n{after}");
    }
    // Order is up to envy (append or keep sorted).
    let mut deps = ctx.project_dependencies();
    deps.sort();
    assert_eq!(deps, vec!["app-dep>=2.0", "speedup>=1.0"]);
}

#[test]
fn add_and_remove_keep_comments_with_their_entries() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    let text = TestContext::pyproject(&[]).replace(
        "dependencies = [\n]",
        "dependencies = [\r\n    \"speedup\",   # why idna\r\n    \"needs-marker\",  # for the marker\r\n]",
    );
    let text = text.replace('\n', "\r\n").replace("\r\r\n", "\r\n");
    ctx.write_pyproject(&text);
    ctx.envy_ok(&["add", "--no-sync", "app-dep"]);
    let after = ctx.read("pyproject.toml");
    assert!(
        after.contains(
            "dependencies = [\r\n    \"speedup\",   # why idna\r\n    \"needs-marker\",  # for the marker\r\n    \"app-dep>=2.0\",\r\n]\r\n"
        ),
        "{after:?}"
    );
    assert_eq!(after.matches("# why idna").count(), 1, "{after}");
    ctx.envy_ok(&["remove", "--no-sync", "speedup"]);
    let after = ctx.read("pyproject.toml");
    assert!(
        after.contains(
            "dependencies = [\r\n    \"needs-marker\",  # for the marker\r\n    \"app-dep>=2.0\",\r\n]\r\n"
        ),
        "{after:?}"
    );
    assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");
}

#[test]
fn re_adding_replaces_the_entry() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "app-dep==1.0"]);
    ctx.assert_installed("app-dep", "1.0");
    ctx.envy_ok(&["add", "App_Dep>=2"]);
    let deps = ctx.project_dependencies();
    assert_eq!(deps.len(), 1, "{deps:?}");
    assert!(
        normalize_name(&deps[0]).starts_with("app-dep>=2"),
        "{deps:?}"
    );
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("2.0"));
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn add_multiple_requirements_at_once() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "app-dep", "speedup", "child"]);
    let mut deps = ctx.project_dependencies();
    deps.sort();
    assert_eq!(deps, vec!["app-dep>=2.0", "child>=1.0", "speedup>=1.0"]);
    for name in ["app-dep", "speedup", "child"] {
        assert!(ctx.installed_version(name).is_some(), "{name}");
    }
}

#[test]
fn add_dev_goes_to_dev_group() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["add", "--dev", "dev-tool"]);
    assert_eq!(ctx.group_dependencies("dev"), vec!["dev-tool>=1.0"]);
    assert_eq!(ctx.project_dependencies(), vec!["app-dep"]);
    assert!(ctx.lock().has("dev-tool"));
    ctx.assert_installed("dev-tool", "1.0");
}

#[test]
fn add_to_named_group() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "--group", "lint", "dev-tool"]);
    assert_eq!(ctx.group_dependencies("lint"), vec!["dev-tool>=1.0"]);
    assert!(ctx.project_dependencies().is_empty());
    assert!(ctx.lock().has("dev-tool"));
}

#[test]
fn add_optional_goes_to_optional_dependencies() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "--optional", "fast", "speedup"]);
    assert_eq!(ctx.optional_dependencies("fast"), vec!["speedup>=1.0"]);
    assert!(ctx.project_dependencies().is_empty());
    assert!(ctx.lock().has("speedup"));
}

#[test]
fn add_with_extra_pulls_in_extra_dependencies() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "with-extra[fast]"]);
    let deps = ctx.project_dependencies();
    assert_eq!(deps.len(), 1);
    assert!(deps[0].starts_with("with-extra[fast]"), "{deps:?}");
    let lock = ctx.lock();
    assert!(lock.has("with-extra"));
    assert_eq!(lock.version("speedup").as_deref(), Some("1.0"));
    ctx.assert_installed("with-extra", "1.0");
    ctx.assert_installed("speedup", "1.0");
}

#[test]
fn add_without_extra_does_not_pull_extra_dependencies() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "with-extra"]);
    ctx.assert_installed("with-extra", "1.0");
    ctx.assert_not_installed("speedup");
    assert!(!ctx.lock().has("speedup"), "{}", ctx.lock().raw);
}

#[test]
fn add_no_sync_locks_but_does_not_install() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "--no-sync", "app-dep"]);
    assert_eq!(ctx.project_dependencies(), vec!["app-dep>=2.0"]);
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("2.0"));
    ctx.assert_not_installed("app-dep");
}

#[test]
fn add_skips_yanked_version() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "yanked-pkg"]);
    assert_eq!(ctx.project_dependencies(), vec!["yanked-pkg>=1.0"]);
    assert_eq!(ctx.lock().version("yanked-pkg").as_deref(), Some("1.0"));
    ctx.assert_installed("yanked-pkg", "1.0");
}

#[test]
fn add_prefers_final_release_over_pre_release() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "pre"]);
    assert_eq!(ctx.project_dependencies(), vec!["pre>=1.0"]);
    ctx.assert_installed("pre", "1.0");
    ctx.envy_ok(&["add", "pre>=2.0b1"]);
    assert_eq!(ctx.lock().version("pre").as_deref(), Some("2.0b1"));
    ctx.assert_installed("pre", "2.0b1");
}

#[test]
fn add_marker_dependency_is_locked_not_installed() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "needs-marker"]);
    let lock = ctx.lock();
    assert!(lock.has("win-only"), "{}", lock.raw);
    ctx.assert_installed("needs-marker", "1.0");
    ctx.assert_not_installed("win-only");
}

#[test]
fn add_console_script_package() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "cli-tool"]);
    let script = ctx.venv_bin("cli-tool");
    assert!(script.exists(), "{} missing", script.display());
    envy_snapshot!(ctx.filters(), std::process::Command::new(&script), @"
    success: true
    exit_code: 0
    ----- stdout -----
    hello from cli-tool

    ----- stderr -----
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["run", "cli-tool"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    hello from cli-tool

    ----- stderr -----
    ");
}

#[test]
fn add_sdist_only_package_is_locked() {
    let ctx = scenario_project(&[]);
    // The lead does not build sdists yet: only the lock is checked.
    let _ = ctx.run_envy(&["add", "--no-sync", "sdist-only"]);
    let lock = ctx.lock();
    let sdist = lock.sdist("sdist-only").expect("sdist entry in envy.lock");
    assert_eq!(sdist.filename(), "sdist_only-1.0.tar.gz");
    assert_eq!(sdist.sha256, ctx.server().sha256("sdist_only-1.0.tar.gz"));
    assert!(lock.wheels("sdist-only").is_empty());
}

#[test]
fn remove_drops_from_pyproject_lock_and_venv() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "app-dep", "speedup"]);
    ctx.assert_installed("app-dep", "2.0");
    ctx.envy_ok(&["remove", "app-dep"]);
    assert_eq!(ctx.project_dependencies(), vec!["speedup>=1.0"]);
    let lock = ctx.lock();
    assert!(!lock.has("app-dep"), "{}", lock.raw);
    assert!(lock.has("speedup"));
    ctx.assert_not_installed("app-dep");
    ctx.python("import app_dep").failure();
    ctx.assert_installed("speedup", "1.0");
}

#[test]
fn remove_drops_orphaned_transitive_dependencies() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "parent"]);
    assert!(ctx.lock().has("child"));
    ctx.assert_installed("child", "1.0");
    ctx.envy_ok(&["remove", "parent"]);
    let lock = ctx.lock();
    assert!(!lock.has("parent") && !lock.has("child"), "{}", lock.raw);
    ctx.assert_not_installed("parent");
    ctx.assert_not_installed("child");
}

#[test]
fn remove_keeps_shared_transitive_dependency() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "parent", "child"]);
    ctx.envy_ok(&["remove", "parent"]);
    assert!(ctx.lock().has("child"));
    ctx.assert_installed("child", "1.0");
}

#[test]
fn remove_dev_dependency() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["add", "--dev", "dev-tool"]);
    ctx.assert_installed("dev-tool", "1.0");
    ctx.envy_ok(&["remove", "--dev", "dev-tool"]);
    assert!(ctx.group_dependencies("dev").is_empty());
    assert!(!ctx.lock().has("dev-tool"));
    ctx.assert_not_installed("dev-tool");
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn remove_from_named_group() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["add", "--group", "lint", "dev-tool"]);
    ctx.envy_ok(&["remove", "--group", "lint", "dev-tool"]);
    assert!(ctx.group_dependencies("lint").is_empty());
    assert!(!ctx.lock().has("dev-tool"));
}

#[test]
fn remove_preserves_comments() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    let text = ctx
        .read("pyproject.toml")
        .replace("[project]\n", "# header comment\n[project]\n")
        + "\n[tool.other]\nx = 1 # keep\n";
    ctx.write_pyproject(&text);
    ctx.envy_ok(&["add", "app-dep"]);
    assert_eq!(ctx.project_dependencies(), vec!["app-dep>=2.0"]);
    ctx.envy_ok(&["remove", "app-dep"]);
    let after = ctx.read("pyproject.toml");
    assert!(after.contains("# header comment\n[project]\n"), "{after}");
    assert!(after.contains("[tool.other]\nx = 1 # keep\n"), "{after}");
    assert!(ctx.project_dependencies().is_empty());
}

#[test]
fn remove_unknown_dependency_fails_and_changes_nothing() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    let before = ctx.read_bytes("pyproject.toml");
    let lock_before = ctx.read_bytes("envy.lock");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["remove", "speedup"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `speedup` is not in `project.dependencies`
    ");
    assert_eq!(ctx.read_bytes("pyproject.toml"), before);
    assert_eq!(ctx.read_bytes("envy.lock"), lock_before);
}
