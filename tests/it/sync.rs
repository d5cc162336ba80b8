//! `envy sync` and `envy run`.

use std::collections::BTreeSet;
use std::fs;

use crate::common::*;

fn scenario_project(deps: &[&str]) -> TestContext {
    let ctx = TestContext::with_scenario();
    ctx.init_project(deps);
    ctx
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| normalize_name(n)).collect()
}

/// Installed distributions other than the project itself.
fn installed_deps(ctx: &TestContext) -> BTreeSet<String> {
    let mut s = ctx.installed();
    s.remove(PROJECT);
    s
}

#[test]
fn sync_installs_exactly_the_locked_set() {
    let ctx = scenario_project(&["app-dep==1.0", "with-extra[fast]", "needs-marker"]);
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&["sync"]);
    assert!(ctx.venv().join("pyvenv.cfg").exists());
    assert_eq!(
        installed_deps(&ctx),
        set(&["app-dep", "with-extra", "speedup", "needs-marker"])
    );
    ctx.assert_installed("app-dep", "1.0");
    // win-only is locked (marker sys_platform == "win32") but not installed.
    assert!(ctx.lock().has("win-only"));
    ctx.assert_not_installed("win-only");
    ctx.python("import app_dep, with_extra, speedup, needs_marker; assert app_dep.VALUE == 1")
        .success();
}

#[test]
fn sync_without_lock_creates_it() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["sync"]);
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("2.0"));
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn project_is_installed_editable() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["sync"]);
    envy_snapshot!(ctx.filters(), ctx.python_command("import proj; print(proj.hello())"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    hello from proj

    ----- stderr -----
    ");
    // Edits show up without re-syncing.
    ctx.write(
        "src/proj/__init__.py",
        "def hello():\n    return 'edited'\n",
    );
    envy_snapshot!(ctx.filters(), ctx.python_command("import proj; print(proj.hello())"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    edited

    ----- stderr -----
    ");
}

#[test]
fn sync_removes_packages_dropped_from_the_lock() {
    let ctx = scenario_project(&["app-dep", "speedup"]);
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("speedup", "1.0");
    ctx.write_pyproject(&TestContext::pyproject(&["app-dep"]));
    ctx.envy_ok(&["sync"]);
    ctx.assert_not_installed("speedup");
    ctx.python("import speedup").failure();
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn sync_removes_extraneous_distributions() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["sync"]);
    // Plant a stray, properly recorded distribution.
    let sp = ctx.site_packages();
    let di = sp.join("stray-1.0.dist-info");
    fs::create_dir_all(&di).unwrap();
    fs::write(sp.join("stray.py"), "X = 1\n").unwrap();
    fs::write(
        di.join("METADATA"),
        "Metadata-Version: 2.1\nName: stray\nVersion: 1.0\n",
    )
    .unwrap();
    fs::write(di.join("INSTALLER"), "pip\n").unwrap();
    fs::write(
        di.join("RECORD"),
        "stray.py,,\nstray-1.0.dist-info/METADATA,,\nstray-1.0.dist-info/INSTALLER,,\nstray-1.0.dist-info/RECORD,,\n",
    )
    .unwrap();
    ctx.assert_installed("stray", "1.0");

    ctx.envy_ok(&["sync"]);
    ctx.assert_not_installed("stray");
    assert!(!sp.join("stray.py").exists());
    assert!(!di.exists());
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn sync_switches_versions_cleanly() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("app-dep", "2.0");
    ctx.write_pyproject(&TestContext::pyproject(&["app-dep==1.0"]));
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("app-dep", "1.0");
    ctx.python("import app_dep; assert app_dep.VALUE == 1")
        .success();
    let sp = ctx.site_packages();
    assert!(!sp.join("app_dep-2.0.dist-info").exists());
    assert!(sp.join("app_dep-1.0.dist-info").exists());
}

#[test]
fn frozen_installs_the_lock_as_is() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    let lock_before = ctx.read_bytes("envy.lock");
    // pyproject changes, but --frozen ignores it.
    ctx.write_pyproject(&TestContext::pyproject(&["app-dep", "speedup"]));
    ctx.envy_ok(&["sync", "--frozen"]);
    assert_eq!(ctx.read_bytes("envy.lock"), lock_before);
    ctx.assert_installed("app-dep", "2.0");
    ctx.assert_not_installed("speedup");
}

#[test]
fn frozen_without_lock_fails() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_fails(&["sync", "--frozen"]);
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn locked_sync_succeeds_when_fresh() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&["sync", "--locked"]);
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn dev_group_installed_by_default_and_skipped_with_no_dev() {
    let ctx = scenario_project(&["app-dep"]);
    let text = ctx
        .read("pyproject.toml")
        .replace("dev = []", "dev = [\"dev-tool\"]");
    ctx.write_pyproject(&text);

    ctx.envy_ok(&["sync", "--no-dev"]);
    ctx.assert_installed("app-dep", "2.0");
    ctx.assert_not_installed("dev-tool");
    assert!(ctx.lock().has("dev-tool"), "the lock covers all groups");

    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("dev-tool", "1.0");

    ctx.envy_ok(&["sync", "--no-dev"]);
    ctx.assert_not_installed("dev-tool");
}

