#!/usr/bin/env bash
# What MariaDB spends per first-code exchange on the statements of a lone exchange (the exchange read and one CALL of
# oauthd_issue_token), against the same exchanges sent B at a time: the writes as oauthd batches them (writesB), the
# reads batched too (blockB, batchB), or today's statements merely sent B to a packet (pipeB); and per refresh, B at a
# time as oauthd batches them (refreshB); bench/batch_bound.mjs says what each sends. No oauthd and no gateway: C
# mariadb clients send the SQL to the bench's MariaDB, and the figure is MariaDB's own CPU (/proc) per exchange: the
# database's share of the bound in bench/README.md.
#   bench/batch_bound.sh [--exchanges N] [--clients C] [--modes "MODE ..."] [--rounds R]
#     --exchanges N   exchanges per mode and round, over the clients (default 16000)
#     --clients C     concurrent mariadb clients (default 4)
#     --modes LIST    single, pipeB, writesB, blockB, batchB, refreshB
#                     (default "single pipe4 writes2 writes4 writes8 block4 refresh4")
#     --rounds R      alternating rounds (default 2)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
EXCHANGES=16000 CLIENTS=4 MODES="single pipe4 writes2 writes4 writes8 block4 refresh4" ROUNDS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --exchanges) EXCHANGES=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/batch_bound.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for v in "$EXCHANGES" "$CLIENTS" "$ROUNDS"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench/batch_bound.sh: numbers must be positive integers" >&2; exit 2; }
done
for m in $MODES; do
  [[ "$m" =~ ^(single|(batch|block|writes|pipe|refresh)[1-9][0-9]*)$ ]] || { echo "bench/batch_bound.sh: unknown mode $m" >&2; exit 2; }
done
[ $((EXCHANGES % CLIENTS)) -eq 0 ] || { echo "bench/batch_bound.sh: --exchanges must divide by --clients" >&2; exit 2; }

BUILD=${OAUTHD_BENCH_BUILD_DIR:-$ROOT/build-release}
STATE=$BUILD/batch-state
mkdir -p "$STATE"
# shellcheck source=lib.sh
source bench/lib.sh
cleanup() {
  bench_cleanup
  deploy/lib/mariadb.sh stop "$STATE/db" || true
}
trap cleanup EXIT

oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}"
if ! command -v node >/dev/null; then oauthd_ensure_packages nodejs; fi
bench_build "$BUILD" oauthd
bench_mariadb "$STATE" 1
DB=$(deploy/lib/mariadb.sh url "$STATE/db" bench_batch)
M=(mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uoauthd -poauthd)
"${M[@]}" -e "DROP DATABASE IF EXISTS bench_batch; CREATE DATABASE bench_batch"
"$BUILD/bin/oauthd" migrate --db="$DB" 2>/dev/null

# The modes in the order round R runs them (every other round reversed); app N is the Nth mode run.
round_order() { if [ $(($1 % 2)) -eq 0 ]; then tr ' ' '\n' <<<"$MODES" | tac | tr '\n' ' '; else echo "$MODES"; fi; }
REFRESH_APPS=0 app=0  # the apps refreshB runs on, as an SQL list
for round in $(seq 1 "$ROUNDS"); do
  for mode in $(round_order "$round"); do
    app=$((app + 1))
    [[ "$mode" == refresh* ]] && REFRESH_APPS="$REFRESH_APPS, $app"
  done
done

# One app per mode and round; every user has a fresh code for each (c<app>x<user>, with its PKCE row), and no grant,
# except for the apps refreshB runs on: there every user has a grant (token o<app>x<user>, refresh token q…) and its
# live session (p…), which the refreshes replace.
APPS=$(( $(wc -w <<<"$MODES") * ROUNDS ))
step "seeding $EXCHANGES users and $((EXCHANGES * APPS)) codes over $APPS apps"
"${M[@]}" bench_batch <<SQL
INSERT INTO Users (Id, CreateAt, UpdateAt, DeleteAt, Username, Password, AuthService, Email, EmailVerified, Nickname,
                   FirstName, LastName, Roles, AllowMarketing, Props, NotifyProps, LastPasswordUpdate,
                   LastPictureUpdate, FailedAttempts, Locale, MfaActive, MfaSecret, Position, Timezone, LastLogin)
SELECT CONCAT('pu', LPAD(seq, 24, '0')), 1, 1, 0, CONCAT('user', seq), '', '', CONCAT('u', seq, '@bench.example'),
       1, '', '', '', 'system_user', 0, '{}', '{}', 1, 0, 0, 'en', 0, '', '', '{}', 0
FROM seq_1_to_$EXCHANGES;
INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, Description, IconURL, CallbackUrls,
                       Homepage, IsTrusted, MattermostAppID)
