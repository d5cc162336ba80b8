//! Queries over the locked dependency graph: which distributions a
//! selection of the project's groups needs and under which markers (the
//! needed sets `sync`, `export` and `build` use), edges both ways
//! (dependencies and dependents, through extras, dependency groups and
//! versioned edges of forked locks), what the project reaches, and the
//! chains of requirements that lead to a package. Pure: `ops::tree` and
//! `ops::show` render them.

use super::{Dep, Lock, LockedPackage, Selection};
use crate::resolver::requires_python_marker;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, MarkerTree, PackageName};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::str::FromStr;

/// A directed edge of the locked graph.
#[derive(Debug, Clone)]
pub struct Edge<'a> {
    /// The package the edge leads to (inverted: the dependent).
    pub to: &'a LockedPackage,
    /// Extras the edge asks for (always empty when inverted).
    pub extras: Vec<String>,
    /// The PEP 508 marker on the edge (`true`: always).
    pub marker: MarkerTree,
    /// `group: NAME` or `extra: NAME` when the edge comes from a dependency group or extra.
    pub via: Option<String>,
}

/// The locked graph, indexed for walking both ways.
pub struct Graph<'a> {
    lock: &'a Lock,
    no_dev: bool,
}

impl<'a> Graph<'a> {
    /// A view of `lock`; `no_dev` hides the project's `dev` group.
    pub fn new(lock: &'a Lock, no_dev: bool) -> Self {
        Self { lock, no_dev }
    }

    /// Every locked entry named `name` (more than one when markers forked).
    pub fn by_name(&self, name: &str) -> impl Iterator<Item = &'a LockedPackage> + '_ {
        let name = name.to_string();
        self.lock
            .packages
            .iter()
            .filter(move |p| p.name.as_ref() == name && !p.is_project())
    }

    fn expand(&self, deps: &'a [Dep], via: Option<String>) -> Vec<Edge<'a>> {
        let mut out = Vec::new();
        for d in deps {
            // A versioned edge (forked lock) leads to that version only.
            for to in self
                .by_name(d.name.as_ref())
                .filter(|p| d.version.as_ref().is_none_or(|v| *v == p.version))
            {
                out.push(Edge {
                    to,
                    extras: d.extras.clone(),
                    marker: d.marker.clone(),
                    via: via.clone(),
                });
            }
        }
        out
    }

    /// Edges out of `pkg` when reached with `extras`.
    pub fn children(&self, pkg: &'a LockedPackage, extras: &[String]) -> Vec<Edge<'a>> {
        let mut out = self.expand(&pkg.dependencies, None);
        if pkg.is_project() {
            for (e, deps) in &pkg.optional_dependencies {
                out.extend(self.expand(deps, Some(format!("extra: {e}"))));
            }
            for (g, deps) in &pkg.dependency_groups {
                if self.no_dev && g == "dev" {
                    continue;
                }
                out.extend(self.expand(deps, Some(format!("group: {g}"))));
            }
        } else {
            for e in extras {
                if let Some(deps) = pkg.optional_dependencies.get(e) {
                    out.extend(self.expand(deps, Some(format!("extra: {e}"))));
                }
            }
        }
        out
    }

    /// Edges into `pkg`: every package (or the project) with an edge to it.
    pub fn parents(&self, pkg: &'a LockedPackage) -> Vec<Edge<'a>> {
        let mut out = Vec::new();
        for from in &self.lock.packages {
            if from.name == pkg.name && from.version == pkg.version {
                continue;
            }
            let mut sets: Vec<(&[Dep], Option<String>)> = vec![(&from.dependencies, None)];
            for (e, deps) in &from.optional_dependencies {
                sets.push((deps, Some(format!("extra: {e}"))));
            }
            for (g, deps) in &from.dependency_groups {
                if !(self.no_dev && g == "dev") {
                    sets.push((deps, Some(format!("group: {g}"))));
                }
            }
            for (deps, via) in sets {
                for d in deps.iter().filter(|d| d.name == pkg.name) {
                    // The edge's extras are asked of `pkg`, not of `from`.
                    out.push(Edge {
                        to: from,
                        extras: Vec::new(),
                        marker: d.marker.clone(),
                        via: via.clone(),
                    });
                }
            }
        }
        out
    }

    /// Packages reachable from the project (with the current `no_dev`).
    pub fn reachable(&self) -> BTreeSet<(PackageName, Version)> {
        let mut seen = BTreeSet::new();
        let Some(project) = self.lock.project() else {
            return seen;
        };
        let mut stack = vec![(project, Vec::new())];
        let mut expanded: HashSet<(PackageName, Version, Vec<String>)> = HashSet::new();
        while let Some((p, extras)) = stack.pop() {
            if !expanded.insert((p.name.clone(), p.version.clone(), extras.clone())) {
                continue;
            }
            for e in self.children(p, &extras) {
                seen.insert((e.to.name.clone(), e.to.version.clone()));
                stack.push((e.to, e.extras));
            }
        }
        seen
    }

    /// Every chain of requirements from the project to `name`, each a list of
    /// (package name, `via` label of the edge into the next) plus the
    /// combined marker. At most `limit` chains, shortest first.
    pub fn chains(&self, name: &str, limit: usize) -> Vec<Chain> {
        let mut out = Vec::new();
        let Some(project) = self.lock.project() else {
            return out;
        };
        let mut path: Vec<PathStep> = vec![(project.name.to_string(), None, MarkerTree::TRUE)];
        let mut on_path: HashSet<String> = HashSet::from([project.name.to_string()]);
        // Only walk into packages that can reach the target, so the search
        // stays proportional to the chains found, not to the whole graph.
        let mut reaches: HashSet<String> = HashSet::from([name.to_string()]);
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            for pkg in self.by_name(&n).collect::<Vec<_>>() {
                for e in self.parents(pkg) {
                    if reaches.insert(e.to.name.to_string()) {
                        stack.push(e.to.name.to_string());
                    }
                }
            }
        }
        let ctx = ChainSearch {
            target: name,
            reaches: &reaches,
            limit,
        };
        self.chains_from(project, &[], &ctx, &mut path, &mut on_path, &mut out);
        out.sort_by(|a, b| a.steps.len().cmp(&b.steps.len()).then(a.cmp(b)));
        out.dedup();
        out
    }

    fn chains_from(
        &self,
        pkg: &'a LockedPackage,
        extras: &[String],
        ctx: &ChainSearch<'_>,
        path: &mut Vec<PathStep>,
        on_path: &mut HashSet<String>,
        out: &mut Vec<Chain>,
    ) {
        let target = ctx.target;
        for e in self.children(pkg, extras) {
            if out.len() >= ctx.limit {
                return;
            }
            let to = e.to.name.as_ref();
            if on_path.contains(to) || !ctx.reaches.contains(to) {
                continue;
            }
            let step = if e.extras.is_empty() {
                e.to.name.to_string()
            } else {
                format!("{}[{}]", e.to.name, e.extras.join(","))
            };
            path.push((step, e.via.clone(), e.marker.clone()));
            if to == target {
                out.push(Chain::from_path(path));
            } else {
                on_path.insert(to.to_string());
                self.chains_from(e.to, &e.extras, ctx, path, on_path, out);
                on_path.remove(to);
            }
            path.pop();
        }
    }
}

/// One step of a chain being searched: the package (`name[extras]`), the
/// `via` label of the edge into it, and that edge's marker.
type PathStep = (String, Option<String>, MarkerTree);

/// What [`Graph::chains`] looks for.
struct ChainSearch<'s> {
    target: &'s str,
    reaches: &'s HashSet<String>,
    limit: usize,
}

/// One chain of requirements from the project to a package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Chain {
    /// Package names from the project to the package (`name[extra]` where
    /// the edge into it asks for extras).
    pub steps: Vec<String>,
    /// The group or extra of the project the chain starts in, if not the main dependencies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The conjunction of the edge markers along the chain; absent means always.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Chain {
    fn from_path(path: &[PathStep]) -> Self {
        let mut marker = MarkerTree::TRUE;
        for (_, _, m) in path {
            marker.and(m.clone());
        }
        Chain {
            steps: path.iter().map(|(n, _, _)| n.clone()).collect(),
            via: path.get(1).and_then(|(_, v, _)| v.clone()),
            marker: marker.try_to_string(),
        }
    }

