# Sourced by the tools/gpu scripts: step NAME TIMEOUT_S COMMAND... runs COMMAND under a time limit
# between two "===" lines (start time, exit code, seconds) and sets status=1 when it fails; the
# next step still runs.
status=${status:-0}
step() {
  local name=$1 limit=$2; shift 2
  echo "=== $name ($(date -u +%H:%M:%S), limit ${limit}s)"
  local t0=$SECONDS
  timeout --kill-after=10 "$limit" "$@"
  local rc=$?
  echo "=== $name: exit $rc after $((SECONDS - t0)) s"
  [ $rc -eq 0 ] || status=1
  return 0
}
