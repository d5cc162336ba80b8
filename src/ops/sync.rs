//! `envy sync`: make `.venv` hold exactly the locked set for its interpreter.
//!
//! This file only sequences: `install::Plan` (pure) decides what is
//! unchanged, installed (cached, downloaded or built; reinstalled) or
//! extraneous; `prepare` downloads, verifies and unpacks every file; only
//! then does `execute` change `.venv`. Order matters for "nothing lost":
//! every file is hash-checked before `.venv` is touched.

use super::lock::{is_fresh, read_lock, requires_python_of, LockOptions};
use super::report::ChangeKind;
use super::{status, Error, Result, Settings};
use crate::index::Client;
use crate::install::plan::{NoFileForInterpreter, Plan};
use crate::install::{self, EditableProject, InstallOptions};
use crate::lock::{FileEntry, Lock, LockedPackage, Selection};
use crate::project::Project;
use crate::types::WheelFilename;
use crate::venv::{self, InstalledDist, Interpreter, SitePackages, Venv};
use pep440_rs::{Version, VersionSpecifiers};
use rayon::prelude::*;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

mod prepare;
use prepare::prepare;

/// How much to trust the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockMode {
    /// Re-lock when stale.
    #[default]
    Auto,
    /// Use the lock as it is.
    Frozen,
    /// Fail when stale.
    Locked,
}

/// Options of `envy sync`.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// How much to trust the lock.
    pub mode: LockMode,
    /// Leave out the `dev` group.
    pub no_dev: bool,
    /// Only these groups (no main dependencies).
    pub only_groups: Vec<String>,
    /// Extra groups.
    pub groups: Vec<String>,
    /// Every group.
    pub all_groups: bool,
    /// Extras of the project.
    pub extras: Vec<String>,
    /// Every extra.
    pub all_extras: bool,
    /// Interpreter request (`3.12`, a path).
    pub python: Option<String>,
    /// Install these distributions again even when the venv has the locked
    /// version (`--reinstall-package`); `--reinstall` is every one (`*`).
    pub reinstall: Vec<String>,
    /// Of a workspace: install this member and its dependencies only
    /// (`--package`; the root project when it names the root).
    pub package: Option<String>,
    /// Of a workspace: install every member (`--all-packages`).
    pub all_packages: bool,
}

impl SyncOptions {
    /// Whether `name` is to be installed again whatever the venv holds.
    fn reinstalls(&self, name: &str) -> bool {
        self.reinstall
            .iter()
            .any(|r| r == "*" || crate::lock::graph::normalize(r) == name)
    }
}

impl SyncOptions {
    /// The selection of groups these options describe, for `lock`.
    pub fn selection(&self, lock: &Lock) -> Selection {
        let project = lock.project();
        let all_groups: Vec<String> = project
            .map(|p| p.dependency_groups.keys().cloned().collect())
            .unwrap_or_default();
        let all_extras: Vec<String> = project
            .map(|p| p.optional_dependencies.keys().cloned().collect())
            .unwrap_or_default();
        if !self.only_groups.is_empty() {
            return Selection {
                main: false,
                extras: Vec::new(),
                groups: self
                    .only_groups
                    .iter()
                    .map(|g| crate::project::normalize_group(g))
                    .collect(),
            };
        }
        let mut groups: Vec<String> = if self.all_groups {
            all_groups
        } else {
            let mut g: Vec<String> = self
                .groups
                .iter()
                .map(|g| crate::project::normalize_group(g))
                .collect();
            if !self.no_dev && all_groups.iter().any(|x| x == "dev") {
                g.push("dev".to_string());
            }
            g
        };
        if self.no_dev {
            groups.retain(|g| g != "dev");
        }
        Selection {
            main: true,
            extras: if self.all_extras {
                all_extras
            } else {
                self.extras.clone()
            },
            groups,
        }
    }
}

/// What a sync did.
#[derive(Debug, Default)]
pub struct SyncOutcome {
    /// Distributions installed (name, version).
    pub installed: Vec<(String, String)>,
    /// Distributions removed (name, version).
    pub removed: Vec<(String, String)>,
    /// Distributions already right.
    pub kept: usize,
    /// Those distributions (name, version), sorted; on the no-op fast path
    /// (see `venv::sync_stamp`), read from the venv's `.dist-info` names.
    pub kept_packages: Vec<(String, String)>,
    /// The venv.
    pub venv: PathBuf,
    /// How long the sync took, whole and by phase.
    pub timings: SyncTimings,
}

