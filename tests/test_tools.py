"""Where the programs are: what a build learns of ffmpeg (where it is, its version) is kept in the cache and
asked again only when the binary is another one, and library versions are those importlib.metadata gives."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

from pipeline import runner, tools


@pytest.fixture
def remembering(tmp_path, monkeypatch):
    """Fresh lookups that keep their answers in tmp_path/memory, and a count of `ffmpeg -version` runs."""
    monkeypatch.setattr(tools, "_memory", None)
    tools.remember_in(tmp_path / "memory")
    asked: list[list[str]] = []
    real = runner.run

    def counting(argv, **kw):
        if "-version" in [str(a) for a in argv]:
            asked.append([str(a) for a in argv])
        return real(argv, **kw)

    monkeypatch.setattr(runner, "run", counting)
    tools.ffmpeg.cache_clear()
    tools.ffmpeg_version.cache_clear()
    yield asked
    tools.ffmpeg.cache_clear()
    tools.ffmpeg_version.cache_clear()


def fake_ffmpeg(path: Path, version: str) -> Path:
    path.write_text(f'#!/bin/sh\necho "ffmpeg version {version}"\n')
    path.chmod(0o755)
    return path


def test_ffmpegs_version_is_asked_once_per_binary(tmp_path, monkeypatch, remembering):
    binary = fake_ffmpeg(tmp_path / "ffmpeg", "7.0-a")
    monkeypatch.setenv("AUDIOBOOK_FFMPEG", str(binary))
    assert tools.ffmpeg_version() == "ffmpeg version 7.0-a"
    tools.ffmpeg_version.cache_clear()  # as in the next build's process
    assert tools.ffmpeg_version() == "ffmpeg version 7.0-a"
    assert len(remembering) == 1

    fake_ffmpeg(binary, "7.1-b, another build")  # another binary in its place: other size and time
    os.utime(binary, ns=(1, 1))
    tools.ffmpeg_version.cache_clear()
    assert tools.ffmpeg_version() == "ffmpeg version 7.1-b, another build"
    assert len(remembering) == 2


def test_the_bundled_ffmpeg_is_looked_for_once(monkeypatch, remembering):
    monkeypatch.delenv("AUDIOBOOK_FFMPEG", raising=False)
    found = tools.ffmpeg()
    import imageio_ffmpeg

    def not_again():
        raise AssertionError("imageio-ffmpeg was asked again")

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", not_again)
    tools.ffmpeg.cache_clear()
    assert tools.ffmpeg() == found


def test_installed_versions_are_importlib_metadatas():
    names = ["mutagen", "PyYAML", "imageio-ffmpeg", "pymorphy3-dicts-ru", "no-such-distribution"]
    expected = []
    for name in names:
        try:
            expected.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            expected.append(f"{name}=?")
    assert tools.installed_versions(names) == expected
