//! Distribution files: verified downloads into the cache (sha256 checked,
//! nothing partial kept), served from `--find-links` or `file:` when they can be.

use super::client::slot;
use super::{partial, redact, Client, IndexError, IndexFile};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use url::Url;

impl Client {
    /// Download `file` into the cache, verifying its sha256; returns the cached path.
    ///
    /// # Errors
    /// [`IndexError::HashMismatch`] when the bytes differ from the promised
    /// hash (nothing is kept), network and offline errors otherwise.
    pub fn download(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        self.download_url(&file.url, &file.filename, file.sha256.as_deref())
    }

    /// Download `url` (http(s) or `file:`) as `filename`, verified against
    /// `sha256` when given. Concurrent calls for one URL download once.
    ///
    /// # Errors
    /// As [`Client::download`].
    pub fn download_url(
        &self,
        url: &str,
        filename: &str,
        sha256: Option<&str>,
    ) -> Result<PathBuf, IndexError> {
        let key = url.to_string();
        let s = slot(&self.downloads, &key);
        s.get_or_init(|| self.fetch_file(url, filename, sha256).map(Arc::new))
            .clone()
            .map(|p| (*p).clone())
    }

    fn fetch_file(
        &self,
        url: &str,
        filename: &str,
        sha256: Option<&str>,
    ) -> Result<PathBuf, IndexError> {
        let key = sha256.map(str::to_string).unwrap_or_else(|| {
            format!("url-{}", &hex::encode(Sha256::digest(url.as_bytes()))[..32])
        });
        let dest = self.cache.file_path(&key, filename);
        if dest.is_file() {
            // The cache is a directory anyone may write to (a disk error, a
            // restore, a hand): a file is only as good as its hash.
            match sha256 {
                None => return Ok(dest),
                Some(expected) => match verify_cached_file(&dest, expected) {
                    Ok(()) => return Ok(dest),
                    Err(actual) => tracing::warn!(
                        "the cached `{filename}` does not match its sha256 (expected {expected}, got {actual}); downloading it again"
                    ),
                },
            }
        }
        let dir = dest.parent().unwrap_or_else(|| Path::new("."));
        fs_err::create_dir_all(dir)?;
        // Removed when dropped: on every error path, nothing partial stays
        // (and on SIGINT/SIGTERM, see `partial`).
        // The name is registered before the file exists, so a signal at any
        // moment finds it (and the handler is installed before either).
        let guard = std::cell::RefCell::new(None);
        let mut tmp = tempfile::Builder::new().make_in(dir, |path| {
            guard.replace(Some(partial::Partial::register(path)));
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(path)
        })?;
        let _partial = guard.into_inner();
        let mut hasher = Sha256::new();
        let deadline = std::time::Instant::now() + self.deadline;
        let copy = |reader: Box<dyn Read>,
                    tmp: &mut tempfile::NamedTempFile,
                    hasher: &mut Sha256|
         -> Result<(), IndexError> {
            // Start over on a retry: a truncated earlier attempt leaves nothing.
            *hasher = Sha256::new();
            tmp.as_file_mut().set_len(0)?;
            std::io::Seek::seek(tmp.as_file_mut(), std::io::SeekFrom::Start(0))?;
            self.read_body(reader, url, deadline, |chunk| {
                hasher.update(chunk);
                tmp.write_all(chunk)?;
                Ok(())
            })
        };
        // A file of that name in a `--find-links` directory (e.g. a wheelhouse
        // exported earlier) serves before the network; its hash is checked
        // against the lock like any download.
        let local = self
            .config
            .find_links
            .iter()
            .map(|d| d.join(filename))
            .find(|p| p.is_file());
        if let Some(path) = local {
            copy(Box::new(fs_err::File::open(path)?), &mut tmp, &mut hasher)?;
        } else if !url.contains("://") {
            // A path relative to the project (a find-links file inside it).
            let base = self.config.base_dir.clone().unwrap_or_default();
            copy(
                Box::new(fs_err::File::open(base.join(url))?),
                &mut tmp,
                &mut hasher,
            )?;
        } else if let Some(path) = url.strip_prefix("file://") {
            let path = Url::parse(url)
                .ok()
                .and_then(|u| u.to_file_path().ok())
                .unwrap_or_else(|| PathBuf::from(path));
            copy(Box::new(fs_err::File::open(path)?), &mut tmp, &mut hasher)?;
        } else {
            if self.config.offline {
                return Err(IndexError::Offline {
                    what: format!("`{filename}` ({})", redact(url)),
                });
            }
            if self.config.no_index {
                return Err(IndexError::NoIndex {
                    what: format!("`{filename}` ({})", redact(url)),
                });
            }
            self.get_file(url, |resp| copy(Box::new(resp), &mut tmp, &mut hasher))?
                .ok_or_else(|| IndexError::Status {
                    url: redact(url),
                    status: 404,
                })?;
        }
        let actual = hex::encode(hasher.finalize());
        if let Some(expected) = sha256 {
            if !expected.eq_ignore_ascii_case(&actual) {
                return Err(IndexError::HashMismatch {
                    filename: filename.to_string(),
                    url: redact(url),
                    expected: expected.to_string(),
                    actual,
                });
            }
        }
        tmp.persist(&dest)
            .map_err(|e| IndexError::Io(e.error.to_string()))?;
        Ok(dest)
    }
}

/// Check a cached distribution file against the sha256 it is stored under;
/// a file that does not match is removed from the cache.
///
/// # Errors
/// The actual sha256 (or the read error) when it does not match.
pub fn verify_cached_file(path: &Path, expected: &str) -> Result<(), String> {
    let actual = match fs_err::File::open(path).and_then(crate::types::hash::sha256_reader) {
        Ok((actual, _)) => actual,
        Err(e) => e.to_string(),
    };
    if actual.eq_ignore_ascii_case(expected) {
        return Ok(());
    }
    let _ = fs_err::remove_file(path);
    Err(actual)
}
