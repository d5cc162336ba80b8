//! `envy cache dir|clean|prune`.

use crate::cli::{ExitStatus, Printer};
use crate::ops::report::Reporter;
use crate::ops::{self, Settings};
use clap::Subcommand;

/// `envy cache ...`
#[derive(Subcommand, Debug)]
pub(crate) enum CacheCommand {
    /// Print the cache directory (stdout) and its size (stderr).
    Dir,
    /// Remove everything in the cache.
    Clean,
    /// Remove index pages and leftovers of interrupted writes; keep downloaded files.
    Prune,
}

/// Run the subcommand: the directory on stdout, sizes on stderr.
pub(crate) fn exec(
    command: CacheCommand,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    match command {
        CacheCommand::Dir => {
            let (root, u) = ops::cache::dir(settings)?;
            printer.data(&format!("{}\n", root.display()));
            printer.status(&format!(
                "{} in {} files",
                ops::cache::human(u.bytes),
                u.files
            ));
        }
        CacheCommand::Clean => {
            let (root, u) = ops::cache::clean(settings)?;
            printer.status(&format!(
                "Removed {} files ({}) from {}",
                u.files,
                ops::cache::human(u.bytes),
                root.display()
            ));
        }
        CacheCommand::Prune => {
            let (root, u) = ops::cache::prune(settings)?;
            printer.status(&format!(
                "Pruned {} files ({}) from {}",
                u.files,
                ops::cache::human(u.bytes),
                root.display()
            ));
        }
    }
    Ok(ExitStatus::Success)
}
