//! `envy build` and building locked sdists during `sync` and `export`.
//!
//! Everything but the last test runs offline: the projects and sdists use
//! in-tree backends (`backend-path = ["."]`) with no build requirements.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// A tiny PEP 517 backend: sdist (tar.gz with PKG-INFO) and pure wheel of
/// `src/demo/`. `DEMO_FAIL=1` in the environment makes `build_wheel` fail
/// after printing 40 lines.
const DEMO_BACKEND: &str = r#"
import base64, hashlib, io, os, tarfile, zipfile
NAME, VERSION = "demo", "0.1.0"
META = "Metadata-Version: 2.2\nName: demo\nVersion: 0.1.0\n"
WHEEL = b"Wheel-Version: 1.0\nGenerator: demo\nRoot-Is-Purelib: true\nTag: py3-none-any\n"

def build_sdist(d, config_settings=None):
    base = NAME + "-" + VERSION
    with tarfile.open(os.path.join(d, base + ".tar.gz"), "w:gz") as t:
        for f in ["pyproject.toml", "demo_backend.py", "src/demo/__init__.py"]:
            t.add(f, arcname=base + "/" + f)
        data = META.encode()
        info = tarfile.TarInfo(base + "/PKG-INFO")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return base + ".tar.gz"

def build_wheel(d, config_settings=None, metadata_directory=None):
    if os.path.exists("FAIL"):
        for i in range(40):
            print("backend line %d" % i)
        raise RuntimeError("the demo backend was told to fail")
    name = NAME + "-" + VERSION + "-py3-none-any.whl"
    di = NAME + "-" + VERSION + ".dist-info"
    with open("src/demo/__init__.py", "rb") as f:
        files = [("demo/__init__.py", f.read()), (di + "/METADATA", META.encode()), (di + "/WHEEL", WHEEL)]
    rec = "".join("%s,sha256=%s,%d\n" % (p, base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode(), len(b)) for p, b in files)
    with zipfile.ZipFile(os.path.join(d, name), "w") as z:
        for p, b in files:
            z.writestr(p, b)
        z.writestr(di + "/RECORD", rec + di + "/RECORD,,\n")
    return name
"#;

fn demo_project(ctx: &TestContext) {
    ctx.write(
        "pyproject.toml",
        "[build-system]\nrequires = []\nbuild-backend = \"demo_backend\"\nbackend-path = [\".\"]\n\n[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\n",
    );
    ctx.write("demo_backend.py", DEMO_BACKEND);
    ctx.write("src/demo/__init__.py", "GREETING = 'hi from demo'\n");
}

fn zip_names(path: &Path) -> Vec<String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().to_string())
        .collect()
}

