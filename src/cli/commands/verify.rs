//! `envy verify [PATH]`: check a venv or a bundle against its lock and records.

use super::print_json;
use crate::cli::{ExitStatus, Printer};
use crate::ops::report::Reporter;
use crate::ops::{self, sync::SyncOptions, verify::VerifyOptions, Settings};
use clap::Args;
use std::path::PathBuf;

/// `envy verify` arguments.
#[derive(Args, Debug)]
pub(crate) struct VerifyArgs {
    /// A venv (default `.venv`), or a zipapp, wheelhouse or vendor directory
    /// `envy export` wrote.
    path: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// A venv: it should not hold the `dev` group.
    #[arg(long)]
    no_dev: bool,
    /// A venv: it should also hold this dependency group.
    #[arg(long, value_name = "GROUP")]
    group: Vec<String>,
    /// A venv: it should hold every dependency group.
    #[arg(long)]
    all_groups: bool,
    /// A venv: it should also hold this extra.
    #[arg(long, value_name = "EXTRA")]
    extra: Vec<String>,
    /// A venv: it should hold every extra.
    #[arg(long)]
    all_extras: bool,
}

/// Verify; exit 1 when anything differs.
pub(crate) fn exec(
    args: VerifyArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let verified = ops::verify::verify(
        settings,
        &VerifyOptions {
            path: args.path,
            groups: SyncOptions {
                no_dev: args.no_dev,
                groups: args.group,
                all_groups: args.all_groups,
                extras: args.extra,
                all_extras: args.all_extras,
                ..Default::default()
            },
        },
    )?;
    if args.json {
        print_json(printer, &verified)?;
    } else {
        let text = ops::verify::render(&verified);
        if !text.is_empty() {
            printer.data(&text);
        }
        let (f, d) = (&verified.files, &verified.distributions);
        let verdict = if verified.is_clean() {
            "everything matches".to_string()
        } else {
            format!(
                "{} and {} differ",
                ops::count(
                    f.changed.len() + f.missing.len() + f.extra.len(),
                    "file",
                    "files"
                ),
                ops::count(
                    d.missing.len() + d.unexpected.len() + d.other_version.len(),
                    "distribution",
                    "distributions"
                )
            )
        };
        printer.status(&format!(
            "Verified {} and {} of the {} {}: {verdict}",
            ops::count(f.checked, "file", "files"),
            ops::count(d.checked, "distribution", "distributions"),
            verified.kind,
            verified.path.display()
        ));
    }
    Ok(if verified.is_clean() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
