//! `envy add` and `envy remove`: edit `pyproject.toml` in place, lock, sync.
//!
//! Nothing is written until the new lock resolved: on failure
//! `pyproject.toml` and `envy.lock` are left byte for byte as they were.

use super::lock::{diff, read_lock, resolve_project, LockOptions};
use super::sync::{sync_with_lock, SyncOptions};
use super::{write_atomic, Error, Result, Settings};
use crate::project::edit::{self, Target};
use crate::project::Project;
use pep440_rs::{Operator, VersionSpecifier, VersionSpecifiers};
use pep508_rs::{PackageName, Requirement, VersionOrUrl};
use std::str::FromStr;

/// Options shared by `add` and `remove`.
#[derive(Debug, Clone)]
pub struct EditOptions {
    /// Which array to edit.
    pub target: Target,
    /// Skip the sync.
    pub no_sync: bool,
    /// Interpreter request for the sync.
    pub python: Option<String>,
}

/// Parse a PEP 508 requirement from the command line, pointing at the column on error.
///
/// # Errors
/// The parser's message, which shows the input with a caret under the problem.
pub fn parse_requirement(text: &str) -> Result<Requirement> {
    crate::types::parse_requirement(text).map_err(|e| {
        Error::new(format!("invalid requirement `{text}`:\n{}", e.display))
            .hint("requirements follow PEP 508, for example `flask`, `requests[socks]>=2.31` or `pywin32; sys_platform == \"win32\"`")
    })
}

/// Read, edit, resolve, then write pyproject and lock together, then sync.
fn edit_lock_sync(
    settings: &Settings,
    opts: &EditOptions,
    apply: impl Fn(&mut toml_edit::DocumentMut) -> Result<()>,
    bound: &[PackageName],
) -> Result<()> {
    let project = settings.project()?;
    // Edits of one project take turns: read, resolve and write under the
    // project's edit lock, so a concurrent `envy add` sees this one's edit.
    let edit_lock = super::lock_project_files(settings, &project.root)?;
    // Re-read under the lock: another edit may have finished meanwhile.
    let project = settings.project()?;
    let path = project.root.join("pyproject.toml");
    let original = fs_err::read_to_string(&path)?;
    let mut doc = edit::parse(&original).map_err(|e| Error::new(e.to_string()))?;
    apply(&mut doc)?;
    let edited = Project::parse(&doc.to_string(), &path)?;
    let previous = read_lock(&project)?;
    let client = settings.client(Some(&edited))?;
    // Re-lock the way the lock was made (its `[options]`), not with defaults.
    let lock_opts = previous
        .as_ref()
        .map(|l| LockOptions::from_recorded(&l.options))
        .unwrap_or_default();
    let mut lock = resolve_project(settings, &client, &edited, previous.as_ref(), &lock_opts)?;
    // Give requirements without a version a lower bound from the lock.
    let mut final_project = edited;
    if !bound.is_empty() {
        let mut changed = false;
        for name in bound {
            let Some(pkg) = lock.package(name.as_ref()) else {
                continue;
            };
            let version = pkg.version.clone();
            for r in requirements_in(&final_project, &opts.target) {
                if &r.name == name && r.version_or_url.is_none() {
                    let mut b = r.clone();
                    let spec =
                        VersionSpecifier::from_version(Operator::GreaterThanEqual, version.clone())
                            .map_err(|e| Error::new(e.to_string()))?;
                    b.version_or_url = Some(VersionOrUrl::VersionSpecifier(
                        VersionSpecifiers::from_iter([spec]),
                    ));
                    edit::add_requirement(&mut doc, &opts.target, &b)
                        .map_err(|e| Error::new(e.to_string()))?;
                    changed = true;
                }
            }
        }
        if changed {
            final_project = Project::parse(&doc.to_string(), &path)?;
            lock = resolve_project(settings, &client, &final_project, Some(&lock), &lock_opts)?;
        }
    }
    // Both files or neither (a full disk, a read-only file).
    let lock_path = final_project.root.join(crate::lock::LOCK_FILE);
    let lock_text = lock.to_toml();
    let doc_text = edit::to_text(&doc, &original);
    if fs_err::read_to_string(&lock_path).is_ok_and(|old| old == lock_text) {
        write_atomic(&path, doc_text.as_bytes())?;
    } else {
        super::write_all_or_nothing(&[
            (&path, doc_text.as_bytes()),
            (&lock_path, lock_text.as_bytes()),
        ])?;
    }
    drop(edit_lock);
    for c in diff(previous.as_ref(), &lock) {
        super::change(settings, &c);
    }
    if !opts.no_sync {
        let sync_opts = SyncOptions {
            python: opts.python.clone(),
            ..Default::default()
        };
        sync_with_lock(settings, &final_project, &lock, &sync_opts, Some(client))?;
    }
    Ok(())
}

