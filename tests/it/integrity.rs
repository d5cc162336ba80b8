//! Integrity end to end (issue #12): nothing unverified is installed. Wheels
//! whose METADATA, `.dist-info` or scripts lie are refused; cached metadata
//! from one index never reaches a project that uses another; cached files and
//! unpacked trees are re-verified; the lock is checked as input.
//!
//! Every test serves crafted pages, metadata and wheels from a local index on
//! 127.0.0.1 ([`Crafted`]).

use crate::common::*;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------
// A crafted index: any page, any metadata, any bytes
// ---------------------------------------------------------------------------

type Routes = Arc<Mutex<HashMap<String, (String, Vec<u8>)>>>;

/// A PEP 691 index on 127.0.0.1 whose every route is set by the test.
struct Crafted {
    routes: Routes,
    server: http::Server,
}

/// One file as a crafted page lists it.
struct Listed {
    filename: String,
    bytes: Vec<u8>,
    /// Served at `<url>.metadata` (and advertised with its hash) when given.
    metadata: Option<Vec<u8>>,
    /// The sha256 the page claims (default: the real one; `Some("")`: none).
    claimed_sha256: Option<String>,
}

impl Listed {
    fn wheel(filename: &str, bytes: Vec<u8>, metadata: Option<&str>) -> Listed {
        Listed {
            filename: filename.to_string(),
            bytes,
            metadata: metadata.map(|m| m.as_bytes().to_vec()),
            claimed_sha256: None,
        }
    }
}

impl Crafted {
    fn start() -> Crafted {
        let routes: Routes = Arc::default();
        let r = routes.clone();
        let server = http::Server::start(move |req| {
            let path = req.url.split('?').next().unwrap_or("/").to_string();
            match r.lock().unwrap().get(&path) {
                Some((ct, body)) => http::Response::new(200, ct, body.clone()),
                None => http::Response::new(404, "text/plain", "not found\n"),
            }
        });
        Crafted { routes, server }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port())
    }

    fn index_url(&self) -> String {
        format!("{}/simple", self.base_url())
    }

    fn put(&self, path: &str, content_type: &str, body: Vec<u8>) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_string(), (content_type.to_string(), body));
    }

    /// Publish the page of `project` listing `files` (and serve them).
    fn publish(&self, project: &str, files: Vec<Listed>) {
        let mut entries = Vec::new();
        for f in files {
            let url = format!("/files/{}", f.filename);
            let mut e = serde_json::json!({
                "filename": f.filename,
                "url": url,
                "requires-python": ">=3.8",
            });
            match f.claimed_sha256.as_deref() {
                Some("") => e["hashes"] = serde_json::json!({}),
                Some(h) => e["hashes"] = serde_json::json!({ "sha256": h }),
                None => e["hashes"] = serde_json::json!({ "sha256": sha256_hex(&f.bytes) }),
            }
            if let Some(md) = &f.metadata {
                e["core-metadata"] = serde_json::json!({ "sha256": sha256_hex(md) });
                self.put(&format!("{url}.metadata"), "text/plain", md.clone());
            }
            self.put(&url, "application/octet-stream", f.bytes);
            entries.push(e);
        }
        let page = serde_json::json!({
            "meta": { "api-version": "1.1" },
            "name": normalize_name(project),
            "files": entries,
        });
        self.put(
            &format!("/simple/{}/", normalize_name(project)),
            "application/vnd.pypi.simple.v1+json",
            serde_json::to_vec(&page).unwrap(),
        );
    }
}

/// Core metadata text.
fn metadata(name: &str, version: &str, requires: &[&str]) -> String {
    let mut s = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for r in requires {
        let _ = writeln!(s, "Requires-Dist: {r}");
    }
    s
}

const WHEEL_FILE: &str =
    "Wheel-Version: 1.0\nGenerator: envy-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n";

/// A zip of `files` plus `<record_dir>/RECORD` listing them all (hash + size).
fn wheel_zip(files: &[(String, Vec<u8>)], record_dir: &str) -> Vec<u8> {
    let mut record = String::new();
    for (p, c) in files {
        let _ = writeln!(
            record,
            "{p},sha256={},{}",
            urlsafe_b64_nopad(&<sha2::Sha256 as sha2::Digest>::digest(c)),
            c.len()
        );
    }
    let _ = writeln!(record, "{record_dir}/RECORD,,");
    let mut all = files.to_vec();
    all.push((format!("{record_dir}/RECORD"), record.into_bytes()));
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, content) in all {
        zw.start_file(name, opts).unwrap();
        zw.write_all(&content).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

/// A pure wheel `{dist}-{version}` whose METADATA is `meta`, with `extra` files.
fn wheel_with(dist: &str, version: &str, meta: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let di = format!("{dist}-{version}.dist-info");
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        format!("{dist}/__init__.py"),
        format!("VERSION = {version:?}\n").into_bytes(),
    )];
    for (p, c) in extra {
        files.push(((*p).to_string(), c.as_bytes().to_vec()));
    }
    files.push((format!("{di}/METADATA"), meta.as_bytes().to_vec()));
    files.push((format!("{di}/WHEEL"), WHEEL_FILE.as_bytes().to_vec()));
    wheel_zip(&files, &di)
}

