//! A wheel of the project itself, for the wheelhouse and the vendor directory,
//! built without its build backend: only for the simple case envy can describe
//! exactly (static version, a pure package or module at `src/<name>` or `<name>`).
//! `py3-none-any`, with `METADATA` (name, version, requires-python, requires-dist,
//! extras), `entry_points.txt` from `[project.scripts]`/`[project.gui-scripts]`,
//! and `RECORD`; deterministic like the zipapp.

use super::{ExportError, Result};
use crate::project::Project;
use crate::types::hash::b64_urlsafe_nopad;
use pep508_rs::MarkerTree;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::{Cursor, Write};
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// The `METADATA` text (core metadata 2.1).
fn metadata(project: &Project, version: &str) -> String {
    let mut m = format!(
        "Metadata-Version: 2.1\nName: {}\nVersion: {version}\n",
        project.display_name
    );
    if let Some(rp) = &project.requires_python {
        let _ = writeln!(m, "Requires-Python: {rp}");
    }
    for r in &project.dependencies {
        let _ = writeln!(m, "Requires-Dist: {r}");
    }
    for (extra, reqs) in &project.optional_dependencies {
        let _ = writeln!(m, "Provides-Extra: {extra}");
        for r in reqs {
            let mut bare = r.clone();
            bare.marker = MarkerTree::TRUE;
            match r.marker.try_to_string() {
                Some(mk) => {
                    let _ = writeln!(m, "Requires-Dist: {bare} ; ({mk}) and extra == \"{extra}\"");
                }
                None => {
                    let _ = writeln!(m, "Requires-Dist: {bare} ; extra == \"{extra}\"");
                }
            }
        }
    }
    m
}

/// Build the project's wheel into `dir`; returns its path and file name.
///
/// # Errors
/// A dynamic version or no findable source (the caller may leave the project out);
/// I/O and zip errors.
pub fn build(project: &Project, dir: &Path) -> Result<(std::path::PathBuf, String)> {
    let version = project
        .version
        .as_ref()
        .ok_or(ExportError::DynamicVersion)?;
    let files = super::project_source(&project.root, project.name.as_ref())?;
    let stem = format!("{}-{version}", project.name.as_dist_info_name());
    let dist_info = format!("{stem}.dist-info");
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, path) in &files {
        entries.push((name.clone(), fs_err::read(path)?));
    }
    entries.push((
        format!("{dist_info}/METADATA"),
        metadata(project, &version.to_string()).into_bytes(),
    ));
    entries.push((
        format!("{dist_info}/WHEEL"),
        b"Wheel-Version: 1.0\nGenerator: envy\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
    ));
    if !project.scripts.is_empty() || !project.gui_scripts.is_empty() {
        let mut ep = String::new();
        for (section, scripts) in [
            ("console_scripts", &project.scripts),
            ("gui_scripts", &project.gui_scripts),
        ] {
            if scripts.is_empty() {
                continue;
            }
            let _ = writeln!(ep, "[{section}]");
            for (name, target) in scripts {
                let _ = writeln!(ep, "{name} = {target}");
            }
        }
        entries.push((format!("{dist_info}/entry_points.txt"), ep.into_bytes()));
    }
    let mut record = String::new();
    for (name, data) in &entries {
        let _ = writeln!(
            record,
            "{name},sha256={},{}",
            b64_urlsafe_nopad(&Sha256::digest(data)),
            data.len()
        );
    }
    let _ = writeln!(record, "{dist_info}/RECORD,,");
    entries.push((format!("{dist_info}/RECORD"), record.into_bytes()));

    let zerr = |source: zip::result::ZipError| ExportError::Zip {
        what: "project wheel",
        source,
    };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    for (name, data) in &entries {
        zip.start_file(name.as_str(), options).map_err(zerr)?;
        zip.write_all(data)?;
    }
    let bytes = zip.finish().map_err(zerr)?.into_inner();
    let filename = format!("{stem}-py3-none-any.whl");
    let path = dir.join(&filename);
    fs_err::write(&path, bytes)?;
    Ok((path, filename))
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64() {
        assert_eq!(super::b64_urlsafe_nopad(b""), "");
        assert_eq!(super::b64_urlsafe_nopad(b"f"), "Zg");
        assert_eq!(super::b64_urlsafe_nopad(b"fo"), "Zm8");
        assert_eq!(super::b64_urlsafe_nopad(b"foo"), "Zm9v");
        assert_eq!(super::b64_urlsafe_nopad(&[0xfb, 0xff]), "-_8");
    }
}
