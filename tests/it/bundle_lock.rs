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

/// A test tool from the environment: `$VAR` when set (an executable path), else
/// the first of `candidates` that runs. `None` (and a skip notice) otherwise.
/// `.ci/run` installs uv, pex and jsonschema into a temp venv and sets
/// `ENVY_TEST_UV`, `ENVY_TEST_PEX` and `ENVY_TEST_TOOLS_PYTHON`.
fn test_tool(var: &str, candidates: &[&str], probe: &[&str], why: &str) -> Option<String> {
    let from_env = std::env::var(var).ok().filter(|v| !v.is_empty());
    let found = from_env.into_iter().chain(
        candidates
            .iter()
            .map(|c| c.replace('~', &std::env::var("HOME").unwrap_or_default())),
    );
    for tool in found {
        let works = Command::new(&tool)
            .args(probe)
            .output()
            .is_ok_and(|o| o.status.success());
        if works {
            return Some(tool);
        }
    }
    println!("skipped: {why} (set {var})");
    None
}

/// A project forked by Python version: `forked` 1.0 below 3.10 and 2.0 (which
/// needs `helper`) from 3.10, `other` everywhere, `extrapkg` through the extra
/// `fast`, `devpkg` in the `dev` group. All wheels are local `file://` URLs.
fn forked_project() -> (tempfile::TempDir, std::path::PathBuf) {
    use crate::export_bundles::wheel;
    let tmp = tempfile::tempdir().unwrap();
    let wheels = tmp.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let entry = |w: &(std::path::PathBuf, String, u64)| {
        format!(
            "{{ url = \"{}\", sha256 = \"{}\", size = {} }}",
            url::Url::from_file_path(&w.0).unwrap(),
            w.1,
            w.2
        )
    };
    let whl = |name: &str, version: &str| {
        let module = format!("{name}/__init__.py");
        let body = format!("VERSION = '{version}'\n");
        let meta_path = format!("{name}-{version}.dist-info/METADATA");
        let requires = if name == "forked" && version == "2.0" {
            "Requires-Dist: helper\n"
        } else {
            ""
        };
        let meta = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{requires}");
        entry(&wheel(
            &wheels,
            &format!("{name}-{version}-py3-none-any.whl"),
            &[
                (module.as_str(), body.as_str()),
                (meta_path.as_str(), meta.as_str()),
            ],
            true,
        ))
    };
    let project = tmp.path().join("demo");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\"forked\", \"other\"]\n\n[project.optional-dependencies]\nfast = [\"extrapkg\"]\n\n[dependency-groups]\ndev = [\"devpkg\"]\n",
    )
    .unwrap();
    let registry = "source = { registry = \"https://example.invalid/simple\" }";
    let lock = format!(
        r#"version = 1
requires-python = ">=3.9"

[manifest]
requirements = ["forked", "other"]

[manifest.optional-dependencies]
fast = ["extrapkg"]

[manifest.dependency-groups]
dev = ["devpkg"]

[[package]]
name = "demo"
version = "0.1.0"
source = {{ editable = "." }}
dependencies = [
    {{ name = "forked", version = "1.0", marker = "python_full_version < '3.10'" }},
    {{ name = "forked", version = "2.0", marker = "python_full_version >= '3.10'" }},
    {{ name = "other" }},
]

[package.optional-dependencies]
fast = [{{ name = "extrapkg" }}]

[package.dependency-groups]
dev = [{{ name = "devpkg" }}]

[[package]]
name = "devpkg"
version = "1.0"
{registry}
groups = ["dev"]
wheels = [{devpkg}]

[[package]]
name = "extrapkg"
version = "1.0"
{registry}
groups = ["extra:fast"]
wheels = [{extrapkg}]

[[package]]
name = "forked"
version = "1.0"
{registry}
resolution-marker = "python_full_version < '3.10'"
groups = ["main"]
wheels = [{forked1}]

[[package]]
name = "forked"
version = "2.0"
{registry}
resolution-marker = "python_full_version >= '3.10'"
groups = ["main"]
dependencies = [{{ name = "helper" }}]
wheels = [{forked2}]

[[package]]
name = "helper"
version = "1.0"
{registry}
groups = ["main"]
wheels = [{helper}]

[[package]]
name = "other"
version = "1.0"
{registry}
groups = ["main"]
wheels = [{other}]
"#,
        devpkg = whl("devpkg", "1.0"),
        extrapkg = whl("extrapkg", "1.0"),
        forked1 = whl("forked", "1.0"),
        forked2 = whl("forked", "2.0"),
        helper = whl("helper", "1.0"),
        other = whl("other", "1.0"),
    );
    std::fs::write(project.join("envy.lock"), lock).unwrap();
    (tmp, project)
}

