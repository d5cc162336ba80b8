//! Workspaces in `envy lock`, `envy sync` and `envy run` (uv's semantics;
//! see `docs/workspaces.md`): finding the workspace root from a member
//! directory, and which members a sync installs (`--package NAME`,
//! `--all-packages`, by default the member the command started in).
//!
//! Locking a workspace needs nothing here: [`crate::project::workspace::load`]
//! gives the root project every other member as an editable path direct
//! reference, which `ops::lock` resolves like any other.

use super::sync::SyncOptions;
use super::{Error, Result, Settings};
use crate::lock::{Dep, Lock};
use crate::project::Project;
use pep508_rs::PackageName;
use std::str::FromStr;

/// The settings of a command run from `settings.project_dir`: its project
/// directory moved to the workspace root (or the nearest directory up with
/// a `pyproject.toml`), and the member the command started in when that is
/// not the root project. Unchanged when no directory up has a
/// `pyproject.toml` (reading the project then says so).
pub fn discover(settings: &Settings) -> (Settings, Option<PackageName>) {
    match crate::project::workspace::discover(&settings.project_dir) {
        Some(found) => (
            Settings {
                project_dir: found.root,
                ..settings.clone()
            },
            found.member,
        ),
        None => (settings.clone(), None),
    }
}

/// Refuse `envy add`/`envy remove` (`command`) run from a workspace member:
/// they edit one `pyproject.toml` and lock that project alone, which would
/// write a second `envy.lock` in the member and leave the workspace's lock
/// behind. Run from the root, or from a directory in no workspace, they go on.
///
/// # Errors
/// `settings.project_dir` is (inside) a member of a workspace whose root is
/// another directory.
pub fn refuse_member_edit(settings: &Settings, command: &str) -> Result<()> {
    let Some(found) = crate::project::workspace::discover(&settings.project_dir) else {
        return Ok(());
    };
    match found.member {
        Some(member) if found.root != settings.project_dir => Err(Error::new(format!(
            "`envy {command}` cannot edit `{member}` here: it is a member of the workspace at {}, which has one envy.lock for every member",
            found.root.display()
        ))
        .hint(
            "edit this member's pyproject.toml by hand, then run `envy lock` (from any directory of the workspace)",
        )),
        _ => Ok(()),
    }
}

/// `opts.package` as a name, `None` when it is unset or the root project.
///
/// # Errors
/// A name that is no member of the workspace.
fn chosen_member(project: &Project, opts: &SyncOptions) -> Result<Option<PackageName>> {
    let Some(given) = &opts.package else {
        return Ok(None);
    };
    let name = PackageName::from_str(given).ok();
    if name.as_ref() == Some(&project.name) {
        return Ok(None);
    }
    match name.filter(|n| project.workspace_members.contains_key(n)) {
        Some(n) => Ok(Some(n)),
        None => {
            let root =
                (!crate::project::workspace::is_virtual(project)).then(|| project.name.to_string());
            let members: Vec<String> = root
                .into_iter()
                .chain(project.workspace_members.keys().map(ToString::to_string))
                .collect();
            Err(Error::new(format!(
                "`--package {given}` names no member of the workspace at {}",
                project.root.display()
            ))
            .hint(format!("its members are: {}", members.join(", "))))
        }
    }
}

/// Whether a sync with `opts` installs the root project itself (not with
/// `--package` naming another member).
///
/// # Errors
/// As [`view`].
pub(super) fn installs_root(project: &Project, opts: &SyncOptions) -> Result<bool> {
    Ok(chosen_member(project, opts)?.is_none())
}

/// The lock a sync with `opts` works from, when it is not `lock` itself:
/// with `--package NAME` (another member than the root) the root's edges
/// become one edge to that member, so exactly it and its dependencies are
/// installed; with `--all-packages` the root also gets an edge to every
/// member, as it does by default at a virtual root (one without
/// `[project]`). `None`: use `lock` as it is.
///
/// # Errors
/// `--package` naming no member of the workspace.
pub(super) fn view(project: &Project, lock: &Lock, opts: &SyncOptions) -> Result<Option<Lock>> {
    let edge = |name: &PackageName| {
        crate::types::parse_requirement(name.as_ref())
            .ok()
            .map(|r| Dep::from_requirement(&r))
    };
    let member = chosen_member(project, opts)?;
    let all = opts.all_packages || crate::project::workspace::is_virtual(project);
    if member.is_none() && !all {
        return Ok(None);
    }
    let mut view = lock.clone();
    let Some(root) = view.packages.iter_mut().find(|p| p.is_project()) else {
        return Ok(None);
    };
    if let Some(m) = &member {
        root.dependencies = edge(m).into_iter().collect();
        root.optional_dependencies.clear();
        root.dependency_groups.clear();
    } else {
        root.dependencies
            .extend(project.workspace_members.keys().filter_map(edge));
    }
    Ok(Some(view))
}

/// The text of every member's `pyproject.toml`, for the sync stamp: a
/// member whose requirements change makes the next sync look again.
pub(super) fn member_inputs(project: &Project) -> String {
    project
        .workspace_members
        .values()
        .map(|rel| {
            fs_err::read_to_string(project.root.join(rel).join("pyproject.toml"))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
