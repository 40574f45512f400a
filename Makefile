# The lab e-santé hub: `make run` sets everything up and serves the hub; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
PG_DEFAULT := postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run setup test test-sqlite bench lint format lock clean

run: setup ## set up (first time) and serve the hub on http://127.0.0.1:8000
	$(BIN)/hub serve

setup: $(STAMP) $(NPM_STAMP) ## environment, front-end assets, migrations, seed (idempotent)
	$(BIN)/hub setup

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

# Every test on SQLite, and on PostgreSQL when a server answers (CI requires it: HUB_TEST_REQUIRE_POSTGRES=1).
test: $(STAMP) $(NPM_STAMP)
	@if [ -z "$$HUB_TEST_POSTGRES_URL" ] && $(BIN)/python -c 'import psycopg,sys; psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=2).close()' 2>/dev/null; then \
		export HUB_TEST_POSTGRES_URL=$(PG_DEFAULT); echo "PostgreSQL found: tests run on SQLite and PostgreSQL"; \
	elif [ -z "$$HUB_TEST_POSTGRES_URL" ]; then echo "No PostgreSQL on 127.0.0.1:5432: tests run on SQLite only"; fi; \
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-sqlite: $(STAMP) $(NPM_STAMP) ## the suite on SQLite only
	HUB_TEST_POSTGRES_URL= $(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP) ## benchmarks; figures go to bench/results/ and are copied into BENCHMARKS.md by hand with their date
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.dedup
	$(BIN)/python -m bench.matchmaking
	$(BIN)/python -m bench.svgmap
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.ledger
	$(BIN)/python -m bench.feed
	$(BIN)/python -m bench.maps
	$(BIN)/python -m bench.dashboard
	command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python -m bench.load

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hub db check

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: ## re-resolve the dependencies and write requirements.lock (then commit it)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e ".[dev]"
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^lab-esante-hub' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
