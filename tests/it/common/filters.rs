//! Snapshots of a command's exit code, stdout and stderr ([`envy_snapshot!`])
//! and the one list of filters that make them stable across machines and runs.
//!
//! A snapshot reads:
//!
//! ```text
//! success: false
//! exit_code: 1
//! ----- stdout -----
//!
//! ----- stderr -----
//! error: ...
//! ```
//!
//! Filters are `(regex, replacement)` pairs applied in order (insta's
//! `filters` feature). [`default_filters`] holds what varies on any machine
//! (durations, ports, temp dirs, envy's version, Python versions);
//! [`TestContext::filters`](super::TestContext::filters) puts the context's
//! own project dir, cache dir and index URL in front of them.
//!
//! A new or changed snapshot is written into the test source by
//! `cargo insta test --accept` (or `INSTA_UPDATE=always cargo test` then
//! `cargo insta accept`); review the diff like code. With `CI=true`, insta
//! only compares, so CI needs no cargo-insta.

use std::borrow::BorrowMut;
use std::process::Command;

use super::{run, RunOutput};

/// `(regex, replacement)` pairs, applied in order.
pub type Filters = Vec<(String, String)>;

/// `s` as a regex that matches it literally.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A filter that replaces the literal text `from` (e.g. a path) with `to`.
pub fn literal(from: &str, to: &str) -> (String, String) {
    (escape(from), to.to_string())
}

/// The filters every snapshot gets, whatever made the command:
///
/// - durations (`in 0.12s`, `12ms`) -> `[TIME]`;
/// - `127.0.0.1:PORT` -> `127.0.0.1:[PORT]`;
/// - temp dirs under the system temp dir made by the tests or by envy
///   (`tempfile`'s `.tmpXXXXXX`, `envy-test-*`, `envy-index-*`,
///   `envy-hook-*`) -> `[TEMP]`;
/// - envy's own version (`envy 0.1.0`) -> `envy [VERSION]`;
/// - what depends on the machine's Pythons: an interpreter's absolute path
///   -> `[PYTHON]`, `Python 3.12.3` -> `Python 3.[X]` (not `CPython 3.11.0`,
///   which names a target), `python3.12` -> `python3.[X]`, and a list of
///   the interpreters looked at (one line each) -> one line;
/// - the home directory -> `[HOME]`.
pub fn default_filters() -> Filters {
    let mut filters = vec![
        (r"\b\d+(\.\d+)?(ms|s)\b".to_string(), "[TIME]".to_string()),
        (
            r"127\.0\.0\.1:\d+".to_string(),
            "127.0.0.1:[PORT]".to_string(),
        ),
    ];
    let tmp = std::env::temp_dir();
    let mut tmps = vec![tmp.clone()];
    if let Ok(canonical) = tmp.canonicalize() {
        // Where the system temp dir is a symlink, paths may show either spelling.
        if canonical != tmp {
            tmps.insert(0, canonical);
        }
    }
    for dir in tmps {
        filters.push((
            format!(
                r"{}/(\.tmp|envy-[a-z]+-)[A-Za-z0-9_]+",
                escape(&dir.to_string_lossy())
            ),
            "[TEMP]".to_string(),
        ));
    }
    filters.extend([
        (
            format!(r"\benvy {}\b", escape(env!("CARGO_PKG_VERSION"))),
            "envy [VERSION]".to_string(),
        ),
        (
            r#"(^|[\s(`'"])/[^\s:()\[\]`'"]*/python3(\.\d+)?\b"#.to_string(),
            "${1}[PYTHON]".to_string(),
        ),
        (
            r"\bPython 3\.\d+(\.\d+)?".to_string(),
            "Python 3.[X]".to_string(),
        ),
        (r"\bpython3\.\d+\b".to_string(), "python3.[X]".to_string()),
        (
            r"(?m)(^  - \[PYTHON\]: Python 3\.\[X\]\n)+".to_string(),
            "  - [PYTHON]: Python 3.[X] (one line per interpreter found)\n".to_string(),
        ),
    ]);
    if let Some(home) = std::env::var_os("HOME") {
        let home = home.to_string_lossy();
        if home.len() > 1 {
            filters.push((
                format!(r"{}\b", escape(home.trim_end_matches('/'))),
                "[HOME]".to_string(),
            ));
        }
    }
    filters
}

/// insta settings that apply `filters` (in order) to the snapshots asserted
/// inside `bind`; for a snapshot of text made by the test itself:
///
/// ```ignore
/// filter_settings(ctx.filters()).bind(|| insta::assert_snapshot!(text, @"..."));
/// ```
pub fn filter_settings(filters: Filters) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (regex, replacement) in filters {
        settings.add_filter(&regex, replacement);
    }
    settings
}

/// Runs `cmd` (a `Command` or `&mut Command`) to completion and renders the
/// snapshot text of its exit code, stdout and stderr. The text is not
/// filtered yet ([`envy_snapshot!`] filters it); the [`RunOutput`] is
/// returned raw for further checks.
pub fn run_and_format(mut cmd: impl BorrowMut<Command>) -> (String, RunOutput) {
    let out = run(cmd.borrow_mut());
    let code = match out.code {
        Some(code) => code.to_string(),
        None => "killed by a signal".to_string(),
    };
    let text = format!(
        "success: {}\nexit_code: {code}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        out.is_success(),
        out.stdout,
        out.stderr
    );
    (text, out)
}

/// Runs a command and asserts an insta inline snapshot of its exit code,
/// stdout and stderr, after the filters. Evaluates to the raw
/// [`RunOutput`](super::RunOutput).
///
/// ```ignore
/// envy_snapshot!(ctx.filters(), ctx.envy().args(["add", "nope"]), @r"...");
/// envy_snapshot!(Command::new("python3").arg("-V"), @r"...");   // default filters only
/// ```
macro_rules! envy_snapshot {
    ($cmd:expr, @$snapshot:literal) => {{
        $crate::common::envy_snapshot!($crate::common::default_filters(), $cmd, @$snapshot)
    }};
    ($filters:expr, $cmd:expr, @$snapshot:literal) => {{
        let (snapshot, output) = $crate::common::run_and_format($cmd);
        $crate::common::filter_settings($filters).bind(|| {
            ::insta::assert_snapshot!(snapshot, @$snapshot);
        });
        output
    }};
}
pub(crate) use envy_snapshot;
