//! A reader for `envy.lock` that tests use to check what was locked.

use std::collections::BTreeSet;

use super::normalize_name;

// ---------------------------------------------------------------------------
// envy.lock reader
// ---------------------------------------------------------------------------

/// One `dependencies = [{ name, marker?, extras? }]` entry of a lock package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedDep {
    pub name: String,
    pub marker: Option<String>,
    pub extras: Vec<String>,
}

/// One `{ url, sha256, size }` file entry of a lock package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedFile {
    pub url: String,
    pub sha256: String,
    pub size: Option<u64>,
}

impl LockedFile {
    /// The last path segment of the URL (without fragment).
    pub fn filename(&self) -> String {
        let url = self.url.split('#').next().unwrap();
        url.rsplit('/').next().unwrap().to_string()
    }
}

/// A parsed `envy.lock`.
#[derive(Debug, Clone)]
pub struct Lock {
    pub raw: String,
    pub doc: toml::Table,
}

impl Lock {
    pub fn parse(raw: &str) -> Lock {
        let doc: toml::Table = toml::from_str(raw)
            .unwrap_or_else(|e| panic!("envy.lock is not valid TOML: {e}\n{raw}"));
        Lock {
            raw: raw.to_string(),
            doc,
        }
    }

    pub fn packages(&self) -> Vec<&toml::Table> {
        self.doc
            .get("package")
            .and_then(|p| p.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_table()).collect())
            .unwrap_or_default()
    }

    /// All entries with this (normalized) name.
    pub fn packages_named(&self, name: &str) -> Vec<&toml::Table> {
        let norm = normalize_name(name);
        self.packages()
            .into_iter()
            .filter(|p| {
                p.get("name")
                    .and_then(|n| n.as_str())
                    .is_some_and(|n| normalize_name(n) == norm)
            })
            .collect()
    }

    pub fn package(&self, name: &str) -> Option<&toml::Table> {
        self.packages_named(name).into_iter().next()
    }

    #[track_caller]
    pub fn expect_package(&self, name: &str) -> &toml::Table {
        self.package(name)
            .unwrap_or_else(|| panic!("{name} is not in envy.lock:\n{}", self.raw))
    }

    pub fn has(&self, name: &str) -> bool {
        self.package(name).is_some()
    }

    pub fn version(&self, name: &str) -> Option<String> {
        self.package(name)?
            .get("version")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }

    /// Normalized names of all locked packages.
    pub fn names(&self) -> BTreeSet<String> {
        self.packages()
            .iter()
            .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
            .map(normalize_name)
            .collect()
    }

    /// Normalized names of locked packages that come from an index or files
    /// (the project itself, with an editable/directory source, is left out).
    pub fn registry_names(&self) -> BTreeSet<String> {
        self.packages()
            .iter()
            .filter(|p| p.contains_key("wheels") || p.contains_key("sdist"))
            .filter_map(|p| p.get("name").and_then(|n| n.as_str()))
            .map(normalize_name)
            .collect()
    }

    pub fn wheels(&self, name: &str) -> Vec<LockedFile> {
        self.package(name)
            .and_then(|p| p.get("wheels"))
            .and_then(|w| w.as_array())
            .map(|a| a.iter().filter_map(locked_file).collect())
            .unwrap_or_default()
    }

    pub fn sdist(&self, name: &str) -> Option<LockedFile> {
        locked_file(self.package(name)?.get("sdist")?)
    }

    pub fn dependencies(&self, name: &str) -> Vec<LockedDep> {
        let Some(deps) = self
            .package(name)
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
        else {
            return Vec::new();
        };
        deps.iter()
            .filter_map(|d| d.as_table())
            .map(|d| LockedDep {
                name: d
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_string(),
                marker: d.get("marker").and_then(|m| m.as_str()).map(str::to_string),
                extras: d
                    .get("extras")
                    .and_then(|e| e.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }
}

fn locked_file(v: &toml::Value) -> Option<LockedFile> {
    let t = v.as_table()?;
    Some(LockedFile {
        url: t
            .get("url")
            .or_else(|| t.get("path"))
            .and_then(|u| u.as_str())
            .unwrap_or_default()
            .to_string(),
        sha256: t
            .get("sha256")
            .or_else(|| t.get("hash"))
            .and_then(|h| h.as_str())
            .unwrap_or_default()
            .trim_start_matches("sha256:")
            .to_string(),
        size: t.get("size").and_then(|s| s.as_integer()).map(|s| s as u64),
    })
}

/// The `[[package]]` table of `name` in the lock text.
pub fn package_table(lock: &str, name: &str) -> String {
    let start = lock
        .find(&format!("[[package]]\nname = \"{name}\"\n"))
        .unwrap_or_else(|| panic!("{name} not in the lock:\n{lock}"));
    let rest = &lock[start..];
    let end = rest[1..]
        .find("\n[[package]]")
        .map_or(rest.len(), |e| e + 1);
    rest[..end].trim_end().to_string()
}
