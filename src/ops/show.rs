//! `envy show PACKAGE`: what the lock holds for one package and why it is there.

use super::sync::{ensure_lock, LockMode};
use super::{Error, Result, Settings};
use crate::lock::graph::{normalize, Chain, Graph};
use crate::lock::{Dep, Lock};
use serde::Serialize;
use std::collections::BTreeMap;

/// The most chains `envy show` lists.
pub const MAX_CHAINS: usize = 50;

/// Options of `envy show`.
#[derive(Debug, Clone, Default)]
pub struct ShowOptions {
    /// How much to trust the lock.
    pub mode: LockMode,
}

/// One locked entry of the package (more than one when markers forked the resolution).
#[derive(Debug, Clone, Serialize)]
pub struct ShownPackage {
    /// Normalized name.
    pub name: String,
    /// The locked version.
    pub version: String,
    /// The index URL (or `editable: PATH` for the project).
    pub source: String,
    /// Number of files (sdist + wheels).
    pub files: usize,
    /// Whether there is an sdist.
    pub sdist: bool,
    /// Number of wheels.
    pub wheels: usize,
    /// Which of the project's groups need it.
    pub groups: Vec<String>,
    /// Its dependency edges.
    pub dependencies: Vec<Dep>,
    /// Edges of each of its extras that the lock uses (for the project: its extras).
    pub optional_dependencies: BTreeMap<String, Vec<Dep>>,
    /// For the project only: edges of each dependency group.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub dependency_groups: BTreeMap<String, Vec<Dep>>,
    /// Packages with an edge to it (`name` or `name[extra]`, with the group for the project).
    pub required_by: Vec<String>,
    /// Every chain of requirements from the project to it (at most [`MAX_CHAINS`]).
    pub chains: Vec<Chain>,
}

/// Describe `name` from `lock` (pure).
///
/// # Errors
/// When the lock does not hold `name`, with a hint naming close matches.
pub fn describe(lock: &Lock, name: &str) -> Result<Vec<ShownPackage>> {
    let norm = normalize(name);
    let entries: Vec<_> = lock
        .packages
        .iter()
        .filter(|p| p.name.as_ref() == norm)
        .collect();
    if entries.is_empty() {
        let similar: Vec<&str> = lock
            .packages
            .iter()
            .map(|p| p.name.as_ref())
            .filter(|n| n.contains(&norm) || norm.contains(*n))
            .collect();
        let hint = if similar.is_empty() {
            "run `envy tree` to see every locked package, or `envy add NAME` to add it".to_string()
        } else {
            format!("did you mean {}?", similar.join(", "))
        };
        return Err(Error::new(format!("package `{name}` is not in `envy.lock`")).hint(hint));
    }
    let graph = Graph::new(lock, false);
    let chains = graph.chains(&norm, MAX_CHAINS);
    let mut required_by = Vec::new();
    for from in &lock.packages {
        let mut add = |label: String| {
            if !required_by.contains(&label) {
                required_by.push(label);
            }
        };
        if from.dependencies.iter().any(|d| d.name.as_ref() == norm) {
            add(from.name.to_string());
        }
        for (e, deps) in &from.optional_dependencies {
            if deps.iter().any(|d| d.name.as_ref() == norm) {
                add(format!("{}[{e}]", from.name));
            }
        }
        for (g, deps) in &from.dependency_groups {
            if deps.iter().any(|d| d.name.as_ref() == norm) {
                add(format!("{} (group: {g})", from.name));
            }
        }
    }
    Ok(entries
        .into_iter()
        .map(|p| ShownPackage {
            name: p.name.to_string(),
            version: p.version.to_string(),
            source: match (&p.source.registry, &p.source.editable, &p.source.find_links) {
                (Some(r), _, _) => r.clone(),
                (None, Some(e), _) => format!("editable: {e}"),
                (None, None, Some(d)) => format!("find-links: {d}"),
                (None, None, None) => match (&p.source.path, &p.source.url) {
                    (Some(path), _) => format!("path: {path}"),
                    (None, Some(url)) => format!("url: {url}"),
                    (None, None) => match &p.source.git {
                        Some(git) => format!("git: {git}"),
                        None => "unknown".into(),
                    },
                },
            },
            files: p.files().count(),
            sdist: p.sdist.is_some(),
            wheels: p.wheels.len(),
            groups: p.groups.clone(),
            dependencies: p.dependencies.clone(),
            optional_dependencies: p.optional_dependencies.clone(),
            dependency_groups: p.dependency_groups.clone(),
            required_by: required_by.clone(),
            chains: if p.is_project() {
                Vec::new()
            } else {
                chains.clone()
            },
        })
        .collect())
}

