//! `envy show PACKAGE`: what the lock holds for a package, and why.

use super::{print_json, LockModeArgs};
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, Settings};
use clap::Args;

/// `envy show` arguments.
#[derive(Args, Debug)]
pub(crate) struct ShowArgs {
    /// The package name.
    package: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    lock: LockModeArgs,
}

/// Print the package's entry (or its JSON) on stdout.
pub(crate) fn exec(
    args: ShowArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let shown = ops::show::show(
        settings,
        &args.package,
        &ops::show::ShowOptions {
            mode: args.lock.mode(),
        },
    )?;
    if args.json {
        print_json(printer, &shown)?;
    } else {
        printer.data(&ops::show::render(&shown));
    }
    Ok(ExitStatus::Success)
}
