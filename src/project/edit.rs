//! In-place edits of `pyproject.toml` over toml_edit: add, replace or remove
//! a requirement in `[project] dependencies`, `[project.optional-dependencies]`
//! or a PEP 735 `[dependency-groups]` array, keeping comments and layout.
//!
//! Comments stay with the entry they belong to. toml_edit keeps the text
//! between two entries as the prefix of the second, so a comment at the end
//! of an entry's line (`"six",  # why`) sits in the *next* entry's prefix, or
//! in the array's trailing text for the last entry. The edits split that text
//! at its first line break: the part before it belongs to the entry above,
//! the lines after it to the entry below. Adding appends after the last
//! entry's comment, never copying it; removing drops the removed entry's
//! own line comment and keeps everyone else's (comment lines above a removed
//! entry stay, above the next one). Line breaks are the array's own (`\r\n`
//! stays `\r\n`), indentation is the last entry's.

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
/// same normalized name in place (its comments kept); creates the array if
/// needed. Multi-line arrays stay multi-line, one entry per line, the new one
/// last, after the last entry's comment (see the module docs).
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
    if !multiline {
        array.push(text);
        return Ok(());
    }
    let n = array.len();
    let last_prefix = if n > 0 {
        prefix_of(array, n - 1)
    } else {
        String::new()
    };
    // The last entry's indentation: what follows the last line break of its
    // prefix (any comment lines above it are not part of it).
    let indent = last_prefix
        .rfind('\n')
        .map(|at| &last_prefix[at + 1..])
        .filter(|i| i.chars().all(|c| c == ' ' || c == '\t'))
        .unwrap_or("    ")
        .to_string();
    let mut trailing = array.trailing().as_str().unwrap_or("").to_string();
    if n > 0 && !array.trailing_comma() {
        // Without a trailing comma, what follows the last entry is its
        // suffix; the comma about to follow it must come first.
        if let Some(v) = array.get_mut(n - 1) {
            let suffix = v.decor().suffix().and_then(|s| s.as_str()).unwrap_or("");
            trailing = format!("{suffix}{trailing}");
            v.decor_mut().set_suffix("");
        }
    }
    let nl = if trailing.contains("\r\n") || last_prefix.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    // The last entry's line (its comment, if any) stays with it; what
    // follows (comment lines before `]`) stays at the end. A `]` on the last
    // entry's line stays on the new entry's line; the trailing comma, or its
    // absence, stays too.
    let (tail, end) = split_line(&trailing);
    let (prefix, trailing) = if tail.contains('\n') {
        (format!("{tail}{indent}"), format!("{nl}{end}"))
    } else {
        (format!("{nl}{indent}"), trailing.clone())
    };
    array.push(text);
    if let Some(v) = array.get_mut(n) {
        v.decor_mut().set_prefix(prefix);
        v.decor_mut().set_suffix("");
    }
    if n == 0 {
        array.set_trailing_comma(true);
    }
    array.set_trailing(trailing);
    Ok(())
}

/// The prefix of entry `i` as toml_edit prints it (its default when unset).
fn prefix_of(array: &Array, i: usize) -> String {
    array
        .get(i)
        .and_then(|v| v.decor().prefix())
        .and_then(|p| p.as_str())
        .unwrap_or(if i == 0 { "" } else { " " })
        .to_string()
}

/// `s` split after its first line break: the rest of the current line with
/// the break, and the lines after it. Without a break: `(s, "")`.
fn split_line(s: &str) -> (&str, &str) {
    match s.find('\n') {
        Some(at) => s.split_at(at + 1),
        None => (s, ""),
    }
}

/// Remove entry `k`, with the comment on its own line, keeping the comment
/// on the line above (the previous entry's) and comment lines above it.
fn remove_at(array: &mut Array, k: usize) {
    let n = array.len();
    let prefix = prefix_of(array, k);
    // `above`: the end of the previous entry's line (or of the `[` line)
    let (above, lead) = split_line(&prefix);
    let lead_lines = &lead[..lead.rfind('\n').map_or(0, |at| at + 1)];
    if k + 1 < n {
        let next = prefix_of(array, k + 1);
        let (_, next_lead) = split_line(&next);
        let merged = format!("{above}{lead_lines}{next_lead}");
        array.remove(k);
        if let Some(v) = array.get_mut(k) {
            v.decor_mut().set_prefix(merged);
        }
    } else {
        // without a trailing comma, the text after the entry is its suffix
        // (with one, the suffix is before the comma, and goes with the entry)
        let suffix = array
            .get(k)
            .filter(|_| !array.trailing_comma())
            .and_then(|v| v.decor().suffix())
            .and_then(|s| s.as_str())
            .unwrap_or("");
        let trailing = format!("{suffix}{}", array.trailing().as_str().unwrap_or(""));
        let (own_line, end) = split_line(&trailing);
        let merged = if !own_line.contains('\n') && above.trim().is_empty() && lead_lines.is_empty()
        {
            // `]` was on the entry's line: it moves to the line before
            own_line.to_string()
        } else if above.contains('\n') {
            format!("{above}{lead_lines}{end}")
        } else if own_line.contains('\n') {
            let nl = if own_line.ends_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            format!("{nl}{end}")
        } else {
            String::new()
        };
        array.remove(k);
        array.set_trailing(merged);
    }
}

