//! The bundle half of `envy export`: a wheelhouse, a vendor directory or a
//! zipapp for one target interpreter. Picks the target and the wheels, downloads
//! and hash-checks them (building locked sdists for a local target), and hands
//! them to the writers in `export`.

use super::export::{ExportOptions, Format};
use super::{status, write_atomic, Error, Result, Settings};
use crate::export::{self as bundles, target, BundleWheel};
use crate::lock::{Lock, LockedPackage, Selection};
use crate::project::Project;
use crate::types::WheelFilename;
use crate::venv::{self, Interpreter};
use pep440_rs::VersionSpecifiers;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::str::FromStr;

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

/// Pick, download and hash-check one wheel per package the target needs; a
/// local source tree or git checkout (a direct reference) is built into a
/// wheel in `scratch`.
fn bundle_wheels(
    settings: &Settings,
    project: &Project,
    lock: &Lock,
    selection: &Selection,
    (interp, label, is_local): (&Interpreter, &str, bool),
    scratch: &Path,
) -> Result<Vec<BundleWheel>> {
    let needed = lock.needed_for(selection, &interp.markers);
    let (trees, needed): (Vec<&LockedPackage>, Vec<&LockedPackage>) =
        needed.into_iter().partition(|p| p.source_tree().is_some());
    let picked = bundles::pick_wheels(&needed, interp, label, is_local)?;
    if picked.is_empty() && trees.is_empty() {
        return Ok(Vec::new());
    }
    let client = settings.client(Some(project))?;
    let mut built = Vec::new();
    for pkg in trees {
        let Some((path, _)) = pkg.source_tree() else {
            continue;
        };
        if !is_local {
            return Err(Error::new(format!(
                "`{}=={}` comes from the source tree `{path}`, which can only be built for an interpreter on this machine, not for {label}",
                pkg.name, pkg.version
            ))
            .hint("export for a local interpreter (`--python`), or depend on a built wheel of it"));
        }
        let (tmp, wheel, filename) = if pkg.source.git.is_some() {
            let (tmp, wheel, filename, ..) =
                super::direct::build_git(settings, &client, project, pkg, interp)?;
            (tmp, wheel, filename)
        } else {
            let dir = project.root.join(path);
            crate::ops::build::wheel_from_tree(settings, &client, pkg, (&dir, path), false, interp)?
        };
        let kept = scratch.join(wheel.file_name().unwrap_or_default());
        fs_err::copy(&wheel, &kept)?;
        drop(tmp);
        built.push(built_wheel(pkg, kept, filename)?);
    }
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
                let path = client.download_url(&file.url, file.filename(), Some(file.sha256()))?;
                Ok(BundleWheel {
                    name: pkg.name.to_string(),
                    version: pkg.version.to_string(),
                    file: (*file).clone(),
                    filename,
                    path,
                })
            })
            .collect()
    });
    let mut out: Vec<BundleWheel> = results.into_iter().collect::<Result<_>>()?;
    out.extend(built);
    Ok(out)
}

