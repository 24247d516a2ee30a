#!/usr/bin/env bash
# postgres.sh - a private PostgreSQL server (Debian's, `initdb` + `pg_ctl`) on 127.0.0.1 for tests and benchmarks.
# It runs as the `postgres` system user when started by root (PostgreSQL refuses to run as root), listens on
# 127.0.0.1:PORT only (its Unix socket in DIR), and has one superuser `hydra` with a password (SCRAM-SHA-256), so
# tests connect exactly as a deployment would. fsync stays on: the crash tests rely on what PostgreSQL promises.
#   start DIR [PORT]  initdb into DIR (when empty) and start; prints the database URL (postgres://hydra:…@127.0.0.1:PORT/postgres)
#   stop DIR          stop it (fast shutdown) and leave DIR
#   url DIR           print the URL of a running server
# Env: HYDRA_PG_PASSWORD (default: hydra-test-password)
set -euo pipefail
cmd=${1:?usage: postgres.sh start|stop|url DIR [PORT]}
DIR=${2:?usage: postgres.sh start|stop|url DIR [PORT]}
PORT=${3:-}
PASSWORD=${HYDRA_PG_PASSWORD:-hydra-test-password}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/initdb" ] || { echo "postgres.sh: PostgreSQL's server is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

url() { echo "postgres://hydra:$PASSWORD@127.0.0.1:$(cat "$DIR/port")/postgres"; }

case "$cmd" in
start)
  # The server outlives this script: it must not inherit descriptors the caller watches for EOF (a test runner's
  # pipes or process-exit sockets), or the caller waits for it forever. 255 is bash reading this script.
  for fd in $(ls /proc/$$/fd); do
    [ "$fd" -gt 2 ] && [ "$fd" != 255 ] && eval "exec $fd>&-" 2>/dev/null || true
  done
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    printf '%s\n' "$PASSWORD" > "$DIR/pwfile"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR/pwfile"
    as_owner "$BIN/initdb" -D "$DIR/data" -U hydra --pwfile="$DIR/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    rm -f "$DIR/pwfile"
  fi
  if as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then url; exit 0; fi
  [ -n "$PORT" ] || PORT=$(free_port)
  echo "$PORT" > "$DIR/port"
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=300 -c shared_buffers=128MB" start >/dev/null \
    || { tail -20 "$DIR/server.log" >&2; exit 1; }
  url
  ;;
stop)
  [ -d "$DIR/data" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  ;;
url)
  url
  ;;
*)
  echo "usage: postgres.sh start|stop|url DIR [PORT]" >&2; exit 2
  ;;
esac
