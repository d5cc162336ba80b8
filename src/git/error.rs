//! [`GitError`]: what can go wrong fetching and checking out a git
//! dependency, each naming the repository (without credentials) and what
//! was asked; [`GitError::hint`] says what to do next.

/// An error of the git layer. Every URL in it is redacted of credentials.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// There is no `git` executable on `PATH`.
    #[error("git dependencies need `git`, and it was not found on `PATH`")]
    NotInstalled,
    /// A git URL envy cannot use (`git+...` form, scheme, subdirectory).
    #[error("invalid git URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as written, redacted.
        url: String,
        /// Why it is refused.
        reason: String,
    },
    /// A tag, branch or revision name envy will not pass to git, or
    /// several of `tag`, `branch` and `rev` at once.
    #[error("invalid git reference: {0}")]
    InvalidReference(String),
    /// Not a full 40-hex commit id.
    #[error("invalid git commit `{0}`: a commit id is 40 hexadecimal digits")]
    InvalidCommit(String),
    /// `git fetch` failed to reach or read the repository.
    #[error("cannot fetch the git repository `{url}`: {message}")]
    Unreachable {
        /// The repository, redacted.
        url: String,
        /// git's own message, redacted.
        message: String,
    },
    /// The tag, branch or revision is not in the repository.
    #[error("{reference} does not exist in the git repository `{url}`")]
    ReferenceNotFound {
        /// The repository, redacted.
        url: String,
        /// The reference in words (``tag `v9` ``).
        reference: String,
    },
    /// The subdirectory a dependency names is not a directory at that commit.
    #[error("the subdirectory `{subdirectory}` does not exist in the git repository `{url}` at commit `{commit}`")]
    SubdirectoryNotFound {
        /// The repository, redacted.
        url: String,
        /// The subdirectory asked for.
        subdirectory: String,
        /// The commit checked out.
        commit: String,
    },
    /// Offline, and the cache cannot answer.
    #[error(
        "cannot resolve {reference} of the git repository `{url}` offline: it is not in the cache"
    )]
    Offline {
        /// The repository, redacted.
        url: String,
        /// The reference in words.
        reference: String,
    },
    /// A checkout of a commit that was never fetched.
    #[error("commit `{commit}` of the git repository `{url}` is not in the cache")]
    CommitNotCached {
        /// The repository, redacted.
        url: String,
        /// The commit asked for.
        commit: String,
    },
    /// Another git command failed (the cache's repository is damaged, the
    /// disk is full...).
    #[error("`{command}` failed: {message}")]
    Command {
        /// The command line (`git ...`), redacted.
        command: String,
        /// git's own message, redacted.
        message: String,
    },
    /// A file or directory of the cache could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl GitError {
    /// What to do next (the text after `hint: `), for `cli::diagnostics`.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            GitError::NotInstalled => {
                "install git (`apt install git`, `brew install git`, https://git-scm.com) and check that `git --version` runs".into()
            }
            GitError::InvalidUrl { .. } => {
                "write a git dependency as `name @ git+https://host/repo@REV#subdirectory=DIR` (or `git+ssh://`, `git+file://`)".into()
            }
            GitError::InvalidReference(_) => {
                "name one tag, branch or commit, as `git ls-remote URL` lists them".into()
            }
            GitError::InvalidCommit(_) => return None,
            GitError::Unreachable { url, .. } => format!(
                "check the URL and your access with `git ls-remote {url}`; envy never prompts, so credentials come from a git credential helper, `~/.netrc` or your SSH agent"
            ),
            GitError::ReferenceNotFound { url, .. } => {
                format!("see the repository's tags and branches with `git ls-remote {url}`")
            }
            GitError::SubdirectoryNotFound { .. } => {
                "the subdirectory is relative to the repository root; check its spelling at that commit".into()
            }
            GitError::Offline { .. } | GitError::CommitNotCached { .. } => {
                "run once without `--offline` to fetch it into the cache".into()
            }
            GitError::Command { .. } => {
                "if the cache is damaged, remove it with `envy cache clean` and try again".into()
            }
            GitError::Io(_) => return None,
        })
    }
}
