// Bundles the command line (src/cli) into out/cli/natlens.cjs so ./bin/natlens starts fast.
// Runs as npm's `prepare` step, so `npm install` alone leaves a working ./bin/natlens.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The import worker thread of `natlens serve` and the dump reader thread of every import are separate bundles next to the CLI.
for (const [entry, out] of [['src/cli/main.ts', 'natlens.cjs'], ['src/server/import-worker.ts', 'import-worker.cjs'], ['src/core/import/dump-reader-worker.ts', 'dump-reader-worker.cjs']]) await build({
  entryPoints: [path.join(root, entry)],
  outfile: path.join(root, 'out/cli', out),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'electron'],
  logLevel: 'warning',
});
