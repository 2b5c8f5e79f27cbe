// Bundles the command line (src/cli) into out/cli/natlens.cjs so ./bin/natlens starts fast.
// Runs as npm's `prepare` step, so `npm install` alone leaves a working ./bin/natlens.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
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
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The server, import and operation-pool worker threads of `natlens serve` and the dump reader thread of every import are separate bundles next to the CLI.
for (const [entry, out] of [['src/cli/main.ts', 'natlens.cjs'], ['src/server/import-worker.ts', 'import-worker.cjs'], ['src/core/import/dump-reader-worker.ts', 'dump-reader-worker.cjs'], ['src/server/serve-worker.ts', 'serve-worker.cjs'], ['src/server/operation-worker.ts', 'operation-worker.cjs']]) await build({
  entryPoints: [path.join(root, entry)],
  outfile: path.join(root, 'out/cli', out),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  // pdfkit reads its own data files next to itself, and the PDF fonts are found through node_modules.
  external: ['better-sqlite3', 'electron', 'pdfkit', 'fontkit', 'dejavu-fonts-ttf'],
  plugins: [rawText],
  logLevel: 'warning',
});
