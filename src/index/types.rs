//! What an index page lists: [`IndexFile`] (one distribution file and what
//! the page says about it) and [`ProjectPage`] (a project's files by version).

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::PackageName;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One file listed on a project page.
#[derive(Debug, Clone)]
pub struct IndexFile {
    /// The filename, as listed.
    pub filename: String,
    /// Absolute URL, without fragment.
    pub url: String,
    /// sha256 in lowercase hex, when the index gave one.
    pub sha256: Option<String>,
    /// Size in bytes (PEP 700), when given.
    pub size: Option<u64>,
    /// `Requires-Python` of the file (PEP 503 `data-requires-python`).
    pub requires_python: Option<VersionSpecifiers>,
    /// `Some(reason)` (possibly empty) when yanked (PEP 592).
    pub yanked: Option<String>,
    /// Whether the index offers `<url>.metadata` (PEP 658/714).
    pub core_metadata: bool,
    /// The sha256 of `<url>.metadata`, when the index gave one (PEP 658
    /// `data-core-metadata="sha256=..."`, PEP 714 `core-metadata`).
    pub metadata_sha256: Option<String>,
    /// Upload time (PEP 700), RFC 3339, when given.
    pub upload_time: Option<String>,
    /// The index URL this file came from (credentials redacted); one value
    /// shared by every file of a page.
    pub index: Arc<str>,
    /// The parsed filename.
    pub version: Version,
    /// Whether the file is a wheel (else an sdist).
    pub wheel: bool,
}

impl IndexFile {
    /// Whether this file is a wheel.
    pub fn is_wheel(&self) -> bool {
        self.wheel
    }

    /// The parsed wheel filename (parsed on demand: pages keep only the
    /// version and kind of each file, which keeps large pages small).
    pub fn wheel_filename(&self) -> Option<crate::types::WheelFilename> {
        if !self.wheel {
            return None;
        }
        self.filename.parse().ok()
    }
}

/// Every file of one project on the first index that lists it, grouped by version.
#[derive(Debug)]
pub struct ProjectPage {
    /// The normalized project name.
    pub name: PackageName,
    /// The index the page came from.
    pub index: String,
    /// Files by version, ascending.
    pub versions: BTreeMap<Version, Vec<IndexFile>>,
}

impl ProjectPage {
    pub(super) fn from_files(name: PackageName, index: String, mut files: Vec<IndexFile>) -> Self {
        // Large pages (numpy: thousands of files) dominate a lock's memory:
        // group by version into exactly sized vectors, one shared version
        // value (an `Arc`) per group.
        files.sort_by(|a, b| {
            a.version
                .cmp(&b.version)
                .then_with(|| a.filename.cmp(&b.filename))
        });
        files.dedup_by(|a, b| a.filename == b.filename);
        let mut versions: BTreeMap<Version, Vec<IndexFile>> = BTreeMap::new();
        while let Some(last) = files.last() {
            let version = last.version.clone();
            let start = files.partition_point(|f| f.version < version);
            let mut group = files.split_off(start);
            for f in &mut group {
                f.version = version.clone();
            }
            versions.insert(version, group);
        }
        Self {
            name,
            index,
            versions,
        }
    }
}
