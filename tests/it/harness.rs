//! Tests of the test harness itself (builders, index server, lock reader).
//! These pass independently of the envy binary.

use std::process::Command;

use crate::common::*;

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).expect("valid JSON")
}

#[test]
fn b64_matches_python() {
    assert_eq!(urlsafe_b64_nopad(b""), "");
    assert_eq!(urlsafe_b64_nopad(b"f"), "Zg");
    assert_eq!(urlsafe_b64_nopad(b"fo"), "Zm8");
    assert_eq!(urlsafe_b64_nopad(b"foo"), "Zm9v");
    assert_eq!(urlsafe_b64_nopad(&[0xfb, 0xff, 0xfe]), "-__-");
}

#[test]
fn normalize() {
    assert_eq!(normalize_name("Foo__Bar.baz"), "foo-bar-baz");
    assert_eq!(escaped_name("app-dep"), "app_dep");
    assert_eq!(
        parse_dist_filename("app_dep-2.0-py3-none-any.whl"),
        Some(("app-dep".into(), "2.0".into()))
    );
    assert_eq!(
        parse_dist_filename("sdist_only-1.0.tar.gz"),
        Some(("sdist-only".into(), "1.0".into()))
    );
}

#[test]
fn wheel_is_valid_and_importable() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = WheelBuilder::new("my-pkg", "1.2")
        .requires_dist("dep>=1; extra == 'x'")
        .provides_extra("x")
        .requires_python(">=3.8")
        .module(
            "my_pkg/__init__.py",
            "VALUE = 1\ndef main():\n    print('hi')\n",
        )
        .console_script("my-tool", "my_pkg:main")
        .tag("py2.py3-none-any")
        .build(dir.path());
    assert_eq!(
        wheel.file_name().unwrap().to_str().unwrap(),
        "my_pkg-1.2-py2.py3-none-any.whl"
    );
    // Deterministic output.
    let again = WheelBuilder::new("my-pkg", "1.2")
        .requires_dist("dep>=1; extra == 'x'")
        .provides_extra("x")
        .requires_python(">=3.8")
        .module(
            "my_pkg/__init__.py",
            "VALUE = 1\ndef main():\n    print('hi')\n",
        )
        .console_script("my-tool", "my_pkg:main")
        .tag("py2.py3-none-any")
        .build(&dir.path().join("again"));
    assert_eq!(sha256_file(&wheel), sha256_file(&again));

    // Python checks RECORD hashes, metadata fields, WHEEL tags and imports it.
    let script = r#"
import base64, hashlib, sys, zipfile, email.parser
w = sys.argv[1]
z = zipfile.ZipFile(w)
names = set(z.namelist())
di = "my_pkg-1.2.dist-info"
record = z.read(di + "/RECORD").decode().splitlines()
seen = set()
for line in record:
    path, h, size = line.rsplit(",", 2)
    seen.add(path)
    if path == di + "/RECORD":
        assert h == "" and size == ""
        continue
    data = z.read(path)
    algo, digest = h.split("=", 1)
    assert algo == "sha256"
    want = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert digest == want, (path, digest, want)
    assert int(size) == len(data)
assert seen == names, (seen, names)
md = email.parser.Parser().parsestr(z.read(di + "/METADATA").decode())
assert md["Metadata-Version"] == "2.1"
assert md["Name"] == "my-pkg" and md["Version"] == "1.2"
assert md["Requires-Python"] == ">=3.8"
assert md.get_all("Provides-Extra") == ["x"]
assert md.get_all("Requires-Dist") == ["dep>=1; extra == 'x'"]
wheel = email.parser.Parser().parsestr(z.read(di + "/WHEEL").decode())
assert wheel.get_all("Tag") == ["py2-none-any", "py3-none-any"], wheel.get_all("Tag")
assert wheel["Root-Is-Purelib"] == "true"
ep = z.read(di + "/entry_points.txt").decode()
assert "[console_scripts]" in ep and "my-tool = my_pkg:main" in ep
sys.path.insert(0, w)
import my_pkg
assert my_pkg.VALUE == 1
print("ok")
"#;
    envy_snapshot!(Command::new("python3").arg("-c").arg(script).arg(&wheel), @"
    success: true
    exit_code: 0
    ----- stdout -----
    ok

    ----- stderr -----
    ");
}