fn tar_names(path: &Path) -> Vec<String> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap());
    tar::Archive::new(gz)
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn build_makes_sdist_and_wheel_with_in_tree_backend() {
    let ctx = TestContext::new();
    demo_project(&ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["build"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Building sdist of demo==0.1.0 (runs its build backend)
    Building wheel from demo-0.1.0.tar.gz
    Built dist/demo-0.1.0.tar.gz and dist/demo-0.1.0-py3-none-any.whl in [TIME]
    ");
    let sdist = ctx.path("dist/demo-0.1.0.tar.gz");
    let wheel = ctx.path("dist/demo-0.1.0-py3-none-any.whl");
    assert!(tar_names(&sdist).contains(&"demo-0.1.0/PKG-INFO".to_string()));
    let names = zip_names(&wheel);
    for n in [
        "demo/__init__.py",
        "demo-0.1.0.dist-info/METADATA",
        "demo-0.1.0.dist-info/RECORD",
    ] {
        assert!(names.contains(&n.to_string()), "{names:?}");
    }
    // The wheel installs and imports (through Python's own zipimport).
    envy_snapshot!(
        ctx.filters(),
        Command::new(system_python())
            .arg("-c")
            .arg("import sys; sys.path.insert(0, sys.argv[1]); import demo; print(demo.GREETING)")
            .arg(&wheel),
        @"
    success: true
    exit_code: 0
    ----- stdout -----
    hi from demo

    ----- stderr -----
    "
    );

    // Only the wheel, somewhere else.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["build", "--wheel", "-o", "wheels"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Building wheel of demo==0.1.0 (runs its build backend)
    Built wheels/demo-0.1.0-py3-none-any.whl in [TIME]
    ");
    assert!(ctx.exists("wheels/demo-0.1.0-py3-none-any.whl"));
    assert!(!ctx.exists("wheels/demo-0.1.0.tar.gz"));
    ctx.envy_ok(&["build", "--sdist", "-o", "sdists"]);
    assert!(ctx.exists("sdists/demo-0.1.0.tar.gz"));
    assert!(!ctx.exists("sdists/demo-0.1.0-py3-none-any.whl"));
}

#[test]
fn failing_backend_shows_the_tail_of_its_output() {
    let mut ctx = TestContext::new();
    // Python 3.11+ underlines the failing call in a traceback; older ones do not.
    ctx.add_filter(r"(?m)^ *\| +\^+\n", "");
    demo_project(&ctx);
    ctx.write("FAIL", "");
    // The snapshot shows the tail of the backend's output (line 39 and the
    // error), not its head (line 5).
    envy_snapshot!(ctx.filters(), ctx.envy().args(["build", "--wheel"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Building wheel of demo==0.1.0 (runs its build backend)
    error: failed to build `demo==0.1.0`: the `build_wheel` hook of `demo_backend` exited with status 1; the last lines of its output:
      | backend line 20
      | backend line 21
      | backend line 22
      | backend line 23
      | backend line 24
      | backend line 25
      | backend line 26
      | backend line 27
      | backend line 28
      | backend line 29
      | backend line 30
      | backend line 31
      | backend line 32
      | backend line 33
      | backend line 34
      | backend line 35
      | backend line 36
      | backend line 37
      | backend line 38
      | backend line 39
      | Traceback (most recent call last):
      |   File "[TEMP]/envy_pep517_driver.py", line 52, in <module>
      |     sys.exit(main())
      |   File "[TEMP]/envy_pep517_driver.py", line 46, in main
      |     result = fn(*json.loads(args))
      |   File "[TEMP]/demo_backend.py", line 22, in build_wheel
      |     raise RuntimeError("the demo backend was told to fail")
      | RuntimeError: the demo backend was told to fail

    hint: the build of `demo==0.1.0` failed in the package's own build code (its build backend, demo_backend), not in envy: the output above is the backend's. Install what it needs, fix the package, or pin a version that publishes a wheel for this interpreter
    "#);
    assert!(!ctx.exists("dist/demo-0.1.0-py3-none-any.whl"));
}

#[test]
fn build_without_a_project_explains() {
    let ctx = TestContext::new();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["build"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `[TEMP]` has no `pyproject.toml` or `setup.py` to build

    hint: run `envy build` in a project directory, or pass its path: `envy build PATH`
    ");
}

#[test]
fn sync_builds_sdist_only_package_and_caches_the_wheel() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["sdist-only"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + sdist-only 1.0
    Building sdist-only==1.0 from source (runs its build backend)
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + sdist-only==1.0
    ");
    ctx.assert_installed("sdist-only", "1.0");
    envy_snapshot!(ctx.filters(), ctx.python_command("import sdist_only; print(sdist_only.__version__)"), @"
    success: true
    exit_code: 0
    ----- stdout -----
    1.0

    ----- stderr -----
    ");
    let built = ctx.cache_dir().join("built-wheels-v1");
    assert!(built.is_dir());
    // A fresh venv uses the built wheel from the cache.
    std::fs::remove_dir_all(ctx.venv()).unwrap();
    // No "Building ... from source" this time.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + sdist-only==1.0
    ");
    ctx.python("import sdist_only").success();
}

#[test]
fn wheelhouse_hashes_the_built_wheel() {
    let mut ctx = TestContext::with_scenario();
    // The target is this machine's interpreter.
    ctx.add_filter(r"\bCPython 3\.\d+\.\d+ on ", "CPython 3.[X] on ");
    ctx.init_project(&["sdist-only"]);
    ctx.envy_ok(&["lock"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args([
        "export",
        "--format",
        "wheelhouse",
        "-o",
        "wh",
        "--no-emit-project",
    ]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    Building sdist-only==1.0 from source (runs its build backend)
    Wrote 1 wheel (1.9 KiB) for CPython 3.[X] on linux_x86_64 to [TEMP]/wh
    ");
    let wheel = ctx.path("wh/sdist_only-1.0-py3-none-any.whl");
    assert!(wheel.is_file());
    let reqs = ctx.read("wh/requirements.txt");
    assert!(
        reqs.contains(&format!("--hash=sha256:{}", sha256_file(&wheel))),
        "{reqs}"
    );
}

#[test]
fn lock_asks_the_backend_when_pkg_info_is_not_trusted() {
    let ctx = TestContext::with_scenario();
    untrusted_metadata_sdist(ctx.server().files_dir(), "old-meta", "1.0", &["app-dep>=1"]);
    ctx.init_project(&["old-meta"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Reading the metadata of old_meta-1.0.tar.gz with its build backend (runs its build code)
    Resolved 2 packages in [TIME]
     + app-dep 2.0
     + old-meta 1.0
    ");
    let lock = ctx.lock();
    let deps: Vec<String> = lock
        .dependencies("old-meta")
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(deps, vec!["app-dep".to_string()], "{}", lock.raw);
    assert!(lock.has("app-dep"));
}

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
fn live_build_of_a_new_hatchling_project() {
    if skip_live() {
        return;
    }
    let mut ctx = TestContext::new();
    ctx.envy_ok(&["new", "hello-app"]);
    ctx.cd("project/hello-app");
    assert!(ctx.read("pyproject.toml").contains("hatchling"));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["build"]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Building sdist of hello-app==0.1.0 (runs its build backend)
    Building wheel from hello_app-0.1.0.tar.gz
    Built dist/hello_app-0.1.0.tar.gz and dist/hello_app-0.1.0-py3-none-any.whl in [TIME]
    ");
    let names = zip_names(&ctx.path("dist/hello_app-0.1.0-py3-none-any.whl"));
    assert!(
        names.iter().any(|n| n == "hello_app/__init__.py"),
        "{names:?}"
    );
    // The second build reuses the cached build environment.
    let envs = std::fs::read_dir(ctx.cache_dir().join("build-envs-v1"))
        .unwrap()
        .count();
    ctx.envy_ok(&["build"]);
    let again = std::fs::read_dir(ctx.cache_dir().join("build-envs-v1"))
        .unwrap()
        .count();
    assert_eq!(envs, again);
}
