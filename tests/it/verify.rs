//! `envy verify`: an untouched venv and bundles pass; one changed byte, a removed
//! file, an unowned file or a distribution at another version fails, naming it.

use crate::common::*;
use crate::export_bundles::{envy, fixture};
use std::fs;

fn flip_a_byte(path: &std::path::Path) {
    let mut bytes = fs::read(path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    // A new file (not a write through a hard link into the cache).
    fs::remove_file(path).unwrap();
    fs::write(path, bytes).unwrap();
}

#[test]
fn venv_verifies_against_record_and_lock() {
    let mut ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep==1.0"]);
    ctx.envy_ok(&["sync"]);
    ctx.add_filter(r"lib/python3\.\d+/", "lib/python3.X/");
    ctx.add_filter(r"Verified \d+ files", "Verified N files");
    let filters = ctx.filters();
    let verify = |args: &[&str]| {
        let mut cmd = ctx.envy();
        cmd.arg("verify").args(args);
        cmd
    };
    envy_snapshot!(filters.clone(), verify(&[]), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Verified N files and 2 distributions of the venv [TEMP]/.venv: everything matches
    ");

    // One byte of an installed file.
    let init = ctx.site_packages().join("app_dep/__init__.py");
    flip_a_byte(&init);
    // A file nobody owns.
    fs::write(ctx.site_packages().join("stray.py"), "x = 1\n").unwrap();
    envy_snapshot!(filters.clone(), verify(&[]), @"
    success: false
    exit_code: 1
    ----- stdout -----
    changed file: lib/python3.X/site-packages/app_dep/__init__.py
    extra file: lib/python3.X/site-packages/stray.py

    ----- stderr -----
    Verified N files and 2 distributions of the venv [TEMP]/.venv: 2 files and 0 distributions differ
    ");

    let out = verify(&["--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kind"], "venv");
    assert_eq!(
        json["files"]["changed"][0]
            .as_str()
            .unwrap()
            .rsplit("site-packages/")
            .next(),
        Some("app_dep/__init__.py")
    );
    assert_eq!(json["files"]["extra"].as_array().unwrap().len(), 1);
    assert!(json["distributions"]["missing"]
        .as_array()
        .unwrap()
        .is_empty());

    // A distribution at another version than the lock pins.
    fs::remove_file(ctx.site_packages().join("stray.py")).unwrap();
    ctx.write_pyproject(&TestContext::pyproject(&["app-dep==2.0"]));
    ctx.envy_ok(&["lock"]);
    let out = verify(&["--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["distributions"]["other_version"][0]["name"], "app-dep");
    assert_eq!(json["distributions"]["other_version"][0]["expected"], "2.0");
    assert_eq!(json["distributions"]["other_version"][0]["found"], "1.0");
}

#[test]
fn bundles_verify_against_their_manifest_and_lock() {
    let f = fixture(&[], "");
    let run = |args: &[&str]| envy(&f.project, &f.cache, args);
    for (format, out, more) in [
        ("zipapp", "app.pyz", &["-e", "demo:main"][..]),
        ("wheelhouse", "wh", &[][..]),
        ("vendor", "vendor", &[][..]),
    ] {
        let mut args = vec!["export", "--frozen", "--format", format, "-o", out];
        args.extend_from_slice(more);
        assert!(run(&args).status.success());
        let o = run(&["verify", out]);
        assert!(
            o.status.success(),
            "{format}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // One byte changed in a vendored file, and one file removed from the wheelhouse.
    flip_a_byte(&f.project.join("vendor/purepkg/__init__.py"));
    let o = run(&["verify", "vendor"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "changed file: purepkg/__init__.py\n"
    );
    fs::remove_file(f.project.join("wh/purepkg-1.0-py3-none-any.whl")).unwrap();
    let o = run(&["verify", "wh"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "missing file: purepkg-1.0-py3-none-any.whl\nmissing distribution: purepkg==1.0\n"
    );
    // A zipapp with one byte changed in one entry (rewritten by Python's zipfile).
    let app = f.project.join("app.pyz");
    let st = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nsrc, dst = sys.argv[1], sys.argv[2]\nwith zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, 'w') as b:\n    for i in a.infolist():\n        data = a.read(i)\n        if i.filename == 'purepkg/__init__.py':\n            data = data.replace(b'42', b'43')\n        b.writestr(i, data)\n",
        ])
        .arg(&app)
        .arg(f.project.join("tampered.pyz"))
        .status()
        .unwrap();
    assert!(st.success());
    let o = run(&["verify", "tampered.pyz"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "changed file: purepkg/__init__.py\n"
    );
}

#[test]
fn an_edit_in_one_venv_does_not_spread_and_reinstall_package_repairs_it() {
    let mut ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep==1.0"]);
    ctx.envy_ok(&["sync"]);
    let init = ctx.site_packages().join("app_dep/__init__.py");
    assert_eq!(fs::read_to_string(&init).unwrap(), "VALUE = 1\n");
    // An edit in place: through a hard link it reaches the shared cache's copy.
    fs::write(&init, "VALUE = 666\n").unwrap();
    let o = ctx.run_envy(&["verify"]);
    assert_eq!(o.code, Some(1));
    assert!(o.stdout.contains("changed file: lib/"), "{}", o.stdout);
    assert!(
        o.stdout.contains("site-packages/app_dep/__init__.py"),
        "{}",
        o.stdout
    );

    // A new project with the same cache gets the locked file, not the edit.
    let first = ctx.project.clone();
    ctx.cd("second");
    fs::create_dir_all(ctx.path("")).unwrap();
    ctx.init_project(&["app-dep==1.0"]);
    ctx.envy_ok(&["sync"]);
    let other = ctx.site_packages().join("app_dep/__init__.py");
    assert_eq!(fs::read_to_string(&other).unwrap(), "VALUE = 1\n");
    ctx.envy_ok(&["verify"]);

    // Back in the first project: a plain sync keeps the edited file (same
    // version); --reinstall-package puts the locked one back.
    ctx.project = first;
    ctx.envy_ok(&["sync"]);
    assert_eq!(fs::read_to_string(&init).unwrap(), "VALUE = 666\n");
    ctx.envy_ok(&["sync", "--reinstall-package", "app-dep"]);
    assert_eq!(fs::read_to_string(&init).unwrap(), "VALUE = 1\n");
    ctx.envy_ok(&["verify"]);
    // --reinstall does every distribution, and is never a no-op.
    fs::write(&init, "VALUE = 777\n").unwrap();
    ctx.envy_ok(&["sync", "--reinstall"]);
    ctx.envy_ok(&["sync", "--reinstall"]);
    assert_eq!(fs::read_to_string(&init).unwrap(), "VALUE = 1\n");
    ctx.envy_ok(&["verify"]);
}
