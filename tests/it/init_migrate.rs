//! `envy init` converting existing projects: Poetry and requirements files.
//! No network: `init` never locks.

use crate::common::*;

const POETRY: &str = r#"# Build and tooling for the demo service.
[tool.poetry]
name = "demo-service"
version = "1.4.0"
description = "A demo service"  # shown on PyPI
authors = ["Jane Doe <jane@example.com>", "Bob"]
readme = "README.md"
license = "MIT"

[tool.poetry.dependencies]
python = "^3.9"
# Web stack
flask = "^2.3.2"
requests = { version = "~2.31", extras = ["socks"] }
pydantic = ">=1.10,<3"
tomli = { version = "^2.0", python = "<3.11" }
rich = { version = "^0.13.1", optional = true, markers = "sys_platform != 'win32'" }
colorama = { version = "*", optional = true }
internal-lib = { git = "https://example.com/internal-lib.git", tag = "v1" }

[tool.poetry.extras]
pretty = ["rich", "colorama"]

[tool.poetry.dev-dependencies]
black = "23.*"

[tool.poetry.group.dev.dependencies]
pytest = "^7.4"  # tests

[tool.poetry.group.docs.dependencies]
mkdocs = "1.5.3"

[tool.poetry.scripts]
demo = "demo_service.cli:main"

