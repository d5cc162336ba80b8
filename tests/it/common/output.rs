//! Running a command and checking its exit code and output ([`RunOutput`]).

use std::process::{Command, Output};

// ---------------------------------------------------------------------------
// command output assertions
// ---------------------------------------------------------------------------

/// Captured result of a finished command, with assertion helpers that print
/// the command, stdout and stderr when they fail.
#[derive(Debug)]
pub struct RunOutput {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl RunOutput {
    pub fn from_output(command: String, out: Output) -> Self {
        RunOutput {
            command,
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn is_success(&self) -> bool {
        self.code == Some(0)
    }

    fn report(&self) -> String {
        format!(
            "command: {}\nexit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n---",
            self.command, self.code, self.stdout, self.stderr
        )
    }

    /// Panics unless the command exited 0.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert!(self.is_success(), "expected success\n{}", self.report());
        self
    }

    /// Panics unless the command exited non-zero.
    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert!(
            !self.is_success() && self.code.is_some(),
            "expected a non-zero exit code\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout does not contain {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// Case-insensitive `stderr_contains`.
    #[track_caller]
    pub fn stderr_contains_ci(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "stderr does not contain {needle:?} (case-insensitive)\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr unexpectedly contains {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// The envy error contract: non-zero exit, a line starting with
    /// `error: `, a `hint: ` line after it, and every needle present in
    /// stderr (case-insensitive). Progress lines (e.g. `Resolved 3 packages`)
    /// may come before the error.
    #[track_caller]
    pub fn error(&self, needles: &[&str]) -> &Self {
        self.failure();
        let lines: Vec<&str> = self.stderr.lines().collect();
        let err = lines.iter().position(|l| l.starts_with("error: "));
        assert!(
            err.is_some(),
            "stderr should have a line starting with `error: `\n{}",
            self.report()
        );
        assert!(
            lines[err.unwrap()..]
                .iter()
                .any(|l| l.trim_start().starts_with("hint: ")),
            "stderr should have a `hint: ` line after the error\n{}",
            self.report()
        );
        for needle in needles {
            self.stderr_contains_ci(needle);
        }
        self
    }
}

/// Runs `cmd` to completion and captures its output.
///
/// With `ENVY_TEST_ECHO=1` in the test's environment, every command is
/// echoed with its wall time and stderr (and envy runs with debug logging),
/// for chasing a slow or flaky step.
pub fn run(cmd: &mut Command) -> RunOutput {
    let echo = std::env::var_os("ENVY_TEST_ECHO").is_some();
    if echo {
        cmd.env("ENVY_LOG", "envy=debug");
    }
    let desc = describe(cmd);
    let started = std::time::Instant::now();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("failed to spawn `{desc}`: {e}"));
    if echo {
        eprintln!(
            "$ {desc}  ({:.2}s)\n{}",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    RunOutput::from_output(desc, out)
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    if let Some(dir) = cmd.get_current_dir() {
        s.push_str(&format!("  (in {})", dir.display()));
    }
    s
}
