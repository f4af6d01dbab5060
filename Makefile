# The single source of set-up: `make run` and `make test` work on a fresh clone.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STORE  ?= store
CHROMIUM := /usr/bin/chromium
DATA   ?= data

.PHONY: run test install build lint audit bench loadtest browser screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

build: install
	$(BIN)/hsvo build --data $(DATA) --store $(STORE)

run: build
	$(BIN)/hsvo serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Browser tests drive Debian's Chromium with Playwright (no browser download).
$(CHROMIUM):
	apt-get update && apt-get install -y chromium

browser: $(CHROMIUM)

# Known vulnerabilities in what is installed: pip-audit, and PyPI's project pages for what it
# cannot reach (tools/audit.py says how). Fails on any finding tools/audit-explained.toml does
# not explain.
audit: install
	$(BIN)/python tools/audit.py

test: install lint browser audit
	$(BIN)/pytest

# Refresh the pictures in docs/img/ from the browser tests.
screenshots: install browser
	HSVO_SCREENSHOTS=docs/img $(BIN)/pytest -q tests/test_query_page.py tests/test_graph_view.py

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@

# `make bench SIZES=curated,10k,100k` skips the 1M graph; wrk is the load tool (Debian package).
SIZES ?= curated,10k,100k,1m
bench: $(VENV)/.bench-installed
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(BIN)/python benchmarks/bench_endpoints.py
	$(BIN)/python benchmarks/bench_scale.py --sizes $(SIZES)

# A mixed load (pages, SPARQL, REST, graph view) on the curated graph; `make loadtest
# LOAD_SECONDS=60` shortens it. Report: benchmarks/results/load.md.
LOAD_SECONDS ?= 180
loadtest: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/load_test.py --seconds $(LOAD_SECONDS)

clean:
	rm -rf $(VENV) $(STORE) $(STORE).* build *.egg-info
