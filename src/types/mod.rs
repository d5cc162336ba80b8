//! Pure data shared by every module: distribution filenames and wheel
//! compatibility tags, hashes, and core metadata.
//!
//! Nothing here does I/O.

pub mod filename;
pub mod hash;
pub mod metadata;

pub use filename::{DistFilename, SdistFilename, WheelFilename};
pub use hash::Sha256Hex;
pub use pep440_rs::{Version, VersionSpecifiers};
pub use pep508_rs::{ExtraName, MarkerTree, PackageName, Requirement};
