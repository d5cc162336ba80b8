//! [`ExportError`]: why an export or bundle could not be written. The hints
//! for each kind are in `cli::diagnostics`.

use std::path::PathBuf;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Some locked packages have no wheel for the bundle's target
    /// (`missing`: one description per package).
    #[error("no wheel for {target} for {}", .missing.join(", "))]
    NoWheel {
        /// The target, as the user named it (e.g. `CPython 3.12 on win_amd64`).
        target: String,
        /// `` `name==version` (why) `` for each package without a wheel.
        missing: Vec<String>,
        /// Whether some of them have an sdist that cannot be built for a
        /// foreign target.
        sdist_not_buildable: bool,
    },
    /// The output path is a file.
    #[error("`{}` exists and is not a directory", .path.display())]
    NotADirectory {
        /// The `-o` path.
        path: PathBuf,
    },
    /// The output directory holds files envy did not write.
    #[error("`{}` is not empty and was not written by `envy export`", .path.display())]
    NotOurs {
        /// The `-o` path.
        path: PathBuf,
    },
    /// The project's importable package or module is not where envy looks.
    #[error("cannot find the source of project `{name}`: looked for `src/{pkg}/`, `src/{pkg}.py`, `{pkg}/` and `{pkg}.py`")]
    NoProjectSource {
        /// The project name.
        name: String,
        /// Its import name.
        pkg: String,
    },
    /// The project's version is dynamic (PEP 621), so envy cannot write its wheel.
    #[error(
        "the project's version is dynamic; envy cannot build its wheel without its build backend"
    )]
    DynamicVersion,
    /// `--python-platform` is not a wheel platform tag envy knows.
    #[error("unknown `--python-platform` `{0}`")]
    UnknownPlatform(String),
    /// `--python-version` is not `3.Y` or `3.Y.Z`.
    #[error("invalid `--python-version` `{0}`")]
    InvalidPythonVersion(String),
    /// The marker environment of the target could not be built.
    #[error("invalid target environment: {0}")]
    InvalidTarget(String),
    /// The target's Python version is not a PEP 440 version.
    #[error(transparent)]
    InvalidVersion(#[from] pep440_rs::VersionParseError),
    /// `--entry-point` is not `module:function` or `module`.
    #[error("invalid entry point `{0}`")]
    InvalidEntryPoint(String),
    /// A `-e module:function` whose module is not in the zipapp.
    #[error("the entry point `{entry}`: no module `{module}` in the bundle (the project's package or a locked distribution)")]
    EntryPointModule {
        /// The entry point as given.
        entry: String,
        /// The module it names.
        module: String,
    },
    /// A `-e module:function` whose module does not define the function.
    #[error("the entry point `{entry}`: module `{module}` does not define `{function}`")]
    EntryPointFunction {
        /// The entry point as given.
        entry: String,
        /// The module it names.
        module: String,
        /// The name the module does not bind.
        function: String,
    },
    /// `--script NAME` names no console script of the project or of a bundled
    /// distribution (`available`: the ones that exist, sorted).
    #[error("no console script `{name}` in the project's `[project.scripts]` or in the bundled distributions")]
    NoScript {
        /// The name asked for.
        name: String,
        /// The scripts there are.
        available: Vec<String>,
    },
    /// A wheel that cannot go into a zipapp as it is.
    #[error("invalid wheel `{filename}`: {reason}")]
    InvalidWheel {
        /// The wheel's filename.
        filename: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Two distributions of a zipapp ship the same file.
    #[error("`{name}` is in both {first} and `{second}`")]
    ZipappConflict {
        /// The file's path in the archive.
        name: String,
        /// Who shipped it first (`the project` or a wheel filename in backticks).
        first: String,
        /// The wheel that ships it again.
        second: String,
    },
    /// Writing a zip archive failed (`what`: `zipapp` or `project wheel`).
    #[error("cannot write the {what}: {source}")]
    Zip {
        /// What was being written.
        what: &'static str,
        /// The zip writer's error.
        source: zip::result::ZipError,
    },
    /// An interpreter (for byte-compiling a zipapp) could not be started.
    #[error("cannot run {}: {source}", .python.display())]
    Run {
        /// The interpreter.
        python: PathBuf,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// Installing a wheel into the vendor directory failed.
    #[error(transparent)]
    Install(#[from] crate::install::InstallError),
    /// Walking the project's source tree failed.
    #[error(transparent)]
    Walk(#[from] walkdir::Error),
    /// A source file outside the tree it was found in.
    #[error(transparent)]
    StripPrefix(#[from] std::path::StripPrefixError),
    /// Reading or writing a file (fs-err names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The result type of the exporters.
pub type Result<T> = std::result::Result<T, ExportError>;
