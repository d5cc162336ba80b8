//! `envy verify`'s file check of an installed tree: every file each distribution's
//! `RECORD` lists (PEP 376/627, the binary distribution format) against its sha256
//! and size, and the files in site-packages that no `RECORD` owns. Hashing runs in
//! parallel (rayon). Reads only; never changes the tree. The lock comparison and
//! the bundle manifests are `ops::verify`'s.

use super::record::{normalize, parse_record, record_hash};
use super::InstallError;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a file check found. Paths are relative to the tree's root (the venv or
/// the bundle directory), `/`-separated, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileReport {
    /// How many files were compared with a recorded hash.
    pub checked: usize,
    /// Files whose content (sha256 or size) differs from the record.
    pub changed: Vec<String>,
    /// Recorded files that are not there.
    pub missing: Vec<String>,
    /// Files nothing records (in site-packages; `__pycache__` left out).
    pub extra: Vec<String>,
}

impl FileReport {
    /// Whether every file matched and nothing was unrecorded.
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }

    /// Sort every list (for stable output).
    pub fn sort(&mut self) {
        self.changed.sort();
        self.missing.sort();
        self.extra.sort();
    }
}

/// One recorded file to check.
struct Row {
    path: PathBuf,
    hash: String,
    size: Option<u64>,
}

enum Outcome {
    Same,
    Changed,
    Missing,
}

fn check_row(row: &Row) -> Result<Outcome, InstallError> {
    let mut file = match fs_err::File::open(&row.path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Outcome::Missing),
        Err(e) => return Err(e.into()),
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let same_size = row.size.is_none_or(|s| s == size);
    let same_hash = !row.hash.starts_with("sha256=") || record_hash(hasher) == row.hash;
    Ok(if same_size && same_hash {
        Outcome::Same
    } else {
        Outcome::Changed
    })
}

fn display(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Check every distribution installed in `site_packages` against its `RECORD`,
/// and list the files there that no `RECORD` owns. `root` (the venv, or
/// `site_packages` itself for a vendor directory) is what reported paths are
/// relative to; `RECORD` paths outside `root` are ignored.
///
/// # Errors
/// An unreadable or malformed `RECORD`; I/O errors other than a missing file.
pub fn verify_site_packages(site_packages: &Path, root: &Path) -> Result<FileReport, InstallError> {
    let mut rows = Vec::new();
    let mut owned: HashSet<PathBuf> = HashSet::new();
    let mut report = FileReport::default();
    let mut dist_infos: Vec<PathBuf> = Vec::new();
    if let Ok(rd) = fs_err::read_dir(site_packages) {
        for entry in rd {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().ends_with(".dist-info") && entry.path().is_dir() {
                dist_infos.push(entry.path());
            }
        }
    }
    dist_infos.sort();
    for di in &dist_infos {
        let record_path = di.join("RECORD");
        owned.insert(record_path.clone());
        let text = match fs_err::read_to_string(&record_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.missing.push(display(root, &record_path));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for row in parse_record(&text, &record_path)? {
            let Some(path) = normalize(&site_packages.join(&row.path)) else {
                continue;
            };
            if !path.starts_with(root) {
                continue;
            }
            owned.insert(path.clone());
            if row.hash.is_empty() {
                continue;
            }
            rows.push(Row {
                path,
                hash: row.hash,
                size: row.size,
            });
        }
    }
    let outcomes: Vec<Result<Outcome, InstallError>> = rows.par_iter().map(check_row).collect();
    for (row, outcome) in rows.iter().zip(outcomes) {
        match outcome? {
            Outcome::Same => {}
            Outcome::Changed => report.changed.push(display(root, &row.path)),
            Outcome::Missing => report.missing.push(display(root, &row.path)),
        }
    }
    report.checked = rows.len();
    for entry in walkdir::WalkDir::new(site_packages)
        .into_iter()
        .filter_entry(|e| e.file_name() != "__pycache__")
    {
        let entry = entry.map_err(std::io::Error::from)?;
        if entry.file_type().is_dir() {
            continue;
        }
        let path = entry.path();
        if !owned.contains(path) {
            report.extra.push(display(root, path));
        }
    }
    report.sort();
    Ok(report)
}
