//! `envy verify [PATH]`: check a deployed environment against what it should hold.
//!
//! - A **venv** (default `.venv`): every file each distribution's `RECORD` lists, by
//!   sha256 and size, and the files in site-packages nothing owns
//!   (`install::verify_site_packages`); every distribution against `envy.lock` (read
//!   as is, never re-locked) for the groups asked for, evaluated for the venv's
//!   interpreter, the project itself included when it is a package.
//! - A **zipapp**, **wheelhouse** or **vendor directory** written by `envy export`:
//!   every file against the bundle's `SHA256SUMS`, and its distributions (a
//!   wheelhouse's wheels, the `.dist-info` directories and native wheels of a zipapp
//!   or vendor directory) against the bundle's own `pylock.toml`.

use super::lock::read_lock;
use super::sync::SyncOptions;
use super::{Error, Result, Settings};
use crate::export::manifest::{self, MANIFEST, PYLOCK};
use crate::install::FileReport;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Options of `envy verify`.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// What to verify; `.venv` of the project by default.
    pub path: Option<PathBuf>,
    /// For a venv: which groups of the lock it should hold (as for `sync`).
    pub groups: SyncOptions,
}

/// A distribution at another version than expected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OtherVersion {
    /// Normalized name.
    pub name: String,
    /// The version the lock pins.
    pub expected: String,
    /// The version there is.
    pub found: String,
}

/// The distributions compared with the lock; `name==version` strings, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DistributionReport {
    /// How many distributions were found.
    pub checked: usize,
    /// Locked, not there.
    pub missing: Vec<String>,
    /// There, not locked.
    pub unexpected: Vec<String>,
    /// There at another version.
    pub other_version: Vec<OtherVersion>,
}

impl DistributionReport {
    /// Whether the set matched the lock.
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.other_version.is_empty()
    }
}

/// What `envy verify` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// `venv`, `zipapp`, `wheelhouse` or `vendor`.
    pub kind: &'static str,
    /// The path verified.
    pub path: PathBuf,
    /// The file check.
    pub files: FileReport,
    /// The distribution check.
    pub distributions: DistributionReport,
}

impl Verified {
    /// Whether everything matched.
    pub fn is_clean(&self) -> bool {
        self.files.is_clean() && self.distributions.is_clean()
    }
}

fn normalize(name: &str) -> String {
    crate::lock::graph::normalize(name)
}

