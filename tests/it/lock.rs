//! `envy lock`: contents, determinism, freshness, resolution rules, sources.

use std::fs;

use crate::common::*;

fn scenario_project(deps: &[&str]) -> TestContext {
    let ctx = TestContext::with_scenario();
    ctx.init_project(deps);
    ctx
}

/// Every locked wheel/sdist matches the file the server serves.
#[track_caller]
fn assert_hashes_match_server(ctx: &TestContext, lock: &Lock) {
    let infos = ctx.server().file_infos();
    for name in lock.registry_names() {
        let mut files = lock.wheels(&name);
        files.extend(lock.sdist(&name));
        assert!(!files.is_empty(), "{name} has no files in the lock");
        for f in files {
            let fname = f.filename();
            let info = infos
                .iter()
                .find(|i| i.filename == fname)
                .unwrap_or_else(|| panic!("{fname} is not served"));
            assert_eq!(f.sha256, info.sha256, "sha256 of {fname}");
            assert_eq!(f.size, Some(info.size), "size of {fname}");
            assert_eq!(f.url, ctx.server().file_url(&fname), "url of {fname}");
        }
    }
}

#[test]
fn lock_file_structure() {
    let ctx = scenario_project(&["app-dep", "with-extra[fast]", "needs-marker"]);
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();

    assert!(lock.doc.get("version").is_some_and(|v| v.is_integer()));
    assert_eq!(
        lock.doc.get("requires-python").and_then(|v| v.as_str()),
        Some(">=3.8")
    );
    assert!(lock.doc.get("manifest").is_some_and(|m| m.is_table()));

    assert_eq!(
        lock.registry_names(),
        [
            "app-dep",
            "needs-marker",
            "speedup",
            "win-only",
            "with-extra"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    assert_eq!(lock.version("app-dep").as_deref(), Some("2.0"));
    assert_eq!(lock.version("with-extra").as_deref(), Some("1.0"));
    assert_eq!(lock.version("speedup").as_deref(), Some("1.0"));
    for p in lock.packages() {
        assert!(p.get("source").is_some(), "no source: {p:#?}");
    }
    assert_hashes_match_server(&ctx, &lock);

    // Markers stay on edges.
    let edges = lock.dependencies("needs-marker");
    let win = edges
        .iter()
        .find(|d| d.name == "win-only")
        .expect("needs-marker -> win-only edge");
    assert!(
        win.marker.as_deref().is_some_and(|m| m.contains("win32")),
        "{edges:?}"
    );
    // with-extra[fast] -> speedup is recorded somewhere: either on the
    // package's edges (with an extra marker) or on the project's edges.
    assert!(
        lock.dependencies("with-extra")
            .iter()
            .any(|d| d.name == "speedup")
            || lock
                .dependencies(PROJECT)
                .iter()
                .any(|d| d.name == "with-extra" && d.extras.contains(&"fast".to_string())),
        "{}",
        lock.raw
    );
}

#[test]
fn packages_are_sorted_by_name() {
    let ctx = scenario_project(&["with-extra[fast]", "app-dep", "child", "parent"]);
    ctx.envy_ok(&["lock"]);
    // The project's own entry may come first; the rest are sorted.
    let names: Vec<String> = ctx
        .lock()
        .packages()
        .iter()
        .map(|p| normalize_name(p.get("name").unwrap().as_str().unwrap()))
        .filter(|n| n != PROJECT)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn relock_is_byte_identical() {
    let mut ctx = scenario_project(&["app-dep", "with-extra[fast]", "needs-marker", "parent"]);
    ctx.envy_ok(&["lock"]);
    let first = ctx.read_bytes("envy.lock");

    // Again, with the lock present.
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.read_bytes("envy.lock"), first);

    // From scratch with a cold cache.
    fs::remove_file(ctx.path("envy.lock")).unwrap();
    ctx.reset_cache();
    ctx.envy_ok(&["lock"]);
    assert_eq!(
        String::from_utf8(ctx.read_bytes("envy.lock")).unwrap(),
        String::from_utf8(first).unwrap()
    );
}

#[test]
fn lock_from_html_index_matches_json_index() {
    // PEP 503 HTML has no sizes, so only pins, URLs and hashes are compared.
    let mut ctx = scenario_project(&["app-dep", "with-extra[fast]", "needs-marker", "parent"]);
    ctx.envy_ok(&["lock"]);
    let json_lock = ctx.lock();
    fs::remove_file(ctx.path("envy.lock")).unwrap();
    ctx.reset_cache();
    ctx.server().set_html_only(true);
    ctx.envy_ok(&["lock"]);
    let html_lock = ctx.lock();
    assert_eq!(html_lock.registry_names(), json_lock.registry_names());
    for name in json_lock.registry_names() {
        assert_eq!(html_lock.version(&name), json_lock.version(&name), "{name}");
        let strip = |files: Vec<LockedFile>| -> Vec<(String, String)> {
            files.into_iter().map(|f| (f.url, f.sha256)).collect()
        };
        assert_eq!(
            strip(html_lock.wheels(&name)),
            strip(json_lock.wheels(&name)),
            "{name}"
        );
    }
    // The server really answered HTML only.
    assert!(ctx
        .server()
        .requests()
        .iter()
        .any(|p| p.starts_with("/simple/app-dep")));
}

#[test]
fn lock_works_without_pep658_metadata() {
    let ctx = scenario_project(&["app-dep", "parent"]);
    ctx.server().set_no_metadata(true);
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("child").as_deref(), Some("1.0"));
    assert_hashes_match_server(&ctx, &lock);
}

#[test]
fn locked_passes_when_fresh_and_fails_after_manual_edit() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    let lock_before = ctx.read_bytes("envy.lock");
    ctx.envy_ok(&["lock", "--locked"]);
    assert_eq!(ctx.read_bytes("envy.lock"), lock_before);

    // Edit dependencies by hand.
    let text = ctx
        .read("pyproject.toml")
        .replace("\"app-dep\",", "\"app-dep\",\n    \"speedup\",");
    ctx.write_pyproject(&text);
    assert_eq!(ctx.project_dependencies(), vec!["app-dep", "speedup"]);

    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock", "--locked"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: `envy.lock` does not match `pyproject.toml` and `--locked` was given

    hint: run `envy lock` and commit the updated `envy.lock`
    ");
    assert_eq!(ctx.read_bytes("envy.lock"), lock_before);

    let out = ctx.run_envy(&["sync", "--locked"]);
    out.failure();
    assert_eq!(ctx.read_bytes("envy.lock"), lock_before);
    ctx.assert_not_installed("speedup");
}

