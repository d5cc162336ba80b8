//! Workspaces, with uv's semantics: a root `pyproject.toml` with
//! `[tool.envy.workspace]` (or, without `[tool.envy]`, uv's
//! `[tool.uv.workspace]`) lists member projects by glob; one `envy.lock` at
//! the root covers the root project and every member, each member locked as
//! an editable source tree (see `docs/workspaces.md`).
//!
//! ```toml
//! [tool.envy.workspace]
//! members = ["packages/*"]
//! exclude = ["packages/scratch"]
//! ```
//!
//! This module reads files only: finding the root from a directory inside
//! it ([`discover`]) and reading the root with its members ([`load`]).

use super::{DirectSource, Project, ProjectError};
use pep440_rs::{VersionSpecifier, VersionSpecifiers};
use pep508_rs::PackageName;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// `[tool.envy.workspace]` (or `[tool.uv.workspace]`): glob patterns,
/// relative to the root, of the member directories.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct WorkspaceTable {
    /// Globs (`*`, `?` within one path segment) of member directories.
    #[serde(default)]
    pub members: Vec<String>,
    /// Globs of directories the `members` globs match that are not members.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A workspace that cannot be used: its message and what to do.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    /// A member's (or the root's) `pyproject.toml` is invalid.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The workspace itself is wrong (a member without `pyproject.toml`,
    /// two members of one name, a `{ workspace = true }` naming no member).
    #[error("{message}")]
    Invalid {
        /// What is wrong, naming the files involved.
        message: String,
        /// What to do about it.
        hint: String,
    },
}

fn invalid(message: String, hint: &str) -> WorkspaceError {
    WorkspaceError::Invalid {
        message,
        hint: hint.to_string(),
    }
}

/// Where a command run in some directory works: the workspace root (or the
/// lone project) and, when the directory is inside another member than the
/// root, that member's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The directory whose `pyproject.toml` (and `envy.lock`) is used.
    pub root: PathBuf,
    /// The member the command started in, when it is not the root project.
    pub member: Option<PackageName>,
}

/// The workspace table of `dir/pyproject.toml`: `[tool.envy.workspace]`, or
/// `[tool.uv.workspace]` when there is no `[tool.envy]`. `None` when there is
/// none, or when the file cannot be read or parsed (reading the project
/// reports that).
pub fn table(dir: &Path) -> Option<WorkspaceTable> {
    let text = fs_err::read_to_string(dir.join("pyproject.toml")).ok()?;
    let value: toml::Table = toml::from_str(&text).ok()?;
    let tool = value.get("tool")?;
    let section = match tool.get("envy") {
        Some(envy) => envy.get("workspace")?,
        None => tool.get("uv")?.get("workspace")?,
    };
    section.clone().try_into().ok()
}

/// From `start`, walk up to the first directory with a `pyproject.toml`;
/// if a workspace root above it lists it as a member (its `members` globs
/// match and its `exclude` globs do not), that root is where the command
/// works (uv's rule: the first workspace root found decides). `None` when
/// no directory from `start` up has a `pyproject.toml`.
pub fn discover(start: &Path) -> Option<Discovery> {
    let project = start
        .ancestors()
        .find(|d| d.join("pyproject.toml").is_file())?;
    let lone = Discovery {
        root: project.to_path_buf(),
        member: None,
    };
    if table(project).is_some() {
        return Some(lone);
    }
    for up in project.ancestors().skip(1) {
        if !up.join("pyproject.toml").is_file() {
            continue;
        }
        let Some(t) = table(up) else { continue };
        let rel = project
            .strip_prefix(up)
            .ok()?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        let rel: Vec<&str> = rel.iter().map(String::as_str).collect();
        let listed = t.members.iter().any(|g| glob_matches(g, &rel))
            && !t.exclude.iter().any(|g| glob_matches(g, &rel));
        if !listed {
            return Some(lone);
        }
        let member = Project::read(project).ok().map(|p| p.name);
        return Some(Discovery {
            root: up.to_path_buf(),
            member,
        });
    }
    Some(lone)
}

