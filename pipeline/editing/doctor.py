"""`audiobook doctor`: is this machine ready to build? Each check says what it found and, if it failed, the fix.

`doctor()` runs every check and returns them in order; a check never raises (what went wrong becomes its
`detail` and `fix`). `render(checks)` is the text the CLI prints. Nothing here prints, exits or writes
outside a temporary folder it removes.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import runner, tools
from ..audio.cache import default_root
from ..errors import AudiobookError

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 500 * 1024 * 1024  # an hour of book: ~30 MB of AAC out, ~160 MB of cached PCM and AAC
_TEST_SAMPLES = 4 * 1024  # four AAC frames of silence: enough to prove the encoder runs


@dataclass(frozen=True, slots=True)
class Check:
    """One thing the build needs: whether it is there (`ok`), what was found, and how to fix it if not."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


def doctor(
    *, output_dir: Path = Path("output"), cache_dir: Path | None = None, voice: str | None = None
) -> tuple[Check, ...]:
    """Check eSpeak NG, its voice, ffmpeg's AAC encoder, the cache folder and free disk space."""
    from ..voice.espeak import DEFAULT_VOICE

    cache_root = cache_dir or default_root()
    return (
        _guarded("eSpeak NG", _espeak),
        _guarded("voice", lambda: _voice(voice or DEFAULT_VOICE)),
        _guarded("ffmpeg", _ffmpeg),
        _guarded("cache folder", lambda: _writable(cache_root)),
        _guarded("free space (output)", lambda: _free_space(output_dir)),
        _guarded("free space (cache)", lambda: _free_space(cache_root)),
    )


def render(checks: tuple[Check, ...]) -> str:
    """One line per check (ok / FAIL, name, what was found), a fix under each failure, then a summary."""
    width = max((len(c.name) for c in checks), default=0)
    lines = []
    for check in checks:
        lines.append(f"{'ok  ' if check.ok else 'FAIL'}  {check.name:<{width}}  {check.detail}")
        if not check.ok and check.fix:
            lines.append(f"      {'':<{width}}  fix: {check.fix}")
    failed = sum(not c.ok for c in checks)
    lines.append("ready to build" if not failed else f"{failed} of {len(checks)} checks failed")
    return "\n".join(lines)


def _guarded(name: str, check: Callable[[], tuple[str, str | None, bool]]) -> Check:
    # A doctor that crashes on the very fault it should report is no use: every failure becomes a Check.
    try:
        detail, fix, ok = check()
    except AudiobookError as exc:
        return Check(name, False, exc.message, exc.fix)
    except (OSError, ValueError, RuntimeError) as exc:
        log.debug("check %s failed", name, exc_info=True)
        return Check(name, False, f"{type(exc).__name__}: {exc}", "run `make setup` again")
    return Check(name, ok, detail, fix)


def _espeak() -> tuple[str, str | None, bool]:
    from ..voice import espeak

    lib, data = tools.espeak_paths()
    _, sample_rate = espeak.binding()
    return f"{espeak.version()} from {lib} (data {data}, {sample_rate} Hz)", None, True


def _voice(voice: str) -> tuple[str, str | None, bool]:
    from ..voice import espeak

    identifier = espeak.voice_table().get(voice.lower())
    if identifier is None:
        return f"no voice {voice!r} is installed", "choose one from `audiobook voices`", False
    return f"{voice} ({identifier})", None, True


def _ffmpeg() -> tuple[str, str | None, bool]:
    ffmpeg = tools.ffmpeg()
    version = tools.ffmpeg_version()
    with tempfile.TemporaryDirectory(prefix="audiobook-doctor-") as work:
        pcm, aac = Path(work) / "silence.pcm", Path(work) / "silence.aac"
        pcm.write_bytes(bytes(2 * _TEST_SAMPLES))
        raw = ("-f", "s16le", "-ar", "22050", "-ac", "1", "-i", pcm)
        argv = [
            ffmpeg,
            "-hide_banner",
            "-nostats",
            "-v",
            "error",
            "-y",
            *raw,
            "-c:a",
            "aac",
            "-f",
            "adts",
            aac,
        ]
        runner.run(argv, what="encoding a test second of AAC", expect=aac, timeout=60)
        if aac.read_bytes()[:2] not in (b"\xff\xf1", b"\xff\xf9"):
            return (
                f"{ffmpeg} ran but wrote no AAC",
                "unset AUDIOBOOK_FFMPEG, or point it at a real ffmpeg",
                False,
            )
    return f"{version.split(' Copyright')[0]} ({ffmpeg}), AAC encoder works", None, True


def _writable(folder: Path) -> tuple[str, str | None, bool]:
    fix = "set --cache or AUDIOBOOK_CACHE to a folder you can write to"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return f"{folder} is not writable: {exc.strerror or exc}", fix, False
    return f"{folder} is writable", None, True


def _free_space(folder: Path) -> tuple[str, str | None, bool]:
    existing = folder.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent  # the folder may not exist before the first build
    free = shutil.disk_usage(existing).free
    detail = f"{free / 1e9:,.1f} GB free at {existing}"
    if free < MIN_FREE_BYTES:
        return detail, f"free at least {MIN_FREE_BYTES // 2**20} MB there, or choose another folder", False
    return detail, None, True
