//! How a command tells the user what it is doing while it runs, without
//! printing: `ops` calls a [`Reporter`] (held in [`Settings`](super::Settings)),
//! and `cli`'s `Printer` implements it, deciding whether anything is shown
//! (`-q`), in which colours, and whether progress bars are drawn (only on a
//! terminal). Nothing in this module writes to the terminal.

use std::fmt;

/// The kind of a line in a change list, which the printer colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A package that is new (`+ name version`).
    Added,
    /// A package that is gone (`- name version`).
    Removed,
    /// A package whose version changed (`~ name old -> new`).
    Updated,
}

/// The receiver of what a command reports while it runs: status lines,
/// change lines and progress. Implementations decide how (and whether) to
/// show them; `ops` never prints.
pub trait Reporter: fmt::Debug + Send + Sync {
    /// A status line such as `Resolved 3 packages in 0.12s` or
    /// `warning: ...` (without a trailing newline).
    fn status(&self, line: &str);

    /// One line of a list of changes, e.g. `+ flask 3.0.0` (kind [`ChangeKind::Added`]).
    fn change(&self, kind: ChangeKind, text: &str);

    /// A progress indicator for a step: a spinner when `len` is `None`, else
    /// a bar counting `len` items. The caller advances and finishes it; the
    /// reporter decides where (or whether) it is drawn.
    fn progress(&self, len: Option<u64>, message: &str) -> indicatif::ProgressBar;
}

/// A [`Reporter`] that shows nothing: for a step whose chatter the user did
/// not ask for (the sync before `envy run`), and for library callers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Reporter for Silent {
    fn status(&self, _: &str) {}

    fn change(&self, _: ChangeKind, _: &str) {}

    fn progress(&self, _: Option<u64>, _: &str) -> indicatif::ProgressBar {
        indicatif::ProgressBar::hidden()
    }
}
