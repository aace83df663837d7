#!/usr/bin/env bash
# A private MariaDB Galera cluster in a folder of its own: N nodes (default 3) on loopback, each its own datadir and
# ports, no system service. The first node bootstraps the cluster; the others join it by state transfer with
# mariadb-backup (rsync SST fails when MariaDB runs as root, because its daemon drops to `nobody`).
#   galera.sh start DIR [N]    start the cluster (or the nodes of it that are down); prints the SQL ports, one a line
#   galera.sh stop DIR         stop every node (the last one cleanly, so the cluster can be bootstrapped again)
#   galera.sh kill DIR I       SIGKILL node I (1-based), as a crash would
#   galera.sh rejoin DIR I     start node I again after a crash: --wsrep-recover finds its last position, so it
#                              rejoins by incremental state transfer (IST) when the others still have the writes
#   galera.sh urls DIR DB      prints mysql://oauthd:oauthd@127.0.0.1:PORT/DB for each node, one a line
#   galera.sh status DIR       prints each node's port, cluster size and whether it is ready
# Needs the Debian packages mariadb-server, galera-4, mariadb-backup and socat (deploy/lib/packages.sh lists
# them: OAUTHD_CLUSTER_PACKAGES). Works as root and as an ordinary user.
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
provider=/usr/lib/galera/libgalera_smm.so
[ -f "$provider" ] || provider=/usr/lib/libgalera_smm.so

. "$(cd "$(dirname "$0")" && pwd)/ports.sh"

# Four ports per node, in one free block: SQL, group communication, IST and SST.
pick_base() { pick_ports 4; }

