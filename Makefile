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

.PHONY: demo test test-postgres lint check chromium report-deps screenshots messages bench \
	bench-dashboard bench-volume bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP) report-deps
	$(BIN)/keyclients demo

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy src/keyclients/core

# Django's system checks and no model change without its migration.
check: $(STAMP)
	$(MANAGE) check --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run
	KEYCLIENTS_HTTPS=1 DEBUG=0 $(MANAGE) check --deploy --fail-level WARNING

# Refresh docs/screenshots from the browser tests (report-page1.png is the PDF's first page).
screenshots: $(STAMP) chromium report-deps
	KEYCLIENTS_SCREENSHOTS=1 $(BIN)/pytest tests/browser

# Browser tests use Debian's chromium; install it when missing and we can (root + apt).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "chromium is missing and cannot be installed here; browser tests will fail"

# The PDF report: WeasyPrint needs pango, Cyrillic needs DejaVu fonts, and the tests look at
# the page through poppler's pdftoppm/pdftotext. Installed from Debian when missing (root + apt).
REPORT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
report-deps:
	@dpkg -s $(REPORT_PACKAGES) >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		$(REPORT_PACKAGES); } \
		|| echo "$(REPORT_PACKAGES): missing and cannot be installed here; PDF reports will fail"

test: lint check chromium report-deps
	$(BIN)/pytest

# The web tests again on PostgreSQL (the core tests use no database).
test-postgres: $(STAMP)
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest tests/web

# Refresh the Russian catalogues after changing user-facing strings (needs gettext);
# the compiled .mo files are committed so that running the app needs no gettext.
# The ledger, insights, forecast, clients, security, reports and api apps keep their own catalogues
# (<app>/locale), so the project's skips them. -P: the app folders hold a selectors.py that must not
# shadow the stdlib's.
APP_CATALOGUES := ledger insights forecast clients security reports api
messages: $(STAMP)
	cd src/keyclients/web && KEYCLIENTS_DATA_DIR=$$(mktemp -d) $(abspath $(BIN))/python \
		-m keyclients.web makemessages -l ru --add-location file --no-obsolete \
		$(foreach app,$(APP_CATALOGUES),--ignore '$(app)/*')
	for app in $(APP_CATALOGUES); do \
		(cd src/keyclients/web/$$app && KEYCLIENTS_DATA_DIR=$$(mktemp -d) $(abspath $(BIN))/python \
		-P -m keyclients.web makemessages -l ru --add-location file --no-obsolete) || exit 1; \
	done
	cd src/keyclients/web && KEYCLIENTS_DATA_DIR=$$(mktemp -d) $(abspath $(BIN))/python \
		-m keyclients.web compilemessages -l ru

bench: $(STAMP)
	$(BIN)/python bench/cashflow.py
	$(BIN)/python bench/receivables.py
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/import_sqlite.py
	$(BIN)/python bench/volume.py --rows 100000

# The overview dashboard with 10,000 clients and 1,000,000 sales lines (SQLite, ~1 minute).
bench-dashboard: $(STAMP)
	$(BIN)/python bench/dashboard.py

# Data volume (docs/performance.md): import vs the bulk-load floor, peak memory, page times, on
# SQLite and a throwaway PostgreSQL cluster. 10M lines is opt-in: SIZES="100000 1000000 10000000".
SIZES ?= 100000 1000000
bench-volume: $(STAMP)
	$(BIN)/python bench/volume.py $(foreach n,$(SIZES),--rows $(n))

# 50 users on `keyclients serve` for 60 s, loopback only (docs/reliability.md).
bench-load: $(STAMP)
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
