# Munjigi — `make run` serves the app on SQLite, `make test` runs the suite. Both install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Parallel test workers; every worker gets its own databases.
WORKERS ?= 2
# Catalogs: .po sources committed; .mo compiled here, by the Dockerfile, or at app start.
TRANSLATIONS := src/munjigi/translations

.PHONY: install run test lint format migrate clean bench bench-import i18n-extract i18n-update i18n-compile

$(BIN)/activate:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/flask --app munjigi db upgrade

run: migrate
	@# Bound to 127.0.0.1, announced as localhost: passkeys (WebAuthn) need localhost or https.
	@echo "Munjigi on http://localhost:$(PORT)  (first admin: $(BIN)/flask --app munjigi munjigi create-admin)"
	$(BIN)/flask --app munjigi run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

# Benchmark, not part of `make test`: wrk against gunicorn on loopback, Munjigi and the
# Flask-JWT-Extended reference peer; prints one table and writes it to docs/performance.md
# (knobs: see there). bench/run.py installs wrk with apt-get when run as root, otherwise
# prints the command to install it.
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,bench]"
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py

# Import benchmark, not part of `make test`: 100,000 users and 1,000,000 한끼얼마 posts from
# SQLite into SQLite and PostgreSQL (IMPORT_USERS, IMPORT_RECIPES, IMPORT_TARGETS,
# IMPORT_POSTGRES_URL; see bench/import_bench.py and docs/performance.md).
bench-import: install
	$(BIN)/python bench/import_bench.py

# Translations (docs/i18n.md): extract the msgids of src/ into the .pot, merge it into each
# language's .po (then translate the new entries), compile the .mo files.
i18n-extract: install
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --omit-header \
		-k _l -k lazy_gettext -k lazy_ngettext:1,2 -o $(TRANSLATIONS)/messages.pot src

i18n-update: i18n-extract
	for locale in ko en; do \
		$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --init-missing \
			-i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$locale || exit 1; \
	done

i18n-compile: install
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
