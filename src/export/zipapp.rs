//! `--format zipapp`: one PEP 441 executable zip holding the project's source and
//! its locked dependencies.
//!
//! Pure wheels (`Root-Is-Purelib: true`, no `.so`/`.pyd`/`.dylib`/`.dll`) are unpacked
//! into the archive root, next to the project's package, so they import straight from
//! the zip. Other wheels are stored whole under `.envy/native/`; `__main__.py` unpacks
//! them once into `$ENVY_ZIPAPP_ROOT/<key>` (default: the user cache dir +
//! `envy/zipapp`), where `<key>` hashes their contents, and later starts only check
//! that directory. The archive is deterministic: entries sorted, every timestamp
//! 1980-01-01 00:00, fixed permissions. `.envy/pylock.toml` is the lock it was made
//! from and `.envy/SHA256SUMS` the sha256 of every other file in it.

use super::BundleWheel;
use super::{ExportError, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

pub use super::entry::EntryPoint;
use super::entry::ModuleCode;

/// Everything a zipapp is made of.
#[derive(Debug, Clone)]
pub struct ZipappSpec {
    /// The interpreter line, without `#!`, e.g. `/usr/bin/env python3`.
    pub shebang: String,
    /// What to run.
    pub entry: EntryPoint,
    /// The project's source files: (archive path, file on disk).
    pub project_files: Vec<(String, PathBuf)>,
    /// The dependencies' wheels.
    pub wheels: Vec<BundleWheel>,
    /// The `pylock.toml` the archive carries, as `.envy/pylock.toml`.
    pub pylock: String,
    /// Precompile the archive's `.py` files with this interpreter (the target's),
    /// as unchecked-hash `.pyc` files next to the sources, so starts skip compiling.
    pub compile_with: Option<PathBuf>,
    /// Where compiled `.pyc` files are kept for the next build, one directory
    /// per interpreter (e.g. `<cache>/pyc-v1/cpython-3.11.7`), by the sha256 of
    /// the archive path and the source: a rebuild compiles only what changed,
    /// and runs no interpreter when nothing did. `None`: compile everything.
    pub pyc_cache: Option<PathBuf>,
}

/// What was built.
#[derive(Debug, Clone)]
pub struct Zipapp {
    /// The whole file: shebang line + zip.
    pub bytes: Vec<u8>,
    /// Wheels unpacked into the archive.
    pub pure: Vec<String>,
    /// Wheels unpacked at first start.
    pub native: Vec<String>,
    /// The cache key of the native part (empty when there is none).
    pub key: String,
}

struct Entry {
    data: Vec<u8>,
    deflate: bool,
}

fn invalid(w: &BundleWheel, what: impl std::fmt::Display) -> ExportError {
    ExportError::InvalidWheel {
        filename: w.file.filename().to_string(),
        reason: what.to_string(),
    }
}

/// A file to put in the archive: (path, content).
type ArchiveFile = (String, Vec<u8>);

/// Whether a wheel has native code: `Root-Is-Purelib` is not `true`, or any file
/// is a shared library. Also returns its files (name, content) when pure.
fn classify(w: &BundleWheel) -> Result<Option<Vec<ArchiveFile>>> {
    let file = fs_err::File::open(&w.path)?;
    let mut archive = ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| invalid(w, e))?;
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    let native_ext = |n: &str| {
        let base = n.rsplit('/').next().unwrap_or(n);
        [".so", ".pyd", ".dylib", ".dll"]
            .iter()
            .any(|e| base.ends_with(e))
            || base.contains(".so.")
    };
    if names.iter().any(|n| native_ext(n)) {
        return Ok(None);
    }
    let wheel_meta = names
        .iter()
        .find(|n| {
            let mut parts = n.split('/');
            parts.next().is_some_and(|p| p.ends_with(".dist-info"))
                && parts.next() == Some("WHEEL")
                && parts.next().is_none()
        })
        .ok_or_else(|| invalid(w, "no `.dist-info/WHEEL`"))?
        .clone();
    let mut meta = String::new();
    archive
        .by_name(&wheel_meta)
        .map_err(|e| invalid(w, e))?
        .read_to_string(&mut meta)?;
    let purelib = meta.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("Root-Is-Purelib")
                && v.trim().eq_ignore_ascii_case("true")
        })
    });
    if !purelib {
        return Ok(None);
    }
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).map_err(|e| invalid(w, e))?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().to_string();
        let Some(parts) = safe_parts(&name) else {
            return Err(invalid(w, format!("unsafe entry `{name}`")));
        };
        let parts: Vec<&str> = if parts[0].ends_with(".data") {
            match parts.get(1) {
                Some(&"purelib") | Some(&"platlib") if parts.len() > 2 => parts[2..].to_vec(),
                _ => continue, // scripts, headers, data: not importable
            }
        } else {
            parts
        };
        let mut data = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut data)?;
        files.push((parts.join("/"), data));
    }
    Ok(Some(files))
}

