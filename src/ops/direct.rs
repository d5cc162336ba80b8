//! Direct references in `envy lock` (PEP 508 `name @ URL`, `[tool.envy.sources]`
//! path, url and git entries): reading each one's distribution before
//! resolving ([`crate::source`]; a git dependency keeps its locked commit
//! unless upgraded), writing its source and file into the lock, refusing the
//! kinds envy cannot fetch (other URL schemes), and whether a lock still
//! matches the project's direct references (part of `lock::is_fresh`); and in
//! `envy sync`: building and installing source trees and git checkouts, and
//! the PEP 610 origin (`direct_url.json`) that tells when an installed
//! distribution came from elsewhere than the lock says.

use super::{Error, Result, Settings};
use crate::index::Client;
use crate::install::{self, plan::Plan, InstallOptions};
use crate::lock::{Lock, LockedPackage};
use crate::project::{DirectSource, Project};
use crate::types::WheelFilename;
use crate::venv::{Interpreter, SitePackages, Venv};
use pep440_rs::VersionSpecifiers;
use pep508_rs::PackageName;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Whether the lock's direct references are the project's: every locked
/// package from a path, URL or editable source is still named so in
/// `pyproject.toml`, with the same path (and editable flag) or URL (and
/// `#sha256=`); a local archive still has its locked sha256; a source tree's
/// static metadata (version, `Requires-Dist`) is what was locked; a git
/// dependency asks for the same repository, reference and subdirectory (its
/// branch moving on does not make the lock stale: no network is used). A package
/// that gained a direct reference but is locked from an index is stale too.
pub(super) fn direct_sources_match(lock: &Lock, project: &Project) -> bool {
    lock.packages
        .iter()
        .filter(|p| !p.is_project())
        .all(|p| match project.direct.get(&p.name) {
            None => !p.is_direct(),
            Some(source) => direct_entry_matches(p, source, project),
        })
}

/// Whether the locked package `p` is what `source` names (see
/// [`direct_sources_match`]).
fn direct_entry_matches(p: &LockedPackage, source: &DirectSource, project: &Project) -> bool {
    match source {
        DirectSource::Git { url } => p.source.git.as_deref().is_some_and(|locked| {
            crate::git::LockedGit::parse(locked).is_ok_and(|l| {
                let asked = crate::git::LockedGit {
                    url: url.clone(),
                    commit: l.commit,
                };
                asked.to_lock_string() == locked
            })
        }),
        DirectSource::Url { .. } => {
            let want = source.url_without_fragment().map(crate::types::redact_url);
            p.source.url == want
                && source
                    .fragment_sha256()
                    .is_none_or(|sha| p.files().all(|f| f.sha256() == sha))
        }
        DirectSource::Path { path, editable } => {
            let absolute = project.root.join(path);
            let relative = crate::source::relative_path(&project.root, &absolute);
            let (locked, locked_editable) = match (&p.source.path, &p.source.editable) {
                (Some(l), None) => (l, false),
                (None, Some(l)) => (l, true),
                _ => return false,
            };
            if locked != &relative || locked_editable != *editable {
                return false;
            }
            if p.source_tree().is_some() {
                return crate::source::tree_unchanged(
                    &absolute,
                    &p.version,
                    &p.requires_dist,
                    p.metadata_inputs.as_deref(),
                );
            }
            // A local archive: the bytes locked.
            fs_err::File::open(&absolute)
                .and_then(crate::types::hash::sha256_reader)
                .is_ok_and(|(sha, _)| p.files().all(|f| f.sha256() == sha))
        }
    }
}

/// Refuse the direct references (PEP 508 `name @ URL`, PEP 440 "direct
/// references") envy cannot fetch (schemes other than `file:`, `http(s):`
/// and `git+`, which are `project.direct`): resolving the name
/// from an index instead would install something nobody asked for
/// (dependency confusion). The error names the requirement and where it is.
///
/// # Errors
/// The first direct reference found.
pub(super) fn refuse_direct_references(project: &Project) -> Result<()> {
    let groups = project
        .optional_dependencies
        .iter()
        .map(|(e, r)| (format!("[project.optional-dependencies] {e}"), r))
        .chain(
            project
                .dependency_groups
                .iter()
                .map(|(g, r)| (format!("[dependency-groups] {g}"), r)),
        );
    let all = std::iter::once(("[project] dependencies".to_string(), &project.dependencies))
        .chain(groups);
    for (place, reqs) in all {
        for r in reqs.iter() {
            if project.direct.contains_key(&r.name) {
                continue;
            }
            if let Some(pep508_rs::VersionOrUrl::Url(url)) = &r.version_or_url {
                return Err(Error::new(format!(
                    "`{} @ {}` in {place} is a direct reference, which envy cannot lock yet",
                    r.name,
                    crate::types::redact_url(&url.to_string())
                ))
                .hint(format!(
                    "envy never resolves `{}` from an index in its place; use a version specifier (`{}>=...`) from an index, or another tool until envy supports direct references",
                    r.name, r.name
                )));
            }
        }
    }
    Ok(())
}

