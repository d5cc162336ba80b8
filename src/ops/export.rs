//! `envy export`: write `requirements.txt` (or the app/dev split) from the lock.

use super::sync::{ensure_lock, LockMode, SyncOptions};
use super::{status, write_atomic, Error, Result, Settings};
use crate::export::requirements::{render, RequirementsOptions};
use std::path::PathBuf;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// pip's requirements format, with hashes.
    #[default]
    #[value(name = "requirements.txt")]
    RequirementsTxt,
}

/// Options of `envy export`.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// How much to trust the lock.
    pub mode: LockMode,
    /// The format.
    pub format: Format,
    /// Which groups (as for `sync`).
    pub groups: SyncOptions,
    /// Only the `dev` group.
    pub only_dev: bool,
    /// Leave out hashes.
    pub no_hashes: bool,
    /// Write here instead of stdout.
    pub output: Option<PathBuf>,
    /// Write the app/dev/all trio into this directory.
    pub split: Option<PathBuf>,
}

/// `envy export`. Returns the text when it goes to stdout.
///
/// # Errors
/// Lock errors; I/O errors writing the output.
pub fn export(settings: &Settings, opts: &ExportOptions) -> Result<Option<String>> {
    let project = settings.project()?;
    let lock = ensure_lock(settings, &project, opts.mode)?;
    let mut groups = opts.groups.clone();
    if opts.only_dev {
        groups.only_groups = vec!["dev".to_string()];
    }
    let selection = groups.selection(&lock);
    let base = RequirementsOptions {
        no_hashes: opts.no_hashes,
        ..Default::default()
    };
    if let Some(dir) = &opts.split {
        let dir = settings.project_dir.join(dir);
        fs_err::create_dir_all(&dir)?;
        let app_sel = SyncOptions {
            no_dev: true,
            ..groups.clone()
        }
        .selection(&lock);
        let app = render(&lock, &app_sel, &base);
        let app_names = lock.needed(&app_sel).into_keys().collect();
        let dev = render(
            &lock,
            &selection,
            &RequirementsOptions {
                exclude: app_names,
                preamble: vec!["-r requirements-app.txt".to_string()],
                ..base.clone()
            },
        );
        let all = render(&lock, &selection, &base);
        for (name, text) in [
            ("requirements-app.txt", app),
            ("requirements-dev.txt", dev),
            ("requirements.txt", all),
        ] {
            write_atomic(&dir.join(name), text.as_bytes())?;
        }
        status(
            settings,
            format!(
                "Wrote requirements-app.txt, requirements-dev.txt and requirements.txt to {}",
                dir.display()
            ),
        );
        return Ok(None);
    }
    let text = render(&lock, &selection, &base);
    match &opts.output {
        Some(path) => {
            let path = settings.project_dir.join(path);
            if fs_err::read_to_string(&path).is_ok_and(|old| old == text) {
                return Ok(None);
            }
            write_atomic(&path, text.as_bytes()).map_err(|e| Error::new(e.to_string()))?;
            status(settings, format!("Wrote {}", path.display()));
            Ok(None)
        }
        None => Ok(Some(text)),
    }
}
