//! `envy.lock`: the model, its deterministic TOML form (documented in
//! `docs/lockfile.md`), freshness against `pyproject.toml`, and which
//! packages a selection of groups needs under which markers.
//!
//! The lock is universal: markers stay on dependency edges, and a package's
//! effective marker is derived by walking edges from the project.

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
}

/// One dependency edge.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dep {
    /// The dependency's normalized name.
    pub name: String,
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
        Ok(lock)
    }

    /// The deterministic TOML text.
    pub fn to_toml(&self) -> String {
        write::render(self)
    }

    /// The project's own entry.
    pub fn project(&self) -> Option<&LockedPackage> {
        self.packages.iter().find(|p| p.is_project())
    }

    /// A package by normalized name.
    pub fn package(&self, name: &str) -> Option<&LockedPackage> {
        self.packages
            .iter()
            .find(|p| p.name == name && !p.is_project())
    }

    /// Pinned versions of every locked distribution (not the project).
    pub fn pins(&self) -> BTreeMap<String, String> {
        self.packages
            .iter()
            .filter(|p| !p.is_project())
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect()
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
            let mut deps: Vec<Dep> = p.dependencies.iter().map(Dep::from_requirement).collect();
            merge_edges(&mut deps);
            let optional_dependencies = p
                .optional_dependencies
                .iter()
                .map(|(e, reqs)| {
                    let mut d: Vec<Dep> = reqs.iter().map(Dep::from_requirement).collect();
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
                groups: Vec::new(),
                dependencies: deps,
                optional_dependencies,
                dependency_groups: BTreeMap::new(),
                sdist,
                wheels,
            });
        }
        let mut lock = Self {
            version: LOCK_VERSION,
            requires_python: requires_python.to_string(),
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

    /// Every distribution `selection` needs, with the marker under which it
    /// is needed (the disjunction, over all paths from the project, of the
    /// conjunction of edge markers), restricted to `requires-python`.
    pub fn needed(&self, selection: &Selection) -> BTreeMap<String, MarkerTree> {
        let Some(project) = self.project() else {
            return BTreeMap::new();
        };
        let by_name: HashMap<&str, &LockedPackage> = self
            .packages
            .iter()
            .filter(|p| !p.is_project())
            .map(|p| (p.name.as_str(), p))
            .collect();
        let rp_specs = pep440_rs::VersionSpecifiers::from_str(&self.requires_python).ok();
        let rp = rp_specs
            .as_ref()
            .map(requires_python_marker)
            .unwrap_or(MarkerTree::TRUE);
        let (lower, upper) = rp_specs
            .map(|s| crate::resolver::specifiers_to_ranges(&s))
            .and_then(|r| r.bounding_range().map(|(a, b)| (a.cloned(), b.cloned())))
            .unwrap_or((std::ops::Bound::Unbounded, std::ops::Bound::Unbounded));
        // Node: (name, extra or ""). Marker: when that node is active.
        let mut marker: HashMap<(String, String), MarkerTree> = HashMap::new();
        let mut queue: VecDeque<(String, String)> = VecDeque::new();
        let activate = |from: &MarkerTree,
                        dep: &Dep,
                        marker: &mut HashMap<(String, String), MarkerTree>,
                        queue: &mut VecDeque<(String, String)>| {
            let mut m = from.clone();
            m.and(dep.marker_tree());
            if m.is_false() {
                return;
            }
            let nodes = std::iter::once(String::new()).chain(dep.extras.iter().cloned());
            for extra in nodes {
                let key = (dep.name.clone(), extra);
                let cur = marker.entry(key.clone()).or_insert(MarkerTree::FALSE);
                let mut next = cur.clone();
                next.or(m.clone());
                if next != *cur {
                    *cur = next;
                    queue.push_back(key);
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
            let Some(pkg) = by_name.get(node.0.as_str()) else {
                continue;
            };
            let from = marker[&node].clone();
            let edges: &[Dep] = if node.1.is_empty() {
                &pkg.dependencies
            } else {
                pkg.optional_dependencies
                    .get(&node.1)
                    .map_or(&[], Vec::as_slice)
            };
            for d in edges {
                activate(&from, d, &mut marker, &mut queue);
            }
        }
        marker
            .into_iter()
            .filter(|((name, extra), _)| extra.is_empty() && by_name.contains_key(name.as_str()))
            .map(|((name, _), m)| {
                (
                    name,
                    m.simplify_python_versions(lower.as_ref(), upper.as_ref()),
                )
            })
            .collect()
    }

    /// The packages `selection` needs in `env`, evaluated for one interpreter.
    pub fn needed_for(
        &self,
        selection: &Selection,
        env: &MarkerEnvironment,
    ) -> Vec<&LockedPackage> {
        let needed = self.needed(selection);
        self.packages
            .iter()
            .filter(|p| !p.is_project())
            .filter(|p| needed.get(&p.name).is_some_and(|m| m.evaluate(env, &[])))
            .collect()
    }
}

/// Merge duplicate edges to the same (name, extras) by OR-ing their markers,
/// then sort.
fn merge_edges(deps: &mut Vec<Dep>) {
    let mut merged: BTreeMap<(String, Vec<String>), MarkerTree> = BTreeMap::new();
    for d in deps.drain(..) {
        let m = d.marker_tree();
        merged
            .entry((d.name.clone(), d.extras.clone()))
            .and_modify(|cur| cur.or(m.clone()))
            .or_insert(m);
    }
    *deps = merged
        .into_iter()
        .map(|((name, extras), m)| Dep {
            name,
            extras,
            marker: m.try_to_string(),
        })
        .collect();
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
