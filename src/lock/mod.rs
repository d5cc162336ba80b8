//! `envy.lock`: the model, its deterministic TOML form (documented in
//! `docs/lockfile.md`), freshness against `pyproject.toml`, and which
//! packages a selection of groups needs under which markers.
//!
//! The lock is universal: markers stay on dependency edges, and a package's
//! effective marker is derived by walking edges from the project.

pub mod graph;
mod write;

use crate::index::IndexFile;
use crate::resolver::{requires_python_marker, Resolution};
use pep508_rs::{MarkerEnvironment, MarkerTree, Requirement};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::str::FromStr;

/// The lock format version this envy reads and writes.
pub const LOCK_VERSION: u32 = 1;

/// The name of the lock file.
pub const LOCK_FILE: &str = "envy.lock";

/// A lock that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Syntax or schema error.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A file that does not belong where the lock lists it: its filename
    /// names another distribution or version than its `[[package]]`, or it
    /// has no sha256 (hex digits).
    #[error("{path}: {message}")]
    Inconsistent {
        /// The file.
        path: String,
        /// What is wrong, naming the file and the package.
        message: String,
    },
    /// A version this envy does not know.
    #[error("{path} has lock format version {found}, this envy reads version {LOCK_VERSION}")]
    Version {
        /// The file.
        path: String,
        /// The version found.
        found: u32,
    },
}

/// What the project asked for, normalized; the lock is fresh while this matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    /// `[project] dependencies`, normalized PEP 508 strings, sorted.
    #[serde(default)]
    pub requirements: Vec<String>,
    /// `[project.optional-dependencies]`.
    #[serde(default)]
    pub optional_dependencies: BTreeMap<String, Vec<String>>,
    /// `[dependency-groups]`, includes expanded.
    #[serde(default)]
    pub dependency_groups: BTreeMap<String, Vec<String>>,
    /// `[tool.envy] constraint-dependencies`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    /// `[tool.envy] override-dependencies`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// `[tool.envy] required-environments`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_environments: Vec<String>,
}

/// Resolver options that change the answer, as the lock was made with them
/// (`[options]`; each key only when it differs from the default, as in
/// uv). A lock made with other options is stale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResolverOptions {
    /// `--resolution` (`lowest`, `lowest-direct`); absent: `highest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// `--prerelease`; absent: `if-necessary-or-explicit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prerelease: Option<String>,
    /// `--fork-strategy`; absent: `requires-python`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork_strategy: Option<String>,
    /// `--exclude-newer`: the cutoff, RFC 3339 in UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_newer: Option<String>,
    /// `--exclude-newer` given as a duration (`7 days`): the duration as
    /// written; freshness compares it rather than the moving cutoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_newer_span: Option<String>,
}

impl ResolverOptions {
    /// Whether a lock made with `self` answers a request for `wanted`: the
    /// same options, where a relative `--exclude-newer` compares by its
    /// duration, not by its cutoff.
    pub fn satisfies(&self, wanted: &ResolverOptions) -> bool {
        let same_cutoff = match (&self.exclude_newer_span, &wanted.exclude_newer_span) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.exclude_newer == wanted.exclude_newer,
            _ => false,
        };
        self.resolution == wanted.resolution
            && self.prerelease == wanted.prerelease
            && self.fork_strategy == wanted.fork_strategy
            && same_cutoff
    }

    /// Whether every option is at its default.
    pub fn is_default(&self) -> bool {
        self == &ResolverOptions::default()
    }
}

/// One dependency edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dep {
    /// The dependency's normalized name.
    pub name: String,
    /// The dependency's version, when the lock holds several versions of it
    /// (a forked resolution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Extras requested on the edge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
    /// PEP 508 marker on the edge; absent means always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Dep {
    /// Build an edge from a requirement (its version specifier is dropped:
    /// the lock pins the version).
    pub fn from_requirement(r: &Requirement) -> Self {
        let mut extras: Vec<String> = r.extras.iter().map(ToString::to_string).collect();
        extras.sort();
        extras.dedup();
        Self {
            name: r.name.to_string(),
            version: None,
            extras,
            marker: r.marker.try_to_string(),
        }
    }

    /// The marker as a tree (`true` when absent or unparsable).
    pub fn marker_tree(&self) -> MarkerTree {
        self.marker
            .as_deref()
            .and_then(|m| MarkerTree::from_str(m).ok())
            .unwrap_or(MarkerTree::TRUE)
    }
}

