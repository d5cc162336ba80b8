//! Direct references (PEP 440 "direct references", PEP 508 `name @ URL`,
//! `[tool.envy.sources]` path and url entries) turned into what the resolver
//! and the lock need: the one distribution's core metadata, and the lock's
//! `source` and file entry for it.
//!
//! - A **source tree** (a directory with `pyproject.toml` or `setup.py`): its
//!   static PEP 621 `[project]` table when every field the metadata needs is
//!   static, else the build backend's `prepare_metadata_for_build_wheel`
//!   (PEP 517), run through [`crate::build::Frontend`].
//! - A **local archive** (wheel or sdist): a wheel's `METADATA`; an sdist's
//!   PKG-INFO when PEP 643 lets it be trusted, else its backend. Locked with
//!   its sha256 and size.
//! - A **remote archive** (`http(s)://`): downloaded once into the cache (a
//!   `#sha256=` fragment is checked against the bytes), then as a local one.
//!
//! - A **git** repository: its reference resolved to a commit and checked
//!   out through [`crate::git`] (or the commit the lock already has, while
//!   the requested reference is unchanged), then read as a source tree (the
//!   backend runs in a private copy of the checkout, see [`git`]).
//!
//! This module reads source trees and archives and runs build backends; it
//! writes nothing but the caches of `index` and `build`, and prints nothing.

use crate::build::{BuildError, Frontend};
use crate::index::{Client, IndexError};
use crate::lock::{FileEntry, FileHash, Source};
use crate::project::{DirectSource, Project};
use crate::resolver::SdistMetadataHook;
use crate::types::metadata::CoreMetadata;
use crate::venv::Interpreter;
use pep508_rs::{MarkerTree, PackageName};
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

pub mod git;

/// Why a direct reference cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Described here (`error: {message}`), with advice when there is some.
    #[error("{message}")]
    Message {
        /// What is wrong, naming the package and the path or URL.
        message: String,
        /// What to do next.
        hint: Option<String>,
    },
    /// Downloading a remote archive failed, or its hash did not match.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The build backend failed to give the metadata.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A git dependency could not be fetched or checked out.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
}

fn message(message: String, hint: Option<&str>) -> SourceError {
    SourceError::Message {
        message,
        hint: hint.map(str::to_string),
    }
}

/// One direct reference, resolved to its single distribution.
#[derive(Debug, Clone)]
pub struct DirectDistribution {
    /// The distribution's core metadata (its name checked against the
    /// requirement's).
    pub metadata: Arc<CoreMetadata>,
    /// The lock's `source` for it.
    pub source: Source,
    /// For an archive: its file entry (sha256 and size) and whether it is
    /// a wheel (else an sdist).
    pub file: Option<(FileEntry, bool)>,
    /// For a source tree: `Requires-Dist` as the lock records it.
    pub requires_dist: Vec<String>,
    /// For a source tree whose metadata came from its build backend: the
    /// digest of its build configuration ([`metadata_inputs`]).
    pub metadata_inputs: Option<String>,
}

/// What reading direct references needs: the HTTP client (downloads, build
/// requirements), the project (root, `requires-python`), an interpreter for
/// build backends (found on first use) and the sdist metadata hook.
pub struct Reader<'a> {
    client: Arc<Client>,
    project: &'a Project,
    requires_python: pep440_rs::VersionSpecifiers,
    interpreter: OnceLock<Result<Interpreter, String>>,
    sdist: SdistMetadataHook,
    notify: crate::build::Notify,
    git_pins: std::collections::BTreeMap<PackageName, crate::git::LockedGit>,
}

impl<'a> Reader<'a> {
    /// A reader for `project`'s direct references; `notify` hears the name
    /// of each source tree or archive whose build backend runs.
    pub fn new(
        client: Arc<Client>,
        project: &'a Project,
        requires_python: pep440_rs::VersionSpecifiers,
        notify: crate::build::Notify,
    ) -> Self {
        let sdist = crate::build::metadata_hook(
            client.clone(),
            project.root.clone(),
            requires_python.clone(),
            notify.clone(),
        );
        Self {
            client,
            project,
            requires_python,
            interpreter: OnceLock::new(),
            sdist,
            notify,
            git_pins: std::collections::BTreeMap::new(),
        }
    }