node_dir() { echo "$dir/node$1"; }
nodes() { cat "$dir/nodes" 2>/dev/null || echo 0; }
base() { cat "$(node_dir "$1")/base"; }
sql_port() { base "$1"; }
running() { local p="$(node_dir "$1")/mysqld.pid"; [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null; }
sql() { mariadb --no-defaults --socket="$(node_dir "$1")/mysqld.sock" -uroot -N -e "$2" 2>/dev/null; }
ready() { [ "$(sql "$1" "SHOW STATUS LIKE 'wsrep_ready'" | awk '{print $2}')" = ON ]; }

cluster_address() {
  local n; n=$(nodes); local addrs=()
  for i in $(seq 1 "$n"); do addrs+=("127.0.0.1:$(( $(base "$i") + 1 ))"); done
  local IFS=,; echo "gcomm://${addrs[*]}"
}

# start_node I [extra mariadbd options...]: starts node I against the cluster address and waits until it is ready.
start_node() {
  local i=$1; shift
  local d; d=$(node_dir "$i")
  local b; b=$(base "$i")
  # The node's own option file, not --no-defaults: the state-transfer script reads its [sst] group from the same
  # file, and without one it would read Debian's /etc/mysql (which sends its log to syslog, where nobody sees it).
  cat >"$d/my.cnf" <<EOF
[mysqld]
datadir=$d/data
socket=$d/mysqld.sock
port=$b
bind-address=127.0.0.1
skip-name-resolve
pid-file=$d/mysqld.pid
log-error=$d/error.log
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
max-connections=500
innodb-buffer-pool-size=${OAUTHD_MARIADB_BUFFER_POOL:-128M}
innodb-flush-log-at-trx-commit=2
binlog-format=ROW
default-storage-engine=InnoDB
innodb-autoinc-lock-mode=2
wsrep-on=ON
wsrep-provider=$provider
wsrep-cluster-name=oauthd
wsrep-node-name=node$i
wsrep-node-address=127.0.0.1:$((b + 1))
wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$((b + 1));ist.recv_addr=127.0.0.1:$((b + 2));gcache.size=256M"
wsrep-sst-method=mariabackup
wsrep-sst-auth=root:
wsrep-sst-receive-address=127.0.0.1:$((b + 3))
$([ "$(id -u)" = 0 ] && echo user=root)
[sst]
sst-syslog=-1
sst-log-archive=0
EOF
  mariadbd --defaults-file="$d/my.cnf" --wsrep-cluster-address="$(cluster_address)" "$@" >/dev/null 2>&1 &
  local pid=$!  # the pid file appears only once the server is up
  for _ in $(seq 1 1200); do
    if mariadb-admin --no-defaults --socket="$d/mysqld.sock" -uroot ping >/dev/null 2>&1 && ready "$i"; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "galera.sh: node $i did not become ready; see $d/error.log" >&2
  tail -30 "$d/error.log" >&2
  exit 1
}

start() {
  local n=${1:-$(nodes)}
  [ "$n" -ge 1 ] 2>/dev/null || n=3
  if [ ! -f "$dir/nodes" ]; then
    echo "$n" >"$dir/nodes"
    local taken=" "
    for i in $(seq 1 "$n"); do
      local d b; d=$(node_dir "$i"); mkdir -p "$d"
      # Nothing listens on a block until its node starts: pick until it differs from the others' blocks.
      for _ in $(seq 1 20); do b=$(pick_base); [[ "$taken" == *" $b "* ]] || break; done
      taken="$taken$b "
      echo "$b" >"$d/base"
    done
  fi
  n=$(nodes)
  local any_running=0
  for i in $(seq 1 "$n"); do running "$i" && any_running=1; done
  for i in $(seq 1 "$n"); do
    running "$i" && continue
    local d; d=$(node_dir "$i")
    if [ ! -d "$d/data/mysql" ]; then
      if [ "$i" -eq 1 ] && [ "$any_running" -eq 0 ]; then
        local user_args=()
        [ "$(id -u)" = 0 ] && user_args=(--user=root)
        mariadb-install-db --no-defaults --datadir="$d/data" "${user_args[@]}" \
          --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1 \
          || { cat "$d/install.log" >&2; exit 1; }
      else
        mkdir -p "$d/data"  # filled by state transfer from a running node
      fi
    fi
    if [ "$any_running" -eq 0 ]; then
      # The first node up forms the cluster; it must be the one safe to bootstrap from.
      [ -f "$d/data/grastate.dat" ] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$d/data/grastate.dat"
      start_node "$i" --wsrep-new-cluster
      sql "$i" "CREATE USER IF NOT EXISTS 'oauthd'@'%' IDENTIFIED BY 'oauthd';
                GRANT ALL ON *.* TO 'oauthd'@'%' WITH GRANT OPTION;"
      any_running=1
    else
      start_node "$i"
    fi
  done
  for i in $(seq 1 "$n"); do sql_port "$i"; done
}

stop() {
  local n; n=$(nodes)
  # The last node to stop is the one the cluster can be bootstrapped from again.
  for i in $(seq "$n" -1 1); do
    running "$i" || continue
    local pid; pid=$(cat "$(node_dir "$i")/mysqld.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

kill_node() {
  local i=$1
  running "$i" || return 0
  kill -9 "$(cat "$(node_dir "$i")/mysqld.pid")"
  for _ in $(seq 1 100); do running "$i" || return 0; sleep 0.1; done
}

rejoin() {
  local i=$1
  running "$i" && return 0
  local d; d=$(node_dir "$i")
  # After a crash grastate.dat has no position: recover it from InnoDB, so the node asks for only what it missed.
  mariadbd --defaults-file="$d/my.cnf" --wsrep-cluster-address="$(cluster_address)" --wsrep-recover \
    --log-error="$d/recover.log" >/dev/null 2>&1 || true
  local pos
  pos=$(grep -o "Recovered position: [^ ]*" "$d/recover.log" 2>/dev/null | tail -1 | awk "{print \$3}" || true)
  if [ -n "$pos" ]; then
    start_node "$i" --wsrep-start-position="$pos"
  else
    start_node "$i"
  fi
}

case "$cmd" in
  start) start "${3:-}" ;;
  stop) stop ;;
  kill) kill_node "${3:?node number}" ;;
  rejoin) rejoin "${3:?node number}" ;;
  urls) for i in $(seq 1 "$(nodes)"); do echo "mysql://oauthd:oauthd@127.0.0.1:$(sql_port "$i")/${3:-oauthd}"; done ;;
  status)
    for i in $(seq 1 "$(nodes)"); do
      if running "$i"; then
        echo "node$i port $(sql_port "$i") size $(sql "$i" "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}') ready $(ready "$i" && echo yes || echo no)"
      else
        echo "node$i port $(sql_port "$i") down"
      fi
    done ;;
  *) echo "galera.sh: unknown command $cmd" >&2; exit 2 ;;
esac
