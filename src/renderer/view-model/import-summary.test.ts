import { describe, expect, it } from 'vitest';
import { summarizeImport } from './import-summary';
import { importedCaptureJson, importJson } from '../../shared/contract/contract-json.fixture';
import type { CaptureKind } from '../../core/records/records';

describe('import summary', () => {
  it('counts captures and nodes and lists errors with file:line', () => {
    const s = summarizeImport(importJson({
      nodes: [{ name: 'node-a', captures: [importedCaptureJson('ip-addr', 'a.txt:3', { records: 4 })] }],
      warnings: [{ source: 'a.txt:9', message: 'kept as text' }, { source: 'b.txt:1', message: 'unknown command' }],
      errors: [{ source: 'c.txt:12', message: 'unknown match "-m foo"' }],
    }));
    expect(s.headline).toBe('Imported 1 capture on 1 node, 1 file rejected, 2 warnings');
    expect(s.errors).toEqual(['c.txt:12: unknown match "-m foo"']);
    expect(s.warnings).toEqual(['a.txt:9: kept as text', 'b.txt:1: unknown command']);
    expect(s.captures).toEqual([{ node: 'node-a', id: 1, kind: 'ip-addr', source: 'a.txt:3', takenAt: null, records: 4, netns: null, lines: null }]);
    expect(s.byNode).toEqual([{ node: 'node-a', kinds: 'ip-addr' }]);
    expect(s.ok).toBe(false);
  });

  it('groups captures by node and kind', () => {
    const c = (kind: CaptureKind) => importedCaptureJson(kind, 'x:1');
    const s = summarizeImport(importJson({ nodes: [{ name: 'a', captures: [c('ip-addr'), c('ip-route'), c('ip-addr')] }, { name: 'b', captures: [] }] }));
    expect(s.byNode).toEqual([{ node: 'a', kinds: 'ip-addr ×2 · ip-route' }, { node: 'b', kinds: '' }]);
  });

  it('is ok with no errors', () => {
    expect(summarizeImport(importJson())).toMatchObject({ ok: true, headline: 'Imported 0 captures on 0 nodes' });
  });

  it('says file by file the nodes its captures went to, how many data lines were read, warned about and kept, and the lines of each warning', () => {
    const s = summarizeImport({
      nodes: [],
      warnings: [{ source: 'n.md:8', lines: [8, 9], message: '2 lines that look like addresses not read: output of `ip -6 neigh` is not a capture natlens reads' }],
      errors: [],
      files: [
        {
          file: 'n.md', lines: 17, dataLines: 6, readDataLines: 4, warnedDataLines: 2, nodes: ['web-1', 'web-2'],
          kept: [{ source: 'n.md:8', lines: [8, 9], command: 'ip -6 neigh', reason: 'output of `ip -6 neigh` is not a capture natlens reads' }],
        },
        { file: 'd.save', lines: 7, dataLines: 3, readDataLines: 3, warnedDataLines: 0, kept: [], nodes: ['db-1'] },
        { file: 'p.pcap', lines: 0, dataLines: 0, readDataLines: 0, warnedDataLines: 0, kept: [], nodes: ['db-1'] },
      ],
    });
    expect(s.headline).toBe('Imported 0 captures on 0 nodes, 1 warning, 2 data lines not read');
    expect(s.warnings).toEqual(['n.md:8: 2 lines that look like addresses not read: output of `ip -6 neigh` is not a capture natlens reads (lines 8–9)']);
    expect(s.files).toEqual([
      {
        file: 'n.md', nodes: 'web-1, web-2', counts: '4 of 6 data lines read · 2 warned about · 1 block kept as text', complete: false,
        kept: ['n.md:8–9 `ip -6 neigh`: output of `ip -6 neigh` is not a capture natlens reads'],
      },
      { file: 'd.save', nodes: 'db-1', counts: '3 of 3 data lines read', complete: true, kept: [] },
    ]);
  });
});