#[test]
fn sdist_builds_with_in_tree_backend() {
    let dir = tempfile::tempdir().unwrap();
    let sdist = SdistBuilder::new("sdist-only", "1.0")
        .requires_dist("app-dep>=1")
        .requires_python(">=3.8")
        .build(dir.path());
    assert_eq!(
        sdist.file_name().unwrap().to_str().unwrap(),
        "sdist_only-1.0.tar.gz"
    );
    let script = r#"
import os, sys, tarfile, zipfile, email.parser, importlib
sdist, out = sys.argv[1], sys.argv[2]
with tarfile.open(sdist) as t:
    t.extractall(out)
src = os.path.join(out, "sdist_only-1.0")
pkg = email.parser.Parser().parsestr(open(os.path.join(src, "PKG-INFO")).read())
assert pkg["Metadata-Version"] == "2.2" and pkg["Name"] == "sdist-only", dict(pkg)
assert pkg.get_all("Requires-Dist") == ["app-dep>=1"]
import tomllib
pp = tomllib.load(open(os.path.join(src, "pyproject.toml"), "rb"))
assert pp["build-system"]["backend-path"] == ["."]
os.chdir(src)
sys.path.insert(0, src)
backend = importlib.import_module(pp["build-system"]["build-backend"])
assert backend.get_requires_for_build_wheel() == []
md_dir = os.path.join(out, "md"); os.makedirs(md_dir)
di = backend.prepare_metadata_for_build_wheel(md_dir)
assert di == "sdist_only-1.0.dist-info", di
whl_dir = os.path.join(out, "whl"); os.makedirs(whl_dir)
name = backend.build_wheel(whl_dir)
assert name == "sdist_only-1.0-py3-none-any.whl", name
z = zipfile.ZipFile(os.path.join(whl_dir, name))
assert "sdist_only/__init__.py" in z.namelist(), z.namelist()
print("ok")
"#;
    envy_snapshot!(
        Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&sdist)
            .arg(dir.path().join("x")),
        @"
    success: true
    exit_code: 0
    ----- stdout -----
    ok

    ----- stderr -----
    "
    );
}

