/**
 * ../shared/captures/transcripts/001 (GKE networking fundamentals): tcpdump on eth0 and on cbr0 for
 * the NodePort walkthrough, and conntrack -L. The tutorial's samples come from different runs: the
 * eth0 sample is connection 48648 at 22:30:52, the cbr0 sample connection 55100 at 23:15:54 (other
 * ISNs), the conntrack sample 46078. natlens must not glue different connections together; each
 * sample is one flow, and the cbr0 one shows br_netfilter's half-translated reply.
 */
import { beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { importPaths } from '../import/import-paths';
import type { Store } from '../model/store';
import { stitchFlows } from './flows-stitch';
import { listFlows, type FlowView } from './flows';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedDir } from '../../../test/support/shared-corpus';
import { useTempProject } from '../../../test/support/temp-project';

describeShared('transcripts', 'flows of the GKE walkthrough transcript', () => {
  const transcripts = sharedDir('transcripts');
  const file = fs.readdirSync(transcripts).find((f) => f.startsWith('001_'))!;
  const project = useTempProject('flows-001', 'all');
  let store: Store;
  let flows: FlowView[];
  beforeAll(() => {
    store = project().store();
    expect(importPaths(store, [path.join(transcripts, file)]).errors).toEqual([]);
    stitchFlows(store);
    flows = listFlows(store);
  });

  const byClientPort = (port: number): FlowView[] => flows.filter((f) => f.original.sport === port || f.reply.dport === port);

  it('makes the eth0 NodePort sample one flow, every packet on eth0 (named by the tcpdump -i), seen before NAT', () => {
    const [flow, ...rest] = byClientPort(48648);
    expect(rest).toHaveLength(0);
    expect(flow!.original).toEqual({ src: '10.142.0.6', sport: 48648, dst: '10.142.0.8', dport: 31830 });
    expect(flow!.observations).toHaveLength(10);
    expect(new Set(flow!.observations.map((o) => `${o.interface}/${o.interfaceFrom}`))).toEqual(new Set(['eth0/command']));
    expect(flow!.tcp).toMatchObject({ oneSided: false });
    expect(flow!.tcp!.finAt).not.toBeNull();
  });

  it('makes the cbr0 sample one flow although its reply is half translated, and says what the capture point shows', () => {
    const [flow, ...rest] = byClientPort(55100);
    expect(rest).toHaveLength(0);
    expect(flow!.observations).toHaveLength(7);
    expect(new Set(flow!.observations.map((o) => o.interface))).toEqual(new Set(['cbr0']));
    expect(flow!.evidence).toBe('inferred');
    // The SYN on cbr0 is already masqueraded to cbr0's 10.40.0.1; the SYN-ACK already goes back to the real client.
    expect(flow!.original.src).toBe('10.142.0.6');
    expect(flow!.reply).toEqual({ src: '10.40.0.6', sport: 8080, dst: '10.40.0.1', dport: 55100 });
    expect(flow!.nat).toContain('snat');
    const stages = new Set(flow!.observations.map((o) => `${o.direction}:${o.stage}`));
    expect(stages).toEqual(new Set(['original:post-NAT', 'reply:reply after de-NAT']));
    expect(flow!.timeline.notes.join('\n')).toMatch(/not mirror images.*br_netfilter/);
    expect(flow!.timeline.notes.join('\n')).toMatch(/inferred, not observed: the SYN-ACK .* acknowledges seq 621207778/);
  });

  it('keeps the eth0 and cbr0 samples apart: they are different connections', () => {
    expect(byClientPort(48648)[0]!.id).not.toBe(byClientPort(55100)[0]!.id);
  });

  it('turns the NodePort conntrack sample into a flow with DNAT to the endpoint and SNAT to cbr0, read from conntrack', () => {
    const [flow] = byClientPort(46078);
    expect(flow).toMatchObject({
      original: { src: '10.142.0.6', sport: 46078, dst: '10.142.0.8', dport: 31830 },
      reply: { src: '10.40.0.6', sport: 8080, dst: '10.40.0.1', dport: 46078 },
      nat: ['dnat', 'snat'],
      evidence: 'conntrack',
    });
    expect(flow!.timeline.rewrites.map((r) => [r.kind, r.to, r.evidence])).toEqual([
      ['dnat', '10.40.0.6:8080', 'conntrack'],
      ['snat', '10.40.0.1', 'conntrack'],
    ]);
    expect(flow!.observations.map((o) => o.kind)).toEqual(['conntrack']);
  });

  it('reports the [UNREPLIED] ping entry (echo id 24606) and the later masqueraded ping (id 24853) as two flows', () => {
    const ping = flows.filter((f) => f.proto === 'icmp' && f.original.dst === '8.8.8.8');
    expect(ping).toHaveLength(2);
    expect(ping.map((f) => f.timeline.conntrack.map((c) => c.unreplied))).toEqual([[true], [false]]);
    expect(ping[0]!.timeline.notes.some((n) => n.includes('[UNREPLIED]'))).toBe(true);
    expect(ping.map((f) => f.nat)).toEqual([[], ['snat']]);
    expect(ping.map((f) => f.reply.dst)).toEqual(['192.168.255.2', '10.142.0.2']);
  });
});