/// The filter for the cache's per-file directories (`files-v1/<sha256>/`),
/// whose names are the sha256 of the wheels the tests build.
fn cached_file_filter() -> (String, String) {
    (
        r"files-v1/[0-9a-f]{64}/".to_string(),
        "files-v1/[SHA256]/".to_string(),
    )
}

/// A project depending on `deps`, resolved against `index`.
fn project_on(index: &Crafted, deps: &[&str]) -> TestContext {
    let mut ctx = TestContext::new();
    ctx.set_index_url(Some(index.index_url()));
    let (regex, replacement) = cached_file_filter();
    ctx.add_filter(&regex, &replacement);
    ctx.init_project(deps);
    ctx
}

// ---------------------------------------------------------------------------
// 1. Wheels that lie
// ---------------------------------------------------------------------------

/// Serve `liar-1.0` built from `wheel` with `sidecar` as its `.metadata`, and
/// return the index (alive as long as the test holds it) and a project that
/// needs `liar`.
fn serve_liar(wheel: Vec<u8>, sidecar: &str) -> (Crafted, TestContext) {
    let index = Crafted::start();
    index.publish(
        "liar",
        vec![Listed::wheel(
            "liar-1.0-py3-none-any.whl",
            wheel,
            Some(sidecar),
        )],
    );
    let ctx = project_on(&index, &["liar"]);
    (index, ctx)
}

#[test]
fn wheel_whose_metadata_names_another_distribution_is_refused() {
    let meta = metadata("other", "1.0", &[]);
    let (_index, ctx) = serve_liar(wheel_with("liar", "1.0", &meta, &[]), &meta);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + liar 1.0
    error: invalid wheel `[CACHE]/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: its METADATA says `Name: other`, but the filename names `liar`

    hint: the wheel is malformed or was tampered with; nothing of it was installed. Report it to the package's maintainers or the index operator
    ");
    assert!(ctx.installed_version("liar").is_none());
    assert!(ctx.installed_version("other").is_none());
}

#[test]
fn wheel_whose_metadata_version_differs_is_refused() {
    let meta = metadata("liar", "2.0", &[]);
    let (_index, ctx) = serve_liar(wheel_with("liar", "1.0", &meta, &[]), &meta);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + liar 1.0
    error: invalid wheel `[CACHE]/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: its METADATA says `Version: 2.0`, but the filename says `1.0`

    hint: the wheel is malformed or was tampered with; nothing of it was installed. Report it to the package's maintainers or the index operator
    ");
    assert!(ctx.installed_version("liar").is_none());
}

#[test]
fn wheel_whose_metadata_version_is_equal_under_pep440_installs() {
    let meta = metadata("Liar", "1.0.0", &[]);
    let (_index, ctx) = serve_liar(wheel_with("liar", "1.0", &meta, &[]), &meta);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + liar 1.0
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + liar==1.0
    ");
    assert_eq!(ctx.installed_version("liar").as_deref(), Some("1.0.0"));
}

#[test]
fn wheel_with_two_dist_info_directories_is_refused() {
    let meta = metadata("liar", "1.0", &[]);
    let wheel = wheel_with(
        "liar",
        "1.0",
        &meta,
        &[
            (
                "other-9.9.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: other\nVersion: 9.9\n",
            ),
            ("other-9.9.dist-info/WHEEL", WHEEL_FILE),
        ],
    );
    let (_index, ctx) = serve_liar(wheel, &meta);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + liar 1.0
    error: cannot read `liar-1.0-py3-none-any.whl`: the wheel holds more than one `.dist-info` directory

    hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)
    ");
    assert!(ctx.installed_version("liar").is_none());
    assert!(ctx.installed_version("other").is_none());
}

