//! The PubGrub dependency provider: turns a project's requirements into one
//! universal resolution (one version per package that holds for every
//! platform and every Python version `requires-python` allows).
//!
//! - Packages are [`Pkg`]: the root, a distribution, or a distribution with
//!   one extra (which depends on the distribution at the same version).
//! - PEP 440 specifiers become `Ranges<Version>`; pre-releases are only
//!   chosen when a specifier names one, when `--prerelease allow`, or when no
//!   final release is in range (PEP 440 "Handling of pre-releases").
//! - A candidate is taken only when its `Requires-Python` covers the lower
//!   bound of the project's `requires-python`.
//! - Yanked versions (PEP 592) are skipped unless pinned with `==`.
//! - Dependencies whose markers cannot hold under `requires-python` are
//!   dropped; the rest keep their markers on the edge.
//! - While PubGrub solves on this thread, pages and metadata of every
//!   dependency it learns about are fetched on a pool of I/O threads.

mod report;

use crate::index::{Client, IndexError, IndexFile, ProjectPage};
use crate::types::metadata::CoreMetadata;
use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement, VersionOrUrl};
use pubgrub::{Dependencies, DependencyProvider, PackageResolutionStatistics};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::ops::Bound;
use std::str::FromStr;
use std::sync::Arc;
use version_ranges::Ranges;

/// A node in the PubGrub graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pkg {
    /// The project being locked.
    Root(String),
    /// A distribution.
    Dist(PackageName),
    /// A distribution together with one of its extras.
    Extra(PackageName, ExtraName),
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root(name) => write!(f, "{name}"),
            Pkg::Dist(n) => write!(f, "{n}"),
            Pkg::Extra(n, e) => write!(f, "{n}[{e}]"),
        }
    }
}

/// Which pre-releases may be chosen (uv's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PrereleaseMode {
    /// Any version, pre-release or not.
    Allow,
    /// Never.
    Disallow,
    /// Only where a specifier names a pre-release, or none but pre-releases
    /// are in range.
    #[default]
    IfNecessaryOrExplicit,
}

/// Which version in range to prefer (uv's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ResolutionMode {
    /// The highest version in range.
    #[default]
    Highest,
    /// The lowest version in range, for every package.
    Lowest,
    /// The lowest for the project's direct dependencies, highest for the rest.
    LowestDirect,
}

/// What to resolve.
#[derive(Debug, Clone)]
pub struct ResolverInput {
    /// The project's name (the root of the graph).
    pub root_name: String,
    /// Every requirement of the project, from all groups, already expanded.
    pub requirements: Vec<Requirement>,
    /// The project's `requires-python`.
    pub requires_python: VersionSpecifiers,
    /// Versions to keep when still allowed (from the existing lock).
    pub preferences: HashMap<PackageName, Version>,
    /// Pre-release policy.
    pub prerelease: PrereleaseMode,
    /// Version preference.
    pub resolution: ResolutionMode,
    /// Ignore files uploaded after this RFC 3339 timestamp.
    pub exclude_newer: Option<String>,
    /// Packages that must not be built from source: only their wheels count.
    pub no_build: PackageSelector,
    /// Packages whose wheels must not be used: only their sdists count.
    pub no_binary: PackageSelector,
    /// `[tool.envy] constraint-dependencies`: ranges that narrow a package
    /// wherever it is required, without requiring it.
    pub constraints: Vec<Requirement>,
    /// `[tool.envy] override-dependencies`: ranges that replace every
    /// requirement on a package, the project's and its dependencies'.
    pub overrides: Vec<Requirement>,
    /// `[tool.envy] required-environments`: environments every locked
    /// package must have a usable file (a matching wheel, or an sdist) for.
    pub required_environments: Vec<MarkerTree>,
    /// Where core metadata of versions that have only an sdist comes from,
    /// when the caller can do better than the index's PKG-INFO reading
    /// (PEP 643 checks and the PEP 517 `prepare_metadata_for_build_wheel`
    /// hook). `None`: the index's answer is used as it is.
    pub sdist_metadata: Option<SdistMetadataHook>,
}

/// Core metadata of a downloaded (hash-checked) sdist, for versions that
/// publish no wheel. Implemented by the build frontend (`crate::build`), which
/// trusts PKG-INFO when it is Metadata-Version 2.2+ and `Requires-Dist` is not
/// `Dynamic` (PEP 643), and otherwise asks the build backend
/// (`prepare_metadata_for_build_wheel`, PEP 517). The resolver only calls it,
/// so it does not depend on the build frontend.
pub trait SdistMetadata: Send + Sync {
    /// The core metadata of the sdist at `sdist_path`, or why it cannot be had.
    ///
    /// # Errors
    /// A message saying why (shown in the resolution failure).
    fn metadata(&self, sdist_path: &std::path::Path) -> Result<CoreMetadata, String>;
}

/// A shared [`SdistMetadata`] implementation, cloneable and printable so
/// that [`ResolverInput`] stays `Clone + Debug`.
#[derive(Clone)]
pub struct SdistMetadataHook(pub Arc<dyn SdistMetadata>);