/// How long a sync took. The phases do not add up to the total: locking,
/// interpreter discovery and planning come before them.
#[derive(Debug, Default, Clone, Copy)]
pub struct SyncTimings {
    /// The whole sync (including locking, when it had to lock).
    pub total: std::time::Duration,
    /// Downloading, verifying and unpacking (or building) what was missing.
    pub prepare: std::time::Duration,
    /// Changing the venv: removals, installs, the project's editable install.
    pub install: std::time::Duration,
}

/// Get a lock that is usable under `mode`, locking when allowed and needed.
///
/// # Errors
/// Missing or stale locks under `--frozen`/`--locked`; lock failures.
pub fn ensure_lock(settings: &Settings, project: &Project, mode: LockMode) -> Result<Lock> {
    let existing = read_lock(project)?;
    match mode {
        LockMode::Frozen => existing.ok_or_else(|| {
            Error::new("there is no `envy.lock` and `--frozen` was given")
                .hint("run `envy lock` first")
        }),
        LockMode::Locked => {
            let rp = requires_python_of(project)?;
            match existing {
                Some(l) if is_fresh(&l, project, &rp, &l.options) => Ok(l),
                Some(_) => Err(Error::new(
                    "`envy.lock` does not match `pyproject.toml` and `--locked` was given",
                )
                .hint("run `envy lock` and commit the updated `envy.lock`")),
                None => Err(
                    Error::new("there is no `envy.lock` and `--locked` was given")
                        .hint("run `envy lock` first"),
                ),
            }
        }
        // A stale lock is re-made with the options it was made with.
        LockMode::Auto => {
            let opts = existing
                .as_ref()
                .map(|l| LockOptions::from_recorded(&l.options))
                .unwrap_or_default();
            Ok(super::lock::lock(settings, &opts)?.lock)
        }
    }
}

/// Pick the interpreter for `.venv`: the existing venv's when it fits the
/// request (`--python`, else `.python-version`) and `requires-python` (see
/// [`venv::venv_misfit`]), else discovery. The third value says why an
/// existing venv is being replaced, in words for the status line.
fn choose_venv(
    project: &Project,
    requires_python: &VersionSpecifiers,
    request: Option<&str>,
) -> Result<(Option<Venv>, Option<Interpreter>, Option<String>)> {
    let root = project.root.join(".venv");
    let existing = venv::open_venv(&root).ok().flatten();
    let mut replaced = None;
    if let Some(v) = existing {
        match venv::venv_misfit(&v.interpreter, request, requires_python, &project.root)? {
            None => return Ok((Some(v), None, None)),
            Some(misfit) => replaced = Some(misfit_words(&v.interpreter.version, &misfit)),
        }
    }
    let interp = venv::find_interpreter(request, requires_python, &project.root)?;
    Ok((None, Some(interp), replaced))
}

/// Why `.venv`'s Python (`version`) no longer fits, for the recreate line.
fn misfit_words(version: &Version, misfit: &venv::Misfit) -> String {
    match misfit {
        venv::Misfit::Request {
            request,
            file: None,
        } => format!("it ran Python {version}, which does not match `--python {request}`"),
        venv::Misfit::Request {
            request,
            file: Some(_),
        } => format!(
            "it ran Python {version}, which does not match `{request}` from `.python-version`"
        ),
        venv::Misfit::RequiresPython(rp) => {
            format!("it ran Python {version}, which requires-python `{rp}` excludes")
        }
    }
}

/// A verified wheel ready to install: its unpacked tree in the cache (or, for
/// a wheel built from an sdist, which has no sha256 in the lock: `None`, the
/// wheel file itself), parsed name, package and sha256.
type Downloaded<'a> = (PathBuf, WheelFilename, &'a LockedPackage, Option<String>);

