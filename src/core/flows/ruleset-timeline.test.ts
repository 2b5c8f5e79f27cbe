import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { Store } from '../model/store';
import { rulesetTimeline } from './ruleset-timeline';

const SAVE = path.resolve(__dirname, '../../../test/fixtures/lab/nodes/nodea/iptables-save.txt');

describe('ruleset timeline', () => {
  it('shows an endpoint leaving a kube-proxy service between a before and an after iptables-save', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-rules-'));
    try {
      const before = fs.readFileSync(SAVE, 'utf8');
      // kube-proxy after the endpoint 10.40.1.2 went away: its KUBE-SEP chain and the jump to it are gone.
      const after = before
        .split('\n')
        .filter((l) => !l.includes('KUBE-SEP-IT2ZTR26TO4XFPTO'))
        .join('\n');
      fs.mkdirSync(path.join(dir, 'nodea'));
      fs.writeFileSync(path.join(dir, 'nodea', '1-before.txt'), before);
      fs.writeFileSync(path.join(dir, 'nodea', '2-after.txt'), after);
      const store = Store.open(path.join(dir, 'p.db'));
      try {
        expect(importPaths(store, [path.join(dir, 'nodea')]).errors).toEqual([]);
        const timeline = rulesetTimeline(store, 'nodea')!;
        expect(timeline.snapshots.map((s) => path.basename(s.source))).toEqual(['1-before.txt:1', '2-after.txt:1']);
        expect(timeline.changes).toHaveLength(1);
        const { diff } = timeline.changes[0]!;
        expect(diff.services).toEqual([{ service: 'default/hello:http', change: 'changed', endpointsAdded: [], endpointsRemoved: ['10.40.1.2:8080'] }]);
        expect(diff.chains.find((c) => c.chain === 'KUBE-SEP-IT2ZTR26TO4XFPTO')).toMatchObject({ table: 'nat', change: 'removed' });
        expect(diff.chains.find((c) => c.chain === 'KUBE-SVC-TCOU7JCQXEZGVUNU')!.rulesRemoved).toHaveLength(1);
        expect(rulesetTimeline(store, 'nope')).toBeNull();
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
