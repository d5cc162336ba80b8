//! Pure conversions for `envy init` in an existing project: Poetry's
//! `[tool.poetry]` tables to PEP 621 / PEP 735, Poetry version constraints
//! to PEP 440, `requirements.txt` files to requirement lists, and a
//! setuptools project's core metadata to `[project]`.
//!
//! Nothing here touches the file system: files are read through a callback
//! so the conversions can be tested on strings.
//!
//! - [`constraint`]: Poetry version constraints to PEP 440 specifiers.
//! - [`poetry`]: `[tool.poetry]` to PEP 621 `[project]` and PEP 735 groups.
//! - [`requirements`]: `requirements.txt` files (with `-r`/`-c` includes) to requirement lists.
//! - [`setuptools`]: a setuptools project's core metadata to PEP 621 `[project]`.

pub mod constraint;
pub mod poetry;
pub mod requirements;
pub mod setuptools;

pub use constraint::translate_constraint;
pub use poetry::{
    convert_dependency, convert_poetry, poetry_state, Converted, PoetryDep, PoetryState,
};
pub use requirements::{read_requirements, requirements_pyproject, RequirementsFile};
pub use setuptools::{setuptools_pyproject, SetuptoolsImport};

/// A project that cannot be converted.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MigrateError(pub String);

/// `Err(MigrateError(message))`.
pub(crate) fn err<T>(message: impl Into<String>) -> Result<T, MigrateError> {
    Err(MigrateError(message.into()))
}