/// Where a package comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// A simple index URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// A local project installed editable (relative path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable: Option<String>,
}

/// One distribution file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileEntry {
    /// Absolute URL.
    pub url: String,
    /// sha256, lowercase hex.
    pub sha256: String,
    /// Size in bytes, when the index said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Upload time (PEP 700), when the index said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<String>,
}

impl FileEntry {
    /// The filename: the last path segment of the URL.
    pub fn filename(&self) -> &str {
        self.url.rsplit('/').next().unwrap_or(&self.url)
    }
}

/// One `[[package]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LockedPackage {
    /// Normalized name.
    pub name: String,
    /// The pinned version.
    pub version: String,
    /// Where it comes from.
    pub source: Source,
    /// For a name locked at several versions: the environments in which
    /// this version is the one (a forked resolution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_marker: Option<String>,
    /// Which of the project's groups need it (`main`, a group name, `extra:NAME`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Edges that hold without extras.
    #[serde(default)]
    pub dependencies: Vec<Dep>,
    /// Edges of each extra (for the project: its optional dependencies).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub optional_dependencies: BTreeMap<String, Vec<Dep>>,
    /// For the project only: edges of each dependency group.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependency_groups: BTreeMap<String, Vec<Dep>>,
    /// The sdist of this version, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdist: Option<FileEntry>,
    /// Every wheel of this version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wheels: Vec<FileEntry>,
}

impl LockedPackage {
    /// Whether this is the project itself.
    pub fn is_project(&self) -> bool {
        self.source.editable.is_some()
    }

    /// Every file (sdist first, then wheels).
    pub fn files(&self) -> impl Iterator<Item = &FileEntry> {
        self.sdist.iter().chain(&self.wheels)
    }
}

/// The whole lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Lock {
    /// Format version.
    pub version: u32,
    /// The project's `requires-python` when locked.
    pub requires_python: String,
    /// Resolver options the lock was made with (`[options]`).
    #[serde(default)]
    pub options: ResolverOptions,
    /// What the project asked for.
    #[serde(default)]
    pub manifest: Manifest,
    /// The project first, then every distribution sorted by name.
    #[serde(default, rename = "package")]
    pub packages: Vec<LockedPackage>,
}

/// Which groups to install or export.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Include `[project] dependencies`.
    pub main: bool,
    /// Extras of the project to include.
    pub extras: Vec<String>,
    /// Dependency groups to include.
    pub groups: Vec<String>,
}

impl Lock {
    /// Parse lock text.
    ///
    /// # Errors
    /// [`LockError`] with line and column.
    pub fn parse(text: &str, path: &str) -> Result<Self, LockError> {
        let lock: Lock = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| crate::project::line_col(text, s.start))
                .unwrap_or((0, 0));
            LockError::Parse {
                path: path.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        if lock.version != LOCK_VERSION {
            return Err(LockError::Version {
                path: path.to_string(),
                found: lock.version,
            });
        }
        lock.check_files()
            .map_err(|message| LockError::Inconsistent {
                path: path.to_string(),
                message,
            })?;
        Ok(lock)
    }

