# Two entry points (README "Quick start"): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PLAYWRIGHT_CHROMIUM_EXECUTABLE ?= /usr/bin/chromium

.PHONY: install run test test-rapide lint lint-imports check-migrations system-deps system-test-deps bench charge clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Without REDIS_URL the periodic tasks (deadlines, e-mails) run in `manage.py planificateur`,
# started beside the web server and stopped with it; with REDIS_URL, run a Celery worker and
# beat instead (README).
#
# `make run` is the local mode of hn/settings.py (README "Sécurité"): DEBUG off (the platform's
# own error pages), a secret generated once into var/, plain http on 127.0.0.1 (no HTTPS
# redirect, HSTS or secure cookies), static files from the sources, no second factor required.
# The demo data needs --force with DEBUG off: the local mode is not production.
run: export HN_LOCAL := true
run: export MFA_OBLIGATOIRE ?= false
run: install system-deps
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo --force
	@echo "Application : http://127.0.0.1:$(PORT)/"
	@if [ -z "$$REDIS_URL" ]; then \
		$(PY) manage.py planificateur & planificateur=$$!; \
		trap 'kill $$planificateur 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver 127.0.0.1:$(PORT); \
	else \
		$(PY) manage.py runserver 127.0.0.1:$(PORT); \
	fi

# Debian libraries of WeasyPrint (the dossier's PDF exports) and a font: installed only when
# one is missing.
SYSTEM_DEPS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core

system-deps:
	@missing=$$(for p in $(SYSTEM_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installation des bibliothèques système (paquets Debian) :" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# Debian's Chromium for the Playwright journeys (no browser download), redis-server for the
# integration tests that start a real Celery worker on their own Redis, and clamd for the
# antivirus tests (each starts its own daemon on a test signature: no virus database download).
system-test-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installation de Chromium (paquet Debian)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "Installation de Redis (paquet Debian)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@test -x /usr/sbin/clamd || { \
		echo "Installation de ClamAV (paquet Debian clamav-daemon)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon >/dev/null; }

lint: install
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

# The one-way dependencies between layers and apps (pyproject.toml [tool.importlinter]).
lint-imports: install
	$(VENV)/bin/lint-imports

check-migrations: export HN_LOCAL := true
check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

# Tests in parallel (pytest-xdist): one process per core, each with its own test database,
# cache (Redis database index) and media folder; the browser journeys share one worker
# (--dist loadgroup). The 25 slowest tests are printed so that they stay visible.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup

test: install system-deps system-test-deps lint lint-imports check-migrations
	$(PY) -m pytest -W error $(PYTEST_PARALLEL) --durations=25

# Daily work: SQLite, no browser, no PostgreSQL-only test, fewer hypothesis examples.
test-rapide: install system-deps lint lint-imports
	env -u DATABASE_URL -u REDIS_URL HYPOTHESIS_PROFILE=rapide \
		$(PY) -m pytest -W error $(PYTEST_PARALLEL) -m "not e2e and not postgres" --durations=10

# Scale benchmark (issue 6), not part of `make test`: a 10x national data set in PostgreSQL
# (generated once, reused), then the measures, then the load test (issue 17: 50 users through
# gunicorn for 2 minutes, CHARGE_DUREE to change); results in bench/results/latest.{json,md}.
# Fails when the load test sees an error or a p95 over its budget.
BENCH_DATABASE_URL ?= postgres://hn:hn@127.0.0.1:5432/hn_bench

bench: install system-deps
	bash scripts/postgres.sh
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installation de wrk (paquet Debian, charge du débit)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
		|| echo "wrk indisponible : le débit sera mesuré avec des fils Python."; }
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.generer
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.mesurer
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.charge

# The load test alone (section « Charge » of bench/results/latest.md), on the same data set.
charge: install system-deps
	bash scripts/postgres.sh
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.generer
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) -m bench.charge

clean:
	rm -rf $(VENV) var
