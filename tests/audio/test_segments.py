"""How a chapter's spoken lines become segments (one AAC stream each): a paragraph's lines together, a title
alone, a long paragraph in runs; every line in exactly one segment, in order, with its own key and pause."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline.audio.jobs import LINES_PER_SEGMENT, Encoder, plan, segment_lines, sentence_key
from pipeline.model import Where
from pipeline.speech.narration import ChapterScript, Line

HERE = Where(Path("book.txt"), 1)


def line(text: str, paragraph: int | None, pause: int = 400) -> Line:
    return Line(text, text, HERE, pause, paragraph=paragraph)


def script(lines: list[Line], number: int = 1) -> ChapterScript:
    return ChapterScript(number=number, title=lines[0].written, lines=tuple(lines), lead_in=500, where=HERE)


def test_a_paragraph_is_one_segment_and_the_title_one_of_its_own():
    lines = [
        line("Chapter One", None, 1500),
        line("It was dark.", 0),
        line("It rained.", 0, 930),
        line("Nobody came.", 1, 930),
        line("Then a knock.", 2),
        line("Who is it?", 2, 930),
    ]
    assert segment_lines(tuple(lines)) == [(0, 1), (1, 3), (3, 4), (4, 6)]
    (job,) = plan((script(lines),), identity="voice", gain=1.0, encoder=Encoder())
    spoken = [[s.spoken for s in segment.sentences] for segment in job.segments]
    assert spoken == [
        ["Chapter One"],
        ["It was dark.", "It rained."],
        ["Nobody came."],
        ["Then a knock.", "Who is it?"],
    ]
    assert [[s.pause_after for s in segment.sentences] for segment in job.segments][1] == [400, 930]
    assert [segment.lead_in for segment in job.segments] == [
        500,
        0,
        0,
        0,
    ]  # the lead-in opens the chapter only


def test_a_long_paragraph_is_encoded_in_runs():
    lines = [line("Title", None)] + [line(f"Sentence {n}.", 0) for n in range(2 * LINES_PER_SEGMENT + 3)]
    runs = segment_lines(tuple(lines))
    assert [end - start for start, end in runs] == [1, LINES_PER_SEGMENT, LINES_PER_SEGMENT, 3]


def test_an_edit_changes_only_the_key_of_the_segment_that_holds_it():
    lines = [line("Title", None), line("One.", 0), line("Two.", 0), line("Three.", 1)]
    edited = [*lines[:2], line("Two, changed.", 0), lines[3]]
    before, after = (
        plan((script(x),), identity="voice", gain=1.0, encoder=Encoder())[0].segments for x in (lines, edited)
    )
    assert [a.key == b.key for a, b in zip(before, after, strict=True)] == [True, False, True]
    # The unchanged sentence of the edited paragraph keeps its audio: only the changed one is synthesized again.
    assert before[1].sentences[0].key == after[1].sentences[0].key == sentence_key("voice", "One.")
    # A paragraph break moved: the same sentences, grouped otherwise, in segments with other keys.
    regrouped = [lines[0], lines[1], line("Two.", 1), line("Three.", 1)]
    moved = plan((script(regrouped),), identity="voice", gain=1.0, encoder=Encoder())[0].segments
    assert {s.key for s in moved[1:]}.isdisjoint({s.key for s in before[1:]})


@given(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=1, max_size=60))
def test_every_line_is_in_one_segment_in_order_and_no_segment_crosses_a_paragraph(paragraphs):
    lines = tuple(line(f"Line {n}.", p) for n, p in enumerate(paragraphs))
    runs = segment_lines(lines)
    assert [n for start, end in runs for n in range(start, end)] == list(range(len(lines)))
    for start, end in runs:
        assert 1 <= end - start <= LINES_PER_SEGMENT
        group = {lines[n].paragraph for n in range(start, end)}
        assert len(group) == 1 and (None not in group or end - start == 1)
    # Two neighbours of one paragraph are apart only where a run is full.
    for (first, end), (start, _) in itertools.pairwise(runs):
        if lines[end - 1].paragraph is not None and lines[end - 1].paragraph == lines[start].paragraph:
            assert end - first == LINES_PER_SEGMENT
