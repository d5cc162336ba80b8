//! What a git dependency names: [`GitUrl`] (a repository, a [`GitReference`]
//! and an optional subdirectory), parsed from a PEP 508 VCS URL
//! (`git+https://host/repo@REV#subdirectory=DIR`) or built from a
//! `[tool.envy.sources]` table; [`GitCommit`], a full object id; and the
//! repository key the cache is organised by. Pure: no I/O, no `git`.
//!
//! The URL forms follow the packaging "VCS support" rules that pip and uv
//! share (<https://packaging.python.org/en/latest/specifications/direct-url-data-structure/>):
//! the revision is what follows the last `@` of the path, the subdirectory
//! is the `subdirectory=` key of the fragment.

use super::GitError;
use crate::types::redact_url;
use sha2::Digest;
use std::fmt;
use std::path::{Component, Path};

/// The schemes a git repository URL may use, after the `git+` prefix.
const SCHEMES: &[&str] = &["https", "http", "ssh", "file", "git"];

/// Which commit of a repository a dependency asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GitReference {
    /// A tag (`tag = "v1"` in `[tool.envy.sources]`); annotated tags are
    /// peeled to the commit they point to.
    Tag(String),
    /// A branch (`branch = "main"`): its current tip when resolved online.
    Branch(String),
    /// A revision whose kind is not known (`rev = "..."`, or the `@REV` of
    /// a PEP 508 URL): a full or abbreviated commit id, a tag, a branch, or
    /// a full ref name such as `refs/pull/1/head`.
    Rev(String),
    /// No reference given: the remote's `HEAD` (its default branch).
    DefaultBranch,
}

impl GitReference {
    /// The reference from a `[tool.envy.sources]` table's `tag`, `branch`
    /// and `rev` keys; none of them is [`GitReference::DefaultBranch`].
    ///
    /// # Errors
    /// [`GitError::InvalidReference`] when more than one key is given or the
    /// name is not a usable git reference (empty, starting with `-`,
    /// holding whitespace, `..` or one of ``~^:?*[\``).
    pub fn from_source(
        tag: Option<&str>,
        branch: Option<&str>,
        rev: Option<&str>,
    ) -> Result<GitReference, GitError> {
        let reference = match (tag, branch, rev) {
            (None, None, None) => return Ok(GitReference::DefaultBranch),
            (Some(t), None, None) => GitReference::Tag(t.to_string()),
            (None, Some(b), None) => GitReference::Branch(b.to_string()),
            (None, None, Some(r)) => GitReference::Rev(r.to_string()),
            _ => {
                let given: Vec<String> = [("tag", tag), ("branch", branch), ("rev", rev)]
                    .iter()
                    .filter(|(_, v)| v.is_some())
                    .map(|(k, _)| format!("`{k}`"))
                    .collect();
                return Err(GitError::InvalidReference(format!(
                    "{} are given together; give only one of `tag`, `branch` and `rev`",
                    given.join(" and ")
                )));
            }
        };
        reference.check().map_err(GitError::InvalidReference)?;
        Ok(reference)
    }

    /// The name the user wrote (`None` for the default branch): the
    /// `requested_revision` of PEP 610's `vcs_info`, and the `@REV` of the URL.
    pub fn name(&self) -> Option<&str> {
        match self {
            GitReference::Tag(n) | GitReference::Branch(n) | GitReference::Rev(n) => Some(n),
            GitReference::DefaultBranch => None,
        }
    }

    /// The reference in words for messages: ``tag `v1` ``, ``branch `main` ``,
    /// ``revision `abc123` ``, `the default branch`.
    pub fn describe(&self) -> String {
        match self {
            GitReference::Tag(n) => format!("tag `{n}`"),
            GitReference::Branch(n) => format!("branch `{n}`"),
            GitReference::Rev(n) => format!("revision `{n}`"),
            GitReference::DefaultBranch => "the default branch".to_string(),
        }
    }

