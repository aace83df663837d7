#!/usr/bin/env bash
# The benchmark harness (see bench/README.md): builds Release, starts a private MariaDB, seeds the data set,
# starts the real binaries plus the ceilings, drives every operation, and prints one table (rps, p50, p99, ratio to
# its ceiling measured in the same run), also written to bench/results/latest.json.
#   bench/run.sh [--scale N] [--seconds S] [--compare FILE]
#     --scale N      data set size: N × (100,000 apps over 1,000 creators, 100,000 sessions, 1,000,000 preferences)
#     --seconds S    measured seconds per operation (default 5; each also gets 1 s of warm-up)
#     --compare FILE bench/results/scaleN.jsonl of another run: also prints this run's list latencies as ratios
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCALE=1 SECONDS_PER_OP=5 COMPARE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --seconds) SECONDS_PER_OP=$2; shift 2 ;;
    --compare) COMPARE=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$SCALE" =~ ^[1-9][0-9]*$ && "$SECONDS_PER_OP" =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --scale and --seconds take positive integers" >&2; exit 2; }
[ -z "$COMPARE" ] || [ -f "$COMPARE" ] || { echo "bench/run.sh: no such file $COMPARE" >&2; exit 2; }

BUILD=${OAUTHD_BENCH_BUILD_DIR:-$ROOT/build-release}
STATE=$BUILD/bench-state
RESULTS=$ROOT/bench/results
mkdir -p "$STATE" "$RESULTS"
LINES=$STATE/results.jsonl
: >"$LINES"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  deploy/lib/mariadb.sh stop "$STATE/db" || true
}
trap cleanup EXIT
step() { echo ">> $(date +%H:%M:%S) $*"; }

# shellcheck source=../deploy/lib/packages.sh
source deploy/lib/packages.sh
oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}" wrk

step "building Release in $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DOAUTHD_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target oauthd oauthd-gateway oauthd-bench-echo oauthd-bench-grpc \
  oauthd-bench-http-fixed oauthd-bench-db
BIN=$BUILD/bin

step "starting MariaDB"
PORT=$(deploy/lib/mariadb.sh start "$STATE/db")
DBNAME=bench_s$SCALE
mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd -e "DROP DATABASE IF EXISTS $DBNAME; CREATE DATABASE $DBNAME"
DB=$(deploy/lib/mariadb.sh url "$STATE/db" "$DBNAME")
"$BIN/oauthd" migrate --db="$DB" 2>/dev/null

APPS=$((100000 * SCALE)) USERS=$((10000 * SCALE)) CREATORS=$((1000 * SCALE))
SESSIONS=$((100000 * SCALE)) PREFERENCES=$((1000000 * SCALE))
step "seeding: $APPS apps over $CREATORS creators, $USERS users, $SESSIONS sessions, $PREFERENCES preferences, $SESSIONS codes"
sed -e "s/@APPS@/$APPS/g" -e "s/@USERS@/$USERS/g" -e "s/@CREATORS@/$CREATORS/g" -e "s/@SESSIONS@/$SESSIONS/g" \
    -e "s/@PREFERENCES@/$PREFERENCES/g" bench/seed.sql.in |
  mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd "$DBNAME" >/dev/null
step "seeded"

# start_server NAME LOG CMD...: starts a server that reports "port N" (bench tools print it, oauthd and the gateway
# log it), records its pid for cleanup, and sets NAME_PORT and NAME_PID.
start_server() {
  local name=$1 log=$2; shift 2
  "$@" >"$log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local port=""
  for _ in $(seq 1 100); do
    port=$(grep -oE 'port [0-9]+' "$log" 2>/dev/null | head -1 | awk '{print $2}' || true)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "server did not start: $*" >&2; cat "$log" >&2; exit 1; }
  printf -v "${name}_PORT" '%s' "$port"
  printf -v "${name}_PID" '%s' "$pid"
}

