# endwatch: two commands on a fresh machine.
#   make run   - virtual environment, install, embedded SQLite database, bundled case, main job
#   make test  - the same install, then the whole test suite (SQLite and PostgreSQL)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export ENDWATCH_HOME ?= $(CURDIR)/.endwatch

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/endwatch demo --until 2020-10-04
	$(BIN)/endwatch user demo
	$(BIN)/endwatch serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	$(BIN)/pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .endwatch .pytest_cache .mypy_cache .ruff_cache
