#!/usr/bin/env bash
# Runs every test of the project: Go unit tests of the node agent, Deno unit,
# integration and fault tests against the local cluster (started here when it
# is not running, stopped again at the end), and the Python package's tests
# against real Airflow. Ends with one line `N passed, N failed` summing all
# suites. Extra arguments are passed to `deno test` (e.g. --filter NAME).
#
#   scripts/test.sh                 # everything
#   KJO_TEST_SUITES="unit" scripts/test.sh   # a subset: go unit integration fault python
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
suites="${KJO_TEST_SUITES:-go unit integration fault python}"
passed=0; failed=0; status=0
log_dir="$root/.devcluster/test-logs"; mkdir -p "$log_dir"

has_suite() { [[ " $suites " == *" $1 "* ]]; }
add_counts() { passed=$((passed + $1)); failed=$((failed + $2)); }
fail_setup() { echo "test: $1" >&2; failed=$((failed + 1)); status=1; }

DENO="$(scripts/bootstrap.sh)" || { echo "test: could not install Deno"; echo "0 passed, 1 failed"; exit 1; }
export PATH="$(dirname "$DENO"):$PATH"

# --- Go unit tests of the node agent
if has_suite go; then
  out="$log_dir/go.txt"
  (cd scripts/devcluster/agent && go test -count=1 -v ./... 2>&1) | tee "$out" | grep -E '^(--- FAIL|FAIL|ok|PASS)' || true
  add_counts "$(grep -c -- '^--- PASS' "$out")" "$(grep -c -- '^--- FAIL' "$out")"
  grep -qE '^(FAIL|--- FAIL)' "$out" && status=1
  grep -q '^\(ok\|PASS\)' "$out" || fail_setup "go test ran nothing"
fi

# --- the local cluster, for integration and fault tests and the Python tests
started_cluster=0
if has_suite integration || has_suite fault || has_suite python; then
  if bash scripts/devcluster/status.sh >/dev/null 2>&1; then
    echo "test: using the running local cluster" >&2
  elif bash scripts/devcluster/up.sh; then
    started_cluster=1
  else
    fail_setup "the local cluster did not start; see .devcluster/logs/"
  fi
fi
stop_cluster() { [ "$started_cluster" = 1 ] && bash scripts/devcluster/down.sh || true; }
trap stop_cluster EXIT

# run_deno_suite NAME DIR: deno test over DIR, counting its totals.
run_deno_suite() {
  local name="$1" dir="$2" out="$log_dir/deno-$1.txt"
  [ -d "$dir" ] || { fail_setup "no $dir"; return; }
  NO_COLOR=1 "$DENO" test -A --no-check=remote "$dir" "${@:3}" 2>&1 | tee "$out"
  local rc=${PIPESTATUS[0]}
  local line; line=$(sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)
  if [ -z "$line" ]; then fail_setup "deno test $name printed no totals (exit $rc)"; return; fi
  add_counts "$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$line")" "$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$line")"
  [ "$rc" = 0 ] || status=1
}
# The JSDoc examples type-check (deno check --doc-only): one check, 1 passed or 1 failed.
if has_suite unit; then
  if NO_COLOR=1 "$DENO" check --doc-only src/ mod.ts 2>&1 | tee "$log_dir/deno-doc-check.txt"; then
    add_counts 1 0
  else
    add_counts 0 1; status=1
  fi
fi
has_suite unit && run_deno_suite unit tests/unit "$@"
has_suite integration && run_deno_suite integration tests/integration "$@"
has_suite fault && [ -n "$(find tests/fault -name '*_test.ts' 2>/dev/null)" ] && run_deno_suite fault tests/fault "$@"

# --- the Airflow package
if has_suite python && [ -f python/pyproject.toml ]; then
  out="$log_dir/pytest.txt"
  bash python/scripts/test.sh 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$out" | tail -n 1)
  count_of() { grep -oE "[0-9]+ $1" <<<"$line" | grep -oE '[0-9]+' || echo 0; }
  p=$(count_of passed); f=$(( $(count_of failed) + $(count_of errors?) ))
  [ -n "$line" ] || fail_setup "pytest printed no totals (exit $rc)"
  add_counts "${p:-0}" "${f:-0}"
  [ "$rc" = 0 ] || status=1
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || status=1
exit "$status"
