/** Hostile input: a mangled line in nft's ruleset listing is an error naming file and line, and nothing of that listing is stored. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../../src/core/import/import-paths';
import { useTempProject } from '../support/temp-project';

const project = useTempProject('hostile-nft');
const listing = fs.readFileSync(path.join(process.cwd(), 'test/fixtures/nft/kube.nft'), 'utf8');

describe('a mangled nft list ruleset', () => {
  it('a rule whose address was cut mid-paste: the error names its line, no rule of the listing is stored', () => {
    const p = project();
    // The listing ends with a line break: its last line is the one before the empty string split() leaves.
    const lines = listing.split('\n');
    const at = lines.findIndex((l) => l.includes('dnat to 10.244.'));
    expect(at).toBeGreaterThan(10);
    lines[at] = lines[at]!.replace(/dnat to 10\.244\.\d+\.\d+/, 'dnat to 10.244.0.');
    const file = p.write('n1/nft-ruleset.txt', lines.join('\n'));
    const report = importPaths(p.store(), [file], { node: 'n1' });
    expect(report.errors).toEqual([{ source: `${file}:${at + 1}`, message: expect.stringMatching(/nft rule: bad NAT address "10\.244\.0\."/), lines: [1, lines.length - 1] }]);
    expect(report.nodes.flatMap((n) => n.captures)).toEqual([]);
    expect(p.store().listNodes().flatMap((n) => p.store().capturesOf(n.id))).toEqual([]);
  });

  it('a listing cut before its closing braces, with no command saying it is partial: refused at the table line', () => {
    const p = project();
    const all = listing.split('\n');
    const tableLine = all.findIndex((l) => l.startsWith('table ip nat')) + 1;
    const cut = all.slice(0, tableLine + 12);
    const file = p.write('n1/nft-ruleset.txt', cut.join('\n'));
    const report = importPaths(p.store(), [file], { node: 'n1' });
    expect(report.errors).toEqual([{ source: `${file}:${tableLine}`, message: 'nft: table ip nat is not closed before the end of the output', lines: [1, cut.length] }]);
    expect(report.nodes.flatMap((n) => n.captures)).toEqual([]);
  });
});
