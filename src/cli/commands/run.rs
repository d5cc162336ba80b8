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
    let code = ops::run::run(settings, &args.command, &args.sync.options(), args.no_sync)?;
    Ok(ExitStatus::External(code))
}
