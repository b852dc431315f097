# governance-sim: `make demo` runs the main job, `make test` runs every test.
# Both create the virtual environment (.venv, Python >= 3.12 via .python-version) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup browser clean solara mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The compiled step kernels: rebuilt when their C source changes (without a C compiler the
## numpy path runs; tests/test_native.py says so)
KERNELS := src/governance_sim/native/_step_kernels.so
$(KERNELS): src/governance_sim/native/step_kernels.c hatch_build.py | $(STAMP)
	-$(BIN)/python hatch_build.py

setup: $(STAMP) $(KERNELS)

## The three logics compared on the default scenario; writes out/compare/report.html
demo: $(STAMP) $(KERNELS)
	$(BIN)/governance-sim compare bureaucracy npm co_creation --out out/compare

## Mesa's SolaraViz page of the model on http://127.0.0.1:8765/ (governance_sim.app.solara_page),
## offline: the front-end from solara-assets, no telemetry, no version check. Ctrl-C stops it.
solara: $(STAMP) $(KERNELS)
	$(BIN)/python -m governance_sim.app.solara_page

## Headless Chromium for the browser tests (Debian's package at /usr/bin/chromium, where the
## tests look for it). Installing it needs root or password-less sudo and apt; without them
## this prints why and the browser tests skip (make test still runs every other test).
## REQUIRE_BROWSER=1 (the CI) makes a failed install an error instead.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then why="no apt-get (not Debian/Ubuntu)"; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null \
	    || why="apt-get install chromium failed"; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver >/dev/null \
	    || why="sudo apt-get install chromium failed"; \
	else why="installing it needs root or password-less sudo"; fi; \
	if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	echo "make browser: $(CHROMIUM) is not installed ($$why): the browser tests will be skipped."; \
	echo "  To run them: sudo apt-get install chromium (Debian/Ubuntu), then make test."; \
	if [ -n "$(REQUIRE_BROWSER)" ]; then echo "REQUIRE_BROWSER is set: stopping." >&2; exit 1; fi

test: $(STAMP) $(KERNELS) browser
	$(BIN)/python -m pytest

## Mutation testing of the rules (dynamics/, metrics.py, logics.py, mechanisms.py) with mutmut
## on the numpy path: score (a) the suite less the numpy = C = reference tests, (b) the
## science tests alone; writes docs/validation.md with both scores and every survivor.
## Not part of make test. A survivor costs a full pass of the tests that reach it, so an hour
## on two cores holds a random sample of mutants (MUTATION_SAMPLE per score, seeded; the score
## comes with its 95 % interval); MUTATION_SAMPLE=0 runs all ~4 500 mutants (days).
MUTATION_SAMPLE ?= 30
mutation: $(STAMP)
	$(BIN)/python experiments/mutation/run_mutation.py --max-children 2 --sample $(MUTATION_SAMPLE)

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
