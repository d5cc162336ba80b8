//! `envy build [PATH]`: the project's sdist and wheel (PEP 517).

use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, Settings};
use clap::Args;
use std::path::PathBuf;

/// `envy build` arguments.
#[derive(Args, Debug)]
pub(crate) struct BuildArgs {
    /// Build only the sdist.
    #[arg(long, conflicts_with = "wheel")]
    sdist: bool,
    /// Build only the wheel (straight from the source tree).
    #[arg(long)]
    wheel: bool,
    /// Write the files into DIR [default: `<PATH>/dist`].
    #[arg(short = 'o', long = "out-dir", value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Interpreter to build with (`3.12`, `python3.12`, or a path).
    #[arg(long)]
    python: Option<String>,
    /// The source tree [default: the project directory].
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,
}

/// Build (`ops::build::build` reports what it wrote).
pub(crate) fn exec(args: BuildArgs, settings: &Settings, _: Printer) -> ops::Result<ExitStatus> {
    ops::build::build(
        settings,
        &ops::build::BuildOptions {
            sdist: args.sdist,
            wheel: args.wheel,
            out_dir: args.out_dir,
            path: args.path,
            python: args.python,
        },
    )?;
    Ok(ExitStatus::Success)
}
