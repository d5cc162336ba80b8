//! Direct references (issue #16): local source trees, `file://` wheels and
//! sdists, and archive URLs, from `[tool.envy.sources]`, PEP 508
//! `name @ URL` and `[tool.uv.sources]`. Offline: the trees and sdists use
//! the in-tree test backend, the URLs point at the local index server.

use crate::common::*;

/// An index serving `lib` 1.0 and 9.0 (a public package of the same name as
/// the local one: dependency confusion bait) and `child` 1.0.
fn bait_server() -> IndexServer {
    let server = IndexServer::empty();
    for v in ["1.0", "9.0"] {
        server.add_wheel(
            &WheelBuilder::new("lib", v)
                .module("lib/__init__.py", "raise ImportError('index copy')\n"),
        );
    }
    server.add_wheel(&WheelBuilder::new("child", "1.0").module("child.py", "C = 1\n"));
    server
}

/// The local `lib` 0.5 source tree at `ROOT/libs/lib`.
fn lib_tree(ctx: &TestContext, requires: &[&str]) -> SdistBuilder {
    let mut sdist = SdistBuilder::new("lib", "0.5")
        .requires_python(">=3.8")
        .module("lib/__init__.py", "WHERE = 'local tree'\n");
    for r in requires {
        sdist = sdist.requires_dist(r);
    }
    sdist.write_tree(&ctx.path("../libs/lib"));
    sdist
}

fn app(extra: &str) -> String {
    format!(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"lib\"]\n{extra}"
    )
}

fn context() -> TestContext {
    let mut ctx = TestContext::new();
    ctx.attach(bait_server());
    ctx
}

