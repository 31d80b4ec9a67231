"""Benchmark of full and incremental builds (run by `make bench`; not a test: timings on shared machines are noisy).

    python tests/benchmark.py [--rounds N] [--war-and-peace PATH] [--skip-codecs]

Measures, in one run, on a copy of script/ in a temporary folder with its own empty cache, each figure
the median of N rounds (3 unless told; every round starts from a fresh copy and an empty cache):
  - the floor: eSpeak NG synthesizing the whole text in one call (libespeak-ng, as the `espeak-ng` program
    would; espeakng-loader ships no program), plus one ffmpeg process encoding that audio with our AAC settings;
  - a cold build, a no-op rebuild, a one-word edit, a one-lexicon-entry edit, each with its peak memory
    (the resident memory of the whole process tree, sampled every 20 ms);
  - the ratios the targets are stated in;
  - ffmpeg's default (twoloop) and fast AAC coders at the shipped bitrate: time, size, and the
    signal-to-distortion ratio of the decoded speech against the original (ffmpeg's asdr filter);
  - with --war-and-peace, the cold build time and peak memory of that book;
  - with the piper extra installed (or --piper yes), a cold Piper build against one bare Piper process
    (piper-tts's PiperVoice, its own onnxruntime threads) on the same lines, with both real-time factors;
    --piper-words N takes only the book's first N words.

Where a cold build's seconds go (first book, eSpeak NG, 64 minutes of audio, 470 lines; CPU seconds by
process over the whole tree, one run, 2026-12-01; the floor in the same sitting: synthesis 6.3 s + one
ffmpeg encode 26.1 s):
  ffmpeg                 37.3 s  the AAC encode (~26 s), ~13 ms more per line (~6 s: each line is its own
                                 encoder so an edit re-encodes one sentence; not start-up, see below), volume + limiter
                                 (~1.8 s an hour), the voice's first calibration (~0.5 s)
  synthesis children     ~8 s    eSpeak NG (~6.3 s) + a fork per sentence (~5 ms each from a worker)
  workers' own Python     7.4 s  fork parent side, trimming, cache writes, ADTS parsing, imports
  parent                  2.2 s  serial: imports 1.3 s, the drafting name check 1.1 s (cold), assembly 0.6 s,
                                 and the wait for calibration (1.2 s of wall)
About 55 CPU-seconds against the floor's 32: on 2 cores the build's best is about 27 s plus its serial part.
Since then the workers' server preloads the audio stage and starts early, calibration runs beside the
narration, and a cold book goes to the workers in pieces (largest first); see the README for the figures.

After those changes (2026-12-02, the same measure, one run, wall 29.5 s, load under 1):
  ffmpeg                 34.2 s  as above (the encode itself ~26 s)
  synthesis children    ~10 s    read from the workers' waited-for children less their ffmpeg
  workers' own Python    4.7 s   (7.4 before: the audio stage is imported once, in the forkserver)
  parent                 2.1 s;  forkserver 0.4 s
About 51 CPU-seconds: 0.6x a floor of 29-32 s (17.5-19 s on 2 cores) allows 35-38, so ~7-10 s beside the
floor's own synthesis and encode, against ~20 s now (per-line encoders and limiter ~8 s, forks ~4 s, the
workers' Python, the parent). That is the next design question: per-paragraph lines, or an encoder kept
open across lines, both of which change the bytes.

Tried on 2026-12-02 (scratch measurements, same machine, old and new alternated; none kept):
  - a segment per paragraph (at most 8 sentences; 127 encoders for the first book instead of 470): cold
    13% faster (24.8 s against 28.5 s), but every edit re-encodes whole paragraphs: a one-word edit 1.17 s
    (3.8% of cold, over the 3% target) and a lexicon-entry edit about 2.8x slower (12.5 s against 4.5 s,
    load 5). Segments of a paragraph's lines up to 300 spoken characters (317 encoders): cold 27.4 s against
    28.1 s (within the noise), the entry edit 16% slower.
  - ffmpeg's per-encoder cost is not its start-up: an AAC encoder opens in about 2 ms and an ffmpeg process
    starts in about 30 ms, but the same 64 minutes cost 36.1 CPU-s as 127 outputs in runs of 11 and 29.6 as
    one stream a run (twice each): the encoders of one run go in lockstep on their own threads. Runs of 10,
    20 or 40 outputs cost the same; one process per line costs more (47 against 39-41 CPU-s for 470 lines);
    giving each input a later start (-itsoffset) so the encoders would take turns changed nothing, nor did
    a filter per output (-af) instead of one filter graph.
  - the encoder's own tools: with PNS, TNS, intensity and M/S stereo all off the bare encode of the hour is
    23.4 user-seconds against 26.5 (12%), for a change in quality that the PESQ comparison has not covered.
The floor's own work (22.7 s of encode and 5.6 s of synthesis on this machine) over 2 cores is 14.1 s, 0.49x
the floor, with nothing else at all; per-sentence segments and per-sentence forks, which give the 3% edit and
the byte-identical builds, cost about 20 CPU-seconds beside it, so 0.6x is not reachable here with them.

Piper, cold build of the first 1,500 words (9.6 minutes of audio), the same measure, one run:
  synthesis children    86.8 s   one single-threaded onnxruntime session per worker, a fork per sentence
  workers' own Python    4.5 s;  ffmpeg 3.8 s;  parent 1.4 s;  forkserver 0.3 s
About 97 CPU-seconds in 58.1 s of wall; bare Piper (PiperVoice, onnxruntime's own threads) on the same
lines: 103.5 CPU-seconds in 55.2 s of wall, 1.88 cores. Bare Piper already uses both cores, so on 2 cores
no build can come near 0.6x of it: the build's bound is its ~97 CPU-seconds over 2 cores, ~0.9x.
(`taskset -c 0` does not hold onnxruntime to one core: it sets its threads' affinity itself.)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import tools  # noqa: E402
from pipeline.text import manuscript  # noqa: E402


# --- measuring ------------------------------------------------------------------------------------------
def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        ppid = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        rss[int(entry)] = int(found.group(1)) * 1024 if found else 0
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def timed(argv: list[str], *, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Run argv; return (seconds, peak resident bytes of its process tree, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode}):\n{err}")
    return seconds, peak, err


def _aac_encode(wav: Path, out: Path, *, coder: str, bitrate: str) -> list[str]:
    """One bare ffmpeg run encoding `wav` with our AAC settings."""
    argv = [str(tools.ffmpeg()), "-v", "error", "-y", "-i", str(wav)]
    return [*argv, "-c:a", "aac", "-aac_coder", coder, "-b:a", bitrate, str(out)]


# --- the floor ------------------------------------------------------------------------------------------
def floor(text: str, work: Path, *, bitrate: str, coder: str) -> dict[str, float]:
    wav = work / "floor.wav"
    script = (
        "import sys, wave\n"
        "from pipeline.voice.espeak import EspeakEngine\n"
        "engine = EspeakEngine()\n"
        "pcm = engine._synthesize(open(sys.argv[1], encoding='utf-8').read())\n"
        "with wave.open(sys.argv[2], 'wb') as w:\n"
        "    w.setnchannels(1); w.setsampwidth(2); w.setframerate(engine.sample_rate); w.writeframes(pcm)\n"
    )
    source = work / "floor.txt"
    source.write_text(text, encoding="utf-8")
    synth, synth_mem, _ = timed([sys.executable, "-c", script, str(source), str(wav)])
    with wave.open(str(wav)) as w:
        audio_seconds = w.getnframes() / w.getframerate()
    encode, encode_mem, _ = timed(_aac_encode(wav, work / "floor.m4a", coder=coder, bitrate=bitrate))
    return {
        "synth_s": synth,
        "encode_s": encode,
        "total_s": synth + encode,
        "audio_s": audio_seconds,
        "peak_mb": max(synth_mem, encode_mem) / 1e6,
    }


# --- builds ---------------------------------------------------------------------------------------------
def build(book: Path, out: Path, cache: Path, *, engine: str = "espeak") -> dict[str, float]:
    env = {**os.environ, "AUDIOBOOK_CACHE": str(cache)}
    seconds, peak, err = timed(
        [sys.executable, "-m", "pipeline", "build", str(book), "-o", str(out), "--engine", engine], env=env
    )
    summary = next((line for line in err.splitlines() if "synthesized" in line or "up to date" in line), "")
    return {"seconds": seconds, "peak_mb": peak / 1e6, "summary": summary.strip()}


def edit_one_word(book: Path) -> None:
    text_file = next(book.glob("*.txt"))
    text = text_file.read_text(encoding="utf-8")
    # A word in the middle of the book (a typo fix, as an editor makes them).
    where = text.index(" however", len(text) // 2)
    text_file.write_text(text[:where] + " nevertheless" + text[where + len(" however") :], encoding="utf-8")


def edit_one_entry(book: Path) -> None:
    lexicon = book / "pronunciations.yaml"
    text = lexicon.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^(Kamenev:\s*\n(?:\s+.*\n)*?\s+ipa:\s*)(\S+)", r"\1ˈkɑːmənɛf", text, count=1)
    if changed == text:
        changed = re.sub(r"(?m)^Kamenev: \S+", "Kamenev: ˈkɑːmənɛf", text, count=1)
    assert changed != text, "could not find the Kamenev entry to edit"
    lexicon.write_text(changed, encoding="utf-8")


def asdr(*inputs: str) -> float:
    """ffmpeg's asdr (signal-to-distortion ratio, dB) of the second input against the first; `inputs` are
    ffmpeg's input arguments for both (each "-i FILE", with its format options before it if raw)."""
    proc = subprocess.run(
        [
            str(tools.ffmpeg()),
            "-hide_banner",
            "-nostats",
            *inputs,
            "-lavfi",
            "[0:a][1:a]asdr",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.findall(r"SDR ch0: (-?[\d.]+) dB", proc.stderr)
    return float(found[-1]) if found else float("nan")


def codecs(work: Path, wav: Path, *, bitrate: str) -> dict[str, dict[str, float]]:
    """Both AAC coders on the same speech: encode time (median of 3), size, and SDR of the decoded audio."""
    ffmpeg = str(tools.ffmpeg())
    results = {}
    for coder in ("twoloop", "fast"):
        out = work / f"{coder}.m4a"
        times = []
        for _ in range(3):
            seconds, _, _ = timed(_aac_encode(wav, out, coder=coder, bitrate=bitrate))
            times.append(seconds)
        decoded = work / f"{coder}.wav"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(out), "-ac", "1", str(decoded)], check=True)
        results[coder] = {
            "encode_s": statistics.median(times),
            "size_mb": out.stat().st_size / 1e6,
            "sdr_db": asdr("-i", str(wav), "-i", str(decoded)),
        }
    return results


