#!/usr/bin/env bash
# oauthd's token path side by side with node-oidc-provider (bench/peer/peer.mjs): the same wrk load against both, in
# alternating order, every request spending its own fresh single-use code or refresh token. Scenarios:
#   code_first    grant_type=authorization_code, PKCE S256, client_secret_post; a new user per code
#   code_repeat   the same with one user for every code (oauthd: Mattermost's repeated exchange, which answers the
#                 user's live grant; the peer issues a new pair each time)
#   refresh       grant_type=refresh_token, rotating
#   introspect    RFC 7662: the client introspects its own access tokens (client_secret_post)
#   floor         an unsupported grant_type, which each side refuses (400) before reading anything: what HTTP, the
#                 framework and (oauthd) the gateway's gRPC hop cost a request; here every answer must be a 400
# oauthd's codes and tokens are minted through its HTTP API (bench/peer/mint_oauthd.mjs), the peer's with its own
# model classes. A run counts only with 0 non-2xx. Prints the table and each exchange's cost by process, and writes
# bench/results/peer.jsonl.
#   bench/peer.sh [--seconds S] [--rounds R] [--tokens N] [--only REGEX] [--connections C] [--profile DIR]
#     --seconds S      measured seconds per run (default 6; each also gets a 1 s warm-up with tokens of its own)
#     --rounds R       alternating rounds (default 3)
#     --tokens N       values minted per measured run (default 30000; more than S × the fastest rate)
#     --only REGEX     scenarios to run (default all)
#     --connections C  wrk connections (default 32, over 2 threads)
#     --profile DIR    also record each process during each measured run (perf record -g, 997 Hz) into
#                      DIR/SCENARIO-SIDE-ROUND-PROCESS.data, for perf report
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_PER_RUN=6 ROUNDS=3 TOKENS=30000 ONLY="." CONNECTIONS=32 WARMUP=3000 PROFILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --tokens) TOKENS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --profile) PROFILE=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/peer.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$SECONDS_PER_RUN" "$ROUNDS" "$TOKENS" "$CONNECTIONS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench/peer.sh: numbers must be positive integers" >&2; exit 2; }
done

BUILD=${OAUTHD_BENCH_BUILD_DIR:-$ROOT/build-release}
STATE=$BUILD/peer-state
RESULTS=$ROOT/bench/results
mkdir -p "$STATE" "$RESULTS"
LINES=$RESULTS/peer.jsonl
: >"$LINES"
# shellcheck source=lib.sh
source bench/lib.sh
cleanup() {
  bench_cleanup
  deploy/lib/mariadb.sh stop "$STATE/db" || true
}
trap cleanup EXIT

oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}" wrk linux-perf
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then oauthd_ensure_packages nodejs npm; fi
step "installing the peer (node-oidc-provider, pinned in bench/peer/package-lock.json)"
(cd bench/peer && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
bench_build "$BUILD" oauthd oauthd-gateway
BIN=$BUILD/bin

bench_mariadb "$STATE" 1
DB=$(deploy/lib/mariadb.sh url "$STATE/db" bench_peer)
mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd -e "DROP DATABASE IF EXISTS bench_peer; CREATE DATABASE bench_peer"
"$BIN/oauthd" migrate --db="$DB" 2>/dev/null

# Users with sessions (the minter signs each in), and one confidential app per scenario and round (a first grant of
# user u to app a exists once), all with the same callback.
USERS=$((TOKENS + WARMUP))
SECRET=benchsecret000000000000000
step "seeding $USERS users with sessions, and the apps"
mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd bench_peer <<SQL
INSERT INTO Users (Id, CreateAt, UpdateAt, DeleteAt, Username, Password, AuthService, Email, EmailVerified, Nickname,
                   FirstName, LastName, Roles, AllowMarketing, Props, NotifyProps, LastPasswordUpdate,
                   LastPictureUpdate, FailedAttempts, Locale, MfaActive, MfaSecret, Position, Timezone, LastLogin)
SELECT CONCAT('pu', LPAD(seq, 24, '0')), 1, 1, 0, CONCAT('peeruser', seq), '', '', CONCAT('p', seq, '@bench.example'),
       1, '', '', '', 'system_user', 0, '{}', '{}', 1, 0, 0, 'en', 0, '', '', '{}', 0
FROM seq_1_to_$USERS;
INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, Roles, IsOAuth, ExpiredNotify,
                      Props)
SELECT CONCAT('ps', LPAD(seq, 24, '0')), CONCAT('pt', LPAD(seq, 24, '0')), 1, 0, 1, CONCAT('pu', LPAD(seq, 24, '0')),
       '', 'system_user', 0, 0, '{"csrf":"x"}'
