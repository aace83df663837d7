# shellcheck shell=bash
# Shared by bench/run.sh and bench/peer.sh (sourced; ROOT is the repository): the Release build, a private MariaDB
# configured for load, servers that report their port, and what a process costs, read from /proc.

# shellcheck source=../deploy/lib/packages.sh
source "$ROOT/deploy/lib/packages.sh"

step() { echo ">> $(date +%H:%M:%S) $*"; }

# bench_build BUILD_DIR TARGET...: a Release build (no tests) of the targets.
bench_build() {
  local build=$1; shift
  step "building Release in $build"
  cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOAUTHD_BUILD_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target "$@"
}

# bench_mariadb STATE_DIR SCALE: starts the private MariaDB and sets PORT and DB_PID; sql_root runs SQL as root.
# Configured as a production server for this load would be: a buffer pool that holds the data set, and MariaDB's
# thread pool, which serves many short queries from few threads (with a thread per connection, MariaDB spent 60-88 us
# of CPU per oauthd query against 42-45 us pooled; see bench/README.md).
bench_mariadb() {
  local state=$1 scale=$2
  step "starting MariaDB"
  PORT=$(OAUTHD_MARIADB_BUFFER_POOL=$((384 * scale))M OAUTHD_MARIADB_ARGS=--thread-handling=pool-of-threads \
    "$ROOT/deploy/lib/mariadb.sh" start "$state/db")
  DB_PID=$(cat "$state/db/mysqld.pid")
}
sql_root() { mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uroot -N -e "$1"; }

# bench_wait_quiet: after a seed, until InnoDB has written its dirty pages and purged (up to 90 s), so that the
# first measurement and its ceiling see the same quiet machine.
bench_wait_quiet() {
  step "waiting for InnoDB to write the seed out (up to 90 s)"
  sql_root "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  local dirty history
  for _ in $(seq 1 90); do
    dirty=$(sql_root "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | awk '{print $2}')
    history=$(sql_root "SHOW ENGINE INNODB STATUS\G" | awk '/History list length/ {print $4}')
    [ "${dirty:-0}" -lt 100 ] && [ "${history:-0}" -lt 1000 ] && break
    sleep 1
  done
  sql_root "SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT"
  step "quiet (dirty pages ${dirty:-?}, history length ${history:-?})"
}

# start_server NAME LOG CMD...: starts a server that reports "port N" (bench tools print it, oauthd, the gateway
# and the peer log it), records its pid for cleanup (PIDS), and sets NAME_PORT and NAME_PID.
PIDS=()
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

# proc_cost PID → "cpu_ticks context_switches". The CPU is the process's (/proc/PID/stat counts the threads that have
# exited too; summing the live threads' went negative when MariaDB's pool threads ended), the switches the live
# threads'. /proc counts CPU in clock ticks (10 ms), so a 5 s run resolves a few µs per call.
TICK_US=$((1000000 / $(getconf CLK_TCK)))
proc_cost() {
  local pid=$1
  awk '{ printf "%d ", $14 + $15 }' /proc/"$pid"/stat
  cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ { s += $2 } END { print s }'
}

# syscalls_start DIR SECONDS PID...: counts every system call of each process for SECONDS, in the background (perf,
# from linux-perf; nothing when it cannot count here). syscalls_read DIR PID → the count, or -1.
syscalls_start() {
  local dir=$1 seconds=$2; shift 2
  SYSCALL_COUNTERS=()
  perf stat -e raw_syscalls:sys_enter -x, true >/dev/null 2>&1 || return 0
  for pid in "$@"; do
    perf stat -e raw_syscalls:sys_enter -x, -p "$pid" -o "$dir/syscalls.$pid" -- sleep "$seconds" >/dev/null 2>&1 &
    SYSCALL_COUNTERS+=("$!")
  done
}
syscalls_read() {
  local dir=$1 pid=$2
  for c in "${SYSCALL_COUNTERS[@]}"; do wait "$c" 2>/dev/null || true; done
  SYSCALL_COUNTERS=()
  awk -F, '/raw_syscalls/ { n = $1 } END { print (n ~ /^[0-9]+$/) ? n : -1 }' "$dir/syscalls.$pid" 2>/dev/null || echo -1
}

# profile_start PREFIX SECONDS PID...: perf record -g of each process for SECONDS, in the background, into
# PREFIX-NAME.data (NAME: the process's command name); syscalls_read waits for them too.
profile_start() {
  local prefix=$1 seconds=$2; shift 2
  for pid in "$@"; do
    perf record -g -F 997 -p "$pid" -o "$prefix-$(cat "/proc/$pid/comm").data" -- sleep "$seconds" >/dev/null 2>&1 &
    SYSCALL_COUNTERS+=("$!")
  done
}

# db_status → "Questions Com_commit Innodb_data_fsyncs Rows_read rows_written log_bytes" (0 for one MariaDB lacks):
# rows written are the handler's writes, updates and deletes; log bytes are what InnoDB wrote to its redo log.
db_status() {
  sql_root "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions','Com_commit','Innodb_data_fsyncs','Rows_read',
    'Handler_write','Handler_update','Handler_delete','Innodb_os_log_written')" |
    awk '{ v[$1] = $2 } END { print v["Questions"] + 0, v["Com_commit"] + 0, v["Innodb_data_fsyncs"] + 0,
      v["Rows_read"] + 0, v["Handler_write"] + v["Handler_update"] + v["Handler_delete"],
      v["Innodb_os_log_written"] + 0 }'
}

bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
