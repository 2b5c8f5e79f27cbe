/** `route` without -n imported: names kept and warned about at their lines; beside `ip route` of the same table, no conflict. */
import { describe, expect, it } from 'vitest';
import { findNodeView } from '../project/nodes';
import { useTempProject } from '../../../test/support/temp-project';
import { importPaths } from './import-paths';

const project = useTempProject('named-routes');

const ROUTE = [
  'Kernel IP routing table',
  'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface',
  'default         _gateway        0.0.0.0         UG    100    0        0 enp0s3',
  '10.0.2.0        0.0.0.0         255.255.255.0   U     100    0        0 enp0s3',
  'link-local      0.0.0.0         255.255.0.0     U     1000   0        0 enp0s3',
  '',
].join('\n');

const IP_ROUTE = [
  'default via 10.0.2.2 dev enp0s3 proto dhcp metric 100',
  '10.0.2.0/24 dev enp0s3 proto kernel scope link src 10.0.2.15 metric 100',
  '169.254.0.0/16 dev enp0s3 scope link metric 1000',
  '',
].join('\n');

describe('importing `route` without -n', () => {
  it('stores the routes with their names and warns at each named field to use route -n', () => {
    const p = project();
    const file = p.write('vm/route.txt', ROUTE);
    const report = importPaths(p.store(), [file], { node: 'vm' });
    expect(report.errors).toEqual([]);
    expect(report.nodes[0]?.captures).toEqual([expect.objectContaining({ kind: 'route-table', records: 3 })]);
    expect(report.warnings.map((w) => [w.source, w.message.replace(/ \(.*$/, '')])).toEqual([
      [`${file}:3`, 'route-table: gateway "_gateway" is a host name, not resolved'],
      [`${file}:5`, 'route-table: destination "link-local" is a network name, not resolved'],
    ]);
    expect(findNodeView(p.store(), 'vm')?.routes.map((r) => [r.dst, r.via, r.viaName, r.unresolved])).toEqual([
      ['default', null, '_gateway', ['via']], ['10.0.2.0/24', null, undefined, undefined], ['link-local/16', null, undefined, ['dst']],
    ]);
  });

  for (const order of ['ip route first', 'route first'] as const) {
    it(`matches the named routes with ip route's of the same table (${order}): no conflict, the addresses kept`, () => {
      const p = project();
      const files = [p.write('vm/ip-route.txt', IP_ROUTE), p.write('vm/route.txt', ROUTE)];
      const report = importPaths(p.store(), order === 'ip route first' ? files : [...files].reverse(), { node: 'vm' });
      expect(report.errors).toEqual([]);
      const node = findNodeView(p.store(), 'vm');
      expect(node?.conflicts).toEqual([]);
      expect(node?.routes.map((r) => [r.dst, r.via]).sort()).toEqual([['10.0.2.0/24', null], ['169.254.0.0/16', null], ['default', '10.0.2.2']]);
    });
  }
});
