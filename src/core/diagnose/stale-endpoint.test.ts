/** DnatTargets: the compact form the findings keep of every node's DNAT destinations answers as the list it came from. */
import { describe, expect, it } from 'vitest';
import { parseIp, type IpNumber } from '../common/ip';
import { DnatTargets, type DnatTarget } from './stale-endpoint';

const ip = (text: string): IpNumber => parseIp(text)!;
const target = (min: string, max: string | null, ports: [number, number] | null): DnatTarget => ({
  min: ip(min), max: ip(max ?? min), ports: ports === null ? null : { min: ports[0], max: ports[1] },
});

/** The answer of the list as the findings kept it before: some target's family, range and ports hold the address. */
function listHolds(targets: readonly DnatTarget[], address: IpNumber, port: number | null): boolean {
  return targets.some((t) => address.family === t.min.family && address.family === t.max.family && address.value >= t.min.value && address.value <= t.max.value
    && (t.ports === null || port === null || (port >= t.ports.min && port <= t.ports.max)));
}

describe('DnatTargets', () => {
  const list = [
    target('10.244.1.7', null, [8080, 8080]),
    target('10.244.2.0', '10.244.2.9', null),
    target('10.244.3.1', null, [9000, 9010]),
    target('fd00::5', null, [80, 80]),
    target('fd00::10', 'fd00::20', null),
  ];
  const targets = new DnatTargets(list);

  it('holds what the list holds, for IPv4 and IPv6, with and without ports', () => {
    const asked: Array<[string, number | null]> = [
      ['10.244.1.7', 8080], ['10.244.1.7', 8081], ['10.244.1.7', null], ['10.244.1.8', 8080],
      ['10.244.2.0', 1], ['10.244.2.9', null], ['10.244.2.10', 80], ['10.244.1.255', 80],
      ['10.244.3.1', 8999], ['10.244.3.1', 9000], ['10.244.3.1', 9010], ['10.244.3.1', 9011],
      ['fd00::5', 80], ['fd00::5', 81], ['fd00::15', 1], ['fd00::21', null], ['10.0.0.5', null], ['::ffff:10.244.1.7', 8080],
    ];
    for (const [address, port] of asked) expect([address, port, targets.holds(ip(address), port)]).toEqual([address, port, listHolds(list, ip(address), port)]);
    expect(targets.size).toBe(5);
  });

  it('holds nothing when empty', () => {
    const none = new DnatTargets([]);
    expect(none.size).toBe(0);
    expect(none.holds(ip('10.244.1.7'), 8080)).toBe(false);
  });
});
