//! [`WheelBuilder`] and [`SdistBuilder`]: real, deterministic wheels and sdists
//! built in Rust for the test indexes.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{escaped_name, import_name, toml_str, urlsafe_b64_nopad};

// ---------------------------------------------------------------------------
// WheelBuilder
// ---------------------------------------------------------------------------

/// Builds a valid wheel (dist-info METADATA 2.1, WHEEL, RECORD with urlsafe
/// b64 sha256 hashes, entry_points.txt). Output is deterministic.
#[derive(Debug, Clone)]
pub struct WheelBuilder {
    name: String,
    version: String,
    requires_dist: Vec<String>,
    provides_extra: Vec<String>,
    requires_python: Option<String>,
    modules: Vec<(String, String)>,
    console_scripts: Vec<(String, String)>,
    tag: String,
    summary: String,
}

impl WheelBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        WheelBuilder {
            name: name.to_string(),
            version: version.to_string(),
            requires_dist: Vec::new(),
            provides_extra: Vec::new(),
            requires_python: None,
            modules: Vec::new(),
            console_scripts: Vec::new(),
            tag: "py3-none-any".to_string(),
            summary: format!("{name} test package"),
        }
    }

    pub fn requires_dist(mut self, req: &str) -> Self {
        self.requires_dist.push(req.to_string());
        self
    }

    pub fn provides_extra(mut self, extra: &str) -> Self {
        self.provides_extra.push(extra.to_string());
        self
    }

    pub fn requires_python(mut self, spec: &str) -> Self {
        self.requires_python = Some(spec.to_string());
        self
    }

    /// Adds a file at `path` (e.g. `"name/__init__.py"`). Without any module
    /// a default `<import_name>/__init__.py` is written.
    pub fn module(mut self, path: &str, content: &str) -> Self {
        self.modules.push((path.to_string(), content.to_string()));
        self
    }

    pub fn console_script(mut self, name: &str, target: &str) -> Self {
        self.console_scripts
            .push((name.to_string(), target.to_string()));
        self
    }

    /// Compressed tag set, e.g. `py3-none-any` or `py2.py3-none-any`.
    pub fn tag(mut self, tag: &str) -> Self {
        self.tag = tag.to_string();
        self
    }

    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.to_string();
        self
    }

    pub fn filename(&self) -> String {
        format!(
            "{}-{}-{}.whl",
            escaped_name(&self.name),
            self.version,
            self.tag
        )
    }

    pub fn dist_info(&self) -> String {
        format!("{}-{}.dist-info", escaped_name(&self.name), self.version)
    }

    /// The METADATA file (core metadata 2.1).
    pub fn metadata(&self) -> String {
        core_metadata(
            "2.1",
            &self.name,
            &self.version,
            &self.summary,
            self.requires_python.as_deref(),
            &self.requires_dist,
            &self.provides_extra,
        )
    }

    fn wheel_file(&self) -> String {
        let mut s =
            String::from("Wheel-Version: 1.0\nGenerator: envy-tests 0.1\nRoot-Is-Purelib: true\n");
        let parts: Vec<&str> = self.tag.splitn(3, '-').collect();
        assert_eq!(parts.len(), 3, "bad tag {}", self.tag);
        for py in parts[0].split('.') {
            for abi in parts[1].split('.') {
                for plat in parts[2].split('.') {
                    let _ = writeln!(s, "Tag: {py}-{abi}-{plat}");
                }
            }
        }
        s
    }

    /// Files of the wheel in archive order (RECORD last).
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        if self.modules.is_empty() {
            files.push((
                format!("{}/__init__.py", import_name(&self.name)),
                format!("__version__ = {:?}\nNAME = {:?}\n", self.version, self.name).into_bytes(),
            ));
        } else {
            for (p, c) in &self.modules {
                files.push((p.clone(), c.clone().into_bytes()));
            }
        }
        let di = self.dist_info();
        files.push((format!("{di}/METADATA"), self.metadata().into_bytes()));
        files.push((format!("{di}/WHEEL"), self.wheel_file().into_bytes()));
        if !self.console_scripts.is_empty() {
            let mut ep = String::from("[console_scripts]\n");
            for (n, t) in &self.console_scripts {
                let _ = writeln!(ep, "{n} = {t}");
            }
            files.push((format!("{di}/entry_points.txt"), ep.into_bytes()));
        }
        let mut record = String::new();
        for (p, c) in &files {
            let _ = writeln!(
                record,
                "{p},sha256={},{}",
                urlsafe_b64_nopad(&Sha256::digest(c)),
                c.len()
            );
        }
        let _ = writeln!(record, "{di}/RECORD,,");
        files.push((format!("{di}/RECORD"), record.into_bytes()));
        files
    }

    /// Writes the wheel into `dir` and returns its path.
    pub fn build(&self, dir: &Path) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let path = dir.join(self.filename());
        let file = fs::File::create(&path).unwrap();
        let mut zw = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for (name, content) in self.files() {
            zw.start_file(name, opts).unwrap();
            zw.write_all(&content).unwrap();
        }
        zw.finish().unwrap();
        path
    }
}

