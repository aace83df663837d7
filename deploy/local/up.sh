#!/usr/bin/env bash
# One command to run oauthd locally on Debian 12: installs missing packages, builds, starts a private MariaDB,
# migrates, creates an admin user and token, starts `oauthd serve` and `oauthd-gateway`, and prints a working
# token with a curl example. Run it again to restart the stack; it says "running" only once the processes it
# started answer.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

usage() {
  cat <<'USAGE'
Usage: deploy/local/up.sh [up|down]

  up (default)  build, then start (or restart) MariaDB, oauthd and oauthd-gateway; print an admin token
  down          stop the stack, waiting until every process of it has exited
  -h, --help    this text

Environment (defaults in brackets):
  OAUTHD_LOCAL_HTTP_PORT     the gateway's HTTP port [8065]
  OAUTHD_LOCAL_GRPC_PORT     oauthd's gRPC port [50051]
  OAUTHD_LOCAL_METRICS_PORT  oauthd's Prometheus metrics port [gRPC port + 1]
  OAUTHD_LOCAL_SITE_URL      the public URL oauthd announces [http://127.0.0.1:HTTP_PORT]
  OAUTHD_LOCAL_STATE         folder for the database, logs, pid files and the admin user [.local]
  OAUTHD_BUILD_DIR           build folder [build]
USAGE
}

action=up
case $# in
  0) ;;
  1) case "$1" in
       up | down) action=$1 ;;
       -h | --help) usage; exit 0 ;;
       *) echo "up.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
     esac ;;
  *) echo "up.sh: takes at most one argument" >&2; usage >&2; exit 2 ;;
esac

