//! `envy tree`: the locked dependency graph, from the project down (or, with
//! `--invert`, from a package up to the project).
//!
//! The graph logic is pure ([`build_tree`], [`render_tree`]) and works on a
//! [`Lock`]; only [`tree`] reads files or asks the index.

use super::outdated::{is_newer, latest_versions};
use super::sync::{ensure_lock, LockMode};
use super::{Error, Result, Settings};
use crate::lock::graph::{normalize, Edge, Graph};
use crate::lock::{Lock, LockedPackage};
use pep440_rs::Version;
use pep508_rs::PackageName;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Options of `envy tree`.
#[derive(Debug, Clone, Default)]
pub struct TreeOptions {
    /// How much to trust the lock.
    pub mode: LockMode,
    /// Show who depends on each package instead of what it depends on.
    pub invert: bool,
    /// Stop after this many levels below the roots.
    pub depth: Option<usize>,
    /// Root the tree at these packages instead of the project.
    pub packages: Vec<String>,
    /// Leave out the `dev` dependency group.
    pub no_dev: bool,
    /// Ask the index for newer versions and mark them.
    pub outdated: bool,
}

/// One line of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeNode {
    /// Normalized package name.
    pub name: String,
    /// Locked version.
    pub version: String,
    /// Extras requested on the edge that leads here (always empty when inverted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
    /// The PEP 508 marker on the edge that leads here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// `group: NAME` or `extra: NAME` when the edge comes from the project's
    /// dependency group or extra (or from a package's extra).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The newest version on the index, when newer than `version` (`--outdated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// For a direct reference: where it comes from (`path: ../lib`,
    /// `editable: ../lib`, `url: https://...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// This subtree was already shown above; its children are omitted (`(*)`).
    pub repeated: bool,
    /// Dependencies (or, inverted, dependents).
    pub children: Vec<TreeNode>,
}

/// Build the forest `envy tree` shows.
///
/// # Errors
/// When a `--package` is not in the lock, or the lock has no project entry.
pub fn build_tree(lock: &Lock, opts: &TreeOptions) -> Result<Vec<TreeNode>> {
    let graph = Graph::new(lock, opts.no_dev);
    let mut roots: Vec<&LockedPackage> = Vec::new();
    for p in &opts.packages {
        let name = normalize(p);
        let found: Vec<_> = graph.by_name(&name).collect();
        if found.is_empty() {
            return Err(Error::new(format!("package `{p}` is not in `envy.lock`"))
                .hint("run `envy tree` to see every locked package"));
        }
        roots.extend(found);
    }
    if roots.is_empty() {
        if opts.invert {
            // Leaves: reachable packages without dependencies of their own.
            let reach = graph.reachable();
            roots = lock
                .packages
                .iter()
                .filter(|p| !p.is_project())
                .filter(|p| reach.contains(&(p.name.clone(), p.version.clone())))
                .filter(|p| p.dependencies.is_empty())
                .collect();
        } else {
            roots.push(lock.project().ok_or_else(|| {
                Error::new("`envy.lock` has no project entry")
                    .hint("delete `envy.lock` and run `envy lock` to write a fresh one")
            })?);
        }
    }
    let mut expanded = HashSet::new();
    Ok(roots
        .into_iter()
        .map(|p| {
            let edge = Edge {
                to: p,
                extras: vec![],
                marker: pep508_rs::MarkerTree::TRUE,
                via: None,
            };
            walk(&graph, &edge, 0, opts, &mut expanded)
        })
        .collect())
}

fn walk<'a>(
    graph: &Graph<'a>,
    edge: &Edge<'a>,
    level: usize,
    opts: &TreeOptions,
    expanded: &mut HashSet<(PackageName, Version, Vec<String>)>,
) -> TreeNode {
    let pkg = edge.to;
    let mut node = TreeNode {
        name: pkg.name.to_string(),
        version: pkg.version.to_string(),
        extras: edge.extras.clone(),
        marker: edge.marker.try_to_string(),
        via: edge.via.clone(),
        latest: None,
        source: direct_source(pkg),
        repeated: false,
        children: Vec::new(),
    };
    if opts.depth.is_some_and(|d| level >= d) {
        return node;
    }
    let next = if opts.invert {
        graph.parents(pkg)
    } else {
        graph.children(pkg, &edge.extras)
    };
    if next.is_empty() {
        return node;
    }
    let key = (pkg.name.clone(), pkg.version.clone(), edge.extras.clone());
    if !expanded.insert(key) {
        node.repeated = true;
        return node;
    }
    node.children = next
        .iter()
        .map(|e| walk(graph, e, level + 1, opts, expanded))
        .collect();
    node
}

