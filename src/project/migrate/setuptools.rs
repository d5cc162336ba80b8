//! `envy init` in a setuptools project (`setup.py` and/or `setup.cfg`, no
//! PEP 621 `[project]`): a `[project]` table written from the core metadata
//! the build backend reports through PEP 517
//! `prepare_metadata_for_build_wheel`.
//!
//! What envy needs to lock is written statically: `name`, `version`,
//! `requires-python`, `dependencies` and `optional-dependencies`. The
//! other `[project]` fields that `setup.py` sets (description, readme,
//! authors and so on, as the metadata shows, and always the entry points
//! and URLs) are declared `dynamic`, so setuptools keeps reading them from
//! `setup.py` instead of dropping them (PEP 621: a field neither given nor
//! declared dynamic must stay empty). A field `setup.py` does not set is
//! not declared: setuptools refuses a dynamic field without a value.
//!
//! Setuptools stays the build backend: an existing `[build-system]` is
//! kept, and a project that had none gets the one PEP 517 frontends use
//! implicitly for such a tree (`setuptools.build_meta:__legacy__`, which
//! keeps the source directory importable from `setup.py`).

use super::{err, MigrateError};
use crate::types::metadata::{header_fields, CoreMetadata};
use pep508_rs::Requirement;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// `[project]` fields declared `dynamic` whatever the metadata says:
/// setuptools accepts them even when `setup.py` leaves them unset.
const ALWAYS_DYNAMIC: &[&str] = &["entry-points", "gui-scripts", "scripts", "urls"];

/// `[project]` fields declared `dynamic` only when the metadata shows that
/// `setup.py`/`setup.cfg` sets them (setuptools refuses a dynamic field
/// with no value for these), with the core metadata fields that show it.
const DYNAMIC_WHEN_SET: &[(&str, &[&str])] = &[
    ("authors", &["Author", "Author-email"]),
    ("classifiers", &["Classifier"]),
    ("description", &["Summary"]),
    ("keywords", &["Keywords"]),
    ("license", &["License"]),
    ("maintainers", &["Maintainer", "Maintainer-email"]),
    ("readme", &["Description"]),
];

/// `requires` of the `[build-system]` written when the project had none:
/// the first setuptools that reads PEP 621 `[project]` tables.
pub const SETUPTOOLS_REQUIRES: &str = "setuptools>=61";

/// `build-backend` written when the project had no `[build-system]`.
pub const SETUPTOOLS_LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";

/// A `pyproject.toml` made from a setuptools project's core metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetuptoolsImport {
    /// The new `pyproject.toml` text.
    pub text: String,
    /// The project's name, as the metadata spells it.
    pub name: String,
    /// The project's version.
    pub version: String,
    /// How many `dependencies` were written.
    pub dependencies: usize,
    /// How many extras (`optional-dependencies` keys) were written.
    pub extras: usize,
    /// Whether a `[build-system]` table was added.
    pub added_build_system: bool,
}

