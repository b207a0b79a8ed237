#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (issue #18).
#   scripts/pg.sh start DIR   initdb in DIR, start it on 127.0.0.1 and a free port (its socket in
#                             DIR too), create database `tracker`, print its URL:
#                             postgres://USER@127.0.0.1:PORT/tracker
#   scripts/pg.sh stop DIR    stop it (fast shutdown) and remove DIR.
# Finds Debian's binaries (/usr/lib/postgresql/N/bin) when they are not on PATH. initdb refuses
# root, so as root the cluster runs as the `postgres` user (created when missing).
set -euo pipefail

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then
    echo "$d"
  elif command -v pg_ctl >/dev/null && command -v createdb >/dev/null; then
    dirname "$(command -v pg_ctl)"
  else
    echo "pg.sh: PostgreSQL is not installed (no pg_ctl in /usr/lib/postgresql/*/bin or on PATH); install Debian's 'postgresql'" >&2
    exit 3
  fi
}

# Runs a command as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

owner() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir=$1 bin port
  bin=$(bindir)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
    chown postgres "$dir"
    runuser -u postgres -- test -w "$dir" || {
      echo "pg.sh: user postgres cannot reach $dir (a parent folder is private); use a folder under one it can enter, e.g. mktemp -d then chmod 755" >&2
      exit 1
    }
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U "$(owner)" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  echo "$port" >"$dir/port"
  # fsync off: a throwaway test cluster; nothing here must survive a machine crash.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$(owner)" tracker || { stop "$dir"; exit 1; }
  echo "postgres://$(owner)@127.0.0.1:$port/tracker"
}

stop() {
  local dir=$1 bin
  [ -d "$dir/data" ] || { rm -rf "$dir"; return 0; }
  bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || { echo "usage: scripts/pg.sh start DIR" >&2; exit 2; }; start "$2" ;;
  stop) [ $# -eq 2 ] || { echo "usage: scripts/pg.sh stop DIR" >&2; exit 2; }; stop "$2" ;;
  *) echo "usage: scripts/pg.sh start DIR | stop DIR" >&2; exit 2 ;;
esac
