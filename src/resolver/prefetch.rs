//! Background fetching ahead of the solver (see [`Prefetcher`]).

use super::files::{allowed_by_options, fits_python};
use super::ranges::{
    python_compatible, python_covers_env, requirement_range, requires_python_marker,
};
use super::{
    plausible_file, ExcludeNewer, PackageSelector, ResolutionMode, ResolverInput, SdistMetadata,
    SdistMetadataHook,
};
use crate::index::{IndexFile, PackageIndex, ProjectPage};
use crate::types::metadata::CoreMetadata;
use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use version_ranges::Ranges;

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
///
/// While the solver backtracks it also fetches ahead along a version history
/// (see [`Prefetcher::chose`]): once it moves from one version of a package to
/// another, the metadata of the next candidates it would try is fetched in
/// batches of growing size.
///
/// With an sdist metadata hook, a version whose usable files are only sdists
/// is not read from PKG-INFO but handed to the hook in the background (which
/// may run its build backend), so that the solver finds the answer ready or
/// being computed (see [`BackgroundBuilds`]).
pub(super) struct Prefetcher {
    client: Arc<dyn PackageIndex>,
    pool: Arc<rayon::ThreadPool>,
    /// Names (with the extras asked for) already followed.
    seen: std::sync::Mutex<HashSet<(PackageName, Vec<ExtraName>)>>,
    preferences: HashMap<PackageName, Version>,
    lowest: bool,
    env: MarkerTree,
    /// The lower bound of the project's `requires-python`.
    rp_lower: Bound<Version>,
    /// Per package: the version the solver chose last and how many batches
    /// of other versions were fetched since.
    backtracking: std::sync::Mutex<HashMap<PackageName, (Version, u32)>>,
    /// Versions whose metadata a batch already asked for.
    batched: std::sync::Mutex<HashSet<(PackageName, Version)>>,
    /// Which files the solver may use, to tell sdist-only versions.
    files: FileRule,
}

/// The provider's rule for the files of a version it may use (yanked, the
/// `--no-build`/`--no-binary` selections, `--exclude-newer`, wheels whose tags
/// fit `requires-python`), with the sdist metadata hook: what the prefetcher
/// needs to start the hook's work where the solver will ask for it. A pinned
/// yanked version counts as unusable here; a mismatch with the provider only
/// costs or saves a background build, it never changes an answer.
struct FileRule {
    hook: Option<SdistMetadataHook>,
    no_build: PackageSelector,
    no_binary: PackageSelector,
    exclude_newer: Option<ExcludeNewer>,
    project_python: MarkerTree,
}

/// The versions of each backtracking batch whose sdist metadata is built
/// ahead (the others are only fetched): the version the solver just chose,
/// which it asks about at once, and the next one in its order. Building the whole
/// batch (up to [`MAX_BATCH`] versions) would start dozens of backend runs
/// for versions the solver most often never reaches, and hold the cores it
/// waits for.
const BUILDS_PER_BATCH: usize = 2;

/// The first batch of versions fetched ahead when the solver leaves a
/// version of a package; each later batch doubles, up to [`MAX_BATCH`].
const FIRST_BATCH: usize = 5;
const MAX_BATCH: usize = 50;

impl Prefetcher {
    /// A prefetcher for `input` in one environment `env` (a fork, or the
    /// whole `requires-python` range) whose lower Python bound is
    /// `rp_lower`, fetching on `pool`. From `input` it takes the previous
    /// lock's versions (`preferences`), the resolution mode, the sdist
    /// metadata hook and what decides which files are usable.
    pub(super) fn new(
        client: Arc<dyn PackageIndex>,
        pool: Arc<rayon::ThreadPool>,
        input: &ResolverInput,
        env: MarkerTree,
        rp_lower: Bound<Version>,
    ) -> Self {
        Self {
            client,
            pool,
            seen: std::sync::Mutex::default(),
            preferences: input.preferences.clone(),
            lowest: input.resolution == ResolutionMode::Lowest,
            env,
            rp_lower,
            backtracking: std::sync::Mutex::default(),
            batched: std::sync::Mutex::default(),
            files: FileRule {
                hook: input.sdist_metadata.clone(),
                no_build: input.no_build.clone(),
                no_binary: input.no_binary.clone(),
                exclude_newer: input.exclude_newer.clone(),
                project_python: requires_python_marker(&input.requires_python),
            },
        }
    }

