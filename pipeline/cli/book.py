"""Commands that make a book or show what will go into it: build, chapters, spoken, voices, serve."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError
from ..progress import TerminalReporter
from .args import build_options, engine_args, source_arg, strict_arg, whole


def _cmd_build(args: argparse.Namespace) -> int:
    from ..build import build

    options = build_options(args)
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
    from ..text import source

    loaded = source.load(args.source, strict_encoding=args.strict_encoding)
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
    from ..speech import narration, normalise
    from ..speech.lexicon import Lexicon
    from ..text import source
    from ..voice import engine_class

    notation = engine_class(args.engine).NOTATION
    src = args.source
    lexicon_file = source.lexicon_path(src if src.exists() else Path.cwd(), args.lexicon)
    lexicon = Lexicon.load(lexicon_file) if lexicon_file else Lexicon.empty()
    if args.text is not None:
        lines = [
            narration.line_of(sentence, lexicon=lexicon, notation=notation)
            for sentence in normalise.sentences(args.text)
            if any(ch.isalnum() for ch in sentence.spoken)
        ]
        scripts = [(None, lines)]
        book_language = "en"
    else:
        loaded = source.load(src, strict_encoding=args.strict_encoding)
        book_language = loaded.book.metadata.language or "en"
        if not args.no_draft:  # as the build says it
            from ..audio.cache import Cache, default_root
            from ..build import with_drafts

            lexicon = with_drafts(loaded.book, lexicon, Cache(default_root()))[0]
        chapters = narration.narrate(loaded.book, lexicon=lexicon, notation=notation)
        if args.chapter is not None and not 1 <= args.chapter <= len(chapters):
            raise InputError(
                f"there is no chapter {args.chapter}", fix=f"choose a number from 1 to {len(chapters)}"
            )
        scripts = [(s, s.lines) for s in chapters if args.chapter is None or s.number == args.chapter]
    if args.json:
        pieces = [
            {"chapter": script.number if script else None, "line": i, "text": p.text, "language": p.language}
            for script, lines in scripts
            for i, line in enumerate(lines, 1)
            for p in narration.pieces_of(line, book_language)
        ]
        print(json.dumps(pieces, ensure_ascii=False, indent=1))
        return 0
    for script, lines in scripts:
        if script is not None:
            print(f"## {script.number}. {script.title}  ({script.where})")
        for line in lines:
            # A line in the book's language as it is; one with other languages shows each piece's language.
            if line.pieces:
                print(" ".join(f"[{p.language}] {p.text}" for p in line.pieces))
            else:
                print(line.spoken)
        if script is not None:
            print()
    return 0


def _cmd_voices(args: argparse.Namespace) -> int:
    from ..voice.espeak import voices

    for language, name, identifier in voices():
        print(f"{language:<20} {name:<40} {identifier}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..formats.serve import serve

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


# --- the commands' options -------------------------------------------------------------------------------
def add_commands(sub: argparse._SubParsersAction) -> None:
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
        "--rate", type=whole(80, 450, "--rate"), help="speaking rate in words per minute (default 175)"
    )
    p.add_argument(
        "--cache", type=Path, help="cache folder (default: $AUDIOBOOK_CACHE or ~/.cache/audiobook-pipeline)"
    )
    p.add_argument(
        "-j", "--jobs", type=whole(1, 256, "--jobs"), help="worker processes (default: one per core)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print only the paths of what was made")
    p.add_argument(
        "--format",
        default="m4b",
        help="outputs, comma-separated: m4b (always), mp3, podcast, vtt (WebVTT and SRT transcripts), "
        "epub (EPUB 3 with read-along audio); e.g. --format m4b,mp3,podcast,vtt,epub",
    )
    p.add_argument(
        "--base-url", help="absolute URL the podcast folder will be served from (default: relative links)"
    )
    p.add_argument("--mp3-per-chapter", action="store_true", help="with mp3: also one MP3 file per chapter")
    p.add_argument(
        "--no-draft",
        action="store_true",
        help="no drafted pronunciations for the names the lexicon lacks (the voice reads them as written)",
    )
    strict_arg(p)
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "chapters",
        help="list the chapters found in the manuscript",
        description="List the detected chapters with word counts and where each starts.",
    )
    source_arg(p)
    p.add_argument("--json", action="store_true", help="print a JSON list of {title, words, ...}")
    strict_arg(p)
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
    p.add_argument("--no-draft", action="store_true", help="as build --no-draft: without drafted names")
    p.add_argument(
        "--json", action="store_true", help="a JSON list of the pieces in order: text, language (BCP 47), ..."
    )
    strict_arg(p)
    p.set_defaults(func=_cmd_spoken)

    p = sub.add_parser("voices", help="list the eSpeak NG voices")
    p.set_defaults(func=_cmd_voices)

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
        type=whole(0, 65535, "--port"),
        default=8000,
        help="port (default 8000; 0 picks a free one)",
    )
    p.set_defaults(func=_cmd_serve)