#[test]
fn locked_fails_when_requirement_changes() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    let text = ctx
        .read("pyproject.toml")
        .replace("\"app-dep\"", "\"app-dep<2\"");
    ctx.write_pyproject(&text);
    ctx.envy_fails(&["lock", "--locked"]);
    // A plain lock then updates it.
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("1.0"));
    ctx.envy_ok(&["lock", "--locked"]);
}

#[test]
fn locked_without_lock_file_fails() {
    let ctx = scenario_project(&["app-dep"]);
    ctx.envy_fails(&["lock", "--locked"]);
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn pre_releases_only_when_asked() {
    let ctx = scenario_project(&["pre"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("pre").as_deref(), Some("1.0"));

    let ctx = scenario_project(&["pre>=2.0b1"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("pre").as_deref(), Some("2.0b1"));
}

#[test]
fn pre_release_when_nothing_else_exists() {
    let ctx = scenario_project(&["only-pre"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("only-pre").as_deref(), Some("0.5a1"));
}

#[test]
fn yanked_skipped_unless_pinned() {
    let ctx = scenario_project(&["yanked-pkg"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("yanked-pkg").as_deref(), Some("1.0"));

    let ctx = scenario_project(&["yanked-pkg==1.1"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("yanked-pkg").as_deref(), Some("1.1"));
}

#[test]
fn yanked_skipped_with_html_index() {
    let ctx = scenario_project(&["yanked-pkg"]);
    ctx.server().set_html_only(true);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("yanked-pkg").as_deref(), Some("1.0"));
}

#[test]
fn requires_python_filters_versions() {
    // app-dep 2.0 needs Python >=3.99 here; the project supports >=3.8,
    // so the universal lock must pick 1.0.
    let server = IndexServer::empty();
    server.add_wheel(&WheelBuilder::new("app-dep", "1.0").requires_python(">=3.8"));
    server.add_wheel(&WheelBuilder::new("app-dep", "2.0").requires_python(">=3.99"));
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.init_project(&["app-dep"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("1.0"));
}

#[test]
fn lock_prefers_locked_versions_and_upgrades_on_request() {
    let server = IndexServer::empty();
    server.add_wheel(&WheelBuilder::new("app-dep", "1.0"));
    server.add_wheel(&WheelBuilder::new("speedup", "1.0"));
    let mut ctx = TestContext::new();
    ctx.attach(server);
    ctx.init_project(&["app-dep", "speedup"]);
    ctx.envy_ok(&["lock"]);
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("1.0"));

    // New releases appear.
    ctx.server().add_wheel(&WheelBuilder::new("app-dep", "2.0"));
    ctx.server().add_wheel(&WheelBuilder::new("speedup", "2.0"));
    ctx.reset_cache();

    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("1.0"));
    assert_eq!(lock.version("speedup").as_deref(), Some("1.0"));

    ctx.envy_ok(&["lock", "--upgrade-package", "app-dep"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("2.0"));
    assert_eq!(lock.version("speedup").as_deref(), Some("1.0"));

    ctx.envy_ok(&["lock", "--upgrade"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("2.0"));
    assert_eq!(lock.version("speedup").as_deref(), Some("2.0"));
}

#[test]
fn offline_lock_uses_cache() {
    let mut ctx = scenario_project(&["app-dep", "parent"]);
    ctx.envy_ok(&["lock"]);
    let before = ctx.read_bytes("envy.lock");
    ctx.stop_server();
    ctx.envy_ok(&["lock", "--offline"]);
    assert_eq!(ctx.read_bytes("envy.lock"), before);
}

#[test]
fn offline_lock_with_cold_cache_fails() {
    let ctx = scenario_project(&["app-dep"]);
    let out = ctx.run_envy(&["lock", "--offline"]);
    out.failure();
    assert!(!ctx.exists("envy.lock"));
    assert_eq!(ctx.server().file_downloads(), Vec::<String>::new());
}

#[test]
fn index_url_flag_overrides_env() {
    let mut ctx = scenario_project(&["app-dep"]);
    let url = ctx.server().index_url();
    ctx.set_index_url(Some(format!("http://127.0.0.1:{}/simple", closed_port())));
    ctx.envy_ok(&["lock", "--index-url", &url]);
    assert_eq!(ctx.lock().version("app-dep").as_deref(), Some("2.0"));
}

#[test]
fn extra_index_url() {
    let main = IndexServer::empty();
    main.add_wheel(&WheelBuilder::new("app-dep", "1.0"));
    let extra = IndexServer::empty();
    extra.add_wheel(&WheelBuilder::new("extra-only", "3.0"));
    let extra_url = extra.index_url();
    let extra_file = extra.file_url("extra_only-3.0-py3-none-any.whl");
    let extra_sha = extra.sha256("extra_only-3.0-py3-none-any.whl");

    let mut ctx = TestContext::new();
    ctx.attach(main);
    ctx.init_project(&["app-dep", "extra-only"]);
    ctx.envy_ok(&["lock", "--extra-index-url", &extra_url]);
    let lock = ctx.lock();
    assert_eq!(lock.version("app-dep").as_deref(), Some("1.0"));
    assert_eq!(lock.version("extra-only").as_deref(), Some("3.0"));
    let w = &lock.wheels("extra-only")[0];
    assert_eq!(w.url, extra_file);
    assert_eq!(w.sha256, extra_sha);
    drop(extra);
}

#[test]
fn find_links_directory() {
    let ctx = scenario_project(&["app-dep", "local-only"]);
    let links = ctx.root.join("links");
    let whl = WheelBuilder::new("local-only", "0.3").build(&links);
    ctx.envy_ok(&["lock", "--find-links", links.to_str().unwrap()]);
    let lock = ctx.lock();
    assert_eq!(lock.version("local-only").as_deref(), Some("0.3"));
    let files = lock.wheels("local-only");
    assert_eq!(files.len(), 1, "{}", lock.raw);
    assert_eq!(files[0].sha256, sha256_file(&whl));
    assert_eq!(lock.version("app-dep").as_deref(), Some("2.0"));
}

#[test]
fn lock_includes_sdist_only_package() {
    let ctx = scenario_project(&["sdist-only"]);
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("sdist-only").as_deref(), Some("1.0"));
    let sdist = lock.sdist("sdist-only").expect("sdist = {...}");
    assert_eq!(sdist.sha256, ctx.server().sha256("sdist_only-1.0.tar.gz"));
    assert_hashes_match_server(&ctx, &lock);
}

#[test]
fn lock_records_dependency_groups() {
    let ctx = scenario_project(&["app-dep"]);
    let text = ctx
        .read("pyproject.toml")
        .replace("dev = []", "dev = [\"dev-tool\"]\nlint = [\"speedup\"]");
    ctx.write_pyproject(&text);
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert!(lock.has("dev-tool") && lock.has("speedup") && lock.has("app-dep"));
}

#[test]
fn lock_records_optional_dependencies() {
    let ctx = scenario_project(&["app-dep"]);
    let text = ctx.read("pyproject.toml").replace(
        "\n[dependency-groups]",
        "\n[project.optional-dependencies]\nfast = [\"speedup\"]\n\n[dependency-groups]",
    );
    ctx.write_pyproject(&text);
    ctx.envy_ok(&["lock"]);
    assert!(ctx.lock().has("speedup"));
}

#[test]
fn empty_project_locks() {
    let ctx = scenario_project(&[]);
    ctx.envy_ok(&["lock"]);
    assert!(ctx.lock().registry_names().is_empty());
}
