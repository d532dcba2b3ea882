# Allyship Classroom: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# PostgreSQL run of the suite; the database is created by the tests (test_allyship).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/allyship
# Development defaults; production sets its own environment (see README).
DEV_ENV := DEBUG=true

.PHONY: run test lint format install demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) createcachetable
	$(DEV_ENV) $(MANAGE) load_curriculum
	$(DEV_ENV) $(MANAGE) seed_demo
	$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:8000

demo: install
	$(DEV_ENV) $(MANAGE) seed_demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Everything that runs on this machine: lint, migrations check, the suite on SQLite,
# and again on PostgreSQL when it answers (REQUIRE_POSTGRES=1 makes its absence fail).
test: lint
	$(DEV_ENV) $(MANAGE) makemigrations --check --dry-run
	$(DEV_ENV) $(MANAGE) collectstatic --noinput --verbosity 0
	$(DEV_ENV) $(MANAGE) load_curriculum --check
	$(DEV_ENV) $(BIN)/pytest
	@if $(BIN)/python -c "import psycopg2; psycopg2.connect('$(TEST_DATABASE_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3)" 2>/dev/null; then \
		echo "== PostgreSQL is reachable: running the suite on PostgreSQL"; \
		$(DEV_ENV) DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -m "not sqlite_only" -p no:cacheprovider; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) is not reachable and REQUIRE_POSTGRES is set." >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_DATABASE_URL): the PostgreSQL run was SKIPPED."; \
		echo "   Start it or set TEST_DATABASE_URL to run the suite there too."; \
	fi

clean:
	rm -rf $(VENV) staticfiles var/test*.sqlite3