fn export_pylock(project: &Path, more: &[&str]) -> String {
    let mut args = vec!["export", "--frozen", "--format", "pylock.toml"];
    args.extend_from_slice(more);
    ok(&envy(project, &project.join("cache"), &args))
}

#[test]
fn pylock_fills_groups_extras_and_environments() {
    let (_tmp, project) = forked_project();
    let text = export_pylock(&project, &["--extra", "fast"]);
    let doc: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(
        doc["environments"].as_array().unwrap()[0].as_str(),
        Some("python_full_version >= '3.9'")
    );
    assert_eq!(doc["extras"].as_array().unwrap()[0].as_str(), Some("fast"));
    assert_eq!(
        doc["dependency-groups"].as_array().unwrap()[0].as_str(),
        Some("dev")
    );
    assert_eq!(
        doc["default-groups"].as_array().unwrap()[0].as_str(),
        Some("dev")
    );
    let marker = |name: &str, version: &str| {
        doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str() == Some(name) && p["version"].as_str() == Some(version))
            .unwrap_or_else(|| panic!("no {name} {version} in\n{text}"))
            .get("marker")
            .and_then(|m| m.as_str())
            .map(str::to_string)
    };
    assert_eq!(marker("other", "1.0"), None);
    assert_eq!(
        marker("devpkg", "1.0").as_deref(),
        Some("'dev' in dependency_groups")
    );
    assert_eq!(
        marker("extrapkg", "1.0").as_deref(),
        Some("'fast' in extras")
    );
    assert_eq!(
        marker("forked", "1.0").as_deref(),
        Some("python_full_version < '3.10'")
    );
    assert_eq!(
        marker("helper", "1.0").as_deref(),
        Some("python_full_version >= '3.10'")
    );
    // --no-dev: no groups at all.
    let doc: toml::Value = toml::from_str(&export_pylock(&project, &["--no-dev"])).unwrap();
    assert!(doc["dependency-groups"].as_array().unwrap().is_empty());
    assert!(!doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"].as_str() == Some("devpkg")));
}

/// The vendored schema is the published one, with one repair: its root says
/// `"additionalProperties": false` but declares no `properties` (they sit in
/// `definitions/1.0`), which rejects every document, the empty lock included.
/// The test moves that constraint into `definitions/1.0`, where the properties are.
const VALIDATE: &str = r#"
import json, sys, tomllib
import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
empty = {"lock-version": "1.0", "created-by": "x", "packages": []}
assert list(jsonschema.Draft7Validator(schema).iter_errors(empty)), "the schema bug is fixed upstream: drop the repair"
del schema["additionalProperties"]
schema["definitions"]["1.0"]["additionalProperties"] = False
validator = jsonschema.Draft7Validator(schema)
assert list(validator.iter_errors(dict(empty, bogus=1))), "the repaired schema must still reject unknown keys"
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    errors = [e.message for e in validator.iter_errors(doc)]
    assert not errors, (path, errors)
print("valid", len(sys.argv) - 2)
"#;

