//! The `--json` documents of `sync`, `add`, `remove`, `export`, `version` and
//! `cache`: serde views over the outcomes `ops` returns, so the schemas live
//! in one place and stay stable (they are documented in `docs/json.md`; a
//! field may be added, never renamed or removed). `lock --json` is
//! [`crate::ops::lock::ChangeReport`], which the `lock` object of `add` and
//! `remove` embeds.

use crate::ops::add::EditOutcome;
use crate::ops::cache::Usage;
use crate::ops::export::ExportOutcome;
use crate::ops::lock::ChangeReport;
use crate::ops::sync::SyncOutcome;
use crate::ops::version::VersionOutcome;
use crate::project::edit::Target;
use serde::Serialize;
use std::path::PathBuf;

/// A distribution and its version.
#[derive(Debug, Serialize)]
pub(crate) struct Dist {
    /// The normalized name (PEP 503).
    name: String,
    /// The version.
    version: String,
}

fn dists(list: &[(String, String)]) -> Vec<Dist> {
    list.iter()
        .map(|(name, version)| Dist {
            name: name.clone(),
            version: version.clone(),
        })
        .collect()
}

/// Seconds, rounded to the millisecond.
fn seconds(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// How long a sync took, in seconds.
#[derive(Debug, Serialize)]
pub(crate) struct Timings {
    total_seconds: f64,
    prepare_seconds: f64,
    install_seconds: f64,
}

/// `envy sync --json`.
#[derive(Debug, Serialize)]
pub(crate) struct Sync {
    venv: PathBuf,
    installed: Vec<Dist>,
    removed: Vec<Dist>,
    kept: Vec<Dist>,
    timings: Timings,
}

impl Sync {
    pub(crate) fn new(o: &SyncOutcome) -> Self {
        Self {
            venv: o.venv.clone(),
            installed: dists(&o.installed),
            removed: dists(&o.removed),
            kept: dists(&o.kept_packages),
            timings: Timings {
                total_seconds: seconds(o.timings.total),
                prepare_seconds: seconds(o.timings.prepare),
                install_seconds: seconds(o.timings.install),
            },
        }
    }
}

/// The table an edit targets, as a dotted TOML path.
pub(crate) fn table(target: &Target) -> String {
    match target {
        Target::Dependencies => "project.dependencies".to_string(),
        Target::Optional(extra) => format!("project.optional-dependencies.{extra}"),
        Target::Group(group) => format!("dependency-groups.{group}"),
    }
}

/// One requirement `add` or `remove` changed.
#[derive(Debug, Serialize)]
pub(crate) struct Edit {
    name: String,
    before: Option<String>,
    after: Option<String>,
}

/// The lock part of `add --json` / `remove --json`.
#[derive(Debug, Serialize)]
pub(crate) struct LockChanges {
    written: bool,
    #[serde(flatten)]
    changes: ChangeReport,
}

/// `envy add --json` and `envy remove --json`.
#[derive(Debug, Serialize)]
pub(crate) struct EditReport {
    table: String,
    edits: Vec<Edit>,
    lock: LockChanges,
    sync: Option<Sync>,
}

impl EditReport {
    pub(crate) fn new(o: &EditOutcome) -> Self {
        Self {
            table: table(&o.target),
            edits: o
                .edits
                .iter()
                .map(|e| Edit {
                    name: e.name.clone(),
                    before: e.before.clone(),
                    after: e.after.clone(),
                })
                .collect(),
            lock: LockChanges {
                written: o.lock_written,
                changes: ChangeReport::new(&o.lock_changes),
            },
            sync: o.sync.as_ref().map(Sync::new),
        }
    }
}

/// A file `envy export` wrote.
#[derive(Debug, Serialize)]
pub(crate) struct File {
    path: PathBuf,
    sha256: String,
    size: u64,
}

/// `envy export --json`.
#[derive(Debug, Serialize)]
pub(crate) struct Export {
    format: String,
    files: Vec<File>,
    content: Option<String>,
}

impl Export {
    pub(crate) fn new(format: &str, o: &ExportOutcome) -> Self {
        Self {
            format: format.to_string(),
            files: o
                .files
                .iter()
                .map(|f| File {
                    path: f.path.clone(),
                    sha256: f.sha256.clone(),
                    size: f.size,
                })
                .collect(),
            content: o.text.clone(),
        }
    }
}

/// `envy version --json`.
#[derive(Debug, Serialize)]
pub(crate) struct Version {
    name: String,
    version: String,
    previous: Option<String>,
    lock_updated: bool,
}

impl Version {
    pub(crate) fn new(o: &VersionOutcome, bumped: bool) -> Self {
        Self {
            name: o.name.clone(),
            version: o.new.clone(),
            previous: bumped.then(|| o.old.clone()),
            lock_updated: o.lock_updated,
        }
    }
}

/// `envy cache dir|clean|prune --json`.
#[derive(Debug, Serialize)]
pub(crate) struct Cache {
    action: &'static str,
    path: PathBuf,
    files: u64,
    bytes: u64,
}

impl Cache {
    pub(crate) fn new(action: &'static str, path: PathBuf, u: &Usage) -> Self {
        Self {
            action,
            path,
            files: u.files,
            bytes: u.bytes,
        }
    }
}