/// Compare found (name, version) pairs with expected ones.
fn compare(
    expected: &BTreeMap<String, String>,
    found: &BTreeMap<String, String>,
) -> DistributionReport {
    let mut r = DistributionReport {
        checked: found.len(),
        ..Default::default()
    };
    for (name, version) in expected {
        match found.get(name) {
            None => r.missing.push(format!("{name}=={version}")),
            Some(v) if v != version => r.other_version.push(OtherVersion {
                name: name.clone(),
                expected: version.clone(),
                found: v.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, version) in found {
        if !expected.contains_key(name) {
            r.unexpected.push(format!("{name}=={version}"));
        }
    }
    r
}

/// `name-version` of a `.dist-info` directory or a wheel filename, normalized.
fn name_version(stem: &str) -> Option<(String, String)> {
    let mut parts = stem.split('-');
    let (name, version) = (parts.next()?, parts.next()?);
    Some((normalize(name), version.to_string()))
}

/// The (name, version) pairs of a bundle's `pylock.toml`, plus the project it
/// names in `[tool.envy]`, if any.
fn pylock_packages(text: &str, what: &Path) -> Result<BTreeMap<String, String>> {
    let doc: toml::Table = toml::from_str(text)
        .map_err(|e| Error::new(format!("`{}` is not valid TOML: {e}", what.display())))?;
    let mut out = BTreeMap::new();
    let packages = doc.get("packages").and_then(|p| p.as_array());
    for p in packages.into_iter().flatten() {
        if let (Some(n), Some(v)) = (
            p.get("name").and_then(|n| n.as_str()),
            p.get("version").and_then(|v| v.as_str()),
        ) {
            out.insert(normalize(n), v.to_string());
        }
    }
    let project = doc
        .get("tool")
        .and_then(|t| t.get("envy"))
        .and_then(|t| t.get("project"));
    if let Some(p) = project {
        if let (Some(n), Some(v)) = (
            p.get("name").and_then(|n| n.as_str()),
            p.get("version").and_then(|v| v.as_str()),
        ) {
            out.insert(normalize(n), v.to_string());
        }
    }
    Ok(out)
}

/// Compare a bundle's files with its manifest.
fn manifest_report(
    listed: &BTreeMap<String, String>,
    found: &BTreeMap<String, String>,
) -> FileReport {
    let mut r = FileReport {
        checked: found.len(),
        ..Default::default()
    };
    for (path, sha) in listed {
        match found.get(path) {
            None => r.missing.push(path.clone()),
            Some(s) if s != sha => r.changed.push(path.clone()),
            Some(_) => {}
        }
    }
    for path in found.keys() {
        if !listed.contains_key(path) {
            r.extra.push(path.clone());
        }
    }
    r.sort();
    r
}

/// `envy verify`.
///
/// # Errors
/// PATH is none of the four kinds; no `envy.lock` (for a venv); I/O errors.
/// Differences are not errors: they are in the returned [`Verified`].
pub fn verify(settings: &Settings, opts: &VerifyOptions) -> Result<Verified> {
    let path = settings
        .project_dir
        .join(opts.path.as_deref().unwrap_or(Path::new(".venv")));
    if path.is_file() {
        return verify_zipapp(&path);
    }
    if path.join("pyvenv.cfg").is_file() {
        return verify_venv(settings, &path, opts);
    }
    if crate::export::vendor::is_vendor_dir(&path) {
        return verify_dir(&path, "vendor");
    }
    if crate::export::wheelhouse::is_wheelhouse(&path) {
        return verify_dir(&path, "wheelhouse");
    }
    Err(Error::new(format!(
        "`{}` is not a virtual environment, a zipapp, a wheelhouse or a vendor directory",
        path.display()
    ))
    .hint("pass a venv (default `.venv`), or a bundle `envy export` wrote"))
}

fn verify_venv(settings: &Settings, root: &Path, opts: &VerifyOptions) -> Result<Verified> {
    let project = settings.project()?;
    let lock = read_lock(&project)?.ok_or_else(|| {
        Error::new("there is no `envy.lock` to verify the venv against")
            .hint("run `envy lock` first")
    })?;
    let venv = crate::venv::open_venv(root)?
        .ok_or_else(|| Error::new(format!("`{}` is not a venv", root.display())))?;
    let files = crate::install::verify_site_packages(&venv.site_packages, &venv.root)?;
    let selection = opts.groups.selection(&lock);
    let mut expected: BTreeMap<String, String> = lock
        .needed_for(&selection, &venv.interpreter.markers)
        .into_iter()
        .map(|p| (p.name.to_string(), p.version.to_string()))
        .collect();
    if project.is_package() {
        if let Some(p) = lock.project() {
            expected.insert(p.name.to_string(), p.version.to_string());
        }
    }
    let found: BTreeMap<String, String> = crate::venv::installed_distributions(&venv)?
        .into_iter()
        .map(|d| (d.name.to_string(), d.version.to_string()))
        .collect();
    Ok(Verified {
        kind: "venv",
        path: root.to_path_buf(),
        files,
        distributions: compare(&expected, &found),
    })
}

/// A wheelhouse or vendor directory.
fn verify_dir(dir: &Path, kind: &'static str) -> Result<Verified> {
    let listed = manifest::parse(&read_or_empty(&dir.join(MANIFEST))?);
    let found_files = manifest::hash_dir(dir)?;
    let mut files = manifest_report(&listed, &found_files);
    if !dir.join(MANIFEST).is_file() {
        files.missing.insert(0, MANIFEST.to_string());
    }
    let pylock_path = dir.join(PYLOCK);
    let expected = pylock_packages(&read_or_empty(&pylock_path)?, &pylock_path)?;
    let mut found = BTreeMap::new();
    for entry in fs_err::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let stem = match kind {
            "wheelhouse" => name.strip_suffix(".whl"),
            _ => name.strip_suffix(".dist-info"),
        };
        if let Some((n, v)) = stem.and_then(name_version) {
            found.insert(n, v);
        }
    }
    Ok(Verified {
        kind,
        path: dir.to_path_buf(),
        files,
        distributions: compare(&expected, &found),
    })
}

fn read_or_empty(path: &Path) -> Result<String> {
    match fs_err::read_to_string(path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e.into()),
    }
}

fn verify_zipapp(path: &Path) -> Result<Verified> {
    let not_ours = || {
        Error::new(format!(
            "`{}` is not a zipapp `envy export` wrote",
            path.display()
        ))
    };
    let file = fs_err::File::open(path)?;
    let mut archive =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|_| not_ours())?;
    let mut found_files = BTreeMap::new();
    let mut texts: BTreeMap<&str, String> = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| not_ours())?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        for wanted in [".envy/SHA256SUMS", ".envy/pylock.toml"] {
            if name == wanted {
                texts.insert(wanted, String::from_utf8_lossy(&data).into_owned());
            }
        }
        if name != ".envy/SHA256SUMS" {
            found_files.insert(name, crate::types::hash::sha256_bytes(&data));
        }
    }
    let Some(listed) = texts.get(".envy/SHA256SUMS") else {
        return Err(
            not_ours().hint("only zipapps of this envy carry `.envy/SHA256SUMS`: export it again")
        );
    };
    let files = manifest_report(&manifest::parse(listed), &found_files);
    let expected = pylock_packages(
        texts.get(".envy/pylock.toml").map_or("", String::as_str),
        Path::new(".envy/pylock.toml"),
    )?;
    let mut found = BTreeMap::new();
    for name in found_files.keys() {
        let stem = name
            .strip_suffix(".dist-info/METADATA")
            .filter(|s| !s.contains('/'))
            .or_else(|| {
                name.strip_prefix(".envy/native/")
                    .and_then(|n| n.strip_suffix(".whl"))
            });
        if let Some((n, v)) = stem.and_then(name_version) {
            found.insert(n, v);
        }
    }
    Ok(Verified {
        kind: "zipapp",
        path: path.to_path_buf(),
        files,
        distributions: compare(&expected, &found),
    })
}

/// The report as text: one line per difference, then a summary.
pub fn render(v: &Verified) -> String {
    let mut out = String::new();
    let f = &v.files;
    for (what, list) in [
        ("changed", &f.changed),
        ("missing", &f.missing),
        ("extra", &f.extra),
    ] {
        for p in list {
            out.push_str(&format!("{what} file: {p}\n"));
        }
    }
    let d = &v.distributions;
    for p in &d.missing {
        out.push_str(&format!("missing distribution: {p}\n"));
    }
    for p in &d.unexpected {
        out.push_str(&format!("unexpected distribution: {p}\n"));
    }
    for o in &d.other_version {
        out.push_str(&format!(
            "other version: {}=={} (locked: =={})\n",
            o.name, o.found, o.expected
        ));
    }
    out
}