#[test]
fn wheel_with_reserved_script_names_is_refused() {
    let mut outputs = String::new();
    for script in [
        "python",
        "python3.12",
        "activate",
        "deactivate",
        "pydoc",
        "activate.fish",
    ] {
        let meta = metadata("liar", "1.0", &[]);
        let entry = format!("liar-1.0.data/scripts/{script}");
        let wheel = wheel_with("liar", "1.0", &meta, &[(&entry, "#!/bin/sh\necho owned\n")]);
        let (_index, ctx) = serve_liar(wheel, &meta);
        let (text, _) = run_and_format(ctx.envy().arg("sync"));
        outputs += &format!("### a script named `{script}`\n{text}\n");
        assert!(
            ctx.installed_version("liar").is_none(),
            "{script} installed"
        );
    }
    // One project per script: the default filters cover their temp dirs and ports.
    let mut filters = vec![cached_file_filter()];
    filters.extend(default_filters());
    filter_settings(filters).bind(|| {
        insta::assert_snapshot!(outputs, @"
        ### a script named `python`
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        Resolved 1 package in [TIME]
         + liar 1.0
        error: refusing to install `[TEMP]/cache/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: entry `liar-1.0.data/scripts/python` would install a script named `python`, a name reserved for the environment's interpreter and activation scripts

        hint: the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator

        ### a script named `python3.[X]`
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        Resolved 1 package in [TIME]
         + liar 1.0
        error: refusing to install `[TEMP]/cache/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: entry `liar-1.0.data/scripts/python3.[X]` would install a script named `python3.[X]`, a name reserved for the environment's interpreter and activation scripts

        hint: the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator

        ### a script named `activate`
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        Resolved 1 package in [TIME]
         + liar 1.0
        error: refusing to install `[TEMP]/cache/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: entry `liar-1.0.data/scripts/activate` would install a script named `activate`, a name reserved for the environment's interpreter and activation scripts

        hint: the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator

        ### a script named `deactivate`
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        Resolved 1 package in [TIME]
         + liar 1.0
        error: refusing to install `[TEMP]/cache/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: entry `liar-1.0.data/scripts/deactivate` would install a script named `deactivate`, a name reserved for the environment's interpreter and activation scripts

        hint: the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator

        ### a script named `pydoc`
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        Resolved 1 package in [TIME]
         + liar 1.0
        error: refusing to install `[TEMP]/cache/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: entry `liar-1.0.data/scripts/pydoc` would install a script named `pydoc`, a name reserved for the environment's interpreter and activation scripts

        hint: the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator

        ### a script named `activate.fish`
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        Resolved 1 package in [TIME]
         + liar 1.0
        error: refusing to install `[TEMP]/cache/files-v1/[SHA256]/liar-1.0-py3-none-any.whl`: entry `liar-1.0.data/scripts/activate.fish` would install a script named `activate.fish`, a name reserved for the environment's interpreter and activation scripts

        hint: the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator
        ");
    });
}

#[test]
fn metadata_sidecar_that_differs_from_the_wheel_is_refused_at_install() {
    // The sidecar (used to lock) hides a dependency the wheel declares.
    let sidecar = metadata("liar", "1.0", &[]);
    let real = metadata("liar", "1.0", &["hidden-dep"]);
    let (_index, ctx) = serve_liar(wheel_with("liar", "1.0", &real, &[]), &sidecar);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + liar 1.0
    error: the METADATA inside `liar-1.0-py3-none-any.whl` differs from the `.metadata` file the index served for it (PEP 658), which the lock was resolved from
      from: http://127.0.0.1:[PORT]/files/liar-1.0-py3-none-any.whl

    hint: the index serves metadata that does not match the wheel: nothing was installed and the cached metadata was dropped. Report it to the index's maintainers
    ");
    assert!(ctx.installed_version("liar").is_none());
}

// ---------------------------------------------------------------------------
// 2. The metadata cache
// ---------------------------------------------------------------------------

#[test]
fn hostile_index_metadata_never_reaches_a_project_on_another_index() {
    let real_meta = metadata("good", "1.0", &[]);
    let real = wheel_with("good", "1.0", &real_meta, &[]);
    let honest = Crafted::start();
    honest.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            real.clone(),
            Some(&real_meta),
        )],
    );
    // The hostile index lists its own file under the real wheel's sha256 and
    // serves metadata with a dependency of its choosing.
    let hostile = Crafted::start();
    let evil_meta = metadata("good", "1.0", &["evil-dep"]);
    hostile.publish(
        "good",
        vec![Listed {
            claimed_sha256: Some(sha256_hex(&real)),
            ..Listed::wheel(
                "good-1.0-py3-none-any.whl",
                b"not the wheel".to_vec(),
                Some(&evil_meta),
            )
        }],
    );
    let evil_dep_meta = metadata("evil-dep", "1.0", &[]);
    hostile.publish(
        "evil-dep",
        vec![Listed::wheel(
            "evil_dep-1.0-py3-none-any.whl",
            wheel_with("evil_dep", "1.0", &evil_dep_meta, &[]),
            Some(&evil_dep_meta),
        )],
    );

    // One cache for both projects, as on one machine.
    let victim_of_nothing = project_on(&hostile, &["good"]);
    let shared_cache = victim_of_nothing.cache_dir().to_path_buf();
    victim_of_nothing.envy_ok(&["lock"]);
    assert!(victim_of_nothing.lock().has("evil-dep"));

    let mut ctx = project_on(&honest, &["good"]);
    ctx.env("ENVY_CACHE_DIR", shared_cache.to_str().unwrap());
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert!(lock.has("good"));
    assert!(
        !lock.has("evil-dep"),
        "the hostile index's metadata reached the lock"
    );
    ctx.envy_ok(&["sync"]);
    assert!(ctx.installed_version("evil-dep").is_none());
}

// ---------------------------------------------------------------------------
// 3. Cached files and unpacked trees
// ---------------------------------------------------------------------------

/// A synced project needing `good==1.0` from its own honest index.
fn synced_good() -> (Crafted, TestContext) {
    let meta = metadata("good", "1.0", &[]);
    let index = Crafted::start();
    index.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            wheel_with("good", "1.0", &meta, &[]),
            Some(&meta),
        )],
    );
    let ctx = project_on(&index, &["good"]);
    ctx.envy_ok(&["sync"]);
    assert_eq!(ctx.installed_version("good").as_deref(), Some("1.0"));
    (index, ctx)
}

/// Every file under `dir` whose name is `name`.
fn find_named(dir: &std::path::Path, name: &str) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == name)
        .map(|e| e.path().to_path_buf())
        .collect()
}

fn installed_init(ctx: &TestContext) -> String {
    std::fs::read_to_string(ctx.site_packages().join("good/__init__.py")).unwrap()
}

#[test]
fn replaced_file_in_the_cache_is_never_installed() {
    let (_index, mut ctx) = synced_good();
    let cache = ctx.cache_dir().to_path_buf();
    // Another valid wheel of the same name and version, planted in files-v1/.
    let evil = wheel_with(
        "good",
        "1.0",
        &metadata("good", "1.0", &[]),
        &[("good/evil.py", "OWNED = True\n")],
    );
    let cached = find_named(&cache.join("files-v1"), "good-1.0-py3-none-any.whl");
    assert_eq!(cached.len(), 1, "{cached:?}");
    std::fs::write(&cached[0], &evil).unwrap();
    let good_sha = ctx.lock().wheels("good")[0].sha256.clone();
    ctx.add_filter(&good_sha, "[GOOD_SHA256]");
    ctx.add_filter(&sha256_hex(&evil), "[EVIL_SHA256]");
    std::fs::remove_dir_all(cache.join("unpacked-v1")).unwrap();
    std::fs::remove_dir_all(ctx.path(".venv")).unwrap();
    // Downloaded again: the real wheel is installed and cached.
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    warning: the cached `good-1.0-py3-none-any.whl` does not match its sha256 (expected [GOOD_SHA256], got [EVIL_SHA256]); downloading it again
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + good==1.0
    ");
    assert!(
        !ctx.site_packages().join("good/evil.py").exists(),
        "a replaced cached file was installed"
    );
    assert_eq!(ctx.installed_version("good").as_deref(), Some("1.0"));
    assert_ne!(std::fs::read(&cached[0]).unwrap(), evil);
}

#[test]
fn corrupt_unpacked_tree_is_not_linked() {
    let (_index, ctx) = synced_good();
    let original = installed_init(&ctx);
    let unpacked = ctx.cache_dir().join("unpacked-v1");
    let inits: Vec<_> = find_named(&unpacked, "__init__.py");
    assert_eq!(inits.len(), 1, "{inits:?}");
    // Replace (not edit in place: the venv's copy is a hard link to it).
    std::fs::remove_file(&inits[0]).unwrap();
    std::fs::write(&inits[0], "OWNED = True\n").unwrap();
    std::fs::remove_dir_all(ctx.path(".venv")).unwrap();
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    warning: the unpacked `good-1.0-py3-none-any.whl` in the cache is corrupt (`good/__init__.py` does not match its RECORD entry); unpacking it again
    Creating virtual environment at .venv (Python 3.[X])
    Installed 1 package, removed 0, kept 0 in [TIME]
     + good==1.0
    ");
    assert_eq!(
        installed_init(&ctx),
        original,
        "a corrupt unpacked file was linked"
    );
}

// ---------------------------------------------------------------------------
// 4. The lock as input
// ---------------------------------------------------------------------------

#[test]
fn frozen_sync_refuses_a_wheel_that_belongs_to_another_distribution() {
    let (index, mut ctx) = synced_good();
    let evil_meta = metadata("evil", "1.0", &[]);
    let evil = wheel_with("evil", "1.0", &evil_meta, &[]);
    let evil_sha = sha256_hex(&evil);
    index.publish(
        "evil",
        vec![Listed::wheel(
            "evil-1.0-py3-none-any.whl",
            evil,
            Some(&evil_meta),
        )],
    );
    let lock = ctx.read("envy.lock");
    let good_sha = ctx.lock().wheels("good")[0].sha256.clone();
    let forged = lock
        .replace("good-1.0-py3-none-any.whl", "evil-1.0-py3-none-any.whl")
        .replace(&good_sha, &evil_sha);
    assert_ne!(forged, lock);
    ctx.write("envy.lock", &forged);
    std::fs::remove_dir_all(ctx.path(".venv")).unwrap();
    ctx.add_filter(&good_sha, "[GOOD_SHA256]");
    ctx.add_filter(&evil_sha, "[EVIL_SHA256]");
    let mut outputs = String::new();
    for cmd in [&["sync", "--frozen"][..], &["lock", "--locked"]] {
        let (text, _) = run_and_format(ctx.envy().args(cmd));
        outputs += &format!("$ envy {}\n{text}\n", cmd.join(" "));
    }
    filter_settings(ctx.filters()).bind(|| {
        insta::assert_snapshot!(outputs, @"
        $ envy sync --frozen
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock: `evil-1.0-py3-none-any.whl` (listed under `good==1.0`) is a distribution of `evil`, not of `good`

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

        $ envy lock --locked
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock: `evil-1.0-py3-none-any.whl` (listed under `good==1.0`) is a distribution of `evil`, not of `good`

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one
        ");
    });
    assert!(ctx.installed_version("evil").is_none());
}

#[test]
fn frozen_sync_refuses_a_file_whose_version_is_not_its_entry() {
    let (_index, ctx) = synced_good();
    let lock = ctx.read("envy.lock");
    let forged = lock.replacen("version = \"1.0\"", "version = \"2.0\"", 1);
    assert!(
        forged.contains("name = \"good\"\nversion = \"2.0\""),
        "{forged}"
    );
    ctx.write("envy.lock", &forged);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock: `good-1.0-py3-none-any.whl` (listed under `good==2.0`) is version 1.0, not 2.0

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one
    ");
}

#[test]
fn a_file_listed_without_a_hash_is_hashed_at_lock_time() {
    let meta = metadata("good", "1.0", &[]);
    let wheel = wheel_with("good", "1.0", &meta, &[]);
    let real_sha = sha256_hex(&wheel);
    let index = Crafted::start();
    index.publish(
        "good",
        vec![Listed {
            claimed_sha256: Some(String::new()),
            ..Listed::wheel("good-1.0-py3-none-any.whl", wheel, Some(&meta))
        }],
    );
    let ctx = project_on(&index, &["good"]);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + good 1.0
    ");
    let text = ctx.read("envy.lock");
    assert!(!text.contains("sha256 = \"\""), "{text}");
    assert_eq!(ctx.lock().wheels("good")[0].sha256, real_sha);
    ctx.envy_ok(&["sync", "--frozen"]);
    assert_eq!(ctx.installed_version("good").as_deref(), Some("1.0"));
}

// ---------------------------------------------------------------------------
// 6. Deep nesting
// ---------------------------------------------------------------------------

fn deep_marker(depth: usize) -> String {
    format!(
        "{}python_version >= '3'{}",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

/// Makes `ctx`'s snapshots show a run of 10 or more parentheses (a
/// [`deep_marker`] quoted in a message) as `[N x (]`, `[N x )]`.
fn filter_deep_parens(ctx: &mut TestContext) {
    ctx.add_filter(r"\({10,}", "[N x (]");
    ctx.add_filter(r"\){10,}", "[N x )]");
}

#[test]
fn deeply_nested_marker_in_pyproject_is_an_error_not_a_crash() {
    let index = Crafted::start();
    let meta = metadata("good", "1.0", &[]);
    index.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            wheel_with("good", "1.0", &meta, &[]),
            Some(&meta),
        )],
    );
    let mut ctx = project_on(&index, &[&format!("good; {}", deep_marker(5000))]);
    filter_deep_parens(&mut ctx);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:8:6: invalid project.dependencies: `good; [N x (]...`: parentheses nest 5000 levels deep (at most 100 are accepted)

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");
    // A sane depth still works.
    let ctx = project_on(&index, &[&format!("good; {}", deep_marker(20))]);
    ctx.envy_ok(&["lock"]);
}

#[test]
fn deeply_nested_marker_in_index_metadata_is_not_a_crash() {
    let index = Crafted::start();
    let deep = format!("helper; {}", deep_marker(5000));
    let meta = metadata("good", "1.0", &[&deep]);
    index.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            wheel_with("good", "1.0", &meta, &[]),
            Some(&meta),
        )],
    );
    let mut ctx = project_on(&index, &["good"]);
    filter_deep_parens(&mut ctx);
    // Skipped (lenient with index metadata) with a warning naming it.
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    warning: skipping invalid Requires-Dist `helper; [N x (]...`: not a valid PEP 508 requirement: parentheses nest 5000 levels deep (at most 100 are accepted)
    Resolved 1 package in [TIME]
     + good 1.0
    ");
}

#[test]
fn deeply_nested_marker_in_the_lock_is_an_error_not_a_crash() {
    let (_index, mut ctx) = synced_good();
    filter_deep_parens(&mut ctx);
    let lock = ctx.read("envy.lock");
    let forged = lock.replacen(
        "    { name = \"good\" },",
        &format!(
            "    {{ name = \"good\", marker = \"{}\" }},",
            deep_marker(5000)
        ),
        1,
    );
    assert_ne!(forged, lock, "{lock}");
    ctx.write("envy.lock", &forged);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock:18:31: invalid marker `[N x (]...`: parentheses nest 5000 levels deep (at most 100 are accepted)

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one
    ");
}

// ---------------------------------------------------------------------------
// 7. Never print a secret
// ---------------------------------------------------------------------------

#[test]
fn credentialed_index_url_with_a_bad_port_never_prints_the_password() {
    // No live network: the default index is a closed local port.
    let mut ctx = TestContext::new();
    ctx.set_index_url(Some(format!("http://127.0.0.1:{}/simple", closed_port())));
    ctx.env("ENVY_HTTP_RETRIES", "0");
    ctx.init_project(&["good"]);
    // Keep the bad ports in view (the default filters would hide them).
    ctx.add_filter(r"127\.0\.0\.1:(99999|8o)\b", "[LOCALHOST]:$1");
    let mut outputs = String::new();
    for url in [
        "http://user:s3cret@127.0.0.1:99999/simple",
        "http://user:s3cret@127.0.0.1:8o/simple",
        "http://user:s3cret@[::1/simple",
    ] {
        for args in [
            vec!["lock", "--index-url", url],
            vec!["lock", "--extra-index-url", url],
        ] {
            let (text, out) = run_and_format(ctx.envy().args(&args));
            assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
            assert!(!out.stdout.contains("s3cret"), "{}", out.stdout);
            let shown = args.join(" ").replace("s3cret", "[PASSWORD]");
            outputs += &format!("$ envy {shown}\n{text}\n");
        }
        let mut env_ctx = TestContext::new();
        env_ctx.init_project(&["good"]);
        env_ctx.set_index_url(Some(url.to_string()));
        let (text, out) = run_and_format(env_ctx.envy().arg("lock"));
        assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
        let shown = url.replace("s3cret", "[PASSWORD]");
        outputs += &format!("$ ENVY_INDEX_URL={shown} envy lock\n{text}\n");
    }
    filter_settings(ctx.filters()).bind(|| {
        insta::assert_snapshot!(outputs, @"
        $ envy lock --index-url http://user:[PASSWORD]@[LOCALHOST]:99999/simple
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot read `http://[LOCALHOST]:99999/simple/good/`: invalid port number

        hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)

        $ envy lock --extra-index-url http://user:[PASSWORD]@[LOCALHOST]:99999/simple
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: could not fetch `[INDEX]/good/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111)

        hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache

        $ ENVY_INDEX_URL=http://user:[PASSWORD]@[LOCALHOST]:99999/simple envy lock
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot read `http://[LOCALHOST]:99999/simple/good/`: invalid port number

        hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)

        $ envy lock --index-url http://user:[PASSWORD]@[LOCALHOST]:8o/simple
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot read `http://[LOCALHOST]:8o/simple/good/`: invalid port number

        hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)

        $ envy lock --extra-index-url http://user:[PASSWORD]@[LOCALHOST]:8o/simple
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: could not fetch `[INDEX]/good/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111)

        hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache

        $ ENVY_INDEX_URL=http://user:[PASSWORD]@[LOCALHOST]:8o/simple envy lock
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot read `http://[LOCALHOST]:8o/simple/good/`: invalid port number

        hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)

        $ envy lock --index-url http://user:[PASSWORD]@[::1/simple
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot read `http://[::1/simple/good/`: invalid IPv6 address

        hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)

        $ envy lock --extra-index-url http://user:[PASSWORD]@[::1/simple
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: could not fetch `[INDEX]/good/`: could not connect to `127.0.0.1:[PORT]`: connection refused (os error 111)

        hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache

        $ ENVY_INDEX_URL=http://user:[PASSWORD]@[::1/simple envy lock
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: cannot read `http://[::1/simple/good/`: invalid IPv6 address

        hint: the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)
        ");
    });
}

