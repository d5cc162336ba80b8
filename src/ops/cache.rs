//! `envy cache dir|clean|prune`: where the cache is, how big, and emptying it.

use super::{Error, Result, Settings};
use crate::index::cache::Cache;
use std::path::{Path, PathBuf};

/// Size of a directory tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Number of files.
    pub files: u64,
    /// Total bytes of those files.
    pub bytes: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        self.files += o.files;
        self.bytes += o.bytes;
    }
}

/// The cache root these settings use (`--cache-dir`, `ENVY_CACHE_DIR`, or the default).
///
/// # Errors
/// With `--no-cache`, which has no lasting cache.
pub fn root(settings: &Settings) -> Result<PathBuf> {
    settings.cache_dir.clone().ok_or_else(|| {
        Error::new("`--no-cache` uses a temporary cache; there is nothing to show or clean")
            .hint("drop `--no-cache`")
    })
}

/// Files and bytes under `path` (0 when it does not exist). Symlinks are not followed.
pub fn usage(path: &Path) -> Usage {
    let mut u = Usage::default();
    for e in walkdir::WalkDir::new(path).into_iter().flatten() {
        if e.file_type().is_file() {
            u.files += 1;
            u.bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    u
}

/// `1.5 MiB`-style size.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// `envy cache dir`: the root and what it holds.
///
/// # Errors
/// With `--no-cache`.
pub fn dir(settings: &Settings) -> Result<(PathBuf, Usage)> {
    let root = root(settings)?;
    let u = usage(&root);
    Ok((root, u))
}

fn remove(path: &Path) -> Result<Usage> {
    let u = usage(path);
    let r = if path.is_dir() && !path.is_symlink() {
        fs_err::remove_dir_all(path)
    } else {
        fs_err::remove_file(path)
    };
    match r {
        Ok(()) => Ok(u),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Usage::default()),
        Err(e) => Err(Error::new(e.to_string())
            .hint("close programs using the cache (another envy?) and retry")),
    }
}

/// A sanity check before deleting a whole tree: refuse `/`, the home
/// directory, and non-empty directories that do not look like an envy cache.
fn check_removable(root: &Path) -> Result<()> {
    let home = dirs::home_dir();
    let looks_like_cache = [
        "simple-v2",
        "metadata-v1",
        "metadata-v2",
        "files-v1",
        "built-metadata-v1",
        "build-envs-v1",
        crate::git::CACHE_DIR,
    ]
    .iter()
    .any(|d| root.join(d).exists())
        || fs_err::read_dir(root)
            .map(|mut r| r.next().is_none())
            .unwrap_or(true);
    if root.parent().is_none() || home.as_deref() == Some(root) || !looks_like_cache {
        return Err(Error::new(format!(
            "refusing to delete {}: it does not look like an envy cache",
            root.display()
        ))
        .hint("check `--cache-dir` / `ENVY_CACHE_DIR`"));
    }
    Ok(())
}

/// `envy cache clean`: remove the whole cache. Returns what was freed.
///
/// # Errors
/// With `--no-cache`; a root that is not an envy cache; I/O errors.
pub fn clean(settings: &Settings) -> Result<(PathBuf, Usage)> {
    let root = root(settings)?;
    if !root.exists() {
        return Ok((root, Usage::default()));
    }
    check_removable(&root)?;
    let u = remove(&root)?;
    Ok((root, u))
}

/// `envy cache prune`: remove what is cheap to get again or useless: the
/// index pages (`simple-v2/`) and temporary files left by interrupted writes.
/// Distribution files and metadata (content-addressed, never stale) stay.
///
/// # Errors
/// With `--no-cache`; I/O errors.
pub fn prune(settings: &Settings) -> Result<(PathBuf, Usage)> {
    let root = root(settings)?;
    let mut freed = Usage::default();
    if !root.exists() {
        return Ok((root, freed));
    }
    let cache = Cache::new(root.clone());
    freed += remove(&cache.root().join("simple-v2"))?;
    let leftovers: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .map(|e| e.into_path())
        .collect();
    for p in leftovers {
        freed += remove(&p)?;
    }
    Ok((root, freed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(10), "10 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(3 * 1024 * 1024), "3.0 MiB");
    }
}
