//! `[tool.uv]` in a project without `[tool.envy]`: the settings whose
//! meaning envy shares with uv are read as if they were in `[tool.envy]`,
//! so a uv project locks the same way under envy; the ones that would
//! change what is installed and that envy cannot honour are errors, and
//! the others that change the answer are warnings.
//!
//! Read: `index` (`name`, `url`, `default`, `explicit`), `index-url`,
//! `extra-index-url`, `find-links`, `sources` entries of the forms
//! `{ index = "name" }`, `{ path = "...", editable = true|false }`,
//! `{ url = "..." }`, `{ git = "...", tag|branch|rev = "...", subdirectory = "..." }`
//! and `{ workspace = true }`, `workspace` (read by
//! [`super::workspace`]), `constraint-dependencies`, `override-dependencies`,
//! `required-environments`, `package`, and the legacy `dev-dependencies`
//! (which uv adds to the `dev` dependency group).
//!
//! Refused whatever `[tool.envy]` says: a `[tool.uv.sources]` entry that is
//! Refused: a path, URL, git or workspace source in `[tool.uv.sources]` when
//! `[tool.envy]` exists (envy then reads
//! `[tool.envy.sources]` only). Resolving that package from an index instead
//! would install something other than what the project names.

use super::{EnvyTool, ToolIndex, ToolSource};
use std::collections::BTreeMap;

/// What `[tool.uv]` contributes to a project.
#[derive(Debug, Clone, Default)]
pub struct UvSettings {
    /// The settings envy shares with uv, as `[tool.envy]`.
    pub tool: EnvyTool,
    /// `dev-dependencies` (uv's legacy form of the `dev` group), as written.
    pub dev_dependencies: Vec<String>,
    /// What envy does not read and that may change the answer, one line each.
    pub warnings: Vec<String>,
}

/// A `[tool.uv]` setting envy cannot honour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UvError {
    /// The dotted key, e.g. `tool.uv.sources.mylib`.
    pub field: String,
    /// Text to locate the entry in the file (for line:column).
    pub needle: String,
    /// What is wrong.
    pub message: String,
}

/// `[tool.uv]` keys that change the resolution and that envy does not read.
const UNREAD: &[(&str, &str)] = &[
    (
        "environments",
        "the lock covers every environment `requires-python` allows",
    ),
    (
        "conflicts",
        "extras and groups declared as conflicting are resolved together",
    ),
    (
        "default-groups",
        "`envy sync` installs the `dev` group by default",
    ),
    ("resolution", "pass `--resolution` to `envy lock`"),
    ("prerelease", "pass `--prerelease` to `envy lock`"),
    ("fork-strategy", "pass `--fork-strategy` to `envy lock`"),
    ("exclude-newer", "pass `--exclude-newer` to `envy lock`"),
    (
        "index-strategy",
        "envy takes each package from the first index that has it",
    ),
    ("dependency-metadata", "the index's metadata is used"),
    ("no-sources", "sources are read"),
];

/// Fields of a `[[tool.uv.index]]` entry that envy ignores without changing
/// which files are used.
const HARMLESS_INDEX_FIELDS: &[&str] = &[
    "authenticate",
    "cache-control",
    "ignore-error-codes",
    "publish-url",
];

/// The sources in `[tool.uv.sources]` that are direct references (git,
/// path, URL or workspace), as `(package, kind)`, whether or not the
/// project otherwise uses `[tool.envy]`.
pub fn direct_sources(uv: &toml::Value) -> Vec<(String, &'static str)> {
    let Some(sources) = uv.get("sources").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, value) in sources {
        let entries: Vec<&toml::Value> = match value {
            toml::Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        for e in entries {
            let kind = ["git", "path", "url", "workspace"]
                .into_iter()
                .find(|k| e.get(k).is_some());
            if let Some(kind) = kind {
                out.push((name.clone(), kind));
                break;
            }
        }
    }
    out
}

/// The error for the first direct-reference source in `[tool.uv.sources]`
/// that envy does not read: when the project has `[tool.envy]` (so
/// `[tool.uv]` is not read), a path, URL, git or workspace source.
///
/// # Errors
/// [`UvError`] naming the package and the kind of source.
pub fn refuse_direct_sources(uv: &toml::Value, has_envy: bool) -> Result<(), UvError> {
    let refused = direct_sources(uv).into_iter().find(|_| has_envy);
    match refused {
        None => Ok(()),
        Some((name, kind)) => Err(UvError {
            field: format!("tool.uv.sources.{name}"),
            needle: "sources".to_string(),
            message: format!(
                "`{name}` comes from a {kind} source in `[tool.uv.sources]`, which envy does not read when `[tool.envy]` exists; move it to `[tool.envy.sources]` (envy never resolves `{name}` from an index in its place)"
            ),
        }),
    }
}

