//! Git dependencies end to end (issue #16): real repositories made with
//! `git init` in the test's temporary directory, served as `git+file://`.
//! A tag, a branch, a full commit id and a subdirectory; lock, sync,
//! re-lock, `--upgrade-package`, `sync --frozen` in a fresh cache, exports,
//! `envy add` / `envy remove`, and the errors. Every test is skipped (with a
//! note on stderr) when `git` is not installed.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `git` runs; prints why a test is skipped when it does not.
fn have_git() -> bool {
    let ok = Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: `git` is not installed");
    }
    ok
}

/// Run `git ARGS` in `dir` with a fixed identity and no user configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Write `lib` `version` (its module says `WHERE = 'lib VERSION'`) at the
/// repository root and `sub` 0.3 under `py/sub`, and commit them.
fn commit_lib(repo: &Path, version: &str) -> String {
    SdistBuilder::new("lib", version)
        .requires_python(">=3.8")
        .module("lib/__init__.py", &format!("WHERE = 'lib {version}'\n"))
        .write_tree(repo);
    SdistBuilder::new("sub", "0.3")
        .requires_python(">=3.8")
        .module("sub/__init__.py", "WHERE = 'sub'\n")
        .write_tree(&repo.join("py/sub"));
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", &format!("lib {version}")]);
    git(repo, &["rev-parse", "HEAD"])
}

/// A repository at `ROOT/repos/lib` with `lib` 1.0 tagged `v1` on `main`,
/// its `file://` URL and the first commit.
fn repo(ctx: &TestContext) -> (PathBuf, String, String) {
    let dir = ctx.path("../repos/lib");
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    git(&dir, &["init", "-q"]);
    let first = commit_lib(&dir, "1.0");
    git(&dir, &["tag", "v1"]);
    let url = format!("file://{}", dir.display());
    (dir, url, first)
}

/// A context whose filters name the repository and hide commit ids.
fn context() -> TestContext {
    let mut ctx = TestContext::new();
    ctx.attach(IndexServer::empty());
    ctx.add_filter("[0-9a-f]{40}", "[COMMIT]");
    ctx
}

/// Show `text` as `name` in this context's snapshots.
fn name_literally(ctx: &mut TestContext, text: &str, name: &str) {
    let (regex, to) = literal(text, name);
    ctx.add_filter(&regex, &to);
}

fn app(deps: &str, extra: &str) -> String {
    format!(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [{deps}]\n{extra}"
    )
}

/// The `source = ...` line of `name` in the lock.
fn locked_source(ctx: &TestContext, name: &str) -> String {
    let lock = ctx.read("envy.lock");
    let start = lock
        .find(&format!("[[package]]\nname = \"{name}\"\n"))
        .unwrap_or_else(|| panic!("{name} not in the lock:\n{lock}"));
    lock[start..]
        .lines()
        .find(|l| l.starts_with("source = "))
        .unwrap()
        .to_string()
}

/// A PEP 508 `name @ git+file://...@TAG` locks the tag's full commit, syncs
/// (the module imports, `direct_url.json` names the commit), re-locks byte
/// for byte, and `lock --locked` holds; changing the tag in `pyproject.toml`
/// makes `--locked` fail.
#[test]
fn a_tag_locks_syncs_and_relocks_byte_stably() {
    if !have_git() {
        return;
    }
    let ctx = context();
    let (_, url, first) = repo(&ctx);
    ctx.write_pyproject(&app(&format!("\"lib @ git+{url}@v1\""), ""));
    ctx.envy_ok(&["lock"]);
    assert_eq!(
        locked_source(&ctx, "lib"),
        format!("source = {{ git = \"{url}?rev=v1#{first}\" }}")
    );
    let lock = ctx.read("envy.lock");
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.read("envy.lock"), lock);
    ctx.envy_ok(&["lock", "--locked"]);
    ctx.envy_ok(&["sync", "--frozen"]);
    assert_eq!(
        ctx.python("import lib; print(lib.WHERE)").stdout.trim(),
        "lib 1.0"
    );
    let direct_url = std::fs::read_to_string(
        ctx.site_packages()
            .join("lib-1.0.dist-info")
            .join("direct_url.json"),
    )
    .unwrap();
    assert!(direct_url.contains(&first), "{direct_url}");
    assert!(
        direct_url.contains("\"requested_revision\":\"v1\""),
        "{direct_url}"
    );
    // A second sync keeps it.
    let out = ctx.envy_ok(&["sync", "--frozen"]);
    assert!(out.stderr.contains("kept 1"), "{}", out.stderr);
    // Another reference in pyproject.toml: the lock is stale.
    ctx.write_pyproject(&app(&format!("\"lib @ git+{url}@main\""), ""));
    ctx.envy_fails(&["lock", "--locked"]);
}

