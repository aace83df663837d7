#!/usr/bin/env bash
# The API under load on one MariaDB server, then on a three-node MariaDB Galera cluster, on this same machine (see
# bench/README.md): three oauthd pods, all attached to the one server, or one to each node. Each operation is driven
# through the three pods at once (one load generator per pod), then a mix runs: app reads through pod 1, app writes
# through pod 2 and token exchanges through pod 3, all at once. Prints each run's rps and p99 on both, and the ratio
# cluster / one server.
#   bench/cluster.sh [--seconds S]
# The data set is bench/run.sh's at --scale 1 without the authorized-apps preferences (no operation here reads them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_PER_OP=5
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_OP=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/cluster.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$SECONDS_PER_OP" =~ ^[1-9][0-9]*$ ]] || { echo "bench/cluster.sh: --seconds takes a positive integer" >&2; exit 2; }

BUILD=${OAUTHD_BENCH_BUILD_DIR:-$ROOT/build-release}
STATE=$BUILD/bench-cluster
mkdir -p "$STATE"
# shellcheck source=lib.sh
source bench/lib.sh
cleanup() {
  bench_cleanup
  deploy/lib/mariadb.sh stop "$STATE/one" || true
  deploy/lib/galera.sh stop "$STATE/galera" >/dev/null 2>&1 || true
}
trap cleanup EXIT

oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}" "${OAUTHD_CLUSTER_PACKAGES[@]}"
bench_build "$BUILD" oauthd oauthd-bench-grpc
BIN=$BUILD/bin
DBNAME=bench_cluster
RESULTS=$STATE/results.txt
: >"$RESULTS"

# seed HOST_PORT: a fresh database through that server, migrated and filled.
seed() {
  local port=$1
  mariadb --no-defaults -h127.0.0.1 -P"$port" -uoauthd -poauthd \
    -e "DROP DATABASE IF EXISTS $DBNAME; CREATE DATABASE $DBNAME"
  "$BIN/oauthd" migrate --db="mysql://oauthd:oauthd@127.0.0.1:$port/$DBNAME" >/dev/null 2>&1
  step "seeding through port $port"
  sed -e "s/@APPS@/100000/g" -e "s/@USERS@/10000/g" -e "s/@CREATORS@/1000/g" -e "s/@SESSIONS@/100000/g" \
      -e "s/@PREFERENCES@/1/g" bench/seed.sql.in |
    mariadb --no-defaults -h127.0.0.1 -P"$port" -uoauthd -poauthd "$DBNAME" >/dev/null
}

# load POD OP OFFSET → one JSON line (oauthd-bench-grpc), 16 calls in flight.
load() {
  "$BIN/oauthd-bench-grpc" --target="127.0.0.1:$1" --op="$2" --in-flight=16 --seconds="$SECONDS_PER_OP" \
    --offset="$3"
}
field() { grep -oE "\"$1\":[0-9.]+" | cut -d: -f2; }

# measure SETUP PORT1 PORT2 PORT3: three pods, pod i on the server at PORT i; every run, one result line each.
measure() {
  local setup=$1; shift
  local pods=()
  for i in 1 2 3; do
    start_server POD "$STATE/$setup-pod$i.log" "$BIN/oauthd" serve \
      --db="mysql://oauthd:oauthd@127.0.0.1:${!i}/$DBNAME" --grpc-listen=127.0.0.1:0 --db-pool-size=8
    pods+=("$POD_PORT")
  done
  # Codes are single-use: every exchange run takes its own range of the 100,000 seeded.
  local offset=0 op i
  for op in GetOAuthApp GetOAuthApps_owner CreateOAuthApp UpdateOAuthApp AccessToken; do
    step "$setup: $op through three pods at once"
    LOADS=() LOAD_FILES=()
    for i in 0 1 2; do
      start_load "${pods[$i]}" "$op" "$offset" "$STATE/$setup-$op-$i.json"
      offset=$((offset + 15000))
    done
    wait_loads "$setup" "$op"
  done
  step "$setup: the mix (GetOAuthApp, UpdateOAuthApp, AccessToken, one pod each) at once"
  LOADS=() LOAD_FILES=()
  start_load "${pods[0]}" GetOAuthApp 0 "$STATE/$setup-mix-0.json"
  start_load "${pods[1]}" UpdateOAuthApp 0 "$STATE/$setup-mix-1.json"
  start_load "${pods[2]}" AccessToken "$offset" "$STATE/$setup-mix-2.json"
  wait_loads "$setup" mix
  bench_cleanup
  PIDS=()
}

# start_load POD OP OFFSET FILE: a load generator in the background, writing its JSON line to FILE.
LOADS=() LOAD_FILES=()
start_load() {
  load "$1" "$2" "$3" >"$4" &
  LOADS+=("$!")
  LOAD_FILES+=("$4")
}

# wait_loads SETUP RUN: waits for the load generators, sums their rps, keeps the worst p99, counts errors.
wait_loads() {
  local setup=$1 run=$2 f pid rps=0 p99=0 errors=0
  for pid in "${LOADS[@]}"; do wait "$pid"; done
  for f in "${LOAD_FILES[@]}"; do
    rps=$(awk -v a="$rps" -v b="$(field rps <"$f")" 'BEGIN { printf "%.1f", a + b }')
    p99=$(awk -v a="$p99" -v b="$(field p99_ms <"$f")" 'BEGIN { printf "%.3f", (b > a) ? b : a }')
    errors=$((errors + $(field errors <"$f")))
  done
  echo "$setup $run $rps $p99 $errors" | tee -a "$RESULTS"
}

step "one server (deploy/lib/mariadb.sh, a 128 MB buffer pool like each node's)"
ONE=$(OAUTHD_MARIADB_BUFFER_POOL=128M deploy/lib/mariadb.sh start "$STATE/one")
seed "$ONE"
sleep 10  # InnoDB writes the seed out before the first run
measure one "$ONE" "$ONE" "$ONE"
deploy/lib/mariadb.sh stop "$STATE/one"

step "a three-node Galera cluster (deploy/lib/galera.sh)"
mapfile -t NODES < <(deploy/lib/galera.sh start "$STATE/galera" 3 | grep -E '^[0-9]+$')
seed "${NODES[0]}"
sleep 10
measure galera "${NODES[0]}" "${NODES[1]}" "${NODES[2]}"

echo
printf '%-20s %14s %14s %16s %16s %8s\n' run "one server rps" "Galera rps" "one server p99" "Galera p99" ratio
for run in GetOAuthApp GetOAuthApps_owner CreateOAuthApp UpdateOAuthApp AccessToken mix; do
  read -r _ _ one_rps one_p99 one_err < <(grep "^one $run " "$RESULTS")
  read -r _ _ g_rps g_p99 g_err < <(grep "^galera $run " "$RESULTS")
  printf '%-20s %14s %14s %13s ms %13s ms %8s%s\n' "$run" "$one_rps" "$g_rps" "$one_p99" "$g_p99" \
    "$(awk -v a="$g_rps" -v b="$one_rps" 'BEGIN { printf "%.2f", a / b }')" \
    "$([ "$one_err$g_err" = 00 ] || echo "  (errors: $one_err / $g_err)")"
done
