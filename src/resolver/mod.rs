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

mod direct;
mod exclude_newer;
mod files;
mod fork;
mod notes;
mod prefetch;
mod provider;
mod ranges;
mod report;
mod siblings;
#[cfg(test)]
mod tests;

pub use exclude_newer::ExcludeNewer;
pub use ranges::{
    python_compatible, requires_python_bounds, requires_python_marker, simplify_for,
    specifiers_to_ranges,
};

use crate::index::{IndexError, IndexFile, PackageIndex};
use crate::types::metadata::CoreMetadata;
use fork::merge;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};
use provider::Provider;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

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

/// Which pre-releases may be chosen (uv's names and meanings). Candidates
/// are a preference order, not a filter: within a package's range, final
/// releases are tried first (newest to oldest, or the reverse under a lowest
/// resolution), then pre-releases where the mode permits them. A pre-release
/// named in a specifier permits pre-releases; it does not make them preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PrereleaseMode {
    /// Any version, pre-release or not, newest first.
    Allow,
    /// Never a pre-release.
    Disallow,
    /// A pre-release when no final release in range can be chosen.
    IfNecessary,
    /// A pre-release only of packages whose own requirements in the project
    /// (dependencies, constraints, overrides) name a pre-release in a
    /// specifier other than `!=`, when no final release in range can be
    /// chosen (uv's meaning: transitive specifiers do not count).
    Explicit,
    /// A pre-release when no final release in range can be chosen (which
    /// covers a specifier that names one): uv's default.
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

/// How a universal resolution splits by Python version (uv's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ForkStrategy {
    /// Each Python version the project supports gets the newest release it
    /// can run: when the best candidate requires a newer Python than part of
    /// the environment, the resolution forks on `python_full_version` there.
    #[default]
    RequiresPython,
    /// As few forks as possible: one version per package that every
    /// supported Python can run (the oldest Python decides).
    Fewest,
}

/// What to resolve.
#[derive(Debug, Clone)]
pub struct ResolverInput {
    /// The project's name (the root of the graph).
    pub root_name: String,
    /// The project's own distribution name, when the root is a project (not
    /// a build environment): a requirement on it anywhere in the graph (an
    /// extra, a group, a dependency's dependency, as plugin ecosystems do) is
    /// satisfied by the project itself, never by an index.
    pub project: Option<PackageName>,
    /// The project's version (`None` when dynamic): a requirement on the
    /// project whose range excludes it is a conflict.
    pub project_version: Option<Version>,
    /// Every requirement of the project, from all groups, already expanded.
    pub requirements: Vec<Requirement>,
    /// Where requirements of [`Self::requirements`] were declared, when not
    /// (only) in `[project] dependencies`: a PEP 735 dependency group or an
    /// extra. Only failure reports read it ("from the dependency group
    /// `dev`"); a requirement without an entry is a plain dependency.
    pub requirement_sources: Vec<(Requirement, RequirementSource)>,
    /// The project's `requires-python`.
    pub requires_python: VersionSpecifiers,
    /// Versions to keep when still allowed (from the existing lock).
    pub preferences: HashMap<PackageName, Version>,
    /// Pre-release policy.
    pub prerelease: PrereleaseMode,
    /// Version preference.
    pub resolution: ResolutionMode,
    /// How to split by Python version.
    pub fork_strategy: ForkStrategy,
    /// Ignore files uploaded at or after this cutoff (`--exclude-newer`).
    pub exclude_newer: Option<ExcludeNewer>,
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
    /// Packages named by a direct reference (a local path, a `file:` or
    /// remote archive; PEP 440 "direct references"), with the core metadata
    /// of that one distribution. Each has exactly that one version, and the
    /// index is never asked about its name (no dependency confusion).
    pub direct: BTreeMap<PackageName, Arc<CoreMetadata>>,
}

/// Where the project declares a requirement (PEP 621, PEP 735).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RequirementSource {
    /// `[project] dependencies`.
    Dependencies,
    /// `[project.optional-dependencies]`: this extra.
    Extra(ExtraName),
    /// `[dependency-groups]`: this dependency group.
    Group(String),
}

impl fmt::Display for RequirementSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequirementSource::Dependencies => f.write_str("the project's dependencies"),
            RequirementSource::Extra(e) => write!(f, "the extra `{e}`"),
            RequirementSource::Group(g) => write!(f, "the dependency group `{g}`"),
        }
    }
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

    /// The same, for a caller working ahead of need (the prefetcher, on a
    /// background thread): `None` when `cancelled()` holds at the point a
    /// build backend would start, which then does not start. `starting` is
    /// called just before a backend runs. A caller asking for an sdist whose
    /// metadata is being computed waits for that answer.
    ///
    /// Default: `None` when `cancelled()` holds on entry, else
    /// [`Self::metadata`].
    fn metadata_ahead(
        &self,
        sdist_path: &std::path::Path,
        cancelled: &dyn Fn() -> bool,
        starting: &dyn Fn(),
    ) -> Option<Result<CoreMetadata, String>> {
        let _ = starting;
        (!cancelled()).then(|| self.metadata(sdist_path))
    }
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
    /// These packages keep conflicting: solve again deciding them first
    /// (instead of walking their version histories back).
    #[error("restarting to decide {0:?} first")]
    Reprioritize(Vec<PackageName>),
}

