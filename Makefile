# Set-up and everyday commands. Every target installs what it needs, so a fresh clone needs
# only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-unit bench clean serve redis postgres chromium screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[service,test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -rf build/demo report
	$(BIN)/python fixtures/make_fixtures.py build/demo
	$(BIN)/originality check build/demo/submissions/*.zip --base build/demo/base \
		--json report/report.json --html report
	@echo "Report written: report/report.json and report/index.html"

# The service tests start a real redis-server; Debian's package provides it.
redis:
	@command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null)

# tests/integration/test_postgres.py starts a throwaway PostgreSQL cluster (initdb, pg_ctl).
postgres:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(apt-get update -qq && apt-get install -y -qq postgresql >/dev/null)

# tests/browser drive Debian's Chromium through Playwright (no browser download from the web).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# axe-core (npm), the accessibility rules tests/browser/test_accessibility.py runs in the pages.
tests/browser/node_modules: tests/browser/package.json
	cd tests/browser && npm install --no-audit --no-fund --silent
	touch tests/browser/node_modules

test: $(STAMP) redis postgres chromium tests/browser/node_modules
	$(BIN)/python -m pytest -q

# The screenshots in docs/screenshots/, taken by the browser tests.
screenshots: $(STAMP) chromium tests/browser/node_modules
	ORIGINALITY_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q tests/browser

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

benchmarks/node_modules: benchmarks/package.json
	cd benchmarks && npm install --no-audit --no-fund --silent
	touch benchmarks/node_modules

# copydetect is a peer the benchmarks compare against, never used by the product: installed
# here, not declared in pyproject.toml.
$(VENV)/.copydetect: $(STAMP)
	$(BIN)/pip install --quiet 'copydetect==0.5.0'
	touch $(VENV)/.copydetect

bench: $(STAMP) $(VENV)/.copydetect benchmarks/node_modules
	$(BIN)/python benchmarks/run.py detection
	$(BIN)/python benchmarks/run.py service
	$(BIN)/python benchmarks/run.py speed --students 300,2000
	$(BIN)/python benchmarks/run.py hostile
	$(BIN)/python benchmarks/run.py import --students 300,2000
	$(BIN)/python benchmarks/archive_check.py --students 2000

clean:
	rm -rf build report var .pytest_cache

# The service on loopback, for a person to try (README "Service"): redis-server if none answers
# on 6379, one worker, and the API on 127.0.0.1:8000; Ctrl-C stops the worker and the API.
# The cookie key comes from the environment, as in production: made once into var/secret_key.
SERVE_ENV := ORIGINALITY_DATA_DIR=$(CURDIR)/var ORIGINALITY_REDIS_URL=redis://127.0.0.1:6379/0 \
	ORIGINALITY_SECRET_KEY=$$(cat $(CURDIR)/var/secret_key)
serve: $(STAMP) redis
	@mkdir -p var
	@test -s var/secret_key || (umask 077 && $(BIN)/python -c 'import secrets; print(secrets.token_hex(32))' > var/secret_key)
	@redis-cli -p 6379 ping >/dev/null 2>&1 || redis-server --port 6379 --bind 127.0.0.1 \
		--daemonize yes --dir $(CURDIR)/var --logfile $(CURDIR)/var/redis.log
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(SERVE_ENV) $(BIN)/originality worker --pool=solo --logfile=$(CURDIR)/var/worker.log & worker=$$!; \
	$(SERVE_ENV) $(BIN)/originality serve --host 127.0.0.1 --port 8000
