/**
 * Zero silent loss on captures engineers really posted (test/fixtures/real, see PROVENANCE.json).
 *
 * Each fixture is imported on its own with the built CLI (`import --db TMP --json FILE`). Every line
 * that test/real/data-lines.ts — a classifier independent of natlens — calls data (a rule, an
 * address, a route, a conntrack entry, a packet) must lie inside the `lines` range of a capture
 * natlens read from the file, or inside the `lines` range of a warning (or error) that says why it
 * was not read (interfaces.md §1). A data line in neither was dropped without a word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataLines, type DataLine } from './data-lines';
import { REAL_FIXTURES_DIR, realFixtures } from './fixtures';
import { natlens, type ImportJson, type LineRange } from './natlens-cli';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-real-'));
});

interface Tally {
  fixture: string;
  data: number;
  read: number;
  warned: number;
  lost: number[];
  natlensSays: string;
}
const tallies: Tally[] = [];

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  const rows = tallies.map((t) =>
    `${t.fixture.padEnd(58)} ${String(t.data).padStart(5)} ${String(t.read).padStart(5)} ${String(t.warned).padStart(6)} ${String(t.lost.length).padStart(5)}  ${t.natlensSays}${t.lost.length ? `  lost lines ${t.lost.slice(0, 8).join(',')}${t.lost.length > 8 ? ',…' : ''}` : ''}`);
  console.log(`${'fixture'.padEnd(58)}  data  read warned  lost  natlens's own count (files[])\n${rows.join('\n')}`);
});

function within(ranges: readonly LineRange[], line: number): boolean {
  return ranges.some(([first, last]) => line >= first && line <= last);
}

function rangesOf(items: ReadonlyArray<{ lines?: LineRange | null }>): LineRange[] {
  return items.flatMap((x) => (x.lines ? [x.lines] : []));
}

describe('every real capture imports with zero silent loss', () => {
  it.each(realFixtures())('%s', (fixture) => {
    const name = path.relative(REAL_FIXTURES_DIR, fixture).split(path.sep).join('/');
    const data: DataLine[] = dataLines(fs.readFileSync(fixture, 'utf8'));
    const db = path.join(dir, `${name.replace(/[^\w.-]/g, '_')}.db`);
    const run = natlens(['import', '--db', db, '--json', fixture]);
    expect(run.stdout, `import printed no JSON; stderr: ${run.stderr}`).not.toBe('');
    const result = JSON.parse(run.stdout) as ImportJson;

    const read = rangesOf([...result.nodes.flatMap((n) => n.captures), ...(result.cluster ?? [])]);
    const warned = [...rangesOf(result.warnings), ...rangesOf(result.errors)];
    const tally: Tally = { fixture: name, data: data.length, read: 0, warned: 0, lost: [], natlensSays: '-' };
    for (const d of data) {
      if (within(read, d.line)) tally.read++;
      else if (within(warned, d.line)) tally.warned++;
      else tally.lost.push(d.line);
    }
    const own = result.files?.[0];
    if (own) tally.natlensSays = `data ${own.dataLines} read ${own.readDataLines} warned ${own.warnedDataLines}`;
    tallies.push(tally);

    const lost = tally.lost.map((line) => {
      const d = data.find((x) => x.line === line);
      return `${name}:${line} (${d?.category}, ${d?.shape})`;
    });
    expect(lost, 'data-shaped lines neither read nor warned about').toEqual([]);
  });
});
