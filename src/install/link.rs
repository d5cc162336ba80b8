//! Many files per directory, from an unpacked tree into a venv: each hard
//! link (and each `stat` of the tree's stamp check) is made relative to
//! open handles on the directories (`linkat(2)`, `fstatat(2)` with directory
//! descriptors), so the kernel walks each directory's path once rather than
//! once per file. RECORD lists a directory's files together, so consecutive
//! files share the handles.

use std::path::{Path, PathBuf};

/// The source and destination directories of the last link (or `stat`),
/// kept open.
#[derive(Default)]
pub(super) struct DirHandles {
    #[cfg(unix)]
    src: Option<(PathBuf, std::fs::File)>,
    #[cfg(unix)]
    dest: Option<(PathBuf, std::fs::File)>,
}

impl DirHandles {
    /// Hard-link `src` to `dest` through the directory handles; `false` when
    /// that did not happen for any reason (`dest` exists, another
    /// filesystem, a directory that vanished), for the caller to fall back to
    /// linking by full path, which handles each case.
    #[cfg(unix)]
    pub(super) fn link(&mut self, src: &Path, dest: &Path) -> bool {
        use std::ffi::CString;
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        let (Some(src_dir), Some(src_name), Some(dest_dir), Some(dest_name)) = (
            src.parent(),
            src.file_name(),
            dest.parent(),
            dest.file_name(),
        ) else {
            return false;
        };
        let (Ok(src_name), Ok(dest_name)) = (
            CString::new(src_name.as_bytes()),
            CString::new(dest_name.as_bytes()),
        ) else {
            return false;
        };
        let (Some(src_fd), Some(dest_fd)) = (
            open_dir(&mut self.src, src_dir).map(AsRawFd::as_raw_fd),
            open_dir(&mut self.dest, dest_dir).map(AsRawFd::as_raw_fd),
        ) else {
            return false;
        };
        // SAFETY: both descriptors are open directories owned by `self` for
        // the whole call, and both names are NUL-terminated C strings that
        // outlive it; linkat(2) only reads them.
        unsafe { libc::linkat(src_fd, src_name.as_ptr(), dest_fd, dest_name.as_ptr(), 0) == 0 }
    }

    /// The size, modification time (ns) and inode of `path` (not following
    /// a symlink), through the handle on its directory; `None` on any error.
    #[cfg(unix)]
    pub(super) fn stat(&mut self, path: &Path) -> Option<(u64, i128, u64)> {
        use std::ffi::CString;
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        let name = CString::new(path.file_name()?.as_bytes()).ok()?;
        let fd = open_dir(&mut self.src, path.parent()?)?.as_raw_fd();
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `fd` is an open directory owned by `self`, `name` a
        // NUL-terminated C string, and `st` a buffer of the size fstatat(2)
        // fills; it is read only after the call reports success.
        let st = unsafe {
            if libc::fstatat(
                fd,
                name.as_ptr(),
                st.as_mut_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            ) != 0
            {
                return None;
            }
            st.assume_init()
        };
        let mtime = i128::from(st.st_mtime) * 1_000_000_000 + i128::from(st.st_mtime_nsec);
        Some((u64::try_from(st.st_size).ok()?, mtime, st.st_ino))
    }

    /// Elsewhere: never linked this way; the caller links by full path.
    #[cfg(not(unix))]
    pub(super) fn link(&mut self, _src: &Path, _dest: &Path) -> bool {
        false
    }
}

/// The handle on `dir`, reusing the one in `slot` when it is for `dir`.
#[cfg(unix)]
fn open_dir<'a>(
    slot: &'a mut Option<(PathBuf, std::fs::File)>,
    dir: &Path,
) -> Option<&'a std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    if slot.as_ref().is_none_or(|(p, _)| p != dir) {
        *slot = None;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_PATH)
            .open(dir)
            .ok()?;
        *slot = Some((dir.to_path_buf(), file));
    }
    slot.as_ref().map(|(_, f)| f)
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
        for name in ["x.py", "y.py", "sub/z.py"] {
            assert!(linker.link(&a.join(name), &b.join(name)), "{name}");
            assert_eq!(std::fs::read_to_string(b.join(name)).unwrap(), name);
        }
        // Already there, a missing source, a missing directory: not linked.
        assert!(!linker.link(&a.join("x.py"), &b.join("x.py")));
        assert!(!linker.link(&a.join("gone.py"), &b.join("gone.py")));
        assert!(!linker.link(&a.join("x.py"), &b.join("nodir/x.py")));
        // A stat through the handles sees what the full path sees.
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(a.join("sub/z.py")).unwrap();
        let mtime = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
        assert_eq!(
            linker.stat(&a.join("sub/z.py")),
            Some((m.len(), mtime, m.ino()))
        );
        assert_eq!(linker.stat(&a.join("sub/none.py")), None);
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
