import { describe, it, expect } from 'vitest';
import { CaptureError } from '../capture-error';
import { looksLikeKubectl, parseKubectl } from './kubectl';
import { transcriptSlice, withCrlf } from '../../../../test/fixtures/text/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const GKE = '001_a5b3b11c70178834.txt';
const HARD_WAY = '002_1fb178fb5a43cd31.txt';
const GUESTBOOK = '004_21b806302248d7be.txt';

describeShared('transcripts', 'parseKubectl get tables (shared transcripts)', () => {
  it('reads a LoadBalancer service: cluster IP, ingress IP, port with nodePort', () => {
    const got = parseKubectl(transcriptSlice(GKE, 711, 712));
    expect(got.services).toEqual([{
      namespace: 'default', name: 'hello-server', type: 'LoadBalancer', clusterIP: '10.43.246.223',
      externalIPs: [], loadBalancerIPs: ['35.231.121.11'],
      ports: [{ name: null, port: 80, protocol: 'TCP', targetPort: null, nodePort: 31830 }],
      selector: null, line: 712,
    }]);
  });

  it('reads services without a TYPE column (old kubectl) and an external IP', () => {
    const got = parseKubectl(transcriptSlice(GUESTBOOK, 51, 55));
    expect(got.services.map((s) => [s.name, s.type, s.clusterIP, s.externalIPs, s.ports.map((p) => p.port)])).toEqual([
      ['frontend', null, '10.3.0.252', ['172.17.4.101'], [80]],
      ['kubernetes', null, '10.3.0.1', [], [443]],
      ['redis-master', null, '10.3.0.103', [], [6379]],
      ['redis-slave', null, '10.3.0.241', [], [6379]],
    ]);
  });

  it('reads pods -o wide with IP and NODE from old wide-spaced columns', () => {
    const got = parseKubectl(transcriptSlice(GKE, 740, 741));
    expect(got.pods).toEqual([{
      namespace: 'default', name: 'hello-server-579859fb5b-szrwh', status: 'Running', ip: '10.40.0.6',
      node: 'gke-lab-cluster-default-pool-9e4ce61e-2jdh', line: 741,
    }]);
  });

  it('reads endpoints lists', () => {
    const got = parseKubectl(transcriptSlice(HARD_WAY, 1148, 1149));
    expect(got.endpoints).toEqual([{ namespace: 'default', name: 'nsvc', endpoints: ['172.17.0.2:80', '172.18.0.2:80'], line: 1149 }]);
  });

  it('reads multi-section get deploy,rs,po, keeping pods and skipping other kinds', () => {
    const got = parseKubectl(transcriptSlice(HARD_WAY, 1115, 1123));
    expect(got.services).toEqual([]);
    expect(got.pods.map((p) => [p.name, p.status, p.ip, p.line])).toEqual([
      ['nginx-deployment-6dd86d77d-fg2xh', 'Running', null, 1122],
      ['nginx-deployment-6dd86d77d-wntbf', 'Running', null, 1123],
    ]);
  });

  it('parses CRLF input the same as LF', () => {
    for (const input of [transcriptSlice(HARD_WAY, 1115, 1123), transcriptSlice(GKE, 719, 733)]) {
      expect(parseKubectl(withCrlf(input))).toEqual(parseKubectl(input));
    }
  });
});

