//! Shared harness for envy's integration tests, one file per concern:
//!
//! - `context.rs`: [`TestContext`], a temp dir with a project dir, a private
//!   cache and an `envy()` command builder (optionally wired to an
//!   [`IndexServer`]), and [`DirSnapshot`].
//! - `filters.rs`: [`envy_snapshot!`], an insta inline snapshot of a
//!   command's exit code, stdout and stderr, and [`default_filters`].
//! - `output.rs`: [`run`] and [`RunOutput`], a finished command's exit code
//!   and output.
//! - `builders.rs`: [`WheelBuilder`] / [`SdistBuilder`] build real
//!   distributions in Rust.
//! - `index.rs`: [`IndexServer`], a PEP 503/691/658 simple index on
//!   127.0.0.1 serving a directory of built files, with yanking, HTML-only
//!   mode, tampering and request counting; [`scenario_server`], the standard
//!   package set most tests use.
//! - `http.rs`: the small HTTP/1.1 server under the index.
//! - `lock.rs`: [`Lock`], a reader for `envy.lock`.
//!
//! Tests import it all with `use crate::common::*;` and use a subset of it.
#![allow(dead_code)]

pub mod builders;
pub mod context;
pub mod filters;
pub mod http;
pub mod index;
pub mod lock;
pub mod output;

pub use builders::*;
pub use context::*;
pub use filters::*;
pub use index::*;
pub use lock::*;
pub use output::*;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------
// small utilities
// ---------------------------------------------------------------------------

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Lowercase hex sha256 of a file.
pub fn sha256_file(path: &Path) -> String {
    sha256_hex(&fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

/// URL-safe base64 without padding (the RECORD hash encoding).
pub fn urlsafe_b64_nopad(bytes: &[u8]) -> String {
    const ALPHA: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHA[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// PEP 503 name normalization: lowercase, runs of `-_.` become `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_sep = false;
    for c in name.chars() {
        if c == '-' || c == '_' || c == '.' {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            last_sep = false;
        }
    }
    out
}

/// The name as it appears in wheel/sdist file names and dist-info dirs.
pub fn escaped_name(name: &str) -> String {
    normalize_name(name).replace('-', "_")
}

/// The Python import name used by default for a distribution.
pub fn import_name(name: &str) -> String {
    escaped_name(name)
}

/// `s` as a TOML basic string, quotes included.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// Waits until `event` holds, polling every 20 ms. The 60 s limit is only a
/// safety net against a hung test, never the thing a test asserts: past it
/// the test fails naming `what` it waited for.
#[track_caller]
pub fn wait_until(what: &str, mut event: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !event() {
        assert!(
            std::time::Instant::now() < deadline,
            "gave up after 60 s waiting for: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A `python3` from PATH, the interpreter the tests assume by default.
pub fn system_python() -> PathBuf {
    PathBuf::from("python3")
}

/// A pyenv interpreter of version `X.Y` if it is installed here.
pub fn pyenv_python(minor: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let versions = Path::new(&home).join(".pyenv/versions");
    let mut found = None;
    for entry in fs::read_dir(&versions).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name == minor || name.starts_with(&format!("{minor}.")) {
            let py = entry.path().join("bin/python3");
            if py.exists() {
                found = Some(py);
            }
        }
    }
    found
}
