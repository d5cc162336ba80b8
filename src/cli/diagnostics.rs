//! The one place that turns an outcome into what the user sees last: an error's
//! message and hint (every hint for an error of a layer below `ops` is here),
//! the process exit status, and the report of a crash (a panic is a bug in
//! envy).
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

use crate::build::BuildError;
use crate::export::ExportError;
use crate::index::IndexError;
use crate::install::InstallError;
use crate::ops;
use crate::resolver::ResolveError;
use crate::venv::VenvError;
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

/// What the user sees for an error: the message (after `error: `) and the
/// hint (after `hint: `), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What went wrong, one sentence (more lines for a resolver report).
    pub message: String,
    /// What to do next.
    pub hint: Option<String>,
}

/// The message and hint for an error `ops` returned. A failure `ops`
/// describes itself keeps its own hint; an error of a layer below gets the
/// hint for its kind here.
pub fn diagnose(e: &ops::Error) -> Diagnostic {
    use ops::Error as E;
    let (message, hint) = match e {
        E::Message { message, hint } => (message.clone(), hint.clone()),
        E::Io(e) => (e.to_string(), None),
        E::Project(e) => (
            e.to_string(),
            Some("fix `pyproject.toml` at the place shown; envy changed nothing".to_string()),
        ),
        E::Lock(e) => (
            e.to_string(),
            Some(
                "`envy.lock` is generated: delete it and run `envy lock` to write a fresh one"
                    .to_string(),
            ),
        ),
        E::Index(e) => (e.to_string(), Some(index_hint(e))),
        E::Resolve(ResolveError::Index(e)) => (e.to_string(), Some(index_hint(e))),
        E::Resolve(ResolveError::NoSolution(report)) => (
            format!(
                "no solution found when resolving dependencies:\n{}",
                report.trim_end()
            ),
            Some(
                "loosen or remove one of the conflicting requirements in `pyproject.toml`"
                    .to_string(),
            ),
        ),
        E::Resolve(e) => (e.to_string(), None),
        E::Venv(e) => (e.to_string(), Some(venv_hint(e).to_string())),
        E::Install(e) => (e.to_string(), Some(install_hint(e).to_string())),
        E::Build(e) => (e.to_string(), Some(build_hint(e))),
        E::Export(e) => (e.to_string(), export_hint(e)),
    };
    // No message or hint ever prints a password, whichever layer wrote it.
    Diagnostic {
        message: crate::types::redact_text(&message).into_owned(),
        hint: hint.map(|h| crate::types::redact_text(&h).into_owned()),
    }
}

/// What to do when the index failed.
fn index_hint(e: &IndexError) -> String {
    match e {
        IndexError::NotFound { .. } => {
            "check the spelling of the name, or the index URL (`--index-url`)".to_string()
        }
        IndexError::Network { .. } | IndexError::Status { .. } => {
            "check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache".to_string()
        }
        IndexError::Offline { .. } => {
            "run once with network access to fill the cache, or drop `--offline`".to_string()
        }
        IndexError::NotFoundLocally { .. } => {
            "put its wheels or sdist in a `--find-links` directory, or drop `--no-index`".to_string()
        }
        IndexError::NoIndex { .. } => {
            "put the file in a `--find-links` directory (e.g. a wheelhouse from `envy export --format wheelhouse`), or drop `--no-index`".to_string()
        }
        IndexError::PinnedWithoutIndex { .. } => {
            "drop `--no-index`, or remove the `[tool.envy.sources]` entry to let `--find-links` serve it".to_string()
        }
        IndexError::Auth {
            index, url, sent, ..
        } => IndexError::auth_hint(index.as_deref(), url, sent.as_ref()),
        IndexError::HashMismatch { .. } => {
            "the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering".to_string()
        }
        IndexError::Deadline { .. } => {
            "the server sends too slowly; retry later, or raise `ENVY_HTTP_DEADLINE` (seconds) for a very large file on a slow link".to_string()
        }
        IndexError::MetadataMismatch { .. } => {
            "the index serves metadata that does not match the wheel: nothing was installed and the cached metadata was dropped. Report it to the index's maintainers".to_string()
        }
        // Malformed content (a page, a URL, a wheel) fails the same way again.
        IndexError::Invalid { .. } => {
            "the index URL or what the index served cannot be used as shown; check `--index-url` and the index's configuration, or report it to the index's or the package's maintainers (retrying will not help)".to_string()
        }
        _ => "this looks like a problem with the index; retry, or report it".to_string(),
    }
}