/// Write `[project]` (and, when missing, `[build-system]`) from `metadata`
/// (the `METADATA` bytes of core metadata 1.0–2.4) into `existing` (the
/// current `pyproject.toml` text, if any), keeping everything else in it.
///
/// `Requires-Dist` entries without an `extra` marker become `dependencies`;
/// those whose marker names an extra go to that extra in
/// `optional-dependencies`, with the `extra == "…"` clause removed.
/// `default_requires_python` is written when the metadata has no
/// `Requires-Python`.
///
/// # Errors
/// Unusable metadata (no valid `Name`/`Version`), an `existing` file that is
/// not valid TOML or already has `[project]`.
pub fn setuptools_pyproject(
    existing: Option<&str>,
    metadata: &[u8],
    default_requires_python: &str,
) -> Result<SetuptoolsImport, MigrateError> {
    let parsed = CoreMetadata::parse(metadata)
        .map_err(|e| MigrateError(format!("the build backend's metadata is unusable: {e}")))?;
    let text = String::from_utf8_lossy(metadata);
    let fields = header_fields(&text);
    let raw = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    // The body after the headers is the long description (`readme`).
    let has_body = text
        .split_once("\n\n")
        .is_some_and(|(_, body)| !body.trim().is_empty());
    let is_set = |key: &str| {
        (key == "Description" && has_body)
            || raw(key).is_some_and(|v| !v.trim().is_empty() && v.trim() != "UNKNOWN")
    };
    let name = raw("Name").unwrap_or_else(|| parsed.name.to_string());
    let version = raw("Version").unwrap_or_else(|| parsed.version.to_string());

    let existing_doc = match existing {
        Some(t) => Some(
            t.parse::<DocumentMut>()
                .map_err(|e| MigrateError(format!("`pyproject.toml` is not valid TOML: {e}")))?,
        ),
        None => None,
    };
    if existing_doc
        .as_ref()
        .is_some_and(|d| d.contains_key("project"))
    {
        return err("`pyproject.toml` already has a `[project]` table");
    }

    let (base, by_extra) = split_extras(&parsed);
    let mut project = Table::new();
    project.insert("name", toml_edit::value(name.clone()));
    project.insert("version", toml_edit::value(version.clone()));
    let requires_python = parsed
        .requires_python
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| default_requires_python.to_string());
    project.insert("requires-python", toml_edit::value(requires_python));
    project.insert("dependencies", Item::Value(Value::Array(multiline(&base))));
    let mut dynamic_fields: Vec<&str> = ALWAYS_DYNAMIC.to_vec();
    for (field, keys) in DYNAMIC_WHEN_SET {
        if keys.iter().any(|k| is_set(k)) {
            dynamic_fields.push(field);
        }
    }
    dynamic_fields.sort_unstable();
    let mut dynamic = Array::new();
    for f in dynamic_fields {
        dynamic.push(f);
    }
    project.insert("dynamic", Item::Value(Value::Array(dynamic)));
    if !by_extra.is_empty() {
        let mut optional = Table::new();
        for (extra, reqs) in &by_extra {
            optional.insert(extra, Item::Value(Value::Array(multiline(reqs))));
        }
        project.insert("optional-dependencies", Item::Table(optional));
    }
    let added_build_system = !existing_doc
        .as_ref()
        .is_some_and(|d| d.contains_key("build-system"));
    // The new tables go first, then the file as it was, byte for byte.
    let mut new = DocumentMut::new();
    new.insert("project", Item::Table(project));
    if added_build_system {
        let mut bs = Table::new();
        let mut requires = Array::new();
        requires.push(SETUPTOOLS_REQUIRES);
        bs.insert("requires", Item::Value(Value::Array(requires)));
        bs.insert("build-backend", toml_edit::value(SETUPTOOLS_LEGACY_BACKEND));
        new.insert("build-system", Item::Table(bs));
    }
    let mut text = match (existing, existing_doc) {
        (_, Some(mut doc)) if doc.iter().any(|(_, item)| !item.is_table_like()) => {
            // Top-level keys before any table: prepending would move them
            // into `[build-system]`, so insert the tables instead.
            for (key, item) in new.iter() {
                doc.insert(key, item.clone());
            }
            doc.to_string()
        }
        (Some(old), _) => format!("{new}\n{old}"),
        _ => new.to_string(),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(SetuptoolsImport {
        text,
        name,
        version,
        dependencies: base.len(),
        extras: by_extra.len(),
        added_build_system,
    })
}

/// `Requires-Dist` split into the base dependencies and, per extra (in
/// `Provides-Extra` order, then in order of first mention), that extra's
/// requirements with the extra clause simplified away.
fn split_extras(metadata: &CoreMetadata) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let mut extras: Vec<pep508_rs::ExtraName> = metadata.provides_extra.clone();
    for r in &metadata.requires_dist {
        for e in marker_extras(r) {
            if !extras.contains(&e) {
                extras.push(e);
            }
        }
    }
    let mut base = Vec::new();
    let mut by_extra: Vec<(String, Vec<String>)> =
        extras.iter().map(|e| (e.to_string(), Vec::new())).collect();
    for r in &metadata.requires_dist {
        let named = marker_extras(r);
        if named.is_empty() {
            base.push(r.to_string());
            continue;
        }
        for (i, e) in extras.iter().enumerate() {
            if !named.contains(e) {
                continue;
            }
            let mut req = r.clone();
            req.marker = r.marker.clone().simplify_extras(std::slice::from_ref(e));
            if req.marker.is_false() {
                continue;
            }
            by_extra[i].1.push(req.to_string());
        }
    }
    by_extra.retain(|(_, reqs)| !reqs.is_empty());
    (base, by_extra)
}

