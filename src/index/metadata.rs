//! Core metadata of a version: from a PEP 658/714 `.metadata` file, from the
//! wheel itself, or from an sdist's PKG-INFO; and the checks of a wheel's
//! METADATA against what the lock was resolved from.

use super::cache::{write_atomic, Cache};
use super::client::{slot, RangeAnswer};
use super::remote_zip::{self, RangeError, RangeSource};
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
        let wheels: Vec<&IndexFile> = files.iter().filter(|f| f.is_wheel()).collect();
        // A wheel whose page advertises PEP 658 metadata (a pure one first),
        // else the wheel cheapest to read (see `metadata_wheel`), else the sdist.
        let sdist = files.iter().find(|f| !f.is_wheel());
        let chosen = wheels
            .iter()
            .copied()
            .filter(|f| f.core_metadata)
            .min_by_key(|f| !f.wheel_filename().is_some_and(|w| w.is_universal()))
            .or_else(|| metadata_wheel(&wheels))
            .or(sdist)
            .ok_or_else(|| IndexError::Invalid {
                url: page.name.to_string(),
                reason: format!("version {version} has no usable files"),
            })?;
        let cache_path = self
            .cache
            .metadata_path(&chosen.url, chosen.sha256.as_deref());
        // The chosen file's cached metadata, else that of another wheel of
        // the version (an earlier run may have read another one).
        let others = wheels.iter().filter(|f| f.url != chosen.url);
        for file in std::iter::once(&chosen).chain(others) {
            let path = self.cache.metadata_path(&file.url, file.sha256.as_deref());
            if let Ok(bytes) = fs_err::read(&path) {
                if let Ok(m) = CoreMetadata::parse(&bytes) {
                    return Ok(m);
                }
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

    /// METADATA of a wheel, fetching as little as possible:
    /// - `<url>.metadata` (PEP 658/714) when the page advertises it, or when
    ///   the file's host has answered every such probe so far (a host is
    ///   probed until its first 404, then never again in this process);
    /// - else the zip's tail, central directory and METADATA member with
    ///   `Range:` requests ([`remote_zip`]);
    /// - else (the host answers ranges with the whole file, or the zip is
    ///   one the range reader does not follow) the whole wheel.
    ///
    /// METADATA read from the wheel must name the filename's distribution and
    /// version.
    fn wheel_metadata(&self, file: &IndexFile) -> Result<Vec<u8>, IndexError> {
        let remote =
            !self.config.offline && !self.config.no_index && !file.url.starts_with("file:");
        if remote && (file.core_metadata || self.host_facts(&file.url).probe_misses == 0) {
            if let Some(body) = self.sidecar_metadata(file)? {
                return Ok(body);
            }
        }
        let invalid = |reason: String| IndexError::Invalid {
            url: redact(&file.url),
            reason,
        };
        if remote && self.host_facts(&file.url).ranges != Some(false) {
            let mut source = HttpRange { client: self, file };
            match remote_zip::read_metadata(&mut source, file.size) {
                Ok(bytes) => {
                    self.learn_host(&file.url, |h| h.ranges = Some(true));
                    check_identity(&bytes, file).map_err(invalid)?;
                    return Ok(bytes);
                }
                Err(RangeError::Ignored) => {
                    let first = self.host_facts(&file.url).ranges.is_none();
                    self.learn_host(&file.url, |h| h.ranges = Some(false));
                    if first {
                        tracing::info!(
                            "the server of `{}` answers `Range:` requests with whole files: downloading wheels for their metadata",
                            redact(&file.url)
                        );
                    }
                }
                Err(RangeError::Malformed(reason)) => tracing::info!(
                    "cannot read the metadata of `{}` with range requests ({reason}): downloading the whole wheel",
                    file.filename
                ),
                Err(RangeError::Refused(reason)) => return Err(invalid(reason)),
                Err(RangeError::Index(e)) => return Err(e),
            }
        }
        let path = self.download(file)?;
        let bytes = read_wheel_metadata(&path).map_err(invalid)?;
        check_identity(&bytes, file).map_err(invalid)?;
        Ok(bytes)
    }

    /// `<url>.metadata` (PEP 658/714), hash-checked when the page gives its
    /// hash; `None` when the server has none (a probe of an unadvertised
    /// file that missed, which the host's facts remember).
    fn sidecar_metadata(&self, file: &IndexFile) -> Result<Option<Vec<u8>>, IndexError> {
        let url = format!("{}.metadata", file.url);
        let Some(fetched) = self.get_bytes(&url, &[])? else {
            if !file.core_metadata {
                tracing::debug!(
                    "no `.metadata` for `{}`: not probing its host again",
                    file.filename
                );
                self.learn_host(&file.url, |h| h.probe_misses += 1);
            }
            return Ok(None);
        };
        if !file.core_metadata {
            self.learn_host(&file.url, |h| h.probe_hits += 1);
        }
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
        Ok(Some(fetched.body))
    }
}

/// The wheel to read a version's metadata from when none advertises PEP 658
/// metadata: a pure-Python wheel (every target can install it), else one for
/// this machine's operating system, else any; the smallest of those (by the
/// size the page gives, PEP 700), since a central directory grows with the
/// wheel, and a whole download may be needed.
fn metadata_wheel<'a>(wheels: &[&'a IndexFile]) -> Option<&'a IndexFile> {
    let os_prefixes: &[&str] = match std::env::consts::OS {
        "linux" => &["manylinux", "musllinux", "linux"],
        "macos" => &["macosx"],
        "windows" => &["win"],
        _ => &[],
    };
    wheels.iter().copied().min_by_key(|f| {
        let parsed = f.wheel_filename();
        let pure = parsed.as_ref().is_some_and(|w| w.is_universal());
        let this_os = parsed.as_ref().is_some_and(|w| {
            w.tags()
                .any(|(_, _, platform)| os_prefixes.iter().any(|p| platform.starts_with(p)))
        });
        (
            !pure,
            !this_os,
            f.size.unwrap_or(u64::MAX),
            f.filename.clone(),
        )
    })
}

