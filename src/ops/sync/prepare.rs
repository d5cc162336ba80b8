//! The prepare phase of `sync`: download, verify and unpack (or build)
//! every file the plan installs, before `.venv` is touched.

use super::Downloaded;
use crate::index::Client;
use crate::install;
use crate::install::plan::{FileSource, Plan, PlannedInstall};
use crate::lock::FileEntry;
use crate::ops::{Error, Result, Settings};
use crate::project::Project;
use crate::types::WheelFilename;
use crate::venv::Interpreter;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// Download, verify and unpack (or build) every file `plan` installs, before
/// `.venv` is touched: 16 download workers hand each verified wheel to as
/// many unpack workers as there are cores. When every file is cached
/// and no `client` is given, no HTTP client is set up (a warm sync); one is
/// made if a cached file turns out corrupt.
///
/// # Errors
/// Download (hash mismatch), build and unpack failures.
pub(super) fn prepare<'l>(
    settings: &Settings,
    project: &Project,
    plan: &Plan<'l>,
    interp: &Interpreter,
    client: Option<Arc<Client>>,
) -> Result<Vec<Downloaded<'l>>> {
    let to_install = &plan.install;
    let mut downloaded: Vec<Downloaded> = Vec::new();
    if to_install.is_empty() {
        return Ok(downloaded);
    }
    // When every wheel is already in the cache (a warm sync), no HTTP
    // client is needed: skip setting one up (TLS roots and all).
    let warm_root = settings
        .cache_dir
        .clone()
        .filter(|_| client.is_none() && plan.all_cached());
    let client = match (client, &warm_root) {
        (Some(c), _) => Some(c),
        (None, Some(_)) => None,
        (None, None) => Some(settings.client(Some(project))?),
    };
    let root = match (&client, warm_root) {
        (Some(c), _) => c.cache().root().to_path_buf(),
        (None, Some(r)) => r,
        (None, None) => unreachable!("a client exists unless every file is cached"),
    };
    let cache = crate::index::cache::Cache::new(root.clone());
    // A warm sync starts without a client; one is made if a cached file
    // turns out corrupt and must be downloaded again.
    let late_client: std::sync::Mutex<Option<Arc<Client>>> = std::sync::Mutex::new(None);
    let fetch = |wheel: &FileEntry| -> Result<PathBuf> {
        if let Some(c) = &client {
            return Ok(c.download_url(&wheel.url, wheel.filename(), Some(wheel.sha256()))?);
        }
        let path = cache.file_path(wheel.sha256(), wheel.filename());
        let Err(actual) = crate::index::verify_cached_file(&path, wheel.sha256()) else {
            return Ok(path);
        };
        tracing::warn!(
            "the cached `{}` does not match its sha256 (expected {}, got {actual}); downloading it again",
            wheel.filename(),
            wheel.sha256()
        );
        let c = {
            let mut late = late_client.lock().unwrap_or_else(|e| e.into_inner());
            match &*late {
                Some(c) => c.clone(),
                None => late.insert(settings.client(Some(project))?).clone(),
            }
        };
        Ok(c.download_url(&wheel.url, wheel.filename(), Some(wheel.sha256()))?)
    };
    // Downloads and unpacking are decoupled: `DOWNLOADERS` workers only
    // fetch (network-bound), and hand each verified file to `unpackers`
    // workers (CPU-bound: inflate, hash, write), as many as there are cores.
    // A download slot never waits behind an unpack, and the unpacking of the
    // first wheels overlaps with the download of the rest. Both are plain
    // threads, not rayon tasks: a worker's loop blocks (on the network, on the
    // queue), and a rayon task may be run by any thread waiting in a `join`
    // (the unpacked tree's check is parallel), where a blocked loop would
    // stall that thread's own work — an unpacker waiting for the queue to
    // close inside a downloader that holds the queue open never returns.
    // The parallel work inside each step runs on the global rayon pool.
    const DOWNLOADERS: usize = 16;
    let unpackers = std::thread::available_parallelism().map_or(1, usize::from);
    let pb = crate::ops::bar(settings, to_install.len() as u64, "Downloading");
    // The download half: `Ok(Err(path))` is a verified wheel file still to
    // unpack; `Ok(Ok(..))` is done (built, or unpacked before).
    let fetch_one = |i: usize| -> Result<std::result::Result<Downloaded, PathBuf>> {
        let PlannedInstall {
            package: pkg,
            file: wheel,
            source,
            ..
        } = to_install[i];
        if source == FileSource::Build {
            let Some(client) = &client else {
                return Err(Error::new("internal: building needs an HTTP client"));
            };
            let (path, filename) =
                crate::ops::build::wheel_from_lock(settings, client, pkg, wheel, interp)?;
            pb.inc(1);
            return Ok(Ok((path, filename, pkg, None)));
        }
        let filename =
            WheelFilename::from_str(wheel.filename()).map_err(|e| Error::new(e.to_string()))?;
        // Unpacked before and every file still matches its RECORD: the
        // wheel itself is not needed.
        if let Some(template) = install::verified_unpacked(interp, &root, wheel.sha256(), &filename)
        {
            pb.inc(1);
            return Ok(Ok((
                template,
                filename,
                pkg,
                Some(wheel.sha256().to_string()),
            )));
        }
        let path = fetch(wheel)?;
        crate::index::check_cached_metadata(
            &cache,
            &wheel.url,
            wheel.sha256(),
            wheel.filename(),
            &path,
        )?;
        Ok(Err(path))
    };
    // The unpack half: into the cache, overlapping with other downloads;
    // the venv itself is only touched once everything is here.
    let unpack_one = |i: usize, path: PathBuf| -> Result<Downloaded> {
        let PlannedInstall {
            package: pkg,
            file: wheel,
            ..
        } = to_install[i];
        let filename =
            WheelFilename::from_str(wheel.filename()).map_err(|e| Error::new(e.to_string()))?;
        let template = install::unpack_to_cache(interp, &root, &path, wheel.sha256(), &filename)?;
        pb.inc(1);
        Ok((template, filename, pkg, Some(wheel.sha256().to_string())))
    };
    // Each downloader takes the next file in order (biggest first), so the
    // big downloads start together instead of queueing behind one
    // another in one worker's share of a split list.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::OnceLock<Result<Downloaded>>> = to_install
        .iter()
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let (to_unpack, unpack_queue) = std::sync::mpsc::channel::<(usize, PathBuf)>();
    let unpack_queue = std::sync::Mutex::new(unpack_queue);
    std::thread::scope(|scope| {
        for _ in 0..DOWNLOADERS {
            let to_unpack = to_unpack.clone();
            let (next, slots, fetch_one, unpack_one) = (&next, &slots, &fetch_one, &unpack_one);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= to_install.len() {
                    break;
                }
                match fetch_one(i) {
                    Ok(Err(path)) => {
                        if let Err(std::sync::mpsc::SendError((i, path))) =
                            to_unpack.send((i, path))
                        {
                            // No unpacker is left (cannot happen while the
                            // scope runs): unpack here.
                            let _ = slots[i].set(unpack_one(i, path));
                        }
                    }
                    Ok(Ok(done)) => {
                        let _ = slots[i].set(Ok(done));
                    }
                    Err(e) => {
                        let _ = slots[i].set(Err(e));
                    }
                }
            });
        }
        // The queue closes when the last downloader is done.
        drop(to_unpack);
        for _ in 0..unpackers {
            let (slots, unpack_one, unpack_queue) = (&slots, &unpack_one, &unpack_queue);
            scope.spawn(move || loop {
                let job = unpack_queue
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .recv();
                let Ok((i, path)) = job else { break };
                let _ = slots[i].set(unpack_one(i, path));
            });
        }
    });
    let results = slots
        .into_iter()
        .map(|slot| slot.into_inner().expect("every file was handled"));
    pb.finish_and_clear();
    for r in results {
        downloaded.push(r?);
    }
    Ok(downloaded)
}