impl fmt::Debug for SdistMetadataHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SdistMetadataHook")
    }
}

/// A set of packages named on the command line (`--no-build-package P`),
/// or all of them (`--no-build`).
#[derive(Debug, Clone, Default)]
pub struct PackageSelector {
    /// Every package.
    pub all: bool,
    /// These packages.
    pub packages: Vec<PackageName>,
}

impl PackageSelector {
    /// Whether `name` is selected.
    pub fn contains(&self, name: &PackageName) -> bool {
        self.all || self.packages.contains(name)
    }
}

/// Whether a file can be used at all: a wheel whose every ABI tag is `any`
/// (a platform tag, never an ABI) fits no interpreter.
fn plausible_file(f: &IndexFile) -> bool {
    match f.wheel_filename() {
        Some(w) => w.abi_tags.iter().any(|a| a != "any"),
        None => !f.wheel,
    }
}

/// One locked distribution (one version of it: a forked resolution may lock
/// several versions of one name, each under its own fork marker).
#[derive(Debug, Clone)]
pub struct ResolvedPackage {
    /// Normalized name.
    pub name: PackageName,
    /// The chosen version.
    pub version: Version,
    /// The index the files come from.
    pub index: String,
    /// Every file of this version (sdist and wheels), excluding yanked ones
    /// unless the version was pinned.
    pub files: Vec<IndexFile>,
    /// Dependencies without extras, markers simplified for `requires-python`.
    pub dependencies: Vec<Requirement>,
    /// Dependencies of each extra that something asked for.
    pub optional_dependencies: BTreeMap<ExtraName, Vec<Requirement>>,
    /// The environments (forks) in which this version was chosen; `true`
    /// when the resolution did not fork or every fork chose it.
    pub fork_marker: MarkerTree,
    /// For dependencies locked at several versions: which version this
    /// package's edge leads to, under which fork marker.
    pub dependency_versions: BTreeMap<PackageName, Vec<(Version, MarkerTree)>>,
}

/// The result of a resolution.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Locked distributions by (name, version).
    pub packages: BTreeMap<(PackageName, Version), ResolvedPackage>,
    /// For the project's own dependencies locked at several versions: which
    /// version under which fork marker.
    pub root_dependency_versions: BTreeMap<PackageName, Vec<(Version, MarkerTree)>>,
    /// The fork environments the resolution was split into (one `true` when
    /// it did not fork).
    pub forks: Vec<MarkerTree>,
}

/// One fork's solution: its environment and the chosen version per package.
struct ForkSolution {
    env: MarkerTree,
    chosen: BTreeMap<PackageName, Version>,
    packages: Vec<ResolvedPackage>,
}

/// Why resolving failed.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No set of versions satisfies the requirements; the message is
    /// PubGrub's derivation in words.
    #[error("no solution found when resolving dependencies:\n{0}")]
    NoSolution(String),
    /// The index could not answer.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// Why the provider stopped PubGrub.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The index failed.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Requirements with different markers split the environment: solve each part apart.
    #[error("the resolution forks into {} environments", .0.len())]
    Fork(Vec<MarkerTree>),
}

/// The largest version with `version`'s release and any local label
/// (`1.2.3+<anything>` sorts below it), for PEP 440's rule that a
/// specifier without a local label ignores candidates' local labels.
fn max_local(version: &Version) -> Version {
    version
        .clone()
        .with_local(vec![pep440_rs::LocalSegment::Number(u64::MAX); 8])
}

/// Convert one PEP 440 specifier to a PubGrub range, honouring local
/// versions: `==1.2.3` and `<=1.2.3` admit `1.2.3+foo`, `>1.2.3` and
/// `!=1.2.3` do not.
fn specifier_to_ranges(spec: &pep440_rs::VersionSpecifier) -> Ranges<Version> {
    let v = spec.version();
    if !v.local().is_empty() {
        return Ranges::from(spec.clone());
    }
    match spec.operator() {
        Operator::Equal => {
            Ranges::between(v.clone(), max_local(v)).union(&Ranges::singleton(max_local(v)))
        }
        Operator::NotEqual => Ranges::between(v.clone(), max_local(v))
            .union(&Ranges::singleton(max_local(v)))
            .complement(),
        Operator::LessThanEqual => Ranges::lower_than(max_local(v)),
        Operator::GreaterThan => {
            Ranges::from(spec.clone()).intersection(&Ranges::strictly_higher_than(max_local(v)))
        }
        _ => Ranges::from(spec.clone()),
    }
}

/// Convert PEP 440 specifiers to a PubGrub range (the intersection of each
/// specifier's range).
pub fn specifiers_to_ranges(specs: &VersionSpecifiers) -> Ranges<Version> {
    specs.iter().fold(Ranges::full(), |acc, s| {
        acc.intersection(&specifier_to_ranges(s))
    })
}

fn requirement_range(req: &Requirement) -> Ranges<Version> {
    match &req.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(s)) => specifiers_to_ranges(s),
        _ => Ranges::full(),
    }
}

