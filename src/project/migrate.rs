//! Pure conversions for `envy init` in an existing project: Poetry's
//! `[tool.poetry]` tables to PEP 621 / PEP 735, Poetry version constraints
//! to PEP 440, and `requirements.txt` files to requirement lists.
//!
//! Nothing here touches the file system: files are read through a callback
//! so the conversions can be tested on strings.

use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use pep508_rs::Requirement;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, TableLike, Value};

/// A project that cannot be converted.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MigrateError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, MigrateError> {
    Err(MigrateError(message.into()))
}

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
// Version constraints
// ---------------------------------------------------------------------------

/// Release numbers of a version as written (`1.2` -> `[1, 2]`), or an error.
fn release_of(v: &str) -> Result<Vec<u64>, MigrateError> {
    let version = Version::from_str(v.trim())
        .map_err(|e| MigrateError(format!("`{v}` is not a version: {e}")))?;
    Ok(version.release().to_vec())
}

fn join_release(parts: &[u64]) -> String {
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The exclusive upper bound: `parts` with `parts[i]` incremented and the rest zeroed.
fn bump(parts: &[u64], i: usize) -> String {
    let mut out = parts.to_vec();
    out[i] += 1;
    for p in out.iter_mut().skip(i + 1) {
        *p = 0;
    }
    join_release(&out)
}

/// One Poetry constraint without `,` or `||`, as PEP 440 specifiers
/// (empty for `*`).
fn translate_atom(atom: &str) -> Result<Vec<String>, MigrateError> {
    let atom = atom.trim();
    if atom.is_empty() || atom == "*" {
        return Ok(Vec::new());
    }
    if let Some(v) = atom.strip_prefix('^') {
        let v = v.trim();
        let parts = release_of(v)?;
        let i = parts
            .iter()
            .position(|p| *p != 0)
            .unwrap_or(parts.len() - 1);
        return Ok(vec![format!(">={v}"), format!("<{}", bump(&parts, i))]);
    }
    if !atom.starts_with("~=") {
        if let Some(v) = atom.strip_prefix('~') {
            let v = v.trim();
            let parts = release_of(v)?;
            let i = if parts.len() >= 2 { 1 } else { 0 };
            return Ok(vec![format!(">={v}"), format!("<{}", bump(&parts, i))]);
        }
    }
    for op in ["===", "==", "!=", "~=", ">=", "<=", ">", "<"] {
        if let Some(v) = atom.strip_prefix(op) {
            return Ok(vec![format!("{op}{}", v.trim())]);
        }
    }
    if let Some(v) = atom.strip_prefix('=') {
        return Ok(vec![format!("=={}", v.trim())]);
    }
    // A bare version (`1.2.3`, `1.2.*`) means exactly that version.
    Ok(vec![format!("=={atom}")])
}

/// Split a Poetry conjunction on `,` and on spaces between operators
/// (`>=1.0 <2.0`), keeping `>= 1.0` together.
fn split_conjunction(alt: &str) -> Vec<String> {
    let mut atoms = Vec::new();
    for piece in alt.split(',') {
        let mut current = String::new();
        for word in piece.split_whitespace() {
            let starts_op = word.starts_with(['<', '>', '=', '!', '~', '^']);
            let current_is_op_only = !current.is_empty()
                && current
                    .chars()
                    .all(|c| matches!(c, '<' | '>' | '=' | '!' | '~' | '^'));
            if starts_op && !current.is_empty() && !current_is_op_only {
                atoms.push(std::mem::take(&mut current));
            }
            current.push_str(word);
        }
        if !current.is_empty() {
            atoms.push(current);
        }
    }
    atoms
}

/// One alternative (no `||`) as PEP 440 specifier text (empty for any version).
fn translate_conjunction(alt: &str) -> Result<String, MigrateError> {
    let mut specs = Vec::new();
    for atom in split_conjunction(alt) {
        specs.extend(translate_atom(&atom)?);
    }
    let text = specs.join(",");
    VersionSpecifiers::from_str(&text).map_err(|e| {
        MigrateError(format!(
            "cannot translate the Poetry constraint `{alt}` (as `{text}`): {e}"
        ))
    })?;
    Ok(text)
}

/// A Poetry version constraint as PEP 440 specifier text, plus a warning
/// when the meaning had to change.
///
/// `^1.2.3` -> `>=1.2.3,<2.0.0`, `~1.2` -> `>=1.2,<1.3`, `*` -> ``,
/// `1.2.*` -> `==1.2.*`, `1.2.3` -> `==1.2.3`; PEP 440 text is kept.
/// `a || b` cannot be one PEP 508 requirement: it becomes the smallest
/// range covering every alternative, with a warning.
///
/// # Errors
/// Unparseable versions, and `||` alternatives that are not plain ranges.
pub fn translate_constraint(constraint: &str) -> Result<(String, Option<String>), MigrateError> {
    let alternatives: Vec<&str> = constraint.split("||").collect();
    if alternatives.len() == 1 {
        return Ok((translate_conjunction(constraint)?, None));
    }
    let translated = alternatives
        .iter()
        .map(|a| translate_conjunction(a))
        .collect::<Result<Vec<_>, _>>()?;
    let widest = hull(&translated).ok_or_else(|| {
        MigrateError(format!(
            "the Poetry constraint `{constraint}` has alternatives (`||`) that one PEP 508 requirement cannot express"
        ))
    })?;
    let warning = format!(
        "`{constraint}` (either of several ranges) cannot be expressed in one PEP 508 requirement; widened to `{}`",
        if widest.is_empty() { "any version" } else { &widest }
    );
    Ok((widest, Some(warning)))
}

type Bound = Option<(Version, bool)>;

/// The smallest `>=/>` + `</<=` range covering every alternative, or `None`
/// when one of them is not a plain range (e.g. `!=` or wildcards).
fn hull(alternatives: &[String]) -> Option<String> {
    let mut lowers: Vec<Bound> = Vec::new();
    let mut uppers: Vec<Bound> = Vec::new();
    for alt in alternatives {
        let specs = VersionSpecifiers::from_str(alt).ok()?;
        let (mut lo, mut hi): (Bound, Bound) = (None, None);
        for s in specs.iter() {
            let v = s.version().clone();
            match s.operator() {
                Operator::GreaterThanEqual => lo = Some((v, true)),
                Operator::GreaterThan => lo = Some((v, false)),
                Operator::LessThan => hi = Some((v, false)),
                Operator::LessThanEqual => hi = Some((v, true)),
                Operator::Equal | Operator::ExactEqual => {
                    lo = Some((v.clone(), true));
                    hi = Some((v, true));
                }
                _ => return None,
            }
        }
        lowers.push(lo);
        uppers.push(hi);
    }
    let lower = lowers
        .into_iter()
        .try_fold(None::<(Version, bool)>, |acc, b| {
            let b = b?;
            Some(Some(match acc {
                Some(a) if a.0 < b.0 || (a.0 == b.0 && a.1) => a,
                _ => b,
            }))
        })
        .flatten();
    let upper = uppers
        .into_iter()
        .try_fold(None::<(Version, bool)>, |acc, b| {
            let b = b?;
            Some(Some(match acc {
                Some(a) if a.0 > b.0 || (a.0 == b.0 && a.1) => a,
                _ => b,
            }))
        })
        .flatten();
    let mut out = Vec::new();
    if let Some((v, incl)) = lower {
        out.push(format!("{}{v}", if incl { ">=" } else { ">" }));
    }
    if let Some((v, incl)) = upper {
        out.push(format!("{}{v}", if incl { "<=" } else { "<" }));
    }
    Some(out.join(","))
}

/// A Poetry `python = "..."` constraint as a PEP 508 marker expression.
fn python_marker(constraint: &str) -> Result<String, MigrateError> {
    let mut ors = Vec::new();
    for alt in constraint.split("||") {
        let text = translate_conjunction(alt)?;
        if text.is_empty() {
            return Ok(String::new());
        }
        let specs = VersionSpecifiers::from_str(&text)
            .map_err(|e| MigrateError(format!("invalid python constraint `{alt}`: {e}")))?;
        let ands: Vec<String> = specs
            .iter()
            .map(|s: &VersionSpecifier| {
                let v = s.version().to_string();
                let var = if s.version().release().len() > 2 {
                    "python_full_version"
                } else {
                    "python_version"
                };
                let op = s.operator().to_string();
                let v = if s.operator().is_star() {
                    format!("{v}.*")
                } else {
                    v
                };
                format!("{var} {op} '{v}'")
            })
            .collect();
        ors.push(ands.join(" and "));
    }
    Ok(if ors.len() == 1 {
        ors.remove(0)
    } else {
        ors.iter()
            .map(|o| format!("({o})"))
            .collect::<Vec<_>>()
            .join(" or ")
    })
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

fn str_array(items: impl IntoIterator<Item = String>) -> Array {
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
// requirements.txt
// ---------------------------------------------------------------------------

/// What a requirements file (and the files it includes) holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementsFile {
    /// Requirement lines as the user wrote them (without hashes and comments).
    pub requirements: Vec<String>,
    /// `-i` / `--index-url` values seen.
    pub index_urls: Vec<String>,
    /// Lines left out, with why.
    pub warnings: Vec<String>,
}

/// Logical lines: `\` continuations joined, comments removed, blanks skipped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let line = match raw.find('#') {
            // A comment starts at `#` at the line start or after whitespace
            // (`pkg @ https://x/#egg=` keeps its fragment).
            Some(0) => "",
            Some(i) if raw[..i].ends_with(char::is_whitespace) => &raw[..i],
            _ => raw,
        };
        let trimmed = line.trim_end();
        if let Some(cont) = trimmed.strip_suffix('\\') {
            current.push_str(cont);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let l = current.trim().to_string();
        current.clear();
        if !l.is_empty() {
            out.push(l);
        }
    }
    let l = current.trim().to_string();
    if !l.is_empty() {
        out.push(l);
    }
    out
}

