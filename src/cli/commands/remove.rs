//! `envy remove NAME...`: remove requirements, then lock and sync.

use super::TargetArgs;
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, add::EditOptions, Settings};
use clap::Args;

/// `envy remove` arguments.
#[derive(Args, Debug)]
pub(crate) struct RemoveArgs {
    /// Package names.
    #[arg(required = true, value_name = "NAME")]
    names: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Update `pyproject.toml` and `envy.lock` only.
    #[arg(long)]
    no_sync: bool,
}

/// Remove the requirements (`ops::add::remove` reports the changes).
pub(crate) fn exec(args: RemoveArgs, settings: &Settings, _: Printer) -> ops::Result<ExitStatus> {
    ops::add::remove(
        settings,
        &args.names,
        &EditOptions {
            target: args.target.target(),
            no_sync: args.no_sync,
            python: None,
        },
    )?;
    Ok(ExitStatus::Success)
}
