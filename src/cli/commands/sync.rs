//! `envy sync`: make `.venv` match `envy.lock`. Its arguments are the
//! shared [`SyncArgs`].

use super::SyncArgs;
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, Settings};

/// Sync (`ops::sync::sync` reports what it installed and removed).
pub(crate) fn exec(args: SyncArgs, settings: &Settings, _: Printer) -> ops::Result<ExitStatus> {
    ops::sync::sync(settings, &args.options())?;
    Ok(ExitStatus::Success)
}