/// The value of option `line` if it starts with one of `names`
/// (`-r file`, `-rfile`, `--requirement=file`, `--requirement file`).
fn option_value<'a>(line: &'a str, names: &[&str]) -> Option<&'a str> {
    for name in names {
        if let Some(rest) = line.strip_prefix(name) {
            if name.starts_with("--") {
                if let Some(v) = rest.strip_prefix('=') {
                    return Some(v.trim());
                }
                if rest.starts_with(char::is_whitespace) {
                    return Some(rest.trim());
                }
            } else {
                return Some(rest.trim_start_matches('=').trim());
            }
        }
    }
    None
}

/// Read `path` through `read` and follow `-r` includes, skipping any file in
/// `skip` (already read elsewhere) and every file already seen.
///
/// # Errors
/// When a file cannot be read.
pub fn read_requirements(
    path: &Path,
    skip: &[PathBuf],
    read: &dyn Fn(&Path) -> std::io::Result<String>,
) -> Result<(RequirementsFile, Vec<PathBuf>), MigrateError> {
    let mut out = RequirementsFile::default();
    let mut seen: Vec<PathBuf> = Vec::new();
    read_into(path, skip, read, &mut out, &mut seen)?;
    Ok((out, seen))
}

fn normalize_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn read_into(
    path: &Path,
    skip: &[PathBuf],
    read: &dyn Fn(&Path) -> std::io::Result<String>,
    out: &mut RequirementsFile,
    seen: &mut Vec<PathBuf>,
) -> Result<(), MigrateError> {
    let path = normalize_path(path);
    if seen.contains(&path) || skip.contains(&path) {
        return Ok(());
    }
    seen.push(path.clone());
    let text =
        read(&path).map_err(|e| MigrateError(format!("cannot read `{}`: {e}", path.display())))?;
    let shown = path.display().to_string();
    if text.contains("autogenerated by pip-compile") || text.contains("#    via ") {
        out.warnings.push(format!(
            "{shown} looks compiled by pip-compile: every pinned package in it, transitive ones included, becomes a direct dependency; import the `.in` file instead if you still have it"
        ));
    }
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    for line in logical_lines(&text) {
        if let Some(file) = option_value(&line, &["--requirement", "-r"]) {
            read_into(&dir.join(file), skip, read, out, seen)?;
            continue;
        }
        if let Some(url) = option_value(&line, &["--index-url", "-i"]) {
            out.index_urls.push(url.to_string());
            out.warnings.push(format!(
                "{shown}: `{line}` is not copied: set `[tool.envy] index-url = \"{url}\"` in pyproject.toml to keep using that index"
            ));
            continue;
        }
        if let Some(url) = option_value(&line, &["--extra-index-url"]) {
            out.warnings.push(format!(
                "{shown}: `{line}` is not copied: add `\"{url}\"` to `[tool.envy] extra-index-url`"
            ));
            continue;
        }
        if option_value(&line, &["--editable", "-e"]).is_some() {
            out.warnings.push(format!(
                "{shown}: `{line}`: editable installs are not supported yet: left out"
            ));
            continue;
        }
        if let Some(file) = option_value(&line, &["--constraint", "-c"]) {
            out.warnings.push(format!(
                "{shown}: `{line}` is not copied: put the constraints of `{file}` in `[tool.envy] constraint-dependencies`"
            ));
            continue;
        }
        if line.starts_with('-') {
            out.warnings.push(format!(
                "{shown}: option `{line}` is not supported: left out"
            ));
            continue;
        }
        // Drop `--hash=...` (and any other trailing per-requirement options).
        let req = match line.find(" --") {
            Some(i) => line[..i].trim(),
            None => line.as_str(),
        };
        if req.contains("://")
            || req.starts_with("git+")
            || req.starts_with('.')
            || req.starts_with('/')
        {
            out.warnings.push(format!(
                "{shown}: `{req}`: URL and path requirements are not supported yet: left out"
            ));
            continue;
        }
        match Requirement::<pep508_rs::VerbatimUrl>::from_str(req) {
            Ok(_) => out.requirements.push(req.to_string()),
            Err(e) => out.warnings.push(format!(
                "{shown}: `{req}` is not a PEP 508 requirement ({}): left out",
                e.message
            )),
        }
    }
    Ok(())
}

