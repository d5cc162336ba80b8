//! One function per command. This is the only layer that reads and writes
//! project files (`pyproject.toml`, `envy.lock`, `.venv`, exports); it ties
//! the project model, resolver, lock, venv, installer and exporters together
//! and returns typed outcomes for the CLI to render.

pub mod add;
pub mod build;
mod bundle;
pub mod cache;
mod direct;
pub mod export;
pub mod lock;
pub mod migrate;
pub mod new;
pub mod outdated;
pub mod python;
pub mod report;
pub mod run;
mod scaffold;
pub mod show;
pub mod sync;
pub mod tree;
pub mod venv;
pub mod verify;
pub mod version;
pub mod workspace;

use crate::index::cache::Cache;
use crate::index::{Client, IndexConfig, IndexError};
use crate::project::Project;
use report::{ChangeKind, Reporter};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// Why a command failed. Failures of the layers below keep their own error
/// (`#[from]`, so `source()` walks the chain); failures `ops` finds itself
/// carry a message and, when the fix depends on where it happened, a hint.
/// `cli::diagnostics` turns either into `error: ...` + `hint: ...` and an
/// exit status.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A failure `ops` describes itself (`error: {message}`), with the advice
    /// (`hint: ...`) the place that found it knows.
    #[error("{message}")]
    Message {
        /// What is wrong.
        message: String,
        /// What to do next, if the place that failed knows.
        hint: Option<String>,
    },
    /// Reading or writing a file (fs-err names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An invalid `pyproject.toml`.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// An invalid `envy.lock`.
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    /// The index could not answer, or a file failed its hash check.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// No resolution (or the index failed during one).
    #[error(transparent)]
    Resolve(#[from] crate::resolver::ResolveError),
    /// No interpreter, or a broken virtual environment.
    #[error(transparent)]
    Venv(#[from] crate::venv::VenvError),
    /// A wheel could not be installed.
    #[error(transparent)]
    Install(#[from] crate::install::InstallError),
    /// A PEP 517 build failed.
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    /// An export or bundle could not be written.
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
}

impl From<crate::source::SourceError> for Error {
    fn from(e: crate::source::SourceError) -> Self {
        use crate::source::SourceError as S;
        match e {
            S::Message { message, hint } => Error::Message {
                message: crate::types::redact_text(&message).into_owned(),
                hint,
            },
            S::Index(e) => Error::Index(e),
            S::Build(e) => Error::Build(e),
            S::Git(e) => e.into(),
        }
    }
}

impl From<crate::git::GitError> for Error {
    /// A git failure: its message (URLs already without credentials) and
    /// [`crate::git::GitError::hint`].
    fn from(e: crate::git::GitError) -> Self {
        Error::Message {
            message: crate::types::redact_text(&e.to_string()).into_owned(),
            hint: e.hint(),
        }
    }
}

impl From<crate::project::workspace::WorkspaceError> for Error {
    fn from(e: crate::project::workspace::WorkspaceError) -> Self {
        use crate::project::workspace::WorkspaceError as W;
        match e {
            W::Project(e) => Error::Project(e),
            W::Invalid { message, hint } => Error::new(message).hint(hint),
        }
    }
}

impl Error {
    /// A failure `ops` describes itself, with no hint. Every URL in the
    /// message loses its credentials ([`crate::types::redact_text`]): no
    /// error prints a password.
    pub fn new(message: impl Into<String>) -> Self {
        let message = message.into();
        Error::Message {
            message: crate::types::redact_text(&message).into_owned(),
            hint: None,
        }
    }

    /// Add a hint (`hint: ...`, its URLs redacted as the message's) to a
    /// failure `ops` describes itself. An error of a layer below becomes a
    /// described one with its message and this hint.
    pub fn hint(self, hint: impl Into<String>) -> Self {
        let hint = Some(crate::types::redact_text(&hint.into()).into_owned());
        match self {
            Error::Message { message, .. } => Error::Message { message, hint },
            other => Error::Message {
                message: crate::types::redact_text(&other.to_string()).into_owned(),
                hint,
            },
        }
    }
}

/// The result type of every operation.
pub type Result<T> = std::result::Result<T, Error>;

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
            config.base_dir = Some(p.root.clone());
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
                if let (Ok(name), Some(index)) =
                    (pep508_rs::PackageName::from_str(pkg), &source.index)
                {
                    config.sources.insert(name.to_string(), index.clone());
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
        // A workspace root comes with its members (`docs/workspaces.md`).
        let project = crate::project::workspace::load(&self.project_dir)?;
        // Each warning once per process, however often the project is read.
        let mut shown = WARNED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for w in &project.warnings {
            if shown.insert(w.clone()) {
                status(self, format!("warning: {w}"));
            }
        }
        Ok(project)
    }
}

/// The project warnings already shown by [`Settings::project`].
static WARNED: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Write `bytes` to `path` through a temp file in the same directory and a rename,
/// so readers never see a half-written file.
///
/// The file keeps what the user gave it: a symlink is followed and its target
/// replaced (the link stays a link); a replaced file keeps its mode (and, best
/// effort, its owner and group); a new file gets the mode the umask gives
/// (`0o666` masked), as any editor's would. A read-only file (no write bit) is
/// refused with "permission denied", even for root, and left as it was.
///
/// # Errors
/// I/O errors, naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::util::write_atomic(path, bytes).map_err(|e| {
        let err = Error::new(format!("cannot write {}: {e}", path.display()));
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            err.hint("make it writable (`chmod u+w`) if envy should change it; nothing was written")
        } else {
            err
        }
    })
}

