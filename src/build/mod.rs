//! The build frontend: PEP 517 (build backends and their hooks), PEP 518
//! (`[build-system] requires`, isolated build environments) and PEP 660
//! (editable wheels).
//!
//! - [`Frontend`]: builds sdists, wheels, editable wheels and metadata of a
//!   source tree, each in an isolated build environment ([`env`]) made of
//!   wheels envy resolves, downloads (hash-checked) and installs itself.
//! - The hooks run in a subprocess of the build environment's python through
//!   a small embedded driver script (`driver.py`), with the source tree as
//!   the working directory; the backend's output is captured and its tail is
//!   shown when it fails.
//! - [`unpack::unpack_sdist`]: safe sdist unpacking.
//! - [`metadata_hook`]: core metadata of sdist-only versions for the
//!   resolver (PEP 643 PKG-INFO when trustworthy, else the backend's
//!   `prepare_metadata_for_build_wheel`).
//!
//! This module runs the packages' own build code. It prints nothing: callers
//! (`ops`) say when something is built from source.
//!
//! Cache layout under the cache root: `build-envs-v1/<hash>/` (a build
//! environment, keyed by the resolved set and the interpreter; `requests/`
//! maps requirement lists to it for a week), `built-wheels-v1/<sdist sha256>/<tag>/`
//! (wheels built from sdists), `built-metadata-v1/<sdist sha256>.metadata`.

pub mod env;
mod metadata;
pub mod unpack;

pub use metadata::{metadata_hook, Notify};

use crate::index::{Client, IndexError};
use crate::install::InstallError;
use crate::types::WheelFilename;
use crate::venv::{Interpreter, Venv, VenvError};
use pep508_rs::Requirement;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// The embedded hook driver (written to a temp file for each call).
const DRIVER: &str = include_str!("driver.py");

/// Lines of backend output shown when a build fails.
const TAIL_LINES: usize = 30;

