/**
 * The hairpin lab (test/fixtures/lab-hairpin, from the real kernel): a pod calling its own Service. Each
 * connection must be ONE flow holding its conntrack entry and every tuple the kernel showed on the way
 * (before DNAT, after DNAT, after SNAT, and the replies), with no retransmission counted for the bridge
 * seeing one packet several times.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { FlowStore } from '../model/flow-store';
import { tempProject } from '../../../test/support/temp-project';
import { stitchFlows } from '../project/flows-stitch';
import { listFlows } from '../project/flows';

const LAB = path.resolve(__dirname, '../../../test/fixtures/lab-hairpin');
const scenario = JSON.parse(fs.readFileSync(path.join(LAB, 'scenario.json'), 'utf8')) as {
  sent: Array<{ src: string; sport: number; dst: string; dport: number; answeredBy: string }>;
};
const project = tempProject('hairpin');
afterAll(() => project.cleanup());

describe('a pod calling its own service (hairpin, br_netfilter)', () => {
  const store = project.store();
  expect(importPaths(store, [path.join(LAB, 'nodes')]).errors).toEqual([]);
  stitchFlows(store);
  const flows = listFlows(store);

  it('makes each connection one flow with its conntrack entry and every intermediate tuple', () => {
    expect(scenario.sent.map((s) => s.answeredBy)).toEqual(['a1', 'a1']);
    for (const sent of scenario.sent) {
      const mine = flows.filter((f) => [f.original.sport, f.original.dport, f.reply.sport, f.reply.dport].includes(sent.sport));
      expect(mine, `port ${sent.sport}`).toHaveLength(1);
      const flow = mine[0]!;
      expect(flow).toMatchObject({
        proto: 'tcp', original: { src: sent.src, sport: sent.sport, dst: sent.dst, dport: sent.dport },
        reply: { src: '10.40.1.2', sport: 8080, dst: '10.40.1.1', dport: sent.sport }, nat: ['dnat', 'snat'], service: 'default/self', evidence: 'conntrack',
      });
      expect(flow.timeline.conntrack).toHaveLength(1);
      const seen = new Set(flow.observations.filter((o) => o.kind === 'packet').map((o) => `${o.packet.src}:${o.packet.sport} > ${o.packet.dst}:${o.packet.dport}`));
      const p = sent.sport;
      expect(seen).toEqual(new Set([
        `10.40.1.2:${p} > 10.96.0.10:80`, `10.40.1.2:${p} > 10.40.1.2:8080`, `10.40.1.1:${p} > 10.40.1.2:8080`,
        `10.40.1.2:8080 > 10.40.1.1:${p}`, `10.40.1.2:8080 > 10.40.1.2:${p}`, `10.96.0.10:80 > 10.40.1.2:${p}`,
      ]));
      expect(flow.timeline.rewrites.map((r) => [r.kind, r.evidence, r.chain])).toEqual([
        ['dnat', 'conntrack+rules', 'KUBE-SEP-SELFA1A1A1A1A1A1'], ['masquerade', 'conntrack+rules', 'KUBE-POSTROUTING'],
      ]);
    }
  });

  it('counts the bridge\'s repeated sightings of a packet as sightings, not retransmissions', () => {
    for (const f of flows.filter((x) => x.proto === 'tcp')) {
      expect(f.tcp).toMatchObject({ retransmissions: 0, oneSided: false });
      // cbr0 shows each segment more than once: the sightings are there, only not called resends.
      const onCbr0 = f.observations.filter((o) => o.interface === 'cbr0' && o.tcpFlags === 'S');
      expect(onCbr0.length).toBeGreaterThan(1);
    }
  });

  it('assigns every packet of the pcaps with the connection\'s ports to that flow', () => {
    const fs2 = new FlowStore(store);
    for (const capture of store.capturesOf(store.findNode('nodea')!).filter((c) => c.kind === 'pcap')) {
      for (const p of store.packets.packetsOf(capture.id, 1, 100_000)) {
        const sent = scenario.sent.find((s) => p.sport === s.sport || p.dport === s.sport);
        if (!sent) continue;
        const flow = flows.find((f) => f.id === fs2.flowOfPacket(capture.id, p.frame));
        expect(flow?.original.sport, `${capture.sourceFile}#${p.frame}`).toBe(sent.sport);
      }
    }
  });
});

describe('a pod calling its own service without masquerade (the hairpin fails)', () => {
  const NOMASQ = path.resolve(__dirname, '../../../test/fixtures/lab-hairpin-nomasq');
  const sent = (JSON.parse(fs.readFileSync(path.join(NOMASQ, 'scenario.json'), 'utf8')) as typeof scenario).sent;
  const store = project.store('nomasq.db');
  expect(importPaths(store, [path.join(NOMASQ, 'nodes')]).errors).toEqual([]);
  stitchFlows(store);
  const flows = listFlows(store);

  it('keeps the unreplied conntrack entry and the packets on the bridge in one flow, with curl\'s one SYN resend', () => {
    expect(sent.map((s) => s.answeredBy)).toEqual(['FAILED', 'FAILED']);
    for (const s of sent) {
      const mine = flows.filter((f) => [f.original.sport, f.reply.dport].includes(s.sport));
      expect(mine, `port ${s.sport}`).toHaveLength(1);
      const flow = mine[0]!;
      expect(flow).toMatchObject({ nat: ['dnat'], service: 'default/self', evidence: 'conntrack', reply: { src: '10.40.1.2', sport: 8080, dst: '10.40.1.2', dport: s.sport } });
      expect(flow.timeline.conntrack[0]).toMatchObject({ unreplied: true });
      expect(flow.packets).toBeGreaterThan(0);
      // The SYN went out twice (curl resent it after a second), seen three times a go on cbr0.
      expect(flow.tcp).toMatchObject({ oneSided: true, retransmissions: 1 });
    }
  });
});
