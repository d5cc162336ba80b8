//! Core metadata of sdist-only versions at lock time, for the resolver's
//! [`SdistMetadata`] hook: PKG-INFO when it can be trusted (Metadata-Version
//! 2.2 or later and `Requires-Dist` not `Dynamic`, PEP 643), otherwise the
//! build backend's `prepare_metadata_for_build_wheel` (PEP 517), run in an
//! isolated build environment.
//!
//! The solver thread and the prefetcher's background threads may ask for one
//! sdist at once: the first computes, the others wait for its answer
//! ([`InFlight`]). Backend runs (not the PKG-INFO or cache readings) are
//! bounded by the machine's cores ([`Permits`]).

use super::{unpack, Frontend};
use crate::index::Client;
use crate::resolver::{SdistMetadata, SdistMetadataHook};
use crate::types::metadata::CoreMetadata;
use crate::venv::Interpreter;
use pep440_rs::VersionSpecifiers;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// A callback told about each sdist whose build backend runs (for a status line).
pub type Notify = Arc<dyn Fn(&str) + Send + Sync>;

struct Metadata {
    client: Arc<Client>,
    project_root: PathBuf,
    requires_python: VersionSpecifiers,
    interpreter: OnceLock<Result<Interpreter, String>>,
    memo: InFlight<PathBuf, Result<CoreMetadata, String>>,
    /// Backend runs at once: at most the number of cores.
    builds: Permits,
    notify: Notify,
}

/// A memo whose values are computed once even when several threads ask for
/// one key at once: the first computes while the others wait for its answer.
/// A computation that gives up (`None`) stores nothing; the next caller
/// computes again.
struct InFlight<K, V> {
    slots: Mutex<HashMap<K, Arc<Mutex<Option<V>>>>>,
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> InFlight<K, V> {
    fn new() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The value of `key`: the stored one, the one another thread is
    /// computing (waited for), or `compute()`'s, stored unless it is `None`.
    fn get_or_compute(&self, key: &K, compute: impl FnOnce() -> Option<V>) -> Option<V> {
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        let mut value = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = &*value {
            return Some(v.clone());
        }
        let v = compute()?;
        *value = Some(v.clone());
        Some(v)
    }
}

/// A counting semaphore: at most `n` holders of a [`Permit`] at once.
struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
}

/// One of [`Permits`]' permits, given back when dropped.
struct Permit<'a>(&'a Permits);