describeShared('transcripts', 'parseKubectl describe (shared transcripts)', () => {
  it('reads describe service: type, IP, ingress, port/targetPort/nodePort and endpoints', () => {
    const got = parseKubectl(transcriptSlice(GKE, 719, 733));
    expect(got.services).toEqual([{
      namespace: 'default', name: 'hello-server', type: 'LoadBalancer', clusterIP: '10.43.246.223',
      externalIPs: [], loadBalancerIPs: ['35.231.121.11'],
      ports: [{ name: null, port: 80, protocol: 'TCP', targetPort: '8080', nodePort: 31830 }],
      selector: 'run=hello-server', line: 719,
    }]);
    expect(got.endpoints).toEqual([{ namespace: 'default', name: 'hello-server', endpoints: ['10.40.0.6:8080'], line: 719 }]);
  });

  it('reads a ClusterIP describe with its duplicated endpoints as printed', () => {
    const got = parseKubectl(transcriptSlice(HARD_WAY, 192, 203));
    expect(got.services[0]).toMatchObject({ name: 'nsvc', type: 'ClusterIP', clusterIP: '10.0.51.206', selector: 'app=nginx' });
    expect(got.services[0]?.ports).toEqual([{ name: null, port: 2000, protocol: 'TCP', targetPort: '80', nodePort: null }]);
    expect(got.endpoints[0]?.endpoints).toEqual(['172.17.0.2:80', '172.17.0.2:80']);
  });

  it('reads the network fields of describe pod (node name before its address)', () => {
    const got = parseKubectl(transcriptSlice(GUESTBOOK, 70, 108));
    expect(got.pods).toHaveLength(1);
    expect(got.pods[0]).toEqual({ namespace: 'default', name: 'frontend-456680569-fsgp5', status: 'Running', ip: '10.2.59.13', node: '172.17.4.201', line: 70 });
  });
});

/** A hand-written output of test/fixtures/kubectl (kubectl 1.31 layout). */
function kubectlFixture(name: string): { file: string; text: string; firstLine: number } {
  return { file: name, text: readFileSync(path.resolve(__dirname, '../../../../test/fixtures/kubectl', name), 'utf8'), firstLine: 1 };
}

describe('parseKubectl on the kubectl fixtures', () => {
  it('reads get deploy,rs,po,svc -o wide: pods and services, kind prefixes dropped, other kinds skipped', () => {
    const got = parseKubectl(kubectlFixture('get-all-wide.txt'));
    expect(got.pods.map((p) => [p.name, p.status, p.ip, p.node, p.line])).toEqual([
      ['web-7d4b9c-abcde', 'Running', '10.244.1.11', 'node-a', 8],
      ['web-7d4b9c-fghij', 'Running', '10.244.2.10', 'node-b', 9],
      ['web-7d4b9c-klmno', 'Running', '10.244.2.11', 'node-b', 10],
    ]);
    expect(got.services.map((s) => [s.name, s.type, s.clusterIP, s.selector, s.ports.map((p) => [p.port, p.nodePort, p.protocol])])).toEqual([
      ['kubernetes', 'ClusterIP', '10.96.0.1', null, [[443, null, 'TCP']]],
      ['web', 'NodePort', '10.96.0.20', 'app=web', [[80, 30080, 'TCP']]],
    ]);
  });

  it('reads describe pod: node name before its address, the pod IP, not the IPs: section twice', () => {
    const got = parseKubectl(kubectlFixture('describe-pod.txt'));
    expect(got.pods).toEqual([{ namespace: 'default', name: 'web-7d4b9c-abcde', status: 'Running', ip: '10.244.1.11', node: 'node-a', line: 1 }]);
  });

  it('reads describe svc: named port with node port, target port and the endpoints line', () => {
    const got = parseKubectl(kubectlFixture('describe-svc.txt'));
    expect(got.services).toEqual([expect.objectContaining({
      namespace: 'default', name: 'web', type: 'NodePort', clusterIP: '10.96.0.20', selector: 'app=web',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: '8080', nodePort: 30080 }],
    })]);
    expect(got.endpoints).toEqual([{ namespace: 'default', name: 'web', endpoints: ['10.244.1.11:8080', '10.244.2.10:8080', '10.244.2.11:8080'], line: 1 }]);
  });

  it('parses CRLF input the same as LF, and sniffs all three as kubectl', () => {
    for (const name of ['get-all-wide.txt', 'describe-pod.txt', 'describe-svc.txt']) {
      const input = kubectlFixture(name);
      expect(parseKubectl(withCrlf(input))).toEqual(parseKubectl(input));
      expect(looksLikeKubectl(input.text), name).toBe(true);
    }
  });
});