/// The extras an `extra == "…"` clause of `r`'s marker names (from its
/// disjunctive normal form, so nesting does not hide one).
fn marker_extras(r: &Requirement) -> Vec<pep508_rs::ExtraName> {
    use pep508_rs::{ExtraOperator, MarkerExpression, MarkerValueExtra};
    let mut out = Vec::new();
    for conjunction in r.marker.to_dnf() {
        for expr in conjunction {
            if let MarkerExpression::Extra {
                operator: ExtraOperator::Equal,
                name: MarkerValueExtra::Extra(e),
            } = expr
            {
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// A TOML array with one string per line and a trailing comma, the way
/// `envy add` writes dependency lists.
fn multiline(items: &[String]) -> Array {
    let mut a = Array::new();
    for item in items {
        let mut v = Value::from(item.as_str());
        v.decor_mut().set_prefix("\n    ");
        a.push_formatted(v);
    }
    if !items.is_empty() {
        a.set_trailing("\n");
        a.set_trailing_comma(true);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: Legacy_App\nVersion: 1.2.3\nSummary: an old app\nRequires-Python: >=3.8\nProvides-Extra: test\nProvides-Extra: fast\nRequires-Dist: six>=1.10\nRequires-Dist: idna; python_version < \"3.10\"\nRequires-Dist: pytest>=7; extra == \"test\"\nRequires-Dist: ujson; (python_version >= \"3.9\") and extra == \"fast\"\n\nlong description\n";

    #[test]
    fn new_pyproject_from_metadata() {
        let out = setuptools_pyproject(None, METADATA, ">=3.11").unwrap();
        insta::assert_snapshot!(out.text, @r#"
        [project]
        name = "Legacy_App"
        version = "1.2.3"
        requires-python = ">=3.8"
        dependencies = [
            "six>=1.10",
            "idna ; python_full_version < '3.10'",
        ]
        dynamic = ["description", "entry-points", "gui-scripts", "readme", "scripts", "urls"]

        [project.optional-dependencies]
        test = [
            "pytest>=7",
        ]
        fast = [
            "ujson ; python_full_version >= '3.9'",
        ]

        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta:__legacy__"
        "#);
        assert_eq!(out.dependencies, 2);
        assert_eq!(out.extras, 2);
        assert!(out.added_build_system);
        assert_eq!(out.name, "Legacy_App");
    }

    #[test]
    fn existing_pyproject_keeps_its_tables_and_build_system() {
        let existing = "# tools\n[build-system]\nrequires = [\"setuptools>=64\", \"wheel\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[tool.black]\nline-length = 100 # wide\n";
        let meta = b"Metadata-Version: 2.1\nName: app\nVersion: 0.1\n";
        let out = setuptools_pyproject(Some(existing), meta, ">=3.11").unwrap();
        assert!(!out.added_build_system);
        assert!(out.text.contains("line-length = 100 # wide"));
        assert!(out
            .text
            .contains("requires = [\"setuptools>=64\", \"wheel\"]"));
        assert!(out.text.contains("requires-python = \">=3.11\""));
        assert!(out.text.contains("dependencies = []"));
        let doc: toml::Table = toml::from_str(&out.text).unwrap();
        assert_eq!(doc["project"]["name"].as_str(), Some("app"));
        assert!(doc["tool"]["black"].is_table());
    }

    #[test]
    fn refuses_an_existing_project_table_and_bad_metadata() {
        let e =
            setuptools_pyproject(Some("[project]\nname = \"x\"\n"), METADATA, ">=3.8").unwrap_err();
        assert_eq!(e.0, "`pyproject.toml` already has a `[project]` table");
        let e =
            setuptools_pyproject(None, b"Metadata-Version: 2.1\nName: x\n", ">=3.8").unwrap_err();
        assert_eq!(
            e.0,
            "the build backend's metadata is unusable: core metadata has no `Version` field"
        );
    }
}