    /// The solver chose `chosen` of `page`'s package within `range`, trying
    /// versions from the highest down (or from the lowest up when `lowest`).
    /// When it chose another version of the package before, it is walking
    /// that package's history: fetch the metadata of `chosen` and the next
    /// candidates after it (within `range`, usable, pre-releases only if
    /// `chosen` is one), in batches of 5, 10, 20... up to 50 versions, so
    /// that the versions it asks for next are there when it asks.
    pub(super) fn chose(
        self: &Arc<Self>,
        page: &Arc<ProjectPage>,
        chosen: &Version,
        range: &Ranges<Version>,
        lowest: bool,
    ) {
        let batch = {
            let mut backtracking = self
                .backtracking
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match backtracking.get_mut(&page.name) {
                None => {
                    backtracking.insert(page.name.clone(), (chosen.clone(), 0));
                    return;
                }
                Some((last, _)) if last == chosen => return,
                Some((last, batches)) => {
                    *last = chosen.clone();
                    *batches += 1;
                    (FIRST_BATCH << (*batches - 1).min(4)).min(MAX_BATCH)
                }
            }
        };
        let pre = chosen.any_prerelease();
        let versions: Vec<&Version> = if lowest {
            page.versions.range(chosen..).map(|(v, _)| v).collect()
        } else {
            page.versions
                .range(..=chosen)
                .rev()
                .map(|(v, _)| v)
                .collect()
        };
        let candidates: Vec<&Version> = versions
            .into_iter()
            .filter(|v| range.contains(*v) && (pre || !v.any_prerelease()))
            .filter(|v| self.usable(page, v))
            .take(batch)
            .collect();
        // Only `chosen` and the version right after it may be built: the
        // first versions new to this batch can lie deep in the history
        // (the nearer ones were batched before), where the solver seldom goes.
        let build: Vec<Version> = candidates
            .iter()
            .take(BUILDS_PER_BATCH)
            .map(|v| (*v).clone())
            .collect();
        let next: Vec<Version> = {
            let mut batched = self
                .batched
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            candidates
                .into_iter()
                .filter(|v| batched.insert((page.name.clone(), (*v).clone())))
                .cloned()
                .collect()
        };
        if next.is_empty() {
            return;
        }
        tracing::debug!(
            "prefetching {} versions of {} from {chosen} on",
            next.len(),
            page.name
        );
        for version in next {
            let this = self.clone();
            let page = page.clone();
            let may_build = build.contains(&version);
            self.pool.spawn(move || {
                if this.client.background_cancelled() {
                    return;
                }
                if may_build && this.build_ahead(&page, &version).is_some() {
                    return;
                }
                // The page the solver holds: the metadata is memoized under
                // the same name and version it will ask for.
                let _ = this.client.metadata(&page, &version);
            });
        }
    }

    pub(super) fn prefetch(self: &Arc<Self>, req: &Requirement) {
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
        let built = self.build_ahead(&page, &version);
        let fetched = match &built {
            Some(_) => None,
            None => match self.client.metadata(&page, &version) {
                Ok(m) => Some(m),
                Err(_) => return,
            },
        };
        let Some(metadata) = built.as_ref().or(fetched.as_deref()) else {
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

impl Prefetcher {
    /// The sdist the solver will read `version`'s metadata from, when a hook
    /// is set and the version's usable files are only sdists (the first one,
    /// as the provider takes).
    fn sdist_only<'a>(&self, page: &'a ProjectPage, version: &Version) -> Option<&'a IndexFile> {
        let rule = &self.files;
        rule.hook.as_ref()?;
        let files = page.versions.get(version)?;
        let no_build = rule.no_build.contains(&page.name);
        let no_binary = rule.no_binary.contains(&page.name);
        let exclude_newer = rule.exclude_newer.as_ref();
        let mut usable = files
            .iter()
            .filter(|f| f.yanked.is_none() && plausible_file(f))
            .filter(|f| allowed_by_options(f, no_build, no_binary, exclude_newer))
            .filter(|f| fits_python(f, &rule.project_python));
        let first = usable.next()?;
        (!first.is_wheel() && !usable.any(|f| f.is_wheel())).then_some(first)
    }

    /// For a version whose usable files are only sdists: download its sdist
    /// and ask the hook for its metadata here, in the background (see
    /// [`SdistMetadata::metadata_ahead`]). `None` when the version has a
    /// usable wheel, there is no hook, the resolution is over, or the
    /// metadata cannot be had now (the solver then asks itself).
    fn build_ahead(&self, page: &ProjectPage, version: &Version) -> Option<CoreMetadata> {
        let sdist = self.sdist_only(page, version)?;
        let hook = self.files.hook.as_ref()?;
        if self.client.background_cancelled() {
            return None;
        }
        let path = self.client.download(sdist).ok()?;
        let starting = || {
            tracing::debug!(
                "building metadata of {} {version} from its sdist in the background",
                page.name
            );
        };
        hook.0.metadata_ahead(&path, &|| false, &starting)?.ok()
    }
}

/// The sdist metadata hook of one resolution, counting the calls the
/// prefetcher makes ahead of need so that none outlives the resolution:
/// [`BackgroundBuilds::finish`] stops those not started and waits for the
/// running ones. At most [`BackgroundBuilds::limit`] such calls are under way
/// at once (each holds an I/O thread while a backend runs or waits for a
/// core); past it the prefetcher leaves the sdist to the solver.
pub(super) struct BackgroundBuilds {
    inner: SdistMetadataHook,
    cancelled: AtomicBool,
    running: Mutex<usize>,
    idle: Condvar,
    limit: usize,
}

/// Decrements [`BackgroundBuilds::running`] when a call ends.
struct Running<'a>(&'a BackgroundBuilds);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut running = self.0.running.lock().unwrap_or_else(|e| e.into_inner());
        *running -= 1;
        if *running == 0 {
            self.0.idle.notify_all();
        }
    }
}