fn core_metadata(
    metadata_version: &str,
    name: &str,
    version: &str,
    summary: &str,
    requires_python: Option<&str>,
    requires_dist: &[String],
    provides_extra: &[String],
) -> String {
    let mut s = format!(
        "Metadata-Version: {metadata_version}\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
    );
    if let Some(rp) = requires_python {
        let _ = writeln!(s, "Requires-Python: {rp}");
    }
    for e in provides_extra {
        let _ = writeln!(s, "Provides-Extra: {e}");
    }
    for r in requires_dist {
        let _ = writeln!(s, "Requires-Dist: {r}");
    }
    s
}

// ---------------------------------------------------------------------------
// SdistBuilder
// ---------------------------------------------------------------------------

const BACKEND_PY: &str = r#"# Minimal in-tree PEP 517 backend used by envy's tests.
import base64
import hashlib
import os
import zipfile

from _envy_meta import NAME, VERSION, METADATA, PACKAGE

_DIST = NAME.replace("-", "_").replace(".", "_").lower() + "-" + VERSION
_DIST_INFO = _DIST + ".dist-info"
_WHEEL = "Wheel-Version: 1.0\nGenerator: envy-test-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    d = os.path.join(metadata_directory, _DIST_INFO)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write(METADATA)
    with open(os.path.join(d, "WHEEL"), "w") as f:
        f.write(_WHEEL)
    return _DIST_INFO


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (path, digest, len(data))


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    here = os.path.dirname(os.path.abspath(__file__))
    files = []
    for root, dirs, names in os.walk(os.path.join(here, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            full = os.path.join(root, n)
            with open(full, "rb") as f:
                files.append((os.path.relpath(full, here).replace(os.sep, "/"), f.read()))
    files.append((_DIST_INFO + "/METADATA", METADATA.encode()))
    files.append((_DIST_INFO + "/WHEEL", _WHEEL.encode()))
    record = "".join(_record_line(p, d) for p, d in files) + _DIST_INFO + "/RECORD,,\n"
    files.append((_DIST_INFO + "/RECORD", record.encode()))
    name = _DIST + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files:
            z.writestr(p, d)
    return name


build_editable = build_wheel
"#;

/// Builds `name-1.0.tar.gz` with PKG-INFO (Metadata-Version 2.2) and a
/// pyproject.toml whose build backend is a tiny in-tree module
/// (`backend-path = ["."]`), so building needs no network.
#[derive(Debug, Clone)]
pub struct SdistBuilder {
    name: String,
    version: String,
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    modules: Vec<(String, String)>,
}

impl SdistBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        SdistBuilder {
            name: name.to_string(),
            version: version.to_string(),
            requires_dist: Vec::new(),
            requires_python: None,
            modules: Vec::new(),
        }
    }

    pub fn requires_dist(mut self, req: &str) -> Self {
        self.requires_dist.push(req.to_string());
        self
    }

    pub fn requires_python(mut self, spec: &str) -> Self {
        self.requires_python = Some(spec.to_string());
        self
    }

    /// Adds a module file relative to the package root (default:
    /// `<import_name>/__init__.py`).
    pub fn module(mut self, path: &str, content: &str) -> Self {
        self.modules.push((path.to_string(), content.to_string()));
        self
    }

    pub fn base(&self) -> String {
        format!("{}-{}", escaped_name(&self.name), self.version)
    }

    pub fn filename(&self) -> String {
        format!("{}.tar.gz", self.base())
    }

    pub fn pkg_info(&self) -> String {
        core_metadata(
            "2.2",
            &self.name,
            &self.version,
            &format!("{} test sdist", self.name),
            self.requires_python.as_deref(),
            &self.requires_dist,
            &[],
        )
    }

    fn pyproject(&self) -> String {
        let deps: Vec<String> = self.requires_dist.iter().map(|d| toml_str(d)).collect();
        let mut s = format!(
            "[build-system]\nrequires = []\nbuild-backend = \"envy_test_backend\"\nbackend-path = [\".\"]\n\n[project]\nname = {}\nversion = {}\ndependencies = [{}]\n",
            toml_str(&self.name),
            toml_str(&self.version),
            deps.join(", ")
        );
        if let Some(rp) = &self.requires_python {
            let _ = writeln!(s, "requires-python = {}", toml_str(rp));
        }
        s
    }

    /// The files of the sdist's tree (relative paths, without the
    /// `name-version/` prefix): a project with an in-tree backend.
    pub fn tree_files(&self) -> Vec<(String, Vec<u8>)> {
        let pkg = import_name(&self.name);
        let meta_py = format!(
            "NAME = {}\nVERSION = {}\nMETADATA = {}\nPACKAGE = {}\n",
            serde_json::to_string(&self.name).unwrap(),
            serde_json::to_string(&self.version).unwrap(),
            serde_json::to_string(&self.pkg_info()).unwrap(),
            serde_json::to_string(&pkg).unwrap(),
        );
        let mut files: Vec<(String, Vec<u8>)> = vec![
            ("PKG-INFO".into(), self.pkg_info().into_bytes()),
            ("pyproject.toml".into(), self.pyproject().into_bytes()),
            (
                "envy_test_backend.py".into(),
                BACKEND_PY.as_bytes().to_vec(),
            ),
            ("_envy_meta.py".into(), meta_py.into_bytes()),
        ];
        if self.modules.is_empty() {
            files.push((
                format!("{pkg}/__init__.py"),
                format!("__version__ = {:?}\n", self.version).into_bytes(),
            ));
        } else {
            for (p, c) in &self.modules {
                files.push((p.clone(), c.clone().into_bytes()));
            }
        }
        files
    }

    /// Writes the sdist's tree, unpacked, into `dir` (a local source tree
    /// with an in-tree backend, for path dependencies).
    pub fn write_tree(&self, dir: &Path) {
        for (p, c) in self.tree_files() {
            let path = dir.join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, c).unwrap();
        }
    }

    pub fn build(&self, dir: &Path) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let base = self.base();
        let files = self.tree_files();
        let path = dir.join(self.filename());
        let gz = flate2::GzBuilder::new().mtime(0).write(
            fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        let mut tb = tar::Builder::new(gz);
        tb.mode(tar::HeaderMode::Deterministic);
        for (p, c) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(c.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_uid(0);
            h.set_gid(0);
            h.set_entry_type(tar::EntryType::Regular);
            tb.append_data(&mut h, format!("{base}/{p}"), c.as_slice())
                .unwrap();
        }
        tb.into_inner().unwrap().finish().unwrap();
        path
    }
}

