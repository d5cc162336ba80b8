//! `envy python list|find|pin`: interpreters.

use super::print_json;
use crate::cli::{ExitStatus, Printer};
use crate::ops::report::Reporter;
use crate::ops::{self, Settings};
use clap::Subcommand;

/// `envy python ...`
#[derive(Subcommand, Debug)]
pub(crate) enum PythonCommand {
    /// List the interpreters envy can see and mark the one `sync` would pick.
    ///
    /// Example: `envy python list --json`
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the path of the interpreter matching a request (else the project's choice).
    ///
    /// Example: `envy python find 3.12`
    Find {
        /// `3.12`, `3.12.4`, `>=3.11`, `python3.12` or a path.
        request: Option<String>,
    },
    /// Write `.python-version` in the project directory.
    ///
    /// Example: `envy python pin 3.12`
    Pin {
        /// The version to pin, e.g. `3.12`.
        request: String,
    },
}

/// Run the subcommand: data (a list, a path) on stdout, notes on stderr.
pub(crate) fn exec(
    command: PythonCommand,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    match command {
        PythonCommand::List { json } => {
            let report = ops::python::list(settings)?;
            if json {
                print_json(printer, &report)?;
            } else {
                printer.data(&ops::python::render_list(&report));
                printer.status(&format!("* = {}", report.reason));
            }
        }
        PythonCommand::Find { request } => {
            let i = ops::python::find(settings, request.as_deref())?;
            printer.data(&format!("{}\n", i.executable.display()));
            printer.status(&format!("Python {} ({})", i.version, i.implementation));
        }
        PythonCommand::Pin { request } => {
            let path = ops::python::pin(settings, &request)?;
            printer.status(&format!(
                "Pinned `{}` in {}",
                request.trim(),
                path.display()
            ));
        }
    }
    Ok(ExitStatus::Success)
}
