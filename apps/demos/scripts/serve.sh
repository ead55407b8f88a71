#!/usr/bin/env bash
# The demo app's main command.
#   scripts/serve.sh              build the @x packages it needs and the app, then serve it
#                                 with `vite preview` on http://127.0.0.1:5173/ (PORT=... to change)
#   scripts/serve.sh --headless   run every registered experiment in Node and print a summary
#                                 (extra arguments go to run-experiments.ts: --full, --filter X, --json F)
#   scripts/serve.sh --no-deps    skip building the workspace packages (already built)
set -euo pipefail
cd "$(dirname "$0")/.."

headless=0
deps=1
passthrough=()
for arg in "$@"; do
  case "$arg" in
    --headless) headless=1 ;;
    --no-deps) deps=0 ;;
    *) passthrough+=("$arg") ;;
  esac
done

if [ "$deps" = 1 ]; then
  # The app imports the packages' built dist/; turbo builds only what is missing or stale.
  (cd ../.. && pnpm exec turbo run build --filter='@x/demos^...' --output-logs=errors-only)
fi

if [ "$headless" = 1 ]; then
  exec pnpm exec tsx scripts/run-experiments.ts "${passthrough[@]}"
fi

port="${PORT:-5173}"
pnpm exec vite build --logLevel warn
echo
echo "@x demos: http://127.0.0.1:${port}/"
echo
exec pnpm exec vite preview --host 127.0.0.1 --port "$port" --strictPort "${passthrough[@]}"