FROM seq_1_to_$USERS;
INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, Description, IconURL, CallbackUrls,
                       Homepage, IsTrusted, MattermostAppID)
SELECT CONCAT('pa', LPAD(seq, 24, '0')), 'pu000000000000000000000001', seq, seq, '$SECRET', CONCAT('Bench ', seq),
       '', '', '["https://app.example.com/cb"]', 'https://app.example.com', 0, ''
FROM seq_1_to_100;
SQL
seq -f 'pt%024g' 1 "$USERS" >"$STATE/sessions.txt"
bench_wait_quiet

start_server GRPC "$STATE/oauthd.log" "$BIN/oauthd" serve --db="$DB" --grpc-listen=127.0.0.1:0 \
  --site-url=https://chat.example.com
start_server HTTP "$STATE/gateway.log" "$BIN/oauthd-gateway" --listen=127.0.0.1:0 \
  --upstream="127.0.0.1:$GRPC_PORT" --log-requests=false
start_server PEER "$STATE/peer.log" node bench/peer/peer.mjs 0 0
PEER_ADMIN=$(grep -oE 'minting on [0-9]+' "$STATE/peer.log" | awk '{print $3}')

OAUTHD_URL=http://127.0.0.1:$HTTP_PORT PEER_URL=http://127.0.0.1:$PEER_PORT
VERIFIER=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk
PEER_ID=benchpeer PEER_SECRET=benchpeersecret00000000000

# mint SIDE KIND USERS FIRST N APP → a file of N values (USERS: first or repeat; FIRST: the first user line; APP:
# oauthd's app for this scenario and round).
mint() {
  local side=$1 kind=$2 users=$3 first=$4 n=$5 app=$6 out
  out=$(mktemp -p "$STATE")
  if [ "$kind" = none ]; then
    yes x | head -n "$n" >"$out"
  elif [ "$side" = oauthd ]; then
    local repeat=()
    [ "$users" = repeat ] && repeat=(repeat)
    node bench/peer/mint_oauthd.mjs "$OAUTHD_URL" "$app" "$SECRET" "$kind" "$STATE/sessions.txt" "$first" "$n" \
      "${repeat[@]}" >"$out"
  else
    curl -fsS -X POST "http://127.0.0.1:$PEER_ADMIN/mint?kind=$kind&n=$n&users=$users" >"$out"
  fi
  echo "$out"
}

# costs SIDE → the cost counters of that side's processes now: gateway, oauthd, MariaDB (and its status), or the peer.
costs() {
  if [ "$1" = oauthd ]; then
    echo "$(proc_cost "$HTTP_PID") $(proc_cost "$GRPC_PID") $(proc_cost "$DB_PID") $(db_status)"
  else
    proc_cost "$PEER_PID"
  fi
}

# wrk_tokens URL TOKENS BODY SECONDS → wrk's output
wrk_tokens() {
  TOKENS=$2 BODY=$3 THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"$4s" --latency -s bench/wrk/tokens.lua "$1"
}

