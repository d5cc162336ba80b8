//! Isolated build environments (PEP 518): the `[build-system] requires` of a
//! source tree (plus what `get_requires_for_build_*` adds), resolved by envy's
//! own resolver for one interpreter, installed from hash-checked wheels into
//! a venv of their own.
//!
//! Environments are cached under `<cache>/build-envs-v1/<hash>/`, the hash
//! covering the interpreter and the resolved set (name, version, wheel sha256).
//! Each is created in a temporary directory and renamed into place, so a
//! half-made environment is never used. `requests/<hash>` remembers, for a
//! week, which environment a requirement list resolved to, so that a second
//! build neither resolves nor installs anything.

use super::BuildError;
use crate::index::Client;
use crate::install::{self, InstallOptions};
use crate::lock::{project_edges, Lock, LockedPackage, Manifest, Selection, Source};
use crate::resolver::{self, PackageSelector, PrereleaseMode, ResolutionMode, ResolverInput};
use crate::types::WheelFilename;
use crate::venv::{self, Interpreter, Venv};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerTree, PackageName, Requirement};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How long a requirement list keeps resolving to the same cached environment.
const REQUEST_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The marker file of a complete environment.
const MARKER: &str = "envy-build-env.json";

fn sha(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

fn interpreter_key(interp: &Interpreter) -> String {
    format!("{}|{}", interp.executable.display(), interp.version)
}

/// A build environment for `requires` on `interp`: from the cache when this
/// requirement list (or the set it resolves to) was installed before.
///
/// # Errors
/// [`BuildError::Requirements`] when the requirements cannot be resolved or
/// have no wheel for `interp`; download, venv and install errors.
pub fn build_env(
    client: &Arc<Client>,
    cache_root: &Path,
    interp: &Interpreter,
    requires: &[Requirement],
    label: &str,
) -> Result<Venv, BuildError> {
    let root = cache_root.join("build-envs-v1");
    let mut reqs: Vec<String> = requires.iter().map(ToString::to_string).collect();
    reqs.sort();
    reqs.dedup();
    let ikey = interpreter_key(interp);
    let request_key = {
        let mut parts = vec![ikey.as_str()];
        parts.extend(reqs.iter().map(String::as_str));
        sha(&parts)
    };
    let request_file = root.join("requests").join(&request_key);
    if let Ok(meta) = fs_err::metadata(&request_file) {
        let fresh = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age < REQUEST_TTL);
        if let (true, Ok(hash)) = (fresh, fs_err::read_to_string(&request_file)) {
            let dir = root.join(hash.trim());
            if dir.join(MARKER).is_file() {
                tracing::debug!("{label}: reusing build environment {}", dir.display());
                return Ok(Venv::from_parts(&dir, interp.clone()));
            }
        }
    }
    let wheels = resolve_wheels(client, interp, requires, label)?;
    let env_hash = {
        let mut parts = vec![ikey.clone()];
        parts.extend(
            wheels
                .iter()
                .map(|(p, f)| format!("{}=={} {}", p.name, p.version, f.sha256())),
        );
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        sha(&refs)
    };
    let dir = root.join(&env_hash);
    if !dir.join(MARKER).is_file() {
        create(client, &root, &dir, interp, &wheels, &reqs)?;
    }
    if let Some(p) = request_file.parent() {
        fs_err::create_dir_all(p)?;
    }
    crate::util::write_atomic(&request_file, env_hash.as_bytes())?;
    Ok(Venv::from_parts(&dir, interp.clone()))
}

type Picked = Vec<(LockedPackage, crate::lock::FileEntry)>;

