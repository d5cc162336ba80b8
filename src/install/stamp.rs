//! The stat stamp of an unpacked-wheel tree (`<tree>/verified-stat`): the
//! size, modification time and inode of every file the tree's `RECORD`
//! hashes, and of `RECORD` itself, as they were when the tree was last known
//! to match its `RECORD` (just unpacked from a verified wheel, or hashed in
//! full). A later install compares those with one `stat` per file instead of
//! hashing the tree again; any difference, or any doubt, sends the tree
//! through the full check.
//!
//! Format (version 2): the line `envy-stat-v2`, then one entry per file,
//! each `SIZE MTIME_NS INODE PATH` ended by a NUL byte (a path may hold any
//! byte but NUL), `PATH` relative to the tree, `/`-separated. `RECORD` is one
//! of the entries, so an unchanged `RECORD` vouches that the list is still
//! the one it would give, and the check never parses `RECORD`.

#[cfg(unix)]
use super::link::DirHandles;
#[cfg(unix)]
use rayon::prelude::*;
use std::path::Path;

/// The first line of a version-2 stamp.
#[cfg(unix)]
const HEADER: &str = "envy-stat-v2\n";

/// Where the stamp of a tree is kept.
#[cfg_attr(not(unix), allow(dead_code))]
pub(super) fn stamp_path(template: &Path) -> std::path::PathBuf {
    template.join("verified-stat")
}

/// A file's size, modification time (ns) and inode. Writing to the file
/// through any of its links changes the modification time; replacing it
/// changes the inode. (Not the ctime: every hard link made into a venv
/// changes that.) Someone who sets the time back on purpose defeats it, as
/// any editor-level check; they can already write the cache.
#[cfg(unix)]
fn stat(path: &Path) -> std::io::Result<(u64, i128, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::symlink_metadata(path)?;
    let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
    Ok((m.len(), mtime, m.ino()))
}

/// Record the [`stat`] of `files` (paths relative to `template`,
/// `/`-separated: every file the tree's `RECORD` hashes, and `RECORD`) once
/// the tree is known to match its `RECORD`. Best effort: without a stamp
/// the tree is hashed again next time.
#[cfg(unix)]
pub(super) fn write_stamp(template: &Path, files: &[&str]) {
    let entries: std::io::Result<Vec<String>> = files
        .par_iter()
        .map(|rel| {
            let (size, mtime, ino) = stat(&template.join(rel))?;
            Ok(format!("{size} {mtime} {ino} {rel}\0"))
        })
        .collect();
    if let Ok(entries) = entries {
        let mut text =
            String::with_capacity(HEADER.len() + entries.iter().map(String::len).sum::<usize>());
        text.push_str(HEADER);
        entries.iter().for_each(|e| text.push_str(e));
        let _ = crate::util::write_atomic(&stamp_path(template), text.as_bytes());
    }
}

#[cfg(not(unix))]
pub(super) fn write_stamp(_template: &Path, _files: &[&str]) {}

/// Whether the tree is exactly as it was when it was stamped: every file
/// the stamp lists has the size, modification time and inode it recorded,
/// and every modification is older than the stamp by at least `racy` (a
/// change within the same timestamp tick as the stamp could otherwise go
/// unseen, the "racy" case git's index also guards). Any doubt (no stamp,
/// an older format, an unreadable or malformed entry, a path leaving the
/// tree) answers `false`.
#[cfg(unix)]
pub(super) fn stamp_matches(template: &Path, racy: std::time::Duration) -> bool {
    use std::os::unix::fs::MetadataExt;
    let stamp = stamp_path(template);
    let (Ok(text), Ok(meta)) = (std::fs::read_to_string(&stamp), std::fs::metadata(&stamp)) else {
        return false;
    };
    let stamped = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    let Some(body) = text.strip_prefix(HEADER) else {
        return false;
    };
    let Some(body) = body.strip_suffix('\0') else {
        return false;
    };
    let entries: Vec<&str> = body.split('\0').collect();
    // At least RECORD and one file.
    if entries.len() < 2 {
        return false;
    }
    let limit = stamped - racy.as_nanos() as i128;
    // The stamp lists a directory's files together (RECORD's order): each
    // task keeps its directory open between them.
    entries.par_chunks(256).all(|chunk| {
        let mut dirs = DirHandles::default();
        let mut dir_rel = None;
        let mut dir = template.to_path_buf();
        chunk.iter().all(|entry| {
            let mut parts = entry.splitn(4, ' ');
            let (Some(size), Some(mtime), Some(ino), Some(rel)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return false;
            };
            if !is_inside(rel) {
                return false;
            }
            let (Ok(size), Ok(mtime), Ok(ino)) = (
                size.parse::<u64>(),
                mtime.parse::<i128>(),
                ino.parse::<u64>(),
            ) else {
                return false;
            };
            let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            if dir_rel != Some(parent) {
                dir = template.join(parent);
                dir_rel = Some(parent);
            }
            dirs.stat(&dir, name)
                .is_some_and(|now| now == (size, mtime, ino) && mtime <= limit)
        })
    })
}

#[cfg(not(unix))]
pub(super) fn stamp_matches(_template: &Path, _racy: std::time::Duration) -> bool {
    false
}

/// Whether a stamp's relative path stays inside the tree: not absolute, no
/// empty, `.` or `..` component.
#[cfg_attr(not(unix), allow(dead_code))]
fn is_inside(rel: &str) -> bool {
    !rel.is_empty()
        && rel
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

#[cfg(test)]
mod tests {
    use super::is_inside;

    #[test]
    fn stamp_paths_must_stay_inside_the_tree() {
        assert!(is_inside("site/x.py"));
        assert!(is_inside("bin/tool"));
        for bad in ["", "/etc/passwd", "site/../../x", "./x", "a//b", "a/"] {
            assert!(!is_inside(bad), "{bad}");
        }
    }
}
