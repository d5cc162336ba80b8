//! envy: a Python environment and lockfile manager.
//!
//! A short tour, in the one direction imports go
//! (`cli -> ops -> {export, install} -> lock -> resolver -> index -> types`;
//! `project` and `venv` sit beside them and depend only on `types`):
//!
//! - [`cli`]: clap definitions, the printer, error and hint rendering.
//! - [`ops`]: one function per command; the only layer that reads and writes project files.
//! - [`project`]: `pyproject.toml` (PEP 621, PEP 735): a read model and in-place edits over toml_edit.
//! - [`types`]: pure data shared by all: wheel filenames and tags, hashes, core metadata.
//! - [`index`]: the simple-API client (PEP 503/691/658/714/592/700) and its on-disk cache.
//! - [`resolver`]: the PubGrub dependency provider and failure reports in words.
//! - [`lock`]: the `envy.lock` model, its deterministic TOML form, and freshness checks.
//! - [`venv`]: interpreter discovery and PEP 405 virtual environments.
//! - [`git`]: git dependencies: fetching into the cache, tag/branch/rev -> commit, checkouts.
//! - [`build`]: the PEP 517/518/660 build frontend (isolated build environments, backend hooks).
//! - [`source`]: direct references (local paths, `file:` and remote archives) -> core metadata and lock entries.
//! - [`install`]: install plans and the wheel installer (binary distribution format).
//! - [`export`]: renderers over a lock: `requirements.txt`.
//! - [`util`]: helpers every layer may use (atomic write, URL redaction, line/column).

pub mod build;
pub mod cli;
pub mod export;
pub mod git;
pub mod index;
pub mod install;
pub mod lock;
pub mod ops;
pub mod project;
pub mod resolver;
pub mod source;
pub mod types;
pub mod util;
pub mod venv;
