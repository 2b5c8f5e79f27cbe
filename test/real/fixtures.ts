import fs from 'node:fs';
import path from 'node:path';

export const REAL_FIXTURES_DIR = path.join('test', 'fixtures', 'real');
const NOT_CAPTURES = new Set(['PROVENANCE.json', 'README.md']);

/** Every capture file of the real corpus (not PROVENANCE.json or README.md at its top), sorted, relative to the repository root. */
export function realFixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (dir !== REAL_FIXTURES_DIR || !NOT_CAPTURES.has(entry.name)) out.push(full);
    }
  };
  walk(REAL_FIXTURES_DIR);
  return out.sort();
}
