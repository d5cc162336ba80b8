//! Git dependencies (PEP 508 `name @ git+URL@REV`, `[tool.envy.sources]`
//! `{ git = ..., tag | branch | rev = ... }`): fetching repositories into the
//! cache, resolving a reference to its full commit, and checking a commit
//! out. This is the layer the resolver, the lock and the installer use to turn
//! a git URL into a directory holding a Python project; it does not build
//! anything, read `pyproject.toml` or print.
//!
//! It runs the system `git` (see `command.rs` for its environment: no
//! prompts, no hooks). The cache, under the cache root:
//!
//! ```text
//! git-v1/locks/<key>.lock               one lock per repository (fs4 flock)
//! git-v1/db/<key>/                      a bare repository: every fetch lands here
//! git-v1/checkouts/<key>/<commit>/      one working tree per commit (with its .git)
//! ```
//!
//! `<key>` is [`GitUrl::repository_key`]: a hash of the canonical repository
//! URL, without credentials. Credentials are never written to the cache:
//! `git fetch` is given the URL on its command line, no remote is configured.
//! Remote branches are stored as `refs/remotes/origin/<branch>`, the remote
//! `HEAD` as `refs/remotes/origin/HEAD`, tags as `refs/tags/<tag>` (every
//! fetch brings all tags, so that a checkout describes itself as a clone
//! would, for setuptools-scm and its kind), and every resolved commit is kept
//! alive as `refs/envy/commits/<commit>` even when its branch moves on.

mod command;
mod error;
mod locked;
#[cfg(test)]
mod tests;
mod url;

pub use error::GitError;
pub use locked::LockedGit;
pub use url::{direct_url, direct_url_vcs_info, GitCommit, GitReference, GitUrl};

use command::{git, run};
use std::path::{Path, PathBuf};

/// The git cache's directory under the cache root.
pub const CACHE_DIR: &str = "git-v1";

/// Every remote tag, forced (a moved tag follows the remote).
const ALL_TAGS: &str = "+refs/tags/*:refs/tags/*";
/// The remote's `HEAD`, its default branch.
const REMOTE_HEAD: &str = "+HEAD:refs/remotes/origin/HEAD";
/// Every remote branch.
const ALL_BRANCHES: &str = "+refs/heads/*:refs/remotes/origin/*";

/// Resolve `url`'s reference to a full commit, fetching the repository into
/// `cache` (the envy cache root) first unless `offline`.
///
/// - A full commit id (a 40-hex [`GitReference::Rev`]) that is already in the
///   cache resolves without the network, offline or not.
/// - Online, a tag, branch, other revision or the default branch is fetched
///   again every time (a branch that moved resolves to its new tip); an
///   annotated tag resolves to the commit it points to.
/// - Offline, the last fetch answers.
///
/// Two processes (or threads) resolving the same repository take turns on
/// its lock file.
///
/// # Errors
/// [`GitError::NotInstalled`]; [`GitError::Unreachable`] with git's own
/// message when the fetch fails; [`GitError::ReferenceNotFound`] when the
/// repository has no such tag, branch or revision; [`GitError::Offline`]
/// when offline and the cache cannot answer; [`GitError::Io`] and
/// [`GitError::Command`] for a cache that cannot be written or is damaged.
pub fn resolve(cache: &Path, url: &GitUrl, offline: bool) -> Result<GitCommit, GitError> {
    let repo = Repository::open(cache, url)?;
    if let Some(commit) = url.reference().as_commit() {
        if repo.has_commit(&commit)? {
            repo.keep(&commit)?;
            return Ok(commit);
        }
    }
    if offline {
        return repo
            .lookup(url.reference())?
            .ok_or_else(|| GitError::Offline {
                url: url.display_repository(),
                reference: url.reference().describe(),
            });
    }
    repo.fetch(url)?;
    let commit = repo
        .lookup(url.reference())?
        .ok_or_else(|| not_found(url))?;
    repo.keep(&commit)?;
    Ok(commit)
}

