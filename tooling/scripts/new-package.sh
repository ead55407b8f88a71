#!/usr/bin/env bash
# Scaffolds packages/<name> with the house layout: package.json (dual ESM/CJS exports),
# tsconfig, tsup and vitest configs. Usage: tooling/scripts/new-package.sh <name> "<description>"
set -euo pipefail
name=$1; desc=${2:-}
dir=$(dirname "$0")/../../packages/$name
mkdir -p "$dir/src" "$dir/test"
cat > "$dir/package.json" <<JSON
{
  "name": "@x/$name",
  "version": "0.0.0",
  "description": "$desc",
  "license": "MIT",
  "engines": { "node": ">=18" },
  "type": "module",
  "sideEffects": false,
  "main": "./dist/index.cjs",
  "module": "./dist/index.js",
  "types": "./dist/index.d.cts",
  "exports": {
    ".": {
      "import": { "types": "./dist/index.d.ts", "default": "./dist/index.js" },
      "require": { "types": "./dist/index.d.cts", "default": "./dist/index.cjs" }
    },
    "./package.json": "./package.json"
  },
  "files": ["dist"],
  "scripts": {
    "build": "tsup",
    "typecheck": "tsc --noEmit -p tsconfig.json",
    "test": "vitest run",
    "publint": "publint --strict && attw --pack . --profile node16"
  },
  "peerDependencies": {
    "@x/gpu": "workspace:0.x"
  },
  "devDependencies": {
    "@x/gpu": "workspace:^"
  }
}
JSON
cp "$dir/../gpu/tsconfig.json" "$dir/tsconfig.json"
cat > "$dir/tsup.config.ts" <<'TS'
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
});
TS
cp "$dir/../gpu/vitest.config.ts" "$dir/vitest.config.ts"
# LICENSE copy, repository/homepage/bugs (tooling/release/package-meta.mjs).
node "$(dirname "$0")/../release/package-meta.mjs"
echo "created $dir"
