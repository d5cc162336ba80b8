//! Installs through an unpacked-wheel cache, as uv does: each wheel is unpacked
//! once (every file checked against the wheel's `RECORD` on the way) into
//! `<cache>/unpacked-v1/<sha256>-pyXY/`, laid out like a tiny prefix (`site/`,
//! `bin/`, `include/`, data at the top); every later install hard-links those
//! files into the venv (copying when linking fails, e.g. across filesystems),
//! rewrites script shebangs for the venv's interpreter, and writes a fresh
//! `INSTALLER`, `REQUESTED` and `RECORD` (PEP 376).
//!
//! Hard links share data with the cache: editing an installed file in place
//! edits the cached copy too, the same trade uv makes by default. So a tree
//! is checked against its `RECORD` before it is linked again: hashed in full
//! unless its stat stamp (`verified-stat`: size, mtime and inode of every
//! file, written after the last full check) shows nothing has changed.

use super::record::{
    normalize, parse_record, record_hash_bytes, relative_path, render_record, DirCache, RecordRow,
};
use super::scripts::{rewrite_shebang, write_executable};
use super::{install_wheel, installed_named, uninstall, InstallError, InstallOptions};
use crate::types::WheelFilename;
use crate::venv::site_packages::dist_info_dirs;
use crate::venv::{read_dist_info, InstalledDist, Venv};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// The interpreter path templates are unpacked for; replaced at link time.
/// RECORD rows linked per parallel task (see `link_template`).
const LINK_CHUNK: usize = 256;

const TEMPLATE_PYTHON: &str = "/__envy_template__/bin/python";

/// Install `wheel_path` (whose sha256 is `sha256`) into `venv` through the
/// unpacked-wheel cache under `cache_root`.
///
/// # Errors
/// As [`install_wheel`] for a wheel not yet unpacked; I/O errors otherwise.
pub fn install_wheel_cached(
    venv: &Venv,
    cache_root: &Path,
    wheel_path: &Path,
    sha256: &str,
    filename: &WheelFilename,
    opts: &InstallOptions,
) -> Result<InstalledDist, InstallError> {
    let template = unpack_to_cache(&venv.interpreter, cache_root, wheel_path, sha256, filename)?;
    link_template(venv, &template, filename, opts)
}

/// Unpack a wheel into the cache for `interpreter` (checking every file
/// against the wheel's `RECORD`) unless already there, and return the
/// unpacked directory. Touches no venv, so callers can run it while other
/// downloads are still in flight.
///
/// # Errors
/// As [`install_wheel`].
pub fn unpack_to_cache(
    interpreter: &crate::venv::Interpreter,
    cache_root: &Path,
    wheel_path: &Path,
    sha256: &str,
    filename: &WheelFilename,
) -> Result<PathBuf, InstallError> {
    if let Some(dir) = verified_unpacked(interpreter, cache_root, sha256, filename) {
        return Ok(dir);
    }
    let dir = unpacked_dir(interpreter, cache_root, sha256);
    let parent = cache_root.join("unpacked-v1");
    fs_err::create_dir_all(&parent)?;
    let tmp = tempfile::Builder::new()
        .prefix(".tmp-unpack-")
        .tempdir_in(&parent)?;
    let root = tmp.path().to_path_buf();
    fs_err::create_dir_all(root.join("site"))?;
    let layout = Venv {
        root: root.clone(),
        bin: root.join("bin"),
        python: PathBuf::from(TEMPLATE_PYTHON),
        site_packages: root.join("site"),
        interpreter: interpreter.clone(),
    };
    install_wheel(
        &layout,
        wheel_path,
        filename,
        &InstallOptions {
            installer: "envy",
            requested: false,
        },
    )?;
    let kept = tmp.keep();
    if let Err(e) = std::fs::rename(&kept, &dir) {
        // Another process unpacked the same wheel first: use theirs.
        let _ = fs_err::remove_dir_all(&kept);
        if !dir.join("site").is_dir() {
            return Err(e.into());
        }
    }
    Ok(dir)
}