/// A wheel's METADATA must be the filename's: same normalized `Name` (PEP
/// 503), same `Version` under PEP 440, and no larger than the range reader's cap.
fn check_identity(bytes: &[u8], file: &IndexFile) -> Result<(), String> {
    if bytes.len() as u64 > remote_zip::MAX_METADATA {
        return Err(format!(
            "its METADATA is larger than {} MB",
            remote_zip::MAX_METADATA / 1024 / 1024
        ));
    }
    let Some(wheel) = file.wheel_filename() else {
        return Ok(());
    };
    let meta = CoreMetadata::parse(bytes).map_err(|e| e.to_string())?;
    if meta.name != wheel.name {
        return Err(format!(
            "its METADATA says `Name: {}`, but the filename names `{}`",
            meta.name, wheel.name
        ));
    }
    if meta.version != wheel.version {
        return Err(format!(
            "its METADATA says `Version: {}`, but the filename says `{}`",
            meta.version, wheel.version
        ));
    }
    Ok(())
}

/// A wheel on an index, read by `Range:` requests through the client.
struct HttpRange<'a> {
    client: &'a Client,
    file: &'a IndexFile,
}

impl RangeSource for HttpRange<'_> {
    fn read(&mut self, start: Option<u64>, end: u64) -> Result<(u64, u64, Vec<u8>), RangeError> {
        let (range, len) = match start {
            Some(start) => (
                format!("bytes={start}-{}", end.saturating_sub(1)),
                end - start,
            ),
            None => (format!("bytes=-{end}"), end),
        };
        match self.client.get_range(&self.file.url, &range, len) {
            Ok(RangeAnswer::Partial {
                start,
                total,
                bytes,
            }) => Ok((start, total, bytes)),
            Ok(RangeAnswer::Ignored) => Err(RangeError::Ignored),
            Err(IndexError::Status { status: 416, .. }) => Err(RangeError::Malformed(
                "the server refused the range (HTTP 416)".into(),
            )),
            Err(e @ IndexError::Invalid { .. }) => Err(RangeError::Malformed(e.to_string())),
            Err(e) => Err(RangeError::Index(e)),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn wheel(filename: &str, size: u64) -> IndexFile {
        IndexFile {
            filename: filename.to_string(),
            url: format!("https://files.example/{filename}"),
            sha256: None,
            size: Some(size),
            requires_python: None,
            yanked: None,
            core_metadata: false,
            metadata_sha256: None,
            upload_time: None,
            index: Arc::from("https://index.example/simple"),
            version: Version::from_str("1.0").unwrap(),
            wheel: true,
        }
    }

    #[test]
    fn the_metadata_wheel_is_pure_then_for_this_os_then_the_smallest() {
        let mac = wheel("demo-1.0-cp312-cp312-macosx_11_0_arm64.whl", 10);
        let linux = wheel("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", 900);
        let linux_small = wheel("demo-1.0-cp312-cp312-musllinux_1_2_x86_64.whl", 500);
        let pure = wheel("demo-1.0-py3-none-any.whl", 5000);
        let all = [&mac, &linux, &linux_small, &pure];
        assert_eq!(metadata_wheel(&all).unwrap().filename, pure.filename);
        let platform = [&mac, &linux, &linux_small];
        let expected = if std::env::consts::OS == "linux" {
            &linux_small.filename
        } else {
            &mac.filename
        };
        assert_eq!(&metadata_wheel(&platform).unwrap().filename, expected);
        assert!(metadata_wheel(&[]).is_none());
    }

    #[test]
    fn metadata_must_name_the_wheels_distribution_and_version() {
        let file = wheel("Demo_Pkg-1.0-py3-none-any.whl", 1);
        assert!(check_identity(b"Name: demo.pkg\nVersion: 1.0.0\n", &file).is_ok());
        let err = check_identity(b"Name: other\nVersion: 1.0\n", &file).unwrap_err();
        assert!(err.contains("`Name: other`"), "{err}");
        let err = check_identity(b"Name: demo-pkg\nVersion: 2.0\n", &file).unwrap_err();
        assert!(err.contains("`Version: 2.0`"), "{err}");
    }
}
