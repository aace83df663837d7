# Installs the Debian packages oauthd needs, only those missing (sourced by tests/run.sh, deploy/local/up.sh and
# bench/run.sh). Needs root (or sudo) only when something is missing.
OAUTHD_BUILD_PACKAGES=(
  cmake g++ make pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libmysqlcppconn-dev libmariadb-dev libssl-dev libboost-dev libjemalloc-dev
  libgtest-dev libgmock-dev libgoogle-common-protos-java
  mariadb-server mariadb-client curl
)

# Only the test suite needs these: a real browser for the consent-page test; podman (with runc) and mmdebstrap to
# build and run the container image from a local Debian base; LuaJIT (Envoy's Lua) for deploy/envoy's Lua filter;
# and the Galera cluster test's (OAUTHD_CLUSTER_PACKAGES).
OAUTHD_TEST_PACKAGES=(chromium podman runc mmdebstrap luajit)

# A local MariaDB Galera cluster (deploy/lib/galera.sh): the wsrep provider, and mariadb-backup with socat for state
# transfer.
OAUTHD_CLUSTER_PACKAGES=(galera-4 mariadb-backup socat)
OAUTHD_TEST_PACKAGES+=("${OAUTHD_CLUSTER_PACKAGES[@]}")

# The fuzz targets (tests/fuzz/run.sh): clang with its libFuzzer and sanitizer runtimes.
OAUTHD_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

oauthd_ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo ">> installing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  # policy-rc.d keeps the mariadb-server package from starting a system service; we run our own.
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
