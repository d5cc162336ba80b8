//! `envy tree`: the locked dependency graph.

use super::{print_json, LockModeArgs};
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, Settings};
use clap::Args;

/// `envy tree` arguments.
#[derive(Args, Debug)]
pub(crate) struct TreeArgs {
    /// Show who depends on each package (leaves, or `--package`, at the top).
    #[arg(long)]
    invert: bool,
    /// Stop after N levels below the top.
    #[arg(long, value_name = "N")]
    depth: Option<usize>,
    /// Start at this package instead of the project (repeatable).
    #[arg(long, value_name = "P")]
    package: Vec<String>,
    /// Leave out the `dev` dependency group.
    #[arg(long)]
    no_dev: bool,
    /// Ask the index for newer versions and mark them `(latest: vX)`.
    #[arg(long)]
    outdated: bool,
    /// Print JSON instead of the tree.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    lock: LockModeArgs,
}

/// Print the tree (or its JSON) on stdout.
pub(crate) fn exec(
    args: TreeArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let roots = ops::tree::tree(
        settings,
        &ops::tree::TreeOptions {
            mode: args.lock.mode(),
            invert: args.invert,
            depth: args.depth,
            packages: args.package,
            no_dev: args.no_dev,
            outdated: args.outdated,
        },
    )?;
    if args.json {
        print_json(printer, &roots)?;
    } else {
        printer.data(&ops::tree::render_tree(&roots));
    }
    Ok(ExitStatus::Success)
}