/// What to do when no interpreter fits or `.venv` is broken.
fn venv_hint(e: &VenvError) -> &'static str {
    match e {
        VenvError::NoInterpreter { .. } => {
            "install a matching Python (for example `pyenv install 3.12`), or pass `--python <version or path>`"
        }
        _ => "remove `.venv` and run `envy sync` to recreate it",
    }
}

/// What to do when a wheel could not be installed.
fn install_hint(e: &InstallError) -> &'static str {
    match e {
        InstallError::UnsafeEntry { .. } => {
            "the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator"
        }
        // The same wheel fails the same way: syncing again cannot help.
        InstallError::InvalidWheel { .. }
        | InstallError::HashMismatch { .. }
        | InstallError::Zip { .. }
        | InstallError::EntryPoint { .. } => {
            "the wheel is malformed or was tampered with; nothing of it was installed. Report it to the package's maintainers or the index operator"
        }
        InstallError::Record { path, .. } if path.extension().is_some_and(|e| e == "whl") => {
            "the wheel is malformed or was tampered with; nothing of it was installed. Report it to the package's maintainers or the index operator"
        }
        // An installed distribution's RECORD stays broken until it is gone.
        InstallError::Record { .. } => {
            "remove `.venv` and run `envy sync` to install every distribution afresh"
        }
        // I/O and venv errors may be passing (disk full, a concurrent run).
        _ => "run `envy sync` again to repair `.venv`; if it persists, remove `.venv`",
    }
}

/// What to do when an export failed, when there is something to say.
fn export_hint(e: &ExportError) -> Option<String> {
    if let ExportError::NoScript { available, .. } = e {
        return Some(if available.is_empty() {
            "no bundled distribution declares a console script: use `-e module:function`, or leave both out for an interpreter zipapp".to_string()
        } else {
            format!("scripts: {}", available.join(", "))
        });
    }
    Some(match e {
        ExportError::NoWheel {
            sdist_not_buildable: true,
            ..
        } => {
            "sdists are built only for a local interpreter: drop `--python-platform` (and use a `--python-version` installed here), or pin versions that have wheels for the target"
        }
        ExportError::NoWheel { .. } => {
            "pick a target these versions publish wheels for (`--python-version`, `--python-platform`), or pin versions that have wheels"
        }
        ExportError::NotOurs { .. } => "pass an empty or new directory to `-o`",
        ExportError::NoProjectSource { .. } => "lay the package out as `src/<name>/__init__.py`",
        ExportError::UnknownPlatform(_) => {
            "use a wheel platform tag: `manylinux_2_28_x86_64`, `manylinux2014_aarch64`, `musllinux_1_2_x86_64`, `linux_x86_64`, `macosx_11_0_arm64`, `win_amd64`, `win32`, `win_arm64`"
        }
        ExportError::InvalidPythonVersion(_) => "use `3.12` or `3.12.4`",
        ExportError::InvalidEntryPoint(_) => "use `module:function`, e.g. `demo:main`",
        ExportError::ZipappConflict { .. } => {
            "a zipapp has one flat import root; these two cannot be bundled together"
        }
        ExportError::EntryPointModule { .. } => {
            "name a module of the project's package or of a locked distribution, e.g. `-e demo:main`"
        }
        ExportError::EntryPointFunction { .. } => {
            "check the spelling: the module's source must define the function (`def`), or bind the name by assignment or import"
        }
        _ => return None,
    }
    .to_string())
}

