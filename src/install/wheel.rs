//! Installing a wheel into a venv (binary distribution format, PEP 427/491).

use super::record::{parse_record, record_hash, relative_path, render_record, DirCache, RecordRow};
use super::scripts::{rewrite_shebang, script_entries, write_executable, write_scripts};
use super::{uninstall, InstallError, InstallOptions};
use crate::types::WheelFilename;
use crate::util::SeekBufReader;
use crate::venv::{read_dist_info, InstalledDist, Venv};
use pep440_rs::Version;
use pep508_rs::PackageName;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use zip::ZipArchive;

const DATA_KINDS: [&str; 5] = ["purelib", "platlib", "scripts", "headers", "data"];
const S_IFMT: u32 = 0o170_000;
const S_IFLNK: u32 = 0o120_000;

/// Where an archive entry goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// site-packages (purelib = platlib in a venv).
    Lib,
    /// `bin`, with `#!python` rewriting and mode 0755.
    Script,
    /// `include/site/pythonX.Y/{name}`.
    Header,
    /// The venv root.
    Data,
}

struct Planned {
    index: usize,
    entry: String,
    kind: Kind,
    dest: PathBuf,
    executable: bool,
    /// Uncompressed size, for balancing parallel extraction.
    size: u64,
}

/// Install the wheel at `wheel_path` (whose parsed name is `filename`) into `venv`.
///
/// Root files and `.data/purelib|platlib` go to site-packages, `.data/scripts` to `bin`
/// (`#!python`/`#!pythonw` shebangs rewritten to the venv python, mode 0755),
/// `.data/headers` to `include/site/pythonX.Y/{name}`, `.data/data` to the venv root.
/// Console and GUI entry points get launcher scripts. `INSTALLER`, `REQUESTED` (when
/// `opts.requested`) and a new `RECORD` (PEP 376; every installed file with its sha256
/// and size, relative to site-packages) are written. Any installed version of the same
/// distribution is uninstalled first.
///
/// Every entry is checked before anything is written: absolute paths, `..`
/// components, backslashes, symlink entries and unknown `.data` subdirectories are
/// refused. While extracting, each file is hashed and compared with the wheel's own
/// `RECORD`; on a mismatch (or any other error) the files written so far are removed.
/// Wheels over 8 MiB with many files are extracted by several rayon threads.
///
/// Safe to call concurrently for different distributions in the same venv.
///
/// # Errors
/// [`InstallError::Zip`], [`InstallError::InvalidWheel`] (no/mismatched dist-info,
/// `Wheel-Version` not 1.x, files missing from RECORD), [`InstallError::UnsafeEntry`],
/// [`InstallError::HashMismatch`], [`InstallError::EntryPoint`], I/O errors.
pub fn install_wheel(
    venv: &Venv,
    wheel_path: &Path,
    filename: &WheelFilename,
    opts: &InstallOptions,
) -> Result<InstalledDist, InstallError> {
    let wheel = wheel_path.to_path_buf();
    let invalid = |reason: String| InstallError::InvalidWheel {
        wheel: wheel.clone(),
        reason,
    };
    let zip_err = |source| InstallError::Zip {
        wheel: wheel.clone(),
        source,
    };
    let file = fs_err::File::open(wheel_path)?;
    let mut archive =
        ZipArchive::new(SeekBufReader::with_capacity(64 * 1024, file)).map_err(zip_err)?;

    // 1. Locate `{name}-{version}.dist-info`.
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index_raw(i).map(|f| f.name().to_string()))
        .collect::<Result<_, _>>()
        .map_err(zip_err)?;
    let dist_infos = dist_info_dirs(&names);
    if dist_infos.len() > 1 {
        return Err(invalid(format!(
            "it holds more than one `.dist-info` directory ({}); a wheel is one distribution",
            dist_infos
                .iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let dist_info = find_dist_info(&names, filename).ok_or_else(|| {
        invalid(format!(
            "no `{}-{}.dist-info` directory",
            filename.name.as_dist_info_name(),
            filename.version
        ))
    })?;
    let stem = dist_info.trim_end_matches(".dist-info").to_string();
    // The METADATA must describe the distribution the filename names: the
    // lock, the plan and uninstall all go by the filename.
    let metadata = read_entry(&mut archive, &format!("{dist_info}/METADATA"))
        .map_err(zip_err)?
        .ok_or_else(|| invalid(format!("missing `{dist_info}/METADATA`")))?;
    check_metadata_identity(&String::from_utf8_lossy(&metadata), filename).map_err(invalid)?;
    let data_dir = format!("{stem}.data");
    let project_dir_name = stem
        .rsplit_once('-')
        .map_or(stem.as_str(), |(n, _)| n)
        .to_string();

    // 2. WHEEL metadata.
    let wheel_meta = read_entry(&mut archive, &format!("{dist_info}/WHEEL"))
        .map_err(zip_err)?
        .ok_or_else(|| invalid(format!("missing `{dist_info}/WHEEL`")))?;
    let wheel_meta = String::from_utf8_lossy(&wheel_meta);
    let wheel_version = header_value(&wheel_meta, "Wheel-Version")
        .ok_or_else(|| invalid("WHEEL has no `Wheel-Version`".into()))?;
    if wheel_version.split('.').next() != Some("1") {
        return Err(invalid(format!(
            "unsupported Wheel-Version {wheel_version} (envy supports 1.x)"
        )));
    }
    if header_value(&wheel_meta, "Root-Is-Purelib").is_none() {
        tracing::debug!("{}: WHEEL has no Root-Is-Purelib", wheel.display());
    }

    // 3. The wheel's own RECORD.
    let record_name = format!("{dist_info}/RECORD");
    let record_text = read_entry(&mut archive, &record_name)
        .map_err(zip_err)?
        .ok_or_else(|| invalid(format!("missing `{record_name}`")))?;
    let record_rows = parse_record(&String::from_utf8_lossy(&record_text), wheel_path)?;
    let expected: HashMap<String, RecordRow> = record_rows
        .into_iter()
        .map(|r| (r.path.clone(), r))
        .collect();

    // 4. Plan and validate every entry before writing anything.
    let (major, minor) = venv.interpreter.python_minor();
    let headers_dir = venv
        .root
        .join("include")
        .join("site")
        .join(format!("python{major}.{minor}"))
        .join(&project_dir_name);
    let mut plan = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        let unsafe_entry = |reason: &str| InstallError::UnsafeEntry {
            wheel: wheel.clone(),
            entry: name.clone(),
            reason: reason.to_string(),
        };
        let entry = archive.by_index_raw(index).map_err(zip_err)?;
        let mode = entry.unix_mode();
        if mode.is_some_and(|m| m & S_IFMT == S_IFLNK) {
            return Err(unsafe_entry("is a symbolic link"));
        }
        let is_dir = entry.is_dir();
        let size = entry.size();
        drop(entry);
        let parts = safe_components(name).map_err(|r| unsafe_entry(&r))?;
        if is_dir || parts.is_empty() {
            continue;
        }
        if name == &record_name
            || name == &format!("{record_name}.jws")
            || name == &format!("{record_name}.p7s")
        {
            continue;
        }
        let (kind, rel): (Kind, &[String]) = if parts[0] == data_dir {
            let Some(sub) = parts.get(1) else { continue };
            let kind = match sub.as_str() {
                "purelib" | "platlib" => Kind::Lib,
                "scripts" => Kind::Script,
                "headers" => Kind::Header,
                "data" => Kind::Data,
                _ => {
                    return Err(unsafe_entry(&format!(
                        "is in an unknown `.data` directory `{sub}` (expected one of {})",
                        DATA_KINDS.join(", ")
                    )))
                }
            };
            if parts.len() < 3 {
                continue;
            }
            if kind == Kind::Script && parts.len() == 3 && is_reserved_script(&parts[2]) {
                return Err(unsafe_entry(&format!(
                    "would install a script named `{}`, a name reserved for the environment's interpreter and activation scripts",
                    parts[2]
                )));
            }
            (kind, &parts[2..])
        } else {
            (Kind::Lib, &parts[..])
        };
        let base = match kind {
            Kind::Lib => &venv.site_packages,
            Kind::Script => &venv.bin,
            Kind::Header => &headers_dir,
            Kind::Data => &venv.root,
        };
        let dest = rel.iter().fold(base.clone(), |p, c| p.join(c));
        if !expected.contains_key(name.as_str()) {
            return Err(invalid(format!("`{name}` is not listed in RECORD")));
        }
        plan.push(Planned {
            index,
            entry: name.clone(),
            kind,
            dest,
            executable: mode.is_some_and(|m| m & 0o111 != 0),
            size,
        });
    }

    // 5. Replace any installed version.
    for old in super::installed_named(venv, &filename.name)? {
        uninstall(venv, &old)?;
    }

    // 6. Extract, rolling back on failure.
    let written: Mutex<Vec<PathBuf>> = Mutex::new(Vec::with_capacity(plan.len() + 8));
    let ctx = Ctx {
        venv,
        wheel: &wheel,
        expected: &expected,
        written: &written,
    };
    let result = extract_all(&ctx, &mut archive, &plan)
        .and_then(|rows| finish(&ctx, rows, &dist_info, opts));
    if let Err(e) = result {
        let written = written.into_inner().unwrap_or_else(|p| p.into_inner());
        for f in &written {
            let _ = std::fs::remove_file(f);
        }
        super::record::prune_empty_dirs(
            written
                .iter()
                .filter_map(|f| f.parent().map(Path::to_path_buf)),
            &venv.root,
            &[&venv.site_packages, &venv.bin],
        );
        return Err(e);
    }

    let dist_info_path = venv.site_packages.join(&dist_info);
    Ok(
        read_dist_info(&dist_info_path, &stem)?.unwrap_or(InstalledDist {
            name: filename.name.clone(),
            version: filename.version.clone(),
            dist_info: dist_info_path,
            editable: false,
        }),
    )
}

/// What every extraction step needs.
struct Ctx<'a> {
    venv: &'a Venv,
    wheel: &'a Path,
    expected: &'a HashMap<String, RecordRow>,
    /// Every file created so far, for rollback.
    written: &'a Mutex<Vec<PathBuf>>,
}

impl Ctx<'_> {
    fn wrote(&self, path: &Path) {
        let mut w = self.written.lock().unwrap_or_else(|p| p.into_inner());
        w.push(path.to_path_buf());
    }

    fn zip_err(&self, source: zip::result::ZipError) -> InstallError {
        InstallError::Zip {
            wheel: self.wheel.to_path_buf(),
            source,
        }
    }
}

