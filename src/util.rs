//! Small helpers every layer may use: writing a file atomically, turning a byte offset into a line and column,
//! and a buffered reader whose seeks stay inside its buffer.
//! This module imports nothing from the crate, so it sits below every layer.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
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

/// A buffered reader that keeps its buffer across seeks that land inside it.
///
/// [`BufReader`]'s own `seek` always drops the buffer and asks the kernel
/// (`lseek`, then a fresh read of the whole buffer), even for
/// `stream_position()`. Reading a zip archive (a wheel) seeks before every
/// member's local header and data, so with a plain `BufReader` each of a
/// wheel's thousands of small members costs a system call and a full
/// buffer refill. Here a seek within the buffer only moves the cursor, the
/// position is tracked without asking the kernel, and only a seek outside
/// the buffer reaches the file.
pub struct SeekBufReader<R> {
    inner: BufReader<R>,
    /// The logical position: where the next read starts.
    pos: u64,
}

impl<R: Read + Seek> SeekBufReader<R> {
    /// Wrap `inner` (positioned at its start) with a buffer of `capacity` bytes.
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        SeekBufReader {
            inner: BufReader::with_capacity(capacity, inner),
            pos: 0,
        }
    }
}

impl<R: Read> Read for SeekBufReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read> BufRead for SeekBufReader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.inner.consume(amt);
        self.pos += amt as u64;
    }
}

impl<R: Read + Seek> Seek for SeekBufReader<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(_) => None,
        };
        let Some(target) = target else {
            // From the end (or an offset that does not fit): the file knows.
            self.pos = self.inner.seek(to)?;
            return Ok(self.pos);
        };
        match i64::try_from(i128::from(target) - i128::from(self.pos)) {
            Ok(offset) => self.inner.seek_relative(offset)?,
            Err(_) => {
                self.inner.seek(SeekFrom::Start(target))?;
            }
        }
        self.pos = target;
        Ok(target)
    }

    fn stream_position(&mut self) -> std::io::Result<u64> {
        Ok(self.pos)
    }
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

    #[test]
    fn seeks_inside_the_buffer_read_the_same_bytes() {
        use std::io::Cursor;
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut r = SeekBufReader::with_capacity(64, Cursor::new(data.clone()));
        let mut got = [0u8; 8];
        // Inside the buffer, back, forward past it, from the end, relative.
        for (to, at) in [
            (SeekFrom::Start(3), 3u64),
            (SeekFrom::Start(40), 40),
            (SeekFrom::Start(1), 1),
            (SeekFrom::Start(5000), 5000),
            (SeekFrom::Current(-4000), 1008),
            (SeekFrom::End(-8), 9992),
            (SeekFrom::Current(-100), 9900),
        ] {
            assert_eq!(r.seek(to).unwrap(), at);
            assert_eq!(r.stream_position().unwrap(), at);
            r.read_exact(&mut got).unwrap();
            let at = usize::try_from(at).unwrap();
            assert_eq!(got, data[at..at + 8], "after seeking to {at}");
            assert_eq!(r.stream_position().unwrap(), at as u64 + 8);
        }
        let mut rest = Vec::new();
        r.seek(SeekFrom::Start(9990)).unwrap();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, data[9990..]);
    }
}