    /// The full commit id this reference already is (a `Rev` of 40 hex digits).
    pub fn as_commit(&self) -> Option<GitCommit> {
        match self {
            GitReference::Rev(r) => GitCommit::parse(r).ok(),
            _ => None,
        }
    }

    /// Refuse names git would misread: an option (`-...`), a revision
    /// expression (`~`, `^`, `:`, `@{`), a pattern, whitespace or control
    /// characters, `..`. The error is a phrase: ``revision `-x` starts with `-` ``.
    fn check(&self) -> Result<(), String> {
        let Some(name) = self.name() else {
            return Ok(());
        };
        let problem = if name.is_empty() {
            "is empty"
        } else if name.starts_with('-') {
            "starts with `-`"
        } else if name.contains("..") || name.contains("@{") {
            "contains `..` or `@{`"
        } else if name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
        {
            "contains whitespace or one of `~`, `^`, `:`, `?`, `*`, `[`, `\\`"
        } else if name.ends_with('/') || name.ends_with(".lock") || name.starts_with('/') {
            "is not a valid git reference name"
        } else {
            return Ok(());
        };
        Err(format!("{} {problem}", self.describe()))
    }
}

/// A full git commit id: 40 lowercase hexadecimal digits (SHA-1 object
/// names, what `git rev-parse` prints and what the lock stores).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GitCommit(String);

impl GitCommit {
    /// Parse a full commit id; upper-case digits are lower-cased.
    ///
    /// # Errors
    /// [`GitError::InvalidCommit`] unless `text` is exactly 40 hex digits.
    pub fn parse(text: &str) -> Result<GitCommit, GitError> {
        if text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(GitCommit(text.to_ascii_lowercase()))
        } else {
            Err(GitError::InvalidCommit(text.to_string()))
        }
    }

    /// The 40 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GitCommit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for GitCommit {
    type Err = GitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GitCommit::parse(s)
    }
}

/// A git dependency: the repository URL (as `git` takes it, credentials
/// included if the user gave them), the [`GitReference`] asked for and the
/// subdirectory holding the Python project, if not the repository root.
///
/// Its [`Display`](fmt::Display) is the PEP 508 form without credentials:
/// `git+https://host/repo@REV#subdirectory=DIR`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitUrl {
    repository: url::Url,
    reference: GitReference,
    subdirectory: Option<String>,
}

impl GitUrl {
    /// Parse a PEP 508 VCS URL: `git+SCHEME://[userinfo@]host/path[@REV][#FRAGMENT]`
    /// with SCHEME one of `https`, `http`, `ssh`, `file`, `git`. REV is
    /// what follows the last `@` of the path (a [`GitReference::Rev`]; none
    /// is [`GitReference::DefaultBranch`]); the fragment's `subdirectory=`
    /// key names the project's directory (`egg=` and other keys are ignored).
    ///
    /// # Errors
    /// [`GitError::InvalidUrl`] without the `git+` prefix, with another
    /// scheme, a URL that does not parse (the scp-like `git@host:path` form
    /// included), or a subdirectory that is absolute or climbs out with
    /// `..`, or a REV git would misread (see [`GitReference::from_source`]).
    pub fn parse(text: &str) -> Result<GitUrl, GitError> {
        let invalid = |reason: &str| GitError::InvalidUrl {
            url: redact_url(text),
            reason: reason.to_string(),
        };
        let Some(rest) = text.strip_prefix("git+") else {
            return Err(invalid(
                "a git URL starts with `git+`, as in `git+https://...`",
            ));
        };
        let mut url = parse_repository(rest).map_err(|reason| invalid(&reason))?;
        let mut subdirectory = None;
        if let Some(fragment) = url.fragment() {
            for pair in fragment.split('&') {
                if let Some(value) = pair.strip_prefix("subdirectory=") {
                    subdirectory = Some(percent_decode(value));
                }
            }
        }
        url.set_fragment(None);
        let path = url.path().to_string();
        let reference = match path.rfind('@') {
            Some(at) => {
                let rev = percent_decode(&path[at + 1..]);
                url.set_path(&path[..at]);
                GitReference::Rev(rev)
            }
            None => GitReference::DefaultBranch,
        };
        reference.check().map_err(|reason| invalid(&reason))?;
        GitUrl::new(url, reference, subdirectory.as_deref(), text)
    }

