//! `[tool.poetry]` to PEP 621 `[project]` and PEP 735 `[dependency-groups]`,
//! keeping the rest of the document's text.

use super::constraint::{python_marker, translate_constraint};
use super::{err, MigrateError};
use pep508_rs::Requirement;
use std::str::FromStr;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

/// The result of a conversion: the new text and what the user should know.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    /// The whole new `pyproject.toml`.
    pub text: String,
    /// Things left out or changed in meaning, one sentence each.
    pub warnings: Vec<String>,
}

/// Whether `text` is a Poetry project without a PEP 621 `[project]` table.
/// Returns `None` when it is not a Poetry project at all.
pub fn poetry_state(doc: &DocumentMut) -> Option<PoetryState> {
    let poetry = doc
        .get("tool")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("poetry"))?;
    poetry.as_table_like()?;
    Some(if doc.contains_key("project") {
        PoetryState::AlreadyPep621
    } else {
        PoetryState::Convertible
    })
}

/// See [`poetry_state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoetryState {
    /// `[tool.poetry]` and no `[project]`.
    Convertible,
    /// `[tool.poetry]` next to an existing `[project]`.
    AlreadyPep621,
}

// ---------------------------------------------------------------------------
// Poetry dependencies
// ---------------------------------------------------------------------------

/// One Poetry dependency after conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoetryDep {
    /// The name as written.
    pub name: String,
    /// PEP 508 requirements (several for Poetry's multiple-constraint lists).
    pub requirements: Vec<String>,
    /// `optional = true`: only reachable through `[tool.poetry.extras]`.
    pub optional: bool,
}

fn and_markers(parts: &[String]) -> String {
    let parts: Vec<&String> = parts.iter().filter(|p| !p.is_empty()).collect();
    match parts.len() {
        0 => String::new(),
        1 => parts[0].clone(),
        _ => parts
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" and "),
    }
}

/// Convert one dependency value (string, table, or list of tables). Returns
/// `None` (with a warning pushed) for sources envy does not support yet.
///
/// # Errors
/// Constraints or markers that cannot be translated.
pub fn convert_dependency(
    name: &str,
    value: &Item,
    warnings: &mut Vec<String>,
) -> Result<Option<PoetryDep>, MigrateError> {
    let mut requirements = Vec::new();
    let mut optional = false;
    let entries: Vec<Entry> = match value {
        Item::Value(Value::String(s)) => vec![Entry::Constraint(s.value().clone())],
        Item::Value(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::InlineTable(t) => Ok(Entry::Table(t as &dyn TableLike)),
                Value::String(s) => Ok(Entry::Constraint(s.value().clone())),
                _ => err(format!("dependency `{name}`: unexpected list item `{v}`")),
            })
            .collect::<Result<_, _>>()?,
        Item::Value(Value::InlineTable(t)) => vec![Entry::Table(t)],
        Item::Table(t) => vec![Entry::Table(t)],
        Item::ArrayOfTables(a) => a
            .iter()
            .map(|t| Entry::Table(t as &dyn TableLike))
            .collect(),
        other => {
            return err(format!(
                "dependency `{name}` has an unexpected value `{}`",
                other.to_string().trim()
            ))
        }
    };
    for entry in entries {
        let (constraint, extras, mut markers) = match entry {
            Entry::Constraint(c) => (c, Vec::new(), Vec::new()),
            Entry::Table(t) => {
                for source in ["git", "path", "url", "file"] {
                    if t.contains_key(source) {
                        warnings.push(format!(
                            "`{name}` comes from a {source} source, which envy does not support yet: left out; add it back by hand once envy supports it"
                        ));
                        return Ok(None);
                    }
                }
                if let Some(source) = t.get("source").and_then(Item::as_str) {
                    warnings.push(format!(
                        "`{name}` asks for the Poetry source `{source}`: envy reads every package from the same indexes; set `[tool.envy] index-url` / `extra-index-url`"
                    ));
                }
                optional |= t.get("optional").and_then(Item::as_bool).unwrap_or(false);
                if t.get("allow-prereleases").and_then(Item::as_bool) == Some(true) {
                    warnings.push(format!(
                        "`{name}` allows pre-releases in Poetry: PEP 508 has no such flag; use `envy lock --prerelease allow`, or name a pre-release in the constraint"
                    ));
                }
                let constraint = t
                    .get("version")
                    .and_then(Item::as_str)
                    .unwrap_or("*")
                    .to_string();
                let extras: Vec<String> = t
                    .get("extras")
                    .and_then(Item::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let mut markers = Vec::new();
                if let Some(m) = t.get("markers").and_then(Item::as_str) {
                    markers.push(m.to_string());
                }
                if let Some(p) = t.get("python").and_then(Item::as_str) {
                    markers.push(python_marker(p)?);
                }
                if let Some(p) = t.get("platform").and_then(Item::as_str) {
                    markers.push(format!("sys_platform == '{p}'"));
                }
                (constraint, extras, markers)
            }
        };
        let (spec, warning) = translate_constraint(&constraint)
            .map_err(|e| MigrateError(format!("dependency `{name}`: {e}")))?;
        if let Some(w) = warning {
            warnings.push(format!("`{name}`: {w}"));
        }
        let mut text = name.to_string();
        if !extras.is_empty() {
            text.push_str(&format!("[{}]", extras.join(",")));
        }
        text.push_str(&spec);
        let marker = and_markers(&std::mem::take(&mut markers));
        if !marker.is_empty() {
            text.push_str(&format!("; {marker}"));
        }
        Requirement::<pep508_rs::VerbatimUrl>::from_str(&text).map_err(|e| {
            MigrateError(format!(
                "dependency `{name}` converts to `{text}`, which is not a valid PEP 508 requirement: {}",
                e.message
            ))
        })?;
        requirements.push(text);
    }
    Ok(Some(PoetryDep {
        name: name.to_string(),
        requirements,
        optional,
    }))
}

