/// <reference types="vite/client" />

/** Slugs of the pages/*.html files in this build (vite.config.ts defines it). */
declare const __DEMO_PAGES__: readonly string[];