/// The name a virtual workspace root (one without `[project]`) is locked
/// under: fixed, so that the lock does not depend on the directory's name.
pub const VIRTUAL_ROOT: &str = "virtual-workspace-root";

/// Whether `project` stands for a virtual workspace root (see [`load`]).
pub fn is_virtual(project: &Project) -> bool {
    !project.workspace_members.is_empty() && project.name.as_ref() == VIRTUAL_ROOT
}

/// Read the project at `root` and, when it is a workspace root, its
/// members: each other member becomes an editable path direct reference
/// (relative to the root) in [`Project::direct`] and is listed in
/// [`Project::workspace_members`]. Every `{ workspace = true }` source, of
/// the root or a member, must name a member.
///
/// A root without `[project]` (a virtual root, as in uv) is read as a
/// project named [`VIRTUAL_ROOT`] without dependencies or build system (so
/// never installed), with the root's dependency groups and `[tool.envy]`,
/// and the intersection of the members' `requires-python`.
///
/// # Errors
/// Invalid `pyproject.toml` files; a `members` glob matching a directory
/// without `pyproject.toml`; two members with one name; a
/// `{ workspace = true }` naming no member, or in a project that is in no
/// workspace.
pub fn load(root: &Path) -> Result<Project, WorkspaceError> {
    match (Project::read(root), table(root)) {
        (Err(ProjectError::NoProject { path }), Some(table)) => {
            let mut text = fs_err::read_to_string(&path).map_err(|e| {
                invalid(
                    format!("cannot read {path}: {e}"),
                    "check the file's permissions",
                )
            })?;
            let mut requires_python = Vec::new();
            for rel in member_dirs(root, &table)? {
                if let Some(rp) = Project::read(&root.join(&rel))?.requires_python {
                    requires_python.push(rp.to_string());
                }
            }
            text.push_str(&format!("\n[project]\nname = \"{VIRTUAL_ROOT}\"\n"));
            if !requires_python.is_empty() {
                let joined = requires_python.join(", ");
                text.push_str(&format!("requires-python = \"{joined}\"\n"));
            }
            let mut project = Project::parse(&text, Path::new(&path))?;
            project.has_build_system = false;
            project.tool.package = Some(false);
            attach(project)
        }
        (read, _) => attach(read?),
    }
}

/// [`load`] for a project already read (e.g. an edited `pyproject.toml`
/// not yet written): the workspace table is read from the file in
/// `project.root`.
///
/// # Errors
/// As [`load`].
pub fn attach(mut project: Project) -> Result<Project, WorkspaceError> {
    let root = project.root.clone();
    let root = root.as_path();
    let Some(table) = table(root) else {
        if let Some(pkg) = workspace_sources(&project).next() {
            if let Some(up) = discover(root).filter(|d| d.root != root) {
                return Err(invalid(
                    format!(
                        "`{pkg}` has `{{ workspace = true }}` in {}, a member of the workspace at {}: this command reads the member alone",
                        root.join("pyproject.toml").display(),
                        up.root.display()
                    ),
                    "run it from the workspace root (`envy lock`, `envy sync` and `envy run` find the root from a member themselves)",
                ));
            }
            return Err(invalid(
                format!(
                    "`{pkg}` has `{{ workspace = true }}` in {}, but that project is in no workspace",
                    root.join("pyproject.toml").display()
                ),
                "run envy from the workspace root (or a member directory), or give the workspace root `[tool.envy.workspace] members = [...]`",
            ));
        }
        return Ok(project);
    };
    let mut names: BTreeMap<PackageName, String> = BTreeMap::new();
    if project.name.as_ref() != VIRTUAL_ROOT {
        names.insert(project.name.clone(), ".".to_string());
    }
    let mut members = Vec::new();
    for rel in member_dirs(root, &table)? {
        let dir = root.join(&rel);
        if same_dir(&dir, root) {
            continue;
        }
        let member = Project::read(&dir)?;
        if let Some(other) = names.insert(member.name.clone(), rel.clone()) {
            return Err(invalid(
                format!(
                    "two members of the workspace at {} are named `{}`: `{other}` and `{rel}`",
                    root.display(),
                    member.name
                ),
                "rename one of them, or leave one out with `exclude` in `[tool.envy.workspace]`",
            ));
        }
        members.push((member, rel));
    }
    // As uv: the workspace supports the Pythons every member supports.
    project.requires_python = intersect_requires_python(
        project.requires_python.iter().chain(
            members
                .iter()
                .filter_map(|(m, _)| m.requires_python.as_ref()),
        ),
    );
    for p in std::iter::once(&project).chain(members.iter().map(|(m, _)| m)) {
        if let Some(pkg) = workspace_sources(p).find(|n| !names.contains_key(n)) {
            return Err(invalid(
                format!(
                    "`{pkg}` has `{{ workspace = true }}` in {}, but no member of the workspace at {} is named `{pkg}`",
                    p.root.join("pyproject.toml").display(),
                    root.display()
                ),
                "add its directory to `members` in `[tool.envy.workspace]`, or take the package from an index (remove the source)",
            ));
        }
    }
    for (member, rel) in members {
        if let Some(DirectSource::Path { path, .. } | DirectSource::Url { url: path }) =
            project.direct.get(&member.name)
        {
            return Err(invalid(
                format!(
                    "`{}` is a member of the workspace (`{rel}`), but {} gives it another source (`{path}`)",
                    member.name,
                    root.join("pyproject.toml").display()
                ),
                "use `{ workspace = true }` for a member",
            ));
        }
        project.direct.insert(
            member.name.clone(),
            DirectSource::Path {
                path: rel.clone(),
                editable: true,
            },
        );
        project.workspace_members.insert(member.name, rel);
    }
    Ok(project)
}

