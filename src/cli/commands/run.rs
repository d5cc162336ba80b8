//! `envy run COMMAND...`: run a command in `.venv`, syncing first.

use super::SyncArgs;
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, Settings};
use clap::Args;

/// `envy run` arguments.
#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// Run in `.venv` as it is.
    #[arg(long)]
    no_sync: bool,
    #[command(flatten)]
    sync: SyncArgs,
    /// In a workspace: sync this member and its dependencies only (by
    /// default, the member of the current directory; the root's from the root).
    #[arg(long, value_name = "NAME", conflicts_with = "all_packages")]
    package: Option<String>,
    /// In a workspace: sync every member.
    #[arg(long)]
    all_packages: bool,
    /// The command and its arguments.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "COMMAND"
    )]
    command: Vec<String>,
}

/// Run the command; envy exits with its exit code.
pub(crate) fn exec(args: RunArgs, settings: &Settings, _: Printer) -> ops::Result<ExitStatus> {
    // From a member directory: the workspace root, syncing that member.
    let (settings, member) = ops::workspace::discover(settings);
    let mut opts = args.sync.options();
    opts.all_packages = args.all_packages;
    opts.package = args
        .package
        .or(member.filter(|_| !args.all_packages).map(|m| m.to_string()));
    let code = ops::run::run(&settings, &args.command, &opts, args.no_sync)?;
    Ok(ExitStatus::External(code))
}
