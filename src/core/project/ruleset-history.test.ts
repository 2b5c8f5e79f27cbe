import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import { pipelineOf, rulesetHistory, rulesetHistoryPage } from './ruleset-history';
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

  it('pages the timeline: a page holds its snapshots and the changes that lead to them, diffing only those', () => {
    const before = fs.readFileSync(SAVE, 'utf8');
    // Four states: each drops one more source in filter FORWARD, so each step is a change.
    const filterAt = before.indexOf('*filter');
    const commitAt = before.indexOf('\nCOMMIT', filterAt);
    expect(filterAt).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 4; i++) {
      const drops = Array.from({ length: i }, (_, k) => `\n-A FORWARD -s 10.99.0.${k}/32 -j DROP`).join('');
      project().write(`nodea/${i + 1}-state.txt`, `${before.slice(0, commitAt)}${drops}${before.slice(commitAt)}`);
    }
    const store = project().store();
    expect(importPaths(store, [project().file('nodea')]).errors).toEqual([]);
    const whole = rulesetHistory(store, 'nodea')!;
    expect(whole.snapshots).toHaveLength(4);
    expect(whole.changes.map((c) => c.to)).toEqual(whole.snapshots.slice(1).map((s) => s.captureId));
    const page = rulesetHistoryPage(store, 'nodea', 1, 2)!;
    expect(page.totalSnapshots).toBe(4);
    expect(page.snapshots).toEqual(whole.snapshots.slice(1, 3));
    // The change to the page's first snapshot comes from a snapshot on the page before.
    expect(page.changes).toEqual(whole.changes.slice(0, 2));
    const last = rulesetHistoryPage(store, 'nodea', 3, 10)!;
    expect(last.snapshots).toEqual(whole.snapshots.slice(3));
    expect(last.changes).toEqual(whole.changes.slice(2));
    expect(rulesetHistoryPage(store, 'nodea', 4, 10)).toEqual({ node: 'nodea', snapshots: [], changes: [], totalSnapshots: 4 });
    expect(rulesetHistoryPage(store, 'nope', 0, 10)).toBeNull();
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
  it('takes the listings of one state as one snapshot and starts a new one only where the transcript changed the rules', () => {
    const store = project().store();
    expect(importPaths(store, [TRANSCRIPT]).errors).toEqual([]);
    const h = rulesetHistory(store, 'nodea')!;
    const line = (source: string) => source.replace(/^.*:/, '');
    expect(h.snapshots.map((s) => [line(s.source), s.tables.join(','), s.startedBy.kind, s.captures.map((c) => [line(c.source), c.shows])])).toEqual([
      ['941', 'filter', 'first', [['941', 'table filter']]],
      // kubectl created a service: kube-proxy's rules may have changed, so the nat listing opens a snapshot.
      ['1243', 'filter,nat', 'command', [['1243', 'table nat']]],
      // kube-proxy started; its greps show nothing the full listing before them did not.
      ['1408', 'filter,nat', 'command', [
        ['1408', 'table nat'], ['1485', 'table nat (filtered)'], ['1496', 'table nat (filtered)'], ['1509', 'table nat (filtered)'],
      ]],
    ]);
    const byId = new Map(h.snapshots.map((s) => [s.captureId, s]));
    // Only the start of kube-proxy changed the rules (filter was shown once: the nat listing before it is compared on nat alone).
    expect(h.changes.map((c) => [line(byId.get(c.from)!.source), line(byId.get(c.to)!.source)])).toEqual([['1243', '1408']]);
    expect(h.changes[0]!.diff.chains.some((c) => c.chain === 'KUBE-SERVICES' && c.change === 'added')).toBe(true);
    expect(rulesetHistory(store, 'nope')).toBeNull();
  });
});