/// A new PEP 621 `pyproject.toml` for requirements read from files.
pub fn requirements_pyproject(
    name: &str,
    requires_python: &str,
    dependencies: &[String],
    dev: &[String],
) -> String {
    let mut doc = DocumentMut::new();
    let mut project = Table::new();
    project.insert("name", toml_edit::value(name));
    project.insert("version", toml_edit::value("0.1.0"));
    project.insert("description", toml_edit::value("Add your description here"));
    project.insert("readme", toml_edit::value("README.md"));
    project.insert("requires-python", toml_edit::value(requires_python));
    project.insert(
        "dependencies",
        toml_edit::value(str_array(dependencies.iter().cloned())),
    );
    doc.insert("project", Item::Table(project));
    let mut groups = Table::new();
    groups.insert("dev", toml_edit::value(str_array(dev.iter().cloned())));
    doc.insert("dependency-groups", Item::Table(groups));
    let mut build = Table::new();
    build.insert(
        "requires",
        toml_edit::value(str_array(["hatchling".to_string()])),
    );
    build.insert("build-backend", toml_edit::value("hatchling.build"));
    doc.insert("build-system", Item::Table(build));
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(c: &str) -> String {
        translate_constraint(c).unwrap().0
    }

    #[test]
    fn caret_tilde_and_plain() {
        assert_eq!(t("^1.2.3"), ">=1.2.3,<2.0.0");
        assert_eq!(t("^0.2.3"), ">=0.2.3,<0.3.0");
        assert_eq!(t("^0.0.3"), ">=0.0.3,<0.0.4");
        assert_eq!(t("^1.2"), ">=1.2,<2.0");
        assert_eq!(t("^1"), ">=1,<2");
        assert_eq!(t("~1.2.3"), ">=1.2.3,<1.3.0");
        assert_eq!(t("~1.2"), ">=1.2,<1.3");
        assert_eq!(t("~1"), ">=1,<2");
        assert_eq!(t("*"), "");
        assert_eq!(t("1.2.*"), "==1.2.*");
        assert_eq!(t("1.2.3"), "==1.2.3");
        assert_eq!(t("=1.2.3"), "==1.2.3");
        assert_eq!(t(">=1.2,<2.0"), ">=1.2,<2.0");
        assert_eq!(t(">= 1.2, < 2.0"), ">=1.2,<2.0");
        assert_eq!(t(">=1.2 <2.0"), ">=1.2,<2.0");
        assert_eq!(t("~=1.4"), "~=1.4");
        assert_eq!(t("!=1.5"), "!=1.5");
    }

    #[test]
    fn alternatives_widen_or_fail() {
        let (spec, warning) = translate_constraint("^1.0 || ^2.0").unwrap();
        assert_eq!(spec, ">=1.0,<3.0");
        assert!(warning.unwrap().contains("cannot be expressed"));
        assert_eq!(t("1.2.3 || >=2"), ">=1.2.3");
        assert!(translate_constraint("1.* || 3.*").is_err());
        assert!(translate_constraint("^x.y").is_err());
    }

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

    #[test]
    fn requirements_follow_includes_and_skip_noise() {
        let files = |p: &Path| -> std::io::Result<String> {
            match p.to_str().unwrap() {
                "requirements.txt" => Ok("# app\n-i https://mirror/simple\nflask>=2.0  # web\nrequests==2.31.0 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n-r requirements/base.txt\n-e .\nhttps://x.org/a.whl\n".into()),
                "requirements/base.txt" => Ok("click\n".into()),
                "requirements-dev.txt" => Ok("-r requirements.txt\npytest>=7 ; python_version >= '3.8'\n".into()),
                other => Err(std::io::Error::new(std::io::ErrorKind::NotFound, other.to_string())),
            }
        };
        let (main, seen) = read_requirements(Path::new("requirements.txt"), &[], &files).unwrap();
        assert_eq!(
            main.requirements,
            vec!["flask>=2.0", "requests==2.31.0", "click"]
        );
        assert_eq!(main.index_urls, vec!["https://mirror/simple"]);
        assert_eq!(main.warnings.len(), 3, "{:?}", main.warnings);
        let (dev, _) = read_requirements(Path::new("requirements-dev.txt"), &seen, &files).unwrap();
        assert_eq!(
            dev.requirements,
            vec!["pytest>=7 ; python_version >= '3.8'"]
        );
        let text = requirements_pyproject("x", ">=3.9", &main.requirements, &dev.requirements);
        let p = crate::project::Project::parse(&text, Path::new("pyproject.toml")).unwrap();
        assert_eq!(p.dependencies.len(), 3);
        assert_eq!(p.dependency_groups["dev"].len(), 1);
    }
}
