// Bundles the command line (src/cli) into out/cli/natlens.cjs so ./bin/natlens starts fast.
// Runs as npm's `prepare` step, so `npm install` alone leaves a working ./bin/natlens.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The import worker thread of `natlens serve` is a second, separate bundle next to the CLI.
for (const [entry, out] of [['src/cli/main.ts', 'natlens.cjs'], ['src/server/import-worker.ts', 'import-worker.cjs']]) await build({
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
