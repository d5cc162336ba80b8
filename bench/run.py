#!/usr/bin/env python3
"""Side-by-side benchmark: envy against uv (and poetry, where it finishes in time).

Standard library only. For every benchmark project it copies the project into a
scratch directory per tool and times, alternating envy and uv within each run:

  1. lock, warm cache     (lock file removed, cache kept)
  2. lock, cold cache     (a fresh cache directory for every run)
  3. sync, warm cache     (into a fresh .venv, lock file present)
  4. sync, cold cache     (fresh .venv and fresh cache directory)
  5. export --frozen      (requirements.txt with hashes)
  6. no-op sync, no-op lock on an up-to-date project

plus, after envy and uv, `poetry lock` (cold and warm cache) and `poetry install
--no-root` (warm cache) as a reference, --poetry-runs runs each (default 1), in a
copy of the project that reads PyPI through its simple API (see
POETRY_SIMPLE_SOURCE below), with the ratio poetry/envy.

It reports the median of N runs, the min-max range, the peak RSS of the child
process tree (ru_maxrss from os.wait4) and the ratio envy/uv, prints a Markdown
table and writes it with machine details to bench/results.md.

A command that fails (non-zero exit, or missing output such as the lock file)
marks its cell `failed` and prints the tail of its stderr; one that runs past
--timeout seconds (default 300) is killed and marks its cell `timeout`; the
run goes on with the next row. A row whose first run took longer than
--slow-row seconds (default 60) gets no further runs; its cells show `[n=K]`.

The cold-cache lock rows also count the network traffic of both tools: every
cold lock runs with `-v` and with HTTPS_PROXY/HTTP_PROXY pointing at a small
counting CONNECT proxy in this script. "MB down" is what the proxy
relayed from the servers to the tool (TLS bytes on the wire, handshakes
included: the same measure for both tools). "requests during lock" is envy's
own count (its `-v` line `HTTP: N requests, ...`) and, for uv, the requests
its `-v` log names (`Sending fresh GET|HEAD request`, `Sending revalidation
request`); uv does not log the range requests it reads wheels' metadata with
after the HEAD, so uv's count is a lower bound (marked `≥`).

The cold-cache sync rows go through the same proxy (without `-v`, so the
timing is not changed by logging): "MB down" is what it relayed, and "MB/s"
is those bytes over the command's wall time, per run (median): how close
each tool's cold sync comes to the bandwidth it got.

Typical use:

    python3 bench/run.py                              # everything, 5 runs
    python3 bench/run.py --projects flask,trio --no-poetry
    python3 bench/run.py --poetry-runs 3 --projects trio
    python3 bench/run.py --quick --projects flask     # smoke test, 1 run per row
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

UV_PIN = "0.13.9"
POETRY_PIN = "2.5.1"

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_PROJECTS_DIR = REPO_ROOT.parent / "shared" / "bench" / "projects"

# Variables that would make a tool use another index, go offline or compile
# bytecode; removed so that both tools see PyPI and their defaults.
SCRUBBED_ENV = [
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "UV_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_INDEX",
    "UV_FIND_LINKS",
    "UV_OFFLINE",
    "UV_COMPILE_BYTECODE",
    "UV_NO_CACHE",
    "UV_CACHE_DIR",
    "UV_PYTHON",
    "UV_EXCLUDE_NEWER",
    "ENVY_INDEX_URL",
    "ENVY_EXTRA_INDEX_URL",
    "ENVY_OFFLINE",
    "ENVY_CACHE_DIR",
    "POETRY_CACHE_DIR",
]

STDERR_TAIL_LINES = 15

# poetry's default source, PyPI, reads the per-release JSON API
# (https://pypi.org/pypi/NAME/VERSION/json) for every candidate it completes.
# Where that API answers 404 (the proxy on the benchmark machine serves only the
# simple API and the files), `poetry lock` stops with "Package flask (3.1.3) not
# found" although the simple page listed it. Poetry's copy of each project
# therefore gets this source appended to its pyproject.toml: the same index
# through the simple API (PEP 503), which poetry reads with its "legacy"
# repository (metadata from the wheels by HTTP range requests, as no PEP 658
# metadata is advertised). A primary source also disables poetry's implicit PyPI
# source, so no JSON API request is made. `--poetry-source pypi` appends nothing.
POETRY_SIMPLE_SOURCE = """
[[tool.poetry.source]]
name = "pypi-simple"
url = "https://pypi.org/simple/"
priority = "primary"
"""


# --------------------------------------------------------------------------- #
# Running one command
# --------------------------------------------------------------------------- #


@dataclass
class Outcome:
    ok: bool
    seconds: float
    rss_mib: float
    note: str = ""
    timed_out: bool = False
    stderr: str = ""


def run_measured(cmd, cwd, env, timeout, check=None, keep_stderr=False) -> Outcome:
    """Run `cmd`, return wall time and peak RSS of the child (and the
    descendants it waited for, as the kernel folds those into ru_maxrss)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                [str(c) for c in cmd],
                cwd=str(cwd),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        except OSError as exc:
            return Outcome(False, 0.0, 0.0, f"cannot start {cmd[0]}: {exc}")

        timed_out = threading.Event()

        def _kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, _kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if timer:
            timer.cancel()
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped by wait4; keep Popen from waiting again
        rss_mib = usage.ru_maxrss / 1024.0  # Linux reports KiB

        if timed_out.is_set():
            return Outcome(False, elapsed, rss_mib, f"timed out after {timeout:.0f} s",
                           timed_out=True)
        if code != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").splitlines()[-STDERR_TAIL_LINES:]
            return Outcome(False, elapsed, rss_mib, f"exit code {code}\n" + "\n".join(tail))
        if check is not None:
            problem = check()
            if problem:
                return Outcome(False, elapsed, rss_mib, problem)
        text = ""
        if keep_stderr:
            err.seek(0)
            text = err.read().decode("utf-8", "replace")
        return Outcome(True, elapsed, rss_mib, stderr=text)