/// `requires-python` as a marker (`python_full_version >= '3.9' and ...`), for
/// dropping dependencies that can never apply.
pub fn requires_python_marker(rp: &VersionSpecifiers) -> MarkerTree {
    let mut tree = MarkerTree::TRUE;
    for spec in rp.iter() {
        let star = matches!(
            spec.operator(),
            Operator::EqualStar | Operator::NotEqualStar
        );
        let text = format!(
            "python_full_version {} '{}{}'",
            spec.operator(),
            spec.version(),
            if star { ".*" } else { "" }
        );
        if let Ok(m) = MarkerTree::from_str(&text) {
            tree.and(m);
        }
    }
    tree
}

/// The lower bound of `requires-python`, as a version range bound.
fn lower_bound(rp: &Ranges<Version>) -> Bound<Version> {
    rp.bounding_range()
        .map(|(lo, _)| lo.cloned())
        .unwrap_or(Bound::Unbounded)
}

/// The lower-bound clauses (`>=`, `>`, `~=`) of a `Requires-Python`: upper
/// bounds (`<4`) are not held against a file, as pip and uv do.
fn lower_bounds(candidate: &VersionSpecifiers) -> VersionSpecifiers {
    candidate
        .iter()
        .filter(|s| {
            matches!(
                s.operator(),
                Operator::GreaterThanEqual | Operator::GreaterThan | Operator::TildeEqual
            )
        })
        .cloned()
        .collect()
}

/// Whether a candidate's `Requires-Python` admits every Python the project
/// allows. Upper bounds (`<4`) are ignored, as uv and pip do.
pub fn python_compatible(project_lower: &Bound<Version>, candidate: &VersionSpecifiers) -> bool {
    let ranges = specifiers_to_ranges(&lower_bounds(candidate));
    let needed = match project_lower {
        Bound::Unbounded => Ranges::full(),
        Bound::Included(v) => Ranges::higher_than(v.clone()),
        Bound::Excluded(v) => Ranges::strictly_higher_than(v.clone()),
    };
    // Compare on the release only: `>=3.9` admits `3.9.0rc1`-free projects.
    needed.subset_of(&ranges)
        || match project_lower {
            Bound::Included(v) | Bound::Excluded(v) => {
                ranges.contains(&Version::new(v.release().iter().copied()))
            }
            Bound::Unbounded => false,
        }
}

/// Whether a file's `Requires-Python` (its lower bounds: upper bounds are
/// not held against a file, as pip and uv do) admits every Python of `env`.
fn python_covers_env(env: &MarkerTree, candidate: &VersionSpecifiers) -> bool {
    let mut outside = requires_python_marker(&lower_bounds(candidate)).negate();
    outside.and(env.clone());
    outside.is_false()
}

/// Background fetching ahead of the solver. For each name it is asked about
/// (once per resolution of one environment), it fetches the project page,
/// guesses the version the solver will pick (the preference from the previous
/// lock, else the highest non-pre-release in range, or the lowest under
/// `--resolution lowest`), fetches that version's core metadata, and then
/// does the same for that version's own requirements (those not behind an
/// extra and not disjoint with the environment). The dependency graph is so
/// discovered at network speed rather than one solver decision at a time;
/// guesses that turn out wrong cost only a memoized fetch. Stops when the
/// client's background work is cancelled (the resolution is done).
struct Prefetcher {
    client: Arc<Client>,
    pool: Arc<rayon::ThreadPool>,
    /// Names (with the extras asked for) already followed.
    seen: std::sync::Mutex<HashSet<(PackageName, Vec<ExtraName>)>>,
    preferences: HashMap<PackageName, Version>,
    lowest: bool,
    env: MarkerTree,
    /// The lower bound of the project's `requires-python`.
    rp_lower: Bound<Version>,
}

impl Prefetcher {
    fn prefetch(self: &Arc<Self>, req: &Requirement) {
        let mut extras = req.extras.clone();
        extras.sort();
        let fresh = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((req.name.clone(), extras.clone()));
        if !fresh {
            return;
        }
        let this = self.clone();
        let name = req.name.clone();
        let range = requirement_range(req);
        self.pool.spawn(move || this.fetch(&name, &range, &extras));
    }

    /// Whether some file of `version` on `page` may be chosen: not yanked,
    /// and its `Requires-Python` admits the environment's Pythons.
    fn usable(&self, page: &ProjectPage, version: &Version) -> bool {
        page.versions.get(version).is_some_and(|files| {
            files.iter().any(|f| {
                f.yanked.is_none()
                    && f.requires_python.as_ref().is_none_or(|rp| {
                        python_compatible(&self.rp_lower, rp) || python_covers_env(&self.env, rp)
                    })
            })
        })
    }

