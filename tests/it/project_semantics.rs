//! What `sync` installs of the project itself: virtual projects (no
//! `[build-system]`), `[tool.envy] package`, and requirements on the
//! project's own name anywhere in the graph (issue #13).

use crate::common::*;

/// A server with `plugin` 1.0 (requires the project, `proj>=0.1`) and a
/// registry copy `proj` 9.0 that must never be locked or installed.
fn plugin_server() -> IndexServer {
    let server = IndexServer::empty();
    server.add_wheel(
        &WheelBuilder::new("plugin", "1.0")
            .requires_dist("proj>=0.1")
            .module("plugin/__init__.py", "import proj\nVALUE = proj.hello()\n"),
    );
    server.add_wheel(
        &WheelBuilder::new("proj", "9.0")
            .module("proj/__init__.py", "raise ImportError('registry copy')\n"),
    );
    server.add_wheel(&WheelBuilder::new("six", "1.0").module("six.py", "X = 1\n"));
    server
}

fn context() -> TestContext {
    let mut ctx = TestContext::new();
    ctx.attach(plugin_server());
    ctx
}

#[test]
fn a_dependency_on_the_project_is_satisfied_by_the_project() {
    let ctx = context();
    ctx.init_project(&["plugin"]);
    ctx.envy_ok(&["sync"]);
    let lock = ctx.lock();
    assert_eq!(
        lock.packages_named("proj").len(),
        1,
        "the project is locked once"
    );
    assert!(
        !lock.registry_names().contains("proj"),
        "no registry copy of the project"
    );
    ctx.assert_installed("proj", "0.1.0");
    envy_snapshot!(ctx.filters(), ctx.python_command("import plugin; print(plugin.VALUE)"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    hello from proj

    ----- stderr -----
    ");
    assert!(
        !ctx.server()
            .file_downloads()
            .iter()
            .any(|f| f.starts_with("proj-")),
        "the registry copy was downloaded"
    );
}

#[test]
fn a_dependency_excluding_the_project_version_is_a_conflict() {
    let server = IndexServer::empty();
    server.add_wheel(&WheelBuilder::new("plugin", "1.0").requires_dist("proj>=2"));
    server.add_wheel(&WheelBuilder::new("proj", "2.0"));
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.init_project(&["plugin"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no solution found when resolving dependencies:
      Because there is no version of `plugin!=1.0` and `plugin==1.0` depends on `proj>=2` (your project, which is at 0.1.0), we can conclude that `plugin` depends on `proj>=2` (your project, which is at 0.1.0).
      And because your project depends on `plugin`, we can conclude that your project's requirements are unsatisfiable.

    hint: loosen or remove one of the conflicting requirements in `pyproject.toml`
    ");
    assert!(!ctx.exists("envy.lock"));
}

const VIRTUAL: &str = r#"[project]
name = "proj"
version = "0.1.0"
requires-python = ">=3.8"
dependencies = ["six"]
"#;

#[test]
fn a_project_without_build_system_is_virtual() {
    let ctx = context();
    ctx.write_pyproject(VIRTUAL);
    ctx.write("src/proj/__init__.py", "def hello():\n    return 'hi'\n");
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("six", "1.0");
    ctx.assert_not_installed("proj");
    // Every installed distribution is complete (a `WHEEL` file, as `pip
    // check` and `uv pip check` require).
    for entry in std::fs::read_dir(ctx.site_packages()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "dist-info") {
            assert!(
                path.join("WHEEL").exists() || path.join("direct_url.json").exists(),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn tool_envy_package_overrides_the_default() {
    let ctx = context();
    ctx.write_pyproject(&format!("{VIRTUAL}\n[tool.envy]\npackage = true\n"));
    ctx.write("src/proj/__init__.py", "def hello():\n    return 'hi'\n");
    ctx.envy_ok(&["sync"]);
    ctx.assert_installed("proj", "0.1.0");
    // Back to virtual: the earlier install of the project is removed.
    ctx.write_pyproject(&format!("{VIRTUAL}\n[tool.envy]\npackage = false\n"));
    ctx.envy_ok(&["sync"]);
    ctx.assert_not_installed("proj");
    ctx.assert_installed("six", "1.0");
}

#[test]
fn only_group_never_installs_the_project() {
    let ctx = context();
    ctx.write_pyproject(&format!(
        "{VIRTUAL}\n[dependency-groups]\nlint = [\"six\"]\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"
    ));
    ctx.write("src/proj/__init__.py", "def hello():\n    return 'hi'\n");
    ctx.envy_ok(&["sync", "--only-group", "lint"]);
    ctx.assert_not_installed("proj");
    ctx.assert_installed("six", "1.0");
}

#[test]
fn a_direct_reference_is_refused_never_resolved_from_an_index() {
    let ctx = context();
    ctx.write_pyproject(&format!(
        "{VIRTUAL}\n[dependency-groups]\ndev = [\"six @ hg+https://user:secret@files.example/six@v1\"]\n"
    ));
    let before = ctx.read("pyproject.toml");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `six @ hg+https://files.example/six@v1` in [dependency-groups] dev is a direct reference, which envy cannot lock yet

    hint: envy never resolves `six` from an index in its place; use a version specifier (`six>=...`) from an index, or another tool until envy supports direct references
    ");
    assert!(!ctx.exists("envy.lock"));
    assert_eq!(ctx.read("pyproject.toml"), before);
}

/// A uv project: `[tool.uv]` settings envy shares with uv are read
/// (legacy `dev-dependencies` join the `dev` group, `constraint-dependencies`
/// apply), and what envy does not read is a warning.
#[test]
fn tool_uv_settings_are_read_when_there_is_no_tool_envy() {
    let server = IndexServer::empty();
    server.add_wheel(&WheelBuilder::new("six", "1.0").module("six.py", "X = 1\n"));
    server.add_wheel(&WheelBuilder::new("six", "2.0").module("six.py", "X = 2\n"));
    server.add_wheel(&WheelBuilder::new("devtool", "1.0").module("devtool.py", ""));
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.write_pyproject(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"six\"]\n\n[tool.uv]\ndev-dependencies = [\"devtool\"]\nconstraint-dependencies = [\"six<2\"]\nconflicts = [[{ extra = \"a\" }, { extra = \"b\" }]]\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    warning: `[tool.uv] conflicts` is not read by envy: extras and groups declared as conflicting are resolved together
    Resolved 2 packages in [TIME]
     + devtool 1.0
     + six 1.0
    Creating virtual environment at .venv (Python 3.[X])
    Installed 2 packages, removed 0, kept 0 in [TIME]
     + devtool==1.0
     + six==1.0
    ");
    assert_eq!(ctx.installed_version("six").as_deref(), Some("1.0"));
    assert_eq!(ctx.installed_version("devtool").as_deref(), Some("1.0"));
}

/// A `[tool.uv.sources]` path or URL source next to `[tool.envy]` (which
/// envy then reads instead of `[tool.uv]`) is refused rather than that
/// package taken from the index (dependency confusion).
#[test]
fn tool_uv_direct_sources_are_refused_not_resolved_from_the_index() {
    let mut ctx = TestContext::new();
    ctx.attach(plugin_server());
    ctx.write_pyproject(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"six\"]\n\n[tool.envy]\n\n[tool.uv.sources]\nsix = { path = \"../six\", editable = true }\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:9:10: invalid tool.uv.sources.six: `six` comes from a path source in `[tool.uv.sources]`, which envy does not read when `[tool.envy]` exists; move it to `[tool.envy.sources]` (envy never resolves `six` from an index in its place)

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");
    assert!(!ctx.exists("envy.lock"));
}

/// A `setup.cfg` that only holds tool settings does not make the project one
/// only its build backend can install: sync writes envy's own editable
/// install and runs no backend (the local index has no build backend).
#[test]
fn a_tool_only_setup_cfg_keeps_the_plain_editable_install() {
    let ctx = context();
    ctx.init_project(&["six"]);
    ctx.write("setup.cfg", "[flake8]\nmax-line-length = 100\n");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + six 1.0
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + six==1.0
    ");
    assert_eq!(
        ctx.python("import proj; print(proj.hello())").stdout.trim(),
        "hello from proj"
    );
}
