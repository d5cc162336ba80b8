//! The PubGrub [`DependencyProvider`]: candidate choice, dependencies of a
//! version (split into base and per-extra lists), forking detection and the
//! notes that explain a failure.

use super::files::SharedWork;
use super::fork::fork_regions;
use super::prefetch::Prefetcher;
use super::ranges::{
    lower_bound, lower_bounds, python_compatible, python_covers_env, requirement_range,
    requires_python_bounds, requires_python_marker, specifiers_to_ranges,
};
use super::siblings::Siblings;
use super::{
    ForkSolution, ForkStrategy, Pkg, PrereleaseMode, ProviderError, ResolutionMode, ResolveError,
    ResolvedPackage, ResolverInput,
};
use crate::index::{IndexError, PackageIndex, ProjectPage};
use crate::types::metadata::CoreMetadata;
use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement, VersionOrUrl};
use pubgrub::{Dependencies, DependencyProvider, PackageResolutionStatistics};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::rc::Rc;
use std::sync::Arc;
use version_ranges::Ranges;

/// The PubGrub provider over an index [`Client`].
pub struct Provider {
    pub(super) client: Arc<dyn PackageIndex>,
    pub(super) input: ResolverInput,
    /// The environment this (possibly forked) resolution covers.
    pub(super) env: MarkerTree,
    rp_lower: Bound<Version>,
    /// Discovery order, for breadth-first priorities.
    order: RefCell<HashMap<PackageName, usize>>,
    /// Packages with a specifier naming a pre-release anywhere.
    pub(super) explicit_pre: RefCell<HashSet<PackageName>>,
    /// Versions pinned with `==` anywhere (may be yanked).
    pub(super) pinned: RefCell<HashMap<PackageName, HashSet<Version>>>,
    /// The project's direct dependencies in this part of the environment.
    direct: HashSet<PackageName>,
    /// Filtered dependencies per (name, version) accepted in this solve,
    /// reused to build the result.
    deps: RefCell<HashMap<(PackageName, Version), Arc<SplitDeps>>>,
    /// Caches shared with the other forks and restarts of this resolution.
    pub(super) shared: Rc<SharedWork>,
    prefetcher: Arc<Prefetcher>,
    /// Packages decided before any other (they kept conflicting in an
    /// earlier attempt), in the order they were found.
    first_decided: Vec<PackageName>,
    /// Whether a package that keeps conflicting may still restart the solve.
    may_restart: bool,
    /// Packages seen to keep conflicting in this attempt.
    conflicting: RefCell<Vec<PackageName>>,
    /// Ranges and choices seen per distribution and extra, to try first the
    /// versions a distribution's other packages still allow.
    siblings: Siblings,
    /// `requires-python` as a marker, for wheels' Python tags.
    pub(super) project_python: MarkerTree,
    /// Per package, the union of the markers of the requirements on it.
    requested_where: RefCell<HashMap<PackageName, MarkerTree>>,
}

/// A version's `Requires-Python` and its split requirements.
pub(super) type KnownDeps = (Option<VersionSpecifiers>, Arc<SplitDeps>);

/// A version's requirements, split into base and per-extra lists.
#[derive(Debug, Default)]
pub(super) struct SplitDeps {
    base: Vec<Requirement>,
    extras: BTreeMap<ExtraName, Vec<Requirement>>,
}