/// A `branch` source keeps its locked commit when the branch moves
/// upstream (re-lock is byte-stable, `--locked` holds, sync installs the
/// locked commit); `lock --upgrade-package lib` moves it to the new tip.
#[test]
fn a_branch_keeps_its_commit_until_upgraded() {
    if !have_git() {
        return;
    }
    let ctx = context();
    let (dir, url, first) = repo(&ctx);
    ctx.write_pyproject(&app(
        "\"lib\"",
        &format!("\n[tool.envy.sources]\nlib = {{ git = \"{url}\", branch = \"main\" }}\n"),
    ));
    ctx.envy_ok(&["lock"]);
    assert_eq!(
        locked_source(&ctx, "lib"),
        format!("source = {{ git = \"{url}?branch=main#{first}\" }}")
    );
    let lock = ctx.read("envy.lock");
    let second = commit_lib(&dir, "2.0");
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.read("envy.lock"), lock);
    ctx.envy_ok(&["lock", "--locked"]);
    ctx.envy_ok(&["sync"]);
    assert_eq!(
        ctx.python("import lib; print(lib.WHERE)").stdout.trim(),
        "lib 1.0"
    );
    ctx.envy_ok(&["lock", "--upgrade-package", "lib"]);
    assert_eq!(
        locked_source(&ctx, "lib"),
        format!("source = {{ git = \"{url}?branch=main#{second}\" }}")
    );
    assert_eq!(ctx.lock().version("lib").as_deref(), Some("2.0"));
    ctx.envy_ok(&["sync"]);
    assert_eq!(
        ctx.python("import lib; print(lib.WHERE)").stdout.trim(),
        "lib 2.0"
    );
}

/// A full commit id (`rev`) and a `subdirectory`; `sync --frozen` in a
/// fresh cache fetches and checks out exactly the locked commit, even after
/// the branch moved on.
#[test]
fn a_rev_and_a_subdirectory_sync_frozen_in_a_fresh_cache() {
    if !have_git() {
        return;
    }
    let mut ctx = context();
    let (dir, url, first) = repo(&ctx);
    ctx.write_pyproject(&app(
        "\"lib\", \"sub\"",
        &format!(
            "\n[tool.envy.sources]\nlib = {{ git = \"{url}\", rev = \"{first}\" }}\nsub = {{ git = \"{url}\", branch = \"main\", subdirectory = \"py/sub\" }}\n"
        ),
    ));
    ctx.envy_ok(&["lock"]);
    assert_eq!(
        locked_source(&ctx, "sub"),
        format!("source = {{ git = \"{url}?branch=main&subdirectory=py%2Fsub#{first}\" }}")
    );
    commit_lib(&dir, "2.0");
    ctx.reset_cache();
    ctx.envy_ok(&["sync", "--frozen"]);
    assert_eq!(
        ctx.python("import lib, sub; print(lib.WHERE, sub.WHERE)")
            .stdout
            .trim(),
        "lib 1.0 sub"
    );
}

