# One command per job; CI runs exactly these (.ci/run calls `make test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help install system-deps run serve worker migrate seed test test-fast lint fmt typecheck bench models clean

help:
	@echo "make run      create the environment, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make worker   run the job worker (promise reminders, overdue checks, follow-ups, timers)"
	@echo "make test     install what the tests need (PostgreSQL, chromium) and run every test"
	@echo "make lint     ruff, mypy and the import contract"
	@echo "make bench    measure speed and accuracy; writes benchmarks/results/"
	@echo "make models   retrain the analysis heads from ../shared/data"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

migrate: install
	$(BIN)/calmdesk db upgrade

seed: migrate
	$(BIN)/calmdesk seed

run: seed
	$(BIN)/calmdesk serve

serve: install
	$(BIN)/calmdesk serve

worker: migrate
	$(BIN)/calmdesk worker

test: install system-deps
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not slow and not browser and not postgres"

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: install
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

bench: install
	$(BIN)/python -m benchmarks.run

models: install
	$(BIN)/calmdesk models train

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis var
