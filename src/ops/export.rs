//! `envy export`: write `requirements.txt` (or the app/dev split) or `pylock.toml`
//! from the lock, or build a bundle for one target interpreter: a wheelhouse, a
//! vendor directory or a zipapp (in `ops::bundle`).

use super::sync::{ensure_lock, LockMode, SyncOptions};
use super::{status, write_atomic, Error, Result, Settings};
use crate::export::requirements::{render, RequirementsOptions};
use std::path::{Path, PathBuf};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// pip's requirements format, with hashes.
    #[default]
    #[value(name = "requirements.txt")]
    RequirementsTxt,
    /// PEP 751 `pylock.toml`.
    #[value(name = "pylock.toml")]
    PylockToml,
    /// A directory of wheels for one target, with a hash-pinned `requirements.txt`.
    Wheelhouse,
    /// An importable directory (like `pip install --target`) with a bootstrap module.
    Vendor,
    /// A PEP 441 executable zip of the project and its dependencies.
    Zipapp,
}

impl Format {
    /// Whether this format is built for one target interpreter (app dependencies
    /// only by default).
    pub fn is_bundle(self) -> bool {
        matches!(self, Format::Wheelhouse | Format::Vendor | Format::Zipapp)
    }
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
    /// Bundles: the target Python version (`3.12`) instead of the local interpreter's.
    pub python_version: Option<String>,
    /// Bundles: the target platform tag (`manylinux_2_28_x86_64`, `macosx_11_0_arm64`,
    /// `win_amd64`) instead of this machine's.
    pub python_platform: Option<String>,
    /// Zipapp: `module:function` to run.
    pub entry_point: Option<String>,
    /// Zipapp: run this `[project.scripts]` entry.
    pub script: Option<String>,
    /// Zipapp: the interpreter line (default `/usr/bin/env python3`).
    pub python_shebang: Option<String>,
    /// Wheelhouse and vendor: leave the project's own wheel out.
    pub no_emit_project: bool,
    /// Hash every file a bundle wrote, for [`ExportOutcome::files`] (the text
    /// formats always report theirs: hashing them is free).
    pub report_files: bool,
}

/// A file `envy export` wrote, or found already up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    /// Its absolute path.
    pub path: PathBuf,
    /// The sha256 of its content (hex).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// What `envy export` produced.
#[derive(Debug, Clone, Default)]
pub struct ExportOutcome {
    /// The rendered text, when it goes to stdout (no `-o`, no `--split`).
    pub text: Option<String>,
    /// The files written (or already up to date), in a stable order: the
    /// `-o` file; the `--split` trio; every file of a bundle by path (only
    /// with [`ExportOptions::report_files`]).
    pub files: Vec<ExportedFile>,
}

impl ExportedFile {
    fn of_bytes(path: &Path, bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self {
            path: path.to_path_buf(),
            sha256: hex::encode(sha2::Sha256::digest(bytes)),
            size: bytes.len() as u64,
        }
    }

    /// Every file at `path` (one file, or a directory walked in path order).
    fn all_at(path: &Path) -> Result<Vec<Self>> {
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(path).sort_by_file_name() {
            let e = e.map_err(|e| Error::new(e.to_string()))?;
            if e.file_type().is_file() {
                out.push(Self::of_bytes(e.path(), &fs_err::read(e.path())?));
            }
        }
        Ok(out)
    }
}

/// `envy export`: the text when it goes to stdout, and the files written.
///
/// # Errors
/// Lock errors; I/O errors writing the output.
pub fn export(settings: &Settings, opts: &ExportOptions) -> Result<ExportOutcome> {
    let project = settings.project()?;
    let lock = ensure_lock(settings, &project, opts.mode)?;
    if opts.split.is_some() && opts.format != Format::RequirementsTxt {
        return Err(Error::new(
            "`--split` only works with `--format requirements.txt`",
        ));
    }
    if opts.format.is_bundle() {
        super::bundle::bundle(settings, &project, &lock, opts)?;
        let files = match (&opts.output, opts.report_files) {
            (Some(out), true) => ExportedFile::all_at(&settings.project_dir.join(out))?,
            _ => Vec::new(),
        };
        return Ok(ExportOutcome { text: None, files });
    }
    let mut groups = opts.groups.clone();
    if opts.only_dev {
        groups.only_groups = vec!["dev".to_string()];
    }
    let selection = groups.selection(&lock);
    let base = RequirementsOptions {
        no_hashes: opts.no_hashes,
        project_root: Some(project.root.clone()),
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
        let app_names = lock
            .needed(&app_sel)
            .into_keys()
            .map(|n| n.to_string())
            .collect();
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
        let mut files = Vec::new();
        for (name, text) in [
            ("requirements-app.txt", app),
            ("requirements-dev.txt", dev),
            ("requirements.txt", all),
        ] {
            write_atomic(&dir.join(name), text.as_bytes())?;
            files.push(ExportedFile::of_bytes(&dir.join(name), text.as_bytes()));
        }
        status(
            settings,
            format!(
                "Wrote requirements-app.txt, requirements-dev.txt and requirements.txt to {}",
                dir.display()
            ),
        );
        return Ok(ExportOutcome { text: None, files });
    }
    let text = match opts.format {
        Format::PylockToml => crate::export::pylock::render(&lock, &selection),
        _ => render(&lock, &selection, &base),
    };
    match &opts.output {
        Some(path) => {
            let path = settings.project_dir.join(path);
            let files = vec![ExportedFile::of_bytes(&path, text.as_bytes())];
            if fs_err::read_to_string(&path).is_ok_and(|old| old == text) {
                return Ok(ExportOutcome { text: None, files });
            }
            write_atomic(&path, text.as_bytes()).map_err(|e| Error::new(e.to_string()))?;
            status(settings, format!("Wrote {}", path.display()));
            Ok(ExportOutcome { text: None, files })
        }
        None => Ok(ExportOutcome {
            text: Some(text),
            files: Vec::new(),
        }),
    }
}
