# Holdspace: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run demo test install install-test chromium pdflibs lint typecheck pytest bench clean openapi screenshots

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==0.13.8

install: $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON)

install-test: $(UV)
	$(UV) sync --frozen --extra test --python $(PYTHON)

# Debian's Chromium drives the browser tests; Playwright cannot download its own here.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# WeasyPrint draws the report PDFs with Pango (Debian's libraries, not on every new machine).
pdflibs:
	@ldconfig -p | grep -q libpangoft2-1.0 || { apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; }

run: install pdflibs
	@$(MAKE) --no-print-directory demo

# `make run` once installed: the tables, the demo practice on first run (its e-mails go
# nowhere), then the server and the worker together (`holdspace run`: one line says where to
# sign in; Ctrl-C stops both). Any HOLDSPACE_DEMO, HOST, PORT or DATABASE_URL given is used.
demo:
	@$(BIN)/holdspace migrate --noinput --verbosity 0
	@$(BIN)/holdspace seed-demo --unless-loaded --verbosity 0
	@HOLDSPACE_DEMO=$${HOLDSPACE_DEMO:-1} HOST=$(HOST) PORT=$(PORT) $(BIN)/holdspace run

lint: install-test
	$(BIN)/ruff check holdspace tests bench
	$(BIN)/ruff format --check holdspace tests bench
	$(BIN)/lint-imports

typecheck: install-test
	$(BIN)/mypy holdspace

pytest: install-test chromium pdflibs
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install-test
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) var/static

# Regenerate the committed OpenAPI document after changing the API (a test compares them).
openapi: install
	$(BIN)/holdspace export_openapi_schema --api holdspace.api.api --output docs/openapi.json --indent 2 --sorted

# README and docs screenshots, from the demo that `make run` serves.
screenshots: install-test chromium
	$(BIN)/python tests/browser/screenshots.py
