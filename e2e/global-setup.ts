/**
 * Decides how the specs start `natlens serve`: through ./bin/natlens when the CLI lists the serve
 * command, else through a bundle of src/server/serve-command.ts built here with esbuild (no tsx).
 * The UI itself must be built (`npm run build`) — the server serves out/renderer.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

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

export default async function globalSetup(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
    throw new Error('out/renderer is missing: run `npm run build` before the e2e tests');
  }
  if (cliHasServe()) {
    process.env.NATLENS_SERVE = JSON.stringify([path.join(root, 'bin', 'natlens'), 'serve']);
    return;
  }
  const outfile = path.join(root, 'out', 'e2e', 'natlens-serve.cjs');
  // serve-command starts its import worker from import-worker.cjs next to the bundle.
  const bundles: Array<[string, string]> = [[path.join(root, 'e2e', 'serve-entry.ts'), outfile], [path.join(root, 'src', 'server', 'import-worker.ts'), path.join(root, 'out', 'e2e', 'import-worker.cjs')]];
  for (const [entry, out] of bundles) {
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['better-sqlite3', 'electron'],
      logLevel: 'warning',
    });
  }
  process.env.NATLENS_SERVE = JSON.stringify([process.execPath, outfile]);
}
