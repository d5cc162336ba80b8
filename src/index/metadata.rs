//! Core metadata of a version: from a PEP 658/714 `.metadata` file, from the
//! wheel itself, or from an sdist's PKG-INFO; and the checks of a wheel's
//! METADATA against what the lock was resolved from.

use super::cache::{write_atomic, Cache};
use super::client::slot;
use super::{redact, sdist, Client, IndexError, IndexFile, ProjectPage};
use crate::types::hash::sha256_bytes;
use crate::types::metadata::CoreMetadata;
use pep440_rs::Version;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

impl Client {
    /// Core metadata of `name==version`, from the best file of that version:
    /// a PEP 658 `.metadata` file, else the wheel, else the sdist's PKG-INFO.
    ///
    /// # Errors
    /// When no file of the version yields metadata.
    pub fn metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, IndexError> {
        let key = format!("{}=={}", page.name, version);
        let s = slot(&self.metadata, &key);
        s.get_or_init(|| self.fetch_metadata(page, version).map(Arc::new))
            .clone()
    }

    fn fetch_metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<CoreMetadata, IndexError> {
        let files = page
            .versions
            .get(version)
            .ok_or_else(|| IndexError::Invalid {
                url: page.name.to_string(),
                reason: format!("no files for version {version}"),
            })?;
        let mut wheels: Vec<&IndexFile> = files.iter().filter(|f| f.is_wheel()).collect();
        // Prefer files that advertise PEP 658 metadata, then pure wheels.
        wheels.sort_by_key(|f| {
            let pure = f.wheel_filename().is_some_and(|w| w.is_universal());
            (!f.core_metadata, !pure)
        });
        let sdist = files.iter().find(|f| !f.is_wheel());
        let chosen = wheels
            .first()
            .copied()
            .or(sdist)
            .ok_or_else(|| IndexError::Invalid {
                url: page.name.to_string(),
                reason: format!("version {version} has no usable files"),
            })?;
        let cache_path = self
            .cache
            .metadata_path(&chosen.url, chosen.sha256.as_deref());
        if let Ok(bytes) = fs_err::read(&cache_path) {
            if let Ok(m) = CoreMetadata::parse(&bytes) {
                return Ok(m);
            }
        }
        let bytes = if chosen.is_wheel() {
            self.wheel_metadata(chosen)?
        } else {
            let path = self.download(chosen)?;
            sdist::pkg_info(&path).map_err(|reason| IndexError::Invalid {
                url: redact(&chosen.url),
                reason,
            })?
        };
        let meta = CoreMetadata::parse(&bytes).map_err(|e| IndexError::Invalid {
            url: redact(&chosen.url),
            reason: e.to_string(),
        })?;
        write_atomic(&cache_path, &bytes)?;
        Ok(meta)
    }

    /// METADATA of a wheel: `<url>.metadata` first (PEP 658, also tried when not
    /// advertised since many mirrors answer it anyway), else the wheel itself.
    fn wheel_metadata(&self, file: &IndexFile) -> Result<Vec<u8>, IndexError> {
        if !self.config.offline && !file.url.starts_with("file:") {
            let url = format!("{}.metadata", file.url);
            if let Some(fetched) = self.get_bytes(&url, &[])? {
                // PEP 658: the page's hash of the metadata file must match.
                if let Some(expected) = &file.metadata_sha256 {
                    let actual = sha256_bytes(&fetched.body);
                    if !expected.eq_ignore_ascii_case(&actual) {
                        return Err(IndexError::HashMismatch {
                            filename: format!("{}.metadata", file.filename),
                            url: redact(&url),
                            expected: expected.clone(),
                            actual,
                        });
                    }
                }
                return Ok(fetched.body);
            }
        }
        let path = self.download(file)?;
        read_wheel_metadata(&path).map_err(|reason| IndexError::Invalid {
            url: redact(&file.url),
            reason,
        })
    }
}

/// Check a downloaded wheel against the core metadata cached for it at lock
/// time (a PEP 658 `.metadata` file the index served, the source of the
/// lock's dependencies): PEP 658 requires the two to be identical. Nothing
/// cached (another machine, a cleaned cache): nothing to compare.
///
/// `url` and `sha256` are the file's URL and hash as the lock records them;
/// `wheel` is the verified file.
///
/// # Errors
/// [`IndexError::MetadataMismatch`] when they differ; the cached entry is then
/// removed, so the next lock fetches the metadata again.
pub fn check_cached_metadata(
    cache: &Cache,
    url: &str,
    sha256: &str,
    filename: &str,
    wheel: &Path,
) -> Result<(), IndexError> {
    let cached_path = cache.metadata_path(url, Some(sha256));
    let Ok(cached) = fs_err::read(&cached_path) else {
        return Ok(());
    };
    let own = read_wheel_metadata(wheel).map_err(|reason| IndexError::Invalid {
        url: filename.to_string(),
        reason,
    })?;
    if own != cached {
        let _ = fs_err::remove_file(&cached_path);
        return Err(IndexError::MetadataMismatch {
            filename: filename.to_string(),
            url: redact(url),
        });
    }
    Ok(())
}

/// Read `*.dist-info/METADATA` out of a wheel file.
///
/// # Errors
/// A message when the file is not a zip, has no METADATA, or has more than
/// one `.dist-info` directory with a METADATA.
pub fn read_wheel_metadata(path: &Path) -> Result<Vec<u8>, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
    let mut found = zip.file_names().filter(|n| {
        let mut parts = n.split('/');
        matches!((parts.next(), parts.next(), parts.next()), (Some(d), Some("METADATA"), None) if d.ends_with(".dist-info"))
    });
    let name = found
        .next()
        .map(str::to_string)
        .ok_or_else(|| "the wheel has no .dist-info/METADATA".to_string())?;
    // A wheel is one distribution: which METADATA would be the real one?
    let more = found.next().is_some();
    drop(found);
    if more {
        return Err("the wheel holds more than one `.dist-info` directory".to_string());
    }
    let mut entry = zip.by_name(&name).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    entry.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}
