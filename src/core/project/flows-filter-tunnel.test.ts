/** The flow filter's tunnel primitives over stitched overlay captures (test/fixtures/pcap-overlay): the same parser serves `flows --filter` and the UI. */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { flowFilterProblemText, parseFlowFilter } from '../flows/flow-filter';
import { stitchFlows } from './flows-stitch';
import { listFlows } from './flows';
import { matchingFlowIds } from './flows-filter-page';

const OVERLAY = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../test/fixtures/pcap-overlay');
const project = useTempProject('flows-filter-tunnel');

function idsOf(store: Parameters<typeof matchingFlowIds>[0], text: string): number[] {
  const parsed = parseFlowFilter(text);
  if (!parsed.ok) throw new Error(flowFilterProblemText(parsed.problem));
  return matchingFlowIds(store, parsed.filter!);
}

describe('flows --filter tunnel, tunnel KIND, vni N', () => {
  it('chooses the flows seen inside a VXLAN tunnel by kind and VNI, and leaves the others to "not tunnel"', () => {
    mkdirSync(project().file('nodea'), { recursive: true });
    copyFileSync(path.join(OVERLAY, 'overlay-vxlan-4789.pcap'), project().file('nodea/ul0.pcap'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodea')]).errors).toEqual([]);
    stitchFlows(store);
    const flows = listFlows(store);
    const tunnelled = flows.filter((f) => f.observations.some((o) => o.tunnel != null)).map((f) => f.id);
    const plain = flows.filter((f) => !tunnelled.includes(f.id)).map((f) => f.id);
    // The pod connection, the two pings and the pods' IPv6 neighbour discovery went through the tunnel; one solicitation of the underlay's own did not.
    expect(flows.filter((f) => tunnelled.includes(f.id)).map((f) => f.proto)).toEqual(['ipv6-icmp', 'ipv6-icmp', 'ipv6-icmp', 'tcp', 'icmp', 'icmp']);
    expect(plain).toHaveLength(1);
    for (const text of ['tunnel', 'tunnel vxlan', 'tunnel=vxlan', 'TUNNEL VXLAN', 'vni 4096', 'vni=4096', 'vxlan', 'vxlan 4096', 'tunnel vxlan and vni 4096']) {
      expect(idsOf(store, text), text).toEqual(tunnelled);
    }
    for (const text of ['tunnel geneve', 'tunnel=ipip', 'tunnel sit', 'vni 1', 'geneve', 'vxlan 1']) expect(idsOf(store, text), text).toEqual([]);
    expect(idsOf(store, 'not tunnel')).toEqual(plain);
    const tcp = flows.find((f) => f.proto === 'tcp' && f.original.dport === 80)!;
    expect(idsOf(store, 'tunnel and port 80')).toEqual([tcp.id]);
  });

  it('says where a tunnel term does not read', () => {
    const problem = (text: string): string | null => {
      const parsed = parseFlowFilter(text);
      return parsed.ok ? null : flowFilterProblemText(parsed.problem);
    };
    expect(problem('tunnel=gre')).toBe('column 1: "gre" is not a tunnel kind (vxlan, geneve, ipip, sit)');
    expect(problem('vni')).toBe('column 4: expected a VNI (a number) after "vni"');
    expect(problem('vni 99999999')).toBe('column 5: "99999999" is not a VNI (0-16777215)');
    expect(problem('host tunnel')).toBe('column 6: expected an address after "host", found "tunnel"');
    // `tunnel` followed by something that is no kind is the bare primitive, and the rest must join by and/or.
    expect(problem('tunnel gre')).toBe('column 8: expected "and" or "or" before "gre"');
  });
});
