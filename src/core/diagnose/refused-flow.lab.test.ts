/**
 * A service without endpoints on the fault lab: kube-proxy's REJECT answers each SYN with ICMP port unreachable. The
 * ICMP errors are tied to the flows they refuse (by the header they quote), so each flow's symptom is "refused" and
 * the finding cites the ICMP packet beside the REJECT rule — from the pcaps and from the tcpdump text alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stitchFlows } from '../project/flows-stitch';
import { listFlows } from '../project/flows';
import { importPaths } from '../import/import-paths';
import { tempProject } from '../../../test/support/temp-project';
import { flowSymptom } from './flow-symptom';
import { projectFindings } from '../project/findings';

const NODES = path.resolve(__dirname, '../../../test/fixtures/lab-faults/no-endpoints/nodes');
const project = tempProject('refused');
afterAll(() => project.cleanup());

/** The scenario's nodes with only the packet files ending in `ext` (plus every non-packet capture). */
function importScenario(db: string, ext: '.pcap' | '.tcpdump.txt') {
  const store = project.store(db);
  for (const node of ['nodea', 'nodeb']) {
    const dir = project.file(`${db}-files`, node);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(path.join(NODES, node))) {
      const packets = f.endsWith('.pcap') || f.endsWith('.tcpdump.txt');
      if (!packets || f.endsWith(ext)) fs.copyFileSync(path.join(NODES, node, f), path.join(dir, f));
    }
    expect(importPaths(store, [dir]).errors).toEqual([]);
  }
  stitchFlows(store);
  return store;
}

describe.each(['.pcap', '.tcpdump.txt'] as const)('refused flows read from %s', (ext) => {
  const store = importScenario(`refused${ext}.db`, ext);

  it('ties each ICMP port unreachable to the SYN it answers: the flow is refused', () => {
    const flows = listFlows(store);
    const clusterIp = flows.find((f) => f.proto === 'tcp' && f.original.dst === '10.96.0.20' && f.original.dport === 80)!;
    const nodePort = flows.find((f) => f.proto === 'tcp' && f.original.dport === 30081)!;
    expect(clusterIp.timeline.refusals).toMatchObject([{ node: 'nodea', interface: 'cbr0', from: '10.40.1.1', message: 'port unreachable', answered: { dst: '10.96.0.20', dport: 80 } }]);
    expect(nodePort.timeline.refusals).toMatchObject([{ node: 'nodeb', interface: 'eth0', from: '192.168.56.12', message: 'port unreachable', answered: { dport: 30081 } }]);
    for (const f of [clusterIp, nodePort]) {
      expect(flowSymptom({ proto: f.proto, original: f.original, tcp: f.tcp, timeline: f.timeline })?.kind).toBe('refused');
      // The ICMP packet is a sighting of the flow it refuses, not a flow of its own.
      const refusal = f.timeline.refusals![0]!;
      expect(f.observations.some((o) => o.kind === 'packet' && o.source === refusal.source)).toBe(true);
    }
    expect(flows.filter((f) => f.proto === 'icmp' && (f.original.src === '10.40.1.1' || f.original.src === '192.168.56.12'))).toEqual([]);
  });

  it('cites the ICMP error beside the REJECT rule in the service-without-endpoints findings', () => {
    const findings = projectFindings(store).filter((f) => f.kind === 'service-without-endpoints' && f.flows.length > 0);
    expect(findings.length).toBeGreaterThan(0);
    const evidence = findings.flatMap((f) => f.evidence.map((e) => e.text));
    expect(evidence.some((t) => /ICMP port unreachable from 10\.40\.1\.1, answering 10\.40\.1\.3:\d+ > 10\.96\.0\.20:80|ICMP port unreachable from 10\.40\.1\.1, answering 10\.40\.1\.3 > 10\.96\.0\.20:80/.test(t))).toBe(true);
    expect(evidence.some((t) => t.includes('has no endpoints'))).toBe(true);
  });
});