impl WheelBuilder {
    /// Adds `Requires-Python: >=3.8` unless one was set.
    pub(super) fn requires_python_default(&self) -> WheelBuilder {
        let mut w = self.clone();
        if w.requires_python.is_none() {
            w.requires_python = Some(">=3.8".into());
        }
        w
    }
}

/// Write `<name>-<version>.tar.gz` into `dir`: an sdist whose PKG-INFO is
/// Metadata-Version 2.1 (not trusted, PEP 643), with an in-tree backend whose
/// `prepare_metadata_for_build_wheel` reports `requires_dist`, so locking must
/// ask the backend for the metadata.
pub fn untrusted_metadata_sdist(dir: &Path, name: &str, version: &str, requires_dist: &[&str]) {
    untrusted_metadata_sdist_with(
        dir,
        name,
        version,
        requires_dist,
        &UntrustedBackend::default(),
    );
}

/// What the backend of [`untrusted_metadata_sdist_with`] does besides
/// answering.
#[derive(Default)]
pub struct UntrustedBackend<'a> {
    /// A file `prepare_metadata_for_build_wheel` appends `<name> <version>`
    /// and a newline to on each run, so a test can count backend runs.
    pub runs_file: Option<&'a Path>,
    /// `prepare_metadata_for_build_wheel` raises after recording its run.
    pub fail: bool,
}

/// [`untrusted_metadata_sdist`] whose backend records its runs and may fail
/// (see [`UntrustedBackend`]).
pub fn untrusted_metadata_sdist_with(
    dir: &Path,
    name: &str,
    version: &str,
    requires_dist: &[&str],
    backend_does: &UntrustedBackend,
) {
    let stem = format!("{}-{version}", name.replace('-', "_"));
    let mut meta = format!("Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n");
    for r in requires_dist {
        meta.push_str(&format!("Requires-Dist: {r}\\n"));
    }
    let mut record = String::new();
    if let Some(f) = backend_does.runs_file {
        record.push_str(&format!(
            "    with open({:?}, \"a\") as f:\n        f.write(\"{name} {version}\\n\")\n",
            f.display().to_string()
        ));
    }
    if backend_does.fail {
        record.push_str("    raise RuntimeError(\"this backend cannot prepare metadata\")\n");
    }
    let backend = format!(
        r#"
import os
META = "{meta}"
def prepare_metadata_for_build_wheel(d, config_settings=None):
{record}    os.makedirs(os.path.join(d, "{stem}.dist-info"))
    with open(os.path.join(d, "{stem}.dist-info", "METADATA"), "w") as f:
        f.write(META)
    return "{stem}.dist-info"
"#
    );
    let files = [
        (
            format!("{stem}/PKG-INFO"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        ),
        (
            format!("{stem}/pyproject.toml"),
            "[build-system]\nrequires = []\nbuild-backend = \"meta_backend\"\nbackend-path = [\".\"]\n".to_string(),
        ),
        (format!("{stem}/meta_backend.py"), backend),
    ];
    let f = std::fs::File::create(dir.join(format!("{stem}.tar.gz"))).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut t = tar::Builder::new(gz);
    for (path, content) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(content.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        t.append_data(&mut h, path, content.as_bytes()).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap().flush().unwrap();
}