/// The files of an unpacked tree that `RECORD` gives a hash for, as
/// (RECORD row, absolute path), plus the path of `RECORD` itself.
///
/// # Errors
/// A short reason: no `.dist-info`, an unreadable `RECORD`, a row leaving
/// the tree.
fn tree_files(template: &Path) -> Result<(Vec<(RecordRow, PathBuf)>, PathBuf), String> {
    let site = template.join("site");
    let dist_info = dist_info_dirs(&site)
        .map_err(|e| e.to_string())?
        .into_iter()
        .next()
        .map(|(stem, _)| format!("{stem}.dist-info"))
        .ok_or("no .dist-info")?;
    let record_path = site.join(&dist_info).join("RECORD");
    let text = std::fs::read_to_string(&record_path).map_err(|e| format!("RECORD: {e}"))?;
    let rows = parse_record(&text, &record_path).map_err(|e| e.to_string())?;
    let mut files = Vec::with_capacity(rows.len());
    for row in rows {
        if !row.hash.starts_with("sha256=") {
            continue;
        }
        let path = normalize(&site.join(&row.path))
            .filter(|p| p.starts_with(template))
            .ok_or_else(|| format!("`{}` leaves the tree", row.path))?;
        files.push((row, path));
    }
    Ok((files, record_path))
}

/// Where the stat stamp of a verified tree is kept (see [`stamp_matches`]).
fn stamp_path(template: &Path) -> PathBuf {
    template.join("verified-stat")
}

/// A file's size, modification time (ns) and inode. Writing to the file
/// through any of its links changes the modification time; replacing it
/// changes the inode. (Not the ctime: every hard link made into a venv
/// changes that.) Someone who sets the time back on purpose defeats it, as
/// any editor-level check; they can already write the cache.
#[cfg(unix)]
fn stat_line(path: &Path) -> std::io::Result<(String, i128)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path)?;
    let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
    Ok((format!("{} {} {}", m.len(), mtime, m.ino()), mtime))
}

/// After [`verify_tree`] succeeded: record every verified file's
/// [`stat_line`], so that later installs can skip re-hashing a tree nothing
/// has touched since. Best effort: without a stamp the tree is hashed again.
#[cfg(unix)]
fn write_stamp(template: &Path) {
    let Ok((files, record)) = tree_files(template) else {
        return;
    };
    let lines: std::io::Result<Vec<String>> = files
        .par_iter()
        .map(|(_, p)| p.as_path())
        .chain(rayon::iter::once(record.as_path()))
        .map(|p| stat_line(p).map(|(l, _)| l))
        .collect();
    if let Ok(lines) = lines {
        let _ = crate::util::write_atomic(&stamp_path(template), lines.join("\n").as_bytes());
    }
}

#[cfg(not(unix))]
fn write_stamp(_template: &Path) {}

/// Whether the tree is exactly as it was when it was last verified: every
/// file `RECORD` lists (and `RECORD` itself) has the size, times and inode
/// the stamp recorded, and every modification is older than the stamp by at least
/// `racy` (a change within the same timestamp tick as the verification
/// could otherwise go unseen, the "racy" case git's index also guards).
/// Any doubt answers `false`, and the tree is hashed in full.
#[cfg(unix)]
fn stamp_matches(template: &Path, racy: std::time::Duration) -> bool {
    use std::os::unix::fs::MetadataExt;
    let stamp = stamp_path(template);
    let (Ok(text), Ok(meta)) = (std::fs::read_to_string(&stamp), std::fs::metadata(&stamp)) else {
        return false;
    };
    let stamped = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    let Ok((files, record)) = tree_files(template) else {
        return false;
    };
    let want: Vec<&str> = text.split('\n').collect();
    if want.len() != files.len() + 1 {
        return false;
    }
    let paths: Vec<&Path> = files
        .iter()
        .map(|(_, p)| p.as_path())
        .chain(std::iter::once(record.as_path()))
        .collect();
    paths.par_iter().zip(want.par_iter()).all(|(p, w)| {
        stat_line(p)
            .is_ok_and(|(line, mtime)| line == *w && mtime + racy.as_nanos() as i128 <= stamped)
    })
}

#[cfg(not(unix))]
fn stamp_matches(_template: &Path, _racy: std::time::Duration) -> bool {
    false
}

