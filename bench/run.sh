#!/usr/bin/env bash
# The benchmark harness (see bench/README.md): builds Release, starts a private MariaDB, seeds the data set,
# starts the real binaries plus the ceilings, drives every operation, and prints one table (rps, p50, p99, ratio to
# its ceiling measured in the same run), also written to bench/results/latest.json.
#   bench/run.sh [--scale N] [--seconds S] [--compare FILE] [--only REGEX]
#     --scale N      data set size: N × (100,000 apps over 1,000 creators, 100,000 sessions, 1,000,000 preferences)
#     --seconds S    measured seconds per operation (default 5; each also gets 1 s of warm-up)
#     --compare FILE bench/results/scaleN.jsonl of another run: also prints this run's list latencies as ratios
#     --only REGEX   measure only the operations whose names match (e.g. 'GetOAuthApp$|http_'); for iterating
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCALE=1 SECONDS_PER_OP=5 COMPARE="" ONLY="."
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2 ;;
    --seconds) SECONDS_PER_OP=$2; shift 2 ;;
    --compare) COMPARE=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$SCALE" =~ ^[1-9][0-9]*$ && "$SECONDS_PER_OP" =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: --scale and --seconds take positive integers" >&2; exit 2; }
[ -z "$COMPARE" ] || [ -f "$COMPARE" ] || { echo "bench/run.sh: no such file $COMPARE" >&2; exit 2; }

BUILD=${OAUTHD_BENCH_BUILD_DIR:-$ROOT/build-release}
STATE=$BUILD/bench-state
RESULTS=$ROOT/bench/results
mkdir -p "$STATE" "$RESULTS"
LINES=$STATE/results.jsonl CEILINGS=$STATE/ceilings.jsonl
: >"$LINES"
: >"$CEILINGS"
# shellcheck source=lib.sh
source bench/lib.sh
cleanup() {
  bench_cleanup
  deploy/lib/mariadb.sh stop "$STATE/db" || true
}
trap cleanup EXIT

oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}" wrk linux-perf
bench_build "$BUILD" oauthd oauthd-gateway oauthd-bench-echo oauthd-bench-grpc oauthd-bench-http-fixed oauthd-bench-db
BIN=$BUILD/bin

bench_mariadb "$STATE" "$SCALE"
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
# Flushing a million freshly inserted rows competes with whatever is measured first.
bench_wait_quiet

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

# Each operation is measured between two runs of its own ceiling, on the same cores and with the same load shape,
# and its JSON line carries the mean of the two: a shared machine drifts by 2x over minutes (and by 30 % between
# neighbouring seconds), so a ceiling measured once at the start would make the ratios of later operations a coin
# toss. The ceilings' own lines go to $CEILINGS.
with_ceiling() {  # with_ceiling OP_LINE CEILING_NAME BEFORE_LINE AFTER_LINE: OP_LINE plus "ceiling", "ceiling_rps"
  local rps; rps=$(printf '%s\n%s\n' "$3" "$4" | sed -E 's/.*"rps":([0-9.]+).*/\1/' | awk '{ s += $1 } END { printf "%.1f", s / NR }')
  sed -E "s/\}$/,\"ceiling\":\"$2\",\"ceiling_rps\":$rps}/" <<<"$1"
}
selected() { [[ "$1" =~ $ONLY ]]; }

# What one call costs, by process, read around an operation's run (the load generator's line gives the count):
# statements MariaDB executed (each one a round trip from oauthd), explicit COMMITs (transactions; a single write
# outside one commits on its own), InnoDB fsyncs, rows read, and CPU time and context switches of oauthd and of
# MariaDB (bench/lib.sh).
cost_snapshot() { echo "$(db_status) $(proc_cost "$OAUTHD_PID") $(proc_cost "$DB_PID")"; }
with_cost() {  # with_cost LINE BEFORE AFTER: LINE plus the per-call costs between the two snapshots
  local count; count=$(sed -E 's/.*"calls_total":([0-9]+).*/\1/' <<<"$1")
  awk -v line="$1" -v b="$2" -v a="$3" -v n="$count" -v tick="$TICK_US" 'BEGIN {
    split(b, x, " "); split(a, y, " "); if (n <= 0) n = 1
    extra = sprintf(",\"queries_per_call\":%.2f,\"commits_per_call\":%.2f,\"fsyncs_per_call\":%.2f,\"rows_read_per_call\":%.1f,\"oauthd_cpu_us\":%.0f,\"oauthd_ctxsw_per_call\":%.2f,\"db_cpu_us\":%.0f,\"db_ctxsw_per_call\":%.2f}",
      (y[1] - x[1] - 1) / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n, (y[4] - x[4]) / n, (y[7] - x[7]) * tick / n,
      (y[8] - x[8]) / n, (y[9] - x[9]) * tick / n, (y[10] - x[10]) / n)
    sub(/}$/, extra, line); print line }'
}

