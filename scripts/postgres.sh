#!/usr/bin/env bash
# Install (Debian package) and start a local PostgreSQL with the role and database `hn` (password
# `hn`), starting it unless one already answers on 127.0.0.1:5432. Used by CI (.ci/run) and `make bench`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "Installation de PostgreSQL (paquet Debian)..."
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  fi
  pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_lsclusters -h | grep -q "^${pg_version} main" || pg_createcluster "$pg_version" main
  pg_ctlcluster "$pg_version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
fi
# A server already running (started by hand, or by an earlier run) may still lack the role: the
# role and the database are ensured whenever the local `postgres` account can reach the server.
if ! id postgres >/dev/null 2>&1; then
  exit 0
fi
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='hn'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE hn LOGIN SUPERUSER PASSWORD 'hn'\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='hn'\"" | grep -q 1 \
  || su postgres -c "createdb -O hn hn"