fn requirements_in<'a>(project: &'a Project, target: &Target) -> Vec<&'a Requirement> {
    match target {
        Target::Dependencies => project.dependencies.iter().collect(),
        Target::Optional(e) => project
            .optional_dependencies
            .iter()
            .filter(|(k, _)| k.as_ref() == e.as_str())
            .flat_map(|(_, v)| v)
            .collect(),
        Target::Group(g) => project
            .dependency_groups
            .get(&crate::project::normalize_group(g))
            .into_iter()
            .flatten()
            .collect(),
    }
}

/// `envy add REQ...`.
///
/// # Errors
/// Invalid requirements (with a caret at the column), and every lock or sync
/// failure; `pyproject.toml` is then unchanged.
pub fn add(settings: &Settings, requirements: &[String], opts: &EditOptions) -> Result<()> {
    let reqs: Vec<Requirement> = requirements
        .iter()
        .map(|r| parse_requirement(r))
        .collect::<Result<_>>()?;
    let unbounded: Vec<PackageName> = reqs
        .iter()
        .filter(|r| r.version_or_url.is_none())
        .map(|r| r.name.clone())
        .collect();
    edit_lock_sync(
        settings,
        opts,
        |doc| {
            for r in &reqs {
                edit::add_requirement(doc, &opts.target, r)
                    .map_err(|e| Error::new(e.to_string()))?;
            }
            Ok(())
        },
        &unbounded,
    )
}

/// `envy remove NAME...`.
///
/// # Errors
/// A name that is not in the chosen table (the message says where it is,
/// if elsewhere), and every lock or sync failure.
pub fn remove(settings: &Settings, names: &[String], opts: &EditOptions) -> Result<()> {
    let names: Vec<PackageName> = names
        .iter()
        .map(|n| {
            PackageName::from_str(n)
                .map_err(|e| Error::new(format!("invalid package name `{n}`: {e}")))
        })
        .collect::<Result<_>>()?;
    let project = settings.project()?;
    edit_lock_sync(
        settings,
        opts,
        |doc| {
            for n in &names {
                let removed = edit::remove_requirement(doc, &opts.target, n)
                    .map_err(|e| Error::new(e.to_string()))?;
                if !removed {
                    let elsewhere = where_is(&project, n);
                    let mut err = Error::new(format!("`{n}` is not in {}", opts.target));
                    if let Some(t) = elsewhere {
                        err = err.hint(format!("it is in {t}: pass {}", flag_for(&t)));
                    }
                    return Err(err);
                }
            }
            Ok(())
        },
        &[],
    )
}

fn where_is(project: &Project, name: &PackageName) -> Option<Target> {
    if project.dependencies.iter().any(|r| &r.name == name) {
        return Some(Target::Dependencies);
    }
    for (g, reqs) in &project.dependency_groups {
        if reqs.iter().any(|r| &r.name == name) {
            return Some(Target::Group(g.clone()));
        }
    }
    for (e, reqs) in &project.optional_dependencies {
        if reqs.iter().any(|r| &r.name == name) {
            return Some(Target::Optional(e.to_string()));
        }
    }
    None
}

fn flag_for(t: &Target) -> String {
    match t {
        Target::Dependencies => "no flag".to_string(),
        Target::Group(g) if g == "dev" => "`--dev`".to_string(),
        Target::Group(g) => format!("`--group {g}`"),
        Target::Optional(e) => format!("`--optional {e}`"),
    }
}
