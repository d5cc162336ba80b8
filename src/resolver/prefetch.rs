//! Background fetching ahead of the solver (see [`Prefetcher`]).

use super::ranges::{python_compatible, python_covers_env, requirement_range};
use crate::index::{PackageIndex, ProjectPage};
use pep440_rs::Version;
use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;
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
}

/// The first batch of versions fetched ahead when the solver leaves a
/// version of a package; each later batch doubles, up to [`MAX_BATCH`].
const FIRST_BATCH: usize = 5;
const MAX_BATCH: usize = 50;

impl Prefetcher {
    /// A prefetcher for one environment `env` (a fork, or the whole
    /// `requires-python` range) whose lower Python bound is `rp_lower`,
    /// fetching on `pool`; `preferences` are the previous lock's versions.
    pub(super) fn new(
        client: Arc<dyn PackageIndex>,
        pool: Arc<rayon::ThreadPool>,
        preferences: HashMap<PackageName, Version>,
        lowest: bool,
        env: MarkerTree,
        rp_lower: Bound<Version>,
    ) -> Self {
        Self {
            client,
            pool,
            seen: std::sync::Mutex::default(),
            preferences,
            lowest,
            env,
            rp_lower,
            backtracking: std::sync::Mutex::default(),
            batched: std::sync::Mutex::default(),
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
        let next: Vec<Version> = {
            let mut batched = self
                .batched
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            versions
                .into_iter()
                .filter(|v| range.contains(*v) && (pre || !v.any_prerelease()))
                .filter(|v| self.usable(page, v))
                .take(batch)
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
            self.pool.spawn(move || {
                if this.client.background_cancelled() {
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