describe('parseKubectl other forms', () => {
  it('reads --all-namespaces -o wide services with pending, lists, selectors and service/ names', () => {
    const text = [
      'NAMESPACE     NAME                 TYPE           CLUSTER-IP     EXTERNAL-IP             PORT(S)                      AGE    SELECTOR',
      'default       service/hello        NodePort       10.96.10.20    <none>                  80:31830/TCP,443:30443/TCP   2d3h   app=hello',
      'kube-system   service/kube-dns     ClusterIP      10.96.0.10     <none>                  53/UDP,53/TCP,9153/TCP       40d    k8s-app=kube-dns',
      'web           service/front        LoadBalancer   10.96.7.7      <pending>               80:32000/TCP                 5m     <none>',
      'web           service/ext          ClusterIP      10.96.7.8      192.0.2.1,192.0.2.2     8080/TCP                     5m     app=ext',
      'web           service/headless     ClusterIP      None           <none>                  <none>                       5m     app=db',
    ].join('\n');
    const got = parseKubectl({ file: 'k', text, firstLine: 1 });
    expect(got.services.map((s) => [s.namespace, s.name, s.type, s.clusterIP, s.selector])).toEqual([
      ['default', 'hello', 'NodePort', '10.96.10.20', 'app=hello'],
      ['kube-system', 'kube-dns', 'ClusterIP', '10.96.0.10', 'k8s-app=kube-dns'],
      ['web', 'front', 'LoadBalancer', '10.96.7.7', null],
      ['web', 'ext', 'ClusterIP', '10.96.7.8', 'app=ext'],
      ['web', 'headless', 'ClusterIP', null, 'app=db'],
    ]);
    expect(got.services[0]?.ports.map((p) => [p.port, p.nodePort])).toEqual([[80, 31830], [443, 30443]]);
    expect(got.services[1]?.ports.map((p) => p.protocol)).toEqual(['UDP', 'TCP', 'TCP']);
    expect(got.services[2]?.loadBalancerIPs).toEqual([]);
    expect(got.services[3]?.externalIPs).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(got.services[4]?.ports).toEqual([]);
  });

  it('places cells by header column when a value holds spaces or a cell is empty', () => {
    const text = [
      'NAME                    READY   STATUS    RESTARTS      AGE   IP           NODE     NOMINATED NODE   READINESS GATES',
      'web-7d4b9c-abcde        1/1     Running   2 (3h ago)    2d    10.244.1.5   node-a   <none>           <none>',
      'web-7d4b9c-fghij        0/1     Pending   0             5s                          <none>           <none>',
      '',
      'NAME   ENDPOINTS                                                 AGE',
      'web    10.244.1.5:8080,10.244.2.6:8080,10.244.3.7:8080 + 1 more...   2d',
    ].join('\n');
    const got = parseKubectl({ file: 'k', text, firstLine: 1 });
    expect(got.pods.map((p) => [p.name, p.status, p.ip, p.node])).toEqual([
      ['web-7d4b9c-abcde', 'Running', '10.244.1.5', 'node-a'],
      ['web-7d4b9c-fghij', 'Pending', null, null],
    ]);
    expect(got.endpoints[0]?.endpoints).toEqual(['10.244.1.5:8080', '10.244.2.6:8080', '10.244.3.7:8080']);
  });

  it('reads describe svc with named ports, IPs and External IPs, and two services in a row', () => {
    const text = [
      'Name:                     web',
      'Namespace:                shop',
      'Labels:                   app=web',
      '                          tier=front',
      'Selector:                 app=web',
      'Type:                     NodePort',
      'IP Family Policy:         SingleStack',
      'IP Families:              IPv4',
      'IP:                       10.96.5.5',
      'IPs:                      10.96.5.5',
      'External IPs:             192.0.2.10',
      'Port:                     http  80/TCP',
      'TargetPort:               http/TCP',
      'NodePort:                 http  30080/TCP',
      'Endpoints:                10.244.1.5:8080,10.244.2.6:8080',
      'Port:                     dns  53/UDP',
      'TargetPort:               5353/UDP',
      'NodePort:                 dns  30053/UDP',
      'Endpoints:                <none>',
      'Session Affinity:         None',
      'Events:                   <none>',
      '',
      'Name:              db',
      'Namespace:         shop',
      'Type:              ClusterIP',
      'IP:                None',
      'Port:              <unset>  5432/TCP',
      'Endpoints:         <none>',
    ].join('\n');
    const got = parseKubectl({ file: 'k', text, firstLine: 1 });
    expect(got.services).toHaveLength(2);
    expect(got.services[0]).toMatchObject({ namespace: 'shop', name: 'web', type: 'NodePort', clusterIP: '10.96.5.5', externalIPs: ['192.0.2.10'] });
    expect(got.services[0]?.ports).toEqual([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http', nodePort: 30080 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: '5353', nodePort: 30053 },
    ]);
    expect(got.endpoints).toEqual([{ namespace: 'shop', name: 'web', endpoints: ['10.244.1.5:8080', '10.244.2.6:8080'], line: 1 }]);
    expect(got.services[1]).toMatchObject({ name: 'db', clusterIP: null, line: 23 });
  });

  it('reports a bad port, text that is not kubectl, and outputs without any record', () => {
    const bad = 'NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nx      ClusterIP   10.0.0.1     <none>        80/XYZ    1d\n';
    expect(() => parseKubectl({ file: 'k', text: bad, firstLine: 10 })).toThrow('k:11: not a service protocol');
    expect(() => parseKubectl({ file: 'k', text: bad.replace('80/XYZ', '80:65536/TCP'), firstLine: 10 })).toThrow('k:11: port 65536 out of range');
    const described = 'Name:              web\nNamespace:         default\nPort:              http  80/TCP\nNodePort:          http  70000/TCP\n';
    expect(() => parseKubectl({ file: 'k', text: described, firstLine: 1 })).toThrow('k:4: port 70000 out of range');
    expect(() => parseKubectl({ file: 'k', text: 'hello-server   1/1   Running\n', firstLine: 3 })).toThrow('k:3: not kubectl output');
    expect(() => parseKubectl({ file: 'k', text: 'NAME   READY   STATUS    RESTARTS   AGE\npo/    1/1     Running   0          1d\n', firstLine: 1 })).toThrow('k:2: kubectl row without a name');
    expect(parseKubectl({ file: 'k', text: 'No resources found in default namespace.\n', firstLine: 1 }).pods).toEqual([]);
  });

  it('a listing of nothing is kubectl output: `No resources found.` (old kubectl), `... in NS namespace.` (new)', () => {
    expect(looksLikeKubectl('No resources found.\n')).toBe(true);
    expect(looksLikeKubectl('No resources found in kube-system namespace.\n')).toBe(true);
    expect(looksLikeKubectl('No resources found.\nand then some prose\n')).toBe(false);
  });
});

describeShared('transcripts', 'parseKubectl errors and sniffing (shared transcripts)', () => {
  it('reports the first line of a pasted prompt after a table with its line', () => {
    expect(() => parseKubectl(transcriptSlice(GUESTBOOK, 63, 70))).toThrow('004_21b806302248d7be.txt:69: not kubectl output');
  });

  it('reports a transcript line that is not kubectl output as a CaptureError', () => {
    expect(() => parseKubectl(transcriptSlice(HARD_WAY, 316, 317))).toThrow(CaptureError);
  });

  it('sniffs get tables and describe output, not gcloud tables', () => {
    expect(looksLikeKubectl(transcriptSlice(GKE, 711, 712).text)).toBe(true);
    expect(looksLikeKubectl(transcriptSlice(GKE, 719, 733).text)).toBe(true);
    expect(looksLikeKubectl(transcriptSlice(HARD_WAY, 1115, 1123).text)).toBe(true);
    expect(looksLikeKubectl(transcriptSlice(GKE, 1175, 1176).text)).toBe(false);
  });
});