/// Remove every entry named `name` from `target`, each with the comment on
/// its own line; other entries keep theirs (see the module docs). Returns
/// whether one was removed.
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
    let found: Vec<usize> = array
        .iter()
        .enumerate()
        .filter(|(_, v)| entry_name(v).as_ref() == Some(name))
        .map(|(i, _)| i)
        .collect();
    for &k in found.iter().rev() {
        remove_at(array, k);
    }
    Ok(!found.is_empty())
}

/// Where `[tool.*.sources]` entries are written: `[tool.envy.sources]`, or
/// `[tool.uv.sources]` in a uv project without `[tool.envy]` (where envy
/// reads `[tool.uv]`, and a new `[tool.envy]` would stop that).
fn sources_tool(doc: &DocumentMut) -> &'static str {
    let tool = doc.get("tool").and_then(Item::as_table_like);
    let has = |k: &str| tool.is_some_and(|t| t.contains_key(k));
    if !has("envy") && has("uv") {
        "uv"
    } else {
        "envy"
    }
}

/// A sub-table of `parent`, made implicit (no header of its own) when new.
fn implicit_table_mut<'a>(parent: &'a mut Table, key: &str) -> Result<&'a mut Table, EditError> {
    if !parent.contains_key(key) {
        let mut t = Table::new();
        t.set_implicit(true);
        parent.insert(key, Item::Table(t));
    }
    match parent.get_mut(key) {
        Some(Item::Table(t)) => Ok(t),
        _ => Err(EditError::WrongType(format!("tool.{key}"))),
    }
}

/// Set `[tool.envy.sources] NAME = { KEY = VALUE, ... }` (in `[tool.uv.sources]`
/// for a uv project without `[tool.envy]`), replacing an entry of that name.
///
/// # Errors
/// [`EditError::WrongType`] when `tool`, its table or `sources` is not a table.
pub fn set_source(
    doc: &mut DocumentMut,
    name: &str,
    entries: &[(&str, Value)],
) -> Result<(), EditError> {
    let which = sources_tool(doc);
    let tool = implicit_table_mut(doc.as_table_mut(), "tool")?;
    let table = implicit_table_mut(tool, which)?;
    let sources = table_mut(table, "sources")?;
    let mut inline = toml_edit::InlineTable::new();
    for (k, v) in entries {
        inline.insert(*k, v.clone());
    }
    inline.fmt();
    sources.insert(name, toml_edit::value(inline));
    Ok(())
}

/// Remove the `[tool.envy.sources]` (or `[tool.uv.sources]`) entry of `name`
/// when it is a `path`, `url` or `git` source, and the tables that are left empty
/// and have no header of their own; returns whether one was removed.
pub fn remove_source(doc: &mut DocumentMut, name: &PackageName) -> bool {
    let which = sources_tool(doc);
    let Some(Item::Table(tool)) = doc.get_mut("tool") else {
        return false;
    };
    let Some(Item::Table(table)) = tool.get_mut(which) else {
        return false;
    };
    let Some(Item::Table(sources)) = table.get_mut("sources") else {
        return false;
    };
    let key = sources
        .iter()
        .map(|(k, _)| k.to_string())
        .find(|k| PackageName::from_str(k).ok().as_ref() == Some(name));
    let Some(key) = key else {
        return false;
    };
    let direct = sources
        .get(&key)
        .and_then(Item::as_table_like)
        .is_some_and(|t| t.contains_key("path") || t.contains_key("url") || t.contains_key("git"));
    if !direct {
        return false;
    }
    sources.remove(&key);
    if sources.is_empty() {
        table.remove("sources");
    }
    if table.is_empty() && table.is_implicit() {
        tool.remove(which);
    }
    if tool.is_empty() && tool.is_implicit() {
        doc.remove("tool");
    }
    true
}

/// The text of an edited `doc` in the line endings of `original`, the text
/// it was parsed from: toml_edit writes `\n` everywhere and ends the file
/// with one, so a file that used `\r\n` throughout gets `\r\n` back (a file
/// with mixed endings gets `\n`), and a file without a final line break
/// still has none.
pub fn to_text(doc: &DocumentMut, original: &str) -> String {
    let mut text = doc.to_string();
    if !original.is_empty() && !original.ends_with('\n') && text.ends_with('\n') {
        text.pop();
    }
    let crlf = original.contains("\r\n") && !original.replace("\r\n", "").contains('\n');
    if crlf {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text
    }
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
