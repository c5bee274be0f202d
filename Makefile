# Handoff: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CELERY := $(VENV)/bin/celery
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in reminder emails and the address seed_demo prints follow HOST and PORT
# (`make run PORT=8123`) unless SITE_URL is given.
run seed worker beat: export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: install run test lint format migrate seed worker beat bench bench-sweep eval-matching clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

var:
	mkdir -p var/mail var/celery/queue var/celery/processed var/celery/control

migrate: install var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Web, a real Celery worker and beat, on embedded defaults (SQLite, filesystem broker, mail to
# var/mail/). Ctrl-C stops all three.
run: seed
	@echo "Worker log: var/worker.log · beat log: var/beat.log · mail: var/mail/"
	@trap 'kill 0' EXIT INT TERM; \
	$(CELERY) -A handoff worker --loglevel INFO --concurrency 1 --logfile var/worker.log & \
	$(CELERY) -A handoff beat --loglevel INFO --logfile var/beat.log & \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install var
	$(CELERY) -A handoff worker --loglevel INFO --concurrency 2

beat: install var
	$(CELERY) -A handoff beat --loglevel INFO

# ruff, then mypy with django-stubs over handoff/, readiness/, bench/ and tests/ (pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Tests run on TEST_WORKERS processes (pytest-xdist; one test database each); a file's tests stay
# on one worker, as some share a resource of their own (a Redis database, a port). TEST_WORKERS=0
# runs them in this process.
TEST_WORKERS ?= 2

# lint (ruff + mypy) + migrations in sync + pytest. PostgreSQL and Redis are used when reachable (or when
# DATABASE_URL / REDIS_URL say so); otherwise SQLite, and the real-worker tests are skipped.
# Browser tests run when /usr/bin/chromium exists.
test: lint var
	@eval "$$($(PY) -m tests.services)"; \
	echo "make test: DATABASE_URL=$${DATABASE_URL:-sqlite (default)} REDIS_URL=$${REDIS_URL:-none}"; \
	$(PY) manage.py makemigrations --check --dry-run && \
	$(VENV)/bin/pytest -p no:cacheprovider $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

bench: install var
	@eval "$$($(PY) -m tests.services)"; $(PY) -m bench

# The reminder sweep alone: queries and time over 100,000 people (its own PostgreSQL database).
bench-sweep: install var
	@eval "$$($(PY) -m tests.services)"; $(PY) -m bench.sweep

# Symptom matching over the demo world: how often the intended class of problem ranks first and in
# the top three for the phrasings of tests/matching_phrasings.py, and each miss (a test database).
eval-matching: install
	$(VENV)/bin/pytest -p no:cacheprovider -q -s tests/test_matching_eval.py

clean:
	rm -rf var $(VENV)
