import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseKubectl } from './kubectl';
import { splitTextCapture } from '../registry';

const parse = (text: string) => parseKubectl({ file: 'k', text, firstLine: 1 });

describe('kubectl get: old and new column layouts', () => {
  it('reads the pre-1.2 CLUSTER_IP / EXTERNAL_IP service table with SELECTOR (k8s 20652)', () => {
    const file = 'test/fixtures/real/kubernetes-issues/20652-kubectl-get-svc-ep.md';
    const units = splitTextCapture({ file, text: readFileSync(file, 'utf8'), firstLine: 1 }).units;
    const services = parseKubectl(units[0]!.input).services;
    expect(services).toEqual([
      { namespace: 'default', name: 'kubernetes', type: null, clusterIP: '10.0.0.1', externalIPs: [], loadBalancerIPs: [],
        ports: [{ name: null, port: 443, protocol: 'TCP', targetPort: null, nodePort: null }], selector: null, line: 4 },
      { namespace: 'default', name: 'rc-default', type: null, clusterIP: '10.0.5.65', externalIPs: [], loadBalancerIPs: [],
        ports: [{ name: null, port: 80, protocol: 'TCP', targetPort: null, nodePort: null }], selector: 'name=rc-default', line: 5 },
    ]);
    expect(parseKubectl(units[1]!.input).endpoints).toHaveLength(9);
  });

  it('reads kubectl 1.0 IP(S) as the cluster IP', () => {
    const got = parse('NAME         LABELS                                    SELECTOR   IP(S)        PORT(S)    AGE\nkubernetes   component=apiserver,provider=kubernetes   <none>     10.0.0.1     443/TCP    1h\n');
    expect(got.services[0]).toMatchObject({ name: 'kubernetes', clusterIP: '10.0.0.1', ports: [{ port: 443, protocol: 'TCP' }] });
  });

  it('reads NodePort pairs, <none> external IPs and a LoadBalancer ingress in the current layout with -o wide', () => {
    const got = parse([
      'NAME    TYPE           CLUSTER-IP     EXTERNAL-IP    PORT(S)                      AGE   SELECTOR',
      'web     NodePort       10.96.12.7     <none>         80:30080/TCP,443:30443/TCP   5d    app=web',
      'front   LoadBalancer   10.96.12.8     203.0.113.9    80:31000/TCP                 5d    app=front',
    ].join('\n'));
    expect(got.services.map((s) => [s.name, s.type, s.externalIPs, s.loadBalancerIPs, s.ports.map((p) => `${p.port}:${p.nodePort}`), s.selector])).toEqual([
      ['web', 'NodePort', [], [], ['80:30080', '443:30443'], 'app=web'],
      ['front', 'LoadBalancer', [], ['203.0.113.9'], ['80:31000'], 'app=front'],
    ]);
  });

  it('reads kubectl get endpointslices as the endpoints of their service (address × port)', () => {
    const got = parse([
      'NAMESPACE     NAME             ADDRESSTYPE   PORTS        ENDPOINTS                             AGE',
      'default       kubernetes       IPv4          6443         172.18.0.2                            10d',
      'kube-system   kube-dns-5x2tf   IPv4          53,9153,53   10.244.0.2,10.244.0.4                 10d',
      'default       web-abc12        IPv4          <unset>      10.1.2.3,10.1.2.4 + 1 more...         2m',
      'default       web6-q9z8x       IPv6          80           fd00::5                               2m',
    ].join('\n'));
    expect(got.endpoints.map((e) => [e.namespace, e.name, e.endpoints])).toEqual([
      ['default', 'kubernetes', ['172.18.0.2:6443']],
      ['kube-system', 'kube-dns', ['10.244.0.2:53', '10.244.0.2:9153', '10.244.0.4:53', '10.244.0.4:9153']],
      ['default', 'web', ['10.1.2.3', '10.1.2.4']],
      ['default', 'web6', ['[fd00::5]:80']],
    ]);
  });

  it('rejects a slice port out of range with its line', () => {
    expect(() => parse('NAME      ADDRESSTYPE   PORTS    ENDPOINTS    AGE\nweb-abcde IPv4          99999    10.0.0.1     1d\n')).toThrow('k:2: port 99999 out of range');
  });
});
