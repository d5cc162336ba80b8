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
//! unless its stat stamp ([`super::stamp`]: size, mtime and inode of every
//! file, written when the tree was unpacked or last hashed in full) shows
//! nothing has changed.

use super::link::{link_or_copy, DirHandles};
use super::record::{
    normalize, parse_record, record_hash_bytes, relative_path, render_record, DirCache, RecordRow,
};
use super::scripts::{rewrite_shebang, write_executable};
use super::stamp::{stamp_matches, write_stamp};
use super::{install_wheel, installed_named, uninstall, InstallError, InstallOptions};
use crate::types::WheelFilename;
use crate::venv::site_packages::dist_info_dirs;
use crate::venv::{read_dist_info, InstalledDist, Venv};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// RECORD rows linked per parallel task (see `link_template`).
const LINK_CHUNK: usize = 256;

/// The interpreter path templates are unpacked for; replaced at link time.
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
    match std::fs::rename(&kept, &dir) {
        // Every file was just checked against the wheel's RECORD: stamp the
        // tree, so the next install need not hash it again.
        Ok(()) => stamp_tree(&dir),
        Err(e) => {
            // Another process unpacked the same wheel first: use theirs.
            let _ = fs_err::remove_dir_all(&kept);
            if !dir.join("site").is_dir() {
                return Err(e.into());
            }
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

/// Stamp a tree that is known to match its `RECORD` (see [`super::stamp`]).
fn stamp_tree(template: &Path) {
    let Ok((files, record)) = tree_files(template) else {
        return;
    };
    let rels: Vec<String> = files
        .iter()
        .map(|(_, p)| p.as_path())
        .chain(std::iter::once(record.as_path()))
        .filter_map(|p| p.strip_prefix(template).ok().map(slash_path))
        .collect();
    if rels.len() == files.len() + 1 {
        let rels: Vec<&str> = rels.iter().map(String::as_str).collect();
        write_stamp(template, &rels);
    }
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
            stamp_tree(&dir);
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

/// One file of an unpacked tree on its way into a venv.
struct Link {
    /// In the tree.
    src: PathBuf,
    /// In the venv (or the staging `.dist-info`).
    dest: PathBuf,
    /// A file of the tree's `bin/`, whose template shebang may need rewriting.
    script: bool,
    /// Its row in the venv's `RECORD`.
    row: RecordRow,
}

/// Link a template's files into the venv and write its `RECORD`.
///
/// In three steps: one sequential pass maps every `RECORD` row to its place
/// in the venv (and its venv `RECORD` path) and creates the directories that
/// need, each once, parents first; then the files are linked on all cores,
/// with no directory work left; then `INSTALLER`, `REQUESTED` and `RECORD`
/// are written and the `.dist-info` is renamed into place.
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
    let template_bin = template.join("bin");
    // The venv's RECORD paths are relative to site-packages: the prefix of
    // each destination is computed once, not per file.
    let under = |prefix: &str, rel: &str| -> String {
        if prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{prefix}/{rel}")
        }
    };
    let to_bin = relative_path(&venv.site_packages, &venv.bin);
    let to_root = relative_path(&venv.site_packages, &venv.root);
    let to_dist_info = relative_path(&venv.site_packages, &dist_info_dir);

    // 1. Where each file goes, and the directories that takes.
    let mut links: Vec<Link> = Vec::with_capacity(rows.len());
    let mut parents: Vec<PathBuf> = Vec::new();
    let dist_info_prefix = format!("site/{dist_info}/");
    let skipped = ["RECORD", "INSTALLER", "REQUESTED"].map(|f| format!("{dist_info_prefix}{f}"));
    for row in rows {
        let (src, dest, path, script) = if let Some(t) = tree_relative(&row.path) {
            let t: &str = &t;
            // The common case, by string: `t` is relative to the tree.
            if skipped.iter().any(|s| *s == t) {
                continue;
            }
            let src = joined(template, t);
            if let Some(rel) = t.strip_prefix(&dist_info_prefix) {
                // Recorded at its final place, written to the staging dir.
                (
                    src,
                    staging.join(rel),
                    format!("{to_dist_info}/{rel}"),
                    false,
                )
            } else if let Some(rel) = t.strip_prefix("site/") {
                (
                    src,
                    joined(&venv.site_packages, rel),
                    rel.to_string(),
                    false,
                )
            } else if let Some(rel) = t.strip_prefix("bin/") {
                (src, joined(&venv.bin, rel), under(&to_bin, rel), true)
            } else {
                (src, venv.root.join(t), under(&to_root, t), false)
            }
        } else {
            let src = normalize(&site.join(&row.path)).ok_or_else(|| escape(&row.path))?;
            if skip.contains(&src) {
                continue;
            }
            let (dest, path, script) = if let Ok(rel) = src.strip_prefix(&template_dist_info) {
                (
                    staging.join(rel),
                    under(&to_dist_info, &slash_path(rel)),
                    false,
                )
            } else if let Ok(rel) = src.strip_prefix(&site) {
                (venv.site_packages.join(rel), slash_path(rel), false)
            } else if let Ok(rel) = src.strip_prefix(&template_bin) {
                (venv.bin.join(rel), under(&to_bin, &slash_path(rel)), true)
            } else if let Ok(rel) = src.strip_prefix(template) {
                (
                    venv.root.join(rel),
                    under(&to_root, &slash_path(rel)),
                    false,
                )
            } else {
                return Err(escape(&row.path));
            };
            (src, dest, path, script)
        };
        let parent = dest.parent().unwrap_or(&venv.root);
        // RECORD lists a directory's files together: most rows repeat the
        // previous row's directory.
        if parents.last().is_none_or(|p| p != parent) {
            parents.push(parent.to_path_buf());
        }
        links.push(Link {
            src,
            dest,
            script,
            row: RecordRow {
                path,
                hash: row.hash,
                size: row.size,
            },
        });
    }
    parents.sort_unstable();
    parents.dedup();
    let mut dirs = DirCache::new(&venv.root)?;
    dirs.ensure(&staging)?;
    for parent in &parents {
        dirs.ensure(parent)?;
    }

    // 2. Link, on all cores. Big distributions (jedi, pyright: 5,000+ files
    // each) are linked in chunks, so one of them does not keep a core busy
    // while the others idle; RECORD keeps the wheel's order.
    let mark = format!("#!{TEMPLATE_PYTHON}");
    let link_one =
        |link: &Link, linker: &mut DirHandles| -> Result<Option<RecordRow>, InstallError> {
            // Only scripts that start with the template shebang are rewritten (and
            // so read whole); anything else — a native program of tens of MB —
            // is linked like any file.
            if link.script && starts_with(&link.src, mark.as_bytes())? {
                let content = fs_err::read(&link.src)?;
                if let Some(rest) = content.strip_prefix(mark.as_bytes()) {
                    let mut generic = b"#!python".to_vec();
                    generic.extend_from_slice(rest);
                    let rewritten = rewrite_shebang(&generic, &venv.python).unwrap_or(generic);
                    return Ok(Some(write_executable(
                        &link.dest,
                        &rewritten,
                        &venv.site_packages,
                    )?));
                }
            }
            if linker.link(&link.src, &link.dest) {
                return Ok(None);
            }
            match link_or_copy(&link.src, &link.dest) {
                // The directory vanished (a concurrent uninstall pruned it
                // after it was made): once more.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let parent = link.dest.parent().unwrap_or(&venv.root);
                    DirCache::new(&venv.root)?.ensure(parent)?;
                    link_or_copy(&link.src, &link.dest)?;
                }
                other => other?,
            }
            Ok(None)
        };
    let rewritten: Vec<Result<Vec<(usize, RecordRow)>, InstallError>> = links
        .par_chunks(LINK_CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut out = Vec::new();
            let mut linker = DirHandles::default();
            for (i, link) in chunk.iter().enumerate() {
                if let Some(row) = link_one(link, &mut linker)? {
                    out.push((c * LINK_CHUNK + i, row));
                }
            }
            Ok(out)
        })
        .collect();
    let mut out_rows: Vec<RecordRow> = links.into_iter().map(|l| l.row).collect();
    for chunk in rewritten {
        for (i, row) in chunk? {
            out_rows[i] = row;
        }
    }

    // 3. The installer's own files, RECORD, and the `.dist-info` into place.
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

