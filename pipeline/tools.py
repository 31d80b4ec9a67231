"""Where the external programs and libraries come from: PyPI wheels by default, the user's own if asked.

Environment variables (documented in the README):
    AUDIOBOOK_FFMPEG   path to an ffmpeg to use instead of the one imageio-ffmpeg ships
    AUDIOBOOK_ESPEAK_LIBRARY, AUDIOBOOK_ESPEAK_DATA
                       a libespeak-ng shared library and its espeak-ng-data folder to use instead of
                       the ones espeakng-loader ships

A build asks where ffmpeg is and which version it is (part of every AAC cache key); learning that takes
imageio-ffmpeg and two runs of `ffmpeg -version`, longer than the rest of a one-word rebuild's encoding.
`remember_in(folder)` keeps the answers in a file there (the build's cache), each keyed on what it
depends on and on the binary's size and modification time, so the next process only checks the file.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import MissingDependency

_memory: Path | None = None  # see remember_in
MEMORY_NAME = "tools.json"


def remember_in(folder: Path) -> None:
    """Keep what this process learns of ffmpeg in `folder`/tools.json, and use what is there."""
    global _memory
    _memory = folder / MEMORY_NAME


def _recall(kind: str, key: str) -> str | None:
    """An answer kept under `key`, if its file is the same file (path, size, modification time) still."""
    if _memory is None:
        return None
    try:
        known = json.loads(_memory.read_bytes())[kind][key]
        path, size, mtime = known["file"], known["size"], known["mtime"]
        found = os.stat(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (found.st_size, found.st_mtime_ns) != (size, mtime) or not os.access(path, os.X_OK):
        return None
    return str(known["answer"])


def _keep(kind: str, key: str, file: Path, answer: str) -> None:
    if _memory is None:
        return
    try:
        memory = json.loads(_memory.read_bytes())
        memory = memory if isinstance(memory, dict) else {}
    except (OSError, ValueError):
        memory = {}
    try:
        found = file.stat()
        entries = memory.setdefault(kind, {}) if isinstance(memory.get(kind, {}), dict) else {}
        memory[kind] = entries
        entries[key] = {
            "file": str(file),
            "size": found.st_size,
            "mtime": found.st_mtime_ns,
            "answer": answer,
        }
        _memory.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=_memory.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(memory, out)
        os.replace(tmp, _memory)
    except OSError:
        pass  # nothing kept: the next build asks again


@functools.cache
def ffmpeg() -> Path:
    """The ffmpeg executable: $AUDIOBOOK_FFMPEG if set, else imageio-ffmpeg's bundled binary."""
    chosen = os.environ.get("AUDIOBOOK_FFMPEG")
    if chosen:
        path = Path(chosen)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise MissingDependency(
                f"AUDIOBOOK_FFMPEG points at {chosen!r}, which is not an executable file",
                fix="set AUDIOBOOK_FFMPEG to an ffmpeg binary, or unset it",
            )
        return path
    # What imageio-ffmpeg's answer depends on besides its binary: its version, its own variable, where.
    asked = json.dumps(
        [installed_versions(["imageio-ffmpeg"]), os.environ.get("IMAGEIO_FFMPEG_EXE"), sys.prefix]
    )
    known = _recall("ffmpeg", asked)
    if known is not None:
        return Path(known)
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise MissingDependency(
            "imageio-ffmpeg is not installed, so there is no ffmpeg",
            fix="run `make setup` (or `pip install imageio-ffmpeg`)",
        ) from exc
    try:
        path = Path(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise MissingDependency(
            f"imageio-ffmpeg found no ffmpeg binary: {exc}",
            fix="reinstall it with `pip install --force-reinstall imageio-ffmpeg`",
        ) from exc
    if path.is_absolute() and path.is_file():  # not a bare "ffmpeg" found on PATH
        _keep("ffmpeg", asked, path, str(path))
    return path


def installed_versions(names: Iterable[str]) -> list[str]:
    """name=version of each distribution, read from the names of the installed distributions' metadata
    folders (name-version.dist-info), first on sys.path first, as importlib.metadata finds them
    (importing that alone takes a good part of a rebuild); name=? for one not installed."""
    names = list(names)
    wanted = {_distribution(name): name for name in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            folders = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in folders:
            stem, _, suffix = folder.rpartition(".")
            if suffix not in ("dist-info", "egg-info"):
                continue
            name, _, version = stem.partition("-")
            tool = wanted.get(_distribution(name))
            if tool is not None and tool not in found:
                found[tool] = version.split("-")[0]  # an egg-info folder may add -py3.11
    return [f"{name}={found.get(name, '?')}" for name in names]


def _distribution(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


@functools.cache
def espeak_paths() -> tuple[Path, Path]:
    """(libespeak-ng shared library, espeak-ng-data folder), from the environment or espeakng-loader."""
    lib = os.environ.get("AUDIOBOOK_ESPEAK_LIBRARY")
    data = os.environ.get("AUDIOBOOK_ESPEAK_DATA")
    if not (lib and data):
        try:
            import espeakng_loader
        except ImportError as exc:
            raise MissingDependency(
                "espeakng-loader is not installed, so there is no eSpeak NG",
                fix="run `make setup` (or `pip install espeakng-loader`)",
            ) from exc
        lib = lib or espeakng_loader.get_library_path()
        data = data or espeakng_loader.get_data_path()
    lib_path, data_path = Path(lib), Path(data)
    if not lib_path.is_file():
        raise MissingDependency(
            f"the eSpeak NG library {lib_path} does not exist",
            fix="unset AUDIOBOOK_ESPEAK_LIBRARY or point it at libespeak-ng",
        )
    import ctypes  # here, not above: only the eSpeak engine needs it

    try:
        # Loaded as the engine loads it (global symbols), so a file that is no shared library is found here,
        # with the variable to fix, rather than as a ctypes traceback inside the engine.
        ctypes.CDLL(str(lib_path), mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        raise MissingDependency(
            f"the eSpeak NG library {lib_path} cannot be loaded: {exc}",
            fix="unset AUDIOBOOK_ESPEAK_LIBRARY or point it at libespeak-ng, or reinstall espeakng-loader",
        ) from None
    if not (data_path / "phontab").is_file():
        raise MissingDependency(
            f"{data_path} is not an espeak-ng-data folder (it has no phontab)",
            fix="unset AUDIOBOOK_ESPEAK_DATA or point it at an espeak-ng-data folder",
        )
    return lib_path, data_path


@functools.cache
def ffmpeg_version() -> str:
    """The first line of `ffmpeg -version`: part of the cache key of everything ffmpeg encodes."""
    from .runner import run

    binary = ffmpeg()
    known = _recall("version", str(binary))
    if known is not None:
        return known
    proc = run([binary, "-version"], what="asking ffmpeg its version")
    version = proc.stdout.decode("utf-8", "replace").splitlines()[0].strip()
    if binary.is_file():
        _keep("version", str(binary), binary, version)
    return version