    /// The lock's own consistency, checked whenever it is read (so by
    /// `sync --frozen`, `lock --locked`, `export`...): every file listed under
    /// a `[[package]]` is a distribution of that name and version (the
    /// filename's normalized name, and its version equal under PEP 440), and
    /// carries a sha256 (hex digits; never empty). A lock edited by hand or by an
    /// attacker cannot then slip another distribution's wheel under a name
    /// the project asked for.
    ///
    /// # Errors
    /// A sentence naming the file and the package.
    fn check_files(&self) -> Result<(), String> {
        for pkg in &self.packages {
            let edges = pkg
                .dependencies
                .iter()
                .chain(pkg.optional_dependencies.values().flatten())
                .chain(pkg.dependency_groups.values().flatten());
            let markers = edges
                .filter_map(|d| d.marker.as_deref())
                .chain(pkg.resolution_marker.as_deref());
            for m in markers {
                crate::types::check_nesting(m).map_err(|e| {
                    format!(
                        "a marker of `{}` (`{}`): {e}",
                        pkg.name,
                        crate::types::shorten(m, 60)
                    )
                })?;
            }
        }
        for pkg in self.packages.iter().filter(|p| !p.is_project()) {
            let name = pep508_rs::PackageName::from_str(&pkg.name)
                .map_err(|e| format!("package `{}`: {e}", pkg.name))?;
            let version = pep440_rs::Version::from_str(&pkg.version)
                .map_err(|e| format!("package `{}`: version `{}`: {e}", pkg.name, pkg.version))?;
            for file in pkg.files() {
                let filename = percent_decoded(file.filename());
                let which = || {
                    format!(
                        "`{filename}` (listed under `{}=={}`)",
                        pkg.name, pkg.version
                    )
                };
                // Any other length simply never matches at download.
                if file.sha256.is_empty() || !file.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!(
                        "{} has no valid sha256 (`{}`)",
                        which(),
                        file.sha256
                    ));
                }
                // A wheel's filename names its distribution; an sdist's name
                // part is ambiguous (dashes), so it is parsed against the
                // package's own name.
                let parsed = if filename.ends_with(".whl") {
                    crate::types::WheelFilename::from_str(&filename)
                        .ok()
                        .map(|w| (w.name, w.version))
                } else {
                    crate::types::SdistFilename::parse(&filename, &name)
                        .ok()
                        .map(|s| (s.name, s.version))
                };
                let Some((file_name, file_version)) = parsed else {
                    return Err(format!(
                        "{} is not a distribution of `{}`",
                        which(),
                        pkg.name
                    ));
                };
                if file_name != name {
                    return Err(format!(
                        "{} is a distribution of `{file_name}`, not of `{}`",
                        which(),
                        pkg.name
                    ));
                }
                if file_version != version {
                    return Err(format!(
                        "{} is version {file_version}, not {}",
                        which(),
                        pkg.version
                    ));
                }
            }
        }
        Ok(())
    }

    /// The deterministic TOML text.
    pub fn to_toml(&self) -> String {
        write::render(self)
    }

    /// The project's own entry.
    pub fn project(&self) -> Option<&LockedPackage> {
        self.packages.iter().find(|p| p.is_project())
    }

    /// A package by normalized name (the highest version, when forked).
    pub fn package(&self, name: &str) -> Option<&LockedPackage> {
        self.packages
            .iter()
            .filter(|p| p.name == name && !p.is_project())
            .max_by(|a, b| version_cmp(&a.version, &b.version))
    }

    /// Pinned versions of every locked distribution (not the project);
    /// a forked name lists its versions joined with `, `.
    pub fn pins(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for p in self.packages.iter().filter(|p| !p.is_project()) {
            out.entry(p.name.clone())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&p.version);
                })
                .or_insert_with(|| p.version.clone());
        }
        out
    }

    /// Build a lock from a resolution.
    ///
    /// `project` is (name, version, edges, optional edges, group edges) of the root.
    pub fn from_resolution(
        requires_python: &str,
        manifest: Manifest,
        project: LockedPackage,
        resolution: &Resolution,
    ) -> Self {
        let mut packages = vec![project];
        for p in resolution.packages.values() {
            let entry = |f: &IndexFile| FileEntry {
                url: f.url.clone(),
                sha256: f.sha256.clone().unwrap_or_default(),
                size: f.size,
                upload_time: f.upload_time.clone(),
            };
            let sdist = p.files.iter().find(|f| !f.is_wheel()).map(entry);
            let wheels = p.files.iter().filter(|f| f.is_wheel()).map(entry).collect();
            let mut deps = versioned_edges(&p.dependencies, &p.dependency_versions);
            merge_edges(&mut deps);
            let optional_dependencies = p
                .optional_dependencies
                .iter()
                .map(|(e, reqs)| {
                    let mut d = versioned_edges(reqs, &p.dependency_versions);
                    merge_edges(&mut d);
                    (e.to_string(), d)
                })
                .collect();
            packages.push(LockedPackage {
                name: p.name.to_string(),
                version: p.version.to_string(),
                source: Source {
                    registry: Some(p.index.clone()),
                    editable: None,
                },
                resolution_marker: p.fork_marker.try_to_string(),
                groups: Vec::new(),
                dependencies: deps,
                optional_dependencies,
                dependency_groups: BTreeMap::new(),
                sdist,
                wheels,
            });
        }
        // The project's edges to names locked at several versions.
        if !resolution.root_dependency_versions.is_empty() {
            let root = &mut packages[0];
            let fix = |deps: &mut Vec<Dep>| {
                let mut out = Vec::new();
                for d in deps.drain(..) {
                    match pep508_rs::PackageName::from_str(&d.name)
                        .ok()
                        .and_then(|n| resolution.root_dependency_versions.get(&n))
                    {
                        Some(versions) => out.extend(split_edge(&d, versions)),
                        None => out.push(d),
                    }
                }
                out.sort();
                *deps = out;
            };
            fix(&mut root.dependencies);
            root.optional_dependencies.values_mut().for_each(fix);
            root.dependency_groups.values_mut().for_each(fix);
        }
        let mut lock = Self {
            version: LOCK_VERSION,
            requires_python: requires_python.to_string(),
            options: ResolverOptions::default(),
            manifest,
            packages,
        };
        lock.fill_groups();
        lock
    }

    /// Record on each package which of the project's groups reach it.
    fn fill_groups(&mut self) {
        let Some(project) = self.project() else {
            return;
        };
        let mut selections = vec![(
            "main".to_string(),
            Selection {
                main: true,
                extras: vec![],
                groups: vec![],
            },
        )];
        for e in project.optional_dependencies.keys() {
            selections.push((
                format!("extra:{e}"),
                Selection {
                    main: false,
                    extras: vec![e.clone()],
                    groups: vec![],
                },
            ));
        }
        for g in project.dependency_groups.keys() {
            selections.push((
                g.clone(),
                Selection {
                    main: false,
                    extras: vec![],
                    groups: vec![g.clone()],
                },
            ));
        }
        let mut groups: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (label, sel) in &selections {
            for name in self.needed(sel).keys() {
                groups
                    .entry(name.clone())
                    .or_default()
                    .insert(label.clone());
            }
        }
        for p in &mut self.packages {
            if !p.is_project() {
                p.groups = groups
                    .remove(&p.name)
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
            }
        }
    }

    /// Every distribution `selection` needs, keyed by (name, version), with
    /// the marker under which it is needed (the disjunction, over all paths
    /// from the project, of the conjunction of edge markers), simplified
    /// under `requires-python`.
    pub fn needed_versions(&self, selection: &Selection) -> BTreeMap<(String, String), MarkerTree> {
        let Some(project) = self.project() else {
            return BTreeMap::new();
        };
        let mut by_name: HashMap<&str, Vec<&LockedPackage>> = HashMap::new();
        for p in self.packages.iter().filter(|p| !p.is_project()) {
            by_name.entry(p.name.as_str()).or_default().push(p);
        }
        let rp_specs = pep440_rs::VersionSpecifiers::from_str(&self.requires_python).ok();
        let rp = rp_specs
            .as_ref()
            .map(requires_python_marker)
            .unwrap_or(MarkerTree::TRUE);
        let (lower, upper) = rp_specs
            .as_ref()
            .map(crate::resolver::requires_python_bounds)
            .unwrap_or((std::ops::Bound::Unbounded, std::ops::Bound::Unbounded));
        // Node: (name, version, extra or ""). Marker: when that node is active.
        type Node = (String, String, String);
        let mut marker: HashMap<Node, MarkerTree> = HashMap::new();
        let mut queue: VecDeque<Node> = VecDeque::new();
        let activate = |from: &MarkerTree,
                        dep: &Dep,
                        marker: &mut HashMap<Node, MarkerTree>,
                        queue: &mut VecDeque<Node>| {
            let Some(targets) = by_name.get(dep.name.as_str()) else {
                return;
            };
            for target in targets {
                if dep.version.as_ref().is_some_and(|v| *v != target.version) {
                    continue;
                }
                let mut m = from.clone();
                m.and(dep.marker_tree());
                if dep.version.is_none() {
                    if let Some(r) = target
                        .resolution_marker
                        .as_deref()
                        .and_then(|r| MarkerTree::from_str(r).ok())
                    {
                        m.and(r);
                    }
                }
                if m.is_false() {
                    continue;
                }
                let nodes = std::iter::once(String::new()).chain(dep.extras.iter().cloned());
                for extra in nodes {
                    let key = (target.name.clone(), target.version.clone(), extra);
                    let cur = marker.entry(key.clone()).or_insert(MarkerTree::FALSE);
                    let mut next = cur.clone();
                    next.or(m.clone());
                    if next != *cur {
                        *cur = next;
                        queue.push_back(key);
                    }
                }
            }
        };
        let mut roots: Vec<&Dep> = Vec::new();
        if selection.main {
            roots.extend(&project.dependencies);
        }
        for e in &selection.extras {
            roots.extend(project.optional_dependencies.get(e).into_iter().flatten());
        }
        for g in &selection.groups {
            roots.extend(project.dependency_groups.get(g).into_iter().flatten());
        }
        for d in roots {
            activate(&rp, d, &mut marker, &mut queue);
        }
        while let Some(node) = queue.pop_front() {
            let Some(pkg) = by_name
                .get(node.0.as_str())
                .and_then(|v| v.iter().find(|p| p.version == node.1))
            else {
                continue;
            };
            let from = marker[&node].clone();
            let edges: &[Dep] = if node.2.is_empty() {
                &pkg.dependencies
            } else {
                pkg.optional_dependencies
                    .get(&node.2)
                    .map_or(&[], Vec::as_slice)
            };
            for d in edges {
                activate(&from, d, &mut marker, &mut queue);
            }
        }
        marker
            .into_iter()
            .filter(|((_, _, extra), _)| extra.is_empty())
            .map(|((name, version, _), m)| {
                (
                    (name, version),
                    m.simplify_python_versions(lower.as_ref(), upper.as_ref()),
                )
            })
            .collect()
    }

    /// Like [`Lock::needed_versions`], keyed by name only (forked names OR
    /// their markers together).
    pub fn needed(&self, selection: &Selection) -> BTreeMap<String, MarkerTree> {
        let mut out: BTreeMap<String, MarkerTree> = BTreeMap::new();
        for ((name, _), m) in self.needed_versions(selection) {
            out.entry(name).or_insert(MarkerTree::FALSE).or(m);
        }
        out
    }

    /// The packages `selection` needs in `env`, evaluated for one interpreter.
    pub fn needed_for(
        &self,
        selection: &Selection,
        env: &MarkerEnvironment,
    ) -> Vec<&LockedPackage> {
        let needed = self.needed_versions(selection);
        self.packages
            .iter()
            .filter(|p| !p.is_project())
            .filter(|p| {
                needed
                    .get(&(p.name.clone(), p.version.clone()))
                    .is_some_and(|m| m.evaluate(env, &[]))
            })
            .collect()
    }
}