/// Check every file of an unpacked tree against the `RECORD` written when it
/// was unpacked (sha256 and size per row), on all cores; rows without a hash
/// (`RECORD` itself) are skipped.
///
/// # Errors
/// A short reason naming the first file that is missing or differs.
fn verify_tree(template: &Path) -> Result<(), String> {
    let (files, _) = tree_files(template)?;
    files.par_iter().try_for_each(|(row, path)| {
        let want = row.hash.trim_start_matches("sha256=");
        let file = std::fs::File::open(path).map_err(|e| format!("`{}`: {e}", row.path))?;
        let (got, size) = record_hash_reader(file).map_err(|e| format!("`{}`: {e}", row.path))?;
        if got != want.trim_end_matches('=') || row.size.is_some_and(|s| s != size) {
            return Err(format!("`{}` does not match its RECORD entry", row.path));
        }
        Ok(())
    })
}

/// The urlsafe-base64 sha256 (RECORD form, without `sha256=` and padding)
/// and the size of what `reader` yields.
fn record_hash_reader(mut reader: impl std::io::Read) -> std::io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    let hash = super::record::record_hash(hasher);
    Ok((hash.trim_start_matches("sha256=").to_string(), total))
}

/// Where the wheel with this sha256 is unpacked for `interpreter`'s Python
/// version: `<cache>/unpacked-v1/<sha256>-pyXY`.
fn unpacked_dir(
    interpreter: &crate::venv::Interpreter,
    cache_root: &Path,
    sha256: &str,
) -> PathBuf {
    let (major, minor) = interpreter.python_minor();
    cache_root
        .join("unpacked-v1")
        .join(format!("{sha256}-py{major}{minor}"))
}

/// The unpacked tree of the wheel with this sha256, when it is in the cache
/// and every file still matches the `RECORD` written when it was unpacked
/// ([`verify_tree`]). A corrupt tree is removed (and `None` returned), so it
/// is unpacked again from the verified wheel. With a verified tree the wheel
/// file itself is not needed (nor hashed again) to install.
pub fn verified_unpacked(
    interpreter: &crate::venv::Interpreter,
    cache_root: &Path,
    sha256: &str,
    filename: &WheelFilename,
) -> Option<PathBuf> {
    let dir = unpacked_dir(interpreter, cache_root, sha256);
    if !dir.join("site").is_dir() {
        return None;
    }
    // A tree untouched since it was last hashed (by size, times and inode)
    // is not hashed again; any change, through a venv's hard link or in the
    // cache, sends it through the full check.
    if stamp_matches(&dir, std::time::Duration::from_secs(1)) {
        return Some(dir);
    }
    match verify_tree(&dir) {
        Ok(()) => {
            write_stamp(&dir);
            Some(dir)
        }
        Err(why) => {
            tracing::warn!(
                "the unpacked `{filename}` in the cache is corrupt ({why}); unpacking it again"
            );
            let _ = fs_err::remove_dir_all(&dir);
            None
        }
    }
}

/// Link an unpacked tree (from [`unpack_to_cache`] or [`verified_unpacked`])
/// into `venv`: hard links (copies across filesystems), shebangs rewritten
/// for the venv, a fresh `INSTALLER`, `REQUESTED` and `RECORD` (PEP 376). Any
/// installed version of the distribution is uninstalled first.
///
/// # Errors
/// I/O errors, a tree without `.dist-info`, a `RECORD` row leaving the tree.
pub fn link_unpacked(
    venv: &Venv,
    template: &Path,
    filename: &WheelFilename,
    opts: &InstallOptions,
) -> Result<InstalledDist, InstallError> {
    link_template(venv, template, filename, opts)
}