#[test]
fn init_warnings_about_index_lines_never_print_credentials() {
    let ctx = TestContext::new();
    ctx.write(
        "requirements.txt",
        "-i https://user:s3cret@example.invalid/simple\n--extra-index-url https://user:t0ken@example.invalid/extra\n--index-url=http://me:pa55@[::1/simple\n",
    );
    let out = envy_snapshot!(ctx.filters(), ctx.envy().arg("init"), @r#"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
    warning: requirements.txt: `-i https://example.invalid/simple` is not copied: set `[tool.envy] index-url = "https://example.invalid/simple"` in pyproject.toml to keep using that index
    warning: requirements.txt: `--extra-index-url https://example.invalid/extra` is not copied: add `"https://example.invalid/extra"` to `[tool.envy] extra-index-url`
    warning: requirements.txt: `--index-url=http://[::1/simple` is not copied: set `[tool.envy] index-url = "http://[::1/simple"` in pyproject.toml to keep using that index
    Initialized project `project` with 0 dependencies and 0 dev dependencies from `requirements.txt`
    "#);
    for secret in ["s3cret", "t0ken", "pa55"] {
        assert!(
            !out.stderr.contains(secret),
            "{secret} printed:\n{}",
            out.stderr
        );
        assert!(
            !out.stdout.contains(secret),
            "{secret} printed:\n{}",
            out.stdout
        );
    }
}

#[test]
fn index_pages_with_credentials_in_links_are_not_cached_as_received() {
    let index = Crafted::start();
    let meta = metadata("good", "1.0", &[]);
    let wheel = wheel_with("good", "1.0", &meta, &[]);
    let port = index.server.port();
    let page = serde_json::json!({
        "meta": { "api-version": "1.1" },
        "name": "good",
        "files": [{
            "filename": "good-1.0-py3-none-any.whl",
            "url": format!("http://user:s3cret@127.0.0.1:{port}/files/good-1.0-py3-none-any.whl"),
            "hashes": { "sha256": sha256_hex(&wheel) },
            "requires-python": ">=3.8",
            "core-metadata": { "sha256": sha256_hex(meta.as_bytes()) },
        }],
    });
    index.put(
        "/simple/good/",
        "application/vnd.pypi.simple.v1+json",
        serde_json::to_vec(&page).unwrap(),
    );
    index.put(
        "/files/good-1.0-py3-none-any.whl",
        "application/octet-stream",
        wheel,
    );
    index.put(
        "/files/good-1.0-py3-none-any.whl.metadata",
        "text/plain",
        meta.into_bytes(),
    );
    let ctx = project_on(&index, &["good"]);
    ctx.envy_ok(&["lock"]);
    assert!(!ctx.read("envy.lock").contains("s3cret"));
    for entry in walkdir::WalkDir::new(ctx.cache_dir()).into_iter().flatten() {
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("s3cret"),
                "{} holds the password",
                entry.path().display()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 8. Deadlines
// ---------------------------------------------------------------------------

/// A server that answers every request with `body` announced in full, then
/// drips it one byte every `every`.
fn drip_server(body: Vec<u8>, every: std::time::Duration) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                for b in body {
                    if conn.write_all(&[b]).is_err() {
                        return;
                    }
                    std::thread::sleep(every);
                }
            });
        }
    });
    port
}

