//! `envy run`: sync if needed, then run a command inside `.venv`.

use super::sync::{sync, SyncOptions};
use super::{Error, Result, Settings};
use std::process::Command;

/// `envy run CMD ARGS...`: returns the command's exit code (128 + N when it
/// was killed by signal N).
///
/// # Errors
/// Sync failures, or a command that cannot be started.
pub fn run(
    settings: &Settings,
    command: &[String],
    opts: &SyncOptions,
    no_sync: bool,
) -> Result<i32> {
    let venv = if no_sync {
        settings.project()?.root.join(".venv")
    } else {
        let quiet = Settings {
            reporter: std::sync::Arc::new(super::report::Silent),
            ..settings.clone()
        };
        sync(&quiet, opts)?.venv
    };
    let (program, args) = command.split_first().ok_or_else(|| {
        Error::new("no command given").hint("for example `envy run python -c \"import flask\"`")
    })?;
    let bin = venv.join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.clone()];
    paths.extend(std::env::split_paths(&path));
    let new_path = std::env::join_paths(paths).map_err(|e| Error::new(e.to_string()))?;
    let resolved = if bin.join(program).is_file() {
        bin.join(program)
    } else {
        program.into()
    };
    let status = Command::new(&resolved)
        .args(args)
        .env("PATH", new_path)
        .env("VIRTUAL_ENV", &venv)
        .env_remove("PYTHONHOME")
        .status()
        .map_err(|e| {
            Error::new(format!("cannot run `{program}`: {e}")).hint(
                "check the command name; console scripts of installed packages are in `.venv/bin`",
            )
        })?;
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Ok(128 + sig);
        }
    }
    Ok(status.code().unwrap_or(1))
}
