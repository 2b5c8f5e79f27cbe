/**
 * Where npm put better-sqlite3's addon, named outright to Database: left to itself, Database finds it through the
 * `bindings` package, which walks a list of build folders from the caller's stack, and from a bundle (out/cli,
 * where better-sqlite3's JavaScript is bundled so that it loads through the code cache) that walk cannot work.
 * Null where the addon is elsewhere (another layout, a rebuild): better-sqlite3 then looks for it as usual.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let found: string | null | undefined;

export function installedSqliteBinding(): string | null {
  if (found !== undefined) return found;
  try {
    const requireHere = createRequire(typeof __filename === 'string' ? __filename : path.join(process.cwd(), 'package.json'));
    const addon = path.join(path.dirname(requireHere.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
    found = fs.existsSync(addon) ? addon : null;
  } catch {
    found = null;
  }
  return found;
}
