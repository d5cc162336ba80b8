//! `envy add REQ...`: add requirements, then lock and sync.

use super::{print_json, TargetArgs};
use crate::cli::{json, ExitStatus, Printer};
use crate::ops::{self, add::EditOptions, Settings};
use clap::Args;

/// `envy add` arguments.
#[derive(Args, Debug)]
pub(crate) struct AddArgs {
    /// PEP 508 requirements, local paths (a project directory, a wheel, an
    /// sdist) or archive URLs.
    #[arg(required = true, value_name = "REQ")]
    requirements: Vec<String>,
    /// Install a local project directory editable (PEP 660).
    #[arg(long)]
    editable: bool,
    #[command(flatten)]
    target: TargetArgs,
    /// Update `pyproject.toml` and `envy.lock` only.
    #[arg(long)]
    no_sync: bool,
    /// Interpreter for `.venv` if it has to be created.
    #[arg(long)]
    python: Option<String>,
    /// Also print the edit, the lock changes and the sync as JSON on stdout
    /// (schema in `docs/json.md`).
    #[arg(long)]
    json: bool,
}

/// Add the requirements (`ops::add::add` reports the changes).
pub(crate) fn exec(
    args: AddArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let outcome = ops::add::add(
        settings,
        &args.requirements,
        &EditOptions {
            target: args.target.target(),
            no_sync: args.no_sync,
            python: args.python,
            editable: args.editable,
        },
    )?;
    if args.json {
        print_json(printer, &json::EditReport::new(&outcome))?;
    }
    Ok(ExitStatus::Success)
}