grpc_load() {  # grpc_load TARGET OP IN_FLIGHT [extra flags]
  local target=$1 op=$2 n=$3; shift 3
  "$BIN/oauthd-bench-grpc" --target="$target" --op="$op" --in-flight="$n" --seconds="$SECONDS_PER_OP" \
    --scale="$SCALE" "$@"
}
grpc() {  # grpc OP IN_FLIGHT [extra flags]: the echo ceiling, then OP against oauthd
  local op=$1 n=$2; shift 2
  selected "$op" || return 0
  step "gRPC $op ($n in flight), between two runs of the echo ceiling"
  local before line after
  before=$(grpc_load "127.0.0.1:$ECHO_PORT" echo "$n")
  local c0 c1; c0=$(cost_snapshot)
  line=$(grpc_load "127.0.0.1:$GRPC_PORT" "$op" "$n" "$@")
  c1=$(cost_snapshot)
  line=$(with_cost "$line" "$c0" "$c1")
  after=$(grpc_load "127.0.0.1:$ECHO_PORT" echo "$n")
  printf '%s\n%s\n' "$before" "$after" >>"$CEILINGS"
  with_ceiling "$line" echo "$before" "$after" | tee -a "$LINES"
}

db_probe() {  # db_probe select|insert
  "$BIN/oauthd-bench-db" --db="$DB" --op="$1" --seconds="$SECONDS_PER_OP" --apps="$APPS"
}

wrk_load() {  # wrk_load NAME URL [wrk args]: one JSON line
  local name=$1 url=$2; shift 2
  wrk -t2 -c64 -d1s "$@" "$url" >/dev/null 2>&1 || true  # warm-up
  wrk -t2 -c64 -d"${SECONDS_PER_OP}s" --latency "$@" "$url" | awk -v op="$name" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
    /requests in/ { count = $1 } /Non-2xx or 3xx responses:/ { errors = $5 }
    END { printf "{\"op\":\"%s\",\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"count\":%d,\"errors\":%d}\n",
          op, rps, p50, p99, count, errors + 0 }'
}
http() {  # http NAME URL [wrk args]: the fixed-body HTTP ceiling, then NAME through the gateway
  local name=$1 url=$2; shift 2
  selected "$name" || return 0
  step "HTTP $name (wrk, 64 connections), between two runs of the fixed-body ceiling"
  local before line after
  before=$(wrk_load http_fixed_ceiling "http://127.0.0.1:$FIXED_PORT/")
  line=$(wrk_load "$name" "$url" "$@")
  after=$(wrk_load http_fixed_ceiling "http://127.0.0.1:$FIXED_PORT/")
  printf '%s\n%s\n' "$before" "$after" >>"$CEILINGS"
  with_ceiling "$line" http_fixed_ceiling "$before" "$after" | tee -a "$LINES"
}

for op in GetOAuthApp GetOAuthAppInfo GetOAuthApps_owner GetOAuthApps_systemwide GetAuthorizedOAuthAppsForUser; do
  grpc "$op" 32
done
if selected CreateOAuthApp; then  # its target is relative to the database's own single-row INSERT rate
  step "gRPC CreateOAuthApp (32 in flight), between two runs of the database's single-row INSERT (2 threads)"
  db_probe select | tee -a "$CEILINGS"
  before=$(db_probe insert)
  c0=$(cost_snapshot)
  line=$(grpc_load "127.0.0.1:$GRPC_PORT" CreateOAuthApp 32)
  c1=$(cost_snapshot)
  line=$(with_cost "$line" "$c0" "$c1")
  after=$(db_probe insert)
  printf '%s\n%s\n' "$before" "$after" >>"$CEILINGS"
  with_ceiling "$line" db_insert "$before" "$after" | tee -a "$LINES"
fi
for op in UpdateOAuthApp RegenerateOAuthAppSecret GetAuthorizationServerMetadata RegisterOAuthClient; do
  grpc "$op" 32
done
grpc AccessToken 8
grpc IntrospectToken 32
BENCH_APPS=$APPS BENCH_TOKEN=admintoken0000000000000000 \
  http http_GetOAuthApp "http://127.0.0.1:$HTTP_PORT" -s bench/wrk/get_app.lua
http http_metadata "http://127.0.0.1:$HTTP_PORT/.well-known/oauth-authorization-server"

rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
OAUTHD_RSS=$(rss_mb "$OAUTHD_PID")
GATEWAY_RSS=$(rss_mb "$GATEWAY_PID")
EXPLAIN=$(mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd "$DBNAME" -N -e "
  EXPLAIN SELECT o.Id FROM OAuthApps o WHERE o.CreatorId = 'usr00000000000000000000001' ORDER BY o.Id LIMIT 60;
  EXPLAIN SELECT o.Id FROM OAuthApps o ORDER BY o.Id LIMIT 60;
  EXPLAIN SELECT o.Id FROM Preferences p INNER JOIN OAuthApps o ON o.Id = p.Name WHERE p.UserId = 'usr00000000000000000000001' AND p.Category = 'oauth_app' ORDER BY p.Name LIMIT 60;" |
  awk -F'\t' '{ printf "%s%s: type=%s key=%s rows=%s extra=%s", (NR > 1 ? "; " : ""), $3, $4, $6, $9, $10 }')

