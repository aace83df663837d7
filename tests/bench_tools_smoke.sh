#!/usr/bin/env bash
# Smoke test of the benchmark tools (run by ctest): the echo ceiling and the load generator talk, the histogram
# yields sane percentiles, and the fixed-JSON HTTP ceiling answers 300 bytes. Keeps bench/ from rotting between runs.
set -euo pipefail
BIN=${OAUTHD_BIN_DIR:?run through tests/run.sh}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$TMP"' EXIT

"$BIN/oauthd-bench-echo" >"$TMP/echo" &
"$BIN/oauthd-bench-http-fixed" >"$TMP/http" &
for _ in $(seq 1 50); do [ -s "$TMP/echo" ] && [ -s "$TMP/http" ] && break; sleep 0.1; done
ECHO_PORT=$(awk '{print $2}' "$TMP/echo")
HTTP_PORT=$(awk '{print $2}' "$TMP/http")

out=$("$BIN/oauthd-bench-grpc" --target="127.0.0.1:$ECHO_PORT" --op=echo --in-flight=4 --seconds=1 --warmup=0)
echo "$out"
echo "$out" | grep -q '"op":"echo"'
echo "$out" | grep -q '"errors":0,'
count=$(echo "$out" | sed -E 's/.*"count":([0-9]+).*/\1/')
p50=$(echo "$out" | sed -E 's/.*"p50_ms":([0-9.]+).*/\1/')
p99=$(echo "$out" | sed -E 's/.*"p99_ms":([0-9.]+).*/\1/')
[ "$count" -gt 100 ] || { echo "too few calls: $count"; exit 1; }
awk -v a="$p50" -v b="$p99" 'BEGIN { exit !(a > 0 && b >= a && b < 1000) }' || { echo "bad percentiles $p50 $p99"; exit 1; }

body=$(curl -fsS "http://127.0.0.1:$HTTP_PORT/anything")
[ "${#body}" -eq 300 ] || { echo "fixed body is ${#body} bytes"; exit 1; }
"$BIN/oauthd-bench-grpc" --op=nope --target=x >/dev/null 2>&1 && { echo "unknown op accepted"; exit 1; }
# The scripts answer --help without building or starting anything.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for script in run.sh peer.sh cluster.sh batch_bound.sh; do
  "$ROOT/bench/$script" --help | grep -q . || { echo "bench/$script --help printed nothing"; exit 1; }
done
# batch_bound.sh's SQL: each mode writes every exchange it is given, and a wrong mode is refused.
if command -v node >/dev/null; then
  for mode in single pipe3 writes3 block3 batch3; do
    sql=$(node "$ROOT/bench/batch_bound.mjs" "$mode" pa000000000000000000000007 5 4)
    for user in 5 6 7 8; do
      grep -q "c7x0*$user'" <<<"$sql" || { echo "batch_bound.mjs $mode left out user $user"; exit 1; }
    done
  done
  sql=$(node "$ROOT/bench/batch_bound.mjs" refresh3 pa000000000000000000000007 5 4)
  for user in 5 6 7 8; do
    grep -q "BINARY Token = 'o7x0*$user'" <<<"$sql" || { echo "batch_bound.mjs refresh3 left out user $user"; exit 1; }
  done
  node "$ROOT/bench/batch_bound.mjs" nope pa000000000000000000000007 1 1 >/dev/null 2>&1 &&
    { echo "batch_bound.mjs accepted an unknown mode"; exit 1; }
fi
echo "bench tools: ok"