enum Entry<'a> {
    Constraint(String),
    Table(&'a dyn TableLike),
}

pub(super) fn str_array(items: impl IntoIterator<Item = String>) -> Array {
    let mut a: Array = items.into_iter().map(Value::from).collect();
    if a.len() > 1 {
        for v in a.iter_mut() {
            v.decor_mut().set_prefix("\n    ");
        }
        a.set_trailing_comma(true);
        a.set_trailing("\n");
    }
    a
}

/// `Jane Doe <jane@example.com>` as a PEP 621 author table.
fn person(text: &str) -> InlineTable {
    let mut t = InlineTable::new();
    match text.split_once('<') {
        Some((name, email)) => {
            let name = name.trim();
            if !name.is_empty() {
                t.insert("name", name.into());
            }
            t.insert("email", email.trim().trim_end_matches('>').trim().into());
        }
        None => {
            t.insert("name", text.trim().into());
        }
    }
    t
}

fn dependency_table<'a>(parent: &'a dyn TableLike, key: &str) -> Option<&'a dyn TableLike> {
    parent.get(key).and_then(Item::as_table_like)
}

/// Convert the deps of one table; `python` is skipped (it is `requires-python`).
fn convert_table(
    table: &dyn TableLike,
    warnings: &mut Vec<String>,
) -> Result<Vec<PoetryDep>, MigrateError> {
    let mut out = Vec::new();
    for (name, value) in table.iter() {
        if name.eq_ignore_ascii_case("python") {
            continue;
        }
        if let Some(dep) = convert_dependency(name, value, warnings)? {
            out.push(dep);
        }
    }
    Ok(out)
}

