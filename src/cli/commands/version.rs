//! `envy version [--bump PART]`: the project's version.

use super::print_json;
use crate::cli::{json, ExitStatus, Printer};
use crate::ops::report::Reporter;
use crate::ops::{self, Settings};
use clap::Args;

/// `envy version` arguments.
#[derive(Args, Debug)]
pub(crate) struct VersionArgs {
    /// Bump this part of the version and write it back.
    #[arg(long, value_enum)]
    bump: Option<ops::version::Bump>,
    /// Print only the version number.
    #[arg(long)]
    short: bool,
    /// Print the name, version (and the previous one after `--bump`) as JSON
    /// on stdout (schema in `docs/json.md`).
    #[arg(long, conflicts_with = "short")]
    json: bool,
}

/// Print `name version` (or the version alone) on stdout; a bump is noted
/// on stderr.
pub(crate) fn exec(
    args: VersionArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    let v = ops::version::version(settings, args.bump)?;
    if args.bump.is_some() {
        printer.status(&format!("Bumped {} from {} to {}", v.name, v.old, v.new));
        if v.lock_updated {
            printer.status("Updated the project's version in envy.lock");
        }
    }
    if args.json {
        print_json(printer, &json::Version::new(&v, args.bump.is_some()))?;
    } else if args.short {
        printer.data(&format!("{}\n", v.new));
    } else {
        printer.data(&format!("{} {}\n", v.name, v.new));
    }
    Ok(ExitStatus::Success)
}
