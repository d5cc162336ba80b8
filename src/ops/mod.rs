//! One function per command. This is the only layer that reads and writes
//! project files (`pyproject.toml`, `envy.lock`, `.venv`, exports); it ties
//! the project model, resolver, lock, venv, installer and exporters together
//! and returns typed outcomes for the CLI to render.

pub mod add;
pub mod build;
pub mod cache;
pub mod export;
pub mod lock;
pub mod migrate;
pub mod new;
pub mod outdated;
pub mod python;
pub mod report;
pub mod run;
pub mod show;
pub mod sync;
mod sync_stamp;
pub mod tree;
pub mod venv;
pub mod version;

use crate::index::cache::Cache;
use crate::index::{Client, IndexConfig, IndexError};
use crate::project::Project;
use report::{ChangeKind, Reporter};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// A failure to report to the user: what is wrong, and what to do next.
#[derive(Debug)]
pub struct Error {
    /// The message (`error: ...`).
    pub message: String,
    /// The advice (`hint: ...`), if any.
    pub hint: Option<String>,
}

impl Error {
    /// A user error with no hint.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    /// Add a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Error {}

/// The result type of every operation.
pub type Result<T> = std::result::Result<T, Error>;

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(e.to_string())
    }
}

impl From<crate::project::ProjectError> for Error {
    fn from(e: crate::project::ProjectError) -> Self {
        Error::new(e.to_string())
            .hint("fix `pyproject.toml` at the place shown; envy changed nothing")
    }
}

impl From<crate::lock::LockError> for Error {
    fn from(e: crate::lock::LockError) -> Self {
        Error::new(e.to_string())
            .hint("`envy.lock` is generated: delete it and run `envy lock` to write a fresh one")
    }
}

impl From<IndexError> for Error {
    fn from(e: IndexError) -> Self {
        let hint = match &e {
            IndexError::NotFound { .. } => {
                "check the spelling of the name, or the index URL (`--index-url`)".to_string()
            }
            IndexError::Network { .. } | IndexError::Status { .. } => {
                "check your network connection and the index URL; if what you need was fetched before, retry with `--offline` to use the cache".to_string()
            }
            IndexError::Offline { .. } => {
                "run once with network access to fill the cache, or drop `--offline`".to_string()
            }
            IndexError::Auth { index, url, .. } => IndexError::auth_hint(index.as_deref(), url),
            IndexError::HashMismatch { .. } => {
                "the file differs from what the lock recorded: nothing was installed. If the index changed the file on purpose, run `envy lock --upgrade-package NAME`; otherwise treat it as tampering".to_string()
            }
            _ => "this looks like a problem with the index; retry, or report it".to_string(),
        };
        Error::new(e.to_string()).hint(hint)
    }
}

impl From<crate::resolver::ResolveError> for Error {
    fn from(e: crate::resolver::ResolveError) -> Self {
        match e {
            crate::resolver::ResolveError::Index(i) => i.into(),
            crate::resolver::ResolveError::NoSolution(s) => Error::new(format!(
                "no solution found when resolving dependencies:\n{}",
                s.trim_end()
            ))
            .hint("loosen or remove one of the conflicting requirements in `pyproject.toml`"),
            other => Error::new(other.to_string()),
        }
    }
}

impl From<crate::venv::VenvError> for Error {
    fn from(e: crate::venv::VenvError) -> Self {
        let hint = match &e {
            crate::venv::VenvError::NoInterpreter { .. } => {
                "install a matching Python (for example `pyenv install 3.12`), or pass `--python <version or path>`"
            }
            _ => "remove `.venv` and run `envy sync` to recreate it",
        };
        Error::new(e.to_string()).hint(hint)
    }
}

impl From<crate::install::InstallError> for Error {
    fn from(e: crate::install::InstallError) -> Self {
        let hint = match &e {
            crate::install::InstallError::UnsafeEntry { .. } => {
                "the wheel tries to write outside its install location, so it is malformed or malicious; nothing of it was installed. Report it to the package's maintainers or the index operator"
            }
            _ => "run `envy sync` again to repair `.venv`; if it persists, remove `.venv`",
        };
        Error::new(e.to_string()).hint(hint)
    }
}

