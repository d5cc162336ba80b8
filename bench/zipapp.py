#!/usr/bin/env python3
"""Zipapp build time: envy beside shiv and pex, on the same inputs.

For each project (default: the flask bench project), on the same machine:

1. `envy lock`, then `envy export --frozen -o requirements.txt` (hashed pins of
   the app's dependencies): the input all three tools get.
2. Build a single-file app holding those pins, with no entry point (a Python
   with the packages importable: `pex -r ... -o app.pex` is the pex user's
   command for it):
   - envy: `envy export --frozen --format zipapp --no-emit-project -o app.pyz`
   - shiv: `shiv -r requirements.txt -o app.pyz`
   - pex:  `pex -r requirements.txt -o app.pex`
   once with empty caches (cold), then `--runs` times with warm caches.
3. Check each app: `python APP -c "import flask"` (the project's first
   dependency) must succeed, and its time is the start-up column.

Each tool gets its own cache directory under the scratch root (envy's
`--cache-dir`, `PIP_CACHE_DIR` for shiv, `PEX_ROOT` for pex), so "cold" means
the same for all three. Prints a Markdown table with the medians and the
ratios envy/shiv and envy/pex.

    python3 bench/zipapp.py [--envy target/release/envy] [--projects flask]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PROJECTS = HERE.parent.parent / "shared" / "bench" / "projects"


def run(cmd, cwd, env, check=True):
    t0 = time.perf_counter()
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env,
                         capture_output=True, text=True)
    took = time.perf_counter() - t0
    if check and res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-15:])
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({res.returncode}):\n{tail}")
    return took, res


def first_dependency(pyproject: Path) -> str:
    import tomllib
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    name = deps[0]
    for sep in "<>=!~;[ ":
        name = name.split(sep)[0]
    return name.replace("-", "_").lower()


def bench_project(name, src, envy, tools_venv, python, runs, root):
    work = root / name
    shutil.copytree(src, work)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    caches = {t: root / f"cache-{name}-{t}" for t in ("envy", "shiv", "pex")}
    envy_env = dict(env, ENVY_CACHE_DIR=str(caches["envy"]))
    shiv_env = dict(env, PIP_CACHE_DIR=str(caches["shiv"]), PIP_DISABLE_PIP_VERSION_CHECK="1")
    pex_env = dict(env, PEX_ROOT=str(caches["pex"]))
    run([envy, "lock", "-q", "--python", python], work, envy_env)
    run([envy, "export", "--frozen", "-q", "-o", "requirements.txt"], work, envy_env)
    module = first_dependency(work / "pyproject.toml")
    bin_dir = tools_venv / "bin"
    builds = {
        "envy": ([envy, "export", "--frozen", "-q", "--format", "zipapp",
                  "--no-emit-project", "--python", python, "-o", "envy.pyz"], envy_env, "envy.pyz"),
        "shiv": ([bin_dir / "shiv", "--python", python, "-r", "requirements.txt",
                  "-o", "shiv.pyz"], shiv_env, "shiv.pyz"),
        "pex": ([bin_dir / "pex", "--python", python, "-r", "requirements.txt",
                 "-o", "app.pex"], pex_env, "app.pex"),
    }
    out = {}
    for tool, (cmd, tool_env, artifact) in builds.items():
        # envy's lock step filled its cache with the index pages only; its
        # cold build downloads the wheels, as shiv's and pex's do.
        if tool == "envy":
            shutil.rmtree(caches["envy"] / "files-v1", ignore_errors=True)
            shutil.rmtree(caches["envy"] / "unpacked-v1", ignore_errors=True)
        cold, _ = run(cmd, work, tool_env)
        warm = []
        for _ in range(runs):
            (work / artifact).unlink(missing_ok=True)
            took, _ = run(cmd, work, tool_env)
            warm.append(took)
        start, res = run([python, work / artifact, "-c", f"import {module}"], work, env, check=False)
        out[tool] = {
            "cold": cold,
            "warm": statistics.median(warm),
            "size": (work / artifact).stat().st_size,
            "start": start if res.returncode == 0 else None,
            "error": None if res.returncode == 0 else res.stderr.strip().splitlines()[-1:],
        }
        print(f"  {tool}: cold {cold:.2f} s, warm {out[tool]['warm']:.2f} s", flush=True)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--envy", default=str(HERE.parent / "target" / "release" / "envy"))
    p.add_argument("--projects", default="flask")
    p.add_argument("--projects-dir", default=str(DEFAULT_PROJECTS))
    p.add_argument("--runs", type=int, default=3, help="warm runs per tool (median)")
    p.add_argument("--python", default="python3.11")
    p.add_argument("--tools-venv", help="reuse (or create) this venv for shiv and pex")
    args = p.parse_args()
    python = shutil.which(args.python) or sys.exit(f"error: no {args.python} on PATH")
    root = Path(tempfile.mkdtemp(prefix="envy-zipapp-bench-"))
    try:
        tools_venv = Path(args.tools_venv) if args.tools_venv else root / "tools"
        if not (tools_venv / "bin" / "python").exists():
            subprocess.run([python, "-m", "venv", str(tools_venv)], check=True)
        subprocess.run([str(tools_venv / "bin" / "python"), "-m", "pip", "install", "-q",
                        "shiv", "pex"], check=True)
        versions = {
            t: subprocess.run([str(tools_venv / "bin" / t), "--version"], capture_output=True,
                              text=True).stdout.strip()
            for t in ("shiv", "pex")
        }
        versions["envy"] = subprocess.run([args.envy, "--version"], capture_output=True,
                                          text=True).stdout.strip()
        lines = [
            f"Zipapp builds, {args.runs} warm runs (median) after one cold run; "
            f"{', '.join(f'{k} {v}' for k, v in versions.items())}; Python {args.python}.",
            "",
            "| project | tool | cold build | warm build | size | `-c import` start | envy/tool (warm) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in args.projects.split(","):
            print(f"== {name}", flush=True)
            res = bench_project(name, Path(args.projects_dir) / name, Path(args.envy),
                                tools_venv, python, args.runs, root)
            for tool, r in res.items():
                ratio = "" if tool == "envy" else f"{res['envy']['warm'] / r['warm']:.2f}x"
                start = f"{r['start']:.2f} s" if r["start"] is not None else f"failed: {r['error']}"
                lines.append(
                    f"| {name} | {tool} | {r['cold']:.2f} s | {r['warm']:.2f} s | "
                    f"{r['size'] / 1e6:.1f} MB | {start} | {ratio} |"
                )
        print("\n".join(lines))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
