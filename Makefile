# Every command a user or CI runs; README.md and .ci/run call these targets.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup demo test check bench golden

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup  ## scan the sample articles and print their clusters
	$(BIN)/dedup scan seeds/

test: setup  ## the whole test suite
	$(BIN)/python -m pytest

check: setup  ## lint, format and type checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy dedup tests benchmarks

bench: setup  ## quality benchmark on ../shared/eval (skips when absent)
	$(BIN)/python -m benchmarks.bench_quality

golden: setup  ## rewrite tests/golden/ from the current output; review the diff before committing
	$(BIN)/python -m pytest tests/test_golden.py --update-golden
