# Routeways: `make run` brings the whole system up on its embedded default; `make test` runs the tests.
# Both create .venv and install the project first, so a fresh clone needs nothing but Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test lint install clean

##@ Everyday
help: ## Show this help
	@awk 'BEGIN {FS = ":.*##"} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-z-]+:.*##/ {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: $(STAMP) ## Start every service, consumer, relay, worker, beat, Redis and the mail sink
	$(BIN)/routeways up

# One pytest-xdist worker per core (`PYTEST_ARGS=-n0` for one process, e.g. to debug with -x/--pdb):
# the suite spends much of its time waiting on Redis, PostgreSQL and subprocesses, and ran in
# 14 min on two workers against 24-25 min in one process on a 2-core machine.
test: $(STAMP) ## Run the whole test suite (unit, integration, end-to-end)
	OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -n auto --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP) ## ruff and the import contracts
	$(BIN)/ruff check .
	$(BIN)/lint-imports

##@ Set-up
install: $(STAMP) ## Create .venv and install the project with its dev extras

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean: ## Remove run-time state (var/) and caches
	rm -rf var .pytest_cache .ruff_cache
