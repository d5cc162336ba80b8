//! `envy venv [PATH]`: a bare virtual environment (PEP 405).

use crate::cli::{ExitStatus, Printer};
use crate::ops::report::Reporter;
use crate::ops::{self, Settings};
use clap::Args;
use std::path::PathBuf;

/// `envy venv` arguments.
#[derive(Args, Debug)]
pub(crate) struct VenvArgs {
    /// Where to create it.
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,
    /// Interpreter (`3.12`, `python3.12`, or a path).
    #[arg(long)]
    python: Option<String>,
    /// The prompt the activation scripts show.
    #[arg(long)]
    prompt: Option<String>,
}

/// Create it and say where, with what, and how to activate it.
pub(crate) fn exec(
    args: VenvArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let v = ops::venv::venv(
        settings,
        &ops::venv::VenvOptions {
            path: args.path,
            python: args.python,
            prompt: args.prompt,
        },
    )?;
    printer.status(&format!(
        "Created virtual environment at {} (Python {} at {})\nActivate with: source {}",
        v.root.display(),
        v.interpreter.version,
        v.interpreter.executable.display(),
        v.bin.join("activate").display()
    ));
    Ok(ExitStatus::Success)
}
