//! Running a command and checking its exit code and output ([`RunOutput`]).

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

    /// The command, its exit code, stdout and stderr, for an assertion's message.
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
}

/// How long [`run`] lets a command run before it kills it: a safety net
/// against a hung test, far above what any command here needs.
pub const COMMAND_SAFETY_NET: Duration = Duration::from_secs(120);

/// Runs `cmd` to completion and captures its output (stdin is empty).
///
/// A command still running after [`COMMAND_SAFETY_NET`] is killed and the
/// test fails saying so: a hang shows as a failure, not a stuck suite.
///
/// With `ENVY_TEST_ECHO=1` in the test's environment, every command is
/// echoed with its wall time and stderr (and envy runs with debug logging),
/// for chasing a slow or flaky step.
#[track_caller]
pub fn run(cmd: &mut Command) -> RunOutput {
    let echo = std::env::var_os("ENVY_TEST_ECHO").is_some();
    if echo {
        cmd.env("ENVY_LOG", "envy=debug");
    }
    let desc = describe(cmd);
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("failed to spawn `{desc}`: {e}"));
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let mut pause = Duration::from_millis(1);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the command") {
            break status;
        }
        if started.elapsed() > COMMAND_SAFETY_NET {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`{desc}` was still running after {COMMAND_SAFETY_NET:?} and was killed\n--- stderr ---\n{}",
                String::from_utf8_lossy(&stderr.join().unwrap_or_default())
            );
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let out = Output {
        status,
        stdout: stdout.join().expect("read stdout"),
        stderr: stderr.join().expect("read stderr"),
    };
    if echo {
        eprintln!(
            "$ {desc}  ({:.2}s)\n{}",
            started.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    RunOutput::from_output(desc, out)
}

/// Reads `pipe` to its end on a thread of its own.
fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
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
