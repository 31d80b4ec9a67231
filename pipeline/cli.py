"""The `audiobook` command: a thin shell that parses options, calls the library and maps errors to exit codes.

Exit codes: 0 success, 1 a tool or engine failed, 2 bad input or usage, 3 a missing dependency, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import AudiobookError, InputError
from .progress import TerminalReporter

log = logging.getLogger("pipeline")


# --- commands ---------------------------------------------------------------------------------------------
def _build_options(args: argparse.Namespace):
    """The one options object `build` and `check-audio` take, from the command line."""
    from .build import BuildOptions

    formats = frozenset(f.strip().lower() for f in getattr(args, "format", "m4b").split(",") if f.strip())
    return BuildOptions(
        source=args.source,
        output_dir=args.output,
        lexicon=args.lexicon,
        engine=args.engine,
        voice=args.voice,
        rate=args.rate,
        cache_dir=args.cache,
        jobs=args.jobs,
        formats=formats | {"m4b"},
        base_url=getattr(args, "base_url", None),
        mp3_per_chapter=getattr(args, "mp3_per_chapter", False),
    )


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    options = _build_options(args)
    reporter = TerminalReporter(quiet=args.quiet)
    result = build(options, reporter=reporter)
    minutes, seconds = divmod(round(result.duration), 60)
    hours, minutes = divmod(minutes, 60)
    applied = sum(result.lexicon_uses.values())
    reporter.note(
        f"{'Up to date' if result.up_to_date else 'Done'} in {result.seconds:.1f} s: {result.chapters} chapters, "
        f"{hours}:{minutes:02d}:{seconds:02d}, {result.size / 1e6:.1f} MB; lexicon: "
        f"{len(result.lexicon_uses)} entries applied {applied:,} times"
    )
    for path in result.outputs[1:]:
        print(path)
    print(result.path)  # the finished M4B, always last
    return 0


def _cmd_chapters(args: argparse.Namespace) -> int:
    from .text import source

    loaded = source.load(args.source)
    rows = [
        {"number": i, "title": c.title, "words": c.words, "kind": c.kind.value, "source": str(c.where)}
        for i, c in enumerate(loaded.book.chapters, 1)
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max((len(r["title"]) for r in rows), default=10)
    for r in rows:
        print(f"{r['number']:>4}  {r['title']:<{width}}  {r['words']:>7,} words  {r['source']}")
    print(f"{len(rows)} chapters, {loaded.book.words:,} words")
    return 0


def _cmd_spoken(args: argparse.Namespace) -> int:
    from .speech import normalise
    from .speech.lexicon import Lexicon
    from .speech.narration import narrate
    from .text import source
    from .voice import engine_class

    notation = engine_class(args.engine).NOTATION
    src = args.source
    lexicon_file = source.lexicon_path(src if src.exists() else Path.cwd(), args.lexicon)
    lexicon = Lexicon.load(lexicon_file) if lexicon_file else Lexicon.empty()
    if args.text is not None:
        for sentence in normalise.sentences(args.text):
            print(lexicon.apply(sentence.spoken, notation=notation).text)
        return 0
    loaded = source.load(src)
    scripts = narrate(loaded.book, lexicon=lexicon, notation=notation)
    if args.chapter is not None and not 1 <= args.chapter <= len(scripts):
        raise InputError(
            f"there is no chapter {args.chapter}", fix=f"choose a number from 1 to {len(scripts)}"
        )
    for script in scripts:
        if args.chapter is not None and script.number != args.chapter:
            continue
        print(f"## {script.number}. {script.title}  ({script.where})")
        for line in script.lines:
            print(line.spoken)
        print()
    return 0


def _lexicon_for(args: argparse.Namespace):
    from .speech.lexicon import Lexicon
    from .text import source

    src = args.source if getattr(args, "source", None) is not None else Path("script")
    path = source.lexicon_path(src if src.exists() else Path.cwd(), args.lexicon)
    return Lexicon.load(path) if path else Lexicon.empty()


def _cmd_lint(args: argparse.Namespace) -> int:
    from .editing import lint
    from .text import manuscript

    findings = lint.lint(manuscript.manuscript_files(args.source), lexicon=_lexicon_for(args))
    print(lint.render(findings))
    return 1 if findings else 0


def _cmd_lexicon_check(args: argparse.Namespace) -> int:
    from .editing import lexicon_tools
    from .text import source

    report = lexicon_tools.check(source.load(args.source).book, _lexicon_for(args))
    print(report.render())
    return 0 if report.ok else 1


def _cmd_lexicon_show(args: argparse.Namespace) -> int:
    from .editing import lexicon_tools

    print(lexicon_tools.show(_lexicon_for(args), args.name, voice=args.voice or "en-us"))
    return 0


def _cmd_say(args: argparse.Namespace) -> int:
    from .editing import lexicon_tools

    dest = lexicon_tools.say(
        args.text,
        lexicon=_lexicon_for(args),
        engine=args.engine,
        voice=args.voice,
        rate=args.rate,
        dest=args.output,
    )
    print(dest)
    return 0


def _cmd_cache(args: argparse.Namespace) -> int:
    from .audio.cache import Cache, default_root

    cache = Cache(args.cache or default_root())
    if args.action == "clear":
        cache.clear()
        print(f"emptied {cache.root}")
        return 0
    if args.action == "prune":
        removed, freed = cache.prune()
        count, size = cache.size()
        print(
            f"{cache.root}: removed {removed:,} entries ({freed / 1e6:,.1f} MB) that no built book uses; "
            f"{count:,} entries ({size / 1e6:,.1f} MB) kept"
        )
        return 0
    count, size = cache.size()
    print(f"{cache.root}: {count:,} entries, {size / 1e6:,.1f} MB")
    return 0


def _cmd_check_audio(args: argparse.Namespace) -> int:
    from .editing.proof import check_book

    report = check_book(
        _build_options(args),
        chapter=args.chapter,
        model=args.model,
        reporter=TerminalReporter(quiet=args.quiet),
    )
    print(report.render(top=args.top))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .formats.serve import serve

    server = serve(args.folder, host=args.host, port=args.port)
    print(f"Serving {server.folder}; subscribe to the feed at (Ctrl-C stops):", file=sys.stderr, flush=True)
    print(server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .editing import doctor

    checks = doctor.doctor(output_dir=args.output, cache_dir=args.cache)
    print(doctor.render(checks))
    return 0 if all(c.ok for c in checks) else 3


def _whole(low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, not {value}")
        return value

    return parse


def _cmd_voices(args: argparse.Namespace) -> int:
    from .voice.espeak import voices

    for language, name, identifier in voices():
        print(f"{language:<20} {name:<40} {identifier}")
    return 0


# --- parsing --------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="audiobook",
        description=("Turn a plain-text manuscript into a chaptered, tagged M4B audiobook, offline."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step and show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def source_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "source",
            nargs="?",
            type=Path,
            default=Path("script"),
            help="manuscript folder or .txt file (default: script/)",
        )

    def engine_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--lexicon",
            type=Path,
            help="pronunciation lexicon (default: pronunciations.yaml beside "
            "the manuscript, else in the current folder)",
        )
        p.add_argument(
            "--engine",
            default="espeak",
            help="text-to-speech engine: espeak (default), piper (pip install -e '.[piper]') or silent",
        )

    p = sub.add_parser(
        "build",
        help="build the audiobook",
        description="Build SOURCE into an M4B audiobook. "
        "Prints the path of the finished file as the last line.",
    )
    source_arg(p)
    p.add_argument(
        "-o", "--output", type=Path, default=Path("output"), help="output folder (default: output/)"
    )
    engine_args(p)
    p.add_argument("--voice", help="engine voice, e.g. en-us, en-gb (see `audiobook voices`)")
    p.add_argument(
        "--rate", type=_whole(80, 450, "--rate"), help="speaking rate in words per minute (default 175)"
    )
    p.add_argument(
        "--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or ~/.cache/audiobook-pipeline)"
    )
    p.add_argument(
        "-j", "--jobs", type=_whole(1, 256, "--jobs"), help="worker processes (default: one per core)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only the paths of what was made")
    p.add_argument(
        "--format",
        default="m4b",
        help="outputs, comma-separated: m4b (always), mp3, podcast, vtt "
        "(WebVTT and SRT transcripts); e.g. --format m4b,mp3,podcast,vtt",
    )
    p.add_argument(
        "--base-url", help="absolute URL the podcast folder will be served from (default: relative links)"
    )
    p.add_argument("--mp3-per-chapter", action="store_true", help="with mp3: also one MP3 file per chapter")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "chapters",
        help="list the chapters found in the manuscript",
        description="List the detected chapters with word counts and where each starts.",
    )
    source_arg(p)
    p.add_argument("--json", action="store_true", help="print a JSON list of {title, words, ...}")
    p.set_defaults(func=_cmd_chapters)

    p = sub.add_parser(
        "spoken",
        help="show exactly what the engine will be given",
        description="Print the text handed to the engine, after normalisation and the lexicon.",
    )
    source_arg(p)
    engine_args(p)
    p.add_argument("--chapter", type=int, help="only this chapter (1-based)")
    p.add_argument("--text", help="normalise this text instead of the manuscript")
    p.set_defaults(func=_cmd_spoken)

    p = sub.add_parser("voices", help="list the eSpeak NG voices")
    p.set_defaults(func=_cmd_voices)

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
    p.add_argument("--rate", type=_whole(80, 450, "--rate"), help="words per minute")
    p.set_defaults(func=_cmd_say, source=None)

    p = sub.add_parser(
        "cache",
        help="show the cache's size, prune what no book uses, or empty it",
        description=(
            "Report where the cache is and how big. `cache prune` removes the audio no built book uses any more "
            "(sentences since edited, old lexicon entries, other voices; a book whose output file is gone counts "
            "as no longer built). `cache clear` empties it."
        ),
    )
    p.add_argument("action", nargs="?", choices=["size", "prune", "clear"], default="size")
    p.add_argument("--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or the user cache)")
    p.set_defaults(func=_cmd_cache)

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
    p.add_argument("--rate", type=_whole(80, 450, "--rate"), help="words per minute")
    p.add_argument("--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or the user cache)")
    p.add_argument(
        "-j", "--jobs", type=_whole(1, 256, "--jobs"), help="worker processes (default: one per core)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.add_argument("--chapter", type=_whole(1, 100000, "--chapter"), help="only this chapter (1-based)")
    p.add_argument("--top", type=_whole(1, 100000, "--top"), default=20, help="how many sentences to list")
    p.add_argument("--model", type=Path, help="faster-whisper model folder (default: tiny.en)")
    p.set_defaults(func=_cmd_check_audio)

    p = sub.add_parser(
        "doctor",
        help="check eSpeak NG, ffmpeg, the cache folder and free disk space",
        description="Check that everything a build needs is there and working, and say what to fix.",
    )
    p.add_argument("-o", "--output", type=Path, default=Path("output"), help="output folder to check")
    p.add_argument("--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or the user cache)")
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser(
        "serve",
        help="serve the podcast over HTTP",
        description="Serve the podcast made by `build --format podcast` (its folder, or the output folder holding "
        "it) over HTTP, with absolute links in the feed, so a podcast app can subscribe. Ctrl-C stops.",
    )
    p.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=Path("output"),
        help="podcast folder, or the output folder holding one (default: output/)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the local network)",
    )
    p.add_argument(
        "--port",
        type=_whole(0, 65535, "--port"),
        default=8000,
        help="port (default 8000; 0 picks a free one)",
    )
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return args.func(args)
    except AudiobookError as exc:
        if args.verbose:
            log.exception("failed")
        print(f"audiobook: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # the disk filled up, a folder is not writable: nothing was replaced
        if args.verbose:
            log.exception("failed")
        where = f"{exc.filename}: " if exc.filename else ""
        print(
            f"audiobook: error: {where}{exc.strerror or exc}\n  fix: free some disk space (or choose another "
            "-o/--cache folder) and build again; the previous book is still in place",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("audiobook: interrupted; finished work is kept in the cache", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
