//! `envy export`: write `requirements.txt` (or the app/dev split) or `pylock.toml`
//! from the lock, or build a bundle for one target interpreter: a wheelhouse, a
//! vendor directory or a zipapp.

use super::sync::{ensure_lock, LockMode, SyncOptions};
use super::{status, write_atomic, Error, Result, Settings};
use crate::export::requirements::{render, RequirementsOptions};
use crate::export::{self as bundles, target, BundleWheel};
use crate::lock::{Lock, LockedPackage, Selection};
use crate::project::Project;
use crate::types::WheelFilename;
use crate::venv::{self, Interpreter};
use pep440_rs::VersionSpecifiers;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::str::FromStr;

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
        bundle(settings, &project, &lock, opts)?;
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

/// The groups a bundle carries: app dependencies only, unless `dev` is asked for
/// explicitly (`--group dev`, `--all-groups`, `--only-dev`).
fn bundle_selection(lock: &Lock, opts: &ExportOptions) -> Result<Selection> {
    let mut groups = opts.groups.clone();
    if opts.only_dev {
        groups.only_groups = vec!["dev".to_string()];
    } else if !groups.all_groups
        && !groups
            .groups
            .iter()
            .any(|g| crate::project::normalize_group(g) == "dev")
    {
        groups.no_dev = true;
    }
    let selection = groups.selection(lock);
    super::sync::check_groups(lock, &selection)?;
    Ok(selection)
}

/// The target interpreter of a bundle, a label for messages, and whether it is a
/// real interpreter on this machine.
fn bundle_target(
    project: &Project,
    lock: &Lock,
    opts: &ExportOptions,
) -> Result<(Interpreter, String, bool)> {
    let rp = VersionSpecifiers::from_str(&lock.requires_python)
        .map_err(|e| Error::new(format!("invalid requires-python in envy.lock: {e}")))?;
    let any = VersionSpecifiers::from_str("").map_err(|e| Error::new(e.to_string()))?;
    let local = |request: Option<&str>, specs: &VersionSpecifiers| {
        venv::find_interpreter(request, specs, &project.root)
    };
    let (interp, is_local) = match (&opts.python_version, &opts.python_platform) {
        (None, None) => (local(opts.groups.python.as_deref(), &rp)?, true),
        (Some(v), None) => {
            let parsed = target::parse_python_version(v)?;
            match local(Some(&format!("{}.{}", parsed.0, parsed.1)), &any) {
                Ok(i) => (i, true),
                Err(_) => {
                    // No such Python here: same platform, computed tags.
                    let base = local(None, &any)?;
                    let plats = target::platforms_of(&base);
                    let os = target::OsMarkers::of(&base.markers);
                    let label = base.platform.clone();
                    (target::synthetic(parsed, plats, &os, &label)?, false)
                }
            }
        }
        (v, Some(p)) => {
            let parsed = match v {
                Some(v) => target::parse_python_version(v)?,
                None => {
                    let base = local(opts.groups.python.as_deref(), &rp)?;
                    let (a, b) = base.python_minor();
                    (a, b, 0)
                }
            };
            let (plats, os) = target::parse_platform(p)?;
            (target::synthetic(parsed, plats, &os, p)?, false)
        }
    };
    let label = format!("CPython {} on {}", interp.version, interp.platform);
    if !rp.contains(&interp.version) {
        return Err(Error::new(format!(
            "the target ({label}) does not satisfy the lock's requires-python `{}`",
            lock.requires_python
        ))
        .hint("pick a Python version the project supports with `--python-version` or `--python`"));
    }
    Ok((interp, label, is_local))
}