/// The git commits of `previous` that `envy lock` keeps: every locked git
/// dependency, unless `--upgrade` or `--upgrade-package` names it.
pub(super) fn git_pins(
    previous: Option<&Lock>,
    upgrade: bool,
    upgrade_packages: &[PackageName],
) -> BTreeMap<PackageName, crate::git::LockedGit> {
    let Some(prev) = previous.filter(|_| !upgrade) else {
        return BTreeMap::new();
    };
    prev.packages
        .iter()
        .filter(|p| !upgrade_packages.contains(&p.name))
        .filter_map(|p| {
            let locked = crate::git::LockedGit::parse(p.source.git.as_deref()?).ok()?;
            Some((p.name.clone(), locked))
        })
        .collect()
}

/// The distribution of each of the project's direct references (see
/// [`crate::source`]), a git dependency at its commit in `pins` when it
/// still asks for what was locked; the settings' reporter hears when a
/// build backend runs for metadata.
///
/// # Errors
/// The first direct reference that cannot be read.
pub(super) fn read_direct(
    settings: &Settings,
    client: &Arc<Client>,
    project: &Project,
    requires_python: &VersionSpecifiers,
    pins: BTreeMap<PackageName, crate::git::LockedGit>,
) -> Result<BTreeMap<PackageName, crate::source::DirectDistribution>> {
    if project.direct.is_empty() {
        return Ok(BTreeMap::new());
    }
    let reporter = settings.reporter.clone();
    let reader = crate::source::Reader::new(
        client.clone(),
        project,
        requires_python.clone(),
        Arc::new(move |what: &str| {
            reporter.status(&format!(
                "Reading the metadata of {what} with its build backend (runs its build code)"
            ));
        }),
    )
    .with_git_pins(pins);
    project
        .direct
        .iter()
        .map(|(name, source)| Ok((name.clone(), reader.read(name, source)?)))
        .collect()
}

/// Give the locked packages of direct references their source, their file
/// (an archive's, with sha256 and size) and, for source trees, their
/// `requires-dist`.
pub(super) fn apply_direct(
    lock: &mut Lock,
    direct: &BTreeMap<PackageName, crate::source::DirectDistribution>,
) {
    for p in lock.packages.iter_mut().filter(|p| !p.is_project()) {
        let Some(d) = direct.get(&p.name) else {
            continue;
        };
        p.source = d.source.clone();
        p.requires_dist = d.requires_dist.clone();
        p.metadata_inputs = d.metadata_inputs.clone();
        p.sdist = None;
        p.wheels = Vec::new();
        match &d.file {
            Some((entry, true)) => p.wheels = vec![entry.clone()],
            Some((entry, false)) => p.sdist = Some(entry.clone()),
            None => {}
        }
    }
}

/// A wheel built from a local source tree, ready to install: its scratch
/// directory (kept until installed), the wheel, its filename, the package,
/// the tree (absolute) and whether the wheel is editable.
pub(super) type BuiltTree<'a> = (
    tempfile::TempDir,
    PathBuf,
    WheelFilename,
    &'a LockedPackage,
    PathBuf,
    bool,
);

/// Build a wheel (editable or not) of every source tree `plan` installs,
/// before `.venv` is touched.
///
/// # Errors
/// A tree that is gone; build failures.
pub(super) fn build_trees<'l>(
    settings: &Settings,
    project: &Project,
    plan: &Plan<'l>,
    interp: &Interpreter,
    client: &Arc<Client>,
) -> Result<Vec<BuiltTree<'l>>> {
    let mut out = Vec::new();
    for t in &plan.trees {
        if t.package.source.git.is_some() {
            out.push(build_git(settings, client, project, t.package, interp)?);
            continue;
        }
        let dir = project.root.join(t.path);
        let dir = fs_err::canonicalize(&dir).map_err(|_| {
            Error::new(format!(
                "`{}` comes from `{}`, which does not exist",
                t.package.name, t.path
            ))
            .hint("restore the directory, or change the source in `pyproject.toml` and run `envy lock`")
        })?;
        let (scratch, wheel, filename) = super::build::wheel_from_tree(
            settings,
            client,
            t.package,
            (&dir, t.path),
            t.editable,
            interp,
        )?;
        out.push((scratch, wheel, filename, t.package, dir, t.editable));
    }
    Ok(out)
}

