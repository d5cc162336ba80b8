//! `envy add` and `envy remove`: edit `pyproject.toml` in place, lock, sync.
//!
//! Nothing is written until the new lock resolved: on failure
//! `pyproject.toml` and `envy.lock` are left byte for byte as they were.

use super::lock::{diff, read_lock, resolve_project, LockOptions};
use super::sync::{sync_with_lock, SyncOptions};
use super::{write_atomic, Error, Result, Settings};
use crate::project::edit::{self, Target};
use crate::project::{workspace, Project};
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
    /// `add` of a local directory: install it editable (PEP 660).
    pub editable: bool,
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

/// One requirement `add` or `remove` changed in `pyproject.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementEdit {
    /// The normalized package name.
    pub name: String,
    /// The entry before the edit (PEP 508 text), `None` when it was not there.
    pub before: Option<String>,
    /// The entry after the edit, `None` when it was removed.
    pub after: Option<String>,
}

/// What `add` or `remove` did.
#[derive(Debug)]
pub struct EditOutcome {
    /// The array edited.
    pub target: Target,
    /// The entries changed, in the order asked for.
    pub edits: Vec<RequirementEdit>,
    /// How the lock changed.
    pub lock_changes: Vec<super::lock::Change>,
    /// Whether `envy.lock` was written (its content changed).
    pub lock_written: bool,
    /// The sync, unless `--no-sync`.
    pub sync: Option<super::sync::SyncOutcome>,
}

/// The entry named `name` in `target` of `project`, as text.
fn entries(project: &Project, target: &Target, name: &PackageName) -> Option<String> {
    requirements_in(project, target)
        .into_iter()
        .find(|r| &r.name == name)
        .map(ToString::to_string)
}

/// Read, edit, resolve, then write pyproject and lock together, then sync.
/// `touched` are the names the edit is about (reported in order).
fn edit_lock_sync(
    settings: &Settings,
    opts: &EditOptions,
    apply: impl Fn(&mut toml_edit::DocumentMut) -> Result<()>,
    bound: &[PackageName],
    touched: &[PackageName],
) -> Result<EditOutcome> {
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
    let edited = workspace::attach(Project::parse(&doc.to_string(), &path)?)?;
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
            final_project = workspace::attach(Project::parse(&doc.to_string(), &path)?)?;
            lock = resolve_project(settings, &client, &final_project, Some(&lock), &lock_opts)?;
        }
    }
    // Both files or neither (a full disk, a read-only file).
    let lock_path = final_project.root.join(crate::lock::LOCK_FILE);
    let lock_text = lock.to_toml();
    let doc_text = edit::to_text(&doc, &original);
    let old_lock = fs_err::read_to_string(&lock_path).ok();
    let lock_unchanged = old_lock.as_deref() == Some(lock_text.as_str());
    if lock_unchanged {
        write_atomic(&path, doc_text.as_bytes())?;
    } else {
        super::write_all_or_nothing(&[
            (&path, doc_text.as_bytes()),
            (&lock_path, lock_text.as_bytes()),
        ])?;
    }
    drop(edit_lock);
    let lock_changes = diff(previous.as_ref(), &lock);
    for c in &lock_changes {
        super::change(settings, c);
    }
    let edits = touched
        .iter()
        .map(|n| RequirementEdit {
            name: n.to_string(),
            before: entries(&project, &opts.target, n),
            after: entries(&final_project, &opts.target, n),
        })
        .collect();
    let sync = if opts.no_sync {
        None
    } else {
        let sync_opts = SyncOptions {
            python: opts.python.clone(),
            ..Default::default()
        };
        match sync_with_lock(settings, &final_project, &lock, &sync_opts, Some(client)) {
            Ok(outcome) => Some(outcome),
            Err(e) => {
                // As uv does: a failed sync leaves the project as it was
                // (both files), not edited for a package that cannot be
                // installed.
                restore(&path, &original, &lock_path, old_lock.as_deref())?;
                super::status(
                    settings,
                    "Restored pyproject.toml and envy.lock as they were: the sync failed",
                );
                return Err(e);
            }
        }
    };
    Ok(EditOutcome {
        target: opts.target.clone(),
        edits,
        lock_changes,
        lock_written: !lock_unchanged,
        sync,
    })
}