fn dep_line(d: &Dep) -> String {
    let mut s = d.name.to_string();
    if !d.extras.is_empty() {
        s.push_str(&format!("[{}]", d.extras.join(",")));
    }
    if let Some(m) = d.marker_text() {
        s.push_str(&format!(" ; {m}"));
    }
    s
}

/// Render the description as text.
pub fn render(shown: &[ShownPackage]) -> String {
    let mut out = String::new();
    for (i, p) in shown.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("Name: {}\nVersion: {}\n", p.name, p.version));
        out.push_str(&format!("Source: {}\n", p.source));
        if !p.source.starts_with("editable") {
            out.push_str(&format!(
                "Files: {} ({} sdist, {} wheel{})\n",
                p.files,
                usize::from(p.sdist),
                p.wheels,
                if p.wheels == 1 { "" } else { "s" }
            ));
        }
        if !p.groups.is_empty() {
            out.push_str(&format!("Groups: {}\n", p.groups.join(", ")));
        }
        if p.dependencies.is_empty() {
            out.push_str("Dependencies: (none)\n");
        } else {
            out.push_str("Dependencies:\n");
            for d in &p.dependencies {
                out.push_str(&format!("  {}\n", dep_line(d)));
            }
        }
        for (e, deps) in &p.optional_dependencies {
            out.push_str(&format!("Extra `{e}`:\n"));
            for d in deps {
                out.push_str(&format!("  {}\n", dep_line(d)));
            }
        }
        for (g, deps) in &p.dependency_groups {
            out.push_str(&format!("Group `{g}`:\n"));
            for d in deps {
                out.push_str(&format!("  {}\n", dep_line(d)));
            }
        }
        if !p.required_by.is_empty() {
            out.push_str(&format!("Required by: {}\n", p.required_by.join(", ")));
        }
        if !p.chains.is_empty() {
            out.push_str("Why:\n");
            for c in &p.chains {
                out.push_str(&format!("  {}\n", c.render()));
            }
            if p.chains.len() >= MAX_CHAINS {
                out.push_str(&format!(
                    "  (only the first {MAX_CHAINS} chains are shown)\n"
                ));
            }
        } else if !p.source.starts_with("editable") {
            out.push_str("Why: not reachable from the project (left over in the lock)\n");
        }
    }
    out
}

/// `envy show`: read (or make) the lock and describe `name`.
///
/// # Errors
/// Lock errors; a name the lock does not hold.
pub fn show(settings: &Settings, name: &str, opts: &ShowOptions) -> Result<Vec<ShownPackage>> {
    let project = settings.project()?;
    let lock = ensure_lock(settings, &project, opts.mode)?;
    describe(&lock, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_package_and_why() {
        let lock = super::super::tree::tests::sample();
        let s = describe(&lock, "MarkupSafe").unwrap();
        let text = render(&s);
        assert!(
            text.contains("Name: markupsafe\nVersion: 3.0.3\n"),
            "{text}"
        );
        assert!(text.contains("Required by: jinja2, werkzeug\n"), "{text}");
        assert!(
            text.contains("Why:\n  demo -> flask -> jinja2 -> markupsafe\n  demo -> flask -> werkzeug -> markupsafe\n"),
            "{text}"
        );
        let e = describe(&lock, "flas").unwrap_err();
        assert!(
            matches!(&e, super::Error::Message { hint: Some(h), .. } if h == "did you mean flask?"),
            "{e:?}"
        );
    }
}
