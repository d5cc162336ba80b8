//! The wheel installer: the binary distribution format (PEP 427/491), PEP 376 `RECORD`
//! and `INSTALLER`/`REQUESTED`, PEP 610 `direct_url.json`, entry-point scripts, editable
//! installs via `.pth` files, and uninstall by `RECORD`.

mod editable;
mod link;
pub mod plan;
mod record;
mod scripts;
mod stamp;
mod uninstall;
mod unpacked;
mod verify;
mod wheel;

pub use editable::{
    install_editable, installed_direct_url, record_direct_url, record_editable_origin,
    EditableProject,
};
pub use uninstall::uninstall;
pub use unpacked::{install_wheel_cached, link_unpacked, unpack_to_cache, verified_unpacked};
pub use verify::{verify_site_packages, FileReport};
pub use wheel::install_wheel;

use crate::venv::{InstalledDist, Venv, VenvError};
use pep508_rs::PackageName;
use std::path::PathBuf;

/// Options shared by every install.
#[derive(Debug, Clone, Copy)]
pub struct InstallOptions<'a> {
    /// Written to `INSTALLER` (PEP 376), e.g. `"envy"`.
    pub installer: &'a str,
    /// Write an empty `REQUESTED` file (PEP 376): the user asked for this distribution
    /// directly rather than it being a dependency.
    pub requested: bool,
}

impl Default for InstallOptions<'_> {
    fn default() -> Self {
        InstallOptions {
            installer: "envy",
            requested: false,
        }
    }
}

/// Errors from installing or uninstalling distributions. Messages name the file.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// The wheel is not a readable zip archive.
    #[error("failed to read wheel `{}`: {source}", wheel.display())]
    Zip {
        /// The wheel file.
        wheel: PathBuf,
        /// The zip error.
        #[source]
        source: zip::result::ZipError,
    },
    /// The wheel does not follow the binary distribution format.
    #[error("invalid wheel `{}`: {reason}", wheel.display())]
    InvalidWheel {
        /// The wheel file.
        wheel: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An archive entry that would write outside its target or is otherwise unsafe.
    #[error("refusing to install `{}`: entry `{entry}` {reason}", wheel.display())]
    UnsafeEntry {
        /// The wheel file.
        wheel: PathBuf,
        /// The entry name as stored in the archive.
        entry: String,
        /// Why it is refused.
        reason: String,
    },
    /// A file's content does not match the hash (or size) its wheel's `RECORD` lists.
    #[error("refusing to install `{}`: `{entry}` does not match its RECORD entry (expected {expected}, got {actual})", wheel.display())]
    HashMismatch {
        /// The wheel file.
        wheel: PathBuf,
        /// The entry name.
        entry: String,
        /// What `RECORD` says.
        expected: String,
        /// What the content is.
        actual: String,
    },
    /// A `RECORD` (installed or in a wheel) that cannot be used.
    #[error("invalid RECORD `{}`: {reason}", path.display())]
    Record {
        /// The RECORD file (or wheel).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An entry point (console/gui script) that cannot be turned into a script.
    #[error("invalid entry point in `{}`: {reason}", path.display())]
    EntryPoint {
        /// Where it was declared.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Venv errors (e.g. listing installed distributions).
    #[error(transparent)]
    Venv(#[from] VenvError),
    /// Filesystem error (the message names the file).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The installed distributions named `name` (normally zero or one), found by the
/// `.dist-info` directory names so only matching `METADATA` files are read
/// ([`crate::venv::SitePackages::read_named`]).
pub(crate) fn installed_named(
    venv: &Venv,
    name: &PackageName,
) -> Result<Vec<InstalledDist>, InstallError> {
    Ok(crate::venv::SitePackages::read_named(venv, name)?.into_distributions())
}

#[cfg(test)]
mod tests;

/// Install a wheel into a plain directory, as `pip install --target DIR` does:
/// purelib/platlib files (and the `.dist-info`) go to `target`, `.data/scripts` to
/// `target/bin` (shebangs pointing at `python`), `.data/headers` to
/// `target/include/site/pythonX.Y/NAME`, `.data/data` to `target`. `interpreter` is
/// the one the directory is for (it may describe another machine).
///
/// # Errors
/// As [`install_wheel`].
pub fn install_wheel_into_dir(
    target: &std::path::Path,
    interpreter: &crate::venv::Interpreter,
    python: &std::path::Path,
    wheel_path: &std::path::Path,
    filename: &crate::types::WheelFilename,
    opts: &InstallOptions,
) -> Result<crate::venv::InstalledDist, InstallError> {
    let layout = crate::venv::Venv {
        root: target.to_path_buf(),
        bin: target.join("bin"),
        python: python.to_path_buf(),
        site_packages: target.to_path_buf(),
        interpreter: interpreter.clone(),
    };
    install_wheel(&layout, wheel_path, filename, opts)
}