/// requirements.txt writes `name @ git+URL@COMMIT#subdirectory=...` (no
/// `--hash`: there is no archive to hash), pylock.toml a PEP 751 `vcs`
/// table; a wheelhouse holds the wheel built from the checkout.
#[test]
fn exports_write_git_references() {
    if !have_git() {
        return;
    }
    let mut ctx = context();
    let (_, url, _) = repo(&ctx);
    name_literally(&mut ctx, &url, "[REPO]");
    ctx.write_pyproject(&app(
        &format!("\"lib @ git+{url}@v1\", \"sub\""),
        &format!(
            "\n[tool.envy.sources]\nsub = {{ git = \"{url}\", tag = \"v1\", subdirectory = \"py/sub\" }}\n"
        ),
    ));
    ctx.envy_ok(&["lock"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["export", "--frozen"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    # This file was generated by envy from envy.lock (`envy export`).
    lib @ git+[REPO]@[COMMIT]
    sub @ git+[REPO]@[COMMIT]#subdirectory=py/sub

    ----- stderr -----
    ");
    envy_snapshot!(
        ctx.filters(),
        ctx.envy().args(["export", "--frozen", "--format", "pylock.toml"]),
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
    name = "lib"
    version = "1.0"
    vcs = { type = "git", url = "[REPO]", requested-revision = "v1", commit-id = "[COMMIT]" }

    [[packages]]
    name = "sub"
    version = "0.3"
    vcs = { type = "git", url = "[REPO]", requested-revision = "v1", commit-id = "[COMMIT]", subdirectory = "py/sub" }

    ----- stderr -----
    "#
    );
    envy_snapshot!(ctx.filters(), ctx.envy().args(["tree", "--frozen"]), @"
    success: true
    exit_code: 0
    ----- stdout -----
    app v0.1.0
    ├── lib v1.0 (git: [REPO]?rev=v1#[COMMIT])
    └── sub v0.3 (git: [REPO]?tag=v1&subdirectory=py%2Fsub#[COMMIT])

    ----- stderr -----
    ");
    ctx.envy_ok(&["export", "--frozen", "--format", "wheelhouse", "-o", "wh"]);
    assert!(ctx.exists("wh/lib-1.0-py3-none-any.whl"));
    assert!(ctx.exists("wh/sub-0.3-py3-none-any.whl"));
}

/// `envy add git+URL@v1` writes the requirement by the name in the
/// metadata and a source with `tag = "v1"` (git says it is a tag), locks
/// and syncs; `envy remove` leaves `pyproject.toml` as it was.
#[test]
fn add_a_git_url_then_remove_it_leaves_pyproject_as_before() {
    if !have_git() {
        return;
    }
    let mut ctx = context();
    let (_, url, _) = repo(&ctx);
    name_literally(&mut ctx, &url, "[REPO]");
    ctx.write_pyproject(&app("", ""));
    let before = ctx.read("pyproject.toml");
    ctx.envy_ok(&["add", &format!("git+{url}@v1")]);
    filter_settings(ctx.filters()).bind(|| {
        insta::assert_snapshot!(ctx.read("pyproject.toml"), @r#"
        [project]
        name = "app"
        version = "0.1.0"
        requires-python = ">=3.8"
        dependencies = ["lib"]

        [tool.envy.sources]
        lib = { git = "[REPO]", tag = "v1" }
        "#);
    });
    assert_eq!(
        ctx.python("import lib; print(lib.WHERE)").stdout.trim(),
        "lib 1.0"
    );
    ctx.envy_ok(&["add", &format!("git+{url}@main#subdirectory=py/sub")]);
    assert!(ctx.read("pyproject.toml").contains(&format!(
        "sub = {{ git = \"{url}\", branch = \"main\", subdirectory = \"py/sub\" }}"
    )));
    ctx.envy_ok(&["remove", "lib", "sub"]);
    assert_eq!(ctx.read("pyproject.toml"), before);
}

/// Each failure names the repository and what is wrong, and leaves
/// `pyproject.toml` and `envy.lock` untouched.
#[test]
fn git_errors_leave_the_project_untouched() {
    if !have_git() {
        return;
    }
    let mut ctx = context();
    let (_, url, _) = repo(&ctx);
    name_literally(&mut ctx, &url, "[REPO]");
    ctx.write_pyproject(&app(&format!("\"lib @ git+{url}@v1\""), ""));
    ctx.envy_ok(&["lock"]);
    let lock = ctx.read("envy.lock");
    let pyproject = ctx.read("pyproject.toml");

    let missing = format!(
        "file://{}",
        ctx.path("../repos")
            .canonicalize()
            .unwrap()
            .join("missing")
            .display()
    );
    name_literally(&mut ctx, &missing, "[MISSING]");
    ctx.write_pyproject(&app(&format!("\"lib @ git+{missing}@v1\""), ""));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: cannot fetch the git repository `[MISSING]`: '[ROOT]/repos/missing' does not appear to be a git repository

    hint: check the URL and your access with `git ls-remote [MISSING]`; envy never prompts, so credentials come from a git credential helper, `~/.netrc` or your SSH agent
    ");
    assert_eq!(ctx.read("envy.lock"), lock);

    ctx.write_pyproject(&app(&format!("\"lib @ git+{url}@v9\""), ""));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: revision `v9` does not exist in the git repository `[REPO]`

    hint: see the repository's tags and branches with `git ls-remote [REPO]`
    ");
    assert_eq!(ctx.read("envy.lock"), lock);

    ctx.write_pyproject(&app(
        &format!("\"lib @ git+{url}@v1#subdirectory=nope\""),
        "",
    ));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the subdirectory `nope` does not exist in the git repository `[REPO]` at commit `[COMMIT]`

    hint: the subdirectory is relative to the repository root; check its spelling at that commit
    ");
    assert_eq!(ctx.read("envy.lock"), lock);

    ctx.write_pyproject(&app(&format!("\"other @ git+{url}@v1\""), ""));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `other` comes from `git+[REPO]@v1`, but the distribution there is named `lib`

    hint: fix the package name in `pyproject.toml`, or point the source at the right distribution
    ");
    assert_eq!(ctx.read("envy.lock"), lock);

    ctx.write_pyproject(&pyproject);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", &format!("git+{url}@v9")]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: revision `v9` does not exist in the git repository `[REPO]`

    hint: see the repository's tags and branches with `git ls-remote [REPO]`
    ");
    assert_eq!(ctx.read("pyproject.toml"), pyproject);
    assert_eq!(ctx.read("envy.lock"), lock);
}

/// A uv project's `[tool.uv.sources]` git entry is read as envy's own; a
/// changed `tag` makes `lock --locked` fail, and `envy lock` follows it.
#[test]
fn a_tool_uv_git_source_is_read_and_a_new_tag_is_stale() {
    if !have_git() {
        return;
    }
    let ctx = context();
    let (dir, url, first) = repo(&ctx);
    let second = commit_lib(&dir, "2.0");
    git(&dir, &["tag", "v2"]);
    ctx.write_pyproject(&app(
        "\"lib\"",
        &format!("\n[tool.uv.sources]\nlib = {{ git = \"{url}\", tag = \"v1\" }}\n"),
    ));
    ctx.envy_ok(&["lock"]);
    assert_eq!(
        locked_source(&ctx, "lib"),
        format!("source = {{ git = \"{url}?tag=v1#{first}\" }}")
    );
    ctx.write_pyproject(&app(
        "\"lib\"",
        &format!("\n[tool.uv.sources]\nlib = {{ git = \"{url}\", tag = \"v2\" }}\n"),
    ));
    ctx.envy_fails(&["lock", "--locked"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(
        locked_source(&ctx, "lib"),
        format!("source = {{ git = \"{url}?tag=v2#{second}\" }}")
    );
    assert_eq!(ctx.lock().version("lib").as_deref(), Some("2.0"));
}
