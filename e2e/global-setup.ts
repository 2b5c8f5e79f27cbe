/**
 * The specs start `natlens serve` through ./bin/natlens (built by `npm run build:cli`, which `npm test`
 * runs first). The UI itself must be built (`npm run build`): the server serves out/renderer.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

function cliHasServe(): boolean {
  try {
    const help = execFileSync(path.join(root, 'bin', 'natlens'), ['--help'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /^\s*serve\b/m.test(help);
  } catch (err) {
    const out = err as { stdout?: string; stderr?: string };
    return /^\s*serve\b/m.test(`${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
}

export default function globalSetup(): void {
  if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
    throw new Error('out/renderer is missing: run `npm run build` before the e2e tests');
  }
  if (!cliHasServe()) throw new Error('./bin/natlens does not list `serve`: run `npm run build:cli` before the e2e tests');
  process.env.NATLENS_SERVE = JSON.stringify([path.join(root, 'bin', 'natlens'), 'serve']);
}