STATE=${OAUTHD_LOCAL_STATE:-$ROOT/.local}
BUILD=${OAUTHD_BUILD_DIR:-$ROOT/build}
GRPC_PORT=${OAUTHD_LOCAL_GRPC_PORT:-50051}
METRICS_PORT=${OAUTHD_LOCAL_METRICS_PORT:-$((GRPC_PORT + 1))}
HTTP_PORT=${OAUTHD_LOCAL_HTTP_PORT:-8065}
SITE_URL=${OAUTHD_LOCAL_SITE_URL:-http://127.0.0.1:$HTTP_PORT}
OAUTHD_BIN=$BUILD/bin/oauthd
GATEWAY_BIN=$BUILD/bin/oauthd-gateway
STOP_WAIT_SECONDS=20   # oauthd drains in-flight calls for up to 10 s after SIGTERM
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

fail() { echo "up.sh: $*" >&2; exit 1; }

# A live process (a zombie has exited; it only waits for its parent to notice).
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# The pid in PIDFILE if that process is alive and runs BINARY (a stale pid file may name a reused pid).
our_pid() {
  local pidfile=$1 binary=$2 pid
  [ -s "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  alive "$pid" && [ "$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1)" = "$binary" ] && echo "$pid"
}

# SIGTERM, then wait (bounded) until the process has exited, so that its ports are free again.
stop_process() {
  local name=$1 pidfile=$2 binary=$3 pid
  if pid=$(our_pid "$pidfile" "$binary"); then
    echo ">> stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((STOP_WAIT_SECONDS * 10))); do
      alive "$pid" || break
      sleep 0.1
    done
    alive "$pid" && fail "$name (pid $pid) is still running ${STOP_WAIT_SECONDS}s after SIGTERM; stop it (kill -9 $pid) and run again"
  fi
  rm -f "$pidfile"
}

stop_stack() {
  stop_process oauthd-gateway "$STATE/gateway.pid" "$GATEWAY_BIN"
  stop_process oauthd "$STATE/oauthd.pid" "$OAUTHD_BIN"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port the stack needs must be free once our own processes are gone; name whoever holds it, and the knob.
require_free_port() {
  local port=$1 variable=$2 holder=""
  port_in_use "$port" || return 0
  command -v ss >/dev/null && holder=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:(.*)' | head -n 1)
  fail "port $port is in use by another program${holder:+ ($holder)}; set $variable to use another port"
}

# Waits until the process we started logs that it is serving; fails at once if it exits first.
wait_serving() {
  local name=$1 pid=$2 log=$3 pattern=$4
  for _ in $(seq 1 150); do
    alive "$pid" || { echo "up.sh: $name exited during start-up; its log ($log):" >&2; cat "$log" >&2; exit 1; }
    grep -q "$pattern" "$log" && return 0
    sleep 0.1
  done
  echo "up.sh: $name (pid $pid) did not start serving within 15 s; its log ($log):" >&2; cat "$log" >&2; exit 1
}

if [ "$action" = down ]; then
  stop_stack
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
"$OAUTHD_BIN" migrate

if [ ! -s "$STATE/admin_user_id" ]; then
  "$OAUTHD_BIN" user create --username=admin --email=admin@localhost \
    --roles="system_user system_admin" >"$STATE/admin_user_id"
fi
TOKEN=$("$OAUTHD_BIN" session create --user="$(cat "$STATE/admin_user_id")")

stop_stack
require_free_port "$GRPC_PORT" OAUTHD_LOCAL_GRPC_PORT
require_free_port "$METRICS_PORT" OAUTHD_LOCAL_METRICS_PORT
require_free_port "$HTTP_PORT" OAUTHD_LOCAL_HTTP_PORT

echo ">> starting oauthd on 127.0.0.1:$GRPC_PORT (log: $STATE/oauthd.log)"
"$OAUTHD_BIN" serve --grpc-listen="127.0.0.1:$GRPC_PORT" --site-url="$SITE_URL" \
  --enable-dynamic-client-registration=true --metrics-listen="127.0.0.1:$METRICS_PORT" \
  --trusted-proxies=127.0.0.1/32 >"$STATE/oauthd.log" 2>&1 &
OAUTHD_PID=$!
echo "$OAUTHD_PID" >"$STATE/oauthd.pid"
wait_serving oauthd "$OAUTHD_PID" "$STATE/oauthd.log" "serving gRPC on port $GRPC_PORT"

echo ">> starting oauthd-gateway on 127.0.0.1:$HTTP_PORT (log: $STATE/gateway.log)"
"$GATEWAY_BIN" --listen="127.0.0.1:$HTTP_PORT" --upstream="127.0.0.1:$GRPC_PORT" \
  >"$STATE/gateway.log" 2>&1 &
GATEWAY_PID=$!
echo "$GATEWAY_PID" >"$STATE/gateway.pid"
wait_serving oauthd-gateway "$GATEWAY_PID" "$STATE/gateway.log" "serving HTTP on port $HTTP_PORT"

# Prove the stack answers, through the processes started above, before saying so.
curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HTTP_PORT/api/v4/oauth/apps" \
  || fail "the API did not answer; see $STATE/oauthd.log and $STATE/gateway.log"
alive "$OAUTHD_PID" || fail "oauthd exited; see $STATE/oauthd.log"
alive "$GATEWAY_PID" || fail "oauthd-gateway exited; see $STATE/gateway.log"

cat <<MSG

oauthd is running.
  HTTP (REST): http://127.0.0.1:$HTTP_PORT   (oauthd-gateway, pid $GATEWAY_PID)
  gRPC:        127.0.0.1:$GRPC_PORT            (oauthd, pid $OAUTHD_PID; health checking and reflection on)
  metrics:     http://127.0.0.1:$METRICS_PORT/metrics and http://127.0.0.1:$HTTP_PORT/metrics
  database:    $OAUTHD_DB
  admin token: $TOKEN

Try it:
  curl -s -X POST http://127.0.0.1:$HTTP_PORT/api/v4/oauth/apps -H 'Authorization: Bearer $TOKEN' \\
    -d '{"name":"My app","callback_urls":["http://localhost:3000/cb"],"homepage":"http://localhost:3000"}'
  curl -s http://127.0.0.1:$HTTP_PORT/api/v4/oauth/apps -H 'Authorization: Bearer $TOKEN'
  curl -s http://127.0.0.1:$HTTP_PORT/.well-known/oauth-authorization-server

Stop everything with: deploy/local/up.sh down
MSG
