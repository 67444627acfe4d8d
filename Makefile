# The README's two commands: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
STATE_DIR ?= .dvc-harness

.PHONY: run test lint chromium serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

chromium: $(STAMP)
	$(BIN)/python -m harness.browser --ensure

# The main job: the citizen journeys in headless Chromium against the emulated stack, reports in ./reports
run: $(STAMP) chromium
	$(BIN)/dvc-harness run --state-dir $(STATE_DIR)

serve: $(STAMP)
	$(BIN)/dvc-harness serve --state-dir $(STATE_DIR)

lint: $(STAMP)
	$(BIN)/ruff check .

# Whole modules go to a worker (their stacks start once), the longest first, in tests/conftest.py's order
# (docs/testing.md). Two workers: three filled the waiting time, but two copies side by side on a busy machine
# then missed their processes' deadlines.
test: $(STAMP) chromium lint
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder -p no:cacheprovider tests scenarios/suites

clean:
	rm -rf $(VENV) $(STATE_DIR) reports test-results
