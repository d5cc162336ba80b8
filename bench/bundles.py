#!/usr/bin/env python3
"""Deployment bundles side by side: envy's zipapp and wheelhouse against shiv,
pex and `pip wheel`, building the same one-module flask app from warm caches.

    python3 bench/bundles.py [--envy target/release/envy] [--runs 3]

Installs pinned shiv and pex into a temp venv, makes the app with `envy new` +
`envy add flask`, then times each build (median of --runs, after one warm-up
build that fills every tool's cache) and each start of the built app, and
prints a Markdown table with sizes. Network: PyPI, for the warm-up only.
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

SHIV = "1.0.8"
PEX = "2.105.2"
APP = '''import flask


def main() -> None:
    app = flask.Flask("app")
    print("hello from flask", app.name)
'''


def run(cmd, cwd=None, env=None):
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{res.stderr[-2000:]}")
    return took


def timed(cmd, runs, cwd=None, env=None):
    run(cmd, cwd, env)  # warm-up: fills caches
    return statistics.median(run(cmd, cwd, env) for _ in range(runs))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--envy", default="target/release/envy")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    envy = str(Path(args.envy).resolve())
    root = Path(tempfile.mkdtemp(prefix="envy-bundles-"))
    env = dict(os.environ, ENVY_CACHE_DIR=str(root / "cache"), NO_COLOR="1")
    env.pop("PIP_FIND_LINKS", None)
    try:
        run([sys.executable, "-m", "venv", root / "tools"])
        run([root / "tools/bin/pip", "install", "-q", f"shiv=={SHIV}", f"pex=={PEX}"], env=env)
        run([envy, "new", "app", "-q"], cwd=root, env=env)
        app = root / "app"
        (app / "src/app/__init__.py").write_text(APP)
        run([envy, "add", "flask", "-q"], cwd=app, env=env)
        builds = {
            "envy zipapp": ([envy, "export", "--frozen", "--format", "zipapp", "-o", root / "envy.pyz", "-e", "app:main", "-q"], root / "envy.pyz"),
            "shiv": ([root / "tools/bin/shiv", "-q", "-o", root / "shiv.pyz", "-e", "app:main", "."], root / "shiv.pyz"),
            "pex": ([root / "tools/bin/pex", ".", "-o", root / "app.pex", "-e", "app:main", "--python=python3"], root / "app.pex"),
            "envy wheelhouse": ([envy, "export", "--frozen", "--format", "wheelhouse", "-o", root / "wh", "-q"], root / "wh"),
            "pip wheel": ([root / "tools/bin/pip", "wheel", "-q", "-w", root / "pipwh", "."], root / "pipwh"),
        }
        rows = []
        for name, (cmd, out) in builds.items():
            build = timed(cmd, args.runs, cwd=app, env=env)
            if out.is_dir():
                size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
                start = None
            else:
                size = out.stat().st_size
                start = timed([out], args.runs, env=env)
            rows.append((name, build, size, start))
        print("| bundle | build (s) | size (KiB) | start (s) |\n|---|---|---|---|")
        for name, build, size, start in rows:
            s = f"{start:.2f}" if start is not None else "-"
            print(f"| {name} | {build:.2f} | {size / 1024:.0f} | {s} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