#[test]
fn server_serves_json_html_files_and_metadata() {
    let server = IndexServer::empty();
    let whl = server.add_wheel(
        &WheelBuilder::new("App_Dep", "1.0")
            .requires_python(">=3.8")
            .requires_dist("child>=1"),
    );
    server.add_wheel(&WheelBuilder::new("app-dep", "2.0"));
    server.add_sdist(&SdistBuilder::new("app-dep", "2.0").requires_python(">=3.9"));
    let fname = "app_dep-1.0-py3-none-any.whl";
    assert_eq!(whl.file_name().unwrap().to_str().unwrap(), fname);
    let sha = sha256_file(&whl);
    let size = std::fs::metadata(&whl).unwrap().len();
    server.yank("app_dep-2.0-py3-none-any.whl", "bad build");

    // PEP 691 JSON.
    let (status, headers, body) = http_get(
        &format!("{}/app-dep/", server.index_url()),
        Some("application/vnd.pypi.simple.v1+json, text/html;q=0.1"),
    );
    assert_eq!(status, 200);
    assert!(headers["content-type"].starts_with("application/vnd.pypi.simple.v1+json"));
    let j = json(&body);
    assert_eq!(j["meta"]["api-version"], "1.1");
    assert_eq!(j["name"], "app-dep");
    assert_eq!(j["versions"], serde_json::json!(["1.0", "2.0"]));
    let files = j["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    let f = files.iter().find(|f| f["filename"] == fname).unwrap();
    assert_eq!(f["hashes"]["sha256"], sha);
    assert_eq!(f["size"], size);
    assert_eq!(f["requires-python"], ">=3.8");
    assert_eq!(f["yanked"], false);
    assert_eq!(f["url"], server.file_url(fname));
    let md_sha = f["core-metadata"]["sha256"].as_str().unwrap().to_string();
    let y = files
        .iter()
        .find(|f| f["filename"] == "app_dep-2.0-py3-none-any.whl")
        .unwrap();
    assert_eq!(y["yanked"], "bad build");
    let sd = files
        .iter()
        .find(|f| f["filename"] == "app_dep-2.0.tar.gz")
        .unwrap();
    assert_eq!(sd["requires-python"], ">=3.9");
    assert_eq!(sd["core-metadata"], false);

    // The file and its PEP 658 metadata.
    let (status, _, bytes) = http_get(&server.file_url(fname), None);
    assert_eq!(status, 200);
    assert_eq!(sha256_hex(&bytes), sha);
    let (status, _, md) = http_get(&format!("{}.metadata", server.file_url(fname)), None);
    assert_eq!(status, 200);
    assert_eq!(sha256_hex(&md), md_sha);
    let md = String::from_utf8(md).unwrap();
    assert!(md.contains("Name: App_Dep\n"), "{md}");
    assert!(md.contains("Requires-Dist: child>=1\n"), "{md}");

    // PEP 503 HTML (default without the JSON Accept), non-normalized name.
    let (status, headers, body) = http_get(&format!("{}/App.Dep/", server.index_url()), None);
    assert_eq!(status, 200);
    assert!(headers["content-type"].starts_with("text/html"));
    let html = String::from_utf8(body).unwrap();
    assert!(
        html.contains(&format!(
            "<a href=\"../../files/{fname}#sha256={sha}\" data-requires-python=\"&gt;=3.8\""
        )),
        "{html}"
    );
    assert!(html.contains("data-yanked=\"bad build\""), "{html}");
    assert!(
        html.contains(&format!("data-core-metadata=\"sha256={md_sha}\"")),
        "{html}"
    );

    // HTML-only mode ignores the Accept header.
    server.set_html_only(true);
    let (_, headers, _) = http_get(
        &format!("{}/app-dep/", server.index_url()),
        Some("application/vnd.pypi.simple.v1+json"),
    );
    assert!(headers["content-type"].starts_with("text/html"));
    server.set_html_only(false);

    // Root listing.
    let (status, _, body) = http_get(
        &format!("{}/", server.index_url()),
        Some("application/vnd.pypi.simple.v1+json"),
    );
    assert_eq!(status, 200);
    assert_eq!(json(&body)["projects"][0]["name"], "app-dep");
    let (_, _, body) = http_get(&format!("{}/", server.index_url()), None);
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("<a href=\"/simple/app-dep/\">app-dep</a>"));

    // Unknown project / file.
    let (status, _, _) = http_get(&format!("{}/nope/", server.index_url()), None);
    assert_eq!(status, 404);
    let (status, _, _) = http_get(&server.file_url("nope-1.0-py3-none-any.whl"), None);
    assert_eq!(status, 404);

    // Tampering: bytes change, advertised hash does not.
    server.tamper(fname);
    let (_, _, bytes) = http_get(&server.file_url(fname), None);
    assert_ne!(sha256_hex(&bytes), sha);
    let (_, _, body) = http_get(
        &format!("{}/app-dep/", server.index_url()),
        Some("application/vnd.pypi.simple.v1+json"),
    );
    let j = json(&body);
    let f = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == fname)
        .unwrap()
        .clone();
    assert_eq!(f["hashes"]["sha256"], sha);

    // Request log.
    let reqs = server.requests();
    assert!(reqs.contains(&"/simple/app-dep/".to_string()), "{reqs:?}");
    assert!(!server.file_downloads().is_empty());
    server.reset_requests();
    assert_eq!(server.request_count(), 0);
}

#[test]
fn server_stops_when_dropped() {
    let server = IndexServer::empty();
    let port = server.port();
    drop(server);
    // The accept thread exits shortly after the drop.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "port {port} still open"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn scenario_server_has_the_standard_packages() {
    let server = scenario_server();
    for (name, count) in [
        ("app-dep", 2),
        ("with-extra", 1),
        ("speedup", 1),
        ("win-only", 1),
        ("needs-marker", 1),
        ("pre", 2),
        ("yanked-pkg", 2),
        ("conflict-a", 1),
        ("conflict-b", 1),
        ("py-new", 1),
        ("cli-tool", 1),
        ("parent", 1),
        ("child", 1),
        ("sdist-only", 1),
    ] {
        let (status, _, body) = http_get(
            &format!("{}/{name}/", server.index_url()),
            Some("application/vnd.pypi.simple.v1+json"),
        );
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            json(&body)["files"].as_array().unwrap().len(),
            count,
            "{name}"
        );
    }
    let (_, _, body) = http_get(
        &format!("{}/yanked-pkg/", server.index_url()),
        Some("application/vnd.pypi.simple.v1+json"),
    );
    let j = json(&body);
    assert_eq!(j["files"][1]["yanked"], "broken release");
    let (_, _, body) = http_get(
        &format!("{}/py-new/", server.index_url()),
        Some("application/vnd.pypi.simple.v1+json"),
    );
    assert_eq!(json(&body)["files"][0]["requires-python"], ">=4");
}

