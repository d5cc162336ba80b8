//! In-place edits of `pyproject.toml` over toml_edit: add, replace or remove
//! a requirement in `[project] dependencies`, `[project.optional-dependencies]`
//! or a PEP 735 `[dependency-groups]` array, keeping comments and layout.

use pep508_rs::{PackageName, Requirement};
use std::str::FromStr;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// Which array a requirement lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `[project] dependencies`.
    Dependencies,
    /// `[project.optional-dependencies] EXTRA`.
    Optional(String),
    /// `[dependency-groups] GROUP`.
    Group(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Dependencies => write!(f, "`project.dependencies`"),
            Target::Optional(e) => write!(f, "`project.optional-dependencies.{e}`"),
            Target::Group(g) => write!(f, "`dependency-groups.{g}`"),
        }
    }
}

/// An edit that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The text is not TOML.
    #[error("pyproject.toml is not valid TOML: {0}")]
    Parse(String),
    /// A table or array that exists but has the wrong type.
    #[error("pyproject.toml: {0} is not an array of strings")]
    WrongType(String),
    /// There is no `[project]` table.
    #[error("pyproject.toml has no `[project]` table")]
    NoProject,
}

fn table_mut<'a>(parent: &'a mut Table, key: &str) -> Result<&'a mut Table, EditError> {
    if !parent.contains_key(key) {
        let mut t = Table::new();
        t.set_implicit(false);
        parent.insert(key, Item::Table(t));
    }
    match parent.get_mut(key) {
        Some(Item::Table(t)) => Ok(t),
        _ => Err(EditError::WrongType(key.to_string())),
    }
}

fn array_mut<'a>(
    doc: &'a mut DocumentMut,
    target: &Target,
    create: bool,
) -> Result<Option<&'a mut Array>, EditError> {
    let root = doc.as_table_mut();
    let (table, key): (&mut Table, &str) = match target {
        Target::Dependencies => {
            let project = match root.get_mut("project") {
                Some(Item::Table(t)) => t,
                _ => return Err(EditError::NoProject),
            };
            (project, "dependencies")
        }
        Target::Optional(extra) => {
            let project = match root.get_mut("project") {
                Some(Item::Table(t)) => t,
                _ => return Err(EditError::NoProject),
            };
            if !create && !project.contains_key("optional-dependencies") {
                return Ok(None);
            }
            (table_mut(project, "optional-dependencies")?, extra.as_str())
        }
        Target::Group(group) => {
            if !create && !root.contains_key("dependency-groups") {
                return Ok(None);
            }
            let groups = table_mut(root, "dependency-groups")?;
            // Find the group by normalized name so `Dev` matches `dev`.
            let existing = groups
                .iter()
                .map(|(k, _)| k.to_string())
                .find(|k| super::normalize_group(k) == super::normalize_group(group));
            let key = existing.unwrap_or_else(|| group.clone());
            if !groups.contains_key(&key) {
                if !create {
                    return Ok(None);
                }
                groups.insert(&key, toml_edit::value(Array::new()));
            }
            return match groups.get_mut(&key) {
                Some(item) => item
                    .as_array_mut()
                    .map(Some)
                    .ok_or_else(|| EditError::WrongType(target.to_string())),
                None => Ok(None),
            };
        }
    };
    if !table.contains_key(key) {
        if !create {
            return Ok(None);
        }
        table.insert(key, toml_edit::value(Array::new()));
    }
    table
        .get_mut(key)
        .and_then(Item::as_array_mut)
        .map(Some)
        .ok_or_else(|| EditError::WrongType(target.to_string()))
}

fn entry_name(v: &Value) -> Option<PackageName> {
    let s = v.as_str()?;
    Requirement::<pep508_rs::VerbatimUrl>::from_str(s)
        .ok()
        .map(|r| r.name)
}