class TrafficCounter:
    """A CONNECT (and plain HTTP) proxy on 127.0.0.1 that counts the bytes it
    relays from servers to its client, and the tunnels it opens."""

    def __init__(self):
        import socket
        self._socket = socket
        self.lock = threading.Lock()
        self.down = 0
        self.tunnels = 0
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(256)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self):
        with self.lock:
            self.down, self.tunnels = 0, 0

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _pump(self, src, dst, count):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count:
                    with self.lock:
                        self.down += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(self._socket.SHUT_RDWR)
                except OSError:
                    pass

    def _serve(self, conn):
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    conn.close()
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target, _ = line.split(" ", 2)
            if method != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                conn.close()
                return
            host, _, port = target.rpartition(":")
            upstream = self._socket.create_connection((host.strip("[]"), int(port)), timeout=30)
            upstream.settimeout(None)
            with self.lock:
                self.tunnels += 1
            conn.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            rest = head.split(b"\r\n\r\n", 1)[1]
            if rest:
                upstream.sendall(rest)
            threading.Thread(target=self._pump, args=(conn, upstream, False), daemon=True).start()
            self._pump(upstream, conn, True)
        except (OSError, ValueError):
            try:
                conn.close()
            except OSError:
                pass


def count_requests(tool: str, stderr: str):
    """Requests a tool's `-v` log reports (see the module docs)."""
    import re
    if tool == "envy":
        m = re.findall(r"HTTP: (\d+) requests", stderr)
        return int(m[-1]) if m else None
    return len(re.findall(r"Sending (?:fresh (?:GET|HEAD) request|revalidation request)", stderr))


def run_quiet(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)


# --------------------------------------------------------------------------- #
# Results
# --------------------------------------------------------------------------- #


@dataclass
class Cell:
    times: list = field(default_factory=list)
    rss: list = field(default_factory=list)
    failed: str = ""  # first failure message, if any
    skipped: bool = False
    timed_out: bool = False
    planned: int = 0  # runs the row asked for (0: not tracked)
    traffic: list = field(default_factory=list)  # (bytes down, requests or None, seconds)

    def add(self, o: Outcome):
        if o.ok:
            self.times.append(o.seconds)
            self.rss.append(o.rss_mib)
        elif not self.failed:
            self.failed = o.note or "failed"
            self.timed_out = o.timed_out

    @property
    def usable(self) -> bool:
        return not self.failed and not self.skipped and bool(self.times)

    def median(self):
        return statistics.median(self.times) if self.usable else None

    def render_time(self) -> str:
        if self.skipped:
            return "—"
        if not self.usable:
            return "timeout" if self.timed_out else "failed"
        med = self.median()
        fewer = f" [n={len(self.times)}]" if 0 < len(self.times) < self.planned else ""
        if len(self.times) == 1:
            return fmt_s(med) + fewer
        return f"{fmt_s(med)} ({fmt_s(min(self.times))}–{fmt_s(max(self.times))}){fewer}"

    def render_mb(self) -> str:
        if not self.traffic:
            return "—"
        return f"{statistics.median(t[0] for t in self.traffic) / 1e6:.1f}"

    def render_rate(self) -> str:
        """Median of bytes relayed over wall time, in MB/s."""
        if not self.traffic:
            return "—"
        return f"{statistics.median(t[0] / t[2] for t in self.traffic) / 1e6:.1f}"

    def render_requests(self, lower_bound=False) -> str:
        counts = [t[1] for t in self.traffic if t[1] is not None]
        if not counts:
            return "—"
        return ("≥" if lower_bound else "") + f"{statistics.median(counts):.0f}"

    def render_rss(self) -> str:
        if not self.usable:
            return "—"
        return f"{max(self.rss):.0f}"


def fmt_s(s: float) -> str:
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2f} s"