SELECT CONCAT('pa', LPAD(seq, 24, '0')), 'pu000000000000000000000001', seq, seq, 'benchsecret', CONCAT('Bench ', seq),
       '', '', '["https://app.example.com/cb"]', 'https://app.example.com', 0, ''
FROM seq_1_to_$APPS;
INSERT INTO OAuthAuthData (ClientId, UserId, Code, ExpiresIn, CreateAt, RedirectUri, State, Scope)
SELECT CONCAT('pa', LPAD(a.seq, 24, '0')), CONCAT('pu', LPAD(u.seq, 24, '0')),
       CONCAT('c', a.seq, 'x', LPAD(u.seq, 40, '0')), 600, 1796544670450, 'https://app.example.com/cb', 's', 'user'
FROM seq_1_to_$APPS a, seq_1_to_$EXCHANGES u;
INSERT INTO OAuthdAuthData (Code, CodeChallenge, CodeChallengeMethod, Resource)
SELECT Code, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'S256', '' FROM OAuthAuthData;
INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, Scope)
SELECT CONCAT('o', a.seq, 'x', LPAD(u.seq, 24 - CHAR_LENGTH(a.seq), '0')),
       CONCAT('q', a.seq, 'x', LPAD(u.seq, 24 - CHAR_LENGTH(a.seq), '0')), 'https://app.example.com/cb',
       CONCAT('pa', LPAD(a.seq, 24, '0')), CONCAT('pu', LPAD(u.seq, 24, '0')), 1799136670450, 'user'
FROM seq_1_to_$APPS a, seq_1_to_$EXCHANGES u WHERE a.seq IN ($REFRESH_APPS);
INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, Roles, IsOAuth, ExpiredNotify,
                      Props)
SELECT CONCAT('p', SUBSTRING(Token, 2)), Token, 1796544670450, 1799136670450, 1796544670450, UserId, '', 'system_user',
       1, 0, '{}'
FROM OAuthAccessData;
SQL
bench_wait_quiet

# measure MODE APP → "cpu_us_per_exchange wall_us_per_exchange"
measure() {
  local mode=$1 app=$2 share=$((EXCHANGES / CLIENTS)) c files=() before after t0 t1
  for c in $(seq 0 $((CLIENTS - 1))); do
    files+=("$STATE/$mode-$c.sql")
    node bench/batch_bound.mjs "$mode" "$app" $((c * share + 1)) "$share" >"$STATE/$mode-$c.sql"
  done
  before=$(proc_cost "$DB_PID" | awk '{print $1}')
  t0=$(date +%s%N)
  for f in "${files[@]}"; do "${M[@]}" bench_batch <"$f" >/dev/null & done
  wait
  t1=$(date +%s%N)
  after=$(proc_cost "$DB_PID" | awk '{print $1}')
  rm -f "${files[@]}"
  awk -v cpu=$(((after - before) * TICK_US)) -v wall=$(((t1 - t0) / 1000)) -v n="$EXCHANGES" \
    'BEGIN { printf "%.0f %.0f\n", cpu / n, wall / n }'
}

app=0
declare -A CPU WALL
for round in $(seq 1 "$ROUNDS"); do
  for mode in $(round_order "$round"); do
    app=$((app + 1))
    client=$(printf 'pa%024d' "$app")
    step "round $round: $mode ($EXCHANGES exchanges, $CLIENTS clients)"
    read -r cpu wall < <(measure "$mode" "$client")
    CPU[$mode]="${CPU[$mode]:-}$cpu " WALL[$mode]="${WALL[$mode]:-}$wall "
    # Every code was spent, every grant refreshed (its old session gone): a batch that failed would leave them behind.
    if [[ "$mode" == refresh* ]]; then
      left=$("${M[@]}" -N bench_batch -e "SELECT (SELECT COUNT(*) FROM OAuthAccessData WHERE ClientId = '$client'
        AND Token LIKE 'o%') + (SELECT COUNT(*) FROM Sessions WHERE Token LIKE 'o${app}x%')")
      what="grants or sessions"
    else
      left=$("${M[@]}" -N bench_batch -e "SELECT COUNT(*) FROM OAuthAuthData WHERE ClientId = '$client'")
      what=codes
    fi
    [ "$left" = 0 ] || { echo "bench/batch_bound.sh: $left $what of $mode were not spent" >&2; exit 1; }
  done
done

printf '\n%-10s %-28s %s\n' mode 'MariaDB CPU µs per exchange' 'wall µs per exchange (C clients)'
for mode in $MODES; do printf '%-10s %-28s %s\n' "$mode" "${CPU[$mode]}" "${WALL[$mode]}"; done
