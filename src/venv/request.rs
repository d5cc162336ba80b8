//! Interpreter requests (`--python`, `.python-version`) and whether an existing
//! venv's interpreter still fits them and the project's `requires-python`.
//!
//! A version request matches by release components, never by string prefix:
//! `3` takes any 3.x, `3.12` any 3.12.x (not 3.1, not 3.11), `3.12.1` exactly
//! that patch release. Specifiers (`>=3.11,<3.13`) follow PEP 440. A path
//! names one interpreter. No printing here: callers turn a [`Misfit`] into words.

use super::{Interpreter, VenvError};
use pep440_rs::{Version, VersionSpecifiers};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A parsed `--python` / `.python-version` request.
#[derive(Debug, Clone)]
pub(crate) enum Request {
    /// Any Python.
    Any,
    /// A version prefix: `3`, `3.12`, `3.12.1`.
    Version(Vec<u64>),
    /// Version specifiers: `>=3.11,<3.13`.
    Specifiers(VersionSpecifiers),
    /// A path to an executable (or a name to look up on PATH).
    Path(PathBuf),
}

impl Request {
    pub(crate) fn parse(s: &str) -> Result<Request, VenvError> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        let stripped = lower
            .strip_prefix("cpython")
            .or_else(|| lower.strip_prefix("python"))
            .or_else(|| lower.strip_prefix("cp"))
            .map(|r| r.trim_start_matches(['-', '@']))
            .unwrap_or(&lower);
        if stripped.is_empty() {
            return Ok(Request::Any);
        }
        let parts: Result<Vec<u64>, _> = stripped.split('.').map(u64::from_str).collect();
        if let Ok(parts) = parts {
            if !parts.is_empty() && parts.len() <= 3 {
                return Ok(Request::Version(parts));
            }
        }
        if s.starts_with(['<', '>', '=', '!', '~']) {
            return VersionSpecifiers::from_str(s)
                .map(Request::Specifiers)
                .map_err(|e| VenvError::InvalidRequest {
                    request: s.to_string(),
                    reason: e.to_string(),
                });
        }
        if s.contains(std::path::MAIN_SEPARATOR) || s.contains('/') || Path::new(s).is_file() {
            return Ok(Request::Path(PathBuf::from(s)));
        }
        Err(VenvError::InvalidRequest {
            request: s.to_string(),
            reason: "expected a version like `3.12`, `python3.12`, `cpython3.12`, or a path".into(),
        })
    }

    pub(crate) fn matches(&self, v: &Version) -> bool {
        match self {
            Request::Any | Request::Path(_) => true,
            Request::Version(parts) => {
                let rel = v.release();
                parts.iter().enumerate().all(|(i, p)| rel.get(i) == Some(p))
            }
            Request::Specifiers(s) => s.contains(v),
        }
    }

    /// `(major, minor)` when the request names one.
    pub(crate) fn minor(&self) -> Option<(u64, u64)> {
        match self {
            Request::Version(p) if p.len() >= 2 => Some((p[0], p[1])),
            _ => None,
        }
    }
}

/// Read the first meaningful line of `.python-version` in `dir` or its nearest ancestor.
///
/// Returns the file and the request text, `None` when no such file exists.
pub(crate) fn python_version_file(dir: &Path) -> Result<Option<(PathBuf, String)>, VenvError> {
    for d in dir.ancestors() {
        let f = d.join(".python-version");
        if f.is_file() {
            let text = fs_err::read_to_string(&f)?;
            if let Some(line) = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
            {
                return Ok(Some((f, line.to_string())));
            }
        }
    }
    Ok(None)
}

/// The request in `.python-version` of `dir` or its nearest ancestor:
/// the file and its first meaningful line.
///
/// # Errors
/// When the file exists but cannot be read.
pub fn python_version_request(dir: &Path) -> Result<Option<(PathBuf, String)>, VenvError> {
    python_version_file(dir)
}

/// Check that `request` is a valid `--python` / `.python-version` request and
/// say whether `version` satisfies it (paths match every version).
///
/// # Errors
/// [`VenvError::InvalidRequest`] when it cannot be understood.
pub fn request_matches(request: &str, version: &Version) -> Result<bool, VenvError> {
    Ok(Request::parse(request)?.matches(version))
}

/// Why an existing venv's interpreter no longer fits what the project asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misfit {
    /// It does not match the interpreter request: `--python` (`file` is `None`)
    /// or the first line of the `.python-version` file `file`.
    Request {
        /// The request text, e.g. `3.12`.
        request: String,
        /// The `.python-version` file it came from, `None` for `--python`.
        file: Option<PathBuf>,
    },
    /// Its version is outside the project's `requires-python` (PEP 621/440).
    RequiresPython(String),
}