/// Add `requirement` (PEP 508 text) to `target`, replacing an entry with the
/// same normalized name in place; creates the array if needed. Multi-line
/// arrays stay multi-line, one entry per line.
///
/// # Errors
/// [`EditError`] when the document's tables have the wrong types.
pub fn add_requirement(
    doc: &mut DocumentMut,
    target: &Target,
    requirement: &Requirement,
) -> Result<(), EditError> {
    let text = requirement.to_string();
    let array = array_mut(doc, target, true)?.ok_or(EditError::NoProject)?;
    let found = array
        .iter()
        .position(|v| entry_name(v).as_ref() == Some(&requirement.name));
    if let Some(i) = found {
        let decor = array.get(i).map(|v| v.decor().clone());
        array.replace(i, text);
        if let (Some(decor), Some(v)) = (decor, array.get_mut(i)) {
            *v.decor_mut() = decor;
        }
        return Ok(());
    }
    let multiline = array.iter().any(|v| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .is_some_and(|p| p.contains('\n'))
    }) || array.trailing().as_str().is_some_and(|t| t.contains('\n'));
    let indent = array
        .iter()
        .last()
        .and_then(|v| {
            v.decor()
                .prefix()
                .and_then(|p| p.as_str())
                .map(str::to_string)
        })
        .filter(|p| p.contains('\n'))
        .unwrap_or_else(|| "\n    ".to_string());
    array.push(text);
    if multiline {
        if let Some(v) = array.get_mut(array.len() - 1) {
            v.decor_mut().set_prefix(indent);
            v.decor_mut().set_suffix("");
        }
        array.set_trailing_comma(true);
        if !array.trailing().as_str().is_some_and(|t| t.contains('\n')) {
            array.set_trailing("\n");
        }
    }
    Ok(())
}

/// Remove every entry named `name` from `target`. Returns whether one was removed.
///
/// # Errors
/// [`EditError`] when the array has the wrong type.
pub fn remove_requirement(
    doc: &mut DocumentMut,
    target: &Target,
    name: &PackageName,
) -> Result<bool, EditError> {
    let Some(array) = array_mut(doc, target, false)? else {
        return Ok(false);
    };
    let before = array.len();
    array.retain(|v| entry_name(v).as_ref() != Some(name));
    Ok(array.len() != before)
}

/// Parse pyproject text for editing.
///
/// # Errors
/// [`EditError::Parse`] for invalid TOML.
pub fn parse(text: &str) -> Result<DocumentMut, EditError> {
    text.parse::<DocumentMut>()
        .map_err(|e| EditError::Parse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Requirement {
        Requirement::from_str(s).unwrap()
    }

    #[test]
    fn add_keeps_comments_and_replaces() {
        let text = "# top comment\n[project]\nname = \"x\" # name\ndependencies = [\n    \"flask>=2\", # web\n    \"click\",\n]\n\n[tool.other]\nkey = 1\n";
        let mut doc = parse(text).unwrap();
        add_requirement(&mut doc, &Target::Dependencies, &req("requests>=2.31")).unwrap();
        add_requirement(&mut doc, &Target::Dependencies, &req("flask>=3.1")).unwrap();
        let out = doc.to_string();
        assert!(out.contains("# top comment"));
        assert!(out.contains("\"flask>=3.1\", # web"), "{out}");
        assert!(out.contains("    \"requests>=2.31\",\n]"), "{out}");
        assert!(out.contains("[tool.other]\nkey = 1"));
    }

    #[test]
    fn groups_and_optional_and_remove() {
        let mut doc = parse("[project]\nname = \"x\"\ndependencies = []\n").unwrap();
        add_requirement(&mut doc, &Target::Group("dev".into()), &req("pytest")).unwrap();
        add_requirement(&mut doc, &Target::Optional("socks".into()), &req("pysocks")).unwrap();
        add_requirement(&mut doc, &Target::Dependencies, &req("Flask")).unwrap();
        let out = doc.to_string();
        assert!(
            out.contains("[dependency-groups]\ndev = [\"pytest\"]"),
            "{out}"
        );
        assert!(out.contains("socks = [\"pysocks\"]"), "{out}");
        assert!(out.contains("dependencies = [\"flask\"]"), "{out}");
        let name = PackageName::from_str("flask").unwrap();
        assert!(remove_requirement(&mut doc, &Target::Dependencies, &name).unwrap());
        assert!(!remove_requirement(&mut doc, &Target::Group("dev".into()), &name).unwrap());
        assert!(doc.to_string().contains("dependencies = []"));
    }
}
