//! `envy remove NAME...`: remove requirements, then lock and sync.

use super::{print_json, TargetArgs};
use crate::cli::{json, ExitStatus, Printer};
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
    /// Also print the edit, the lock changes and the sync as JSON on stdout
    /// (schema in `docs/json.md`).
    #[arg(long)]
    json: bool,
}

/// Remove the requirements (`ops::add::remove` reports the changes).
pub(crate) fn exec(
    args: RemoveArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let outcome = ops::add::remove(
        settings,
        &args.names,
        &EditOptions {
            target: args.target.target(),
            no_sync: args.no_sync,
            python: None,
            editable: false,
        },
    )?;
    if args.json {
        print_json(printer, &json::EditReport::new(&outcome))?;
    }
    Ok(ExitStatus::Success)
}