/// A working tree of `commit` of `url`'s repository, checked out once into
/// `git-v1/checkouts/<key>/<commit>/` under `cache` (in a temporary
/// directory renamed into place, so a directory there is always complete)
/// and reused afterwards. The tree holds a `.git` (a local clone of the
/// cache's repository, detached at `commit`, with the tags; its submodules,
/// if any, are initialised recursively, as pip does). Returns the directory
/// of `url`'s subdirectory when it has one.
///
/// The commit must be in the cache. For a locked commit, call `checkout`
/// first and, only on [`GitError::CommitNotCached`], [`resolve`] with
/// `url.with_reference(GitReference::Rev(commit.to_string()))` (which fetches
/// that commit) and `checkout` again: a cached checkout costs no git process.
///
/// # Errors
/// [`GitError::CommitNotCached`] when the commit was never fetched;
/// [`GitError::SubdirectoryNotFound`] when `url`'s subdirectory is not a
/// directory inside the checkout; [`GitError::Unreachable`] when a
/// submodule cannot be fetched; [`GitError::NotInstalled`],
/// [`GitError::Command`] and [`GitError::Io`] when the checkout fails.
pub fn checkout(cache: &Path, url: &GitUrl, commit: &GitCommit) -> Result<PathBuf, GitError> {
    let parent = std::path::absolute(cache)?
        .join(CACHE_DIR)
        .join("checkouts")
        .join(url.repository_key());
    let tree = parent.join(commit.as_str());
    // A tree is renamed into place complete: no lock, no git to reuse it.
    if !tree.is_dir() {
        let repo = Repository::open(cache, url)?;
        if !tree.is_dir() {
            repo.check_out(url, commit, &parent, &tree)?;
        }
    }
    let Some(sub) = url.subdirectory() else {
        return Ok(tree);
    };
    let dir = tree.join(sub);
    // A symlink may not lead out of the checkout.
    let inside = match (fs_err::canonicalize(&dir), fs_err::canonicalize(&tree)) {
        (Ok(d), Ok(t)) => d.is_dir() && d.starts_with(t),
        _ => false,
    };
    if inside {
        Ok(dir)
    } else {
        Err(GitError::SubdirectoryNotFound {
            url: url.display_repository(),
            subdirectory: sub.to_string(),
            commit: commit.to_string(),
        })
    }
}

/// The "does not exist" error for `url`'s reference.
fn not_found(url: &GitUrl) -> GitError {
    GitError::ReferenceNotFound {
        url: url.display_repository(),
        reference: url.reference().describe(),
    }
}

/// An I/O error from `tempfile`, which does not name the directory.
fn io_error(e: std::io::Error, dir: &Path) -> GitError {
    GitError::Io(std::io::Error::new(
        e.kind(),
        format!("cannot create a directory in {}: {e}", dir.display()),
    ))
}

