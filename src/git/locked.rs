//! How the lock writes a git dependency: one string,
//! `REPOSITORY[?tag=T|branch=B|rev=R][&subdirectory=DIR]#COMMIT`, for example
//! `https://github.com/org/lib?tag=v1&subdirectory=python#0123...cdef`.
//!
//! - `REPOSITORY` is [`GitUrl::display_repository`]: no password or token.
//! - The query says what `pyproject.toml` asked for (the requested
//!   reference, at most one of `tag`, `branch`, `rev`; none for the default
//!   branch) and the subdirectory, in that order, percent-encoded.
//! - The fragment is the full commit id the reference resolved to.
//!
//! Pure: no I/O, no `git`.

use super::{GitCommit, GitError, GitReference, GitUrl};

/// A git dependency as locked: what was asked for and the commit it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedGit {
    /// The repository, the requested reference and the subdirectory.
    pub url: GitUrl,
    /// The full commit id the reference resolved to.
    pub commit: GitCommit,
}

impl LockedGit {
    /// The lock's string for this dependency (see the module docs).
    pub fn to_lock_string(&self) -> String {
        let mut out = self.url.display_repository();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        match self.url.reference() {
            GitReference::Tag(t) => {
                query.append_pair("tag", t);
            }
            GitReference::Branch(b) => {
                query.append_pair("branch", b);
            }
            GitReference::Rev(r) => {
                query.append_pair("rev", r);
            }
            GitReference::DefaultBranch => {}
        }
        if let Some(dir) = self.url.subdirectory() {
            query.append_pair("subdirectory", dir);
        }
        let query = query.finish();
        if !query.is_empty() {
            out.push('?');
            out.push_str(&query);
        }
        out.push('#');
        out.push_str(self.commit.as_str());
        out
    }

    /// Parse the lock's string strictly: it must be exactly what
    /// [`LockedGit::to_lock_string`] writes (known query keys, in order, at
    /// most one reference, a full commit id, no credentials).
    ///
    /// # Errors
    /// A phrase saying what is wrong, for the lock's parse error.
    pub fn parse(text: &str) -> Result<LockedGit, String> {
        let bad = |why: &str| {
            format!(
                "invalid git source `{}`: {why}",
                crate::types::redact_url(text)
            )
        };
        let (rest, commit) = text
            .split_once('#')
            .ok_or_else(|| bad("it has no `#COMMIT`"))?;
        let commit = GitCommit::parse(commit).map_err(|e: GitError| bad(&e.to_string()))?;
        let (repository, query) = match rest.split_once('?') {
            Some((r, q)) => (r, q),
            None => (rest, ""),
        };
        let (mut tag, mut branch, mut rev, mut subdirectory) = (None, None, None, None);
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "tag" => &mut tag,
                "branch" => &mut branch,
                "rev" => &mut rev,
                "subdirectory" => &mut subdirectory,
                other => return Err(bad(&format!("unknown key `{other}`"))),
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(bad(&format!("`{key}` is given twice")));
            }
        }
        let reference =
            GitReference::from_source(tag.as_deref(), branch.as_deref(), rev.as_deref())
                .map_err(|e| bad(&e.to_string()))?;
        let url = GitUrl::from_source(repository, reference, subdirectory.as_deref())
            .map_err(|e| bad(&e.to_string()))?;
        let locked = LockedGit { url, commit };
        if locked.to_lock_string() != text {
            return Err(bad(&format!(
                "it is not written as envy writes it (`{}`)",
                locked.to_lock_string()
            )));
        }
        Ok(locked)
    }

    /// The dependency at its locked commit (to fetch that commit).
    pub fn pinned(&self) -> GitUrl {
        self.url
            .with_reference(GitReference::Rev(self.commit.to_string()))
    }

    /// The PEP 508 URL at the locked commit, without credentials:
    /// `git+REPOSITORY@COMMIT[#subdirectory=DIR]`.
    pub fn pep508_url(&self) -> String {
        self.url.to_pinned_string(&self.commit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn the_lock_string_round_trips_and_is_strict() {
        for (url, reference, sub, want) in [
            (
                "https://host/org/lib",
                GitReference::Tag("v1".into()),
                Some("py/lib"),
                format!("https://host/org/lib?tag=v1&subdirectory=py%2Flib#{C}"),
            ),
            (
                "file:///srv/git/lib",
                GitReference::DefaultBranch,
                None,
                format!("file:///srv/git/lib#{C}"),
            ),
            (
                "ssh://git@host/lib.git",
                GitReference::Branch("feature/x".into()),
                None,
                format!("ssh://git@host/lib.git?branch=feature%2Fx#{C}"),
            ),
        ] {
            let locked = LockedGit {
                url: GitUrl::from_source(url, reference, sub).unwrap(),
                commit: GitCommit::parse(C).unwrap(),
            };
            assert_eq!(locked.to_lock_string(), want);
            assert_eq!(LockedGit::parse(&want).unwrap(), locked);
        }
        for bad in [
            "https://host/lib".to_string(),
            format!("https://host/lib#{}", &C[..12]),
            format!("https://host/lib?tag=v1&branch=main#{C}"),
            format!("https://host/lib?egg=x#{C}"),
            format!("https://host/lib?subdirectory=a&tag=v1#{C}"),
            format!("https://user:secret@host/lib#{C}"),
        ] {
            let e = LockedGit::parse(&bad).unwrap_err();
            assert!(!e.contains("secret"), "{e}");
        }
    }
}
