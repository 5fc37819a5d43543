#!/usr/bin/env bash
# Make sure a local PostgreSQL with PostGIS is running and has the database
# `citizencare_test`; print an SQLAlchemy URL for it on stdout (messages go to stderr).
# The test fixtures connect there and create a fresh database per run.
set -euo pipefail

db=citizencare_test
sudo_() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [[ $(id -un) == postgres ]]; then "$@"; else sudo_ runuser -u postgres -- "$@"; fi; }

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  major=$(ls /usr/lib/postgresql | sort -n | tail -1)
  echo "starting PostgreSQL ${major}" >&2
  if ! pg_lsclusters -h 2>/dev/null | grep -q "^${major} main"; then
    sudo_ pg_createcluster "${major}" main >&2
  fi
  sudo_ pg_ctlcluster --skip-systemctl-redirect "${major}" main start >&2 || sudo_ pg_ctlcluster "${major}" main start >&2
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# Prefer TCP as `postgres` (trust auth, as on CI machines); else the socket as
# ourselves, with a superuser role of our own name made by the postgres account.
if psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
  psql_() { psql -h 127.0.0.1 -U postgres "$@"; }
  base="postgresql+psycopg://postgres@127.0.0.1:5432"
else
  me=$(id -un)
  as_postgres psql -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '${me}'" | grep -q 1 \
    || as_postgres psql -d postgres -qc "CREATE ROLE \"${me}\" LOGIN SUPERUSER" >&2
  psql_() { psql -h /var/run/postgresql "$@"; }
  base="postgresql+psycopg:///"
fi

psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '${db}'" | grep -q 1 \
  || psql_ -d postgres -qc "CREATE DATABASE ${db}" >&2
psql_ -d "${db}" -qc "CREATE EXTENSION IF NOT EXISTS postgis" >&2

if [[ "${base}" == "postgresql+psycopg:///" ]]; then
  echo "postgresql+psycopg:///${db}?host=/var/run/postgresql"
else
  echo "${base}/${db}"
fi
