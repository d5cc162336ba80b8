//! `envy sync`: make `.venv` match `envy.lock`. Its arguments are the
//! shared [`SyncArgs`], `--reinstall` / `--reinstall-package` and `--json`.

use super::{print_json, SyncArgs};
use crate::cli::{json, ExitStatus, Printer};
use crate::ops::{self, Settings};
use clap::Args;

/// `envy sync` arguments.
#[derive(Args, Debug)]
pub(crate) struct SyncCommandArgs {
    #[command(flatten)]
    sync: SyncArgs,
    /// Install every locked distribution again, from files checked against the
    /// lock and their `RECORD`, even those the venv already has.
    #[arg(long)]
    reinstall: bool,
    /// Install this distribution again (repeatable), as `--reinstall` does.
    #[arg(long, value_name = "NAME", conflicts_with = "reinstall")]
    reinstall_package: Vec<String>,
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
    let mut opts = args.sync.options();
    opts.reinstall = if args.reinstall {
        vec!["*".to_string()]
    } else {
        args.reinstall_package
    };
    let outcome = ops::sync::sync(settings, &opts)?;
    if args.json {
        print_json(printer, &json::Sync::new(&outcome))?;
    }
    Ok(ExitStatus::Success)
}
