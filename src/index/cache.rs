//! The on-disk cache: simple-index pages, core metadata and distribution
//! files, keyed so that entries never need invalidation except pages.
//!
//! Layout under the cache root (`ENVY_CACHE_DIR`, `--cache-dir`, or the
//! user cache dir + `/envy`):
//! - `simple-v2/<index-key>/<name>.json`: a project page as received (a
//!   JSON header line with its URL, content type and validators, then the raw body).
//! - `metadata-v2/<key>.metadata`: core metadata bytes, keyed by the file's URL
//!   and the sha256 its index claims for it (see [`Cache::metadata_path`]).
//!   (`metadata-v1/` was keyed by the claimed sha256 alone, so one index could
//!   plant metadata for another index's file; it is no longer read.)
//! - `files-v1/<sha256>/<filename>`: verified distribution files.
//!
//! Every write goes to a temp file in the same directory, then is renamed,
//! so the cache never holds a partial entry.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A cache root, or none (`--no-cache`: a temp dir that is dropped at exit).
#[derive(Debug)]
pub struct Cache {
    root: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Cache {
    /// Use `root` (created on first write).
    pub fn new(root: PathBuf) -> Self {
        Self { root, _temp: None }
    }

    /// A throwaway cache for `--no-cache`.
    ///
    /// # Errors
    /// When no temp dir can be made.
    pub fn temporary() -> std::io::Result<Self> {
        let t = tempfile::tempdir()?;
        Ok(Self {
            root: t.path().to_path_buf(),
            _temp: Some(t),
        })
    }

    /// The default root: `ENVY_CACHE_DIR`, else the user cache dir + `envy`.
    pub fn default_root() -> PathBuf {
        if let Some(p) = std::env::var_os("ENVY_CACHE_DIR").filter(|p| !p.is_empty()) {
            return PathBuf::from(p);
        }
        dirs::cache_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("envy")
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the page of `name` on the index at `index_url` is kept.
    pub fn page_path(&self, index_url: &str, name: &str) -> PathBuf {
        let key = &hex::encode(Sha256::digest(index_url.as_bytes()))[..16];
        self.root
            .join("simple-v2")
            .join(key)
            .join(format!("{name}.json"))
    }

    /// Where the core metadata of the distribution file at `file_url`
    /// (credentials redacted) is kept, given the sha256 its index claims for
    /// it (`None` when the index gave none).
    ///
    /// The key is the sha256 of the URL and the claimed hash together, never
    /// the claimed hash alone: a page may claim any hash, so a hostile index
    /// listing a real wheel's sha256 must not plant `Requires-Dist` for the
    /// honest index's copy. The metadata of a PEP 658 file comes from
    /// `<file_url>.metadata`, so the file URL pins where it came from.
    pub fn metadata_path(&self, file_url: &str, sha256: Option<&str>) -> PathBuf {
        let mut h = Sha256::new();
        h.update(file_url.as_bytes());
        h.update(b"\n");
        h.update(sha256.unwrap_or("").to_ascii_lowercase().as_bytes());
        self.root
            .join("metadata-v2")
            .join(format!("{}.metadata", hex::encode(h.finalize())))
    }

    /// Where the verified distribution file with this sha256 is kept.
    pub fn file_path(&self, sha256: &str, filename: &str) -> PathBuf {
        self.root.join("files-v1").join(sha256).join(filename)
    }
}

/// Write `bytes` to `path` atomically (temp file in the same dir, then rename).
///
/// # Errors
/// I/O errors, naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::util::write_atomic(path, bytes)
}
