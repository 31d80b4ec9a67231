# Two commands do everything on a fresh machine with Python 3.11+ (no root, no system packages):
#   make audiobook   set up .venv and build script/ into output/
#   make test        set up .venv and run the linters and the tests
# Every install takes its exact versions from constraints.txt (`make lock` refreshes it), so a clone built next
# month installs the same eSpeak NG, ffmpeg and number reader, and makes the same book byte for byte.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: setup audiobook test bench bench-wp bench-batch eval eval-aac eval-draft eval-text clean lock

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

audiobook: $(STAMP)
	$(BIN)/audiobook build script --output output

test: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests
	$(BIN)/pytest

clean:
	rm -rf output $(VENV) .pytest_cache .ruff_cache

# A benchmark, not a test (see tests/benchmark.py); `make bench-wp` adds War and Peace from ../shared/corpus.
bench: $(STAMP)
	$(BIN)/python tests/benchmark.py

bench-wp: $(STAMP)
	$(BIN)/python tests/benchmark.py --war-and-peace ../shared/corpus/war-and-peace.txt

# Drafted pronunciations: accuracy by kind of name and by stress source, and War and Peace's drafting time.
eval-draft: $(STAMP)
	$(BIN)/python tests/eval_draft.py

# The catalogue runner (tests/benchmark_batch.py): one-machine pool vs LocalCluster vs scheduler + workers.
# BOOKS=1000 by default; e.g. `make bench-batch BOOKS=100` for a shorter run.
BOOKS ?= 1000
bench-batch: $(STAMP)
	$(BIN)/python tests/benchmark_batch.py --books $(BOOKS) --real 20

# Word error rate of eSpeak NG and Piper on one chapter, heard back by Whisper (needs the piper and proof extras).
eval: $(STAMP)
	$(PIP) -e '.[piper,proof]'
	$(BIN)/python tests/eval_engines.py

# The AAC coders (fast, twoloop) at 48, 64 and 96 kb/s on an hour of each engine's speech: encode time, size,
# PESQ wideband and SDR (tests/eval_aac.py; Piper stops after 10 minutes of CPU unless PIPER_CPU=0).
PIPER_CPU ?= 600
eval-aac: $(STAMP)
	$(PIP) -e '.[bench,piper]'
	$(BIN)/python tests/eval_aac.py --piper-cpu $(PIPER_CPU)

# Refresh constraints.txt from PyPI (every extra resolved afresh). Then check the first book's hash and commit.
lock:
	$(PYTHON) .ci/lock.py

# What is still left to eSpeak NG's guessing in the spoken text of the first book and War and Peace (tests/eval_text.py).
eval-text: $(STAMP)
	$(BIN)/python tests/eval_text.py --examples 3
