# One task runner: the same commands locally and in CI (.ci/run calls `make test`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-alone lint bench reliability integrations clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/evidence demo --output-dir demo-output

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(PY) -m pytest

# The suite as a clone with nothing beside it sees it: ../shared hidden (tests/conftest.py).
test-alone: $(STAMP)
	EVIDENCE_TESTS_NO_SHARED=1 $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/run.py --output docs/benchmarks.md

# Faults, crashes, concurrent writers and hostile input (docs/reliability.md).
# RELIABILITY_TRIALS sets the crash trials per command (CI: the default; longer: 200).
reliability: $(STAMP)
	$(PY) -m pytest -q -m reliability tests/reliability

# pre-commit try-repo for real (docs/ci.md): builds the hooks' virtualenvs from PyPI.
integrations: $(STAMP)
	EVIDENCE_TEST_PRECOMMIT=1 $(PY) -m pytest -q tests/test_integrations.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
