//! The main job against real PyPI: new → add flask → lock → sync → import →
//! export → `pip install --require-hashes` in a fresh venv → `pip check`.
//!
//! Runs by default (CI reaches PyPI). Set `ENVY_SKIP_LIVE=1` to skip.

use std::process::Command;

use crate::common::*;

fn skip_live() -> bool {
    match std::env::var("ENVY_SKIP_LIVE") {
        Ok(v) if !v.is_empty() && v != "0" => {
            eprintln!("skipped: ENVY_SKIP_LIVE={v} (live PyPI test)");
            true
        }
        _ => false,
    }
}

#[test]
fn flask_from_pypi_end_to_end() {
    if skip_live() {
        return;
    }
    // No ENVY_INDEX_URL: envy's default index (PyPI).
    let mut ctx = TestContext::new();
    ctx.envy_ok(&["new", "demo"]);
    ctx.cd("project/demo");

    ctx.envy_ok(&["add", "flask"]);
    let deps = ctx.project_dependencies();
    assert_eq!(deps.len(), 1, "{deps:?}");
    assert!(deps[0].starts_with("flask>="), "{deps:?}");

    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    for name in [
        "flask",
        "werkzeug",
        "jinja2",
        "markupsafe",
        "itsdangerous",
        "click",
        "blinker",
    ] {
        assert!(lock.has(name), "{name} missing from envy.lock");
    }
    for name in lock.registry_names() {
        let files: Vec<LockedFile> = lock
            .wheels(&name)
            .into_iter()
            .chain(lock.sdist(&name))
            .collect();
        assert!(!files.is_empty(), "{name} has no files");
        for f in files {
            assert_eq!(f.sha256.len(), 64, "{name}: {f:?}");
            assert!(f.url.starts_with("https://"), "{name}: {f:?}");
        }
    }
    let first = ctx.read_bytes("envy.lock");
    ctx.envy_ok(&["lock"]);
    assert_eq!(
        ctx.read_bytes("envy.lock"),
        first,
        "re-lock changed the file"
    );

    ctx.envy_ok(&["sync"]);
    // The version PyPI has today varies: the snapshot shows that the
    // installed one is the locked one.
    let flask = lock.version("flask").unwrap();
    ctx.add_filter(&escape(&flask), "[LOCKED_FLASK_VERSION]");
    envy_snapshot!(ctx.filters(), ctx.python_command("import flask, demo; import importlib.metadata as m; print(m.version('flask'))"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    [LOCKED_FLASK_VERSION]

    ----- stderr -----
    ");

    ctx.envy_ok(&["export", "--frozen", "-o", "req.txt"]);
    let req = ctx.read("req.txt");
    assert!(req.contains("--hash=sha256:"), "{req}");
    assert!(
        req.lines().any(|l| l.to_lowercase().starts_with("flask==")),
        "{req}"
    );

    let fresh = ctx.path("fresh");
    run(Command::new("python3").args(["-m", "venv"]).arg(&fresh)).success();
    let pip = fresh.join("bin/pip");
    run(Command::new(&pip)
        .args([
            "install",
            "--disable-pip-version-check",
            "--require-hashes",
            "--no-deps",
            "-r",
        ])
        .arg(ctx.path("req.txt"))
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_NO_INDEX"))
    .success();
    run(Command::new(&pip)
        .args(["check", "--disable-pip-version-check"])
        .env_remove("PIP_FIND_LINKS"))
    .success();
    run(Command::new(fresh.join("bin/python"))
        .arg("-c")
        .arg("import flask"))
    .success();
}

/// A direct reference to a real wheel URL on PyPI's file host locks that
/// file (six 1.16.0, with its sha256 checked through the `#sha256=`
/// fragment), not PyPI's newest six, and installs it.
#[test]
fn a_wheel_url_from_pypi_locks_that_wheel_not_the_newest_release() {
    if skip_live() {
        return;
    }
    const URL: &str = "https://files.pythonhosted.org/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl";
    const SHA256: &str = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254";
    let ctx = TestContext::new();
    ctx.write_pyproject(&format!(
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = [\"six @ {URL}#sha256={SHA256}\"]\n"
    ));
    ctx.envy_ok(&["lock"]);
    let text = ctx.read("envy.lock");
    assert!(
        text.contains("name = \"six\"\nversion = \"1.16.0\""),
        "{text}"
    );
    assert!(
        text.contains(&format!("source = {{ url = \"{URL}\" }}")),
        "{text}"
    );
    assert!(text.contains(SHA256), "{text}");
    ctx.envy_ok(&["sync", "--frozen"]);
    assert_eq!(ctx.installed_version("six").as_deref(), Some("1.16.0"));
}
