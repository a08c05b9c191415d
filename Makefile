# Taskstream: `make run` sets up and starts the product; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup test lint browser bench loadcheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

.env:
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env with a new SECRET_KEY."

setup: $(VENV)/.installed .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Accounts:"
	@$(BIN)/python manage.py ensure_demo_users

run: setup
	@echo "Taskstream on http://$(HOST):$(PORT)/  (API docs: /api/docs/, admin: /admin/)"
	$(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --no-proxy-headers

test: $(VENV)/.installed
	scripts/test.sh

bench: $(VENV)/.installed
	$(BIN)/python -m bench.stream_bench $(BENCH_ARGS)

loadcheck: $(VENV)/.installed
	$(BIN)/python scripts/loadcheck.py $(LOADCHECK_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3* test-db.sqlite3* staticfiles
