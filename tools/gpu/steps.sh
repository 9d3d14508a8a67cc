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
# junit NAME TIMEOUT_S SELECTORS...: the @Tag("gpu") tests selected, through the bundle's JUnit console
# launcher (failing when it finds none); JUNIT_DETAILS=tree lists every test (default: summary).
junit() {
  local name=$1 limit=$2; shift 2
  local console; console=$(ls .device/app/junit-platform-console-standalone-*.jar 2>/dev/null | head -1)
  step "$name" "$limit" "$JAVA" -Xmx24g -jar "$console" execute --class-path "$CP" --include-tag gpu --fail-if-no-tests \
      --details="${JUNIT_DETAILS:-summary}" --details-theme=ascii --disable-banner "$@"
}
