//! End-to-end tests: real venvs, wheels built here with the zip crate, the venv's python.

use super::record::record_hash_bytes;
use super::*;
use crate::types::WheelFilename;
use crate::venv::{create_venv, installed_distributions, Interpreter, Venv};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn interpreter() -> Interpreter {
    static I: OnceLock<Interpreter> = OnceLock::new();
    I.get_or_init(|| Interpreter::query(Path::new("python3")).unwrap())
        .clone()
}

fn venv(dir: &Path) -> Venv {
    create_venv(&dir.join(".venv"), &interpreter()).unwrap()
}

/// Every path under `root`, relative, sorted.
fn tree(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| {
            e.unwrap()
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

enum Entry<'a> {
    File(&'a str, &'a [u8], u32),
    Symlink(&'a str, &'a str),
}

/// Write `dir/filename` with `entries`, generating RECORD; `lie` lists entries whose
/// RECORD hash is replaced with a wrong one.
fn build_wheel(dir: &Path, filename: &str, entries: &[Entry], lie: &[&str]) -> PathBuf {
    let path = dir.join(filename);
    let w: WheelFilename = filename.parse().unwrap();
    let dist_info = format!("{}-{}.dist-info", w.name.as_dist_info_name(), w.version);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let mut record = String::new();
    let mut all: Vec<(String, Vec<u8>, u32)> = vec![
        (
            format!("{dist_info}/METADATA"),
            format!(
                "Metadata-Version: 2.1\nName: {}\nVersion: {}\n\n",
                w.name, w.version
            )
            .into_bytes(),
            0o644,
        ),
        (
            format!("{dist_info}/WHEEL"),
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_vec(),
            0o644,
        ),
    ];
    for e in entries {
        if let Entry::File(n, c, m) = e {
            all.push((n.to_string(), c.to_vec(), *m));
        }
    }
    for (name, content, mode) in &all {
        let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
        zip.start_file(name.as_str(), opts).unwrap();
        zip.write_all(content).unwrap();
        let hash = if lie.contains(&name.as_str()) {
            record_hash_bytes(b"something else")
        } else {
            record_hash_bytes(content)
        };
        record.push_str(&format!("{name},{hash},{}\n", content.len()));
    }
    for e in entries {
        if let Entry::Symlink(n, target) = e {
            zip.add_symlink(*n, *target, zip::write::SimpleFileOptions::default())
                .unwrap();
            record.push_str(&format!("{n},,\n"));
        }
    }
    record.push_str(&format!("{dist_info}/RECORD,,\n"));
    zip.start_file(
        format!("{dist_info}/RECORD"),
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.finish().unwrap();
    path
}

fn run(cmd: &Path, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap();
    assert!(out.status.success(), "{cmd:?} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

const NATIVE_TOOL: &[u8] = b"\x7fELF\x02\x01\x01\0not really a program, but not a #!python script";

const DEMO_INIT: &[u8] = b"def main():\n    print('hello from demo')\n    return 0\n\nVALUE = 42\n";

fn demo_wheel(dir: &Path) -> (PathBuf, WheelFilename) {
    let name = "demo-1.0-py3-none-any.whl";
    let path = build_wheel(
        dir,
        name,
        &[
            Entry::File("demo/__init__.py", DEMO_INIT, 0o644),
            Entry::File("demo/sub/run.sh", b"#!/bin/sh\necho hi\n", 0o755),
            Entry::File(
                "demo-1.0.data/scripts/tool",
                b"#!python\nimport demo\nprint('tool', demo.VALUE)\n",
                0o644,
            ),
            // A native program (not `#!python`) and a file shorter than the
            // shebang mark: both copied byte for byte, streamed, executable.
            Entry::File("demo-1.0.data/scripts/native-tool", NATIVE_TOOL, 0o644),
            Entry::File("demo-1.0.data/scripts/tiny", b"#!py", 0o644),
            Entry::File("demo-1.0.data/data/share/demo/readme.txt", b"data\n", 0o644),
            Entry::File("demo-1.0.data/headers/demo.h", b"int x;\n", 0o644),
            Entry::File(
                "demo-1.0.dist-info/entry_points.txt",
                b"[console_scripts]\ndemo-cli = demo:main\n",
                0o644,
            ),
        ],
        &[],
    );
    (path, name.parse().unwrap())
}

#[test]
fn installs_runs_and_uninstalls_a_wheel() {
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(dir.path());
    let before = tree(&venv.root);
    let (wheel, filename) = demo_wheel(dir.path());
    let opts = InstallOptions {
        installer: "envy",
        requested: true,
    };
    let dist = install_wheel(&venv, &wheel, &filename, &opts).unwrap();
    assert_eq!(dist.name.as_ref(), "demo");
    assert!(!dist.editable);

    assert_eq!(
        run(&venv.python, &["-c", "import demo; print(demo.VALUE)"]).trim(),
        "42"
    );
    assert_eq!(
        run(&venv.bin.join("demo-cli"), &[]).trim(),
        "hello from demo"
    );
    assert_eq!(run(&venv.bin.join("tool"), &[]).trim(), "tool 42");
    assert!(venv.root.join("share/demo/readme.txt").is_file());
    let (maj, min) = venv.interpreter.python_minor();
    assert!(venv
        .root
        .join(format!("include/site/python{maj}.{min}/demo/demo.h"))
        .is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(&venv.site_packages.join("demo/sub/run.sh")) & 0o111,
            0o111
        );
        assert_eq!(
            mode(&venv.site_packages.join("demo/__init__.py")) & 0o111,
            0
        );
        assert_eq!(mode(&venv.bin.join("tool")), 0o755);
        assert_eq!(mode(&venv.bin.join("native-tool")) & 0o111, 0o111);
        assert_eq!(mode(&venv.bin.join("tiny")) & 0o111, 0o111);
    }
    assert_eq!(
        fs_err::read(venv.bin.join("native-tool")).unwrap(),
        NATIVE_TOOL
    );
    assert_eq!(fs_err::read(venv.bin.join("tiny")).unwrap(), b"#!py");
    let di = venv.site_packages.join("demo-1.0.dist-info");
    assert_eq!(
        fs_err::read_to_string(di.join("INSTALLER")).unwrap(),
        "envy\n"
    );
    assert!(di.join("REQUESTED").is_file());
    let record = fs_err::read_to_string(di.join("RECORD")).unwrap();
    assert!(record.contains("../../../bin/demo-cli,sha256="), "{record}");
    assert!(record.contains("../../../bin/tool,sha256="), "{record}");
    assert!(
        record.contains("../../../bin/native-tool,sha256="),
        "{record}"
    );
    assert!(record.contains("demo/__init__.py,sha256="), "{record}");
    assert!(
        record.ends_with("demo-1.0.dist-info/RECORD,,\n"),
        "{record}"
    );
    let installed = installed_distributions(&venv).unwrap();
    assert_eq!(installed, vec![dist.clone()]);

    // installing again replaces the first install
    let dist = install_wheel(&venv, &wheel, &filename, &opts).unwrap();
    assert_eq!(installed_distributions(&venv).unwrap().len(), 1);

    uninstall(&venv, &dist).unwrap();
    assert_eq!(tree(&venv.root), before);
    assert!(installed_distributions(&venv).unwrap().is_empty());
}

/// The RECORD rows of `dist_info` as (path, size), sorted; hashes left out,
/// and the sizes of scripts (they name their venv's interpreter).
fn record_paths(dist_info: &Path) -> Vec<(String, String)> {
    let text = fs_err::read_to_string(dist_info.join("RECORD")).unwrap();
    let mut rows: Vec<(String, String)> = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let size = if f[0].contains("/bin/") { "" } else { f[2] };
            (f[0].to_string(), size.to_string())
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn installs_through_the_unpacked_cache_match_direct_installs() {
    let dir = tempfile::tempdir().unwrap();
    let (wheel, filename) = demo_wheel(dir.path());
    let direct = venv(&dir.path().join("direct"));
    install_wheel(&direct, &wheel, &filename, &InstallOptions::default()).unwrap();
    let cache = dir.path().join("cache");
    let sha = "0123abcd";
    let opts = InstallOptions::default();
    // Unpacked (and stamped) by the first, linked from the stamp by the second.
    for name in ["first", "second"] {
        let linked = venv(&dir.path().join(name));
        let before = tree(&linked.root);
        let dist = install_wheel_cached(&linked, &cache, &wheel, sha, &filename, &opts).unwrap();
        assert_eq!(tree(&linked.root), tree(&direct.root), "{name}");
        assert_eq!(
            record_paths(&dist.dist_info),
            record_paths(&direct.site_packages.join("demo-1.0.dist-info")),
            "{name}"
        );
        assert_eq!(run(&linked.bin.join("tool"), &[]).trim(), "tool 42");
        uninstall(&linked, &dist).unwrap();
        assert_eq!(tree(&linked.root), before, "{name}");
    }
    let (major, minor) = interpreter().python_minor();
    let stamp = cache.join(format!("unpacked-v1/{sha}-py{major}{minor}/verified-stat"));
    let stamp = fs_err::read_to_string(stamp).unwrap();
    assert!(stamp.starts_with("envy-stat-v2\n"), "{stamp}");
    assert!(stamp.contains(" site/demo/__init__.py\0"), "{stamp}");
}

#[test]
fn refuses_unsafe_wheels() {
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(dir.path());
    let before = tree(&venv.root);
    let outside_before = tree(dir.path());
    let abs = dir.path().join("abs.py");
    let abs_name = abs.to_string_lossy().into_owned();
    let cases: Vec<(&str, Vec<Entry>)> = vec![
        (
            "evil-1.0-py3-none-any.whl",
            vec![
                Entry::File("evil/__init__.py", b"", 0o644),
                Entry::File("../evil.py", b"print('pwned')\n", 0o644),
            ],
        ),
        (
            "evil-1.0-py3-none-any.whl",
            vec![Entry::File(&abs_name, b"print('pwned')\n", 0o644)],
        ),
        (
            "evil-1.0-py3-none-any.whl",
            vec![Entry::File("evil/../../../../x.py", b"", 0o644)],
        ),
        (
            "evil-1.0-py3-none-any.whl",
            vec![Entry::Symlink("evil/link", "/etc/passwd")],
        ),
        (
            "evil-1.0-py3-none-any.whl",
            vec![Entry::File("evil-1.0.data/elsewhere/x", b"", 0o644)],
        ),
    ];
    let wheels = dir.path().join("wheels");
    fs_err::create_dir_all(&wheels).unwrap();
    for (i, (name, entries)) in cases.iter().enumerate() {
        let sub = wheels.join(i.to_string());
        fs_err::create_dir_all(&sub).unwrap();
        let wheel = build_wheel(&sub, name, entries, &[]);
        let err = install_wheel(
            &venv,
            &wheel,
            &name.parse().unwrap(),
            &InstallOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(err, InstallError::UnsafeEntry { .. }),
            "case {i}: {err}"
        );
        eprintln!("case {i}: {err}");
        assert_eq!(tree(&venv.root), before, "case {i}");
    }
    let outside_after: Vec<String> = tree(dir.path())
        .into_iter()
        .filter(|p| !p.starts_with("wheels"))
        .collect();
    assert_eq!(outside_after, outside_before);
    assert!(!abs.exists());
}

#[test]
fn refuses_a_wheel_whose_record_lies() {
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(dir.path());
    let before = tree(&venv.root);
    let name = "liar-1.0-py3-none-any.whl";
    let wheel = build_wheel(
        dir.path(),
        name,
        &[
            Entry::File("liar/__init__.py", b"x = 1\n", 0o644),
            Entry::File("liar/z.py", b"y = 2\n", 0o644),
        ],
        &["liar/z.py"],
    );
    let err = install_wheel(
        &venv,
        &wheel,
        &name.parse().unwrap(),
        &InstallOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, InstallError::HashMismatch { entry, .. } if entry == "liar/z.py"),
        "{err}"
    );
    assert!(err.to_string().contains("liar/z.py"));
    assert_eq!(tree(&venv.root), before);
}

#[test]
fn installs_and_uninstalls_editable() {
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(dir.path());
    let before = tree(&venv.root);
    let project = dir.path().join("proj");
    fs_err::create_dir_all(project.join("src/pkg")).unwrap();
    fs_err::write(
        project.join("src/pkg/__init__.py"),
        "def main():\n    print('editable main')\n",
    )
    .unwrap();
    let name = "pkg".parse().unwrap();
    let version = "0.3.0".parse().unwrap();
    let src = project.join("src");
    let ep = EditableProject {
        name: &name,
        version: &version,
        project_root: &project,
        source_root: &src,
        requires_dist: vec!["six>=1; python_version >= '3'".into()],
        requires_python: Some(">=3.8".into()),
        console_scripts: vec![("pkg-cli".into(), "pkg:main".into())],
        gui_scripts: vec![],
    };
    let dist = install_editable(&venv, &ep, &InstallOptions::default()).unwrap();
    assert!(dist.editable);
    let out = run(
        &venv.python,
        &[
            "-c",
            "import pkg, importlib.metadata as m; print(m.version('pkg')); print(m.requires('pkg')); print(pkg.__file__)",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "0.3.0");
    assert!(lines[1].contains("six>=1"), "{out}");
    assert!(lines[2].starts_with(src.to_str().unwrap()), "{out}");
    assert_eq!(run(&venv.bin.join("pkg-cli"), &[]).trim(), "editable main");
    let installed = installed_distributions(&venv).unwrap();
    assert_eq!(installed.len(), 1);
    assert!(installed[0].editable);
    let direct_url = fs_err::read_to_string(dist.dist_info.join("direct_url.json")).unwrap();
    assert!(direct_url.contains("\"editable\":true"), "{direct_url}");
    assert!(direct_url.contains("file:///"), "{direct_url}");

    uninstall(&venv, &dist).unwrap();
    assert_eq!(tree(&venv.root), before);
    assert!(project.join("src/pkg/__init__.py").is_file());
}

/// Opt-in: install every wheel in `$ENVY_TEST_WHEELS` into a fresh venv, check each is
/// compatible, importable via `importlib.metadata`, and uninstalls cleanly.
#[test]
fn installs_real_wheels_when_available() {
    let Some(wheels) = std::env::var_os("ENVY_TEST_WHEELS") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(dir.path());
    let before = tree(&venv.root);
    let mut paths: Vec<PathBuf> = fs_err::read_dir(&wheels)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    paths.sort();
    let start = std::time::Instant::now();
    let mut dists = Vec::new();
    for p in &paths {
        let filename: WheelFilename = p.file_name().unwrap().to_str().unwrap().parse().unwrap();
        assert!(venv.interpreter.tags.is_compatible(&filename), "{filename}");
        dists.push(install_wheel(&venv, p, &filename, &InstallOptions::default()).unwrap());
    }
    eprintln!("installed {} wheels in {:?}", paths.len(), start.elapsed());
    let names: Vec<String> = dists.iter().map(|d| format!("'{}'", d.name)).collect();
    let script = format!(
        "import importlib.metadata as m\nfor n in [{}]:\n    d = m.distribution(n)\n    assert d.files, n\n    missing = [f for f in d.files if not f.locate().exists()]\n    assert not missing, (n, missing[:3])\nprint('ok')",
        names.join(", ")
    );
    assert_eq!(run(&venv.python, &["-c", &script]).trim(), "ok");
    if dists.iter().any(|d| d.name.as_ref() == "pip") {
        // pip itself must recognize what we installed
        let list = run(&venv.python, &["-m", "pip", "list", "--format=freeze"]);
        for d in &dists {
            let line = format!("{}=={}", d.name, d.version);
            assert!(
                list.lines().any(|l| l.eq_ignore_ascii_case(&line)),
                "{line} not in {list}"
            );
        }
    }
    let start = std::time::Instant::now();
    for d in &dists {
        uninstall(&venv, d).unwrap();
    }
    eprintln!("uninstalled in {:?}", start.elapsed());
    assert_eq!(tree(&venv.root), before);
}

#[test]
fn upgrades_replace_old_files_and_parallel_installs_share_dirs() {
    use rayon::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let venv = venv(dir.path());
    let before = tree(&venv.root);
    let w1 = build_wheel(
        dir.path(),
        "up-1.0-py3-none-any.whl",
        &[
            Entry::File("up/__init__.py", b"V = 1\n", 0o644),
            Entry::File("up/old_only.py", b"", 0o644),
        ],
        &[],
    );
    let sub = dir.path().join("v2");
    fs_err::create_dir_all(&sub).unwrap();
    let w2 = build_wheel(
        &sub,
        "up-2.0-py3-none-any.whl",
        &[Entry::File("up/__init__.py", b"V = 2\n", 0o644)],
        &[],
    );
    let opts = InstallOptions::default();
    install_wheel(
        &venv,
        &w1,
        &"up-1.0-py3-none-any.whl".parse().unwrap(),
        &opts,
    )
    .unwrap();
    let d2 = install_wheel(
        &venv,
        &w2,
        &"up-2.0-py3-none-any.whl".parse().unwrap(),
        &opts,
    )
    .unwrap();
    assert!(!venv.site_packages.join("up/old_only.py").exists());
    assert!(!venv.site_packages.join("up-1.0.dist-info").exists());
    assert_eq!(installed_distributions(&venv).unwrap(), vec![d2.clone()]);
    uninstall(&venv, &d2).unwrap();
    assert_eq!(tree(&venv.root), before);

    // namespace packages sharing `ns/`, installed and removed concurrently
    let names: Vec<String> = (0..8).map(|i| format!("ns{i}")).collect();
    let wheels: Vec<(PathBuf, WheelFilename)> = names
        .iter()
        .map(|n| {
            let d = dir.path().join(n);
            fs_err::create_dir_all(&d).unwrap();
            let file = format!("ns/{n}/__init__.py");
            let fname = format!("{n}-1.0-py3-none-any.whl");
            let p = build_wheel(&d, &fname, &[Entry::File(&file, b"X = 1\n", 0o644)], &[]);
            (p, fname.parse().unwrap())
        })
        .collect();
    let dists: Vec<_> = wheels
        .par_iter()
        .map(|(p, f)| install_wheel(&venv, p, f, &opts).unwrap())
        .collect();
    let check = format!(
        "import {}; print('ok')",
        names
            .iter()
            .map(|n| format!("ns.{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(run(&venv.python, &["-c", &check]).trim(), "ok");
    dists.par_iter().for_each(|d| uninstall(&venv, d).unwrap());
    assert_eq!(tree(&venv.root), before);
}

#[cfg(unix)]
#[test]
fn directories_are_created_inside_the_root_only() {
    use super::record::DirCache;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    fs_err::create_dir_all(&root).unwrap();
    fs_err::create_dir_all(&outside).unwrap();
    let mut dirs = DirCache::new(&root).unwrap();

    // New directories, several levels deep, and an existing real one.
    dirs.ensure(&root.join("a/b/c")).unwrap();
    assert!(root.join("a/b/c").is_dir());
    fs_err::create_dir_all(root.join("real/sub")).unwrap();
    dirs.ensure(&root.join("real/sub/new")).unwrap();
    assert!(root.join("real/sub/new").is_dir());

    // A planted symlink that leads outside the root is refused, and nothing
    // is created through it.
    std::os::unix::fs::symlink(&outside, root.join("evil")).unwrap();
    let err = dirs.ensure(&root.join("evil/x/y")).unwrap_err();
    assert!(err.to_string().contains("outside"), "{err}");
    assert_eq!(fs_err::read_dir(&outside).unwrap().count(), 0);

    // A symlink to a directory inside the root is fine.
    std::os::unix::fs::symlink(root.join("a"), root.join("alias")).unwrap();
    dirs.ensure(&root.join("alias/d")).unwrap();
    assert!(root.join("a/d").is_dir());

    // A file where a directory should be is an error.
    fs_err::write(root.join("file"), b"x").unwrap();
    assert!(dirs.ensure(&root.join("file/sub")).is_err());
}

#[test]
fn reserved_script_names_cover_launchers_and_activation_scripts() {
    use super::wheel::is_reserved_script;
    for name in [
        "python",
        "python3",
        "python3.12",
        "python3.13t",
        "pythonw",
        "Python.exe",
        "python.py",
        "pypy3.10",
        "graalpy",
        "pydoc",
        "pydoc3.12",
        "activate",
        "activate.fish",
        "Activate.ps1",
        "activate_this.py",
        "deactivate.bat",
    ] {
        assert!(is_reserved_script(name), "{name} should be reserved");
    }
    for name in [
        "pytest",
        "python-app",
        "pythonista",
        "pip",
        "black",
        "activator",
    ] {
        assert!(!is_reserved_script(name), "{name} should be allowed");
    }
}
