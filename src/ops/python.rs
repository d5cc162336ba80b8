//! `envy python list|find|pin`: the interpreters envy can see, which one
//! `sync` would pick and why, and pinning one in `.python-version`.

use super::{status, write_atomic, Error, Result, Settings};
use crate::project::Project;
use crate::venv::{self, Interpreter};
use pep440_rs::{Version, VersionSpecifiers};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One interpreter envy found.
#[derive(Debug, Clone, Serialize)]
pub struct PythonEntry {
    /// Where it was found (on `PATH` or under pyenv).
    pub path: PathBuf,
    /// Its version, when it could be queried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `cpython`, `pypy`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation: Option<String>,
    /// `path` (on `PATH`) or `pyenv`.
    pub source: String,
    /// Whether it satisfies the project's `requires-python` (absent outside a project).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfies_requires_python: Option<bool>,
    /// Whether it matches the `.python-version` request (absent when there is none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches_request: Option<bool>,
    /// The one `envy sync` would create `.venv` with.
    pub selected: bool,
    /// Why it could not be queried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `envy python list` reports.
#[derive(Debug, Clone, Serialize)]
pub struct PythonReport {
    /// The project's `requires-python`, when in a project that sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<String>,
    /// The `.python-version` file in force, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python_version_file: Option<PathBuf>,
    /// Its request (`3.12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The interpreter of an existing `.venv` that `sync` would keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venv_python: Option<String>,
    /// The executable `sync` would use for a new `.venv`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<PathBuf>,
    /// Why that one, in words.
    pub reason: String,
    /// Every interpreter looked at, in discovery order.
    pub interpreters: Vec<PythonEntry>,
}

fn project_of(settings: &Settings) -> Result<Option<Project>> {
    if settings.project_dir.join("pyproject.toml").is_file() {
        Ok(Some(settings.project()?))
    } else {
        Ok(None)
    }
}

fn source_of(path: &Path) -> String {
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".pyenv")));
    match pyenv {
        Some(r) if path.starts_with(r.join("versions")) => "pyenv".into(),
        _ => "path".into(),
    }
}

/// `envy python list`: query every candidate and explain the choice.
///
/// # Errors
/// An invalid `pyproject.toml` or `.python-version`.
pub fn list(settings: &Settings) -> Result<PythonReport> {
    let project = project_of(settings)?;
    let rp = project.as_ref().and_then(|p| p.requires_python.clone());
    let request = venv::python_version_request(&settings.project_dir)?;
    let paths = venv::candidate_paths();
    let queried: Vec<(PathBuf, std::result::Result<Interpreter, String>)> = paths
        .into_par_iter()
        .map(|p| {
            let r = Interpreter::query(&p).map_err(|e| e.to_string());
            (p, r)
        })
        .collect();
    let any = VersionSpecifiers::empty();
    let chosen = venv::find_interpreter(None, rp.as_ref().unwrap_or(&any), &settings.project_dir)
        .ok()
        .map(|i| canonical(&i.executable));
    let mut seen = HashSet::new();
    let mut interpreters = Vec::new();
    let mut selected_path = None;
    for (path, r) in queried {
        // One line per interpreter: shims and aliases that run the same
        // executable are listed once, under the first name found.
        let key = match &r {
            Ok(i) => canonical(&i.executable),
            Err(_) => canonical(&path),
        };
        if !seen.insert(key) {
            continue;
        }
        let mut e = PythonEntry {
            source: source_of(&path),
            path: path.clone(),
            version: None,
            implementation: None,
            satisfies_requires_python: None,
            matches_request: None,
            selected: false,
            error: None,
        };
        match r {
            Ok(i) => {
                e.satisfies_requires_python = rp.as_ref().map(|rp| rp.contains(&i.version));
                e.matches_request = request
                    .as_ref()
                    .map(|(_, req)| venv::request_matches(req, &i.version).unwrap_or(false));
                e.version = Some(i.version.to_string());
                e.implementation = Some(i.implementation.clone());
                if selected_path.is_none() && chosen.as_ref() == Some(&canonical(&i.executable)) {
                    e.selected = true;
                    selected_path = Some(path);
                }
            }
            Err(err) => e.error = Some(err),
        }
        interpreters.push(e);
    }
    // `.venv`'s Python, and whether it still fits the pin and requires-python
    let existing = project
        .as_ref()
        .and_then(|p| venv::open_venv(&p.root.join(".venv")).ok().flatten())
        .map(|v| {
            let fits = venv::venv_misfit(
                &v.interpreter,
                None,
                rp.as_ref().unwrap_or(&any),
                &settings.project_dir,
            )
            .is_ok_and(|m| m.is_none());
            (v.interpreter.version.to_string(), fits)
        });
    let venv_python = existing
        .as_ref()
        .filter(|(_, fits)| *fits)
        .map(|(v, _)| v.clone());
    let mut wants = Vec::new();
    if let Some((file, req)) = &request {
        wants.push(format!("`{req}` from {}", file.display()));
    }
    if let Some(rp) = &rp {
        wants.push(format!("requires-python `{rp}`"));
    }
    let wants = if wants.is_empty() {
        "any Python 3 (no `.python-version`, no requires-python)".to_string()
    } else {
        wants.join(" and ")
    };
    let first = "the first interpreter in discovery order (PATH, then pyenv) that satisfies";
    let reason = match (&existing, &selected_path) {
        (Some((v, true)), _) => {
            format!("`.venv` already runs Python {v}, which satisfies {wants}: `sync` keeps it")
        }
        (Some((v, false)), Some(_)) => format!(
            "`.venv` runs Python {v}, which does not satisfy {wants}: `sync` recreates it with {first} it"
        ),
        (None, Some(_)) => format!("{first} {wants}"),
        (_, None) => format!("no interpreter satisfies {wants}"),
    };
    Ok(PythonReport {
        requires_python: rp.map(|r| r.to_string()),
        python_version_file: request.as_ref().map(|(f, _)| f.clone()),
        request: request.map(|(_, r)| r),
        venv_python,
        selected: selected_path,
        reason,
        interpreters,
    })
}

