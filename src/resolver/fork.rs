//! Forking: splitting a resolution's environment where requirements on one
//! package carry different markers, or a marker that raises the lowest
//! Python, and merging the parts'
//! solutions into one universal resolution.

use super::ranges::{raises_python_floor, simplify_for};
use super::{ForkSolution, Resolution, ResolverInput};
use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName, Requirement};
use std::collections::BTreeMap;

/// The parts of this resolution's environment `env` that one requirer's
/// requirements `reqs` split it into (two or more), else `None`. uv's rule:
///
/// - a package named by two or more requirements whose markers are not all
///   the same splits `env` at each of those markers (`b ; platform_machine
///   == 'x86_64'` beside a plain `b` solves x86_64 and the rest apart, even
///   with equal specifiers);
/// - a package named once (or always under one marker) splits `env` at
///   that marker only when the marker raises the environment's lowest
///   Python (`c<2 ; python_version >= '3.12'` in a project from 3.8 up):
///   the dependency then binds only the Pythons it names. Other markers
///   (`sys_platform == 'win32'`, `python_version < '3.10'`) stay on the
///   edge without splitting.
pub(super) fn fork_regions(env: &MarkerTree, reqs: &[Requirement]) -> Option<Vec<MarkerTree>> {
    let mut by_name: BTreeMap<&PackageName, Vec<&Requirement>> = BTreeMap::new();
    for r in reqs {
        if !r.marker.is_disjoint(env) {
            by_name.entry(&r.name).or_default().push(r);
        }
    }
    let mut markers: Vec<MarkerTree> = Vec::new();
    for group in by_name.values() {
        let first = &group[0].marker;
        if group.iter().all(|r| &r.marker == first) {
            if raises_python_floor(env, first) {
                markers.push(first.clone());
            }
        } else {
            markers.extend(group.iter().map(|r| r.marker.clone()));
        }
    }
    if markers.is_empty() {
        return None;
    }
    let mut parts = vec![env.clone()];
    for m in &markers {
        let mut next = Vec::new();
        for p in &parts {
            for side in [m.clone(), m.negate()] {
                let mut q = p.clone();
                q.and(side);
                if !q.is_false() && !next.contains(&q) {
                    next.push(q);
                }
            }
        }
        parts = next;
    }
    (parts.len() > 1).then_some(parts)
}

/// Merge fork solutions into one resolution.
pub(super) fn merge(mut solutions: Vec<ForkSolution>, input: &ResolverInput) -> Resolution {
    solutions.sort_by_key(|s| s.env.try_to_string());
    let forked = solutions.len() > 1;
    let mut out = Resolution {
        forks: solutions
            .iter()
            .map(|s| simplify_for(&s.env, &input.requires_python))
            .collect(),
        ..Default::default()
    };
    // Which versions of each name, under which forks.
    let mut versions: BTreeMap<PackageName, BTreeMap<Version, MarkerTree>> = BTreeMap::new();
    for s in &solutions {
        for (n, v) in &s.chosen {
            versions
                .entry(n.clone())
                .or_default()
                .entry(v.clone())
                .or_insert(MarkerTree::FALSE)
                .or(s.env.clone());
        }
    }
    let multi = |n: &PackageName| versions.get(n).is_some_and(|v| v.len() > 1);
    // Edge versions: for a parent chosen in fork f, its dependency's version in f.
    let edge_versions = |parent_forks: &[&ForkSolution],
                         deps: &mut dyn Iterator<Item = &PackageName>| {
        let mut out: BTreeMap<PackageName, Vec<(Version, MarkerTree)>> = BTreeMap::new();
        for d in deps {
            if !multi(d) || out.contains_key(d) {
                continue;
            }
            let mut by_version: BTreeMap<Version, MarkerTree> = BTreeMap::new();
            for f in parent_forks {
                if let Some(v) = f.chosen.get(d) {
                    by_version
                        .entry(v.clone())
                        .or_insert(MarkerTree::FALSE)
                        .or(simplify_for(&f.env, &input.requires_python));
                }
            }
            out.insert(d.clone(), by_version.into_iter().collect());
        }
        out
    };
    let all: Vec<&ForkSolution> = solutions.iter().collect();
    out.root_dependency_versions =
        edge_versions(&all, &mut input.requirements.iter().map(|r| &r.name));
    for s in &solutions {
        for p in &s.packages {
            let key = (p.name.clone(), p.version.clone());
            let entry = out.packages.entry(key).or_insert_with(|| {
                let mut p = p.clone();
                p.dependencies.clear();
                p.optional_dependencies.clear();
                p
            });
            for d in &p.dependencies {
                if !entry.dependencies.contains(d) {
                    entry.dependencies.push(d.clone());
                }
            }
            for (e, reqs) in &p.optional_dependencies {
                let list = entry.optional_dependencies.entry(e.clone()).or_default();
                for d in reqs {
                    if !list.contains(d) {
                        list.push(d.clone());
                    }
                }
            }
        }
    }
    for ((name, version), p) in out.packages.iter_mut() {
        let forks: Vec<&ForkSolution> = solutions
            .iter()
            .filter(|s| s.chosen.get(name) == Some(version))
            .collect();
        if forked && multi(name) {
            let mut m = MarkerTree::FALSE;
            for f in &forks {
                m.or(f.env.clone());
            }
            p.fork_marker = simplify_for(&m, &input.requires_python);
        }
        let names: Vec<PackageName> = p
            .dependencies
            .iter()
            .chain(p.optional_dependencies.values().flatten())
            .map(|r| r.name.clone())
            .collect();
        p.dependency_versions = edge_versions(&forks, &mut names.iter());
    }
    out
}