/// Large wheels (numpy, torch) are extracted by several threads, each with its own
/// handle on the archive; small ones sequentially.
const PARALLEL_MIN_BYTES: u64 = 8 * 1024 * 1024;
const PARALLEL_MIN_FILES: usize = 64;

fn extract_all<R: Read + std::io::Seek>(
    ctx: &Ctx,
    archive: &mut ZipArchive<R>,
    plan: &[Planned],
) -> Result<Vec<RecordRow>, InstallError> {
    let total: u64 = plan.iter().map(|p| p.size).sum();
    // Inflating and hashing are CPU work: more groups than cores only adds
    // readers, each holding its own copy of the central directory (several MB
    // for wheels with thousands of files) — and sync's 16 download threads
    // would multiply that again.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let threads = rayon::current_num_threads().min(cores);
    if threads < 2 || total < PARALLEL_MIN_BYTES || plan.len() < PARALLEL_MIN_FILES {
        let all: Vec<&Planned> = plan.iter().collect();
        return extract_files(ctx, archive, &all);
    }
    // balance by size: biggest first onto the least-loaded group, then archive order
    let mut order: Vec<&Planned> = plan.iter().collect();
    order.sort_by_key(|p| std::cmp::Reverse(p.size));
    let mut groups: Vec<(u64, Vec<&Planned>)> = vec![(0, Vec::new()); threads];
    for p in order {
        if let Some(g) = groups.iter_mut().min_by_key(|(load, _)| *load) {
            g.0 += p.size.max(4096);
            g.1.push(p);
        }
    }
    for g in &mut groups {
        g.1.sort_by_key(|p| p.index);
    }
    let results: Vec<Result<Vec<RecordRow>, InstallError>> = groups
        .par_iter()
        .map(|(_, group)| {
            let file = fs_err::File::open(ctx.wheel)?;
            let mut archive = ZipArchive::new(SeekBufReader::with_capacity(64 * 1024, file))
                .map_err(|e| ctx.zip_err(e))?;
            extract_files(ctx, &mut archive, group)
        })
        .collect();
    let mut rows = Vec::with_capacity(plan.len() + 8);
    for r in results {
        rows.extend(r?);
    }
    Ok(rows)
}

