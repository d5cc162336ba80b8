//! Core metadata without PEP 658 files: `lock` reads a wheel's central
//! directory and METADATA with `Range:` requests, and falls back to whole
//! wheels only when the server ignores ranges (issue #15).

use crate::common::*;

/// `big 1.0`: a wheel padded with an incompressible module of `padding`
/// bytes, requiring `small`; `small 1.0`: a plain wheel.
fn padded_index(padding: usize) -> (TestContext, u64) {
    let mut ctx = TestContext::new();
    let server = IndexServer::empty();
    let mut state = 0x2545_f491_u64;
    let noise: String = (0..padding / 16)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            format!("{state:016x}")
        })
        .collect();
    let big = server.add_wheel(
        &WheelBuilder::new("big", "1.0")
            .module("big/__init__.py", "")
            .module("big/blob.py", &format!("BLOB = {noise:?}\n"))
            .requires_dist("small>=1")
            .requires_python(">=3.8"),
    );
    server.add_wheel(&WheelBuilder::new("small", "1.0").requires_python(">=3.8"));
    server.set_no_metadata(true);
    let size = std::fs::metadata(big).unwrap().len();
    ctx.attach(server);
    ctx.init_project(&["big"]);
    (ctx, size)
}

#[test]
fn lock_reads_only_the_ranges_it_needs_without_metadata_files() {
    let (ctx, big_size) = padded_index(4_000_000);
    assert!(big_size > 1_000_000, "the padded wheel is {big_size} bytes");
    ctx.envy_ok(&["lock"]);
    let lock = ctx.lock();
    assert_eq!(lock.version("big").as_deref(), Some("1.0"));
    assert_eq!(lock.version("small").as_deref(), Some("1.0"));
    let deps = lock.dependencies("big");
    assert!(deps.iter().any(|d| d.name == "small"));
    let served = ctx.server().file_bytes_served();
    // The tail (64 KiB at most) and METADATA of each wheel, nothing more.
    assert!(
        served < big_size / 20,
        "{served} bytes served for a {big_size}-byte wheel"
    );
    // Every request for a file carried a range: no whole download.
    let requests = ctx.server().requests();
    assert!(
        requests
            .iter()
            .any(|p| p == "/files/big-1.0-py3-none-any.whl"),
        "{requests:?}"
    );
}

#[test]
fn lock_downloads_whole_wheels_from_a_server_that_ignores_ranges() {
    let (ctx, big_size) = padded_index(200_000);
    ctx.server().set_ignore_range(true);
    let out = ctx.envy_ok(&["lock", "-v"]);
    assert!(
        out.stderr
            .contains("answers `Range:` requests with whole files"),
        "{}",
        out.stderr
    );
    let lock = ctx.lock();
    assert_eq!(lock.version("big").as_deref(), Some("1.0"));
    assert_eq!(lock.version("small").as_deref(), Some("1.0"));
    // The first range request got the whole wheel and was dropped; the
    // download that follows is the wheel again.
    assert!(ctx.server().file_bytes_served() >= big_size);
    let deps = lock.dependencies("big");
    assert!(deps.iter().any(|d| d.name == "small"));
}

#[test]
fn metadata_read_by_ranges_must_name_the_wheels_distribution() {
    let mut ctx = TestContext::new();
    let server = IndexServer::empty();
    // A wheel named `good` whose METADATA says `Name: evil`.
    let built = server.add_wheel(
        &WheelBuilder::new("evil", "1.0")
            .requires_dist("evil-extra")
            .requires_python(">=3.8"),
    );
    std::fs::rename(&built, server.files_dir().join("good-1.0-py3-none-any.whl")).unwrap();
    server.set_no_metadata(true);
    ctx.attach(server);
    ctx.init_project(&["good"]);
    let out = ctx.run_envy(&["lock"]);
    out.failure();
    assert!(
        out.stderr
            .contains("its METADATA says `Name: evil`, but the filename names `good`"),
        "{}",
        out.stderr
    );
    assert!(!ctx
        .server()
        .requests()
        .iter()
        .any(|p| p.starts_with("/simple/evil-extra")));
}
