//! Which files of a version the resolver may use, and the work shared by
//! the forks and restarts of one resolution ([`SharedWork`]).

use super::exclude_newer::ExcludeNewer;
use super::plausible_file;
use super::provider::{KnownDeps, Provider};
use crate::index::{IndexFile, ProjectPage};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerTree, PackageName};
use std::cell::RefCell;
use std::collections::HashMap;

/// Work that stays valid across the forks and restarts of one resolution
/// (one call of `resolve`), so that a restart or a fork does not redo it:
/// which wheels fit the project's `requires-python`, which `Requires-Python`
/// values cover which part of the environment, and each version's
/// requirements as filtered for one part of the environment. Every entry is
/// a pure function of its key and of the resolution's input.
#[derive(Default)]
pub(super) struct SharedWork {
    /// Per wheel filename: whether it fits some interpreter at all (see
    /// `plausible_file`), and whether its tags fit the project's
    /// `requires-python` (the same for every fork).
    pub(super) wheel_checks: RefCell<HashMap<String, (bool, bool)>>,
    /// Per (`Requires-Python`, environment): whether it covers every Python
    /// of that environment.
    pub(super) python_covers: RefCell<HashMap<(VersionSpecifiers, MarkerTree), bool>>,
    /// Per (environment, name, version): the version's `Requires-Python` and
    /// its requirements filtered for that environment, split into base and
    /// per-extra lists.
    pub(super) deps: RefCell<HashMap<(MarkerTree, PackageName, Version), KnownDeps>>,
}

/// Whether `f` is allowed by the resolution's options for its package:
/// `--no-binary` (`no_binary`: no wheels), `--no-build` (`no_build`: no
/// sdists) and `--exclude-newer` (uploaded before the cutoff). Shared by the
/// provider and the prefetcher, so both see the same files.
pub(super) fn allowed_by_options(
    f: &IndexFile,
    no_build: bool,
    no_binary: bool,
    exclude_newer: Option<&ExcludeNewer>,
) -> bool {
    (if f.is_wheel() { !no_binary } else { !no_build })
        && exclude_newer.is_none_or(|cut| cut.admits(f.upload_time.as_deref()))
}

/// Whether `f` can run on some Python of `python` (the project's
/// `requires-python` as a marker): an sdist or a wheel whose name does not
/// parse always; a wheel when its Python and ABI tags admit such a Python.
pub(super) fn fits_python(f: &IndexFile, python: &MarkerTree) -> bool {
    f.wheel_filename()
        .is_none_or(|w| !crate::types::filename::wheel_marker(&w).is_disjoint(python))
}

impl Provider {
    /// The files of `page`'s version `v` that this resolution may use: not
    /// yanked (unless pinned with `==`, PEP 592), fitting some interpreter
    /// and the project's `requires-python`, allowed by `--no-binary` /
    /// `--no-build`, and uploaded before `--exclude-newer`.
    pub(super) fn usable_files<'a>(
        &self,
        page: &'a ProjectPage,
        v: &Version,
    ) -> Vec<&'a IndexFile> {
        let Some(files) = page.versions.get(v) else {
            return Vec::new();
        };
        let pinned = self
            .pinned
            .borrow()
            .get(&page.name)
            .is_some_and(|s| s.contains(v));
        let no_build = self.input.no_build.contains(&page.name);
        let no_binary = self.input.no_binary.contains(&page.name);
        let exclude_newer = self.input.exclude_newer.as_ref();
        files
            .iter()
            .filter(|f| pinned || f.yanked.is_none())
            .filter(|f| self.wheel_checks(f) == (true, true))
            .filter(|f| allowed_by_options(f, no_build, no_binary, exclude_newer))
            .collect()
    }

    /// Whether a file can run on some Python that `requires-python` allows:
    /// an sdist always; a wheel when its Python and ABI tags (`cp310`,
    /// `pp310`, `py2`, `cp313-abi3`) admit such a Python. Checked against the
    /// project's range, not this fork's, so every fork that picks a version
    /// lists the same files for it.
    pub(super) fn wheel_fits_project_python(&self, f: &IndexFile) -> bool {
        self.wheel_checks(f).1
    }

    /// For a wheel: whether it fits some interpreter at all
    /// ([`plausible_file`]) and whether it fits the project's
    /// `requires-python` ([`Self::wheel_fits_project_python`]), computed once
    /// per filename for the whole resolution. An sdist passes both.
    pub(super) fn wheel_checks(&self, f: &IndexFile) -> (bool, bool) {
        if !f.is_wheel() {
            return (true, true);
        }
        if let Some(checks) = self.shared.wheel_checks.borrow().get(&f.filename) {
            return *checks;
        }
        let checks = (plausible_file(f), fits_python(f, &self.project_python));
        self.shared
            .wheel_checks
            .borrow_mut()
            .insert(f.filename.clone(), checks);
        checks
    }

    pub(super) fn candidate_ok(&self, page: &ProjectPage, v: &Version) -> bool {
        let files = self.usable_files(page, v);
        !files.is_empty()
            && files.iter().any(|f| {
                f.requires_python
                    .as_ref()
                    .is_none_or(|rp| self.python_ok(&page.name, rp))
            })
            && self.covers_required_environments(&page.name, &files)
    }

    /// Whether `files` have something installable in every required
    /// environment (that this fork covers): an sdist, or wheels whose tags
    /// together cover it.
    pub(super) fn covers_required_environments(
        &self,
        name: &PackageName,
        files: &[&IndexFile],
    ) -> bool {
        if self.input.required_environments.is_empty() || files.iter().any(|f| !f.is_wheel()) {
            return true;
        }
        let mut usable = MarkerTree::FALSE;
        for f in files {
            if let Some(w) = f.wheel_filename() {
                usable.or(crate::types::filename::wheel_marker(&w));
            }
        }
        // Where the package is required at all: a Windows-only dependency
        // (and what it requires) needs no Linux wheel.
        let wanted = self.where_needed(name);
        self.input.required_environments.iter().all(|required| {
            let mut here = required.clone();
            here.and(self.env.clone());
            here.and(wanted.clone());
            here.is_false() || !here.is_disjoint(&usable)
        })
    }
}
