//! Editable installs of the project itself: a `.pth` file putting the source tree on
//! `sys.path`, plus a generated `.dist-info` (core metadata 2.3, PEP 610 `direct_url.json`
//! with `dir_info.editable`, PEP 376 `RECORD`) and entry-point scripts.

use super::record::{record_hash_bytes, record_line, relative_path, render_record, RecordRow};
use super::scripts::{parse_entry, write_scripts};
use super::{uninstall, InstallError, InstallOptions};
use crate::venv::{InstalledDist, Venv};
use pep440_rs::Version;
use pep508_rs::PackageName;
use std::path::Path;

/// A local project to install in editable mode.
#[derive(Debug, Clone)]
pub struct EditableProject<'a> {
    /// The project's name.
    pub name: &'a PackageName,
    /// The project's version.
    pub version: &'a Version,
    /// The directory holding `pyproject.toml`; recorded in `direct_url.json`.
    pub project_root: &'a Path,
    /// The directory to put on `sys.path`: `project_root/src` when it exists, else
    /// `project_root`.
    pub source_root: &'a Path,
    /// PEP 508 requirement strings, written as `Requires-Dist`.
    pub requires_dist: Vec<String>,
    /// The `requires-python` specifier, written as `Requires-Python`.
    pub requires_python: Option<String>,
    /// `(name, "module:func")` console scripts.
    pub console_scripts: Vec<(String, String)>,
    /// `(name, "module:func")` GUI scripts.
    pub gui_scripts: Vec<(String, String)>,
}

/// Install `project` into `venv` in editable mode (any installed version of it is
/// uninstalled first).
///
/// Writes `site-packages/_envy_editable_{name}.pth` (the absolute `source_root`), a
/// `{name}-{version}.dist-info` with `METADATA` (Metadata-Version 2.3, `Name`,
/// `Version`, `Requires-Python`, `Requires-Dist`), `INSTALLER`, `REQUESTED` (when
/// `opts.requested`), `direct_url.json` (PEP 610:
/// `{"url": "file:///abs/project_root", "dir_info": {"editable": true}}`),
/// `entry_points.txt`, `RECORD`, and launcher scripts in `bin`. [`super::uninstall`]
/// removes all of it.
///
/// # Errors
/// [`InstallError::EntryPoint`] for an invalid script; [`InstallError::InvalidWheel`]
/// (naming the project) when a path cannot be expressed; I/O errors.
pub fn install_editable(
    venv: &Venv,
    project: &EditableProject,
    opts: &InstallOptions,
) -> Result<InstalledDist, InstallError> {
    let project_root = std::path::absolute(project.project_root)?;
    let source_root = std::path::absolute(project.source_root)?;
    let invalid = |reason: String| InstallError::InvalidWheel {
        wheel: project_root.clone(),
        reason,
    };
    let source_str = source_root.to_string_lossy().to_string();
    if source_str.contains(['\n', '\r']) {
        return Err(invalid(
            "the source directory path contains a newline".into(),
        ));
    }
    let pyproject = project_root.join("pyproject.toml");
    let mut scripts = Vec::new();
    for (name, value) in project.console_scripts.iter().chain(&project.gui_scripts) {
        scripts.push(parse_entry(name, value, &pyproject)?);
    }
    let direct_url = editable_direct_url(&project_root)?;

    for old in super::installed_named(venv, project.name)? {
        uninstall(venv, &old)?;
    }

    let dist_name = project.name.as_dist_info_name();
    let dist_info = venv
        .site_packages
        .join(format!("{dist_name}-{}.dist-info", project.version));
    fs_err::create_dir_all(&dist_info)?;
    fs_err::create_dir_all(&venv.bin)?;
    let mut rows: Vec<RecordRow> = Vec::new();
    let mut write = |path: &Path, content: &[u8]| -> Result<(), InstallError> {
        fs_err::write(path, content)?;
        rows.push(RecordRow {
            path: relative_path(&venv.site_packages, path),
            hash: record_hash_bytes(content),
            size: Some(content.len() as u64),
        });
        Ok(())
    };

    write(
        &venv
            .site_packages
            .join(format!("_envy_editable_{dist_name}.pth")),
        format!("{source_str}\n").as_bytes(),
    )?;
    let mut metadata = format!(
        "Metadata-Version: 2.3\nName: {}\nVersion: {}\n",
        project.name, project.version
    );
    if let Some(rp) = &project.requires_python {
        metadata.push_str(&format!("Requires-Python: {}\n", one_line(rp)));
    }
    for req in &project.requires_dist {
        metadata.push_str(&format!("Requires-Dist: {}\n", one_line(req)));
    }
    write(&dist_info.join("METADATA"), metadata.as_bytes())?;
    write(
        &dist_info.join("INSTALLER"),
        format!("{}\n", opts.installer).as_bytes(),
    )?;
    if opts.requested {
        write(&dist_info.join("REQUESTED"), b"")?;
    }
    write(&dist_info.join("direct_url.json"), direct_url.as_bytes())?;
    if !scripts.is_empty() {
        let mut eps = String::new();
        for (section, list) in [
            ("console_scripts", &project.console_scripts),
            ("gui_scripts", &project.gui_scripts),
        ] {
            if !list.is_empty() {
                eps.push_str(&format!("[{section}]\n"));
                for (n, v) in list {
                    eps.push_str(&format!("{n} = {v}\n"));
                }
                eps.push('\n');
            }
        }
        write(&dist_info.join("entry_points.txt"), eps.as_bytes())?;
    }
    rows.extend(write_scripts(
        &scripts,
        &venv.bin,
        &venv.python,
        &venv.site_packages,
    )?);
    let record = dist_info.join("RECORD");
    let record_rel = relative_path(&venv.site_packages, &record);
    fs_err::write(&record, render_record(rows, &record_rel))?;
    Ok(InstalledDist {
        name: project.name.clone(),
        version: project.version.clone(),
        dist_info,
        editable: true,
    })
}

