//! Python interpreters and PEP 405 virtual environments.
//!
//! - [`find_interpreter`] / [`Interpreter::query`]: discovery and a one-subprocess probe
//!   that yields the PEP 508 marker environment and the wheel [`Tags`].
//! - [`venv_misfit`]: whether an existing venv's interpreter still fits the request
//!   (`--python`, `.python-version`) and `requires-python`; requests match by version
//!   components (`3.12` is not 3.1 or 3.11).
//! - [`create_venv`] / [`open_venv`]: pure-Rust venv creation (pyvenv.cfg, interpreter
//!   links, activation scripts) and opening an existing one.
//! - [`installed_distributions`]: the `*.dist-info` directories (PEP 376/627) in a venv.
//! - [`sync_stamp`]: `.venv/.envy-sync-stamp`, the digest that lets a no-op sync return early.

mod create;
mod discover;
mod request;
pub mod sync_stamp;
pub mod tags;

pub use create::{create_venv, create_venv_with_prompt};
pub use discover::{candidate_paths, find_interpreter, set_query_cache, Candidate, Interpreter};
pub use request::{python_version_request, request_matches, venv_misfit, Misfit};
pub use tags::Tags;

use pep440_rs::Version;
use pep508_rs::PackageName;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Errors from interpreter discovery and venv handling.
#[derive(Debug, thiserror::Error)]
pub enum VenvError {
    /// An interpreter could not be run or gave unusable answers.
    #[error("failed to query the Python interpreter at `{}`: {reason}", python.display())]
    Query {
        /// The executable that was run.
        python: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// No interpreter satisfied the request and `requires-python`.
    #[error(
        "no Python interpreter satisfies {required}; looked at:{}",
        discover::render_candidates(.tried)
    )]
    NoInterpreter {
        /// What was required, in words.
        required: String,
        /// Every interpreter looked at.
        tried: Vec<Candidate>,
    },
    /// A `--python` or `.python-version` request that cannot be understood.
    #[error("invalid Python request `{request}`: {reason}")]
    InvalidRequest {
        /// The request text.
        request: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A path exists where a venv should go, and it is not a venv.
    #[error("refusing to replace `{}`: {reason}", path.display())]
    NotAVenv {
        /// The directory.
        path: PathBuf,
        /// Why it is not replaced.
        reason: String,
    },
    /// A venv exists but is unusable (e.g. its base interpreter was removed).
    #[error("the virtual environment at `{}` is broken: {reason}", root.display())]
    BrokenVenv {
        /// The venv root.
        root: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Filesystem error (the message names the file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A PEP 405 virtual environment on disk.
#[derive(Debug, Clone)]
pub struct Venv {
    /// The venv directory (absolute), holding `pyvenv.cfg`.
    pub root: PathBuf,
    /// The scripts directory: `root/bin` (`root\Scripts` on Windows).
    pub bin: PathBuf,
    /// The venv's interpreter: `bin/python`.
    pub python: PathBuf,
    /// `purelib` = `platlib`: `root/lib/pythonX.Y/site-packages`.
    pub site_packages: PathBuf,
    /// The (base) interpreter the venv runs.
    pub interpreter: Interpreter,
}

impl Venv {
    /// Assemble the paths of a venv at `root` (absolute) for `interpreter`; no I/O.
    pub fn from_parts(root: &Path, interpreter: Interpreter) -> Venv {
        let bin = root.join(if cfg!(windows) { "Scripts" } else { "bin" });
        let python = bin.join(if cfg!(windows) {
            "python.exe"
        } else {
            "python"
        });
        let site_packages = root.join(&interpreter.purelib_rel);
        Venv {
            root: root.to_path_buf(),
            bin,
            python,
            site_packages,
            interpreter,
        }
    }
}

/// Open the venv at `root`.
///
/// Returns `Ok(None)` when `root/pyvenv.cfg` does not exist; otherwise queries
/// `root/bin/python` (one subprocess).
///
/// # Errors
/// [`VenvError::BrokenVenv`] when the venv's python cannot be run (e.g. its base
/// interpreter was uninstalled); I/O errors.
pub fn open_venv(root: &Path) -> Result<Option<Venv>, VenvError> {
    let root = std::path::absolute(root)?;
    if !root.join("pyvenv.cfg").is_file() {
        return Ok(None);
    }
    let bin = root.join(if cfg!(windows) { "Scripts" } else { "bin" });
    let python = bin.join(if cfg!(windows) {
        "python.exe"
    } else {
        "python"
    });
    let interpreter = Interpreter::query(&python).map_err(|e| VenvError::BrokenVenv {
        root: root.clone(),
        reason: e.to_string(),
    })?;
    Ok(Some(Venv::from_parts(&root, interpreter)))
}

/// An installed distribution: one `{name}-{version}.dist-info` directory (PEP 376/627).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledDist {
    /// Normalized name (from `METADATA` `Name`).
    pub name: PackageName,
    /// Version (from `METADATA` `Version`).
    pub version: Version,
    /// Absolute path of the `.dist-info` directory.
    pub dist_info: PathBuf,
    /// Installed in editable mode (PEP 610 `direct_url.json` with `dir_info.editable`).
    pub editable: bool,
}

/// Every distribution installed in `venv`'s site-packages, sorted by name.
///
/// Reads only the header of each `METADATA` (up to the first blank line); falls back to
/// the directory name `{name}-{version}.dist-info` when `METADATA` is missing or
/// incomplete. Directories whose name and version cannot be determined are skipped.
///
/// # Errors
/// I/O errors reading site-packages or a `METADATA` file.
pub fn installed_distributions(venv: &Venv) -> Result<Vec<InstalledDist>, VenvError> {
    let mut out = Vec::new();
    let rd = match fs_err::read_dir(&venv.site_packages) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e.into()),
    };
    for entry in rd {
        let entry = entry?;
        let file_name = entry.file_name();
        let Some(dir_name) = file_name.to_str() else {
            continue;
        };
        let Some(stem) = dir_name.strip_suffix(".dist-info") else {
            continue;
        };
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if let Some(dist) = read_dist_info(&path, stem)? {
            out.push(dist);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
    Ok(out)
}

/// Read one `.dist-info` directory (`stem` is its name without `.dist-info`).
pub(crate) fn read_dist_info(path: &Path, stem: &str) -> Result<Option<InstalledDist>, VenvError> {
    let (mut name, mut version) = (None, None);
    match fs_err::File::open(path.join("METADATA")) {
        Ok(f) => {
            for line in BufReader::new(f).lines() {
                let line = line?;
                if line.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    let v = v.trim();
                    if k.eq_ignore_ascii_case("name") {
                        name = PackageName::from_str(v).ok();
                    } else if k.eq_ignore_ascii_case("version") {
                        version = Version::from_str(v).ok();
                    }
                }
                if name.is_some() && version.is_some() {
                    break;
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    if name.is_none() || version.is_none() {
        if let Some((n, v)) = stem.rsplit_once('-') {
            name = name.or_else(|| PackageName::from_str(n).ok());
            version = version.or_else(|| Version::from_str(v).ok());
        }
    }
    let (Some(name), Some(version)) = (name, version) else {
        tracing::warn!("skipping `{}`: no name or version", path.display());
        return Ok(None);
    };
    let editable = match fs_err::read_to_string(path.join("direct_url.json")) {
        Ok(s) => serde_json::from_str::<serde_json::Value>(&s)
            .ok()
            .and_then(|v| v.get("dir_info")?.get("editable")?.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    };
    Ok(Some(InstalledDist {
        name,
        version,
        dist_info: path.to_path_buf(),
        editable,
    }))
}