/// Read `[tool.uv]` (the table's value) into envy's settings.
///
/// # Errors
/// A direct-reference source, a source that is not `{ index = "name" }`,
/// a flat index (`format = "flat"`), or a value of the wrong type.
pub fn read(uv: &toml::Value) -> Result<UvSettings, UvError> {
    refuse_direct_sources(uv, false)?;
    let err = |field: &str, needle: &str, message: String| UvError {
        field: format!("tool.uv.{field}"),
        needle: needle.to_string(),
        message,
    };
    let strings = |key: &str| -> Result<Vec<String>, UvError> {
        match uv.get(key) {
            None => Ok(Vec::new()),
            Some(v) => v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|x| x.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| err(key, key, "must be a list of strings".into())),
        }
    };
    let mut out = UvSettings::default();
    let tool = &mut out.tool;
    tool.index_url = match uv.get("index-url") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| err("index-url", "index-url", "must be a string".into()))?
                .to_string(),
        ),
    };
    tool.extra_index_url = strings("extra-index-url")?;
    tool.find_links = strings("find-links")?;
    tool.constraint_dependencies = strings("constraint-dependencies")?;
    tool.override_dependencies = strings("override-dependencies")?;
    tool.required_environments = match uv.get("required-environments") {
        Some(toml::Value::String(s)) => vec![s.clone()],
        _ => strings("required-environments")?,
    };
    out.dev_dependencies = strings("dev-dependencies")?;
    tool.package = match uv.get("package") {
        None => None,
        Some(v) => Some(
            v.as_bool()
                .ok_or_else(|| err("package", "package", "must be `true` or `false`".into()))?,
        ),
    };
    if let Some(indexes) = uv.get("index") {
        let list = indexes.as_array().ok_or_else(|| {
            err(
                "index",
                "tool.uv.index",
                "must be an array of tables".into(),
            )
        })?;
        for (i, entry) in list.iter().enumerate() {
            let table = entry.as_table().ok_or_else(|| {
                err(
                    "index",
                    "tool.uv.index",
                    "must be an array of tables".into(),
                )
            })?;
            let url = table
                .get("url")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| err("index", "tool.uv.index", "an entry has no `url`".into()))?;
            if table.get("format").and_then(toml::Value::as_str) == Some("flat") {
                return Err(err(
                    "index",
                    url,
                    format!("`{url}` is a flat index (`format = \"flat\"`), which envy cannot read from `[tool.uv]`; list it as a local directory in `[tool.envy] find-links`"),
                ));
            }
            for key in table.keys() {
                if !["name", "url", "default", "explicit", "format"].contains(&key.as_str())
                    && !HARMLESS_INDEX_FIELDS.contains(&key.as_str())
                {
                    out.warnings.push(format!(
                        "`{key}` of the `[[tool.uv.index]]` entry `{url}` is not read by envy"
                    ));
                }
            }
            let flag = |key: &str| {
                table
                    .get(key)
                    .and_then(toml::Value::as_bool)
                    .unwrap_or(false)
            };
            let name = table
                .get("name")
                .and_then(toml::Value::as_str)
                .map_or_else(|| format!("index-{}", i + 1), str::to_string);
            tool.index.push(ToolIndex {
                name,
                url: url.to_string(),
                default: flag("default"),
                explicit: flag("explicit"),
            });
        }
    }
    if let Some(sources) = uv.get("sources").and_then(toml::Value::as_table) {
        let mut map = BTreeMap::new();
        for (name, value) in sources {
            let unread = || {
                err(
                    &format!("sources.{name}"),
                    "sources",
                    format!("envy reads `{name}` sources of the forms `{{ index = \"name\" }}`, `{{ path = \"...\", editable = true }}`, `{{ url = \"...\" }}`, `{{ git = \"...\", tag = \"...\" }}` and `{{ workspace = true }}` only (no markers, extras, groups or lists); envy never resolves `{name}` from another index in its place"),
                )
            };
            let table = value.as_table().ok_or_else(unread)?;
            let text = |key: &str| {
                table
                    .get(key)
                    .and_then(toml::Value::as_str)
                    .map(str::to_string)
            };
            let known = |keys: &[&str]| table.keys().all(|k| keys.contains(&k.as_str()));
            let source = if table.contains_key("index") && known(&["index"]) {
                ToolSource {
                    index: Some(text("index").ok_or_else(unread)?),
                    ..ToolSource::default()
                }
            } else if table.contains_key("path") && known(&["path", "editable"]) {
                ToolSource {
                    path: Some(text("path").ok_or_else(unread)?),
                    editable: match table.get("editable") {
                        None => None,
                        Some(v) => Some(v.as_bool().ok_or_else(unread)?),
                    },
                    ..ToolSource::default()
                }
            } else if table.contains_key("workspace") && known(&["workspace"]) {
                ToolSource {
                    workspace: Some(table["workspace"].as_bool().ok_or_else(unread)?),
                    ..ToolSource::default()
                }
            } else if table.contains_key("url") && known(&["url"]) {
                ToolSource {
                    url: Some(text("url").ok_or_else(unread)?),
                    ..ToolSource::default()
                }
            } else if table.contains_key("git")
                && known(&["git", "tag", "branch", "rev", "subdirectory"])
            {
                let optional = |key: &str| match table.get(key) {
                    None => Ok(None),
                    Some(v) => v.as_str().map(|s| Some(s.to_string())).ok_or_else(unread),
                };
                ToolSource {
                    git: Some(text("git").ok_or_else(unread)?),
                    tag: optional("tag")?,
                    branch: optional("branch")?,
                    rev: optional("rev")?,
                    subdirectory: optional("subdirectory")?,
                    ..ToolSource::default()
                }
            } else {
                return Err(unread());
            };
            map.insert(name.clone(), source);
        }
        tool.sources = map;
    }
    for (key, effect) in UNREAD {
        let Some(v) = uv.get(*key) else { continue };
        if *key == "default-groups"
            && v.as_array()
                .is_some_and(|a| a.len() == 1 && a[0].as_str() == Some("dev"))
        {
            continue;
        }
        out.warnings
            .push(format!("`[tool.uv] {key}` is not read by envy: {effect}"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uv(text: &str) -> toml::Value {
        let doc: toml::Table = toml::from_str(text).unwrap();
        doc["tool"]["uv"].clone()
    }

    #[test]
    fn reads_the_shared_settings() {
        let v = uv(r#"
[tool.uv]
dev-dependencies = ["pytest>=8"]
constraint-dependencies = ["urllib3<2"]
override-dependencies = ["idna==3.7"]
required-environments = ["sys_platform == 'linux'"]
package = false
environments = ["sys_platform == 'linux'"]

[[tool.uv.index]]
name = "pytorch"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
authenticate = "always"

[[tool.uv.index]]
url = "https://mirror.example/simple"
default = true

[tool.uv.sources]
torch = { index = "pytorch" }
"#);
        let s = read(&v).unwrap();
        assert_eq!(s.dev_dependencies, vec!["pytest>=8"]);
        assert_eq!(s.tool.constraint_dependencies, vec!["urllib3<2"]);
        assert_eq!(s.tool.override_dependencies, vec!["idna==3.7"]);
        assert_eq!(s.tool.required_environments.len(), 1);
        assert_eq!(s.tool.package, Some(false));
        assert_eq!(s.tool.index.len(), 2);
        assert_eq!(s.tool.index[0].name, "pytorch");
        assert!(s.tool.index[0].explicit);
        assert_eq!(s.tool.index[1].name, "index-2");
        assert!(s.tool.index[1].default);
        assert_eq!(s.tool.sources["torch"].index.as_deref(), Some("pytorch"));
        assert_eq!(
            s.warnings,
            vec!["`[tool.uv] environments` is not read by envy: the lock covers every environment `requires-python` allows"]
        );
    }

    #[test]
    fn git_and_workspace_sources_are_read() {
        let v = uv(
            "[tool.uv.sources]\nmylib = { git = \"https://example.com/mylib\", tag = \"v1\", subdirectory = \"py\" }\n",
        );
        assert_eq!(direct_sources(&v), vec![("mylib".to_string(), "git")]);
        let s = read(&v).unwrap();
        assert_eq!(
            s.tool.sources["mylib"].git.as_deref(),
            Some("https://example.com/mylib")
        );
        assert_eq!(s.tool.sources["mylib"].tag.as_deref(), Some("v1"));
        assert_eq!(s.tool.sources["mylib"].subdirectory.as_deref(), Some("py"));
        assert!(refuse_direct_sources(&v, true).is_err());
        let v = uv("[tool.uv.sources]\nmylib = { workspace = true }\n");
        assert_eq!(
            read(&v).unwrap().tool.sources["mylib"].workspace,
            Some(true)
        );
    }

    #[test]
    fn path_and_url_sources_are_read_and_refused_beside_tool_envy() {
        let v = uv(r#"
[tool.uv.sources]
a = { path = "../a", editable = true }
b = { url = "https://example.com/b-1.0.tar.gz" }
"#);
        let s = read(&v).unwrap();
        assert_eq!(s.tool.sources["a"].path.as_deref(), Some("../a"));
        assert_eq!(s.tool.sources["a"].editable, Some(true));
        assert_eq!(
            s.tool.sources["b"].url.as_deref(),
            Some("https://example.com/b-1.0.tar.gz")
        );
        let e = refuse_direct_sources(&v, true).unwrap_err();
        assert!(e.message.contains("[tool.envy.sources]"), "{}", e.message);
        // A list (markers) is not read.
        let v =
            uv("[tool.uv.sources]\na = [{ path = \"a\", marker = \"sys_platform == 'linux'\" }]\n");
        assert_eq!(read(&v).unwrap_err().field, "tool.uv.sources.a");
    }

    #[test]
    fn index_sources_with_markers_and_flat_indexes_are_refused() {
        let v = uv("[tool.uv.sources]\ntorch = [{ index = \"a\", marker = \"sys_platform == 'linux'\" }]\n");
        assert_eq!(read(&v).unwrap_err().field, "tool.uv.sources.torch");
        let v = uv("[[tool.uv.index]]\nname = \"f\"\nurl = \"https://example.com/links\"\nformat = \"flat\"\n");
        assert!(read(&v).unwrap_err().message.contains("flat index"));
    }
}
