//! `pyproject.toml`: a read model of what envy needs (PEP 621 `[project]`,
//! PEP 735 `[dependency-groups]`, `[tool.envy]`) and pure edits over
//! toml_edit that keep comments, order and formatting.
//!
//! This module reads and edits text; writing files is left to `ops`.

mod direct;
pub mod edit;
pub mod migrate;
pub mod scaffold;
pub mod uv;
pub mod workspace;

use direct::{check_archive_url, direct_sources};
pub use direct::{is_archive_name, DirectSource};

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A `pyproject.toml` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// TOML syntax or a field of the wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Toml {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A value that is valid TOML but not valid for its field.
    #[error("{path}:{line}:{column}: invalid {field}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The field, e.g. `project.dependencies`.
        field: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// No `[project]` table.
    #[error("{path} has no `[project]` table with a `name`")]
    NoProject {
        /// The file.
        path: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawPyproject {
    project: Option<RawProject>,
    build_system: Option<toml::Value>,
    #[serde(default)]
    dependency_groups: BTreeMap<String, Vec<RawGroupItem>>,
    tool: Option<RawTool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawProject {
    name: String,
    version: Option<String>,
    requires_python: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    scripts: BTreeMap<String, String>,
    #[serde(default)]
    gui_scripts: BTreeMap<String, String>,
    #[serde(default)]
    entry_points: BTreeMap<String, toml::Value>,
    #[serde(default)]
    dynamic: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawGroupItem {
    Requirement(String),
    Include {
        #[serde(rename = "include-group")]
        include_group: String,
    },
}

#[derive(Deserialize, Default)]
struct RawTool {
    envy: Option<EnvyTool>,
    uv: Option<toml::Value>,
}

/// `[tool.envy]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub struct EnvyTool {
    /// Replaces the default index (like `--index-url`).
    pub index_url: Option<String>,
    /// Further indexes (like `--extra-index-url`).
    #[serde(default)]
    pub extra_index_url: Vec<String>,
    /// Local directories of distributions (like `--find-links`).
    #[serde(default)]
    pub find_links: Vec<String>,
    /// PEP 508 requirements that narrow versions wherever a package is
    /// required, without requiring it.
    #[serde(default)]
    pub constraint_dependencies: Vec<String>,
    /// PEP 508 requirements that replace every requirement on their package.
    #[serde(default)]
    pub override_dependencies: Vec<String>,
    /// PEP 508 markers of environments the lock must be installable in.
    #[serde(default)]
    pub required_environments: Vec<String>,
    /// `[[tool.envy.index]]`: named indexes, in order of priority.
    #[serde(default)]
    pub index: Vec<ToolIndex>,
    /// `[tool.envy.sources]`: packages pinned to one named index, or taken
    /// from a local path or an archive URL (a direct reference).
    #[serde(default)]
    pub sources: BTreeMap<String, ToolSource>,
    /// Whether the project is a package that `sync` installs (editable):
    /// `true` or `false` override the default, which is "when
    /// `pyproject.toml` has a `[build-system]` table" (uv's rule).
    pub package: Option<bool>,
}

/// One `[[tool.envy.index]]` entry.
///
/// ```toml
/// [[tool.envy.index]]
/// name = "internal"
/// url = "https://pypi.internal.example/simple"
/// explicit = true   # only for packages pinned to it
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ToolIndex {
    /// The name, referenced by `[tool.envy.sources]` and used for the
    /// credential variables `ENVY_INDEX_<NAME>_USERNAME`/`_PASSWORD`.
    pub name: String,
    /// The simple API (PEP 503/691) URL.
    pub url: String,
    /// Replace PyPI as the default index.
    #[serde(default)]
    pub default: bool,
    /// Only use this index for packages pinned to it in `[tool.envy.sources]`.
    #[serde(default)]
    pub explicit: bool,
}

/// A `[tool.envy.sources]` value, one of:
///
/// - `pkg = { index = "name" }`: only that `[[tool.envy.index]]` serves `pkg`;
/// - `pkg = { path = "../lib" }` (`editable = true` for a directory): a
///   local source tree, wheel or sdist, relative to the project;
/// - `pkg = { url = "https://host/pkg-1.0-py3-none-any.whl" }`: a remote
///   wheel or sdist (a `#sha256=` fragment is checked).
///
/// - `pkg = { git = "https://host/repo", tag = "v1", subdirectory = "py" }`:
///   a git repository at a tag, `branch` or `rev` (see `docs/sources.md`).
/// - `pkg = { workspace = true }`: the member `pkg` of the workspace the
///   project belongs to (see `docs/workspaces.md`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolSource {
    /// The name of the `[[tool.envy.index]]` the package must come from.
    pub index: Option<String>,
    /// A local directory or archive, relative to the project root.
    pub path: Option<String>,
    /// With `path` to a directory: install it editable (PEP 660).
    pub editable: Option<bool>,
    /// A remote archive (wheel or sdist).
    pub url: Option<String>,
    /// A git repository URL (with or without `git+`).
    pub git: Option<String>,
    /// `true`: the package is a member of the project's workspace.
    pub workspace: Option<bool>,
    /// Of a git source: the tag to check out.
    pub tag: Option<String>,
    /// Of a git source: the branch whose tip to lock.
    pub branch: Option<String>,
    /// Of a git source: a commit id or other revision.
    pub rev: Option<String>,
    /// Of a git source: the project's directory inside the repository.
    pub subdirectory: Option<String>,
}

/// What envy reads from `pyproject.toml`.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory holding `pyproject.toml`.
    pub root: PathBuf,
    /// `project.name`, normalized.
    pub name: PackageName,
    /// `project.name` as written.
    pub display_name: String,
    /// `project.version`, when static.
    pub version: Option<Version>,
    /// `project.requires-python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// `project.dependencies`.
    pub dependencies: Vec<Requirement>,
    /// `project.optional-dependencies`, by extra.
    pub optional_dependencies: BTreeMap<ExtraName, Vec<Requirement>>,
    /// `[dependency-groups]`, by normalized group name, includes expanded.
    pub dependency_groups: BTreeMap<String, Vec<Requirement>>,
    /// `project.scripts` as (name, `module:function`).
    pub scripts: Vec<(String, String)>,
    /// `project.gui-scripts`.
    pub gui_scripts: Vec<(String, String)>,
    /// `[tool.envy]`.
    pub tool: EnvyTool,
    /// `[tool.envy] constraint-dependencies`, parsed.
    pub constraints: Vec<Requirement>,
    /// `[tool.envy] override-dependencies`, parsed.
    pub overrides: Vec<Requirement>,
    /// `[tool.envy] required-environments`, parsed.
    pub required_environments: Vec<pep508_rs::MarkerTree>,
    /// Whether `pyproject.toml` has a `[build-system]` table.
    pub has_build_system: bool,
    /// `[project] dynamic` (PEP 621): fields the build backend provides,
    /// lower-cased.
    pub dynamic: Vec<String>,
    /// Whether `[project.entry-points]` declares any group.
    pub has_entry_points: bool,
    /// Settings that were read but not honoured (from `[tool.uv]`), one
    /// line each, for the caller to show as warnings.
    pub warnings: Vec<String>,
    /// Packages named by direct references (`name @ URL` requirements and
    /// `[tool.envy.sources]` path/url entries), by normalized name.
    /// For a workspace root, also every other member (an editable path).
    pub direct: BTreeMap<PackageName, DirectSource>,
    /// For a workspace root read by [`workspace::load`]: the other members,
    /// by name, with their directory relative to the root (`/`
    /// separators). Empty otherwise.
    pub workspace_members: BTreeMap<PackageName, String>,
}

