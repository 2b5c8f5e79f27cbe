import fs from 'node:fs';
import path from 'node:path';

export const REAL_FIXTURES_DIR = path.join('test', 'fixtures', 'real');

/** Every capture file of the real corpus (not the provenance file), sorted, relative to the repository root. */
export function realFixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name !== 'PROVENANCE.json') out.push(full);
    }
  };
  walk(REAL_FIXTURES_DIR);
  return out.sort();
}