    /// `demo -> flask -> werkzeug`, with the group and the marker when set.
    pub fn render(&self) -> String {
        let mut s = self.steps.join(" -> ");
        if let Some(v) = &self.via {
            s.push_str(&format!(" ({v})"));
        }
        if let Some(m) = &self.marker {
            s.push_str(&format!(" ; {m}"));
        }
        s
    }
}

/// A PEP 503 normalized name.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The needed sets: which locked distributions a selection of the
/// project's groups needs, and under which markers.
impl Lock {
    /// Every distribution `selection` needs, keyed by (name, version), with
    /// the marker under which it is needed (the disjunction, over all paths
    /// from the project, of the conjunction of edge markers), simplified
    /// under `requires-python`.
    pub fn needed_versions(
        &self,
        selection: &Selection,
    ) -> BTreeMap<(PackageName, Version), MarkerTree> {
        let Some(project) = self.project() else {
            return BTreeMap::new();
        };
        let mut by_name: HashMap<&PackageName, Vec<&LockedPackage>> = HashMap::new();
        for p in self.packages.iter().filter(|p| !p.is_project()) {
            by_name.entry(&p.name).or_default().push(p);
        }
        let rp_specs = VersionSpecifiers::from_str(&self.requires_python).ok();
        let rp = rp_specs
            .as_ref()
            .map(requires_python_marker)
            .unwrap_or(MarkerTree::TRUE);
        let (lower, upper) = rp_specs
            .as_ref()
            .map(crate::resolver::requires_python_bounds)
            .unwrap_or((std::ops::Bound::Unbounded, std::ops::Bound::Unbounded));
        // Node: (name, version, extra or ""). Marker: when that node is active.
        type Node = (PackageName, Version, String);
        let mut marker: HashMap<Node, MarkerTree> = HashMap::new();
        let mut queue: VecDeque<Node> = VecDeque::new();
        let activate = |from: &MarkerTree,
                        dep: &Dep,
                        marker: &mut HashMap<Node, MarkerTree>,
                        queue: &mut VecDeque<Node>| {
            let Some(targets) = by_name.get(&dep.name) else {
                return;
            };
            for target in targets {
                if dep.version.as_ref().is_some_and(|v| *v != target.version) {
                    continue;
                }
                let mut m = from.clone();
                m.and(dep.marker.clone());
                if dep.version.is_none() {
                    m.and(target.resolution_marker.clone());
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
                .get(&node.0)
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
    pub fn needed(&self, selection: &Selection) -> BTreeMap<PackageName, MarkerTree> {
        let mut out: BTreeMap<PackageName, MarkerTree> = BTreeMap::new();
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