start_server ECHO "$STATE/echo.log" "$BIN/oauthd-bench-echo"
start_server FIXED "$STATE/fixed.log" "$BIN/oauthd-bench-http-fixed"
start_server GRPC "$STATE/oauthd.log" "$BIN/oauthd" serve --db="$DB" --grpc-listen=127.0.0.1:0 \
  --site-url=https://chat.example.com --enable-dynamic-client-registration=true \
  --dcr-rate-limit=1000000 --dcr-rate-burst=1000000
start_server HTTP "$STATE/gateway.log" "$BIN/oauthd-gateway" --listen=127.0.0.1:0 \
  --upstream="127.0.0.1:$GRPC_PORT" --log-requests=false
OAUTHD_PID=$GRPC_PID
GATEWAY_PID=$HTTP_PID
# oauthd's per-request log lines go to a file; the gateway's are off, so neither measures the terminal.

grpc() {  # grpc OP IN_FLIGHT [extra flags]
  local op=$1 n=$2; shift 2
  local target=127.0.0.1:$GRPC_PORT
  [ "$op" = echo ] && target=127.0.0.1:$ECHO_PORT
  step "gRPC $op ($n in flight)"
  "$BIN/oauthd-bench-grpc" --target="$target" --op="$op" --in-flight="$n" --seconds="$SECONDS_PER_OP" \
    --scale="$SCALE" "$@" | tee -a "$LINES"
}

wrk_run() {  # wrk_run NAME URL [wrk args]
  local name=$1 url=$2; shift 2
  step "HTTP $name (wrk, 64 connections)"
  wrk -t2 -c64 -d1s "$@" "$url" >/dev/null 2>&1 || true  # warm-up
  local out; out=$(wrk -t2 -c64 -d"${SECONDS_PER_OP}s" --latency "$@" "$url")
  echo "$out" | awk -v op="$name" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
    /requests in/ { count = $1 } /Non-2xx or 3xx responses:/ { errors = $5 }
    END { printf "{\"op\":\"%s\",\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"count\":%d,\"errors\":%d}\n",
          op, rps, p50, p99, count, errors + 0 }' | tee -a "$LINES"
}

# Ceilings first, then the operations.
grpc echo 32
for op in GetOAuthApp GetOAuthAppInfo GetOAuthApps_owner GetOAuthApps_systemwide GetAuthorizedOAuthAppsForUser \
          CreateOAuthApp UpdateOAuthApp RegenerateOAuthAppSecret GetAuthorizationServerMetadata RegisterOAuthClient; do
  grpc "$op" 32
done
grpc AccessToken 8
step "database: PK SELECT and single-row INSERT through Connector/C++ (2 threads)"
"$BIN/oauthd-bench-db" --db="$DB" --op=select --seconds="$SECONDS_PER_OP" --apps="$APPS" | tee -a "$LINES"
"$BIN/oauthd-bench-db" --db="$DB" --op=insert --seconds="$SECONDS_PER_OP" | tee -a "$LINES"
wrk_run http_fixed_ceiling "http://127.0.0.1:$FIXED_PORT/"
BENCH_APPS=$APPS BENCH_TOKEN=admintoken0000000000000000 \
  wrk_run http_GetOAuthApp "http://127.0.0.1:$HTTP_PORT" -s bench/wrk/get_app.lua
wrk_run http_metadata "http://127.0.0.1:$HTTP_PORT/.well-known/oauth-authorization-server"

rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
OAUTHD_RSS=$(rss_mb "$OAUTHD_PID")
GATEWAY_RSS=$(rss_mb "$GATEWAY_PID")
EXPLAIN=$(mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd "$DBNAME" -N -e "
  EXPLAIN SELECT o.Id FROM OAuthApps o WHERE o.CreatorId = 'usr00000000000000000000001' ORDER BY o.CreateAt, o.Id LIMIT 60;
  EXPLAIN SELECT o.Id FROM OAuthApps o ORDER BY o.CreateAt, o.Id LIMIT 60;
  EXPLAIN SELECT o.Id FROM OAuthApps o INNER JOIN Preferences p ON p.Name = o.Id AND p.UserId = 'usr00000000000000000000001' AND p.Category = 'oauth_app' ORDER BY o.CreateAt, o.Id LIMIT 60;" |
  awk -F'\t' '{ printf "%s%s: type=%s key=%s rows=%s extra=%s", (NR > 1 ? "; " : ""), $3, $4, $6, $9, $10 }')

# One table, ratios against the ceilings of this same run.
awk -v scale="$SCALE" -v oauthd_rss="$OAUTHD_RSS" -v gateway_rss="$GATEWAY_RSS" -v compare="$COMPARE" \
    -v explain="$EXPLAIN" -v out="$RESULTS/latest.json" '
  function field(line, name,   m) { if (match(line, "\"" name "\":\"?[^,\"}]*")) { m = substr(line, RSTART, RLENGTH); sub(/^"[^"]*":"?/, "", m); return m } return "" }
  FNR == NR && compare != "" { if ($0 ~ /"op"/) { base_p50[field($0, "op")] = field($0, "p50_ms"); base_p99[field($0, "op")] = field($0, "p99_ms") } next }
  { op = field($0, "op"); ops[++n] = op; rps[op] = field($0, "rps"); p50[op] = field($0, "p50_ms"); p99[op] = field($0, "p99_ms"); err[op] = field($0, "errors") }
  END {
    ceiling_of["GetAuthorizationServerMetadata"] = "echo"
    printf "\n%-32s %10s %9s %9s %8s %-20s %6s\n", "operation", "rps", "p50 ms", "p99 ms", "ratio", "ceiling", "errors"
    json = sprintf("{\"scale\":%d,\"peak_rss_mb\":{\"oauthd\":%s,\"gateway\":%s},\"plans\":\"%s\",\"results\":[", scale, oauthd_rss, gateway_rss, explain)
    for (i = 1; i <= n; i++) {
      op = ops[i]; c = ""
      if (op ~ /^http_/ && op != "http_fixed_ceiling") c = "http_fixed_ceiling"
      else if (op == "CreateOAuthApp") c = "db_insert"
      else if (op !~ /^(echo|db_|http_)/) c = "echo"
      ratio = (c != "" && rps[c] > 0) ? sprintf("%.2f", rps[op] / rps[c]) : "-"
      printf "%-32s %10.0f %9.3f %9.3f %8s %-20s %6s\n", op, rps[op], p50[op], p99[op], ratio, (c == "" ? "(ceiling)" : c), err[op]
      json = json sprintf("%s{\"op\":\"%s\",\"rps\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"errors\":%s,\"ceiling\":\"%s\",\"ratio\":%s}",
                          (i > 1 ? "," : ""), op, rps[op], p50[op], p99[op], err[op], c, (ratio == "-" ? "null" : ratio))
    }
    printf "\npeak RSS: oauthd %s MB, gateway %s MB\n", oauthd_rss, gateway_rss
    printf "list query plans: %s\n", explain
    if (compare != "") {
      printf "\nlatency against %s:\n", compare
      split("GetOAuthApps_owner GetOAuthApps_systemwide GetAuthorizedOAuthAppsForUser", cmp, " ")
      for (k = 1; k <= 3; k++) if (base_p50[cmp[k]] > 0)
        printf "  %-32s p50 %.2fx  p99 %.2fx\n", cmp[k], p50[cmp[k]] / base_p50[cmp[k]], p99[cmp[k]] / base_p99[cmp[k]]
    }
    print json "]}" > out
  }' ${COMPARE:+"$COMPARE"} "$LINES"
cp "$RESULTS/latest.json" "$RESULTS/scale$SCALE.json"
cp "$LINES" "$RESULTS/scale$SCALE.jsonl"
echo "results: $RESULTS/latest.json"
