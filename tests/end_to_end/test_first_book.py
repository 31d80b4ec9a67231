"""The first book built for real, as CI must do at least once: the whole manuscript, the real engine and encoder."""

from __future__ import annotations

import json
import math
from array import array

import pytest

from pipeline import runner, tools
from pipeline.audio import level
from pipeline.cli import main
from pipeline.m4b import package
from tests.conftest import ROOT

TITLES = [
    "Opening Credits",
    "Introduction to 1956 Pioneer Edition",
    "Note for TIA Readers",
    "1. A Grandiose “Amalgam”",
    "2. Are Zinoviev and Kamenev Terrorists?",
    "3. Was the Purpose to Restore Capitalism?",
    "4. Nikolaiev’s Crime Is No Accidental Event",
    "5. Socialism Has Not Yet Been Built; the Roots of the Classes Have Not Yet Been Extirpated",
    "6. The Dual Role of the Bureaucracy",
    "7. The Two Series of Difficulties",
    "8. Individual Terrorism, a Product of Bureaucratic Decay",
    "9. Marxism, Terrorism and Bureaucracy",
    "10. Bureaucratic Centrism, the Cause of the Collapse of the CI",
    "11. The World-Wide Growth of Genuine Leninism is a Dreadful Danger to Stalin",
    "12. The Inevitability of New Amalgams Had Been Foretold",
    "13. Several Conclusions",
    "The Indictment",
    "Footnotes",
]


def test_chapters_of_the_first_book(capsys):
    assert main(["chapters", str(ROOT / "script"), "--json"]) == 0
    chapters = json.loads(capsys.readouterr().out)
    assert [c["title"] for c in chapters] == TITLES
    assert all(c["words"] > 0 for c in chapters)
    assert chapters[3]["source"].endswith("on-the-kirov-assassination.txt:44")


@pytest.mark.slow
def test_the_first_book_builds_into_a_complete_audiobook(tmp_path, capsys):
    out = tmp_path / "output"
    assert main(["build", str(ROOT / "script"), "-o", str(out)]) == 0
    path = out / "Leon Trotsky - On the Kirov Assassination.m4b"
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(path)

    back = package.read_back(path)
    assert [t for t, _ in back.quicktime_chapters] == TITLES
    assert [t for t, _ in back.nero_chapters] == TITLES
    starts = [s for _, s in back.quicktime_chapters]
    assert starts[0] == 0 and starts == sorted(starts)
    assert 55 * 60 < back.duration < 75 * 60  # about an hour of speech for 11,000 words
    assert back.tags["©nam"] == ["On the Kirov Assassination"]
    assert back.tags["©ART"] == ["Leon Trotsky"]
    assert back.tags["©day"] == ["1934"]
    assert back.tags["stik"] == [2]
    assert "John G. Wright" in back.tags["©cmt"][0]
    assert back.cover and back.codec.startswith("mp4a")
    assert package.decode_errors(path) == ""

    loudness = level.measure(path)
    assert loudness.integrated_lufs == pytest.approx(-18, abs=1)
    pcm = tmp_path / "book.pcm"
    runner.run(
        [tools.ffmpeg(), "-v", "error", "-i", path, "-f", "s16le", "-ac", "1", pcm],
        what="decoding",
        expect=pcm,
    )
    samples = array("h", pcm.read_bytes())
    assert len(samples) / back.sample_rate == pytest.approx(back.duration, abs=0.05)
    assert 20 * math.log10(max(max(samples), -min(samples)) / 32768) <= -3.0