impl Provider {
    /// Make a provider for the part `env` of the environment, fetching in
    /// the background on `pool`, with the caches `shared` with the other
    /// forks and restarts of the same resolution.
    ///
    /// # Errors
    /// None today; kept fallible for the callers.
    pub fn new(
        client: Arc<dyn PackageIndex>,
        input: ResolverInput,
        env: MarkerTree,
        pool: Arc<rayon::ThreadPool>,
        shared: Rc<SharedWork>,
    ) -> Result<Self, ResolveError> {
        let rp_lower = lower_bound(&specifiers_to_ranges(&input.requires_python));
        // Direct in this part of the environment: a project requirement
        // whose marker excludes it (`b ; python_version >= '3.12'` in the
        // part below 3.12) leaves `b` transitive there, as in uv.
        let direct = input
            .requirements
            .iter()
            .filter(|r| !r.marker.is_disjoint(&env))
            .map(|r| r.name.clone())
            .collect();
        let prefetcher = Arc::new(Prefetcher::new(
            client.clone(),
            pool,
            &input,
            env.clone(),
            rp_lower.clone(),
        ));
        let p = Self {
            client,
            env,
            rp_lower,
            order: RefCell::default(),
            explicit_pre: RefCell::default(),
            pinned: RefCell::default(),
            direct,
            deps: RefCell::default(),
            shared,
            prefetcher,
            first_decided: Vec::new(),
            may_restart: false,
            conflicting: RefCell::default(),
            siblings: Siblings::default(),
            project_python: requires_python_marker(&input.requires_python),
            requested_where: RefCell::default(),
            input,
        };
        for r in p
            .input
            .requirements
            .iter()
            .chain(&p.input.constraints)
            .chain(&p.input.overrides)
        {
            p.note_first_party(r);
        }
        Ok(p)
    }

    /// Record a requirement met while solving. `parent_where` is where its
    /// requirer is needed (`true` for the project's own requirements), so
    /// that where a package is needed is known transitively.
    fn note_requirement(&self, req: &Requirement, parent_where: &MarkerTree) {
        {
            let mut order = self.order.borrow_mut();
            let n = order.len();
            order.entry(req.name.clone()).or_insert(n);
        }
        self.requested_where
            .borrow_mut()
            .entry(req.name.clone())
            .or_insert(MarkerTree::FALSE)
            .or({
                let mut m = parent_where.clone();
                m.and(req.marker.clone());
                m
            });
    }

    /// Record what the project's own requirements (and its constraints and
    /// overrides) opt into: pre-releases named in a specifier, and exact `==`
    /// pins, which may select a yanked version (PEP 592). A transitive `==`
    /// pin does not select a yanked version, as in uv. A pre-release named
    /// under a marker that excludes this part of the environment does not
    /// count here (uv decides `explicit` per fork).
    fn note_first_party(&self, req: &Requirement) {
        let applies_here = !req.marker.is_disjoint(&self.env);
        if let Some(VersionOrUrl::VersionSpecifier(specs)) = &req.version_or_url {
            for s in specs.iter() {
                let excludes = matches!(s.operator(), Operator::NotEqual | Operator::NotEqualStar);
                if s.version().any_prerelease() && !excludes && applies_here {
                    self.explicit_pre.borrow_mut().insert(req.name.clone());
                }
                if matches!(s.operator(), Operator::Equal | Operator::ExactEqual) {
                    self.pinned
                        .borrow_mut()
                        .entry(req.name.clone())
                        .or_default()
                        .insert(s.version().clone());
                }
            }
        }
    }

    /// Whether a pre-release of `name` in `range` may be chosen now: always
    /// under `allow`; never under `disallow`; under `if-necessary(-or-explicit)`
    /// when no final release in `range` can be chosen; under `explicit` when
    /// a project requirement on `name` names a pre-release (not with `!=`).
    fn prerelease_permitted(
        &self,
        name: &PackageName,
        page: &ProjectPage,
        range: &Ranges<Version>,
    ) -> bool {
        match self.input.prerelease {
            PrereleaseMode::Allow => true,
            PrereleaseMode::Disallow => false,
            PrereleaseMode::Explicit => self.explicit_pre.borrow().contains(name),
            PrereleaseMode::IfNecessary | PrereleaseMode::IfNecessaryOrExplicit => !page
                .versions
                .keys()
                .any(|v| !v.any_prerelease() && range.contains(v) && self.candidate_ok(page, v)),
        }
    }

