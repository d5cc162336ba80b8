//! Renderers and bundle writers over a lock.
//!
//! - [`requirements`]: pip's requirements format with `--hash` options
//!   (pip's hash-checking mode). Pure: returns text.
//! - [`pylock`]: PEP 751 `pylock.toml`. Pure: returns text.
//! - [`target`]: the interpreter and platform a bundle is built for.
//! - [`wheelhouse`]: a directory of wheels plus a hash-pinned `requirements.txt`.
//! - [`vendor`]: an importable directory, as `pip install --target` makes.
//! - [`zipapp`]: a PEP 441 executable zip of the project and its dependencies.
//! - [`entry`]: what a zipapp runs, and the build-time check of `-e`.
//! - [`manifest`]: the `SHA256SUMS` of every file and the `pylock.toml` each bundle carries.
//! - [`project_wheel`]: the project's own pure wheel, for the wheelhouse and vendor dir.
//!
//! `ops::export` picks the target, downloads the wheels and calls these.

pub mod entry;
mod error;
pub mod manifest;
pub mod project_wheel;
pub mod pylock;
pub mod requirements;
pub mod target;
pub mod vendor;
pub mod wheelhouse;
pub mod zipapp;

use crate::lock::{FileEntry, LockedPackage};
use crate::types::WheelFilename;
use crate::venv::Interpreter;
pub use error::{ExportError, Result};
use std::path::{Path, PathBuf};

/// A wheel chosen for a bundle, downloaded and hash-checked.
#[derive(Debug, Clone)]
pub struct BundleWheel {
    /// Normalized distribution name.
    pub name: String,
    /// Pinned version.
    pub version: String,
    /// The locked file (URL, sha256).
    pub file: FileEntry,
    /// The parsed filename.
    pub filename: WheelFilename,
    /// The verified local copy (in the cache).
    pub path: PathBuf,
}

pub use crate::install::plan::best_wheel;

/// Pick a wheel for each package, else its sdist when `can_build` (the target
/// is an interpreter on this machine, so a wheel can be built from it), or one
/// error naming every package without one.
///
/// # Errors
/// Packages with no wheel for the target (and no sdist, or a target that
/// cannot build).
pub fn pick_wheels<'a>(
    packages: &[&'a LockedPackage],
    interp: &Interpreter,
    target_label: &str,
    can_build: bool,
) -> Result<Vec<(&'a LockedPackage, &'a FileEntry)>> {
    let mut picked = Vec::new();
    let mut missing = Vec::new();
    let mut unbuildable = false;
    for pkg in packages {
        match best_wheel(pkg, interp) {
            Some(w) => picked.push((*pkg, w)),
            None => match &pkg.sdist {
                Some(s) if can_build => picked.push((*pkg, s)),
                Some(_) => {
                    unbuildable = true;
                    missing.push(format!(
                        "`{}=={}` (only an sdist matches, and it can only be built for an interpreter on this machine)",
                        pkg.name, pkg.version
                    ));
                }
                None => missing.push(format!(
                    "`{}=={}` (none of its {} wheels matches)",
                    pkg.name,
                    pkg.version,
                    pkg.wheels.len()
                )),
            },
        }
    }
    if missing.is_empty() {
        return Ok(picked);
    }
    Err(ExportError::NoWheel {
        target: target_label.to_string(),
        missing,
        sdist_not_buildable: unbuildable,
    })
}

/// A staging directory next to `out`, after checking that `out` may be replaced:
/// it must not exist, be empty, or hold a previous export (`is_ours`).
///
/// # Errors
/// `out` is a file or a non-empty directory envy did not write.
pub fn stage_dir(out: &Path, is_ours: impl Fn(&Path) -> bool) -> Result<tempfile::TempDir> {
    if out.exists() {
        if !out.is_dir() {
            return Err(ExportError::NotADirectory {
                path: out.to_path_buf(),
            });
        }
        let empty = fs_err::read_dir(out)?.next().is_none();
        if !empty && !is_ours(out) {
            return Err(ExportError::NotOurs {
                path: out.to_path_buf(),
            });
        }
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs_err::create_dir_all(parent)?;
    Ok(tempfile::Builder::new()
        .prefix(".envy-export-")
        .tempdir_in(parent)?)
}

/// Replace `out` with the staged directory.
///
/// # Errors
/// I/O errors.
pub fn commit_dir(staged: tempfile::TempDir, out: &Path) -> Result<()> {
    if out.exists() {
        fs_err::remove_dir_all(out)?;
    }
    let path = staged.keep();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    }
    fs_err::rename(&path, out)?;
    Ok(())
}

/// Files of the project's importable source, as (path in an archive with `/`
/// separators, file on disk), sorted: `src/<pkg>/`, `src/<pkg>.py`, `<pkg>/` or
/// `<pkg>.py`, where `<pkg>` is the project name with `-` and `.` as `_`.
/// `__pycache__` and `.pyc` files are left out.
///
/// # Errors
/// No such package or module; I/O errors.
pub fn project_source(root: &Path, name: &str) -> Result<Vec<(String, PathBuf)>> {
    let pkg = name.replace(['-', '.'], "_").to_lowercase();
    for base in [root.join("src"), root.to_path_buf()] {
        let dir = base.join(&pkg);
        if dir.join("__init__.py").is_file() || (dir.is_dir() && base.ends_with("src")) {
            let mut files = Vec::new();
            for entry in walkdir::WalkDir::new(&dir)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.file_name() != "__pycache__")
            {
                let entry = entry?;
                if !entry.file_type().is_file()
                    || entry.path().extension().is_some_and(|e| e == "pyc")
                {
                    continue;
                }
                let rel = entry.path().strip_prefix(&base)?;
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.push((parts.join("/"), entry.path().to_path_buf()));
            }
            files.sort();
            return Ok(files);
        }
        let module = base.join(format!("{pkg}.py"));
        if module.is_file() {
            return Ok(vec![(format!("{pkg}.py"), module)]);
        }
    }
    Err(ExportError::NoProjectSource {
        name: name.to_string(),
        pkg,
    })
}
