//! The `envy.lock` model: typed entries (normalized package names, PEP 440
//! versions, PEP 508 marker trees, validated file hashes) and the serde
//! rules that read them strictly. Pure: no I/O, no rendering (see
//! `write.rs`), no graph walks (see `graph.rs`).
//!
//! Every typed field is checked while the TOML is read, so a bad value is
//! reported at its line and column by [`Lock::parse`](super::Lock::parse);
//! an unparsable marker is an error, never "always".

use crate::types::hash::FileHash;
use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName, Requirement};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What the project asked for, normalized; the lock is fresh while this matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    /// `[project] dependencies`, normalized PEP 508 strings, sorted.
    #[serde(default)]
    pub requirements: Vec<String>,
    /// `[project.optional-dependencies]`.
    #[serde(default)]
    pub optional_dependencies: BTreeMap<String, Vec<String>>,
    /// `[dependency-groups]`, includes expanded.
    #[serde(default)]
    pub dependency_groups: BTreeMap<String, Vec<String>>,
    /// `[tool.envy] constraint-dependencies`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    /// `[tool.envy] override-dependencies`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<String>,
    /// `[tool.envy] required-environments`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_environments: Vec<String>,
}

/// Resolver options that change the answer, as the lock was made with them
/// (`[options]`; each key only when it differs from the default, as in
/// uv). A lock made with other options is stale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResolverOptions {
    /// `--resolution` (`lowest`, `lowest-direct`); absent: `highest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// `--prerelease`; absent: `if-necessary-or-explicit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prerelease: Option<String>,
    /// `--fork-strategy`; absent: `requires-python`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork_strategy: Option<String>,
    /// `--exclude-newer`: the cutoff, RFC 3339 in UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_newer: Option<String>,
    /// `--exclude-newer` given as a duration (`7 days`): the duration as
    /// written; freshness compares it rather than the moving cutoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_newer_span: Option<String>,
}

impl ResolverOptions {
    /// Whether a lock made with `self` answers a request for `wanted`: the
    /// same options, where a relative `--exclude-newer` compares by its
    /// duration, not by its cutoff.
    pub fn satisfies(&self, wanted: &ResolverOptions) -> bool {
        let same_cutoff = match (&self.exclude_newer_span, &wanted.exclude_newer_span) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.exclude_newer == wanted.exclude_newer,
            _ => false,
        };
        self.resolution == wanted.resolution
            && self.prerelease == wanted.prerelease
            && self.fork_strategy == wanted.fork_strategy
            && same_cutoff
    }

    /// Whether every option is at its default.
    pub fn is_default(&self) -> bool {
        self == &ResolverOptions::default()
    }
}

/// One dependency edge: `{ name, version?, extras?, marker? }`.
///
/// Edges sort by their text form (name, version as written, extras,
/// marker as written), the order the lock has always been written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep {
    /// The dependency's normalized name.
    #[serde(deserialize_with = "strict::name")]
    pub name: PackageName,
    /// The dependency's version, when the lock holds several versions of it
    /// (a forked resolution).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "strict::opt_version",
        serialize_with = "strict::ser_opt_version"
    )]
    pub version: Option<Version>,
    /// Extras requested on the edge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<String>,
    /// PEP 508 marker on the edge; `true` (absent from the file) means always.
    #[serde(
        default = "strict::always",
        skip_serializing_if = "MarkerTree::is_true",
        deserialize_with = "strict::marker",
        serialize_with = "strict::ser_marker"
    )]
    pub marker: MarkerTree,
}

impl Dep {
    /// Build an edge from a requirement (its version specifier is dropped:
    /// the lock pins the version).
    pub fn from_requirement(r: &Requirement) -> Self {
        let mut extras: Vec<String> = r.extras.iter().map(ToString::to_string).collect();
        extras.sort();
        extras.dedup();
        Self {
            name: r.name.clone(),
            version: None,
            extras,
            marker: r.marker.clone(),
        }
    }

    /// The marker as written in the lock (`None` for always).
    pub fn marker_text(&self) -> Option<String> {
        self.marker.try_to_string()
    }

    /// The key edges sort by: their text form.
    fn sort_key(&self) -> (&str, Option<String>, &[String], Option<String>) {
        (
            self.name.as_ref(),
            self.version.as_ref().map(ToString::to_string),
            &self.extras,
            self.marker_text(),
        )
    }
}