    /// Under `--fork-strategy requires-python`, when `v` is usable but for
    /// its `Requires-Python`, which admits only the newer part of the Pythons
    /// where `page.name` is needed: the two parts of this environment split
    /// at that bound (older Pythons, newer Pythons), so that each Python gets
    /// the newest version it can run, as uv does.
    fn python_fork(&self, page: &ProjectPage, v: &Version) -> Option<Vec<MarkerTree>> {
        if self.input.fork_strategy != ForkStrategy::RequiresPython {
            return None;
        }
        let files = self.usable_files(page, v);
        if files.is_empty() || !self.covers_required_environments(&page.name, &files) {
            return None;
        }
        let rp = files.iter().find_map(|f| f.requires_python.as_ref())?;
        let newer = requires_python_marker(&lower_bounds(rp));
        let mut needed = self.env.clone();
        needed.and(self.where_needed(&page.name));
        let mut inside = needed.clone();
        inside.and(newer.clone());
        let mut outside = needed;
        outside.and(newer.negate());
        if inside.is_false() || outside.is_false() {
            return None;
        }
        let mut older = self.env.clone();
        older.and(newer.negate());
        let mut newer_part = self.env.clone();
        newer_part.and(newer);
        Some(vec![older, newer_part])
    }

    /// Start fetching the page of `req.name` and the metadata of the version
    /// the resolver is most likely to pick, without waiting (see [`Prefetcher`]).
    fn prefetch(&self, req: &Requirement) {
        if self.input.direct.contains_key(&req.name) {
            return;
        }
        self.prefetcher.prefetch(req);
    }

    /// Start fetching pages and metadata for many requirements at once
    /// (the root's and the previous lock's), in one parallel wave.
    pub fn prefetch_all(&self, reqs: &[Requirement]) {
        for r in reqs {
            self.prefetch(r);
        }
    }

    /// Decide `names` before every other package; when `may_restart`, a
    /// package that conflicts [`CONFLICTS_BEFORE_REPRIORITIZING`] times makes
    /// the solve restart with it decided first too.
    pub(super) fn decide_first(&mut self, names: &[PackageName], may_restart: bool) {
        self.first_decided = names.to_vec();
        self.may_restart = may_restart;
    }

    /// The range a requirement contributes: an override's range replaces it;
    /// constraints on the same name narrow it.
    fn range_for(&self, req: &Requirement) -> Ranges<Version> {
        let applies = |r: &&Requirement| r.name == req.name && !r.marker.is_disjoint(&self.env);
        let mut overrides = self.input.overrides.iter().filter(applies).peekable();
        if overrides.peek().is_some() {
            return overrides.fold(Ranges::empty(), |acc, o| acc.union(&requirement_range(o)));
        }
        self.input
            .constraints
            .iter()
            .filter(applies)
            .fold(requirement_range(req), |acc, c| {
                acc.intersection(&requirement_range(c))
            })
    }

    /// Where `name` is needed: the union, over the requirements on it seen
    /// so far, of the requirement's marker joined with where its requirer is
    /// needed (`true` when nothing is known yet).
    pub(super) fn where_needed(&self, name: &PackageName) -> MarkerTree {
        self.requested_where
            .borrow()
            .get(name)
            .cloned()
            .unwrap_or(MarkerTree::TRUE)
    }

    /// Whether a candidate's `Requires-Python` admits every Python where
    /// `name` is needed in this resolution's environment (the project's
    /// `requires-python`, narrowed by the fork and by the markers that lead
    /// to `name`: `b ; python_version >= '3.9'` only needs a `b` for 3.9 and
    /// up, and so do `b`'s own requirements). Upper bounds (`<4`) are
    /// ignored, as uv and pip do.
    pub(super) fn python_ok(&self, name: &PackageName, candidate: &VersionSpecifiers) -> bool {
        if python_compatible(&self.rp_lower, candidate) {
            return true;
        }
        let mut env = self.env.clone();
        env.and(self.where_needed(name));
        let key = (candidate.clone(), env);
        if let Some(ok) = self.shared.python_covers.borrow().get(&key) {
            return *ok;
        }
        let ok = python_covers_env(&key.1, candidate);
        self.shared.python_covers.borrow_mut().insert(key, ok);
        ok
    }

