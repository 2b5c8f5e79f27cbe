// `npm run rebuild:electron`: builds better-sqlite3 for Electron's ABI into
// build/electron/better_sqlite3.node, beside (not instead of) the Node build in node_modules that
// the command line and `natlens serve` load. The desktop app opens its databases with
// `nativeBinding` pointing here (src/main/native-sqlite.ts). Needs internet access once: a
// prebuilt binary from better-sqlite3's releases, else Electron's headers for a local compile.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const source = path.join(root, 'node_modules', 'better-sqlite3');
const outDir = path.join(root, 'build', 'electron');
const staging = path.join(outDir, 'better-sqlite3');
const target = path.join(outDir, 'better_sqlite3.node');

// A project .npmrc `nodedir` would point node-gyp at Node's headers; this build needs Electron's.
const env = { ...process.env };
for (const key of Object.keys(env)) if (/^npm_config_nodedir$/i.test(key)) delete env[key];

function step(what, command, args) {
  process.stderr.write(`rebuild:electron: ${what}\n`);
  const r = spawnSync(command, args, { cwd: staging, stdio: 'inherit', env });
  return r.status === 0;
}

fs.rmSync(staging, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
fs.cpSync(source, staging, { recursive: true, filter: (p) => !p.startsWith(path.join(source, 'build')) && !p.includes(`${path.sep}node_modules${path.sep}`) });

const common = ['--runtime=electron', `--target=${electronVersion}`, `--arch=${process.arch}`];
const prebuild = path.join(root, 'node_modules', 'prebuild-install', 'bin.js');
let ok = step(`fetching a prebuilt better-sqlite3 for Electron ${electronVersion}`, process.execPath, [prebuild, ...common, '--verbose']);
if (!ok) {
  const nodeGyp = env.npm_config_node_gyp ?? path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  ok = fs.existsSync(nodeGyp) && step(`compiling better-sqlite3 against Electron ${electronVersion} headers`, process.execPath, [nodeGyp, 'rebuild', '--release', ...common, '--dist-url=https://electronjs.org/headers']);
}
const built = path.join(staging, 'build', 'Release', 'better_sqlite3.node');
if (!ok || !fs.existsSync(built)) {
  fs.rmSync(staging, { recursive: true, force: true });
  process.stderr.write('rebuild:electron: failed (no network access?). The web mode needs none of this: ./bin/natlens serve\n');
  process.exit(1);
}

// Sanity check: an Electron-ABI addon must NOT load in plain Node; if it does, the wrong one was built.
try {
  process.dlopen({ exports: {} }, built);
  process.stderr.write('rebuild:electron: the result loads in Node, so it was built for the wrong ABI; not installing it\n');
  process.exit(1);
} catch (err) {
  if (!/NODE_MODULE_VERSION|different Node\.js version/.test(String(err))) {
    process.stderr.write(`rebuild:electron: unexpected load error: ${err}\n`);
  }
}
fs.copyFileSync(built, target);
fs.writeFileSync(path.join(outDir, 'ABI.json'), JSON.stringify({ electron: electronVersion, arch: process.arch, builtAt: new Date().toISOString() }, null, 2));
fs.rmSync(staging, { recursive: true, force: true });
process.stderr.write(`rebuild:electron: ${path.relative(root, target)} ready for Electron ${electronVersion}\n`);