/// The error for a needed distribution with no file for `interp`.
fn no_file_error(interp: &Interpreter, e: NoFileForInterpreter) -> Error {
    let what = "none of its wheels match it, and it has no sdist";
    Error::new(format!(
        "`{}=={}` has no wheel for this interpreter (Python {}, {}): {what}",
        e.name,
        e.version,
        interp.version,
        interp.markers.sys_platform()
    ))
    .hint("pick a Python version or platform this version publishes wheels for, or pin another version")
}

/// `envy sync` on an already-read project and lock: plan (pure), prepare
/// (download, verify, unpack; `.venv` untouched), execute (change `.venv`).
///
/// # Errors
/// Interpreter, download (hash mismatch: `.venv` untouched) and install failures.
pub fn sync_with_lock(
    settings: &Settings,
    project: &Project,
    lock: &Lock,
    opts: &SyncOptions,
    client: Option<Arc<Client>>,
) -> Result<SyncOutcome> {
    let started = Instant::now();
    // One sync per project at a time: a second one waits, then plans against
    // what the first one left (held until this function returns).
    let _guard = lock_project_venv(settings, project)?;
    let requires_python = VersionSpecifiers::from_str(&lock.requires_python)
        .map_err(|e| Error::new(e.to_string()))?;
    let (existing, new_interp, replaced) =
        choose_venv(project, &requires_python, opts.python.as_deref())?;
    let interp = existing.as_ref().map_or_else(
        || new_interp.clone().expect("an interpreter"),
        |v| v.interpreter.clone(),
    );
    let viewed = super::workspace::view(project, lock, opts)?;
    let lock = viewed.as_ref().unwrap_or(lock);
    let selection = opts.selection(lock);
    check_groups(lock, &selection)?;
    let site = match &existing {
        Some(v) => SitePackages::read(v)?,
        None => SitePackages::default(),
    };
    let cache = settings
        .cache_dir
        .clone()
        .map(crate::index::cache::Cache::new);
    let cached = |file: &FileEntry| {
        cache
            .as_ref()
            .is_some_and(|c| c.file_path(file.sha256(), file.filename()).is_file())
    };
    // Installed from elsewhere than the lock now says (an index, another
    // path or URL): installed again.
    let reinstall = |name: &pep508_rs::PackageName| {
        opts.reinstalls(name.as_ref()) || super::direct::origin_changed(project, lock, &site, name)
    };
    let plan = Plan::new(
        lock,
        &selection,
        &interp,
        &site,
        &cached,
        &project.name,
        &reinstall,
    )
    .map_err(|e| no_file_error(&interp, e))?;
    let planned = Instant::now();
    let trees_client = match (&client, plan.trees.is_empty()) {
        (_, true) => None,
        (Some(c), false) => Some(c.clone()),
        (None, false) => Some(settings.client(Some(project))?),
    };
    let downloaded = prepare(settings, project, &plan, &interp, client)?;
    let built = match &trees_client {
        Some(c) => super::direct::build_trees(settings, project, &plan, &interp, c)?,
        None => Vec::new(),
    };
    let prepared = Instant::now();
    let mut outcome = execute(
        settings,
        project,
        opts,
        (existing, replaced.as_deref()),
        &interp,
        &plan,
        &site,
        (downloaded, built),
    )?;
    outcome.timings = SyncTimings {
        total: started.elapsed(),
        prepare: prepared.duration_since(planned),
        install: prepared.elapsed(),
    };
    status(
        settings,
        format!(
            "Installed {} package{}, removed {}, kept {} in {:.2}s",
            outcome.installed.len(),
            if outcome.installed.len() == 1 {
                ""
            } else {
                "s"
            },
            outcome.removed.len(),
            outcome.kept,
            started.elapsed().as_secs_f64()
        ),
    );
    for (n, v) in &outcome.removed {
        settings
            .reporter
            .change(ChangeKind::Removed, &format!("- {n}=={v}"));
    }
    for (n, v) in &outcome.installed {
        settings
            .reporter
            .change(ChangeKind::Added, &format!("+ {n}=={v}"));
    }
    Ok(outcome)
}

