//! Small helpers every layer may use: writing a file atomically and turning a byte offset into a line and column.
//! This module imports nothing from the crate, so it sits below every layer.

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically: a temp file in the same directory,
/// then a rename, so readers never see a half-written file. Creates the
/// parent directory.
///
/// The file keeps what the user gave it: a symlink is followed and its
/// target replaced (the link stays a link); a replaced file keeps its mode
/// (and, best effort, its owner and group); a new file gets the mode the
/// umask gives (`0o666` masked), as any editor's would. A path that names
/// something other than a regular file (a device such as `/dev/null` or
/// `/dev/stdout`, a FIFO) is written in place, never replaced: a rename
/// over `/dev/null` would turn it into a regular file for every process on
/// the machine.
///
/// # Errors
/// I/O errors (fs-err's name the path); `PermissionDenied` for a read-only
/// file (no write bit), even for root, which is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    prepare_write(path, bytes)?.commit()
}

/// A file written in full under a temporary name beside its target, not yet
/// in place: [`PreparedWrite::commit`] renames it over the target, and
/// dropping it removes it. Preparing every file of an operation before
/// committing any is how an operation that writes two files (a
/// `pyproject.toml` and its `envy.lock`) writes neither when one cannot be
/// written (disk full, a read-only file).
pub struct PreparedWrite {
    pending: Pending,
    target: std::path::PathBuf,
}

/// What [`PreparedWrite::commit`] puts in place.
enum Pending {
    /// A regular file (or a new one): the temp file renamed over it.
    Rename(tempfile::NamedTempFile),
    /// A device or FIFO: the bytes written into it, which no rename can do.
    InPlace(Vec<u8>),
}

impl PreparedWrite {
    /// Put the prepared file in place (one rename in its directory).
    ///
    /// # Errors
    /// When the rename fails.
    pub fn commit(self) -> std::io::Result<()> {
        match self.pending {
            Pending::Rename(tmp) => {
                tmp.persist(&self.target).map_err(|e| e.error)?;
            }
            Pending::InPlace(bytes) => {
                fs_err::OpenOptions::new()
                    .write(true)
                    .open(&self.target)?
                    .write_all(&bytes)?;
            }
        }
        Ok(())
    }
}

/// Write `bytes` in full beside `path` (as [`write_atomic`] does, with the
/// same rules for links, modes and read-only files) without replacing it yet.
///
/// # Errors
/// As [`write_atomic`]: nothing of `path` is changed.
pub fn prepare_write(path: &Path, bytes: &[u8]) -> std::io::Result<PreparedWrite> {
    // Follow a symlink (chains included) to the file it names.
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs_err::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let existing = match std::fs::metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if existing
        .as_ref()
        .is_some_and(|m| m.permissions().readonly())
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "permission denied (the file is read-only)",
        ));
    }
    if let Some(m) = &existing {
        if m.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                format!("{} is a directory", target.display()),
            ));
        }
        if !m.is_file() {
            return Ok(PreparedWrite {
                pending: Pending::InPlace(bytes.to_vec()),
                target,
            });
        }
    }
    let dir = target.parent().unwrap_or_else(|| Path::new("."));
    fs_err::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".envy-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with 0o666: the umask decides, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if let Some(m) = &existing {
        tmp.as_file().set_permissions(m.permissions())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Only root may give a file away; anyone else keeps their own.
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()));
        }
    }
    Ok(PreparedWrite {
        pending: Pending::Rename(tmp),
        target,
    })
}

/// The 1-based line and column of byte `offset` in `text` (an offset past
/// the end counts as the end).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |p| offset - p - 1) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dev_null = Path::new("/dev/null");
        if !std::fs::metadata(dev_null).is_ok_and(|m| m.file_type().is_char_device()) {
            eprintln!("skipped: /dev/null is not a character device on this machine");
            return;
        }
        write_atomic(dev_null, b"discarded").unwrap();
        let after = std::fs::metadata(dev_null).unwrap();
        assert!(after.file_type().is_char_device(), "{after:?}");
        // Nothing was left beside it either.
        let leftovers: Vec<_> = std::fs::read_dir("/dev")
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".envy-tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(dir.path(), b"x").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::IsADirectory);
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn atomic_write_creates_the_parent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.txt");
        write_atomic(&path, b"x").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"x");
    }
}
