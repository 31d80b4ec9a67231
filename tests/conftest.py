from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own cache, never the user's."""
    monkeypatch.setenv("AUDIOBOOK_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not here (a user's clone has none)")
    return SHARED
