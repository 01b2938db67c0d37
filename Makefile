# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=
# pytest-xdist workers, each with its own test database; 0 runs in one process.
TEST_WORKERS ?= auto
# Production-like settings for `check --deploy`.
DEPLOY_ENV := DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=meetings.example.org SITE_URL=https://meetings.example.org \
	SENDGRID_API_KEY=SG.check-deploy DEFAULT_FROM_EMAIL=noreply@meetings.example.org \
	SENDGRID_WEBHOOK_PUBLIC_KEY=check-deploy

# The translation catalogs (locale/<code>/LC_MESSAGES/django.po): `make messages`
# extracts every marked string into them, and tests/test_translations.py fails
# when that would change them. The .mo files are built (compilemessages), never
# committed.
MESSAGES_ARGS := --locale de --locale he --no-obsolete --add-location file \
	--ignore node_modules --ignore staticfiles --ignore var --ignore tests --ignore bench
COMPILE_ARGS := --ignore .venv --ignore node_modules

.PHONY: run test test-here messages compilemessages bench-mail bench-suite demo-server clean

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
# Every process gets SITE_URL from PORT, so emailed links point at this server.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.base-installed
	DEBUG=true $(PY) manage.py compilemessages $(COMPILE_ARGS) -v 0
	DEBUG=true $(PY) manage.py migrate --noinput
	@# SQLite drops a table's triggers when a migration rebuilds it: put back
	@# the ones that keep the counts (docs/architecture.md).
	DEBUG=true $(PY) manage.py check_counts
	DEBUG=true $(PY) manage.py load_demo --if-empty
	@# The mail sender runs beside the server, so every email lands in var/mail/,
	@# and so does the task worker, so scheduler runs finish in the background.
	DEBUG=true $(PY) manage.py send_mail_queue --loop --idle 3 & sender=$$!; \
		DEBUG=true $(PY) manage.py db_worker --no-reload --interval 1 -v 0 & worker=$$!; \
		trap 'kill $$sender $$worker 2>/dev/null' EXIT INT TERM; \
		DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The HTML and accessibility checkers of the browser tests (vnu.jar, axe-core),
# exact versions from package-lock.json. --ignore-scripts: vnu-jar's install
# script would download a JRE, and the machine has one.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts

## make test: lint, type, migration and deploy checks, then the whole test suite on PostgreSQL.
test: $(VENV)/.dev-installed node_modules/.package-lock.json
	@if [ -n "$$DATABASE_URL" ]; then \
		$(MAKE) --no-print-directory test-here; \
	else \
		pg_virtualenv -t -o fsync=off -o full_page_writes=off -o synchronous_commit=off \
			-o max_connections=200 \
			sh -c 'DATABASE_URL="postgres://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" $(MAKE) --no-print-directory test-here'; \
	fi

test-here:
	SECRET_KEY=compilemessages $(PY) manage.py compilemessages $(COMPILE_ARGS) -v 0
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=mypy $(VENV)/bin/mypy
	SECRET_KEY=makemigrations-check $(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	SECRET_KEY=test-secret-key-not-for-production $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## make messages: extract the marked strings into locale/de and locale/he (then translate them).
messages: $(VENV)/.base-installed
	SECRET_KEY=makemessages $(PY) manage.py makemessages $(MESSAGES_ARGS)

compilemessages: $(VENV)/.base-installed
	SECRET_KEY=compilemessages $(PY) manage.py compilemessages $(COMPILE_ARGS)

## make bench-mail: one mailing to 100,000 members, drained through the fake SendGrid
## (bench/mail.py, in a throw-away PostgreSQL; MEMBERS=10000 for a quicker run).
MEMBERS ?= 100000
bench-mail: $(VENV)/.dev-installed
	pg_virtualenv -t sh -c 'SECRET_KEY=bench-not-secret \
		DATABASE_URL="postgres://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" \
		$(PY) bench/mail.py --members $(MEMBERS)'

## make bench-suite: the tests of commit 9ae2fd7 (before any speed work), run as they were
## then (one process, that commit's code) and as make test runs them now (bench/suite.py).
bench-suite: $(VENV)/.dev-installed node_modules/.package-lock.json
	pg_virtualenv -t -o fsync=off -o full_page_writes=off -o synchronous_commit=off \
		-o max_connections=200 \
		sh -c 'DATABASE_URL="postgres://$$PGUSER:$$PGPASSWORD@$$PGHOST:$$PGPORT/$$PGDATABASE" \
		$(PY) bench/suite.py'

clean:
	rm -rf $(VENV) var staticfiles node_modules