/// Render the forest as text, one line per node:
/// `├── flask v3.1.3`, markers after `;`, `(*)` on repeated subtrees.
pub fn render_tree(roots: &[TreeNode]) -> String {
    let mut out = String::new();
    for r in roots {
        out.push_str(&label(r));
        out.push('\n');
        render_children(&r.children, "", &mut out);
    }
    out
}

fn render_children(children: &[TreeNode], prefix: &str, out: &mut String) {
    for (i, c) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&label(c));
        out.push('\n');
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        render_children(&c.children, &deeper, out);
    }
}

/// Where a direct reference comes from, as `tree` shows it; `None` for a
/// package from an index and for the project.
fn direct_source(pkg: &LockedPackage) -> Option<String> {
    if !pkg.is_direct() {
        return None;
    }
    let s = &pkg.source;
    match (&s.path, &s.editable, &s.url) {
        (Some(p), _, _) => Some(format!("path: {p}")),
        (None, Some(e), _) => Some(format!("editable: {e}")),
        (None, None, Some(u)) => Some(format!("url: {u}")),
        (None, None, None) => s.git.as_ref().map(|g| format!("git: {g}")),
    }
}

fn label(n: &TreeNode) -> String {
    let mut s = n.name.clone();
    if !n.extras.is_empty() {
        s.push_str(&format!("[{}]", n.extras.join(",")));
    }
    s.push_str(&format!(" v{}", n.version));
    if let Some(src) = &n.source {
        s.push_str(&format!(" ({src})"));
    }
    if let Some(v) = &n.via {
        s.push_str(&format!(" ({v})"));
    }
    if let Some(l) = &n.latest {
        s.push_str(&format!(" (latest: v{l})"));
    }
    if n.repeated {
        s.push_str(" (*)");
    }
    if let Some(m) = &n.marker {
        s.push_str(&format!(" ; {m}"));
    }
    s
}

fn mark_latest(nodes: &mut [TreeNode], latest: &BTreeMap<String, String>) {
    for n in nodes {
        if let Some(l) = latest.get(&n.name) {
            if is_newer(l, &n.version) {
                n.latest = Some(l.clone());
            }
        }
        mark_latest(&mut n.children, latest);
    }
}

/// `envy tree`: the forest, with `--outdated` versions filled in.
///
/// # Errors
/// Lock errors; unknown `--package`; index errors with `--outdated`.
pub fn tree(settings: &Settings, opts: &TreeOptions) -> Result<Vec<TreeNode>> {
    let project = settings.project()?;
    let lock = ensure_lock(settings, &project, opts.mode)?;
    let mut roots = build_tree(&lock, opts)?;
    if opts.outdated {
        let client = settings.client(Some(&project))?;
        let names: Vec<String> = lock
            .packages
            .iter()
            // A direct reference's name is never looked up on an index.
            .filter(|p| !p.is_project() && !p.is_direct())
            .map(|p| p.name.to_string())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let latest = latest_versions(&client, &names)
            .into_iter()
            .filter_map(|(n, r)| r.ok().flatten().map(|v| (n, v)))
            .collect();
        mark_latest(&mut roots, &latest);
    }
    Ok(roots)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::lock::graph::Chain;

    /// demo -> flask -> {click -> colorama (win32), werkzeug -> markupsafe}, jinja2 -> markupsafe;
    /// dev: pytest.
    pub(crate) fn sample() -> Lock {
        let text = r#"
version = 1
requires-python = ">=3.11"

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "flask" }]

[package.dependency-groups]
dev = [{ name = "pytest" }]

[[package]]
name = "click"
version = "8.3.1"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]
dependencies = [{ name = "colorama", marker = "sys_platform == 'win32'" }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]

[[package]]
name = "flask"
version = "3.1.2"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]
dependencies = [{ name = "click" }, { name = "jinja2" }, { name = "werkzeug" }]

[[package]]
name = "jinja2"
version = "3.1.6"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]
dependencies = [{ name = "markupsafe" }]

[[package]]
name = "markupsafe"
version = "3.0.3"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]

[[package]]
name = "pytest"
version = "8.4.2"
source = { registry = "https://pypi.org/simple" }
groups = ["dev"]

