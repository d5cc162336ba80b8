//! `envy new PATH`: create a project directory.

use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, new::NewOptions, Settings};
use clap::Args;

/// The flags `new` and `init` share.
#[derive(Args, Debug)]
pub(crate) struct NewProjectArgs {
    /// Project name instead of the directory name.
    #[arg(long)]
    name: Option<String>,
    /// Interpreter whose version sets `requires-python` (e.g. `3.12`).
    #[arg(long)]
    python: Option<String>,
    /// Write this `requires-python` instead (e.g. `>=3.10`).
    #[arg(long)]
    requires_python: Option<String>,
}

impl From<NewProjectArgs> for NewOptions {
    fn from(a: NewProjectArgs) -> Self {
        NewOptions {
            name: a.name,
            python: a.python,
            requires_python: a.requires_python,
        }
    }
}

/// `envy new` arguments.
#[derive(Args, Debug)]
pub(crate) struct NewArgs {
    /// The directory to create (its name is the project name).
    path: String,
    #[command(flatten)]
    opts: NewProjectArgs,
}

/// Create the project (`ops::new::new` reports what it wrote).
pub(crate) fn exec(args: NewArgs, settings: &Settings, _: Printer) -> ops::Result<ExitStatus> {
    ops::new::new(settings, &args.path, &args.opts.into())?;
    Ok(ExitStatus::Success)
}