@dataclass
class Row:
    project: str
    step: str
    envy: Cell = field(default_factory=Cell)
    uv: Cell = field(default_factory=Cell)
    poetry: Cell = field(default_factory=lambda: Cell(skipped=True))

    def ratio(self) -> str:
        e, u = self.envy.median(), self.uv.median()
        if e is None or u is None or u == 0:
            return "—"
        return f"{e / u:.2f}×"

    def poetry_ratio(self) -> str:
        p, e = self.poetry.median(), self.envy.median()
        if p is None or e is None or e == 0:
            return "—"
        return f"{p / e:.1f}×"


# --------------------------------------------------------------------------- #
# Tools
# --------------------------------------------------------------------------- #


def resolve_python(spec: str) -> Path:
    exe = shutil.which(spec) or spec
    res = run_quiet([exe, "-c", "import sys; print(sys.executable)"])
    if res.returncode != 0:
        sys.exit(f"error: cannot run Python `{spec}`: {res.stderr.strip()}")
    return Path(res.stdout.strip())


def python_version_of(python: Path) -> str:
    res = run_quiet([python, "-c", "import platform; print(platform.python_version())"])
    return res.stdout.strip() if res.returncode == 0 else ""


def python_for_project(default: Path, project: Path) -> Path:
    """The interpreter both tools use for `project`: `default` when the project's
    `requires-python` admits it, else the newest pyenv interpreter that it admits
    (posthog pins `==3.13.*`), else `default` (the tools then say why they fail)."""
    try:
        import tomllib
        rp = tomllib.loads((project / "pyproject.toml").read_text())["project"]["requires-python"]
    except (KeyError, OSError, ValueError, ImportError):
        return default
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:
        try:
            from pip._vendor.packaging.specifiers import SpecifierSet
        except ImportError:
            return default
    spec = SpecifierSet(rp)
    if python_version_of(default) in spec:
        return default
    found = []
    for d in (Path.home() / ".pyenv" / "versions").glob("*"):
        exe = d / "bin" / "python3"
        v = python_version_of(exe) if exe.exists() else ""
        if v and v in spec:
            found.append((tuple(int(x) for x in v.split(".")[:3] if x.isdigit()), exe))
    return max(found)[1] if found else default


def pip_install_pinned(venv_py: Path, name: str, pin: str) -> None:
    res = run_quiet([venv_py, "-m", "pip", "install", "-q", f"{name}=={pin}"])
    if res.returncode != 0:
        print(f"  {name}=={pin} is not available ({res.stderr.strip().splitlines()[-1:]}); "
              f"falling back to the latest {name}", flush=True)
        res = run_quiet([venv_py, "-m", "pip", "install", "-q", "-U", name])
        if res.returncode != 0:
            sys.exit(f"error: cannot install {name}:\n{res.stderr}")


def setup_tools(args, python: Path, root: Path) -> dict:
    venv = Path(args.tools_venv) if args.tools_venv else root / "tools-venv"
    venv_py = venv / "bin" / "python"
    if not venv_py.exists():
        print(f"Creating tools venv at {venv}", flush=True)
        subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
        run_quiet([venv_py, "-m", "pip", "install", "-q", "-U", "pip"])
    pip_install_pinned(venv_py, "uv", UV_PIN)
    tools = {"uv": venv / "bin" / "uv"}
    if not args.no_poetry:
        pip_install_pinned(venv_py, "poetry", POETRY_PIN)
        tools["poetry"] = venv / "bin" / "poetry"
    return tools


