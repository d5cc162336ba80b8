//! `envy add REQ...`: add requirements, then lock and sync.

use super::TargetArgs;
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, add::EditOptions, Settings};
use clap::Args;

/// `envy add` arguments.
#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    /// PEP 508 requirements.
    #[arg(required = true, value_name = "REQ")]
    requirements: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Update `pyproject.toml` and `envy.lock` only.
    #[arg(long)]
    no_sync: bool,
    /// Interpreter for `.venv` if it has to be created.
    #[arg(long)]
    python: Option<String>,
}

/// Add the requirements (`ops::add::add` reports the changes).
pub(crate) fn exec(args: AddArgs, settings: &Settings, _: Printer) -> ops::Result<ExitStatus> {
    ops::add::add(
        settings,
        &args.requirements,
        &EditOptions {
            target: args.target.target(),
            no_sync: args.no_sync,
            python: args.python,
        },
    )?;
    Ok(ExitStatus::Success)
}
