// Bundles the command line (src/cli) into out/cli so ./bin/natlens starts fast.
// Runs as npm's `prepare` step, so `npm install` alone leaves a working ./bin/natlens.
//
// Each entry is two files: `<name>.bundle.cjs`, the bundle, and `<name>.cjs`, a stub that runs it through V8's code
// cache (src/cli/code-cache.ts, bundled as code-cache.cjs) with the bundle's hash, so that a start after the first
// loads bytecode instead of compiling the bundle again. What starts an entry (bin/natlens, `new Worker(...)`) names
// the stub.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import { bundleForNode, loadBundled } from './node-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'out/cli');
// The server, import and operation-pool worker threads of `natlens serve` and the dump reader thread of every import are separate bundles next to the CLI.

/** The command names of src/cli/command-table.ts, read from the table itself (its command modules left out). */
async function commandNames() {
  const { COMMANDS } = await loadBundled(path.join(root, 'src/cli/command-table.ts'), {
    plugins: [{ name: 'commands-apart', setup: (b) => b.onResolve({ filter: /^\.\/commands\// }, (a) => ({ path: a.path, external: true })) }],
  });
  return COMMANDS.map((c) => c.name);
}

// `variant`: the command line keeps one cache per command (each compiles different functions); any other word is 'other'.
const ENTRIES = [
  { entry: 'src/cli/main.ts', name: 'natlens', variant: 'process.argv[2]', variants: await commandNames() },
  { entry: 'src/server/import-worker.ts', name: 'import-worker' },
  { entry: 'src/core/import/dump-reader-worker.ts', name: 'dump-reader-worker' },
  { entry: 'src/server/serve-worker.ts', name: 'serve-worker' },
  { entry: 'src/server/operation-worker.ts', name: 'operation-worker' },
];

await bundleForNode(path.join(root, 'src/cli/code-cache.ts'), path.join(outDir, 'code-cache.cjs'));
for (const { entry, name, variant, variants } of ENTRIES) {
  const bundle = path.join(outDir, `${name}.bundle.cjs`);
  await bundleForNode(path.join(root, entry), bundle, { sourcemap: true });
  const hash = createHash('sha256').update(fs.readFileSync(bundle)).digest('hex');
  const options = [`file: require('node:path').join(__dirname, '${name}.bundle.cjs')`, `hash: '${hash}'`, ...(variant ? [`variant: ${variant}`, `variants: ${JSON.stringify(variants)}`] : [])];
  fs.writeFileSync(path.join(outDir, `${name}.cjs`), [
    "'use strict';",
    `// Written by scripts/build-cli.mjs: runs ${name}.bundle.cjs through V8's code cache (src/cli/code-cache.ts).`,
    `require('./code-cache.cjs').runBundle(module, require, { ${options.join(', ')} });`,
    '',
  ].join('\n'));
  // The map of a build from before the stubs, when the entry file was the bundle.
  fs.rmSync(path.join(outDir, `${name}.cjs.map`), { force: true });
}
