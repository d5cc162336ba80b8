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
    /// In a workspace: install this member and its dependencies only (by
    /// default, the member of the current directory; the root's from the root).
    #[arg(long, value_name = "NAME", conflicts_with = "all_packages")]
    package: Option<String>,
    /// In a workspace: install every member.
    #[arg(long)]
    all_packages: bool,
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
    // From a member directory: the workspace root, syncing that member.
    let (settings, member) = ops::workspace::discover(settings);
    let settings = &settings;
    let mut opts = args.sync.options();
    opts.all_packages = args.all_packages;
    opts.package = args
        .package
        .or(member.filter(|_| !args.all_packages).map(|m| m.to_string()));
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
