/**
 * ../shared/captures/transcripts/002 (RX-M "Services and kube-proxy" lab): nodeb's FORWARD policy
 * DROP has dropped 5 packets until `iptables -A FORWARD -i eth0 -d 172.18.0.0/16 -j ACCEPT` fixes it.
 * The drop is a finding in the snapshot before the fix and gone from the one after.
 */
import { beforeAll, expect, it } from 'vitest';
import { rulesetHistory } from '../project/ruleset-history';
import { importPaths } from '../import/import-paths';
import type { Store } from '../model/store';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedFile } from '../../../test/support/shared-corpus';
import { useTempProject } from '../../../test/support/temp-project';
import { projectFindings } from './project-findings';

describeShared('transcripts', 'findings of the two-node kube-proxy transcript before and after its FORWARD fix', () => {
  const project = useTempProject('findings-002', 'all');
  let store: Store;
  beforeAll(() => {
    store = project().store();
    expect(importPaths(store, [sharedFile('transcripts', '002_1fb178fb5a43cd31.txt')]).errors).toEqual([]);
  });

  it('finds the FORWARD policy that dropped packets before the fix, and not after it', () => {
    const snapshots = rulesetHistory(store, 'nodeb')!.snapshots;
    const before = snapshots.find((s) => s.startedBy.kind === 'first')!;
    const fixed = snapshots.find((s) => s.startedBy.kind === 'command' && s.startedBy.notes.some((n) => n.command.includes('-A FORWARD -i eth0 -d 172.18.0.0/16 -j ACCEPT')))!;
    expect(before).toBeDefined();
    expect(fixed).toBeDefined();

    const drop = projectFindings(store, { snapshot: before.captureId }).filter((f) => f.kind === 'packet-dropped');
    expect(drop).toHaveLength(1);
    expect(drop[0]).toMatchObject({ nodes: ['nodeb'], severity: 'warning', title: 'nodeb: filter FORWARD policy DROP dropped 5 packets' });
    expect(drop[0]!.evidence).toEqual([{ source: expect.stringMatching(/002_1fb178fb5a43cd31\.txt:706$/), text: 'Chain FORWARD (policy DROP 5 packets, 324 bytes)' }]);

    for (const snapshot of [fixed.captureId, null]) {
      const after = projectFindings(store, { snapshot });
      expect(after.filter((f) => f.nodes.includes('nodeb') && f.severity !== 'info')).toEqual([]);
    }
  });
});
