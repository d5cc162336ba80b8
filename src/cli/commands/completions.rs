//! `envy completions SHELL`: a shell completion script on stdout.

use crate::cli::{Cli, ExitStatus, Printer};
use crate::ops;
use clap::Args;

/// `envy completions` arguments.
#[derive(Args, Debug)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Generate the script from the clap definitions.
pub(crate) fn exec(args: CompletionsArgs, printer: Printer) -> ops::Result<ExitStatus> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "envy", &mut script);
    printer.data(&String::from_utf8_lossy(&script));
    Ok(ExitStatus::Success)
}
