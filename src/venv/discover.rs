//! Interpreter discovery: query a Python for its PEP 508 environment and wheel tags,
//! and find one that satisfies a request and a project's `requires-python`.

use super::request::{python_version_file, Request};
use super::tags::{generic_abi, short_implementation, Tags};
use super::VenvError;
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use serde::Deserialize;
use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

const PROBE: &str = include_str!("probe.py");

/// A queried Python interpreter: where it lives, what it is, and which wheels it accepts.
#[derive(Debug, Clone)]
pub struct Interpreter {
    /// The base interpreter's real executable (`sys._base_executable`, symlinks resolved),
    /// absolute. For a venv's python this is the base interpreter, not the venv's link.
    pub executable: PathBuf,
    /// `sys.base_prefix`.
    pub base_prefix: PathBuf,
    /// Full version, e.g. `3.11.7`.
    pub version: Version,
    /// PEP 508 environment of this interpreter.
    pub markers: MarkerEnvironment,
    /// Compatible wheel tags, most preferred first.
    pub tags: Tags,
    /// A free-threaded (PEP 703, `Py_GIL_DISABLED`) build.
    pub gil_disabled: bool,
    /// `sys.implementation.name`, e.g. `cpython`, `pypy`.
    pub implementation: String,
    /// `purelib` relative to a prefix, e.g. `lib/python3.11/site-packages`
    /// (`lib/python3.13t/site-packages` for free-threaded builds).
    pub purelib_rel: PathBuf,
    /// `sysconfig.get_platform()` normalized to a tag, e.g. `linux_x86_64`.
    pub platform: String,
}

#[derive(Deserialize)]
struct Probe {
    markers: ProbeMarkers,
    version_info: Vec<u64>,
    base_prefix: PathBuf,
    executable: PathBuf,
    platform: String,
    glibc: Option<(u64, u64)>,
    musl: Option<(u64, u64)>,
    mac_version: Option<String>,
    ext_suffix: Option<String>,
    gil_disabled: bool,
    purelib: PathBuf,
}

#[derive(Deserialize)]
struct ProbeMarkers {
    implementation_name: String,
    implementation_version: String,
    os_name: String,
    platform_machine: String,
    platform_python_implementation: String,
    platform_release: String,
    platform_system: String,
    platform_version: String,
    python_full_version: String,
    python_version: String,
    sys_platform: String,
}

static QUERY_CACHE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Remember interpreter probes under `dir` (one JSON file per executable),
/// keyed by the executable's real path, size and modification time, so
/// later runs do not start Python just to learn what it is. Set once per
/// process; without it nothing is cached.
pub fn set_query_cache(dir: PathBuf) {
    let _ = QUERY_CACHE.set(dir);
}

/// The cache file for `python`, or `None` when caching is off or the
/// executable is a script (a pyenv shim, whose answer depends on pyenv's
/// state rather than on the file).
fn query_cache_file(python: &Path) -> Option<PathBuf> {
    use sha2::Digest;
    let dir = QUERY_CACHE.get()?;
    let real = std::fs::canonicalize(python).ok()?;
    let meta = std::fs::metadata(&real).ok()?;
    let mut head = [0u8; 2];
    if std::io::Read::read_exact(&mut std::fs::File::open(&real).ok()?, &mut head).is_ok()
        && &head == b"#!"
    {
        return None;
    }
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    let key = format!(
        "{}\0{}\0{mtime}\0{}",
        real.display(),
        meta.len(),
        python.display()
    );
    let digest = hex::encode(sha2::Sha256::digest(key.as_bytes()));
    Some(dir.join(format!("{}.json", &digest[..32])))
}

/// The real interpreter behind a pyenv shim (`$PYENV_ROOT/shims/python3.12`),
/// found the way pyenv finds it: `PYENV_VERSION`, else the nearest
/// `.python-version` above the current directory, else `$PYENV_ROOT/version`.
/// `None` when `python` is not a shim, or the version is `system` or missing
/// (then the shim itself is run).
fn resolve_pyenv_shim(python: &Path) -> Option<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".pyenv")))?;
    let name = python.file_name()?;
    if python.parent()? != root.join("shims") {
        return None;
    }
    let from_file = |f: &Path| {
        std::fs::read_to_string(f)
            .ok()
            .and_then(|t| t.split_whitespace().next().map(str::to_string))
    };
    let version = std::env::var("PYENV_VERSION")
        .ok()
        .and_then(|v| v.split(':').next().map(str::to_string))
        .or_else(|| {
            let cwd = std::env::current_dir().ok()?;
            cwd.ancestors()
                .map(|d| d.join(".python-version"))
                .find(|f| f.is_file())
                .and_then(|f| from_file(&f))
        })
        .or_else(|| from_file(&root.join("version")))?;
    if version == "system" {
        return None;
    }
    let real = root.join("versions").join(version).join("bin").join(name);
    real.is_file().then_some(real)
}

