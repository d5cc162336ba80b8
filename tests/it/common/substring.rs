//! Substring checks still used by `integrity` and `lose_nothing` (merged from
//! a branch written before `envy_snapshot!`); they are being converted to
//! snapshots, after which this module goes away.

use super::output::RunOutput;

/// Substring assertions on a command's output.
pub trait SubstringChecks {
    fn stdout_contains(&self, needle: &str) -> &Self;
    fn stderr_contains(&self, needle: &str) -> &Self;
    fn stderr_contains_ci(&self, needle: &str) -> &Self;
    fn stderr_lacks(&self, needle: &str) -> &Self;
    fn error(&self, needles: &[&str]) -> &Self;
}

impl SubstringChecks for RunOutput {
    #[track_caller]
    fn stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout does not contain {needle:?}\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    fn stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr does not contain {needle:?}\n{}",
            self.report()
        );
        self
    }

    /// Case-insensitive `stderr_contains`.
    #[track_caller]
    fn stderr_contains_ci(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.to_lowercase().contains(&needle.to_lowercase()),
            "stderr does not contain {needle:?} (case-insensitive)\n{}",
            self.report()
        );
        self
    }

    #[track_caller]
    fn stderr_lacks(&self, needle: &str) -> &Self {
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
    fn error(&self, needles: &[&str]) -> &Self {
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