# run SCENARIO SIDE ROUND: mints, warms up, measures; appends one JSON line.
run() {
  local scenario=$1 side=$2 round=$3
  local kind users app path body
  case "$scenario" in
    code_first) kind=code users=first ;;
    code_repeat) kind=code users=repeat ;;
    refresh) kind=refresh users=first ;;
    introspect) kind=access users=first ;;
    floor) kind=none users=first ;;
  esac
  # oauthd: an app of its own for each first-grant round (and one shared by the rounds of the other scenarios).
  case "$scenario" in
    code_first) app=$(printf 'pa%024d' "$round") ;;
    code_repeat) app=$(printf 'pa%024d' 50) ;;
    refresh) app=$(printf 'pa%024d' 60) ;;
    introspect) app=$(printf 'pa%024d' 70) ;;
    floor) app=$(printf 'pa%024d' 80) ;;
  esac
  if [ "$side" = oauthd ]; then
    path=/oauth/access_token
    case "$kind" in
      code) body="grant_type=authorization_code&client_id=$app&client_secret=$SECRET&code=%s&redirect_uri=https://app.example.com/cb&code_verifier=$VERIFIER" ;;
      refresh) body="grant_type=refresh_token&client_id=$app&client_secret=$SECRET&refresh_token=%s" ;;
      access) path=/oauth/introspect body="token=%s&client_id=$app&client_secret=$SECRET" ;;
      none) body="grant_type=bench_floor&client_id=$app&client_secret=$SECRET&code=%s" ;;
    esac
    local url=$OAUTHD_URL$path
  else
    path=/token
    case "$kind" in
      code) body="grant_type=authorization_code&client_id=$PEER_ID&client_secret=$PEER_SECRET&code=%s&redirect_uri=https://app.example.com/cb&code_verifier=$VERIFIER" ;;
      refresh) body="grant_type=refresh_token&client_id=$PEER_ID&client_secret=$PEER_SECRET&refresh_token=%s" ;;
      access) path=/token/introspection body="token=%s&client_id=$PEER_ID&client_secret=$PEER_SECRET" ;;
      none) body="grant_type=bench_floor&client_id=$PEER_ID&client_secret=$PEER_SECRET&code=%s" ;;
    esac
    local url=$PEER_URL$path
  fi
  step "$scenario on $side, round $round: minting $((WARMUP + TOKENS)) values"
  local warm measured
  # Introspection and the floor spend nothing: one set of values serves warm-up and run.
  warm=$(mint "$side" "$kind" "$users" 0 "$WARMUP" "$app")
  if [ "$kind" = access ] || [ "$kind" = none ]; then measured=$warm; else measured=$(mint "$side" "$kind" "$users" "$WARMUP" "$TOKENS" "$app"); fi
  wrk_tokens "$url" "$warm" "$body" 1 >/dev/null 2>&1 || true
  local before after out pids syscalls=""
  if [ "$side" = oauthd ]; then pids="$HTTP_PID $GRPC_PID $DB_PID"; else pids=$PEER_PID; fi
  before=$(costs "$side")
  # shellcheck disable=SC2086
  syscalls_start "$STATE" "$SECONDS_PER_RUN" $pids
  [ -z "$PROFILE" ] || profile_start "$PROFILE/$scenario-$side-$round" "$SECONDS_PER_RUN" $pids
  out=$(wrk_tokens "$url" "$measured" "$body" "$SECONDS_PER_RUN")
  for pid in $pids; do syscalls="$syscalls $(syscalls_read "$STATE" "$pid")"; done
  after=$(costs "$side")
  rm -f "$warm" "$measured"
  awk -v scenario="$scenario" -v side="$side" -v round="$round" -v b="$before" -v a="$after" -v tick="$TICK_US" \
    -v sys="$syscalls" -v seconds="$SECONDS_PER_RUN" -v refused="$([ "$kind" = none ] && echo 1 || echo 0)" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rps = $2 }
    /requests in/ { count = $1 } /Non-2xx or 3xx responses:/ { errors = $5 }
    END {
      split(b, x, " "); split(a, y, " "); split(sys, s, " "); n = count > 0 ? count : 1
      # errors: answers other than the expected ones (for the floor every answer is a refusal).
      if (refused) errors = count - errors
      # System calls were counted over the run seconds: per call at the run rate (-1: not counted here).
      for (i in s) s[i] = (s[i] < 0 || rps <= 0) ? -1 : s[i] / (rps * seconds)
      line = sprintf("{\"scenario\":\"%s\",\"side\":\"%s\",\"round\":%d,\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"count\":%d,\"errors\":%d",
        scenario, side, round, rps, p50, p99, count, errors + 0)
      if (side == "oauthd") {
        # proc_cost: cpu ctxsw for the gateway (1-2), oauthd (3-4), MariaDB (5-6); then db_status (7-12)
        line = line sprintf(",\"gateway_cpu_us\":%.0f,\"oauthd_cpu_us\":%.0f,\"db_cpu_us\":%.0f,\"gateway_ctxsw\":%.2f,\"oauthd_ctxsw\":%.2f,\"db_ctxsw\":%.2f,\"gateway_syscalls\":%.1f,\"oauthd_syscalls\":%.1f,\"db_syscalls\":%.1f,\"statements\":%.2f,\"rows_written\":%.2f,\"log_bytes\":%.0f",
          (y[1]-x[1])*tick/n, (y[3]-x[3])*tick/n, (y[5]-x[5])*tick/n, (y[2]-x[2])/n, (y[4]-x[4])/n, (y[6]-x[6])/n,
          s[1], s[2], s[3], (y[7]-x[7]-1)/n, (y[11]-x[11])/n, (y[12]-x[12])/n)
      } else {
        line = line sprintf(",\"peer_cpu_us\":%.0f,\"peer_ctxsw\":%.2f,\"peer_syscalls\":%.1f",
          (y[1]-x[1])*tick/n, (y[2]-x[2])/n, s[1])
      }
      print line "}"
    }' <<<"$out" | tee -a "$LINES"
}

