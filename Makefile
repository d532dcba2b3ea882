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

# Back up the database named by DATABASE_URL (pg_dump -Fc, or SQLite's online backup) to
# var/backups/ (BACKUP_DIR), and restore one: make restore FILE=var/backups/allyship-….dump
# They use the environment as it is (production's, or DEBUG=true on a developer machine)
# and install nothing.
.PHONY: backup restore
backup:
	$(BIN)/python manage.py backup_database $(if $(OUTPUT),--output $(OUTPUT))

restore:
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=path/to/backup" >&2; exit 2; }
	$(BIN)/python manage.py restore_database "$(FILE)" $(if $(YES),--yes)

# --- Benchmark (issues 9 and 16) ---
# The app at school-district scale against two bare Django views (a GET, and a form that
# writes one row), on PostgreSQL (databases allyship_bench and allyship_bench_baseline,
# created and dropped), Redis and gunicorn; results in bench-results/ and
# docs/performance.md. Not part of `make test`. BENCH_ARGS e.g. "--seconds 5 --small".
.PHONY: bench bench-scale bench-tools
bench-tools:
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null; }
	@pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not answering at 127.0.0.1:5432." >&2; exit 1; }
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || $(BIN)/python -c "import redis; redis.Redis().ping()" || { \
		echo "Redis is not answering at 127.0.0.1:6379." >&2; exit 1; }

bench: install bench-tools
	$(BIN)/python bench/run.py --update-docs $(BENCH_ARGS)

# Two app instances behind nginx, one PostgreSQL and one Redis: signing through nginx,
# shared rate limits and sessions, no lost or doubled signature.
bench-scale: install bench-tools
	$(BIN)/python bench/scale.py $(BENCH_ARGS)