/// Whether `interpreter` (the one an existing venv runs) still fits: the
/// explicit `request` (`--python`), else the `.python-version` of `project_dir`
/// or its nearest ancestor, and `requires_python` (empty accepts all).
/// `Ok(None)` when it fits; otherwise the first reason it does not, the
/// request checked before `requires-python`. A path request fits only the
/// interpreter that path runs (one subprocess to ask it).
///
/// # Errors
/// [`VenvError::InvalidRequest`] for a request that cannot be understood;
/// [`VenvError::Query`] when a requested path cannot be run; an unreadable
/// `.python-version`.
pub fn venv_misfit(
    interpreter: &Interpreter,
    request: Option<&str>,
    requires_python: &VersionSpecifiers,
    project_dir: &Path,
) -> Result<Option<Misfit>, VenvError> {
    let (text, file) = match request {
        Some(r) => (Some(r.to_string()), None),
        None => match python_version_file(project_dir)? {
            Some((f, line)) => (Some(line), Some(f)),
            None => (None, None),
        },
    };
    if let Some(text) = text {
        let fits = match Request::parse(&text)? {
            Request::Path(p) => {
                let asked = Interpreter::query(&p)?;
                same_file(&asked.executable, &interpreter.executable)
            }
            req => req.matches(&interpreter.version),
        };
        if !fits {
            return Ok(Some(Misfit::Request {
                request: text.trim().to_string(),
                file,
            }));
        }
    }
    if !requires_python.contains(&interpreter.version) {
        return Ok(Some(Misfit::RequiresPython(requires_python.to_string())));
    }
    Ok(None)
}

fn same_file(a: &Path, b: &Path) -> bool {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    real(a) == real(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests() {
        assert!(matches!(Request::parse("3.12"), Ok(Request::Version(v)) if v == [3, 12]));
        assert!(matches!(Request::parse("python3.12"), Ok(Request::Version(v)) if v == [3, 12]));
        assert!(
            matches!(Request::parse("cpython3.12.1"), Ok(Request::Version(v)) if v == [3, 12, 1])
        );
        assert!(matches!(
            Request::parse("cpython-3.12"),
            Ok(Request::Version(_))
        ));
        assert!(matches!(
            Request::parse(">=3.11"),
            Ok(Request::Specifiers(_))
        ));
        assert!(matches!(
            Request::parse("/usr/bin/python3"),
            Ok(Request::Path(_))
        ));
        assert!(Request::parse("banana").is_err());
        let v = Version::from_str("3.12.1").unwrap();
        assert!(Request::parse("3.12").unwrap().matches(&v));
        assert!(!Request::parse("3.12.2").unwrap().matches(&v));
        assert!(!Request::parse("3.1").unwrap().matches(&v));
    }

    #[test]
    fn versions_match_by_component_not_prefix() {
        let matches =
            |req: &str, v: &str| request_matches(req, &Version::from_str(v).unwrap()).unwrap();
        assert!(matches("3", "3.12.1"));
        assert!(matches("3.12", "3.12.1"));
        assert!(matches("3.12", "3.12.0"));
        assert!(!matches("3.1", "3.12.1"));
        assert!(!matches("3.1", "3.11.7"));
        assert!(matches("3.1", "3.1.4"));
        assert!(!matches("3.12", "3.11.7"));
        assert!(matches("3.12.1", "3.12.1"));
        assert!(!matches("3.12.1", "3.12.10"));
        assert!(!matches("3.12.1", "3.12.11"));
        assert!(matches(">=3.11,<3.13", "3.12.1"));
        assert!(!matches(">=3.11,<3.13", "3.13.0"));
    }

    #[test]
    fn misfit_names_the_request_then_requires_python() {
        let i = Interpreter::query(Path::new("python3")).unwrap();
        let (major, minor) = i.python_minor();
        let dir = tempfile::tempdir().unwrap();
        let any = VersionSpecifiers::empty();
        let same = format!("{major}.{minor}");
        assert_eq!(
            venv_misfit(&i, Some(&same), &any, dir.path()).unwrap(),
            None
        );
        let other = format!("{major}.{}", minor + 1);
        assert_eq!(
            venv_misfit(&i, Some(&other), &any, dir.path()).unwrap(),
            Some(Misfit::Request {
                request: other.clone(),
                file: None
            })
        );
        // `.python-version` in an ancestor counts when there is no `--python`
        fs_err::write(
            dir.path().join(".python-version"),
            format!("# pin\n{other}\n"),
        )
        .unwrap();
        let sub = dir.path().join("sub");
        fs_err::create_dir_all(&sub).unwrap();
        assert_eq!(
            venv_misfit(&i, None, &any, &sub).unwrap(),
            Some(Misfit::Request {
                request: other.clone(),
                file: Some(dir.path().join(".python-version"))
            })
        );
        // `--python` wins over the file
        assert_eq!(venv_misfit(&i, Some(&same), &any, &sub).unwrap(), None);
        let above = VersionSpecifiers::from_str(&format!(">{}", i.version)).unwrap();
        assert_eq!(
            venv_misfit(&i, Some(&same), &above, &sub).unwrap(),
            Some(Misfit::RequiresPython(above.to_string()))
        );
        // a path fits only the interpreter it runs
        let exe = i.executable.to_string_lossy().into_owned();
        assert_eq!(venv_misfit(&i, Some(&exe), &any, &sub).unwrap(), None);
    }
}
