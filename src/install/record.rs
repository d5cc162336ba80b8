//! PEP 376 `RECORD` files: `path,sha256=<urlsafe-b64-nopad>,size` rows, plus the helpers
//! that make those rows (hashing, relative paths) and keep installs inside the venv.

use super::InstallError;
use crate::types::hash::b64_urlsafe_nopad;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// One `RECORD` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordRow {
    /// Path relative to site-packages, `/`-separated (may start with `../`).
    pub path: String,
    /// `algo=digest`, empty for RECORD itself.
    pub hash: String,
    /// Size in bytes, `None` for RECORD itself.
    pub size: Option<u64>,
}

/// `sha256=<urlsafe-b64-nopad>` of a finished hasher.
pub(crate) fn record_hash(hasher: Sha256) -> String {
    format!("sha256={}", b64_urlsafe_nopad(&hasher.finalize()))
}

/// `sha256=...` of a byte slice.
pub(crate) fn record_hash_bytes(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(bytes);
    record_hash(h)
}

/// Parse RECORD text (CSV, RFC 4180 quoting). Blank lines are skipped.
///
/// # Errors
/// A row without a path, or an unparsable size; the error names `path`.
pub(crate) fn parse_record(text: &str, path: &Path) -> Result<Vec<RecordRow>, InstallError> {
    let mut rows = Vec::with_capacity(text.len() / 64 + 1);
    for (lineno, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| InstallError::Record {
            path: path.to_path_buf(),
            reason: format!("line {}: {reason}", lineno + 1),
        };
        let (file, hash, size) = split_record_line(line);
        if file.is_empty() {
            return Err(bad("empty path".into()));
        }
        let size = match size.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                s.parse::<u64>()
                    .map_err(|_| bad(format!("invalid size `{s}`")))?,
            ),
        };
        rows.push(RecordRow {
            path: file,
            hash,
            size,
        });
    }
    Ok(rows)
}

/// The path, hash and size fields of one RECORD line. A line without quotes
/// (nearly all of them) is split in place; one with quotes goes through the
/// CSV reader.
fn split_record_line(line: &str) -> (String, String, Option<std::borrow::Cow<'_, str>>) {
    if !line.contains('"') {
        let mut fields = line.split(',');
        let file = fields.next().unwrap_or_default().to_string();
        let hash = fields.next().unwrap_or_default().to_string();
        return (file, hash, fields.next().map(std::borrow::Cow::Borrowed));
    }
    let mut fields = split_csv_line(line).into_iter();
    let file = fields.next().unwrap_or_default();
    let hash = fields.next().unwrap_or_default();
    (file, hash, fields.next().map(std::borrow::Cow::Owned))
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => in_quotes = false,
            ('"', false) if cur.is_empty() => in_quotes = true,
            (',', false) => fields.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Render rows as RECORD text, sorted by path (one row per path, the last given wins), `record_path` last with empty hash/size.
pub(crate) fn render_record(mut rows: Vec<RecordRow>, record_path: &str) -> String {
    rows.retain(|r| r.path != record_path);
    // stable sort, then keep the last row written for each path
    rows.sort_by(|a, b| a.path.cmp(&b.path));
    rows.reverse();
    rows.dedup_by(|a, b| a.path == b.path);
    rows.reverse();
    let mut out =
        String::with_capacity(rows.iter().map(|r| r.path.len() + r.hash.len() + 24).sum());
    for r in &rows {
        push_record_line(&mut out, r);
    }
    out.push_str(&csv_field(record_path));
    out.push_str(",,\n");
    out
}

/// One RECORD line, `path,hash,size\n`, with the path quoted when it holds a
/// comma, quote or line break (RECORD is CSV).
pub(crate) fn record_line(r: &RecordRow) -> String {
    let mut line = String::new();
    push_record_line(&mut line, r);
    line
}

/// Append [`record_line`]'s line to `out`.
fn push_record_line(out: &mut String, r: &RecordRow) {
    if r.path.contains([',', '"', '\n', '\r']) {
        out.push_str(&csv_field(&r.path));
    } else {
        out.push_str(&r.path);
    }
    out.push(',');
    out.push_str(&r.hash);
    out.push(',');
    if let Some(size) = r.size {
        use std::fmt::Write;
        let _ = write!(out, "{size}");
    }
    out.push('\n');
}

/// `to` relative to directory `from`, `/`-separated; both absolute, e.g.
/// (`/v/lib/python3.11/site-packages`, `/v/bin/x`) -> `../../../bin/x`.
pub(crate) fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Lexically normalize `path` (resolve `.` and `..` without touching the filesystem).
/// Returns `None` when `..` climbs above the root.
pub(crate) fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

/// Create directories on demand, each once, checking that their real location stays
/// inside `root` (so a planted symlink cannot redirect writes).
pub(crate) struct DirCache {
    root: PathBuf,
    canonical_root: PathBuf,
    known: HashSet<PathBuf>,
}

impl DirCache {
    /// A cache for writes below `root` (which must exist).
    pub(crate) fn new(root: &Path) -> Result<DirCache, InstallError> {
        Ok(DirCache {
            root: root.to_path_buf(),
            canonical_root: fs_err::canonicalize(root)?,
            known: HashSet::new(),
        })
    }

    /// Make sure `dir` exists and really lies inside the root.
    ///
    /// Directories are made one level at a time below a directory already
    /// known to be safe: one that this call creates, or that exists as a real
    /// directory (not a symlink), is safe without resolving its path; only an
    /// existing symlink is resolved and checked. (Resolving every new
    /// directory cost a `readlink` per path component: 32,000 calls to
    /// install trio's 67 packages.)
    pub(crate) fn ensure(&mut self, dir: &Path) -> Result<(), InstallError> {
        if self.known.contains(dir) || dir == self.root {
            return Ok(());
        }
        let Some(parent) = dir.parent().filter(|p| p.starts_with(&self.root)) else {
            return self.ensure_resolved(dir);
        };
        self.ensure(parent)?;
        match std::fs::create_dir(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let meta = fs_err::symlink_metadata(dir)?;
                if meta.file_type().is_symlink() {
                    return self.ensure_resolved(dir);
                }
                if !meta.is_dir() {
                    return Err(std::io::Error::other(format!(
                        "`{}` exists and is not a directory",
                        dir.display()
                    ))
                    .into());
                }
            }
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("failed to create directory `{}`: {e}", dir.display()),
                )
                .into())
            }
        }
        self.known.insert(dir.to_path_buf());
        Ok(())
    }

    /// Create `dir` and check where it really is (the path may pass through
    /// a symlink).
    fn ensure_resolved(&mut self, dir: &Path) -> Result<(), InstallError> {
        fs_err::create_dir_all(dir)?;
        let real = fs_err::canonicalize(dir)?;
        if !real.starts_with(&self.canonical_root) {
            return Err(std::io::Error::other(format!(
                "`{}` resolves to `{}`, outside `{}`",
                dir.display(),
                real.display(),
                self.root.display()
            ))
            .into());
        }
        self.known.insert(dir.to_path_buf());
        Ok(())
    }

    /// Forget `dir` (e.g. after a concurrent uninstall pruned it) so the next
    /// [`DirCache::ensure`] creates it again.
    pub(crate) fn forget(&mut self, dir: &Path) {
        self.known.remove(dir);
    }
}

