//! `envy export`: requirements.txt with hashes, dev selection, split files,
//! and a real `pip install --require-hashes` from the export.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common::*;

/// One requirement of a requirements.txt (continuations joined).
#[derive(Debug, Clone)]
struct Req {
    name: String,
    version: String,
    marker: Option<String>,
    hashes: Vec<String>,
}

/// Parses requirement lines; returns (requirements by name, option lines
/// such as `-r x.txt`).
fn parse_requirements(text: &str) -> (BTreeMap<String, Req>, Vec<String>) {
    let mut logical = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(stripped) = line.strip_suffix('\\') {
            cur.push_str(stripped);
            cur.push(' ');
        } else {
            cur.push_str(line);
            logical.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        logical.push(cur);
    }
    let mut reqs = BTreeMap::new();
    let mut options = Vec::new();
    for l in logical {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if l.starts_with('-') {
            options.push(l.to_string());
            continue;
        }
        let mut hashes = Vec::new();
        let mut rest = l.to_string();
        while let Some(i) = rest.find("--hash=") {
            let tail = rest[i + 7..].to_string();
            let h: String = tail.split_whitespace().next().unwrap_or("").to_string();
            hashes.push(h.trim_start_matches("sha256:").to_string());
            rest = format!("{}{}", &rest[..i], &tail[h.len()..]);
        }
        let (spec, marker) = match rest.split_once(';') {
            Some((s, m)) => (s.trim().to_string(), Some(m.trim().to_string())),
            None => (rest.trim().to_string(), None),
        };
        let (name, version) = spec
            .split_once("==")
            .unwrap_or_else(|| panic!("not a name==version line: {l:?}"));
        let name = normalize_name(name.trim());
        reqs.insert(
            name.clone(),
            Req {
                name,
                version: version.trim().to_string(),
                marker,
                hashes,
            },
        );
    }
    (reqs, options)
}

fn project_with_dev() -> TestContext {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep", "with-extra[fast]", "needs-marker"]);
    let text = ctx
        .read("pyproject.toml")
        .replace("dev = []", "dev = [\"dev-tool\"]");
    ctx.write_pyproject(&text);
    ctx.envy_ok(&["lock"]);
    ctx
}

fn names(reqs: &BTreeMap<String, Req>) -> Vec<&str> {
    reqs.keys().map(String::as_str).collect()
}

#[test]
fn requirements_parser_reads_the_expected_format() {
    let (reqs, opts) = parse_requirements(
        "# header\n-r requirements-app.txt\napp-dep==2.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\nwin-only==1.0 ; sys_platform == 'win32' \\\n    --hash=sha256:cc\nplain==1\n",
    );
    assert_eq!(opts, vec!["-r requirements-app.txt"]);
    assert_eq!(reqs["app-dep"].version, "2.0");
    assert_eq!(reqs["app-dep"].hashes, vec!["aa", "bb"]);
    assert_eq!(
        reqs["win-only"].marker.as_deref(),
        Some("sys_platform == 'win32'")
    );
    assert_eq!(reqs["win-only"].hashes, vec!["cc"]);
    assert!(reqs["plain"].hashes.is_empty() && reqs["plain"].marker.is_none());
}

#[test]
fn export_pins_every_locked_package_with_hashes() {
    let ctx = project_with_dev();
    let out = ctx.envy_ok(&["export", "--frozen"]);
    let (reqs, _) = parse_requirements(&out.stdout);
    assert_eq!(
        names(&reqs),
        [
            "app-dep",
            "dev-tool",
            "needs-marker",
            "speedup",
            "win-only",
            "with-extra"
        ],
        "{}",
        out.stdout
    );
    let lock = ctx.lock();
    for r in reqs.values() {
        assert_eq!(Some(&r.version), lock.version(&r.name).as_ref(), "{r:?}");
        let locked: Vec<String> = lock.wheels(&r.name).into_iter().map(|w| w.sha256).collect();
        assert!(!r.hashes.is_empty(), "{r:?}");
        for h in &locked {
            assert!(r.hashes.contains(h), "{r:?} lacks {h}");
        }
    }
    assert_eq!(
        reqs["app-dep"].hashes,
        vec![ctx.server().sha256(&scenario_wheel("app-dep", "2.0"))]
    );
    // Markers carried to the line.
    let win = &reqs["win-only"];
    assert!(
        win.marker.as_deref().is_some_and(|m| m.contains("win32")),
        "{win:?}"
    );
    assert!(reqs["app-dep"].marker.is_none());
    // `name==version ; marker \` layout with hashes on continuation lines.
    assert!(
        out.stdout.lines().any(|l| l.starts_with("win-only==1.0 ; ")
            && l.contains("win32")
            && l.trim_end().ends_with('\\')),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("--hash=sha256:")),
        "{}",
        out.stdout
    );
}

#[test]
fn export_is_deterministic_and_format_flag_accepted() {
    let ctx = project_with_dev();
    let a = ctx.envy_ok(&["export", "--frozen"]).stdout;
    let b = ctx
        .envy_ok(&["export", "--frozen", "--format", "requirements.txt"])
        .stdout;
    assert!(a.contains("app-dep==2.0"), "{a}");
    assert_eq!(a, b);
}

#[test]
fn export_no_hashes() {
    let ctx = project_with_dev();
    let out = ctx.envy_ok(&["export", "--frozen", "--no-hashes"]);
    assert!(!out.stdout.contains("--hash"), "{}", out.stdout);
    let (reqs, _) = parse_requirements(&out.stdout);
    assert_eq!(reqs["app-dep"].version, "2.0");
}

