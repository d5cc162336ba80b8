//! `envy.lock`: the typed model (`model.rs`), its strict reader
//! (`parse.rs`: every value checked, errors at line and column) and its
//! deterministic TOML writer (`write.rs`), documented in `docs/lockfile.md`;
//! building a lock from a resolution; and the queries over the locked graph
//! (`graph.rs`: which packages a selection needs under which markers, edges
//! both ways, chains). Freshness against `pyproject.toml` is `ops::lock`'s.
//!
//! The lock is universal: markers stay on dependency edges, and a package's
//! effective marker is derived by walking edges from the project.

pub mod graph;
mod model;
mod parse;
mod write;

pub use crate::types::hash::{FileHash, HashAlgorithm};
pub use model::{
    Dep, FileEntry, Lock, LockedPackage, Manifest, ResolverOptions, Selection, Source,
};

use crate::index::IndexFile;
use crate::resolver::Resolution;
use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName, Requirement};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The lock format version this envy reads and writes.
pub const LOCK_VERSION: u32 = 1;

/// The name of the lock file.
pub const LOCK_FILE: &str = "envy.lock";

/// A lock that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// A syntax or schema error, or a value that does not parse as what its
    /// key holds (package name, PEP 440 version or specifiers, PEP 508
    /// marker, sha256 digest), at its 1-based line and column.
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
    /// names another distribution or version than its `[[package]]`.
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

impl Lock {
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
            .filter(|p| p.name.as_ref() == name && !p.is_project())
            .max_by(|a, b| a.version.cmp(&b.version))
    }

    /// Pinned versions of every locked distribution (not the project);
    /// a forked name lists its versions joined with `, `.
    pub fn pins(&self) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        for p in self.packages.iter().filter(|p| !p.is_project()) {
            out.entry(p.name.to_string())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(&p.version.to_string());
                })
                .or_insert_with(|| p.version.to_string());
        }
        out
    }

    /// Write the `find-links` sources and their files' URLs that lie inside
    /// `root` (the lock's directory, absolute) as paths relative to it, so
    /// the lock stays valid when the project moves. Paths only: no I/O.
    pub fn relativize_find_links(&mut self, root: &std::path::Path) {
        for p in &mut self.packages {
            let Some(dir) = &p.source.find_links else {
                continue;
            };
            if let Ok(rel) = std::path::Path::new(dir).strip_prefix(root) {
                p.source.find_links = Some(slash_path(rel));
            }
            for f in p.sdist.iter_mut().chain(p.wheels.iter_mut()) {
                let Some(path) = url::Url::parse(&f.url)
                    .ok()
                    .filter(|u| u.scheme() == "file")
                    .and_then(|u| u.to_file_path().ok())
                else {
                    continue;
                };
                if let Ok(rel) = path.strip_prefix(root) {
                    f.url = slash_path(rel);
                }
            }
        }
    }

    /// Build a lock from a resolution.
    ///
    /// `project` is (name, version, edges, optional edges, group edges) of the root.
    /// A file its index gave no valid sha256 is left out (the lock never
    /// holds a file it cannot verify; `ops::lock` hashes such files first).
    pub fn from_resolution(
        requires_python: &str,
        manifest: Manifest,
        project: LockedPackage,
        resolution: &Resolution,
    ) -> Self {
        let mut packages = vec![project];
        for p in resolution.packages.values() {
            let entry = |f: &IndexFile| {
                Some(FileEntry {
                    url: f.url.clone(),
                    hash: FileHash::sha256(f.sha256.as_deref()?).ok()?,
                    size: f.size,
                    upload_time: f.upload_time.clone(),
                })
            };
            let sdist = p.files.iter().find(|f| !f.is_wheel()).and_then(entry);
            let wheels = p
                .files
                .iter()
                .filter(|f| f.is_wheel())
                .filter_map(entry)
                .collect();
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
                name: p.name.clone(),
                version: p.version.clone(),
                source: if p.index == crate::index::FIND_LINKS {
                    Source {
                        find_links: find_links_dir(&p.files),
                        ..Source::default()
                    }
                } else {
                    Source {
                        registry: Some(p.index.clone()),
                        ..Source::default()
                    }
                },
                resolution_marker: p.fork_marker.clone(),
                groups: Vec::new(),
                dependencies: deps,
                optional_dependencies,
                dependency_groups: BTreeMap::new(),
                requires_dist: Vec::new(),
                metadata_inputs: None,
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
                    match resolution.root_dependency_versions.get(&d.name) {
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
        let mut groups: HashMap<PackageName, BTreeSet<String>> = HashMap::new();
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
}

/// Merge duplicate edges to the same (name, version, extras) by OR-ing their
/// markers, then sort (by text, the order the lock is written in).
fn merge_edges(deps: &mut Vec<Dep>) {
    type Key = (String, Option<String>, Vec<String>);
    let mut merged: BTreeMap<Key, Dep> = BTreeMap::new();
    for d in deps.drain(..) {
        let key = (
            d.name.to_string(),
            d.version.as_ref().map(ToString::to_string),
            d.extras.clone(),
        );
        match merged.entry(key) {
            std::collections::btree_map::Entry::Occupied(mut cur) => {
                cur.get_mut().marker.or(d.marker);
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(d);
            }
        }
    }
    *deps = merged
        .into_values()
        .filter(|d| !d.marker.is_false())
        .collect();
}

/// Edges from requirements, split per version where the dependency is
/// locked at several versions.
fn versioned_edges(
    reqs: &[Requirement],
    versions: &BTreeMap<PackageName, Vec<(Version, MarkerTree)>>,
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
fn split_edge(d: &Dep, versions: &[(Version, MarkerTree)]) -> Vec<Dep> {
    versions
        .iter()
        .filter_map(|(v, fork)| {
            let mut m = d.marker.clone();
            m.and(fork.clone());
            (!m.is_false()).then(|| Dep {
                name: d.name.clone(),
                version: Some(v.clone()),
                extras: d.extras.clone(),
                marker: m,
            })
        })
        .collect()
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

#[cfg(test)]
mod tests;

/// The directory of the first local (`file:`) file of a find-links
/// package, as an absolute path string (made relative by
/// [`Lock::relativize_find_links`]).
fn find_links_dir(files: &[IndexFile]) -> Option<String> {
    files.iter().find_map(|f| {
        let path = url::Url::parse(&f.url).ok()?.to_file_path().ok()?;
        Some(path.parent()?.display().to_string())
    })
}

/// A relative path with `/` separators (`.` when empty), as the lock writes it.
fn slash_path(rel: &std::path::Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}
