import { describe, expect, it } from 'vitest';
import type { CaptureRow } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';
import { interfaceChoices, interfaceChoosable, interfaceLabel, typedInterface } from './capture-interface';

describe('a capture\'s interface in the Captures tab', () => {
  it('says where the interface came from, and offers a choice only for an unknown, guessed or chosen one', () => {
    const unknown = { name: null, from: null, named: [] };
    const guessed = { name: 'eth0', from: 'file-name' as const, named: [] };
    const command = { name: 'cbr0', from: 'command' as const, named: [] };
    const perPacket = { name: null, from: null, named: ['eth0', 'cbr0'] };
    const chosen = { name: 'cbr0', from: 'chosen' as const, named: [] };
    expect([unknown, guessed, command, perPacket, chosen].map(interfaceLabel)).toEqual([
      'not known', 'eth0 (guessed from the file name)', 'cbr0 (from the tcpdump command)', 'eth0, cbr0 (named in the packets)', 'cbr0 (chosen here)',
    ]);
    expect([unknown, guessed, command, perPacket, chosen].map(interfaceChoosable)).toEqual([true, true, false, false, true]);
  });

  it('offers the node\'s interfaces and accepts only names Linux would', () => {
    const capture: CaptureRow = { id: 3, node: 'nodea', kind: 'pcap', source: 'x.pcap', takenAt: null };
    const nodes = [{ name: 'nodea', interfaces: [{ name: 'eth0' }, { name: 'cbr0' }, { name: 'eth0' }], routes: [], captures: [] }] as unknown as NodeJson[];
    expect(interfaceChoices(capture, nodes)).toEqual(['cbr0', 'eth0']);
    expect(interfaceChoices({ ...capture, node: 'other' }, nodes)).toEqual([]);
    expect(['  eth0 ', '', 'a b', 'a/b', 'x'.repeat(16), '..', 'eth0:1', 'veth-a2'].map(typedInterface)).toEqual(['eth0', null, null, null, null, null, null, 'veth-a2']);
  });
});
