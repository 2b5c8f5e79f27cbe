import { describe, expect, it } from 'vitest';
import type { InterfaceRecord } from '../records/records';
import { CaptureInterfaces, interfaceFromFileName, tcpdumpArguments } from './capture-interface';

const iface = (name: string, index: number): InterfaceRecord => ({
  name, index, peer: null, linkNetns: null, flags: [], mtu: null, state: null, master: null, linkType: null, mac: null, addresses: [], line: 1,
});

describe('capture interface naming', () => {
  it('reads -i from tcpdump command lines in their usual spellings', () => {
    expect(tcpdumpArguments('tcpdump -ni eth0 host 10.142.0.6').iface).toBe('eth0');
    expect(tcpdumpArguments('sudo tcpdump -nn -i cbr0 port 8080').iface).toBe('cbr0');
    expect(tcpdumpArguments('tcpdump -icbr0').iface).toBe('cbr0');
    expect(tcpdumpArguments('tcpdump --interface=veth1 -c 4').iface).toBe('veth1');
    expect(tcpdumpArguments('sudo toolbox tcpdump -ni any port 80').iface).toBeNull();
    expect(tcpdumpArguments('tcpdump -n -r eth0.pcap')).toEqual({ iface: null, readFile: 'eth0.pcap' });
    expect(tcpdumpArguments('ping -i 2 8.8.8.8').iface).toBeNull();
  });

  it('takes a file name word only when it is an interface of the node (or looks like one without ip addr)', () => {
    expect(interfaceFromFileName('/x/nodea/cbr0.tcpdump.txt', new Set(['eth0', 'cbr0']))).toBe('cbr0');
    expect(interfaceFromFileName('/x/nodea/any.pcap', new Set(['eth0', 'cbr0']))).toBeNull();
    expect(interfaceFromFileName('/x/capture_ens5.pcap', new Set())).toBe('ens5');
    expect(interfaceFromFileName('/x/trace.pcap', new Set())).toBeNull();
    expect(interfaceFromFileName('/x/tcpdump-cbr0.txt', new Set(['eth0', 'cbr0']))).toBe('cbr0');
    expect(interfaceFromFileName('/x/tcpdump-cbr0.txt', new Set())).toBe('cbr0');
    expect(interfaceFromFileName('/x/node_eth0.pcapng', new Set())).toBe('eth0');
    expect(interfaceFromFileName('/x/nodea-veth-a2.pcap', new Set(['veth-a2', 'eth0']))).toBe('veth-a2');
    expect(interfaceFromFileName('/x/nodea-veth-a2.pcap', new Set())).toBe('veth-a2');
    expect(interfaceFromFileName('/x/eth0-capture.pcap', new Set())).toBe('eth0');
    expect(interfaceFromFileName('/x/kube-bridge.pcap', new Set())).toBe('kube-bridge');
  });

  it('maps an SLL2 ifindex to the node\'s interface name and prefers the packet\'s own interface', () => {
    const named = new CaptureInterfaces({ sourceFile: '/x/eth0.pcap', command: null }, [iface('eth0', 2), iface('cbr0', 3)]);
    expect(named.of('if3')).toEqual({ name: 'cbr0', from: 'packet' });
    expect(named.of('veth9')).toEqual({ name: 'veth9', from: 'packet' });
    expect(named.of(null)).toEqual({ name: 'eth0', from: 'file-name' });
    const byCommand = new CaptureInterfaces({ sourceFile: '/x/eth0.pcap', command: 'tcpdump -ni cbr0' }, null);
    expect(byCommand.of(null)).toEqual({ name: 'cbr0', from: 'command' });
  });
  it('takes `import --interface` last: after the packet, the command and the file name', () => {
    const option = { interface: 'cbr0' };
    expect(new CaptureInterfaces({ sourceFile: '/x/trace.pcap', command: null, ...option }, null).of(null)).toEqual({ name: 'cbr0', from: 'import-option' });
    expect(new CaptureInterfaces({ sourceFile: '/x/eth0.pcap', command: null, ...option }, null).of(null)).toEqual({ name: 'eth0', from: 'file-name' });
    expect(new CaptureInterfaces({ sourceFile: '/x/t.pcap', command: 'tcpdump -i veth1 -w t.pcap', ...option }, null).of(null))
      .toEqual({ name: 'veth1', from: 'command' });
    expect(new CaptureInterfaces({ sourceFile: '/x/t.pcap', command: null, ...option }, null).of('eth1')).toEqual({ name: 'eth1', from: 'packet' });
  });
});