[[package]]
name = "werkzeug"
version = "3.1.3"
source = { registry = "https://pypi.org/simple" }
groups = ["main"]
dependencies = [{ name = "markupsafe" }]
"#;
        Lock::parse(text, "envy.lock").expect("sample lock parses")
    }

    #[test]
    fn renders_tree_with_markers_and_repeats() {
        let lock = sample();
        let t = build_tree(&lock, &TreeOptions::default()).unwrap();
        let text = render_tree(&t);
        let expected = "\
demo v0.1.0
├── flask v3.1.2
│   ├── click v8.3.1
│   │   └── colorama v0.4.6 ; sys_platform == 'win32'
│   ├── jinja2 v3.1.6
│   │   └── markupsafe v3.0.3
│   └── werkzeug v3.1.3
│       └── markupsafe v3.0.3
└── pytest v8.4.2 (group: dev)
";
        assert_eq!(text, expected);
    }

    #[test]
    fn no_dev_depth_and_invert() {
        let lock = sample();
        let t = build_tree(
            &lock,
            &TreeOptions {
                no_dev: true,
                depth: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(render_tree(&t), "demo v0.1.0\n└── flask v3.1.2\n");
        let t = build_tree(
            &lock,
            &TreeOptions {
                invert: true,
                packages: vec!["MarkupSafe".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            render_tree(&t),
            "\
markupsafe v3.0.3
├── jinja2 v3.1.6
│   └── flask v3.1.2
│       └── demo v0.1.0
└── werkzeug v3.1.3
    └── flask v3.1.2 (*)
"
        );
    }

    #[test]
    fn chains_to_a_package() {
        let lock = sample();
        let g = Graph::new(&lock, false);
        let c: Vec<String> = g
            .chains("markupsafe", 10)
            .iter()
            .map(Chain::render)
            .collect();
        assert_eq!(
            c,
            [
                "demo -> flask -> jinja2 -> markupsafe",
                "demo -> flask -> werkzeug -> markupsafe"
            ]
        );
        let c: Vec<String> = g.chains("colorama", 10).iter().map(Chain::render).collect();
        assert_eq!(
            c,
            ["demo -> flask -> click -> colorama ; sys_platform == 'win32'"]
        );
        let c: Vec<String> = g.chains("pytest", 10).iter().map(Chain::render).collect();
        assert_eq!(c, ["demo -> pytest (group: dev)"]);
    }

    #[test]
    fn invert_without_package_starts_at_leaves() {
        let lock = sample();
        let t = build_tree(
            &lock,
            &TreeOptions {
                invert: true,
                no_dev: true,
                depth: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            render_tree(&t),
            "colorama v0.4.6\n└── click v8.3.1 ; sys_platform == 'win32'\nmarkupsafe v3.0.3\n├── jinja2 v3.1.6\n└── werkzeug v3.1.3\n"
        );
    }

    #[test]
    fn cycles_and_forks_terminate() {
        let text = r#"
version = 1
requires-python = ">=3.9"

[[package]]
name = "demo"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "a" }, { name = "numpy" }]

[[package]]
name = "a"
version = "1"
source = { registry = "x" }
dependencies = [{ name = "b", extras = ["fast"] }]

[[package]]
name = "b"
version = "1"
source = { registry = "x" }
dependencies = [{ name = "a" }]

[package.optional-dependencies]
fast = [{ name = "numpy", marker = "python_full_version >= '3.10'" }]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "x" }

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "x" }
"#;
        let lock = Lock::parse(text, "envy.lock").unwrap();
        let t = build_tree(&lock, &TreeOptions::default()).unwrap();
        assert_eq!(
            render_tree(&t),
            "\
demo v0.1.0
├── a v1
│   └── b[fast] v1
│       ├── a v1 (*)
│       ├── numpy v1.26.4 (extra: fast) ; python_full_version >= '3.10'
│       └── numpy v2.1.0 (extra: fast) ; python_full_version >= '3.10'
├── numpy v1.26.4
└── numpy v2.1.0
"
        );
        let g = Graph::new(&lock, false);
        let c: Vec<String> = g.chains("numpy", 10).iter().map(Chain::render).collect();
        assert_eq!(
            c,
            [
                "demo -> numpy",
                "demo -> a -> b[fast] -> numpy ; python_full_version >= '3.10'"
            ]
        );
    }

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize("Foo_Bar.baz"), "foo-bar-baz");
        assert!(is_newer("3.1.3", "3.1.2"));
        assert!(!is_newer("3.1.2", "3.1.2"));
    }
}