/// `1 package`, `2 packages`: a count with its noun in the right number.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Write several files so that either all are replaced or none is: each is
/// first written in full under a temporary name beside its target (as
/// [`write_atomic`] would), and only then are they renamed into place, in
/// the order given. Used by the commands that change both `pyproject.toml`
/// and `envy.lock` (`add`, `remove`, `version --bump`): a full disk or a
/// read-only file leaves both as they were.
///
/// # Errors
/// The first file that cannot be written, naming it; nothing was changed.
pub fn write_all_or_nothing(files: &[(&Path, &[u8])]) -> Result<()> {
    let fail = |path: &Path, e: std::io::Error| {
        let err = Error::new(format!("cannot write {}: {e}", path.display()));
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            err.hint("make it writable (`chmod u+w`) if envy should change it; nothing was written")
        } else {
            err.hint("nothing was written; free some space or fix the file's permissions and run the command again")
        }
    };
    let mut prepared = Vec::new();
    for (path, bytes) in files {
        prepared.push((
            *path,
            crate::util::prepare_write(path, bytes).map_err(|e| fail(path, e))?,
        ));
    }
    for (path, p) in prepared {
        p.commit().map_err(|e| fail(path, e))?;
    }
    Ok(())
}

/// Hold the project's edit lock (an advisory `flock` through `fs4`) for
/// `pyproject.toml` and `envy.lock`: two commands that edit one project (two
/// `envy add` run at once) take turns, so the second reads what the first
/// wrote and both edits survive. The lock file is
/// `$TMPDIR/envy-locks/project-<hash of the project path>.lock`.
///
/// # Errors
/// When the lock file cannot be created or locked.
pub fn lock_project_files(settings: &Settings, root: &Path) -> Result<fs_err::File> {
    project_lock(
        settings,
        root,
        "project",
        "Waiting for another envy process to finish editing the project",
    )
}

/// Take the exclusive advisory lock `$TMPDIR/envy-locks/<kind>-<hash of
/// root>.lock` (`flock`/`LockFileEx` via `fs4`), saying `waiting` while
/// another envy process holds it. Outside the project and the cache, so that
/// recreating `.venv` or using another cache cannot split it.
///
/// # Errors
/// When the lock file cannot be created or locked.
pub(crate) fn project_lock(
    settings: &Settings,
    root: &Path,
    kind: &str,
    waiting: &str,
) -> Result<fs_err::File> {
    use fs4::fs_std::FileExt;
    use sha2::Digest;
    let root = fs_err::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let key = hex::encode(sha2::Sha256::digest(root.to_string_lossy().as_bytes()));
    let dir = std::env::temp_dir().join("envy-locks");
    fs_err::create_dir_all(&dir)?;
    let path = dir.join(format!("{kind}-{}.lock", &key[..16]));
    let file = fs_err::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    let locked = file
        .file()
        .try_lock_exclusive()
        .map_err(|e| Error::new(format!("cannot lock {}: {e}", path.display())))?;
    if !locked {
        status(settings, waiting);
        file.file()
            .lock_exclusive()
            .map_err(|e| Error::new(format!("cannot lock {}: {e}", path.display())))?;
    }
    Ok(file)
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
/// `warning:` prefix). URLs in it lose their credentials.
pub fn status(settings: &Settings, line: impl AsRef<str>) {
    settings
        .reporter
        .status(&crate::types::redact_text(line.as_ref()));
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
