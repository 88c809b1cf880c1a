# Collab: `make run` serves the seeded demo, `make test` runs the suite. Both install first.
# Compiled translations (.mo) are committed, so running needs no gettext; `make messages`
# refreshes them after strings change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format messages bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# `run` starts the SLA sweeper and insight rollup loops beside the server and stops them with the
# server; production runs Celery beat and workers instead (see README, "How the SLA sweeper runs").
run: install
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py sla_sweeper & sweeper=$$!; \
	$(BIN)/python manage.py insight_refresh & insight=$$!; \
	trap 'kill $$sweeper $$insight 2>/dev/null' EXIT INT TERM; \
	$(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'bench/*' \
		--ignore 'tests/*' --ignore 'staticfiles/*'
	$(BIN)/python manage.py makemessages -d djangojs -l zh_Hans -l en --ignore '.venv/*' \
		--ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'portal/static/portal/htmx.min.js'
	$(BIN)/python manage.py compilemessages --ignore '.venv'