/// Pick, download and hash-check one wheel per package the target needs.
fn bundle_wheels(
    settings: &Settings,
    project: &Project,
    lock: &Lock,
    selection: &Selection,
    interp: &Interpreter,
    label: &str,
    is_local: bool,
) -> Result<Vec<BundleWheel>> {
    let needed = lock.needed_for(selection, &interp.markers);
    let picked = bundles::pick_wheels(&needed, interp, label, is_local)?;
    if picked.is_empty() {
        return Ok(Vec::new());
    }
    let client = settings.client(Some(project))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(8)
        .build()
        .map_err(|e| Error::new(e.to_string()))?;
    let results: Vec<Result<BundleWheel>> = pool.install(|| {
        picked
            .par_iter()
            .map(|(pkg, file)| {
                if crate::ops::build::is_sdist(pkg, file) {
                    let (path, filename) =
                        crate::ops::build::wheel_from_lock(settings, &client, pkg, file, interp)?;
                    return built_wheel(pkg, path, filename);
                }
                let filename = WheelFilename::from_str(file.filename())
                    .map_err(|e| Error::new(e.to_string()))?;
                let path = client.download_url(&file.url, file.filename(), Some(&file.sha256))?;
                Ok(BundleWheel {
                    name: pkg.name.clone(),
                    version: pkg.version.clone(),
                    file: (*file).clone(),
                    filename,
                    path,
                })
            })
            .collect()
    });
    results.into_iter().collect()
}

/// A wheel built from a locked sdist, as a bundle wheel: its file entry (and
/// so the wheelhouse's `--hash`) is the built file's own sha256.
fn built_wheel(pkg: &LockedPackage, path: PathBuf, filename: WheelFilename) -> Result<BundleWheel> {
    let (sha256, size) = crate::types::hash::sha256_reader(fs_err::File::open(&path)?)?;
    let url = url::Url::from_file_path(&path)
        .map(String::from)
        .unwrap_or_else(|()| path.display().to_string());
    Ok(BundleWheel {
        name: pkg.name.clone(),
        version: pkg.version.clone(),
        file: crate::lock::FileEntry {
            url,
            sha256,
            size: Some(size),
            upload_time: None,
        },
        filename,
        path,
    })
}

fn size_of(path: &Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(std::result::Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len())
        .sum()
}

