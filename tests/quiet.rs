//! `-q` silences everything on stderr but errors, in every command
//! (status lines, change lines, the note that an sdist's build backend runs).

mod common;

use common::*;
use std::io::Write;

/// An sdist whose PKG-INFO is Metadata-Version 2.1 (not trusted, PEP 643),
/// so locking asks its in-tree backend for the metadata.
fn untrusted_metadata_sdist(dir: &std::path::Path) {
    let backend = r#"
import os
META = "Metadata-Version: 2.1\nName: q-meta\nVersion: 1.0\n"
def prepare_metadata_for_build_wheel(d, config_settings=None):
    os.makedirs(os.path.join(d, "q_meta-1.0.dist-info"))
    with open(os.path.join(d, "q_meta-1.0.dist-info", "METADATA"), "w") as f:
        f.write(META)
    return "q_meta-1.0.dist-info"
"#;
    let files = [
        (
            "q_meta-1.0/PKG-INFO",
            "Metadata-Version: 2.1\nName: q-meta\nVersion: 1.0\n".to_string(),
        ),
        (
            "q_meta-1.0/pyproject.toml",
            "[build-system]\nrequires = []\nbuild-backend = \"meta_backend\"\nbackend-path = [\".\"]\n".to_string(),
        ),
        ("q_meta-1.0/meta_backend.py", backend.to_string()),
    ];
    let f = std::fs::File::create(dir.join("q_meta-1.0.tar.gz")).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    for (name, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, name, content.as_bytes()).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

#[test]
fn quiet_lock_hides_the_build_backend_note() {
    let mut ctx = TestContext::with_scenario();
    untrusted_metadata_sdist(ctx.server().files_dir());
    ctx.init_project(&["q-meta"]);
    let out = ctx.envy_ok(&["-q", "lock"]);
    assert_eq!(out.stderr, "", "{out:?}");
    assert!(ctx.lock().has("q-meta"));
    // Without `-q` the note is there.
    std::fs::remove_file(ctx.path("envy.lock")).unwrap();
    ctx.reset_cache();
    ctx.envy_ok(&["lock"])
        .stderr_contains("Reading the metadata of q_meta-1.0.tar.gz with its build backend");
}

#[test]
fn quiet_editing_locking_and_syncing_print_nothing() {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&[]);
    for args in [
        &["-q", "add", "app-dep"][..],
        &["-q", "lock", "--upgrade"][..],
        &["-q", "sync"][..],
        &["-q", "sync"][..],
        &["-q", "remove", "app-dep"][..],
    ] {
        let out = ctx.envy_ok(args);
        assert_eq!(out.stderr, "", "{args:?}: {out:?}");
        assert_eq!(out.stdout, "", "{args:?}: {out:?}");
    }
    // The same commands without `-q` report what they did.
    ctx.envy_ok(&["add", "app-dep"])
        .stderr_contains(" + app-dep 2.0")
        .stderr_contains("Installed 1 package")
        .stderr_contains(" + app-dep==2.0");
    ctx.envy_ok(&["lock", "--upgrade"])
        .stderr_contains("Resolved");
    ctx.envy_ok(&["sync"])
        .stderr_contains("Installed 0 packages");
}

#[test]
fn quiet_failure_still_prints_the_error() {
    let ctx = TestContext::new();
    let out = ctx.run_envy(&["-q", "lock"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    out.error(&["no `pyproject.toml`"]);
}
