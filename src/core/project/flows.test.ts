import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { useTempProject } from '../../../test/support/temp-project';
import { stitchFlows } from './flows-stitch';
import { listFlows } from './flows';

const project = useTempProject('flow-views');

describe('flow views', () => {
  it('names protocols (igmp, not 2) on flows and observations', () => {
    project().write('nodea/eth0.tcpdump.txt', [
      '1795473825.667900 IP (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40, options (RA))',
      '    10.40.1.3 > 224.0.0.22: igmp v3 report, 1 group record(s)',
      '1795473826.667900 IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto GRE (47), length 60)',
      '    10.0.0.1 > 10.0.0.2: GREv0, length 40: IP 192.168.1.1 > 192.168.1.2: ICMP echo request, id 1, seq 1, length 8',
      '',
    ].join('\n'));
    const store = project().store();
    expect(importPaths(store, [project().file('nodea')]).errors).toEqual([]);
    stitchFlows(store);
    const flows = listFlows(store);
    expect(flows.map((f) => f.proto)).toEqual(['igmp', 'gre']);
    expect(flows.flatMap((f) => f.observations.map((o) => [o.proto, o.interface, o.interfaceFrom]))).toEqual([
      ['igmp', 'eth0', 'file-name'], ['gre', 'eth0', 'file-name'],
    ]);
  });
});
