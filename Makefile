# Two set-up commands: `make run` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# the area on one machine: three federated demo nodes (AZE, ARM, GEO) and traffic between them
run: $(STAMP)
	$(BIN)/cta area --demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy --strict src/cta/domain

# tools/ensure_postgres.sh installs PostgreSQL (Debian's package) when missing and we are root;
# the tests start a throwaway cluster of their own (tests/pg.py, one a test process) and stop
# it at the end. The test files are shared among TEST_PROCESSES processes (pytest-xdist, a
# file's tests on one process: most of the time is waiting for servers and browsers, so more
# processes than cores); the tests that measure answer times under load (marker `alone`) run
# after, by themselves. tests/schedule.py hands out the longest files first (the run ends with
# its last file). compileall: the tests start hundreds of `cta` processes, and with
# PYTHONDONTWRITEBYTECODE (set on this machine) each compiled src/ again (0.4 CPU s each).
TEST_PROCESSES ?= 4
unit: $(STAMP)
	bash tools/ensure_postgres.sh
	bash tools/ensure_chromium.sh  # Debian's chromium + chromium-driver, for tests/browser
	$(BIN)/python -m compileall -q src tests
	$(BIN)/python -m pytest -q -n $(TEST_PROCESSES) --dist loadfile -p tests.schedule -m "not alone"
	$(BIN)/python -m pytest -q -m alone

test: lint unit

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
