#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the tests, on loopback only, with trust
# auth and durability off (test data is disposable). Idempotent.
#
#   scripts/postgres.sh [start]   initialise if needed, start if stopped, print the URL
#   scripts/postgres.sh stop      stop it (fast shutdown)
#   scripts/postgres.sh restart   stop and start again
#   scripts/postgres.sh url       print the URL only
#
# `source scripts/postgres.sh` starts it and exports TALKSHOP_TEST_DATABASE=postgres
# and TALKSHOP_TEST_POSTGRES_URL, which make the server tests run on PostgreSQL.
#
# TALKSHOP_PG_PORT (54329) and TALKSHOP_PG_DATA (/tmp/talkshop-pg-$PORT) choose
# another cluster, e.g. a dedicated one that a test restarts.

_pg_main() {
  local port="${TALKSHOP_PG_PORT:-54329}"
  local data="${TALKSHOP_PG_DATA:-/tmp/talkshop-pg-$port}"
  local bin=/usr/lib/postgresql/15/bin
  local url="postgres://postgres@127.0.0.1:$port/postgres"
  local cmd="${1:-start}"

  if [ ! -x "$bin/pg_ctl" ]; then
    echo "postgres.sh: PostgreSQL 15 is not installed (apt-get install postgresql, or scripts/setup.sh)" >&2
    return 1
  fi
  # initdb and postgres refuse to run as root.
  _pg_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
  }
  _pg_running() { _pg_as "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

  case "$cmd" in
    url)
      echo "$url"
      return 0
      ;;
    stop)
      if _pg_running; then _pg_as "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
      return 0
      ;;
    restart)
      if _pg_running; then _pg_as "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
      ;;
    start) ;;
    *)
      echo "usage: postgres.sh [start|stop|restart|url]" >&2
      return 2
      ;;
  esac

  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$data"; fi
    chmod 700 "$data"
    _pg_as "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  if ! _pg_running; then
    _pg_as "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 start >/dev/null
  fi
  export TALKSHOP_TEST_DATABASE=postgres
  export TALKSHOP_TEST_POSTGRES_URL="$url"
  echo "$url"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  _pg_main "$@"
else
  # Sourced: always start (a sourced script sees its caller's arguments).
  _pg_main start
fi
