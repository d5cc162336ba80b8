//! `--no-index`: no index is asked; packages come from `--find-links`
//! directories, files from those directories or the cache (issue #14,
//! "Offline and provenance").

use crate::common::*;

fn server() -> IndexServer {
    let server = IndexServer::empty();
    server.add_wheel(
        &WheelBuilder::new("six", "1.0")
            .requires_dist("helper")
            .module("six.py", "X = 1\n"),
    );
    server.add_wheel(&WheelBuilder::new("helper", "2.0").module("helper.py", "Y = 2\n"));
    server
}

/// Lock and export a wheelhouse with the index, then sync from the
/// wheelhouse alone: a fresh cache, the index gone, `--no-index`.
#[test]
fn sync_frozen_from_a_wheelhouse_with_no_index() {
    let mut ctx = TestContext::new();
    ctx.attach(server());
    ctx.init_project(&["six"]);
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&[
        "export",
        "--frozen",
        "--format",
        "wheelhouse",
        "--no-emit-project",
        "-o",
        "wh",
    ]);
    ctx.stop_server();
    ctx.reset_cache();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen", "--no-index", "--find-links", "wh"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Creating virtual environment at .venv (Python 3.[X])
    Installed 2 packages, removed 0, kept 0 in [TIME]
     + helper==2.0
     + six==1.0
    ");
    assert_eq!(ctx.installed_version("six").as_deref(), Some("1.0"));
    assert_eq!(ctx.installed_version("helper").as_deref(), Some("2.0"));
}

/// `lock --no-index` finds packages in `--find-links` only; what is not
/// there is an error naming the directories, and a file neither cached nor
/// in a directory is never downloaded.
#[test]
fn lock_and_sync_with_no_index_use_find_links_only() {
    let mut ctx = TestContext::new();
    ctx.attach(server());
    let wh = ctx.path("wh");
    std::fs::create_dir_all(&wh).unwrap();
    for f in std::fs::read_dir(ctx.server().files_dir())
        .unwrap()
        .flatten()
    {
        if f.file_name().to_string_lossy().starts_with("six-") {
            std::fs::copy(f.path(), wh.join(f.file_name())).unwrap();
        }
    }
    ctx.init_project(&["six"]);
    // helper is not in `wh`, and the index is not asked.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--no-index", "--find-links", "wh"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: package `helper` was not found in the `--find-links` directories (`wh`), and `--no-index` turns every index off

    hint: put its wheels or sdist in a `--find-links` directory, or drop `--no-index`
    ");
    assert!(!ctx.exists("envy.lock"));
    assert!(
        ctx.server().requests().is_empty(),
        "{:?}",
        ctx.server().requests()
    );
    // A lock made with the index, then a sync with neither cache nor wheels.
    ctx.envy_ok(&["lock"]);
    ctx.reset_cache();
    let before = ctx.server().request_count();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen", "--no-index"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `helper-2.0-py3-none-any.whl` (http://127.0.0.1:[PORT]/files/helper-2.0-py3-none-any.whl) is not in the cache or a `--find-links` directory, and `--no-index` forbids downloading it

    hint: put the file in a `--find-links` directory (e.g. a wheelhouse from `envy export --format wheelhouse`), or drop `--no-index`
    ");
    assert_eq!(
        ctx.server().request_count(),
        before,
        "nothing was downloaded"
    );
}

/// Packages found only in a `--find-links` directory inside the project are
/// locked as `find-links` sources with paths relative to the project, not
/// under a registry's name; the lock still works after the project moves.
#[test]
fn find_links_sources_are_locked_relative_to_the_project() {
    let mut ctx = TestContext::new();
    let index = server();
    let wh = ctx.path("wheels");
    std::fs::create_dir_all(&wh).unwrap();
    for f in std::fs::read_dir(index.files_dir()).unwrap().flatten() {
        std::fs::copy(f.path(), wh.join(f.file_name())).unwrap();
    }
    drop(index);
    ctx.set_index_url(Some("http://127.0.0.1:9/simple".to_string()));
    ctx.init_project(&["six"]);
    ctx.envy_ok(&["lock", "--no-index", "--find-links", "wheels"]);
    let text = ctx.read("envy.lock");
    let six = &text[text.find("[[package]]\nname = \"six\"").unwrap()..];
    let six = &six[..six.find("\n\n").unwrap_or(six.len())];
    insta::assert_snapshot!(
        six.lines()
            .map(|l| match l.find("sha256 = \"") {
                Some(at) => format!("{}sha256 = [SHA256], size = [SIZE] }}]", &l[..at]),
                None => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        @r#"
    [[package]]
    name = "six"
    version = "1.0"
    source = { find-links = "wheels" }
    groups = ["main"]
    dependencies = [
        { name = "helper" },
    ]
    wheels = [
        { url = "wheels/six-1.0-py3-none-any.whl", sha256 = [SHA256], size = [SIZE] }]
    ]
    "#
    );
    // Move the project: the relative paths still find the files.
    let moved = ctx.path("../moved");
    let out = std::process::Command::new("cp")
        .arg("-a")
        .arg(ctx.path("."))
        .arg(&moved)
        .output()
        .unwrap();
    assert!(out.status.success());
    ctx.cd("moved");
    ctx.reset_cache();
    ctx.envy_ok(&["sync", "--frozen", "--no-index"]);
    assert_eq!(ctx.installed_version("helper").as_deref(), Some("2.0"));
}

/// A package pinned to an index in `[tool.envy.sources]` is never taken
/// from a `--find-links` directory in its place, `--no-index` or not.
#[test]
fn a_package_pinned_to_an_index_is_an_error_with_no_index() {
    let mut ctx = TestContext::new();
    let index = server();
    let wh = ctx.path("wheels");
    std::fs::create_dir_all(&wh).unwrap();
    for f in std::fs::read_dir(index.files_dir()).unwrap().flatten() {
        std::fs::copy(f.path(), wh.join(f.file_name())).unwrap();
    }
    ctx.attach(index);
    let mut pyproject = TestContext::pyproject(&["six"]);
    pyproject.push_str(
        "\n[[tool.envy.index]]\nname = \"corp\"\nurl = \"http://127.0.0.1:9/simple\"\nexplicit = true\n\n[tool.envy.sources]\nsix = { index = \"corp\" }\n",
    );
    ctx.write_pyproject(&pyproject);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--no-index", "--find-links", "wheels"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `six` is pinned to the index `corp` in `[tool.envy.sources]`, and `--no-index` turns every index off

    hint: drop `--no-index`, or remove the `[tool.envy.sources]` entry to let `--find-links` serve it
    ");
    assert!(!ctx.exists("envy.lock"));
}