static KEEP_ALIVE: std::sync::Mutex<Vec<Arc<Client>>> = std::sync::Mutex::new(Vec::new());

/// Settings shared by every command (global flags and environment).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The project directory (`--project`/`--directory`, else the current dir).
    pub project_dir: PathBuf,
    /// Cache root, or `None` for `--no-cache`.
    pub cache_dir: Option<PathBuf>,
    /// Where to look for distributions.
    pub index: IndexConfig,
    /// Where status lines, change lines and progress go (the CLI's printer,
    /// which honours `-q`).
    pub reporter: Arc<dyn Reporter>,
}

impl Settings {
    /// Make the index client these settings describe.
    ///
    /// # Errors
    /// When the cache or HTTP client cannot be set up.
    pub fn client(&self, project: Option<&Project>) -> Result<Arc<Client>> {
        let cache = match &self.cache_dir {
            Some(d) => Cache::new(d.clone()),
            None => Cache::temporary()?,
        };
        let mut config = self.index.clone();
        if let Some(p) = project {
            if config.index_url == crate::index::PYPI_SIMPLE {
                if let Some(u) = &p.tool.index_url {
                    config.index_url = u.clone();
                }
            }
            config
                .extra_index_urls
                .extend(p.tool.extra_index_url.iter().cloned());
            config
                .find_links
                .extend(p.tool.find_links.iter().map(|f| p.root.join(f)));
            config
                .indexes
                .extend(p.tool.index.iter().map(|i| crate::index::NamedIndex {
                    name: i.name.clone(),
                    url: i.url.clone(),
                    default: i.default,
                    explicit: i.explicit,
                }));
            for (pkg, source) in &p.tool.sources {
                if let Ok(name) = pep508_rs::PackageName::from_str(pkg) {
                    config
                        .sources
                        .insert(name.to_string(), source.index.clone());
                }
            }
        }
        let client = Arc::new(Client::new(config, cache)?);
        // Keep every client alive until the process exits: dropping one waits
        // for requests still in flight (background prefetches the resolution
        // no longer needs), which must not delay the command's exit.
        KEEP_ALIVE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(client.clone());
        Ok(client)
    }

    /// Read the project, with a hint when there is none.
    ///
    /// # Errors
    /// When `pyproject.toml` is missing or invalid.
    pub fn project(&self) -> Result<Project> {
        let path = self.project_dir.join("pyproject.toml");
        if !path.is_file() {
            return Err(Error::new(format!(
                "no `pyproject.toml` in {}",
                self.project_dir.display()
            ))
            .hint("run `envy init` to create one here, or `envy new NAME` for a new project"));
        }
        Ok(Project::read(&self.project_dir)?)
    }
}

/// Write `bytes` to `path` through a temp file in the same directory and a rename,
/// so readers never see a half-written file.
///
/// # Errors
/// I/O errors, naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::index::cache::write_atomic(path, bytes)
        .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))
}

/// A spinner for a step of unknown length, from the settings' reporter
/// (hidden when quiet or when stderr is not a terminal).
pub fn spinner(settings: &Settings, message: &str) -> indicatif::ProgressBar {
    settings.reporter.progress(None, message)
}

/// A progress bar counting `len` items; shown like [`spinner`].
pub fn bar(settings: &Settings, len: u64, message: &str) -> indicatif::ProgressBar {
    settings.reporter.progress(Some(len), message)
}

/// Report a status line (the reporter drops it when quiet and colours a
/// `warning:` prefix).
pub fn status(settings: &Settings, line: impl AsRef<str>) {
    settings.reporter.status(line.as_ref());
}

/// Report one change between two locks as a change line (`+ name version`,
/// `- name version`, `~ name old -> new`).
pub fn change(settings: &Settings, c: &lock::Change) {
    let kind = match c {
        lock::Change::Added(..) => ChangeKind::Added,
        lock::Change::Removed(..) => ChangeKind::Removed,
        lock::Change::Updated(..) => ChangeKind::Updated,
    };
    settings.reporter.change(kind, &c.to_string());
}