impl BackgroundBuilds {
    /// Count the background calls to `inner`.
    pub(super) fn new(inner: SdistMetadataHook) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            inner,
            cancelled: AtomicBool::new(false),
            running: Mutex::new(0),
            idle: Condvar::new(),
            limit: (2 * cores).max(4),
        }
    }

    /// The resolution is over: background calls not yet at a backend run
    /// give up, and this returns once every running one has ended.
    pub(super) fn finish(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        while *running > 0 {
            running = self.idle.wait(running).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl SdistMetadata for BackgroundBuilds {
    fn metadata(&self, sdist_path: &Path) -> Result<CoreMetadata, String> {
        self.inner.0.metadata(sdist_path)
    }

    fn metadata_ahead(
        &self,
        sdist_path: &Path,
        cancelled: &dyn Fn() -> bool,
        starting: &dyn Fn(),
    ) -> Option<Result<CoreMetadata, String>> {
        {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            if *running >= self.limit {
                return None;
            }
            *running += 1;
        }
        let _running = Running(self);
        // Counted before this check, so `finish` either waits for this call
        // or this call sees the resolution is over.
        let stop = || self.cancelled.load(Ordering::SeqCst) || cancelled();
        if stop() {
            return None;
        }
        self.inner.0.metadata_ahead(sdist_path, &stop, starting)
    }
}

/// The index as one resolution sees it: every question passes through to
/// `inner`, but the flag that stops speculative background work is this
/// resolution's own. A build backend run for sdist metadata may resolve its
/// build environment (another `resolve` on the same client) while this
/// resolution goes on; with one flag on the shared client, that inner
/// resolution's end stopped this one's prefetching too.
pub(super) struct OwnCancellation {
    inner: Arc<dyn PackageIndex>,
    cancelled: AtomicBool,
}

impl OwnCancellation {
    /// `inner`, with background work allowed.
    pub(super) fn new(inner: Arc<dyn PackageIndex>) -> Self {
        Self {
            inner,
            cancelled: AtomicBool::new(false),
        }
    }
}

impl PackageIndex for OwnCancellation {
    fn project(&self, name: &PackageName) -> Result<Arc<ProjectPage>, crate::index::IndexError> {
        self.inner.project(name)
    }

    fn metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, crate::index::IndexError> {
        self.inner.metadata(page, version)
    }

    fn download(&self, file: &IndexFile) -> Result<std::path::PathBuf, crate::index::IndexError> {
        self.inner.download(file)
    }

    fn background_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    fn set_background_cancelled(&self, cancelled: bool) {
        self.cancelled.store(cancelled, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A hook that counts its calls and answers at once.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl SdistMetadata for Counting {
        fn metadata(&self, _: &Path) -> Result<CoreMetadata, String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            CoreMetadata::parse(b"Metadata-Version: 2.1\nName: a\nVersion: 1\n")
                .map_err(|e| e.to_string())
        }
    }

    #[test]
    fn background_builds_do_not_start_once_the_resolution_is_over() {
        let inner = Arc::new(Counting::default());
        let builds = BackgroundBuilds::new(SdistMetadataHook(inner.clone()));
        let path = Path::new("a-1.tar.gz");
        assert!(matches!(
            builds.metadata_ahead(path, &|| false, &|| {}),
            Some(Ok(_))
        ));
        builds.finish();
        assert!(builds.metadata_ahead(path, &|| false, &|| {}).is_none());
        assert_eq!(inner.0.load(Ordering::SeqCst), 1);
        assert_eq!(*builds.running.lock().unwrap(), 0);
        // The solver's own calls are not affected.
        assert!(builds.metadata(path).is_ok());
    }

    #[test]
    fn background_builds_past_the_limit_are_left_to_the_solver() {
        let inner = Arc::new(Counting::default());
        let builds = BackgroundBuilds::new(SdistMetadataHook(inner.clone()));
        *builds.running.lock().unwrap() = builds.limit;
        assert!(builds
            .metadata_ahead(Path::new("a-1.tar.gz"), &|| false, &|| {})
            .is_none());
        assert_eq!(inner.0.load(Ordering::SeqCst), 0);
        *builds.running.lock().unwrap() = 0;
    }
}