/// The code of `module` in the archive being built: its source among `entries`
/// (the project and the pure wheels), else its source or compiled extension in a
/// native wheel; `None` when the bundle does not have it.
fn module_code(
    module: &str,
    entries: &BTreeMap<String, Entry>,
    native: &[&BundleWheel],
) -> Result<Option<ModuleCode>> {
    let sources = super::entry::source_paths(module);
    if let Some(e) = sources.iter().find_map(|p| entries.get(p)) {
        return Ok(Some(ModuleCode::Source(e.data.clone())));
    }
    for w in native {
        let file = fs_err::File::open(&w.path)?;
        let mut archive =
            ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| invalid(w, e))?;
        let names: Vec<String> = archive.file_names().map(str::to_string).collect();
        for name in names {
            let Some(parts) = safe_parts(&name) else {
                continue;
            };
            let parts = if parts[0].ends_with(".data") {
                match parts.get(1) {
                    Some(&"purelib") | Some(&"platlib") if parts.len() > 2 => parts[2..].to_vec(),
                    _ => continue,
                }
            } else {
                parts
            };
            let path = parts.join("/");
            if sources.contains(&path) {
                let mut data = Vec::new();
                archive
                    .by_name(&name)
                    .map_err(|e| invalid(w, e))?
                    .read_to_end(&mut data)?;
                return Ok(Some(ModuleCode::Source(data)));
            }
            if super::entry::is_compiled_module(&path, module) {
                return Ok(Some(ModuleCode::Compiled));
            }
        }
    }
    Ok(None)
}

fn safe_parts(name: &str) -> Option<Vec<&str>> {
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let parts: Vec<&str> = name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.iter().any(|p| *p == ".." || p.contains(':')) {
        return None;
    }
    Some(parts)
}