/// A RECORD path of an unpacked tree (relative to its `site/`) made
/// relative to the tree itself, `/`-separated: `pkg/m.py` -> `site/pkg/m.py`,
/// `../bin/tool` -> `bin/tool`. `None` for anything but such plain paths (an
/// empty, `.` or `..` component anywhere else, a backslash, an absolute
/// path): those take the general way, through [`normalize`].
fn tree_relative(path: &str) -> Option<std::borrow::Cow<'_, str>> {
    let (rel, in_site) = match path.strip_prefix("../") {
        Some(rest) => (rest, false),
        None => (path, true),
    };
    let plain = !rel.is_empty()
        && !rel.contains('\\')
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
    if !plain {
        return None;
    }
    Some(if in_site {
        std::borrow::Cow::Owned(format!("site/{rel}"))
    } else {
        std::borrow::Cow::Borrowed(rel)
    })
}

/// `base` joined with the relative path `rel`, allocated once.
fn joined(base: &Path, rel: &str) -> PathBuf {
    let mut path = PathBuf::with_capacity(base.as_os_str().len() + 1 + rel.len());
    path.push(base);
    path.push(rel);
    path
}

/// A relative path as RECORD writes it: components joined by `/`.
fn slash_path(rel: &Path) -> String {
    let mut out = String::with_capacity(rel.as_os_str().len());
    for c in rel.components() {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    out
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
        stamp_tree(dir.path());
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
        stamp_tree(dir.path());
        // Files changed less than a second before the stamp: hash again.
        assert!(!stamp_matches(
            dir.path(),
            std::time::Duration::from_secs(60)
        ));
    }

    #[test]
    fn a_replaced_file_an_old_format_or_a_path_leaving_the_tree_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        template(dir.path(), b"VALUE = 1\n");
        stamp_tree(dir.path());
        assert!(stamp_matches(dir.path(), std::time::Duration::ZERO));
        let stamp = std::fs::read_to_string(super::super::stamp::stamp_path(dir.path())).unwrap();
        assert!(stamp.contains(" site/x.py\0"), "{stamp:?}");
        assert!(
            stamp.contains(" site/x-1.0.dist-info/RECORD\0"),
            "{stamp:?}"
        );

        // The same bytes in a new file (another inode), as a cache restore
        // or a replacement would leave it.
        let x = dir.path().join("site/x.py");
        std::fs::remove_file(&x).unwrap();
        std::fs::write(&x, b"VALUE = 1\n").unwrap();
        assert!(!stamp_matches(dir.path(), std::time::Duration::ZERO));
        stamp_tree(dir.path());
        assert!(stamp_matches(dir.path(), std::time::Duration::ZERO));

        // The first format (one `SIZE MTIME INODE` line per file) is hashed again.
        let path = super::super::stamp::stamp_path(dir.path());
        std::fs::write(&path, "10 1 2\n10 1 3").unwrap();
        assert!(!stamp_matches(dir.path(), std::time::Duration::ZERO));

        // An entry naming a file outside the tree is never stat-ed.
        let good = stamp.replace(" site/x.py\0", " ../outside.py\0");
        std::fs::write(&path, good).unwrap();
        assert!(!stamp_matches(dir.path(), std::time::Duration::ZERO));
    }

    #[test]
    fn a_tree_is_linked_with_record_paths_for_the_venv() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        template(&tree, b"VALUE = 1\n");
        std::fs::create_dir_all(tree.join("bin")).unwrap();
        let script = format!("#!{TEMPLATE_PYTHON}\nprint('hi')\n");
        std::fs::write(tree.join("bin/hello"), &script).unwrap();
        std::fs::create_dir_all(tree.join("site/pkg/sub")).unwrap();
        std::fs::write(tree.join("site/pkg/sub/m.py"), b"M = 1\n").unwrap();
        let record = format!(
            "x.py,{},10\npkg/sub/m.py,{},6\n../bin/hello,{},{}\nx-1.0.dist-info/RECORD,,\n",
            record_hash_bytes(b"VALUE = 1\n"),
            record_hash_bytes(b"M = 1\n"),
            record_hash_bytes(script.as_bytes()),
            script.len()
        );
        std::fs::write(tree.join("site/x-1.0.dist-info/RECORD"), record).unwrap();
        verify_tree(&tree).unwrap();

        let interpreter =
            crate::venv::Interpreter::query(Path::new("python3")).expect("python3 on PATH");
        let venv = crate::venv::create_venv(&dir.path().join("venv"), &interpreter).unwrap();
        let (root, site) = (venv.root.clone(), venv.site_packages.clone());
        let filename =
            <WheelFilename as std::str::FromStr>::from_str("x-1.0-py3-none-any.whl").unwrap();
        link_template(&venv, &tree, &filename, &InstallOptions::default()).unwrap();
        assert_eq!(
            std::fs::read(site.join("pkg/sub/m.py")).unwrap(),
            b"M = 1\n"
        );
        let hello = std::fs::read_to_string(root.join("bin/hello")).unwrap();
        assert!(
            hello.starts_with(&format!("#!{}\n", venv.python.display())),
            "{hello}"
        );
        let record = std::fs::read_to_string(site.join("x-1.0.dist-info/RECORD")).unwrap();
        let paths: Vec<&str> = record
            .lines()
            .map(|l| l.split(',').next().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "../../../bin/hello",
                "pkg/sub/m.py",
                "x-1.0.dist-info/INSTALLER",
                "x.py",
                "x-1.0.dist-info/RECORD",
            ]
        );
        assert!(record.contains(&format!(
            "pkg/sub/m.py,{},6\n",
            record_hash_bytes(b"M = 1\n")
        )));
        assert!(!site.join(".envy-staging-x-1.0.dist-info.partial").exists());
    }
}