#[test]
fn a_dripping_download_is_stopped_by_the_overall_deadline() {
    let meta = metadata("good", "1.0", &[]);
    let wheel = wheel_with("good", "1.0", &meta, &[]);
    let drip = drip_server(wheel.clone(), std::time::Duration::from_millis(300));
    let index = Crafted::start();
    let page = serde_json::json!({
        "meta": { "api-version": "1.1" },
        "name": "good",
        "files": [{
            "filename": "good-1.0-py3-none-any.whl",
            "url": format!("http://127.0.0.1:{drip}/files/good-1.0-py3-none-any.whl"),
            "hashes": { "sha256": sha256_hex(&wheel) },
            "requires-python": ">=3.8",
        }],
    });
    index.put(
        "/simple/good/",
        "application/vnd.pypi.simple.v1+json",
        serde_json::to_vec(&page).unwrap(),
    );
    let mut ctx = project_on(&index, &["good"]);
    // Locking reads the wheel's metadata from the wheel: give it the real
    // bytes through a warm metadata cache instead (lock with a fast copy).
    let fast = Crafted::start();
    fast.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            wheel.clone(),
            Some(&meta),
        )],
    );
    ctx.set_index_url(Some(fast.index_url()));
    ctx.envy_ok(&["lock"]);
    let lock = ctx
        .read("envy.lock")
        .replace(&fast.base_url(), &format!("http://127.0.0.1:{drip}"));
    ctx.write("envy.lock", lock);
    ctx.set_index_url(Some(index.index_url()));
    ctx.env("ENVY_HTTP_TIMEOUT", "2");
    ctx.env("ENVY_HTTP_DEADLINE", "3");
    ctx.env("ENVY_HTTP_RETRIES", "1");
    let t0 = std::time::Instant::now();
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: could not fetch `http://127.0.0.1:[PORT]/files/good-1.0-py3-none-any.whl`: timed out: not finished after 3 s (`ENVY_HTTP_DEADLINE`)

    hint: the server sends too slowly; retry later, or raise `ENVY_HTTP_DEADLINE` (seconds) for a very large file on a slow link
    ");
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t0.elapsed()
    );
    assert!(ctx.installed_version("good").is_none());
    // No partial file is left behind.
    let leftovers: Vec<_> = walkdir::WalkDir::new(ctx.cache_dir().join("files-v1"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ---------------------------------------------------------------------------
// 9. Messages that help
// ---------------------------------------------------------------------------

#[test]
fn a_corrupt_deflate_stream_names_the_wheel_and_the_entry() {
    let meta = metadata("good", "1.0", &[]);
    // Enough varied text that the deflate stream has room to break.
    let big: String = (0..4000)
        .map(|i| format!("V{i} = {}\n", i * 7919 % 104729))
        .collect();
    let mut wheel = wheel_with("good", "1.0", &meta, &[("good/big.py", &big)]);
    let name = b"good/big.py";
    let header = wheel
        .windows(4 + 26 + name.len())
        .position(|w| w.starts_with(b"PK\x03\x04") && w.ends_with(name))
        .expect("local header of good/big.py");
    let extra = u16::from_le_bytes([wheel[header + 28], wheel[header + 29]]) as usize;
    let data = header + 30 + name.len() + extra;
    for b in &mut wheel[data + 40..data + 80] {
        *b ^= 0x5a;
    }
    let index = Crafted::start();
    index.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            wheel,
            Some(&meta),
        )],
    );
    let ctx = project_on(&index, &["good"]);
    // Named, and no advice to run `envy sync` again.
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + good 1.0
    error: invalid wheel `[CACHE]/files-v1/[SHA256]/good-1.0-py3-none-any.whl`: cannot read `good/big.py`: corrupt deflate stream

    hint: the wheel is malformed or was tampered with; nothing of it was installed. Report it to the package's maintainers or the index operator
    ");
    assert!(ctx.installed_version("good").is_none());
}

