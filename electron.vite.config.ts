import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './src/shared/backend/content-security-policy';

/** The built page also carries the CSP itself (the shells send it as a header too); dev keeps Vite's inline HMR preamble working. */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'natlens-csp-meta',
    apply: 'build',
    // frame-ancestors is only honoured as a header; browsers warn about it in a meta tag.
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; ') },
        injectTo: 'head',
      },
    ],
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The import worker thread (src/main/index.ts starts it from out/main/import-worker.js) and the dump
      // reader thread it starts for a large iptables-save dump (out/main/dump-reader-worker.js).
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'import-worker': resolve(__dirname, 'src/server/import-worker.ts'),
          'dump-reader-worker': resolve(__dirname, 'src/core/import/dump-reader-worker.ts'),
          // The operation pool's worker (heavy operations off the main process: shared/backend/operation-pool.ts).
          'operation-worker': resolve(__dirname, 'src/server/operation-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload is one CommonJS script: everything but electron inlined, no chunks.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].js', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    base: './',
    plugins: [react(), contentSecurityPolicyMeta()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
