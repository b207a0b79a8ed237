#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (issue #18).
#   scripts/pg.sh start DIR   initdb in DIR, start it on 127.0.0.1 and a free port (its socket in
#                             DIR too), create database `tracker`, print its URL:
#                             postgres://USER@127.0.0.1:PORT/tracker
#   scripts/pg.sh start-tls DIR
#                             the same with TLS on: DIR/tls holds a throwaway CA (ca.crt), the
#                             server's certificate for localhost and 127.0.0.1 signed by it, a
#                             client certificate (client.crt, client.key; the server asks for one
#                             and checks it against ca.crt, but trust auth does not require it)
#                             and an unrelated CA (other-ca.crt), for tests. The server also
#                             listens on 127.0.0.2, an address its certificate does not name.
#   scripts/pg.sh stop DIR    stop it (fast shutdown) and remove DIR.
#   scripts/pg.sh pause DIR   stop it (fast shutdown) but keep DIR: an outage, for tests.
#   scripts/pg.sh resume DIR  start a paused cluster again, on the same port and options.
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

# A CA, a server certificate for localhost/127.0.0.1 and a client certificate in $1 (EC P-256:
# quick to make), readable by us; the server's key is handed to the cluster's owner.
make_certs() {
  local tls=$1
  command -v openssl >/dev/null || { echo "pg.sh: start-tls needs openssl (Debian's 'openssl')" >&2; exit 3; }
  mkdir -p "$tls"
  (
    cd "$tls"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 2 -subj "/CN=tracker test CA" 2>/dev/null
    openssl req -x509 "${ec[@]}" -keyout other-ca.key -out other-ca.crt -days 2 -subj "/CN=unrelated CA" 2>/dev/null
    openssl req "${ec[@]}" -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2>/dev/null
    openssl req "${ec[@]}" -keyout client.key -out client.csr -subj "/CN=tracker-client" 2>/dev/null
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt 2>/dev/null
    chmod 600 server.key client.key
  ) || { echo "pg.sh: openssl could not make the test certificates in $tls" >&2; exit 1; }
}

start() {
  local dir=$1 tls=${2:-} bin port extra=() listen=127.0.0.1
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
  if [ -n "$tls" ]; then
    make_certs "$dir/tls"
    # PostgreSQL reads its key only when the cluster's owner owns it with mode 0600.
    cp "$dir/tls/server.key" "$dir/server.key"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/server.key"
    chmod 600 "$dir/server.key"
    extra=(-c ssl=on -c "ssl_cert_file=$dir/tls/server.crt" -c "ssl_key_file=$dir/server.key" -c "ssl_ca_file=$dir/tls/ca.crt")
    listen=127.0.0.1,127.0.0.2
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U "$(owner)" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(free_port)
  echo "$port" >"$dir/port"
  # fsync off: a throwaway test cluster; nothing here must survive a machine crash.
  echo "-c listen_addresses=$listen -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 ${extra[*]}" >"$dir/options"
  resume "$dir"
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$(owner)" tracker || { stop "$dir"; exit 1; }
  echo "postgres://$(owner)@127.0.0.1:$port/tracker"
}

# Starts the cluster in $1 with the options `start` saved.
resume() {
  local dir=$1 bin
  bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(cat "$dir/options")" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
}

pause() {
  local dir=$1
  as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
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
  start-tls) [ $# -eq 2 ] || { echo "usage: scripts/pg.sh start-tls DIR" >&2; exit 2; }; start "$2" tls ;;
  stop) [ $# -eq 2 ] || { echo "usage: scripts/pg.sh stop DIR" >&2; exit 2; }; stop "$2" ;;
  pause) [ $# -eq 2 ] || { echo "usage: scripts/pg.sh pause DIR" >&2; exit 2; }; pause "$2" ;;
  resume) [ $# -eq 2 ] || { echo "usage: scripts/pg.sh resume DIR" >&2; exit 2; }; resume "$2" ;;
  *) echo "usage: scripts/pg.sh start DIR | start-tls DIR | stop DIR | pause DIR | resume DIR" >&2; exit 2 ;;
esac
