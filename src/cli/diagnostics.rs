//! The one place that turns an outcome into what the user sees last: an error's
//! message and hint, the process exit status, and the report of a crash (a
//! panic is a bug in envy).
//!
//! Exit codes (the README's table says the same):
//!
//! | code | [`ExitStatus`] | when |
//! |---|---|---|
//! | 0 | `Success` | the command did what was asked |
//! | 1 | `Failure` | the user's input or the world: an invalid `pyproject.toml`, an unknown package, unsatisfiable requirements, a stale lock with `--locked`, the network |
//! | 2 | `Error` | a usage error (clap rejected the command line) or a bug in envy (a panic) |
//!
//! `envy run` passes the exit code of the command it ran through unchanged
//! ([`ExitStatus::External`]).

use crate::ops;
use std::io::Write;

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Exit 0: the command did what was asked.
    Success,
    /// Exit 1: a user error (invalid input files or arguments, unsatisfiable
    /// requirements, a stale lock with `--locked`) or a failure of the world
    /// (network, index).
    Failure,
    /// Exit 2: a usage error (the command line does not parse) or a bug in
    /// envy (a panic).
    Error,
    /// The exit code of the command `envy run` ran (128 + N when a signal N
    /// killed it), passed through.
    External(i32),
}

impl ExitStatus {
    /// The process exit code: 0, 1, 2, or the passed-through code.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
            ExitStatus::External(code) => code,
        }
    }
}

/// The exit status for an error `ops` returned: always
/// [`ExitStatus::Failure`], since `ops` errors are about the user's input or
/// the world; bugs surface as panics.
pub fn exit_status(_: &ops::Error) -> ExitStatus {
    ExitStatus::Failure
}

/// Render an error in the house style: `error: ...`, a blank line, `hint: ...`.
pub fn render_error(e: &ops::Error) -> String {
    let mut out = format!("error: {}\n", e.message.trim_end());
    if let Some(h) = &e.hint {
        out.push_str(&format!("\nhint: {h}\n"));
    }
    out
}

/// [`render_error`] with `error:` and `hint:` coloured (for `anstream`).
pub(crate) fn render_error_styled(e: &ops::Error) -> String {
    use super::style::{paint, ERROR, HINT};
    let mut out = format!("{} {}\n", paint(ERROR, "error:"), e.message.trim_end());
    if let Some(h) = &e.hint {
        out.push_str(&format!("\n{} {h}\n", paint(HINT, "hint:")));
    }
    out
}

/// Where to report a bug: the package's repository when `Cargo.toml` names
/// one, else the project's issue tracker in words.
fn report_to() -> String {
    let repo = env!("CARGO_PKG_REPOSITORY");
    if repo.is_empty() {
        "the envy issue tracker".to_string()
    } else {
        format!("{}/issues", repo.trim_end_matches('/'))
    }
}

/// The text of a crash report for a panic with `message` at `location`.
fn crash_report(message: &str, location: Option<String>) -> String {
    let at = location.map(|l| format!(" at {l}")).unwrap_or_default();
    format!(
        "error: envy crashed{at}: {message}\n\nhint: this is a bug in envy, not in your project; please report it to {} with the command you ran and this message (run with `RUST_BACKTRACE=1` for a backtrace)\n",
        report_to()
    )
}

/// Install the panic hook: a panic anywhere is a bug in envy, so print a
/// crash report (`error:` + `hint:` saying where to report it; a backtrace
/// only when `RUST_BACKTRACE` asks for one) on stderr and exit 2
/// ([`ExitStatus::Error`]).
///
/// Panics that a caller deliberately catches and silences (the requirement
/// parser's guard in `types`) install their own hook on top of this one and
/// never reach it.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(crash_report(&message, location).as_bytes());
        let backtrace = std::backtrace::Backtrace::capture();
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            let _ = writeln!(err, "\nbacktrace:\n{backtrace}");
        }
        let _ = err.flush();
        drop(err);
        std::process::exit(ExitStatus::Error.code());
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(ExitStatus::Success.code(), 0);
        assert_eq!(ExitStatus::Failure.code(), 1);
        assert_eq!(ExitStatus::Error.code(), 2);
        assert_eq!(ExitStatus::External(130).code(), 130);
    }

    #[test]
    fn crash_report_is_an_error_with_a_hint() {
        let r = crash_report("boom", Some("src/x.rs:1:2".into()));
        assert!(r.starts_with(
            "error: envy crashed at src/x.rs:1:2: boom\n\nhint: this is a bug in envy"
        ));
    }
}