/// Convert a Poetry `pyproject.toml` in place: add `[project]`,
/// `[project.optional-dependencies]`, `[project.scripts]`, `[project.urls]`
/// and `[dependency-groups]` at the end, leaving every existing byte
/// (including `[tool.poetry]` and comments) as it was.
///
/// # Errors
/// When the text is not TOML, is not a Poetry project, already has
/// `[project]`, or holds constraints that cannot be translated.
pub fn convert_poetry(text: &str) -> Result<Converted, MigrateError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| MigrateError(format!("pyproject.toml is not valid TOML: {e}")))?;
    match poetry_state(&doc) {
        None => return err("pyproject.toml has no `[tool.poetry]` table"),
        Some(PoetryState::AlreadyPep621) => {
            return err("pyproject.toml already has a PEP 621 `[project]` table")
        }
        Some(PoetryState::Convertible) => {}
    }
    let mut warnings = Vec::new();
    let poetry = doc
        .get("tool")
        .and_then(Item::as_table_like)
        .and_then(|t| t.get("poetry"))
        .and_then(Item::as_table_like)
        .ok_or_else(|| MigrateError("no `[tool.poetry]` table".into()))?;

    let mut project = Table::new();
    project.set_implicit(false);
    let name = poetry
        .get("name")
        .and_then(Item::as_str)
        .ok_or_else(|| MigrateError("`[tool.poetry]` has no `name`".into()))?;
    project.insert("name", toml_edit::value(name));
    match poetry.get("version").and_then(Item::as_str) {
        Some(v) => {
            project.insert("version", toml_edit::value(v));
        }
        None => {
            warnings.push("`[tool.poetry]` has no `version`: wrote `0.1.0`".into());
            project.insert("version", toml_edit::value("0.1.0"));
        }
    }
    if let Some(d) = poetry.get("description").and_then(Item::as_str) {
        project.insert("description", toml_edit::value(d));
    }
    match poetry.get("readme") {
        Some(Item::Value(Value::String(r))) => {
            project.insert("readme", toml_edit::value(r.value().as_str()));
        }
        Some(Item::Value(Value::Array(a))) => {
            if let Some(first) = a.get(0).and_then(Value::as_str) {
                project.insert("readme", toml_edit::value(first));
                if a.len() > 1 {
                    warnings.push(format!(
                        "PEP 621 allows one readme: kept `{first}`, left out the others"
                    ));
                }
            }
        }
        _ => {}
    }
    if let Some(l) = poetry.get("license").and_then(Item::as_str) {
        // The PEP 621 table form: every PEP 621 backend accepts it, while a
        // PEP 639 string needs a recent backend and an SPDX expression.
        let mut t = InlineTable::new();
        t.insert("text", l.into());
        project.insert("license", toml_edit::value(t));
    }
    for (key, out) in [("authors", "authors"), ("maintainers", "maintainers")] {
        if let Some(a) = poetry.get(key).and_then(Item::as_array) {
            let people: Array = a
                .iter()
                .filter_map(Value::as_str)
                .map(|p| Value::InlineTable(person(p)))
                .collect();
            if !people.is_empty() {
                project.insert(out, toml_edit::value(people));
            }
        }
    }
    for key in ["keywords", "classifiers"] {
        if let Some(a) = poetry.get(key).and_then(Item::as_array) {
            let items = a.iter().filter_map(|v| v.as_str().map(str::to_string));
            project.insert(key, toml_edit::value(str_array(items)));
        }
    }

    // Dependencies and requires-python.
    let mut optional_deps: Vec<PoetryDep> = Vec::new();
    let mut dependencies = Vec::new();
    if let Some(deps) = dependency_table(poetry, "dependencies") {
        if let Some(python) = deps.get("python").and_then(Item::as_str) {
            let (spec, warning) = translate_constraint(python)
                .map_err(|e| MigrateError(format!("`python = \"{python}\"`: {e}")))?;
            if let Some(w) = warning {
                warnings.push(format!("requires-python: {w}"));
            }
            if !spec.is_empty() {
                project.insert("requires-python", toml_edit::value(spec));
            }
        }
        for dep in convert_table(deps, &mut warnings)? {
            if dep.optional {
                optional_deps.push(dep);
            } else {
                dependencies.extend(dep.requirements);
            }
        }
    }
    project.insert("dependencies", toml_edit::value(str_array(dependencies)));

    // Extras: `[tool.poetry.extras] name = ["dep", ...]` over the optional deps.
    let mut extras_table = Table::new();
    if let Some(extras) = dependency_table(poetry, "extras") {
        for (extra, members) in extras.iter() {
            let mut reqs = Vec::new();
            for member in members
                .as_array()
                .into_iter()
                .flat_map(|a| a.iter().filter_map(Value::as_str))
            {
                let wanted = crate::project::normalize_group(member);
                match optional_deps
                    .iter()
                    .find(|d| crate::project::normalize_group(&d.name) == wanted)
                {
                    Some(d) => reqs.extend(d.requirements.iter().cloned()),
                    None => warnings.push(format!(
                        "extra `{extra}` names `{member}`, which is not an optional dependency: left out"
                    )),
                }
            }
            extras_table.insert(extra, toml_edit::value(str_array(reqs)));
        }
    }
    for dep in &optional_deps {
        let used = dependency_table(poetry, "extras").is_some_and(|extras| {
            extras.iter().any(|(_, m)| {
                m.as_array().is_some_and(|a| {
                    a.iter().filter_map(Value::as_str).any(|s| {
                        crate::project::normalize_group(s)
                            == crate::project::normalize_group(&dep.name)
                    })
                })
            })
        });
        if !used {
            warnings.push(format!(
                "`{}` is optional but in no `[tool.poetry.extras]` entry: left out",
                dep.name
            ));
        }
    }
    if !extras_table.is_empty() {
        project.insert("optional-dependencies", Item::Table(extras_table));
    }

    // Scripts.
    let mut scripts = Table::new();
    if let Some(s) = dependency_table(poetry, "scripts") {
        for (name, value) in s.iter() {
            let target = match value {
                Item::Value(Value::String(s)) => Some(s.value().clone()),
                _ => value.as_table_like().and_then(|t| {
                    t.get("callable")
                        .or_else(|| t.get("reference"))
                        .and_then(Item::as_str)
                        .filter(|_| {
                            t.get("type")
                                .and_then(Item::as_str)
                                .is_none_or(|ty| ty == "console")
                        })
                        .map(str::to_string)
                }),
            };
            match target {
                Some(t) => {
                    scripts.insert(name, toml_edit::value(t));
                }
                None => warnings.push(format!(
                    "script `{name}` is not a `module:function` entry point: left out"
                )),
            }
        }
    }
    if !scripts.is_empty() {
        project.insert("scripts", Item::Table(scripts));
    }

    // URLs.
    let mut urls = Table::new();
    for (key, label) in [
        ("homepage", "Homepage"),
        ("repository", "Repository"),
        ("documentation", "Documentation"),
    ] {
        if let Some(u) = poetry.get(key).and_then(Item::as_str) {
            urls.insert(label, toml_edit::value(u));
        }
    }
    if let Some(u) = dependency_table(poetry, "urls") {
        for (k, v) in u.iter() {
            if let Some(v) = v.as_str() {
                urls.insert(k, toml_edit::value(v));
            }
        }
    }
    if !urls.is_empty() {
        project.insert("urls", Item::Table(urls));
    }

    // Groups: `[tool.poetry.group.NAME.dependencies]` and the legacy `dev-dependencies`.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut add_group = |name: &str, reqs: Vec<String>| {
        let key = crate::project::normalize_group(name);
        match groups
            .iter_mut()
            .find(|(g, _)| crate::project::normalize_group(g) == key)
        {
            Some((_, existing)) => existing.extend(reqs),
            None => groups.push((name.to_string(), reqs)),
        }
    };
    if let Some(dev) = dependency_table(poetry, "dev-dependencies") {
        let reqs = convert_table(dev, &mut warnings)?
            .into_iter()
            .flat_map(|d| d.requirements)
            .collect();
        add_group("dev", reqs);
    }
    if let Some(group_tables) = dependency_table(poetry, "group") {
        for (group, table) in group_tables.iter() {
            let Some(deps) = table
                .as_table_like()
                .and_then(|t| dependency_table(t, "dependencies"))
            else {
                continue;
            };
            let reqs = convert_table(deps, &mut warnings)?
                .into_iter()
                .flat_map(|d| d.requirements)
                .collect();
            add_group(group, reqs);
        }
    }
    if poetry.contains_key("source") {
        warnings.push(
            "`[[tool.poetry.source]]` is not converted: set `[tool.envy] index-url` / `extra-index-url` for other indexes"
                .into(),
        );
    }

    project
        .decor_mut()
        .set_prefix("\n# PEP 621 metadata written by `envy init` from `[tool.poetry]`.\n");
    let root = doc.as_table_mut();
    root.insert("project", Item::Table(project));
    if !groups.is_empty() {
        let mut g = Table::new();
        for (name, reqs) in groups {
            g.insert(&name, toml_edit::value(str_array(reqs)));
        }
        root.insert("dependency-groups", Item::Table(g));
    }
    let mut out = doc.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(Converted {
        text: out,
        warnings,
    })
}

// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn table_forms_and_sources() {
        let doc: DocumentMut = r#"
a = { version = "^1.0", extras = ["x", "y"], markers = "sys_platform == 'linux'", python = "^3.8", optional = true }
b = { git = "https://github.com/x/b.git" }
c = [{ version = "^1.0", python = "<3.10" }, { version = "^2.0", python = ">=3.10" }]
"#
        .parse()
        .unwrap();
        let mut w = Vec::new();
        let a = convert_dependency("a", &doc["a"], &mut w).unwrap().unwrap();
        assert!(a.optional);
        assert_eq!(
            a.requirements,
            vec!["a[x,y]>=1.0,<2.0; (sys_platform == 'linux') and (python_version >= '3.8' and python_version < '4.0')"]
        );
        assert!(convert_dependency("b", &doc["b"], &mut w)
            .unwrap()
            .is_none());
        assert!(w[0].contains("git source"), "{w:?}");
        let c = convert_dependency("c", &doc["c"], &mut w).unwrap().unwrap();
        assert_eq!(
            c.requirements,
            vec![
                "c>=1.0,<2.0; python_version < '3.10'",
                "c>=2.0,<3.0; python_version >= '3.10'"
            ]
        );
    }

    #[test]
    fn poetry_keeps_text_and_adds_tables() {
        let text = "# top\n[tool.poetry]\nname = \"demo\" # the name\nversion = \"1.0.0\"\nauthors = [\"Jane <j@x.org>\"]\n\n[tool.poetry.dependencies]\npython = \"^3.9\"\nrequests = \"^2.31\"\nrich = { version = \"*\", optional = true }\n\n[tool.poetry.extras]\nfancy = [\"rich\"]\n\n[tool.poetry.dev-dependencies]\npytest = \"~7.4\"\n\n[tool.poetry.group.docs.dependencies]\nmkdocs = \"1.5.*\"\n\n[tool.poetry.scripts]\ndemo = \"demo.cli:main\"\n";
        let out = convert_poetry(text).unwrap();
        assert!(out.text.starts_with(text), "{}", out.text);
        let v: toml::Table = toml::from_str(&out.text).unwrap();
        let p = v["project"].as_table().unwrap();
        assert_eq!(p["requires-python"].as_str(), Some(">=3.9,<4.0"));
        assert_eq!(p["dependencies"][0].as_str(), Some("requests>=2.31,<3.0"));
        assert_eq!(
            p["optional-dependencies"]["fancy"][0].as_str(),
            Some("rich")
        );
        assert_eq!(p["scripts"]["demo"].as_str(), Some("demo.cli:main"));
        assert_eq!(p["authors"][0]["email"].as_str(), Some("j@x.org"));
        let g = v["dependency-groups"].as_table().unwrap();
        assert_eq!(g["dev"][0].as_str(), Some("pytest>=7.4,<7.5"));
        assert_eq!(g["docs"][0].as_str(), Some("mkdocs==1.5.*"));
        crate::project::Project::parse(&out.text, Path::new("pyproject.toml")).unwrap();
    }

    #[test]
    fn poetry_subtables_and_license() {
        let text = "[tool.poetry]\nname = \"x\"\nversion = \"1\"\nlicense = \"MIT\"\n\n[tool.poetry.dependencies.foo]\nversion = \"^2.1\"\nplatform = \"linux\"\nallow-prereleases = true\n\n[tool.poetry.group.test.dependencies]\nbar = [{ version = \"<2\", python = \"<3.9\" }, { version = \">=2\", python = \">=3.9\" }]\n";
        let out = convert_poetry(text).unwrap();
        let v: toml::Table = toml::from_str(&out.text).unwrap();
        let p = v["project"].as_table().unwrap();
        assert_eq!(p["license"]["text"].as_str(), Some("MIT"));
        assert_eq!(
            p["dependencies"][0].as_str(),
            Some("foo>=2.1,<3.0; sys_platform == 'linux'")
        );
        assert!(p.get("requires-python").is_none());
        let bar = v["dependency-groups"]["test"].as_array().unwrap();
        assert_eq!(bar.len(), 2);
        assert!(
            out.warnings.iter().any(|w| w.contains("pre-releases")),
            "{:?}",
            out.warnings
        );
    }

    #[test]
    fn poetry_refuses_pep621() {
        let e =
            convert_poetry("[project]\nname = \"x\"\n[tool.poetry]\nname = \"x\"\n").unwrap_err();
        assert!(e.0.contains("already has a PEP 621"));
    }
}
