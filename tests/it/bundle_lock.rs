//! The lock and the manifest inside every bundle (wheelhouse, vendor directory,
//! zipapp), checked from the outside with Python's `hashlib`/`zipfile` and by
//! installing a wheelhouse's `pylock.toml` with uv.

use crate::export_bundles::{envy, fixture, ok, python_env};
use std::path::Path;
use std::process::Command;

/// Checks a bundle's `SHA256SUMS` against its files, from Python: every file
/// but the manifest is listed, and every listed sha256 matches. Prints `ok N`.
const CHECK: &str = r#"
import hashlib, os, sys, zipfile

def parse(text):
    out = {}
    for line in text.splitlines():
        sha, path = line.split("  ", 1)
        out[path] = sha
    return out

where = sys.argv[1]
if os.path.isdir(where):
    listed = parse(open(os.path.join(where, "SHA256SUMS"), encoding="utf-8").read())
    files = {}
    for root, _, names in os.walk(where):
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), where).replace(os.sep, "/")
            if rel != "SHA256SUMS":
                files[rel] = hashlib.sha256(open(os.path.join(root, n), "rb").read()).hexdigest()
else:
    with zipfile.ZipFile(where) as z:
        listed = parse(z.read(".envy/SHA256SUMS").decode())
        files = {
            i.filename: hashlib.sha256(z.read(i)).hexdigest()
            for i in z.infolist()
            if not i.is_dir() and i.filename != ".envy/SHA256SUMS"
        }
assert set(files) == set(listed), sorted(set(files) ^ set(listed))
bad = [p for p in files if files[p] != listed[p]]
assert not bad, bad
print("ok", len(files))
"#;

fn check_manifest(path: &Path) -> usize {
    let out = ok(&python_env(&mut Command::new("python3"))
        .args(["-c", CHECK])
        .arg(path)
        .output()
        .unwrap());
    out.trim().strip_prefix("ok ").unwrap().parse().unwrap()
}

fn read_pylock_in_zip(app: &Path) -> toml::Value {
    let file = std::fs::File::open(app).unwrap();
    let mut z = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut z.by_name(".envy/pylock.toml").unwrap(), &mut text).unwrap();
    toml::from_str(&text).unwrap()
}

fn names_versions(doc: &toml::Value) -> Vec<(String, String)> {
    doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_bundle_carries_its_lock_and_a_manifest() {
    let f = fixture(&[], "");
    let export = |format: &str, out: &str, more: &[&str]| {
        let mut args = vec!["export", "--frozen", "--format", format, "-o", out];
        args.extend_from_slice(more);
        ok(&envy(&f.project, &f.cache, &args));
        f.project.join(out)
    };

    // Wheelhouse: wheels by relative path, with their own hashes.
    let wh = export("wheelhouse", "wh", &[]);
    assert!(check_manifest(&wh) >= 5);
    let text = std::fs::read_to_string(wh.join("pylock.toml")).unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(doc["lock-version"].as_str(), Some("1.0"));
    assert_eq!(
        names_versions(&doc),
        [
            ("demo".into(), "0.1.0".into()),
            ("nativepkg".into(), "2.0".into()),
            ("purepkg".into(), "1.0".into()),
        ]
    );
    for p in doc["packages"].as_array().unwrap() {
        let w = &p["wheels"].as_array().unwrap()[0];
        let path = w["path"].as_str().unwrap();
        assert!(!path.contains('/'), "{path}");
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            std::fs::read(wh.join(path)).unwrap(),
        ));
        assert_eq!(w["hashes"]["sha256"].as_str(), Some(sha.as_str()));
    }
    let demo = &doc["packages"].as_array().unwrap()[0];
    assert_eq!(demo["dependencies"].as_array().unwrap().len(), 2, "{text}");

    // Vendor directory: locked wheels by URL; the project left out.
    let vendor = export("vendor", "vendor", &[]);
    assert!(check_manifest(&vendor) > 5);
    let doc: toml::Value =
        toml::from_str(&std::fs::read_to_string(vendor.join("pylock.toml")).unwrap()).unwrap();
    assert_eq!(
        names_versions(&doc),
        [
            ("nativepkg".into(), "2.0".into()),
            ("purepkg".into(), "1.0".into()),
        ]
    );
    let url = doc["packages"][1]["wheels"][0]["url"].as_str().unwrap();
    assert!(url.starts_with("file://") && url.ends_with("purepkg-1.0-py3-none-any.whl"));

    // Zipapp: `.envy/pylock.toml` and `.envy/SHA256SUMS` inside the archive.
    let app = export("zipapp", "app.pyz", &["-e", "demo:main"]);
    assert!(check_manifest(&app) > 5);
    assert_eq!(
        names_versions(&read_pylock_in_zip(&app)),
        [
            ("nativepkg".into(), "2.0".into()),
            ("purepkg".into(), "1.0".into()),
        ]
    );
    // Still byte-reproducible, and still runs.
    let first = std::fs::read(&app).unwrap();
    std::fs::remove_file(&app).unwrap();
    export("zipapp", "app.pyz", &["-e", "demo:main"]);
    assert_eq!(first, std::fs::read(&app).unwrap());
    let out = ok(&python_env(&mut Command::new("python3"))
        .arg(&app)
        .env("ENVY_ZIPAPP_ROOT", f.project.join("zroot"))
        .output()
        .unwrap());
    assert!(out.contains("value 42"), "{out}");
}
