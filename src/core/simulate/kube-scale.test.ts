import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import type { NodeSnapshot } from './node-snapshot';
import { addrText, nodeFrom } from './test-support/capture-world';
import { tracePacket } from './trace-packet';

/** A kube-proxy-shaped dump: `count` services, three endpoints each, a NodePort each. About 14 rules per service. */
function kubeProxyDump(count: number): string {
  const natChains: string[] = [':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
  const natRules: string[] = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
  ];
  const services: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `S${i.toString(36).toUpperCase().padStart(6, '0')}`;
    const name = `default/svc-${i}:http`;
    const cip = `172.30.${i >> 8}.${i & 255}`;
    const svc = `KUBE-SVC-${id}`;
    const ext = `KUBE-EXT-${id}`;
    natChains.push(`:${svc} - [0:0]`, `:${ext} - [0:0]`);
    services.push(`-A KUBE-SERVICES -m comment --comment "${name} cluster IP" -m tcp -p tcp -d ${cip}/32 --dport 80 -j ${svc}`);
    natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${name} -m tcp -p tcp --dport ${30000 + (i % 2000)} -j ${ext}`);
    natRules.push(`-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`, `-A ${ext} -j ${svc}`);
    natRules.push(`-A ${svc} -m comment --comment "${name} cluster IP" -m tcp -p tcp -d ${cip}/32 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`);
    for (let e = 0; e < 3; e++) {
      const sep = `KUBE-SEP-${id}E${e}`;
      const ep = `10.${40 + e}.${i >> 8}.${i & 255}`;
      natChains.push(`:${sep} - [0:0]`);
      const stat = e === 0 ? ' -m statistic --mode random --probability 0.33333333349' : e === 1 ? ' -m statistic --mode random --probability 0.50000000000' : '';
      natRules.push(`-A ${svc} -m comment --comment "${name} -> ${ep}:8080"${stat} -j ${sep}`);
      natRules.push(`-A ${sep} -m comment --comment ${name} -s ${ep}/32 -j KUBE-MARK-MASQ`, `-A ${sep} -m comment --comment ${name} -m tcp -p tcp -j DNAT --to-destination ${ep}:8080`);
    }
  }
  services.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  return ['*nat', ...natChains, ...natRules, ...services, 'COMMIT', ''].join('\n');
}

describe('a kube-proxy ruleset with 10,000 services', () => {
  const text = kubeProxyDump(10_000);
  const ruleset = parseIptablesSave({ file: 'big/iptables', text, firstLine: 1 }).ruleset;
  const addressed = nodeFrom('big', {
    addr: addrText(
      { name: 'eth0', mac: '52:54:00:00:00:01', lines: ['inet 192.168.0.2/24 scope global eth0'] },
      { name: 'cni0', mac: '52:54:00:00:00:02', lines: ['inet 10.40.0.1/8 scope global cni0'] },
    ),
    route: 'default via 192.168.0.1 dev eth0',
  });
  const world: NodeSnapshot[] = [{ ...addressed, ruleset }];

  it('holds over 140,000 rules', () => {
    const rules = ruleset.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
    expect(rules).toBeGreaterThan(140_000);
  });

  it('names the last service, its three endpoints and the masquerade for a node-sourced packet', () => {
    const result = tracePacket(world, { node: 'big', proto: 'tcp', src: '192.168.0.2', dst: '172.30.39.15', dport: 80, local: true, follow: false });
    expect(result.outcomes.map((o) => o.summary)).toEqual([
      'default/svc-9999:http → 10.40.39.15:8080, masqueraded; forwarded out cni0 of big',
      'default/svc-9999:http → 10.41.39.15:8080, masqueraded; forwarded out cni0 of big',
      'default/svc-9999:http → 10.42.39.15:8080, masqueraded; forwarded out cni0 of big',
    ]);
    expect(result.outcomes[0]?.service).toMatchObject({ namespace: 'default', name: 'svc-9999', portName: 'http', entry: 'cluster-ip', endpoint: '10.40.39.15:8080', markedForMasquerade: true });
    expect(result.outcomes[0]?.packet.src).toBe('10.40.0.1');
  });

  it('reaches a NodePort through the last KUBE-SERVICES rule', () => {
    const result = tracePacket(world, { node: 'big', proto: 'tcp', src: '203.0.113.5', dst: '192.168.0.2', dport: 31999, in: 'eth0', follow: false });
    expect(result.outcomes).toHaveLength(3);
    expect(result.outcomes[0]?.service).toMatchObject({ name: 'svc-1999', entry: 'node-port', endpoint: '10.40.7.207:8080' });
  });

  it('replays many packets through the compiled world without recompiling it', () => {
    for (let i = 0; i < 200; i++) {
      const r = tracePacket(world, { node: 'big', proto: 'tcp', src: '10.40.0.9', dst: `172.30.${i >> 8}.${i & 255}`, dport: 80, in: 'cni0', follow: false });
      expect(r.outcomes).toHaveLength(3);
    }
  });
});
