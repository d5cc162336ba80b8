//! `envy build`: the project's sdist and wheel through its own build backend
//! (PEP 517/518), like `python -m build`; and wheels built from locked sdists
//! for `sync` and the bundle exports.

use crate::build::{describe_source, unpack, Frontend};
use crate::index::Client;
use crate::lock::{FileEntry, LockedPackage};
use crate::ops::{status, Error, Result, Settings};
use crate::project::Project;
use crate::types::WheelFilename;
use crate::venv::{self, Interpreter};
use pep440_rs::VersionSpecifiers;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

/// Options of `envy build`.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Build the sdist only.
    pub sdist: bool,
    /// Build the wheel only (from the source tree).
    pub wheel: bool,
    /// Where to put the files (default `<source>/dist`).
    pub out_dir: Option<PathBuf>,
    /// The source tree (default: the project directory).
    pub path: Option<PathBuf>,
    /// Interpreter request (`3.12`, a path).
    pub python: Option<String>,
}

/// What `envy build` wrote.
#[derive(Debug)]
pub struct BuildOutcome {
    /// The files, in `out_dir`.
    pub files: Vec<PathBuf>,
}

/// `[project] requires-python` of a source tree, when there is one.
fn requires_python(source: &Path) -> VersionSpecifiers {
    fs_err::read_to_string(source.join("pyproject.toml"))
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .and_then(|d| {
            let rp = d
                .get("project")?
                .get("requires-python")?
                .as_str()?
                .to_string();
            VersionSpecifiers::from_str(&rp).ok()
        })
        .unwrap_or_else(VersionSpecifiers::empty)
}