/// Put `pyproject` and `lock_path` back to `original` and `old_lock` (no
/// lock: removed), both or neither.
///
/// # Errors
/// I/O errors.
fn restore(
    pyproject: &std::path::Path,
    original: &str,
    lock_path: &std::path::Path,
    old_lock: Option<&str>,
) -> Result<()> {
    match old_lock {
        Some(old) => super::write_all_or_nothing(&[
            (pyproject, original.as_bytes()),
            (lock_path, old.as_bytes()),
        ]),
        None => {
            write_atomic(pyproject, original.as_bytes())?;
            match fs_err::remove_file(lock_path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            }
        }
    }
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

/// Whether an `envy add` argument is a local path, an archive URL or a git
/// URL rather than a PEP 508 requirement: a URL (`https://`, `file:`,
/// `git+...`), or text with a
/// path separator or an archive extension and no `@` (`name @ URL` is PEP 508).
fn is_direct_argument(arg: &str) -> bool {
    let url = ["http://", "https://", "file:", "git+"]
        .iter()
        .any(|p| arg.starts_with(p));
    url || (!arg.contains('@')
        && (arg.starts_with('.')
            || arg.contains('/')
            || arg.contains('\\')
            || crate::project::is_archive_name(arg)))
}

/// The `[tool.envy.sources]` entry of an `envy add PATH|URL` argument: the
/// package's name (from its metadata) and the source to write.
fn direct_argument(
    settings: &Settings,
    arg: &str,
    editable: bool,
) -> Result<(PackageName, Vec<(&'static str, toml_edit::Value)>)> {
    use crate::project::DirectSource;
    let project = settings.project()?;
    let source = if arg.starts_with("git+") {
        if editable {
            return Err(Error::new(format!(
                "`{}` is a git URL, which cannot be installed editable",
                crate::types::redact_url(arg)
            ))
            .hint("drop `--editable`, or clone the repository and `envy add --editable` its directory"));
        }
        DirectSource::Git {
            url: crate::git::GitUrl::parse(arg)?,
        }
    } else if arg.starts_with("http://") || arg.starts_with("https://") {
        if editable {
            return Err(Error::new(format!(
                "`{}` is an archive URL, which cannot be installed editable",
                crate::types::redact_url(arg)
            ))
            .hint("drop `--editable`, or pass the project's directory"));
        }
        DirectSource::Url {
            url: arg.to_string(),
        }
    } else {
        let local = match url::Url::parse(arg).ok().filter(|u| u.scheme() == "file") {
            Some(u) => u
                .to_file_path()
                .map_err(|()| Error::new(format!("`{arg}` is not a local path")))?,
            None => std::env::current_dir()?.join(arg),
        };
        DirectSource::Path {
            path: crate::source::relative_path(&project.root, &local),
            editable,
        }
    };
    let client = settings.client(Some(&project))?;
    let requires_python = super::lock::requires_python_of(&project)?;
    let reporter = settings.reporter.clone();
    let reader = crate::source::Reader::new(
        client.clone(),
        &project,
        requires_python,
        std::sync::Arc::new(move |what: &str| {
            reporter.status(&format!(
                "Reading the metadata of {what} with its build backend (runs its build code)"
            ));
        }),
    );
    let dist = reader.read_any(&source)?;
    let entries = match &source {
        DirectSource::Git { url } => git_entries(client.cache().root(), url),
        DirectSource::Url { url } => vec![("url", toml_edit::Value::from(url.as_str()))],
        DirectSource::Path { path, editable } => {
            if *editable && dist.file.is_some() {
                return Err(Error::new(format!(
                    "`{path}` is an archive, which cannot be installed editable"
                ))
                .hint("drop `--editable`, or pass the project's directory"));
            }
            let mut e = vec![("path", toml_edit::Value::from(path.as_str()))];
            if *editable {
                e.push(("editable", toml_edit::Value::from(true)));
            }
            e
        }
    };
    Ok((dist.metadata.name.clone(), entries))
}

/// The `[tool.envy.sources]` keys of a git dependency: `git` (the
/// repository, without credentials), the reference by its kind (a 40-hex
/// commit id is a `rev`; otherwise the cache, which the metadata read has
/// just fetched, says whether it is a `tag` or a `branch`; else a `rev`), and
/// `subdirectory`.
fn git_entries(
    cache: &std::path::Path,
    url: &crate::git::GitUrl,
) -> Vec<(&'static str, toml_edit::Value)> {
    use crate::git::GitReference;
    let mut e = vec![("git", toml_edit::Value::from(url.display_repository()))];
    if let GitReference::Rev(name) = url.reference() {
        let known =
            |r: GitReference| crate::git::resolve(cache, &url.with_reference(r), true).is_ok();
        let key = if url.reference().as_commit().is_some() {
            "rev"
        } else if known(GitReference::Tag(name.clone())) {
            "tag"
        } else if known(GitReference::Branch(name.clone())) {
            "branch"
        } else {
            "rev"
        };
        e.push((key, toml_edit::Value::from(name.as_str())));
    }
    if let Some(sub) = url.subdirectory() {
        e.push(("subdirectory", toml_edit::Value::from(sub)));
    }
    e
}

/// `envy add REQ...`: PEP 508 requirements, or local paths (directories,
/// wheels, sdists) and archive URLs, which add the package by the name its
/// metadata gives plus a `[tool.envy.sources]` entry.
///
/// # Errors
/// Invalid requirements (with a caret at the column), a path or URL that is
/// no distribution, and every lock or sync failure; `pyproject.toml` is then
/// unchanged.
pub fn add(
    settings: &Settings,
    requirements: &[String],
    opts: &EditOptions,
) -> Result<EditOutcome> {
    super::workspace::refuse_member_edit(settings, "add")?;
    let mut reqs: Vec<Requirement> = Vec::new();
    let mut sources = Vec::new();
    for arg in requirements {
        if is_direct_argument(arg) {
            let (name, entries) = direct_argument(settings, arg, opts.editable)?;
            reqs.push(parse_requirement(name.as_ref())?);
            sources.push((name, entries));
        } else {
            if opts.editable {
                return Err(Error::new(format!(
                    "`--editable` needs a local directory, not the requirement `{arg}`"
                ))
                .hint("pass the project's path, e.g. `envy add --editable ../lib`"));
            }
            reqs.push(parse_requirement(arg)?);
        }
    }
    let unbounded: Vec<PackageName> = reqs
        .iter()
        .filter(|r| r.version_or_url.is_none())
        .filter(|r| !sources.iter().any(|(n, _)| n == &r.name))
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
            for (name, entries) in &sources {
                edit::set_source(doc, name.as_ref(), entries)
                    .map_err(|e| Error::new(e.to_string()))?;
            }
            Ok(())
        },
        &unbounded,
        &reqs.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
    )
}

/// `envy remove NAME...`.
///
/// # Errors
/// A name that is not in the chosen table (the message says where it is,
/// if elsewhere), and every lock or sync failure.
pub fn remove(settings: &Settings, names: &[String], opts: &EditOptions) -> Result<EditOutcome> {
    super::workspace::refuse_member_edit(settings, "remove")?;
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
            // A path or URL source no requirement names any more goes too.
            let path = project.root.join("pyproject.toml");
            let left = Project::parse(&doc.to_string(), &path)?;
            for n in &names {
                if where_is(&left, n).is_none() {
                    edit::remove_source(doc, n);
                }
            }
            Ok(())
        },
        &[],
        &names,
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
