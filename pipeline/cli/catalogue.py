"""A whole catalogue: batch (on this machine, or a Dask cluster with --cluster)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..progress import TerminalReporter
from . import args as shared


def _cmd_batch(args: argparse.Namespace) -> int:
    from ..batch import BatchOptions, run

    formats = frozenset(f.strip().lower() for f in args.format.split(",") if f.strip())
    options = BatchOptions(
        catalogue=args.catalogue,
        output_dir=args.output,
        engine=args.engine,
        cache_dir=args.cache,
        jobs=args.jobs,
        cluster=args.cluster,
        formats=formats | {"m4b"},
        base_url=args.base_url,
        lexicon=args.lexicon,
        report=args.report,
    )
    reporter = TerminalReporter(quiet=args.quiet)
    result = run(options, reporter=reporter)
    built = sum(b.status == "built" for b in result.books)
    current = sum(b.status == "up to date" for b in result.books)
    hours = sum(b.duration for b in result.books) / 3600
    reporter.note(
        f"{len(result.books)} books in {result.seconds:.0f} s: {built} built, {current} up to date, "
        f"{len(result.failed)} failed; {hours:,.1f} hours of audio"
    )
    for entry in result.failed:
        reporter.note(f"failed: {entry.source}")
    return 1 if result.failed else 0


# --- the command's options -------------------------------------------------------------------------------
def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="build a whole catalogue of books, on this machine or a Dask cluster",
        description="Build every book of CATALOGUE (a folder of manuscript folders and .txt files, or a .csv/.yaml "
        "list of sources with per-book title, author, ...) into DIR/Author/Title/, each exactly as `audiobook build` "
        "makes it. A failing book is reported and the rest go on. Exit 0 when every book is built, 1 when any "
        "failed, 2 for a bad catalogue.",
    )
    p.add_argument("catalogue", type=Path, help="folder of books, or a .csv/.yaml list")
    p.add_argument(
        "-o", "--output", type=Path, default=Path("output"), help="output folder (default: output/)"
    )
    shared.engine_args(p)
    p.add_argument(
        "--cache", type=Path, help="cache folder (on a cluster: a path every worker mounts at the same place)"
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=shared.whole(1, 256, "--jobs"),
        help="worker processes on this machine (default: one per core)",
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="tcp://HOST:PORT of a running `dask scheduler`, or local:N for a LocalCluster of N worker processes "
        "(pip install -e '.[cluster]')",
    )
    p.add_argument("--format", default="m4b", help="outputs, comma-separated, as for build (m4b always)")
    p.add_argument("--base-url", help="as for build: the podcast feeds' absolute URL")
    p.add_argument("--report", type=Path, help="write a JSON report of every book here")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=_cmd_batch)
