# One command sets everything up and runs: `make demo` (the main job) or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all setup dot chromium demo test test-all generated metamorphic lint bench mutate clean

all: demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Graphviz's `dot` comes from Debian's graphviz package; install it when we can.
dot:
	@bash scripts/ensure-dot.sh

# Debian's chromium + chromium-driver run the report's browser tests (-m browser).
chromium:
	@bash scripts/ensure-chromium.sh

setup: $(STAMP) dot chromium

demo: setup
	$(BIN)/rnninspect show ptb
	$(BIN)/rnninspect show mnist
	$(BIN)/rnninspect compare ptb mnist

test: setup
	$(BIN)/python -m pytest -q

test-all: setup
	$(BIN)/python -m pytest -q -m ''

# Issue 21's suites at full size: 1,000 generated programs (right / unresolved / wrong by
# family) and every metamorphic transformation on every program it applies to.
generated: setup
	$(BIN)/python -m tests.generated --n 1000

metamorphic: setup
	$(BIN)/python -m tests.metamorphic

lint: setup
	$(BIN)/ruff check rnninspect tests benchmarks examples
	$(BIN)/mypy

# Mutation testing (mutmut, configured in pyproject.toml); slow, not part of `make test`.
# MUTANTS picks a subset, e.g. make mutate MUTANTS='rnninspect.analysis.findings*'.
MUTANTS  ?=
CHILDREN ?= 2
mutate: setup
	$(BIN)/mutmut run --max-children $(CHILDREN) $(MUTANTS)
	$(BIN)/mutmut results

bench: setup
	$(BIN)/python benchmarks/show_speed.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info mutants
