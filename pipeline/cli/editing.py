"""The editor's commands: lint, lexicon check and show, say, check-audio."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..progress import TerminalReporter
from .args import build_options, engine_args, lexicon_for, source_arg, whole


def _cmd_lint(args: argparse.Namespace) -> int:
    from ..editing import lint

    findings = lint.lint_source(args.source, lexicon=lexicon_for(args))
    print(lint.render(findings))
    return 1 if findings else 0


def _cmd_lexicon_check(args: argparse.Namespace) -> int:
    from ..editing import lexicon_check
    from ..text import source

    report = lexicon_check.check(source.load(args.source).book, lexicon_for(args))
    print(report.render())
    return 0 if report.ok else 1


def _cmd_lexicon_draft(args: argparse.Namespace) -> int:
    import sys

    from ..editing import lexicon_draft
    from ..text import source

    lexicon = lexicon_for(args)
    report = lexicon_draft.draft_lexicon(source.load(args.source).book, lexicon)
    if args.output is None:
        sys.stdout.write(report.text)
    else:
        dest = lexicon_draft.write(report, args.output, lexicon=lexicon)
        print(
            f"{report.entries} entries drafted, {report.left} names left to the voice: {dest}",
            file=sys.stderr,
        )
    return 0


def _cmd_lexicon_show(args: argparse.Namespace) -> int:
    from ..editing import lexicon_show

    print(lexicon_show.show(lexicon_for(args), args.name, voice=args.voice or "en-us"))
    return 0


def _cmd_say(args: argparse.Namespace) -> int:
    from ..editing import lexicon_show

    dest = lexicon_show.say(
        args.text,
        lexicon=lexicon_for(args),
        engine=args.engine,
        voice=args.voice,
        rate=args.rate,
        dest=args.output,
    )
    print(dest)
    return 0


def _cmd_check_audio(args: argparse.Namespace) -> int:
    from ..editing.proof import check_book

    report = check_book(
        build_options(args),
        chapter=args.chapter,
        model=args.model,
        reporter=TerminalReporter(quiet=args.quiet),
    )
    print(report.render(top=args.top))
    return 0


# --- the commands' options -------------------------------------------------------------------------------
def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lint",
        help="flag likely mistakes in the manuscript (changes nothing)",
        description="Flag split and doubled words, misspelt or inconsistent names, stray lines and "
        "unbalanced quotes or brackets, each with file:line and a suggestion. Exits 1 if "
        "anything is found, so a book's own CI can gate on it.",
    )
    source_arg(p)
    p.add_argument("--lexicon", type=Path, help="pronunciation lexicon (default: as for build)")
    p.set_defaults(func=_cmd_lint)

    p = sub.add_parser("lexicon", help="check the lexicon against a book, or show its entries")
    lex = p.add_subparsers(dest="lexicon_command", required=True, metavar="ACTION")
    q = lex.add_parser(
        "check",
        help="list names the lexicon does not cover (exit 1 if any)",
        description="List words that look like names and are not in the lexicon, with spelling "
        "variants grouped and every place they occur. Exits 1 when something is uncovered.",
    )
    source_arg(q)
    q.add_argument("--lexicon", type=Path, help="pronunciation lexicon (default: as for build)")
    q.set_defaults(func=_cmd_lexicon_check)
    q = lex.add_parser(
        "draft",
        help="propose entries for the names the lexicon lacks (prints YAML, or writes -o FILE)",
        description="Draft an entry in the lexicon's format for every name `lexicon check` lists: the Russian "
        "word found through a Russian dictionary, its stress from eSpeak NG's Russian voice, IPA by the "
        "lexicon's rules; each with a comment saying where it came from and how sure it is. Names that are "
        "not Russian are left to the voice. The file works as it is with --lexicon, `lexicon show` and `say`; "
        "pronunciations.yaml is never written.",
    )
    source_arg(q)
    q.add_argument("--lexicon", type=Path, help="pronunciation lexicon (default: as for build)")
    q.add_argument("-o", "--output", type=Path, help="write the drafts to this file (default: print them)")
    q.set_defaults(func=_cmd_lexicon_draft)
    q = lex.add_parser(
        "show",
        help="each entry with the phonemes each engine gets",
        description="Show each entry (or NAME's) with its IPA, respelling, the eSpeak phonemes and "
        "the IPA each engine gets, and what eSpeak reads back.",
    )
    q.add_argument("name", nargs="?", help="one entry, by any spelling or form")
    q.add_argument("--lexicon", type=Path, help="pronunciation lexicon (default: ./pronunciations.yaml)")
    q.add_argument("--voice", help="eSpeak voice for the read-back (default en-us)")
    q.set_defaults(func=_cmd_lexicon_show, source=None)

    p = sub.add_parser(
        "say",
        help="speak one phrase with the book's lexicon into a WAV file",
        description="Render TEXT with the lexicon, to proof-listen an entry in a second.",
    )
    p.add_argument("text", help='e.g. "Zinoviev and Kamenev"')
    p.add_argument("-o", "--output", type=Path, default=Path("say.wav"), help="WAV file (default say.wav)")
    engine_args(p)
    p.add_argument("--voice", help="engine voice")
    p.add_argument("--rate", type=whole(80, 450, "--rate"), help="words per minute")
    p.set_defaults(func=_cmd_say, source=None)

    p = sub.add_parser(
        "check-audio",
        help="proof-listen to the built book with Whisper; list the sentences heard most differently",
        description="Transcribe the built book offline (faster-whisper tiny.en; pip install -e '.[proof]') and list "
        "the sentences where what is heard differs most from the text, with their time in the book, and the "
        "overall word error rate. Builds the book first if it is not up to date.",
    )
    source_arg(p)
    engine_args(p)
    p.add_argument(
        "-o", "--output", type=Path, default=Path("output"), help="output folder (default: output/)"
    )
    p.add_argument("--voice", help="engine voice")
    p.add_argument("--rate", type=whole(80, 450, "--rate"), help="words per minute")
    p.add_argument("--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or the user cache)")
    p.add_argument(
        "-j", "--jobs", type=whole(1, 256, "--jobs"), help="worker processes (default: one per core)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.add_argument("--chapter", type=whole(1, 100000, "--chapter"), help="only this chapter (1-based)")
    p.add_argument("--top", type=whole(1, 100000, "--top"), default=20, help="how many sentences to list")
    p.add_argument("--model", type=Path, help="faster-whisper model folder (default: tiny.en)")
    p.set_defaults(func=_cmd_check_audio)
