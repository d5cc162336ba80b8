#!/usr/bin/env python3
"""Run packse-format resolver scenarios against envy.

For each scenario file (TOML, packse format) this script:

1. builds the scenario's distributions into a temp dir: wheels (with a PEP 658
   ``.metadata`` file beside each) and sdists (PKG-INFO 2.2 plus a tiny
   in-tree build backend), flagging yanked files;
2. serves them as a PEP 691 JSON / PEP 503 HTML simple index on 127.0.0.1;
3. writes a project whose ``pyproject.toml`` holds the scenario's root
   requirements, runs ``envy lock`` and ``envy export`` there and compares the
   pins with ``[expected]``;
4. prints ``PASS name`` / ``FAIL name: reason`` / ``SKIP name: reason`` per
   scenario and a final ``N passed, M failed, K skipped`` line.

Standard library only (Python >= 3.11 for ``tomllib``). See README.md.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import tomllib
import zipfile
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# packse defaults (packse 0.3.x `types.py`): every version gets a wheel and an
# sdist unless told otherwise, wheels are `py3-none-any`, and packages declare
# `Requires-Python: >=3.8`; the environment's interpreter is 3.12.
DEFAULT_PACKAGE_REQUIRES_PYTHON = ">=3.8"
DEFAULT_ROOT_REQUIRES_PYTHON = ">=3.8"
DEFAULT_ENV_PYTHON = "3.12"
DEFAULT_WHEEL_TAG = "py3-none-any"
UPLOAD_TIME = "2024-01-01T00:00:00Z"
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
TAR_MTIME = 1704067200
ROOT_NAME = "packse-scenario-root"
ENVY_TIMEOUT = 120

JSON_CT = "application/vnd.pypi.simple.v1+json"
HTML_CT = "application/vnd.pypi.simple.v1+html"


def normalize(name: str) -> str:
    """PEP 503 name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def file_stem(name: str) -> str:
    """Distribution name as used in wheel/sdist filenames (PEP 427/625)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    path: Path
    data: dict

    @property
    def options(self) -> dict:
        return self.data.get("resolver_options", {}) or {}

    @property
    def environment(self) -> dict:
        return self.data.get("environment", {}) or {}

    @property
    def universal(self) -> bool:
        return bool(self.options.get("universal", False))

    @property
    def root(self) -> dict:
        return self.data.get("root", {}) or {}

    @property
    def expected(self) -> dict:
        return self.data.get("expected", {}) or {}

    def target_python(self) -> str:
        """The Python the (non-universal) resolution is for."""
        return str(
            self.options.get("python")
            or self.environment.get("python")
            or DEFAULT_ENV_PYTHON
        )

    def requires_python(self) -> str:
        """The project's `requires-python`.

        Universal scenarios use `[root] requires_python` (default `>=3.8`).
        Others resolve for one interpreter: `==3.X.*` (or `==3.X.Y` for a
        full version), the target being `[resolver_options] python`, else
        `[environment] python`, else packse's default 3.12.
        """
        if self.universal:
            return str(self.root.get("requires_python") or DEFAULT_ROOT_REQUIRES_PYTHON)
        py = self.target_python()
        if py.count(".") >= 2:
            return f"=={py}"
        return f"=={py}.*"


def load_scenarios(directory: Path) -> list[Scenario]:
    out = []
    for path in sorted(directory.rglob("*.toml")):
        if "examples" in path.relative_to(directory).parts:
            continue
        with open(path, "rb") as f:
            data = tomllib.load(f)
        name = data.get("name", path.stem)
        if name in EXPECTATION_UPDATES:
            data["expected"] = dict(EXPECTATION_UPDATES[name])
        out.append(Scenario(name, path, data))
    return out


# --------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------


@dataclass
class DistFile:
    filename: str
    project: str  # normalized
    version: str
    data: bytes
    requires_python: str | None
    yanked: bool
    metadata: bytes | None = None  # PEP 658, wheels only


def core_metadata(name: str, version: str, meta: dict, metadata_version: str) -> str:
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: packse scenario package {name} {version}",
    ]
    rp = meta.get("requires_python", DEFAULT_PACKAGE_REQUIRES_PYTHON)
    if rp:
        lines.append(f"Requires-Python: {rp}")
    for req in meta.get("requires", []) or []:
        lines.append(f"Requires-Dist: {req}")
    for extra, reqs in (meta.get("extras", {}) or {}).items():
        lines.append(f"Provides-Extra: {extra}")
        for req in reqs:
            lines.append(f"Requires-Dist: {with_extra_marker(req, extra)}")
    return "\n".join(lines) + "\n\n"


def with_extra_marker(req: str, extra: str) -> str:
    if ";" in req:
        base, marker = req.split(";", 1)
        return f'{base.strip()} ; ({marker.strip()}) and extra == "{extra}"'
    return f'{req.strip()} ; extra == "{extra}"'


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"{path},sha256={digest.decode()},{len(data)}"


def build_wheel_bytes(name: str, version: str, metadata: str, tags: list[str]) -> bytes:
    stem = file_stem(name)
    dist_info = f"{stem}-{version}.dist-info"
    files = {
        f"{stem}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: envy-resolver-tests\n"
            "Root-Is-Purelib: true\n"
            + "".join(f"Tag: {t}\n" for t in tags)
        ).encode(),
    }
    record = [record_line(p, d) for p, d in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


# A tiny PEP 517 backend shipped in every sdist: builds a pure wheel from PKG-INFO.
BACKEND = '''\
"""Minimal in-tree PEP 517 backend for packse scenario sdists."""
import base64, hashlib, os, zipfile

def _meta():
    with open("PKG-INFO", encoding="utf-8") as f:
        text = f.read()
    head = {}
    for line in text.split("\\n\\n", 1)[0].splitlines():
        k, _, v = line.partition(": ")
        head.setdefault(k, v)
    return text.replace("Metadata-Version: 2.2", "Metadata-Version: 2.1", 1), head["Name"], head["Version"]

def _stem(name):
    import re
    return re.sub(r"[-_.]+", "_", name).lower()

def get_requires_for_build_wheel(config_settings=None):
    return []

def get_requires_for_build_sdist(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    text, name, version = _meta()
    d = os.path.join(metadata_directory, f"{_stem(name)}-{version}.dist-info")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(text)
    return os.path.basename(d)

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    text, name, version = _meta()
    stem = _stem(name)
    di = f"{stem}-{version}.dist-info"
    files = {
        f"{stem}/__init__.py": open(os.path.join(stem, "__init__.py"), "rb").read(),
        f"{di}/METADATA": text.encode(),
        f"{di}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: packse-backend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    rec = []
    for p, d in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        rec.append(f"{p},sha256={h},{len(d)}")
    rec.append(f"{di}/RECORD,,")
    files[f"{di}/RECORD"] = ("\\n".join(rec) + "\\n").encode()
    fn = f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, fn), "w") as z:
        for p, d in files.items():
            z.writestr(p, d)
    return fn
'''


def build_sdist_bytes(name: str, version: str, pkg_info: str) -> bytes:
    stem = file_stem(name)
    top = f"{stem}-{version}"
    pyproject = (
        "[build-system]\n"
        "requires = []\n"
        'build-backend = "packse_backend"\n'
        'backend-path = ["."]\n'
    )
    files = {
        f"{top}/PKG-INFO": pkg_info.encode(),
        f"{top}/pyproject.toml": pyproject.encode(),
        f"{top}/packse_backend.py": BACKEND.encode(),
        f"{top}/{stem}/__init__.py": f'__version__ = "{version}"\n'.encode(),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = TAR_MTIME
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def build_distributions(scenario: Scenario, outdir: Path) -> dict[str, list[DistFile]]:
    """Build every file of the scenario; write them to outdir; index by project."""
    index: dict[str, list[DistFile]] = {}
    for pkg_name, pkg in (scenario.data.get("packages", {}) or {}).items():
        project = normalize(pkg_name)
        files = index.setdefault(project, [])
        for version, meta in (pkg.get("versions", {}) or {}).items():
            meta = meta or {}
            rp = meta.get("requires_python", DEFAULT_PACKAGE_REQUIRES_PYTHON)
            yanked = bool(meta.get("yanked", False))
            if meta.get("wheel", True):
                metadata = core_metadata(pkg_name, version, meta, "2.1")
                tags = meta.get("wheel_tags") or [DEFAULT_WHEEL_TAG]
                for tag in tags:
                    whl = build_wheel_bytes(pkg_name, version, metadata, [tag])
                    fn = f"{file_stem(pkg_name)}-{version}-{tag}.whl"
                    files.append(
                        DistFile(fn, project, version, whl, rp, yanked, metadata.encode())
                    )
            if meta.get("sdist", True):
                pkg_info = core_metadata(pkg_name, version, meta, "2.2")
                sd = build_sdist_bytes(pkg_name, version, pkg_info)
                fn = f"{file_stem(pkg_name)}-{version}.tar.gz"
                files.append(DistFile(fn, project, version, sd, rp, yanked))
    for files in index.values():
        for f in files:
            (outdir / f.filename).write_bytes(f.data)
            if f.metadata is not None:
                (outdir / (f.filename + ".metadata")).write_bytes(f.metadata)
    return index


# --------------------------------------------------------------------------
# Simple index server
# --------------------------------------------------------------------------


class IndexServer:
    """PEP 503 HTML + PEP 691 JSON simple index over the built files."""

    def __init__(self, index: dict[str, list[DistFile]]):
        self.index = index
        self.files: dict[str, bytes] = {}
        for files in index.values():
            for f in files:
                self.files[f.filename] = f.data
                if f.metadata is not None:
                    self.files[f.filename + ".metadata"] = f.metadata
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_HEAD(self):
                self.do_GET(head=True)

            def do_GET(self, head: bool = False):
                status, ctype, body = server.respond(self.path, self.headers.get("Accept", ""))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # clients closing keep-alive connections early is not an error here

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        return f"{self.base}/simple/"

    def file_entry(self, f: DistFile) -> dict:
        entry = {
            "filename": f.filename,
            "url": f"{self.base}/files/{f.filename}",
            "hashes": {"sha256": sha256(f.data)},
            "requires-python": f.requires_python,
            "yanked": "yanked by scenario" if f.yanked else False,
            "core-metadata": {"sha256": sha256(f.metadata)} if f.metadata else False,
            "size": len(f.data),
            "upload-time": UPLOAD_TIME,
        }
        return entry

    def respond(self, path: str, accept: str) -> tuple[int, str, bytes]:
        path = path.split("?", 1)[0].split("#", 1)[0]
        want_json = "application/vnd.pypi.simple.v1+json" in accept or "application/json" in accept
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["files"] and len(parts) == 2 and parts[1] in self.files:
            return 200, "application/octet-stream", self.files[parts[1]]
        if parts == ["simple"]:
            names = sorted(self.index)
            if want_json:
                body = {"meta": {"api-version": "1.1"}, "projects": [{"name": n} for n in names]}
                return 200, JSON_CT, json.dumps(body).encode()
            links = "".join(f'<a href="/simple/{n}/">{n}</a>\n' for n in names)
            return 200, HTML_CT, f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()
        if parts[:1] == ["simple"] and len(parts) == 2:
            requested = parts[1]
            project = normalize(requested)
            if project not in self.index:
                return 404, "text/plain", b"not found\n"
            files = self.index[project]
            if want_json:
                versions = []
                for f in files:
                    if f.version not in versions:
                        versions.append(f.version)
                body = {
                    "meta": {"api-version": "1.1"},
                    "name": project,
                    "versions": versions,
                    "files": [self.file_entry(f) for f in files],
                }
                return 200, JSON_CT, json.dumps(body).encode()
            links = []
            for f in files:
                attrs = ""
                if f.requires_python:
                    attrs += f' data-requires-python="{html.escape(f.requires_python)}"'
                if f.yanked:
                    attrs += ' data-yanked="yanked by scenario"'
                if f.metadata:
                    attrs += f' data-core-metadata="sha256={sha256(f.metadata)}"'
                    attrs += f' data-dist-info-metadata="sha256={sha256(f.metadata)}"'
                href = f"{self.base}/files/{f.filename}#sha256={sha256(f.data)}"
                links.append(f'<a href="{href}"{attrs}>{f.filename}</a><br/>\n')
            page = (
                '<!DOCTYPE html><html><head><meta name="pypi:repository-version" '
                f'content="1.1"></head><body><h1>Links for {project}</h1>\n'
                + "".join(links)
                + "</body></html>\n"
            )
            return 200, HTML_CT, page.encode()
        return 404, "text/plain", b"not found\n"


# --------------------------------------------------------------------------
# Running envy
# --------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str  # PASS / FAIL / SKIP
    name: str
    reason: str = ""
    detail: str = ""  # envy stderr for --verbose


def toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def write_project(scenario: Scenario, project_dir: Path) -> None:
    deps = scenario.root.get("requires", []) or []
    lines = [
        "[project]",
        f"name = {toml_str(ROOT_NAME)}",
        'version = "0.1.0"',
        f"requires-python = {toml_str(scenario.requires_python())}",
        "dependencies = [",
        *[f"    {toml_str(d)}," for d in deps],
        "]",
    ]
    envs = list(scenario.options.get("required_environments") or [])
    platform = scenario.options.get("python_platform")
    if platform:
        envs.append(PLATFORM_MARKERS[platform])
    if envs:
        lines += ["", "[tool.envy]", "required-environments = ["]
        lines += [f"    {toml_str(e)}," for e in envs]
        lines += ["]"]
    (project_dir / "pyproject.toml").write_text("\n".join(lines) + "\n")


@dataclass
class EnvyInfo:
    path: str
    lock_help: str = ""
    uv: str | None = None  # run uv instead of envy (`--uv`)

    def supports(self, flag: str) -> bool:
        return re.search(rf"(^|\s){re.escape(flag)}\b", self.lock_help) is not None


# A target platform (uv's `--python-platform`) becomes a required environment of
# the universal lock: every locked package must be installable there.
PLATFORM_MARKERS = {
    "x86_64-manylinux2014": (
        "sys_platform == 'linux' and platform_machine == 'x86_64' "
        "and implementation_name == 'cpython'"
    ),
}

# Scenarios whose packse 0.3.59 expectation predates the resolver that uv
# 0.13.9 ships (and that issue #13 specifies): pre-releases are a preference
# order, not a filter. Final releases in range come first; a pre-release is
# taken when no final release in range can be chosen, whether the range was
# narrowed by the project's own requirements or by transitive ones, and a
# specifier that names a pre-release does not make pre-releases preferred.
# Each entry replaces the scenario's `[expected]`; each was checked by running
# uv 0.13.9 on the same scenario (`--uv`), which locks exactly these versions.
EXPECTATION_UPDATES = {
    "package-only-prereleases-in-range": {
        "satisfiable": True, "packages": {"a": "1.0.0a1"},
    },
    "transitive-package-only-prereleases-in-range": {
        "satisfiable": True, "packages": {"a": "0.1.0", "b": "1.0.0a1"},
    },
    "package-prerelease-specified-mixed-available": {
        "satisfiable": True, "packages": {"a": "0.3.0"},
    },
    "package-prereleases-specifier-boundary": {
        "satisfiable": True, "packages": {"a": "0.1.0"},
    },
    "transitive-prerelease-and-stable-dependency": {
        "satisfiable": True, "packages": {"a": "1.0.0", "b": "1.0.0", "c": "2.0.0b1"},
    },
    "transitive-prerelease-and-stable-dependency-many-versions": {
        "satisfiable": True, "packages": {"a": "1.0.0", "b": "1.0.0", "c": "2.0.0b9"},
    },
    "transitive-prerelease-and-stable-dependency-many-versions-holes": {
        "satisfiable": True, "packages": {"a": "1.0.0", "b": "1.0.0", "c": "2.0.0b4"},
    },
    # packse expects no solution (uv once forked only on cleaver 2's
    # requirements); uv 0.13.9 and envy both fork on cleaver 1's as well and
    # lock one valid set per fork.
    "preferences-dependent-forking-conflicting": {
        "satisfiable": True,
        "packages": {"cleaver": "1.0.0", "foo": "1.0.0", "bar": "1.0.0"},
    },
}


def lock_args(scenario: Scenario, envy: EnvyInfo) -> tuple[list[str] | None, str]:
    """envy lock flags for the scenario's resolver options, or (None, skip reason)."""
    opts = scenario.options
    args: list[str] = []
    if opts.get("python_platform") and opts["python_platform"] not in PLATFORM_MARKERS:
        return None, (
            f"python_platform = {opts['python_platform']!r}: no marker mapping for it "
            "in PLATFORM_MARKERS"
        )
    if opts.get("prereleases"):
        args += ["--prerelease", "allow"]
    # envy's own scenarios may name a mode, a resolution or a fork strategy.
    for key, flag in (("prerelease", "--prerelease"), ("resolution", "--resolution"),
                      ("fork_strategy", "--fork-strategy")):
        if opts.get(key):
            args += [flag, str(opts[key])]
    for key, flag in (("no_build", "--no-build-package"), ("no_binary", "--no-binary-package")):
        for pkg in opts.get(key) or []:
            if not envy.supports(flag):
                return None, f"{key} = {opts[key]!r}: envy has no {flag} yet"
            args += [flag, pkg]
    return args, ""


PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;\\]+)\s*(?:;\s*(.*?))?\s*\\?$")


def parse_export(text: str) -> list[tuple[str, str, str]]:
    """(normalized name, version, marker) for each pin of `envy export`."""
    pins = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("-"):
            continue
        m = PIN.match(line)
        if m:
            pins.append((normalize(m.group(1)), m.group(2), (m.group(3) or "").strip()))
    return pins


def first_lines(text: str, n: int = 3) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    out = " | ".join(lines[:n])
    return out[:400] + ("..." if len(out) > 400 else "")


def run_scenario(scenario: Scenario, envy: EnvyInfo, keep: bool = False) -> Outcome:
    args, skip = lock_args(scenario, envy)
    if args is None:
        return Outcome("SKIP", scenario.name, skip)
    tmp = Path(tempfile.mkdtemp(prefix=f"envy-packse-{scenario.name[:40]}-"))
    try:
        dist_dir = tmp / "dist"
        project_dir = tmp / "project"
        cache_dir = tmp / "cache"
        for d in (dist_dir, project_dir, cache_dir):
            d.mkdir()
        index = build_distributions(scenario, dist_dir)
        write_project(scenario, project_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENVY_")}
        env["ENVY_SKIP_LIVE"] = "1"
        env["NO_COLOR"] = "1"
        if envy.uv:
            return judge(scenario, *run_uv(scenario, envy, args, index, project_dir, cache_dir))
        with IndexServer(index) as server:
            base = [envy.path, "--cache-dir", str(cache_dir), "--index-url", server.url]
            try:
                lock = subprocess.run(
                    base + ["lock", *args],
                    cwd=project_dir, env=env, capture_output=True, text=True,
                    timeout=ENVY_TIMEOUT,
                )
            except subprocess.TimeoutExpired:
                return Outcome("FAIL", scenario.name, f"envy lock timed out after {ENVY_TIMEOUT}s")
            export = None
            if lock.returncode == 0:
                try:
                    export = subprocess.run(
                        base + ["export", "--frozen", "--no-hashes", "--no-emit-project"],
                        cwd=project_dir, env=env, capture_output=True, text=True,
                        timeout=ENVY_TIMEOUT,
                    )
                except subprocess.TimeoutExpired:
                    return Outcome("FAIL", scenario.name, "envy export timed out")
        return judge(scenario, lock, export)
    finally:
        if keep:
            print(f"# kept {tmp} for {scenario.name}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_uv(scenario: Scenario, envy: "EnvyInfo", args: list[str], index, project_dir: Path,
           cache_dir: Path):
    """`uv lock` and `uv export` on the same project and index (`--uv`), to check an
    expectation against uv. Non-universal scenarios need a local CPython of the
    target minor version (pyenv's, under ~/.pyenv/versions) for `--python`."""
    python = "python3"
    if not scenario.universal:
        minor = ".".join(scenario.target_python().split(".")[:2])
        found = sorted(Path.home().glob(f".pyenv/versions/{minor}.*/bin/python3"))
        if found:
            python = str(found[-1])
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"}
    with IndexServer(index) as server:
        base = [envy.uv, "--cache-dir", str(cache_dir)]
        lock = subprocess.run(base + ["lock", "--default-index", server.url, "--python", python, *args],
                              cwd=project_dir, env=env, capture_output=True, text=True,
                              timeout=ENVY_TIMEOUT)
        export = None
        if lock.returncode == 0:
            export = subprocess.run(base + ["export", "--frozen", "--no-hashes", "--no-emit-project",
                                            "--python", python],
                                    cwd=project_dir, env=env, capture_output=True, text=True,
                                    timeout=ENVY_TIMEOUT)
    if lock.returncode == 2 and "No solution found" in lock.stderr:
        lock.returncode = 1  # uv exits 1 for an unsatisfiable set, 2 for other errors
    return lock, export


PYTHON_ONLY_MARKER = re.compile(
    r"""^(\s|\(|\)|and|or|python_(full_)?version|[<>=!~]=?|'[^']*'|"[^"]*")*$"""
)


def conditional(marker: str, universal: bool) -> bool:
    """Whether an exported pin only applies to some environments.

    For a non-universal scenario the project's `requires-python` is one interpreter, so a
    marker on Python versions alone just restates it and the pin counts as unconditional.
    """
    if not marker:
        return False
    if universal:
        return True
    return PYTHON_ONLY_MARKER.match(marker) is None


def judge(scenario: Scenario, lock, export) -> Outcome:
    name = scenario.name
    expected = scenario.expected
    satisfiable = bool(expected.get("satisfiable", True))
    if lock.returncode != 0:
        if lock.returncode not in (1,):
            # A crash (panic: 101, signal) is never the expected way to fail.
            return Outcome(
                "FAIL", name,
                f"envy lock exited {lock.returncode} (expected a clean exit): {first_lines(lock.stderr)}",
                lock.stderr,
            )
        if not satisfiable:
            return Outcome("PASS", name, detail=lock.stderr)
        return Outcome(
            "FAIL", name,
            f"lock failed but the scenario is satisfiable: {first_lines(lock.stderr)}",
            lock.stderr,
        )
    if export is None or export.returncode != 0:
        err = export.stderr if export else ""
        return Outcome("FAIL", name, f"envy export failed: {first_lines(err)}", err)
    pins = parse_export(export.stdout)
    shown = ", ".join(f"{n}=={v}" + (f" ; {m}" if m else "") for n, v, m in pins) or "(nothing)"
    if not satisfiable:
        return Outcome(
            "FAIL", name,
            f"locked though the scenario is unsatisfiable: {shown}",
            lock.stderr + export.stdout,
        )
    want = {normalize(k): str(v) for k, v in (expected.get("packages") or {}).items()}
    if not want:
        return Outcome("PASS", name)
    got: dict[str, list[tuple[str, str]]] = {}
    for n, v, m in pins:
        got.setdefault(n, []).append((v, m))
    problems = []
    for n, v in sorted(want.items()):
        have = got.get(n, [])
        versions = [hv for hv, _ in have]
        if not have:
            problems.append(f"{n}: expected {v}, missing")
        elif v not in versions:
            problems.append(f"{n}: expected {v}, got {'/'.join(versions)}")
        elif len(set(versions)) > 1 and not scenario.universal:
            problems.append(f"{n}: expected only {v}, got {'/'.join(versions)}")
    for n, have in sorted(got.items()):
        if n not in want and any(not conditional(m, scenario.universal) for _, m in have):
            problems.append(f"{n}: not expected, got {'/'.join(v for v, _ in have)}")
    if problems:
        return Outcome("FAIL", name, "; ".join(problems) + f" [export: {shown}]", lock.stderr)
    return Outcome("PASS", name)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def find_envy(path: str | None) -> str:
    """The envy binary; the default `target/debug/envy` is built if missing."""
    default = REPO / "target" / "debug" / "envy"
    candidate = Path(path).resolve() if path else default
    if not candidate.exists():
        if candidate != default:
            sys.exit(f"error: envy binary {candidate} does not exist")
        print(f"# {candidate} missing; running cargo build", file=sys.stderr)
        subprocess.run(["cargo", "build", "--bin", "envy"], cwd=REPO, check=True)
    return str(candidate)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="*", default=[str(REPO / "resolver-tests" / "scenarios")],
                    help="directories of packse scenario files (searched recursively; "
                         "`examples/` is ignored; default: resolver-tests/scenarios)")
    ap.add_argument("--envy", help="envy binary (default: target/debug/envy, built if missing)")
    ap.add_argument("-k", dest="filter", action="append", default=[],
                    help="only scenarios whose name contains SUBSTRING (repeatable: any)")
    ap.add_argument("-j", dest="jobs", type=int, default=2, help="scenarios run in parallel (default 2)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print envy's stderr under failures and under expected "
                         "resolution errors (to review error messages)")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any scenario fails")
    ap.add_argument("--keep", action="store_true", help="keep each scenario's temp dir")
    ap.add_argument("--uv", metavar="PATH", help="judge the uv binary at PATH instead of envy "
                         "(to check an expectation against uv)")
    opts = ap.parse_args(argv)

    scenarios = []
    for d in opts.scenarios:
        directory = Path(d)
        if not directory.is_dir():
            print(f"error: scenario directory {directory} does not exist", file=sys.stderr)
            return 2
        scenarios += load_scenarios(directory)
    if opts.filter:
        scenarios = [s for s in scenarios if any(k in s.name for k in opts.filter)]
    envy = EnvyInfo(find_envy(opts.envy), uv=opts.uv)
    try:
        envy.lock_help = subprocess.run(
            [envy.path, "lock", "--help"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"error: cannot run {envy.path}: {e}", file=sys.stderr)
        return 2

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    lock = threading.Lock()

    def report(o: Outcome) -> None:
        with lock:
            counts[o.status] += 1
            line = f"{o.status} {o.name}" + (f": {o.reason}" if o.reason else "")
            print(line, flush=True)
            if opts.verbose and o.status != "SKIP" and o.detail.strip():
                for ln in o.detail.rstrip().splitlines():
                    print(f"    | {ln}")
                sys.stdout.flush()

    def one(s: Scenario) -> Outcome:
        try:
            return run_scenario(s, envy, opts.keep)
        except Exception as e:  # a runner bug must not hide the other scenarios
            return Outcome("FAIL", s.name, f"runner error: {type(e).__name__}: {e}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        for outcome in pool.map(one, scenarios):
            report(outcome)

    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    if opts.strict and counts["FAIL"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
