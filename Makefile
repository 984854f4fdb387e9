# endwatch: two commands on a fresh machine.
#   make run   - virtual environment, install, embedded SQLite database, bundled case, main job
#   make test  - the same install, then the whole test suite (SQLite and PostgreSQL)
# Dependencies install from requirements.lock (exact versions and their hashes); `make lock` updates it
# from pyproject.toml, `make audit-deps` checks it for known vulnerabilities (needs PyPI and OSV reachable).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export ENDWATCH_HOME ?= $(CURDIR)/.endwatch

TOOLS  := .venv-tools
LOCK_CMD := uv pip compile pyproject.toml --extra test --generate-hashes --universal --python-version 3.11 \
            -o requirements.lock

.PHONY: run test install lint bench clean lock audit-deps

# Every dependency at the version and with the hashes of requirements.lock; then endwatch itself, without
# resolving anything further (--no-deps), so nothing unlocked gets in.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
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

# The tools that maintain the lock live in their own environment, never in the application's.
$(TOOLS)/.installed:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv pip-audit
	touch $@

# Re-resolve pyproject.toml's dependencies (and the test extra) to the newest allowed versions, with hashes.
lock: $(TOOLS)/.installed
	$(TOOLS)/bin/$(LOCK_CMD)

# Known vulnerabilities in the locked versions (PyPI's advisory data); not part of `make test` or CI.
audit-deps: $(TOOLS)/.installed
	$(TOOLS)/bin/pip-audit --disable-pip --require-hashes -r requirements.lock

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(TOOLS) .endwatch .pytest_cache .mypy_cache .ruff_cache
