#!/usr/bin/env bash
# Install the Debian packages the project needs, only those missing: SpatiaLite
# for SQLite and the DejaVu fonts (the PDF receipt's Unicode font); with
# --for-tests also PostgreSQL with PostGIS (the PostGIS half of the tests),
# Chromium and openssl (the browser tests; openssl makes the HTTPS test's
# certificate), Dovecot (the IMAP polling tests start a private instance;
# the system one is not used), rsync (the backup and restore test copies the photo
# folder as the deployment guide does), nginx-light (`nginx -t` checks deploy/nginx; it is
# not started) and Redis (the shared rate-limit counters), which
# it starts on 127.0.0.1:6379 if nothing answers there.
# Usage: scripts/install-system-packages.sh [--for-tests]
set -euo pipefail

want=(libsqlite3-mod-spatialite fonts-dejavu-core)
if [[ "${1:-}" == "--for-tests" ]]; then
  want+=(chromium dovecot-imapd openssl redis-server rsync nginx-light)
  # PostGIS must match the server's major version; install a server if there is none.
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    want+=(postgresql)
  fi
fi

sudo_() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
missing() { for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done; }

todo=($(missing "${want[@]}"))
if ((${#todo[@]})); then
  echo "installing Debian packages: ${todo[*]}"
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${todo[@]}" >/dev/null
fi

if [[ "${1:-}" == "--for-tests" ]]; then
  major=$(ls /usr/lib/postgresql | sort -n | tail -1)
  todo=($(missing "postgresql-${major}-postgis-3"))
  if ((${#todo[@]})); then
    echo "installing Debian packages: ${todo[*]}"
    sudo_ apt-get update -qq
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${todo[@]}" >/dev/null
  fi
fi

if [[ "${1:-}" == "--for-tests" ]]; then
  # The rate-limit tests share counters through Redis on 127.0.0.1:6379: make sure one answers.
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting redis-server on 127.0.0.1:6379"
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null
    for _ in $(seq 50); do
      redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null
  fi
fi