/// A wheel built from a locked sdist, as a bundle wheel: its file entry (and
/// so the wheelhouse's `--hash`) is the built file's own sha256.
fn built_wheel(pkg: &LockedPackage, path: PathBuf, filename: WheelFilename) -> Result<BundleWheel> {
    let (sha256, size) = crate::types::hash::sha256_reader(fs_err::File::open(&path)?)?;
    let url = url::Url::from_file_path(&path)
        .map(String::from)
        .unwrap_or_else(|()| path.display().to_string());
    Ok(BundleWheel {
        name: pkg.name.to_string(),
        version: pkg.version.to_string(),
        file: crate::lock::FileEntry {
            url,
            hash: crate::lock::FileHash::sha256(&sha256).map_err(Error::new)?,
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
pub(super) fn bundle(
    settings: &Settings,
    project: &Project,
    lock: &Lock,
    opts: &ExportOptions,
) -> Result<()> {
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
        if let Some(e) = &opts.entry_point {
            bundles::zipapp::EntryPoint::parse(e)?;
        }
        Some(zipapp_project_files(project, opts)?)
    } else {
        None
    };
    let trees_tmp = tempfile::tempdir()?;
    let mut wheels = bundle_wheels(
        settings,
        project,
        lock,
        &selection,
        (&interp, &label, is_local),
        trees_tmp.path(),
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
            let pylock = bundles::pylock::render_bundle(
                lock,
                &wheels,
                &label,
                bundles::pylock::WheelRef::Path,
            );
            bundles::wheelhouse::write(staged.path(), &wheels, &label, &pylock)?;
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
            let pylock = bundles::pylock::render_bundle(
                lock,
                &wheels,
                &label,
                bundles::pylock::WheelRef::Url,
            );
            bundles::vendor::write(staged.path(), &wheels, &interp, &python, &pylock)?;
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
            let Some(project_files) = zip_inputs else {
                return Err(Error::new("internal error: no zipapp inputs"));
            };
            let entry = zipapp_entry(project, opts, &project_files, &wheels)?;
            let interpreter = entry == bundles::zipapp::EntryPoint::Interpreter;
            let spec = bundles::zipapp::ZipappSpec {
                shebang: opts
                    .python_shebang
                    .clone()
                    .unwrap_or_else(|| "/usr/bin/env python3".to_string()),
                entry,
                project_files,
                pylock: bundles::pylock::render_bundle(
                    lock,
                    &wheels,
                    &label,
                    bundles::pylock::WheelRef::Url,
                ),
                wheels,
                compile_with: is_local.then(|| interp.executable.clone()),
                pyc_cache: settings.cache_dir.as_ref().map(|c| {
                    c.join("pyc-v1").join(format!(
                        "{}-{}",
                        interp.markers.implementation_name(),
                        interp.version
                    ))
                }),
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
            if interpreter {
                status(
                    settings,
                    format!(
                        "No entry point: {} runs like `python` (`-c CODE`, `-m MODULE`, a script path, or a REPL)",
                        out.display()
                    ),
                );
            }
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
            hash: crate::lock::FileHash::sha256(&sha256).map_err(Error::new)?,
            size: Some(bytes.len() as u64),
            upload_time: None,
        },
        filename: WheelFilename::from_str(&filename).map_err(|e| Error::new(e.to_string()))?,
        path,
    })
}

/// The project's source files for a zipapp: none with `--no-emit-project`, or
/// for a virtual project (no `[build-system]`) without a package of its own.
fn zipapp_project_files(project: &Project, opts: &ExportOptions) -> Result<Vec<(String, PathBuf)>> {
    if opts.no_emit_project {
        return Ok(Vec::new());
    }
    match bundles::project_source(&project.root, project.name.as_ref()) {
        Err(bundles::ExportError::NoProjectSource { .. }) if !project.is_package() => {
            Ok(Vec::new())
        }
        other => Ok(other?),
    }
}

/// What the zipapp runs: `-e`, `--script` (a `[project.scripts]` entry, else a
/// console script of a bundled distribution), the only `[project.scripts]` entry,
/// the package's `__main__.py`, else nothing: interpreter mode.
fn zipapp_entry(
    project: &Project,
    opts: &ExportOptions,
    files: &[(String, PathBuf)],
    wheels: &[BundleWheel],
) -> Result<bundles::zipapp::EntryPoint> {
    use bundles::zipapp::EntryPoint;
    if let Some(e) = &opts.entry_point {
        return Ok(EntryPoint::parse(e)?);
    }
    if let Some(name) = &opts.script {
        if let Some((_, target)) = project.scripts.iter().find(|(n, _)| n == name) {
            return Ok(EntryPoint::parse(target)?);
        }
        let mut available: Vec<String> = project.scripts.iter().map(|(n, _)| n.clone()).collect();
        let mut sorted: Vec<&BundleWheel> = wheels.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        for w in sorted {
            for (script, target) in bundles::entry::console_scripts(&w.path)? {
                if &script == name {
                    return Ok(EntryPoint::parse(&target)?);
                }
                available.push(script);
            }
        }
        available.sort();
        available.dedup();
        return Err(bundles::ExportError::NoScript {
            name: name.clone(),
            available,
        }
        .into());
    }
    if files.is_empty() {
        return Ok(EntryPoint::Interpreter);
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
    Ok(EntryPoint::Interpreter)
}
