# The single source of set-up: every target below works on a fresh clone.
#
# Python packages come from uv.lock only (exact versions, hashes checked): every clone installs
# the same bytes. uv itself is installed from tools/uv.txt (pinned, hashes checked) into .uv/.
# `make lock` refreshes uv.lock after pyproject.toml changes or to take newer releases.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
UV_DIR := .uv
UV     := $(UV_DIR)/bin/uv
HOST   ?= 127.0.0.1
PORT   ?= 8000
STORE  ?= store
CHROMIUM := /usr/bin/chromium
WRK    := /usr/bin/wrk
DATA   ?= data

# uv never downloads a Python: the one named by PYTHON is used.
export UV_PYTHON_DOWNLOADS := never
SYNC := $(UV) sync --locked --python $(PYTHON) --inexact

.PHONY: run test install build lint audit bench loadtest browser screenshots clean lock \
	setup-run setup-test setup-bench setup-loadtest setup-screenshots setup-all

$(UV):
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/pip install --quiet --require-hashes --no-deps -r tools/uv.txt

# A sync with nothing to do takes milliseconds, so these run every time (no stamp files to
# go stale); --inexact keeps what another target's extras installed.
setup-run: $(UV)
	$(SYNC)

install: setup-test

setup-test: $(UV) $(CHROMIUM)
	$(SYNC) --extra dev

setup-bench setup-loadtest: $(UV) $(WRK)
	$(SYNC) --extra dev --extra bench

setup-screenshots: setup-test

# Every target's set-up, so that CI (through make test) catches a missing install step.
setup-all: setup-run setup-test setup-bench setup-loadtest setup-screenshots

lock: $(UV)
	$(UV) lock --upgrade --python $(PYTHON)

build: setup-run
	$(BIN)/hsvo build --data $(DATA) --store $(STORE)

run: build
	$(BIN)/hsvo serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Browser tests drive Debian's Chromium with Playwright (no browser download); wrk is the
# benchmarks' load tool. Both come from Debian's packages.
$(CHROMIUM):
	apt-get update && apt-get install -y chromium

$(WRK):
	apt-get update && apt-get install -y wrk

browser: $(CHROMIUM)

# Known vulnerabilities of the locked versions (tools/audit.py says how they are looked up).
# Fails on a known vulnerability only; what cannot be checked is printed as unchecked.
audit: setup-test
	$(UV) export --frozen --all-extras --no-emit-project --no-hashes -q -o $(VENV)/locked.txt
	$(BIN)/python tools/audit.py $(VENV)/locked.txt

test: setup-all lint audit
	$(BIN)/pytest

# Refresh the pictures in docs/img/ from the browser tests.
screenshots: setup-screenshots
	HSVO_SCREENSHOTS=docs/img $(BIN)/pytest -q tests/test_query_page.py tests/test_graph_view.py

# `make bench SIZES=curated,10k,100k` skips the 1M graph.
SIZES ?= curated,10k,100k,1m
bench: setup-bench
	$(BIN)/python benchmarks/bench_endpoints.py
	$(BIN)/python benchmarks/bench_scale.py --sizes $(SIZES)

# A mixed load (pages, SPARQL, REST, graph view) on the curated graph; `make loadtest
# LOAD_SECONDS=60` shortens it. Report: benchmarks/results/load.md.
LOAD_SECONDS ?= 180
loadtest: setup-loadtest
	$(BIN)/python benchmarks/load_test.py --seconds $(LOAD_SECONDS)

clean:
	rm -rf $(VENV) $(UV_DIR) $(STORE) $(STORE).* build dist *.egg-info