    /// The dependency a `[tool.envy.sources]` table describes:
    /// `{ git = URL, tag | branch | rev = ..., subdirectory = ... }`. `git`
    /// is the repository URL with or without the `git+` prefix, without an
    /// `@REV` or fragment (those are the table's keys); see
    /// [`GitReference::from_source`] for the reference.
    ///
    /// # Errors
    /// [`GitError::InvalidUrl`] as for [`GitUrl::parse`] (an unusable
    /// `reference` included), and when `git` carries a fragment.
    pub fn from_source(
        git: &str,
        reference: GitReference,
        subdirectory: Option<&str>,
    ) -> Result<GitUrl, GitError> {
        let invalid = |reason: &str| GitError::InvalidUrl {
            url: redact_url(git),
            reason: reason.to_string(),
        };
        let url = parse_repository(git.strip_prefix("git+").unwrap_or(git))
            .map_err(|reason| invalid(&reason))?;
        if url.fragment().is_some() {
            return Err(invalid(
                "the `git` URL of a source takes no `#...` fragment; use the `subdirectory` key",
            ));
        }
        reference.check().map_err(|reason| invalid(&reason))?;
        GitUrl::new(url, reference, subdirectory, git)
    }

    /// Check the subdirectory; `written` is the URL as the user wrote it,
    /// for the error.
    fn new(
        repository: url::Url,
        reference: GitReference,
        subdirectory: Option<&str>,
        written: &str,
    ) -> Result<GitUrl, GitError> {
        let subdirectory = match subdirectory.map(|s| s.trim_end_matches('/')) {
            None | Some("") | Some(".") => None,
            Some(dir) => {
                let ok = Path::new(dir)
                    .components()
                    .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
                    && !dir.contains('\\');
                if !ok {
                    return Err(GitError::InvalidUrl {
                        url: redact_url(written),
                        reason: format!(
                            "the subdirectory `{dir}` must be a relative path inside the repository"
                        ),
                    });
                }
                Some(dir.to_string())
            }
        };
        Ok(GitUrl {
            repository,
            reference,
            subdirectory,
        })
    }

    /// The same repository and subdirectory at another reference (for
    /// example the locked commit: `url.with_reference(GitReference::Rev(commit.to_string()))`).
    pub fn with_reference(&self, reference: GitReference) -> GitUrl {
        GitUrl {
            reference,
            ..self.clone()
        }
    }

    /// The repository URL as `git` takes it (no `git+`, no `@REV`, no
    /// fragment), credentials included: pass it to `git`, never print it.
    pub fn repository(&self) -> &url::Url {
        &self.repository
    }

    /// The reference asked for.
    pub fn reference(&self) -> &GitReference {
        &self.reference
    }

    /// The project's directory inside the repository (relative, `/`-separated).
    pub fn subdirectory(&self) -> Option<&str> {
        self.subdirectory.as_deref()
    }

    /// The repository URL for display, the lock and `direct_url.json`:
    /// without a password or token; a user name is kept only when it is
    /// `git` without a password (`ssh://git@host/...`, which PEP 610 names as
    /// not sensitive).
    pub fn display_repository(&self) -> String {
        let u = &self.repository;
        if u.username() == "git" && u.password().is_none() {
            u.to_string()
        } else {
            redact_url(u.as_str())
        }
    }