/// The packages `project` takes from its workspace (`{ workspace = true }`).
fn workspace_sources(project: &Project) -> impl Iterator<Item = PackageName> + '_ {
    project
        .tool
        .sources
        .iter()
        .filter(|(_, s)| s.workspace == Some(true))
        .filter_map(|(pkg, _)| PackageName::from_str(pkg).ok())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs_err::canonicalize(a), fs_err::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The member directories `table` lists, relative to `root` (`/`
/// separators), sorted and without duplicates.
///
/// # Errors
/// A matched directory without `pyproject.toml`.
fn member_dirs(root: &Path, table: &WorkspaceTable) -> Result<Vec<String>, WorkspaceError> {
    let mut out = std::collections::BTreeSet::new();
    for pattern in &table.members {
        for rel in expand(root, pattern) {
            let segments: Vec<&str> = rel.split('/').collect();
            if table.exclude.iter().any(|g| glob_matches(g, &segments)) {
                continue;
            }
            if !root.join(&rel).join("pyproject.toml").is_file() {
                return Err(invalid(
                    format!(
                        "`{pattern}` in `members` of the workspace at {} matches `{rel}`, which has no `pyproject.toml`",
                        root.display()
                    ),
                    "give that directory a `pyproject.toml`, or leave it out with `exclude` in `[tool.envy.workspace]`",
                ));
            }
            out.insert(rel);
        }
    }
    Ok(out.into_iter().collect())
}

/// The directories under `root` that `pattern` matches, relative (`/`
/// separators). A segment with `*` or `?` matches the names of
/// subdirectories (not hidden ones, unless the segment starts with `.`).
fn expand(root: &Path, pattern: &str) -> Vec<String> {
    let mut found = vec![String::new()];
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    for segment in pattern.split('/').filter(|s| !s.is_empty() && *s != ".") {
        let mut next = Vec::new();
        for rel in &found {
            let dir = root.join(rel);
            let join = |name: &str| {
                if rel.is_empty() {
                    name.to_string()
                } else {
                    format!("{rel}/{name}")
                }
            };
            if !segment.contains(['*', '?']) {
                if dir.join(segment).is_dir() {
                    next.push(join(segment));
                }
                continue;
            }
            let mut names: Vec<String> = fs_err::read_dir(&dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| segment.starts_with('.') || !n.starts_with('.'))
                .filter(|n| wildcard(segment.as_bytes(), n.as_bytes()))
                .collect();
            names.sort();
            next.extend(names.iter().map(|n| join(n)));
        }
        found = next;
    }
    found.retain(|r| !r.is_empty());
    found
}

/// Whether the relative path `segments` matches `pattern` segment by
/// segment (`*` and `?` within a segment).
fn glob_matches(pattern: &str, segments: &[&str]) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let parts: Vec<&str> = pattern
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(p, s)| wildcard(p.as_bytes(), s.as_bytes()))
}

