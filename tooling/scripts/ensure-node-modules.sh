#!/usr/bin/env bash
# Brings pnpm (the version pinned in package.json) and installs the workspace's node modules.
# Sourced by the README's commands; works on a machine with only Node 20 and npm.
set -euo pipefail
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want" ]; then
  echo "installing pnpm@$want"
  npm install -g "pnpm@$want" >/dev/null
  hash -r
fi
# --frozen-lockfile: CI and fresh clones get exactly the committed dependency tree.
pnpm install --frozen-lockfile --reporter=append-only | grep -vE '^\s*$|Progress' | tail -n 20