/// The shebang a wheel's `.data/scripts/` file carries when the installer
/// must point it at the environment's interpreter (binary distribution format,
/// "Recommended installer features").
const SHEBANG_MARK: &[u8] = b"#!python";

/// Extract `plan` entries, hashing each and checking it against the wheel's RECORD.
fn extract_files<R: Read + std::io::Seek>(
    ctx: &Ctx,
    archive: &mut ZipArchive<R>,
    plan: &[&Planned],
) -> Result<Vec<RecordRow>, InstallError> {
    let venv = ctx.venv;
    let mut dirs = DirCache::new(&venv.root)?;
    let mut rows: Vec<RecordRow> = Vec::with_capacity(plan.len());
    let mut buf = vec![0u8; 128 * 1024];
    for p in plan {
        let parent = p.dest.parent().unwrap_or(&venv.root);
        dirs.ensure(parent)?;
        let mut entry = archive.by_index(p.index).map_err(|e| ctx.zip_err(e))?;
        let want = ctx.expected.get(&p.entry);
        // A broken archive member ("corrupt deflate stream", a bad CRC)
        // names the wheel and the member.
        let unreadable = |e: std::io::Error| InstallError::InvalidWheel {
            wheel: ctx.wheel.to_path_buf(),
            reason: format!("cannot read `{}`: {e}", p.entry),
        };
        // A script's first bytes decide whether its `#!python` shebang needs
        // rewriting; anything else (a 25 MB native binary such as ruff's) is
        // streamed like any other file instead of being held in memory.
        let mut prefix = Vec::with_capacity(SHEBANG_MARK.len());
        if p.kind == Kind::Script {
            (&mut entry)
                .take(SHEBANG_MARK.len() as u64)
                .read_to_end(&mut prefix)
                .map_err(unreadable)?;
        }
        if p.kind == Kind::Script && prefix == SHEBANG_MARK {
            let mut content = prefix;
            entry.read_to_end(&mut content).map_err(unreadable)?;
            let mut h = Sha256::new();
            h.update(&content);
            verify(ctx.wheel, &p.entry, want, h, content.len() as u64)?;
            let content = rewrite_shebang(&content, &venv.python).unwrap_or(content);
            ctx.wrote(&p.dest);
            rows.push(write_executable(&p.dest, &content, &venv.site_packages)?);
            continue;
        }
        let mut options = fs_err::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use fs_err::os::unix::fs::OpenOptionsExt;
            let executable = p.executable || p.kind == Kind::Script;
            options.mode(if executable { 0o755 } else { 0o644 });
        }
        ctx.wrote(&p.dest);
        let mut out = match options.open(&p.dest) {
            Ok(f) => f,
            // Replacing an earlier install's file (or a symlink): remove it
            // and create ours, rather than stat every path up front.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                fs_err::remove_file(&p.dest)?;
                options.open(&p.dest)?
            }
            // the directory vanished (a concurrent uninstall pruned it): once more
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                dirs.forget(parent);
                dirs.ensure(parent)?;
                options.open(&p.dest)?
            }
            Err(e) => return Err(e.into()),
        };
        let mut hasher = Sha256::new();
        hasher.update(&prefix);
        out.write_all(&prefix)?;
        let mut size = prefix.len() as u64;
        loop {
            let n = entry.read(&mut buf).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            size += n as u64;
        }
        let hash = verify(ctx.wheel, &p.entry, want, hasher, size)?;
        rows.push(RecordRow {
            path: relative_path(&venv.site_packages, &p.dest),
            hash,
            size: Some(size),
        });
    }
    Ok(rows)
}