    fn split_deps(&self, name: &PackageName, meta: &CoreMetadata) -> SplitDeps {
        let mut out = SplitDeps::default();
        let lower = self.rp_bounds();
        for req in &meta.requires_dist {
            if req.marker.is_disjoint(&self.env) {
                continue;
            }
            if &req.name == name && req.extras.is_empty() {
                continue;
            }
            if req.marker.evaluate_extras(&[]) {
                let mut r = req.clone();
                r.marker = r
                    .marker
                    .clone()
                    .simplify_python_versions(lower.0.as_ref(), lower.1.as_ref());
                out.base.push(r);
                continue;
            }
            for extra in &meta.provides_extra {
                if req.marker.evaluate_extras(std::slice::from_ref(extra)) {
                    let mut r = req.clone();
                    r.marker = r
                        .marker
                        .clone()
                        .simplify_extras(std::slice::from_ref(extra))
                        .simplify_python_versions(lower.0.as_ref(), lower.1.as_ref());
                    out.extras.entry(extra.clone()).or_default().push(r);
                }
            }
        }
        out
    }

    fn rp_bounds(&self) -> (Bound<Version>, Bound<Version>) {
        requires_python_bounds(&self.input.requires_python)
    }

    /// PubGrub constraints for `reqs`, the requirements of `parent` (`None`:
    /// the project's own).
    fn constraints_for(
        &self,
        parent: Option<&PackageName>,
        reqs: &[Requirement],
    ) -> pubgrub::DependencyConstraints<Pkg, Ranges<Version>> {
        let mut out: pubgrub::DependencyConstraints<Pkg, Ranges<Version>> = Default::default();
        let parent_where = parent.map_or(MarkerTree::TRUE, |p| self.where_needed(p));
        // Noted (and so prioritized) by name within one requirer, whatever
        // order the requirements are listed in, as uv does: two equally
        // valid locks do not depend on how `pyproject.toml` lists them.
        let mut reqs: Vec<&Requirement> = reqs.iter().collect();
        reqs.sort_by(|a, b| a.name.cmp(&b.name));
        for req in reqs {
            if req.marker.is_disjoint(&self.env) {
                continue;
            }
            if self.input.project.as_ref() == Some(&req.name) {
                // The project satisfies requirements on its own name (its
                // extras' requirements are already among the root's). A
                // range that excludes its version conflicts with the root.
                if let Some(v) = &self.input.project_version {
                    let range = self.range_for(req);
                    if !range.contains(v) {
                        let root = Pkg::Root(self.input.root_name.clone());
                        let e = out.entry(root).or_insert_with(Ranges::full);
                        *e = e.intersection(&range);
                    }
                }
                continue;
            }
            self.note_requirement(req, &parent_where);
            self.prefetch(req);
            let range = self.range_for(req);
            let mut add = |p: Pkg| {
                let e = out.entry(p).or_insert_with(Ranges::full);
                *e = e.intersection(&range);
            };
            add(Pkg::Dist(req.name.clone()));
            for extra in &req.extras {
                add(Pkg::Extra(req.name.clone(), extra.clone()));
            }
        }
        out
    }

