/// <reference types="vite/client" />

/** Slugs of the pages/*.html files in this build (vite.config.ts defines it). */
declare const __DEMO_PAGES__: readonly string[];
/** Slugs with a picture in public/screenshots/<slug>-1400.png (vite.config.ts defines it). */
declare const __DEMO_THUMBS__: readonly string[];