def tool_version(exe, *flag) -> str:
    if exe is None:
        return "unavailable"
    try:
        res = run_quiet([exe, *(flag or ("--version",))], timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    if res.returncode != 0:
        return f"unavailable (exit {res.returncode})"
    return (res.stdout.strip() or res.stderr.strip()).splitlines()[0]


def locate_envy(args):
    if args.envy:
        p = Path(args.envy).resolve()
        if not p.exists():
            print(f"warning: --envy {p} does not exist; envy rows will be marked failed", flush=True)
        return p
    p = REPO_ROOT / "target" / "release" / "envy"
    if not p.exists() and not args.no_build:
        print("Building envy (cargo build --release) ...", flush=True)
        res = subprocess.run(["cargo", "build", "--release"], cwd=REPO_ROOT,
                             capture_output=True, text=True)
        if res.returncode != 0:
            tail = "\n".join(res.stderr.splitlines()[-STDERR_TAIL_LINES:])
            print(f"warning: cargo build --release failed; envy rows will be marked failed\n{tail}",
                  flush=True)
    if not p.exists():
        print(f"warning: {p} not found; envy rows will be marked failed", flush=True)
    return p


# --------------------------------------------------------------------------- #
# Machine info
# --------------------------------------------------------------------------- #


def machine_info(python: Path) -> dict:
    info = {"nproc": str(os.cpu_count())}
    try:
        info["nproc"] = run_quiet(["nproc"]).stdout.strip() or info["nproc"]
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                kib = int(line.split()[1])
                info["memory"] = f"{kib / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        info["memory"] = "unknown"
    info["cpu"] = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["os"] = f"{platform.system()} {platform.release()}"
    info["python"] = run_quiet([python, "--version"]).stdout.strip() + f" ({python})"
    info["date"] = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return info


# --------------------------------------------------------------------------- #
# The benchmark
# --------------------------------------------------------------------------- #


class Bench:
    def __init__(self, args, python, envy, tools, scratch):
        self.args = args
        self.python = python
        self.envy = envy
        self.uv = tools["uv"]
        self.poetry = tools.get("poetry")
        self.scratch = scratch
        self.timeout = args.timeout
        base = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        base["NO_COLOR"] = "1"
        self.base_env = base
        self._n = 0
        self.traffic = TrafficCounter()
        # The interpreter of the project being run, and the projects that
        # needed one other than `python` (for the report).
        self.project_python = python
        self.other_pythons = {}

    # -- helpers ------------------------------------------------------------
    def fresh_dir(self, name) -> Path:
        self._n += 1
        d = self.scratch / f"{name}-{self._n}"
        d.mkdir(parents=True)
        return d

    def env_for(self, tool, cache: Path) -> dict:
        env = dict(self.base_env)
        if tool == "envy":
            env["ENVY_CACHE_DIR"] = str(cache)
        elif tool == "uv":
            env["UV_CACHE_DIR"] = str(cache)
            env["UV_LINK_MODE"] = "hardlink"
            env["UV_PYTHON_DOWNLOADS"] = "never"
            env["UV_NO_PROGRESS"] = "1"
        elif tool == "poetry":
            env["POETRY_CACHE_DIR"] = str(cache)
            env["POETRY_VIRTUALENVS_IN_PROJECT"] = "true"
            env["POETRY_VIRTUALENVS_USE_POETRY_PYTHON"] = "true"
            env["POETRY_NO_INTERACTION"] = "1"
        return env

    def exe(self, tool):
        return {"envy": self.envy, "uv": self.uv, "poetry": self.poetry}[tool]

    def cmd(self, tool, step):
        exe = self.exe(tool)
        py = str(self.project_python)
        if tool == "poetry":
            return {"lock": [exe, "lock"], "sync": [exe, "install", "--no-root"]}[step]
        return {
            "lock": [exe, "lock"] + (["--python", py] if tool == "uv" else []),
            "sync": [exe, "sync", "--python", py],
            "export": [exe, "export", "--frozen", "-o", "req.txt"],
        }[step]

    @staticmethod
    def lockfile(tool, proj: Path) -> Path:
        return proj / {"envy": "envy.lock", "uv": "uv.lock", "poetry": "poetry.lock"}[tool]

    def check_lock(self, tool, proj):
        lf = self.lockfile(tool, proj)
        return lambda: None if lf.is_file() else f"exit 0 but {lf.name} was not written"

    @staticmethod
    def check_venv(proj):
        py = proj / ".venv" / "bin" / "python"
        return lambda: None if py.exists() else "exit 0 but .venv/bin/python is missing"

    @staticmethod
    def check_export(proj):
        def _check():
            f = proj / "req.txt"
            if not f.is_file():
                return "exit 0 but req.txt was not written"
            if "--hash=sha256:" not in f.read_text(errors="replace"):
                return "req.txt has no --hash=sha256: lines"
            return None
        return _check

    def measure(self, cell: Cell, tool, step, proj, cache, prepare=None, count=False,
                verbose=True):
        """One timed run of `tool step` in `proj`; skipped once the cell failed.
        `count`: through the counting proxy, with `-v` when `verbose` (see the
        module docs)."""
        if cell.failed:
            return
        if tool == "envy" and not Path(self.envy).exists():
            cell.add(Outcome(False, 0, 0, f"envy binary {self.envy} not found"))
            return
        if prepare:
            prepare()
        checks = {
            "lock": self.check_lock(tool, proj),
            "sync": self.check_venv(proj),
            "export": self.check_export(proj),
        }
        timeout = self.args.poetry_timeout if tool == "poetry" else self.timeout
        cmd, env = self.cmd(tool, step), self.env_for(tool, cache)
        if count:
            if verbose:
                cmd = cmd + ["-v"]
            for k in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                      "ALL_PROXY", "all_proxy"):
                env[k] = self.traffic.url()
            for k in ("NO_PROXY", "no_proxy"):
                env.pop(k, None)
            self.traffic.reset()
        o = run_measured(cmd, proj, env, timeout, checks.get(step), keep_stderr=count and verbose)
        cell.add(o)
        if count and o.ok:
            requests = count_requests(tool, o.stderr) if verbose else None
            cell.traffic.append((self.traffic.down, requests, o.seconds))
        if not o.ok:
            print(f"    {tool} {step} failed: {o.note}", flush=True)

    def rm_lock(self, tool, proj):
        return lambda: self.lockfile(tool, proj).unlink(missing_ok=True)

    @staticmethod
    def rm_venv(proj):
        return lambda: shutil.rmtree(proj / ".venv", ignore_errors=True)

    @staticmethod
    def rm_file(path):
        return lambda: path.unlink(missing_ok=True)

    # -- one project ----------------------------------------------------------
    def project(self, name: str, src: Path) -> list:
        a = self.args
        print(f"\n== {name}", flush=True)
        self.project_python = python_for_project(self.python, src)
        if self.project_python != self.python:
            v = python_version_of(self.project_python)
            self.other_pythons[name] = f"{v} ({self.project_python})"
            print(f"  requires-python excludes {self.python}: using Python {v}", flush=True)
        started = time.perf_counter()
        work = self.fresh_dir(name)
        proj, warm = {}, {}
        for tool in ("envy", "uv"):
            proj[tool] = work / tool / "project"
            shutil.copytree(src, proj[tool])
            warm[tool] = work / tool / "cache-warm"
            warm[tool].mkdir()

        rows = []

        def new_row(step, planned):
            r = Row(name, step)
            r.envy.planned = r.uv.planned = planned
            rows.append(r)
            print(f"  {step}", flush=True)
            return r

        def order(i):
            return ("envy", "uv") if i % 2 == 0 else ("uv", "envy")

        def runs(row, n):
            """0..n, stopping after the first run when it was slow."""
            for i in range(n):
                if i > 0 and any(c.times and max(c.times) > a.slow_row
                                 for c in (row.envy, row.uv)):
                    return
                yield i

        def cold_cache(tool):
            return self.fresh_dir(f"{name}-{tool}-cold-cache")

        # Prime the warm caches (untimed): lock then sync once per tool.
        print("  priming warm caches", flush=True)
        for tool in ("envy", "uv"):
            for step in ("lock", "sync"):
                c = Cell()
                self.measure(c, tool, step, proj[tool], warm[tool])

        # 1. lock, warm cache
        r = new_row("lock (warm cache)", a.runs)
        for i in runs(r, a.runs):
            for t in order(i):
                self.measure(getattr(r, t), t, "lock", proj[t], warm[t], self.rm_lock(t, proj[t]))

        # 2. lock, cold cache
        r = new_row("lock (cold cache)", a.cold_runs)
        for i in runs(r, a.cold_runs):
            for t in order(i):
                cache = cold_cache(t)
                self.measure(getattr(r, t), t, "lock", proj[t], cache, self.rm_lock(t, proj[t]),
                             count=not a.no_traffic)
                shutil.rmtree(cache, ignore_errors=True)
        # Leave a lock behind for the sync rows even if the last cold run failed.
        for t in ("envy", "uv"):
            if not self.lockfile(t, proj[t]).exists():
                self.measure(Cell(), t, "lock", proj[t], warm[t])

        # 3. sync, warm cache
        r = new_row("sync (warm cache)", a.runs)
        for i in runs(r, a.runs):
            for t in order(i):
                self.measure(getattr(r, t), t, "sync", proj[t], warm[t], self.rm_venv(proj[t]))

        # 4. sync, cold cache
        r = new_row("sync (cold cache)", a.cold_runs)
        for i in runs(r, a.cold_runs):
            for t in order(i):
                cache = cold_cache(t)
                self.measure(getattr(r, t), t, "sync", proj[t], cache, self.rm_venv(proj[t]),
                             count=not a.no_traffic, verbose=False)
                shutil.rmtree(cache, ignore_errors=True)

        # 5. export --frozen with hashes
        r = new_row("export --frozen", a.runs)
        for i in runs(r, a.runs):
            for t in order(i):
                self.measure(getattr(r, t), t, "export", proj[t], warm[t],
                             self.rm_file(proj[t] / "req.txt"))

        # 6. no-op sync and no-op lock (make sure lock and venv are up to date first)
        for t in ("envy", "uv"):
            self.measure(Cell(), t, "sync", proj[t], warm[t])
        r = new_row("no-op sync", a.runs)
        for i in runs(r, a.runs):
            for t in order(i):
                self.measure(getattr(r, t), t, "sync", proj[t], warm[t])
        r = new_row("no-op lock", a.runs)
        for i in runs(r, a.runs):
            for t in order(i):
                self.measure(getattr(r, t), t, "lock", proj[t], warm[t])

        took = time.perf_counter() - started
        if self.poetry:
            self.poetry_rows(name, src, work, rows)
        print(f"  ({name}: envy and uv {took:.0f} s"
              + (f", poetry {time.perf_counter() - started - took:.0f} s" if self.poetry else "")
              + ")", flush=True)
        if not a.keep:
            # Each project's caches, venvs and copies go before the next
            # project starts: the large ones (torch, CUDA) hold tens of GB
            # across their warm and cold caches, and together they filled a
            # 250 GB disk before this.
            for d in self.scratch.iterdir():
                if d.name.startswith(f"{name}-"):
                    shutil.rmtree(d, ignore_errors=True)
        return rows

    def poetry_project(self, src: Path, proj: Path) -> None:
        """Copy `src` to `proj` for poetry, pointing it at PyPI's simple API."""
        shutil.copytree(src, proj)
        if self.args.poetry_source == "simple":
            pyproject = proj / "pyproject.toml"
            pyproject.chmod(0o644)  # the shared projects are read-only
            with pyproject.open("a") as f:
                f.write(POETRY_SIMPLE_SOURCE)

    def poetry_rows(self, name, src, work, rows):
        """poetry lock (cold and warm cache) and install --no-root (warm cache) in
        poetry's own copy of the project, --poetry-runs runs each.

        Cold lock: fresh project state (no poetry.lock, no .venv) and a new,
        empty POETRY_CACHE_DIR per run. The last cold run's cache is then kept
        as the warm cache, primed further by one untimed install. Warm lock:
        poetry.lock removed, cache kept. Install: into a deleted in-project
        .venv, lock present, cache kept."""
        n = self.args.poetry_runs
        proj = work / "poetry" / "project"
        self.poetry_project(src, proj)
        by_step = {r.step: r for r in rows}
        cold_row, warm_row, sync_row = (by_step["lock (cold cache)"], by_step["lock (warm cache)"],
                                        by_step["sync (warm cache)"])
        cold, warm, sync = cold_row.poetry, warm_row.poetry, sync_row.poetry = Cell(), Cell(), Cell()

        def fresh_state():
            self.rm_lock("poetry", proj)()
            self.rm_venv(proj)()

        print(f"  poetry lock (cold cache), {n} run(s)", flush=True)
        cache = None
        for i in range(n):
            if cache is not None:
                shutil.rmtree(cache, ignore_errors=True)
            cache = self.fresh_dir(f"{name}-poetry-cache")
            self.measure(cold, "poetry", "lock", proj, cache, fresh_state)
        if cold.failed and "timed out" in cold.failed:
            # Each further poetry command would likely time out too; keep the
            # whole run within its budget.
            why = f"not run: poetry lock (cold cache) {cold.failed.splitlines()[0]}"
            warm.failed = sync.failed = why
            print(f"    poetry: skipping the warm rows ({why})", flush=True)
            return
        if not self.lockfile("poetry", proj).exists():
            print("  poetry: untimed lock to prime the cache", flush=True)
            prime = Cell()
            self.measure(prime, "poetry", "lock", proj, cache)
            if prime.failed:
                warm.failed = sync.failed = f"priming lock failed: {prime.failed}"
                return
        print("  poetry: untimed install to prime the cache", flush=True)
        prime = Cell()
        self.measure(prime, "poetry", "sync", proj, cache, self.rm_venv(proj))

        print(f"  poetry lock (warm cache), {n} run(s)", flush=True)
        for _ in range(n):
            self.measure(warm, "poetry", "lock", proj, cache, self.rm_lock("poetry", proj))
        if not self.lockfile("poetry", proj).exists():
            self.measure(Cell(), "poetry", "lock", proj, cache)

        print(f"  poetry install --no-root (warm cache), {n} run(s)", flush=True)
        if prime.failed:
            sync.failed = f"priming install failed: {prime.failed}"
        for _ in range(n):
            self.measure(sync, "poetry", "sync", proj, cache, self.rm_venv(proj))