/// Remove directories in `dirs` (and their ancestors) that are empty, never removing
/// `stop` directories or anything outside `root`.
pub(crate) fn prune_empty_dirs(
    dirs: impl IntoIterator<Item = PathBuf>,
    root: &Path,
    stop: &[&Path],
) {
    let mut dirs: Vec<PathBuf> = dirs.into_iter().collect();
    // deepest first so children go before parents
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    dirs.dedup();
    for d in dirs {
        let mut cur = Some(d.as_path());
        while let Some(dir) = cur {
            if !dir.starts_with(root) || dir == root || stop.contains(&dir) {
                break;
            }
            // fails (and stops) when not empty or already gone
            if std::fs::remove_dir(dir).is_err() && dir.exists() {
                break;
            }
            cur = dir.parent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(b64_urlsafe_nopad(b""), "");
        assert_eq!(b64_urlsafe_nopad(b"f"), "Zg");
        assert_eq!(b64_urlsafe_nopad(b"fo"), "Zm8");
        assert_eq!(b64_urlsafe_nopad(b"foo"), "Zm9v");
        assert_eq!(b64_urlsafe_nopad(&[0xfb, 0xff]), "-_8");
        // sha256 of the empty string, as pip writes it
        assert_eq!(
            record_hash_bytes(b""),
            "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }

    #[test]
    fn record_roundtrip_and_paths() {
        let rows = parse_record(
            "a/b.py,sha256=x,3\n\"we,ird.py\",sha256=y,4\nfoo-1.dist-info/RECORD,,\n",
            Path::new("RECORD"),
        )
        .unwrap();
        assert_eq!(rows[1].path, "we,ird.py");
        assert_eq!(rows[2].size, None);
        let text = render_record(rows, "foo-1.dist-info/RECORD");
        assert!(text.contains("\"we,ird.py\",sha256=y,4\n"));
        assert!(text.ends_with("foo-1.dist-info/RECORD,,\n"));
        assert_eq!(
            relative_path(
                Path::new("/v/lib/python3.11/site-packages"),
                Path::new("/v/bin/x")
            ),
            "../../../bin/x"
        );
        assert_eq!(
            normalize(Path::new("/v/lib/../bin/./x")),
            Some(PathBuf::from("/v/bin/x"))
        );
    }

    #[test]
    fn record_lines_with_and_without_quotes_parse_alike() {
        let rows = parse_record(
            "plain.py,sha256=a,1\n\"q,uoted.py\",\"sha256=b\",\"2\"\n\"say \"\"hi\"\".py\",sha256=c,3\nonly-a-path\nx.dist-info/RECORD,,\n",
            Path::new("RECORD"),
        )
        .unwrap();
        let got: Vec<(&str, &str, Option<u64>)> = rows
            .iter()
            .map(|r| (r.path.as_str(), r.hash.as_str(), r.size))
            .collect();
        assert_eq!(
            got,
            [
                ("plain.py", "sha256=a", Some(1)),
                ("q,uoted.py", "sha256=b", Some(2)),
                ("say \"hi\".py", "sha256=c", Some(3)),
                ("only-a-path", "", None),
                ("x.dist-info/RECORD", "", None),
            ]
        );
        let err = parse_record("a.py,sha256=a,big\n", Path::new("RECORD")).unwrap_err();
        assert!(
            err.to_string().contains("line 1: invalid size `big`"),
            "{err}"
        );
        assert!(parse_record(",sha256=a,1\n", Path::new("RECORD")).is_err());
    }
}
