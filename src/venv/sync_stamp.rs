//! The no-op fast path of `envy sync` (and so of `envy run`): a stamp file,
//! `.venv/.envy-sync-stamp`, written after a successful sync, that lets the
//! next sync return without parsing `envy.lock` or reading every installed
//! distribution's metadata.
//!
//! The stamp holds one sha256 digest (hex) over everything a sync's result
//! depends on, plus the number of distributions the sync left installed:
//!
//! ```text
//! envy-sync-stamp 1
//! digest <64 hex digits>
//! kept <count>
//! ```
//!
//! The digest covers the bytes of `pyproject.toml` and `envy.lock` (content,
//! not modification times), the sync options and index settings, envy's
//! version, `.venv/pyvenv.cfg`, the request in the nearest `.python-version`,
//! and the sorted names of the `*.dist-info` directories in the venv's
//! site-packages (so `pip install` or `pip uninstall` into the venv
//! invalidates it). A sync that changes the venv
//! removes the stamp first, so an interrupted sync never leaves a stamp that
//! vouches for a half-changed venv.
//!
//! The sync options and index settings come in as text ([`StampInputs`]),
//! so this module knows nothing of `ops`; `ops::sync` decides when to
//! check, invalidate and record the stamp.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const STAMP: &str = ".envy-sync-stamp";
const HEADER: &str = "envy-sync-stamp 1";

/// What a sync's result depends on besides the files the stamp reads: the
/// sync options and the index settings, each as stable text (their `Debug`
/// form).
#[derive(Debug, Clone, Copy)]
pub struct StampInputs<'a> {
    /// The sync options (groups, extras, lock mode, interpreter request).
    pub options: &'a str,
    /// The index settings (URLs, find-links, offline).
    pub index: &'a str,
}

/// Where the stamp of the `.venv` in `project_root` lives.
fn stamp_path(project_root: &Path) -> PathBuf {
    project_root.join(".venv").join(STAMP)
}

/// The site-packages directory of the venv at `venv`, read from its layout
/// (`lib/pythonX.Y/site-packages` on POSIX, `Lib/site-packages` on Windows).
fn site_packages(venv: &Path) -> Option<PathBuf> {
    let win = venv.join("Lib").join("site-packages");
    if win.is_dir() {
        return Some(win);
    }
    fs_err::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
}

/// The digest described in the module docs, or `None` when an input is
/// missing (no lock, no venv, no interpreter): then there is nothing to vouch for.
fn digest(project_root: &Path, inputs: &StampInputs<'_>) -> Option<String> {
    let venv = project_root.join(".venv");
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    // Follows the symlink: a removed or moved base interpreter fails here.
    if !python.is_file() {
        return None;
    }
    let mut h = Sha256::new();
    let mut part = |label: &str, bytes: &[u8]| {
        h.update(label.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part("envy", env!("CARGO_PKG_VERSION").as_bytes());
    part(
        "pyproject",
        &fs_err::read(project_root.join("pyproject.toml")).ok()?,
    );
    part("lock", &fs_err::read(project_root.join("envy.lock")).ok()?);
    part("options", inputs.options.as_bytes());
    part("index", inputs.index.as_bytes());
    part("pyvenv", &fs_err::read(venv.join("pyvenv.cfg")).ok()?);
    // `envy python pin` (or editing the file) may ask for another interpreter
    let pin = super::python_version_request(project_root).ok()?;
    part(
        "python-version",
        pin.map(|(_, r)| r).unwrap_or_default().as_bytes(),
    );
    let mut dists: Vec<String> = fs_err::read_dir(site_packages(&venv)?)
        .ok()?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".dist-info"))
        .collect();
    dists.sort();
    part("dists", dists.join("\n").as_bytes());
    Some(hex::encode(h.finalize()))
}

/// When the stamp of the project at `project_root` vouches that a sync with
/// `inputs` would change nothing, the number of distributions installed;
/// `None` otherwise (do a real sync).
pub fn up_to_date(project_root: &Path, inputs: &StampInputs<'_>) -> Option<usize> {
    let text = fs_err::read_to_string(stamp_path(project_root)).ok()?;
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let recorded = lines.next()?.strip_prefix("digest ")?;
    let kept: usize = lines.next()?.strip_prefix("kept ")?.parse().ok()?;
    (digest(project_root, inputs)? == recorded).then_some(kept)
}

/// Remove the stamp before a sync that may change the venv (best effort).
pub fn invalidate(project_root: &Path) {
    let _ = std::fs::remove_file(stamp_path(project_root));
}

/// Record a successful sync that left `kept` distributions installed (best
/// effort: without a stamp the next sync simply does the full check).
pub fn record(project_root: &Path, inputs: &StampInputs<'_>, kept: usize) {
    if let Some(d) = digest(project_root, inputs) {
        let text = format!("{HEADER}\ndigest {d}\nkept {kept}\n");
        let _ = crate::util::write_atomic(&stamp_path(project_root), text.as_bytes());
    }
}
