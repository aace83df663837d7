#!/usr/bin/env bash
# The whole test suite in one command, on a fresh Debian 12 machine or a developer's:
# installs missing packages, builds in build/, starts a private MariaDB (build/test-db, free loopback port),
# runs ctest, stops MariaDB. Exits non-zero on any failure.
#   tests/run.sh [-R REGEX]     extra arguments go to ctest
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${OAUTHD_BUILD_DIR:-$ROOT/build}

# shellcheck source=../deploy/lib/packages.sh
source deploy/lib/packages.sh
oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}" "${OAUTHD_TEST_PACKAGES[@]}"

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