for round in $(seq 1 "$ROUNDS"); do
  for scenario in code_first code_repeat refresh introspect floor; do
    [[ "$scenario" =~ $ONLY ]] || continue
    # Alternate which side goes first, so neither always meets the warmer (or more tired) machine.
    if [ $((round % 2)) -eq 1 ]; then sides="oauthd peer"; else sides="peer oauthd"; fi
    for side in $sides; do run "$scenario" "$side" "$round"; done
  done
done

# The table: per scenario the median over rounds of each side, and the ratio of the medians.
awk '
  function field(line, name,   m) { if (match(line, "\"" name "\":\"?[^,\"}]*")) { m = substr(line, RSTART, RLENGTH); sub(/^"[^"]*":"?/, "", m); return m } return "" }
  function median(arr, k,   i, j, t) {
    for (i = 2; i <= k; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
    return k % 2 ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2
  }
  { s = field($0, "scenario"); d = field($0, "side"); if (!(s in seen)) { order[++ns] = s; seen[s] = 1 }
    k = ++n[s, d]; rps[s, d, k] = field($0, "rps") + 0; p99[s, d, k] = field($0, "p99_ms") + 0
    if (field($0, "errors") + 0 > 0) bad[s, d]++ }
  END {
    printf "\n%-12s %22s %22s %7s  %s\n", "scenario", "oauthd rps (p99 ms)", "peer rps (p99 ms)", "ratio", "runs with non-2xx"
    for (i = 1; i <= ns; i++) {
      s = order[i]
      for (k = 1; k <= n[s, "oauthd"]; k++) { a[k] = rps[s, "oauthd", k]; ap[k] = p99[s, "oauthd", k] }
      for (k = 1; k <= n[s, "peer"]; k++) { b[k] = rps[s, "peer", k]; bp[k] = p99[s, "peer", k] }
      ma = median(a, n[s, "oauthd"]); mb = median(b, n[s, "peer"])
      ratio = (mb > 0) ? ma / mb : 0
      printf "%-12s %13.0f (%6.1f) %13.0f (%6.1f) %7.2f  oauthd %d, peer %d\n", s, ma, median(ap, n[s, "oauthd"]),
        mb, median(bp, n[s, "peer"]), ratio, bad[s, "oauthd"] + 0, bad[s, "peer"] + 0
    }
  }' "$LINES"
# The cost of one exchange by process (medians over rounds; -1: not counted on this machine).
awk '
  function field(line, name,   m) { if (match(line, "\"" name "\":\"?[^,\"}]*")) { m = substr(line, RSTART, RLENGTH); sub(/^"[^"]*":"?/, "", m); return m } return "" }
  function median(arr, k,   i, j, t) {
    if (k == 0) return -1
    for (i = 2; i <= k; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
    return k % 2 ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2
  }
  BEGIN { nf = split("gateway_cpu_us oauthd_cpu_us db_cpu_us gateway_ctxsw oauthd_ctxsw db_ctxsw gateway_syscalls oauthd_syscalls db_syscalls statements rows_written log_bytes peer_cpu_us peer_ctxsw peer_syscalls", names, " ") }
  { s = field($0, "scenario"); if (!(s in seen)) { order[++ns] = s; seen[s] = 1 }
    for (f = 1; f <= nf; f++) { v = field($0, names[f]); if (v != "" && v + 0 >= 0) vals[s, f, ++cnt[s, f]] = v + 0 } }
  END {
    printf "\nper exchange     %-22s %-22s %-22s %5s %5s %6s  %-22s\n", "gateway cpu µs/ctxsw/sys", "oauthd cpu µs/ctxsw/sys",
      "MariaDB cpu µs/ctxsw/sys", "stmts", "rows", "log B", "peer cpu µs/ctxsw/sys"
    for (i = 1; i <= ns; i++) {
      s = order[i]
      for (f = 1; f <= nf; f++) { delete a; for (k = 1; k <= cnt[s, f]; k++) a[k] = vals[s, f, k]; m[f] = median(a, cnt[s, f] + 0) }
      printf "%-16s %4.0f/%5.1f/%5.1f        %4.0f/%5.1f/%5.1f        %4.0f/%5.1f/%5.1f        %5.2f %5.2f %6.0f  %4.0f/%5.2f/%5.1f\n", s,
        m[1], m[4], m[7], m[2], m[5], m[8], m[3], m[6], m[9], m[10], m[11], m[12], m[13], m[14], m[15]
    }
  }' "$LINES"
echo "runs: $LINES"