/// Entry-point scripts, `INSTALLER`, `REQUESTED` and the new `RECORD`.
fn finish(
    ctx: &Ctx,
    mut rows: Vec<RecordRow>,
    dist_info: &str,
    opts: &InstallOptions,
) -> Result<(), InstallError> {
    let venv = ctx.venv;
    let dist_info_dir = venv.site_packages.join(dist_info);
    fs_err::create_dir_all(&dist_info_dir)?;
    fs_err::create_dir_all(&venv.bin)?;
    let ep_path = dist_info_dir.join("entry_points.txt");
    if ep_path.is_file() {
        let text = fs_err::read_to_string(&ep_path)?;
        let entries = script_entries(&text, &ep_path)?;
        for e in &entries {
            ctx.wrote(&venv.bin.join(&e.name));
        }
        rows.extend(write_scripts(
            &entries,
            &venv.bin,
            &venv.python,
            &venv.site_packages,
        )?);
    }
    let mut small = |name: &str, content: &[u8]| -> Result<(), InstallError> {
        let path = dist_info_dir.join(name);
        ctx.wrote(&path);
        fs_err::write(&path, content)?;
        rows.push(RecordRow {
            path: relative_path(&venv.site_packages, &path),
            hash: super::record::record_hash_bytes(content),
            size: Some(content.len() as u64),
        });
        Ok(())
    };
    small("INSTALLER", format!("{}\n", opts.installer).as_bytes())?;
    if opts.requested {
        small("REQUESTED", b"")?;
    }
    let record_path = dist_info_dir.join("RECORD");
    ctx.wrote(&record_path);
    let record_rel = relative_path(&venv.site_packages, &record_path);
    fs_err::write(&record_path, render_record(rows, &record_rel))?;
    Ok(())
}

