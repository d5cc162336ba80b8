//! `envy sync`: make `.venv` match `envy.lock`. Its arguments are the
//! shared [`SyncArgs`] plus `--reinstall` / `--reinstall-package`.

use super::SyncArgs;
use crate::cli::{ExitStatus, Printer};
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
}

/// Sync (`ops::sync::sync` reports what it installed and removed).
pub(crate) fn exec(
    args: SyncCommandArgs,
    settings: &Settings,
    _: Printer,
) -> ops::Result<ExitStatus> {
    let mut opts = args.sync.options();
    opts.reinstall = if args.reinstall {
        vec!["*".to_string()]
    } else {
        args.reinstall_package
    };
    ops::sync::sync(settings, &opts)?;
    Ok(ExitStatus::Success)
}