impl PartialOrd for Dep {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dep {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

/// Where a package comes from: exactly one key.
///
/// - `registry`: a simple index;
/// - `editable`: a local source tree installed editable, relative to the
///   project root (`.` is the project itself);
/// - `find-links`: a `--find-links` directory;
/// - `path`: a local source tree, wheel or sdist (a direct reference),
///   relative to the project root with `/` separators;
/// - `url`: a remote wheel or sdist (a direct reference), without fragment.
///
/// A git checkout is meant to become one more key here (`git`, with the
/// commit), handled like a directory whose tree comes from the checkout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A simple index URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// A local source tree installed editable (relative path; `.` is the
    /// project itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable: Option<String>,
    /// A local directory or archive named by a direct reference (relative
    /// to the project root, `/` separators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A remote archive named by a direct reference (no fragment; the
    /// file entry holds its sha256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A git dependency: `REPOSITORY?tag=..&subdirectory=..#COMMIT` (see
    /// [`crate::git::LockedGit`]); no files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<String>,
    /// A `--find-links` directory (the `find-links` key): relative to the
    /// lock's directory when it is inside the project, else absolute. Its
    /// files' `url`s are then paths relative to the lock's directory too.
    #[serde(
        default,
        rename = "find-links",
        skip_serializing_if = "Option::is_none"
    )]
    pub find_links: Option<String>,
}

/// One distribution file: `{ url, sha256, size?, upload-time? }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileEntry {
    /// Absolute URL; for a file of a `find-links` source inside the project,
    /// a path relative to the lock's directory (`/` separators, a relative
    /// reference in RFC 3986 terms).
    pub url: String,
    /// The file's hash (the `sha256` key), validated hex.
    #[serde(
        rename = "sha256",
        deserialize_with = "strict::sha256",
        serialize_with = "strict::ser_hash"
    )]
    pub hash: FileHash,
    /// Size in bytes, when the index said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Upload time (PEP 700), when the index said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_time: Option<String>,
}

impl FileEntry {
    /// The filename: the last path segment of the URL.
    pub fn filename(&self) -> &str {
        self.url.rsplit('/').next().unwrap_or(&self.url)
    }

    /// The sha256 digest in hex, as the lock gives it.
    pub fn sha256(&self) -> &str {
        self.hash.digest()
    }
}

/// One `[[package]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LockedPackage {
    /// Normalized name.
    #[serde(deserialize_with = "strict::name")]
    pub name: PackageName,
    /// The pinned version.
    #[serde(
        deserialize_with = "strict::version",
        serialize_with = "strict::ser_version"
    )]
    pub version: Version,
    /// Where it comes from.
    pub source: Source,
    /// For a name locked at several versions: the environments in which
    /// this version is the one (a forked resolution); `true` (absent from
    /// the file) otherwise.
    #[serde(
        default = "strict::always",
        skip_serializing_if = "MarkerTree::is_true",
        deserialize_with = "strict::marker",
        serialize_with = "strict::ser_marker"
    )]
    pub resolution_marker: MarkerTree,
    /// Which of the project's groups need it (`main`, a group name, `extra:NAME`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Edges that hold without extras.
    #[serde(default)]
    pub dependencies: Vec<Dep>,
    /// Edges of each extra (for the project: its optional dependencies).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub optional_dependencies: BTreeMap<String, Vec<Dep>>,
    /// For the project only: edges of each dependency group.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dependency_groups: BTreeMap<String, Vec<Dep>>,
    /// For a local source tree (`path` or `editable` other than the
    /// project): its core metadata's `Requires-Dist`, normalized and sorted,
    /// as locked; the lock is stale when the tree's static metadata differs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_dist: Vec<String>,
    /// For a local source tree whose metadata only its build backend knows
    /// (dynamic): the sha256 of its build configuration (`pyproject.toml`,
    /// `setup.py`, `setup.cfg`) when locked; the lock is stale when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_inputs: Option<String>,
    /// The sdist of this version, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdist: Option<FileEntry>,
    /// Every wheel of this version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wheels: Vec<FileEntry>,
}

impl LockedPackage {
    /// Whether this is the project itself.
    pub fn is_project(&self) -> bool {
        self.source.editable.as_deref() == Some(".")
    }

    /// The source tree this package is built from (a `path` source
    /// without files, an `editable` one other than the project, or a `git`
    /// checkout), as written in the lock (for git, the lock's git string),
    /// with whether it is installed editable.
    pub fn source_tree(&self) -> Option<(&str, bool)> {
        if self.is_project() {
            return None;
        }
        if let Some(git) = &self.source.git {
            return Some((git.as_str(), false));
        }
        match (&self.source.path, &self.source.editable) {
            (Some(p), None) if self.sdist.is_none() && self.wheels.is_empty() => {
                Some((p.as_str(), false))
            }
            (None, Some(e)) => Some((e.as_str(), true)),
            _ => None,
        }
    }

