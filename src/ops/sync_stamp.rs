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
//! version, `.venv/pyvenv.cfg`, and the sorted names of the `*.dist-info`
//! directories in the venv's site-packages (so `pip install` or `pip
//! uninstall` into the venv invalidates it). A sync that changes the venv
//! removes the stamp first, so an interrupted sync never leaves a stamp that
//! vouches for a half-changed venv.

use super::sync::SyncOptions;
use super::Settings;
use crate::project::Project;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const STAMP: &str = ".envy-sync-stamp";
const HEADER: &str = "envy-sync-stamp 1";

/// Where the stamp of `project`'s `.venv` lives.
fn stamp_path(project: &Project) -> PathBuf {
    project.root.join(".venv").join(STAMP)
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
fn digest(settings: &Settings, project: &Project, opts: &SyncOptions) -> Option<String> {
    let venv = project.root.join(".venv");
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
        &fs_err::read(project.root.join("pyproject.toml")).ok()?,
    );
    part("lock", &fs_err::read(project.root.join("envy.lock")).ok()?);
    part("options", format!("{opts:?}").as_bytes());
    part("index", format!("{:?}", settings.index).as_bytes());
    part("pyvenv", &fs_err::read(venv.join("pyvenv.cfg")).ok()?);
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

/// When the stamp vouches that a sync with `opts` would change nothing,
/// the number of distributions installed; `None` otherwise (do a real sync).
pub(crate) fn up_to_date(
    settings: &Settings,
    project: &Project,
    opts: &SyncOptions,
) -> Option<usize> {
    let text = fs_err::read_to_string(stamp_path(project)).ok()?;
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let recorded = lines.next()?.strip_prefix("digest ")?;
    let kept: usize = lines.next()?.strip_prefix("kept ")?.parse().ok()?;
    (digest(settings, project, opts)? == recorded).then_some(kept)
}

/// Remove the stamp before a sync that may change the venv (best effort).
pub(crate) fn invalidate(project: &Project) {
    let _ = std::fs::remove_file(stamp_path(project));
}

/// Record a successful sync that left `kept` distributions installed (best
/// effort: without a stamp the next sync simply does the full check).
pub(crate) fn record(settings: &Settings, project: &Project, opts: &SyncOptions, kept: usize) {
    if let Some(d) = digest(settings, project, opts) {
        let text = format!("{HEADER}\ndigest {d}\nkept {kept}\n");
        let _ = super::write_atomic(&stamp_path(project), text.as_bytes());
    }
}