#[test]
fn lock_reader() {
    let lock = Lock::parse(
        r#"
version = 1
requires-python = ">=3.8"

[manifest]
dependencies = ["app-dep>=2.0"]

[[package]]
name = "app-dep"
version = "2.0"
source = { registry = "http://x/simple" }
wheels = [{ url = "http://x/files/app_dep-2.0-py3-none-any.whl", sha256 = "abc", size = 12 }]

[[package]]
name = "needs-marker"
version = "1.0"
source = { registry = "http://x/simple" }
dependencies = [{ name = "win-only", marker = "sys_platform == 'win32'" }]
sdist = { url = "http://x/files/needs_marker-1.0.tar.gz", sha256 = "def", size = 3 }

[[package]]
name = "proj"
version = "0.1.0"
source = { editable = "." }
"#,
    );
    assert_eq!(lock.version("App_Dep").as_deref(), Some("2.0"));
    assert_eq!(
        lock.wheels("app-dep")[0].filename(),
        "app_dep-2.0-py3-none-any.whl"
    );
    assert_eq!(lock.wheels("app-dep")[0].size, Some(12));
    assert_eq!(lock.sdist("needs-marker").unwrap().sha256, "def");
    let deps = lock.dependencies("needs-marker");
    assert_eq!(deps[0].name, "win-only");
    assert!(deps[0].marker.as_deref().unwrap().contains("win32"));
    assert_eq!(lock.names().len(), 3);
    assert_eq!(lock.registry_names().len(), 2);
}

#[test]
fn context_command_environment() {
    let mut ctx = TestContext::with_scenario();
    let cmd = ctx.envy();
    let envs: Vec<(String, Option<String>)> = cmd
        .get_envs()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.map(|v| v.to_string_lossy().into_owned()),
            )
        })
        .collect();
    let get = |k: &str| envs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("ENVY_INDEX_URL"), Some(Some(ctx.server().index_url())));
    assert_eq!(get("NO_COLOR"), Some(Some("1".into())));
    assert_eq!(
        get("ENVY_CACHE_DIR"),
        Some(Some(ctx.cache_dir().to_string_lossy().into_owned()))
    );
    assert_eq!(cmd.get_current_dir(), Some(ctx.project.as_path()));
    ctx.reset_cache();
    assert!(ctx.cache_dir().ends_with("cache-1"));
    ctx.init_project(&["app-dep"]);
    assert_eq!(ctx.project_dependencies(), vec!["app-dep".to_string()]);
    assert!(ctx.exists("src/proj/__init__.py"));
}

/// The scenario wheels install with pip from a requirements file in the
/// format `envy export` is expected to write (also a worked example of it).
#[test]
fn pip_installs_scenario_wheels_from_hashed_requirements() {
    let server = scenario_server();
    let dir = tempfile::tempdir().unwrap();
    let mut req = String::from("# This file was autogenerated by envy.\n");
    for (name, version, marker) in [
        ("app-dep", "2.0", ""),
        ("needs-marker", "1.0", ""),
        ("win-only", "1.0", " ; sys_platform == 'win32'"),
        ("cli-tool", "1.0", ""),
    ] {
        let sha = server.sha256(&scenario_wheel(name, version));
        req.push_str(&format!(
            "{name}=={version}{marker} \\\n    --hash=sha256:{sha}\n"
        ));
    }
    std::fs::write(dir.path().join("requirements.txt"), &req).unwrap();
    let venv = dir.path().join("venv");
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).success();
    run(Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--disable-pip-version-check",
            "--no-index",
            "--require-hashes",
            "--no-deps",
            "-r",
        ])
        .arg(dir.path().join("requirements.txt"))
        .arg("--find-links")
        .arg(server.files_dir())
        .env_remove("PIP_FIND_LINKS"))
    .success();
    run(Command::new(venv.join("bin/pip"))
        .args(["check", "--disable-pip-version-check"])
        .env_remove("PIP_FIND_LINKS"))
    .success();
    envy_snapshot!(Command::new(venv.join("bin/cli-tool")), @"
    success: true
    exit_code: 0
    ----- stdout -----
    hello from cli-tool

    ----- stderr -----
    ");
    envy_snapshot!(
        Command::new(venv.join("bin/python")).arg("-c").arg(
            "import importlib.metadata as m, app_dep\n\
             assert app_dep.VALUE == 2\n\
             names = [d.metadata['Name'] for d in m.distributions()]\n\
             assert 'win-only' not in names, names\n\
             print('ok')",
        ),
        @"
    success: true
    exit_code: 0
    ----- stdout -----
    ok

    ----- stderr -----
    "
    );
}
