#!/usr/bin/env bash
# A private MariaDB primary with an asynchronous read replica, in a folder of their own (DIR/primary, DIR/replica):
# loopback only, free ports, no system service; binary-log replication with GTIDs, as a managed database's read
# replica runs. Built on deploy/lib/mariadb.sh.
#   replica.sh start DIR            start both (replication set up the first time); prints the primary's port, then
#                                   the replica's, one a line
#   replica.sh stop DIR             stop both
#   replica.sh stop-replica DIR     stop the replica's server alone (the primary goes on taking writes)
#   replica.sh start-replica DIR    start it again: it catches up from where it stopped
#   replica.sh url DIR primary|replica DB
#                                   prints mysql://oauthd:oauthd@127.0.0.1:PORT/DB
# Works as root and as an ordinary user.
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mariadb_sh="$(cd "$(dirname "$0")" && pwd)/mariadb.sh"

sql() { mariadb --no-defaults --socket="$dir/$1/mysqld.sock" -uroot -N -e "$2"; }
replica_status() { mariadb --no-defaults --socket="$dir/replica/mysqld.sock" -uroot -e "SHOW SLAVE STATUS\G"; }

# The primary logs every change by row; the replica applies them, is read-only to everyone without READ ONLY
# ADMIN, and starts replicating by itself whenever its server starts.
start_primary() {
  OAUTHD_MARIADB_ARGS="--server-id=1 --log-bin=mysql-bin --binlog-format=ROW" "$mariadb_sh" start "$dir/primary"
}
start_replica() {
  OAUTHD_MARIADB_ARGS="--server-id=2 --read-only=ON --relay-log=relay-bin" "$mariadb_sh" start "$dir/replica"
}

# Points the replica at the primary from the primary's current position (what came before, the servers' own
# set-up, each did for itself), then waits until both replication threads run.
set_up_replication() {
  local primary_port=$1
  sql primary "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'repl';
               GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';"
  local pos; pos=$(sql primary "SELECT @@gtid_binlog_pos")
  sql replica "STOP SLAVE; SET GLOBAL gtid_slave_pos = '$pos';
               CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$primary_port, MASTER_USER='repl',
                 MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
               START SLAVE;"
  touch "$dir/replica/replicating"
}

wait_replicating() {
  for _ in $(seq 1 100); do
    if [ "$(replica_status | grep -cE 'Slave_(IO|SQL)_Running: Yes')" = 2 ]; then return 0; fi
    sleep 0.1
  done
  echo "replica.sh: replication did not start:" >&2
  replica_status | grep -E 'Running|Error' >&2
  return 1
}

case "$cmd" in
  start)
    primary_port=$(start_primary)
    replica_port=$(start_replica)
    [ -f "$dir/replica/replicating" ] || set_up_replication "$primary_port"
    wait_replicating
    echo "$primary_port"; echo "$replica_port" ;;
  stop) "$mariadb_sh" stop "$dir/replica"; "$mariadb_sh" stop "$dir/primary" ;;
  stop-replica) "$mariadb_sh" stop "$dir/replica" ;;
  start-replica) start_replica >/dev/null; wait_replicating ;;
  url)
    case "${3:-}" in primary|replica) ;; *) echo "replica.sh: url DIR primary|replica DB" >&2; exit 2 ;; esac
    "$mariadb_sh" url "$dir/$3" "${4:-oauthd}" ;;
  *) echo "replica.sh: unknown command $cmd" >&2; exit 2 ;;
esac