    fn fetch(self: &Arc<Self>, name: &PackageName, range: &Ranges<Version>, extras: &[ExtraName]) {
        if self.client.background_cancelled() {
            return;
        }
        let Ok(page) = self.client.project(name) else {
            return;
        };
        if self.client.background_cancelled() {
            return;
        }
        let pick =
            self.preferences
                .get(name)
                .filter(|v| range.contains(v) && page.versions.contains_key(v))
                .cloned()
                .or_else(|| {
                    let mut it = page.versions.keys().filter(|v| {
                        range.contains(*v) && !v.any_prerelease() && self.usable(&page, v)
                    });
                    if self.lowest {
                        it.next().cloned()
                    } else {
                        it.next_back().cloned()
                    }
                });
        let Some(version) = pick else {
            return;
        };
        let Ok(metadata) = self.client.metadata(&page, &version) else {
            return;
        };
        for dep in &metadata.requires_dist {
            // Requirements of the extras asked for count; other extras' do not.
            let marker = dep.marker.clone().simplify_extras(extras);
            if marker.top_level_extra().is_none() && !marker.is_disjoint(&self.env) {
                self.prefetch(dep);
            }
        }
    }
}

/// The PubGrub provider over an index [`Client`].
pub struct Provider {
    client: Arc<Client>,
    input: ResolverInput,
    /// The environment this (possibly forked) resolution covers.
    env: MarkerTree,
    rp_lower: Bound<Version>,
    /// Discovery order, for breadth-first priorities.
    order: RefCell<HashMap<PackageName, usize>>,
    /// Packages with a specifier naming a pre-release anywhere.
    explicit_pre: RefCell<HashSet<PackageName>>,
    /// Versions pinned with `==` anywhere (may be yanked).
    pinned: RefCell<HashMap<PackageName, HashSet<Version>>>,
    direct: HashSet<PackageName>,
    /// Filtered dependencies per (name, version), reused to build the result.
    deps: RefCell<HashMap<(PackageName, Version), Arc<SplitDeps>>>,
    prefetcher: Arc<Prefetcher>,
    python_cache: RefCell<HashMap<String, bool>>,
    /// Per package, the union of the markers of the requirements on it.
    requested_where: RefCell<HashMap<PackageName, MarkerTree>>,
}

/// A version's requirements, split into base and per-extra lists.
#[derive(Debug, Default)]
struct SplitDeps {
    base: Vec<Requirement>,
    extras: BTreeMap<ExtraName, Vec<Requirement>>,
}

impl Provider {
    /// Make a provider. `io_threads` bounds concurrent index requests.
    ///
    /// # Errors
    /// When the thread pool cannot be created.
    pub fn new(
        client: Arc<Client>,
        input: ResolverInput,
        env: MarkerTree,
        pool: Arc<rayon::ThreadPool>,
    ) -> Result<Self, ResolveError> {
        let rp_lower = lower_bound(&specifiers_to_ranges(&input.requires_python));
        let direct = input.requirements.iter().map(|r| r.name.clone()).collect();
        let prefetcher = Arc::new(Prefetcher {
            client: client.clone(),
            pool: pool.clone(),
            seen: std::sync::Mutex::default(),
            preferences: input.preferences.clone(),
            lowest: input.resolution == ResolutionMode::Lowest,
            env: env.clone(),
            rp_lower: rp_lower.clone(),
        });
        let p = Self {
            client,
            env,
            rp_lower,
            order: RefCell::default(),
            explicit_pre: RefCell::default(),
            pinned: RefCell::default(),
            direct,
            deps: RefCell::default(),
            prefetcher,
            python_cache: RefCell::default(),
            requested_where: RefCell::default(),
            input,
        };
        for r in &p.input.requirements {
            p.note_first_party(r);
        }
        Ok(p)
    }

    fn note_requirement(&self, req: &Requirement) {
        {
            let mut order = self.order.borrow_mut();
            let n = order.len();
            order.entry(req.name.clone()).or_insert(n);
        }
        self.requested_where
            .borrow_mut()
            .entry(req.name.clone())
            .or_insert(MarkerTree::FALSE)
            .or(req.marker.clone());
    }