    fn version_deps(
        &self,
        name: &PackageName,
        v: &Version,
    ) -> Result<Result<Arc<SplitDeps>, String>, IndexError> {
        if let Some(d) = self.deps.borrow().get(&(name.clone(), v.clone())) {
            return Ok(Ok(d.clone()));
        }
        // Another fork or restart of this part of the environment may have
        // read and split this version's requirements already; the check of
        // its `Requires-Python` depends on this solve's state and runs again.
        let key = (self.env.clone(), name.clone(), v.clone());
        let known = self.shared.deps.borrow().get(&key).cloned();
        let (requires_python, split) = match known {
            Some(known) => known,
            None => {
                let meta = match self.input.direct.get(name) {
                    Some(meta) => meta.clone(),
                    None => match self.index_metadata(name, v)? {
                        Ok(m) => m,
                        Err(reason) => return Ok(Err(reason)),
                    },
                };
                let split = Arc::new(self.split_deps(name, &meta));
                tracing::debug!(
                    "{name}=={v}: {} dependencies, extras {:?}",
                    split.base.len(),
                    split.extras.keys().collect::<Vec<_>>()
                );
                let known = (meta.requires_python.clone(), split);
                self.shared.deps.borrow_mut().insert(key, known.clone());
                known
            }
        };
        if let Some(rp) = &requires_python {
            if !self.python_ok(name, rp) {
                return Ok(Err(format!("it requires Python {rp}")));
            }
        }
        self.deps
            .borrow_mut()
            .insert((name.clone(), v.clone()), split.clone());
        Ok(Ok(split))
    }

    /// Core metadata of `name==v` from the index (or, for a version with
    /// only sdists, through the sdist hook); `Ok(Err(reason))` when it
    /// cannot be read and the version is to be skipped.
    #[allow(clippy::type_complexity)]
    fn index_metadata(
        &self,
        name: &PackageName,
        v: &Version,
    ) -> Result<Result<Arc<CoreMetadata>, String>, IndexError> {
        let page = self.client.project(name)?;
        Ok(Ok(match self.sdist_only_metadata(&page, v)? {
            Some(Ok(m)) => Arc::new(m),
            Some(Err(reason)) => return Ok(Err(reason)),
            None => match self.client.metadata(&page, v) {
                Ok(m) => m,
                Err(
                    e @ (IndexError::Network { .. }
                    | IndexError::Offline { .. }
                    | IndexError::HashMismatch { .. }
                    | IndexError::Deadline { .. }
                    | IndexError::MetadataMismatch { .. }),
                ) => return Err(e),
                Err(e) => return Ok(Err(format!("its metadata could not be read ({e})"))),
            },
        }))
    }

    /// Metadata of a version whose usable files are only sdists, through
    /// [`ResolverInput::sdist_metadata`]; `None` when there is no hook or the
    /// version has a wheel (the index answers those).
    #[allow(clippy::type_complexity)]
    fn sdist_only_metadata(
        &self,
        page: &ProjectPage,
        v: &Version,
    ) -> Result<Option<Result<CoreMetadata, String>>, IndexError> {
        let Some(hook) = &self.input.sdist_metadata else {
            return Ok(None);
        };
        let files = self.usable_files(page, v);
        if files.iter().any(|f| f.is_wheel()) {
            return Ok(None);
        }
        let Some(sdist) = files.first() else {
            return Ok(None);
        };
        let path = self.client.download(sdist)?;
        Ok(Some(hook.0.metadata(&path).map_err(|e| {
            format!("its metadata could not be read from its sdist ({e})")
        })))
    }

    /// Turn PubGrub's selection into this fork's solution.
    pub(super) fn finish(
        &self,
        selected: &pubgrub::SelectedDependencies<Self>,
    ) -> Result<ForkSolution, ResolveError> {
        let mut extras: HashMap<PackageName, BTreeSet<ExtraName>> = HashMap::new();
        for p in selected.keys() {
            if let Pkg::Extra(n, e) = p {
                extras.entry(n.clone()).or_default().insert(e.clone());
            }
        }
        let mut out = ForkSolution {
            env: self.env.clone(),
            chosen: BTreeMap::new(),
            packages: Vec::new(),
        };
        for (p, v) in selected {
            let Pkg::Dist(name) = p else { continue };
            // A direct reference's file (if any) is the caller's to lock.
            let (index, files) = if self.input.direct.contains_key(name) {
                (String::new(), Vec::new())
            } else {
                let page = self.client.project(name)?;
                let files = self.usable_files(&page, v).into_iter().cloned().collect();
                (page.index.clone(), files)
            };
            let deps = match self.version_deps(name, v)? {
                Ok(d) => d,
                Err(reason) => return Err(ResolveError::Other(reason)),
            };
            let optional_dependencies = extras
                .get(name)
                .into_iter()
                .flatten()
                .map(|e| (e.clone(), deps.extras.get(e).cloned().unwrap_or_default()))
                .collect();
            out.chosen.insert(name.clone(), v.clone());
            out.packages.push(ResolvedPackage {
                name: name.clone(),
                version: v.clone(),
                index,
                files,
                dependencies: deps.base.clone(),
                optional_dependencies,
                fork_marker: MarkerTree::TRUE,
                dependency_versions: BTreeMap::new(),
            });
        }
        Ok(out)
    }
}

