//! `envy init`: make the current directory a project.

use super::new::NewProjectArgs;
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, Settings};
use clap::Args;

/// `envy init` arguments.
#[derive(Args, Debug)]
pub(crate) struct InitArgs {
    #[command(flatten)]
    opts: NewProjectArgs,
}

/// Initialize (or import into) the project directory.
pub(crate) fn exec(args: InitArgs, settings: &Settings, _: Printer) -> ops::Result<ExitStatus> {
    ops::new::init(settings, &args.opts.into())?;
    Ok(ExitStatus::Success)
}