/// An index serving `good-1.0`, a wheel whose RECORD lists other content
/// for `good/__init__.py`: it locks, and fails at install.
fn serve_record_mismatch() -> Crafted {
    let meta = metadata("good", "1.0", &[]);
    let di = "good-1.0.dist-info";
    let mut files = vec![
        ("good/__init__.py".to_string(), b"X = 1\n".to_vec()),
        (format!("{di}/METADATA"), meta.clone().into_bytes()),
        (format!("{di}/WHEEL"), WHEEL_FILE.as_bytes().to_vec()),
    ];
    let mut wheel_files = files.clone();
    // RECORD lists other content for good/__init__.py.
    files[0].1 = b"X = 2\n".to_vec();
    let record_of = wheel_zip(&files, di);
    let record = {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(record_of)).unwrap();
        let mut f = z.by_name(&format!("{di}/RECORD")).unwrap();
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut v).unwrap();
        v
    };
    wheel_files.push((format!("{di}/RECORD"), record));
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, c) in &wheel_files {
        zw.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zw.write_all(c).unwrap();
    }
    let wheel = zw.finish().unwrap().into_inner();
    let index = Crafted::start();
    index.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            wheel,
            Some(&meta),
        )],
    );
    index
}

#[test]
fn a_wheel_failing_its_own_record_gets_no_advice_to_sync_again() {
    let index = serve_record_mismatch();
    let ctx = project_on(&index, &["good"]);
    envy_snapshot!(ctx.filters(), ctx.envy().arg("sync"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Resolved 1 package in [TIME]
     + good 1.0
    error: refusing to install `[CACHE]/files-v1/[SHA256]/good-1.0-py3-none-any.whl`: `good/__init__.py` does not match its RECORD entry (expected sha256=G3UZaMuzlaO5XL3Sff31SyG6PxxzBgNMp2rSQKHmXFQ, got sha256=Crrh4K5yghbuRJk8Wjp1X4scOH2Uf8TE9yyrDkqEIUs)

    hint: the wheel is malformed or was tampered with; nothing of it was installed. Report it to the package's maintainers or the index operator
    ");
}

#[test]
fn an_add_whose_sync_fails_restores_pyproject_and_lock() {
    let index = serve_record_mismatch();
    let ctx = project_on(&index, &[]);
    ctx.envy_ok(&["lock"]);
    let (pyproject, lock) = (ctx.read("pyproject.toml"), ctx.read("envy.lock"));
    envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "good"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
     + good 1.0
    Restored pyproject.toml and envy.lock as they were: the sync failed
    error: refusing to install `[CACHE]/files-v1/[SHA256]/good-1.0-py3-none-any.whl`: `good/__init__.py` does not match its RECORD entry (expected sha256=G3UZaMuzlaO5XL3Sff31SyG6PxxzBgNMp2rSQKHmXFQ, got sha256=Crrh4K5yghbuRJk8Wjp1X4scOH2Uf8TE9yyrDkqEIUs)

    hint: the wheel is malformed or was tampered with; nothing of it was installed. Report it to the package's maintainers or the index operator
    ");
    assert_eq!(ctx.read("pyproject.toml"), pyproject);
    assert_eq!(ctx.read("envy.lock"), lock);
    assert!(ctx.installed_version("good").is_none());
}

/// A server that sends headers and half of `body`, then says nothing for `pause`.
fn stalling_server(body: Vec<u8>, pause: std::time::Duration) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let body = body.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(&body[..body.len() / 2]);
                let _ = conn.flush();
                std::thread::sleep(pause);
            });
        }
    });
    port
}