    /// Whether this package comes from a direct reference (a `path`,
    /// `url`, `git` or non-project `editable` source), never from an index.
    pub fn is_direct(&self) -> bool {
        !self.is_project()
            && (self.source.path.is_some()
                || self.source.url.is_some()
                || self.source.git.is_some()
                || self.source.editable.is_some())
    }

    /// Every file (sdist first, then wheels).
    pub fn files(&self) -> impl Iterator<Item = &FileEntry> {
        self.sdist.iter().chain(&self.wheels)
    }

    /// Every edge: dependencies, then those of extras, then those of groups.
    pub fn edges(&self) -> impl Iterator<Item = &Dep> {
        self.dependencies
            .iter()
            .chain(self.optional_dependencies.values().flatten())
            .chain(self.dependency_groups.values().flatten())
    }
}

/// The whole lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Lock {
    /// Format version.
    pub version: u32,
    /// The project's `requires-python` when locked (PEP 440 specifiers,
    /// checked on read, kept as written).
    #[serde(deserialize_with = "strict::specifiers")]
    pub requires_python: String,
    /// Resolver options the lock was made with (`[options]`).
    #[serde(default)]
    pub options: ResolverOptions,
    /// What the project asked for.
    #[serde(default)]
    pub manifest: Manifest,
    /// The project first, then every distribution sorted by name.
    #[serde(default, rename = "package")]
    pub packages: Vec<LockedPackage>,
}

/// Which groups to install or export.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Include `[project] dependencies`.
    pub main: bool,
    /// Extras of the project to include.
    pub extras: Vec<String>,
    /// Dependency groups to include.
    pub groups: Vec<String>,
}

/// The serde rules for typed fields. A rejected value becomes a
/// `toml::de::Error` with the value's span, which `Lock::parse` turns into
/// `envy.lock:LINE:COL: message`.
mod strict {
    use super::*;
    use serde::de::Error as _;
    use serde::{Deserializer, Serializer};
    use std::str::FromStr;

    /// The default marker: always.
    pub(super) fn always() -> MarkerTree {
        MarkerTree::TRUE
    }

    pub(super) fn name<'de, D: Deserializer<'de>>(d: D) -> Result<PackageName, D::Error> {
        let s = String::deserialize(d)?;
        PackageName::from_str(&s).map_err(|e| {
            D::Error::custom(format!(
                "invalid package name `{}`: {e}",
                crate::types::shorten(&s, 60)
            ))
        })
    }

    fn parse_version<E: serde::de::Error>(s: &str) -> Result<Version, E> {
        Version::from_str(s).map_err(|e| {
            E::custom(format!(
                "invalid version `{}`: {e}",
                crate::types::shorten(s, 60)
            ))
        })
    }

    pub(super) fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        parse_version(&String::deserialize(d)?)
    }

    pub(super) fn opt_version<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Version>, D::Error> {
        parse_version(&String::deserialize(d)?).map(Some)
    }

    pub(super) fn marker<'de, D: Deserializer<'de>>(d: D) -> Result<MarkerTree, D::Error> {
        let s = String::deserialize(d)?;
        let shown = crate::types::shorten(&s, 60);
        crate::types::check_nesting(&s)
            .map_err(|e| D::Error::custom(format!("invalid marker `{shown}`: {e}")))?;
        MarkerTree::from_str(&s)
            .map_err(|e| D::Error::custom(format!("invalid marker `{shown}`: {}", e.message)))
    }

    pub(super) fn sha256<'de, D: Deserializer<'de>>(d: D) -> Result<FileHash, D::Error> {
        let s = String::deserialize(d)?;
        FileHash::sha256(&s).map_err(|e| {
            D::Error::custom(format!(
                "invalid sha256 `{}`: {e}",
                crate::types::shorten(&s, 80)
            ))
        })
    }

    pub(super) fn specifiers<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let s = String::deserialize(d)?;
        pep440_rs::VersionSpecifiers::from_str(&s).map_err(|e| {
            // The parser's own message, without its copy of the input.
            let e = e.to_string();
            let reason = e.lines().next().unwrap_or_default().trim_end_matches(':');
            D::Error::custom(format!(
                "invalid requires-python `{}`: {reason}",
                crate::types::shorten(&s, 60)
            ))
        })?;
        Ok(s)
    }

    pub(super) fn ser_version<S: Serializer>(v: &Version, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub(super) fn ser_opt_version<S: Serializer>(
        v: &Option<Version>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub(super) fn ser_marker<S: Serializer>(m: &MarkerTree, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&m.try_to_string().unwrap_or_default())
    }

    pub(super) fn ser_hash<S: Serializer>(h: &FileHash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(h.digest())
    }
}
