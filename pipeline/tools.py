"""Where the external programs and libraries come from: PyPI wheels by default, the user's own if asked.

Environment variables (documented in the README):
    AUDIOBOOK_FFMPEG   path to an ffmpeg to use instead of the one imageio-ffmpeg ships
    AUDIOBOOK_ESPEAK_LIBRARY, AUDIOBOOK_ESPEAK_DATA
                       a libespeak-ng shared library and its espeak-ng-data folder to use instead of
                       the ones espeakng-loader ships
"""

from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path

from .errors import MissingDependency


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
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise MissingDependency(
            "imageio-ffmpeg is not installed, so there is no ffmpeg",
            fix="run `make setup` (or `pip install imageio-ffmpeg`)",
        ) from exc
    try:
        return Path(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise MissingDependency(
            f"imageio-ffmpeg found no ffmpeg binary: {exc}",
            fix="reinstall it with `pip install --force-reinstall imageio-ffmpeg`",
        ) from exc


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

    proc = run([ffmpeg(), "-version"], what="asking ffmpeg its version")
    return proc.stdout.decode("utf-8", "replace").splitlines()[0].strip()
