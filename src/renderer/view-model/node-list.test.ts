import { describe, expect, it } from 'vitest';
import type { NodeJson } from '../../shared/contract/contract-json';
import { formatTakenAt, interfaceRow, nodeCards, stateTone } from './node-list';
import { captureJson, interfaceJson, nodeJson, routeJson } from '../../shared/contract/contract-json.fixture';

const node = (name: string, extra: Partial<NodeJson> = {}): NodeJson => nodeJson(name, extra);

describe('node cards', () => {
  it('lists nodes by name with interfaces, loopback last', () => {
    const cards = nodeCards([
      node('node-b'),
      node('node-a', {
        interfaces: [
          interfaceJson('lo', { addresses: ['127.0.0.1/8'], state: 'UNKNOWN' }),
          interfaceJson('eth0', { addresses: ['10.0.0.5/24', 'fe80::1/64'], mac: '02:42:ac:11:00:02', state: 'UP' }),
        ],
      }),
    ]);
    expect(cards.map((c) => c.name)).toEqual(['node-a', 'node-b']);
    expect(cards[0]?.interfaces.map((i) => i.name)).toEqual(['eth0', 'lo']);
    expect(cards[0]?.summary).toBe('2 interfaces · 3 addresses · 0 routes · 0 captures');
  });

  it('shows a missing MAC or state as a dash and names master and peer', () => {
    const row = interfaceRow(interfaceJson('veth1', { master: 'cbr0', peer: 'if18' }));
    expect(row).toMatchObject({ mac: '—', state: '—', stateTone: 'unknown', links: 'master cbr0, peer if18' });
    // The other end found in a namespace captured on the node (nodes --json pairedWith) is named beside it.
    expect(interfaceRow(interfaceJson('veth1', { master: 'cni0', peer: 'if3', pairedWith: { netns: 'cni-aaaa', interface: 'eth0' } })).links)
      .toBe('master cni0, peer if3 (eth0 in cni-aaaa)');
  });

  it('puts the default route first, then longer prefixes before shorter', () => {
    const r = (dst: string) => routeJson(dst, { dev: 'eth0' });
    const cards = nodeCards([node('n', { routes: [r('10.0.0.0/8'), r('10.1.2.0/24'), r('default'), r('10.1.0.0/16')] })]);
    expect(cards[0]?.routes.map((x) => x.dst)).toEqual(['default', '10.1.2.0/24', '10.1.0.0/16', '10.0.0.0/8']);
    expect(cards[0]?.routes[0]).toMatchObject({ via: '—', metric: '—' });
  });

  it('keeps capture strings as given (rendered as text, never parsed as markup)', () => {
    const cards = nodeCards([node('n', { captures: [captureJson(7, 'ip-addr', '<img src=x onerror=alert(1)>.txt:3')] })]);
    expect(cards[0]?.captures[0]).toEqual({ key: '7', kind: 'ip-addr', label: null, source: '<img src=x onerror=alert(1)>.txt:3', takenAt: '—' });
  });

  it('makes the card of a node once: the same node object gives the same card, another object a new one', () => {
    const n = node('n', { captures: [captureJson(7, 'pcap', 'eth0.pcap')] });
    const first = nodeCards([n])[0];
    expect(nodeCards([n])[0]).toBe(first);
    const renamed = { ...n, captures: [captureJson(7, 'pcap', 'eth0.pcap', { label: 'named since' })] };
    expect(nodeCards([renamed])[0]?.captures[0]?.label).toBe('named since');
  });

  it('shows the name given to a capture beside its source', () => {
    const cards = nodeCards([node('n', { captures: [captureJson(7, 'pcap', 'eth0.pcap', { label: 'during the outage' })] })]);
    expect(cards[0]?.captures[0]).toMatchObject({ label: 'during the outage', source: 'eth0.pcap' });
  });

  it('classes operstates', () => {
    expect(stateTone('UP')).toBe('up');
    expect(stateTone('LOWERLAYERDOWN')).toBe('down');
    expect(stateTone('UNKNOWN')).toBe('unknown');
    expect(stateTone(null)).toBe('unknown');
  });
});

describe('formatTakenAt', () => {
  it('prints ISO times in UTC without milliseconds', () => {
    expect(formatTakenAt('2024-05-01T10:22:03.250Z')).toBe('2024-05-01 10:22:03 UTC');
    expect(formatTakenAt('2024-05-01T12:22:03+02:00')).toBe('2024-05-01 10:22:03 UTC');
  });
  it('keeps text that is not a time and dashes a missing one', () => {
    expect(formatTakenAt('yesterday-ish')).toBe('yesterday-ish');
    expect(formatTakenAt(null)).toBe('—');
  });
});
