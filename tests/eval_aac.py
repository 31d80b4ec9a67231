"""The AAC settings chosen by ear, as far as a program can hear (run by `make eval-aac`; a report, not a test).

    python tests/eval_aac.py [--engines espeak,piper] [--piper-cpu SECONDS] [--clips N] [--json PATH]

For each engine (eSpeak NG, the default; Piper with the bundled joe voice, skipped when piper-tts is not
installed) the first book (script/) is narrated as the build narrates it (the lexicon, drafted names,
normalisation: speech.narration), every line synthesized by the project's own engine class, trimmed and
joined with the build's pauses, and levelled as the build levels it (the voice's calibrated gain and the
peak limiter: audio.level). That hour is then encoded with ffmpeg's native AAC encoder, `-aac_coder fast`
and `-aac_coder twoloop` at 48, 64 and 96 kb/s (the build's other flags: jobs.Encoder.arguments, raw
ADTS as the build writes it), decoded, and compared with the levelled original:
  - encode CPU seconds of the ffmpeg process (user + system) and the speed as a multiple of real time;
  - size: the AAC frames as the M4B holds them (ADTS headers taken off), and kB per minute of audio;
  - PESQ wideband (ITU-T P.862.2, the `pesq` package: the bench extra), MOS-LQO from 1.0 to 4.64, on
    `--clips` clips of 10 s spread evenly through the hour, both sides resampled to 16 kHz by ffmpeg:
    the median and the 10th percentile (the worse clips). PESQ hears only up to 8 kHz;
  - SDR, ffmpeg's asdr filter over the whole hour at the voice's own rate, as tests/benchmark.py reports it
    (a waveform measure: it rewards matching the samples, not sounding the same).
The build encodes each spoken line as its own stream; here the hour is one stream, so the coders are
compared on the same audio without thousands of encoder start-ups in the time.
Piper synthesizes at a few times real time per core: it stops after `--piper-cpu` CPU seconds (600 unless
told; 0 for the whole book) and says how much of the book that was. The levelled audio is kept in `--work`
and reused by the next run with the same text, voice and budget (`--fresh` to synthesize again).
"""

from __future__ import annotations

import argparse
import array
import hashlib
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import tools  # noqa: E402
from pipeline.audio import aac, level  # noqa: E402
from pipeline.audio.cache import Cache  # noqa: E402
from pipeline.audio.calibration import calibrated_gain  # noqa: E402
from pipeline.audio.jobs import AUDIO_SETTINGS, Encoder, SentenceJob  # noqa: E402

# _synthesized: a line as the build's worker synthesizes it (trimmed; a line in two languages piece by piece).
from pipeline.audio.workers import _synthesized  # noqa: E402
from pipeline.build import with_drafts  # noqa: E402
from pipeline.speech.lexicon import Lexicon  # noqa: E402
from pipeline.speech.narration import narrate  # noqa: E402
from pipeline.text import source  # noqa: E402
from pipeline.voice import make_engine  # noqa: E402
from tests import benchmark  # noqa: E402

