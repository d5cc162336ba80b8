//! Lose nothing (issue #12): files envy writes keep the mode of the file they
//! replace (new ones get the umask's), a symlinked `pyproject.toml` is edited
//! through its link, and a read-only one is refused.

use crate::common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The mode a new file gets from this process's umask.
fn umask_mode(dir: &Path) -> u32 {
    let probe = dir.join("umask-probe");
    std::fs::File::create(&probe).unwrap();
    let m = mode(&probe);
    std::fs::remove_file(&probe).unwrap();
    m
}

#[test]
fn written_files_keep_their_mode_and_new_files_get_the_umask_mode() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    set_mode(&ctx.path("pyproject.toml"), 0o664);
    ctx.envy_ok(&["add", "app-dep"]);
    assert!(ctx.read("pyproject.toml").contains("app-dep"));
    assert_eq!(mode(&ctx.path("pyproject.toml")), 0o664, "pyproject.toml");
    let fresh = umask_mode(&ctx.project);
    assert_eq!(mode(&ctx.path("envy.lock")), fresh, "a new envy.lock");

    set_mode(&ctx.path("envy.lock"), 0o640);
    ctx.envy_ok(&["add", "child"]);
    assert_eq!(mode(&ctx.path("envy.lock")), 0o640, "a rewritten envy.lock");

    ctx.write("requirements.txt", "old\n");
    set_mode(&ctx.path("requirements.txt"), 0o604);
    ctx.envy_ok(&["export", "--frozen", "-o", "requirements.txt"]);
    assert!(ctx.read("requirements.txt").contains("app-dep"));
    assert_eq!(mode(&ctx.path("requirements.txt")), 0o604, "an export");
}

#[test]
fn symlinked_pyproject_is_edited_through_the_link() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    let real_dir = ctx.root.join("shared");
    std::fs::create_dir_all(&real_dir).unwrap();
    let real = real_dir.join("pyproject.toml");
    std::fs::rename(ctx.path("pyproject.toml"), &real).unwrap();
    std::os::unix::fs::symlink(&real, ctx.path("pyproject.toml")).unwrap();
    ctx.envy_ok(&["add", "app-dep"]);
    let link = std::fs::symlink_metadata(ctx.path("pyproject.toml")).unwrap();
    assert!(
        link.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("app-dep"));
}

#[test]
fn read_only_pyproject_is_refused_with_permission_denied() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    let before = ctx.read_bytes("pyproject.toml");
    set_mode(&ctx.path("pyproject.toml"), 0o444);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "app-dep"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: cannot write [TEMP]/pyproject.toml: permission denied (the file is read-only)

    hint: make it writable (`chmod u+w`) if envy should change it; nothing was written
    ");
    assert_eq!(ctx.read_bytes("pyproject.toml"), before);
    assert_eq!(mode(&ctx.path("pyproject.toml")), 0o444);
    assert!(
        !ctx.exists("envy.lock"),
        "a lock was written for an edit that failed"
    );
}
