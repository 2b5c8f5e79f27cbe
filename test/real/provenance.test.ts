import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { REAL_FIXTURES_DIR, realFixtures } from './fixtures';

interface Provenance {
  file: string;
  repository: string;
  url: string;
  commit: string | null;
  path: string | null;
  license: string;
  holds: string;
  notable: string;
}

describe('the real corpus', () => {
  const provenance = JSON.parse(fs.readFileSync(path.join(REAL_FIXTURES_DIR, 'PROVENANCE.json'), 'utf8')) as Provenance[];

  it('gives every capture file one provenance entry, and no entry without its file', () => {
    expect(provenance.map((p) => p.file).sort()).toEqual(realFixtures().map((f) => f.split(path.sep).join('/')));
  });

  it('names the source of each: a repository, and a 40-hex commit with its path or an issue/pull URL', () => {
    for (const p of provenance) {
      expect(p.repository, p.file).toMatch(/^[\w.-]+\/[\w.-]+$/);
      if (p.commit !== null) {
        expect(p.commit, p.file).toMatch(/^[0-9a-f]{40}$/);
        expect(p.path, p.file).toBeTruthy();
      } else expect(p.url, p.file).toMatch(/^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(?:issues|pull)\/\d+$/);
      expect(p.holds.length, p.file).toBeGreaterThan(10);
    }
  });

  it('holds at least 36 captures from at least 12 sources', () => {
    expect(provenance.length).toBeGreaterThanOrEqual(36);
    expect(new Set(provenance.map((p) => p.repository)).size).toBeGreaterThanOrEqual(12);
  });
});