/// Build the zipapp.
///
/// # Errors
/// Unreadable wheels or source files; two wheels with the same file; zip errors.
pub fn build(spec: &ZipappSpec) -> Result<Zipapp> {
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for (name, path) in &spec.project_files {
        entries.insert(
            name.clone(),
            Entry {
                data: fs_err::read(path)?,
                deflate: true,
            },
        );
        owner.insert(name.clone(), "the project".into());
    }
    let mut wheels: Vec<&BundleWheel> = spec.wheels.iter().collect();
    wheels.sort_by(|a, b| a.name.cmp(&b.name));
    let mut pure = Vec::new();
    let mut native: Vec<&BundleWheel> = Vec::new();
    for w in wheels {
        match classify(w)? {
            Some(files) => {
                for (name, data) in files {
                    if let Some(first) = owner.get(&name) {
                        return Err(ExportError::ZipappConflict {
                            name,
                            first: first.clone(),
                            second: w.file.filename().to_string(),
                        });
                    }
                    owner.insert(name.clone(), format!("`{}`", w.file.filename()));
                    entries.insert(
                        name,
                        Entry {
                            data,
                            deflate: true,
                        },
                    );
                }
                pure.push(w.file.filename().to_string());
            }
            None => native.push(w),
        }
    }
    let key = if native.is_empty() {
        String::new()
    } else {
        let mut h = Sha256::new();
        h.update(b"envy-zipapp-native-v1\n");
        for w in &native {
            h.update(format!("{} {}\n", w.file.filename(), w.file.sha256()).as_bytes());
        }
        hex::encode(h.finalize())[..32].to_string()
    };
    let mut members = Vec::new();
    for w in &native {
        let member = format!(".envy/native/{}", w.file.filename());
        entries.insert(
            member.clone(),
            Entry {
                data: fs_err::read(&w.path)?,
                deflate: false,
            },
        );
        members.push(member);
    }
    if let EntryPoint::Function { module, function } = &spec.entry {
        let code = module_code(module, &entries, &native)?;
        super::entry::check_function(module, function, code.as_ref())?;
    }
    entries.insert(
        "__main__.py".into(),
        Entry {
            data: main_py(&spec.entry, &members, &key).into_bytes(),
            deflate: true,
        },
    );

    entries.insert(
        format!(".envy/{}", super::manifest::PYLOCK),
        Entry {
            data: spec.pylock.clone().into_bytes(),
            deflate: true,
        },
    );
    if let Some(python) = &spec.compile_with {
        precompile(python, spec.pyc_cache.as_deref(), &mut entries)?;
    }
    // Last: the manifest of every other file.
    let hashes: Vec<(String, String)> = entries
        .iter()
        .map(|(name, e)| (name.clone(), crate::types::hash::sha256_bytes(&e.data)))
        .collect();
    entries.insert(
        format!(".envy/{}", super::manifest::MANIFEST),
        Entry {
            data: super::manifest::render(hashes.iter().map(|(n, h)| (n.as_str(), h.as_str())))
                .into_bytes(),
            deflate: true,
        },
    );
    // Directory entries: zipimport (before Python 3.13) finds namespace packages
    // (directories without `__init__.py`, e.g. `flask/sansio`) only through them.
    let dirs: Vec<String> = entries
        .keys()
        .flat_map(|name| {
            let parts: Vec<&str> = name.split('/').collect();
            (1..parts.len())
                .map(|i| format!("{}/", parts[..i].join("/")))
                .collect::<Vec<_>>()
        })
        .collect();
    for d in dirs {
        entries.entry(d).or_insert(Entry {
            data: Vec::new(),
            deflate: false,
        });
    }

    let mut bytes = format!("#!{}\n", spec.shebang.trim()).into_bytes();
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, e) in &entries {
        if name.ends_with('/') {
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Stored)
                .last_modified_time(DateTime::default())
                .unix_permissions(0o755);
            zip.add_directory(name.trim_end_matches('/'), options)
                .map_err(|source| ExportError::Zip {
                    what: "zipapp",
                    source,
                })?;
            continue;
        }
        let options = SimpleFileOptions::default()
            .compression_method(if e.deflate {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            })
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644)
            .large_file(e.data.len() >= 0xFFFF_FFFF);
        zip.start_file(name.as_str(), options)
            .map_err(|source| ExportError::Zip {
                what: "zipapp",
                source,
            })?;
        zip.write_all(&e.data)?;
    }
    let cursor = zip.finish().map_err(|source| ExportError::Zip {
        what: "zipapp",
        source,
    })?;
    bytes.extend_from_slice(&cursor.into_inner());
    Ok(Zipapp {
        bytes,
        pure,
        native: native
            .iter()
            .map(|w| w.file.filename().to_string())
            .collect(),
        key,
    })
}

