//! The simple repository API client (PEP 503 HTML, PEP 691 JSON), core
//! metadata fetching (PEP 658/714 `.metadata` files, else the distribution
//! itself), verified downloads, and the on-disk cache.
//!
//! This is the only module that does HTTP. It is thread-safe: the resolver
//! prefetches pages and metadata from a pool of threads while it solves, and
//! concurrent requests for the same page or file are made once.
//!
//! Files: `types.rs` (what a page lists), `errors.rs` ([`IndexError`]),
//! `configuration.rs` (which indexes, in what order, with which credentials),
//! `client.rs` (HTTP: retries, deadlines, bodies), `pages.rs` (project pages
//! and `--find-links`), `metadata.rs` (core metadata of a version),
//! `downloads.rs` (verified distribution files), `cache.rs` (the on-disk
//! layout), `simple.rs` (page parsers), `sdist.rs` (PKG-INFO), `auth.rs`,
//! `dns.rs`, `partial.rs` and `source.rs` (the resolver's seam).

pub mod auth;
pub mod cache;
mod client;
mod configuration;
pub mod dns;
mod downloads;
mod errors;
mod metadata;
mod pages;
mod partial;
mod remote_zip;
pub mod sdist;
pub mod simple;
mod source;
mod types;

pub use client::Client;
pub use configuration::{IndexConfig, NamedIndex};
pub use downloads::verify_cached_file;
pub use errors::IndexError;
pub use metadata::{check_cached_metadata, read_wheel_metadata};
pub use source::PackageIndex;
pub use types::{IndexFile, ProjectPage};

use crate::types::hash::sha256_bytes;

/// The `index` of a project page (and its files) that only `--find-links`
/// directories served.
pub const FIND_LINKS: &str = "find-links";

/// The default index: PyPI's simple API.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple";

/// Remove `user:password@` from a URL for display and for the lock (the one
/// redaction function, [`crate::types::redact_url`]).
pub use crate::types::redact_url as redact;

/// sha256 of `bytes` (re-exported for callers that hash small payloads).
pub fn hash_bytes(bytes: &[u8]) -> String {
    sha256_bytes(bytes)
}