/// `[project]` fields that locking reads and that must therefore be static.
const LOCK_INPUTS: &[&str] = &["dependencies", "optional-dependencies", "requires-python"];

/// `[project]` fields envy's own editable install cannot provide: when one
/// is dynamic, only the build backend knows it.
const BACKEND_ONLY: &[&str] = &["version", "scripts", "gui-scripts", "entry-points"];

/// The setuptools configuration files in `dir` that describe a package:
/// `setup.py`, and `setup.cfg` when it has a `[metadata]` or `[options]`
/// section (many projects keep only tool settings, `[flake8]` and the like,
/// there). In that order; empty when there are none.
pub fn setuptools_files(dir: &Path) -> Vec<&'static str> {
    let mut out = Vec::new();
    if dir.join("setup.py").is_file() {
        out.push("setup.py");
    }
    let describes_package = fs_err::read_to_string(dir.join("setup.cfg")).is_ok_and(|t| {
        t.lines().any(|l| {
            let l = l.trim();
            l == "[metadata]" || l == "[options]" || l.starts_with("[options.")
        })
    });
    if describes_package {
        out.push("setup.cfg");
    }
    out
}

/// Normalize a dependency group name like a package name (PEP 735 uses the
/// PEP 503 rule: lower case, runs of `-`, `_`, `.` become one `-`).
pub fn normalize_group(name: &str) -> String {
    PackageName::from_str(name)
        .map(|n| n.to_string())
        .unwrap_or_else(|_| name.to_ascii_lowercase())
}