/// Add `name.pyc` (PEP 552 unchecked-hash, so reproducible and never re-checked
/// against the source) next to every `name.py` of the archive, compiled by `python`
/// (`compileall -b`). zipimport prefers them and falls back to the source on a
/// magic-number mismatch, so a different target Python still works, only slower.
/// Files that do not compile are left as source only. With `cache` (a directory
/// for this interpreter), a `.pyc` compiled earlier from the same archive path
/// and source is taken from there (stored with its own sha256, checked on
/// every use); the interpreter runs only for the rest, and what it compiles is
/// kept there for next time.
fn precompile(
    python: &std::path::Path,
    cache: Option<&std::path::Path>,
    entries: &mut BTreeMap<String, Entry>,
) -> Result<()> {
    let sources: Vec<String> = entries
        .keys()
        .filter(|n| n.ends_with(".py") && n.as_str() != "__main__.py")
        .cloned()
        .collect();
    // The compiled file depends on the source and on its archive path (the
    // code object's file name), so both make the key.
    let cached_path = |name: &str, data: &[u8]| {
        cache.map(|dir| {
            let mut h = Sha256::new();
            h.update(name.as_bytes());
            h.update([0]);
            h.update(data);
            dir.join(format!("{}.pyc", hex::encode(h.finalize())))
        })
    };
    let mut to_compile = Vec::new();
    for name in &sources {
        let pyc = format!("{name}c");
        if entries.contains_key(&pyc) {
            continue;
        }
        let hit = cached_path(name, &entries[name].data)
            .and_then(|p| fs_err::read(p).ok())
            .and_then(|stored| checked_pyc(&stored));
        match hit {
            Some(data) => {
                entries.insert(
                    pyc,
                    Entry {
                        data,
                        deflate: true,
                    },
                );
            }
            None => to_compile.push(name.clone()),
        }
    }
    if to_compile.is_empty() {
        return Ok(());
    }
    let tmp = tempfile::tempdir()?;
    for name in &to_compile {
        let dest = name
            .split('/')
            .fold(tmp.path().to_path_buf(), |p, c| p.join(c));
        if let Some(parent) = dest.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&dest, &entries[name].data)?;
    }
    let status = std::process::Command::new(python)
        .args([
            "-I",
            "-m",
            "compileall",
            "-q",
            "-q",
            "-b",
            "--invalidation-mode",
        ])
        .arg("unchecked-hash")
        .arg("-s")
        .arg(tmp.path())
        .arg(tmp.path())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|source| ExportError::Run {
            python: python.to_path_buf(),
            source,
        })?;
    if !status.success() {
        tracing::debug!("compileall exited with {status}; some files stay source-only");
    }
    if let Some(dir) = cache {
        // Best effort: a cache that cannot be written only costs time.
        let _ = fs_err::create_dir_all(dir);
    }
    for name in &to_compile {
        let pyc = format!("{name}c");
        let path = pyc
            .split('/')
            .fold(tmp.path().to_path_buf(), |p, c| p.join(c));
        if let Ok(data) = fs_err::read(&path) {
            if let Some(keep) = cached_path(name, &entries[name].data) {
                let mut stored = data.clone();
                stored.extend_from_slice(&Sha256::digest(&data));
                let _ = crate::util::write_atomic(&keep, &stored);
            }
            entries.entry(pyc).or_insert(Entry {
                data,
                deflate: true,
            });
        }
    }
    Ok(())
}

/// A cached `.pyc` as stored: its bytes followed by their sha256 (32 bytes).
/// `None` when the digest does not match (a damaged file is compiled again).
fn checked_pyc(stored: &[u8]) -> Option<Vec<u8>> {
    let (data, digest) = stored.split_at(stored.len().checked_sub(32)?);
    (Sha256::digest(data).as_slice() == digest).then(|| data.to_vec())
}

/// The interpreter mode of `__main__.py`: what `python` does with its arguments,
/// for the forms a bundle needs (no arguments: a REPL on a terminal, else the
/// program on stdin; `-c CODE`, `-m MODULE`, `-`, a script path; each followed by
/// the arguments the program sees in `sys.argv[1:]`). As with `python`,
/// `sys.path[0]` is the current directory (`-c`, `-m`, stdin, the REPL) or the
/// script's directory, ahead of the bundle.
const INTERPRETER: &str = r#"    def _interpreter(args):
        import runpy
        import types

        def fresh_main():
            main = types.ModuleType("__main__")
            main.__dict__["__builtins__"] = __builtins__
            sys.modules["__main__"] = main
            return main.__dict__

        if args and args[0] in ("-c", "-m"):
            if len(args) < 2:
                sys.stderr.write("Argument expected for the %s option\n" % args[0])
                sys.exit(2)
            if args[0] == "-c":
                sys.argv = ["-c"] + args[2:]
                sys.path.insert(0, "")
                exec(compile(args[1], "<string>", "exec"), fresh_main())
            else:
                sys.argv = [args[1]] + args[2:]
                sys.path.insert(0, os.getcwd())
                runpy.run_module(args[1], run_name="__main__", alter_sys=True)
            return
        if args and args[0] != "-":
            if args[0].startswith("-"):
                sys.stderr.write(
                    "unknown option %s: this zipapp takes -c CODE, -m MODULE, - or a script path "
                    "(pass interpreter options to the python that runs it)\n" % args[0]
                )
                sys.exit(2)
            sys.argv = list(args)
            sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
            runpy.run_path(args[0], run_name="__main__")
            return
        sys.argv = ["-"] + args[1:] if args else [""]
        sys.path.insert(0, "")
        if not args and sys.stdin.isatty():
            import code

            try:
                import readline  # noqa: F401
            except ImportError:
                pass
            banner = 'Python %s on %s\nType "help", "copyright", "credits" or "license" for more information.' % (
                sys.version,
                sys.platform,
            )
            code.interact(banner=banner, local=fresh_main(), exitmsg="")
            return
        exec(compile(sys.stdin.read(), "<stdin>", "exec"), fresh_main())
