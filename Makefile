# Set-up and everyday commands. Every target installs what it needs, so a fresh clone needs
# only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-unit bench clean

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

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py detection
	$(BIN)/python benchmarks/run.py speed --students 300,2000
	$(BIN)/python benchmarks/run.py hostile

clean:
	rm -rf build report var .pytest_cache
