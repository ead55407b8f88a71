#!/usr/bin/env bash
# The whole test suite: lint, build, typecheck, unit/conformance tests of every package,
# package-shape checks (publint, attw) and the browser end-to-end test. Prints one summary line.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$(dirname "$0")/../.."
bash tooling/scripts/ensure-node-modules.sh
find packages apps -name test-results.json -not -path '*/node_modules/*' -delete 2>/dev/null || true

run() {
  # headless GL needs an X display; give it one when there is none.
  if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
    xvfb-run -a -s "-ac -screen 0 1280x1024x24" "$@"
  else
    "$@"
  fi
}

pnpm exec biome lint .
status=0
run pnpm exec turbo run build typecheck test publint e2e --concurrency=2 --env-mode=loose --output-logs=errors-only --log-order=grouped --continue || status=$?
node tooling/scripts/size-budget.mjs || status=$?
node tooling/scripts/import-cycles.mjs || status=$?
node tooling/scripts/summarize-tests.mjs || status=$?
exit $status
