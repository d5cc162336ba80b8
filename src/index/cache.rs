//! The on-disk cache: simple-index pages, core metadata and distribution
//! files, keyed so that entries never need invalidation except pages.
//!
//! Layout under the cache root (`ENVY_CACHE_DIR`, `--cache-dir`, or the
//! user cache dir + `/envy`):
//! - `simple-v2/<index-key>/<name>.json`: a project page as received (a
//!   JSON header line with its URL, content type and validators, then the raw body).
//! - `metadata-v1/<sha256 of the distribution>.metadata`: core metadata bytes.
//! - `files-v1/<sha256>/<filename>`: verified distribution files.
//!
//! Every write goes to a temp file in the same directory, then is renamed,
//! so the cache never holds a partial entry.

use sha2::{Digest, Sha256};
use std::io::Write;
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

    /// Where the core metadata of the distribution with this sha256 is kept.
    pub fn metadata_path(&self, sha256: &str) -> PathBuf {
        self.root
            .join("metadata-v1")
            .join(format!("{sha256}.metadata"))
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
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs_err::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
