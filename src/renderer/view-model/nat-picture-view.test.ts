/** What the Flows tab's NAT picture shows of a lab flow, read through the same operations the UI calls. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreStoreOpener } from '../../shared/backend/core-backend';
import { flowDetail, flowDivergence, listFlows } from '../../shared/backend/handlers';
import { Project } from '../../shared/backend/project';
import type { FlowDivergenceJson } from '../../shared/contract/flow-divergence-json';
import type { FlowDetailJson } from '../../shared/contract/flow-json';
import { arrowLabel, hopDetail, natPictureOf } from './nat-picture-view';

const labNodes = path.resolve(process.cwd(), 'test/fixtures/lab/nodes');
let dir: string;
let project: Project;
let detail: FlowDetailJson;
let divergence: FlowDivergenceJson;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-picture-view-'));
  project = new Project(path.join(dir, 'p.db'), coreStoreOpener());
  await project.write((store) => store.importPaths([labNodes], {}, () => {}));
  const nodePort = listFlows(project, { offset: 0, limit: 50 }).flows.find((f) => f.original.sport === 41001 && f.original.dport === 30080);
  detail = flowDetail(project, { id: nodePort!.id });
  divergence = flowDivergence(project, { id: nodePort!.id });
});

afterAll(() => {
  project.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the NAT picture of the flow detail', () => {
  it('opens the hop where nodeb rewrote the NodePort connection: its packets and both rules with file:line', () => {
    const p = natPictureOf(detail, divergence);
    const i = p.arrows.findIndex((a) => a.changes.length > 0 && a.direction === 'original');
    expect(arrowLabel(p, p.arrows[i]!, i)).toBe(
      'Hop 2: nodeb · cbr0, original, 7 packets, src 192.168.56.100:41001 → 10.40.2.1:41001; dst 192.168.56.12:30080 → 10.40.2.2:8080',
    );
    const hop = hopDetail(p, i, detail)!;
    expect(hop.title).toBe('Hop 2 · nodeb · cbr0 · original');
    expect(hop.status).toBe('agrees with the replay');
    const save = path.join(labNodes, 'nodeb', 'iptables-save.txt');
    expect(hop.rules.map((r) => [r.title, r.by, r.source])).toEqual([
      ['MASQUERADE on nodeb → 10.40.2.1', 'nat/KUBE-POSTROUTING', `${save}:36`],
      ['DNAT on nodeb → 10.40.2.2:8080', 'nat/KUBE-SEP-ZP3FB6NMPNCO4VBJ', `${save}:40`],
    ]);
    expect(hop.rules[1]!.rule).toContain('-j DNAT --to-destination 10.40.2.2:8080');
    expect(hop.packets).toHaveLength(7);
    expect(hop.packets.every((k) => k.source.includes('nodeb'))).toBe(true);
    expect(hop.packetsNote).toBeNull();
    expect(hop.unexplained).toBeNull();
  });

  it('names the rule a reply\'s de-NAT undoes, and draws without the replay until it answers', () => {
    const p = natPictureOf(detail, null);
    expect(p.predicted).toEqual([]);
    const last = p.arrows.length - 1;
    const hop = hopDetail(p, last, detail)!;
    expect(hop.changes).toEqual(['src 10.40.2.2:8080 → 192.168.56.12:30080', 'dst 10.40.2.1:41001 → 192.168.56.100:41001']);
    expect(hop.rules.map((r) => r.title)).toEqual([
      'undoes DNAT of nodeb (conntrack reverses it for the reply)', 'undoes MASQUERADE of nodeb (conntrack reverses it for the reply)',
    ]);
    expect(hop.status).toBeNull();
    expect(hopDetail(p, p.arrows.length, detail)).toBeNull();
  });
});

describe('the NAT picture of a pod connection captured inside VXLAN (test/fixtures/pcap-overlay)', () => {
  it('says on each hop which tunnel it was seen in, and between which nodes in the opened hop', async () => {
    const overlayDir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-picture-overlay-'));
    const overlay = new Project(path.join(overlayDir, 'p.db'), coreStoreOpener());
    try {
      await overlay.write((store) => store.importPaths([path.resolve(process.cwd(), 'test/fixtures/pcap-overlay/overlay-vxlan-8472.pcap')], {}, () => {}));
      const tcp = listFlows(overlay, { offset: 0, limit: 50 }).flows.find((f) => f.proto === 'tcp')!;
      const flow = flowDetail(overlay, { id: tcp.id });
      const p = natPictureOf(flow, null);
      expect(p.arrows.map((a) => [a.direction, a.tunnel])).toEqual([['original', 'VXLAN 1'], ['reply', 'VXLAN 1']]);
      expect(arrowLabel(p, p.arrows[0]!, 0)).toMatch(/^Hop 1: \S+ · \S+, in VXLAN 1, original, 6 packets, /);
      expect(hopDetail(p, 1, flow)!.explanation).toMatch(/ · inside VXLAN 1 from node 192\.168\.77\.2 to node 192\.168\.77\.1 \(UDP 8472\)$/);
    } finally {
      overlay.dispose();
      fs.rmSync(overlayDir, { recursive: true, force: true });
    }
  });
});
