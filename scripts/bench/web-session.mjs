// What the browser benches (topology.mjs, ui-tabs.mjs) share: the built CLI run as a child, `natlens serve`
// on a project, Debian's Chromium, and their numeric command-line options.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'natlens');

/** `--NAME N` on this process's command line, else `fallback`. */
export function numberOption(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

/** Runs `natlens ARGS...`; resolves with its wall time in ms, rejects with its stderr when it fails. */
export function natlens(args) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`natlens ${args.join(' ')} exited ${code}: ${stderr.slice(0, 2000)}`))));
  });
}

/** `natlens serve` on `db` (any free port): its URL (with the token) and a stop that waits for it to exit. */
export function serve(db) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ url: new URL(out.slice(0, nl)), stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }) });
    });
    child.once('exit', (code) => reject(new Error(`natlens serve exited ${code}`)));
  });
}

export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu'] });
}

/** Exits 2 with a line saying so when the renderer was not built (`npm run build`). */
export function requireBuiltRenderer() {
  if (!fs.existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
    process.stderr.write('bench: out/renderer is missing: run `npm run build` first\n');
    process.exit(2);
  }
}
