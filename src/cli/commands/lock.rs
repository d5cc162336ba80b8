//! `envy lock`: resolve the project and write `envy.lock`.

use super::{package_names, print_json};
use crate::cli::{ExitStatus, Printer};
use crate::ops::{self, lock::LockOptions, Settings};
use crate::resolver::{ForkStrategy, PackageSelector, PrereleaseMode, ResolutionMode};
use clap::Args;

/// `envy lock` arguments.
#[derive(Args, Debug)]
pub(crate) struct LockArgs {
    /// Ignore the pins of the existing lock.
    #[arg(long)]
    upgrade: bool,
    /// Ignore the pin of this package (repeatable).
    #[arg(long, value_name = "NAME")]
    upgrade_package: Vec<String>,
    /// Exit 1 instead of writing if `envy.lock` is missing or stale.
    #[arg(long, alias = "check")]
    locked: bool,
    /// Pre-release policy.
    #[arg(long, value_enum, default_value = "if-necessary-or-explicit")]
    prerelease: PrereleaseMode,
    /// Which versions to prefer.
    #[arg(long, value_enum, default_value = "highest")]
    resolution: ResolutionMode,
    /// How the universal lock splits by Python version: `requires-python` gives each
    /// Python the newest release it can run; `fewest` one version for all.
    #[arg(long, value_enum, default_value = "requires-python")]
    fork_strategy: ForkStrategy,
    /// Ignore files uploaded after this RFC 3339 time (e.g. `2025-01-01T00:00:00Z`).
    #[arg(long, value_name = "TIMESTAMP")]
    exclude_newer: Option<String>,
    /// Use no sdists at all: every package needs a wheel.
    #[arg(long)]
    no_build: bool,
    /// Use no sdist of this package (repeatable).
    #[arg(long, value_name = "NAME")]
    no_build_package: Vec<String>,
    /// Use no wheels at all: every package from its sdist.
    #[arg(long)]
    no_binary: bool,
    /// Use no wheel of this package (repeatable).
    #[arg(long, value_name = "NAME")]
    no_binary_package: Vec<String>,
    /// Resolve and report what would change, without writing `envy.lock`.
    #[arg(long)]
    dry_run: bool,
    /// Print the changes as JSON on stdout (schema in `docs/commands/lock.md`).
    #[arg(long)]
    json: bool,
}

/// Lock, then print the change report as JSON when asked (the status and
/// change lines come through the reporter).
pub(crate) fn exec(
    args: LockArgs,
    settings: &Settings,
    printer: Printer,
) -> ops::Result<ExitStatus> {
    // From a member directory: the workspace root's lock.
    let (settings, _) = ops::workspace::discover(settings);
    let settings = &settings;
    let upgrade_packages = package_names(&args.upgrade_package)?;
    let outcome = ops::lock::lock(
        settings,
        &LockOptions {
            upgrade: args.upgrade,
            upgrade_packages,
            locked: args.locked,
            prerelease: args.prerelease,
            resolution: args.resolution,
            fork_strategy: args.fork_strategy,
            exclude_newer: args.exclude_newer,
            no_build: PackageSelector {
                all: args.no_build,
                packages: package_names(&args.no_build_package)?,
            },
            no_binary: PackageSelector {
                all: args.no_binary,
                packages: package_names(&args.no_binary_package)?,
            },
            dry_run: args.dry_run,
        },
    )?;
    if args.json {
        print_json(printer, &ops::lock::ChangeReport::new(&outcome.changes))?;
    }
    Ok(ExitStatus::Success)
}