/// What to do when a PEP 517 build failed.
fn build_hint(e: &BuildError) -> String {
    match e {
        BuildError::BackendUnavailable { package, .. } => format!(
            "`{package}`'s build backend could not be loaded in its build environment: check its `[build-system]` (`requires` must provide `build-backend`), or pin a version that publishes a wheel for this interpreter"
        ),
        BuildError::Backend { package, backend, .. } => format!(
            "the build of `{package}` failed in the package's own build code (its build backend, {backend}), not in envy: the output above is the backend's. Install what it needs, fix the package, or pin a version that publishes a wheel for this interpreter"
        ),
        BuildError::BadBackend { package, .. } => format!(
            "`{package}`'s build backend does not follow PEP 517/660; pin a version that publishes a wheel for this interpreter"
        ),
        BuildError::BuildSystem { .. } => {
            "fix the `[build-system]` table (PEP 517/518): `requires` is a list of PEP 508 strings, `build-backend` a `module:object` string".to_string()
        }
        BuildError::Requirements { .. } => {
            "the `[build-system] requires` of that package cannot be met with wheels for this interpreter; pin a version that publishes a wheel".to_string()
        }
        BuildError::UnsafeArchive { .. } => {
            "the sdist is malformed or malicious; nothing outside the temporary directory was written".to_string()
        }
        BuildError::Index(_) => {
            "check your network connection and the index URL; if what you need was fetched before, retry with `--offline`".to_string()
        }
        _ => "retry; if it persists, run `envy cache clean` to drop cached build environments".to_string(),
    }
}

/// Render an error in the house style: `error: ...`, a blank line, `hint: ...`.
pub fn render_error(e: &ops::Error) -> String {
    let d = diagnose(e);
    let mut out = format!("error: {}\n", d.message.trim_end());
    if let Some(h) = &d.hint {
        out.push_str(&format!("\nhint: {h}\n"));
    }
    out
}

/// [`render_error`] with `error:` and `hint:` coloured (for `anstream`).
pub(crate) fn render_error_styled(e: &ops::Error) -> String {
    use super::style::{paint, ERROR, HINT};
    let d = diagnose(e);
    let mut out = format!("{} {}\n", paint(ERROR, "error:"), d.message.trim_end());
    if let Some(h) = &d.hint {
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
    fn hints_come_from_the_error_kind_or_the_place_that_failed() {
        let d = diagnose(&ops::Error::new("bad").hint("do this"));
        assert_eq!(
            (d.message.as_str(), d.hint.as_deref()),
            ("bad", Some("do this"))
        );
        let d = diagnose(&ops::Error::from(ResolveError::NoSolution(
            "a needs b\n".into(),
        )));
        assert_eq!(
            d.message,
            "no solution found when resolving dependencies:\na needs b"
        );
        assert!(d.hint.unwrap().starts_with("loosen or remove"));
        let d = diagnose(&ops::Error::from(ExportError::InvalidPythonVersion(
            "2.7".into(),
        )));
        assert_eq!(d.message, "invalid `--python-version` `2.7`");
        assert_eq!(d.hint.as_deref(), Some("use `3.12` or `3.12.4`"));
        let d = diagnose(&ops::Error::from(std::io::Error::other("disk full")));
        assert_eq!((d.message.as_str(), d.hint), ("disk full", None));
        assert_eq!(
            render_error(&ops::Error::new("bad").hint("do this")),
            "error: bad\n\nhint: do this\n"
        );
    }

    #[test]
    fn crash_report_is_an_error_with_a_hint() {
        let r = crash_report("boom", Some("src/x.rs:1:2".into()));
        assert!(r.starts_with(
            "error: envy crashed at src/x.rs:1:2: boom\n\nhint: this is a bug in envy"
        ));
    }
}
