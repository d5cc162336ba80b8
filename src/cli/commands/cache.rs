//! `envy cache dir|clean|prune`.

use super::print_json;
use crate::cli::{json, ExitStatus, Printer};
use crate::ops::report::Reporter;
use crate::ops::{self, Settings};
use clap::Subcommand;

/// `envy cache ...`
#[derive(Subcommand, Debug)]
pub(crate) enum CacheCommand {
    /// Print the cache directory (stdout) and its size (stderr).
    Dir {
        /// Print the directory and its size as JSON on stdout (schema in `docs/json.md`).
        #[arg(long)]
        json: bool,
    },
    /// Remove everything in the cache.
    Clean {
        /// Also print what was removed as JSON on stdout (schema in `docs/json.md`).
        #[arg(long)]
        json: bool,
    },
    /// Remove index pages and leftovers of interrupted writes; keep downloaded files.
    Prune {
        /// Also print what was removed as JSON on stdout (schema in `docs/json.md`).
        #[arg(long)]
        json: bool,
    },
}

/// Run the subcommand: the directory on stdout, sizes on stderr.
pub(crate) fn exec(
    command: CacheCommand,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    match command {
        CacheCommand::Dir { json } => {
            let (root, u) = ops::cache::dir(settings)?;
            if json {
                print_json(printer, &json::Cache::new("dir", root, &u))?;
            } else {
                printer.data(&format!("{}\n", root.display()));
                printer.status(&format!(
                    "{} in {}",
                    ops::cache::human(u.bytes),
                    files(u.files)
                ));
            }
        }
        CacheCommand::Clean { json } => {
            let (root, u) = ops::cache::clean(settings)?;
            printer.status(&format!(
                "Removed {} ({}) from {}",
                files(u.files),
                ops::cache::human(u.bytes),
                root.display()
            ));
            if json {
                print_json(printer, &json::Cache::new("clean", root, &u))?;
            }
        }
        CacheCommand::Prune { json } => {
            let (root, u) = ops::cache::prune(settings)?;
            printer.status(&format!(
                "Pruned {} ({}) from {}",
                files(u.files),
                ops::cache::human(u.bytes),
                root.display()
            ));
            if json {
                print_json(printer, &json::Cache::new("prune", root, &u))?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// `1 file`, `2 files`.
fn files(n: u64) -> String {
    ops::count(usize::try_from(n).unwrap_or(usize::MAX), "file", "files")
}
