// Bundles the command line (src/cli) into out/cli/natlens.cjs so ./bin/natlens starts fast.
// Runs as npm's `prepare` step, so `npm install` alone leaves a working ./bin/natlens.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { bundleForNode } from './node-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The server, import and operation-pool worker threads of `natlens serve` and the dump reader thread of every import are separate bundles next to the CLI.
for (const [entry, out] of [['src/cli/main.ts', 'natlens.cjs'], ['src/server/import-worker.ts', 'import-worker.cjs'], ['src/core/import/dump-reader-worker.ts', 'dump-reader-worker.cjs'], ['src/server/serve-worker.ts', 'serve-worker.cjs'], ['src/server/operation-worker.ts', 'operation-worker.cjs']]) {
  await bundleForNode(path.join(root, entry), path.join(root, 'out/cli', out), { sourcemap: true });
}
