/**
 * Each seed transcript's problem is a finding before its fix and gone after it.
 * - 002 (RX-M "Services and kube-proxy" lab, two nodes on a flat network): nodeb's FORWARD policy DROP has
 *   dropped 5 packets until `iptables -A FORWARD -i eth0 -d 172.18.0.0/16 -j ACCEPT` fixes it.
 * - 001 (GKE networking fundamentals): a namespace pings 8.8.8.8 through the node with no source NAT; conntrack shows
 *   the echo [UNREPLIED] with its private source unchanged. The fix is a MASQUERADE rule and a new flow: the
 *   listing after it shows the echo rewritten to the node's address and answered.
 * - 004 (CoreOS + flannel guestbook): nothing is broken — the engineer's ping to a ClusterIP goes unanswered by
 *   design, and says so; natlens must find nothing either.
 */
import fs from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { rulesetHistory } from './ruleset-history';
import { importPaths } from '../import/import-paths';
import type { Store } from '../model/store';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedFile } from '../../../test/support/shared-corpus';
import { useTempProject } from '../../../test/support/temp-project';
import { projectFindings } from './findings';

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

describeShared('transcripts', 'findings of the GKE transcript before and after its masquerade fix', () => {
  const project = useTempProject('findings-001', 'all');
  let lines: string[];
  beforeAll(() => {
    lines = fs.readFileSync(sharedFile('transcripts', '001_a5b3b11c70178834.txt'), 'utf8').split('\n');
  });
  /** The session up to `last` (1-based, inclusive) or from `first`: what the engineer saw by then, or from then on. */
  const part = (name: string, from: number, to: number): Store => {
    const file = project().write(`${name}/001.txt`, lines.slice(from - 1, to).join('\n'));
    const store = project().store(`${name}.db`);
    expect(importPaths(store, [file]).errors).toEqual([]);
    return store;
  };
  const fixAt = (): number => lines.findIndex((l) => l.startsWith('sudo iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE')) + 1;
  const natedListing = (): number => lines.findIndex((l) => /^icmp .* dst=8\.8\.8\.8 .* src=8\.8\.8\.8 dst=(?!192\.168\.)/.test(l)) + 1;

  it('finds the echo that left the private address un-NATed while conntrack still held it, and nothing once a new flow is masqueraded', () => {
    const unreplied = lines.findIndex((l) => l.includes('dst=8.8.8.8') && l.includes('[UNREPLIED]')) + 1;
    expect(fixAt()).toBeGreaterThan(0);
    expect(unreplied).toBeGreaterThan(fixAt());
    expect(natedListing()).toBeGreaterThan(unreplied);

    const before = projectFindings(part('before', 1, natedListing() - 1)).filter((f) => f.severity !== 'info');
    expect(before.map((f) => f.kind)).toEqual(['unreplied-without-snat']);
    expect(before[0]!.evidence).toEqual([{ source: expect.stringMatching(new RegExp(`001\\.txt:${unreplied}$`)), text: expect.stringContaining('192.168.255.2 > 8.8.8.8 ⇄ 8.8.8.8 > 192.168.255.2 [UNREPLIED]') }]);
    expect(before[0]!.explanation).toContain('MASQUERADE');

    // From the prose after that listing (outside any fenced block) to the end: the new flow, masqueraded and answered.
    const resumed = lines.findIndex((l, i) => i >= unreplied && l.startsWith('By default, `conntrack` entries age out')) + 1;
    expect(resumed).toBeGreaterThan(unreplied);
    const after = projectFindings(part('after', resumed, lines.length)).filter((f) => f.severity !== 'info');
    expect(after).toEqual([]);
  });
});

describeShared('transcripts', 'findings of the CoreOS/flannel guestbook transcript, where nothing is broken', () => {
  const project = useTempProject('findings-004', 'all');

  it('finds no error and no warning: a ClusterIP that does not answer ping is how kube-proxy works', () => {
    const store = project().store();
    expect(importPaths(store, [sharedFile('transcripts', '004_21b806302248d7be.txt')]).errors).toEqual([]);
    const findings = projectFindings(store);
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    // The engineer's unanswered ping is read, and said to be the ClusterIP's nature, citing its lines.
    expect(findings.find((f) => f.kind === 'probe-failed')).toMatchObject({
      severity: 'info', service: 'default/frontend',
      title: 'c1: ping to 10.3.0.252 timed out: 10.3.0.252 is the cluster IP of default/frontend, which answers its service ports only',
      evidence: [
        { source: expect.stringMatching(/004_21b806302248d7be\.txt:156$/), text: 'PING 10.3.0.252 (10.3.0.252) 56(84) bytes of data.' },
        { source: expect.stringMatching(/004_21b806302248d7be\.txt:159$/), text: '4 packets transmitted, 0 received, 100% packet loss, time 3086ms' },
      ],
    });
  });
});