    /// The repository's identity in the cache: the URL without userinfo,
    /// query or fragment, the host lower-cased, a trailing `/` and `.git`
    /// removed. `https://Host/Org/Repo.git/` and `https://host/Org/Repo`
    /// are one repository; the scheme stays part of it.
    pub fn canonical_repository(&self) -> String {
        let u = &self.repository;
        let mut out = format!("{}://", u.scheme());
        if let Some(host) = u.host_str() {
            out.push_str(&host.to_ascii_lowercase());
        }
        if let Some(port) = u.port() {
            out.push_str(&format!(":{port}"));
        }
        let path = u.path().trim_end_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        out.push_str(path.trim_end_matches('/'));
        out
    }

    /// The cache key of the repository: the first 16 hex digits of the
    /// sha256 of [`GitUrl::canonical_repository`].
    pub fn repository_key(&self) -> String {
        let digest = sha2::Sha256::digest(self.canonical_repository().as_bytes());
        hex::encode(digest)[..16].to_string()
    }

    /// The PEP 508 URL of this dependency at `commit`, without credentials:
    /// `git+URL@COMMIT[#subdirectory=DIR]`, what the lock and a
    /// `requirements.txt` export write.
    pub fn to_pinned_string(&self, commit: &GitCommit) -> String {
        self.with_reference(GitReference::Rev(commit.to_string()))
            .to_string()
    }
}

impl fmt::Display for GitUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "git+{}", self.display_repository())?;
        if let Some(name) = self.reference.name() {
            write!(f, "@{name}")?;
        }
        if let Some(dir) = &self.subdirectory {
            write!(f, "#subdirectory={dir}")?;
        }
        Ok(())
    }
}

/// Parse a repository URL (without `git+`), checking its scheme and host.
fn parse_repository(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| {
        if !text.contains("://") && text.contains('@') && text.contains(':') {
            "the scp-like `user@host:path` form is not a URL; write `git+ssh://user@host/path`"
                .to_string()
        } else {
            format!("{e}")
        }
    })?;
    if !SCHEMES.contains(&url.scheme()) {
        return Err(format!(
            "the scheme `{}` is not one git dependencies use (`git+https`, `git+http`, `git+ssh`, `git+file`, `git+git`)",
            url.scheme()
        ));
    }
    if url.scheme() != "file" && url.host_str().is_none_or(str::is_empty) {
        return Err("it has no host".into());
    }
    if url.host_str().is_some_and(|h| h.starts_with('-')) {
        return Err("its host starts with `-`".into());
    }
    if url.scheme() == "file" && url.path().trim_matches('/').is_empty() {
        return Err("it names no repository path".into());
    }
    Ok(url)
}

/// `%XX` escapes decoded (a malformed escape is kept as written).
fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_string())
}

/// The `vcs_info` object of a PEP 610 `direct_url.json` for a git checkout:
/// `{"vcs": "git", "commit_id": COMMIT, "requested_revision": REV}`, without
/// `requested_revision` when none was asked for (the default branch).
pub fn direct_url_vcs_info(
    commit: &GitCommit,
    requested_revision: Option<&str>,
) -> serde_json::Value {
    let mut info = serde_json::json!({ "vcs": "git", "commit_id": commit.as_str() });
    if let Some(rev) = requested_revision {
        info["requested_revision"] = serde_json::Value::from(rev);
    }
    info
}

/// The whole PEP 610 `direct_url.json` of a distribution installed from
/// `url` at `commit`: `{"url": REPOSITORY, "vcs_info": {...}}` plus
/// `"subdirectory"` when the project is not at the repository root. The
/// URL is [`GitUrl::display_repository`] (no credentials) and the requested
/// revision is the reference's name.
pub fn direct_url(url: &GitUrl, commit: &GitCommit) -> serde_json::Value {
    let mut doc = serde_json::json!({
        "url": url.display_repository(),
        "vcs_info": direct_url_vcs_info(commit, url.reference().name()),
    });
    if let Some(dir) = url.subdirectory() {
        doc["subdirectory"] = serde_json::Value::from(dir);
    }
    doc
}
