//! Candidate order across a distribution and its extras.
//!
//! An extra is its own PubGrub package (`Pkg::Extra`) that requires its
//! distribution `==` its own version, so a distribution and every extra of it
//! end on one version. PubGrub does not tell the provider which versions the
//! distribution's other packages have ruled out: once one extra has ruled out
//! the newest release (its requirements cannot be met) while the distribution
//! or another extra, chosen first, fixes the distribution there, PubGrub tries
//! every older release of the first extra against it, one version (and one
//! metadata download) at a time, before it gives the newest release up
//! (issues #13 and #15: `boto3-stubs[s3,ses,sns,sqs]` asked for all 5,162
//! boto3-stubs versions). [`Siblings`] remembers the ranges PubGrub showed
//! for each of them, so that the versions a sibling rules out are tried last.
//! It only orders candidates: every version in range stays possible.

use super::Pkg;
use pep440_rs::Version;
use pep508_rs::PackageName;
use pubgrub::Dependencies;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use version_ranges::Ranges;

/// What the provider has seen of each distribution and extra (see the
/// module documentation).
#[derive(Default)]
pub(super) struct Siblings {
    /// The last range PubGrub showed for each distribution and extra, with
    /// the tick it was seen at.
    ranges_seen: RefCell<HashMap<Pkg, (u64, Ranges<Version>)>>,
    /// Per distribution name, the version last chosen for it or one of its
    /// extras, and the tick it was chosen at.
    last_chosen: RefCell<HashMap<PackageName, (u64, Version)>>,
    /// Ticks once per range seen or version chosen: orders the two above.
    clock: Cell<u64>,
    /// Per distribution or extra, the packages and versions whose
    /// dependencies named it.
    required_by: RefCell<HashMap<Pkg, Vec<(Pkg, Version)>>>,
}

impl Siblings {
    fn tick(&self) -> u64 {
        let t = self.clock.get() + 1;
        self.clock.set(t);
        t
    }

    /// Remember the range PubGrub currently allows for `package` (the
    /// range `prioritize` and `choose_version` are given).
    pub(super) fn see_range(&self, package: &Pkg, range: &Ranges<Version>) {
        if let Pkg::Dist(_) | Pkg::Extra(..) = package {
            let t = self.tick();
            self.ranges_seen
                .borrow_mut()
                .insert(package.clone(), (t, range.clone()));
        }
    }

    /// Remember that `version` was chosen for `package`.
    pub(super) fn see_choice(&self, package: &Pkg, version: &Version) {
        if let Pkg::Dist(n) | Pkg::Extra(n, _) = package {
            let t = self.tick();
            self.last_chosen
                .borrow_mut()
                .insert(n.clone(), (t, version.clone()));
        }
    }

    /// `requirer==version`'s dependencies `c`, as PubGrub takes them,
    /// remembering which packages they name.
    pub(super) fn dependencies(
        &self,
        requirer: &Pkg,
        version: &Version,
        c: pubgrub::DependencyConstraints<Pkg, Ranges<Version>>,
    ) -> Dependencies<Pkg, Ranges<Version>, String> {
        let mut required_by = self.required_by.borrow_mut();
        for p in c.keys() {
            required_by
                .entry(p.clone())
                .or_default()
                .push((requirer.clone(), version.clone()));
        }
        Dependencies::Available(c)
    }

    /// Whether `package` is, as far as can be told, still required: by the
    /// project, or by the version last chosen for its requirer's
    /// distribution.
    fn still_required(&self, package: &Pkg) -> bool {
        let last = self.last_chosen.borrow();
        self.required_by.borrow().get(package).is_some_and(|by| {
            by.iter().any(|(r, v)| match r {
                Pkg::Root(_) => true,
                Pkg::Dist(n) | Pkg::Extra(n, _) => last.get(n).is_some_and(|(_, c)| c == v),
            })
        })
    }

    /// The versions that the other packages of `package`'s distribution
    /// (the distribution itself and its extras) were last seen to allow;
    /// `None` when nothing is known or for the root. A sibling no longer
    /// required (its requirer's version was given up), or whose range was
    /// seen before a version outside it was chosen for the distribution
    /// (PubGrub backtracked past it), does not count: its range is out of
    /// date and would hold the distribution back for nothing.
    pub(super) fn range(&self, package: &Pkg) -> Option<Ranges<Version>> {
        let (Pkg::Dist(name) | Pkg::Extra(name, _)) = package else {
            return None;
        };
        let chosen = self.last_chosen.borrow().get(name).cloned();
        let seen = self.ranges_seen.borrow();
        let mut out: Option<Ranges<Version>> = None;
        for (p, (t, r)) in seen.iter() {
            let same_name = matches!(p, Pkg::Dist(n) | Pkg::Extra(n, _) if n == name);
            if !same_name || p == package || !self.still_required(p) {
                continue;
            }
            if chosen
                .as_ref()
                .is_some_and(|(ct, cv)| ct > t && !r.contains(cv))
            {
                continue;
            }
            out = Some(match out {
                Some(acc) => acc.intersection(r),
                None => r.clone(),
            });
        }
        out
    }
}
