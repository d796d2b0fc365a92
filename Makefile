# keyclients — `make demo` runs the product, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINT_PATHS := $(wildcard src tests bench)
# A throwaway data folder, so checks never write a secret key or a database into ./data.
MANAGE := KEYCLIENTS_DATA_DIR=$$(mktemp -d) $(BIN)/python -m keyclients.web
# `make test-postgres` expects a server here; .ci/run starts a throwaway one on this port.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:54329/keyclients

.PHONY: demo test test-postgres lint check chromium messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/keyclients demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy src/keyclients/core

# Django's system checks and no model change without its migration.
check: $(STAMP)
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run

# Browser tests use Debian's chromium; install it when missing and we can (root + apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "chromium is missing and cannot be installed here; browser tests will fail"

test: lint check chromium
	$(BIN)/pytest

# The web tests again on PostgreSQL (the core tests use no database).
test-postgres: $(STAMP)
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest tests/web

# Refresh the Russian catalogue after changing user-facing strings (needs gettext);
# the compiled .mo is committed so that running the app needs no gettext.
messages: $(STAMP)
	cd src/keyclients/web && KEYCLIENTS_DATA_DIR=$$(mktemp -d) $(abspath $(BIN))/python \
		-m keyclients.web makemessages -l ru --add-location file --no-obsolete
	cd src/keyclients/web && KEYCLIENTS_DATA_DIR=$$(mktemp -d) $(abspath $(BIN))/python \
		-m keyclients.web compilemessages -l ru

bench: $(STAMP)
	$(BIN)/python bench/cashflow.py
	$(BIN)/python bench/receivables.py
	$(BIN)/python bench/analyze.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
