//! `envy sync`: make `.venv` match `envy.lock`. Its arguments are the
//! shared [`SyncArgs`] and `--json`.

use super::{print_json, SyncArgs};
use crate::cli::{json, ExitStatus, Printer};
use crate::ops::{self, Settings};
use clap::Args;

/// `envy sync` arguments.
#[derive(Args, Debug)]
pub(crate) struct SyncCommandArgs {
    #[command(flatten)]
    sync: SyncArgs,
    /// Also print what was installed, removed and kept, with timings, as JSON on
    /// stdout (schema in `docs/json.md`).
    #[arg(long)]
    json: bool,
}

/// Sync; the status and change lines come through the reporter.
pub(crate) fn exec(
    args: SyncCommandArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let outcome = ops::sync::sync(settings, &args.sync.options())?;
    if args.json {
        print_json(printer, &json::Sync::new(&outcome))?;
    }
    Ok(ExitStatus::Success)
}