/// `envy build`: the sdist and a wheel built from it (default), or one of them.
///
/// # Errors
/// No source tree; interpreter, build environment and backend failures.
pub fn build(settings: &Settings, opts: &BuildOptions) -> Result<BuildOutcome> {
    let started = Instant::now();
    let source = match &opts.path {
        Some(p) => settings.project_dir.join(p),
        None => settings.project_dir.clone(),
    };
    let source = std::path::absolute(&source)?;
    if !source.join("pyproject.toml").is_file() && !source.join("setup.py").is_file() {
        return Err(Error::new(format!(
            "`{}` has no `pyproject.toml` or `setup.py` to build",
            source.display()
        ))
        .hint("run `envy build` in a project directory, or pass its path: `envy build PATH`"));
    }
    let out_dir = match &opts.out_dir {
        Some(o) => settings.project_dir.join(o),
        None => source.join("dist"),
    };
    let interp =
        venv::find_interpreter(opts.python.as_deref(), &requires_python(&source), &source)?;
    let project = Project::read(&source).ok();
    let client = settings.client(project.as_ref())?;
    let frontend = Frontend::new(client, interp);
    let label = describe_source(&source);
    let scratch = tempfile::Builder::new().prefix("envy-build-").tempdir()?;
    let staged = scratch.path().join("out");
    let mut built = Vec::new();
    if opts.wheel && !opts.sdist {
        status(
            settings,
            format!("Building wheel of {label} (runs its build backend)"),
        );
        built.push(frontend.build_wheel(&source, &staged)?);
    } else {
        status(
            settings,
            format!("Building sdist of {label} (runs its build backend)"),
        );
        let sdist = frontend.build_sdist(&source, &staged)?;
        built.push(sdist.clone());
        if !opts.sdist {
            let name = sdist
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            status(settings, format!("Building wheel from {name}"));
            let tree = unpack::unpack_sdist(&sdist, &scratch.path().join("unpacked"))?;
            built.push(frontend.build_wheel(&tree, &scratch.path().join("wheel"))?);
        }
    }
    fs_err::create_dir_all(&out_dir)?;
    let mut files = Vec::new();
    for f in built {
        let dest = out_dir.join(f.file_name().unwrap_or_default());
        fs_err::copy(&f, &dest)?;
        files.push(dest);
    }
    let shown: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&settings.project_dir)
                .unwrap_or(f)
                .display()
                .to_string()
        })
        .collect();
    status(
        settings,
        format!(
            "Built {} in {:.2}s",
            shown.join(" and "),
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(BuildOutcome { files })
}

/// Whether `file` is the sdist of `pkg` (what a plan falls back to when no wheel fits).
pub fn is_sdist(pkg: &LockedPackage, file: &FileEntry) -> bool {
    pkg.sdist.as_ref().is_some_and(|s| std::ptr::eq(s, file))
}

/// A wheel of a locked package for `interp`, built from its sdist (downloaded
/// and checked against the lock's sha256), or taken from the built-wheel cache.
/// Says on stderr that the package's build backend runs.
///
/// # Errors
/// Download (hash mismatch), unpack and build failures.
pub fn wheel_from_lock(
    settings: &Settings,
    client: &Arc<Client>,
    pkg: &LockedPackage,
    sdist: &FileEntry,
    interp: &Interpreter,
) -> Result<(PathBuf, WheelFilename)> {
    let frontend = Frontend::new(client.clone(), interp.clone());
    if frontend.cached_wheel(sdist.sha256()).is_none() {
        status(
            settings,
            format!(
                "Building {}=={} from source (runs its build backend)",
                pkg.name, pkg.version
            ),
        );
    } else {
        tracing::info!(
            "{}=={}: using the wheel built from its sdist earlier",
            pkg.name,
            pkg.version
        );
    }
    let path = client.download_url(&sdist.url, sdist.filename(), Some(sdist.sha256()))?;
    Ok(frontend.wheel_from_sdist(&path, sdist.sha256())?)
}

/// A wheel of the local source tree `dir` (a `path` or `editable` direct
/// reference of `pkg`, shown as `shown`), built for `interp` by the tree's own backend: PEP
/// 660 `build_editable` when `editable`, else PEP 517 `build_wheel`. The
/// wheel lives in the returned temporary directory.
///
/// # Errors
/// Build environment and backend failures; a wheel filename that is not
/// valid or names another distribution.
pub fn wheel_from_tree(
    settings: &Settings,
    client: &Arc<Client>,
    pkg: &LockedPackage,
    (dir, shown): (&Path, &str),
    editable: bool,
    interp: &Interpreter,
) -> Result<(tempfile::TempDir, PathBuf, WheelFilename)> {
    let frontend = Frontend::new(client.clone(), interp.clone());
    status(
        settings,
        format!(
            "Building {}{}=={} from `{shown}` (runs its build backend)",
            if editable {
                "an editable wheel of "
            } else {
                ""
            },
            pkg.name,
            pkg.version,
        ),
    );
    let scratch = tempfile::Builder::new().prefix("envy-tree-").tempdir()?;
    let wheel = if editable {
        frontend.build_editable(dir, scratch.path())?
    } else {
        frontend.build_wheel(dir, scratch.path())?
    };
    let name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let filename = WheelFilename::from_str(&name)
        .ok()
        .filter(|f| f.name == pkg.name && f.version == pkg.version)
        .ok_or_else(|| {
            Error::new(format!(
                "the build backend of `{}` made `{name}`, which is not a wheel of `{}=={}` as locked",
                dir.display(),
                pkg.name,
                pkg.version
            ))
            .hint("the source tree changed since it was locked: run `envy lock`")
        })?;
    Ok((scratch, wheel, filename))
}

/// Install the project itself editable through its own build backend (PEP
/// 660 `build_editable`), for projects envy's `.pth` install cannot
/// describe exactly (see [`Project::needs_backend_editable`]): the wheel is
/// installed like any other, then marked editable (PEP 610).
///
/// # Errors
/// Build environment and backend failures; an invalid editable wheel.
pub(crate) fn install_project_with_backend(
    settings: &Settings,
    venv: &venv::Venv,
    project: &Project,
) -> Result<venv::InstalledDist> {
    let client = settings.client(Some(project))?;
    let frontend = Frontend::new(client, venv.interpreter.clone());
    status(
        settings,
        format!(
            "Building an editable wheel of {} (runs its build backend)",
            describe_source(&project.root)
        ),
    );
    let scratch = tempfile::Builder::new()
        .prefix("envy-editable-")
        .tempdir()?;
    let wheel = frontend.build_editable(&project.root, scratch.path())?;
    let name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let filename = WheelFilename::from_str(&name).map_err(|e| {
        Error::new(format!(
            "the build backend of {} made `{name}`, which is not a valid wheel filename: {e}",
            describe_source(&project.root)
        ))
    })?;
    for old in crate::install::installed_named(venv, &project.name)? {
        crate::install::uninstall(venv, &old)?;
    }
    let mut dist = crate::install::install_wheel(
        venv,
        &wheel,
        &filename,
        &crate::install::InstallOptions {
            installer: "envy",
            requested: true,
        },
    )?;
    crate::install::record_editable_origin(venv, &mut dist, &project.root)?;
    Ok(dist)
}