/// Change `.venv` to match `plan`: create it if there is none, remove the
/// extraneous distributions, install the prepared ones, install (or remove)
/// the project itself, and record the sync stamp.
///
/// # Errors
/// Venv creation, uninstall and install failures.
#[allow(clippy::too_many_arguments)]
fn execute(
    settings: &Settings,
    project: &Project,
    opts: &SyncOptions,
    (existing, replaced): (Option<Venv>, Option<&str>),
    interp: &Interpreter,
    plan: &Plan<'_>,
    site: &SitePackages,
    (downloaded, built): (Vec<Downloaded<'_>>, Vec<super::direct::BuiltTree<'_>>),
) -> Result<SyncOutcome> {
    // Now change the venv; no stamp may vouch for it until this is done (a
    // failure before this point leaves the venv, stamp included, as it was).
    venv::sync_stamp::invalidate(&project.root);
    let venv = match existing {
        Some(v) => v,
        None => {
            let root = project.root.join(".venv");
            let line = match replaced {
                Some(why) => format!(
                    "Recreating virtual environment at .venv with Python {} ({why})",
                    interp.version
                ),
                None => format!(
                    "Creating virtual environment at .venv (Python {})",
                    interp.version
                ),
            };
            status(settings, line);
            venv::create_venv(&root, interp)?
        }
    };
    for d in &plan.extraneous {
        install::uninstall(&venv, d)?;
    }
    let opts_install = InstallOptions {
        installer: "envy",
        requested: false,
    };
    let installed_now: Vec<Result<(String, String)>> = downloaded
        .par_iter()
        .map(|(path, filename, pkg, sha256)| {
            let dist = match sha256 {
                // `path` is the unpacked tree, verified in the download phase.
                Some(_) => install::link_unpacked(&venv, path, filename, &opts_install)?,
                None => install::install_wheel(&venv, path, filename, &opts_install)?,
            };
            if let Some(url) = super::direct::expected_origin(&project.root, pkg) {
                let sha256 = pkg
                    .files()
                    .next()
                    .map(FileEntry::sha256)
                    .unwrap_or_default();
                let json =
                    serde_json::json!({"url": url, "archive_info": {"hashes": {"sha256": sha256}}});
                install::record_direct_url(&venv, &dist, &json.to_string())?;
            }
            Ok((pkg.name.to_string(), pkg.version.to_string()))
        })
        .collect();
    let mut installed_now = installed_now;
    for tree in built {
        installed_now.push(super::direct::install_tree(&venv, project, tree));
    }
    let mut outcome = SyncOutcome {
        kept: plan.unchanged.len(),
        kept_packages: {
            let mut kept: Vec<(String, String)> = plan
                .unchanged
                .iter()
                .map(|p| (p.name.to_string(), p.version.to_string()))
                .collect();
            kept.sort();
            kept
        },
        venv: venv.root.clone(),
        removed: plan
            .extraneous
            .iter()
            .map(|d| (d.name.to_string(), d.version.to_string()))
            .collect(),
        ..Default::default()
    };
    for r in installed_now {
        outcome.installed.push(r?);
    }
    let current = site.get(&project.name);
    if project.is_package()
        && opts.only_groups.is_empty()
        && super::workspace::installs_root(project, opts)?
    {
        install_project(settings, &venv, project, current)?;
    } else if let Some(d) = current {
        // A virtual project (or `--only-group`): the project itself is not
        // installed, and an earlier install of it is removed.
        install::uninstall(&venv, d)?;
    }
    outcome.installed.sort();
    if venv.root == project.root.join(".venv") {
        let total = outcome.kept + outcome.installed.len();
        let (options, index) = stamp_inputs(settings, opts, project);
        venv::sync_stamp::record(
            &project.root,
            &venv::sync_stamp::StampInputs {
                options: &options,
                index: &index,
            },
            total,
        );
    }
    Ok(outcome)
}

/// Fail when `selection` names a dependency group the locked project does
/// not declare (PEP 735).
///
/// # Errors
/// The first unknown group, with a hint to declare it.
pub(crate) fn check_groups(lock: &Lock, selection: &Selection) -> Result<()> {
    for g in &selection.groups {
        if !lock
            .project()
            .is_some_and(|p| p.dependency_groups.contains_key(g))
        {
            return Err(
                Error::new(format!("the project has no dependency group `{g}`"))
                    .hint("add it under `[dependency-groups]` in `pyproject.toml`"),
            );
        }
    }
    Ok(())
}