#[test]
fn pylock_files_validate_against_the_published_schema() {
    let Some(python) = test_tool(
        "ENVY_TEST_TOOLS_PYTHON",
        &["python3"],
        &["-c", "import jsonschema, tomllib"],
        "no Python 3.11+ with `jsonschema` for the pylock.toml schema test",
    ) else {
        return;
    };
    let (_tmp, project) = forked_project();
    std::fs::write(
        project.join("pylock.toml"),
        export_pylock(&project, &["--extra", "fast"]),
    )
    .unwrap();
    std::fs::write(
        project.join("pylock.nodev.toml"),
        export_pylock(&project, &["--no-dev"]),
    )
    .unwrap();
    ok(&envy(
        &project,
        &project.join("cache"),
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
    ok(&envy(
        &project,
        &project.join("cache"),
        &[
            "export",
            "--frozen",
            "--format",
            "vendor",
            "-o",
            "vendor",
            "--no-emit-project",
        ],
    ));
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pylock/pylock.schema.json");
    let out = ok(&python_env(&mut Command::new(python))
        .args(["-c", VALIDATE])
        .arg(schema)
        .arg(project.join("pylock.toml"))
        .arg(project.join("pylock.nodev.toml"))
        .arg(project.join("wh/pylock.toml"))
        .arg(project.join("vendor/pylock.toml"))
        .output()
        .unwrap());
    assert_eq!(out.trim(), "valid 4");
}

#[test]
fn uv_installs_a_forked_pylock_on_two_pythons() {
    let Some(uv) = test_tool(
        "ENVY_TEST_UV",
        &["uv", "/tmp/uvenv/bin/uv"],
        &["--version"],
        "uv is not installed",
    ) else {
        return;
    };
    let home = std::env::var("HOME").unwrap_or_default();
    let pythons: Vec<(String, &str)> = [("3.9", "2"), ("3.12", "")]
        .iter()
        .filter_map(|(v, _)| {
            let dir = std::fs::read_dir(format!("{home}/.pyenv/versions")).ok()?;
            let mut found: Vec<String> = dir
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("{v}.")))
                .collect();
            found.sort();
            found
                .pop()
                .map(|n| (format!("{home}/.pyenv/versions/{n}/bin/python3"), *v))
        })
        .collect();
    if pythons.len() < 2 {
        println!("skipped: needs Python 3.9 and 3.12 in ~/.pyenv/versions");
        return;
    }
    let (_tmp, project) = forked_project();
    std::fs::write(project.join("pylock.toml"), export_pylock(&project, &[])).unwrap();
    for (python, version) in &pythons {
        let venv = project.join(format!("venv-{version}"));
        ok(&Command::new(&uv)
            .args(["venv", "-q", "--python", python])
            .arg(&venv)
            .env("UV_CACHE_DIR", project.join("uv-cache"))
            .output()
            .unwrap());
        ok(&Command::new(&uv)
            .args([
                "pip",
                "install",
                "-q",
                "--offline",
                "-r",
                "pylock.toml",
                "--python",
            ])
            .arg(venv.join("bin/python"))
            .current_dir(&project)
            .env("UV_CACHE_DIR", project.join("uv-cache"))
            .output()
            .unwrap());
        let out = ok(&Command::new(venv.join("bin/python"))
            .args([
                "-c",
                "import importlib.metadata as m\nfor d in sorted(x.metadata['Name'] + '==' + x.version for x in m.distributions()):\n    print(d)",
            ])
            .output()
            .unwrap());
        let installed: Vec<&str> = out.lines().filter(|l| !l.starts_with("pip==")).collect();
        let want: &[&str] = if *version == "3.9" {
            &["devpkg==1.0", "forked==1.0", "other==1.0"]
        } else {
            &["devpkg==1.0", "forked==2.0", "helper==1.0", "other==1.0"]
        };
        assert_eq!(installed, want, "on {version}");
    }
}

#[test]
fn pex_installs_a_subset_of_a_pylock() {
    let Some(pex) = test_tool(
        "ENVY_TEST_PEX",
        &["pex"],
        &["--version"],
        "pex is not installed",
    ) else {
        return;
    };
    let (_tmp, project) = forked_project();
    std::fs::write(project.join("pylock.toml"), export_pylock(&project, &[])).unwrap();
    let out = Command::new(&pex)
        .args([
            "--pylock",
            "pylock.toml",
            "forked",
            "-o",
            "sub.pex",
            "--no-pypi",
        ])
        .current_dir(&project)
        .env("PEX_ROOT", project.join("pex-root"))
        .output()
        .unwrap();
    ok(&out);
    let run = ok(&Command::new("python3")
        .arg(project.join("sub.pex"))
        .args([
            "-c",
            "import importlib.metadata as m, forked\nprint(sorted(d.metadata['Name'] for d in m.distributions() if d.metadata['Name'] in ('forked', 'helper', 'other', 'devpkg')), forked.VERSION)",
        ])
        .env("PEX_ROOT", project.join("pex-root"))
        .output()
        .unwrap());
    // python3 here is 3.10+: forked 2.0 with its dependency helper, nothing else.
    assert_eq!(run.trim(), "['forked', 'helper'] 2.0");
}
