//! Direct references in `pyproject.toml`: PEP 508 `name @ URL` requirements
//! and `[tool.envy.sources]` path, url and git entries, read into
//! [`DirectSource`] per package (pure: no I/O).

use super::{EnvyTool, ProjectError};
use pep508_rs::{PackageName, Requirement};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Where a package named by a direct reference comes from: a PEP 508
/// `name @ URL` requirement or a `[tool.envy.sources]` entry (PEP 440 calls
/// both "direct references"). Never resolved from an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectSource {
    /// A local source tree (a directory with `pyproject.toml` or
    /// `setup.py`), wheel or sdist: the path as given (relative to the
    /// project root, or absolute from a `file://` URL).
    Path {
        /// The path, as written (`/` separators).
        path: String,
        /// Install the directory editable (PEP 660).
        editable: bool,
    },
    /// A remote wheel or sdist (`http(s)://`), with the fragment (e.g.
    /// `#sha256=...`) as written.
    Url {
        /// The URL as written.
        url: String,
    },
    /// A git repository (`name @ git+URL@REV#subdirectory=DIR`, or a
    /// `{ git = URL, tag | branch | rev = ..., subdirectory = ... }` source).
    Git {
        /// The repository, the requested reference and the subdirectory.
        url: crate::git::GitUrl,
    },
}

impl DirectSource {
    /// The `sha256` a URL's `#sha256=<hex>` fragment names, if any.
    pub fn fragment_sha256(&self) -> Option<String> {
        let DirectSource::Url { url } = self else {
            return None;
        };
        let (_, fragment) = url.split_once('#')?;
        fragment
            .split('&')
            .find_map(|kv| kv.strip_prefix("sha256="))
            .map(str::to_ascii_lowercase)
    }

    /// The URL without its fragment (credentials kept: for fetching).
    pub fn url_without_fragment(&self) -> Option<&str> {
        match self {
            DirectSource::Url { url } => Some(url.split('#').next().unwrap_or(url)),
            DirectSource::Path { .. } | DirectSource::Git { .. } => None,
        }
    }
}

/// Whether `url` can be an archive source: `http(s)://` ending in a wheel
/// or sdist filename.
pub(super) fn check_archive_url(url: &str) -> Result<(), String> {
    let shown = crate::types::redact_url(url);
    let parsed = url::Url::parse(url).map_err(|e| format!("`{shown}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "`{shown}`: a `url` source must be `http://` or `https://` (use `path` for local files)"
        ));
    }
    let file = parsed.path().rsplit('/').next().unwrap_or_default();
    if !is_archive_name(file) {
        return Err(format!(
            "`{shown}` is not a wheel (`.whl`) or an sdist (`.tar.gz`, `.zip`)"
        ));
    }
    Ok(())
}

/// Whether a filename is a wheel or an sdist by its extension.
pub fn is_archive_name(file: &str) -> bool {
    file.ends_with(".whl") || file.ends_with(".tar.gz") || file.ends_with(".zip")
}

/// The direct references of a project: `name @ URL` requirements (`file:`,
/// `http(s):` and `git+` URLs) and `[tool.envy.sources]` path, url and git
/// entries. A name with two different direct references is an error.
pub(super) fn direct_sources<'a>(
    tool: &EnvyTool,
    requirements: impl Iterator<Item = &'a Requirement>,
    invalid: &dyn Fn(&str, &str, String) -> ProjectError,
) -> Result<BTreeMap<PackageName, DirectSource>, ProjectError> {
    let mut out: BTreeMap<PackageName, DirectSource> = BTreeMap::new();
    for (pkg, source) in &tool.sources {
        let Ok(name) = PackageName::from_str(pkg) else {
            continue;
        };
        let direct = match (&source.path, &source.url, &source.git) {
            (Some(path), _, _) => DirectSource::Path {
                path: path.replace('\\', "/"),
                editable: source.editable.unwrap_or(false),
            },
            (None, Some(url), _) => DirectSource::Url { url: url.clone() },
            (None, None, Some(git)) => DirectSource::Git {
                url: git_source(git, source)
                    .map_err(|e| invalid("tool.envy.sources", pkg, format!("`{pkg}`: {e}")))?,
            },
            (None, None, None) => continue,
        };
        out.insert(name, direct);
    }
    let from_sources: std::collections::BTreeSet<PackageName> = out.keys().cloned().collect();
    for r in requirements {
        let Some(pep508_rs::VersionOrUrl::Url(url)) = &r.version_or_url else {
            continue;
        };
        let given = url.to_string();
        let shown = crate::types::redact_url(&given);
        let parsed = url.to_url();
        let direct = match parsed.scheme() {
            "file" => {
                let path = parsed.to_file_path().map_err(|()| {
                    invalid(
                        "project.dependencies",
                        r.name.as_ref(),
                        format!("`{} @ {shown}`: not a local path", r.name),
                    )
                })?;
                DirectSource::Path {
                    path: path.to_string_lossy().replace('\\', "/"),
                    editable: false,
                }
            }
            "http" | "https" => {
                check_archive_url(&given).map_err(|m| {
                    invalid(
                        "project.dependencies",
                        r.name.as_ref(),
                        format!("`{} @ {shown}`: {m}", r.name),
                    )
                })?;
                DirectSource::Url { url: given.clone() }
            }
            scheme if scheme.starts_with("git+") => DirectSource::Git {
                url: crate::git::GitUrl::parse(&given)
                    .and_then(no_query)
                    .map_err(|e| {
                        invalid(
                            "project.dependencies",
                            r.name.as_ref(),
                            format!("`{} @ {shown}`: {e}", r.name),
                        )
                    })?,
            },
            _ => continue, // other schemes: refused by `ops::lock`
        };
        if from_sources.contains(&r.name) {
            // `[tool.envy.sources]` decides where the package comes from.
            continue;
        }
        match out.get(&r.name) {
            Some(existing) if existing != &direct => {
                return Err(invalid(
                    "project.dependencies",
                    r.name.as_ref(),
                    format!("`{}` has two different direct references; use one", r.name),
                ))
            }
            _ => {
                out.insert(r.name.clone(), direct);
            }
        }
    }
    Ok(out)
}

/// The git dependency a `[tool.envy.sources]` entry with `git` describes.
///
/// # Errors
/// An unusable URL, reference or subdirectory ([`crate::git::GitError`]).
pub(super) fn git_source(
    git: &str,
    source: &super::ToolSource,
) -> Result<crate::git::GitUrl, crate::git::GitError> {
    let reference = crate::git::GitReference::from_source(
        source.tag.as_deref(),
        source.branch.as_deref(),
        source.rev.as_deref(),
    )?;
    crate::git::GitUrl::from_source(git, reference, source.subdirectory.as_deref())
        .and_then(no_query)
}

/// Refuse a repository URL with a `?query`: the lock's git string keeps its
/// own query for the requested reference and subdirectory.
fn no_query(url: crate::git::GitUrl) -> Result<crate::git::GitUrl, crate::git::GitError> {
    if url.repository().query().is_some() {
        return Err(crate::git::GitError::InvalidUrl {
            url: url.display_repository(),
            reason: "a git repository URL with a `?query` is not supported".to_string(),
        });
    }
    Ok(url)
}
