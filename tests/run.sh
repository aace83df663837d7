#!/usr/bin/env bash
# The whole test suite in one command, on a fresh Debian 12 machine or a developer's:
# installs missing packages, builds in build/, starts a private MariaDB (build/test-db, free loopback port),
# runs ctest; then, for a full run, the unit and integration tests again built with ASan + UBSan (build-asan/),
# and the fuzz targets' corpora replayed and each target fuzzed briefly (tests/fuzz/run.sh, build-fuzz/).
# Stops MariaDB. Exits non-zero on any failure.
#   tests/run.sh                full run
#   tests/run.sh -R REGEX       extra arguments go to ctest, and only that ctest run is made
# OAUTHD_SKIP_SANITIZERS=1 or OAUTHD_SKIP_FUZZ=1 leave out those stages; OAUTHD_FUZZ_SECONDS sets the fuzzing
# time per target (default 15).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${OAUTHD_BUILD_DIR:-$ROOT/build}

# shellcheck source=../deploy/lib/packages.sh
source deploy/lib/packages.sh
oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}" "${OAUTHD_TEST_PACKAGES[@]}" "${OAUTHD_FUZZ_PACKAGES[@]}"

# Node.js and npm run the compatibility tests with real clients (@grpc/grpc-js, @mattermost/client).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then oauthd_ensure_packages nodejs npm; fi
echo ">> installing the compatibility tests' npm packages (lockfile)"
(cd tests/compat && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo ">> configuring and building in $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE="${OAUTHD_BUILD_TYPE:-RelWithDebInfo}" ${OAUTHD_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD" -j2

DBDIR=$BUILD/test-db
echo ">> starting a private MariaDB in $DBDIR"
PORT=$(deploy/lib/mariadb.sh start "$DBDIR")
trap 'deploy/lib/mariadb.sh stop "$DBDIR"' EXIT
export OAUTHD_TEST_MYSQL=127.0.0.1:$PORT
export OAUTHD_TEST_MARIADB_CTL=$ROOT/deploy/lib/mariadb.sh
export OAUTHD_TEST_MARIADB_DIR=$DBDIR
export OAUTHD_BIN_DIR=$BUILD/bin

echo ">> running the tests (MariaDB on 127.0.0.1:$PORT)"
ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 300 "$@"
[ $# -eq 0 ] || exit 0

if [ "${OAUTHD_SKIP_SANITIZERS:-0}" != 1 ]; then
  ASAN_BUILD=${OAUTHD_ASAN_BUILD_DIR:-$ROOT/build-asan}
  echo ">> building with ASan + UBSan in $ASAN_BUILD"
  # -O1 with line tables only: what ASan recommends, file:line in every report, and half the build time of -O2 -g
  # (6 min instead of 12 here).
  cmake -S . -B "$ASAN_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DOAUTHD_SANITIZE=ON -DOAUTHD_BUILD_BENCH=OFF >/dev/null
  cmake --build "$ASAN_BUILD" -j2
  echo ">> running the unit and integration tests under ASan + UBSan"
  OAUTHD_BIN_DIR=$ASAN_BUILD/bin \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
  LSAN_OPTIONS=suppressions=$ROOT/tests/sanitizers/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$ASAN_BUILD" --output-on-failure -j2 --timeout 600 -L 'unit|integration' -LE galera
fi

if [ "${OAUTHD_SKIP_FUZZ:-0}" != 1 ]; then
  tests/fuzz/run.sh --seconds "${OAUTHD_FUZZ_SECONDS:-15}"
fi