/// A path dependency is locked from the path even though the index has a
/// higher version of the same name, and the index is never asked about it.
#[test]
fn a_path_dependency_wins_over_an_index_with_the_same_name() {
    let ctx = context();
    lib_tree(&ctx, &["child>=1"]);
    ctx.write_pyproject(&app(
        "\n[tool.envy.sources]\nlib = { path = \"../libs/lib\" }\n",
    ));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 2 packages in [TIME]
     + child 1.0
     + lib 0.5
    ");
    insta::assert_snapshot!(package_table(&ctx.read("envy.lock"), "lib"), @r#"
    [[package]]
    name = "lib"
    version = "0.5"
    source = { path = "../libs/lib" }
    groups = ["main"]
    dependencies = [
        { name = "child" },
    ]
    requires-dist = [
        "child>=1",
    ]
    "#);
    assert!(
        !ctx.server()
            .requests()
            .iter()
            .any(|r| r.contains("/lib/") || r.contains("lib-")),
        "the index was asked about `lib`: {:?}",
        ctx.server().requests()
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Building lib==0.5 from `../libs/lib` (runs its build backend)
    Creating virtual environment at .venv (Python 3.[X])
    Installed 2 packages, removed 0, kept 0 in [TIME]
     + child==1.0
     + lib==0.5
    ");
    assert_eq!(
        ctx.python("import lib; print(lib.WHERE)").stdout.trim(),
        "local tree"
    );
    let direct_url = std::fs::read_to_string(
        ctx.site_packages()
            .join("lib-0.5.dist-info/direct_url.json"),
    )
    .unwrap();
    assert!(direct_url.contains("\"dir_info\":{}"), "{direct_url}");
}

/// `name @ file:///...` to a wheel and to an sdist: each is locked as a
/// path relative to the project with its sha256 and size, and installed.
#[test]
fn file_url_wheel_and_sdist_lock_with_hashes_and_install() {
    let ctx = context();
    let dists = ctx.path("../dists");
    let wheel = WheelBuilder::new("lib", "0.7")
        .requires_python(">=3.8")
        .module("lib/__init__.py", "WHERE = 'local wheel'\n")
        .build(&dists);
    let sdist = SdistBuilder::new("tool", "2.0")
        .requires_python(">=3.8")
        .module("tool/__init__.py", "WHERE = 'local sdist'\n")
        .build(&dists);
    let file_url = |p: &std::path::Path| format!("file://{}", p.display());
    ctx.write_pyproject(&format!(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"lib @ {}\", \"tool @ {}\"]\n",
        file_url(&wheel),
        file_url(&sdist)
    ));
    ctx.envy_ok(&["lock"]);
    let lock = ctx.read("envy.lock");
    let mut filters = ctx.filters();
    filters.insert(0, (sha256_file(&wheel), "[WHEEL-SHA]".to_string()));
    filters.insert(0, (sha256_file(&sdist), "[SDIST-SHA]".to_string()));
    filters.insert(0, (r"size = \d+".to_string(), "size = [SIZE]".to_string()));
    filter_settings(filters.clone()).bind(|| {
        insta::assert_snapshot!(package_table(&lock, "lib"), @r#"
        [[package]]
        name = "lib"
        version = "0.7"
        source = { path = "../dists/lib-0.7-py3-none-any.whl" }
        groups = ["main"]
        dependencies = []
        wheels = [
            { url = "../dists/lib-0.7-py3-none-any.whl", sha256 = "[WHEEL-SHA]", size = [SIZE] },
        ]
        "#);
        insta::assert_snapshot!(package_table(&lock, "tool"), @r#"
        [[package]]
        name = "tool"
        version = "2.0"
        source = { path = "../dists/tool-2.0.tar.gz" }
        groups = ["main"]
        dependencies = []
        sdist = { url = "../dists/tool-2.0.tar.gz", sha256 = "[SDIST-SHA]", size = [SIZE] }
        "#);
    });
    envy_snapshot!(filters, ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Building tool==2.0 from source (runs its build backend)
    Creating virtual environment at .venv (Python 3.[X])
    Installed 2 packages, removed 0, kept 0 in [TIME]
     + lib==0.7
     + tool==2.0
    ");
    assert_eq!(
        ctx.python("import lib, tool; print(lib.WHERE, tool.WHERE)")
            .stdout
            .trim(),
        "local wheel local sdist"
    );
    // Re-locking changes nothing; `--locked` agrees.
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.read("envy.lock"), lock);
    ctx.envy_ok(&["lock", "--locked"]);
    // A rebuilt wheel at the same path (other bytes) makes the lock stale.
    WheelBuilder::new("lib", "0.7")
        .requires_python(">=3.8")
        .module("lib/__init__.py", "WHERE = 'rebuilt wheel'\n")
        .build(&dists);
    ctx.envy_fails(&["lock", "--locked"]);
}

/// An archive URL (on the local server, which also lists the package):
/// downloaded once, locked with its sha256 and size; a `#sha256=` fragment
/// that does not match is the tampering error; an archive whose bytes change
/// after locking fails `sync` with it, `.venv` untouched.
#[test]
fn archive_urls_are_hashed_and_a_changed_archive_is_refused() {
    let mut ctx = context();
    let name = WheelBuilder::new("lib", "1.0").filename();
    let url = ctx.server().file_url(&name);
    let sha = ctx.server().sha256(&name);
    ctx.write_pyproject(&format!(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"lib @ {url}#sha256={}\"]\n",
        "0".repeat(64)
    ));
    let mut filters = ctx.filters();
    filters.insert(0, (sha.clone(), "[SHA]".to_string()));
    envy_snapshot!(filters.clone(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `lib` comes from `http://127.0.0.1:[PORT]/files/lib-1.0-py3-none-any.whl`, whose sha256 is [SHA], not the 0000000000000000000000000000000000000000000000000000000000000000 its `#sha256=` fragment names

    hint: if the archive changed on purpose, fix the fragment; otherwise treat it as tampering
    ");
    assert!(!ctx.exists("envy.lock"));
    ctx.write_pyproject(&format!(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"lib @ {url}#sha256={sha}\"]\n"
    ));
    ctx.envy_ok(&["lock"]);
    filter_settings(filters.clone()).bind(|| {
        insta::assert_snapshot!(package_table(&ctx.read("envy.lock"), "lib"), @r#"
        [[package]]
        name = "lib"
        version = "1.0"
        source = { url = "http://127.0.0.1:[PORT]/files/lib-1.0-py3-none-any.whl" }
        groups = ["main"]
        dependencies = []
        wheels = [
            { url = "http://127.0.0.1:[PORT]/files/lib-1.0-py3-none-any.whl", sha256 = "[SHA]", size = 879 },
        ]
        "#);
    });
    // The index's own page for `lib` was never asked for.
    assert!(!ctx
        .server()
        .requests()
        .iter()
        .any(|r| r.starts_with("/simple/lib")));
    ctx.server().tamper(&name);
    ctx.reset_cache();
    filters.insert(
        0,
        (
            r"actual sha256:   [0-9a-f]{64}".to_string(),
            "actual sha256:   [TAMPERED]".to_string(),
        ),
    );
    envy_snapshot!(filters, ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: hash mismatch for `lib-1.0-py3-none-any.whl`
      expected sha256: [SHA]
      actual sha256:   [TAMPERED]
      from: http://127.0.0.1:[PORT]/files/lib-1.0-py3-none-any.whl

    hint: the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering
    ");
    assert!(!ctx.exists(".venv/pyvenv.cfg") || ctx.installed_version("lib").is_none());
}

/// An editable path source is installed through the backend's PEP 660 hook
/// and marked editable; `--locked` fails once the tree's requirements
/// change, and re-locking picks them up.
#[test]
fn an_editable_path_dependency_is_relocked_when_its_pyproject_changes() {
    let ctx = context();
    lib_tree(&ctx, &[]);
    ctx.write_pyproject(&app(
        "\n[tool.envy.sources]\nlib = { path = \"../libs/lib\", editable = true }\n",
    ));
    ctx.envy_ok(&["sync"]);
    let lock = ctx.read("envy.lock");
    assert!(
        lock.contains("source = { editable = \"../libs/lib\" }"),
        "{lock}"
    );
    let direct_url = std::fs::read_to_string(
        ctx.site_packages()
            .join("lib-0.5.dist-info/direct_url.json"),
    )
    .unwrap();
    assert!(direct_url.contains("\"editable\":true"), "{direct_url}");
    ctx.envy_ok(&["lock", "--locked"]);
    // The tree now requires `child`.
    lib_tree(&ctx, &["child>=1"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--locked"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `envy.lock` does not match `pyproject.toml` and `--locked` was given

    hint: run `envy lock` and commit the updated `envy.lock`
    ");
    ctx.envy_ok(&["lock"]);
    assert!(ctx.read("envy.lock").contains("\"child>=1\""));
    // Not editable any more: the lock changes, and sync reinstalls it.
    ctx.write_pyproject(&app(
        "\n[tool.envy.sources]\nlib = { path = \"../libs/lib\" }\n",
    ));
    ctx.envy_fails(&["lock", "--locked"]);
    ctx.envy_ok(&["sync"]);
    let direct_url = std::fs::read_to_string(
        ctx.site_packages()
            .join("lib-0.5.dist-info/direct_url.json"),
    )
    .unwrap();
    assert!(direct_url.contains("\"dir_info\":{}"), "{direct_url}");
    ctx.assert_installed("child", "1.0");
}

/// Errors name what is wrong and where, and leave `pyproject.toml` and
/// `envy.lock` as they were.
#[test]
fn a_path_that_is_no_project_or_names_another_distribution_is_an_error() {
    let ctx = context();
    std::fs::create_dir_all(ctx.path("../libs/empty")).unwrap();
    lib_tree(&ctx, &[]);
    ctx.write_pyproject(&app(
        "\n[tool.envy.sources]\nlib = { path = \"../libs/empty\" }\n",
    ));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `lib` comes from `../libs/empty`, which is not a Python project: it has no `pyproject.toml` or `setup.py`

    hint: point the source at the directory that holds the project's `pyproject.toml`
    ");
    assert!(!ctx.exists("envy.lock"));
    ctx.write_pyproject(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"other\"]\n\n[tool.envy.sources]\nother = { path = \"../libs/lib\" }\n",
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `other` comes from `../libs/lib`, but the distribution there is named `lib`

    hint: fix the package name in `pyproject.toml`, or point the source at the right distribution
    ");
    ctx.write_pyproject(&app(
        "\n[tool.envy.sources]\nlib = { path = \"../libs/missing\" }\n",
    ));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `lib` comes from `../libs/missing`, which does not exist

    hint: check the path; relative paths start at the directory of `pyproject.toml`
    ");
    assert!(!ctx.exists("envy.lock"));
}

/// A uv project's `[tool.uv.sources]` path source is read like
/// `[tool.envy.sources]` when there is no `[tool.envy]`.
#[test]
fn tool_uv_path_sources_are_read() {
    let ctx = context();
    lib_tree(&ctx, &[]);
    ctx.write_pyproject(&app(
        "\n[tool.uv.sources]\nlib = { path = \"../libs/lib\", editable = true }\n",
    ));
    ctx.envy_ok(&["sync"]);
    assert!(ctx
        .read("envy.lock")
        .contains("source = { editable = \"../libs/lib\" }"));
    assert_eq!(
        ctx.python("import lib; print(lib.WHERE)").stdout.trim(),
        "local tree"
    );
}

/// A project with an editable source tree, a local wheel and an archive URL.
fn mixed_project(ctx: &TestContext) -> (std::path::PathBuf, String) {
    lib_tree(ctx, &[]);
    let wheel = WheelBuilder::new("tool", "0.7")
        .requires_python(">=3.8")
        .module("tool/__init__.py", "WHERE = 'local wheel'\n")
        .build(&ctx.path("dists"));
    let child = ctx.server().file_url("child-1.0-py3-none-any.whl");
    ctx.write_pyproject(&format!(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"lib\", \"tool\", \"child @ {child}\"]\n\n[tool.envy.sources]\nlib = {{ path = \"../libs/lib\", editable = true }}\ntool = {{ path = \"dists/tool-0.7-py3-none-any.whl\" }}\n"
    ));
    (wheel, child)
}

/// Exports write each direct reference in the format's own terms:
/// requirements.txt as `name @ URL` (hashed archives) and `-e ./path`,
/// pylock.toml as `directory` / `archive` (PEP 751); a wheelhouse holds a
/// wheel built from the source tree and verifies.
#[test]
fn exports_write_direct_references() {
    let ctx = context();
    let (wheel, _) = mixed_project(&ctx);
    ctx.envy_ok(&["lock"]);
    let mut filters = ctx.filters();
    filters.insert(0, (sha256_file(&wheel), "[WHEEL-SHA]".to_string()));
    filters.insert(
        0,
        (
            ctx.server().sha256("child-1.0-py3-none-any.whl"),
            "[CHILD-SHA]".to_string(),
        ),
    );
    filters.insert(0, (r"size = \d+".to_string(), "size = [SIZE]".to_string()));
    envy_snapshot!(filters.clone(), ctx.envy().args(["export", "--frozen"]), @r"
    success: true
    exit_code: 0
    ----- stdout -----
    # This file was generated by envy from envy.lock (`envy export`).
    child @ http://127.0.0.1:[PORT]/files/child-1.0-py3-none-any.whl \
        --hash=sha256:[CHILD-SHA]
    -e ../libs/lib
    tool @ file://[TEMP]/dists/tool-0.7-py3-none-any.whl \
        --hash=sha256:[WHEEL-SHA]

    ----- stderr -----
    ");
    envy_snapshot!(
        filters.clone(),
        ctx.envy()
            .args(["export", "--frozen", "--format", "pylock.toml"]),
        @r#"
    success: true
    exit_code: 0
    ----- stdout -----
    # This file was generated by envy from envy.lock (`envy export --format pylock.toml`).
    lock-version = "1.0"
    environments = ["python_full_version >= '3.8'"]
    requires-python = ">=3.8"
    extras = []
    dependency-groups = []
    default-groups = []
    created-by = "envy"

    [[packages]]
    name = "child"
    version = "1.0"
    archive = { url = "http://127.0.0.1:[PORT]/files/child-1.0-py3-none-any.whl", size = [SIZE], hashes = { sha256 = "[CHILD-SHA]" } }

    [[packages]]
    name = "lib"
    version = "0.5"
    directory = { path = "../libs/lib", editable = true }

    [[packages]]
    name = "tool"
    version = "0.7"
    archive = { path = "dists/tool-0.7-py3-none-any.whl", size = [SIZE], hashes = { sha256 = "[WHEEL-SHA]" } }

    ----- stderr -----
    "#
    );
    ctx.envy_ok(&["export", "--frozen", "--format", "wheelhouse", "-o", "wh"]);
    assert!(ctx.exists("wh/lib-0.5-py3-none-any.whl"));
    assert!(ctx.exists("wh/tool-0.7-py3-none-any.whl"));
    assert!(ctx.exists("wh/child-1.0-py3-none-any.whl"));
    ctx.envy_ok(&["verify", "wh"]);
    ctx.envy_ok(&["export", "--frozen", "--format", "vendor", "-o", "vendor"]);
    assert!(ctx.exists("vendor/lib/__init__.py"));
    ctx.envy_ok(&["verify", "vendor"]);
}

/// `sync --frozen` installs from the lock alone, and a second sync keeps
/// everything (no rebuild of the source tree).
#[test]
fn frozen_sync_installs_every_kind_from_the_lock() {
    let ctx = context();
    mixed_project(&ctx);
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&["sync", "--frozen"]);
    assert_eq!(
        ctx.python("import lib, tool, child; print(lib.WHERE, tool.WHERE, child.C)")
            .stdout
            .trim(),
        "local tree local wheel 1"
    );
    std::fs::remove_file(ctx.path(".venv/.envy-sync-stamp")).unwrap();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Installed 0 packages, removed 0, kept 3 in [TIME]
    ");
}

/// `envy add PATH --editable` writes the requirement by the name in the
/// tree's metadata and a `[tool.envy.sources]` entry, locks and syncs;
/// `envy remove` takes both out again, leaving `pyproject.toml` as it was.
#[test]
fn add_a_path_then_remove_it_leaves_pyproject_as_before() {
    let ctx = context();
    lib_tree(&ctx, &[]);
    ctx.write_pyproject(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = []\n",
    );
    let before = ctx.read("pyproject.toml");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "../libs/lib", "--editable"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
     + lib 0.5
    Building an editable wheel of lib==0.5 from `../libs/lib` (runs its build backend)
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + lib==0.5
    ");
    insta::assert_snapshot!(ctx.read("pyproject.toml"), @r#"
    [project]
    name = "app"
    version = "0.1.0"
    requires-python = ">=3.8"
    dependencies = ["lib"]

    [tool.envy.sources]
    lib = { path = "../libs/lib", editable = true }
    "#);
    assert_eq!(
        ctx.python("import lib; print(lib.WHERE)").stdout.trim(),
        "local tree"
    );
    ctx.envy_ok(&["remove", "lib"]);
    assert_eq!(ctx.read("pyproject.toml"), before);
    ctx.assert_not_installed("lib");
}

/// `envy add` of a local wheel and of an archive URL; a path that is no
/// project is an error that leaves `pyproject.toml` and `envy.lock` alone.
#[test]
fn add_a_wheel_path_and_an_archive_url() {
    let ctx = context();
    WheelBuilder::new("tool", "0.7")
        .requires_python(">=3.8")
        .module("tool/__init__.py", "WHERE = 'local wheel'\n")
        .build(&ctx.path("dists"));
    ctx.write_pyproject(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = []\n\n[tool.envy]\n",
    );
    let url = ctx.server().file_url("child-1.0-py3-none-any.whl");
    ctx.envy_ok(&["add", "./dists/tool-0.7-py3-none-any.whl", &url]);
    let mut filters = ctx.filters();
    filters.insert(0, (regex_escape(&url), "[CHILD-URL]".to_string()));
    filter_settings(filters).bind(|| {
        insta::assert_snapshot!(ctx.read("pyproject.toml"), @r#"
        [project]
        name = "app"
        version = "0.1.0"
        requires-python = ">=3.8"
        dependencies = ["tool", "child"]

        [tool.envy]

        [tool.envy.sources]
        tool = { path = "dists/tool-0.7-py3-none-any.whl" }
        child = { url = "[CHILD-URL]" }
        "#);
    });
    assert_eq!(
        ctx.python("import tool, child; print(tool.WHERE, child.C)")
            .stdout
            .trim(),
        "local wheel 1"
    );
    std::fs::create_dir_all(ctx.path("../libs/empty")).unwrap();
    let pyproject = ctx.read("pyproject.toml");
    let lock = ctx.read("envy.lock");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "../libs/empty"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the dependency comes from `../libs/empty`, which is not a Python project: it has no `pyproject.toml` or `setup.py`

    hint: point the source at the directory that holds the project's `pyproject.toml`
    ");
    assert_eq!(ctx.read("pyproject.toml"), pyproject);
    assert_eq!(ctx.read("envy.lock"), lock);
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// `tree` and `show` name where a direct reference comes from; `outdated`
/// leaves it out (the index is not asked about it, though it lists `lib` 9.0).
#[test]
fn tree_show_and_outdated_know_direct_references() {
    let ctx = context();
    lib_tree(&ctx, &["child>=1"]);
    ctx.write_pyproject(&app(
        "\n[tool.envy.sources]\nlib = { path = \"../libs/lib\", editable = true }\n",
    ));
    ctx.envy_ok(&["lock"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["tree", "--frozen"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    app v0.1.0
    └── lib v0.5 (editable: ../libs/lib)
        └── child v1.0

    ----- stderr -----
    ");
    let show = ctx.envy_ok(&["show", "lib", "--frozen"]);
    assert!(
        show.stdout.contains("editable: ../libs/lib"),
        "{}",
        show.stdout
    );
    ctx.server().reset_requests();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["outdated", "--all", "--frozen"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    Package  Locked  Latest  Groups
    -------  ------  ------  ------
    child    1.0     1.0     main

    ----- stderr -----
    ");
    assert!(!ctx
        .server()
        .requests()
        .iter()
        .any(|r| r.starts_with("/simple/lib")));
}

/// A source tree whose metadata is dynamic is read through its build
/// backend; the lock records the digest of its build configuration, and a
/// change there makes the lock stale (without running the backend).
#[test]
fn a_dynamic_source_tree_is_relocked_when_its_build_configuration_changes() {
    let ctx = context();
    lib_tree(&ctx, &[]);
    let pyproject = ctx.path("../libs/lib/pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    let dynamic = text.replace("version = \"0.5\"\n", "dynamic = [\"version\"]\n");
    std::fs::write(&pyproject, &dynamic).unwrap();
    ctx.write_pyproject(&app(
        "\n[tool.envy.sources]\nlib = { path = \"../libs/lib\" }\n",
    ));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Reading the metadata of `../libs/lib` with its build backend (runs its build code)
    Resolved 1 package in [TIME]
     + lib 0.5
    ");
    assert!(ctx.read("envy.lock").contains("metadata-inputs = \""));
    ctx.envy_ok(&["lock", "--locked"]);
    std::fs::write(&pyproject, format!("{dynamic}# changed\n")).unwrap();
    ctx.envy_fails(&["lock", "--locked"]);
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&["lock", "--locked"]);
}