/// Link a template's files into the venv and write its `RECORD`.
fn link_template(
    venv: &Venv,
    template: &Path,
    filename: &WheelFilename,
    opts: &InstallOptions,
) -> Result<InstalledDist, InstallError> {
    let site = template.join("site");
    let dist_info = dist_info_dirs(&site)?
        .into_iter()
        .next()
        .map(|(stem, _)| format!("{stem}.dist-info"))
        .ok_or_else(|| InstallError::InvalidWheel {
            wheel: template.to_path_buf(),
            reason: "the unpacked wheel has no .dist-info".into(),
        })?;
    let record_path = site.join(&dist_info).join("RECORD");
    let rows = parse_record(&fs_err::read_to_string(&record_path)?, &record_path)?;
    for old in installed_named(venv, &filename.name)? {
        uninstall(venv, &old)?;
    }
    let mut out_rows: Vec<RecordRow> = Vec::with_capacity(rows.len() + 3);
    let skip: Vec<PathBuf> = ["RECORD", "INSTALLER", "REQUESTED"]
        .iter()
        .map(|f| site.join(&dist_info).join(f))
        .collect();
    let escape = |what: &str| InstallError::UnsafeEntry {
        wheel: template.to_path_buf(),
        entry: what.to_string(),
        reason: "leaves the unpacked wheel".to_string(),
    };
    // The `.dist-info` is assembled under a temporary name and renamed into
    // place last, so an interrupted install never leaves a distribution that
    // looks installed: its files may be there, unrecorded, and the next sync
    // links over them.
    let dist_info_dir = venv.site_packages.join(&dist_info);
    // Not ending in `.dist-info`, so nothing takes it for an installed distribution.
    let staging = venv
        .site_packages
        .join(format!(".envy-staging-{dist_info}.partial"));
    if staging.exists() {
        fs_err::remove_dir_all(&staging)?;
    }
    let template_dist_info = site.join(&dist_info);
    let mark = format!("#!{TEMPLATE_PYTHON}");
    // Link one RECORD row into place; `None` for the rows rewritten at the end.
    let link_row =
        |row: &RecordRow, dirs: &mut DirCache| -> Result<Option<RecordRow>, InstallError> {
            let src = normalize(&site.join(&row.path)).ok_or_else(|| escape(&row.path))?;
            if skip.contains(&src) {
                return Ok(None);
            }
            let (dest, is_script) = if let Ok(rel) = src.strip_prefix(&template_dist_info) {
                // Recorded at its final place, written to the staging dir.
                let dest = staging.join(rel);
                if let Some(parent) = dest.parent() {
                    fs_err::create_dir_all(parent)?;
                }
                if std::fs::hard_link(&src, &dest).is_err() {
                    fs_err::copy(&src, &dest)?;
                }
                return Ok(Some(RecordRow {
                    path: relative_path(&venv.site_packages, &dist_info_dir.join(rel)),
                    hash: row.hash.clone(),
                    size: row.size,
                }));
            } else if let Ok(rel) = src.strip_prefix(&site) {
                (venv.site_packages.join(rel), false)
            } else if let Ok(rel) = src.strip_prefix(template.join("bin")) {
                (venv.bin.join(rel), true)
            } else if let Ok(rel) = src.strip_prefix(template) {
                (venv.root.join(rel), false)
            } else {
                return Err(escape(&row.path));
            };
            let parent = dest.parent().unwrap_or(&venv.root);
            dirs.ensure(parent)?;
            // Only scripts that start with the template shebang are rewritten (and
            // so read whole); anything else — a native program of tens of MB —
            // is linked like any file.
            if is_script && starts_with(&src, mark.as_bytes())? {
                let content = fs_err::read(&src)?;
                if let Some(rest) = content.strip_prefix(mark.as_bytes()) {
                    let mut generic = b"#!python".to_vec();
                    generic.extend_from_slice(rest);
                    let rewritten = rewrite_shebang(&generic, &venv.python).unwrap_or(generic);
                    return Ok(Some(write_executable(
                        &dest,
                        &rewritten,
                        &venv.site_packages,
                    )?));
                }
            }
            link_or_copy(&src, &dest)?;
            Ok(Some(RecordRow {
                path: relative_path(&venv.site_packages, &dest),
                hash: row.hash.clone(),
                size: row.size,
            }))
        };
    // Big distributions (jedi, pyright: 5,000+ files each) are linked in
    // chunks on all cores, so one of them does not keep a core busy while
    // the others idle; RECORD keeps the wheel's order.
    let chunks: Vec<Result<Vec<RecordRow>, InstallError>> = rows
        .par_chunks(LINK_CHUNK)
        .map(|chunk| {
            let mut dirs = DirCache::new(&venv.root)?;
            let mut out = Vec::with_capacity(chunk.len());
            for row in chunk {
                out.extend(link_row(row, &mut dirs)?);
            }
            Ok(out)
        })
        .collect();
    for chunk in chunks {
        out_rows.extend(chunk?);
    }
    fs_err::create_dir_all(&staging)?;
    let mut small = |name: &str, content: &[u8]| -> Result<(), InstallError> {
        fs_err::write(staging.join(name), content)?;
        out_rows.push(RecordRow {
            path: relative_path(&venv.site_packages, &dist_info_dir.join(name)),
            hash: record_hash_bytes(content),
            size: Some(content.len() as u64),
        });
        Ok(())
    };
    small("INSTALLER", format!("{}\n", opts.installer).as_bytes())?;
    if opts.requested {
        small("REQUESTED", b"")?;
    }
    let record_rel = relative_path(&venv.site_packages, &dist_info_dir.join("RECORD"));
    fs_err::write(staging.join("RECORD"), render_record(out_rows, &record_rel))?;
    if dist_info_dir.exists() {
        fs_err::remove_dir_all(&dist_info_dir)?;
    }
    fs_err::rename(&staging, &dist_info_dir)?;
    let stem = dist_info.trim_end_matches(".dist-info");
    Ok(
        read_dist_info(&dist_info_dir, stem)?.unwrap_or(InstalledDist {
            name: filename.name.clone(),
            version: filename.version.clone(),
            dist_info: dist_info_dir,
            editable: false,
        }),
    )
}

