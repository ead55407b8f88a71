import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));

/** Every page and asset is same-origin, so require-corp costs nothing. */
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** Every pages/<slug>.html is a page of the multi-page build: adding a page needs no config change. */
const pages = readdirSync(resolve(root, 'pages'))
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.slice(0, -'.html'.length))
  .sort();

/** Page pictures (public/screenshots/<slug>-1400.png, made by `e2e/screenshots.mjs --readme`): the home page's thumbnails. */
const shotsDir = resolve(root, 'public', 'screenshots');
const thumbs = existsSync(shotsDir)
  ? readdirSync(shotsDir)
      .filter((f) => f.endsWith('-1400.png'))
      .map((f) => f.slice(0, -'-1400.png'.length))
      .sort()
  : [];

export default defineConfig({
  root,
  // Relative asset URLs: the build works from any path (a subfolder, file server, preview).
  base: './',
  define: { __DEMO_PAGES__: JSON.stringify(pages), __DEMO_THUMBS__: JSON.stringify(thumbs) },
  // The experiment worker (src/lib/experiment-worker.ts) imports every package, whose code
  // splits into chunks: only ES module workers can load chunks.
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // gpu.js's browser bundle alone is ~1 MB; it is one lazy-free page dependency, not a problem.
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      input: Object.fromEntries([
        ['index', resolve(root, 'index.html')],
        ...pages.map((p) => [`pages/${p}`, resolve(root, 'pages', `${p}.html`)]),
      ]),
    },
  },
  // Cross-origin isolation: SharedArrayBuffer, so @x/gpu's wasm kernels can run on a thread pool.
  preview: { host: '127.0.0.1', port: 5173, headers: ISOLATION },
  server: { host: '127.0.0.1', port: 5173, headers: ISOLATION },
});
