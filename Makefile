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

# The main job: the journeys (citizens, officers, resilience) in headless Chromium against the emulated stack, then
# the smoke load; reports in ./reports
run: $(STAMP) chromium
	$(BIN)/dvc-harness run --state-dir $(STATE_DIR)

serve: $(STAMP)
	$(BIN)/dvc-harness serve --state-dir $(STATE_DIR)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) chromium lint
	$(BIN)/python -m pytest -n 3 -p no:cacheprovider tests scenarios/suites

clean:
	rm -rf $(VENV) $(STATE_DIR) reports test-results
