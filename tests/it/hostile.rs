//! Hostile input: broken `envy.lock` and `pyproject.toml`, index pages and
//! metadata with invalid versions and markers, huge response headers,
//! wheels with `../` entries, and property-based fuzzing (proptest) of every
//! parser that reads untrusted text. `fuzz/run.sh` runs the `fuzz_` tests
//! with more cases.

use crate::common::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

/// Files a failed command must leave alone.
struct Untouched {
    pyproject: Vec<u8>,
    lock: Option<Vec<u8>>,
    venv: DirSnapshot,
}

impl Untouched {
    fn take(ctx: &TestContext) -> Self {
        Self {
            pyproject: ctx.read_bytes("pyproject.toml"),
            lock: ctx.read_opt("envy.lock"),
            venv: ctx.snapshot(".venv"),
        }
    }

    #[track_caller]
    fn check(&self, ctx: &TestContext) {
        assert_eq!(
            ctx.read_bytes("pyproject.toml"),
            self.pyproject,
            "pyproject.toml rewritten"
        );
        assert_eq!(ctx.read_opt("envy.lock"), self.lock, "envy.lock rewritten");
        ctx.snapshot(".venv").assert_same(&self.venv, ".venv");
    }
}

fn synced() -> TestContext {
    let ctx = TestContext::with_scenario();
    ctx.init_project(&["app-dep"]);
    ctx.envy_ok(&["sync"]);
    ctx
}