#[test]
fn only_group() {
    let ctx = scenario_project(&["app-dep"]);
    let text = ctx
        .read("pyproject.toml")
        .replace("dev = []", "dev = [\"dev-tool\"]\nlint = [\"speedup\"]");
    ctx.write_pyproject(&text);
    ctx.envy_ok(&["sync", "--only-group", "lint"]);
    ctx.assert_installed("speedup", "1.0");
    ctx.assert_not_installed("app-dep");
    ctx.assert_not_installed("dev-tool");
}

#[test]
fn second_sync_downloads_nothing() {
    let ctx = scenario_project(&["app-dep", "parent"]);
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("child", "1.0");
    let venv_before = ctx.snapshot(".venv");
    ctx.server().reset_requests();
    ctx.envy_ok(&["sync"]);
    assert_eq!(ctx.server().file_downloads(), Vec::<String>::new());
    ctx.snapshot(".venv")
        .assert_same(&venv_before, ".venv after a no-op sync");
}

#[test]
fn no_op_sync_answers_from_its_stamp_until_the_venv_or_inputs_change() {
    let ctx = scenario_project(&["app-dep", "parent"]);
    ctx.envy_ok(&["sync"]);
    let stamp = ctx.venv().join(".envy-sync-stamp");
    assert!(stamp.is_file(), "a successful sync leaves a stamp");
    // Nothing changed: no request at all, not even for index pages.
    ctx.server().reset_requests();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Installed 0 packages, removed 0, kept 3 in [TIME]
    ");
    assert_eq!(ctx.server().requests(), Vec::<String>::new());

    // Someone removes a distribution behind envy's back (as `pip uninstall`
    // would): the stamp no longer vouches, and the sync puts it back.
    let sp = ctx.site_packages();
    fs::remove_dir_all(sp.join("app_dep-2.0.dist-info")).unwrap();
    ctx.assert_not_installed("app-dep");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Installed 1 package, removed 0, kept 2 in [TIME]
     + app-dep==2.0
    ");
    ctx.assert_installed("app-dep", "2.0");

    // A different selection is a different sync.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Installed 0 packages, removed 0, kept 3 in [TIME]
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--only-group", "dev"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Installed 0 packages, removed 3, kept 0 in [TIME]
     - app-dep==2.0
     - child==1.0
     - parent==1.0
    ");

    // Same lock bytes but a broken venv interpreter: no fast path.
    ctx.envy_ok(&["sync"]);
    fs::remove_file(ctx.venv_python()).unwrap();
    ctx.envy_ok(&["sync"]);
    ctx.python("import app_dep").success();
}

