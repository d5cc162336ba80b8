//! `envy venv [PATH]`: create a bare virtual environment.

use super::{Error, Result, Settings};
use crate::venv::{self, Venv};
use pep440_rs::VersionSpecifiers;
use std::path::PathBuf;

/// Options of `envy venv`.
#[derive(Debug, Clone, Default)]
pub struct VenvOptions {
    /// Where to create it (relative to the project directory); default `.venv`.
    pub path: Option<PathBuf>,
    /// Interpreter request (`3.12`, `python3.12`, a path).
    pub python: Option<String>,
    /// The prompt shown by the activation scripts.
    pub prompt: Option<String>,
}

/// `envy venv`: pick an interpreter (the request, else `.python-version`,
/// else the first that satisfies the project's `requires-python`) and create
/// a venv, replacing an existing venv (never a non-venv directory).
///
/// # Errors
/// No matching interpreter; the path holds something that is not a venv; I/O errors.
pub fn venv(settings: &Settings, opts: &VenvOptions) -> Result<Venv> {
    let rp = if settings.project_dir.join("pyproject.toml").is_file() {
        settings.project()?.requires_python
    } else {
        None
    };
    let rp = rp.unwrap_or_else(VersionSpecifiers::empty);
    let interp = venv::find_interpreter(opts.python.as_deref(), &rp, &settings.project_dir)?;
    let path = settings
        .project_dir
        .join(opts.path.clone().unwrap_or_else(|| PathBuf::from(".venv")));
    venv::create_venv_with_prompt(&path, &interp, opts.prompt.as_deref()).map_err(|e| {
        let not_venv = matches!(e, venv::VenvError::NotAVenv { .. });
        let err: Error = e.into();
        if not_venv {
            err.hint("pick another path, or move that directory out of the way")
        } else {
            err
        }
    })
}