fn canonical(p: &Path) -> PathBuf {
    fs_err::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Render the report as a table plus the reason.
pub fn render_list(r: &PythonReport) -> String {
    let mut out = String::new();
    for e in &r.interpreters {
        let mark = if e.selected { "*" } else { " " };
        let what = match (&e.version, &e.error) {
            (Some(v), _) => format!("{} {v}", e.implementation.as_deref().unwrap_or("python")),
            _ => "unusable".into(),
        };
        let mut notes = Vec::new();
        let short_err;
        if let Some(err) = &e.error {
            short_err = short_reason(err);
            notes.push(short_err.as_str());
        }
        if e.satisfies_requires_python == Some(false) {
            notes.push("outside requires-python");
        }
        if e.matches_request == Some(false) {
            notes.push("not the .python-version request");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  ({})", notes.join(", "))
        };
        out.push_str(&format!(
            "{mark} {:<18} {:<6} {}{notes}\n",
            what,
            e.source,
            e.path.display()
        ));
    }
    if r.interpreters.is_empty() {
        out.push_str("(no Python interpreters on PATH or in ~/.pyenv/versions)\n");
    }
    out
}

/// The first line of an error, cut to 60 characters.
fn short_reason(err: &str) -> String {
    let line = err.lines().next().unwrap_or_default().trim();
    let line = line.split(":  ").next().unwrap_or(line).trim();
    let line = line
        .split_once("`: ")
        .map_or(line, |(_, rest)| rest)
        .trim_end_matches(':');
    if line.chars().count() > 60 {
        format!("{}...", line.chars().take(57).collect::<String>())
    } else {
        line.to_string()
    }
}

/// `envy python find [REQUEST]`: the interpreter `sync` would use for `request`.
///
/// # Errors
/// No matching interpreter (listing what was looked at); invalid request.
pub fn find(settings: &Settings, request: Option<&str>) -> Result<Interpreter> {
    let project = project_of(settings)?;
    let rp = project
        .and_then(|p| p.requires_python)
        .unwrap_or_else(VersionSpecifiers::empty);
    Ok(venv::find_interpreter(request, &rp, &settings.project_dir)?)
}

/// `envy python pin REQUEST`: write `.python-version` in the project directory.
///
/// Refuses a version outside the project's `requires-python`; warns when no
/// interpreter on this machine matches it. Returns the file written.
///
/// # Errors
/// Invalid request; a version `requires-python` excludes; I/O errors.
pub fn pin(settings: &Settings, request: &str) -> Result<PathBuf> {
    let request = request.trim();
    let probe = Version::from_str("3").map_err(|e| Error::new(e.to_string()))?;
    venv::request_matches(request, &probe).map_err(|e| {
        Error::new(e.to_string()).hint("pin a version such as `3.12`, `3.12.4` or `cpython3.12`")
    })?;
    let bare = request
        .trim_start_matches("cpython")
        .trim_start_matches("python")
        .trim_start_matches(['-', '@']);
    if let (Some(project), Ok(v)) = (project_of(settings)?, Version::from_str(bare)) {
        if let Some(rp) = &project.requires_python {
            if !rp.contains(&v) {
                return Err(Error::new(format!(
                    "Python {request} does not satisfy the project's requires-python `{rp}`"
                ))
                .hint("pin a version that `requires-python` allows, or change `requires-python` in `pyproject.toml`"));
            }
        }
    }
    let found = venv::candidate_paths().into_par_iter().any(|p| {
        Interpreter::query(&p)
            .map(|i| venv::request_matches(request, &i.version).unwrap_or(false))
            .unwrap_or(false)
    });
    if !found {
        status(
            settings,
            format!("warning: no interpreter on this machine matches `{request}` yet (install it, e.g. with `pyenv install {bare}`)"),
        );
    }
    let path = settings.project_dir.join(".python-version");
    write_atomic(&path, format!("{request}\n").as_bytes())?;
    Ok(path)
}
