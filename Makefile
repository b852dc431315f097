# governance-sim: `make demo` runs the main job, `make test` runs every test.
# Both create the virtual environment (.venv, Python >= 3.12 via .python-version) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup browser clean

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

## Headless Chromium for the browser tests (Debian's package; needs root or sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver >/dev/null; fi; }

test: $(STAMP) $(KERNELS) browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
