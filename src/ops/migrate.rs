//! `envy init` in an existing project: convert a Poetry `pyproject.toml` in
//! place, write `[project]` for a setuptools project (`setup.py`/`setup.cfg`)
//! from the metadata its backend reports, or turn `requirements.txt` files
//! into a new `pyproject.toml`.
//! The conversions themselves live in [`crate::project::migrate`].

use super::scaffold::{scaffold_with, NewOptions};
use super::{status, write_atomic, Error, Result, Settings};
use crate::project::migrate::{self, PoetryState};
use std::path::{Path, PathBuf};

/// Main requirement files, best first (`.in` files are pip-tools' inputs).
const MAIN_FILES: &[&str] = &[
    "requirements.in",
    "requirements.txt",
    "requirements/base.in",
    "requirements/base.txt",
    "requirements/main.txt",
    "requirements/prod.txt",
];

/// Dev requirement files, best first.
const DEV_FILES: &[&str] = &[
    "requirements-dev.in",
    "requirements-dev.txt",
    "dev-requirements.in",
    "dev-requirements.txt",
    "requirements/dev.in",
    "requirements/dev.txt",
];

fn warn(settings: &Settings, message: &str) {
    status(settings, format!("warning: {message}"));
}

/// `envy init` where `pyproject.toml` exists: convert a Poetry project,
/// refuse anything else.
///
/// # Errors
/// A `pyproject.toml` that is not a Poetry project, one that already has
/// `[project]`, or constraints that cannot be translated.
pub fn from_pyproject(settings: &Settings, opts: &NewOptions) -> Result<()> {
    let dir = &settings.project_dir;
    let path = dir.join("pyproject.toml");
    let text = fs_err::read_to_string(&path)?;
    let doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| {
        Error::new(format!("{} is not valid TOML: {e}", path.display()))
            .hint("fix `pyproject.toml`; envy changed nothing")
    })?;
    match migrate::poetry_state(&doc) {
        None if !doc.contains_key("project") && setuptools_files(dir).is_some() => {
            return from_setuptools(settings, opts, Some(text));
        }
        None => {
            return Err(Error::new(format!(
                "`{}` already has a `pyproject.toml`",
                dir.display()
            ))
            .hint("edit it with `envy add` / `envy remove`, or remove it first"))
        }
        Some(PoetryState::AlreadyPep621) => {
            return Err(Error::new(
                "`pyproject.toml` already has a PEP 621 `[project]` table next to `[tool.poetry]`",
            )
            .hint("there is nothing to convert: use `envy lock` / `envy sync` directly"))
        }
        Some(PoetryState::Convertible) => {}
    }
    if opts.name.is_some() || opts.python.is_some() || opts.requires_python.is_some() {
        warn(
            settings,
            "`--name`, `--python` and `--requires-python` are ignored when converting `[tool.poetry]`",
        );
    }
    let converted = migrate::convert_poetry(&text).map_err(|e| {
        Error::new(format!("cannot convert `[tool.poetry]`: {e}"))
            .hint("fix that entry in `[tool.poetry]` (or write `[project]` by hand); envy changed nothing")
    })?;
    for w in &converted.warnings {
        warn(settings, w);
    }
    write_atomic(&path, converted.text.as_bytes())?;
    status(
        settings,
        "Converted `[tool.poetry]` to PEP 621 `[project]` and PEP 735 `[dependency-groups]` in pyproject.toml",
    );
    let backend = doc
        .get("build-system")
        .and_then(|b| b.get("build-backend"))
        .and_then(toml_edit::Item::as_str)
        .unwrap_or("");
    if backend.starts_with("poetry") {
        status(
            settings,
            "The `[tool.poetry]` tables are now unused by envy; `[build-system]` still uses poetry-core, which reads them for builds (poetry-core >= 2 reads `[project]`): remove them once you switch backends or upgrade poetry-core",
        );
    } else {
        status(
            settings,
            "The `[tool.poetry]` tables are now unused and can be removed",
        );
    }
    Ok(())
}

/// The setuptools files describing a package in `dir` (see
/// [`crate::project::setuptools_files`]), quoted for messages.
pub(crate) fn setuptools_files(dir: &Path) -> Option<String> {
    let found = crate::project::setuptools_files(dir);
    (!found.is_empty()).then(|| {
        found
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(" and ")
    })
}