# --------------------------------------------------------------------------- #
# Report
# --------------------------------------------------------------------------- #


def render_table(rows, with_poetry: bool) -> str:
    head = ["project", "step", "envy", "uv", "envy/uv"]
    if with_poetry:
        head += ["poetry", "poetry/envy"]
    head.append("peak RSS MiB (envy / uv)")
    head += ["MB down (envy / uv)", "MB/s (envy / uv)", "requests during lock (envy / uv)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        cells = [r.project, r.step, r.envy.render_time(), r.uv.render_time(), r.ratio()]
        if with_poetry:
            cells += [r.poetry.render_time(), r.poetry_ratio()]
        cells.append(f"{r.envy.render_rss()} / {r.uv.render_rss()}")
        if r.envy.traffic or r.uv.traffic:
            cells.append(f"{r.envy.render_mb()} / {r.uv.render_mb()}")
            # Rates for the bandwidth-bound rows only; a lock is latency-bound.
            sync = r.step.startswith("sync")
            cells.append(f"{r.envy.render_rate()} / {r.uv.render_rate()}" if sync else "—")
            cells.append("—" if sync else
                         f"{r.envy.render_requests()} / {r.uv.render_requests(lower_bound=True)}")
        else:
            cells += ["—", "—", "—"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_poetry_ratios(rows) -> str:
    """One line per project and poetry row: poetry's median over envy's."""
    lines = []
    labels = {"lock (cold cache)": "lock (cold)", "lock (warm cache)": "lock (warm)",
              "sync (warm cache)": "install (warm)"}
    order = list(labels)
    picked = [r for r in rows if r.step in labels and not r.poetry.skipped]
    picked.sort(key=lambda r: (r.project, order.index(r.step)))
    for r in picked:
        what = labels[r.step]
        envy_what = what.replace("install", "sync")
        lines.append(f"- {r.project}: poetry {what} / envy {envy_what} = {r.poetry_ratio()}"
                     f" ({r.poetry.render_time()} / {r.envy.render_time()})")
    if not lines:
        return ""
    return ("\n## poetry / envy\n\n"
            "poetry's median over envy's for the same row (above 1: envy is faster; `—` where "
            "either failed):\n\n" + "\n".join(lines) + "\n")


def render_failures(rows) -> str:
    notes = []
    for r in rows:
        for tool in ("envy", "uv", "poetry"):
            cell = getattr(r, tool)
            if cell.failed:
                first = cell.failed.strip().splitlines()
                last = first[-1] if len(first) > 1 else ""
                msg = first[0] + (f": {last.strip()}" if last else "")
                notes.append(f"- {r.project}, {r.step}, {tool}: {msg}")
    if not notes:
        return ""
    return "\n## Failures\n\nFirst failure per cell (exit status, then the last stderr line):\n\n" \
        + "\n".join(notes) + "\n"


def poetry_setup_lines(args) -> list:
    """What poetry's copy of each project and poetry's environment differ in."""
    lines = []
    if args.poetry_source == "simple":
        lines.append(
            "poetry's copy of each project gets this source appended to its pyproject.toml, "
            "so poetry reads the same index (PyPI) through the simple API (PEP 503, poetry's "
            "\"legacy\" repository) instead of PyPI's JSON API, which answers 404 here:"
        )
        lines.append("```toml" + POETRY_SIMPLE_SOURCE.rstrip() + "\n```")
    else:
        lines.append("poetry's copy of each project is unchanged (its default PyPI source, "
                     "which uses PyPI's JSON API).")
    lines.append(
        "poetry's environment: POETRY_CACHE_DIR (a new one per cold run, as for envy and uv), "
        "POETRY_VIRTUALENVS_IN_PROJECT=true, "
        "POETRY_VIRTUALENVS_USE_POETRY_PYTHON=true (the interpreter of the tools venv, the "
        "same Python as envy and uv), POETRY_NO_INTERACTION=1. No bytecode compilation: "
        "`poetry install` compiles only with `--compile`, which is not passed (poetry 2.x has no "
        "`installer.*` setting for it); other installer settings are poetry's defaults "
        "(`installer.parallel=true`, new venvs seeded with pip)."
    )
    return lines


def render_report(table, info, versions, args, rows=()) -> str:
    if "poetry" in versions:
        setup = poetry_setup_lines(args)
        poetry_line = (f"- poetry: {versions['poetry']} (`poetry lock`, `poetry install --no-root`; "
                       f"in-project .venv; timeout {args.poetry_timeout:.0f} s). {setup[0]}\n")
        for extra in setup[1:]:
            poetry_line += "\n" + "\n".join("  " + l for l in extra.splitlines()) + "\n"
        poetry_method = (
            f" poetry is slow, so it has {args.poetry_runs} run(s) per row (the `poetry` column "
            "is a median only if that is more than 1), in three rows: lock (cold cache) from a "
            "fresh copy state (no poetry.lock, no .venv, new cache directory), lock (warm cache) "
            "with poetry.lock removed, and sync (warm cache) = `poetry install --no-root` into a "
            "deleted in-project .venv; it runs after envy and uv are done with the project, "
            "not alternating with them. `poetry/envy` above 1 means envy is faster."
        )
    else:
        poetry_line = "- poetry: not run\n"
        poetry_method = ""
    return (
        "# envy benchmark results\n\n"
        f"Generated by `bench/run.py` on {info['date']}.\n\n"
        "## Machine\n\n"
        f"- CPU: {info['cpu']} ({info['nproc']} cores available)\n"
        f"- Memory: {info['memory']}\n"
        f"- OS: {info['os']}\n"
        f"- Python: {info['python']}\n"
        + "".join(f"- Python for {n} (its requires-python excludes the one above): {p}\n"
                  for n, p in sorted(info.get("other_pythons", {}).items()))
        + "\n"
        "## Tools\n\n"
        f"- envy: {versions['envy']} (default link mode and settings)\n"
        f"- uv: {versions['uv']} (`UV_LINK_MODE=hardlink`, no bytecode compilation)\n"
        + poetry_line +
        "- Index: PyPI (envy's and uv's default"
        + (", poetry through the simple-API source above" if "poetry" in versions
           and args.poetry_source == "simple" else "")
        + "); caches and projects on the same filesystem\n\n"
        "## Method\n\n"
        f"Median of {args.runs} runs per row ({args.cold_runs} for cold-cache rows), "
        "min–max in parentheses; envy and uv alternate within each run. "
        "Peak RSS is the largest `ru_maxrss` of the command's process tree over the runs. "
        "`envy/uv` below 1 means envy is faster. `failed` means the command failed, timed "
        "out or did not produce its output (lock file, `.venv`, hashed requirements)."
        f" `timeout`: killed after {args.timeout:.0f} s. `[n=K]`: the row stopped after K runs "
        f"because its first run took more than {args.slow_row:.0f} s. The traffic columns "
        "(cold-cache rows) are the medians of bytes relayed from the servers by a counting "
        "CONNECT proxy (TLS bytes), of those bytes over the wall time (MB/s, cold sync rows) "
        "and of the requests each tool's `-v` log reports (cold lock rows; uv's, "
        "marked `≥`, leave out its range reads; see `bench/run.py`)."
        + poetry_method + "\n\n"
        "## Results\n\n" + table + "\n" + render_poetry_ratios(rows) + render_failures(rows)
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--envy", help="path to the envy binary (default: target/release/envy, built if missing)")
    p.add_argument("--no-build", action="store_true", help="never run cargo build")
    p.add_argument("--projects", help="comma-separated project names (default: all)")
    p.add_argument("--projects-dir", default=str(DEFAULT_PROJECTS_DIR),
                   help="directory holding one folder per project (default: %(default)s)")
    p.add_argument("--runs", type=int, default=5, help="runs per row (default: 5)")
    p.add_argument("--cold-runs", type=int, default=3, help="runs per cold-cache row (default: 3)")
    p.add_argument("--quick", action="store_true", help="one run per row (smoke test)")
    p.add_argument("--python", default="python3.11", help="interpreter both tools use (default: python3.11)")
    p.add_argument("--no-poetry", action="store_true", help="skip poetry")
    p.add_argument("--poetry-runs", type=int, default=1,
                   help="runs per poetry row (lock cold, lock warm, install warm; default: 1)")
    p.add_argument("--poetry-source", choices=("simple", "pypi"), default="simple",
                   help="simple: give poetry's copy of each project a primary source on PyPI's "
                        "simple API (default); pypi: leave poetry's default PyPI source (JSON API)")
    p.add_argument("--poetry-timeout", type=float, default=180.0,
                   help="seconds before a poetry command is abandoned (default: 180)")
    p.add_argument("--timeout", type=float, default=300.0,
                   help="seconds before an envy or uv command is abandoned and reported as "
                        "`timeout` (default: 300)")
    p.add_argument("--slow-row", type=float, default=60.0,
                   help="a row whose first run took longer than this many seconds gets no "
                        "further runs (default: 60)")
    p.add_argument("--no-traffic", action="store_true",
                   help="cold locks and syncs without the counting proxy and -v (no traffic columns)")
    p.add_argument("--tools-venv", help="reuse (or create) this venv for uv and poetry")
    p.add_argument("--output", default=str(BENCH_DIR / "results.md"),
                   help="where to write the Markdown report (default: bench/results.md)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = p.parse_args(argv)
    if args.quick:
        args.runs = args.cold_runs = 1
    args.cold_runs = max(1, min(args.cold_runs, args.runs))
    args.poetry_runs = max(1, args.poetry_runs)

    projects_dir = Path(args.projects_dir)
    available = sorted(d.name for d in projects_dir.iterdir() if (d / "pyproject.toml").is_file()) \
        if projects_dir.is_dir() else []
    if not available:
        sys.exit(f"error: no projects (folders with pyproject.toml) in {projects_dir}")
    wanted = args.projects.split(",") if args.projects else available
    unknown = [w for w in wanted if w not in available]
    if unknown:
        sys.exit(f"error: unknown project(s) {', '.join(unknown)}; available: {', '.join(available)}")

    started = time.perf_counter()
    python = resolve_python(args.python)
    scratch = Path(tempfile.mkdtemp(prefix="envy-bench-"))
    try:
        tools = setup_tools(args, python, scratch)
        print(f"tools ready after {time.perf_counter() - started:.0f} s", flush=True)
        envy = locate_envy(args)
        versions = {
            "envy": tool_version(envy if envy.exists() else None),
            "uv": tool_version(tools["uv"]),
        }
        if "poetry" in tools:
            versions["poetry"] = tool_version(tools["poetry"])
            if versions["poetry"].startswith("unavailable"):
                print("warning: poetry does not run; skipping it", flush=True)
                tools.pop("poetry")
        for k, v in versions.items():
            print(f"{k}: {v}", flush=True)
        print(f"python: {python}", flush=True)
        print("link mode: uv UV_LINK_MODE=hardlink (no bytecode compilation); envy default",
              flush=True)
        if "poetry" in tools:
            print("poetry setup:\n  " + "\n  ".join(
                l for block in poetry_setup_lines(args) for l in block.splitlines()), flush=True)

        bench = Bench(args, python, envy, tools, scratch)
        rows = []
        for name in wanted:
            rows += bench.project(name, projects_dir / name)

        table = render_table(rows, "poetry" in tools)
        print("\n" + table)
        info = machine_info(python)
        info["other_pythons"] = bench.other_pythons
        report = render_report(table, info, versions, args, rows)
        Path(args.output).write_text(report)
        print(f"\nwrote {args.output} (total wall time {time.perf_counter() - started:.0f} s)")
        return 0
    finally:
        if args.keep:
            print(f"scratch directory kept at {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
