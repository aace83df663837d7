#!/usr/bin/env bash
# A private MariaDB in a folder of its own: no system service, loopback only, a free port.
#   mariadb.sh start DIR     install the datadir if needed, start, create user oauthd/oauthd; prints the port
#   mariadb.sh stop DIR      stop it (waits until it is gone)
#   mariadb.sh restart DIR   stop, then start on the same port
#   mariadb.sh url DIR DB    prints mysql://oauthd:oauthd@127.0.0.1:PORT/DB
# Works as root and as an ordinary user. OAUTHD_MARIADB_BUFFER_POOL sets InnoDB's buffer pool (default 256M);
# OAUTHD_MARIADB_ARGS adds mariadbd options (e.g. --thread-handling=pool-of-threads).
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|restart|url DIR [DB]" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/mysqld.sock"; pidfile="$dir/mysqld.pid"

. "$(cd "$(dirname "$0")" && pwd)/ports.sh"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# launch PORT: starts mariadbd and waits until it answers (true) or has exited or 30 s passed (false).
launch() {
  local port=$1 pid
  mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" --port="$port" \
    --bind-address=127.0.0.1 --skip-name-resolve "${user_args[@]}" --pid-file="$pidfile" \
    --log-error="$dir/error.log" --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size="${OAUTHD_MARIADB_BUFFER_POOL:-256M}" --max-connections=500 --innodb-flush-log-at-trx-commit=2 \
    ${OAUTHD_MARIADB_ARGS:-} >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    if mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1
}

start() {
  if running; then cat "$dir/port"; return 0; fi
  local user_args=()
  [ "$(id -u)" = 0 ] && user_args=(--user=root)
  if [ ! -d "$dir/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" "${user_args[@]}" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
      || { cat "$dir/install.log" >&2; exit 1; }
  fi
  # The port it had (a restart keeps its address) if that is free, else a new one; and a new one again if some
  # other server binds it between the check and MariaDB's bind.
  local port="" attempt log_start
  [ -f "$dir/port" ] && port_is_free "$(cat "$dir/port")" && port=$(cat "$dir/port")
  for attempt in 1 2 3 4 5; do
    [ -n "$port" ] || port=$(pick_ports 1)
    echo "$port" >"$dir/port"
    log_start=$(( $(stat -c %s "$dir/error.log" 2>/dev/null || echo 0) + 1 ))
    launch "$port" && break
    # Judged by this attempt's own lines of the log.
    tail -c +"$log_start" "$dir/error.log" | grep -q 'Address already in use' && [ "$attempt" -lt 5 ] || {
      echo "mariadb.sh: MariaDB did not start; see $dir/error.log" >&2
      tail -c +"$log_start" "$dir/error.log" | tail -20 >&2; exit 1; }
    echo "mariadb.sh: port $port was taken meanwhile; trying another" >&2
    port=""
  done
  mariadb --no-defaults --socket="$sock" -uroot -e "
    CREATE USER IF NOT EXISTS 'oauthd'@'%' IDENTIFIED BY 'oauthd';
    GRANT ALL ON *.* TO 'oauthd'@'%' WITH GRANT OPTION;"
  echo "$port"
}

stop() {
  running || return 0
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  url) echo "mysql://oauthd:oauthd@127.0.0.1:$(cat "$dir/port")/${3:-oauthd}" ;;
  *) echo "mariadb.sh: unknown command $cmd" >&2; exit 2 ;;
esac