/// Merge duplicate edges to the same (name, version, extras) by OR-ing their
/// markers, then sort.
fn merge_edges(deps: &mut Vec<Dep>) {
    type Key = (String, Option<String>, Vec<String>);
    let mut merged: BTreeMap<Key, MarkerTree> = BTreeMap::new();
    for d in deps.drain(..) {
        let m = d.marker_tree();
        merged
            .entry((d.name.clone(), d.version.clone(), d.extras.clone()))
            .and_modify(|cur| cur.or(m.clone()))
            .or_insert(m);
    }
    *deps = merged
        .into_iter()
        .filter(|(_, m)| !m.is_false())
        .map(|((name, version, extras), m)| Dep {
            name,
            version,
            extras,
            marker: m.try_to_string(),
        })
        .collect();
}

/// Edges from requirements, split per version where the dependency is
/// locked at several versions.
fn versioned_edges(
    reqs: &[Requirement],
    versions: &BTreeMap<pep508_rs::PackageName, Vec<(pep440_rs::Version, MarkerTree)>>,
) -> Vec<Dep> {
    let mut out = Vec::new();
    for r in reqs {
        let d = Dep::from_requirement(r);
        match versions.get(&r.name) {
            Some(v) => out.extend(split_edge(&d, v)),
            None => out.push(d),
        }
    }
    out
}

