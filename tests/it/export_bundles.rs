//! `envy export --format wheelhouse|vendor|zipapp|pylock.toml`, run through the real
//! binary against a hand-written `envy.lock` whose files are local `file://` wheels.

use crate::common::envy_snapshot;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) fn envy(dir: &Path, cache: &Path, args: &[&str]) -> Output {
    envy_cmd(dir, cache, args).output().expect("run envy")
}

/// The command [`envy`] runs (for a snapshot).
pub(crate) fn envy_cmd(dir: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_envy"));
    cmd.args(args)
        .current_dir(dir)
        .env("ENVY_CACHE_DIR", cache)
        .env("ENVY_OFFLINE", "1")
        .env_remove("ENVY_PYTHON");
    cmd
}

pub(crate) fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=n {
            out.push(T[((v >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Build a wheel with `files` plus dist-info; returns (path, sha256, size).
pub(crate) fn wheel(
    dir: &Path,
    filename: &str,
    files: &[(&str, &str)],
    purelib: bool,
) -> (PathBuf, String, u64) {
    let mut parts = filename.trim_end_matches(".whl").split('-');
    let (name, version) = (parts.next().unwrap(), parts.next().unwrap());
    let di = format!("{name}-{version}.dist-info");
    let mut all: Vec<(String, String)> = files
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    // A METADATA among `files` (e.g. with `Requires-Dist`) replaces the minimal one.
    if !all.iter().any(|(n, _)| *n == format!("{di}/METADATA")) {
        all.push((
            format!("{di}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        ));
    }
    all.push((
        format!("{di}/WHEEL"),
        format!(
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {purelib}\nTag: py3-none-any\n"
        ),
    ));
    let mut record = String::new();
    for (n, c) in &all {
        record.push_str(&format!(
            "{n},sha256={},{}\n",
            b64(&Sha256::digest(c.as_bytes())),
            c.len()
        ));
    }
    record.push_str(&format!("{di}/RECORD,,\n"));
    all.push((format!("{di}/RECORD"), record));
    let path = dir.join(filename);
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (n, c) in &all {
        z.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(c.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (
        path,
        hex::encode(Sha256::digest(&bytes)),
        bytes.len() as u64,
    )
}

fn url(p: &Path) -> String {
    url::Url::from_file_path(p).unwrap().to_string()
}

fn file_entry(w: &(PathBuf, String, u64)) -> String {
    format!(
        "{{ url = \"{}\", sha256 = \"{}\", size = {} }}",
        url(&w.0),
        w.1,
        w.2
    )
}

pub(crate) struct Fixture {
    _tmp: tempfile::TempDir,
    pub(crate) project: PathBuf,
    pub(crate) cache: PathBuf,
}

/// A project `demo` (`src/demo`, `main()` prints what it imported) depending on
/// `purepkg` (pure, with a `.pth` file), `nativepkg` (`Root-Is-Purelib: false`, a
/// `.so`), `winonly` (only on Windows, with a `win_amd64` wheel) and a dev group
/// with `devpkg`.
pub(crate) fn fixture(extra_main: &[&str], extra_packages: &str) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let wheels = tmp.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let pure = wheel(
        &wheels,
        "purepkg-1.0-py3-none-any.whl",
        &[
            (
                "purepkg/__init__.py",
                "VALUE = 42\n\ndef hello():\n    import sys\n    print('hello from purepkg', sys.argv[1:])\n",
            ),
            (
                "purepkg/__main__.py",
                "import sys\nprint('purepkg as main', __name__, sys.argv[1:])\n",
            ),
            (
                "purepkg-1.0.dist-info/entry_points.txt",
                "[console_scripts]\npurepkg-hello = purepkg:hello\n",
            ),
            ("purepkg/ns/mod.py", "NS = 'namespace'\n"),
            ("purepkg-extra.pth", "purepkg_extra\n"),
            ("purepkg_extra/hidden_mod.py", "HIDDEN = 'pth works'\n"),
        ],
        true,
    );
    let native = wheel(
        &wheels,
        "nativepkg-2.0-py3-none-any.whl",
        &[
            (
                "nativepkg/__init__.py",
                "import os\nWHERE = os.path.dirname(__file__)\n",
            ),
            ("nativepkg/_fake.so", "not really a shared library"),
        ],
        false,
    );
    let win = wheel(
        &wheels,
        "winonly-1.0-cp312-cp312-win_amd64.whl",
        &[("winonly/__init__.py", "")],
        false,
    );
    let dev = wheel(
        &wheels,
        "devpkg-1.0-py3-none-any.whl",
        &[("devpkg/__init__.py", "")],
        true,
    );
    let project = tmp.path().join("demo");
    std::fs::create_dir_all(project.join("src/demo")).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"purepkg\", \"nativepkg\", \"winonly; sys_platform == 'win32'\"]\n\n[project.scripts]\ndemo-cli = \"demo:main\"\n\n[dependency-groups]\ndev = [\"devpkg\"]\n",
    )
    .unwrap();
    std::fs::write(
        project.join("src/demo/__init__.py"),
        "import sys\n\ndef main():\n    import purepkg, nativepkg, purepkg.ns.mod\n    print('value', purepkg.VALUE, purepkg.ns.mod.NS)\n    print('native', nativepkg.WHERE)\n    return 0\n",
    )
    .unwrap();
    let mut main_deps = vec![
        "{ name = \"nativepkg\" }".to_string(),
        "{ name = \"purepkg\" }".to_string(),
        "{ name = \"winonly\", marker = \"sys_platform == 'win32'\" }".to_string(),
    ];
    main_deps.extend(extra_main.iter().map(|n| format!("{{ name = \"{n}\" }}")));
    let lock = format!(
        r#"version = 1
requires-python = ">=3.9"

[manifest]
requirements = ["nativepkg", "purepkg", "winonly; sys_platform == 'win32'"]

[manifest.dependency-groups]
dev = ["devpkg"]

[[package]]
name = "demo"
version = "0.1.0"
source = {{ editable = "." }}
dependencies = [{deps}]

[package.dependency-groups]
dev = [{{ name = "devpkg" }}]

[[package]]
name = "devpkg"
version = "1.0"
source = {{ registry = "https://example.invalid/simple" }}
groups = ["dev"]
wheels = [{dev}]

[[package]]
name = "nativepkg"
version = "2.0"
source = {{ registry = "https://example.invalid/simple" }}
groups = ["main"]
wheels = [{native}]

[[package]]
name = "purepkg"
version = "1.0"
source = {{ registry = "https://example.invalid/simple" }}
groups = ["main"]
wheels = [{pure}]

[[package]]
name = "winonly"
version = "1.0"
source = {{ registry = "https://example.invalid/simple" }}
groups = ["main"]
wheels = [{win}]
{extra_packages}"#,
        deps = main_deps.join(", "),
        dev = file_entry(&dev),
        native = file_entry(&native),
        pure = file_entry(&pure),
        win = file_entry(&win),
    );
    std::fs::write(project.join("envy.lock"), lock).unwrap();
    let cache = tmp.path().join("cache");
    Fixture {
        _tmp: tmp,
        project,
        cache,
    }
}

pub(crate) fn python_env(cmd: &mut Command) -> &mut Command {
    cmd.env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PYTHONPATH")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
}

#[test]
fn wheelhouse_installs_offline_with_hashes() {
    let f = fixture(&[], "");
    let out = ok(&envy(
        &f.project,
        &f.cache,
        &["export", "--frozen", "--format", "wheelhouse", "-o", "wh"],
    ));
    assert!(out.is_empty());
    let wh = f.project.join("wh");
    let mut names: Vec<String> = std::fs::read_dir(&wh)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // app dependencies only, evaluated for this (non-Windows) machine
    assert_eq!(
        names,
        [
            "SHA256SUMS",
            "demo-0.1.0-py3-none-any.whl",
            "nativepkg-2.0-py3-none-any.whl",
            "purepkg-1.0-py3-none-any.whl",
            "pylock.toml",
            "requirements.txt",
        ]
    );
    let req = std::fs::read_to_string(wh.join("requirements.txt")).unwrap();
    assert!(req.contains("purepkg==1.0 \\\n    --hash=sha256:"), "{req}");
    assert!(req.contains("demo==0.1.0 \\\n    --hash=sha256:"), "{req}");
    assert_eq!(req.matches("--hash").count(), 3, "{req}");

    let venv = f.project.join("venv");
    let st = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(st.success());
    let pip = python_env(&mut Command::new(venv.join("bin/python")))
        .args(["-m", "pip", "install", "--no-index", "--find-links"])
        .arg(&wh)
        .args(["--require-hashes", "-r"])
        .arg(wh.join("requirements.txt"))
        .output()
        .unwrap();
    ok(&pip);
    let run = Command::new(venv.join("bin/python"))
        .args([
            "-c",
            "import purepkg, nativepkg, hidden_mod; print(purepkg.VALUE, hidden_mod.HIDDEN)",
        ])
        .output()
        .unwrap();
    assert_eq!(ok(&run).trim(), "42 pth works");

    // The same wheelhouse feeds `envy sync --offline --find-links` on a
    // machine whose cache is empty: nothing is fetched, hashes still checked.
    // The lock's own `file://` copies of the app wheels go away, so only the
    // wheelhouse can serve them.
    for w in [
        "purepkg-1.0-py3-none-any.whl",
        "nativepkg-2.0-py3-none-any.whl",
    ] {
        std::fs::remove_file(f.project.parent().unwrap().join("wheels").join(w)).unwrap();
    }
    let empty_cache = f.project.join("empty-cache");
    ok(&envy(
        &f.project,
        &empty_cache,
        &[
            "sync",
            "--frozen",
            "--no-dev",
            "--offline",
            "--find-links",
            "wh",
        ],
    ));
    let run = Command::new(f.project.join(".venv/bin/python"))
        .args(["-c", "import purepkg, nativepkg; print(purepkg.VALUE)"])
        .output()
        .unwrap();
    assert_eq!(ok(&run).trim(), "42");
    // The project's own wheel, with its console script.
    let out = ok(&Command::new(venv.join("bin/demo-cli")).output().unwrap());
    assert!(out.contains("value 42 namespace"), "{out}");

    // Re-export over our own wheelhouse works; over a foreign directory it refuses.
    ok(&envy(
        &f.project,
        &f.cache,
        &["export", "--frozen", "--format", "wheelhouse", "-o", "wh"],
    ));
    std::fs::create_dir_all(f.project.join("other")).unwrap();
    std::fs::write(f.project.join("other/keep.txt"), "mine").unwrap();
    let o = envy(
        &f.project,
        &f.cache,
        &[
            "export",
            "--frozen",
            "--format",
            "wheelhouse",
            "-o",
            "other",
        ],
    );
    assert!(!o.status.success());
    assert!(f.project.join("other/keep.txt").is_file());

    // --no-emit-project leaves the project out.
    ok(&envy(
        &f.project,
        &f.cache,
        &[
            "export",
            "--frozen",
            "--format",
            "wheelhouse",
            "-o",
            "wh",
            "--no-emit-project",
        ],
    ));
    assert!(!wh.join("demo-0.1.0-py3-none-any.whl").exists());
    // --group dev brings the dev group back.
    ok(&envy(
        &f.project,
        &f.cache,
        &[
            "export",
            "--frozen",
            "--format",
            "wheelhouse",
            "-o",
            "wh",
            "--group",
            "dev",
        ],
    ));
    assert!(wh.join("devpkg-1.0-py3-none-any.whl").is_file());
}

#[test]
fn wheelhouse_for_another_platform() {
    let f = fixture(&[], "");
    ok(&envy(
        &f.project,
        &f.cache,
        &[
            "export",
            "--frozen",
            "--format",
            "wheelhouse",
            "-o",
            "win",
            "--python-version",
            "3.12",
            "--python-platform",
            "win_amd64",
        ],
    ));
    let req = std::fs::read_to_string(f.project.join("win/requirements.txt")).unwrap();
    assert!(req.contains("winonly==1.0"), "{req}");
    assert!(f
        .project
        .join("win/winonly-1.0-cp312-cp312-win_amd64.whl")
        .is_file());
    // No wheel of winonly fits 3.11 on Windows.
    envy_snapshot!(envy_cmd(&f.project, &f.cache, &[
            "export",
            "--frozen",
            "--format",
            "wheelhouse",
            "-o",
            "win311",
            "--python-version",
            "3.11",
            "--python-platform",
            "win_amd64",
        ]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no wheel for CPython 3.11.0 on win_amd64 for `winonly==1.0` (none of its 1 wheels matches)

    hint: pick a target these versions publish wheels for (`--python-version`, `--python-platform`), or pin versions that have wheels
    ");
    // requires-python is enforced.
    envy_snapshot!(envy_cmd(&f.project, &f.cache, &[
            "export",
            "--frozen",
            "--format",
            "wheelhouse",
            "-o",
            "old",
            "--python-version",
            "3.8",
            "--python-platform",
            "manylinux_2_28_x86_64",
        ]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the target (CPython 3.8.0 on manylinux_2_28_x86_64) does not satisfy the lock's requires-python `>=3.9`

    hint: pick a Python version the project supports with `--python-version` or `--python`
    ");
    let o = envy(
        &f.project,
        &f.cache,
        &[
            "export",
            "--frozen",
            "--format",
            "wheelhouse",
            "-o",
            "x",
            "--python-platform",
            "amiga_68k",
        ],
    );
    assert!(!o.status.success());
}

#[test]
fn sdist_only_packages_fail_clearly() {
    let sdist = "\n[[package]]\nname = \"cext\"\nversion = \"0.5\"\nsource = { registry = \"https://example.invalid/simple\" }\ngroups = [\"main\"]\nsdist = { url = \"https://example.invalid/cext-0.5.tar.gz\", sha256 = \"00\", size = 1 }\n";
    let f = fixture(&["cext"], sdist);
    // A foreign target cannot build it.
    envy_snapshot!(envy_cmd(&f.project, &f.cache, &[
            "export",
            "--frozen",
            "--format",
            "vendor",
            "-o",
            "vendor",
            "--python-platform",
            "win_amd64",
        ]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no wheel for CPython 3.11.0 on win_amd64 for `winonly==1.0` (none of its 1 wheels matches), `cext==0.5` (only an sdist matches, and it can only be built for an interpreter on this machine)

    hint: sdists are built only for a local interpreter: drop `--python-platform` (and use a `--python-version` installed here), or pin versions that have wheels for the target
    ");
    assert!(!f.project.join("vendor").exists());
    // The local one tries (and here fails to download it): nothing is written.
    envy_snapshot!(envy_cmd(&f.project, &f.cache, &["export", "--frozen", "--format", "vendor", "-o", "vendor"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Building cext==0.5 from source (runs its build backend)
    error: `cext-0.5.tar.gz` (https://example.invalid/cext-0.5.tar.gz) is not in the cache and the network is off (`--offline`)

    hint: run once with network access to fill the cache, or drop `--offline`
    ");
    assert!(!f.project.join("vendor").exists());
}

#[test]
fn vendor_dir_imports_with_bootstrap() {
    let f = fixture(&[], "");
    ok(&envy(
        &f.project,
        &f.cache,
        &["export", "--frozen", "--format", "vendor", "-o", "vendor"],
    ));
    let vendor = f.project.join("vendor");
    assert!(vendor.join("__envy_vendor__.py").is_file());
    assert!(vendor.join("purepkg/__init__.py").is_file());
    assert!(vendor.join("nativepkg/_fake.so").is_file());
    assert!(!vendor.join("devpkg").exists());
    let run = python_env(&mut Command::new("python3"))
        .current_dir(&f.project)
        .args([
            "-I",
            "-c",
            "import sys; sys.path.insert(0, 'vendor'); import __envy_vendor__; import purepkg, hidden_mod, demo; print(purepkg.VALUE, hidden_mod.HIDDEN)",
        ])
        .output()
        .unwrap();
    assert_eq!(ok(&run).trim(), "42 pth works");
    // Idempotent.
    ok(&envy(
        &f.project,
        &f.cache,
        &["export", "--frozen", "--format", "vendor", "-o", "vendor"],
    ));
}

#[test]
fn zipapp_runs_unpacks_native_once_and_is_deterministic() {
    let f = fixture(&[], "");
    let build = || {
        ok(&envy(
            &f.project,
            &f.cache,
            &[
                "export",
                "--frozen",
                "--format",
                "zipapp",
                "-o",
                "app.pyz",
                "-e",
                "demo:main",
            ],
        ))
    };
    build();
    let app = f.project.join("app.pyz");
    let first = std::fs::read(&app).unwrap();
    assert!(first.starts_with(b"#!/usr/bin/env python3\n"));
    std::fs::remove_file(&app).unwrap();
    build();
    assert_eq!(
        first,
        std::fs::read(&app).unwrap(),
        "zipapp is not byte-identical"
    );
    // The second build took its `.pyc` files from the cache; without it, a
    // fresh compile gives the same bytes.
    let pyc_cache = f.cache.join("pyc-v1");
    let cached = walkdir::WalkDir::new(&pyc_cache)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "pyc"))
        .count();
    assert!(cached > 0, "no .pyc kept in {}", pyc_cache.display());
    std::fs::remove_dir_all(&pyc_cache).unwrap();
    std::fs::remove_file(&app).unwrap();
    build();
    assert_eq!(
        first,
        std::fs::read(&app).unwrap(),
        "the cached .pyc files differ from a fresh compile"
    );

    let root = f.project.join("zroot");
    let run = |root: &Path| {
        python_env(&mut Command::new("python3"))
            .arg(&app)
            .env("ENVY_ZIPAPP_ROOT", root)
            .output()
            .unwrap()
    };
    let out = ok(&run(&root));
    assert!(out.contains("value 42 namespace"), "{out}");
    let native_dir = out
        .lines()
        .find_map(|l| l.strip_prefix("native "))
        .unwrap()
        .to_string();
    assert!(Path::new(&native_dir).starts_with(&root), "{native_dir}");
    // Second start: no unpacking (a change in the unpacked copy survives).
    let init = Path::new(&native_dir).join("__init__.py");
    std::fs::write(&init, "WHERE = 'warm'\n").unwrap();
    let out = ok(&run(&root));
    assert!(out.contains("native warm"), "{out}");
    // Pure code stays in the archive.
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);

    // Running the file directly uses the shebang.
    #[cfg(unix)]
    {
        let out = Command::new(&app)
            .env("ENVY_ZIPAPP_ROOT", &root)
            .output()
            .unwrap();
        assert!(ok(&out).contains("value 42"));
    }
    // The only [project.scripts] entry is the default; an unknown one is an error.
    ok(&envy(
        &f.project,
        &f.cache,
        &["export", "--frozen", "--format", "zipapp", "-o", "cli.pyz"],
    ));
    let out = python_env(&mut Command::new("python3"))
        .arg(f.project.join("cli.pyz"))
        .env("ENVY_ZIPAPP_ROOT", &root)
        .output()
        .unwrap();
    assert!(ok(&out).contains("value 42"));
    envy_snapshot!(envy_cmd(&f.project, &f.cache, &[
            "export", "--frozen", "--format", "zipapp", "-o", "x.pyz", "--script", "nope",
        ]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no console script `nope` in the project's `[project.scripts]` or in the bundled distributions

    hint: scripts: demo-cli, purepkg-hello
    ");
}

#[test]
fn pylock_toml() {
    let f = fixture(&[], "");
    let text = ok(&envy(
        &f.project,
        &f.cache,
        &["export", "--frozen", "--format", "pylock.toml"],
    ));
    let doc: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(doc["lock-version"].as_str(), Some("1.0"));
    assert_eq!(doc["created-by"].as_str(), Some("envy"));
    assert_eq!(doc["requires-python"].as_str(), Some(">=3.9"));
    let pkgs = doc["packages"].as_array().unwrap();
    let names: Vec<&str> = pkgs.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["devpkg", "nativepkg", "purepkg", "winonly"]);
    let win = &pkgs[3];
    assert_eq!(win["marker"].as_str(), Some("sys_platform == 'win32'"));
    assert_eq!(
        win["index"].as_str(),
        Some("https://example.invalid/simple")
    );
    let w = &win["wheels"].as_array().unwrap()[0];
    assert!(w["url"].as_str().unwrap().starts_with("file://"));
    assert_eq!(w["hashes"]["sha256"].as_str().unwrap().len(), 64);
    assert!(w["size"].as_integer().unwrap() > 0);
}

#[test]
fn live_flask_flow() {
    if std::env::var_os("ENVY_SKIP_LIVE").is_some() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let run = |dir: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_envy"))
            .args(args)
            .current_dir(dir)
            .env("ENVY_CACHE_DIR", &cache)
            .env_remove("ENVY_OFFLINE")
            .output()
            .unwrap()
    };
    ok(&run(tmp.path(), &["new", "demo"]));
    let project = tmp.path().join("demo");
    ok(&run(&project, &["add", "flask", "--no-sync"]));
    ok(&run(
        &project,
        &["export", "--frozen", "--format", "wheelhouse", "-o", "wh"],
    ));
    let venv = project.join("venv");
    assert!(Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap()
        .success());
    let wh = project.join("wh");
    ok(&python_env(&mut Command::new(venv.join("bin/python")))
        .args(["-m", "pip", "install", "--no-index", "--find-links"])
        .arg(&wh)
        .args(["--require-hashes", "-r"])
        .arg(wh.join("requirements.txt"))
        .output()
        .unwrap());
    ok(&Command::new(venv.join("bin/python"))
        .args(["-c", "import flask, demo; demo.main()"])
        .output()
        .unwrap());
    ok(&run(
        &project,
        &[
            "export",
            "--frozen",
            "--format",
            "zipapp",
            "-o",
            "app.pyz",
            "-e",
            "demo:main",
        ],
    ));
    let out = python_env(&mut Command::new("python3"))
        .arg(project.join("app.pyz"))
        .env("ENVY_ZIPAPP_ROOT", tmp.path().join("zroot"))
        .output()
        .unwrap();
    assert!(ok(&out).contains("Hello from demo!"));
    ok(&run(
        &project,
        &["export", "--frozen", "--format", "vendor", "-o", "vendor"],
    ));
    ok(&python_env(&mut Command::new("python3"))
        .current_dir(&project)
        .args([
            "-I",
            "-c",
            "import sys; sys.path.insert(0, 'vendor'); import __envy_vendor__; import flask, demo",
        ])
        .output()
        .unwrap());
}
