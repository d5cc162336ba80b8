//! The seam between the resolver and an index: [`PackageIndex`] is what the
//! resolver asks of one (a project's page, a version's core metadata, an sdist
//! to read metadata from). [`Client`] implements it over HTTP and the cache;
//! the resolver's tests implement it in memory.

use super::{Client, IndexError, IndexFile, ProjectPage};
use crate::types::metadata::CoreMetadata;
use pep440_rs::Version;
use pep508_rs::PackageName;
use std::path::PathBuf;
use std::sync::Arc;

/// What the resolver asks of a package index (PEP 503/691 simple API and
/// PEP 658 core metadata, or anything that answers the same questions).
///
/// Implementations are shared by the solver thread and the prefetcher's pool,
/// so they are `Send + Sync` and answer repeated questions cheaply (memoized).
pub trait PackageIndex: Send + Sync {
    /// The project page of `name`: every file of every version, grouped by
    /// version in ascending order.
    ///
    /// # Errors
    /// [`IndexError::NotFound`] when no index lists the project; network,
    /// offline and parse errors otherwise.
    fn project(&self, name: &PackageName) -> Result<Arc<ProjectPage>, IndexError>;

    /// The core metadata (`METADATA`/`PKG-INFO`, the core metadata spec) of
    /// `page.name == version`.
    ///
    /// # Errors
    /// When no file of that version yields metadata.
    fn metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, IndexError>;

    /// A local path holding `file`'s bytes, hash-checked against the page's
    /// sha256 (used for sdists, whose metadata a build backend must read).
    ///
    /// # Errors
    /// Network, offline and hash-mismatch errors.
    fn download(&self, file: &IndexFile) -> Result<PathBuf, IndexError>;

    /// Whether speculative background fetches should stop (the resolution
    /// they were started for is over). Default: never.
    fn background_cancelled(&self) -> bool {
        false
    }

    /// Allow (`false`) or stop (`true`) speculative background fetches.
    /// Default: ignored.
    fn set_background_cancelled(&self, _cancelled: bool) {}
}

impl PackageIndex for Client {
    fn project(&self, name: &PackageName) -> Result<Arc<ProjectPage>, IndexError> {
        Client::project(self, name)
    }

    fn metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, IndexError> {
        Client::metadata(self, page, version)
    }

    fn download(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        Client::download(self, file)
    }

    fn background_cancelled(&self) -> bool {
        Client::background_cancelled(self)
    }

    fn set_background_cancelled(&self, cancelled: bool) {
        Client::set_background_cancelled(self, cancelled)
    }
}