impl DependencyProvider for Provider {
    type P = Pkg;
    type V = Version;
    type VS = Ranges<Version>;
    type M = String;
    type Priority = (u32, u32, Reverse<usize>);
    type Err = ProviderError;

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        self.siblings.see_range(package, range);
        let name = match package {
            Pkg::Root(_) => return (u32::MAX, u32::MAX, Reverse(0)),
            Pkg::Dist(n) | Pkg::Extra(n, _) => n,
        };
        let order = self.order.borrow().get(name).copied().unwrap_or(usize::MAX);
        // A package that keeps conflicting is decided earlier: first by its
        // conflict count, and, past a threshold, by restarting the solve with
        // it decided before everything else (as uv deprioritizes a culprit),
        // instead of walking its version history back one release at a time.
        let first = self
            .first_decided
            .iter()
            .position(|n| n == name)
            .map_or(0, |i| u32::MAX - i as u32);
        if self.may_restart
            && first == 0
            && stats.conflict_count() >= CONFLICTS_BEFORE_REPRIORITIZING
        {
            let mut c = self.conflicting.borrow_mut();
            if !c.contains(name) {
                c.push(name.clone());
            }
        }
        (first, stats.conflict_count(), Reverse(order))
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, ProviderError> {
        let name = match package {
            Pkg::Root(_) => {
                return Ok(Some(
                    self.input
                        .project_version
                        .clone()
                        .unwrap_or(Version::new([0])),
                ))
            }
            Pkg::Dist(n) | Pkg::Extra(n, _) => n,
        };
        self.siblings.see_range(package, range);
        // A dependency no index lists has no versions: PubGrub backtracks to
        // a version of its requirer that does not need it (as uv does).
        let conflicting = std::mem::take(&mut *self.conflicting.borrow_mut());
        if !conflicting.is_empty() {
            return Err(ProviderError::Reprioritize(conflicting));
        }
        // A direct reference has one version, and no index is asked.
        if let Some(meta) = self.input.direct.get(name) {
            return Ok(range.contains(&meta.version).then(|| meta.version.clone()));
        }
        let page = match self.client.project(name) {
            Ok(page) => page,
            // A project requirement no index lists is a plain "not found",
            // with its own hint: there is nothing to backtrack to.
            Err(IndexError::NotFound { .. }) if !self.direct.contains(name) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if let Some(pref) = self.input.preferences.get(name) {
            if range.contains(pref)
                && self.candidate_ok(&page, pref)
                && (!pref.any_prerelease() || self.prerelease_permitted(name, &page, range))
            {
                self.siblings.see_choice(package, pref);
                return Ok(Some(pref.clone()));
            }
        }
        let lowest = match self.input.resolution {
            ResolutionMode::Highest => false,
            ResolutionMode::Lowest => true,
            ResolutionMode::LowestDirect => self.direct.contains(name),
        };
        // A preference order, not a filter: final releases first, then
        // pre-releases where the mode permits them (see `PrereleaseMode`).
        // `None`: every version in one order (`allow`).
        let kinds: &[Option<bool>] = match self.input.prerelease {
            PrereleaseMode::Allow => &[None],
            PrereleaseMode::Disallow => &[Some(false)],
            PrereleaseMode::IfNecessary | PrereleaseMode::IfNecessaryOrExplicit => {
                &[Some(false), Some(true)]
            }
            PrereleaseMode::Explicit if self.explicit_pre.borrow().contains(name) => {
                &[Some(false), Some(true)]
            }
            PrereleaseMode::Explicit => &[Some(false)],
        };
        for kind in kinds {
            let mut candidates: Vec<&Version> = page
                .versions
                .keys()
                .filter(|v| range.contains(*v))
                .filter(|v| kind.is_none_or(|pre| v.any_prerelease() == pre))
                .collect();
            if !lowest {
                candidates.reverse();
            }
            // Versions the distribution's other packages still allow first.
            if let Some(siblings) = self.siblings.range(package) {
                candidates.sort_by_key(|v| !siblings.contains(*v));
            }
            for v in candidates {
                if self.candidate_ok(&page, v) {
                    self.prefetcher.chose(&page, v, range, lowest);
                    self.siblings.see_choice(package, v);
                    return Ok(Some(v.clone()));
                }
                if let Some(parts) = self.python_fork(&page, v) {
                    tracing::debug!(
                        "{name}=={v} needs a newer Python than part of the environment: forking on it"
                    );
                    return Err(ProviderError::Fork(parts));
                }
            }
        }
        Ok(None)
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, String>, ProviderError> {
        let fork = |reqs: &[Requirement]| match fork_regions(&self.env, reqs) {
            Some(parts) => Err(ProviderError::Fork(parts)),
            None => Ok(()),
        };
        match package {
            Pkg::Root(_) => {
                fork(&self.input.requirements)?;
                let c = self.constraints_for(None, &self.input.requirements);
                Ok(self.siblings.dependencies(package, version, c))
            }
            Pkg::Dist(name) => match self.version_deps(name, version)? {
                Ok(d) => match self.refused_direct_reference(&d.base) {
                    Some(reason) => Ok(Dependencies::Unavailable(reason)),
                    None => {
                        fork(&d.base)?;
                        let c = self.constraints_for(Some(name), &d.base);
                        Ok(self.siblings.dependencies(package, version, c))
                    }
                },
                Err(reason) => Ok(Dependencies::Unavailable(reason)),
            },
            Pkg::Extra(name, extra) => match self.version_deps(name, version)? {
                Ok(d) => {
                    let reqs = d.extras.get(extra).cloned().unwrap_or_default();
                    if let Some(reason) = self.refused_direct_reference(&reqs) {
                        return Ok(Dependencies::Unavailable(reason));
                    }
                    fork(&reqs)?;
                    let mut c = self.constraints_for(Some(name), &reqs);
                    c.insert(Pkg::Dist(name.clone()), Ranges::singleton(version.clone()));
                    Ok(self.siblings.dependencies(package, version, c))
                }
                Err(reason) => Ok(Dependencies::Unavailable(reason)),
            },
        }
    }
}

impl Provider {
    /// Why a dependency's requirements are unusable because one of them is
    /// a direct reference (`name @ URL`) the project does not declare itself:
    /// such a name is never resolved from an index (pip and uv refuse it
    /// too). A name the project takes from a direct reference of its own
    /// (`ResolverInput::direct`) is satisfied by that one.
    fn refused_direct_reference(&self, reqs: &[Requirement]) -> Option<String> {
        let r = reqs
            .iter()
            .find(|r| is_direct_reference(r) && !self.input.direct.contains_key(&r.name))?;
        Some(format!(
            "it requires `{}` by direct reference, which envy does not resolve from an index",
            r.name
        ))
    }
}

/// Whether `req` is a PEP 508 direct reference (`name @ URL`).
fn is_direct_reference(req: &Requirement) -> bool {
    matches!(req.version_or_url, Some(VersionOrUrl::Url(_)))
}

/// Conflicts of one package, in one attempt, after which the solve restarts
/// with that package decided first.
const CONFLICTS_BEFORE_REPRIORITIZING: u32 = 5;