/// How many times one environment's solve may restart to decide
/// conflicting packages first.
const MAX_RESTARTS: usize = 16;
/// The most environments one resolution may fork into.
const MAX_FORKS: usize = 256;

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
/// The metadata of sdist-only versions ([`ResolverInput::sdist_metadata`]) is
/// computed ahead of the solver in the background, at most one build backend
/// per core at once. Before this returns, background builds not started
/// yet are dropped and running ones are waited for: no backend process or
/// scratch directory outlives the call.
///
/// # Errors
/// [`ResolveError::NoSolution`] with a readable derivation when the
/// requirements conflict; [`ResolveError::Index`] when the index fails.
pub fn resolve(
    client: Arc<dyn PackageIndex>,
    mut input: ResolverInput,
    extra_prefetch: &[Requirement],
) -> Result<Resolution, ResolveError> {
    let pool = Arc::new(
        rayon::ThreadPoolBuilder::new()
            .num_threads(32)
            .thread_name(|i| format!("envy-io-{i}"))
            .build()
            .map_err(|e| ResolveError::Other(e.to_string()))?,
    );
    // This resolution's own cancellation flag: a build environment resolved
    // meanwhile (for an sdist's metadata) starts and ends apart from it.
    let client: Arc<dyn PackageIndex> = Arc::new(prefetch::OwnCancellation::new(client));
    let client: Arc<dyn PackageIndex> = if input.direct.is_empty() {
        client
    } else {
        Arc::new(direct::NoIndexFor {
            inner: client,
            names: input.direct.keys().cloned().collect(),
        })
    };
    // Metadata builds the prefetcher starts are counted, so that none
    // outlives this call.
    let builds = input
        .sdist_metadata
        .take()
        .map(|hook| Arc::new(prefetch::BackgroundBuilds::new(hook)));
    input.sdist_metadata = builds.clone().map(|b| SdistMetadataHook(b));
    let result = resolve_forks(&client, &input, extra_prefetch, pool);
    // Prefetches still queued are for versions the resolution did not need.
    client.set_background_cancelled(true);
    // Builds not started yet never start; running ones are waited for, so
    // that no backend process or scratch directory outlives the resolution.
    if let Some(b) = builds {
        b.finish();
    }
    result
}

fn resolve_forks(
    client: &Arc<dyn PackageIndex>,
    input: &ResolverInput,
    extra_prefetch: &[Requirement],
    pool: Arc<rayon::ThreadPool>,
) -> Result<Resolution, ResolveError> {
    let rp_marker = requires_python_marker(&input.requires_python);
    let mut pending = vec![rp_marker.clone()];
    let mut solutions: Vec<ForkSolution> = Vec::new();
    let mut first = true;
    // Packages that kept conflicting, decided first from then on.
    let mut first_decided: Vec<PackageName> = Vec::new();
    let mut restarts = 0;
    let shared = std::rc::Rc::new(files::SharedWork::default());
    while let Some(env) = pending.pop() {
        if solutions.len() + pending.len() >= MAX_FORKS {
            return Err(ResolveError::Other(format!(
                "the resolution forked into more than {MAX_FORKS} environments"
            )));
        }
        let mut provider = Provider::new(
            client.clone(),
            input.clone(),
            env.clone(),
            pool.clone(),
            shared.clone(),
        )?;
        provider.decide_first(&first_decided, restarts < MAX_RESTARTS);
        if first {
            provider.prefetch_all(&input.requirements);
            provider.prefetch_all(extra_prefetch);
            first = false;
        }
        let root = Pkg::Root(input.root_name.clone());
        let root_version = input.project_version.clone().unwrap_or(Version::new([0]));
        match pubgrub::resolve(&provider, root, root_version) {
            Ok(selected) => solutions.push(provider.finish(&selected)?),
            Err(pubgrub::PubGrubError::NoSolution(tree)) => {
                let notes = provider.why_no_versions(&tree);
                let mut text = report::explain(tree, input);
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
                    ProviderError::Reprioritize(names) => {
                        tracing::debug!(
                            "{names:?} keep conflicting: deciding them first and solving again"
                        );
                        restarts += 1;
                        first_decided.extend(names);
                        pending.push(env);
                    }
                }
            }
            Err(e) => return Err(ResolveError::Other(e.to_string())),
        }
    }
    Ok(merge(solutions, input))
}
