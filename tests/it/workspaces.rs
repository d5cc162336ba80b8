//! Workspaces (issue #16): a root project `app` with `[tool.envy.workspace]`
//! and a member `packages/lib` that `app` depends on with
//! `{ workspace = true }`; `lib` depends on `dep` from the local index, which
//! also serves a higher `lib` (dependency confusion bait). Offline: the
//! trees use the in-tree test backend.

use crate::common::*;

/// An index serving `lib` 9.0 (bait) and `dep` 1.0.
fn server() -> IndexServer {
    let server = IndexServer::empty();
    server.add_wheel(
        &WheelBuilder::new("lib", "9.0").module("lib/__init__.py", "raise ImportError('index')\n"),
    );
    server.add_wheel(&WheelBuilder::new("dep", "1.0").module("dep.py", "D = 1\n"));
    server
}

const WORKSPACE: &str =
    "\n[tool.envy.sources]\nlib = { workspace = true }\n\n[tool.envy.workspace]\nmembers = [\"packages/*\"]\n";

/// The member `packages/lib` (0.5), requiring `requires`.
fn lib_member(ctx: &TestContext, requires: &[&str]) {
    let mut lib = SdistBuilder::new("lib", "0.5")
        .requires_python(">=3.8")
        .module("lib/__init__.py", "WHERE = 'member'\n");
    for r in requires {
        lib = lib.requires_dist(r);
    }
    lib.write_tree(&ctx.path("packages/lib"));
}

/// The two-member workspace, with `extra` appended to the root pyproject.
fn workspace(extra: &str) -> TestContext {
    let mut ctx = TestContext::new();
    ctx.attach(server());
    SdistBuilder::new("app", "0.1.0")
        .requires_python(">=3.8")
        .requires_dist("lib")
        .module("app/__init__.py", "import lib\n")
        .write_tree(&ctx.path("."));
    let pyproject = ctx.read("pyproject.toml");
    ctx.write_pyproject(&format!("{pyproject}{extra}"));
    lib_member(&ctx, &["dep>=1"]);
    ctx
}

