//! `envy new` and `envy init`: scaffold a PEP 621 project with a PEP 735
//! `dev` group, a hatchling build backend and a `src/` layout.

use super::{status, write_atomic, Error, Result, Settings};
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

fn pyproject(name: &str, requires_python: &str) -> String {
    format!(
        r#"[project]
name = "{name}"
version = "0.1.0"
description = "Add your description here"
readme = "README.md"
requires-python = "{requires_python}"
dependencies = []

[dependency-groups]
dev = []

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"#
    )
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
fn scaffold(dir: &Path, name: &str, opts: &NewOptions) -> Result<()> {
    scaffold_with(dir, name, opts, &pyproject)
}

/// Write the project files into `dir`, keeping any that exist;
/// `pyproject_text(name, requires_python)` gives `pyproject.toml`.
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
    let import_name = normalized.as_ref().replace('-', "_");
    fs_err::create_dir_all(dir)?;
    write_if_missing(&dir.join("README.md"), &format!("# {name}\n"))?;
    write_if_missing(
        &dir.join("src").join(&import_name).join("__init__.py"),
        &format!(
            "\"\"\"{name}.\"\"\"\n\n\ndef main() -> None:\n    print(\"Hello from {name}!\")\n"
        ),
    )?;
    fs_err::create_dir_all(dir.join("tests"))?;
    let gitignore = dir.join(".gitignore");
    match fs_err::read_to_string(&gitignore) {
        Ok(text)
            if text
                .lines()
                .any(|l| l.trim() == ".venv/" || l.trim() == ".venv") => {}
        Ok(text) => {
            let sep = if text.ends_with('\n') || text.is_empty() {
                ""
            } else {
                "\n"
            };
            write_atomic(&gitignore, format!("{text}{sep}.venv/\n").as_bytes())?;
        }
        Err(_) => write_atomic(&gitignore, b".venv/\n__pycache__/\n*.egg-info/\ndist/\n")?,
    }
    // pyproject.toml last: its presence means the scaffold is complete.
    write_atomic(
        &dir.join("pyproject.toml"),
        pyproject_text(name, &rp).as_bytes(),
    )?;
    Ok(())
}

/// `envy new NAME`: create `NAME/` with a new project.
///
/// # Errors
/// When `NAME` exists and is not empty, the name is invalid, or no
/// interpreter is found.
pub fn new(settings: &Settings, path: &str, opts: &NewOptions) -> Result<()> {
    let dir = settings.project_dir.join(path);
    if dir.exists()
        && fs_err::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::new(format!(
            "`{}` already exists and is not empty",
            dir.display()
        ))
        .hint(
            "pick another name, or run `envy init` inside that directory to keep what is there",
        ));
    }
    let name = match &opts.name {
        Some(n) => n.clone(),
        None => dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                Error::new(format!("cannot take a project name from `{path}`"))
                    .hint("pass `--name`")
            })?,
    };
    scaffold(&dir, &name, opts)?;
    status(
        settings,
        format!("Created project `{name}` at {}", dir.display()),
    );
    Ok(())
}

/// `envy init`: make the current directory a project, keeping existing files.
///
/// A Poetry `pyproject.toml` is converted in place; `requirements.txt`
/// (and a dev requirements file) become the new project's dependencies.
///
/// # Errors
/// When a non-Poetry `pyproject.toml` exists already, a conversion fails,
/// the name is invalid, or no interpreter is found.
pub fn init(settings: &Settings, opts: &NewOptions) -> Result<()> {
    let dir = &settings.project_dir;
    if dir.join("pyproject.toml").exists() {
        return super::migrate::from_pyproject(settings, opts);
    }
    let name = project_name(dir, opts)?;
    if super::migrate::from_requirements(settings, &name, opts)? {
        return Ok(());
    }
    scaffold(dir, &name, opts)?;
    status(settings, format!("Initialized project `{name}`"));
    Ok(())
}

/// `--name`, else the directory's name.
fn project_name(dir: &Path, opts: &NewOptions) -> Result<String> {
    Ok(match &opts.name {
        Some(n) => n.clone(),
        None => fs_err::canonicalize(dir)?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                Error::new("cannot take a project name from this directory").hint("pass `--name`")
            })?,
    })
}
