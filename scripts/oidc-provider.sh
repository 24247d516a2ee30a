#!/usr/bin/env bash
# oidc-provider.sh - a private OpenID Connect provider (django-oidc-provider on Django's server, from PyPI, installed
# by scripts/install-deps.sh into $HYDRA_CACHE/python-oidc-provider) on 127.0.0.1 for the OIDC sign-in tests:
# authorization code flow with PKCE, RS256 ID tokens that carry preferred_username, email and groups.
#   start DIR USERS.json CLIENT_ID CLIENT_SECRET
#                     set up DIR (users and groups from USERS.json: [{username, password, email, groups}], an RSA
#                     key, one confidential client) and start; prints the issuer (http://127.0.0.1:PORT/openid)
#   allow DIR URI     let the client redirect to URI
#   stop DIR          stop it and leave DIR
# Env: HYDRA_OWNER_PID: stop the provider when that process ends (a test run that exits without stopping it).
set -euo pipefail
cmd=${1:?usage: oidc-provider.sh start DIR USERS.json CLIENT_ID CLIENT_SECRET | allow DIR URI | stop DIR}
DIR=${2:?usage: oidc-provider.sh start|allow|stop DIR ...}
HERE=$(cd "$(dirname "$0")" && pwd)
PYDIR=${HYDRA_CACHE:-$HOME/.cache/hydra}/python-oidc-provider
[ -d "$PYDIR/oidc_provider" ] || { echo "oidc-provider.sh: django-oidc-provider is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export PYTHONPATH="$PYDIR:$HERE/oidc-provider" DJANGO_SETTINGS_MODULE=hydra_provider_settings OIDC_PROVIDER_DIR="$DIR"

case "$cmd" in
start)
  USERS=${3:?usage: oidc-provider.sh start DIR USERS.json CLIENT_ID CLIENT_SECRET}
  # The server outlives this script: close descriptors a test runner watches for EOF (255 is bash reading this).
  for fd in $(ls /proc/$$/fd); do
    [ "$fd" -gt 2 ] && [ "$fd" != 255 ] && eval "exec $fd>&-" 2>/dev/null || true
  done
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  echo "$PORT" > "$DIR/port"
  export OIDC_PROVIDER_URL="http://127.0.0.1:$PORT"
  python3 "$HERE/oidc-provider/hydra_provider_setup.py" init "$USERS" "${4:?client id}" "${5:?client secret}" >"$DIR/setup.log" 2>&1 \
    || { cat "$DIR/setup.log" >&2; exit 1; }
  setsid python3 -m django runserver "127.0.0.1:$PORT" --noreload --nothreading >"$DIR/server.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pid"
  for _ in $(seq 1 200); do
    if curl -sf -o /dev/null "$OIDC_PROVIDER_URL/openid/.well-known/openid-configuration"; then
      if [ -n "${HYDRA_OWNER_PID:-}" ]; then
        setsid sh -c "while kill -0 $HYDRA_OWNER_PID 2>/dev/null; do sleep 2; done; kill -9 $(cat "$DIR/pid") 2>/dev/null" >/dev/null 2>&1 < /dev/null &
      fi
      echo "$OIDC_PROVIDER_URL/openid"; exit 0
    fi
    kill -0 "$(cat "$DIR/pid")" 2>/dev/null || break
    sleep 0.1
  done
  cat "$DIR/server.log" >&2
  echo "oidc-provider.sh: the provider did not answer on $OIDC_PROVIDER_URL" >&2; exit 1
  ;;
allow)
  export OIDC_PROVIDER_URL="http://127.0.0.1:$(cat "$DIR/port")"
  python3 "$HERE/oidc-provider/hydra_provider_setup.py" allow "${3:?usage: oidc-provider.sh allow DIR URI}"
  ;;
stop)
  # SIGKILL: a process started with SIGTERM blocked (as some test runners' children are) never sees SIGTERM.
  if [ -f "$DIR/pid" ]; then kill -9 "$(cat "$DIR/pid")" 2>/dev/null || true; fi
  ;;
*)
  echo "usage: oidc-provider.sh start DIR USERS.json CLIENT_ID CLIENT_SECRET | allow DIR URI | stop DIR" >&2; exit 2
  ;;
esac
