//! Zipapp entry points, through the real binary on the `export_bundles` fixture:
//! interpreter mode (no entry point, a virtual project), `--script` naming a
//! dependency's console script, and the build-time check of `-e module:function`.

use crate::common::envy_snapshot;
use crate::export_bundles::{envy, envy_cmd, fixture, ok, python_env, Fixture};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Make the fixture's project virtual and package-less: a `pyproject.toml` with
/// dependencies only (no `[build-system]`, no scripts) and no source.
fn virtual_project(f: &Fixture) {
    std::fs::remove_dir_all(f.project.join("src")).unwrap();
    std::fs::write(
        f.project.join("pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"purepkg\", \"nativepkg\", \"winonly; sys_platform == 'win32'\"]\n\n[dependency-groups]\ndev = [\"devpkg\"]\n",
    )
    .unwrap();
}

fn run_app(app: &Path, root: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new("python3");
    python_env(&mut cmd)
        .arg(app)
        .args(args)
        .current_dir(app.parent().unwrap())
        .env("ENVY_ZIPAPP_ROOT", root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn virtual_project_zipapp_is_a_python_with_the_lock() {
    let f = fixture(&[], "");
    virtual_project(&f);
    let export = [
        "export",
        "--frozen",
        "--format",
        "zipapp",
        "-o",
        "flask-python",
    ];
    let o = envy(&f.project, &f.cache, &export);
    ok(&o);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("runs like `python`"), "{stderr}");
    let app = f.project.join("flask-python");
    let first = std::fs::read(&app).unwrap();
    std::fs::remove_file(&app).unwrap();
    ok(&envy(&f.project, &f.cache, &export));
    assert_eq!(first, std::fs::read(&app).unwrap(), "not byte-identical");

    let root = f.project.join("zroot");
    // -c with arguments.
    let out = ok(&run_app(
        &app,
        &root,
        &[
            "-c",
            "import sys, purepkg, nativepkg; print(sys.argv, purepkg.VALUE, __name__)",
            "a",
            "-b",
        ],
        None,
    ));
    assert_eq!(out.trim(), "['-c', 'a', '-b'] 42 __main__");
    // -m a bundled module, with arguments.
    let out = ok(&run_app(&app, &root, &["-m", "purepkg", "x"], None));
    assert_eq!(out.trim(), "purepkg as main __main__ ['x']");
    // A script path and its arguments; its directory comes first on sys.path.
    std::fs::write(
        f.project.join("script.py"),
        "import sys, purepkg, helper\nprint(__name__, sys.argv, purepkg.VALUE, helper.X)\n",
    )
    .unwrap();
    std::fs::write(f.project.join("helper.py"), "X = 'beside'\n").unwrap();
    let out = ok(&run_app(&app, &root, &["script.py", "--flag"], None));
    assert_eq!(out.trim(), "__main__ ['script.py', '--flag'] 42 beside");
    // The program on stdin, with no arguments and with `-`.
    let out = ok(&run_app(
        &app,
        &root,
        &[],
        Some("import purepkg\nprint('stdin', purepkg.VALUE)\n"),
    ));
    assert_eq!(out.trim(), "stdin 42");
    let out = ok(&run_app(
        &app,
        &root,
        &["-", "q"],
        Some("import sys\nprint(sys.argv)\n"),
    ));
    assert_eq!(out.trim(), "['-', 'q']");
    // Exit codes pass through; an unknown option is refused.
    let o = run_app(&app, &root, &["-c", "raise SystemExit(3)"], None);
    assert_eq!(o.status.code(), Some(3));
    let o = run_app(&app, &root, &["-X", "dev"], None);
    assert_eq!(o.status.code(), Some(2));
    // --no-emit-project leaves a real project's source out too.
    let g = fixture(&[], "");
    ok(&envy(
        &g.project,
        &g.cache,
        &[
            "export",
            "--frozen",
            "--format",
            "zipapp",
            "-o",
            "py.pyz",
            "--no-emit-project",
        ],
    ));
    let out = ok(&run_app(
        &g.project.join("py.pyz"),
        &root,
        &["-c", "import importlib.util as u; print(u.find_spec('demo'), u.find_spec('purepkg') is not None)"],
        None,
    ));
    assert_eq!(out.trim(), "None True");
}

#[test]
fn script_of_a_bundled_distribution() {
    let f = fixture(&[], "");
    virtual_project(&f);
    ok(&envy(
        &f.project,
        &f.cache,
        &[
            "export",
            "--frozen",
            "--format",
            "zipapp",
            "-o",
            "hello.pyz",
            "--script",
            "purepkg-hello",
        ],
    ));
    let out = ok(&run_app(
        &f.project.join("hello.pyz"),
        &f.project.join("zroot"),
        &["1", "2"],
        None,
    ));
    assert_eq!(out.trim(), "hello from purepkg ['1', '2']");
    envy_snapshot!(envy_cmd(&f.project, &f.cache, &[
            "export", "--frozen", "--format", "zipapp", "-o", "x.pyz", "--script", "nope",
        ]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: no console script `nope` in the project's `[project.scripts]` or in the bundled distributions

    hint: scripts: purepkg-hello
    ");
}

#[test]
fn entry_point_is_checked_at_build_time() {
    let f = fixture(&[], "");
    let export = |entry: &str| {
        envy_cmd(
            &f.project,
            &f.cache,
            &[
                "export", "--frozen", "--format", "zipapp", "-o", "e.pyz", "-e", entry,
            ],
        )
    };
    envy_snapshot!(export("demo:mian"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the entry point `demo:mian`: module `demo` does not define `mian`

    hint: check the spelling: the module's source must define the function (`def`), or bind the name by assignment or import
    ");
    envy_snapshot!(export("demoo:main"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: the entry point `demoo:main`: no module `demoo` in the bundle (the project's package or a locked distribution)

    hint: name a module of the project's package or of a locked distribution, e.g. `-e demo:main`
    ");
    assert!(!f.project.join("e.pyz").exists());
    // Bound by assignment, in a pure wheel; defined in a native wheel's source.
    ok(&export("purepkg:VALUE").output().unwrap());
    ok(&export("nativepkg:WHERE").output().unwrap());
    ok(&export("purepkg:hello").output().unwrap());
}
