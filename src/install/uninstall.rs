//! Uninstalling a distribution by its PEP 376 `RECORD`.

use super::record::{normalize, parse_record, prune_empty_dirs};
use super::InstallError;
use crate::venv::{InstalledDist, Venv};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Remove `dist` from `venv`.
///
/// Every file `RECORD` lists (paths relative to site-packages, possibly
/// `../../../bin/x`, or absolute) is removed, with the `__pycache__/{stem}.*.pyc` of
/// each removed `.py`; then the whole `.dist-info` directory; then directories left
/// empty, never removing site-packages, `bin`, or anything outside the venv. Files
/// already gone are ignored.
///
/// # Errors
/// [`InstallError::Record`] when `RECORD` is missing or lists a path that resolves
/// outside the venv root (checked for all rows before anything is removed); I/O errors.
pub fn uninstall(venv: &Venv, dist: &InstalledDist) -> Result<(), InstallError> {
    let record_path = dist.dist_info.join("RECORD");
    let text = match fs_err::read_to_string(&record_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InstallError::Record {
                path: record_path,
                reason: format!(
                    "missing; cannot uninstall {} {} safely",
                    dist.name, dist.version
                ),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let rows = parse_record(&text, &record_path)?;
    let root = normalize(&venv.root).unwrap_or_else(|| venv.root.clone());
    let dist_info = normalize(&dist.dist_info).unwrap_or_else(|| dist.dist_info.clone());
    if !dist_info.starts_with(&root) {
        return Err(InstallError::Record {
            path: record_path,
            reason: format!("`{}` is outside the venv", dist_info.display()),
        });
    }
    let mut files: Vec<PathBuf> = Vec::with_capacity(rows.len());
    for row in &rows {
        let joined = venv.site_packages.join(&row.path);
        let resolved = normalize(&joined).filter(|p| p.starts_with(&root) && p != &root);
        let Some(resolved) = resolved else {
            return Err(InstallError::Record {
                path: record_path,
                reason: format!(
                    "`{}` resolves outside the venv `{}`; refusing to uninstall",
                    row.path,
                    venv.root.display()
                ),
            });
        };
        files.push(resolved);
    }
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for f in &files {
        remove_file_if_exists(f)?;
        if let Some(parent) = f.parent() {
            dirs.insert(parent.to_path_buf());
            if f.extension().is_some_and(|e| e == "py") {
                let cache = parent.join("__pycache__");
                remove_pycs(&cache, f)?;
                dirs.insert(cache);
            }
        }
    }
    match fs_err::remove_dir_all(&dist_info) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    prune_empty_dirs(dirs, &root, &[&venv.site_packages, &venv.bin]);
    Ok(())
}

fn remove_file_if_exists(path: &Path) -> Result<(), InstallError> {
    match fs_err::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        // a directory listed by mistake is left for the empty-directory pass
        Err(_) if path.is_dir() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Remove `cache/{stem}.*.pyc` for the module file `py`.
fn remove_pycs(cache: &Path, py: &Path) -> Result<(), InstallError> {
    let Some(stem) = py.file_stem().and_then(|s| s.to_str()) else {
        return Ok(());
    };
    let Ok(rd) = std::fs::read_dir(cache) else {
        return Ok(());
    };
    let prefix = format!("{stem}.");
    for entry in rd.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with(&prefix)
            && name.ends_with(".pyc")
            && !name[prefix.len()..].contains('/')
            && name[prefix.len()..name.len() - 4]
                .split('.')
                .all(|p| !p.is_empty())
        {
            remove_file_if_exists(&entry.path())?;
        }
    }
    Ok(())
}
