//! The one scanner of a site-packages directory: its `*.dist-info`
//! directories (PEP 376, PEP 627) and the installed distributions they
//! record. Everything that asks what a venv (or an unpacked wheel's tree,
//! or a `--target` directory) holds goes through [`dist_info_dirs`]: the
//! sync plan ([`SitePackages`]), the installer looking for an older copy of
//! what it installs, the unpacked-wheel cache and the sync stamp.
//!
//! Reads only: it never changes the directory.

use super::{read_dist_info, InstalledDist, Venv, VenvError};
use pep508_rs::PackageName;
use std::path::{Path, PathBuf};

/// The `*.dist-info` directories directly in `dir`, as (name without
/// `.dist-info`, path), sorted by name. A missing `dir` holds none; names
/// that are not UTF-8 are skipped.
///
/// # Errors
/// I/O errors listing `dir`.
pub fn dist_info_dirs(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let rd = match fs_err::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(stem) = file_name
            .to_str()
            .and_then(|n| n.strip_suffix(".dist-info"))
        else {
            continue;
        };
        let path = entry.path();
        // The entry's own type is free on most systems; a symlink is followed.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => path.is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => path.is_dir(),
        };
        if is_dir {
            out.push((stem.to_string(), path));
        }
    }
    out.sort();
    Ok(out)
}

/// What a site-packages directory holds: every installed distribution,
/// sorted by name, then version.
///
/// [`SitePackages::read`] scans a venv; [`SitePackages::from_distributions`]
/// builds one in memory (for plans computed in tests without I/O).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SitePackages {
    dists: Vec<InstalledDist>,
}

impl SitePackages {
    /// Every distribution installed in `venv`'s site-packages.
    ///
    /// Reads only the header of each `METADATA` (up to the first blank line);
    /// falls back to the directory name `{name}-{version}.dist-info` when
    /// `METADATA` is missing or incomplete. Directories whose name and
    /// version cannot be determined are skipped.
    ///
    /// # Errors
    /// I/O errors reading site-packages or a `METADATA` file.
    pub fn read(venv: &Venv) -> Result<Self, VenvError> {
        Self::read_dir(&venv.site_packages)
    }

    /// Every distribution installed in the site-packages directory `dir`
    /// (as [`SitePackages::read`]).
    ///
    /// # Errors
    /// I/O errors reading `dir` or a `METADATA` file.
    pub fn read_dir(dir: &Path) -> Result<Self, VenvError> {
        let mut dists = Vec::new();
        for (stem, path) in dist_info_dirs(dir)? {
            if let Some(dist) = read_dist_info(&path, &stem)? {
                dists.push(dist);
            }
        }
        Ok(Self::from_distributions(dists))
    }

    /// The distributions installed in `venv`'s site-packages that are named
    /// `name` (normally zero or one). Only the `.dist-info` directories whose
    /// name part normalizes to `name` have their `METADATA` read.
    ///
    /// # Errors
    /// I/O errors reading site-packages or a `METADATA` file.
    pub fn read_named(venv: &Venv, name: &PackageName) -> Result<Self, VenvError> {
        let mut dists = Vec::new();
        for (stem, path) in dist_info_dirs(&venv.site_packages)? {
            let dir_name = stem.rsplit_once('-').map_or(stem.as_str(), |(n, _)| n);
            if dir_name.parse::<PackageName>().ok().as_ref() != Some(name) {
                continue;
            }
            if let Some(dist) = read_dist_info(&path, &stem)? {
                if &dist.name == name {
                    dists.push(dist);
                }
            }
        }
        Ok(Self::from_distributions(dists))
    }

    /// A site-packages holding `dists` (sorted here).
    pub fn from_distributions(mut dists: Vec<InstalledDist>) -> Self {
        dists.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
        Self { dists }
    }

    /// Every installed distribution, sorted by name, then version.
    pub fn distributions(&self) -> &[InstalledDist] {
        &self.dists
    }

    /// The installed distributions, sorted by name, then version.
    pub fn into_distributions(self) -> Vec<InstalledDist> {
        self.dists
    }

    /// The installed distribution named `name`; when several versions of it
    /// are installed, the highest.
    pub fn get(&self, name: &PackageName) -> Option<&InstalledDist> {
        self.dists.iter().rev().find(|d| &d.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_dist_info_directories_only() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        let a = site.join("a_pkg-1.0.dist-info");
        std::fs::create_dir_all(&a).unwrap();
        std::fs::write(
            a.join("METADATA"),
            "Metadata-Version: 2.1\nName: A.Pkg\nVersion: 1.0\n\nbody",
        )
        .unwrap();
        // No METADATA: name and version from the directory name.
        std::fs::create_dir_all(site.join("b-2.0.dist-info")).unwrap();
        // Not a directory, not a dist-info, no name or version: skipped.
        std::fs::write(site.join("c-3.0.dist-info"), "").unwrap();
        std::fs::create_dir_all(site.join("d")).unwrap();
        std::fs::create_dir_all(site.join("nameless.dist-info")).unwrap();
        let stems: Vec<String> = dist_info_dirs(site)
            .unwrap()
            .into_iter()
            .map(|(stem, _)| stem)
            .collect();
        assert_eq!(stems, ["a_pkg-1.0", "b-2.0", "nameless"]);
        let found = SitePackages::read_dir(site).unwrap();
        let names: Vec<String> = found
            .distributions()
            .iter()
            .map(|d| format!("{}=={}", d.name, d.version))
            .collect();
        assert_eq!(names, ["a-pkg==1.0", "b==2.0"]);
        let a_pkg: PackageName = "a-pkg".parse().unwrap();
        assert_eq!(found.get(&a_pkg).unwrap().dist_info, a);
        assert!(dist_info_dirs(&site.join("missing")).unwrap().is_empty());
    }
}