fn human(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// Build a wheelhouse, vendor directory or zipapp at `-o`.
fn bundle(settings: &Settings, project: &Project, lock: &Lock, opts: &ExportOptions) -> Result<()> {
    let format_name = match opts.format {
        Format::Wheelhouse => "wheelhouse",
        Format::Vendor => "vendor",
        _ => "zipapp",
    };
    let Some(out) = &opts.output else {
        return Err(
            Error::new(format!("`--format {format_name}` needs `-o`")).hint(
                if opts.format == Format::Zipapp {
                    "e.g. `envy export --format zipapp -o app.pyz -e module:function`"
                } else {
                    "e.g. `envy export --format wheelhouse -o dist/wheels`"
                },
            ),
        );
    };
    let out = settings.project_dir.join(out);
    let selection = bundle_selection(lock, opts)?;
    let (interp, label, is_local) = bundle_target(project, lock, opts)?;
    // Check the cheap things before downloading.
    let zip_inputs = if opts.format == Format::Zipapp {
        let files = bundles::project_source(&project.root, project.name.as_ref())?;
        Some((zipapp_entry(project, opts, &files)?, files))
    } else {
        None
    };
    let mut wheels = bundle_wheels(
        settings, project, lock, &selection, &interp, &label, is_local,
    )?;
    let project_tmp = tempfile::tempdir()?;
    if opts.format != Format::Zipapp && !opts.no_emit_project {
        match project_wheel(project, project_tmp.path()) {
            Ok(w) => wheels.push(w),
            Err(e) => status(settings, format!("Leaving the project out: {e}")),
        }
    }
    match opts.format {
        Format::Wheelhouse => {
            let staged = bundles::stage_dir(&out, bundles::wheelhouse::is_wheelhouse)?;
            bundles::wheelhouse::write(staged.path(), &wheels, &label)?;
            bundles::commit_dir(staged, &out)?;
            status(
                settings,
                format!(
                    "Wrote {} ({}) for {label} to {}",
                    super::count(wheels.len(), "wheel", "wheels"),
                    human(size_of(&out)),
                    out.display()
                ),
            );
        }
        Format::Vendor => {
            let staged = bundles::stage_dir(&out, bundles::vendor::is_vendor_dir)?;
            let python = if is_local {
                interp.executable.clone()
            } else {
                PathBuf::from("/usr/bin/python3")
            };
            bundles::vendor::write(staged.path(), &wheels, &interp, &python)?;
            bundles::commit_dir(staged, &out)?;
            status(
                settings,
                format!(
                    "Installed {} packages ({}) for {label} into {}",
                    wheels.len(),
                    human(size_of(&out)),
                    out.display()
                ),
            );
        }
        _ => {
            let Some((entry, project_files)) = zip_inputs else {
                return Err(Error::new("internal error: no zipapp inputs"));
            };
            let spec = bundles::zipapp::ZipappSpec {
                shebang: opts
                    .python_shebang
                    .clone()
                    .unwrap_or_else(|| "/usr/bin/env python3".to_string()),
                entry,
                project_files,
                wheels,
                compile_with: is_local.then(|| interp.executable.clone()),
            };
            let app = bundles::zipapp::build(&spec)?;
            if let Some(parent) = out.parent() {
                fs_err::create_dir_all(parent)?;
            }
            if fs_err::read(&out).ok().as_deref() != Some(app.bytes.as_slice()) {
                write_atomic(&out, &app.bytes)?;
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                fs_err::set_permissions(&out, std::fs::Permissions::from_mode(0o755))?;
            }
            status(
                settings,
                format!(
                    "Wrote {} ({}) for {label}: {} in the archive, {} unpacked at first start",
                    out.display(),
                    human(app.bytes.len() as u64),
                    super::count(app.pure.len(), "pure package", "pure packages"),
                    app.native.len()
                ),
            );
        }
    }
    Ok(())
}

/// The project's own wheel, built into `dir`.
fn project_wheel(project: &Project, dir: &Path) -> Result<BundleWheel> {
    let (path, filename) = bundles::project_wheel::build(project, dir)?;
    let bytes = fs_err::read(&path)?;
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let url = url::Url::from_file_path(&path)
        .map(String::from)
        .unwrap_or_else(|()| path.display().to_string());
    Ok(BundleWheel {
        name: project.name.to_string(),
        version: project
            .version
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        file: crate::lock::FileEntry {
            url,
            sha256,
            size: Some(bytes.len() as u64),
            upload_time: None,
        },
        filename: WheelFilename::from_str(&filename).map_err(|e| Error::new(e.to_string()))?,
        path,
    })
}

/// What the zipapp runs: `-e`, `--script`, the only `[project.scripts]` entry, or
/// the package's `__main__.py`.
fn zipapp_entry(
    project: &Project,
    opts: &ExportOptions,
    files: &[(String, PathBuf)],
) -> Result<bundles::zipapp::EntryPoint> {
    use bundles::zipapp::EntryPoint;
    if let Some(e) = &opts.entry_point {
        return Ok(EntryPoint::parse(e)?);
    }
    let scripts: Vec<&str> = project.scripts.iter().map(|(n, _)| n.as_str()).collect();
    if let Some(name) = &opts.script {
        return match project.scripts.iter().find(|(n, _)| n == name) {
            Some((_, target)) => Ok(EntryPoint::parse(target)?),
            None => Err(
                Error::new(format!("`[project.scripts]` has no `{name}`")).hint(
                    if scripts.is_empty() {
                        "use `-e module:function`".to_string()
                    } else {
                        format!("scripts: {}", scripts.join(", "))
                    },
                ),
            ),
        };
    }
    if let [(_, target)] = project.scripts.as_slice() {
        return Ok(EntryPoint::parse(target)?);
    }
    let main = files
        .iter()
        .find(|(n, _)| n.split('/').count() == 2 && n.ends_with("/__main__.py"));
    if let Some((n, _)) = main {
        let pkg = n.trim_end_matches("/__main__.py");
        return Ok(EntryPoint::Module(pkg.to_string()));
    }
    Err(
        Error::new("the zipapp needs an entry point").hint(if scripts.is_empty() {
            "pass `-e module:function`, or add a `__main__.py` to the package".to_string()
        } else {
            format!(
                "pass `-e module:function` or `--script NAME` (scripts: {})",
                scripts.join(", ")
            )
        }),
    )
}
