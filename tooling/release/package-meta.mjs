// Writes the publish metadata every @x package carries: a copy of the root LICENSE, "LICENSE" in
// `files`, and repository/homepage/bugs. Edits package.json as text (a few inserted lines), so it
// merges cleanly with concurrent changes to the same files. Idempotent; run after adding a package:
//   node tooling/release/package-meta.mjs
// REPO is a placeholder until the repository has a public home: change it here and rerun.
import { copyFileSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = 'https://example.com/x/x';

const root = join(import.meta.dirname, '..', '..');
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name);
  const file = join(dir, 'package.json');
  if (!existsSync(file)) continue;
  let text = readFileSync(file, 'utf8');
  const pkg = JSON.parse(text);
  if (pkg.private) continue;
  copyFileSync(join(root, 'LICENSE'), join(dir, 'LICENSE'));
  if (!pkg.repository) {
    const meta = [
      `"repository": { "type": "git", "url": "git+${REPO}.git", "directory": "packages/${name}" }`,
      `"homepage": "${REPO}/tree/main/packages/${name}#readme"`,
      `"bugs": { "url": "${REPO}/issues" }`,
    ];
    text = text.replace(/^(\s*)"license": "MIT",\n/m, (m, ind) => m + meta.map((l) => `${ind}${l},\n`).join(''));
  }
  if (!pkg.files.includes('LICENSE')) {
    // Multi-line arrays get a line of their own, one-line arrays an element.
    text = text.replace(/"files": \[(\s*)"dist"/, (m, ws) => `${m},${ws.includes('\n') ? ws : ' '}"LICENSE"`);
  }
  const after = JSON.parse(text);
  if (!after.repository || !after.files.includes('LICENSE')) throw new Error(`${file}: could not place the metadata`);
  writeFileSync(file, text);
}