/// `*` (any run) and `?` (any one byte) matching of one path segment.
fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| wildcard(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && wildcard(rest, &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && wildcard(rest, &name[1..]),
    }
}

/// The intersection of several `requires-python` values, as one specifier
/// set: the highest `>=`/`>` lower bound, the lowest `<`/`<=` upper bound,
/// and every other clause once. `None` when none is given.
fn intersect_requires_python<'a>(
    all: impl Iterator<Item = &'a VersionSpecifiers>,
) -> Option<VersionSpecifiers> {
    use pep440_rs::Operator;
    let mut lower: Option<VersionSpecifier> = None;
    let mut upper: Option<VersionSpecifier> = None;
    let mut others: Vec<VersionSpecifier> = Vec::new();
    let mut any = false;
    for spec in all.flat_map(|s| s.iter()) {
        any = true;
        match spec.operator() {
            Operator::GreaterThanEqual | Operator::GreaterThan => {
                let tighter = lower.as_ref().is_none_or(|l| {
                    spec.version() > l.version()
                        || (spec.version() == l.version()
                            && *spec.operator() == Operator::GreaterThan)
                });
                if tighter {
                    lower = Some(spec.clone());
                }
            }
            Operator::LessThan | Operator::LessThanEqual => {
                let tighter = upper.as_ref().is_none_or(|u| {
                    spec.version() < u.version()
                        || (spec.version() == u.version() && *spec.operator() == Operator::LessThan)
                });
                if tighter {
                    upper = Some(spec.clone());
                }
            }
            _ => {
                if !others.contains(spec) {
                    others.push(spec.clone());
                }
            }
        }
    }
    any.then(|| lower.into_iter().chain(upper).chain(others).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_segment_by_segment() {
        assert!(glob_matches("packages/*", &["packages", "lib"]));
        assert!(glob_matches("./packages/l?b/", &["packages", "lib"]));
        assert!(!glob_matches("packages/*", &["packages", "lib", "sub"]));
        assert!(!glob_matches("packages/a*", &["packages", "lib"]));
        assert!(glob_matches("libs/*-core", &["libs", "x-core"]));
    }

    #[test]
    fn discovery_finds_the_root_from_a_member() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            fs_err::create_dir_all(p.parent().unwrap()).unwrap();
            fs_err::write(p, text).unwrap();
        };
        write(
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"1\"\n[tool.envy.workspace]\nmembers = [\"packages/*\"]\nexclude = [\"packages/out\"]\n",
        );
        write(
            "packages/lib/pyproject.toml",
            "[project]\nname = \"Lib\"\nversion = \"1\"\n",
        );
        write(
            "packages/out/pyproject.toml",
            "[project]\nname = \"out\"\nversion = \"1\"\n",
        );
        let d = discover(&root.join("packages/lib/src")).unwrap();
        assert_eq!(d.root, root);
        assert_eq!(d.member.unwrap().as_ref(), "lib");
        let d = discover(&root.join("packages/out")).unwrap();
        assert_eq!(d.root, root.join("packages/out"));
        assert_eq!(discover(root).unwrap().member, None);
        let p = load(root).unwrap();
        assert_eq!(
            p.workspace_members.values().collect::<Vec<_>>(),
            ["packages/lib"]
        );
    }

    #[test]
    fn requires_python_intersects_to_the_tightest_bounds() {
        let specs: Vec<VersionSpecifiers> = [">=3.8", ">=3.10, <4", "<3.13", "!=3.11.1"]
            .iter()
            .map(|s| VersionSpecifiers::from_str(s).unwrap())
            .collect();
        let joined = intersect_requires_python(specs.iter()).unwrap();
        assert_eq!(joined.to_string(), ">=3.10, !=3.11.1, <3.13");
        assert!(intersect_requires_python(std::iter::empty()).is_none());
    }
}