fn write_cache_entry(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

impl Interpreter {
    /// Query the Python at `python` (a path, or a bare name looked up on `PATH`) by
    /// running it once (`python -I -S -c <probe>`) and parsing the JSON it prints.
    ///
    /// # Errors
    /// [`VenvError::Query`] when it cannot be started, exits non-zero (Python 2 rejects
    /// `-I`), prints something that is not the expected JSON, or is not Python 3.
    pub fn query(python: &Path) -> Result<Interpreter, VenvError> {
        let qerr = |reason: String| VenvError::Query {
            python: python.to_path_buf(),
            reason,
        };
        let resolved = resolve_pyenv_shim(python);
        let python = resolved.as_deref().unwrap_or(python);
        let cache_file = query_cache_file(python);
        if let Some(bytes) = cache_file.as_ref().and_then(|f| std::fs::read(f).ok()) {
            if let Ok(probe) = serde_json::from_slice::<Probe>(&bytes) {
                if let Ok(i) = Self::from_probe(probe) {
                    return Ok(i);
                }
            }
        }
        let output = Command::new(python)
            .args(["-I", "-S", "-c", PROBE])
            .output()
            .map_err(|e| qerr(format!("could not run it: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let lines: Vec<&str> = stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let detail = match lines.as_slice() {
                [] => String::new(),
                [one] => one.to_string(),
                [first, .., last] => format!("{first} ... {last}"),
            };
            return Err(qerr(format!("it exited with {}: {detail}", output.status)));
        }
        let probe: Probe = serde_json::from_slice(&output.stdout)
            .map_err(|e| qerr(format!("unexpected probe output: {e}")))?;
        let interpreter = Self::from_probe(probe).map_err(qerr)?;
        if let Some(f) = cache_file {
            let _ = write_cache_entry(&f, &output.stdout);
        }
        Ok(interpreter)
    }

    fn from_probe(p: Probe) -> Result<Interpreter, String> {
        let m = &p.markers;
        let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: &m.implementation_name,
            implementation_version: &m.implementation_version,
            os_name: &m.os_name,
            platform_machine: &m.platform_machine,
            platform_python_implementation: &m.platform_python_implementation,
            platform_release: &m.platform_release,
            platform_system: &m.platform_system,
            platform_version: &m.platform_version,
            python_full_version: &m.python_full_version,
            python_version: &m.python_version,
            sys_platform: &m.sys_platform,
        })
        .map_err(|e| format!("invalid marker environment: {e}"))?;
        let version = Version::from_str(&m.python_full_version)
            .map_err(|e| format!("invalid version `{}`: {e}", m.python_full_version))?;
        let (major, minor) = match p.version_info.as_slice() {
            [a, b, ..] => (*a, *b),
            _ => return Err("missing version_info".into()),
        };
        if major < 3 {
            return Err(format!("Python {version} is not supported (need Python 3)"));
        }
        let platforms = platforms_for(&p, &m.platform_machine);
        let implementation = m.implementation_name.clone();
        let tags = if implementation == "cpython" {
            Tags::from_parts("cpython", (major, minor), p.gil_disabled, platforms)
        } else {
            let abis: Vec<String> = p
                .ext_suffix
                .as_deref()
                .and_then(generic_abi)
                .into_iter()
                .collect();
            Tags::generic(
                &short_implementation(&implementation),
                (major, minor),
                &abis,
                &platforms,
            )
        };
        Ok(Interpreter {
            executable: p.executable,
            base_prefix: p.base_prefix,
            version,
            markers,
            tags,
            gil_disabled: p.gil_disabled,
            implementation,
            purelib_rel: p.purelib,
            platform: p.platform,
        })
    }

    /// `(major, minor)` of the Python version, e.g. `(3, 11)`.
    pub fn python_minor(&self) -> (u64, u64) {
        let r = self.version.release();
        (
            r.first().copied().unwrap_or(0),
            r.get(1).copied().unwrap_or(0),
        )
    }
}

/// Platform tags for the probed machine (see `packaging.tags.platform_tags()`).
fn platforms_for(p: &Probe, machine: &str) -> Vec<String> {
    if let Some(arch) = p.platform.strip_prefix("linux_") {
        return Tags::linux_platforms(arch, p.glibc, p.musl);
    }
    if p.platform.starts_with("macosx_") {
        let version = p
            .mac_version
            .as_deref()
            .map(|v| {
                let mut it = v.split('.').map(|x| x.parse::<u64>().unwrap_or(0));
                (it.next().unwrap_or(10), it.next().unwrap_or(0))
            })
            .unwrap_or((10, 0));
        let arch = if machine.starts_with("arm") {
            "arm64"
        } else {
            machine
        };
        return Tags::macos_platforms(version, arch);
    }
    vec![p.platform.clone()]
}

