//! Writing a new project's files (`envy new`, `envy init`, and `envy init`
//! from requirement files), keeping any that exist. The texts come from
//! [`crate::project::scaffold`]; this file picks `requires-python` and
//! writes.

use super::{write_atomic, Error, Result};
use crate::project::scaffold;
use pep440_rs::VersionSpecifiers;
use pep508_rs::PackageName;
use std::path::Path;
use std::str::FromStr;

/// Options of `new` and `init`.
#[derive(Debug, Clone, Default)]
pub struct NewOptions {
    /// The project name (default: the directory name).
    pub name: Option<String>,
    /// Interpreter whose `X.Y` sets `requires-python = ">=X.Y"`.
    pub python: Option<String>,
    /// An explicit `requires-python` instead.
    pub requires_python: Option<String>,
}

/// The `requires-python` to write: `--requires-python`, else `>=X.Y` of the interpreter.
fn requires_python(dir: &Path, opts: &NewOptions) -> Result<String> {
    if let Some(rp) = &opts.requires_python {
        VersionSpecifiers::from_str(rp)
            .map_err(|e| Error::new(format!("invalid `--requires-python` `{rp}`: {e}")))?;
        return Ok(rp.clone());
    }
    let interp =
        crate::venv::find_interpreter(opts.python.as_deref(), &VersionSpecifiers::empty(), dir)?;
    let (major, minor) = interp.python_minor();
    Ok(format!(">={major}.{minor}"))
}

fn write_if_missing(path: &Path, text: &str) -> Result<()> {
    if !path.exists() {
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        write_atomic(path, text.as_bytes())?;
    }
    Ok(())
}

/// Write the project files into `dir`, keeping any that exist, with the
/// default `pyproject.toml`.
///
/// # Errors
/// An invalid name, no interpreter, I/O errors.
pub(crate) fn scaffold(dir: &Path, name: &str, opts: &NewOptions) -> Result<()> {
    scaffold_with(dir, name, opts, &scaffold::default_pyproject)
}

/// Write the project files into `dir`, keeping any that exist;
/// `pyproject_text(name, requires_python)` gives `pyproject.toml`.
///
/// # Errors
/// An invalid name, no interpreter, I/O errors.
pub(crate) fn scaffold_with(
    dir: &Path,
    name: &str,
    opts: &NewOptions,
    pyproject_text: &dyn Fn(&str, &str) -> String,
) -> Result<()> {
    let normalized = PackageName::from_str(name).map_err(|e| {
        Error::new(format!("`{name}` is not a valid project name: {e}"))
            .hint("use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit; pass `--name`")
    })?;
    let rp = requires_python(dir, opts)?;
    let import_name = scaffold::import_name(normalized.as_ref());
    fs_err::create_dir_all(dir)?;
    write_if_missing(&dir.join("README.md"), &scaffold::readme(name))?;
    write_if_missing(
        &dir.join("src").join(&import_name).join("__init__.py"),
        &scaffold::package_init(name),
    )?;
    fs_err::create_dir_all(dir.join("tests"))?;
    let gitignore = dir.join(".gitignore");
    if let Some(text) = scaffold::gitignore(fs_err::read_to_string(&gitignore).ok().as_deref()) {
        write_atomic(&gitignore, text.as_bytes())?;
    }
    // pyproject.toml last: its presence means the scaffold is complete.
    write_atomic(
        &dir.join("pyproject.toml"),
        pyproject_text(name, &rp).as_bytes(),
    )?;
    Ok(())
}