def piper(work: Path, *, words: int = 0) -> dict[str, float]:
    """A cold Piper build of the first book against one bare Piper process (piper-tts's own PiperVoice, its
    default onnxruntime threads) synthesizing the same spoken lines (tests/eval_engines.py --bare).
    With `words`, only the book's opening, cut at the first paragraph end after that many words."""
    book = work / "piper" / "script"
    shutil.copytree(ROOT / "script", book)
    shutil.copy(ROOT / "pronunciations.yaml", book / "pronunciations.yaml")
    if words:
        text_file = next(book.glob("*.txt"))
        text = text_file.read_text(encoding="utf-8")
        count = 0
        for end, paragraph in _paragraph_ends(text):
            count += len(paragraph.split())
            if count >= words:
                text_file.write_text(text[:end] + "\n", encoding="utf-8")
                break
    cold = build(book, work / "piper" / "output", work / "piper" / "cache", engine="piper")
    bare_s, bare_mem, _ = timed(
        [sys.executable, str(ROOT / "tests" / "eval_engines.py"), "--bare", str(book)]
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from pipeline.m4b import mp4read; print(mp4read.movie_duration(Path(sys.argv[1])))",
            str(next((work / "piper" / "output").glob("*.m4b"))),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    audio = float(out.stdout)
    return {
        "cold_s": cold["seconds"],
        "cold_peak_mb": cold["peak_mb"],
        "bare_s": bare_s,
        "bare_peak_mb": bare_mem / 1e6,
        "audio_s": audio,
        "cold_realtime_factor": audio / cold["seconds"],
        "bare_realtime_factor": audio / bare_s,
        "cold/bare": cold["seconds"] / bare_s,
    }


def _paragraph_ends(text: str):
    start = 0
    for found in re.finditer(r"\n\s*\n", text):
        yield found.start(), text[start : found.start()]
        start = found.end()
    yield len(text), text[start:]


def _median(values: list[dict]) -> dict:
    """Each numeric field's median over the rounds, with every round's value beside it."""
    merged: dict[str, object] = {}
    for field, first in values[0].items():
        if isinstance(first, int | float):
            merged[field] = statistics.median(v[field] for v in values)
            merged[f"{field}_rounds"] = [round(v[field], 3) for v in values]
        else:
            merged[field] = first
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds to take the medians of (default 3)")
    parser.add_argument("--war-and-peace", type=Path, help="also time a cold build of this book")
    parser.add_argument("--skip-codecs", action="store_true", help="skip the AAC coder comparison")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--piper",
        choices=("auto", "yes", "no"),
        default="auto",
        help="also time a cold Piper build against bare Piper, once (auto: when the piper extra is installed)",
    )
    parser.add_argument(
        "--piper-words", type=int, default=0, help="only the book's first N words for Piper (default: all)"
    )
    args = parser.parse_args()
    bitrate, coder = "64k", "fast"
    figures: dict[str, object] = {}

    def record(name: str, value: object) -> None:
        figures[name] = value
        print(f"{name}: {json.dumps(value)}", file=sys.stderr, flush=True)

    # Byte-compile the package first, as pip does when it installs one: an editable install compiles on
    # first import, and where PYTHONDONTWRITEBYTECODE is set (as on our CI machines) it would compile the
    # whole package again in every build, about 80 ms that no installed copy pays.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "pipeline")], check=True)
    with tempfile.TemporaryDirectory(prefix="audiobook-bench-") as tmp:
        work = Path(tmp)
        text = "\n\n".join(manuscript.read_text(p) for p in manuscript.manuscript_files(ROOT / "script"))
        rounds: dict[str, list[dict]] = {}
        for number in range(1, args.rounds + 1):
            here = work / f"round-{number}"
            here.mkdir()
            book = here / "script"
            shutil.copytree(ROOT / "script", book)
            shutil.copy(ROOT / "pronunciations.yaml", book / "pronunciations.yaml")
            figures_now = {"floor": floor(text, here, bitrate=bitrate, coder=coder)}
            out, cache = here / "output", here / "cache"
            figures_now["cold"] = build(book, out, cache)
            figures_now["noop"] = build(book, out, cache)
            edit_one_word(book)
            figures_now["one_word"] = build(book, out, cache)
            edit_one_entry(book)
            figures_now["one_entry"] = build(book, out, cache)
            for name, value in figures_now.items():
                rounds.setdefault(name, []).append(value)
            print(f"round {number}: {json.dumps(figures_now)}", file=sys.stderr, flush=True)
        for name, values in rounds.items():
            record(name, _median(values))
        cold = figures["cold"]["seconds"]
        figures["ratios"] = {
            "cold/floor": cold / figures["floor"]["total_s"],
            "noop/cold": figures["noop"]["seconds"] / cold,
            "one_word/cold": figures["one_word"]["seconds"] / cold,
            "one_entry/cold": figures["one_entry"]["seconds"] / cold,
        }
        has_piper = importlib.util.find_spec("piper") is not None
        if args.piper == "yes" or (args.piper == "auto" and has_piper):
            record("piper", piper(work, words=args.piper_words))
        elif args.piper == "auto":
            print("piper: skipped (not installed: pip install -e '.[piper]')", file=sys.stderr)
        if not args.skip_codecs:
            record("codecs", codecs(work, work / "round-1" / "floor.wav", bitrate=bitrate))
        if args.war_and_peace:
            wp = work / "wp"
            wp.mkdir()
            shutil.copy(args.war_and_peace, wp / args.war_and_peace.name)
            shutil.copy(ROOT / "pronunciations.yaml", wp / "pronunciations.yaml")
            record("war_and_peace", build(wp, work / "wp-out", work / "wp-cache"))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
