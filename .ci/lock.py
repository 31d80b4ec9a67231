"""Write constraints.txt: the exact version of every package a fresh set-up installs (`make lock` runs this).

pip resolves the project with every extra in pyproject.toml, as if nothing were installed (`pip install --dry-run --report`),
and the versions it picks are written one per line. The Makefile installs with `-c constraints.txt`, so a
fresh clone next month gets the same eSpeak NG, the same ffmpeg and the same number reader as today, and the
same book comes out byte for byte. Refresh it on purpose, check the first book's hash, and commit both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = ",".join(sorted(project.get("optional-dependencies", {})))
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.json"
        argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--dry-run"]
        argv += ["--ignore-installed", "--report", str(report), f"{ROOT}[{extras}]"]
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
        resolved = json.loads(report.read_text(encoding="utf-8"))["install"]
    own = "audiobook-pipeline"
    pins = sorted(
        (item["metadata"]["name"].lower().replace("_", "-"), item["metadata"]["version"])
        for item in resolved
        if item["metadata"]["name"].lower() != own
    )
    lines = [
        "# Exact versions for a reproducible set-up: the Makefile installs with `-c constraints.txt`.",
        f"# Written by `make lock` (.ci/lock.py) for Python {sys.version_info.major}.{sys.version_info.minor}"
        f" with every extra ({extras}); do not edit by hand.",
        *(f"{name}=={version}" for name, version in pins),
    ]
    target = ROOT / "constraints.txt"
    temp = target.with_suffix(".tmp")
    temp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temp, target)
    print(f"{target}: {len(pins)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