# One table: every operation next to the ceiling measured just before it; then the ceilings' spread over the run.
awk -v scale="$SCALE" -v oauthd_rss="$OAUTHD_RSS" -v gateway_rss="$GATEWAY_RSS" -v compare="$COMPARE" \
    -v explain="$EXPLAIN" -v out="$RESULTS/latest.json" -v ceilings="$CEILINGS" '
  function field(line, name,   m) { if (match(line, "\"" name "\":\"?[^,\"}]*")) { m = substr(line, RSTART, RLENGTH); sub(/^"[^"]*":"?/, "", m); return m } return "" }
  function median(arr, k,   i, j, t) {  # sorts arr[1..k] in place
    for (i = 2; i <= k; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
    return k % 2 ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2
  }
  FILENAME == compare { if ($0 ~ /"op"/) { base_p50[field($0, "op")] = field($0, "p50_ms"); base_p99[field($0, "op")] = field($0, "p99_ms") } next }
  FILENAME == ceilings { c = field($0, "op"); if (!(c in cn)) corder[++nc] = c; cn[c]++; crps[c, cn[c]] = field($0, "rps"); cline[c, cn[c]] = $0; next }
  { op = field($0, "op"); ops[++n] = op; line[op] = $0 }
  END {
    printf "\n%-32s %9s %8s %8s  %-18s %9s %6s %6s\n", "operation", "rps", "p50 ms", "p99 ms", "ceiling", "its rps", "ratio", "errors"
    json = sprintf("{\"scale\":%d,\"peak_rss_mb\":{\"oauthd\":%s,\"gateway\":%s},\"plans\":\"%s\",\"results\":[", scale, oauthd_rss, gateway_rss, explain)
    for (i = 1; i <= n; i++) {
      l = line[ops[i]]; c = field(l, "ceiling"); cr = field(l, "ceiling_rps") + 0; r = field(l, "rps") + 0
      ratio = cr > 0 ? sprintf("%.2f", r / cr) : "null"
      printf "%-32s %9.0f %8.3f %8.3f  %-18s %9.0f %6s %6s\n", ops[i], r, field(l, "p50_ms"), field(l, "p99_ms"), c, cr, ratio, field(l, "errors")
      sub(/}$/, ",\"ratio\":" ratio "}", l)
      json = json (i > 1 ? "," : "") l
    }
    printf "\ncost per call (around each oauthd run, warm-up included):\n%-32s %8s %8s %7s %9s %10s %8s %8s %8s\n", "operation", "queries", "COMMITs", "fsyncs", "rows read", "oauthd us", "ctxsw", "db us", "db ctxsw"
    for (i = 1; i <= n; i++) {
      l = line[ops[i]]
      if (field(l, "queries_per_call") == "") continue
      printf "%-32s %8s %8s %7s %9s %10s %8s %8s %8s\n", ops[i], field(l, "queries_per_call"), field(l, "commits_per_call"),
        field(l, "fsyncs_per_call"), field(l, "rows_read_per_call"), field(l, "oauthd_cpu_us"), field(l, "oauthd_ctxsw_per_call"),
        field(l, "db_cpu_us"), field(l, "db_ctxsw_per_call")
    }
    json = json "],\"ceilings\":["
    printf "\nceilings (each operation is compared with the mean of the runs just before and just after it):\n"
    for (i = 1; i <= nc; i++) {
      c = corder[i]; k = cn[c]
      for (j = 1; j <= k; j++) { v[j] = crps[c, j] + 0; json = json ((i > 1 || j > 1) ? "," : "") cline[c, j] }
      med = median(v, k)
      printf "  %-20s %2d runs: median %6.0f rps, min %6.0f, max %6.0f\n", c, k, med, v[1], v[k]
    }
    printf "\npeak RSS: oauthd %s MB, gateway %s MB\n", oauthd_rss, gateway_rss
    printf "list query plans: %s\n", explain
    if (compare != "") {
      printf "\nlatency against %s:\n", compare
      split("GetOAuthApps_owner GetOAuthApps_systemwide GetAuthorizedOAuthAppsForUser", cmp, " ")
      for (k = 1; k <= 3; k++) if (base_p50[cmp[k]] > 0 && p50_of(cmp[k]) > 0)
        printf "  %-32s p50 %.2fx  p99 %.2fx\n", cmp[k], p50_of(cmp[k]) / base_p50[cmp[k]], field(line[cmp[k]], "p99_ms") / base_p99[cmp[k]]
    }
    print json "]}" > out
  }
  function p50_of(op) { return (op in line) ? field(line[op], "p50_ms") + 0 : 0 }' ${COMPARE:+"$COMPARE"} "$CEILINGS" "$LINES"
cp "$RESULTS/latest.json" "$RESULTS/scale$SCALE.json"
cp "$LINES" "$RESULTS/scale$SCALE.jsonl"
echo "results: $RESULTS/latest.json"