/// Whether the file at `path` begins with `prefix` (reads at most its length).
fn starts_with(path: &Path, prefix: &[u8]) -> Result<bool, InstallError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(prefix.len());
    fs_err::File::open(path)?
        .take(prefix.len() as u64)
        .read_to_end(&mut head)?;
    Ok(head == prefix)
}

/// Hard-link `src` to `dest`, replacing a file (or symlink) already at `dest`;
/// copy when linking fails (another filesystem). Tries the link first rather
/// than checking `dest` beforehand: one system call per file in the common case.
fn link_or_copy(src: &Path, dest: &Path) -> Result<(), InstallError> {
    match std::fs::hard_link(src, dest) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fs_err::remove_file(dest)?;
            if std::fs::hard_link(src, dest).is_ok() {
                return Ok(());
            }
        }
        Err(_) => {}
    }
    if dest.symlink_metadata().is_ok() {
        fs_err::remove_file(dest)?;
    }
    fs_err::copy(src, dest)?;
    Ok(())
}

#[cfg(all(test, unix))]
mod stamp_tests {
    use super::*;

    /// A template holding `x.py` and a RECORD that lists it.
    fn template(dir: &Path, content: &[u8]) {
        let info = dir.join("site/x-1.0.dist-info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(dir.join("site/x.py"), content).unwrap();
        let record = format!(
            "x.py,{},{}\nx-1.0.dist-info/RECORD,,\n",
            record_hash_bytes(content),
            content.len()
        );
        std::fs::write(info.join("RECORD"), record).unwrap();
    }

    #[test]
    fn an_untouched_tree_matches_its_stamp_and_an_edit_in_place_does_not() {
        let dir = tempfile::tempdir().unwrap();
        template(dir.path(), b"VALUE = 1\n");
        assert!(
            !stamp_matches(dir.path(), std::time::Duration::ZERO),
            "no stamp yet"
        );
        verify_tree(dir.path()).unwrap();
        write_stamp(dir.path());
        assert!(stamp_matches(dir.path(), std::time::Duration::ZERO));
        // The same size, written in place (as through a venv's hard link).
        std::fs::write(dir.path().join("site/x.py"), b"VALUE = 2\n").unwrap();
        assert!(!stamp_matches(dir.path(), std::time::Duration::ZERO));
        assert!(verify_tree(dir.path()).is_err());
    }

    #[test]
    fn a_change_in_the_same_tick_as_the_stamp_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        template(dir.path(), b"VALUE = 1\n");
        verify_tree(dir.path()).unwrap();
        write_stamp(dir.path());
        // Files changed less than a second before the stamp: hash again.
        assert!(!stamp_matches(
            dir.path(),
            std::time::Duration::from_secs(60)
        ));
    }
}