/// Every executable file named `name` on `PATH`, in `PATH` order.
fn which_all(name: &str, path_var: &Option<OsString>) -> Vec<PathBuf> {
    let Some(paths) = path_var else {
        return vec![];
    };
    std::env::split_paths(paths)
        .map(|d| d.join(name))
        .filter(|p| is_executable(p))
        .collect()
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// `python3.X` names found in `PATH` directories, newest minor first.
fn versioned_names_on_path(path_var: &Option<OsString>) -> Vec<String> {
    let mut minors: Vec<u64> = Vec::new();
    if let Some(paths) = path_var {
        for d in std::env::split_paths(paths) {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name();
                let Some(name) = name.to_str() else { continue };
                if let Some(m) = name.strip_prefix("python3.") {
                    if let Ok(m) = m.parse::<u64>() {
                        if !minors.contains(&m) {
                            minors.push(m);
                        }
                    }
                }
            }
        }
    }
    minors.sort_unstable_by(|a, b| b.cmp(a));
    minors.into_iter().map(|m| format!("python3.{m}")).collect()
}

/// `~/.pyenv/versions/*/bin/python3` (respecting `$PYENV_ROOT`), newest version first.
fn pyenv_pythons() -> Vec<PathBuf> {
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".pyenv")));
    let Some(root) = root else { return vec![] };
    let Ok(rd) = std::fs::read_dir(root.join("versions")) else {
        return vec![];
    };
    let mut found: Vec<(Option<Version>, PathBuf)> = rd
        .flatten()
        .map(|e| {
            let v = e
                .file_name()
                .to_str()
                .and_then(|s| Version::from_str(s).ok());
            (v, e.path().join("bin").join("python3"))
        })
        .filter(|(_, p)| is_executable(p))
        .collect();
    // newest first; unparsable names (e.g. `pypy3.10-7.3.12`) after, by name
    found.sort_by(|(va, pa), (vb, pb)| match (va, vb) {
        (Some(a), Some(b)) => b.cmp(a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => pa.cmp(pb),
    });
    found.into_iter().map(|(_, p)| p).collect()
}

/// One interpreter looked at during discovery, for error messages.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// What was run.
    pub path: PathBuf,
    /// Its version, or why it could not be queried.
    pub outcome: Result<Version, String>,
}

/// Find a Python interpreter for a project.
///
/// - `request`: `"3.12"`, `"3.12.1"`, `"python3.12"`, `"cpython3.12"`, `">=3.11"`, or a
///   path to an executable. When `None`, the first line of `.python-version` in
///   `project_dir` or its nearest ancestor is used, if any.
/// - `requires_python`: the project's `requires-python` (PEP 621/440); empty accepts all.
///
/// Candidates, in order: the requested path (if a path); `python3.X` for a requested
/// minor; `python3`, every `python3.X` (newest first) and `python` on `PATH`; then
/// `$PYENV_ROOT/versions/*/bin/python3` (newest first). The first whose version matches
/// both is queried and returned (see [`Interpreter::query`]).
///
/// # Errors
/// [`VenvError::NoInterpreter`] listing every candidate with its version (or why it
/// failed), what was required, and a hint; [`VenvError::InvalidRequest`] for an
/// unparsable request; [`VenvError::Query`] when an explicitly requested path fails.
pub fn find_interpreter(
    request: Option<&str>,
    requires_python: &VersionSpecifiers,
    project_dir: &Path,
) -> Result<Interpreter, VenvError> {
    let (req, source) = match request {
        Some(r) => (Request::parse(r)?, Some(format!("`--python {r}`"))),
        None => match python_version_file(project_dir)? {
            Some((file, line)) => (
                Request::parse(&line)?,
                Some(format!("`{line}` from {}", file.display())),
            ),
            None => (Request::Any, None),
        },
    };
    let ok = |i: &Interpreter| req.matches(&i.version) && requires_python.contains(&i.version);

    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Request::Path(p) = &req {
        let interp = Interpreter::query(p)?;
        if ok(&interp) {
            return Ok(interp);
        }
        return Err(no_interpreter(
            &source,
            requires_python,
            vec![Candidate {
                path: p.clone(),
                outcome: Ok(interp.version),
            }],
        ));
    }
    let path_var = std::env::var_os("PATH");
    let mut names: Vec<String> = Vec::new();
    if let Some((maj, min)) = req.minor() {
        names.push(format!("python{maj}.{min}"));
    }
    names.push("python3".into());
    names.extend(versioned_names_on_path(&path_var));
    names.push("python".into());
    let mut seen_names = HashSet::new();
    for n in names {
        if seen_names.insert(n.clone()) {
            candidates.extend(which_all(&n, &path_var));
        }
    }
    candidates.extend(pyenv_pythons());

    let mut looked_at: Vec<Candidate> = Vec::new();
    let mut seen_paths: HashSet<PathBuf> = HashSet::new();
    let mut seen_executables: HashSet<PathBuf> = HashSet::new();
    for cand in candidates {
        if !seen_paths.insert(cand.clone()) {
            continue;
        }
        match Interpreter::query(&cand) {
            Ok(interp) => {
                if ok(&interp) {
                    return Ok(interp);
                }
                if seen_executables.insert(interp.executable.clone()) {
                    looked_at.push(Candidate {
                        path: cand,
                        outcome: Ok(interp.version),
                    });
                }
            }
            Err(e) => {
                let reason = match e {
                    VenvError::Query { reason, .. } => reason,
                    other => other.to_string(),
                };
                // a pyenv shim for a version that is not selected exits 127
                // ("command not found"): not an interpreter, so not worth listing
                if reason.contains("exit status: 127") {
                    continue;
                }
                looked_at.push(Candidate {
                    path: cand,
                    outcome: Err(reason),
                });
            }
        }
    }
    Err(no_interpreter(&source, requires_python, looked_at))
}

