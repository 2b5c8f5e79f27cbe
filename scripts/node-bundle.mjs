// One entry of src bundled for Node as the CLI ships it (out/cli): CommonJS, node20, native and data-reading
// packages left to node_modules. scripts/build-cli.mjs and the tests that start worker threads use it.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';

/** `import text from './file?raw'` as Vite reads it: the file's text (the collector script is shipped this way). */
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({ path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)), namespace: 'raw-text' }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, (args) => ({ contents: fs.readFileSync(args.path, 'utf8'), loader: 'text', watchFiles: [args.path] }));
  },
};

const options = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // pdfkit reads its own data files next to itself, and the PDF fonts are found through node_modules. tar and fflate
  // are loaded only when an archive is unpacked (core/import/archive.ts). better-sqlite3's JavaScript is bundled (it
  // then loads through the code cache, ~10 ms less per thread that opens a project); its addon is named to it by
  // path (core/model/sqlite-binding.ts), so `bindings`, which would look for it, stays outside.
  external: ['bindings', 'electron', 'pdfkit', 'fontkit', 'dejavu-fonts-ttf', 'tar', 'fflate'],
  plugins: [rawText],
  logLevel: 'warning',
};

/** Bundles `entry` into `outfile`; `sourcemap` adds a linked map beside it. */
export function bundleForNode(entry, outfile, { sourcemap = false } = {}) {
  return build({ ...options, entryPoints: [entry], outfile, ...(sourcemap ? { sourcemap: 'linked' } : {}) });
}

/** What bundling `entry` (relative to `root`) would read, as esbuild's metafile inputs; nothing is written. */
export async function bundleInputs(entry, root) {
  const result = await build({ ...options, entryPoints: [entry], absWorkingDir: root, write: false, metafile: true, logLevel: 'silent' });
  return result.metafile.inputs;
}

/**
 * Bundles `entry` in memory and evaluates it, for build scripts that read a value out of src (the command table, the
 * schema's migrations); returns its exports. What `external` leaves out is required from the entry's folder.
 */
export async function loadBundled(entry, { external = [], plugins = [] } = {}) {
  const result = await build({ entryPoints: [entry], bundle: true, write: false, format: 'cjs', platform: 'node', logLevel: 'silent', external, plugins });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', result.outputFiles[0].text)(module, module.exports, createRequire(entry));
  return module.exports;
}