/// Locking from the root and from the member directory writes the same
/// `envy.lock` at the root; the member is locked editable from its tree,
/// never from the index (which has a higher `lib`); re-locking is
/// byte-stable.
#[test]
fn a_workspace_locks_the_same_from_the_root_and_from_a_member() {
    let mut ctx = workspace(WORKSPACE);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 2 packages in [TIME]
     + dep 1.0
     + lib 0.5
    ");
    let from_root = ctx.read("envy.lock");
    insta::assert_snapshot!(package_table(&from_root, "lib"), @r#"
    [[package]]
    name = "lib"
    version = "0.5"
    source = { editable = "packages/lib" }
    groups = ["main"]
    dependencies = [
        { name = "dep" },
    ]
    requires-dist = [
        "dep>=1",
    ]
    "#);
    assert!(
        !ctx.server().requests().iter().any(|r| r.contains("/lib/")),
        "the index was asked about `lib`: {:?}",
        ctx.server().requests()
    );
    std::fs::remove_file(ctx.path("envy.lock")).unwrap();
    ctx.cd("project/packages/lib");
    ctx.envy_ok(&["lock"]);
    ctx.cd("project");
    assert_eq!(ctx.read("envy.lock"), from_root);
    assert!(!ctx.exists("packages/lib/envy.lock"));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    ");
    ctx.envy_ok(&["lock", "--upgrade"]);
    assert_eq!(ctx.read("envy.lock"), from_root);
}

/// `envy sync` at the root installs the root project and the member it
/// depends on, both editable; `--locked` fails once the member's
/// `pyproject.toml` changes its dependencies.
#[test]
fn sync_installs_the_members_editable_and_locked_sees_member_changes() {
    let ctx = workspace(WORKSPACE);
    ctx.envy_ok(&["sync"]);
    let out = ctx.python("import app, lib; print(lib.WHERE)");
    out.success();
    assert_eq!(out.stdout.trim(), "member");
    ctx.assert_installed("dep", "1.0");
    let direct_url = std::fs::read_to_string(
        ctx.site_packages()
            .join("lib-0.5.dist-info/direct_url.json"),
    )
    .unwrap();
    assert!(direct_url.contains("\"editable\":true"), "{direct_url}");
    let app_url = std::fs::read_to_string(
        ctx.site_packages()
            .join("app-0.1.0.dist-info/direct_url.json"),
    )
    .unwrap();
    assert!(app_url.contains("\"editable\":true"), "{app_url}");
    ctx.envy_ok(&["sync", "--locked"]);
    lib_member(&ctx, &[]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--locked"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `envy.lock` does not match `pyproject.toml` and `--locked` was given

    hint: run `envy lock` and commit the updated `envy.lock`
    ");
    ctx.envy_ok(&["sync"]);
    ctx.assert_not_installed("dep");
}

/// `--package lib` installs the member and its dependencies only (not the
/// root project); so does a plain `envy sync` run in the member's
/// directory; `envy run --package` runs in that environment.
#[test]
fn sync_package_installs_one_member_and_its_dependencies() {
    let mut ctx = workspace(WORKSPACE);
    ctx.envy_ok(&["sync", "--package", "lib"]);
    let names = ctx.installed();
    assert!(names.contains("lib") && names.contains("dep"), "{names:?}");
    assert!(!names.contains("app"), "{names:?}");
    ctx.envy_ok(&["sync"]);
    assert!(ctx.installed().contains("app"));
    ctx.cd("project/packages/lib");
    ctx.envy_ok(&["sync"]);
    ctx.cd("project");
    assert!(!ctx.installed().contains("app"));
    assert!(ctx.installed().contains("lib"));
    let out = ctx.envy_ok(&[
        "run",
        "--package",
        "app",
        "python",
        "-c",
        "import app, lib, dep; print('ok')",
    ]);
    assert_eq!(out.stdout.trim(), "ok");
    ctx.envy_ok(&["sync", "--all-packages"]);
    assert!(ctx.installed().contains("app"));
}

/// A member the root does not depend on is locked too, and installed by
/// `--all-packages` only.
#[test]
fn every_member_is_locked_and_all_packages_installs_it() {
    let ctx = workspace(WORKSPACE);
    SdistBuilder::new("tool", "2.0")
        .requires_python(">=3.8")
        .write_tree(&ctx.path("packages/tool"));
    ctx.envy_ok(&["sync"]);
    assert!(package_table(&ctx.read("envy.lock"), "tool")
        .contains("source = { editable = \"packages/tool\" }"));
    assert!(!ctx.installed().contains("tool"));
    ctx.envy_ok(&["sync", "--all-packages"]);
    assert!(ctx.installed().contains("tool"));
    // A new member makes the lock stale.
    SdistBuilder::new("extra-tool", "1.0")
        .requires_python(">=3.8")
        .write_tree(&ctx.path("packages/extra-tool"));
    ctx.envy_fails(&["lock", "--locked"]);
}

/// uv's `[tool.uv.workspace]` and `{ workspace = true }` are read the same.
#[test]
fn a_uv_workspace_is_read() {
    let ctx = workspace(
        "\n[tool.uv.sources]\nlib = { workspace = true }\n\n[tool.uv.workspace]\nmembers = [\"packages/*\"]\n",
    );
    ctx.envy_ok(&["lock"]);
    assert!(ctx
        .read("envy.lock")
        .contains("source = { editable = \"packages/lib\" }"));
}

#[test]
fn a_members_glob_matching_a_directory_without_pyproject_is_an_error() {
    let ctx = workspace(WORKSPACE);
    ctx.write("packages/docs/index.md", "# docs\n");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `packages/*` in `members` of the workspace at [TEMP] matches `packages/docs`, which has no `pyproject.toml`

    hint: give that directory a `pyproject.toml`, or leave it out with `exclude` in `[tool.envy.workspace]`
    ");
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn two_members_with_one_name_are_an_error() {
    let ctx = workspace(WORKSPACE);
    SdistBuilder::new("lib", "0.6").write_tree(&ctx.path("packages/lib2"));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: two members of the workspace at [TEMP] are named `lib`: `packages/lib` and `packages/lib2`

    hint: rename one of them, or leave one out with `exclude` in `[tool.envy.workspace]`
    ");
}

#[test]
fn package_naming_no_member_is_an_error() {
    let ctx = workspace(WORKSPACE);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--package", "nope"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `--package nope` names no member of the workspace at [TEMP]

    hint: its members are: app, lib
    ");
}

#[test]
fn a_workspace_source_naming_no_member_is_an_error() {
    let ctx = workspace(WORKSPACE);
    std::fs::remove_dir_all(ctx.path("packages/lib")).unwrap();
    std::fs::create_dir_all(ctx.path("packages")).unwrap();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `lib` has `{ workspace = true }` in [TEMP]/pyproject.toml, but no member of the workspace at [TEMP] is named `lib`

    hint: add its directory to `members` in `[tool.envy.workspace]`, or take the package from an index (remove the source)
    ");
    // Outside any workspace, `{ workspace = true }` is refused, never
    // resolved from the index.
    let pyproject = ctx.read("pyproject.toml");
    let at = pyproject.find("\n[tool.envy.workspace]").unwrap();
    ctx.write_pyproject(&pyproject[..at]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `lib` has `{ workspace = true }` in [TEMP]/pyproject.toml, but that project is in no workspace

    hint: run envy from the workspace root (or a member directory), or give the workspace root `[tool.envy.workspace] members = [...]`
    ");
}

/// A root with `[tool.envy.workspace]` and no `[project]` (a virtual root)
/// locks every member; `envy sync` there installs all of them (the root is
/// no package), `--package` one; its dependency groups apply.
#[test]
fn a_virtual_root_locks_and_syncs_every_member() {
    let mut ctx = TestContext::new();
    ctx.attach(server());
    ctx.write_pyproject(
        "[tool.envy.workspace]\nmembers = [\"packages/*\"]\n\n[dependency-groups]\ndev = [\"dep\"]\n",
    );
    lib_member(&ctx, &[]);
    SdistBuilder::new("tool", "2.0")
        .requires_python(">=3.9")
        .write_tree(&ctx.path("packages/tool"));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 3 packages in [TIME]
     + dep 1.0
     + lib 0.5
     + tool 2.0
    Building an editable wheel of lib==0.5 from `packages/lib` (runs its build backend)
    Building an editable wheel of tool==2.0 from `packages/tool` (runs its build backend)
    Creating virtual environment at .venv (Python 3.[X])
    Installed 3 packages, removed 0, kept 0 in [TIME]
     + dep==1.0
     + lib==0.5
     + tool==2.0
    ");
    let lock = ctx.read("envy.lock");
    assert!(lock.contains("requires-python = \">=3.9\"\n"), "{lock}");
    assert!(!ctx.installed().contains("virtual-workspace-root"));
    ctx.envy_ok(&["sync", "--package", "tool", "--no-dev"]);
    let names = ctx.installed();
    assert!(
        names.contains("tool") && !names.contains("lib"),
        "{names:?}"
    );
    ctx.envy_ok(&["lock", "--locked"]);
}

/// Commands other than `lock`, `sync` and `run` read the project of the
/// current directory: in a member that takes another member from the
/// workspace, they say to run from the root rather than resolve it from
/// the index.
#[test]
fn a_member_read_alone_names_its_workspace_root() {
    let mut ctx = workspace(WORKSPACE);
    SdistBuilder::new("tool", "2.0")
        .requires_python(">=3.8")
        .requires_dist("lib")
        .write_tree(&ctx.path("packages/tool"));
    let pyproject = ctx.read("packages/tool/pyproject.toml");
    ctx.write(
        "packages/tool/pyproject.toml",
        format!("{pyproject}\n[tool.envy.sources]\nlib = {{ workspace = true }}\n"),
    );
    ctx.envy_ok(&["lock"]);
    ctx.cd("project/packages/tool");
    ctx.envy_ok(&["lock", "--locked"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["tree"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `lib` has `{ workspace = true }` in [TEMP]/pyproject.toml, a member of the workspace at [ROOT]/project: this command reads the member alone

    hint: run it from the workspace root (`envy lock`, `envy sync` and `envy run` find the root from a member themselves)
    ");
}

#[test]
fn add_and_remove_in_a_member_are_refused_and_write_nothing() {
    let mut ctx = workspace(WORKSPACE);
    ctx.envy_ok(&["lock"]);
    let before = ctx.read("packages/lib/pyproject.toml");
    let lock = ctx.read("envy.lock");
    ctx.cd("project/packages/lib");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "six"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `envy add` cannot edit `lib` here: it is a member of the workspace at [ROOT]/project, which has one envy.lock for every member

    hint: edit this member's pyproject.toml by hand, then run `envy lock` (from any directory of the workspace)
    ");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["remove", "six"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `envy remove` cannot edit `lib` here: it is a member of the workspace at [ROOT]/project, which has one envy.lock for every member

    hint: edit this member's pyproject.toml by hand, then run `envy lock` (from any directory of the workspace)
    ");
    // `ctx` now reads from the member directory.
    assert_eq!(ctx.read("pyproject.toml"), before);
    assert_eq!(ctx.read("../../envy.lock"), lock);
    assert!(!ctx.path("envy.lock").exists());
}

/// As uv: the lock supports the Pythons every member supports, so a member
/// needing a newer Python narrows the workspace's `requires-python`.
#[test]
fn the_lock_takes_the_requires_python_every_member_supports() {
    let ctx = workspace(WORKSPACE);
    let member = ctx.read("packages/lib/pyproject.toml");
    assert!(member.contains(">=3.8"), "{member}");
    ctx.write(
        "packages/lib/pyproject.toml",
        member.replace(">=3.8", ">=3.10"),
    );
    ctx.envy_ok(&["lock"]);
    let lock = ctx.read("envy.lock");
    assert!(lock.contains("requires-python = \">=3.10\"\n"), "{lock}");
    ctx.envy_ok(&["lock", "--locked"]);
}