#[test]
fn recreated_venv_reinstalls() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["sync"]);
    fs::remove_dir_all(ctx.venv()).unwrap();
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn console_scripts_are_installed() {
    let ctx = scenario_project(&["cli-tool"]);
    ctx.envy_ok(&["sync"]);
    let script = ctx.venv_bin("cli-tool");
    let text = fs::read_to_string(&script).unwrap();
    assert!(
        text.starts_with("#!") && text.contains(".venv/bin/python"),
        "the script should run the venv's python:\n{text}"
    );
    envy_snapshot!(ctx.filters(), std::process::Command::new(&script), @"
    success: true
    exit_code: 0
    ----- stdout -----
    hello from cli-tool

    ----- stderr -----
    ");
}

#[test]
fn sync_with_python_path() {
    let Some(py312) = pyenv_python("3.12") else {
        eprintln!("skipped: no pyenv 3.12 here");
        return;
    };
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["sync", "--python", py312.to_str().unwrap()]);
    envy_snapshot!(ctx.filters(), ctx.python_command("import sys; print('%d.%d' % sys.version_info[:2])"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    3.12

    ----- stderr -----
    ");
    ctx.assert_installed("app-dep", "2.0");
}

#[test]
fn sync_with_python_version_request_replaces_venv() {
    let (Some(py38), Some(py312)) = (pyenv_python("3.8"), pyenv_python("3.12")) else {
        eprintln!("skipped: pyenv 3.8/3.12 not installed");
        return;
    };
    let mut ctx = scenario_project(&["app-dep"]);
    let path = format!(
        "{}:{}:{}",
        py38.parent().unwrap().display(),
        py312.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    ctx.env("PATH", &path);
    ctx.envy_ok(&["sync", "--python", "3.8"]);
    envy_snapshot!(ctx.filters(), ctx.python_command("import sys; print('%d.%d' % sys.version_info[:2])"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    3.8

    ----- stderr -----
    ");
    ctx.assert_installed("app-dep", "2.0");

    ctx.envy_ok(&["sync", "--python", "3.12"]);
    envy_snapshot!(ctx.filters(), ctx.python_command("import sys; print('%d.%d' % sys.version_info[:2])"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    3.12

    ----- stderr -----
    ");
    ctx.assert_installed("app-dep", "2.0");
    ctx.python("import proj").success();
}

#[test]
fn run_uses_the_project_environment() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["sync"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args([
        "run",
        "python",
        "-c",
        "import app_dep; print(app_dep.VALUE)",
    ]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    2

    ----- stderr -----
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["run", "python", "-c", "import sys; print(sys.prefix)"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [TEMP]/.venv

    ----- stderr -----
    ");
}

#[test]
fn run_propagates_exit_code() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["sync"]);
    let out = ctx.run_envy(&["run", "python", "-c", "import sys; sys.exit(3)"]);
    assert_eq!(out.code, Some(3), "{out:?}");
}

#[test]
fn sync_with_index_url_flag() {
    let mut ctx = scenario_project(&["speedup"]);
    let url = ctx.server().index_url();
    ctx.set_index_url(None);
    ctx.envy_ok(&["sync", "--index-url", &url]);
    ctx.assert_installed("speedup", "1.0");
}

#[test]
fn run_syncs_first() {
    let ctx = scenario_project(&["app-dep==1.0"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args([
        "run",
        "python",
        "-c",
        "import app_dep; print(app_dep.VALUE)",
    ]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    1

    ----- stderr -----
    ");
    assert!(ctx.exists("envy.lock"));
}

#[test]
fn optional_dependencies_installed_only_with_extra() {
    let ctx = scenario_project(&["app-dep"]);
    let text = ctx.read("pyproject.toml").replace(
        "\n[dependency-groups]",
        "\n[project.optional-dependencies]\nfast = [\"speedup\"]\n\n[dependency-groups]",
    );
    ctx.write_pyproject(&text);
    ctx.envy_ok(&["sync"]);
    ctx.assert_not_installed("speedup");
    ctx.envy_ok(&["sync", "--extra", "fast"]);
    ctx.assert_installed("speedup", "1.0");
    ctx.envy_ok(&["sync"]);
    ctx.assert_not_installed("speedup");
}