    /// Record what the project's own requirements opt into: pre-releases
    /// named in a specifier, and exact `==` pins (which may select a yanked
    /// version, PEP 592). Transitive requirements opt into neither, as in uv.
    fn note_first_party(&self, req: &Requirement) {
        if let Some(VersionOrUrl::VersionSpecifier(specs)) = &req.version_or_url {
            for s in specs.iter() {
                if s.version().any_prerelease() {
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

    /// Start fetching the page of `req.name` and the metadata of the version
    /// the resolver is most likely to pick, without waiting (see [`Prefetcher`]).
    fn prefetch(&self, req: &Requirement) {
        self.prefetcher.prefetch(req);
    }

    /// Start fetching pages and metadata for many requirements at once
    /// (the root's and the previous lock's), in one parallel wave.
    pub fn prefetch_all(&self, reqs: &[Requirement]) {
        for r in reqs {
            self.prefetch(r);
        }
    }

    fn usable_files<'a>(&self, page: &'a ProjectPage, v: &Version) -> Vec<&'a IndexFile> {
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
        files
            .iter()
            .filter(|f| pinned || f.yanked.is_none())
            .filter(|f| plausible_file(f))
            .filter(|f| if f.is_wheel() { !no_binary } else { !no_build })
            .filter(|f| match (&self.input.exclude_newer, &f.upload_time) {
                (Some(limit), Some(t)) => t.as_str() <= limit.as_str(),
                _ => true,
            })
            .collect()
    }

    fn candidate_ok(&self, page: &ProjectPage, v: &Version) -> bool {
        let files = self.usable_files(page, v);
        !files.is_empty()
            && files.iter().any(|f| {
                f.requires_python
                    .as_ref()
                    .is_none_or(|rp| self.python_ok(rp))
            })
            && self.covers_required_environments(&page.name, &files)
    }

    /// Whether `files` have something installable in every required
    /// environment (that this fork covers): an sdist, or wheels whose tags
    /// together cover it.
    fn covers_required_environments(&self, name: &PackageName, files: &[&IndexFile]) -> bool {
        if self.input.required_environments.is_empty() || files.iter().any(|f| !f.is_wheel()) {
            return true;
        }
        let mut usable = MarkerTree::FALSE;
        for f in files {
            if let Some(w) = f.wheel_filename() {
                usable.or(crate::types::filename::wheel_marker(&w));
            }
        }
        // Where the package is required at all (the union of the markers of
        // the requirements on it seen so far): a Windows-only dependency needs
        // no Linux wheel.
        let wanted = self
            .requested_where
            .borrow()
            .get(name)
            .cloned()
            .unwrap_or(MarkerTree::TRUE);
        self.input.required_environments.iter().all(|required| {
            let mut here = required.clone();
            here.and(self.env.clone());
            here.and(wanted.clone());
            here.is_false() || !here.is_disjoint(&usable)
        })
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

    /// Whether a candidate's `Requires-Python` admits every Python of this
    /// resolution's environment (the project's `requires-python`, narrowed
    /// by the fork). Upper bounds (`<4`) are ignored, as uv and pip do.
    fn python_ok(&self, candidate: &VersionSpecifiers) -> bool {
        if python_compatible(&self.rp_lower, candidate) {
            return true;
        }
        let key = candidate.to_string();
        if let Some(ok) = self.python_cache.borrow().get(&key) {
            return *ok;
        }
        let ok = python_covers_env(&self.env, candidate);
        self.python_cache.borrow_mut().insert(key, ok);
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

    /// When `reqs` name one package several times with different version
    /// ranges or extras under different markers, the parts of this
    /// resolution's environment those markers carve out (two or more), else
    /// `None`.
    fn fork_regions(&self, reqs: &[Requirement]) -> Option<Vec<MarkerTree>> {
        let mut by_name: BTreeMap<&PackageName, Vec<&Requirement>> = BTreeMap::new();
        for r in reqs {
            if !r.marker.is_disjoint(&self.env) {
                by_name.entry(&r.name).or_default().push(r);
            }
        }
        let mut markers: Vec<MarkerTree> = Vec::new();
        for group in by_name.values().filter(|g| g.len() > 1) {
            let first = group[0];
            let differ = group
                .iter()
                .any(|r| r.version_or_url != first.version_or_url || r.extras != first.extras);
            let same_marker = group.iter().all(|r| r.marker == first.marker);
            if differ && !same_marker {
                markers.extend(group.iter().map(|r| r.marker.clone()));
            }
        }
        if markers.is_empty() {
            return None;
        }
        let mut parts = vec![self.env.clone()];
        for m in &markers {
            let mut next = Vec::new();
            for p in &parts {
                for side in [m.clone(), m.negate()] {
                    let mut q = p.clone();
                    q.and(side);
                    if !q.is_false() && !next.contains(&q) {
                        next.push(q);
                    }
                }
            }
            parts = next;
        }
        (parts.len() > 1).then_some(parts)
    }

    fn constraints_for(
        &self,
        reqs: &[Requirement],
    ) -> pubgrub::DependencyConstraints<Pkg, Ranges<Version>> {
        let mut out: pubgrub::DependencyConstraints<Pkg, Ranges<Version>> = Default::default();
        for req in reqs {
            if req.marker.is_disjoint(&self.env) {
                continue;
            }
            self.note_requirement(req);
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
        let page = self.client.project(name)?;
        let meta = match self.sdist_only_metadata(&page, v)? {
            Some(Ok(m)) => Arc::new(m),
            Some(Err(reason)) => return Ok(Err(reason)),
            None => match self.client.metadata(&page, v) {
                Ok(m) => m,
                Err(
                    e @ (IndexError::Network { .. }
                    | IndexError::Offline { .. }
                    | IndexError::HashMismatch { .. }),
                ) => return Err(e),
                Err(e) => return Ok(Err(format!("its metadata could not be read ({e})"))),
            },
        };
        if let Some(rp) = &meta.requires_python {
            if !self.python_ok(rp) {
                return Ok(Err(format!("it requires Python {rp}")));
            }
        }
        let split = Arc::new(self.split_deps(name, &meta));
        tracing::debug!(
            "{name}=={v}: {} dependencies, extras {:?}",
            split.base.len(),
            split.extras.keys().collect::<Vec<_>>()
        );
        self.deps
            .borrow_mut()
            .insert((name.clone(), v.clone()), split.clone());
        Ok(Ok(split))
    }

    /// For every "no versions of P in R" in a failed derivation, say why the
    /// versions of P that are in R were not usable: yanked, pre-releases not
    /// opted into, or a `Requires-Python` the project's range does not meet.
    fn why_no_versions(
        &self,
        tree: &pubgrub::DerivationTree<Pkg, Ranges<Version>, String>,
    ) -> Vec<String> {
        let mut found: Vec<(PackageName, Ranges<Version>)> = Vec::new();
        let mut stack = vec![tree];
        while let Some(t) = stack.pop() {
            match t {
                pubgrub::DerivationTree::External(pubgrub::External::NoVersions(
                    Pkg::Dist(n) | Pkg::Extra(n, _),
                    r,
                )) => {
                    if !found.iter().any(|(m, s)| m == n && s == r) {
                        found.push((n.clone(), r.clone()));
                    }
                }
                pubgrub::DerivationTree::Derived(d) => {
                    stack.push(&d.cause1);
                    stack.push(&d.cause2);
                }
                pubgrub::DerivationTree::External(_) => {}
            }
        }
        let mut notes = Vec::new();
        for (name, range) in found {
            let Ok(page) = self.client.project(&name) else {
                continue;
            };
            let in_range: Vec<&Version> = page
                .versions
                .keys()
                .filter(|v| range.contains(*v))
                .collect();
            if in_range.is_empty() {
                let latest = page.versions.keys().next_back();
                notes.push(match latest {
                    Some(l) => {
                        format!("no version of `{name}` matches `{range}` (the newest is {l})")
                    }
                    None => format!("`{name}` has no files on the index"),
                });
                continue;
            }
            let mut yanked = Vec::new();
            let mut pre = Vec::new();
            let mut python = Vec::new();
            for v in in_range {
                let files = page.versions.get(v).map(Vec::as_slice).unwrap_or_default();
                if files.iter().all(|f| f.yanked.is_some()) {
                    yanked.push(v.to_string());
                } else if v.any_prerelease() {
                    pre.push(v.to_string());
                } else if let Some(rp) = files.iter().find_map(|f| f.requires_python.as_ref()) {
                    if !self.python_ok(rp) {
                        python.push(format!("{v} (requires Python {rp})"));
                    }
                }
            }
            if !yanked.is_empty() {
                notes.push(format!(
                    "`{name}` {} yanked; pin an exact version with `==` in `pyproject.toml` to use a yanked release",
                    list_versions(&yanked, "is", "are")
                ));
            }
            if !pre.is_empty() {
                notes.push(format!(
                    "`{name}` {}; name a pre-release in the specifier (e.g. `{name}>={}`) or pass `--prerelease allow`",
                    list_versions(&pre, "is a pre-release", "are pre-releases"),
                    pre[pre.len() - 1]
                ));
            }
            if !python.is_empty() {
                notes.push(format!(
                    "`{name}` {} not support every Python the project allows (`requires-python = \"{}\"`)",
                    list_versions(&python, "does", "do"),
                    self.input.requires_python
                ));
            }
        }
        notes
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
    fn finish(
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
            let page = self.client.project(name)?;
            let files = self.usable_files(&page, v).into_iter().cloned().collect();
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
                index: page.index.clone(),
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
    type Priority = (u32, Reverse<usize>);
    type Err = ProviderError;

    fn prioritize(
        &self,
        package: &Pkg,
        _range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let name = match package {
            Pkg::Root(_) => return (u32::MAX, Reverse(0)),
            Pkg::Dist(n) | Pkg::Extra(n, _) => n,
        };
        let order = self.order.borrow().get(name).copied().unwrap_or(usize::MAX);
        (stats.conflict_count(), Reverse(order))
    }

    fn choose_version(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, ProviderError> {
        let name = match package {
            Pkg::Root(_) => return Ok(Some(Version::new([0]))),
            Pkg::Dist(n) | Pkg::Extra(n, _) => n,
        };
        let page = self.client.project(name)?;
        if let Some(pref) = self.input.preferences.get(name) {
            if range.contains(pref) && self.candidate_ok(&page, pref) {
                return Ok(Some(pref.clone()));
            }
        }
        let lowest = match self.input.resolution {
            ResolutionMode::Highest => false,
            ResolutionMode::Lowest => true,
            ResolutionMode::LowestDirect => self.direct.contains(name),
        };
        let allow_pre = match self.input.prerelease {
            PrereleaseMode::Allow => true,
            PrereleaseMode::Disallow => false,
            PrereleaseMode::IfNecessaryOrExplicit => self.explicit_pre.borrow().contains(name),
        };
        let pick = |pre_ok: bool| -> Option<Version> {
            let mut it = page
                .versions
                .keys()
                .filter(|v| range.contains(*v))
                .filter(|v| pre_ok || !v.any_prerelease())
                .filter(|v| self.candidate_ok(&page, v));
            if lowest {
                it.next().cloned()
            } else {
                it.next_back().cloned()
            }
        };
        // "If necessary": a package that has published nothing but pre-releases.
        let only_pre = || page.versions.keys().all(Version::any_prerelease);
        let chosen = pick(allow_pre).or_else(|| {
            (self.input.prerelease == PrereleaseMode::IfNecessaryOrExplicit
                && !allow_pre
                && only_pre())
            .then(|| pick(true))
            .flatten()
        });
        Ok(chosen)
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, String>, ProviderError> {
        let fork = |reqs: &[Requirement]| match self.fork_regions(reqs) {
            Some(parts) => Err(ProviderError::Fork(parts)),
            None => Ok(()),
        };
        match package {
            Pkg::Root(_) => {
                fork(&self.input.requirements)?;
                Ok(Dependencies::Available(
                    self.constraints_for(&self.input.requirements),
                ))
            }
            Pkg::Dist(name) => match self.version_deps(name, version)? {
                Ok(d) => {
                    fork(&d.base)?;
                    Ok(Dependencies::Available(self.constraints_for(&d.base)))
                }
                Err(reason) => Ok(Dependencies::Unavailable(reason)),
            },
            Pkg::Extra(name, extra) => match self.version_deps(name, version)? {
                Ok(d) => {
                    let reqs = d.extras.get(extra).cloned().unwrap_or_default();
                    fork(&reqs)?;
                    let mut c = self.constraints_for(&reqs);
                    c.insert(Pkg::Dist(name.clone()), Ranges::singleton(version.clone()));
                    Ok(Dependencies::Available(c))
                }
                Err(reason) => Ok(Dependencies::Unavailable(reason)),
            },
        }
    }
}

/// `1.0 is` / `1.0, 1.1 and 2 more are`, for notes.
fn list_versions(versions: &[String], one: &str, many: &str) -> String {
    match versions {
        [v] => format!("{v} {one}"),
        _ if versions.len() <= 3 => format!("{} {many}", versions.join(", ")),
        _ => format!(
            "{} (and {} older) {many}",
            versions[versions.len() - 3..].join(", "),
            versions.len() - 3
        ),
    }
}

/// The most environments one resolution may fork into.
const MAX_FORKS: usize = 64;

/// Resolve `input` against the index behind `client`.
///
/// The resolution is universal. When requirements on one package carry
/// different markers and ranges (`numpy>=2; python_version >= "3.10"` and
/// `numpy<2; python_version < "3.10"`), the environment forks: each part is
/// solved apart (sharing every fetched page and metadata), and the parts'
/// solutions are merged, with a fork marker on every version that not all
/// parts chose.
///
/// `extra_prefetch` names requirements worth fetching up front (for example
/// every package of the previous lock), so their pages arrive in one wave.
///
/// # Errors
/// [`ResolveError::NoSolution`] with a readable derivation when the
/// requirements conflict; [`ResolveError::Index`] when the index fails.
pub fn resolve(
    client: Arc<Client>,
    input: ResolverInput,
    extra_prefetch: &[Requirement],
) -> Result<Resolution, ResolveError> {
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(32)
            .thread_name(|i| format!("envy-io-{i}"))
            .build()
            .map_err(|e| ResolveError::Other(e.to_string()))?,
    );
    client.set_background_cancelled(false);
    let result = resolve_forks(&client, &input, extra_prefetch, pool);
    // Prefetches still queued are for versions the resolution did not need.
    client.set_background_cancelled(true);
    result
}

fn resolve_forks(
    client: &Arc<Client>,
    input: &ResolverInput,
    extra_prefetch: &[Requirement],
    pool: Arc<rayon::ThreadPool>,
) -> Result<Resolution, ResolveError> {
    let rp_marker = requires_python_marker(&input.requires_python);
    let mut pending = vec![rp_marker.clone()];
    let mut solutions: Vec<ForkSolution> = Vec::new();
    let mut first = true;
    while let Some(env) = pending.pop() {
        if solutions.len() + pending.len() >= MAX_FORKS {
            return Err(ResolveError::Other(format!(
                "the resolution forked into more than {MAX_FORKS} environments"
            )));
        }
        let provider = Provider::new(client.clone(), input.clone(), env.clone(), pool.clone())?;
        if first {
            provider.prefetch_all(&input.requirements);
            provider.prefetch_all(extra_prefetch);
            first = false;
        }
        let root = Pkg::Root(input.root_name.clone());
        match pubgrub::resolve(&provider, root, Version::new([0])) {
            Ok(selected) => solutions.push(provider.finish(&selected)?),
            Err(pubgrub::PubGrubError::NoSolution(tree)) => {
                let notes = provider.why_no_versions(&tree);
                let mut text = report::explain(tree, &input.requires_python);
                for note in notes {
                    text.push_str(&format!("  note: {note}\n"));
                }
                if env != rp_marker {
                    let shown = simplify_for(&env, &input.requires_python)
                        .try_to_string()
                        .unwrap_or_default();
                    text.push_str(&format!(
                        "  (in the part of the environment where `{shown}`)\n"
                    ));
                }
                return Err(ResolveError::NoSolution(text));
            }
            Err(pubgrub::PubGrubError::ErrorChoosingVersion { source, .. })
            | Err(pubgrub::PubGrubError::ErrorRetrievingDependencies { source, .. }) => {
                match source {
                    ProviderError::Index(e) => return Err(ResolveError::Index(e)),
                    ProviderError::Fork(parts) => {
                        tracing::debug!("forking into {} environments", parts.len());
                        pending.extend(parts.into_iter().rev());
                    }
                }
            }
            Err(e) => return Err(ResolveError::Other(e.to_string())),
        }
    }
    Ok(merge(solutions, input))
}

/// The (lower, upper) bounds of `requires-python`, unbounded when absent.
pub fn requires_python_bounds(rp: &VersionSpecifiers) -> (Bound<Version>, Bound<Version>) {
    specifiers_to_ranges(rp)
        .bounding_range()
        .map(|(a, b)| (a.cloned(), b.cloned()))
        .unwrap_or((Bound::Unbounded, Bound::Unbounded))
}

/// A marker with the parts `requires-python` already implies removed.
pub fn simplify_for(marker: &MarkerTree, rp: &VersionSpecifiers) -> MarkerTree {
    let (lo, hi) = requires_python_bounds(rp);
    marker
        .clone()
        .simplify_python_versions(lo.as_ref(), hi.as_ref())
}

/// Merge fork solutions into one resolution.
fn merge(mut solutions: Vec<ForkSolution>, input: &ResolverInput) -> Resolution {
    solutions.sort_by_key(|s| s.env.try_to_string());
    let forked = solutions.len() > 1;
    let mut out = Resolution {
        forks: solutions
            .iter()
            .map(|s| simplify_for(&s.env, &input.requires_python))
            .collect(),
        ..Default::default()
    };
    // Which versions of each name, under which forks.
    let mut versions: BTreeMap<PackageName, BTreeMap<Version, MarkerTree>> = BTreeMap::new();
    for s in &solutions {
        for (n, v) in &s.chosen {
            versions
                .entry(n.clone())
                .or_default()
                .entry(v.clone())
                .or_insert(MarkerTree::FALSE)
                .or(s.env.clone());
        }
    }
    let multi = |n: &PackageName| versions.get(n).is_some_and(|v| v.len() > 1);
    // Edge versions: for a parent chosen in fork f, its dependency's version in f.
    let edge_versions = |parent_forks: &[&ForkSolution],
                         deps: &mut dyn Iterator<Item = &PackageName>| {
        let mut out: BTreeMap<PackageName, Vec<(Version, MarkerTree)>> = BTreeMap::new();
        for d in deps {
            if !multi(d) || out.contains_key(d) {
                continue;
            }
            let mut by_version: BTreeMap<Version, MarkerTree> = BTreeMap::new();
            for f in parent_forks {
                if let Some(v) = f.chosen.get(d) {
                    by_version
                        .entry(v.clone())
                        .or_insert(MarkerTree::FALSE)
                        .or(simplify_for(&f.env, &input.requires_python));
                }
            }
            out.insert(d.clone(), by_version.into_iter().collect());
        }
        out
    };
    let all: Vec<&ForkSolution> = solutions.iter().collect();
    out.root_dependency_versions =
        edge_versions(&all, &mut input.requirements.iter().map(|r| &r.name));
    for s in &solutions {
        for p in &s.packages {
            let key = (p.name.clone(), p.version.clone());
            let entry = out.packages.entry(key).or_insert_with(|| {
                let mut p = p.clone();
                p.dependencies.clear();
                p.optional_dependencies.clear();
                p
            });
            for d in &p.dependencies {
                if !entry.dependencies.contains(d) {
                    entry.dependencies.push(d.clone());
                }
            }
            for (e, reqs) in &p.optional_dependencies {
                let list = entry.optional_dependencies.entry(e.clone()).or_default();
                for d in reqs {
                    if !list.contains(d) {
                        list.push(d.clone());
                    }
                }
            }
        }
    }
    for ((name, version), p) in out.packages.iter_mut() {
        let forks: Vec<&ForkSolution> = solutions
            .iter()
            .filter(|s| s.chosen.get(name) == Some(version))
            .collect();
        if forked && multi(name) {
            let mut m = MarkerTree::FALSE;
            for f in &forks {
                m.or(f.env.clone());
            }
            p.fork_marker = simplify_for(&m, &input.requires_python);
        }
        let names: Vec<PackageName> = p
            .dependencies
            .iter()
            .chain(p.optional_dependencies.values().flatten())
            .map(|r| r.name.clone())
            .collect();
        p.dependency_versions = edge_versions(&forks, &mut names.iter());
    }
    out
}