/// Compare a computed hash and size with the wheel's RECORD row; returns the
/// `sha256=...` form for the new RECORD.
fn verify(
    wheel: &Path,
    entry: &str,
    want: Option<&RecordRow>,
    hasher: Sha256,
    size: u64,
) -> Result<String, InstallError> {
    let got = record_hash(hasher);
    let Some(want) = want else { return Ok(got) };
    let mismatch = |expected: String, actual: String| InstallError::HashMismatch {
        wheel: wheel.to_path_buf(),
        entry: entry.to_string(),
        expected,
        actual,
    };
    if let Some(digest) = want.hash.strip_prefix("sha256=") {
        let digest = digest.trim_end_matches('=');
        if got.strip_prefix("sha256=") != Some(digest) {
            return Err(mismatch(want.hash.clone(), got));
        }
    } else if !want.hash.is_empty() {
        tracing::debug!(
            "{entry}: RECORD hash `{}` not checked (only sha256 is)",
            want.hash
        );
    }
    if let Some(s) = want.size {
        if s != size {
            return Err(mismatch(format!("{s} bytes"), format!("{size} bytes")));
        }
    }
    Ok(got)
}

/// Split an archive entry name into path components, refusing anything that could
/// escape its target directory.
fn safe_components(name: &str) -> Result<Vec<String>, String> {
    if name.contains('\0') {
        return Err("contains a NUL byte".into());
    }
    if name.contains('\\') {
        return Err("contains a backslash".into());
    }
    if name.starts_with('/') {
        return Err("has an absolute path".into());
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err("has an absolute (drive-letter) path".into());
    }
    let mut parts = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("has a `..` component".into()),
            other => parts.push(other.to_string()),
        }
    }
    Ok(parts)
}

