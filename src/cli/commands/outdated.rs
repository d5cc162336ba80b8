//! `envy outdated`: locked packages with newer versions on the index.

use super::{print_json, LockModeArgs};
use crate::cli::{ExitStatus, Printer};
use crate::ops::report::Reporter;
use crate::ops::{self, Settings};
use clap::Args;

/// `envy outdated` arguments.
#[derive(Args, Debug)]
pub(crate) struct OutdatedArgs {
    /// List every locked package, not only outdated ones.
    #[arg(long)]
    all: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    lock: LockModeArgs,
}

/// Print the table (or its JSON) on stdout; packages whose latest version
/// is unknown become warnings on stderr.
pub(crate) fn exec(
    args: OutdatedArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let report = ops::outdated::outdated(
        settings,
        &ops::outdated::OutdatedOptions {
            mode: args.lock.mode(),
            all: args.all,
        },
    )?;
    for (name, why) in &report.unknown {
        printer.status(&format!("warning: no latest version for `{name}`: {why}"));
    }
    let rows = report.rows;
    if args.json {
        print_json(printer, &rows)?;
    } else if rows.is_empty() {
        printer.status("Every locked package is at its latest version");
    } else {
        printer.data(&ops::outdated::render_table(&rows));
    }
    Ok(ExitStatus::Success)
}
