VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install run test lint format schema bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap
	$(PY) manage.py serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install lint
	@DATABASE_URL="$$($(PY) tests/database_url.py)"; export DATABASE_URL; \
	echo "tests run on $${DATABASE_URL%%@*}@..."; \
	$(PY) manage.py makemigrations --check --dry-run && \
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	bench/run.sh

schema: install
	$(PY) manage.py spectacular --file schema.yml --validate --fail-on-warn