[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"
"#;

fn arr(v: &toml::Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v:?}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[test]
fn init_converts_a_poetry_project_in_place() {
    let ctx = TestContext::new();
    ctx.write("pyproject.toml", POETRY);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["init"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    warning: `internal-lib` comes from a git source, which envy does not support yet: left out; add it back by hand once envy supports it
    Converted `[tool.poetry]` to PEP 621 `[project]` and PEP 735 `[dependency-groups]` in pyproject.toml
    The `[tool.poetry]` tables are now unused by envy; `[build-system]` still uses poetry-core, which reads them for builds (poetry-core >= 2 reads `[project]`): remove them once you switch backends or upgrade poetry-core
    ");
    assert!(!ctx.exists("envy.lock"), "init must not lock");

    let text = ctx.read("pyproject.toml");
    // Everything that was there is still there, byte for byte.
    assert!(text.starts_with(POETRY), "{text}");

    let doc = ctx.pyproject_toml();
    let p = doc["project"].as_table().unwrap();
    assert_eq!(p["name"].as_str(), Some("demo-service"));
    assert_eq!(p["version"].as_str(), Some("1.4.0"));
    assert_eq!(p["description"].as_str(), Some("A demo service"));
    assert_eq!(p["requires-python"].as_str(), Some(">=3.9,<4.0"));
    assert_eq!(p["authors"][0]["name"].as_str(), Some("Jane Doe"));
    assert_eq!(p["authors"][0]["email"].as_str(), Some("jane@example.com"));
    assert_eq!(p["authors"][1]["name"].as_str(), Some("Bob"));
    assert_eq!(
        arr(&p["dependencies"]),
        vec![
            "flask>=2.3.2,<3.0.0",
            "requests[socks]>=2.31,<2.32",
            "pydantic>=1.10,<3",
            "tomli>=2.0,<3.0; python_version < '3.11'",
        ]
    );
    assert_eq!(
        arr(&p["optional-dependencies"]["pretty"]),
        vec!["rich>=0.13.1,<0.14.0; sys_platform != 'win32'", "colorama"]
    );
    assert_eq!(p["scripts"]["demo"].as_str(), Some("demo_service.cli:main"));
    let g = doc["dependency-groups"].as_table().unwrap();
    assert_eq!(arr(&g["dev"]), vec!["black==23.*", "pytest>=7.4,<8.0"]);
    assert_eq!(arr(&g["docs"]), vec!["mkdocs==1.5.3"]);
    // `[tool.poetry]` stays for the poetry-core build backend.
    assert_eq!(doc["tool"]["poetry"]["name"].as_str(), Some("demo-service"));

    // A second run refuses: it is PEP 621 now.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["init"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `pyproject.toml` already has a PEP 621 `[project]` table next to `[tool.poetry]`

    hint: there is nothing to convert: use `envy lock` / `envy sync` directly
    ");
    assert_eq!(ctx.read("pyproject.toml"), text);
}

#[test]
fn init_refuses_untranslatable_poetry_constraint_and_changes_nothing() {
    let ctx = TestContext::new();
    let text = "[tool.poetry]\nname = \"x\"\nversion = \"1.0\"\n\n[tool.poetry.dependencies]\nfoo = \"1.* || 3.*\"\n";
    ctx.write("pyproject.toml", text);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["init"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: cannot convert `[tool.poetry]`: dependency `foo`: the Poetry constraint `1.* || 3.*` has alternatives (`||`) that one PEP 508 requirement cannot express

    hint: fix that entry in `[tool.poetry]` (or write `[project]` by hand); envy changed nothing
    ");
    assert_eq!(ctx.read("pyproject.toml"), text);
}

#[test]
fn init_widens_poetry_alternatives_with_a_warning() {
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        "[tool.poetry]\nname = \"x\"\nversion = \"1.0\"\n\n[tool.poetry.dependencies]\nfoo = \"^1.0 || ^2.0\"\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["init"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    warning: `foo`: `^1.0 || ^2.0` (either of several ranges) cannot be expressed in one PEP 508 requirement; widened to `>=1.0,<3.0`
    Converted `[tool.poetry]` to PEP 621 `[project]` and PEP 735 `[dependency-groups]` in pyproject.toml
    The `[tool.poetry]` tables are now unused and can be removed
    ");
    assert_eq!(ctx.project_dependencies(), vec!["foo>=1.0,<3.0"]);
}

#[test]
fn init_keeps_a_plain_pyproject_untouched() {
    let ctx = TestContext::new();
    ctx.write("pyproject.toml", "[tool.black]\nline-length = 100\n");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["init"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `[TEMP]` already has a `pyproject.toml`

    hint: edit it with `envy add` / `envy remove`, or remove it first
    ");
    assert_eq!(
        ctx.read("pyproject.toml"),
        "[tool.black]\nline-length = 100\n"
    );
}

#[test]
fn init_imports_a_requirements_pair() {
    let ctx = TestContext::new();
    ctx.write(
        "requirements.txt",
        "# Runtime dependencies\n\
         --index-url https://mirror.example.com/simple\n\
         \n\
         flask>=2.3,<3  # web framework\n\
         requests==2.31.0 \\\n    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f \\\n    --hash=sha256:942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1\n\
         -r requirements/common.txt\n\
         -e ./vendored/lib\n\
         https://example.com/wheels/thing-1.0-py3-none-any.whl\n",
    );
    ctx.write(
        "requirements/common.txt",
        "attrs>=23 ; python_version >= \"3.8\"\n",
    );
    ctx.write(
        "requirements-dev.txt",
        "-r requirements.txt\npytest>=7.4\nruff  # lint\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["init", "--name", "svc", "--requires-python", ">=3.9"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    warning: requirements.txt: `--index-url https://mirror.example.com/simple` is not copied: set `[tool.envy] index-url = "https://mirror.example.com/simple"` in pyproject.toml to keep using that index
    warning: requirements.txt: `-e ./vendored/lib`: editable installs are not supported yet: left out
    warning: requirements.txt: `https://example.com/wheels/thing-1.0-py3-none-any.whl`: URL and path requirements are not supported yet: left out
    Initialized project `svc` with 3 dependencies and 2 dev dependencies from `requirements.txt` and `requirements-dev.txt`
    "#);
    assert!(!ctx.exists("envy.lock"), "init must not lock");
    let doc = ctx.pyproject_toml();
    let p = doc["project"].as_table().unwrap();
    assert_eq!(p["name"].as_str(), Some("svc"));
    assert_eq!(p["requires-python"].as_str(), Some(">=3.9"));
    assert_eq!(
        arr(&p["dependencies"]),
        vec![
            "flask>=2.3,<3",
            "requests==2.31.0",
            "attrs>=23 ; python_version >= \"3.8\"",
        ]
    );
    assert_eq!(
        arr(&doc["dependency-groups"]["dev"]),
        vec!["pytest>=7.4", "ruff"]
    );
    assert_eq!(
        doc["build-system"]["build-backend"].as_str(),
        Some("hatchling.build")
    );
    // The requirement files stay.
    assert!(ctx.read("requirements.txt").contains("--hash"));
}

#[test]
fn init_reads_requirements_dir_layout() {
    let ctx = TestContext::new();
    ctx.write("requirements.txt", "click\n");
    ctx.write("requirements/dev.txt", "-r ../requirements.txt\nmypy\n");
    ctx.envy_ok(&["init", "--requires-python", ">=3.10"]);
    assert_eq!(ctx.project_dependencies(), vec!["click"]);
    assert_eq!(ctx.group_dependencies("dev"), vec!["mypy"]);
}

#[test]
fn converted_poetry_project_locks() {
    let ctx = TestContext::with_scenario();
    ctx.write(
        "pyproject.toml",
        "[tool.poetry]\nname = \"proj\"\nversion = \"0.1.0\"\n\n\
         [tool.poetry.dependencies]\npython = \"^3.8\"\napp-dep = \"^1.0\"\n\
         with-extra = { version = \"*\", optional = true }\n\n\
         [tool.poetry.extras]\nextra = [\"with-extra\"]\n\n\
         [tool.poetry.group.dev.dependencies]\ndev-tool = \"~1.0\"\n",
    );
    ctx.envy_ok(&["init"]);
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("1.0"));
    assert_eq!(lock.version("dev-tool").as_deref(), Some("1.0"));
    assert_eq!(lock.version("with-extra").as_deref(), Some("1.0"));
}

#[test]
fn imported_requirements_lock() {
    let ctx = TestContext::with_scenario();
    ctx.write("requirements.txt", "app-dep<2  # pinned below 2\n");
    ctx.write("requirements-dev.txt", "-r requirements.txt\ndev-tool\n");
    ctx.envy_ok(&["init", "--requires-python", ">=3.8"]);
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("1.0"));
    assert_eq!(lock.version("dev-tool").as_deref(), Some("1.0"));
}

/// A setuptools wheel and a `wheel` wheel from this machine's Python
/// installations (ensurepip bundles and the stdlib's test data), so a
/// setuptools build can run against the local index with no network.
/// `None` when this machine has none.
fn local_setuptools_wheels() -> Option<Vec<std::path::PathBuf>> {
    let home = std::env::var_os("HOME")?;
    let versions = std::path::Path::new(&home).join(".pyenv/versions");
    let mut setuptools = None;
    let mut wheel = None;
    let mut candidates = Vec::new();
    for v in std::fs::read_dir(versions).ok()?.flatten() {
        for lib in std::fs::read_dir(v.path().join("lib"))
            .into_iter()
            .flatten()
            .flatten()
        {
            for sub in ["test/wheeldata", "test", "ensurepip/_bundled"] {
                for f in std::fs::read_dir(lib.path().join(sub))
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    candidates.push(f.path());
                }
            }
        }
    }
    candidates.sort();
    for p in candidates {
        let name = p.file_name()?.to_string_lossy().into_owned();
        // setuptools >= 64 has PEP 660 `build_editable`.
        let newer_than_64 = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.split('.').next())
                .and_then(|major| major.parse::<u32>().ok())
                .is_some_and(|major| major >= 64)
        };
        if name.ends_with(".whl") && newer_than_64("setuptools-") {
            setuptools = Some(p.clone());
        } else if name.starts_with("wheel-") && name.ends_with(".whl") {
            wheel = Some(p.clone());
        }
    }
    Some(vec![setuptools?, wheel?])
}

