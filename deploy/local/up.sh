#!/usr/bin/env bash
# One command to run oauthd locally on Debian 12: installs missing packages, builds, starts a private MariaDB
# (in .local/db), migrates, creates an admin user and token, starts `oauthd serve` and `oauthd-gateway`, and prints
# a working token with a curl example.
#   deploy/local/up.sh          start (or restart) the stack
#   deploy/local/up.sh down     stop it
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
STATE=$ROOT/.local
BUILD=${OAUTHD_BUILD_DIR:-$ROOT/build}
GRPC_PORT=${OAUTHD_LOCAL_GRPC_PORT:-50051}
HTTP_PORT=${OAUTHD_LOCAL_HTTP_PORT:-8065}
SITE_URL=${OAUTHD_LOCAL_SITE_URL:-http://127.0.0.1:$HTTP_PORT}
mkdir -p "$STATE"

stop_pid() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; rm -f "$1"; }

wait_port() {
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing answers on port $1; log:" >&2; cat "$2" >&2; exit 1
}

if [ "${1:-}" = down ]; then
  stop_pid "$STATE/gateway.pid"
  stop_pid "$STATE/oauthd.pid"
  deploy/lib/mariadb.sh stop "$STATE/db"
  echo "stopped"
  exit 0
fi

# shellcheck source=../lib/packages.sh
source deploy/lib/packages.sh
oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}"

echo ">> building (build dir: $BUILD)"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j2 --target oauthd oauthd-gateway

echo ">> starting MariaDB"
PORT=$(deploy/lib/mariadb.sh start "$STATE/db")
mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd -e "CREATE DATABASE IF NOT EXISTS oauthd"
export OAUTHD_DB
OAUTHD_DB=$(deploy/lib/mariadb.sh url "$STATE/db" oauthd)

echo ">> migrating"
"$BUILD/bin/oauthd" migrate

if [ ! -s "$STATE/admin_user_id" ]; then
  "$BUILD/bin/oauthd" user create --username=admin --email=admin@localhost \
    --roles="system_user system_admin" >"$STATE/admin_user_id"
fi
TOKEN=$("$BUILD/bin/oauthd" session create --user="$(cat "$STATE/admin_user_id")")

stop_pid "$STATE/gateway.pid"
stop_pid "$STATE/oauthd.pid"
echo ">> starting oauthd on 127.0.0.1:$GRPC_PORT (log: $STATE/oauthd.log)"
"$BUILD/bin/oauthd" serve --grpc-listen="127.0.0.1:$GRPC_PORT" --site-url="$SITE_URL" \
  --enable-dynamic-client-registration=true --metrics-listen="127.0.0.1:$((GRPC_PORT + 1))" \
  >"$STATE/oauthd.log" 2>&1 &
echo $! >"$STATE/oauthd.pid"
wait_port "$GRPC_PORT" "$STATE/oauthd.log"
echo ">> starting oauthd-gateway on 127.0.0.1:$HTTP_PORT (log: $STATE/gateway.log)"
"$BUILD/bin/oauthd-gateway" --listen="127.0.0.1:$HTTP_PORT" --upstream="127.0.0.1:$GRPC_PORT" \
  >"$STATE/gateway.log" 2>&1 &
echo $! >"$STATE/gateway.pid"
wait_port "$HTTP_PORT" "$STATE/gateway.log"

# Prove the stack answers before saying so.
curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT/api/v4/oauth/apps" \
  || { echo "the API did not answer; see $STATE/*.log" >&2; exit 1; }

cat <<MSG

oauthd is running.
  HTTP (REST): http://127.0.0.1:$HTTP_PORT   (oauthd-gateway)
  gRPC:        127.0.0.1:$GRPC_PORT            (oauthd; health checking and reflection on)
  metrics:     http://127.0.0.1:$((GRPC_PORT + 1))/metrics and http://127.0.0.1:$HTTP_PORT/metrics
  database:    $OAUTHD_DB
  admin token: $TOKEN

Try it:
  curl -s -X POST http://127.0.0.1:$HTTP_PORT/api/v4/oauth/apps -H 'Authorization: Bearer $TOKEN' \\
    -d '{"name":"My app","callback_urls":["http://localhost:3000/cb"],"homepage":"http://localhost:3000"}'
  curl -s http://127.0.0.1:$HTTP_PORT/api/v4/oauth/apps -H 'Authorization: Bearer $TOKEN'
  curl -s http://127.0.0.1:$HTTP_PORT/.well-known/oauth-authorization-server

Stop everything with: deploy/local/up.sh down
MSG