#[test]
fn a_stall_in_the_middle_of_a_body_says_it_timed_out() {
    let meta = metadata("good", "1.0", &[]);
    let wheel = wheel_with("good", "1.0", &meta, &[]);
    let stall = stalling_server(wheel.clone(), std::time::Duration::from_secs(8));
    let (_index, mut ctx) = synced_good();
    let lock = ctx.read("envy.lock");
    let base = lock
        .split("url = \"")
        .nth(1)
        .and_then(|rest| rest.split("/files/").next())
        .unwrap()
        .to_string();
    ctx.write(
        "envy.lock",
        lock.replace(&base, &format!("http://127.0.0.1:{stall}")),
    );
    ctx.reset_cache();
    std::fs::remove_dir_all(ctx.path(".venv")).unwrap();
    ctx.env("ENVY_HTTP_TIMEOUT", "2");
    ctx.env("ENVY_HTTP_RETRIES", "0");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: could not fetch `http://127.0.0.1:[PORT]/files/good-1.0-py3-none-any.whl`: timed out: no data for 2 s in the middle of the body

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
}

#[test]
fn invalid_utf8_reports_its_real_position() {
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        b"[project]\nname = \"x\"\nversion = \"0.1\"\ndescription = \"caf\xe9\"\n".as_slice(),
    );
    envy_snapshot!(ctx.filters(), ctx.envy().arg("lock"), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:4:19: invalid file: not valid UTF-8 (TOML files must be UTF-8)

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ");

    let (_index, mut ctx) = synced_good();
    let mut lock = ctx.read_bytes("envy.lock");
    lock.extend_from_slice(b"# caf\xe9\n");
    let line = lock.iter().filter(|b| **b == b'\n').count();
    ctx.write("envy.lock", &lock);
    // The line number varies with the lock's layout; only the expected one
    // becomes `[LAST LINE]`.
    ctx.add_filter(&format!(r"envy\.lock:{line}:"), "envy.lock:[LAST LINE]:");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync", "--frozen"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock:[LAST LINE]:6: not valid UTF-8

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one
    ");
}

