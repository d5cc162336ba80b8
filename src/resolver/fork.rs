//! Forking: splitting a resolution's environment where requirements on one
//! package disagree under different markers, and merging the parts'
//! solutions into one universal resolution.

use super::ranges::simplify_for;
use super::{ForkSolution, Resolution, ResolverInput};
use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName, Requirement};
use std::collections::BTreeMap;

/// When `reqs` name one package several times with different version
/// ranges or extras under different markers, the parts of this
/// resolution's environment `env` those markers carve out (two or more), else
/// `None`.
pub(super) fn fork_regions(env: &MarkerTree, reqs: &[Requirement]) -> Option<Vec<MarkerTree>> {
    let mut by_name: BTreeMap<&PackageName, Vec<&Requirement>> = BTreeMap::new();
    for r in reqs {
        if !r.marker.is_disjoint(env) {
            by_name.entry(&r.name).or_default().push(r);
        }
    }
    let mut markers: Vec<MarkerTree> = Vec::new();
    for group in by_name.values().filter(|g| g.len() > 1) {
        let first = group[0];
        let differ = group
            .iter()
            .any(|r| r.version_or_url != first.version_or_url || r.extras != first.extras);
        let same_marker = group.iter().all(|r| r.marker == first.marker);
        if differ && !same_marker {
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