#[test]
fn broken_lock_syntax_reports_line_and_column_and_rewrites_nothing() {
    let ctx = synced();
    let mut text = ctx.read("envy.lock");
    // Break line 3 (an unterminated string).
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = "requires-python = \">=3.8".to_string();
    text = lines.join("\n");
    ctx.write("envy.lock", &text);
    let before = Untouched::take(&ctx);
    let mut outputs = String::new();
    for cmd in [&["sync"][..], &["lock"], &["export"], &["tree"]] {
        let (text, _) = run_and_format(ctx.envy().args(cmd));
        outputs += &format!("$ envy {}\n{text}\n", cmd.join(" "));
        before.check(&ctx);
    }
    filter_settings(ctx.filters()).bind(|| {
        insta::assert_snapshot!(outputs, @r#"
    $ envy sync
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock:3:25: invalid basic string, expected `"`

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

    $ envy lock
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock:3:25: invalid basic string, expected `"`

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

    $ envy export
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock:3:25: invalid basic string, expected `"`

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

    $ envy tree
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock:3:25: invalid basic string, expected `"`

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one
    "#)
    });
}

/// A typed value of the lock that does not parse (a marker, a version, a
/// sha256) is an error at its line and column, for every command that reads
/// the lock, and nothing is rewritten; a bad marker is never read as "always".
#[test]
fn lock_with_a_bad_marker_version_or_hash_reports_line_and_column() {
    let mut ctx = TestContext::with_scenario();
    ctx.init_project(&["needs-marker"]);
    ctx.envy_ok(&["lock"]);
    let good = ctx.read("envy.lock");
    assert!(
        good.contains("marker = \"sys_platform == 'win32'\""),
        "{good}"
    );
    // The first file's sha256, whole (the bad one replaces it).
    let digest = {
        let start = good.find("sha256 = \"").expect("a hash") + "sha256 = \"".len();
        let len = good[start..].find('"').expect("closing quote");
        format!("sha256 = \"{}\"", &good[start..start + len])
    };
    let mut outputs = String::new();
    for (what, from, to) in [
        (
            "marker",
            "sys_platform == 'win32'",
            "sys_platform == 'win32' and",
        ),
        (
            "version",
            "version = \"1.0\"",
            "version = \"1.0-final-final\"",
        ),
        ("hash", digest.as_str(), "sha256 = \"0123not-hex\""),
    ] {
        assert!(good.contains(from), "{from}");
        let text = good.replacen(from, to, 1);
        if what == "hash" {
            // The column of a file's hash depends on the port in its URL:
            // it must be that of the value's opening quote.
            let at = text.find("\"0123not-hex\"").expect("replaced");
            let line = text[..at].matches('\n').count() + 1;
            let column = at - text[..at].rfind('\n').map_or(0, |p| p + 1) + 1;
            ctx.add_filter(
                &format!("envy.lock:{line}:{column}:"),
                &format!("envy.lock:{line}:[COLUMN]:"),
            );
        }
        ctx.write("envy.lock", &text);
        let before = Untouched::take(&ctx);
        for cmd in [&["sync", "--frozen"][..], &["export", "--frozen"]] {
            let (out, _) = run_and_format(ctx.envy().args(cmd));
            outputs += &format!("$ envy {} (bad {what})\n{out}\n", cmd.join(" "));
            before.check(&ctx);
        }
    }
    filter_settings(ctx.filters()).bind(|| {
        insta::assert_snapshot!(outputs, @"
        $ envy sync --frozen (bad marker)
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock:30:35: invalid marker `sys_platform == 'win32' and`: Expected marker value, found end of dependency specification

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

        $ envy export --frozen (bad marker)
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock:30:35: invalid marker `sys_platform == 'win32' and`: Expected marker value, found end of dependency specification

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

        $ envy sync --frozen (bad version)
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock:26:11: invalid version `1.0-final-final`: after parsing `1.0`, found `-final-final`, which is not part of a valid version

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

        $ envy export --frozen (bad version)
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock:26:11: invalid version `1.0-final-final`: after parsing `1.0`, found `-final-final`, which is not part of a valid version

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

        $ envy sync --frozen (bad hash)
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock:33:[COLUMN]: invalid sha256 `0123not-hex`: `n` is not a hex digit

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one

        $ envy export --frozen (bad hash)
        success: false
        exit_code: 1
        ----- stdout -----

        ----- stderr -----
        error: [TEMP]/envy.lock:33:[COLUMN]: invalid sha256 `0123not-hex`: `n` is not a hex digit

        hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one
        ");
    });
}

#[test]
fn lock_with_wrong_types_reports_line_and_column() {
    let mut ctx = synced();
    let text = ctx
        .read("envy.lock")
        .replacen("version = 1", "version = \"one\"", 1);
    ctx.write("envy.lock", &text);
    let line = text
        .lines()
        .position(|l| l.contains("\"one\""))
        .expect("replaced")
        + 1;
    let before = Untouched::take(&ctx);
    ctx.add_filter(&format!("envy.lock:{line}:"), "envy.lock:[LINE]:");
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @r#"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/envy.lock:[LINE]:11: invalid type: string "one", expected u32

    hint: `envy.lock` is generated: delete it and run `envy lock` to write a fresh one
    "#);
    before.check(&ctx);
}

#[test]
fn pyproject_duplicate_keys_and_wrong_types_report_position() {
    let ctx = synced();
    let cases = [
        (
            TestContext::pyproject(&["app-dep"]).replacen(
                "version = \"0.1.0\"",
                "version = \"0.1.0\"\nversion = \"0.2.0\"",
                1,
            ),
            ":4:",
        ),
        (
            TestContext::pyproject(&["app-dep"]).replacen(
                "requires-python = \">=3.8\"",
                "requires-python = 38",
                1,
            ),
            ":6:",
        ),
        (
            format!(
                "{}\n[[tool.envy.index]]\nname = \"x\"\nurl = 5\n",
                TestContext::pyproject(&["app-dep"])
            ),
            "pyproject.toml:",
        ),
    ];
    let mut outputs = String::new();
    for (text, position) in cases {
        ctx.write_pyproject(&text);
        let before = Untouched::take(&ctx);
        outputs += &format!("### the error is at `{position}`\n");
        for cmd in [
            &["lock"][..],
            &["sync"],
            &["add", "child"],
            &["remove", "app-dep"],
        ] {
            let (text, _) = run_and_format(ctx.envy().args(cmd));
            outputs += &format!("$ envy {}\n{text}\n", cmd.join(" "));
            before.check(&ctx);
        }
    }
    filter_settings(ctx.filters()).bind(|| {
        insta::assert_snapshot!(outputs, @"
    ### the error is at `:4:`
    $ envy lock
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:4:1: duplicate key

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy sync
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:4:1: duplicate key

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy add child
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:4:1: duplicate key

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy remove app-dep
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:4:1: duplicate key

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    ### the error is at `:6:`
    $ envy lock
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:6:19: invalid type: integer `38`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy sync
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:6:19: invalid type: integer `38`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy add child
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:6:19: invalid type: integer `38`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy remove app-dep
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:6:19: invalid type: integer `38`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    ### the error is at `pyproject.toml:`
    $ envy lock
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:20:7: invalid type: integer `5`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy sync
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:20:7: invalid type: integer `5`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy add child
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:20:7: invalid type: integer `5`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing

    $ envy remove app-dep
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: [TEMP]/pyproject.toml:20:7: invalid type: integer `5`, expected a string

    hint: fix `pyproject.toml` at the place shown; envy changed nothing
    ")
    });
}

#[test]
fn invalid_versions_and_markers_from_the_index_are_skipped() {
    let ctx = TestContext::with_scenario();
    let server = ctx.server();
    server.add_wheel(
        &WheelBuilder::new("odd-meta", "1.0")
            .requires_python(">=3.8")
            .requires_dist("child (>=>=1)")
            .requires_dist("parent ; python_version >>> '3'")
            .requires_dist("app-dep>=1"),
    );
    // A file whose version is not PEP 440 at all.
    std::fs::write(
        server
            .files_dir()
            .join("odd_meta-not.a.version-py3-none-any.whl"),
        b"junk",
    )
    .unwrap();
    ctx.init_project(&["odd-meta"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @r#"
    success: true
    exit_code: 0
    ----- stdout -----

    ----- stderr -----
     WARN skipping invalid Requires-Dist `child (>=>=1)`: no such comparison operator ">=>=", must be one of ~= == != <= >= < > ===
    child (>=>=1)
           ^^^^^
     WARN skipping invalid Requires-Dist `parent ; python_version >>> '3'`: Expected a valid marker operator (such as `>=` or `not in`), found `>>>`
    parent ; python_version >>> '3'
                            ^^^
    Resolved 2 packages in [TIME]
     + app-dep 2.0
     + odd-meta 1.0
    "#);
    let lock = ctx.lock();
    assert!(lock.has("app-dep"));
    assert!(!lock.has("child") && !lock.has("parent"));
    ctx.envy_ok(&["sync"]);
}

/// A server answering every request with a response whose one header line
/// is `size` bytes long.
fn huge_header_server(size: usize) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            std::thread::spawn(move || {
                let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let mut resp = b"HTTP/1.1 200 OK\r\nX-Huge: ".to_vec();
                resp.extend(std::iter::repeat_n(b'a', size));
                resp.extend_from_slice(b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = conn.write_all(&resp);
            });
        }
    });
    port
}

#[test]
fn huge_header_lines_are_an_error_not_a_hang_or_panic() {
    let port = huge_header_server(4 * 1024 * 1024);
    let mut ctx = TestContext::new();
    ctx.set_index_url(Some(format!("http://127.0.0.1:{port}/simple")));
    ctx.env("ENVY_HTTP_RETRIES", "0");
    ctx.env("ENVY_HTTP_TIMEOUT", "5");
    ctx.init_project(&["anything"]);
    // Not a hang: `run` only returns once envy has exited, and the snapshot
    // shows the error naming the URL.
    envy_snapshot!(ctx.filters(), ctx.envy().args(["lock"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    error: could not fetch `[INDEX]/anything/`: request failed: client error (SendRequest): message head is too large

    hint: check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache
    ");
    assert!(!ctx.exists("envy.lock"));
}

#[test]
fn wheel_with_parent_dir_entries_is_refused() {
    let ctx = TestContext::with_scenario();
    let server = ctx.server();
    server.add_wheel(
        &WheelBuilder::new("escape", "1.0")
            .requires_python(">=3.8")
            .module("escape/__init__.py", "X = 1\n")
            .module("../../../../escaped.py", "print('owned')\n"),
    );
    ctx.init_project(&["escape"]);
    ctx.envy_ok(&["lock"]);
    envy_snapshot!(ctx.filters(), ctx.envy().args(["sync"]), @"
    success: false
    exit_code: 1
    ----- stdout -----

    ----- stderr -----
    Lock is up to date
    error: refusing to install `[CACHE]/files-v1/69fef12413a606715b954e112c6b3038e1879bcb6ba67cf26ffc9a4368017d70/escape-1.0-py3-none-any.whl`: entry `../../../../escaped.py` has a `..` component

    hint: the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator
    ");
    assert!(
        !found_outside(&ctx.root, "escaped.py", &ctx.path(".venv")),
        "a file escaped the venv"
    );
    assert!(ctx.installed_version("escape").is_none());
}

/// Whether a file named `name` exists under `root` but outside `inside`.
fn found_outside(root: &Path, name: &str, inside: &Path) -> bool {
    walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .any(|e| e.file_name() == name && !e.path().starts_with(inside))
        || root.parent().is_some_and(|p| p.join(name).exists())
}

// ---------------------------------------------------------------------------
// Fuzzing: no panics on arbitrary input. 256 cases each by default
// (`PROPTEST_CASES` raises it; see `fuzz/run.sh`).
// ---------------------------------------------------------------------------

mod fuzz {
    use envy::index::simple::{parse_html, parse_json};
    use envy::lock::Lock;
    use envy::project::Project;
    use envy::types::metadata::CoreMetadata;
    use envy::types::PackageName;
    use proptest::prelude::*;
    use std::path::Path;
    use std::str::FromStr;

    const PYPROJECT: &str = r#"[project]
name = "demo"
version = "1.0"
requires-python = ">=3.8"
dependencies = ["flask>=3; python_version >= '3.9'", "requests[socks]~=2.31"]
[project.optional-dependencies]
x = ["pytest"]
[dependency-groups]
dev = ["ruff", { include-group = "test" }]
test = ["pytest"]
[tool.envy]
index-url = "https://example.org/simple"
[[tool.envy.index]]
name = "corp"
url = "https://u:p@corp.example/simple"
explicit = true
[tool.envy.sources]
flask = { index = "corp" }
"#;

    const LOCK: &str = r#"version = 1
requires-python = ">=3.8"

[manifest]
dependencies = ["app-dep"]

[[package]]
name = "proj"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "app-dep" }]

[[package]]
name = "app-dep"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/app_dep-2.0-py3-none-any.whl", hash = "sha256:00", size = 1 }]
"#;

    const JSON: &str = r#"{"meta":{"api-version":"1.1"},"name":"demo","files":[
{"filename":"demo-1.0-py3-none-any.whl","url":"../../f/demo-1.0-py3-none-any.whl#sha256=ab","hashes":{"sha256":"AB"},"requires-python":">=3.8","yanked":"bad","core-metadata":{"sha256":"cd"},"size":10},
{"filename":"demo-1.0.tar.gz","url":"https://x/demo-1.0.tar.gz","hashes":{},"yanked":false,"data-dist-info-metadata":true}]}"#;

    const HTML: &str = r#"<!DOCTYPE html><html><head><base href="https://h/x/"></head><body>
<a href="../f/demo-1.0-py3-none-any.whl#sha256=ab" data-requires-python="&gt;=3.8" data-yanked="" data-core-metadata="sha256=cd">demo-1.0-py3-none-any.whl</a>
<a href='demo-1.0.tar.gz'>demo-1.0.tar.gz</a></body></html>"#;

    const METADATA: &str = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Python: >=3.8\nRequires-Dist: flask>=3; extra == 'web'\nProvides-Extra: web\nDescription-Content-Type: text/markdown\n\nBody\n";

    /// `base` with a random splice: a span replaced by arbitrary text.
    fn mutated(base: &'static str) -> impl Strategy<Value = String> {
        (0..=base.len(), 0usize..64, ".{0,48}").prop_map(move |(at, del, ins)| {
            let mut at = at;
            while !base.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + del).min(base.len());
            while !base.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}{}{}", &base[..at], ins, &base[end..])
        })
    }

    /// Arbitrary text, or a mutation of a valid example; one case in eight is
    /// large (up to 64 KiB) and one in eight nests parentheses thousands
    /// deep somewhere in the example (markers are parsed recursively).
    fn text(base: &'static str) -> impl Strategy<Value = String> {
        prop_oneof![
            2 => ".{0,512}",
            2 => mutated(base),
            2 => mutated(base).prop_flat_map(mutated_again),
            1 => large(base),
            1 => nested(base),
        ]
    }

    /// Up to 64 KiB: a mutated example repeated, with arbitrary text after.
    fn large(base: &'static str) -> impl Strategy<Value = String> {
        (
            mutated(base),
            1usize..=(65_536 / base.len().max(1)),
            ".{0,64}",
        )
            .prop_map(|(m, n, tail)| {
                let mut s = m.repeat(n);
                let mut cut = s.len().min(65_536);
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
                s.push_str(&tail);
                s
            })
    }

    /// The example with `(`×depth + a marker + `)`×depth spliced in.
    fn nested(base: &'static str) -> impl Strategy<Value = String> {
        (0..=base.len(), 1usize..6_000).prop_map(move |(at, depth)| {
            let mut at = at;
            while !base.is_char_boundary(at) {
                at -= 1;
            }
            format!(
                "{}{}python_version >= '3'{}{}",
                &base[..at],
                "(".repeat(depth),
                ")".repeat(depth),
                &base[at..]
            )
        })
    }

    fn mutated_again(s: String) -> impl Strategy<Value = String> {
        (0..=s.len(), ".{0,16}").prop_map(move |(at, ins)| {
            let mut at = at;
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            format!("{}{}{}", &s[..at], ins, &s[at..])
        })
    }

    fn bytes(base: &'static str) -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..1024),
            text(base).prop_map(String::into_bytes),
        ]
    }

    fn page_url() -> url::Url {
        url::Url::parse("https://index.example/simple/demo/").unwrap()
    }

    proptest! {
        #[test]
        fn fuzz_project_parse(s in text(PYPROJECT)) {
            let _ = Project::parse(&s, Path::new("pyproject.toml"));
        }

        #[test]
        fn fuzz_lock_parse(s in text(LOCK)) {
            let _ = Lock::parse(&s, "envy.lock");
        }

        #[test]
        fn fuzz_parse_json(b in bytes(JSON)) {
            let name = PackageName::from_str("demo").unwrap();
            let _ = parse_json(&b, &page_url(), &name, "https://index.example/simple");
        }

        #[test]
        fn fuzz_parse_html(b in bytes(HTML)) {
            let name = PackageName::from_str("demo").unwrap();
            let _ = parse_html(&b, &page_url(), &name, "https://index.example/simple");
        }

        #[test]
        fn fuzz_core_metadata(b in bytes(METADATA)) {
            let _ = CoreMetadata::parse(&b);
        }

        #[test]
        fn fuzz_pep508_requirement(s in text("flask[async,dotenv]>=3.0,<4; python_version >= '3.9' and extra == 'web'")) {
            let _ = envy::types::parse_requirement(&s);
        }

        #[test]
        fn fuzz_version_specifiers(s in text(">=3.8, !=3.9.*, <4; ~=3.10.0a1.post2.dev3+local")) {
            let _ = envy::types::VersionSpecifiers::from_str(&s);
            let _ = envy::types::Version::from_str(&s);
        }

        #[test]
        fn fuzz_netrc(s in text("machine h login u password p\ndefault login a password b\nmacdef x\nbody\n\n")) {
            let e = envy::index::auth::parse_netrc(&s);
            let _ = envy::index::auth::lookup_netrc(&e, "h");
        }
    }
}
