//! Running the system `git`: one place that builds the command line and its
//! environment so that `git` never prompts, never runs hooks, never follows
//! a `GIT_DIR` inherited from a calling git process, and speaks English (its
//! messages are matched and quoted).

use super::GitError;
use crate::types::redact_text;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Variables a calling git process (a hook, `git rebase --exec`) sets that
/// would point our commands at another repository.
const INHERITED_REPOSITORY_VARIABLES: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_QUARANTINE_PATH",
];

/// Where hooks are looked for: nowhere.
#[cfg(unix)]
const NO_HOOKS: &str = "core.hooksPath=/dev/null";
#[cfg(not(unix))]
const NO_HOOKS: &str = "core.hooksPath=NUL";

/// A `git` command run in `dir` (`git -C dir ...`) with envy's settings:
/// no terminal or GUI prompt (`GIT_TERMINAL_PROMPT=0`, `GCM_INTERACTIVE=never`,
/// ssh in batch mode with a 30 s connect timeout unless the user chose an
/// ssh command), an HTTP transfer stalled for 60 s fails (unless the user set
/// `GIT_HTTP_LOW_SPEED_*`), no hooks, no line-ending conversion, no
/// detached-head advice, no background gc, the C locale, stdin closed. The
/// user's git configuration (credential helpers, proxies, `insteadOf`) applies.
pub(crate) fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    for var in INHERITED_REPOSITORY_VARIABLES {
        cmd.env_remove(var);
    }
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .env("GCM_INTERACTIVE", "never")
        .env("LC_ALL", "C");
    if std::env::var_os("GIT_SSH_COMMAND").is_none() && std::env::var_os("GIT_SSH").is_none() {
        cmd.env(
            "GIT_SSH_COMMAND",
            "ssh -o BatchMode=yes -o ConnectTimeout=30",
        );
    }
    // A transfer slower than 1 byte/s for 60 s is a stalled one.
    for (var, value) in [
        ("GIT_HTTP_LOW_SPEED_LIMIT", "1"),
        ("GIT_HTTP_LOW_SPEED_TIME", "60"),
    ] {
        if std::env::var_os(var).is_none() {
            cmd.env(var, value);
        }
    }
    cmd.arg("-C").arg(dir);
    for config in [
        NO_HOOKS,
        "core.autocrlf=false",
        "core.fsmonitor=false",
        "advice.detachedHead=false",
        "gc.autoDetach=false",
        "init.defaultBranch=main",
    ] {
        cmd.arg("-c").arg(config);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// Run `cmd` to the end and return its output when it succeeds.
///
/// # Errors
/// [`GitError::NotInstalled`] when there is no `git` to run; [`GitError::Io`]
/// when it cannot be started for another reason; [`GitError::Command`]
/// (the arguments and git's message, redacted) when it exits non-zero.
pub(crate) fn run(cmd: &mut Command) -> Result<Output, GitError> {
    let output = output(cmd)?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(GitError::Command {
            command: describe(cmd),
            message: message(&output.stderr),
        })
    }
}

/// Run `cmd` to the end, whatever its exit status.
///
/// # Errors
/// [`GitError::NotInstalled`] or [`GitError::Io`] when it cannot be started.
pub(crate) fn output(cmd: &mut Command) -> Result<Output, GitError> {
    tracing::debug!("running {}", describe(cmd));
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    match cmd.output() {
        Ok(output) => Ok(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(GitError::NotInstalled),
        Err(e) => Err(GitError::Io(e)),
    }
}

/// `git ARGS` for messages and logs: the arguments after the `-c`
/// settings, with credentials removed from any URL.
fn describe(cmd: &Command) -> String {
    let args: Vec<&OsStr> = cmd.get_args().collect();
    // Skip `-C DIR` and every `-c KEY=VALUE`.
    let mut i = 0;
    while i + 1 < args.len() && (args[i] == "-C" || args[i] == "-c") {
        i += 2;
    }
    let words: Vec<String> = args[i..]
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    redact_text(&format!("git {}", words.join(" "))).into_owned()
}

/// The line of git's stderr that says what failed: the first `fatal:` or
/// `error:` line (without that word), else the last non-empty line;
/// credentials removed.
pub(crate) fn message(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = lines
        .iter()
        .find_map(|l| {
            l.strip_prefix("fatal: ")
                .or_else(|| l.strip_prefix("error: "))
        })
        .or_else(|| lines.last().copied())
        .unwrap_or("git printed no message");
    redact_text(line).into_owned()
}
