# Two commands do everything: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run demo-reset test lint format worker clean bench-pages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The site with background work: a Celery worker (with the beat scheduler inside it)
# runs beside the development server. Without REDIS_URL they talk through files in
# .run/ and the database is db.sqlite3, so nothing else needs to be running.
run: install
	@export DEBUG=$${DEBUG:-1} SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}; set -e; \
	$(MANAGE) migrate --noinput; \
	$(MANAGE) seed_demo; \
	$(BIN)/celery -A mentorship worker --beat --loglevel=INFO --concurrency=2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Site: $$SITE_URL/  (committee admin: $$SITE_URL/admin/)"; \
	echo "Mail the site sends: $$SITE_URL/dev/mail/"; \
	$(MANAGE) runserver $(HOST):$(PORT)

# Erase the local database and start the demo afresh (DEBUG only; `make run` after).
demo-reset: install
	@export DEBUG=$${DEBUG:-1}; set -e; \
	$(MANAGE) migrate --noinput; \
	$(MANAGE) seed_demo --reset

# A worker on its own, for when the site runs elsewhere (e.g. under gunicorn).
worker: install
	$(BIN)/celery -A mentorship worker --loglevel=INFO

# --- make test on PostgreSQL when there is one (issue 11, part 8) ---
# The row-lock and real-process tests need PostgreSQL and skip on SQLite. With
# DATABASE_URL unset and a PostgreSQL answering on PG_HOST:PG_PORT, make test runs the
# suite against PG_TEST_DB there (created if missing; pytest-django makes its own
# test_$(PG_TEST_DB) beside it and drops it at the end, so two checkouts testing on one
# server at once need two names). Otherwise it stays on SQLite and those tests skip,
# each saying why. An explicit DATABASE_URL (as .ci/run sets) always wins.
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
PG_USER ?= postgres
PG_TEST_DB ?= mentorship_test

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@set -e; \
	if [ -z "$$DATABASE_URL" ] && command -v pg_isready >/dev/null 2>&1 \
	    && pg_isready -q -h "$(PG_HOST)" -p "$(PG_PORT)"; then \
	  psql -X -h "$(PG_HOST)" -p "$(PG_PORT)" -U "$(PG_USER)" -d postgres -tAc \
	      "SELECT 1 FROM pg_database WHERE datname = '$(PG_TEST_DB)'" 2>/dev/null | grep -q 1 \
	    || createdb -h "$(PG_HOST)" -p "$(PG_PORT)" -U "$(PG_USER)" "$(PG_TEST_DB)" \
	    || { echo "make test: PostgreSQL answers on $(PG_HOST):$(PG_PORT) but $(PG_TEST_DB) could not be created as $(PG_USER). Set PG_USER, or DATABASE_URL (DATABASE_URL=sqlite:// for SQLite)."; exit 1; }; \
	  export DATABASE_URL="postgres://$(PG_USER)@$(PG_HOST):$(PG_PORT)/$(PG_TEST_DB)"; \
	fi; \
	if [ -n "$$DATABASE_URL" ]; then \
	  echo "make test: database $$(printf '%s' "$$DATABASE_URL" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"; \
	else \
	  echo "make test: database SQLite (no PostgreSQL answers on $(PG_HOST):$(PG_PORT); the PostgreSQL-only tests skip)"; \
	fi; \
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every page at 50 requests/s, at 10,000 people and at the demo's size (issue 13). Needs
# PostgreSQL on PG_HOST:PG_PORT; BENCH_ARGS passes options, e.g. BENCH_ARGS="--reuse".
bench-pages: install
	$(BIN)/python benchmarks/pages.py --postgres "postgres://$(PG_USER)@$(PG_HOST):$(PG_PORT)" $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .run staticfiles .pytest_cache .ruff_cache
