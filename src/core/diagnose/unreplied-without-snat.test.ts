/** conntrack alone shows a private source sent to the Internet without a source NAT, never answered. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { projectFindings } from '../project/findings';
import { listFlows } from '../project/flows';
import type { Store } from '../model/store';

const UNNATED = 'icmp     1 29 src=192.168.255.2 dst=8.8.8.8 type=8 code=0 id=24606 [UNREPLIED] src=8.8.8.8 dst=192.168.255.2 type=0 code=0 id=24606 mark=0 use=2';
const NATED = 'icmp     1 29 src=192.168.255.2 dst=8.8.8.8 type=8 code=0 id=24853 src=8.8.8.8 dst=10.142.0.2 type=0 code=0 id=24853 mark=0 use=1';
const PRIVATE = 'tcp      6 118 SYN_SENT src=10.0.0.5 dst=10.0.1.9 sport=40000 dport=80 [UNREPLIED] src=10.0.1.9 dst=10.0.0.5 sport=80 dport=40000 mark=0 use=1';
const UDP_UNNATED = 'udp      17 29 src=10.244.1.7 dst=1.1.1.1 sport=5353 dport=53 [UNREPLIED] src=1.1.1.1 dst=10.244.1.7 sport=53 dport=5353 mark=0 use=1';

describe('unreplied-without-snat', () => {
  const project = useTempProject('unnated');
  let n = 0;
  /** A fresh project of one node, `node1`, whose one capture is a conntrack listing of `entries`. */
  let store: Store;
  const findingsOf = (...entries: string[]) => {
    store = project().store(`p${++n}.db`);
    const file = project().write(`p${n}/node1/conntrack.txt`, `${entries.join('\n')}\n`);
    expect(importPaths(store, [path.dirname(file)]).errors).toEqual([]);
    return projectFindings(store).filter((f) => f.severity !== 'info');
  };

  it('names the entry that left a private source un-NATed for a public address, with the fix', () => {
    const [f, ...rest] = findingsOf(UNNATED);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'unreplied-without-snat', severity: 'warning', nodes: ['node1'] });
    expect(f!.evidence).toEqual([{ source: expect.stringMatching(/conntrack\.txt:1$/), text: 'node1 conntrack 192.168.255.2 > 8.8.8.8 ⇄ 8.8.8.8 > 192.168.255.2 [UNREPLIED]' }]);
    expect(f!.explanation).toContain('MASQUERADE');
    expect(f!.explanation).toContain('conntrack -D -s 192.168.255.2');
  });

  it('says when a later entry of the same pair was masqueraded and answered', () => {
    const [f] = findingsOf(UNNATED, NATED);
    expect(f!.explanation).toMatch(/A later entry \(.*conntrack\.txt:2\) was rewritten \(snat\) and answered/);
    // Two echo ids: two connections. The finding names the un-NATed one, and that flow shows no NAT.
    const flows = listFlows(store);
    expect(flows.map((x) => [x.nat, x.reply.dst])).toEqual([[[], '192.168.255.2'], [['snat'], '10.142.0.2']]);
    expect(f!.flows).toEqual([flows[0]!.id]);
    expect(f!.evidence.map((e) => e.source)).toEqual([expect.stringMatching(/conntrack\.txt:1$/), expect.stringMatching(/conntrack\.txt:2$/)]);
    expect(findingsOf(UDP_UNNATED).map((x) => x.kind)).toEqual(['unreplied-without-snat']);
  });

  it('reads the kernel\'s listing of a ping before and after MASQUERADE as two echo connections, the un-NATed one found', () => {
    const listing = fs.readFileSync(path.join(process.cwd(), 'test/fixtures/text/conntrack-icmp-two-ids.txt'), 'utf8').trimEnd().split('\n');
    const [f, ...rest] = findingsOf(...listing);
    expect(rest).toEqual([]);
    const flows = listFlows(store);
    expect(flows.map((x) => [x.nat, x.reply.dst]).sort()).toEqual([[[], '192.168.255.2'], [['snat'], '10.142.0.2']]);
    const unNated = flows.find((x) => x.nat.length === 0)!;
    expect(f).toMatchObject({ kind: 'unreplied-without-snat', flows: [unNated.id] });
    expect(f!.evidence.map((e) => e.text)).toEqual([
      'node1 conntrack 192.168.255.2 > 8.8.8.8 ⇄ 8.8.8.8 > 192.168.255.2 [UNREPLIED]',
      'node1 conntrack 192.168.255.2 > 8.8.8.8 ⇄ 8.8.8.8 > 10.142.0.2',
    ]);
  });

  it('says nothing of a masqueraded answered entry, or of an unreplied one between private addresses', () => {
    expect(findingsOf(NATED)).toEqual([]);
    expect(findingsOf(PRIVATE).filter((x) => x.kind === 'unreplied-without-snat')).toEqual([]);
  });
});