    /// Prefer these locked commits: a git dependency whose requested
    /// repository, reference and subdirectory are a pin's keeps the pin's
    /// commit (no fetch when the cache has it) instead of moving to where
    /// its branch or tag points now.
    #[must_use]
    pub fn with_git_pins(
        mut self,
        pins: std::collections::BTreeMap<PackageName, crate::git::LockedGit>,
    ) -> Self {
        self.git_pins = pins;
        self
    }

    fn frontend(&self) -> Result<Frontend, SourceError> {
        let interp = self
            .interpreter
            .get_or_init(|| {
                crate::venv::find_interpreter(None, &self.requires_python, &self.project.root)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|e| message(e, None))?;
        Ok(Frontend::new(self.client.clone(), interp))
    }

    /// Resolve `name`'s direct reference `source` to its distribution.
    ///
    /// # Errors
    /// A path that does not exist or is not a project or an archive; a
    /// download or hash failure; a build backend failure; a distribution
    /// named otherwise than `name`.
    pub fn read(
        &self,
        name: &PackageName,
        source: &DirectSource,
    ) -> Result<DirectDistribution, SourceError> {
        let dist = match source {
            DirectSource::Git { url } => self.read_git(url, self.git_pins.get(name))?,
            _ => self.read_named(&format!("`{name}`"), source)?,
        };
        if &dist.metadata.name != name {
            return Err(message(
                format!(
                    "`{name}` comes from {}, but the distribution there is named `{}`",
                    describe(source),
                    dist.metadata.name
                ),
                Some("fix the package name in `pyproject.toml`, or point the source at the right distribution"),
            ));
        }
        Ok(dist)
    }

    /// Resolve a direct reference whose package name is not known yet (`envy
    /// add ../lib`): the name comes from the distribution's metadata.
    ///
    /// # Errors
    /// As [`Reader::read`], but for the name check.
    pub fn read_any(&self, source: &DirectSource) -> Result<DirectDistribution, SourceError> {
        self.read_named("the dependency", source)
    }

    /// [`Reader::read`] without the name check; `name` is how messages call it.
    fn read_named(
        &self,
        name: &str,
        source: &DirectSource,
    ) -> Result<DirectDistribution, SourceError> {
        match source {
            DirectSource::Path { path, editable } => self.read_path(name, path, *editable),
            DirectSource::Url { url } => self.read_url(name, source, url),
            DirectSource::Git { url } => self.read_git(url, None),
        }
    }

    /// Resolve a git dependency to a commit (`pin`'s, when it asked for the
    /// same thing) and read its checkout's metadata: static metadata from
    /// the checkout itself, a build backend in a private copy of it.
    fn read_git(
        &self,
        url: &crate::git::GitUrl,
        pin: Option<&crate::git::LockedGit>,
    ) -> Result<DirectDistribution, SourceError> {
        let cache = self.client.cache().root();
        let offline = self.client.config().offline;
        let pinned = pin.filter(|p| {
            let same = crate::git::LockedGit {
                url: url.clone(),
                commit: p.commit.clone(),
            };
            same.to_lock_string() == p.to_lock_string()
        });
        let locked = match pinned {
            Some(p) => crate::git::LockedGit {
                url: url.clone(),
                // The project's URL: the lock's has no credentials.
                commit: crate::git::resolve(
                    cache,
                    &url.with_reference(crate::git::GitReference::Rev(p.commit.to_string())),
                    offline,
                )?,
            },
            None => crate::git::LockedGit {
                url: url.clone(),
                commit: crate::git::resolve(cache, url, offline)?,
            },
        };
        let dir = crate::git::checkout(cache, url, &locked.commit)?;
        let shown = locked.pep508_url();
        let metadata = match static_metadata(&dir) {
            Some(m) => m,
            None => {
                let (_copy, tree) = git::private_copy(&dir, url.subdirectory()).map_err(|e| {
                    message(format!("cannot copy the checkout of `{shown}`: {e}"), None)
                })?;
                tree_metadata(&tree, &shown, || self.frontend(), &self.notify)?
            }
        };
        let requires_dist = requires_dist_record(&metadata);
        Ok(DirectDistribution {
            metadata: Arc::new(metadata),
            source: Source {
                git: Some(locked.to_lock_string()),
                ..Source::default()
            },
            file: None,
            requires_dist,
            metadata_inputs: None,
        })
    }

    fn read_path(
        &self,
        name: &str,
        path: &str,
        editable: bool,
    ) -> Result<DirectDistribution, SourceError> {
        let absolute = self.project.root.join(path);
        let relative = relative_path(&self.project.root, &absolute);
        if absolute.is_dir() {
            if !is_project_dir(&absolute) {
                return Err(message(
                    format!("{name} comes from `{path}`, which is not a Python project: it has no `pyproject.toml` or `setup.py`"),
                    Some("point the source at the directory that holds the project's `pyproject.toml`"),
                ));
            }
            let metadata = tree_metadata(&absolute, path, || self.frontend(), &self.notify)?;
            let requires_dist = requires_dist_record(&metadata);
            let metadata_inputs = static_metadata(&absolute)
                .is_none()
                .then(|| metadata_inputs(&absolute));
            let source = if editable {
                Source {
                    editable: Some(relative),
                    ..Source::default()
                }
            } else {
                Source {
                    path: Some(relative),
                    ..Source::default()
                }
            };
            return Ok(DirectDistribution {
                metadata: Arc::new(metadata),
                source,
                file: None,
                requires_dist,
                metadata_inputs,
            });
        }
        if !absolute.is_file() {
            return Err(message(
                format!("{name} comes from `{path}`, which does not exist"),
                Some("check the path; relative paths start at the directory of `pyproject.toml`"),
            ));
        }
        if editable {
            return Err(message(
                format!("{name} comes from the file `{path}`, which cannot be installed editable"),
                Some("drop `editable = true`, or point `path` at the project's directory"),
            ));
        }
        let filename = file_name(&absolute);
        let source = Source {
            path: Some(relative.clone()),
            ..Source::default()
        };
        self.archive_distribution(name, &absolute, &filename, path, relative, source)
    }

    fn read_url(
        &self,
        name: &str,
        source: &DirectSource,
        url: &str,
    ) -> Result<DirectDistribution, SourceError> {
        let bare = source.url_without_fragment().unwrap_or(url);
        let filename = bare.rsplit('/').next().unwrap_or_default().to_string();
        let expected = source.fragment_sha256();
        let path = match self.client.download_url(bare, &filename, expected.as_deref()) {
            Err(IndexError::HashMismatch { actual, .. }) => {
                return Err(message(
                    format!(
                        "{name} comes from `{}`, whose sha256 is {actual}, not the {} its `#sha256=` fragment names",
                        crate::types::redact_url(bare),
                        expected.unwrap_or_default()
                    ),
                    Some("if the archive changed on purpose, fix the fragment; otherwise treat it as tampering"),
                ))
            }
            other => other?,
        };
        let shown = crate::types::redact_url(bare);
        let source = Source {
            url: Some(shown.clone()),
            ..Source::default()
        };
        self.archive_distribution(name, &path, &filename, &shown, shown.clone(), source)
    }

    /// An archive direct reference read from `file` on disk (named
    /// `filename`, shown in messages as `shown`): its metadata, and its file
    /// entry for the lock at `locked_url` with the sha256 and size of what
    /// was read.
    fn archive_distribution(
        &self,
        name: &str,
        file: &Path,
        filename: &str,
        shown: &str,
        locked_url: String,
        source: Source,
    ) -> Result<DirectDistribution, SourceError> {
        let (sha256, size) = fs_err::File::open(file)
            .and_then(crate::types::hash::sha256_reader)
            .map_err(|e| message(format!("cannot read `{shown}`: {e}"), None))?;
        let (metadata, wheel) = self.archive_metadata(name, file, filename, shown)?;
        let entry = FileEntry {
            url: locked_url,
            hash: FileHash::sha256(&sha256).map_err(|e| message(e, None))?,
            size: Some(size),
            upload_time: None,
        };
        Ok(DirectDistribution {
            metadata: Arc::new(metadata),
            source,
            file: Some((entry, wheel)),
            requires_dist: Vec::new(),
            metadata_inputs: None,
        })
    }

    /// The metadata of the archive at `path` (named `filename`, shown as
    /// `shown`), and whether it is a wheel; its filename must name `name`.
    fn archive_metadata(
        &self,
        name: &str,
        path: &Path,
        filename: &str,
        shown: &str,
    ) -> Result<(CoreMetadata, bool), SourceError> {
        let invalid = |why: String| {
            message(
                format!("{name} comes from `{shown}`, which {why}"),
                Some("point the source at a wheel (`.whl`), an sdist (`.tar.gz`, `.zip`) or a project directory"),
            )
        };
        let wheel = filename.ends_with(".whl");
        if !wheel && !crate::project::is_archive_name(filename) {
            return Err(invalid(
                "is not a wheel, an sdist or a directory".to_string(),
            ));
        }
        let metadata = if wheel {
            crate::types::WheelFilename::from_str(filename)
                .map_err(|e| invalid(format!("has no valid wheel filename ({e})")))?;
            let bytes = crate::index::read_wheel_metadata(path)
                .map_err(|e| invalid(format!("is not a valid wheel ({e})")))?;
            CoreMetadata::parse(&bytes)
                .map_err(|e| invalid(format!("has invalid metadata ({e})")))?
        } else {
            self.sdist
                .0
                .metadata(path)
                .map_err(|e| invalid(format!("gave no metadata ({e})")))?
        };
        // The filename must name the distribution inside (the lock checks
        // every file against its package's name and version on read).
        let parsed = crate::types::filename::DistFilename::parse(filename, &metadata.name);
        match parsed {
            Some(f) if f.version() == &metadata.version => {}
            _ => {
                return Err(invalid(format!(
                    "holds `{}=={}`, which its filename does not name",
                    metadata.name, metadata.version
                )))
            }
        }
        Ok((metadata, wheel))
    }
}

/// `the path `../lib`` / `the URL `https://...`` for messages.
fn describe(source: &DirectSource) -> String {
    match source {
        DirectSource::Path { path, .. } => format!("`{path}`"),
        DirectSource::Url { url } => format!("`{}`", crate::types::redact_url(url)),
        DirectSource::Git { url } => format!("`{url}`"),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The core metadata of the source tree `dir`: its static `[project]` table
/// when `name`, `version`, `dependencies`, `optional-dependencies` and
/// `requires-python` are all static (PEP 621 says a backend must use them as
/// they are), else the backend's `prepare_metadata_for_build_wheel` through
/// `frontend()` (`notify` hears the tree, as `shown`, first).
///
/// # Errors
/// A directory with neither `pyproject.toml` nor `setup.py`; backend failures.
pub fn tree_metadata(
    dir: &Path,
    shown: &str,
    frontend: impl FnOnce() -> Result<Frontend, SourceError>,
    notify: &crate::build::Notify,
) -> Result<CoreMetadata, SourceError> {
    if !is_project_dir(dir) {
        return Err(message(
            format!(
                "`{}` is not a Python project: it has no `pyproject.toml` or `setup.py`",
                dir.display()
            ),
            Some("point the source at the directory that holds the project's `pyproject.toml`"),
        ));
    }
    if let Some(meta) = static_metadata(dir) {
        return Ok(meta);
    }
    notify(&format!("`{shown}`"));
    let bytes = frontend()?.prepare_metadata(dir)?;
    CoreMetadata::parse(&bytes).map_err(|e| {
        message(
            format!(
                "the build backend of `{}` gave invalid metadata: {e}",
                dir.display()
            ),
            None,
        )
    })
}

/// Whether `dir` holds a Python project (`pyproject.toml` or `setup.py`).
fn is_project_dir(dir: &Path) -> bool {
    dir.join("pyproject.toml").is_file() || dir.join("setup.py").is_file()
}

/// The core metadata `dir/pyproject.toml` states statically, if it does.
pub fn static_metadata(dir: &Path) -> Option<CoreMetadata> {
    let project = Project::read(dir).ok()?;
    const NEEDED: &[&str] = &[
        "version",
        "dependencies",
        "optional-dependencies",
        "requires-python",
    ];
    if project.dynamic.iter().any(|d| NEEDED.contains(&d.as_str())) {
        return None;
    }
    let version = project.version.clone()?;
    let mut requires_dist = project.dependencies.clone();
    for (extra, reqs) in &project.optional_dependencies {
        let on_extra = MarkerTree::from_str(&format!("extra == '{extra}'")).ok()?;
        for r in reqs {
            let mut r = r.clone();
            r.marker.and(on_extra.clone());
            requires_dist.push(r);
        }
    }
    Some(CoreMetadata {
        name: project.name.clone(),
        version,
        requires_dist,
        requires_python: project.requires_python.clone(),
        provides_extra: project.optional_dependencies.keys().cloned().collect(),
        dynamic: Vec::new(),
        metadata_version: "2.3".to_string(),
    })
}

/// `Requires-Dist` of `metadata` as the lock records it for a source tree:
/// each requirement's normalized text, sorted, without duplicates.
pub fn requires_dist_record(metadata: &CoreMetadata) -> Vec<String> {
    crate::lock::manifest_list(&metadata.requires_dist)
}

/// The sha256 (hex) of a source tree's build configuration: the files a
/// backend reads the metadata from (`pyproject.toml`, `setup.py`,
/// `setup.cfg`), each with `\r\n` read as `\n` (a checkout's line endings do
/// not matter), a missing one counted as missing.
pub fn metadata_inputs(dir: &Path) -> String {
    let mut all = Vec::new();
    for name in ["pyproject.toml", "setup.py", "setup.cfg"] {
        all.extend_from_slice(name.as_bytes());
        match fs_err::read(dir.join(name)) {
            Ok(bytes) => {
                all.push(1);
                let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
                all.extend_from_slice(&(text.len() as u64).to_le_bytes());
                all.extend_from_slice(text.as_bytes());
            }
            Err(_) => all.push(0),
        }
    }
    crate::index::hash_bytes(&all)
}

/// Whether what the lock recorded for a source tree still holds: its
/// static metadata has the locked version and `Requires-Dist` (`recorded`);
/// or, when its metadata is dynamic, its build configuration has the locked
/// digest (`inputs`), so that a change there makes the lock stale without
/// running the backend to find out.
pub fn tree_unchanged(
    dir: &Path,
    version: &pep440_rs::Version,
    recorded: &[String],
    inputs: Option<&str>,
) -> bool {
    match static_metadata(dir) {
        Some(meta) => &meta.version == version && requires_dist_record(&meta) == recorded,
        None => inputs == Some(metadata_inputs(dir).as_str()),
    }
}

/// `path` relative to `base` with `/` separators (`..` where it leaves
/// `base`), lexically: `./lib` is `lib`, `a/../b` is `b`. An absolute path on
/// another root (a Windows drive) stays absolute.
pub fn relative_path(base: &Path, path: &Path) -> String {
    let base = normalize(&fs_err::canonicalize(base).unwrap_or_else(|_| base.to_path_buf()));
    let path = normalize(&fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
    let b: Vec<Component> = base.components().collect();
    let p: Vec<Component> = path.components().collect();
    if b.first() != p.first() {
        return path.to_string_lossy().replace('\\', "/");
    }
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), b.len() - common).collect();
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// `.` and `..` removed lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_use_slashes_and_dot_dot() {
        let base = Path::new("/work/app");
        assert_eq!(relative_path(base, Path::new("/work/app/./lib")), "lib");
        assert_eq!(relative_path(base, Path::new("/work/lib")), "../lib");
        assert_eq!(
            relative_path(base, Path::new("/work/app/dist/x-1.0-py3-none-any.whl")),
            "dist/x-1.0-py3-none-any.whl"
        );
        assert_eq!(relative_path(base, Path::new("/work/app")), ".");
    }

    #[test]
    fn a_static_pyproject_is_its_metadata() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"Lib\"\nversion = \"1.2\"\nrequires-python = \">=3.8\"\ndependencies = [\"b>=1\"]\n[project.optional-dependencies]\nfast = [\"c; sys_platform == 'linux'\"]\n",
        )
        .unwrap();
        let meta = static_metadata(dir.path()).unwrap();
        assert_eq!(meta.name.as_ref(), "lib");
        assert_eq!(meta.version.to_string(), "1.2");
        assert_eq!(
            requires_dist_record(&meta),
            vec![
                "b>=1".to_string(),
                "c ; sys_platform == 'linux' and extra == 'fast'".to_string()
            ]
        );
        assert!(tree_unchanged(
            dir.path(),
            &meta.version,
            &requires_dist_record(&meta),
            None
        ));
        fs_err::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"lib\"\ndynamic = [\"version\"]\n",
        )
        .unwrap();
        assert!(static_metadata(dir.path()).is_none());
        // Dynamic: the build configuration's digest decides.
        let inputs = metadata_inputs(dir.path());
        assert!(tree_unchanged(
            dir.path(),
            &meta.version,
            &[],
            Some(&inputs)
        ));
        fs_err::write(dir.path().join("setup.py"), "setup()\n").unwrap();
        assert!(!tree_unchanged(
            dir.path(),
            &meta.version,
            &[],
            Some(&inputs)
        ));
    }
}
