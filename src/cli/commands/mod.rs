//! One file per command: its clap arguments and an `exec` that calls one
//! `ops` function and renders what it returns through the [`Printer`].
//! This file holds the argument groups several commands share.

pub(crate) mod add;
pub(crate) mod build;
pub(crate) mod cache;
pub(crate) mod completions;
pub(crate) mod export;
pub(crate) mod init;
pub(crate) mod lock;
pub(crate) mod new;
pub(crate) mod outdated;
pub(crate) mod python;
pub(crate) mod remove;
pub(crate) mod run;
pub(crate) mod show;
pub(crate) mod sync;
pub(crate) mod tree;
pub(crate) mod venv;
pub(crate) mod verify;
pub(crate) mod version;

use super::Printer;
use crate::ops::{
    self,
    sync::{LockMode, SyncOptions},
};
use crate::project::edit::Target;
use clap::Args;
use pep508_rs::PackageName;
use std::str::FromStr;

/// `--frozen` / `--locked` for the commands that read `envy.lock` only.
#[derive(Args, Debug, Clone)]
pub(crate) struct LockModeArgs {
    /// Use `envy.lock` as it is, without checking it against `pyproject.toml`.
    #[arg(long, conflicts_with = "locked")]
    frozen: bool,
    /// Exit 1 if `envy.lock` is missing or stale.
    #[arg(long)]
    locked: bool,
}

impl LockModeArgs {
    /// How to treat `envy.lock`.
    pub(crate) fn mode(&self) -> LockMode {
        if self.frozen {
            LockMode::Frozen
        } else if self.locked {
            LockMode::Locked
        } else {
            LockMode::Auto
        }
    }
}

/// Where `add` and `remove` edit: `[project].dependencies`, a dependency
/// group (PEP 735) or an extra.
#[derive(Args, Debug)]
pub(crate) struct TargetArgs {
    /// The `dev` dependency group (PEP 735).
    #[arg(long, conflicts_with_all = ["group", "optional"])]
    dev: bool,
    /// A dependency group (PEP 735).
    #[arg(long, value_name = "GROUP", conflicts_with = "optional")]
    group: Option<String>,
    /// An extra: `[project.optional-dependencies]`.
    #[arg(long, value_name = "EXTRA")]
    optional: Option<String>,
}

impl TargetArgs {
    /// The table the flags name.
    pub(crate) fn target(&self) -> Target {
        if self.dev {
            Target::Group("dev".into())
        } else if let Some(g) = &self.group {
            Target::Group(g.clone())
        } else if let Some(e) = &self.optional {
            Target::Optional(e.clone())
        } else {
            Target::Dependencies
        }
    }
}

/// What `sync`, `export` and `run` install: the lock mode, the dependency
/// groups and extras, and the interpreter.
#[derive(Args, Debug, Clone)]
pub(crate) struct SyncArgs {
    /// Use `envy.lock` as it is, without checking it against `pyproject.toml`.
    #[arg(long, conflicts_with = "locked")]
    frozen: bool,
    /// Exit 1 if `envy.lock` is missing or stale.
    #[arg(long)]
    locked: bool,
    /// Leave out the `dev` group.
    #[arg(long)]
    no_dev: bool,
    /// Also include this dependency group (repeatable).
    #[arg(long, value_name = "GROUP")]
    group: Vec<String>,
    /// Only this dependency group, without the main dependencies (repeatable).
    #[arg(long, value_name = "GROUP")]
    only_group: Vec<String>,
    /// Every dependency group.
    #[arg(long)]
    all_groups: bool,
    /// Also include this extra of the project (repeatable).
    #[arg(long, value_name = "EXTRA")]
    extra: Vec<String>,
    /// Every extra of the project.
    #[arg(long)]
    all_extras: bool,
    /// Interpreter for `.venv` (`3.12`, `python3.12`, or a path).
    #[arg(long)]
    python: Option<String>,
}

impl SyncArgs {
    /// The `ops` options these flags describe.
    pub(crate) fn options(&self) -> SyncOptions {
        SyncOptions {
            mode: if self.frozen {
                LockMode::Frozen
            } else if self.locked {
                LockMode::Locked
            } else {
                LockMode::Auto
            },
            no_dev: self.no_dev,
            only_groups: self.only_group.clone(),
            groups: self.group.clone(),
            all_groups: self.all_groups,
            extras: self.extra.clone(),
            all_extras: self.all_extras,
            python: self.python.clone(),
            reinstall: Vec::new(),
            ..SyncOptions::default()
        }
    }
}

/// Parse package names given on the command line.
///
/// # Errors
/// A name that is not a valid package name (PEP 508).
pub(crate) fn package_names(names: &[String]) -> ops::Result<Vec<PackageName>> {
    names
        .iter()
        .map(|n| {
            PackageName::from_str(n)
                .map_err(|e| ops::Error::new(format!("invalid package name `{n}`: {e}")))
        })
        .collect()
}

/// Write `value` as pretty JSON plus a newline to stdout.
///
/// # Errors
/// When the value cannot be rendered as JSON.
pub(crate) fn print_json<T: serde::Serialize>(printer: Printer, value: &T) -> ops::Result<()> {
    printer
        .json(value)
        .map_err(|e| ops::Error::new(format!("cannot render JSON: {e}")))
}
