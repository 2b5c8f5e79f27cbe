import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coreStoreOpener } from '../../shared/backend/core-backend';
import type { FlowDetailJson, FlowPageJson, FlowRowJson } from '../../shared/contract/flow-json';
import { flowDetail, listFlows } from '../../shared/backend/handlers';
import { Project } from '../../shared/backend/project';
import { clockText, flowDetailView, flowTableRow, flowTableRows, pageInfo, tcpLines, whenText } from './flow-table';
import { tempProject } from '../../../test/support/temp-project';

describe('flow table and detail of the lab flows', () => {
  let page: FlowPageJson;
  let detail: FlowDetailJson;
  beforeAll(async () => {
    const folder = tempProject('flowtable');
    const project = new Project(folder.dbPath, coreStoreOpener());
    try {
      await project.write((store) => store.importPaths([path.resolve(process.cwd(), 'test/fixtures/lab/nodes')], {}, () => {}));
      page = listFlows(project, { offset: 0, limit: 100 });
      detail = flowDetail(project, { id: 1, limit: 50 });
    } finally {
      project.dispose();
      folder.cleanup();
    }
  });

  it('lists the first ClusterIP connection with its NAT badges, service and evidence', () => {
    const [first] = flowTableRows(page);
    expect(first).toMatchObject({
      id: 1, proto: 'TCP', original: '10.40.1.3:40001 → 10.96.0.10:80', reply: '10.40.2.2:8080 → 192.168.56.11:40001',
      nat: ['DNAT', 'SNAT'], service: 'default/hello:http', evidence: 'observed', firstSeen: '22:43:45.667900',
    });
  });

  it('explains each hop as pre-NAT or post-NAT, in time order from the first', () => {
    const view = flowDetailView(detail);
    expect(view.title).toBe('Flow 1 · TCP 10.40.1.3:40001 → 10.96.0.10:80');
    expect(view.hops[0]).toMatchObject({ at: '+0.000000 s', node: 'nodea', direction: '→ original', stage: 'pre-NAT', tuple: '10.40.1.3:40001 → 10.96.0.10:80' });
    expect(view.hops.some((h) => h.stage === 'post-NAT' && h.node === 'nodeb')).toBe(true);
    expect(view.hops.some((h) => h.direction === '← reply')).toBe(true);
    expect(view.rewrites.find((r) => r.kind === 'DNAT')).toMatchObject({ node: 'nodea', after: '10.40.1.3:40001 → 10.40.2.2:8080' });
    expect(view.tcp[0]).toBe('SYN');
    expect(view.observations).toMatch(/^50 packets listed from #1, [\d,]+ more not shown$/);
  });
});

describe('flow detail of a pod connection captured on a node underlay inside VXLAN (test/fixtures/pcap-overlay)', () => {
  it('says which tunnel each hop was seen in, as the packet list does', async () => {
    const folder = tempProject('flowtable-overlay');
    const project = new Project(folder.dbPath, coreStoreOpener());
    try {
      await project.write((store) => store.importPaths([path.resolve(process.cwd(), 'test/fixtures/pcap-overlay/overlay-vxlan-8472.pcap')], {}, () => {}));
      const tcp = listFlows(project, { offset: 0, limit: 100 }).flows.find((f) => f.proto === 'tcp')!;
      const view = flowDetailView(flowDetail(project, { id: tcp.id, limit: 50 }));
      expect(view.hops.map((h) => [h.direction, h.tunnel, h.tunnelFull])).toEqual([
        ['→ original', 'VXLAN 1', 'inside VXLAN 1 from node 192.168.77.1 to node 192.168.77.2 (UDP 8472)'],
        ['← reply', 'VXLAN 1', 'inside VXLAN 1 from node 192.168.77.2 to node 192.168.77.1 (UDP 8472)'],
      ]);
    } finally {
      project.dispose();
      folder.cleanup();
    }
  });
});

describe('flow table formatting', () => {
  const row: FlowRowJson = {
    id: 7, proto: 'udp', original: { src: 'fd00::1', sport: 53000, dst: 'fd00::53', dport: 53 }, reply: { src: 'fd00::53', sport: 53, dst: 'fd00::1', dport: 53000 },
    nat: [], service: null, evidence: 'inferred', firstSeen: null, lastSeen: null, packets: 1234567, tcp: null,
  };

  it('says when a capture gave a time of day but no date, instead of showing 1970', () => {
    expect(whenText('1970-01-01T22:43:45.668008500Z')).toBe('22:43:45.668008 (the capture gives no date)');
    expect(whenText('2026-11-23T22:43:45.668008500Z')).toBe('2026-11-23T22:43:45.668008500Z');
    expect(whenText(null)).toBe(clockText(null));
  });

  it('marks inferred flows and writes IPv6 endpoints with brackets', () => {
    expect(flowTableRow(row)).toMatchObject({ original: '[fd00::1]:53000 → [fd00::53]:53', service: '—', packets: '1,234,567', evidence: 'inferred', firstSeen: '—' });
  });

  it('pages without ever asking past the end', () => {
    expect(pageInfo(250, 0, 100)).toEqual({ label: '1–100 of 250', prevOffset: null, nextOffset: 100 });
    expect(pageInfo(250, 200, 50)).toEqual({ label: '201–250 of 250', prevOffset: 100, nextOffset: null });
    expect(pageInfo(0, 0, 0)).toEqual({ label: 'no flows', prevOffset: null, nextOffset: null });
    expect(pageInfo(1_000_000, 100, 100).label).toBe('101–200 of 1,000,000');
  });

  it('prints TCP events relative to the SYN and warns about one-sided connections', () => {
    const tcp = { synAt: 10, synAckAt: 10.0002, establishedAt: null, finAt: null, rstAt: 10.5, retransmissions: 2, synCount: 3, synAckCount: 1, oneSided: true, handshakeMs: null, durationMs: 500 };
    expect(tcpLines(tcp)).toEqual({ lines: ['SYN', 'SYN-ACK +0.200 ms', 'RST +500.000 ms', '2 retransmissions'], warning: expect.stringContaining('One-sided') });
    expect(clockText('2026-11-23T22:43:45.667859000Z')).toBe('22:43:45.667859');
  });
});
