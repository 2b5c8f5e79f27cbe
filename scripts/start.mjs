// `npm start`: the desktop app when the Electron binary is installed; otherwise says so, offers the
// web mode (`natlens serve`) with the exact command, and exits non-zero.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules', 'electron');

/**
 * Where require('electron') would point, without calling it: when the binary is missing, the
 * electron package's index.js starts a download, which on an offline machine only fails slowly.
 */
function electronBinary() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const relative = fs.readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(electronDir, 'dist');
  const binary = path.join(dist, relative);
  return fs.existsSync(binary) ? binary : null;
}

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (err) => {
      process.stderr.write(`natlens: ${command}: ${err.message}\n`);
      resolve(1);
    });
  });
}

/** Electron fetches its binary on first launch; fetch it now, bounded, so an offline machine fails fast. */
function installElectron() {
  process.stderr.write('natlens: fetching the Electron binary (first start)...\n');
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { cwd: root, stdio: 'inherit', timeout: 180_000 });
  return r.status === 0 ? electronBinary() : null;
}

const binary = electronBinary() ?? installElectron();
if (binary === null) {
  const version = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version;
  process.stderr.write(
    [
      `natlens: the Electron ${version} binary is not installed and could not be downloaded`,
      '(this machine seems to have no internet access).',
      '',
      'The same UI runs in your browser instead. Start the web mode with:',
      '',
      '    ./bin/natlens serve --db natlens.db',
      '',
      'and open the URL it prints first (it carries a one-run access token).',
      'With internet access, `npm start` fetches Electron and builds SQLite for it by itself.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

if (!fs.existsSync(path.join(root, 'build', 'electron', 'better_sqlite3.node'))) {
  process.stderr.write('natlens: building SQLite for Electron (first start)...\n');
  const rebuilt = await run(process.execPath, [path.join(root, 'scripts', 'rebuild-electron.mjs')]);
  if (rebuilt !== 0) process.stderr.write('natlens: SQLite could not be built for Electron; the app will say how to retry (`npm run rebuild:electron`).\n');
}
const electronVite = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
const built = await run(process.execPath, [electronVite, 'build']);
if (built !== 0) process.exit(built);
// `npm start -- cluster.db '#/flows/3'` opens that project and view (src/main/app-origin.ts projectFromArgs, fragmentFromArgs).
const links = process.argv.slice(2);
process.exit(await run(process.execPath, [electronVite, 'preview', '--skipBuild', ...(links.length > 0 ? ['--', ...links] : [])]));