fn no_interpreter(
    source: &Option<String>,
    requires_python: &VersionSpecifiers,
    tried: Vec<Candidate>,
) -> VenvError {
    let mut required = Vec::new();
    if let Some(s) = source {
        required.push(format!("Python {s}"));
    }
    if !requires_python.is_empty() {
        required.push(format!("requires-python `{requires_python}`"));
    }
    let required = if required.is_empty() {
        "any Python 3".to_string()
    } else {
        required.join(" and ")
    };
    VenvError::NoInterpreter { required, tried }
}

/// Render the candidate list of [`VenvError::NoInterpreter`].
pub(crate) fn render_candidates(tried: &[Candidate]) -> String {
    if tried.is_empty() {
        return "\n  (no Python interpreters were found on PATH or in ~/.pyenv/versions)".into();
    }
    let mut out = String::new();
    for c in tried {
        match &c.outcome {
            Ok(v) => out.push_str(&format!("\n  - {}: Python {v}", c.path.display())),
            Err(e) => out.push_str(&format!("\n  - {}: unusable ({e})", c.path.display())),
        }
    }
    out
}

/// Every interpreter path discovery looks at when nothing is requested, in
/// discovery order, without duplicate paths: `python3`, every `python3.X`
/// (newest first) and `python` on `PATH`, then `$PYENV_ROOT/versions/*/bin/python3`.
/// Nothing is run.
pub fn candidate_paths() -> Vec<PathBuf> {
    let path_var = std::env::var_os("PATH");
    let mut names: Vec<String> = vec!["python3".into()];
    names.extend(versioned_names_on_path(&path_var));
    names.push("python".into());
    let mut out: Vec<PathBuf> = Vec::new();
    let mut seen_names = HashSet::new();
    for n in names {
        if seen_names.insert(n.clone()) {
            out.extend(which_all(&n, &path_var));
        }
    }
    out.extend(pyenv_pythons());
    let mut seen = HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_system_python() {
        let i = Interpreter::query(Path::new("python3")).unwrap();
        assert!(i.executable.is_absolute());
        assert_eq!(i.python_minor().0, 3);
        assert!(!i.tags.is_empty());
        assert!(i.purelib_rel.ends_with("site-packages"));
    }

    #[test]
    fn no_interpreter_lists_candidates() {
        let dir = tempfile::tempdir().unwrap();
        let req = VersionSpecifiers::from_str(">=4").unwrap();
        let err = find_interpreter(None, &req, dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, VenvError::NoInterpreter { .. }), "{msg}");
        eprintln!("{msg}");
        assert!(msg.contains(">=4"), "{msg}");
        assert!(msg.contains("python3"), "{msg}");
        assert!(msg.contains("Python 3."), "{msg}");
    }

    #[test]
    fn finds_by_request_and_python_version_file() {
        let dir = tempfile::tempdir().unwrap();
        let any = VersionSpecifiers::empty();
        let i = find_interpreter(None, &any, dir.path()).unwrap();
        assert_eq!(i.python_minor().0, 3);
        // pick a pyenv version if present to exercise `.python-version`
        if let Some(p) = pyenv_pythons()
            .into_iter()
            .find(|p| p.to_string_lossy().contains("3.12"))
        {
            fs_err::write(dir.path().join(".python-version"), "3.12\n").unwrap();
            let sub = dir.path().join("a/b");
            fs_err::create_dir_all(&sub).unwrap();
            let i = find_interpreter(None, &any, &sub).unwrap();
            assert_eq!(i.python_minor(), (3, 12), "{p:?}");
            let i = find_interpreter(Some("python3.12"), &any, &sub).unwrap();
            assert_eq!(i.python_minor(), (3, 12));
        }
    }
}
