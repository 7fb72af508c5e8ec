# Quick start: `make demo` and `make test` each set up their own virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint typecheck format docs notebook bench bench-convert clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m migrate.demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/typecheck.py
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over migrate/, schemas/ and mappers/ under their installed names (see tools/typecheck.py).
typecheck: $(STAMP)
	$(BIN)/python tools/typecheck.py

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(STAMP)
	$(BIN)/python -m migrate.docs

# Run the walkthrough notebook and keep its outputs (tests/test_notebook.py checks they are current).
notebook: $(STAMP)
	$(BIN)/python tools/notebook.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-convert: $(STAMP)
	$(BIN)/python benchmarks/convert_bench.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis .mypy_cache