/// Resolve `requires` for `interp` alone (`requires-python` `==X.Y.*`, wheels
/// only) and pick the best wheel of every package the interpreter needs.
fn resolve_wheels(
    client: &Arc<Client>,
    interp: &Interpreter,
    requires: &[Requirement],
    label: &str,
) -> Result<Picked, BuildError> {
    if requires.is_empty() {
        return Ok(Vec::new());
    }
    let failed = |reason: String| BuildError::Requirements {
        package: label.to_string(),
        reason,
    };
    let (major, minor) = interp.python_minor();
    let rp = VersionSpecifiers::from_str(&format!("=={major}.{minor}.*"))
        .map_err(|e| failed(e.to_string()))?;
    let input = ResolverInput {
        root_name: "build-environment".to_string(),
        project: None,
        fork_strategy: resolver::ForkStrategy::Fewest,
        project_version: None,
        requirements: requires.to_vec(),
        requirement_sources: Vec::new(),
        requires_python: rp.clone(),
        preferences: HashMap::new(),
        prerelease: PrereleaseMode::default(),
        resolution: ResolutionMode::Highest,
        exclude_newer: None,
        // Build requirements come as wheels: no recursive builds.
        no_build: PackageSelector {
            all: true,
            packages: Vec::new(),
        },
        no_binary: PackageSelector::default(),
        sdist_metadata: None,
        direct: std::collections::BTreeMap::new(),
        constraints: Vec::new(),
        overrides: Vec::new(),
        required_environments: Vec::new(),
    };
    let resolution = resolver::resolve(client.clone(), input, &[]).map_err(|e| match e {
        resolver::ResolveError::Index(i) => BuildError::Index(i),
        other => failed(other.to_string()),
    })?;
    let root = LockedPackage {
        name: PackageName::from_str("build-environment").map_err(|e| failed(e.to_string()))?,
        version: Version::new([0, 0, 0]),
        source: Source {
            editable: Some(".".to_string()),
            ..Source::default()
        },
        resolution_marker: MarkerTree::TRUE,
        groups: Vec::new(),
        dependencies: project_edges(requires),
        optional_dependencies: Default::default(),
        dependency_groups: Default::default(),
        requires_dist: Vec::new(),
        metadata_inputs: None,
        sdist: None,
        wheels: Vec::new(),
    };
    let lock = Lock::from_resolution(&rp.to_string(), Manifest::default(), root, &resolution);
    let selection = Selection {
        main: true,
        extras: Vec::new(),
        groups: Vec::new(),
    };
    let mut out = Vec::new();
    for pkg in lock.needed_for(&selection, &interp.markers) {
        let best = pkg
            .wheels
            .iter()
            .filter_map(|w| {
                let f = WheelFilename::from_str(w.filename()).ok()?;
                interp.tags.priority(&f).map(|p| (p, w))
            })
            .min_by_key(|(p, _)| *p)
            .map(|(_, w)| w.clone())
            .ok_or_else(|| {
                failed(format!(
                    "the build requirement `{}=={}` has no wheel for Python {} on {}",
                    pkg.name, pkg.version, interp.version, interp.platform
                ))
            })?;
        out.push((pkg.clone(), best));
    }
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    Ok(out)
}

/// Download, create the venv in a temporary directory, install, rename to `dir`.
fn create(
    client: &Arc<Client>,
    root: &Path,
    dir: &Path,
    interp: &Interpreter,
    wheels: &Picked,
    requires: &[String],
) -> Result<(), BuildError> {
    let downloaded: Vec<Result<(PathBuf, WheelFilename), BuildError>> = wheels
        .par_iter()
        .map(|(_, f)| {
            let filename = WheelFilename::from_str(f.filename())
                .map_err(|e| BuildError::Other(e.to_string()))?;
            let path = client.download_url(&f.url, f.filename(), Some(f.sha256()))?;
            Ok((path, filename))
        })
        .collect();
    let downloaded = downloaded.into_iter().collect::<Result<Vec<_>, _>>()?;
    fs_err::create_dir_all(root)?;
    let staging = tempfile::Builder::new().prefix(".tmp-").tempdir_in(root)?;
    let venv = venv::create_venv(staging.path(), interp)?;
    let opts = InstallOptions {
        installer: "envy",
        requested: false,
    };
    let results: Vec<Result<(), BuildError>> = downloaded
        .par_iter()
        .map(|(path, filename)| {
            install::install_wheel(&venv, path, filename, &opts)?;
            Ok(())
        })
        .collect();
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    let marker = serde_json::json!({
        "interpreter": interp.executable,
        "python": interp.version.to_string(),
        "requires": requires,
        "packages": wheels.iter().map(|(p, f)| format!("{}=={} ({})", p.name, p.version, f.filename())).collect::<Vec<_>>(),
    });
    fs_err::write(
        staging.path().join(MARKER),
        serde_json::to_vec_pretty(&marker).unwrap_or_default(),
    )?;
    let staged = staging.keep();
    relocate_scripts(&venv.bin, &staged, dir)?;
    if std::fs::rename(&staged, dir).is_err() {
        // Another build made the same environment meanwhile: use that one.
        let _ = fs_err::remove_dir_all(&staged);
        if !dir.join(MARKER).is_file() {
            return Err(BuildError::Other(format!(
                "cannot move the build environment into `{}`",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Console scripts name their interpreter by absolute path: point the ones
/// written in `from` at `to`.
fn relocate_scripts(bin: &Path, from: &Path, to: &Path) -> Result<(), BuildError> {
    let (from, to) = (from.to_string_lossy(), to.to_string_lossy());
    let Ok(entries) = fs_err::read_dir(bin) else {
        return Ok(());
    };
    for entry in entries.filter_map(std::result::Result::ok) {
        let path = entry.path();
        if path.is_symlink() || !path.is_file() {
            continue;
        }
        let Ok(bytes) = fs_err::read(&path) else {
            continue;
        };
        if !bytes.starts_with(b"#!") {
            continue;
        }
        let head_len = bytes.iter().take(512).count();
        let head = String::from_utf8_lossy(&bytes[..head_len]);
        if !head.contains(from.as_ref()) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).replacen(from.as_ref(), to.as_ref(), 2);
        fs_err::write(&path, text)?;
    }
    Ok(())
}
