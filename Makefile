# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=
# Production-like settings for `check --deploy`.
DEPLOY_ENV := DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=meetings.example.org SITE_URL=https://meetings.example.org \
	SENDGRID_API_KEY=SG.check-deploy

.PHONY: run test test-here demo-server clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Python 3.12 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $@ $(VENV)/.base-installed

## make run: the demo on http://127.0.0.1:$(PORT), DEBUG on, SQLite unless DATABASE_URL is set.
run: $(VENV)/.base-installed
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo --if-empty
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The HTML and accessibility checkers of the browser tests (vnu.jar, axe-core),
# exact versions from package-lock.json. --ignore-scripts: vnu-jar's install
# script would download a JRE, and the machine has one.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts

## make test: lint, migration and deploy checks, then the whole test suite on PostgreSQL.
test: $(VENV)/.dev-installed node_modules/.package-lock.json
	@if [ -n "$$DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory test-here; \
	else \
		pg_virtualenv -o fsync=off -o full_page_writes=off -o synchronous_commit=off \
			-o max_connections=200 \
			sh -c 'DATABASE_URL="postgres://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" $(MAKE) --no-print-directory test-here'; \
	fi

test-here:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=makemigrations-check $(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	SECRET_KEY=test-secret-key-not-for-production $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles node_modules