const SETUP_PY: &str = r#"from setuptools import setup
from legacy_app import __version__

setup(
    name="legacy-app",
    version=__version__,
    description="An app from before pyproject.toml",
    packages=["legacy_app"],
    install_requires=["dep>=1.0", "old-dep; python_version < '3.8'"],
    extras_require={"fast": ["speedup"]},
    python_requires=">=3.8",
    entry_points={"console_scripts": ["legacy-app=legacy_app:main"]},
)
"#;

#[test]
fn init_reads_a_setup_py_project_through_its_backend_and_sync_installs_it() {
    let Some(wheels) = local_setuptools_wheels() else {
        eprintln!(
            "skipped: no setuptools>=64 and wheel wheels under ~/.pyenv/versions to serve locally"
        );
        return;
    };
    let server = IndexServer::empty();
    for w in &wheels {
        std::fs::copy(w, server.files_dir().join(w.file_name().unwrap())).unwrap();
    }
    server.add_wheel(&WheelBuilder::new("dep", "1.2.0").module("dep/__init__.py", "VALUE = 12\n"));
    server.add_wheel(&WheelBuilder::new("speedup", "2.0.0"));
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.write("setup.py", SETUP_PY);
    ctx.write(
        "legacy_app/__init__.py",
        "__version__ = \"1.2.3\"\n\ndef main():\n    import dep\n    print(\"legacy ok\", dep.VALUE)\n",
    );
    ctx.write(
        "pyproject.toml",
        "[tool.black]\nline-length = 100  # wide\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["init"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Reading the project's metadata from `setup.py` (runs its build backend)
    Initialized project `legacy-app` 1.2.3 from `setup.py` with 2 dependencies and 1 extra; setuptools stays its build backend
    warning: `[project]` in pyproject.toml now sets the name, version, requires-python and dependencies; setuptools ignores the same fields in `setup.py` (`install_requires`, `extras_require`, `python_requires`, `version`): edit dependencies with `envy add`/`envy remove`, and remove those arguments from `setup.py`
    ");
    envy_snapshot!(ctx.filters(), std::process::Command::new("cat").arg(ctx.path("pyproject.toml")), @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    [project]
    name = "legacy-app"
    version = "1.2.3"
    requires-python = ">=3.8"
    dependencies = [
        "dep>=1.0",
        "old-dep ; python_full_version < '3.8'",
    ]
    dynamic = ["description", "entry-points", "gui-scripts", "scripts", "urls"]

    [project.optional-dependencies]
    fast = [
        "speedup",
    ]

    [build-system]
    requires = ["setuptools>=61"]
    build-backend = "setuptools.build_meta:__legacy__"

    [tool.black]
    line-length = 100  # wide

    ----- stderr -----
    "#);
    // No scaffolding: no `src/` stub can shadow the project's own package.
    assert!(!ctx.exists("src"));
    ctx.envy_ok(&["sync"]);
    let out = std::process::Command::new(ctx.venv_bin("legacy-app"))
        .output()
        .expect("the console script from setup.py is installed");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "legacy ok 12\n");
    let imported = ctx.python("import legacy_app; print(legacy_app.__file__)");
    assert_eq!(
        imported.stdout.trim(),
        ctx.path("legacy_app/__init__.py").display().to_string()
    );
    // Editable (PEP 610) and recorded: a second sync keeps it.
    let site = ctx.python("import sysconfig; print(sysconfig.get_paths()['purelib'])");
    let direct_url = std::fs::read_to_string(
        std::path::Path::new(site.stdout.trim()).join("legacy_app-1.2.3.dist-info/direct_url.json"),
    )
    .unwrap();
    assert!(direct_url.contains("\"editable\":true"), "{direct_url}");
    // The zipapp of such a project runs.
    ctx.envy_ok(&[
        "export",
        "--frozen",
        "--format",
        "zipapp",
        "-e",
        "legacy_app:main",
        "-o",
        "app.pyz",
    ]);
    let out = std::process::Command::new("python3")
        .arg(ctx.path("app.pyz"))
        .env_remove("PYTHONPATH")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "legacy ok 12\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Installed 0 packages, removed 0, kept 1 in [TIME]
    ");
}

#[test]
fn dynamic_dependencies_are_refused_not_locked_empty() {
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"dyn\"\nversion = \"1.0\"\nrequires-python = \">=3.8\"\ndynamic = [\"dependencies\"]\n\n[tool.setuptools.dynamic]\ndependencies = { file = [\"requirements.txt\"] }\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `dependencies` in `[project] dynamic` of [TEMP]/pyproject.toml: envy reads these from `pyproject.toml` only and cannot lock them

    hint: list them in `[project]` and remove them from `dynamic` (`envy add` writes dependencies)
    ");
    assert!(!ctx.exists("envy.lock"));
}
