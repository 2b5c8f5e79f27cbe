/**
 * Fragments engineers paste, through the real registry: output whose form only the command line tells
 * (net-tools' IPv6 table, kubectl rows greped without their header). Read when the command says what they are
 * without doubt; otherwise kept as text with the line it starts at.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCaptureUnit, splitTextCapture } from './registry';

function split(text: string) {
  return splitTextCapture({ file: 't.txt', text, firstLine: 1 });
}

const INET6 = [
  'Kernel IPv6 routing table',
  'Destination                    Next Hop                   Flag Met Ref  Use If',
  'fd00::/64                      ::                         U    256 1      0 eth0',
  '::/0                           fd00::1                    UG   1024 3      0 eth0',
].join('\n');

describe('net-tools IPv6 routing table', () => {
  it.each(['route -n -A inet6', 'route -A inet6 -n', 'route -6 -n', 'netstat -rn -6', 'netstat -rn6'])('reads `%s`', (command) => {
    const r = split(`root@node1:~# ${command}\n${INET6}\n`);
    expect(r.kept).toEqual([]);
    expect(r.units.map((u) => [u.kind, u.node, u.firstLine, u.lastLine])).toEqual([['route-table', 'node1', 2, 5]]);
    const parsed = parseCaptureUnit(r.units[0]!);
    expect(parsed.kind === 'route-table' && parsed.routes.map((x) => [x.dst, x.via, x.family])).toEqual([
      ['fd00::/64', null, 'ipv6'],
      ['default', 'fd00::1', 'ipv6'],
    ]);
  });

  it('keeps `route add -A inet6 ...` (a change, not a listing) out of the route-table hint', () => {
    const r = split(`root@node1:~# route -A inet6 add default gw fd00::1\nSIOCADDRT: File exists\n`);
    expect(r.units).toEqual([]);
    expect(r.kept.map((k) => k.firstLine)).toEqual([2]);
  });
});

function kubectlRecords(text: string) {
  const r = split(text);
  const parsed = r.units.map((u) => parseCaptureUnit(u));
  return {
    units: r.units.map((u) => [u.kind, u.firstLine, u.lastLine, u.partial]),
    kept: r.kept.map((k) => [k.firstLine, k.lastLine]),
    services: parsed.flatMap((p) => (p.kind === 'kubectl' ? p.services : [])),
    endpoints: parsed.flatMap((p) => (p.kind === 'kubectl' ? p.endpoints : [])),
    pods: parsed.flatMap((p) => (p.kind === 'kubectl' ? p.pods : [])),
  };
}

describe('kubectl get rows greped without their header', () => {
  it('reads `kubectl get svc -A | grep`: NAMESPACE first, the service columns after it', () => {
    const got = kubectlRecords([
      'root@master:~# kubectl get svc -A | grep web',
      'default       web          NodePort    10.96.45.12     <none>        80:30080/TCP,443:30443/TCP   3d',
      'shop          web-lb       LoadBalancer 10.96.7.1     203.0.113.9   80:31000/TCP   12h',
    ].join('\n'));
    expect(got.units).toEqual([['kubectl', 2, 3, true]]);
    expect(got.services).toEqual([
      { namespace: 'default', name: 'web', type: 'NodePort', clusterIP: '10.96.45.12', externalIPs: [], loadBalancerIPs: [], selector: null, line: 2,
        ports: [{ name: null, port: 80, protocol: 'TCP', targetPort: null, nodePort: 30080 }, { name: null, port: 443, protocol: 'TCP', targetPort: null, nodePort: 30443 }] },
      { namespace: 'shop', name: 'web-lb', type: 'LoadBalancer', clusterIP: '10.96.7.1', externalIPs: [], loadBalancerIPs: ['203.0.113.9'], selector: null, line: 3,
        ports: [{ name: null, port: 80, protocol: 'TCP', targetPort: null, nodePort: 31000 }] },
    ]);
  });

  it('reads `kubectl get svc -o wide -n NS | grep`: the namespace from -n, SELECTOR last', () => {
    const got = kubectlRecords('$ kubectl -n kube-system get svc -o wide | grep dns\nkube-dns   ClusterIP   10.96.0.10   <none>   53/UDP,53/TCP,9153/TCP   9d   k8s-app=kube-dns\n');
    expect(got.services).toMatchObject([{ namespace: 'kube-system', name: 'kube-dns', clusterIP: '10.96.0.10', selector: 'k8s-app=kube-dns', line: 2 }]);
  });

  it('reads `kubectl get pods -o wide | grep NODE` of every kubectl layout: RESTARTS with its age, 0 to 2 columns after NODE', () => {
    const got = kubectlRecords([
      'user@laptop:~$ kubectl get pods -o wide | grep node2',
      'web-6d4cf56db6-abcde   1/1     Running   0          3d    10.244.2.5   node2',
      'web-6d4cf56db6-fghij   1/1     Running   3 (5m ago)   3d    10.244.2.6   node2   <none>           <none>',
      'web-6d4cf56db6-klmno   0/1     ContainerCreating   0   4s   <none>   node2   <none>',
    ].join('\n'));
    expect(got.pods.map((p) => [p.namespace, p.name, p.status, p.ip, p.node, p.line])).toEqual([
      ['default', 'web-6d4cf56db6-abcde', 'Running', '10.244.2.5', 'node2', 2],
      ['default', 'web-6d4cf56db6-fghij', 'Running', '10.244.2.6', 'node2', 3],
      ['default', 'web-6d4cf56db6-klmno', 'ContainerCreating', null, 'node2', 4],
    ]);
  });

  it('reads `kubectl get ep | grep` with the cut list (`+ 1 more...`) and `--no-headers -A`', () => {
    const got = kubectlRecords([
      '$ kubectl get ep | grep web',
      'web          10.244.2.5:8080,10.244.1.7:8080,10.244.3.2:8080 + 1 more...   3d',
      '$ kubectl get endpoints --no-headers --all-namespaces',
      'kube-system   kube-dns   10.244.0.3:53,10.244.0.3:53,10.244.0.3:9153   9d',
      'default       empty      <none>                                        1d',
    ].join('\n'));
    expect(got.endpoints.map((e) => [e.namespace, e.name, e.endpoints, e.line])).toEqual([
      ['default', 'web', ['10.244.2.5:8080', '10.244.1.7:8080', '10.244.3.2:8080'], 2],
      ['kube-system', 'kube-dns', ['10.244.0.3:53', '10.244.0.3:53', '10.244.0.3:9153'], 4],
      ['default', 'empty', [], 5],
    ]);
  });

  it('keeps rows as text when the command leaves the columns in doubt or the rows have others', () => {
    const r = split([
      '$ kubectl get pods -L app | grep web',
      'web-6d4cf56db6-abcde   1/1     Running   0          3d    web',
      '$ kubectl get svc -o custom-columns=N:.metadata.name,IP:.spec.clusterIP | grep web',
      'web   10.96.45.12',
      '$ kubectl get svc,ep | grep web',
      'service/web   ClusterIP   10.96.45.12   <none>   80/TCP   3d',
    ].join('\n'));
    expect(r.units).toEqual([]);
    expect(r.kept.map((k) => [k.firstLine, k.command])).toEqual([
      [2, 'kubectl get pods -L app | grep web'],
      [4, 'kubectl get svc -o custom-columns=N:.metadata.name,IP:.spec.clusterIP | grep web'],
      [6, 'kubectl get svc,ep | grep web'],
    ]);
  });

  it('reads rows only through stages that choose lines (grep, sort, column -t), not through awk, which may move the columns', () => {
    const row = 'web   ClusterIP   10.96.45.12   <none>   80/TCP   3d';
    const r = split(`$ kubectl get svc | grep web | sort | column -t\n${row}\n$ kubectl get svc | awk '{print $1,$2,$3,$4,$5,$6}'\n${row}\n`);
    expect(r.units.map((u) => [u.kind, u.firstLine])).toEqual([['kubectl', 2]]);
    expect(r.kept.map((k) => k.firstLine)).toEqual([4]);
  });

  it('fails a row of another kubectl version\'s columns with its line (kubectl 1.6 had no TYPE): nothing of the output is read', () => {
    const r = split('$ kubectl get svc | grep web\nweb          10.96.45.12     <none>        80/TCP   3d\nweb2   ClusterIP   10.96.45.13   <none>   80/TCP   3d\n');
    expect(r.units).toHaveLength(1);
    expect(() => parseCaptureUnit(r.units[0]!)).toThrow('t.txt:2: row without its header does not have the columns `kubectl get` prints here (NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE): 4 cells after NAME, not 5');
  });

  it('names the namespace -n gives a table with its header (read as default before)', () => {
    const got = kubectlRecords([
      '$ kubectl get svc -n kube-system',
      'NAME       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE',
      'kube-dns   ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP,9153/TCP   3d',
      '$ kubectl get pods --namespace=shop',
      'NAME    READY   STATUS    RESTARTS   AGE',
      'cart    1/1     Running   0          3d',
    ].join('\n'));
    expect(got.services.map((s) => [s.namespace, s.name])).toEqual([['kube-system', 'kube-dns']]);
    expect(got.pods.map((p) => [p.namespace, p.name])).toEqual([['shop', 'cart']]);
  });
});

function rulesets(text: string) {
  const r = split(text);
  return {
    kept: r.kept.map((k) => [k.firstLine, k.reason]),
    captures: r.units.map((u) => {
      const parsed = parseCaptureUnit(u);
      if (parsed.kind !== 'iptables-save') throw new Error(`${u.kind} at ${u.firstLine}`);
      return {
        lines: [u.firstLine, u.lastLine],
        partial: parsed.ruleset.origin.partial,
        tables: parsed.ruleset.tables.map((t) => ({
          table: t.name,
          chains: t.chains.map((c) => [c.name, c.line, c.rules.map((x) => [x.line, x.text.slice(0, 40)])]),
        })),
        warnings: (parsed.warnings ?? []).map((w) => [w.line, w.message]),
      };
    }),
  };
}

const SVC = 'KUBE-SVC-ABCDEFGHIJKLMNOP';
const SEP = 'KUBE-SEP-AAAAAAAAAAAAAAAA';

describe('iptables-save greps engineers post: fragments that add to what is known', () => {
  it('reads `iptables-save | grep CHAIN` with its `:CHAIN` line (no *table line): the table inferred, said in a warning, never the whole ruleset', () => {
    const got = rulesets([
      `root@node1:~# iptables-save | grep ${SVC}`,
      `:${SVC} - [0:0]`,
      `-A KUBE-SERVICES -d 10.96.45.12/32 -p tcp -m tcp --dport 80 -j ${SVC}`,
      `-A ${SVC} -m statistic --mode random --probability 0.50000000000 -j ${SEP}`,
      `-A ${SVC} -j KUBE-SEP-BBBBBBBBBBBBBBBB`,
    ].join('\n'));
    expect(got.kept).toEqual([]);
    expect(got.captures).toEqual([{
      lines: [2, 5],
      partial: true,
      tables: [{ table: 'nat', chains: [
        [SVC, 2, [[4, `-A ${SVC} -m statisti`], [5, `-A ${SVC} -j KUBE-SEP`]]],
        ['KUBE-SERVICES', 3, [[3, '-A KUBE-SERVICES -d 10.96.45.12/32 -p tc']]],
      ] }],
      warnings: [[2, `iptables rules without their table (no -t, no *table line): read as table nat (chain ${SVC} is a kube-proxy nat chain)`]],
    }]);
  });

  it('cuts a grep of a whole dump where a `:CHAIN` line follows rules: the next table (filter then nat)', () => {
    const got = rulesets([
      '$ sudo iptables-save | grep KUBE-SERVICES',
      ':KUBE-SERVICES - [0:0]',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      ':KUBE-SERVICES - [0:0]',
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ].join('\n'));
    expect(got.captures[0]!.tables.map((t) => [t.table, t.chains.map((c) => c[0])])).toEqual([
      ['filter', ['KUBE-SERVICES', 'FORWARD']],
      ['nat', ['KUBE-SERVICES', 'PREROUTING']],
    ]);
  });

  it('steps over the COMMIT a `grep -A` brought along', () => {
    const got = rulesets(`$ iptables-save | grep -A1 KUBE-POSTROUTING\n-A KUBE-POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE\nCOMMIT\n`);
    expect(got.kept).toEqual([]);
    expect(got.captures.map((c) => c.tables.map((t) => [t.table, t.chains.map((ch) => ch[0])]))).toEqual([[['nat', ['KUBE-POSTROUTING']]]]);
  });

  it('reads `grep -n` and `grep -n -B1` output without the numbers grep put before each line, at their own lines', () => {
    const got = rulesets([
      `root@node1:~# iptables-save -t nat | grep -n ${SEP.slice(0, 13)}`,
      `12::${SEP} - [0:0]`,
      `40:-A ${SEP} -s 10.244.1.5/32 -j KUBE-MARK-MASQ`,
      `41:-A ${SEP} -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080`,
      'root@node1:~# iptables -t nat -S | grep -nB1 DNAT',
      `44--A ${SEP} -s 10.244.1.5/32 -j KUBE-MARK-MASQ`,
      `45:-A ${SEP} -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080`,
      '--',
      '60--A KUBE-SEP-CCCCCCCCCCCCCCCC -s 10.244.3.1/32 -j KUBE-MARK-MASQ',
      '61:-A KUBE-SEP-CCCCCCCCCCCCCCCC -p tcp -m tcp -j DNAT --to-destination 10.244.3.1:8080',
    ].join('\n'));
    expect(got.kept).toEqual([]);
    expect(got.captures.map((c) => [c.lines, c.tables.map((t) => [t.table, t.chains.map((ch) => [ch[0], (ch[2] as unknown[][]).map((r) => r[0])])])])).toEqual([
      [[2, 4], [['nat', [[SEP, [3, 4]]]]]],
      [[6, 10], [['nat', [[SEP, [6, 7]], ['KUBE-SEP-CCCCCCCCCCCCCCCC', [9, 10]]]]]],
    ]);
  });

  it('leaves numbers alone when not every line has one (grep -n was not the last word on them)', () => {
    const r = split(`$ iptables -t nat -S | grep -n SEP\n40:-A ${SEP} -j KUBE-MARK-MASQ\n-A ${SEP} -j KUBE-MARK-MASQ\n`);
    expect(r.kept.map((k) => [k.firstLine, k.lastLine])).toEqual([[2, 2]]);
    expect(r.units.map((u) => [u.firstLine, u.input.text])).toEqual([[3, `-A ${SEP} -j KUBE-MARK-MASQ`]]);
  });
});

describe('the namespace a transcript made the kubectl context\'s', () => {
  it('reads a get without -n in the namespace `kubens` or `kubectl config set-context --current` chose, until another changes it', () => {
    const table = 'NAME   TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)   AGE\nweb    ClusterIP   10.96.1.1     <none>        80/TCP    1d';
    const got = kubectlRecords([
      '$ kubens shop', 'Active namespace is "shop".', '$ kubectl get svc', table,
      '$ kubectl get svc -n other', table,
      '$ kubectl config set-context --current --namespace=blue', 'Context "kind" modified.', '$ kubectl get svc', table,
      '$ kubectx staging', 'Switched to context "staging".', '$ kubectl get svc', table,
    ].join('\n'));
    expect(got.services.map((s) => [s.namespace, s.line])).toEqual([['shop', 5], ['other', 8], ['blue', 13], ['default', 18]]);
  });
});

describe('real posts (test/fixtures/real)', () => {
  const real = (file: string) => splitTextCapture({ file, text: readFileSync(file, 'utf8'), firstLine: 1 });

  it('kube-hetzner#1210: `iptables-save | grep KUBE-SVC` on a k3s node is nat rules of that node, a fragment', () => {
    const r = real('test/fixtures/real/kube-hetzner-issues/1210-iptables-save-grep-kube-svc.md');
    expect(r.kept).toEqual([]);
    expect(r.units.map((u) => [u.kind, u.node, u.firstLine, u.lastLine])).toEqual([['iptables-save', 'k3s-agent-large-qtr', 3, 21]]);
    const parsed = parseCaptureUnit(r.units[0]!);
    if (parsed.kind !== 'iptables-save') throw new Error(parsed.kind);
    expect(parsed.ruleset.origin.partial).toBe(true);
    const nat = parsed.ruleset.tables.find((t) => t.name === 'nat')!;
    expect(parsed.ruleset.tables.map((t) => t.name)).toEqual(['nat']);
    expect(nat.chains.filter((c) => c.name.startsWith('KUBE-SVC-'))).toHaveLength(12);
    expect(nat.chains.find((c) => c.name === 'KUBE-SERVICES')?.rules.map((x) => x.line)).toEqual([18, 19, 20]);
  });

  it('kubermatic#10521: `route -6 -n` under a French title is read whole, the title taken as one', () => {
    const r = real('test/fixtures/real/kubermatic-issues/10521-route-6-n-french.md');
    expect(r.kept).toEqual([]);
    expect(r.units.map((u) => [u.kind, u.firstLine, u.lastLine])).toEqual([['route-table', 3, 19]]);
    const parsed = parseCaptureUnit(r.units[0]!);
    expect(parsed.kind === 'route-table' && parsed.routes.map((x) => x.line)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
  });

  it('securityneo: `kubectl get svc | grep nginx` without its header is the nginx-svc service; the glued pod rows stay text', () => {
    const r = real('test/fixtures/real/securityneo-notes/minikube-S-chains-glued-pods.md');
    const services = r.units.flatMap((u) => {
      const p = parseCaptureUnit(u);
      return p.kind === 'kubectl' ? p.services : [];
    });
    expect(services.map((x) => [x.namespace, x.name, x.type, x.clusterIP, x.line])).toEqual([['default', 'nginx-svc', 'ClusterIP', '10.102.40.108', 12]]);
    expect(r.kept.some((k) => k.command === 'kubectl get pod -o wide')).toBe(true);
  });

  it('movd/devopswithkubernetes: greped `get svc --all-namespaces` rows and a --watch table in the namespace kubens chose', () => {
    const r = real('test/fixtures/real/movd-devopswithkubernetes/svc-watch-and-grep.md');
    const parsed = r.units.map((u) => parseCaptureUnit(u));
    const services = parsed.flatMap((p) => (p.kind === 'kubectl' ? p.services : []));
    // The watch printed the load balancer twice, <pending> and then with its IP: it is read as the last.
    expect(services.map((s) => [s.namespace, s.name, s.clusterIP, s.loadBalancerIPs, s.line])).toEqual([
      ['hashgenerator', 'hashgenerator-svc', '10.51.249.229', [], 15],
      ['hashgenerator', 'hashgenerator-svc-loadbalancer', '10.51.241.121', ['35.242.205.114'], 17],
      ['hashgenerator', 'hashgenerator-svc-loadbalancer', '10.51.241.121', ['35.242.205.114'], 22],
      ['pingpong', 'pingpong-svc-loadbalancer', '10.51.246.118', ['34.89.233.5'], 23],
    ]);
    expect(parsed.flatMap((p) => (p.kind === 'kubectl' ? (p.warnings ?? []).map((w) => w.line) : []))).toEqual([17]);
  });
});

describe('ip addr | grep inet', () => {
  it('is a partial ip-addr capture of the interfaces the IPv4 lines name', () => {
    const r = split('root@node1:~# ip a | grep inet\n    inet 127.0.0.1/8 scope host lo\n    inet 192.168.1.10/24 brd 192.168.1.255 scope global eth0\n    inet6 ::1/128 scope host \n');
    expect(r.kept).toEqual([]);
    expect(r.units.map((u) => [u.kind, u.node, u.firstLine, u.lastLine, u.partial])).toEqual([['ip-addr', 'node1', 2, 4, true]]);
    const parsed = parseCaptureUnit(r.units[0]!);
    expect(parsed.kind === 'ip-addr' && [parsed.interfaces.map((i) => i.name), parsed.warnings?.map((w) => w.line)]).toEqual([['lo', 'eth0'], [4]]);
  });
});

describe('route -n | grep', () => {
  it('reads the greped rows in the columns the command prints, names (route without -n) warned about at their line', () => {
    const r = split([
      'root@node1:~# route -n | grep cni0',
      '10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0',
      'root@node1:~# route | grep default',
      'default         gateway         0.0.0.0         UG    100    0        0 eth0',
    ].join('\n'));
    expect(r.units.map((u) => [u.kind, u.firstLine, u.partial])).toEqual([['route-table', 2, true], ['route-table', 4, true]]);
    const [numeric, named] = r.units.map((u) => parseCaptureUnit(u));
    expect(numeric?.kind === 'route-table' && numeric.routes.map((x) => [x.dst, x.via, x.dev, x.metric])).toEqual([['10.244.1.0/24', null, 'cni0', 0]]);
    expect(named?.kind === 'route-table' && named.routes.map((x) => [x.dst, x.via, x.dev, x.metric])).toEqual([['default', 'gateway', 'eth0', 100]]);
    expect(named?.kind === 'route-table' && named.warnings?.map((w) => [w.line, w.message.split(' (')[0]])).toEqual([[4, 'gateway "gateway" is a host name, not resolved']]);
    expect(r.kept).toEqual([]);
  });
});
