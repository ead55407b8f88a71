#!/usr/bin/env bash
# The main job: installs what is missing (pnpm, node modules), builds every package, then serves
# the demo app and prints its URL. With --headless: runs every registered experiment in Node and
# prints a summary instead.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Only for headless GL in Node (optional: the browser page uses the browser's WebGL2).
  bash tooling/scripts/system-deps.sh || echo "demos: system packages could not be installed; continuing without headless GL"
fi
bash tooling/scripts/ensure-node-modules.sh
pnpm exec turbo run build --output-logs=errors-only
exec bash apps/demos/scripts/serve.sh --no-deps "$@"
