#!/usr/bin/env bash
# One command to run oauthd locally on Debian 12: installs missing packages, builds, starts a private MariaDB
# (in .local/db), migrates, creates an admin user and token, starts `oauthd serve`, and prints what to do next.
#   deploy/local/up.sh          start (or restart) the stack
#   deploy/local/up.sh down     stop it
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
STATE=$ROOT/.local
BUILD=${OAUTHD_BUILD_DIR:-$ROOT/build}
GRPC_PORT=${OAUTHD_LOCAL_GRPC_PORT:-50051}
mkdir -p "$STATE"

stop_pid() { [ -f "$1" ] && kill "$(cat "$1")" 2>/dev/null || true; rm -f "$1"; }

if [ "${1:-}" = down ]; then
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

echo ">> starting oauthd on 127.0.0.1:$GRPC_PORT (log: $STATE/oauthd.log)"
stop_pid "$STATE/oauthd.pid"
"$BUILD/bin/oauthd" serve --grpc-listen="127.0.0.1:$GRPC_PORT" >"$STATE/oauthd.log" 2>&1 &
echo $! >"$STATE/oauthd.pid"
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$GRPC_PORT") 2>/dev/null && break; sleep 0.1; done
(exec 3<>"/dev/tcp/127.0.0.1/$GRPC_PORT") 2>/dev/null || { cat "$STATE/oauthd.log"; exit 1; }

cat <<MSG

oauthd is running.
  gRPC:        127.0.0.1:$GRPC_PORT (health checking and reflection on)
  database:    $OAUTHD_DB
  admin token: $TOKEN

Try it (with grpcurl, if you have it):
  grpcurl -plaintext -H 'authorization: Bearer $TOKEN' 127.0.0.1:$GRPC_PORT list
The HTTP gateway (curl http://127.0.0.1:8065/api/v4/oauth/apps -H 'Authorization: Bearer $TOKEN')
joins this stack with the gateway issue.
Stop everything with: deploy/local/up.sh down
MSG
