//! Lose nothing (issue #12): edits of one project take turns under the
//! project's edit lock, and `pyproject.toml` and `envy.lock` are written
//! together or not at all.

use crate::common::*;

fn context() -> TestContext {
    let server = IndexServer::empty();
    for name in ["alpha", "beta", "gamma"] {
        server.add_wheel(&WheelBuilder::new(name, "1.0"));
    }
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.init_project(&[]);
    ctx.envy_ok(&["lock"]);
    ctx
}

#[test]
fn concurrent_adds_both_survive() {
    let ctx = context();
    let children: Vec<_> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|name| {
            ctx.envy()
                .args(["add", "--no-sync", name])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let deps = ctx.project_dependencies();
    for name in ["alpha", "beta", "gamma"] {
        assert!(
            deps.iter().any(|d| d.starts_with(name)),
            "{name} lost: {deps:?}"
        );
        assert!(ctx.lock().has(name), "{name} not locked");
    }
}

#[cfg(unix)]
fn make_read_only(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o444)).unwrap();
}

#[cfg(unix)]
#[test]
fn add_writes_neither_file_when_the_lock_cannot_be_written() {
    let ctx = context();
    let before = ctx.read("pyproject.toml");
    let lock_before = ctx.read("envy.lock");
    make_read_only(&ctx.path("envy.lock"));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "--no-sync", "alpha"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: cannot write [TEMP]/envy.lock: permission denied (the file is read-only)

    hint: make it writable (`chmod u+w`) if envy should change it; nothing was written
    ");
    assert_eq!(ctx.read("pyproject.toml"), before);
    assert_eq!(ctx.read("envy.lock"), lock_before);
}

#[cfg(unix)]
#[test]
fn version_bump_writes_neither_file_when_the_lock_cannot_be_written() {
    let ctx = context();
    let before = ctx.read("pyproject.toml");
    make_read_only(&ctx.path("envy.lock"));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["version", "--bump", "minor"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: cannot write [TEMP]/envy.lock: permission denied (the file is read-only)

    hint: make it writable (`chmod u+w`) if envy should change it; nothing was written
    ");
    assert_eq!(ctx.read("pyproject.toml"), before);
}
