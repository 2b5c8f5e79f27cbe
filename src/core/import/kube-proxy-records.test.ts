import { kubeProxyServices, type KubeProxyService } from '../netfilter/kube-proxy';
import type { ServiceRecord } from '../records/records';
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { parseIptablesSave } from '../capture/iptables/iptables-save';
import type { EndpointRecord } from '../model/store';
import { kubeProxyRecords, splitServicePortName } from './kube-proxy-records';
import { describeShared } from '../../../test/support/describe-shared';
import { sharedFile } from '../../../test/support/shared-corpus';

function ruleset(test: string) {
  const file = sharedFile('kube-proxy-conformance', test, 'ruleset.iptables-save');
  return parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset;
}

/** Services and endpoints as kubeProxyRecords hands them over. */
function records(services: readonly KubeProxyService[]): { services: ServiceRecord[]; endpoints: EndpointRecord[] } {
  const endpoints: EndpointRecord[] = [];
  return { services: kubeProxyRecords(services, (e) => endpoints.push(e)), endpoints };
}

describe('kubeProxyRecords', () => {
  it('reads the lab node\'s NodePort service with both endpoints, each at the rule line that names it', () => {
    const file = path.resolve(__dirname, '../../../test/fixtures/lab/nodes/nodea/iptables-save.txt');
    const { services, endpoints } = records(kubeProxyServices(parseIptablesSave({ file, text: fs.readFileSync(file, 'utf8'), firstLine: 1 }).ruleset));
    expect(services).toEqual([
      expect.objectContaining({
        namespace: 'default', name: 'hello', type: 'NodePort', clusterIP: '10.96.0.10',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: null, nodePort: 30080 }],
      }),
    ]);
    expect(endpoints.map((e) => [e.portName, e.address, e.port])).toEqual([['http', '10.40.1.2', 8080], ['http', '10.40.2.2', 8080]]);
  });

  it('splits each endpoint at a last colon followed by digits alone, and keeps the rest as the address', () => {
    const frontend = { kind: 'cluster-ip' as const, address: '10.96.0.1', port: 80, proto: 'tcp', rule: '-A KUBE-SERVICES ...', line: 7 };
    const endpoints = ['10.0.0.1:8080', '10.0.0.2', '10.0.0.3:', 'fd00::1', '10.0.0.4:80a', '10.0.0.5:0080'];
    const { endpoints: rows } = records([{ name: 'ns/web:http', hash: 'H', frontends: [frontend], endpoints }]);
    expect(rows.map((e) => [e.address, e.port, e.portName, e.line])).toEqual([
      ['10.0.0.1', 8080, 'http', 7], ['10.0.0.2', null, 'http', 7], ['10.0.0.3:', null, 'http', 7], ['fd00:', 1, 'http', 7],
      ['10.0.0.4:80a', null, 'http', 7], ['10.0.0.5', 80, 'http', 7],
    ]);
  });
});

describeShared('kube-proxy-conformance', 'kubeProxyRecords on the kube-proxy conformance dumps', () => {
  it('reads a LoadBalancer service with its cluster IP, node port and endpoint from kube-proxy chains', () => {
    const { services, endpoints } = records(kubeProxyServices(ruleset('TestLoadBalancer')));
    expect(services).toEqual([
      expect.objectContaining({
        namespace: 'ns1', name: 'svc1', type: 'LoadBalancer', clusterIP: '172.30.0.41', loadBalancerIPs: ['1.2.3.4'],
        ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort: null, nodePort: 3001 }],
      }),
    ]);
    expect(endpoints).toEqual([expect.objectContaining({ namespace: 'ns1', name: 'svc1', portName: 'p80', address: '10.180.0.1', port: 80 })]);
  });

  it('groups the ports of one service and types a service without node ports as ClusterIP', () => {
    const { services } = records(kubeProxyServices(ruleset('TestClusterIPEndpointsJump')));
    expect(services.map((s) => [`${s.namespace}/${s.name}`, s.type, s.clusterIP, s.ports.map((p) => `${p.name}:${p.port}`)])).toEqual([
      ['ns1/svc1', 'ClusterIP', '172.30.0.41', ['p80:80']],
    ]);
  });
});

describe('splitServicePortName', () => {
  /** What it replaced: the regular expression's groups. */
  const byRegExp = (text: string): ReturnType<typeof splitServicePortName> => {
    const m = /^([^/]+)\/([^:]+):(.*)$/.exec(text);
    return m ? { namespace: m[1]!, name: m[2]!, portName: m[3] === '' ? null : m[3]! } : null;
  };

  it('reads every comment as the regular expression did: kube-proxy-like, odd and random ones', () => {
    const fixed = [
      'default/hello:http', 'kube-system/kube-dns:dns-tcp', 'ns/svc:', 'ns/svc', '/svc:p', 'ns/:p', 'ns//svc:p', 'a:b/c:d', 'ns/a/b:c:d',
      'ns/svc:p\n', 'ns/svc:p\rq', 'ns/svc:\u2028', 'n\ns/s\nvc:p', '', '/', ':', '/:', 'ns/svc:p q', 'ns/svc::', 'ns/ſvc:K',
    ];
    const alphabet = ['a', 'b', '/', ':', '-', ' ', '\n', '\r', '\u2028', '\u2029', '\t', 'ſ', 'é', '0'];
    let seed = 15;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const random = Array.from({ length: 20_000 }, () => Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    for (const text of [...fixed, ...random]) expect(splitServicePortName(text), JSON.stringify(text)).toEqual(byRegExp(text));
    expect(random.filter((t) => byRegExp(t) !== null).length).toBeGreaterThan(400);
  });
});