/// Every distinct top-level `*.dist-info` directory of the archive, sorted.
fn dist_info_dirs(names: &[String]) -> Vec<&str> {
    let mut dirs: Vec<&str> = names
        .iter()
        .filter_map(|n| n.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    dirs
}

/// Check that the `Name` and `Version` of a wheel's METADATA (core metadata)
/// are those of its filename: the names equal once normalized (PEP 503), the
/// versions equal under PEP 440 (`1.0` and `1.0.0` are one version).
///
/// # Errors
/// A sentence saying which field differs, or that one is missing.
pub(crate) fn check_metadata_identity(
    metadata: &str,
    filename: &WheelFilename,
) -> Result<(), String> {
    let name = header_value(metadata, "Name").ok_or("its METADATA has no `Name`")?;
    let version = header_value(metadata, "Version").ok_or("its METADATA has no `Version`")?;
    if PackageName::from_str(name).ok().as_ref() != Some(&filename.name) {
        return Err(format!(
            "its METADATA says `Name: {name}`, but the filename names `{}`",
            filename.name
        ));
    }
    if Version::from_str(version).ok().as_ref() != Some(&filename.version) {
        return Err(format!(
            "its METADATA says `Version: {version}`, but the filename says `{}`",
            filename.version
        ));
    }
    Ok(())
}

/// Whether a script name (a file of `.data/scripts`, or a console/GUI entry
/// point) would replace one of the files a virtual environment's `bin` owns:
/// the interpreter launchers (`python`, `python3`, `python3.12`, `python3.13t`,
/// `pythonw`, `pypy3.10`, `graalpy`...), the activation scripts (`activate`,
/// `activate.fish`, `Activate.ps1`, `activate_this.py`, `deactivate`...) and
/// `pydoc`. Case-insensitive, and a `.exe`/`.py`/`.bat`/`.cmd` suffix is
/// ignored, so a wheel is judged the same on every platform.
pub(crate) fn is_reserved_script(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower == "activate_this.py" || lower.starts_with("activate.") {
        return true;
    }
    let base = [".exe", ".py", ".bat", ".cmd"]
        .iter()
        .find_map(|s| lower.strip_suffix(s))
        .unwrap_or(&lower);
    if base == "activate" || base == "deactivate" {
        return true;
    }
    // A launcher name alone or followed by a version: `python`, `python3`,
    // `python3.12`, `python3.13t`, `pypy3.10`, `pydoc3`...
    let numeric = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    ["pythonw", "python", "pypy", "graalpy", "pydoc"]
        .iter()
        .filter_map(|launcher| base.strip_prefix(launcher))
        .any(|rest| {
            let rest = rest.strip_suffix('t').unwrap_or(rest);
            rest.is_empty() || (rest.split('.').count() <= 2 && rest.split('.').all(numeric))
        })
}

/// The top-level `*.dist-info` directory whose name and version match the filename.
fn find_dist_info(names: &[String], filename: &WheelFilename) -> Option<String> {
    let mut candidates: Vec<&str> = names
        .iter()
        .filter_map(|n| n.split('/').next())
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .find(|top| {
            let stem = top.trim_end_matches(".dist-info");
            let Some((n, v)) = stem.rsplit_once('-') else {
                return false;
            };
            PackageName::from_str(n).is_ok_and(|n| n == filename.name)
                && Version::from_str(v).is_ok_and(|v| v == filename.version)
        })
        .map(str::to_string)
}

/// Read a whole (small) entry by name; `None` when absent.
fn read_entry<R: Read + std::io::Seek>(
    archive: &mut ZipArchive<R>,
    name: &str,
) -> Result<Option<Vec<u8>>, zip::result::ZipError> {
    match archive.by_name(name) {
        Ok(mut f) => {
            let mut v = Vec::with_capacity(f.size() as usize);
            f.read_to_end(&mut v)?;
            Ok(Some(v))
        }
        Err(zip::result::ZipError::FileNotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// First value of an email-style header (`Key: value`), case-insensitive key.
fn header_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim())
}