#[test]
fn export_no_dev_and_only_dev() {
    let ctx = project_with_dev();
    let (reqs, _) = parse_requirements(&ctx.envy_ok(&["export", "--frozen", "--no-dev"]).stdout);
    assert!(!reqs.contains_key("dev-tool"));
    assert!(reqs.contains_key("app-dep") && reqs.contains_key("speedup"));

    let (reqs, _) = parse_requirements(&ctx.envy_ok(&["export", "--frozen", "--only-dev"]).stdout);
    assert_eq!(names(&reqs), ["dev-tool"]);
}

#[test]
fn export_to_file() {
    let ctx = project_with_dev();
    let stdout = ctx.envy_ok(&["export", "--frozen"]).stdout;
    let out = ctx.envy_ok(&["export", "--frozen", "-o", "req.txt"]);
    assert!(
        !out.stdout.contains("--hash"),
        "-o should not print the file"
    );
    let file = ctx.read("req.txt");
    let (a, _) = parse_requirements(&stdout);
    let (b, _) = parse_requirements(&file);
    assert_eq!(names(&a), names(&b));
}

#[test]
fn export_frozen_without_lock_fails() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep"]);
    ctx.envy_fails(&["export", "--frozen"]);
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn export_split_writes_three_files() {
    let ctx = project_with_dev();
    ctx.envy_ok(&["export", "--frozen", "--split", "reqs"]);
    let app = ctx.read("reqs/requirements-app.txt");
    let dev = ctx.read("reqs/requirements-dev.txt");
    let all = ctx.read("reqs/requirements.txt");

    let (app_reqs, app_opts) = parse_requirements(&app);
    assert!(app_reqs.contains_key("app-dep"), "{app}");
    assert!(!app_reqs.contains_key("dev-tool"), "{app}");
    assert!(app_opts.is_empty(), "{app}");

    let first = dev
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    assert_eq!(first.trim(), "-r requirements-app.txt", "{dev}");
    let (dev_reqs, _) = parse_requirements(&dev);
    assert!(dev_reqs.contains_key("dev-tool"), "{dev}");
    assert!(!dev_reqs.contains_key("app-dep"), "{dev}");
    assert!(!all.trim().is_empty());

    // pip sees everything through requirements.txt.
    let venv = fresh_venv(&ctx.root.join("split-venv"));
    pip_install(
        &venv,
        &ctx.path("reqs/requirements.txt"),
        ctx.server().files_dir(),
    );
    envy_snapshot!(
        ctx.filters(),
        Command::new(venv.join("bin/python")).arg("-c").arg(
            "import importlib.metadata as m; print(m.version('app-dep'), m.version('dev-tool'), m.version('speedup'))",
        ),
        @"
    success: true
    exit_code: 0
    ----- stdout -----
    2.0 1.0 1.0

    ----- stderr -----
    "
    );
}

fn fresh_venv(dir: &Path) -> std::path::PathBuf {
    run(Command::new("python3").args(["-m", "venv"]).arg(dir)).success();
    dir.to_path_buf()
}

fn pip_install(venv: &Path, requirements: &Path, find_links: &Path) {
    run(Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--disable-pip-version-check",
            "--no-index",
            "--require-hashes",
            "--no-deps",
            "-r",
        ])
        .arg(requirements)
        .arg("--find-links")
        .arg(find_links)
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_REQUIRE_VIRTUALENV"))
    .success();
}

#[test]
fn pip_installs_the_export_with_require_hashes() {
    let ctx = project_with_dev();
    ctx.envy_ok(&["export", "--frozen", "--no-dev", "-o", "requirements.txt"]);
    let venv = fresh_venv(&ctx.root.join("fresh"));
    pip_install(
        &venv,
        &ctx.path("requirements.txt"),
        ctx.server().files_dir(),
    );
    run(Command::new(venv.join("bin/pip"))
        .args(["check", "--disable-pip-version-check"])
        .env_remove("PIP_FIND_LINKS"))
    .success();
    let out = run(Command::new(venv.join("bin/python")).arg("-c").arg(
        "import importlib.metadata as m\n\
         names = sorted(d.metadata['Name'] for d in m.distributions() if d.metadata['Name'] not in ('pip', 'setuptools'))\n\
         print(' '.join(names))\n\
         import app_dep; assert app_dep.VALUE == 2\n",
    ));
    out.success();
    // win-only is exported with its marker, so pip skips it on Linux.
    assert_eq!(
        out.stdout.trim(),
        "app-dep needs-marker speedup with-extra",
        "{out:?}"
    );
}

#[test]
fn pip_rejects_a_tampered_file_from_the_export() {
    // The export's hashes are real: a swapped file fails pip's check.
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    ctx.envy_ok(&["export", "--frozen", "-o", "requirements.txt"]);
    let (reqs, _) = parse_requirements(&ctx.read("requirements.txt"));
    assert_eq!(reqs["app-dep"].version, "2.0");
    let links = ctx.root.join("links");
    WheelBuilder::new("app-dep", "2.0")
        .module("app_dep/__init__.py", "VALUE = 'evil'\n")
        .build(&links);
    let venv = fresh_venv(&ctx.root.join("fresh"));
    let out = run(Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--disable-pip-version-check",
            "--no-index",
            "--require-hashes",
            "--no-deps",
            "-r",
        ])
        .arg(ctx.path("requirements.txt"))
        .arg("--find-links")
        .arg(&links)
        .env_remove("PIP_FIND_LINKS"));
    out.failure();
}