/// Take an exclusive advisory lock (`flock`/`LockFileEx` via `fs4`) for
/// changing `project`'s `.venv`, waiting for another envy process that holds
/// it. The lock file cannot live inside `.venv` (recreating the venv deletes
/// the directory, and a new file would not exclude a process holding the
/// old one), nor in the cache (two syncs may use different caches), so it
/// is `$TMPDIR/envy-locks/venv-<hash of the project path>.lock`.
///
/// # Errors
/// When the lock file cannot be created or locked.
fn lock_project_venv(settings: &Settings, project: &Project) -> Result<fs_err::File> {
    super::project_lock(
        settings,
        &project.root,
        "venv",
        "Waiting for another envy process to finish with .venv",
    )
}

/// Install the project itself, editable, unless an identical editable install is there.
/// Projects envy cannot describe exactly go through their build backend
/// ([`super::build::install_project_with_backend`]).
fn install_project(
    settings: &Settings,
    venv: &Venv,
    project: &Project,
    current: Option<&InstalledDist>,
) -> Result<()> {
    if project.needs_backend_editable() {
        if let (Some(d), Some(v)) = (current, &project.version) {
            if d.editable && &d.version == v {
                return Ok(());
            }
        }
        super::build::install_project_with_backend(settings, venv, project)?;
        return Ok(());
    }
    let version = project
        .version
        .clone()
        .unwrap_or_else(|| Version::new([0, 0, 0]));
    if let Some(d) = current {
        if d.editable && d.version == version {
            return Ok(());
        }
        install::uninstall(venv, d)?;
    }
    let src = project.root.join("src");
    let source_root = if src.is_dir() {
        src
    } else {
        project.root.clone()
    };
    let editable = EditableProject {
        name: &project.name,
        version: &version,
        project_root: &project.root,
        source_root: &source_root,
        requires_dist: project
            .dependencies
            .iter()
            .map(ToString::to_string)
            .collect(),
        requires_python: project.requires_python.as_ref().map(ToString::to_string),
        console_scripts: project.scripts.clone(),
        gui_scripts: project.gui_scripts.clone(),
    };
    install::install_editable(
        venv,
        &editable,
        &InstallOptions {
            installer: "envy",
            requested: true,
        },
    )?;
    Ok(())
}

/// The text the sync stamp digests for `opts` (and a workspace's members)
/// and the index settings.
fn stamp_inputs(settings: &Settings, opts: &SyncOptions, project: &Project) -> (String, String) {
    let mut options = format!("{opts:?}");
    if !project.workspace_members.is_empty() {
        options.push_str(&super::workspace::member_inputs(project));
    }
    (options, format!("{:?}", settings.index))
}

/// `envy sync`.
///
/// # Errors
/// As [`ensure_lock`] and [`sync_with_lock`].
pub fn sync(settings: &Settings, opts: &SyncOptions) -> Result<SyncOutcome> {
    let started = Instant::now();
    let project = settings.project()?;
    // `--package` must name a member before anything is locked.
    super::workspace::installs_root(&project, opts)?;
    let (options, index) = stamp_inputs(settings, opts, &project);
    let inputs = venv::sync_stamp::StampInputs {
        options: &options,
        index: &index,
    };
    let fast = opts.reinstall.is_empty();
    if let Some(kept) = venv::sync_stamp::up_to_date(&project.root, &inputs).filter(|_| fast) {
        if opts.mode == LockMode::Auto {
            status(settings, "Lock is up to date");
        }
        status(
            settings,
            format!(
                "Installed 0 packages, removed 0, kept {kept} in {:.2}s",
                started.elapsed().as_secs_f64()
            ),
        );
        return Ok(SyncOutcome {
            kept,
            kept_packages: venv::sync_stamp::installed_packages(&project.root, &project.name),
            venv: project.root.join(".venv"),
            timings: SyncTimings {
                total: started.elapsed(),
                ..Default::default()
            },
            ..Default::default()
        });
    }
    let lock = ensure_lock(settings, &project, opts.mode)?;
    sync_with_lock(settings, &project, &lock, opts, None)
}
