#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz/, replays every checked-in corpus input (seeds
# and the inputs of bugs once found), then fuzzes each target for a while. Exits non-zero on any finding; the
# input that found it is written to build-fuzz/findings/ (add it to tests/fuzz/corpus/<target>/ with the fix).
#   tests/fuzz/run.sh                  replay, then 1 minute per target
#   tests/fuzz/run.sh --minutes N      replay, then N minutes per target
#   tests/fuzz/run.sh --seconds N      replay, then N seconds per target (tests/run.sh uses a short run)
#   tests/fuzz/run.sh --replay         replay only
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${OAUTHD_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
seconds=60
case "${1:-}" in
  "") ;;
  --minutes) seconds=$(( ${2:?--minutes takes a number} * 60 )) ;;
  --seconds) seconds=${2:?--seconds takes a number} ;;
  --replay) seconds=0 ;;
  -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "run.sh: not a whole number: $seconds" >&2; exit 2; }

# shellcheck source=../../deploy/lib/packages.sh
source deploy/lib/packages.sh
oauthd_ensure_packages "${OAUTHD_BUILD_PACKAGES[@]}" "${OAUTHD_FUZZ_PACKAGES[@]}"

echo ">> building the fuzz targets in $BUILD (clang, ASan + UBSan)"
# -O1 -gline-tables-only: libFuzzer's recommended flags (file:line in reports, a quicker build than -O2 -g).
cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOAUTHD_FUZZ=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DOAUTHD_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target fuzz_targets

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/findings"
passed=0 failed=0
for target in $(ls tests/fuzz/corpus); do
  bin=$BUILD/fuzz/$target
  seeds=tests/fuzz/corpus/$target
  echo ">> $target: replaying $(ls "$seeds" | wc -l) corpus inputs"
  if ! "$bin" -runs=0 -timeout=10 "$seeds" >"$BUILD/findings/$target.replay.log" 2>&1; then
    echo "!! $target failed on a corpus input; see $BUILD/findings/$target.replay.log" >&2
    tail -30 "$BUILD/findings/$target.replay.log" >&2
    failed=$((failed + 1)); continue
  fi
  if [ "$seconds" -gt 0 ]; then
    echo ">> $target: fuzzing for ${seconds}s"
    work=$BUILD/corpus/$target  # new inputs go here; the checked-in corpus is only read
    mkdir -p "$work"
    if ! "$bin" "$work" "$seeds" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -artifact_prefix="$BUILD/findings/$target-" >"$BUILD/findings/$target.log" 2>&1; then
      echo "!! $target found a failing input; see $BUILD/findings/" >&2
      tail -40 "$BUILD/findings/$target.log" >&2
      failed=$((failed + 1)); continue
    fi
    grep -E "^Done|stat::number_of_executed_units" "$BUILD/findings/$target.log" | tail -1 || true
  fi
  passed=$((passed + 1))
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
