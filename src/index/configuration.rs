//! Which indexes to ask, in what order, with which credentials:
//! [`IndexConfig`] as the user gives it and `ResolvedIndex` as the client uses it.

use super::auth;
use super::{redact, PYPI_SIMPLE};
use std::collections::BTreeMap;
use std::path::PathBuf;
use url::Url;

/// One `[[tool.envy.index]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedIndex {
    /// The name, used by `[tool.envy.sources]` and in credential variables.
    pub name: String,
    /// The simple API URL (may carry `user:password@`).
    pub url: String,
    /// Replaces PyPI as the default index.
    pub default: bool,
    /// Only used for packages pinned to it in `[tool.envy.sources]`.
    pub explicit: bool,
}

/// Where to look for distributions and how.
///
/// Index order for a package that is not pinned (uv's "first index"
/// strategy: the first index that lists a name is the only one used for it):
/// the non-explicit, non-default `[[tool.envy.index]]` entries in file
/// order, then the default index (`--index-url`, else an entry with
/// `default = true`, else PyPI), then `--extra-index-url`s. A package pinned
/// in `[tool.envy.sources]` is looked up on its index only, so a public
/// package of the same name can never replace it (dependency confusion).
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// The primary simple index URL.
    pub index_url: String,
    /// Further simple indexes, asked in order after the primary one.
    pub extra_index_urls: Vec<String>,
    /// Named indexes from `[[tool.envy.index]]`, in file order.
    pub indexes: Vec<NamedIndex>,
    /// Packages pinned to a named index (`[tool.envy.sources]`), by
    /// normalized package name.
    pub sources: BTreeMap<String, String>,
    /// Local directories of distribution files (like pip's `--find-links`).
    pub find_links: Vec<PathBuf>,
    /// Never use the network.
    pub offline: bool,
    /// Ask no index (`--no-index`): packages come from the `find_links`
    /// directories only, and files from those directories or the cache.
    pub no_index: bool,
    /// The directory a locked file URL without a scheme is relative to (the
    /// project's: `find-links` files inside it are locked by relative path).
    pub base_dir: Option<PathBuf>,
}

impl Default for IndexConfig {
    fn default() -> Self {
        Self {
            index_url: PYPI_SIMPLE.to_string(),
            extra_index_urls: Vec::new(),
            indexes: Vec::new(),
            sources: BTreeMap::new(),
            find_links: Vec::new(),
            offline: false,
            no_index: false,
            base_dir: None,
        }
    }
}

/// An index as the client uses it: display URL without credentials, and the
/// credentials found for it.
#[derive(Debug, Clone)]
pub(super) struct ResolvedIndex {
    pub(super) name: Option<String>,
    /// The URL without userinfo (what is shown, cached and locked).
    pub(super) url: String,
    pub(super) explicit: bool,
    pub(super) credentials: Option<auth::Found>,
}

impl ResolvedIndex {
    fn new(name: Option<&str>, url: &str, explicit: bool) -> Self {
        let parsed = Url::parse(url).ok();
        let credentials = auth::for_index(name, parsed.as_ref());
        Self {
            name: name.map(str::to_string),
            url: redact(url),
            explicit,
            credentials,
        }
    }
}

impl IndexConfig {
    /// The default index URL: `--index-url` when it is not PyPI, else the
    /// `[[tool.envy.index]]` entry marked `default = true`, else PyPI.
    pub fn default_index(&self) -> &str {
        if self.index_url == PYPI_SIMPLE {
            if let Some(d) = self.indexes.iter().find(|i| i.default) {
                return &d.url;
            }
        }
        &self.index_url
    }

    pub(super) fn resolve(&self) -> Vec<ResolvedIndex> {
        if self.no_index {
            return Vec::new();
        }
        let default_url = self.default_index().to_string();
        let mut out: Vec<ResolvedIndex> = Vec::new();
        for i in &self.indexes {
            if i.default && i.url == default_url {
                continue;
            }
            out.push(ResolvedIndex::new(
                Some(&i.name),
                &i.url,
                i.explicit || i.default,
            ));
        }
        let default_name = self
            .indexes
            .iter()
            .find(|i| i.default && i.url == default_url)
            .map(|i| i.name.as_str());
        out.push(ResolvedIndex::new(default_name, &default_url, false));
        for u in &self.extra_index_urls {
            out.push(ResolvedIndex::new(None, u, false));
        }
        out
    }
}