/// 1-based line and column of a byte offset (kept here for `lock`'s parser;
/// it lives in [`crate::util`]).
pub use crate::util::line_col;

impl Project {
    /// Whether `sync` installs the project itself (editable, PEP 660). A
    /// project without `[build-system]` is virtual: only its dependencies
    /// are installed. `[tool.envy] package = true|false` overrides that.
    pub fn is_package(&self) -> bool {
        self.tool.package.unwrap_or(self.has_build_system)
    }

    /// The fields locking needs (`dependencies`, `optional-dependencies`,
    /// `requires-python`) that `[project] dynamic` leaves to the build
    /// backend; envy reads them from `pyproject.toml` only, so a non-empty
    /// answer means the project cannot be locked as written.
    pub fn dynamic_lock_inputs(&self) -> Vec<&'static str> {
        LOCK_INPUTS
            .iter()
            .copied()
            .filter(|f| self.dynamic.iter().any(|d| d == f))
            .collect()
    }

    /// Whether installing the project needs its build backend's PEP 660
    /// editable wheel rather than envy's own `.pth` install: a `setup.py`,
    /// or a `setup.cfg` with package sections, is present (see
    /// [`setuptools_files`]; they may declare packages, extensions and entry
    /// points envy cannot see), `[project.entry-points]` is used, or
    /// one of `version`, `scripts`, `gui-scripts`, `entry-points` is dynamic.
    pub fn needs_backend_editable(&self) -> bool {
        !setuptools_files(&self.root).is_empty()
            || self.has_entry_points
            || self
                .dynamic
                .iter()
                .any(|d| BACKEND_ONLY.contains(&d.as_str()))
    }

    /// Read `dir/pyproject.toml`.
    ///
    /// # Errors
    /// I/O errors (as [`ProjectError::Invalid`]) and every parse error, with
    /// `file:line:col`.
    pub fn read(dir: &Path) -> Result<Self, ProjectError> {
        let path = dir.join("pyproject.toml");
        let bytes = fs_err::read(&path).map_err(|e| ProjectError::Invalid {
            path: path.display().to_string(),
            field: "file".into(),
            line: 0,
            column: 0,
            message: e.to_string(),
        })?;
        let text = crate::types::decode_utf8(bytes).map_err(|at| ProjectError::Invalid {
            path: path.display().to_string(),
            field: "file".into(),
            line: at.line,
            column: at.column,
            message: "not valid UTF-8 (TOML files must be UTF-8)".into(),
        })?;
        Self::parse(&text, &path)
    }

    /// Parse pyproject text; `path` is used in messages and as the root.
    ///
    /// # Errors
    /// As [`Project::read`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProjectError> {
        let shown = path.display().to_string();
        // toml_edit rejects duplicate keys and reports spans for syntax errors.
        if let Err(e) = text.parse::<toml_edit::DocumentMut>() {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            return Err(ProjectError::Toml {
                path: shown,
                line,
                column,
                message: e.message().trim().to_string(),
            });
        }
        let raw: RawPyproject = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            ProjectError::Toml {
                path: shown.clone(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        let project = raw.project.ok_or(ProjectError::NoProject {
            path: shown.clone(),
        })?;
        let invalid = |field: &str, needle: &str, message: String| {
            let (line, column) = text
                .find(needle)
                .map(|o| line_col(text, o))
                .unwrap_or((0, 0));
            ProjectError::Invalid {
                path: shown.clone(),
                field: field.to_string(),
                line,
                column,
                message,
            }
        };
        let parse_reqs =
            |field: &str, items: &[String]| -> Result<Vec<Requirement>, ProjectError> {
                items
                    .iter()
                    .map(|s| {
                        crate::types::parse_requirement(s).map_err(|e| {
                            let shown = crate::types::shorten(s, 200);
                            invalid(field, s, format!("`{shown}`: {}", e.message))
                        })
                    })
                    .collect()
            };
        let name = PackageName::from_str(&project.name)
            .map_err(|e| invalid("project.name", &project.name, e.to_string()))?;
        let version = project
            .version
            .as_deref()
            .map(|v| Version::from_str(v).map_err(|e| invalid("project.version", v, e.to_string())))
            .transpose()?;
        let requires_python = project
            .requires_python
            .as_deref()
            .map(|v| {
                VersionSpecifiers::from_str(v)
                    .map_err(|e| invalid("project.requires-python", v, e.to_string()))
            })
            .transpose()?;
        let dependencies = parse_reqs("project.dependencies", &project.dependencies)?;
        let mut optional_dependencies = BTreeMap::new();
        for (extra, reqs) in &project.optional_dependencies {
            let e = ExtraName::from_str(extra)
                .map_err(|e| invalid("project.optional-dependencies", extra, e.to_string()))?;
            optional_dependencies.insert(e, parse_reqs("project.optional-dependencies", reqs)?);
        }
        let groups: BTreeMap<String, &Vec<RawGroupItem>> = raw
            .dependency_groups
            .iter()
            .map(|(k, v)| (normalize_group(k), v))
            .collect();
        let mut dependency_groups = BTreeMap::new();
        for group in groups.keys() {
            let mut strings = Vec::new();
            expand_group(group, &groups, &mut Vec::new(), &mut strings)
                .map_err(|m| invalid("dependency-groups", group, m))?;
            dependency_groups.insert(group.clone(), parse_reqs("dependency-groups", &strings)?);
        }
        let raw_tool = raw.tool.unwrap_or_default();
        let uv_invalid = |e: uv::UvError| invalid(&e.field, &e.needle, e.message);
        if let Some(u) = &raw_tool.uv {
            uv::refuse_direct_sources(u, raw_tool.envy.is_some()).map_err(uv_invalid)?;
        }
        let mut warnings = Vec::new();
        let tool = match (raw_tool.envy, &raw_tool.uv) {
            (Some(t), _) => t,
            (None, Some(u)) => {
                let read = uv::read(u).map_err(uv_invalid)?;
                warnings = read.warnings;
                if !read.dev_dependencies.is_empty() {
                    let dev = parse_reqs("tool.uv.dev-dependencies", &read.dev_dependencies)?;
                    dependency_groups
                        .entry("dev".to_string())
                        .or_insert_with(Vec::new)
                        .extend(dev);
                }
                read.tool
            }
            (None, None) => EnvyTool::default(),
        };
        validate_tool(&tool, &invalid)?;
        let constraints = parse_reqs(
            "tool.envy.constraint-dependencies",
            &tool.constraint_dependencies,
        )?;
        let overrides = parse_reqs(
            "tool.envy.override-dependencies",
            &tool.override_dependencies,
        )?;
        let required_environments = tool
            .required_environments
            .iter()
            .map(|m| {
                crate::types::parse_marker(m)
                    .map_err(|e| invalid("tool.envy.required-environments", m, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let direct = direct_sources(
            &tool,
            dependencies
                .iter()
                .chain(optional_dependencies.values().flatten())
                .chain(dependency_groups.values().flatten()),
            &invalid,
        )?;
        Ok(Self {
            direct,
            workspace_members: BTreeMap::new(),
            root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            display_name: project.name.clone(),
            name,
            version,
            requires_python,
            dependencies,
            optional_dependencies,
            dependency_groups,
            scripts: project.scripts.into_iter().collect(),
            gui_scripts: project.gui_scripts.into_iter().collect(),
            tool,
            constraints,
            overrides,
            required_environments,
            has_build_system: raw.build_system.is_some(),
            dynamic: project
                .dynamic
                .iter()
                .map(|d| d.to_ascii_lowercase())
                .collect(),
            has_entry_points: !project.entry_points.is_empty(),
            warnings,
        })
    }

    /// The import name of the project (`my-app` -> `my_app`).
    pub fn import_name(&self) -> String {
        self.name.as_ref().replace('-', "_")
    }
}

/// Check `[[tool.envy.index]]` and `[tool.envy.sources]`: names unique and
/// non-empty, URLs parse, at most one default, sources name an index.
fn validate_tool(
    tool: &EnvyTool,
    invalid: &dyn Fn(&str, &str, String) -> ProjectError,
) -> Result<(), ProjectError> {
    let mut seen = std::collections::BTreeSet::new();
    for i in &tool.index {
        if i.name.is_empty()
            || !i
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(invalid(
                "tool.envy.index.name",
                &i.name,
                format!("`{}`: use letters, digits, `-`, `_` and `.`", i.name),
            ));
        }
        if !seen.insert(i.name.as_str()) {
            return Err(invalid(
                "tool.envy.index.name",
                &i.name,
                format!("two indexes are named `{}`", i.name),
            ));
        }
        match url::Url::parse(&i.url) {
            Ok(u) if matches!(u.scheme(), "http" | "https" | "file") => {}
            Ok(u) => {
                return Err(invalid(
                    "tool.envy.index.url",
                    &i.url,
                    format!("unsupported scheme `{}`", u.scheme()),
                ))
            }
            Err(e) => {
                return Err(invalid(
                    "tool.envy.index.url",
                    &i.url,
                    format!("`{}`: {e}", crate::types::redact_url(&i.url)),
                ))
            }
        }
    }
    if tool.index.iter().filter(|i| i.default).count() > 1 {
        return Err(invalid(
            "tool.envy.index",
            "default",
            "more than one index has `default = true`".to_string(),
        ));
    }
    for (pkg, source) in &tool.sources {
        PackageName::from_str(pkg).map_err(|e| invalid("tool.envy.sources", pkg, e.to_string()))?;
        let kinds: Vec<&str> = [
            ("index", source.index.is_some()),
            ("path", source.path.is_some()),
            ("url", source.url.is_some()),
            ("git", source.git.is_some()),
            ("workspace", source.workspace.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect();
        if kinds.len() != 1 {
            return Err(invalid(
                "tool.envy.sources",
                pkg,
                format!(
                    "`{pkg}` must have exactly one of `index`, `path`, `url`, `git`, `workspace` (found {})",
                    if kinds.is_empty() {
                        "none".to_string()
                    } else {
                        kinds
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            ));
        }
        let git_keys = [
            &source.tag,
            &source.branch,
            &source.rev,
            &source.subdirectory,
        ];
        if source.git.is_none() && git_keys.iter().any(|k| k.is_some()) {
            return Err(invalid(
                "tool.envy.sources",
                pkg,
                format!(
                    "`{pkg}`: `tag`, `branch`, `rev` and `subdirectory` belong to a git source"
                ),
            ));
        }
        if source.workspace == Some(false) {
            return Err(invalid(
                "tool.envy.sources",
                pkg,
                format!("`{pkg}`: `workspace` can only be `true`"),
            ));
        }
        if source.editable.is_some() && source.path.is_none() {
            return Err(invalid(
                "tool.envy.sources",
                pkg,
                format!("`{pkg}`: `editable` goes with a `path` source only"),
            ));
        }
        if let Some(index) = &source.index {
            if !tool.index.iter().any(|i| &i.name == index) {
                return Err(invalid(
                    "tool.envy.sources",
                    pkg,
                    format!(
                        "`{pkg}` names the index `{index}`, but no `[[tool.envy.index]]` has that name"
                    ),
                ));
            }
        }
        if let Some(url) = &source.url {
            check_archive_url(url)
                .map_err(|m| invalid("tool.envy.sources", pkg, format!("`{pkg}`: {m}")))?;
        }
    }
    Ok(())
}

fn expand_group(
    group: &str,
    groups: &BTreeMap<String, &Vec<RawGroupItem>>,
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
) -> Result<(), String> {
    if stack.iter().any(|g| g == group) {
        return Err(format!("dependency group `{group}` includes itself"));
    }
    let items = groups
        .get(group)
        .ok_or_else(|| format!("included dependency group `{group}` does not exist"))?;
    stack.push(group.to_string());
    for item in items.iter() {
        match item {
            RawGroupItem::Requirement(s) => out.push(s.clone()),
            RawGroupItem::Include { include_group } => {
                expand_group(&normalize_group(include_group), groups, stack, out)?
            }
        }
    }
    stack.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_groups_and_extras() {
        let text = r#"
[project]
name = "My_App"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["flask>=3", "pywin32; sys_platform == 'win32'"]
[project.optional-dependencies]
socks = ["pysocks"]
[dependency-groups]
test = ["pytest"]
Dev = [{ include-group = "test" }, "ruff"]
"#;
        let p = Project::parse(text, Path::new("/x/pyproject.toml")).unwrap();
        assert_eq!(p.name.as_ref(), "my-app");
        assert_eq!(p.dependencies.len(), 2);
        assert_eq!(p.dependency_groups["dev"].len(), 2);
        assert_eq!(p.import_name(), "my_app");
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e = Project::parse(
            "[project]\nname = \"x\"\ndependencies = [\"ok\", \"bad >= >= 1\"]\n",
            Path::new("pyproject.toml"),
        )
        .unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("pyproject.toml:3:"), "{s}");
        let e = Project::parse("[project]\nname = \n", Path::new("pyproject.toml")).unwrap_err();
        assert!(e.to_string().starts_with("pyproject.toml:2:"), "{e}");
        let e = Project::parse(
            "[project]\nname = \"a\"\nname = \"b\"\n",
            Path::new("pyproject.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains(":3:"), "{e}");
    }
}
