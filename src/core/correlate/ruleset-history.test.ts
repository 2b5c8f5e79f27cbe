import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { pipelineOf, rulesetHistory } from './ruleset-history';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedFile } from '../../../test/support/shared-corpus';
import { useTempProject } from '../../../test/support/temp-project';

const SAVE = path.resolve(process.cwd(), 'test/fixtures/lab/nodes/nodea/iptables-save.txt');
const TRANSCRIPT = sharedFile('transcripts', '002_1fb178fb5a43cd31.txt');

const project = useTempProject('history');

describe('ruleset history', () => {
  it('reads the pipeline of a command line, squeezing spaces', () => {
    expect(pipelineOf('sudo iptables -L -nv -t nat | grep  -A4 KUBE-SVC-X')).toBe('grep -A4 KUBE-SVC-X');
    expect(pipelineOf('sudo iptables -L -nv -t nat')).toBe('');
    expect(pipelineOf(null)).toBe('');
  });

  it('shows an endpoint leaving a kube-proxy service between a before and an after iptables-save', () => {
    const before = fs.readFileSync(SAVE, 'utf8');
    // kube-proxy after the endpoint 10.40.1.2 went away: its KUBE-SEP chain and the jump to it are gone.
    const after = before
      .split('\n')
      .filter((l) => !l.includes('KUBE-SEP-IT2ZTR26TO4XFPTO'))
      .join('\n');
    project().write('nodea/1-before.txt', before);
    project().write('nodea/2-after.txt', after);
    const store = project().store();
    expect(importPaths(store, [project().file('nodea')]).errors).toEqual([]);
    const timeline = rulesetHistory(store, 'nodea')!;
    expect(timeline.snapshots.map((s) => path.basename(s.source))).toEqual(['1-before.txt:1', '2-after.txt:1']);
    expect(timeline.changes).toHaveLength(1);
    const { diff } = timeline.changes[0]!;
    expect(diff.services).toEqual([{ service: 'default/hello:http', change: 'changed', endpointsAdded: [], endpointsRemoved: ['10.40.1.2:8080'] }]);
    expect(diff.chains.find((c) => c.chain === 'KUBE-SEP-IT2ZTR26TO4XFPTO')).toMatchObject({ table: 'nat', change: 'removed' });
    expect(diff.chains.find((c) => c.chain === 'KUBE-SVC-TCOU7JCQXEZGVUNU')!.rulesRemoved).toHaveLength(1);
    expect(rulesetHistory(store, 'nope')).toBeNull();
  });
});

describeShared('transcripts', 'ruleset history of a shared transcript', () => {
  it('compares a listing only with an earlier one of the same tables and pipeline', () => {
    const store = project().store();
    expect(importPaths(store, [TRANSCRIPT]).errors).toEqual([]);
    const h = rulesetHistory(store, 'nodea')!;
    const byId = new Map(h.snapshots.map((s) => [s.captureId, s]));
    const line = (id: number | null) => (id === null ? null : byId.get(id)!.source.replace(/^.*:/, ''));
    expect(h.snapshots.map((s) => [line(s.captureId), s.tables.join(','), s.pipeline, line(s.previous)])).toEqual([
      ['941', 'filter', '', null],
      ['1243', 'nat', '', null],
      ['1408', 'nat', '', '1243'],
      ['1485', 'nat', 'grep 10.0.34.209', null],
      ['1496', 'nat', "grep -A4 'Chain KUBE-SVC-254CYKZ73JNCZ5NW'", null],
      ['1509', 'nat', "grep -A4 'Chain KUBE-SEP-XDPNDAH2CYMNR5MR'", null],
    ]);
    expect(h.changes.map((c) => [line(c.from), line(c.to)])).toEqual([['1243', '1408']]);
    expect(h.snapshots.every((s) => s.partial)).toBe(true);
    expect(rulesetHistory(store, 'nope')).toBeNull();
  });
});