/// The default build requirements and backend when a source tree has no
/// `[build-system]` (PEP 517 "legacy" fallback, PEP 518 defaults).
pub const DEFAULT_REQUIRES: &str = "setuptools>=40.8.0";
/// The backend used when `[build-system]` names none (PEP 517).
pub const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A hook of the backend failed (the package's own build code).
    #[error("failed to build `{package}`: the `{hook}` hook of `{backend}` {status}; the last lines of its output:\n{tail}")]
    Backend {
        /// `name==version` or the source directory.
        package: String,
        /// The PEP 517 hook.
        hook: String,
        /// The `build-backend` value.
        backend: String,
        /// How the process ended, in words.
        status: String,
        /// The last lines of the backend's output, indented.
        tail: String,
    },
    /// The backend could not be loaded.
    #[error("failed to build `{package}`: {reason}\n{tail}")]
    BackendUnavailable {
        /// `name==version` or the source directory.
        package: String,
        /// What went wrong.
        reason: String,
        /// The last lines of output, indented.
        tail: String,
    },
    /// The backend lacks a mandatory hook, or returned nonsense.
    #[error("failed to build `{package}`: {reason}")]
    BadBackend {
        /// `name==version` or the source directory.
        package: String,
        /// What went wrong.
        reason: String,
    },
    /// `pyproject.toml` (its `[build-system]` table) is invalid.
    #[error("invalid `[build-system]` in `{}`: {reason}", path.display())]
    BuildSystem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The build requirements cannot be resolved or installed.
    #[error("cannot set up the build environment of `{package}`: {reason}")]
    Requirements {
        /// `name==version` or the source directory.
        package: String,
        /// What went wrong.
        reason: String,
    },
    /// An sdist entry would be written outside the unpack directory.
    #[error("refusing to unpack `{}`: the entry `{entry}` leaves the directory", sdist.display())]
    UnsafeArchive {
        /// The sdist.
        sdist: PathBuf,
        /// The offending entry.
        entry: String,
    },
    /// The index failed (downloads of build requirements or sdists).
    #[error(transparent)]
    Index(#[from] IndexError),
    /// Installing into the build environment failed.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// Creating the build environment failed.
    #[error(transparent)]
    Venv(#[from] VenvError),
    /// Filesystem error (the message names the file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// The `[build-system]` of a source tree (PEP 517/518).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSystem {
    /// `requires`: what the build environment holds.
    pub requires: Vec<Requirement>,
    /// `build-backend` (`module:object`).
    pub backend: String,
    /// `backend-path`: directories (relative to the tree) put first on `sys.path`.
    pub backend_path: Vec<String>,
}

impl BuildSystem {
    /// Read `source/pyproject.toml`: its `[build-system]`, or the defaults
    /// (`setuptools>=40.8.0` and the legacy setuptools backend) when there is
    /// no file or no table.
    ///
    /// # Errors
    /// [`BuildError::BuildSystem`] for invalid values, unparsable TOML, and a
    /// `backend-path` that leaves the source tree.
    pub fn read(source: &Path) -> Result<BuildSystem, BuildError> {
        let path = source.join("pyproject.toml");
        let invalid = |reason: String| BuildError::BuildSystem {
            path: path.clone(),
            reason,
        };
        let default_requires = || -> Result<Vec<Requirement>, BuildError> {
            Ok(vec![Requirement::from_str(DEFAULT_REQUIRES)
                .map_err(|e| BuildError::Other(e.to_string()))?])
        };
        let text = match fs_err::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(BuildSystem {
                    requires: default_requires()?,
                    backend: LEGACY_BACKEND.to_string(),
                    backend_path: Vec::new(),
                })
            }
            Err(e) => return Err(e.into()),
        };
        let doc: toml::Table = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let Some(bs) = doc.get("build-system") else {
            return Ok(BuildSystem {
                requires: default_requires()?,
                backend: LEGACY_BACKEND.to_string(),
                backend_path: Vec::new(),
            });
        };
        let bs = bs
            .as_table()
            .ok_or_else(|| invalid("`build-system` is not a table".into()))?;
        let strings = |key: &str| -> Result<Option<Vec<String>>, BuildError> {
            match bs.get(key) {
                None => Ok(None),
                Some(v) => v
                    .as_array()
                    .and_then(|a| {
                        a.iter()
                            .map(|x| x.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                    })
                    .map(Some)
                    .ok_or_else(|| invalid(format!("`{key}` must be a list of strings"))),
            }
        };
        let requires = strings("requires")?
            .ok_or_else(|| invalid("`requires` is missing (PEP 518)".into()))?
            .iter()
            .map(|r| {
                Requirement::from_str(r)
                    .map_err(|e| invalid(format!("`requires` entry `{r}`: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let backend = match bs.get("build-backend") {
            None => LEGACY_BACKEND.to_string(),
            Some(v) => v
                .as_str()
                .ok_or_else(|| invalid("`build-backend` must be a string".into()))?
                .to_string(),
        };
        let backend_path = strings("backend-path")?.unwrap_or_default();
        for p in &backend_path {
            let inside = !Path::new(p).is_absolute()
                && Path::new(p)
                    .components()
                    .try_fold(0i64, |depth, c| {
                        let d = match c {
                            std::path::Component::ParentDir => depth - 1,
                            std::path::Component::Normal(_) => depth + 1,
                            _ => depth,
                        };
                        (d >= 0).then_some(d)
                    })
                    .is_some();
            if !inside {
                return Err(invalid(format!(
                    "`backend-path` entry `{p}` is outside the source tree (PEP 517)"
                )));
            }
        }
        Ok(BuildSystem {
            requires,
            backend,
            backend_path,
        })
    }
}

/// `name==version` from `[project]` when both are static, else the directory name.
pub fn describe_source(source: &Path) -> String {
    let from_pyproject = fs_err::read_to_string(source.join("pyproject.toml"))
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .and_then(|d| {
            let p = d.get("project")?.as_table()?;
            Some(format!(
                "{}=={}",
                p.get("name")?.as_str()?,
                p.get("version")?.as_str()?
            ))
        });
    from_pyproject.unwrap_or_else(|| {
        source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| source.display().to_string())
    })
}

/// Which distribution a hook call is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Wheel,
    Sdist,
    Editable,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Wheel => "wheel",
            Kind::Sdist => "sdist",
            Kind::Editable => "editable",
        }
    }
}

/// A PEP 517 build frontend for one target interpreter.
pub struct Frontend {
    client: Arc<Client>,
    interpreter: Interpreter,
    cache_root: PathBuf,
}

impl Frontend {
    /// A frontend that builds for `interpreter`, fetching build requirements
    /// through `client` and caching under the client's cache root.
    pub fn new(client: Arc<Client>, interpreter: Interpreter) -> Self {
        let cache_root = client.cache().root().to_path_buf();
        Self {
            client,
            interpreter,
            cache_root,
        }
    }

    /// The interpreter builds target.
    pub fn interpreter(&self) -> &Interpreter {
        &self.interpreter
    }

    /// A build environment (PEP 518) for `source` and the distribution kind:
    /// `requires`, plus what `get_requires_for_build_<kind>` returns.
    fn prepare(
        &self,
        source: &Path,
        kind: Kind,
    ) -> Result<(BuildSystem, Venv, String), BuildError> {
        let label = describe_source(source);
        let bs = BuildSystem::read(source)?;
        let base = env::build_env(
            &self.client,
            &self.cache_root,
            &self.interpreter,
            &bs.requires,
            &label,
        )?;
        let hook = format!("get_requires_for_build_{}", kind.name());
        let extra = match self.call(&base, source, &bs, &hook, &serde_json::json!([]), &label)? {
            None => Vec::new(),
            Some(v) => {
                serde_json::from_value::<Vec<String>>(v).map_err(|e| BuildError::BadBackend {
                    package: label.clone(),
                    reason: format!("`{hook}` did not return a list of strings: {e}"),
                })?
            }
        };
        if extra.is_empty() {
            return Ok((bs, base, label));
        }
        let mut all = bs.requires.clone();
        for r in &extra {
            all.push(
                Requirement::from_str(r).map_err(|e| BuildError::BadBackend {
                    package: label.clone(),
                    reason: format!(
                        "`{hook}` returned `{r}`, which is not a PEP 508 requirement: {e}"
                    ),
                })?,
            );
        }
        let venv = env::build_env(
            &self.client,
            &self.cache_root,
            &self.interpreter,
            &all,
            &label,
        )?;
        Ok((bs, venv, label))
    }

    /// Call `hook` with positional `args` in `venv`; `None` when the backend
    /// does not define it (an optional hook).
    fn call(
        &self,
        venv: &Venv,
        source: &Path,
        bs: &BuildSystem,
        hook: &str,
        args: &serde_json::Value,
        label: &str,
    ) -> Result<Option<serde_json::Value>, BuildError> {
        let scratch = tempfile::Builder::new().prefix("envy-hook-").tempdir()?;
        let driver = scratch.path().join("envy_pep517_driver.py");
        fs_err::write(&driver, DRIVER)?;
        let result_file = scratch.path().join("result.json");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![venv.bin.clone()];
        paths.extend(std::env::split_paths(&path));
        let started = std::time::Instant::now();
        let out = std::process::Command::new(&venv.python)
            .arg(&driver)
            .arg(&bs.backend)
            .arg(serde_json::to_string(&bs.backend_path).unwrap_or_else(|_| "[]".into()))
            .arg(hook)
            .arg(args.to_string())
            .arg(&result_file)
            .current_dir(source)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONSTARTUP")
            .env("PYTHONNOUSERSITE", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("VIRTUAL_ENV", &venv.root)
            .env(
                "PATH",
                std::env::join_paths(paths).map_err(|e| BuildError::Other(e.to_string()))?,
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .map_err(|e| {
                BuildError::Other(format!("cannot run `{}`: {e}", venv.python.display()))
            })?;
        let output = String::from_utf8_lossy(&out.stderr).into_owned();
        tracing::debug!(
            "{label}: `{hook}` of `{}` took {:.2}s; its output:\n{output}",
            bs.backend,
            started.elapsed().as_secs_f64()
        );
        let result: Option<serde_json::Value> = fs_err::read(&result_file)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        if let Some(reason) = result
            .as_ref()
            .and_then(|r| r.get("unavailable"))
            .and_then(|v| v.as_str())
        {
            return Err(BuildError::BackendUnavailable {
                package: label.to_string(),
                reason: format!("{reason} (is it in `[build-system] requires`?)"),
                tail: tail(&output),
            });
        }
        if !out.status.success() || result.is_none() {
            let status = match out.status.code() {
                Some(c) => format!("exited with status {c}"),
                None => "was killed by a signal".to_string(),
            };
            return Err(BuildError::Backend {
                package: label.to_string(),
                hook: hook.to_string(),
                backend: bs.backend.clone(),
                status,
                tail: tail(&output),
            });
        }
        let result = result.unwrap_or_default();
        if result.get("missing").is_some() {
            return Ok(None);
        }
        Ok(Some(result.get("result").cloned().unwrap_or_default()))
    }

    /// Run a mandatory `build_*` hook writing into `out_dir`; returns the file.
    fn build(&self, source: &Path, kind: Kind, out_dir: &Path) -> Result<PathBuf, BuildError> {
        let (bs, venv, label) = self.prepare(source, kind)?;
        fs_err::create_dir_all(out_dir)?;
        let out_abs = std::path::absolute(out_dir)?;
        let hook = format!("build_{}", kind.name());
        let args = serde_json::json!([out_abs.to_string_lossy()]);
        let name = self
            .call(&venv, source, &bs, &hook, &args, &label)?
            .ok_or_else(|| BuildError::BadBackend {
                package: label.clone(),
                reason: match kind {
                    Kind::Editable => format!(
                        "its backend `{}` has no `build_editable` hook (PEP 660)",
                        bs.backend
                    ),
                    _ => format!(
                        "its backend `{}` has no `{hook}` hook (PEP 517)",
                        bs.backend
                    ),
                },
            })?;
        let name = name
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| BuildError::BadBackend {
                package: label.clone(),
                reason: format!("`{hook}` returned `{name}`, not a file name"),
            })?;
        let path = out_abs.join(&name);
        if name.contains('/') || name.contains('\\') || !path.is_file() {
            return Err(BuildError::BadBackend {
                package: label,
                reason: format!("`{hook}` returned `{name}`, which it did not write"),
            });
        }
        Ok(path)
    }

    /// Build a wheel of `source` into `out_dir` (PEP 517 `build_wheel`).
    ///
    /// # Errors
    /// Build environment and backend failures ([`BuildError`]).
    pub fn build_wheel(&self, source: &Path, out_dir: &Path) -> Result<PathBuf, BuildError> {
        self.build(source, Kind::Wheel, out_dir)
    }

    /// Build an sdist of `source` into `out_dir` (PEP 517 `build_sdist`).
    ///
    /// # Errors
    /// As [`Frontend::build_wheel`].
    pub fn build_sdist(&self, source: &Path, out_dir: &Path) -> Result<PathBuf, BuildError> {
        self.build(source, Kind::Sdist, out_dir)
    }

    /// Build an editable wheel of `source` into `out_dir` (PEP 660 `build_editable`).
    ///
    /// # Errors
    /// As [`Frontend::build_wheel`]; [`BuildError::BadBackend`] when the
    /// backend has no `build_editable` hook.
    pub fn build_editable(&self, source: &Path, out_dir: &Path) -> Result<PathBuf, BuildError> {
        self.build(source, Kind::Editable, out_dir)
    }

    /// The core metadata (`METADATA` bytes) a wheel of `source` would have:
    /// PEP 517 `prepare_metadata_for_build_wheel`, or, when the backend lacks
    /// that optional hook, a built wheel's `METADATA`.
    ///
    /// # Errors
    /// As [`Frontend::build_wheel`].
    pub fn prepare_metadata(&self, source: &Path) -> Result<Vec<u8>, BuildError> {
        let (bs, venv, label) = self.prepare(source, Kind::Wheel)?;
        let scratch = tempfile::Builder::new()
            .prefix("envy-metadata-")
            .tempdir()?;
        let dir = scratch.path().to_string_lossy().into_owned();
        let hook = "prepare_metadata_for_build_wheel";
        match self.call(&venv, source, &bs, hook, &serde_json::json!([dir]), &label)? {
            Some(v) => {
                let name = v.as_str().unwrap_or_default().to_string();
                let path = scratch.path().join(&name).join("METADATA");
                fs_err::read(&path).map_err(|_| BuildError::BadBackend {
                    package: label,
                    reason: format!("`{hook}` returned `{name}`, which holds no METADATA"),
                })
            }
            None => {
                let wheel = self.build(source, Kind::Wheel, scratch.path())?;
                crate::index::read_wheel_metadata(&wheel).map_err(|reason| BuildError::BadBackend {
                    package: label,
                    reason: format!("its wheel is invalid: {reason}"),
                })
            }
        }
    }

    /// The tag directory of this interpreter in the built-wheel cache.
    fn tag_key(&self) -> String {
        self.interpreter
            .tags
            .iter()
            .next()
            .map(|(p, a, pl)| format!("{p}-{a}-{pl}"))
            .unwrap_or_else(|| format!("py{}", self.interpreter.version))
    }

    fn built_wheel_dir(&self, sdist_sha256: &str) -> PathBuf {
        self.cache_root
            .join("built-wheels-v1")
            .join(sdist_sha256)
            .join(self.tag_key())
    }

    /// A wheel built earlier from the sdist with this sha256 for this
    /// interpreter, if the cache has one.
    pub fn cached_wheel(&self, sdist_sha256: &str) -> Option<PathBuf> {
        let dir = self.built_wheel_dir(sdist_sha256);
        fs_err::read_dir(&dir)
            .ok()?
            .filter_map(std::result::Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
    }

    /// A wheel for this interpreter built from the (already hash-checked)
    /// sdist at `sdist`, from the cache when it was built before (keyed by
    /// `sdist_sha256` and the interpreter's tag). Unpacks safely, builds in an
    /// isolated environment, checks the wheel fits the interpreter, caches it.
    ///
    /// # Errors
    /// Unpack, build environment and backend failures; a built wheel whose
    /// tags do not fit the interpreter.
    pub fn wheel_from_sdist(
        &self,
        sdist: &Path,
        sdist_sha256: &str,
    ) -> Result<(PathBuf, WheelFilename), BuildError> {
        let path = match self.cached_wheel(sdist_sha256) {
            Some(p) => p,
            None => {
                let scratch = tempfile::Builder::new().prefix("envy-sdist-").tempdir()?;
                let tree = unpack::unpack_sdist(sdist, &scratch.path().join("src"))?;
                let built = self.build_wheel(&tree, &scratch.path().join("out"))?;
                let parent = self.cache_root.join("built-wheels-v1");
                fs_err::create_dir_all(&parent)?;
                let staging = tempfile::Builder::new()
                    .prefix(".tmp-")
                    .tempdir_in(&parent)?;
                let file_name = built.file_name().map(ToOwned::to_owned).unwrap_or_default();
                fs_err::copy(&built, staging.path().join(&file_name))?;
                let dest = self.built_wheel_dir(sdist_sha256);
                if let Some(p) = dest.parent() {
                    fs_err::create_dir_all(p)?;
                }
                let staged = staging.keep();
                if std::fs::rename(&staged, &dest).is_err() {
                    // Another process won the race, or a broken leftover: keep the one there.
                    let _ = fs_err::remove_dir_all(&staged);
                }
                self.cached_wheel(sdist_sha256).ok_or_else(|| {
                    BuildError::Other(format!(
                        "cannot cache the wheel built from `{}`",
                        sdist.display()
                    ))
                })?
            }
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let filename = WheelFilename::from_str(&name).map_err(|e| {
            BuildError::Other(format!("the built wheel `{name}` has an invalid name: {e}"))
        })?;
        if self.interpreter.tags.priority(&filename).is_none() {
            return Err(BuildError::BadBackend {
                package: describe_sdist(sdist),
                reason: format!(
                    "the built wheel `{name}` does not fit Python {} on {}",
                    self.interpreter.version, self.interpreter.platform
                ),
            });
        }
        Ok((path, filename))
    }
}

/// `name-version` of an sdist file.
fn describe_sdist(sdist: &Path) -> String {
    let n = sdist
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    n.trim_end_matches(".tar.gz")
        .trim_end_matches(".zip")
        .to_string()
}

/// The last [`TAIL_LINES`] non-empty lines of `output`, indented with `  | `.
fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    if lines.is_empty() {
        return "  | (no output)".to_string();
    }
    lines[start..]
        .iter()
        .map(|l| format!("  | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_system_defaults_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let bs = BuildSystem::read(dir.path()).unwrap();
        assert_eq!(bs.backend, LEGACY_BACKEND);
        assert_eq!(bs.requires.len(), 1);
        fs_err::write(
            dir.path().join("pyproject.toml"),
            "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\".\"]\n",
        )
        .unwrap();
        let bs = BuildSystem::read(dir.path()).unwrap();
        assert_eq!((bs.backend.as_str(), bs.requires.len()), ("b", 0));
        fs_err::write(
            dir.path().join("pyproject.toml"),
            "[build-system]\nrequires = []\nbackend-path = [\"..\"]\n",
        )
        .unwrap();
        assert!(BuildSystem::read(dir.path()).is_err());
    }

    /// `build_editable` (PEP 660) and the `prepare_metadata_for_build_wheel`
    /// fallback, with an in-tree backend and no build requirements (offline).
    #[test]
    fn editable_and_metadata_fallback() {
        let Ok(interp) = crate::venv::Interpreter::query(Path::new("python3")) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs_err::create_dir_all(&src).unwrap();
        fs_err::write(
            src.join("pyproject.toml"),
            "[build-system]\nrequires = []\nbuild-backend = \"be\"\nbackend-path = [\".\"]\n",
        )
        .unwrap();
        fs_err::write(
            src.join("be.py"),
            r#"
import os, zipfile
def _wheel(d, name):
    with zipfile.ZipFile(os.path.join(d, name), "w") as z:
        z.writestr("e-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: e\nVersion: 1.0\nRequires-Dist: x\n")
    return name
def build_wheel(d, config_settings=None, metadata_directory=None):
    return _wheel(d, "e-1.0-py3-none-any.whl")
def build_editable(d, config_settings=None, metadata_directory=None):
    return _wheel(d, "e-1.0-0.editable-py3-none-any.whl")
"#,
        )
        .unwrap();
        let cache = crate::index::cache::Cache::new(dir.path().join("cache"));
        let client = Arc::new(Client::new(crate::index::IndexConfig::default(), cache).unwrap());
        let fe = Frontend::new(client, interp);
        let editable = fe.build_editable(&src, &dir.path().join("out")).unwrap();
        assert!(editable.ends_with("e-1.0-0.editable-py3-none-any.whl"));
        let meta = fe.prepare_metadata(&src).unwrap();
        assert!(String::from_utf8_lossy(&meta).contains("Requires-Dist: x"));
        let err = fe.build_sdist(&src, &dir.path().join("out")).unwrap_err();
        assert!(err.to_string().contains("no `build_sdist` hook"), "{err}");
    }

    #[test]
    fn tail_keeps_last_lines() {
        let text: String = (0..50).map(|i| format!("line {i}\n")).collect();
        let t = tail(&text);
        assert!(t.starts_with("  | line 20"));
        assert!(t.ends_with("line 49"));
    }
}
