//! Safe unpacking of sdists (`.tar.gz`, `.zip`) into a directory: entries
//! with absolute paths or `..`, and links that point outside the directory,
//! are rejected before anything of them is written.

use super::BuildError;
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// A relative, `..`-free version of `p`, or `None` when `p` is absolute or
/// climbs out.
fn clean_relative(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// Whether a link at `link` (relative to the root) pointing at `target`
/// stays inside the root.
fn link_stays_inside(link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

fn unsafe_entry(sdist: &Path, entry: &str) -> BuildError {
    BuildError::UnsafeArchive {
        sdist: sdist.to_path_buf(),
        entry: entry.to_string(),
    }
}

fn write_file(
    dest: &Path,
    rel: &Path,
    reader: &mut dyn Read,
    mode: Option<u32>,
) -> Result<(), BuildError> {
    let path = dest.join(rel);
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let mut f = fs_err::File::create(&path)?;
    std::io::copy(reader, &mut f)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
        fs_err::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    Ok(())
}

#[cfg(unix)]
fn make_symlink(dest: &Path, rel: &Path, target: &Path) -> Result<(), BuildError> {
    let path = dest.join(rel);
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    std::os::unix::fs::symlink(target, &path)?;
    Ok(())
}

#[cfg(not(unix))]
fn make_symlink(dest: &Path, rel: &Path, target: &Path) -> Result<(), BuildError> {
    let from = dest
        .join(rel.parent().unwrap_or(Path::new("")))
        .join(target);
    if from.is_file() {
        fs_err::copy(&from, dest.join(rel))?;
    }
    Ok(())
}

/// Unpack the sdist at `sdist` into `dest` and return its source tree: the
/// single top-level directory (`name-version/`), else `dest` itself.
///
/// # Errors
/// [`BuildError::UnsafeArchive`] for entries that would leave `dest`; archive
/// and I/O errors.
pub fn unpack_sdist(sdist: &Path, dest: &Path) -> Result<PathBuf, BuildError> {
    fs_err::create_dir_all(dest)?;
    let lower = sdist.to_string_lossy().to_ascii_lowercase();
    if lower.ends_with(".zip") {
        unpack_zip(sdist, dest)?;
    } else {
        unpack_tar(sdist, dest)?;
    }
    let mut top = fs_err::read_dir(dest)?
        .filter_map(std::result::Result::ok)
        .collect::<Vec<_>>();
    if top.len() == 1 && top[0].path().is_dir() {
        if let Some(e) = top.pop() {
            return Ok(e.path());
        }
    }
    Ok(dest.to_path_buf())
}

fn unpack_tar(sdist: &Path, dest: &Path) -> Result<(), BuildError> {
    let file = fs_err::File::open(sdist)?;
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let bad =
        |e: std::io::Error| BuildError::Other(format!("cannot read `{}`: {e}", sdist.display()));
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let raw = entry.path().map_err(bad)?.into_owned();
        let shown = raw.to_string_lossy().into_owned();
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
            || kind.is_gnu_longlink()
        {
            continue;
        }
        let Some(rel) = clean_relative(&raw) else {
            if raw.components().all(|c| matches!(c, Component::CurDir)) {
                continue;
            }
            return Err(unsafe_entry(sdist, &shown));
        };
        if kind.is_dir() {
            fs_err::create_dir_all(dest.join(&rel))?;
        } else if kind.is_symlink() {
            let target = entry
                .link_name()
                .map_err(bad)?
                .ok_or_else(|| unsafe_entry(sdist, &shown))?
                .into_owned();
            if !link_stays_inside(&rel, &target) {
                return Err(unsafe_entry(
                    sdist,
                    &format!("{shown} -> {}", target.display()),
                ));
            }
            make_symlink(dest, &rel, &target)?;
        } else if kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(bad)?
                .ok_or_else(|| unsafe_entry(sdist, &shown))?
                .into_owned();
            let Some(t) = clean_relative(&target) else {
                return Err(unsafe_entry(
                    sdist,
                    &format!("{shown} -> {}", target.display()),
                ));
            };
            let src = dest.join(t);
            if src.is_file() {
                if let Some(parent) = dest.join(&rel).parent() {
                    fs_err::create_dir_all(parent)?;
                }
                fs_err::copy(&src, dest.join(&rel))?;
            }
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            let mode = entry.header().mode().ok();
            write_file(dest, &rel, &mut entry, mode)?;
        }
        // Devices, fifos and the like are skipped.
    }
    Ok(())
}

fn unpack_zip(sdist: &Path, dest: &Path) -> Result<(), BuildError> {
    let file = fs_err::File::open(sdist)?;
    let bad = |e: zip::result::ZipError| {
        BuildError::Other(format!("cannot read `{}`: {e}", sdist.display()))
    };
    let mut zip = zip::ZipArchive::new(file).map_err(bad)?;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(bad)?;
        let shown = entry.name().to_string();
        let Some(rel) = clean_relative(Path::new(&shown)) else {
            return Err(unsafe_entry(sdist, &shown));
        };
        let mode = entry.unix_mode();
        if mode.is_some_and(|m| m & 0o170000 == 0o120000) {
            let mut target = String::new();
            entry.read_to_string(&mut target)?;
            let target = PathBuf::from(target);
            if !link_stays_inside(&rel, &target) {
                return Err(unsafe_entry(
                    sdist,
                    &format!("{shown} -> {}", target.display()),
                ));
            }
            make_symlink(dest, &rel, &target)?;
        } else if entry.is_dir() {
            fs_err::create_dir_all(dest.join(&rel))?;
        } else {
            write_file(dest, &rel, &mut entry, mode)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert!(clean_relative(Path::new("a/../b")).is_none());
        assert!(clean_relative(Path::new("/etc/passwd")).is_none());
        assert_eq!(
            clean_relative(Path::new("./a/b")),
            Some(PathBuf::from("a/b"))
        );
    }

    #[test]
    fn links() {
        assert!(link_stays_inside(Path::new("p/a"), Path::new("b")));
        assert!(link_stays_inside(Path::new("p/a"), Path::new("../x")));
        assert!(!link_stays_inside(Path::new("p/a"), Path::new("../../x")));
        assert!(!link_stays_inside(Path::new("a"), Path::new("/etc")));
    }

    #[test]
    fn rejects_escaping_tar() {
        let dir = tempfile::tempdir().unwrap();
        let sdist = dir.path().join("evil-1.0.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&sdist).unwrap(),
            flate2::Compression::default(),
        );
        let mut b = tar::Builder::new(gz);
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "evil-1.0/link", "../../outside")
            .unwrap();
        b.into_inner().unwrap().finish().unwrap();
        let err = unpack_sdist(&sdist, &dir.path().join("out")).unwrap_err();
        assert!(matches!(err, BuildError::UnsafeArchive { .. }), "{err}");
    }
}
