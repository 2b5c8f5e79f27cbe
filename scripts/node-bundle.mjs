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
export async function bundleForNode(entry, outfile, { sourcemap = false } = {}) {
  const result = await build({ ...options, entryPoints: [entry], outfile, ...(sourcemap ? { sourcemap: 'linked' } : {}) });
  fs.writeFileSync(outfile, asciiOnly(fs.readFileSync(outfile, 'utf8')));
  return result;
}

/**
 * The bundle with every non-ASCII character written as a \u escape. esbuild escapes them in strings but leaves them
 * in regular expressions and kept comments (…, →, ❯ in the transcript readers); one such character makes the whole
 * source a two-byte string to V8, decoded from UTF-8 and scanned at twice the size each time a thread loads the bundle
 * (~5 ms of CPU per bundle loaded, the command line's and the import worker's in every import). A \u escape means the
 * same UTF-16 unit in a string, a regular expression (a surrogate pair of escapes is one code point under /u) and an
 * identifier, and is text in a comment. Columns after such a character in its line move in the source map.
 */
export function asciiOnly(source) {
  // A character after a backslash is escaped already (a regular expression's identity escape): the backslash would
  // then escape the escape's own backslash instead. Refused rather than changed in meaning.
  const escaped = /\\[^\x00-\x7f]/.exec(source);
  if (escaped !== null) throw new Error(`a non-ASCII character after a backslash at offset ${escaped.index} of the bundle: write it as \\u${escaped[0].charCodeAt(1).toString(16).padStart(4, '0')} in the source`);
  return source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
