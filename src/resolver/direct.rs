//! Direct references in the resolver: a package named by one (a local path,
//! a `file:` or remote archive) has exactly the version its core metadata
//! gives ([`super::ResolverInput::direct`]), and no index is ever asked about
//! its name: [`NoIndexFor`] stands between the resolver (solver, prefetcher,
//! failure notes) and the index, so a public package of the same name can
//! neither win nor be fetched (dependency confusion).

use crate::index::{IndexError, IndexFile, PackageIndex, ProjectPage};
use crate::types::metadata::CoreMetadata;
use pep440_rs::Version;
use pep508_rs::PackageName;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// A [`PackageIndex`] that answers "not found" for `names` without asking
/// `inner`, and passes every other question through.
pub(super) struct NoIndexFor {
    /// The index asked for every other name.
    pub(super) inner: Arc<dyn PackageIndex>,
    /// The names that come from direct references.
    pub(super) names: BTreeSet<PackageName>,
}

impl NoIndexFor {
    fn refused(&self, name: &PackageName) -> IndexError {
        IndexError::NotFound {
            name: name.to_string(),
            indexes: "none: it comes from a direct reference".to_string(),
        }
    }
}

impl PackageIndex for NoIndexFor {
    fn project(&self, name: &PackageName) -> Result<Arc<ProjectPage>, IndexError> {
        if self.names.contains(name) {
            return Err(self.refused(name));
        }
        self.inner.project(name)
    }

    fn metadata(
        &self,
        page: &ProjectPage,
        version: &Version,
    ) -> Result<Arc<CoreMetadata>, IndexError> {
        if self.names.contains(&page.name) {
            return Err(self.refused(&page.name));
        }
        self.inner.metadata(page, version)
    }

    fn download(&self, file: &IndexFile) -> Result<PathBuf, IndexError> {
        self.inner.download(file)
    }

    fn background_cancelled(&self) -> bool {
        self.inner.background_cancelled()
    }

    fn set_background_cancelled(&self, cancelled: bool) {
        self.inner.set_background_cancelled(cancelled)
    }
}