/// Remove the temporary directories named `prefix...` in `dir`: under the
/// repository's lock, any there were left by a process that was killed.
fn remove_leftovers(dir: &Path, prefix: &str) -> Result<(), GitError> {
    for entry in fs_err::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            fs_err::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// One repository's bare database in the cache, locked for as long as this
/// value lives.
struct Repository {
    /// `git-v1/db/<key>`.
    db: PathBuf,
    /// The held lock file (unlocked when dropped).
    _lock: fs_err::File,
}

impl Repository {
    /// Lock the repository's cache entry (waiting for another holder) and
    /// create its bare database if it does not exist yet (in a temporary
    /// directory renamed into place).
    fn open(cache: &Path, url: &GitUrl) -> Result<Repository, GitError> {
        use fs4::fs_std::FileExt;
        let root = std::path::absolute(cache)?.join(CACHE_DIR);
        let key = url.repository_key();
        let locks = root.join("locks");
        fs_err::create_dir_all(&locks)?;
        let lock = fs_err::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(locks.join(format!("{key}.lock")))?;
        lock.file().lock_exclusive()?;
        let dbs = root.join("db");
        let db = dbs.join(&key);
        if !db.join("HEAD").is_file() {
            fs_err::create_dir_all(&dbs)?;
            let prefix = format!(".tmp-{key}-");
            remove_leftovers(&dbs, &prefix)?;
            let tmp = tempfile::Builder::new()
                .prefix(&prefix)
                .tempdir_in(&dbs)
                .map_err(|e| io_error(e, &dbs))?;
            run(git(tmp.path()).args(["init", "--bare", "--quiet", "."]))?;
            if db.exists() {
                // Left half-made by a process that was killed.
                fs_err::remove_dir_all(&db)?;
            }
            fs_err::rename(tmp.keep(), &db)?;
        }
        Ok(Repository { db, _lock: lock })
    }

    /// Check `commit` out into `tree` (under `parent`): a local clone of the
    /// database in a temporary directory, detached at `commit`, its
    /// submodules initialised when it has any, then renamed into place.
    fn check_out(
        &self,
        url: &GitUrl,
        commit: &GitCommit,
        parent: &Path,
        tree: &Path,
    ) -> Result<(), GitError> {
        if !self.has_commit(commit)? {
            return Err(GitError::CommitNotCached {
                url: url.display_repository(),
                commit: commit.to_string(),
            });
        }
        fs_err::create_dir_all(parent)?;
        remove_leftovers(parent, ".tmp-")?;
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempdir_in(parent)
            .map_err(|e| io_error(e, parent))?;
        run(git(parent)
            .args(["clone", "--local", "--no-checkout", "--quiet", "--"])
            .arg(&self.db)
            .arg(tmp.path()))?;
        run(git(tmp.path()).args(["checkout", "--quiet", "--detach", commit.as_str()]))?;
        if tmp.path().join(".gitmodules").is_file() {
            let mut update = git(tmp.path());
            if url.repository().scheme() == "file" {
                // A local repository's submodules may be local too; git
                // refuses the file protocol for submodules unless told.
                update.args(["-c", "protocol.file.allow=always"]);
            }
            update.args(["submodule", "update", "--init", "--recursive", "--quiet"]);
            let out = command::output(&mut update)?;
            if !out.status.success() {
                return Err(GitError::Unreachable {
                    url: format!("{} (its submodules)", url.display_repository()),
                    message: command::message(&out.stderr),
                });
            }
        }
        fs_err::rename(tmp.keep(), tree)?;
        Ok(())
    }

    /// Whether the database holds `commit` (as a commit object).
    fn has_commit(&self, commit: &GitCommit) -> Result<bool, GitError> {
        let out = command::output(git(&self.db).args([
            "cat-file",
            "-e",
            &format!("{commit}^{{commit}}"),
        ]))?;
        Ok(out.status.success())
    }

    /// The commit `name` (a ref or an abbreviated id) names, peeled
    /// through annotated tags; `None` when it names nothing.
    fn rev_parse(&self, name: &str) -> Result<Option<GitCommit>, GitError> {
        let out = command::output(git(&self.db).args([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{name}^{{commit}}"),
        ]))?;
        if !out.status.success() {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(GitCommit::parse(text.trim()).ok())
    }

    /// What the last fetch says `reference` is.
    fn lookup(&self, reference: &GitReference) -> Result<Option<GitCommit>, GitError> {
        match reference {
            GitReference::Tag(t) => self.rev_parse(&format!("refs/tags/{t}")),
            GitReference::Branch(b) => self.rev_parse(&format!("refs/remotes/origin/{b}")),
            GitReference::DefaultBranch => self.rev_parse("refs/remotes/origin/HEAD"),
            GitReference::Rev(r) => {
                if let Ok(commit) = GitCommit::parse(r) {
                    return Ok(self.has_commit(&commit)?.then_some(commit));
                }
                if r.starts_with("refs/") {
                    return self.rev_parse(r);
                }
                for name in [format!("refs/tags/{r}"), format!("refs/remotes/origin/{r}")] {
                    if let Some(commit) = self.rev_parse(&name)? {
                        return Ok(Some(commit));
                    }
                }
                let abbreviated = r.len() >= 4 && r.bytes().all(|b| b.is_ascii_hexdigit());
                if abbreviated {
                    return self.rev_parse(r);
                }
                Ok(None)
            }
        }
    }

    /// Keep `commit` alive in the database (`refs/envy/commits/<commit>`):
    /// a locked commit must survive its branch moving on and git's gc.
    fn keep(&self, commit: &GitCommit) -> Result<(), GitError> {
        run(git(&self.db).args([
            "update-ref",
            &format!("refs/envy/commits/{commit}"),
            commit.as_str(),
        ]))?;
        Ok(())
    }

    /// Fetch what `url`'s reference needs (and every tag) from the remote.
    fn fetch(&self, url: &GitUrl) -> Result<(), GitError> {
        let commit_ref;
        let exact;
        let specs: Vec<&str> = match url.reference() {
            GitReference::Tag(_) => vec![ALL_TAGS],
            GitReference::Branch(b) => {
                exact = format!("+refs/heads/{b}:refs/remotes/origin/{b}");
                vec![&exact, ALL_TAGS]
            }
            GitReference::DefaultBranch => vec![REMOTE_HEAD, ALL_TAGS],
            GitReference::Rev(r) if r.starts_with("refs/") => {
                exact = format!("+{r}:{r}");
                vec![&exact, ALL_TAGS]
            }
            GitReference::Rev(r) => match GitCommit::parse(r) {
                Ok(commit) => {
                    // Servers that do not serve a commit by id fail this
                    // fetch; every branch is then fetched instead.
                    commit_ref = format!("+{commit}:refs/envy/commits/{commit}");
                    if self
                        .fetch_refspecs(url, &[&commit_ref, ALL_TAGS], false)
                        .is_ok()
                    {
                        return Ok(());
                    }
                    vec![ALL_BRANCHES, REMOTE_HEAD, ALL_TAGS]
                }
                Err(_) => vec![ALL_BRANCHES, REMOTE_HEAD, ALL_TAGS],
            },
        };
        self.fetch_refspecs(url, &specs, true)
    }

    /// `git fetch --force --no-tags [--prune] -- URL SPECS...` into the
    /// database. Pruning drops the branches and tags the remote deleted (so
    /// they no longer resolve); `refs/envy/` is never pruned, as no
    /// pruning fetch writes there.
    fn fetch_refspecs(&self, url: &GitUrl, specs: &[&str], prune: bool) -> Result<(), GitError> {
        let repository = url.repository();
        let mut cmd = git(&self.db);
        cmd.args(["fetch", "--quiet", "--force", "--no-tags"]);
        if prune {
            cmd.arg("--prune");
        }
        cmd.arg("--");
        match repository.to_file_path() {
            Ok(path) if repository.scheme() == "file" => cmd.arg(path),
            _ => cmd.arg(repository.as_str()),
        };
        cmd.args(specs);
        let out = command::output(&mut cmd)?;
        if out.status.success() {
            return Ok(());
        }
        let message = command::message(&out.stderr);
        if message.starts_with("couldn't find remote ref") {
            return Err(not_found(url));
        }
        Err(GitError::Unreachable {
            url: url.display_repository(),
            message,
        })
    }
}
