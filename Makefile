# Two entry points (README "Quick start"): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PLAYWRIGHT_CHROMIUM_EXECUTABLE ?= /usr/bin/chromium

.PHONY: install run test lint check-migrations system-test-deps clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	@echo "Application : http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Debian's Chromium for the Playwright journeys (no browser download).
system-test-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installation de Chromium (paquet Debian)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

test: install system-test-deps lint check-migrations
	$(PY) -m pytest -W error

clean:
	rm -rf $(VENV) var
