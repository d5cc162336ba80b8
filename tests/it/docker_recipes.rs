//! The three Docker recipes of `docs/bundles.md` ("Deploying with Docker"),
//! run command by command in the same order in a temporary root: there is no
//! container engine here, so `/wheelhouse`, `/app` and `/var/cache/app` are
//! directories under the root, and the non-root user is `nobody` (when the
//! tests run as root and `setpriv` exists).

use crate::common::DirSnapshot;
use crate::export_bundles::{envy, fixture, ok, python_env, Fixture};
use std::path::Path;
use std::process::Command;

/// The directory the fixture's `main()` reports importing `nativepkg` from.
fn native_dir(out: &str) -> &Path {
    Path::new(
        out.lines()
            .find_map(|l| l.strip_prefix("native "))
            .expect("a `native DIR` line"),
    )
}

fn run(cmd: &mut Command) -> String {
    let out = python_env(cmd).output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The builder stage: `envy export --frozen --format FORMAT [extra...] -o OUT`.
fn export(f: &Fixture, format: &str, extra: &[&str], out: &Path) {
    let mut args = vec!["export", "--frozen", "--format", format];
    args.extend_from_slice(extra);
    args.extend(["-o", out.to_str().unwrap()]);
    ok(&envy(&f.project, &f.cache, &args));
}

/// `cd dir && sha256sum -c SHA256SUMS`.
fn check_manifest(dir: &Path) {
    let out = run(Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(dir));
    assert_eq!(out, "", "every file matches its manifest line");
}

#[test]
fn wheelhouse_recipe_installs_with_hashes_and_no_index() {
    let f = fixture(&[], "");
    let root = tempfile::tempdir().unwrap();
    let wheelhouse = root.path().join("wheelhouse");
    // Builder stage.
    export(&f, "wheelhouse", &[], &wheelhouse);
    check_manifest(&wheelhouse);
    // Runtime stage: only the wheelhouse is copied over.
    let app = root.path().join("app");
    run(Command::new("python3").arg("-m").arg("venv").arg(&app));
    run(Command::new(app.join("bin/python"))
        .args(["-m", "pip", "install", "--no-index", "--find-links"])
        .arg(&wheelhouse)
        .args(["--require-hashes", "-r"])
        .arg(wheelhouse.join("requirements.txt")));
    std::fs::remove_dir_all(&wheelhouse).unwrap();
    let out = run(&mut Command::new(app.join("bin/demo-cli")));
    assert!(out.starts_with("value "), "{out}");
    assert!(out.contains("native "), "{out}");
}

#[test]
fn vendor_recipe_runs_from_the_directory_alone() {
    let f = fixture(&[], "");
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join("app");
    export(&f, "vendor", &[], &app.join("vendor"));
    check_manifest(&app.join("vendor"));
    std::fs::write(
        app.join("main.py"),
        "import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), \"vendor\"))\nimport __envy_vendor__  # noqa: E402,F401\nimport demo  # noqa: E402\nsys.exit(demo.main())\n",
    )
    .unwrap();
    // The project directory is gone in the runtime image: nothing may come from it.
    std::fs::remove_dir_all(&f.project).unwrap();
    let out = run(Command::new("python3")
        .arg(app.join("main.py"))
        .current_dir(root.path()));
    assert!(out.starts_with("value "), "{out}");
    let native = native_dir(&out);
    assert!(
        native.starts_with(app.join("vendor")),
        "native package from the vendor directory: {}",
        native.display()
    );
}

#[test]
fn zipapp_recipe_runs_read_only_as_another_user_with_its_cache_on_a_volume() {
    let f = fixture(&[], "");
    let root = tempfile::tempdir().unwrap();
    let app_dir = root.path().join("app");
    std::fs::create_dir_all(&app_dir).unwrap();
    let pyz = app_dir.join("app.pyz");
    export(&f, "zipapp", &["--script", "demo-cli"], &pyz);
    let volume = root.path().join("var/cache/app");
    std::fs::create_dir_all(&volume).unwrap();
    // A read-only root: the app and everything above it lose their write bits.
    use std::os::unix::fs::PermissionsExt;
    for (p, mode) in [
        (&pyz, 0o444),
        (&app_dir, 0o555),
        (&root.path().to_path_buf(), 0o755),
        (&root.path().join("var"), 0o555),
        (&root.path().join("var/cache"), 0o555),
    ] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    // `USER app`: when the tests run as root, drop to `nobody`, who owns the volume.
    let as_root = run(Command::new("id").arg("-u")).trim() == "0";
    let drop_to_nobody = |python: &str| {
        let mut c = Command::new("/usr/bin/setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", python]);
        c
    };
    // A Python `nobody` may run (pyenv's live under /root, which is 0700).
    let nobody_python = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|p| {
            as_root
                && Path::new("/usr/bin/setpriv").is_file()
                && drop_to_nobody(p)
                    .args(["-c", "pass"])
                    .status()
                    .is_ok_and(|s| s.success())
        });
    let mut cmd = match nobody_python {
        Some(python) => {
            run(Command::new("chown").arg("65534:65534").arg(&volume));
            drop_to_nobody(python)
        }
        None => {
            eprintln!("running the zipapp as the current user: not root, no setpriv, or no Python that `nobody` can run");
            Command::new("python3")
        }
    };
    let before = DirSnapshot::take(&app_dir);
    cmd.arg(&pyz)
        .env("ENVY_ZIPAPP_ROOT", &volume)
        .env("HOME", root.path().join("nonexistent-home"))
        .current_dir(&app_dir);
    let out = run(&mut cmd);
    assert!(out.starts_with("value "), "{out}");
    let native = native_dir(&out);
    assert!(
        native.starts_with(&volume),
        "native wheels unpacked on the volume: {}",
        native.display()
    );
    DirSnapshot::take(&app_dir).assert_same(&before, "the app directory after a run");
    // A second container start reuses the volume.
    let again = run(&mut cmd);
    assert_eq!(again, out);
    // Let the temp dir be removed.
    for p in [
        &root.path().join("var"),
        &root.path().join("var/cache"),
        &app_dir,
    ] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
