/**
 * better-sqlite3 under Electron. npm installs the addon built for Node's ABI (the CLI and natlens
 * serve use it); Electron's main process has another ABI (NODE_MODULE_VERSION) and cannot load it.
 * Rather than rebuilding node_modules in place (which would break the CLI), `npm run
 * rebuild:electron` builds a second copy into build/electron/better_sqlite3.node, and the desktop
 * app opens every database with `nativeBinding` pointing there. Missing or wrong: a clear dialog.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const ELECTRON_BINDING_RELATIVE = path.join('build', 'electron', 'better_sqlite3.node');

export type BindingCheck = { kind: 'ok'; nativeBinding: string } | { kind: 'missing'; path: string } | { kind: 'unloadable'; path: string; reason: string };

export function checkElectronBinding(appRoot: string): BindingCheck {
  const binding = path.join(appRoot, ELECTRON_BINDING_RELATIVE);
  if (!fs.existsSync(binding)) return { kind: 'missing', path: binding };
  try {
    new Database(':memory:', { nativeBinding: binding }).close();
  } catch (err) {
    return { kind: 'unloadable', path: binding, reason: err instanceof Error ? err.message : String(err) };
  }
  return { kind: 'ok', nativeBinding: binding };
}

export function bindingProblemText(check: Exclude<BindingCheck, { kind: 'ok' }>, electronVersion: string): string {
  const fix = [
    'Build it once (needs internet access for the Electron headers or a prebuilt binary):',
    '',
    '    npm run rebuild:electron',
    '',
    `This builds better-sqlite3 for Electron ${electronVersion} into ${ELECTRON_BINDING_RELATIVE}, leaving the`,
    "command line's own build untouched. Meanwhile the same UI runs in the browser:",
    '',
    '    ./bin/natlens serve',
  ].join('\n');
  switch (check.kind) {
    case 'missing':
      return `The SQLite binding for Electron is missing:\n${check.path}\n\n${fix}`;
    case 'unloadable':
      return `The SQLite binding for Electron does not load:\n${check.path}\n${check.reason}\n\n${fix}`;
    default: {
      const never: never = check;
      return never;
    }
  }
}
