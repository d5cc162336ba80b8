//! Many files per directory, from an unpacked tree into a venv: each hard
//! link (and each `stat` of the tree's stamp check) is made relative to
//! open handles on the directories (`linkat(2)`, `fstatat(2)` with directory
//! descriptors), so the kernel walks each directory's path once rather than
//! once per file. RECORD lists a directory's files together, so consecutive
//! files share the handles.

use std::path::Path;
#[cfg(unix)]
use std::path::PathBuf;

/// The source and destination directories of the last link (or `stat`),
/// opened on their second use in a row: a directory with one file is not
/// worth a handle.
#[derive(Default)]
pub(super) struct DirHandles {
    #[cfg(unix)]
    src: Slot,
    #[cfg(unix)]
    dest: Slot,
}

/// The last directory asked for, and its handle once it was asked for twice.
#[cfg(unix)]
type Slot = Option<(PathBuf, Option<std::fs::File>)>;

impl DirHandles {
    /// Hard-link `src` to `dest` through the directory handles; `false` when
    /// that did not happen for any reason (the first file of a directory,
    /// `dest` exists, another filesystem, a directory that vanished), for
    /// the caller to link by full path, which handles each case.
    #[cfg(unix)]
    pub(super) fn link(&mut self, src: &Path, dest: &Path) -> bool {
        let (Some(src_dir), Some(src_name), Some(dest_dir), Some(dest_name)) = (
            src.parent(),
            src.file_name(),
            dest.parent(),
            dest.file_name(),
        ) else {
            return false;
        };
        // Both slots are updated (no short-circuit), so the next file of
        // these directories finds them.
        let (src_fd, dest_fd) = (
            open_dir(&mut self.src, src_dir),
            open_dir(&mut self.dest, dest_dir),
        );
        let (Some(src_fd), Some(dest_fd)) = (src_fd, dest_fd) else {
            return false;
        };
        rustix::fs::linkat(
            src_fd,
            src_name,
            dest_fd,
            dest_name,
            rustix::fs::AtFlags::empty(),
        )
        .is_ok()
    }

    /// The size, modification time (ns) and inode of the entry `name` of
    /// `dir` (not following a symlink), through the handle on `dir`; `None`
    /// on any error.
    #[cfg(unix)]
    pub(super) fn stat(&mut self, dir: &Path, name: &str) -> Option<(u64, i128, u64)> {
        use std::os::unix::fs::MetadataExt;
        let Some(fd) = open_dir(&mut self.src, dir) else {
            let m = std::fs::symlink_metadata(dir.join(name)).ok()?;
            let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
            return Some((m.len(), mtime, m.ino()));
        };
        let st = rustix::fs::statat(fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).ok()?;
        let mtime = i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec);
        Some((u64::try_from(st.st_size).ok()?, mtime, st.st_ino))
    }

    /// Elsewhere: never linked this way; the caller links by full path.
    #[cfg(not(unix))]
    pub(super) fn link(&mut self, _src: &Path, _dest: &Path) -> bool {
        false
    }
}

/// The handle on `dir` when `slot` was already for `dir` (opened now if it
/// was not yet); `None` when `dir` is new to `slot` (it is remembered, not
/// opened) or cannot be opened.
#[cfg(unix)]
fn open_dir<'a>(slot: &'a mut Slot, dir: &Path) -> Option<&'a std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Paths are built the same way each time: bytes compare as well as
    // components, and faster.
    let same = slot
        .as_ref()
        .is_some_and(|(last, _)| last.as_os_str() == dir.as_os_str());
    if !same {
        *slot = Some((dir.to_path_buf(), None));
        return None;
    }
    let (_, handle) = slot.as_mut()?;
    if handle.is_none() {
        *handle = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_PATH)
            .open(dir)
            .ok();
    }
    handle.as_ref()
}

/// Hard-link `src` to `dest`, replacing a file (or symlink) already at `dest`;
/// copy when linking fails (another filesystem). Tries the link first rather
/// than checking `dest` beforehand: one system call per file in the common case.
pub(super) fn link_or_copy(src: &Path, dest: &Path) -> std::io::Result<()> {
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
mod tests {
    use super::*;

    #[test]
    fn links_through_directory_handles_and_reports_what_it_cannot_do() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(a.join("sub")).unwrap();
        std::fs::create_dir_all(b.join("sub")).unwrap();
        for name in ["x.py", "y.py", "sub/z.py"] {
            std::fs::write(a.join(name), name).unwrap();
        }
        let mut linker = DirHandles::default();
        // The first file of a directory is left to the full path; the
        // next ones go through the handles.
        for (name, through_handles) in [("x.py", false), ("y.py", true), ("sub/z.py", false)] {
            assert_eq!(
                linker.link(&a.join(name), &b.join(name)),
                through_handles,
                "{name}"
            );
            if !through_handles {
                link_or_copy(&a.join(name), &b.join(name)).unwrap();
            }
            assert_eq!(std::fs::read_to_string(b.join(name)).unwrap(), name);
        }
        std::fs::write(a.join("sub/w.py"), "w").unwrap();
        assert!(linker.link(&a.join("sub/w.py"), &b.join("sub/w.py")));
        // Already there, a missing source, a missing directory: not linked.
        assert!(!linker.link(&a.join("sub/w.py"), &b.join("sub/w.py")));
        assert!(!linker.link(&a.join("sub/gone.py"), &b.join("sub/gone.py")));
        for _ in 0..2 {
            assert!(!linker.link(&a.join("x.py"), &b.join("nodir/x.py")));
        }
        // A stat through the handles sees what the full path sees.
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(a.join("sub/z.py")).unwrap();
        let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
        for _ in 0..2 {
            assert_eq!(
                linker.stat(&a.join("sub"), "z.py"),
                Some((m.len(), mtime, m.ino()))
            );
        }
        assert_eq!(linker.stat(&a.join("sub"), "none.py"), None);
        // The full-path fallback replaces what is there.
        std::fs::write(a.join("x.py"), "new").unwrap();
        std::fs::remove_file(a.join("y.py")).unwrap();
        std::fs::write(a.join("y.py"), "other inode").unwrap();
        link_or_copy(&a.join("y.py"), &b.join("y.py")).unwrap();
        assert_eq!(
            std::fs::read_to_string(b.join("y.py")).unwrap(),
            "other inode"
        );
    }
}
