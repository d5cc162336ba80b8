//! Core metadata of sdist-only versions at lock time, for the resolver's
//! [`SdistMetadata`] hook: PKG-INFO when it can be trusted (Metadata-Version
//! 2.2 or later and `Requires-Dist` not `Dynamic`, PEP 643), otherwise the
//! build backend's `prepare_metadata_for_build_wheel` (PEP 517), run in an
//! isolated build environment.

use super::{unpack, Frontend};
use crate::index::Client;
use crate::resolver::{SdistMetadata, SdistMetadataHook};
use crate::types::metadata::CoreMetadata;
use crate::venv::Interpreter;
use pep440_rs::VersionSpecifiers;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A callback told about each sdist whose build backend runs (for a status line).
pub type Notify = Arc<dyn Fn(&str) + Send + Sync>;

struct Metadata {
    client: Arc<Client>,
    project_root: PathBuf,
    requires_python: VersionSpecifiers,
    interpreter: OnceLock<Result<Interpreter, String>>,
    memo: Mutex<HashMap<PathBuf, Result<CoreMetadata, String>>>,
    notify: Notify,
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
    fn compute(&self, sdist: &Path) -> Result<CoreMetadata, String> {
        if let Ok(bytes) = crate::index::sdist::pkg_info(sdist) {
            if let Ok(meta) = CoreMetadata::parse(&bytes) {
                if trustworthy(&meta) {
                    return Ok(meta);
                }
            }
        }
        let bytes = fs_err::read(sdist).map_err(|e| e.to_string())?;
        let sha = crate::index::hash_bytes(&bytes);
        let cache = self
            .client
            .cache()
            .root()
            .join("built-metadata-v1")
            .join(format!("{sha}.metadata"));
        if let Ok(b) = fs_err::read(&cache) {
            if let Ok(m) = CoreMetadata::parse(&b) {
                return Ok(m);
            }
        }
        let interp = self
            .interpreter
            .get_or_init(|| {
                crate::venv::find_interpreter(None, &self.requires_python, &self.project_root)
                    .map_err(|e| e.to_string())
            })
            .clone()?;
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
        let _ = crate::util::write_atomic(&cache, &bytes);
        Ok(meta)
    }
}

impl SdistMetadata for Metadata {
    fn metadata(&self, sdist_path: &Path) -> Result<CoreMetadata, String> {
        if let Some(m) = self
            .memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(sdist_path)
        {
            return m.clone();
        }
        let m = self.compute(sdist_path);
        self.memo
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sdist_path.to_path_buf(), m.clone());
        m
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
        memo: Mutex::new(HashMap::new()),
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
}
