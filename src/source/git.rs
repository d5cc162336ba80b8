//! Git dependencies as source trees: the checkout of a locked commit (fetched
//! again only when the cache lacks it), and a private copy of a checkout to
//! build in, so that no build backend ever writes into the shared checkout
//! cache (`egg-info`, `build/`, generated files).

use crate::git::{GitError, LockedGit};
use std::path::{Path, PathBuf};

/// The directory of `locked`'s project at its commit: the cached checkout
/// when there is one (no git process), else the commit fetched into the
/// cache under `cache` (unless `offline`) and checked out.
///
/// # Errors
/// [`GitError`]: the repository is unreachable or no longer has the commit,
/// the subdirectory does not exist at it, or offline and not cached.
pub fn checkout_locked(
    cache: &Path,
    locked: &LockedGit,
    offline: bool,
) -> Result<PathBuf, GitError> {
    match crate::git::checkout(cache, &locked.url, &locked.commit) {
        Err(GitError::CommitNotCached { .. }) => {
            crate::git::resolve(cache, &locked.pinned(), offline)?;
            crate::git::checkout(cache, &locked.url, &locked.commit)
        }
        other => other,
    }
}

/// A private copy of the checkout that `dir` (the project's directory, in
/// the subdirectory `subdirectory` of the checkout, if any) belongs to: the
/// whole working tree with its `.git` (for backends that read the version
/// from git), symbolic links copied as links. Returns the temporary
/// directory (removed when dropped) and the project's directory in it.
///
/// # Errors
/// I/O errors reading the checkout or writing the copy.
pub fn private_copy(
    dir: &Path,
    subdirectory: Option<&str>,
) -> std::io::Result<(tempfile::TempDir, PathBuf)> {
    let depth = subdirectory.map_or(0, |s| Path::new(s).components().count());
    let root = dir.ancestors().nth(depth).unwrap_or(dir);
    let tmp = tempfile::Builder::new().prefix("envy-git-").tempdir()?;
    let copy = tmp.path().join("tree");
    copy_dir(root, &copy)?;
    let project = match subdirectory {
        Some(s) => copy.join(s),
        None => copy,
    };
    Ok((tmp, project))
}

/// Copy the directory `from` to `to` (which must not exist), recursively.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs_err::create_dir_all(to)?;
    for entry in fs_err::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_symlink() {
            let link = fs_err::read_link(entry.path())?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &target)?;
            #[cfg(not(unix))]
            {
                let _ = link;
                if entry.path().is_dir() {
                    copy_dir(&entry.path(), &target)?;
                } else {
                    fs_err::copy(entry.path(), &target)?;
                }
            }
        } else if kind.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs_err::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_copy_holds_the_whole_tree_and_points_at_the_subdirectory() {
        let src = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(src.path().join("py/lib")).unwrap();
        fs_err::create_dir_all(src.path().join(".git")).unwrap();
        fs_err::write(src.path().join(".git/HEAD"), "x").unwrap();
        fs_err::write(src.path().join("py/lib/pyproject.toml"), "y").unwrap();
        let (_tmp, dir) = private_copy(&src.path().join("py/lib"), Some("py/lib")).unwrap();
        assert_eq!(
            fs_err::read_to_string(dir.join("pyproject.toml")).unwrap(),
            "y"
        );
        assert!(dir.join("../../.git/HEAD").is_file());
        let (_tmp, dir) = private_copy(src.path(), None).unwrap();
        assert!(dir.join(".git/HEAD").is_file());
    }
}