#[test]
fn sigint_and_sigterm_remove_the_partial_download() {
    let meta = metadata("good", "1.0", &[]);
    let wheel = wheel_with("good", "1.0", &meta, &[]);
    let drip = drip_server(wheel.clone(), std::time::Duration::from_millis(200));
    let fast = Crafted::start();
    fast.publish(
        "good",
        vec![Listed::wheel(
            "good-1.0-py3-none-any.whl",
            wheel,
            Some(&meta),
        )],
    );
    let ctx = project_on(&fast, &["good"]);
    ctx.envy_ok(&["lock"]);
    let lock = ctx
        .read("envy.lock")
        .replace(&fast.base_url(), &format!("http://127.0.0.1:{drip}"));
    ctx.write("envy.lock", lock);
    let files = ctx.cache_dir().join("files-v1");
    let files_under = || -> Vec<std::path::PathBuf> {
        walkdir::WalkDir::new(&files)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().to_path_buf())
            .collect()
    };
    for signal in ["INT", "TERM"] {
        let mut child = ctx
            .envy()
            .args(["sync", "--frozen"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the download to have started writing its temporary file.
        let t0 = std::time::Instant::now();
        while files_under().is_empty() {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(20),
                "no download started"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "SIG{signal}: {status:?}");
        assert!(
            files_under().is_empty(),
            "SIG{signal} left {:?}",
            files_under()
        );
    }
}
