#!/usr/bin/env bash
# slapd.sh - a private OpenLDAP directory (Debian's slapd) on 127.0.0.1 for tests: suffix dc=hydra,dc=test, an
# administrator cn=admin,dc=hydra,dc=test, and whatever LDIF the caller gives, loaded with slapadd before the
# server starts. Anonymous clients may only bind; signed-in entries read everything but passwords. When DIR holds
# tls.crt and tls.key (PEM) before the first start, the server also takes StartTLS and listens for LDAPS.
#   start DIR LDIF   create DIR (when new), load LDIF, start; prints ldap://127.0.0.1:PORT (and, with TLS, a second
#                    line ldaps://127.0.0.1:PORT)
#   stop DIR         stop it and leave DIR
# Env: HYDRA_LDAP_ADMIN_PASSWORD (default: hydra-ldap-admin); HYDRA_OWNER_PID: kill the server when that process
# ends (a test run that crashes or exits without stopping it).
set -euo pipefail
cmd=${1:?usage: slapd.sh start DIR LDIF | stop DIR}
DIR=${2:?usage: slapd.sh start DIR LDIF | stop DIR}
SLAPD=/usr/sbin/slapd
[ -x "$SLAPD" ] || { echo "slapd.sh: slapd is not installed (apt-get install slapd)" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  LDIF=${3:?usage: slapd.sh start DIR LDIF}
  # The server outlives this script: close descriptors a test runner watches for EOF (255 is bash reading this).
  for fd in $(ls /proc/$$/fd); do
    [ "$fd" -gt 2 ] && [ "$fd" != 255 ] && eval "exec $fd>&-" 2>/dev/null || true
  done
  DIR=$(mkdir -p "$DIR" && cd "$DIR" && pwd)
  if [ ! -f "$DIR/slapd.conf" ]; then
    mkdir -p "$DIR/db"
    cat > "$DIR/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $DIR/slapd.pid
argsfile $DIR/slapd.args
database mdb
maxsize 104857600
suffix "dc=hydra,dc=test"
rootdn "cn=admin,dc=hydra,dc=test"
rootpw ${HYDRA_LDAP_ADMIN_PASSWORD:-hydra-ldap-admin}
directory $DIR/db
access to attrs=userPassword by anonymous auth by * none
access to * by users read by anonymous auth
CONF
    if [ -f "$DIR/tls.crt" ] && [ -f "$DIR/tls.key" ]; then
      printf 'TLSCertificateFile %s\nTLSCertificateKeyFile %s\n' "$DIR/tls.crt" "$DIR/tls.key" > "$DIR/tls.conf"
    fi
    "$SLAPD" -T add -f "$DIR/slapd.conf" -l "$LDIF" >"$DIR/slapadd.log" 2>&1 || { cat "$DIR/slapadd.log" >&2; exit 1; }
  fi
  PORT=$(free_port)
  echo "$PORT" > "$DIR/port"
  LISTEN="ldap://127.0.0.1:$PORT/"
  CONF="$DIR/slapd.conf"
  if [ -f "$DIR/tls.conf" ]; then
    # The TLS settings go in the global section, before the database: a copy of the file with them first.
    cat "$DIR/tls.conf" "$DIR/slapd.conf" > "$DIR/slapd-tls.conf"
    CONF="$DIR/slapd-tls.conf"
    TLS_PORT=$(free_port)
    LISTEN="$LISTEN ldaps://127.0.0.1:$TLS_PORT/"
  fi
  "$SLAPD" -f "$CONF" -h "$LISTEN" -s 0 >"$DIR/slapd.log" 2>&1 || { cat "$DIR/slapd.log" >&2; exit 1; }
  # slapd forks once it listens; wait for the port to answer.
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $PORT)))"; then
      if [ -n "${HYDRA_OWNER_PID:-}" ]; then
        setsid sh -c "while kill -0 $HYDRA_OWNER_PID 2>/dev/null; do sleep 2; done; kill -9 \$(cat '$DIR/slapd.pid') 2>/dev/null" >/dev/null 2>&1 < /dev/null &
      fi
      echo "ldap://127.0.0.1:$PORT"
      [ -z "${TLS_PORT:-}" ] || echo "ldaps://127.0.0.1:$TLS_PORT"
      exit 0
    fi
    sleep 0.1
  done
  echo "slapd.sh: slapd did not start listening on 127.0.0.1:$PORT" >&2; exit 1
  ;;
stop)
  if [ -f "$DIR/slapd.pid" ]; then
    pid=$(cat "$DIR/slapd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    # A process started with SIGTERM blocked (as some test runners' children are) never sees it.
    kill -9 "$pid" 2>/dev/null || true
  fi
  ;;
*)
  echo "usage: slapd.sh start DIR LDIF | stop DIR" >&2; exit 2
  ;;
esac