impl Permits {
    fn new(n: usize) -> Self {
        Self {
            free: Mutex::new(n.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Wait for a free permit and take it.
    fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

/// Whether PKG-INFO can stand for the metadata of a built wheel (PEP 643).
fn trustworthy(meta: &CoreMetadata) -> bool {
    let mut parts = meta.metadata_version.trim().split('.');
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (2, 2)
        && !meta
            .dynamic
            .iter()
            .any(|d| d.trim().eq_ignore_ascii_case("requires-dist"))
}

impl Metadata {
    /// The metadata of `sdist`; `None` when `cancelled()` holds once its
    /// backend may run (it then does not run). `starting` is called just
    /// before the backend runs.
    fn compute(
        &self,
        sdist: &Path,
        cancelled: &dyn Fn() -> bool,
        starting: &dyn Fn(),
    ) -> Option<Result<CoreMetadata, String>> {
        if let Ok(bytes) = crate::index::sdist::pkg_info(sdist) {
            if let Ok(meta) = CoreMetadata::parse(&bytes) {
                if trustworthy(&meta) {
                    return Some(Ok(meta));
                }
            }
        }
        let bytes = match fs_err::read(sdist) {
            Ok(b) => b,
            Err(e) => return Some(Err(e.to_string())),
        };
        let sha = crate::index::hash_bytes(&bytes);
        let cache = self
            .client
            .cache()
            .root()
            .join("built-metadata-v1")
            .join(format!("{sha}.metadata"));
        if let Ok(b) = fs_err::read(&cache) {
            if let Ok(m) = CoreMetadata::parse(&b) {
                return Some(Ok(m));
            }
        }
        let interp = self
            .interpreter
            .get_or_init(|| {
                crate::venv::find_interpreter(None, &self.requires_python, &self.project_root)
                    .map_err(|e| e.to_string())
            })
            .clone();
        let interp = match interp {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        let _permit = self.builds.acquire();
        if cancelled() {
            return None;
        }
        starting();
        Some(self.run_backend(sdist, interp, &cache))
    }

    /// Run `sdist`'s build backend (`prepare_metadata_for_build_wheel`) in a
    /// scratch directory and keep its answer at `cache`.
    fn run_backend(
        &self,
        sdist: &Path,
        interp: Interpreter,
        cache: &Path,
    ) -> Result<CoreMetadata, String> {
        let name = sdist
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (self.notify)(&name);
        let scratch = tempfile::Builder::new()
            .prefix("envy-sdist-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let tree = unpack::unpack_sdist(sdist, scratch.path()).map_err(|e| e.to_string())?;
        let frontend = Frontend::new(self.client.clone(), interp);
        let bytes = frontend
            .prepare_metadata(&tree)
            .map_err(|e| e.to_string())?;
        let meta = CoreMetadata::parse(&bytes).map_err(|e| e.to_string())?;
        if let Some(p) = cache.parent() {
            let _ = fs_err::create_dir_all(p);
        }
        let _ = crate::util::write_atomic(cache, &bytes);
        Ok(meta)
    }
}

impl SdistMetadata for Metadata {
    fn metadata(&self, sdist_path: &Path) -> Result<CoreMetadata, String> {
        let never = || false;
        self.memo
            .get_or_compute(&sdist_path.to_path_buf(), || {
                self.compute(sdist_path, &never, &|| {})
            })
            .unwrap_or_else(|| Err("the metadata build was cancelled".to_string()))
    }

    fn metadata_ahead(
        &self,
        sdist_path: &Path,
        cancelled: &dyn Fn() -> bool,
        starting: &dyn Fn(),
    ) -> Option<Result<CoreMetadata, String>> {
        self.memo.get_or_compute(&sdist_path.to_path_buf(), || {
            self.compute(sdist_path, cancelled, starting)
        })
    }
}

/// The resolver hook for sdist-only versions (see the module docs). The
/// interpreter for builds is found lazily (the first time a backend must run)
/// for `requires_python`, from `project_root`; `notify` is told the sdist's
/// file name before its backend runs.
pub fn metadata_hook(
    client: Arc<Client>,
    project_root: PathBuf,
    requires_python: VersionSpecifiers,
    notify: Notify,
) -> SdistMetadataHook {
    SdistMetadataHook(Arc::new(Metadata {
        client,
        project_root,
        requires_python,
        interpreter: OnceLock::new(),
        memo: InFlight::new(),
        builds: Permits::new(std::thread::available_parallelism().map_or(1, |n| n.get())),
        notify,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep_643_trust() {
        let m = |v: &str, dynamic: &str| {
            let text = format!("Metadata-Version: {v}\nName: a\nVersion: 1\n{dynamic}\n");
            trustworthy(&CoreMetadata::parse(text.as_bytes()).unwrap())
        };
        assert!(m("2.2", ""));
        assert!(m("2.4", "Dynamic: Summary"));
        assert!(!m("2.1", ""));
        assert!(!m("2.3", "Dynamic: Requires-Dist"));
    }

    #[test]
    fn in_flight_memo_computes_once_for_concurrent_callers() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::mpsc;
        let memo: Arc<InFlight<u32, String>> = Arc::new(InFlight::new());
        let computed = Arc::new(AtomicUsize::new(0));
        let (started_tx, started) = mpsc::channel();
        let (go, go_rx) = mpsc::channel::<()>();
        let first = {
            let (memo, computed) = (memo.clone(), computed.clone());
            std::thread::spawn(move || {
                memo.get_or_compute(&1, || {
                    computed.fetch_add(1, Ordering::SeqCst);
                    started_tx.send(()).unwrap();
                    go_rx.recv().unwrap();
                    Some("built".to_string())
                })
            })
        };
        // The second caller comes while the first computes.
        started.recv().unwrap();
        let second = {
            let (memo, computed) = (memo.clone(), computed.clone());
            std::thread::spawn(move || {
                memo.get_or_compute(&1, || {
                    computed.fetch_add(1, Ordering::SeqCst);
                    Some("built again".to_string())
                })
            })
        };
        go.send(()).unwrap();
        assert_eq!(first.join().unwrap().as_deref(), Some("built"));
        assert_eq!(second.join().unwrap().as_deref(), Some("built"));
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn in_flight_memo_keeps_nothing_of_a_computation_that_gave_up() {
        let memo: InFlight<u32, u32> = InFlight::new();
        assert_eq!(memo.get_or_compute(&1, || None), None);
        assert_eq!(memo.get_or_compute(&1, || Some(7)), Some(7));
        assert_eq!(memo.get_or_compute(&1, || Some(8)), Some(7));
    }

    #[test]
    fn permits_bound_holders() {
        let permits = Permits::new(2);
        let a = permits.acquire();
        let _b = permits.acquire();
        assert_eq!(*permits.free.lock().unwrap(), 0);
        drop(a);
        let _c = permits.acquire();
        assert_eq!(*permits.free.lock().unwrap(), 0);
    }
}
