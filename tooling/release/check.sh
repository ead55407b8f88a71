#!/usr/bin/env bash
# Release dry run in a throwaway copy, leaving the repository untouched: `changeset version`
# (consumes the pending changesets, bumps versions, writes changelogs), then
# `pnpm publish -r --dry-run` of every public package with the new versions. Needs the packages
# built (dist/). Prints each package's version before -> after, then pnpm's publish summary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/x-release-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cd "$repo"
cp package.json pnpm-workspace.yaml pnpm-lock.yaml LICENSE "$tmp/"
cp -r .changeset "$tmp/"
for d in packages/* apps/*; do
  [ -f "$d/package.json" ] || continue
  mkdir -p "$tmp/$d"
  cp "$d/package.json" "$tmp/$d/"
  case $d in
    packages/*) for x in README.md LICENSE CHANGELOG.md dist; do if [ -e "$d/$x" ]; then cp -r "$d/$x" "$tmp/$d/"; fi; done ;;
  esac
done
# The tools and the changelog generator resolve from the repository's node_modules.
ln -s "$repo/node_modules" "$tmp/node_modules"

cd "$tmp"
git init -q
git add -A
git -c user.name=release-check -c user.email=release-check@localhost commit -qm snapshot
versions() { node -e 'const fs=require("fs");for(const d of fs.readdirSync("packages").sort()){const p=JSON.parse(fs.readFileSync(`packages/${d}/package.json`,"utf8"));if(!p.private)console.log(p.name+" "+p.version)}'; }
versions > "$tmp/.before"
"$repo/node_modules/.bin/changeset" version
versions > "$tmp/.after"
join "$tmp/.before" "$tmp/.after" | awk '{ print "version " $1 " " $2 " -> " $3 }'

# What `pnpm install` would link: each package's @x dependencies -> the copy's folders, so pnpm
# can resolve the workspace: protocol (to the new versions) without installing anything else.
node -e '
const fs = require("fs"), path = require("path");
const dirs = fs.readdirSync("packages").filter((d) => fs.existsSync(`packages/${d}/package.json`));
const byName = Object.fromEntries(dirs.map((d) => [JSON.parse(fs.readFileSync(`packages/${d}/package.json`, "utf8")).name, d]));
for (const d of dirs) {
  const p = JSON.parse(fs.readFileSync(`packages/${d}/package.json`, "utf8"));
  const deps = { ...p.dependencies, ...p.devDependencies, ...p.peerDependencies, ...p.optionalDependencies };
  for (const [name, spec] of Object.entries(deps)) {
    if (!String(spec).startsWith("workspace:") || !byName[name]) continue;
    const link = path.join("packages", d, "node_modules", name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.relative(path.dirname(link), path.join("packages", byName[name])), link);
  }
}'
pnpm publish -r --dry-run --no-git-checks --filter './packages/*' > "$tmp/.publish" 2>&1 || { cat "$tmp/.publish"; exit 1; }
grep -E '^\+ ' "$tmp/.publish"
