// Type-checks each face with its own libraries (core and the Node faces: no DOM; the renderer: DOM, no
// Node; the contract: neither Node nor anything the renderer lacks), then tests and tools together.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const projects = [
  ['core', 'src/core/tsconfig.json'],
  ['shared contract', 'src/shared/contract/tsconfig.json'],
  ['cli, server, shared backend', 'tsconfig.node.json'],
  ['main and preload', 'src/main/tsconfig.json'],
  ['renderer', 'src/renderer/tsconfig.json'],
  ['tests and tools', 'tsconfig.json'],
];
let failed = 0;
for (const [face, project] of projects) {
  const run = spawnSync(process.execPath, [tsc, '--noEmit', '-p', project], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`typecheck: ${face} (${project}) failed`);
  }
}
process.exit(failed === 0 ? 0 : 1);
