//! The [`Printer`]: the only writer to stdout and stderr.
//!
//! stdout carries data only (an export to stdout, `--json`, a tree, a path);
//! everything else (status lines, change lines, progress, errors) goes to
//! stderr. `-q` silences everything on stderr but errors; progress bars are
//! drawn only when stderr is a terminal. Colours go through `anstream`, which
//! strips them when colour is off (`--color`, `NO_COLOR`, not a terminal).

use super::style;
use crate::ops::report::{ChangeKind, Reporter};
use std::io::{IsTerminal, Write};

/// How much the user asked to see on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// Status lines, change lines and progress.
    Default,
    /// `-v` and more: as `Default`, plus the log at info level or finer.
    Verbose,
}

/// Writes what envy shows the user, honouring [`Verbosity`].
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    verbosity: Verbosity,
}

impl Printer {
    /// A printer for `-q` (`quiet`) and the count of `-v`s (`verbose`);
    /// `-q` wins.
    pub fn new(quiet: bool, verbose: u8) -> Self {
        let verbosity = match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Default,
            (false, _) => Verbosity::Verbose,
        };
        Self { verbosity }
    }

    /// What the user asked to see.
    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Whether status lines are shown (not `-q`).
    fn shows_status(&self) -> bool {
        self.verbosity != Verbosity::Quiet
    }

    /// Write data to stdout, as is (a closed pipe is ignored).
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
    }

    /// Write `value` as pretty JSON plus a newline to stdout.
    ///
    /// # Errors
    /// When the value cannot be rendered as JSON.
    pub fn json<T: serde::Serialize>(&self, value: &T) -> Result<(), serde_json::Error> {
        let text = serde_json::to_string_pretty(value)?;
        self.data(&format!("{text}\n"));
        Ok(())
    }

    /// Write an already rendered error report (`error: ...` and its hint) to
    /// stderr, whatever the verbosity.
    pub fn error(&self, report: &str) {
        anstream::eprint!("{report}");
    }
}

impl Reporter for Printer {
    fn status(&self, line: &str) {
        if self.shows_status() {
            anstream::eprintln!("{}", style::line(line));
        }
    }

    fn change(&self, kind: ChangeKind, text: &str) {
        if self.shows_status() {
            anstream::eprintln!(" {}", style::change(kind, text));
        }
    }

    fn progress(&self, len: Option<u64>, message: &str) -> indicatif::ProgressBar {
        if !self.shows_status() || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        match len {
            None => {
                let pb = indicatif::ProgressBar::new_spinner();
                pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                pb.set_message(message.to_string());
                pb.enable_steady_tick(std::time::Duration::from_millis(100));
                pb
            }
            Some(len) => {
                let pb = indicatif::ProgressBar::with_draw_target(
                    Some(len),
                    indicatif::ProgressDrawTarget::stderr(),
                );
                if let Ok(style) =
                    indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}")
                {
                    pb.set_style(style.progress_chars("=> "));
                }
                pb.set_message(message.to_string());
                pb
            }
        }
    }
}
