// The console is built into console/dist, which the Tally process serves at /console/ (src/http/
// console.ts). Preact's JSX is compiled by esbuild directly (no plugin), and nothing is inlined:
// the page's Content-Security-Policy allows only same-origin scripts and styles.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline assets (data: URLs) and no preload polyfill: the CSP stays 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
