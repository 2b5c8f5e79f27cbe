/**
 * Kinds parsed whole and then stored (ip route, iptables -L, kubectl tables): their insert reports progress every
 * LINES_PER_REPORT records, and a cancel heard there stores nothing of the file.
 */
import { describe, expect, it } from 'vitest';
import { CancelledError, sharedCancellation } from '../common/cancellation';
import { LINES_PER_REPORT } from '../capture/text-input';
import { ipRouteText } from '../../../test/support/big-text-captures';
import { useTempProject } from '../../../test/support/temp-project';
import type { Store } from '../model/store';
import { importPaths } from './import-paths';
import type { ImportProgress } from './import-report';

const project = useTempProject('insert-progress');
const RECORDS = 5 * LINES_PER_REPORT + 123;

function rows(store: Store, table: string): number {
  return store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

function iptablesListText(n: number): string {
  const lines = ['Chain INPUT (policy ACCEPT)', 'target     prot opt source               destination         '];
  for (let i = 0; i < n; i++) lines.push(`ACCEPT     6    --  0.0.0.0/0            10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}          tcp dpt:${1 + (i % 65000)}`);
  return `${lines.join('\n')}\n`;
}

function kubectlPodsText(n: number): string {
  const lines = ['NAMESPACE   NAME          READY   STATUS    RESTARTS   AGE   IP             NODE     NOMINATED NODE   READINESS GATES'];
  for (let i = 0; i < n; i++) lines.push(`default     web-${i}   1/1     Running   0          2d    10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}    node-a   <none>           <none>`);
  return `${lines.join('\n')}\n`;
}

const CASES = [
  { kind: 'ip-route', file: 'ip-route.txt', text: ipRouteText(RECORDS - 2), table: 'routes' },
  { kind: 'iptables-list', file: 'iptables-L.txt', text: iptablesListText(RECORDS), table: 'rule_chunks' },
  { kind: 'kubectl', file: 'pods.txt', text: kubectlPodsText(RECORDS), table: 'pods' },
] as const;

describe('progress and cancel while a parsed capture is stored', () => {
  for (const { kind, file: name, text, table } of CASES) {
    it(`reports the ${kind} records stored as its insert runs, the bytes held at the text read`, () => {
      const p = project();
      const file = p.write(name, text);
      const seen: ImportProgress[] = [];
      const report = importPaths(p.store(), [file], { node: 'n', onProgress: (q) => seen.push({ ...q }) });
      expect(report.errors).toEqual([]);
      const stored = [...report.nodes.flatMap((n) => n.captures), ...(report.cluster ?? [])];
      expect(stored).toEqual([expect.objectContaining({ kind, records: RECORDS })]);
      const inserting = seen.filter((q) => q.records > 0 && q.records < RECORDS);
      expect(inserting.map((q) => q.records)).toEqual([1, 2, 3, 4, 5].map((k) => k * LINES_PER_REPORT));
      // The parse reported bytes before; the insert never reports fewer.
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytesDone!).toBeGreaterThanOrEqual(seen[i - 1]!.bytesDone!);
      for (const q of inserting) expect(q.bytesDone).toBe(text.length);
    });

    it(`stores nothing of a ${kind} file cancelled while its records are stored, and all of it later`, () => {
      const p = project();
      const store = p.store();
      const file = p.write(name, text);
      const cancel = sharedCancellation();
      const seen: number[] = [];
      expect(() =>
        importPaths(store, [file], {
          node: 'n', signal: cancel.signal,
          onProgress: (q) => {
            seen.push(q.records);
            if (q.records > 0) cancel.cancel();
          },
        }),
      ).toThrow(CancelledError);
      // Heard at the report after the one that cancelled: the second of the insert's, long before its end.
      expect(seen.filter((r) => r > 0)).toEqual([LINES_PER_REPORT]);
      expect([rows(store, 'captures'), rows(store, table)]).toEqual([0, 0]);
      const again = importPaths(store, [file], { node: 'n' });
      expect(again.errors).toEqual([]);
      expect(rows(store, table)).toBeGreaterThan(0);
    });
  }
});