CODERS = ("fast", "twoloop")
BITRATES = ("48k", "64k", "96k")
DEFAULT = Encoder()  # the build's settings today
PESQ_RATE = 16000
CLIP_SECONDS = 10.0
QUIET = ["-hide_banner", "-nostats", "-v", "error", "-y"]


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the engines fork one per sentence; ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child_cpu(argv: list[str]) -> float:
    """Run argv (stdout and stderr to a pipe); return its CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(map(str, argv[:6]))} ... failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _raw(rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(rate), "-ac", "1"]


# --- the hour of speech ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Speech:
    engine: str
    pcm: Path  # levelled mono s16le, as the build levels it
    rate: int
    seconds: float
    lines: int  # lines synthesized
    of_lines: int  # lines in the book
    synth_cpu: float  # CPU seconds the synthesis took (0 when reused)
    gain: float


def speech(engine_name: str, work: Path, *, cpu_budget: float, fresh: bool) -> Speech:
    """The first book, narrated, synthesized and levelled as the build does it (up to `cpu_budget`)."""
    book_source = ROOT / "script"
    loaded = source.load(book_source)
    book = loaded.book
    lexicon_file = source.lexicon_path(book_source, ROOT / "pronunciations.yaml")
    lexicon = Lexicon.load(lexicon_file)
    drafts = Cache(work / "cache")  # drafted names, as the build drafts them, in a cache of our own
    lexicon, _, _ = with_drafts(book, lexicon, drafts)
    engine = make_engine(engine_name, voice=book.metadata.voice, rate=book.metadata.rate)
    scripts = narrate(book, lexicon=lexicon, notation=engine.NOTATION)
    lines = [
        (script.lead_in if n == 0 else 0, line) for script in scripts for n, line in enumerate(script.lines)
    ]
    digest = hashlib.sha256(
        json.dumps(
            [
                engine.identity(),
                AUDIO_SETTINGS,
                cpu_budget,
                [(lead, ln.spoken, ln.pause_after) for lead, ln in lines],
            ]
        ).encode()
    ).hexdigest()[:16]
    pcm, meta = work / f"{engine.NAME}-{digest}.pcm", work / f"{engine.NAME}-{digest}.json"
    if pcm.is_file() and meta.is_file() and not fresh:
        known = json.loads(meta.read_text())
        print(f"{engine.NAME}: reusing {known['lines']} synthesized lines from {pcm}", file=sys.stderr)
        return Speech(
            engine.NAME,
            pcm,
            engine.sample_rate,
            known["seconds"],
            known["lines"],
            len(lines),
            0.0,
            known["gain"],
        )
    gain = calibrated_gain(engine, Cache(work / "cache"))
    started, wall = _cpu(), time.monotonic()
    pieces: list[bytes | level.Pause] = []
    done = 0
    for lead_in, line in lines:
        if cpu_budget and _cpu() - started >= cpu_budget:
            break
        job = SentenceJob(line.spoken, "", line.pause_after, line.pieces)
        pieces += [level.Pause(lead_in), _synthesized(engine, job), level.Pause(line.pause_after)]
        done += 1
        if done % 200 == 0:
            print(f"{engine.NAME}: {done}/{len(lines)} lines, {_cpu() - started:.0f} s CPU", file=sys.stderr)
    synth_cpu = _cpu() - started
    print(
        f"{engine.NAME}: {done}/{len(lines)} lines in {synth_cpu:.0f} s CPU ({time.monotonic() - wall:.0f} s wall)",
        file=sys.stderr,
    )
    joined = level.join(pieces, sample_rate=engine.sample_rate)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        unlevelled = Path(tmp) / "speech.pcm"
        unlevelled.write_bytes(joined)
        partial = pcm.with_suffix(".tmp")
        level.level(unlevelled, partial, sample_rate=engine.sample_rate, gain=gain)
        os.replace(partial, pcm)
    seconds = pcm.stat().st_size / 2 / engine.sample_rate
    partial = meta.with_suffix(".tmp")
    partial.write_text(json.dumps({"seconds": seconds, "lines": done, "gain": gain}))
    os.replace(partial, meta)
    return Speech(engine.NAME, pcm, engine.sample_rate, seconds, done, len(lines), synth_cpu, gain)


# --- scoring --------------------------------------------------------------------------------------------
def _read(path: Path):
    import numpy as np

    return np.fromfile(path, dtype="<i2")


def resampled(pcm: Path, rate: int, dest: Path) -> Path:
    """`pcm` at 16 kHz (ffmpeg's default resampler), as PESQ wideband needs it."""
    subprocess.run(
        [str(tools.ffmpeg()), *QUIET, *_raw(rate), "-i", str(pcm), *_raw(PESQ_RATE), str(dest)], check=True
    )
    return dest


def clip_starts(seconds: float, count: int) -> list[float]:
    """Starts of `count` clips of CLIP_SECONDS, evenly spread: each centred in its share of the audio."""
    share = seconds / count
    if share < CLIP_SECONDS:
        raise SystemExit(f"{seconds:.0f} s of audio is too little for {count} clips of {CLIP_SECONDS:.0f} s")
    return [(i + 0.5) * share - CLIP_SECONDS / 2 for i in range(count)]


def pesq_scores(reference16, degraded16, starts: list[float]) -> tuple[list[float], int]:
    """PESQ wideband MOS-LQO of each clip, and how many clips PESQ refused (no speech found in them)."""
    from pesq import PesqError, pesq

    scores, refused = [], 0
    width = int(CLIP_SECONDS * PESQ_RATE)
    for start in starts:
        at = int(start * PESQ_RATE)
        ref = reference16[at : at + width].astype("float32")
        deg = degraded16[at : at + width].astype("float32")
        score = pesq(PESQ_RATE, ref, deg, "wb", on_error=PesqError.RETURN_VALUES)
        if score < 0:
            refused += 1
        else:
            scores.append(float(score))
    return scores, refused


def sdr(reference: Path, decoded: Path, rate: int) -> float:
    """ffmpeg's asdr of the decoded audio against the original, in dB (as tests/benchmark.py measures it)."""
    return benchmark.asdr(*_raw(rate), "-i", str(reference), *_raw(rate), "-i", str(decoded))


def aligned(decoded, reference) -> None:
    """Refuse to score audio that is not sample-aligned with the original (the priming frame mishandled)."""
    import numpy as np

    window = slice(0, min(len(reference), 30 * 16000))
    a, b = reference[window].astype(float), decoded[window].astype(float)
    size = 1 << (2 * len(a) - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    lags = np.concatenate([corr[:2048], corr[-2048:]])
    best = int(np.argmax(lags))
    lag = best if best < 2048 else best - 4096
    if lag != 0:
        raise SystemExit(f"decoded audio is {lag} samples off the original: the alignment is wrong")


@dataclass(frozen=True, slots=True)
class Cell:
    coder: str
    bitrate: str
    encode_cpu: float
    realtime: float  # seconds of audio per CPU second of encoding
    size_bytes: int  # AAC frames without ADTS headers: what the M4B holds
    kb_per_min: float
    pesq_median: float
    pesq_p10: float
    pesq_clips: int
    pesq_refused: int
    sdr_db: float


def evaluate(speech: Speech, work: Path, *, clips: int, rounds: int) -> list[Cell]:
    import numpy as np

    ffmpeg = str(tools.ffmpeg())
    samples = speech.pcm.stat().st_size // 2
    reference16 = _read(resampled(speech.pcm, speech.rate, work / "reference16.pcm"))
    starts = clip_starts(speech.seconds, clips)
    cells = []
    for coder in CODERS:
        for bitrate in BITRATES:
            encoder = Encoder(bitrate=bitrate, coder=coder)
            adts = work / f"{coder}-{bitrate}.aac"
            argv = [ffmpeg, *QUIET, *_raw(speech.rate), "-i", str(speech.pcm), *encoder.arguments()]
            argv += ["-fflags", "+bitexact", "-f", "adts", str(adts)]
            cpu = statistics.median(_child_cpu(argv) for _ in range(rounds))
            data = adts.read_bytes()
            sizes = array.array("I")
            for _ in aac.frames(memoryview(data), sizes):
                pass
            payload = sum(sizes)
            decoded = work / f"{coder}-{bitrate}.pcm"
            subprocess.run([ffmpeg, *QUIET, "-i", str(adts), *_raw(speech.rate), str(decoded)], check=True)
            # Raw ADTS has no edit list: the decoder gives the encoder's priming frame first. Drop it.
            audio = _read(decoded)[aac.FRAME : aac.FRAME + samples]
            if len(audio) < samples:
                audio = np.concatenate([audio, np.zeros(samples - len(audio), dtype=audio.dtype)])
            audio.tofile(decoded)
            degraded16 = _read(resampled(decoded, speech.rate, work / "degraded16.pcm"))
            aligned(degraded16, reference16)
            scores, refused = pesq_scores(reference16, degraded16, starts)
            cell = Cell(
                coder=coder,
                bitrate=bitrate,
                encode_cpu=cpu,
                realtime=speech.seconds / cpu if cpu else float("inf"),
                size_bytes=payload,
                kb_per_min=payload / 1000 / (speech.seconds / 60),
                pesq_median=statistics.median(scores),
                pesq_p10=statistics.quantiles(scores, n=10)[0],
                pesq_clips=len(scores),
                pesq_refused=refused,
                sdr_db=sdr(speech.pcm, decoded, speech.rate),
            )
            print(
                f"{speech.engine} {coder} {bitrate}: {json.dumps(asdict(cell))}", file=sys.stderr, flush=True
            )
            cells.append(cell)
            decoded.unlink()
            adts.unlink()
    return cells


def table(speech: Speech, cells: list[Cell]) -> str:
    minutes = speech.seconds / 60
    head = (
        f"{speech.engine}: {minutes:.1f} min of speech at {speech.rate} Hz ({speech.lines} of the book's "
        f"{speech.of_lines} lines), levelled with gain {speech.gain:+.2f} dB; PESQ on {cells[0].pesq_clips} "
        f"clips of {CLIP_SECONDS:.0f} s"
    )
    rows = [
        "| coder | kb/s | encode CPU s | × real time | size MB | kB/min | PESQ median | PESQ 10th pct | SDR dB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        mark = " (default)" if (c.coder, c.bitrate) == (DEFAULT.coder, DEFAULT.bitrate) else ""
        rows.append(
            f"| {c.coder}{mark} | {c.bitrate[:-1]} | {c.encode_cpu:.1f} | {c.realtime:.0f}× | {c.size_bytes / 1e6:.1f} | "
            f"{c.kb_per_min:.0f} | {c.pesq_median:.2f} | {c.pesq_p10:.2f} | {c.sdr_db:.1f} |"
        )
    refused = sum(c.pesq_refused for c in cells)
    tail = [f"({refused} clips refused by PESQ: no speech found)"] if refused else []
    return "\n".join([head, "", *rows, *tail])


def better_than_default(cells: list[Cell]) -> list[str]:
    """The cells that beat the default on PESQ at no more size and no more encode time (noise aside)."""
    default = next(c for c in cells if (c.coder, c.bitrate) == (DEFAULT.coder, DEFAULT.bitrate))
    return [
        f"{c.coder} {c.bitrate}"
        for c in cells
        if c is not default
        and c.pesq_median > default.pesq_median
        and c.size_bytes <= default.size_bytes
        and c.encode_cpu <= default.encode_cpu * 1.1
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--engines", default="espeak,piper", help="engines to compare on (default espeak,piper)"
    )
    parser.add_argument(
        "--piper-cpu",
        type=float,
        default=600.0,
        help="CPU seconds of Piper synthesis at most (0: the whole book)",
    )
    parser.add_argument("--clips", type=int, default=60, help="PESQ clips of 10 s per cell (default 60)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="encodes per cell, the median CPU time (default 1)"
    )
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "audiobook-eval-aac")
    parser.add_argument(
        "--fresh", action="store_true", help="synthesize again even if the work folder has it"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("pesq") is None or importlib.util.find_spec("numpy") is None:
        print("eval_aac: needs the bench extra: pip install -e '.[bench]'", file=sys.stderr)
        return 3
    args.work.mkdir(parents=True, exist_ok=True)
    ffmpeg = tools.ffmpeg_version().split(" Copyright")[0]
    figures: dict[str, object] = {"ffmpeg": ffmpeg, "engines": {}}
    tables = []
    for name in [n.strip() for n in args.engines.split(",") if n.strip()]:
        if name == "piper" and importlib.util.find_spec("piper") is None:
            message = "piper: skipped, piper-tts is not installed (pip install -e '.[piper]' to include it)"
            print(message, file=sys.stderr)
            tables.append(message)
            continue
        budget = args.piper_cpu if name == "piper" else 0.0
        voice = speech(name, args.work, cpu_budget=budget, fresh=args.fresh)
        with tempfile.TemporaryDirectory(dir=args.work) as tmp:
            cells = evaluate(voice, Path(tmp), clips=args.clips, rounds=args.rounds)
        text = table(voice, cells)
        if voice.lines < voice.of_lines:
            text += (
                f"\n(the first {voice.seconds / 60:.1f} min of the book only: Piper stopped at its budget of "
                f"{budget:.0f} s CPU; --piper-cpu 0 for all of it)"
            )
        better = better_than_default(cells)
        text += "\nbetter than the default on PESQ at no more size and time: " + (", ".join(better) or "none")
        tables.append(text)
        figures["engines"][name] = {  # type: ignore[index]
            "minutes": voice.seconds / 60,
            "lines": voice.lines,
            "of_lines": voice.of_lines,
            "synth_cpu_s": voice.synth_cpu,
            "gain_db": voice.gain,
            "cells": [asdict(c) for c in cells],
        }
    print(f"{ffmpeg}: native AAC encoder, mono, the build's flags; one stream per engine\n")
    print("\n\n".join(tables))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
