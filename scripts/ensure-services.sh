#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL, Redis and nginx are installed for the cluster and its
# tests (infra/scratch starts them in a scratch folder; no system service is used).
set -euo pipefail

missing=()
command -v pg_ctl >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null \
  || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${#missing[@]}" -gt 0 ]; then
  "$(dirname "$0")/apt-install.sh" "the cluster (PostgreSQL, Redis, nginx)" "${missing[@]}"
  # Debian starts a package's service at install; the project starts its own.
  for service in postgresql redis-server nginx; do
    if command -v service >/dev/null; then service "$service" stop >/dev/null 2>&1 || true; fi
  done
fi
