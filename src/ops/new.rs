//! `envy new` and `envy init`: scaffold a PEP 621 project with a PEP 735
//! `dev` group, a hatchling build backend and a `src/` layout (written by
//! [`super::scaffold`]), or hand `init` to [`super::migrate`] when there is
//! something to import.

use super::scaffold::scaffold;
pub use super::scaffold::NewOptions;
use super::{status, Error, Result, Settings};
use std::path::Path;

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
/// A Poetry `pyproject.toml` is converted in place; a setuptools project
/// (`setup.py`/`setup.cfg`) gets `[project]` from its backend's metadata;
/// `requirements.txt` (and a dev requirements file) become the new
/// project's dependencies.
///
/// # Errors
/// When a non-Poetry `pyproject.toml` exists already, a conversion fails,
/// the name is invalid, or no interpreter is found.
pub fn init(settings: &Settings, opts: &NewOptions) -> Result<()> {
    let dir = &settings.project_dir;
    if dir.join("pyproject.toml").exists() {
        return super::migrate::from_pyproject(settings, opts);
    }
    if super::migrate::setuptools_files(dir).is_some() {
        return super::migrate::from_setuptools(settings, opts, None);
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