/// Install one built source tree, replacing what is installed under its
/// name, and record where it came from (PEP 610 `direct_url.json`).
pub(super) fn install_tree(
    venv: &Venv,
    project: &Project,
    tree: BuiltTree<'_>,
) -> Result<(String, String)> {
    let (_scratch, wheel, filename, pkg, dir, editable) = tree;
    for old in install::installed_named(venv, &pkg.name)? {
        install::uninstall(venv, &old)?;
    }
    let mut dist = install::install_wheel(
        venv,
        &wheel,
        &filename,
        &InstallOptions {
            installer: "envy",
            requested: false,
        },
    )?;
    if editable {
        install::record_editable_origin(venv, &mut dist, &dir)?;
    } else if let Some(git) = &pkg.source.git {
        let locked = crate::git::LockedGit::parse(git).map_err(Error::new)?;
        let json = crate::git::direct_url(&locked.url, &locked.commit);
        install::record_direct_url(venv, &dist, &json.to_string())?;
    } else if let Some(url) = expected_origin(&project.root, pkg) {
        let json = serde_json::json!({"url": url, "dir_info": {}});
        install::record_direct_url(venv, &dist, &json.to_string())?;
    }
    Ok((pkg.name.to_string(), pkg.version.to_string()))
}

/// The PEP 610 `direct_url.json` URL a package of the lock is installed
/// with: its archive URL, or the `file:` URL of its path (resolved against
/// the project root); `None` for a package from an index.
pub(super) fn expected_origin(root: &std::path::Path, pkg: &LockedPackage) -> Option<String> {
    if pkg.is_project() {
        return None;
    }
    if let Some(url) = &pkg.source.url {
        return Some(url.clone());
    }
    if let Some(git) = &pkg.source.git {
        return crate::git::LockedGit::parse(git)
            .ok()
            .map(|l| l.pep508_url());
    }
    let rel = pkg.source.path.as_ref().or(pkg.source.editable.as_ref())?;
    let path = root.join(rel);
    let path = fs_err::canonicalize(&path).unwrap_or(path);
    url::Url::from_file_path(&path)
        .ok()
        .map(|u| u.as_str().trim_end_matches('/').to_string())
}

/// Whether the installed `name` came from elsewhere than the lock says:
/// its PEP 610 origin (none for an index install) differs from the lock's.
pub(super) fn origin_changed(
    project: &Project,
    lock: &Lock,
    site: &SitePackages,
    name: &pep508_rs::PackageName,
) -> bool {
    let (Some(installed), Some(pkg)) = (site.get(name), lock.package(name.as_ref())) else {
        return false;
    };
    let expected = expected_origin(&project.root, pkg);
    if installed.editable && expected.is_none() {
        // The plan reinstalls an editable install of an index package.
        return false;
    }
    install::installed_direct_url(installed) != expected
}

/// Build the wheel of a locked git dependency: its commit checked out (from
/// the cache, else fetched), copied to a private directory, built there.
/// The lock holds no credentials: when `project` names the same repository
/// and subdirectory, its URL (credentials included) is the one fetched.
///
/// # Errors
/// Git failures (unreachable, commit gone, subdirectory missing); copy and
/// build failures.
pub(super) fn build_git<'l>(
    settings: &Settings,
    client: &Arc<Client>,
    project: &Project,
    pkg: &'l LockedPackage,
    interp: &Interpreter,
) -> Result<BuiltTree<'l>> {
    let git = pkg.source.git.as_deref().unwrap_or_default();
    let mut locked = crate::git::LockedGit::parse(git).map_err(Error::new)?;
    if let Some(DirectSource::Git { url }) = project.direct.get(&pkg.name) {
        if url.canonical_repository() == locked.url.canonical_repository()
            && url.subdirectory() == locked.url.subdirectory()
        {
            locked.url = url.with_reference(locked.url.reference().clone());
        }
    }
    let dir = crate::source::git::checkout_locked(
        client.cache().root(),
        &locked,
        client.config().offline,
    )?;
    let (copy, tree) =
        crate::source::git::private_copy(&dir, locked.url.subdirectory()).map_err(|e| {
            Error::new(format!(
                "cannot copy the checkout of `{}`: {e}",
                locked.pep508_url()
            ))
        })?;
    let shown = locked.pep508_url();
    let (scratch, wheel, filename) =
        super::build::wheel_from_tree(settings, client, pkg, (&tree, &shown), false, interp)?;
    drop(copy);
    Ok((scratch, wheel, filename, pkg, dir, false))
}