/// `envy init` in a setuptools project (`setup.py`/`setup.cfg` and no
/// `[project]`): ask the backend for the core metadata (PEP 517
/// `prepare_metadata_for_build_wheel`), then write `[project]` from it into
/// `existing` (the current `pyproject.toml` text) or a new file. Setuptools
/// stays the build backend; nothing is scaffolded, so no `src/` stub can
/// shadow the project's own packages.
///
/// # Errors
/// No interpreter, a failing backend, unusable metadata; nothing is written then.
pub fn from_setuptools(
    settings: &Settings,
    opts: &NewOptions,
    existing: Option<String>,
) -> Result<()> {
    let dir = &settings.project_dir;
    let files = setuptools_files(dir).unwrap_or_else(|| "`setup.py`".to_string());
    let source = std::path::absolute(dir)?;
    let interp = crate::venv::find_interpreter(
        opts.python.as_deref(),
        &pep440_rs::VersionSpecifiers::empty(),
        &source,
    )?;
    if opts.name.is_some() {
        warn(
            settings,
            &format!("`--name` is ignored: the name comes from {files}"),
        );
    }
    let default_requires_python = match &opts.requires_python {
        Some(rp) => rp.clone(),
        None => {
            let (major, minor) = interp.python_minor();
            format!(">={major}.{minor}")
        }
    };
    status(
        settings,
        format!("Reading the project's metadata from {files} (runs its build backend)"),
    );
    let client = settings.client(None)?;
    let frontend = crate::build::Frontend::new(client, interp);
    let metadata = frontend.prepare_metadata(&source)?;
    let imported =
        migrate::setuptools_pyproject(existing.as_deref(), &metadata, &default_requires_python)
            .map_err(|e| {
                Error::new(e.to_string())
                    .hint("fix the project's metadata in setup.py/setup.cfg; envy changed nothing")
            })?;
    write_atomic(&dir.join("pyproject.toml"), imported.text.as_bytes())?;
    let gitignore = dir.join(".gitignore");
    if let Some(text) =
        crate::project::scaffold::gitignore(fs_err::read_to_string(&gitignore).ok().as_deref())
    {
        write_atomic(&gitignore, text.as_bytes())?;
    }
    status(
        settings,
        format!(
            "Initialized project `{}` {} from {files} with {} and {}; setuptools stays its build backend",
            imported.name,
            imported.version,
            super::count(imported.dependencies, "dependency", "dependencies"),
            super::count(imported.extras, "extra", "extras"),
        ),
    );
    warn(
        settings,
        &format!("`[project]` in pyproject.toml now sets the name, version, requires-python and dependencies; setuptools ignores the same fields in {files} (`install_requires`, `extras_require`, `python_requires`, `version`): edit dependencies with `envy add`/`envy remove`, and remove those arguments from {files}"),
    );
    Ok(())
}

fn first_existing(dir: &Path, candidates: &[&str]) -> Option<PathBuf> {
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| dir.join(p).is_file())
}

/// `envy init` with requirement files and no `pyproject.toml`: write one
/// from them. Returns `false` when there are no requirement files.
///
/// # Errors
/// Unreadable requirement files, an invalid name, no interpreter.
pub fn from_requirements(settings: &Settings, name: &str, opts: &NewOptions) -> Result<bool> {
    let dir = &settings.project_dir;
    let main = first_existing(dir, MAIN_FILES);
    let dev = first_existing(dir, DEV_FILES);
    if main.is_none() && dev.is_none() {
        return Ok(false);
    }
    let read = |p: &Path| fs_err::read_to_string(dir.join(p));
    let to_error = |e: migrate::MigrateError| {
        Error::new(e.to_string()).hint("fix the `-r` line or create the file; envy changed nothing")
    };
    let (main_reqs, seen) = match &main {
        Some(p) => migrate::read_requirements(p, &[], &read).map_err(to_error)?,
        None => Default::default(),
    };
    let dev_reqs = match &dev {
        Some(p) => {
            migrate::read_requirements(p, &seen, &read)
                .map_err(to_error)?
                .0
        }
        None => Default::default(),
    };
    for w in main_reqs.warnings.iter().chain(&dev_reqs.warnings) {
        warn(settings, w);
    }
    let deps = main_reqs.requirements.clone();
    let dev_list = dev_reqs.requirements.clone();
    scaffold_with(dir, name, opts, &|name: &str, rp: &str| {
        migrate::requirements_pyproject(name, rp, &deps, &dev_list)
    })?;
    let from: Vec<String> = main
        .iter()
        .chain(dev.iter())
        .map(|p| format!("`{}`", p.display()))
        .collect();
    status(
        settings,
        format!(
            "Initialized project `{name}` with {} dependencies and {} dev dependencies from {}",
            main_reqs.requirements.len(),
            dev_reqs.requirements.len(),
            from.join(" and ")
        ),
    );
    Ok(true)
}