/// One edge per locked version of its target, each under its fork marker.
fn split_edge(d: &Dep, versions: &[(pep440_rs::Version, MarkerTree)]) -> Vec<Dep> {
    versions
        .iter()
        .filter_map(|(v, fork)| {
            let mut m = d.marker_tree();
            m.and(fork.clone());
            (!m.is_false()).then(|| Dep {
                name: d.name.clone(),
                version: Some(v.to_string()),
                extras: d.extras.clone(),
                marker: m.try_to_string(),
            })
        })
        .collect()
}

/// Compare two version strings as PEP 440 versions (text order if invalid).
fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (
        pep440_rs::Version::from_str(a),
        pep440_rs::Version::from_str(b),
    ) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Normalize and sort requirement strings for the manifest.
pub fn manifest_list(reqs: &[Requirement]) -> Vec<String> {
    let mut v: Vec<String> = reqs.iter().map(ToString::to_string).collect();
    v.sort();
    v.dedup();
    v
}

/// Edges of the project from its requirements.
pub fn project_edges(reqs: &[Requirement]) -> Vec<Dep> {
    let mut d: Vec<Dep> = reqs.iter().map(Dep::from_requirement).collect();
    merge_edges(&mut d);
    d
}

/// `s` with `%XX` escapes decoded (a URL's last segment as a filename, e.g.
/// `torch-2.1.0%2Bcpu-...whl`); invalid escapes are kept as they are.
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
