# Two commands for a new user (see README): `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test processes: two use both cores of a small machine; each has its own test databases.
TEST_WORKERS ?= 2

.PHONY: run test lint check serve clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) (or: make PYTHON=python3 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

## run: the console chat on SQLite (no tokens needed)
run: $(STAMP)
	$(BIN)/diaspora-bot db upgrade
	$(BIN)/diaspora-bot chat

## serve: the long-running service (web app, webhooks, channels the settings enable)
serve: $(STAMP)
	$(BIN)/diaspora-bot run

## test: lint, knowledge check and the whole test suite (the 15 slowest tests listed: CI has 10 minutes)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/diaspora-bot kb check
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --durations=15

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
