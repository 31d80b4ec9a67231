"""`doctor()`: every check passes on a set-up machine, and each broken dependency fails its own check with a fix."""

from __future__ import annotations

import pytest

from pipeline import tools
from pipeline.editing import doctor


@pytest.fixture
def fresh_tools():
    """The tool lookups are cached per process; each test sees its own environment."""
    for cached in (tools.ffmpeg, tools.ffmpeg_version, tools.espeak_paths):
        cached.cache_clear()
    yield
    for cached in (tools.ffmpeg, tools.ffmpeg_version, tools.espeak_paths):
        cached.cache_clear()


def test_a_set_up_machine_passes_every_check(tmp_path, fresh_tools):
    checks = doctor.doctor(output_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    assert [c.name for c in checks] == [
        "eSpeak NG",
        "voice",
        "ffmpeg",
        "cache folder",
        "free space (output)",
        "free space (cache)",
    ]
    assert all(c.ok and c.fix is None for c in checks), doctor.render(checks)
    assert doctor.render(checks).endswith("ready to build")


def test_broken_dependencies_fail_their_checks_with_a_fix(tmp_path, monkeypatch, fresh_tools):
    garbage = tmp_path / "ffmpeg"
    garbage.write_text('#!/bin/sh\nfor a; do last="$a"; done\necho ffmpeg version 0\necho junk > "$last"\n')
    garbage.chmod(0o755)
    monkeypatch.setenv("AUDIOBOOK_FFMPEG", str(garbage))
    monkeypatch.chdir(tmp_path)  # the fake writes junk into its last argument: "-version", relative
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    checks = {
        c.name: c for c in doctor.doctor(output_dir=tmp_path, cache_dir=blocker / "cache", voice="xx-nope")
    }
    assert not checks["ffmpeg"].ok and "AUDIOBOOK_FFMPEG" in checks["ffmpeg"].fix
    assert not checks["voice"].ok and "audiobook voices" in checks["voice"].fix
    assert not checks["cache folder"].ok and checks["cache folder"].fix
    text = doctor.render(tuple(checks.values()))
    assert "FAIL  ffmpeg" in text and "fix: " in text and text.endswith("3 of 6 checks failed")
    monkeypatch.setenv("AUDIOBOOK_FFMPEG", str(tmp_path / "missing"))
    tools.ffmpeg.cache_clear()
    (check,) = [c for c in doctor.doctor(output_dir=tmp_path) if c.name == "ffmpeg"]
    assert not check.ok and "not an executable file" in check.detail


def test_espeak_data_missing_fails_the_espeak_check(tmp_path, monkeypatch, fresh_tools):
    monkeypatch.setenv("AUDIOBOOK_ESPEAK_DATA", str(tmp_path))
    espeak_check = doctor._guarded("eSpeak NG", doctor._espeak)
    assert (
        not espeak_check.ok
        and "phontab" in espeak_check.detail
        and "AUDIOBOOK_ESPEAK_DATA" in espeak_check.fix
    )


def test_a_library_that_is_no_library_is_a_missing_dependency(tmp_path, monkeypatch, fresh_tools):
    fake = tmp_path / "libespeak-ng.so"
    fake.write_text("not a shared library")
    monkeypatch.setenv("AUDIOBOOK_ESPEAK_LIBRARY", str(fake))
    check = doctor._guarded("eSpeak NG", doctor._espeak)
    assert not check.ok and "cannot be loaded" in check.detail and "AUDIOBOOK_ESPEAK_LIBRARY" in check.fix
