# Two commands do everything on a fresh machine with Python 3.11+ (no root, no system packages):
#   make audiobook   set up .venv and build script/ into output/
#   make test        set up .venv and run the linters and the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup audiobook test bench bench-wp eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
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

# Word error rate of eSpeak NG and Piper on one chapter, heard back by Whisper (needs the piper and proof extras).
eval: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[piper,proof]'
	$(BIN)/python tests/eval_engines.py
