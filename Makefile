# Two commands do everything: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format worker clean

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
	@export DEBUG=$${DEBUG:-1}; set -e; \
	$(MANAGE) migrate --noinput; \
	$(MANAGE) seed_demo; \
	$(BIN)/celery -A mentorship worker --beat --loglevel=INFO --concurrency=2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Site: http://$(HOST):$(PORT)/  (committee admin: http://$(HOST):$(PORT)/admin/)"; \
	$(MANAGE) runserver $(HOST):$(PORT)

# A worker on its own, for when the site runs elsewhere (e.g. under gunicorn).
worker: install
	$(BIN)/celery -A mentorship worker --loglevel=INFO

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .run staticfiles .pytest_cache .ruff_cache
