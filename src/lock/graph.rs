//! Queries over the locked dependency graph: edges both ways (dependencies
//! and dependents, through extras, dependency groups and versioned edges of
//! forked locks), what the project reaches, and the chains of requirements
//! that lead to a package. Pure: `ops::tree` and `ops::show` render them.

use super::{Dep, Lock, LockedPackage};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};

/// A directed edge of the locked graph.
#[derive(Debug, Clone)]
pub struct Edge<'a> {
    /// The package the edge leads to (inverted: the dependent).
    pub to: &'a LockedPackage,
    /// Extras the edge asks for (always empty when inverted).
    pub extras: Vec<String>,
    /// The PEP 508 marker on the edge.
    pub marker: Option<String>,
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
            .filter(move |p| p.name == name && !p.is_project())
    }

    fn expand(&self, deps: &'a [Dep], via: Option<String>) -> Vec<Edge<'a>> {
        let mut out = Vec::new();
        for d in deps {
            // A versioned edge (forked lock) leads to that version only.
            for to in self
                .by_name(&d.name)
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
    pub fn reachable(&self) -> BTreeSet<(String, String)> {
        let mut seen = BTreeSet::new();
        let Some(project) = self.lock.project() else {
            return seen;
        };
        let mut stack = vec![(project, Vec::new())];
        let mut expanded: HashSet<(String, String, Vec<String>)> = HashSet::new();
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
        let mut path: Vec<(String, Option<String>, Option<String>)> =
            vec![(project.name.clone(), None, None)];
        let mut on_path: HashSet<String> = HashSet::from([project.name.clone()]);
        // Only walk into packages that can reach the target, so the search
        // stays proportional to the chains found, not to the whole graph.
        let mut reaches: HashSet<String> = HashSet::from([name.to_string()]);
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            for pkg in self.by_name(&n).collect::<Vec<_>>() {
                for e in self.parents(pkg) {
                    if reaches.insert(e.to.name.clone()) {
                        stack.push(e.to.name.clone());
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
        path: &mut Vec<(String, Option<String>, Option<String>)>,
        on_path: &mut HashSet<String>,
        out: &mut Vec<Chain>,
    ) {
        let target = ctx.target;
        for e in self.children(pkg, extras) {
            if out.len() >= ctx.limit {
                return;
            }
            if on_path.contains(&e.to.name) || !ctx.reaches.contains(&e.to.name) {
                continue;
            }
            let step = if e.extras.is_empty() {
                e.to.name.clone()
            } else {
                format!("{}[{}]", e.to.name, e.extras.join(","))
            };
            path.push((step, e.via.clone(), e.marker.clone()));
            if e.to.name == target {
                out.push(Chain::from_path(path));
            } else {
                on_path.insert(e.to.name.clone());
                self.chains_from(e.to, &e.extras, ctx, path, on_path, out);
                on_path.remove(&e.to.name);
            }
            path.pop();
        }
    }
}

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
    fn from_path(path: &[(String, Option<String>, Option<String>)]) -> Self {
        let mut marker = pep508_rs::MarkerTree::TRUE;
        for (_, _, m) in path {
            if let Some(m) = m {
                let d = Dep {
                    name: String::new(),
                    version: None,
                    extras: vec![],
                    marker: Some(m.clone()),
                };
                marker.and(d.marker_tree());
            }
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
