# edupact — the two commands of the product:
#   make run    create the virtualenv, migrate, load the demo data, serve on 127.0.0.1:8000
#   make test   lint, then the whole suite on SQLite and again on a throwaway PostgreSQL 15
# and a few more: make lint, make bench, make clean, make install.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.edupact-installed
BENCH_STAMP := $(VENV)/.edupact-bench-installed
export EDUPACT_ENV ?= local

# python3.11, else the first of these that is 3.11 or newer.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3.14 python3; do \
	command -v $$p >/dev/null 2>&1 \
	&& $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)

.PHONY: help install run test lint bench bench-evaluation bench-funds clean

help:
	@echo "make run     migrate, load the demo and serve on http://127.0.0.1:8000 (EDUPACT_ENV=$(EDUPACT_ENV))"
	@echo "make test    ruff, then pytest on SQLite and on a temporary PostgreSQL 15"
	@echo "             (PYTEST_ARGS='-k scoping' to narrow; EDUPACT_REQUIRE_ALL=0 to allow skips)"
	@echo "make lint    ruff only"
	@echo "make bench   directory benchmark (bench/directory/run.py)"
	@echo "make bench-evaluation / bench-funds   HCMC-sized rollups and dashboard; a 1M-account"
	@echo "             fund (BENCH_ARGS='--db postgres --households 300000' to choose; see docs/performance.md)"
	@echo "make clean   remove the virtualenv and caches (keeps var/: the database and key)"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11 or python3)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the declared or locked dependencies change.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test]"
	@touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/edupact migrate --noinput
	$(BIN)/edupact demo
	$(BIN)/edupact serve

test: $(STAMP)
	scripts/system-deps.sh
	scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check edupact tests bench

# The benchmarks also need DuckDB (the "bench" extra).
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[test,bench]"
	@touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python bench/directory/run.py $(BENCH_ARGS)

bench-evaluation: $(BENCH_STAMP)
	$(BIN)/python bench/evaluation/run.py $(BENCH_ARGS)

bench-funds: $(BENCH_STAMP)
	$(BIN)/python bench/funds/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build edupact.egg-info .pytest_cache .ruff_cache .hypothesis var/static
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