"#;

fn py_str(s: &str) -> String {
    // JSON string literals are valid Python string literals.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The source of `__main__.py`.
fn main_py(entry: &EntryPoint, native: &[String], key: &str) -> String {
    let members = native
        .iter()
        .map(|m| py_str(m))
        .collect::<Vec<_>>()
        .join(", ");
    let run = match entry {
        EntryPoint::Function { module, function } => format!(
            "    import importlib\n    _obj = importlib.import_module({})\n    for _attr in {}.split(\".\"):\n        _obj = getattr(_obj, _attr)\n    sys.exit(_obj())\n",
            py_str(module),
            py_str(function)
        ),
        EntryPoint::Module(m) => format!(
            "    import runpy\n    runpy.run_module({}, run_name=\"__main__\", alter_sys=True)\n",
            py_str(m)
        ),
        EntryPoint::Interpreter => format!("{INTERPRETER}\n    _interpreter(sys.argv[1:])\n"),
    };
    format!(
        r#"# Generated by envy (`envy export --format zipapp`); do not edit.
import os
import sys

_ARCHIVE = os.path.dirname(os.path.abspath(__file__))
_NATIVE = [{members}]
_KEY = {key}


def _cache_root():
    root = os.environ.get("ENVY_ZIPAPP_ROOT")
    if root:
        return root
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "envy", "zipapp")


def _unpack(target):
    import io
    import shutil
    import tempfile
    import zipfile

    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".unpack-", dir=parent)
    try:
        with zipfile.ZipFile(_ARCHIVE) as app:
            for member in _NATIVE:
                with zipfile.ZipFile(io.BytesIO(app.read(member))) as whl:
                    for info in whl.infolist():
                        parts = [p for p in info.filename.split("/") if p not in ("", ".")]
                        if not parts or info.is_dir():
                            continue
                        if parts[0].endswith(".data"):
                            if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                                continue
                            parts = parts[2:]
                        if ".." in parts or "\\" in info.filename or ":" in parts[0]:
                            raise RuntimeError("unsafe entry %r in %s" % (info.filename, member))
                        dest = os.path.join(tmp, *parts)
                        os.makedirs(os.path.dirname(dest), exist_ok=True)
                        with whl.open(info) as src, open(dest, "wb") as out:
                            shutil.copyfileobj(src, out)
                        mode = (info.external_attr >> 16) & 0o777
                        if mode:
                            os.chmod(dest, mode | 0o600)
        open(os.path.join(tmp, ".envy-complete"), "w").close()
        try:
            os.rename(tmp, target)
        except OSError:
            if not os.path.isfile(os.path.join(target, ".envy-complete")):
                shutil.rmtree(target, ignore_errors=True)
                os.rename(tmp, target)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def _setup():
    where = [i for i, p in enumerate(sys.path) if p and os.path.abspath(p) == _ARCHIVE]
    if where:
        where = where[0]
    else:
        sys.path.insert(0, _ARCHIVE)
        where = 0
    if not _NATIVE:
        return
    target = os.path.join(_cache_root(), _KEY)
    if not os.path.isfile(os.path.join(target, ".envy-complete")):
        _unpack(target)
    sys.path.insert(where + 1, target)


_setup()

if __name__ == "__main__":
{run}"#,
        key = py_str(key),
    )
}

#[cfg(test)]
mod pyc_cache_tests {
    use super::*;

    #[test]
    fn a_cached_pyc_is_used_only_when_its_digest_matches() {
        let data = b"\x6f\x0d\x0d\x0a compiled".to_vec();
        let mut stored = data.clone();
        stored.extend_from_slice(&Sha256::digest(&data));
        assert_eq!(checked_pyc(&stored), Some(data));
        let mut damaged = stored.clone();
        damaged[2] ^= 1;
        assert_eq!(checked_pyc(&damaged), None);
        assert_eq!(checked_pyc(&stored[..20]), None);
        assert_eq!(checked_pyc(b""), None);
    }
}