/// Mark `dist`, just installed from a build backend's PEP 660 editable
/// wheel of the project at `project_root`, as editable: writes PEP 610
/// `direct_url.json` (`{"url": "file:///abs/project_root", "dir_info":
/// {"editable": true}}`) into its `.dist-info` and adds the file to
/// `RECORD` (the installer's job, not the backend's).
///
/// # Errors
/// [`InstallError::InvalidWheel`] when the path cannot be a file URL; I/O errors.
pub fn record_editable_origin(
    venv: &Venv,
    dist: &mut InstalledDist,
    project_root: &Path,
) -> Result<(), InstallError> {
    let content = editable_direct_url(&std::path::absolute(project_root)?)?;
    record_direct_url(venv, dist, &content)?;
    dist.editable = true;
    Ok(())
}

/// Write PEP 610 `direct_url.json` (the JSON text `content`) into the
/// `.dist-info` of `dist`, just installed from a direct reference (a
/// source tree or an archive), and add it to `RECORD`. Both files are
/// written as new files (never through a hard link into a cache).
///
/// # Errors
/// I/O errors.
pub fn record_direct_url(
    venv: &Venv,
    dist: &InstalledDist,
    content: &str,
) -> Result<(), InstallError> {
    let path = dist.dist_info.join("direct_url.json");
    let _ = fs_err::remove_file(&path);
    fs_err::write(&path, content.as_bytes())?;
    let row = record_line(&RecordRow {
        path: relative_path(&venv.site_packages, &path),
        hash: record_hash_bytes(content.as_bytes()),
        size: Some(content.len() as u64),
    });
    let record = dist.dist_info.join("RECORD");
    let mut text = fs_err::read_to_string(&record)?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&row);
    fs_err::remove_file(&record)?;
    fs_err::write(&record, text)?;
    Ok(())
}

/// The PEP 610 `direct_url.json` of an editable install of the project at
/// `project_root` (absolute): `{"url": "file:///abs/project_root",
/// "dir_info": {"editable": true}}`.
///
/// # Errors
/// [`InstallError::InvalidWheel`] when the path cannot be a file URL.
fn editable_direct_url(project_root: &Path) -> Result<String, InstallError> {
    let url =
        url::Url::from_directory_path(project_root).map_err(|()| InstallError::InvalidWheel {
            wheel: project_root.to_path_buf(),
            reason: "cannot express the project path as a file URL".into(),
        })?;
    let url = url.as_str().trim_end_matches('/');
    Ok(serde_json::json!({"url": url, "dir_info": {"editable": true}}).to_string())
}

/// Metadata header values must stay on one line.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).collect::<Vec<_>>().join(" ")
}

/// The `url` of the PEP 610 `direct_url.json` of an installed distribution:
/// where it was installed from when that was a direct reference (a source
/// tree, an archive URL, or an editable project); for a git checkout
/// (`vcs_info`), the PEP 508 form `git+URL@COMMIT[#subdirectory=DIR]`;
/// `None` for an index install or an unreadable file.
pub fn installed_direct_url(dist: &InstalledDist) -> Option<String> {
    let text = fs_err::read_to_string(dist.dist_info.join("direct_url.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let url = value.get("url")?.as_str()?;
    let Some(vcs) = value.get("vcs_info") else {
        return Some(url.to_string());
    };
    let commit = vcs.get("commit_id").and_then(serde_json::Value::as_str)?;
    let mut out = format!("{}+{url}@{commit}", vcs.get("vcs")?.as_str()?);
    if let Some(sub) = value
        .get("subdirectory")
        .and_then(serde_json::Value::as_str)
    {
        out.push_str("#subdirectory=");
        out.push_str(sub);
    }
    Some(out)
}
