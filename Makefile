# threatmesh: two commands to start (`make demo`, `make test`), the rest for developers.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PIP     = $(BIN)/python -m pip
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test check bench clean fmt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: install, start a demo instance on SQLite, print its URL and API key
demo: $(STAMP)
	THREATMESH_DATA_DIR=$${THREATMESH_DATA_DIR:-./data} $(BIN)/threatmesh demo

## test: install dev dependencies and run the whole suite (SQLite and PostgreSQL)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

## check: lint and type-check
check: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

## bench: run the benchmarks (figures go to docs/benchmarks.md by hand)
bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/search.py
	$(BIN)/python -m bench.uma

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
