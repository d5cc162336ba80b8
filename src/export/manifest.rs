//! The manifest every bundle carries: one line per file, `<sha256 hex>  <path>`,
//! sorted by path (`/` separators, relative to the bundle's root), the format
//! `sha256sum` writes and `sha256sum -c` checks. It lists every file of the bundle
//! except itself. Also the file name of the lock a bundle carries.

use super::Result;
use std::collections::BTreeMap;
use std::path::Path;

/// The manifest's file name: at the top of a wheelhouse or vendor directory,
/// under `.envy/` in a zipapp.
pub const MANIFEST: &str = "SHA256SUMS";

/// The PEP 751 lock a bundle carries, next to the manifest.
pub const PYLOCK: &str = "pylock.toml";

/// Render (path, sha256 hex) pairs as a manifest, sorted by path.
pub fn render<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let sorted: BTreeMap<&str, &str> = files.into_iter().collect();
    let mut out = String::new();
    for (path, sha) in sorted {
        out.push_str(sha);
        out.push_str("  ");
        out.push_str(path);
        out.push('\n');
    }
    out
}

/// Parse a manifest into path -> sha256 hex; lines that are not
/// `<64 hex>  <path>` are skipped.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let (sha, path) = l.split_once("  ")?;
            let ok = sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit());
            (ok && !path.is_empty()).then(|| (path.to_string(), sha.to_ascii_lowercase()))
        })
        .collect()
}

/// The files under `dir` (recursively, `/`-separated relative paths, the
/// manifest itself left out), each with its sha256.
///
/// # Errors
/// I/O errors walking or reading the tree.
pub fn hash_dir(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir)?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let rel = parts.join("/");
        if rel == MANIFEST {
            continue;
        }
        let (sha, _) = crate::types::hash::sha256_reader(fs_err::File::open(entry.path())?)?;
        out.insert(rel, sha);
    }
    Ok(out)
}

/// Write `dir/SHA256SUMS` for everything else in `dir`.
///
/// # Errors
/// I/O errors.
pub fn write_for_dir(dir: &Path) -> Result<()> {
    let files = hash_dir(dir)?;
    let text = render(files.iter().map(|(p, s)| (p.as_str(), s.as_str())));
    fs_err::write(dir.join(MANIFEST), text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_sorted() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let text = render([("z/y.py", a.as_str()), ("a.txt", b.as_str())]);
        assert_eq!(text, format!("{b}  a.txt\n{a}  z/y.py\n"));
        let parsed = parse(&format!("{text}garbage\n"));
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed["z/y.py"], a);
    }
}
