//! Core metadata from an sdist without building it: `PKG-INFO`, completed by
//! setuptools' `*.egg-info/requires.txt` when PKG-INFO lists no
//! `Requires-Dist` (older setuptools wrote dependencies only there).

use flate2::read::GzDecoder;
use std::io::Read;
use std::path::Path;

/// The PKG-INFO of a `.tar.gz` or `.zip` sdist, with `Requires-Dist` lines
/// added from `requires.txt` when PKG-INFO has none.
///
/// # Errors
/// A message when the archive cannot be read or has no PKG-INFO.
pub fn pkg_info(path: &Path) -> Result<Vec<u8>, String> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let (pkg_info, requires) = if name.ends_with(".zip") {
        from_zip(path)?
    } else {
        from_tar(path)?
    };
    let mut pkg_info = pkg_info.ok_or("the sdist has no PKG-INFO")?;
    let text = String::from_utf8_lossy(&pkg_info).to_ascii_lowercase();
    if !text.contains("\nrequires-dist:") {
        if let Some(req) = requires {
            let extra = requires_txt_to_requires_dist(&String::from_utf8_lossy(&req));
            // Insert before the body (first blank line).
            let s = String::from_utf8_lossy(&pkg_info).into_owned();
            let (head, body) = s.split_once("\n\n").unwrap_or((&s, ""));
            let mut out = head.to_string();
            for line in extra {
                out.push_str("\nRequires-Dist: ");
                out.push_str(&line);
            }
            out.push_str("\n\n");
            out.push_str(body);
            pkg_info = out.into_bytes();
        }
    }
    Ok(pkg_info)
}

fn wanted(path: &str) -> Option<bool> {
    let parts: Vec<&str> = path.trim_start_matches("./").split('/').collect();
    match parts.as_slice() {
        [_, "PKG-INFO"] => Some(true),
        [_, d, "requires.txt"] if d.ends_with(".egg-info") => Some(false),
        _ => None,
    }
}

type Found = (Option<Vec<u8>>, Option<Vec<u8>>);

fn from_tar(path: &Path) -> Result<Found, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let (mut pkg, mut req) = (None, None);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let p = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .into_owned();
        if let Some(is_pkg) = wanted(&p) {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).map_err(|e| e.to_string())?;
            if is_pkg {
                pkg = Some(buf);
            } else {
                req = Some(buf);
            }
        }
    }
    Ok((pkg, req))
}

fn from_zip(path: &Path) -> Result<Found, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
    let (mut pkg, mut req) = (None, None);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| e.to_string())?;
        let p = entry.name().to_string();
        if let Some(is_pkg) = wanted(&p) {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf).map_err(|e| e.to_string())?;
            if is_pkg {
                pkg = Some(buf);
            } else {
                req = Some(buf);
            }
        }
    }
    Ok((pkg, req))
}

/// Translate setuptools' `requires.txt` (`[extra:marker]` sections) into
/// `Requires-Dist` values.
pub fn requires_txt_to_requires_dist(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut extra, mut marker): (Option<String>, Option<String>) = (None, None);
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (e, m) = section.split_once(':').unwrap_or((section, ""));
            extra = (!e.is_empty()).then(|| e.to_string());
            marker = (!m.is_empty()).then(|| m.to_string());
            continue;
        }
        let mut conds = Vec::new();
        if let Some(m) = &marker {
            conds.push(format!("({m})"));
        }
        if let Some(e) = &extra {
            conds.push(format!("extra == \"{e}\""));
        }
        if conds.is_empty() {
            out.push(line.to_string());
        } else {
            out.push(format!("{line}; {}", conds.join(" and ")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn requires_txt_sections() {
        let out = super::requires_txt_to_requires_dist(
            "a>=1\n\n[:python_version < \"3.8\"]\nb\n\n[fast]\nc\n",
        );
        assert_eq!(
            out,
            [
                "a>=1",
                "b; (python_version < \"3.8\")",
                "c; extra == \"fast\""
            ]
        );
    }
}
