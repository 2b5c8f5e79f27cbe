// Writes the capture folder of a generated Kubernetes cluster, one sub-folder per node as
// `natlens import DIR` reads it: `ip addr` (eth0, a cbr0 bridge and one veth per pod on it),
// `ip route` (its own pod CIDR on cbr0, every other node's pod CIDR via that node: the full
// mesh of a host-gw network), and in `cluster/` the cluster-wide `kubectl get pods -A -o wide`,
// `kubectl get svc -A` and `kubectl get endpoints -A`. Deterministic: the same arguments write
// the same bytes.
import fs from 'node:fs';
import path from 'node:path';

const pad = (n, width) => String(n).padStart(width, '0');

/** Node i: eth0 172.16.X.Y/16, pod CIDR 10.(244 + i/256).(i%256).0/24 with cbr0 on .1. */
export function clusterNode(i) {
  const width = 3;
  const hi = 244 + (i >> 8);
  const lo = i & 255;
  return {
    name: `node-${pad(i, width)}`,
    eth0: `172.16.${i >> 8}.${(i & 255) + 1}`,
    podCidr: `10.${hi}.${lo}.0/24`,
    podIp: (k) => `10.${hi}.${lo}.${k + 2}`,
    gateway: `10.${hi}.${lo}.1`,
  };
}

function mac(i, k) {
  const b = [0x42, (i >> 8) & 255, i & 255, (k >> 8) & 255, k & 255, 0x01];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function ipAddr(i, pods) {
  const n = clusterNode(i);
  const lines = [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    '    inet 127.0.0.1/8 scope host lo',
    '       valid_lft forever preferred_lft forever',
    '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000',
    `    link/ether ${mac(i, 0)} brd ff:ff:ff:ff:ff:ff`,
    `    inet ${n.eth0}/16 brd 172.16.255.255 scope global eth0`,
    '       valid_lft forever preferred_lft forever',
    '3: cbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
    `    link/ether ${mac(i, 1)} brd ff:ff:ff:ff:ff:ff`,
    `    inet ${n.gateway}/24 brd ${n.podCidr.replace('.0/24', '.255')} scope global cbr0`,
    '       valid_lft forever preferred_lft forever',
  ];
  for (let k = 0; k < pods; k++) {
    lines.push(
      `${k + 4}: veth${pad(k, 4)}@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cbr0 state UP group default qlen 1000`,
      `    link/ether ${mac(i, k + 2)} brd ff:ff:ff:ff:ff:ff link-netns cni-${pad(i, 3)}-${pad(k, 4)}`,
    );
  }
  return lines.join('\n') + '\n';
}

function ipRoute(i, nodes) {
  const n = clusterNode(i);
  const lines = ['default via 172.16.255.254 dev eth0 proto static'];
  for (let j = 0; j < nodes; j++) {
    if (j === i) lines.push(`${n.podCidr} dev cbr0 proto kernel scope link src ${n.gateway}`);
    else lines.push(`${clusterNode(j).podCidr} via ${clusterNode(j).eth0} dev eth0`);
  }
  lines.push(`172.16.0.0/16 dev eth0 proto kernel scope link src ${n.eth0}`);
  return lines.join('\n') + '\n';
}

const NAMESPACES = 20;

/** Pod k of node i, in namespace team-(k % 20). */
function pod(i, k) {
  return { namespace: `team-${pad(k % NAMESPACES, 2)}`, name: `app-${pad(i, 3)}-${pad(k, 2)}`, ip: clusterNode(i).podIp(k), node: clusterNode(i).name };
}

function columns(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3))).join('').trimEnd()).join('\n') + '\n';
}

/** Service s has three endpoints: pods on three different nodes, in the service's namespace. */
function serviceEndpoints(s, nodes, pods) {
  const out = [];
  const ns = s % NAMESPACES;
  for (let e = 0; e < 3; e++) {
    const i = (s * 7 + e * 61) % nodes;
    // A pod k of namespace ns: k ≡ ns (mod 20), below `pods`.
    const slots = Math.max(1, Math.ceil((pods - ns) / NAMESPACES));
    const k = ns + NAMESPACES * ((s + e) % slots);
    if (k < pods) out.push(pod(i, k));
  }
  return out;
}

/** Writes DIR/<node>/{ip-addr,ip-route}.txt and DIR/cluster/kubectl-*.txt; returns the counts written. */
export function writeClusterProject(dir, { nodes = 200, podsPerNode = 25, services = 500 } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < nodes; i++) {
    const folder = path.join(dir, clusterNode(i).name);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'ip-addr.txt'), ipAddr(i, podsPerNode));
    fs.writeFileSync(path.join(folder, 'ip-route.txt'), ipRoute(i, nodes));
  }
  const cluster = path.join(dir, 'cluster');
  fs.mkdirSync(cluster, { recursive: true });
  const podRows = [['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']];
  for (let i = 0; i < nodes; i++) {
    for (let k = 0; k < podsPerNode; k++) {
      const p = pod(i, k);
      podRows.push([p.namespace, p.name, '1/1', 'Running', '0', '3d', p.ip, p.node, '<none>', '<none>']);
    }
  }
  fs.writeFileSync(path.join(cluster, 'kubectl-pods.txt'), columns(podRows));
  const svcRows = [['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']];
  const epRows = [['NAMESPACE', 'NAME', 'ENDPOINTS', 'AGE']];
  for (let s = 0; s < services; s++) {
    const namespace = `team-${pad(s % NAMESPACES, 2)}`;
    const name = `svc-${pad(s, 3)}`;
    svcRows.push([namespace, name, 'ClusterIP', `10.96.${(s + 10) >> 8}.${(s + 10) & 255}`, '<none>', '80/TCP', '3d']);
    const eps = serviceEndpoints(s, nodes, podsPerNode).map((p) => `${p.ip}:8080`);
    epRows.push([namespace, name, eps.join(',') || '<none>', '3d']);
  }
  fs.writeFileSync(path.join(cluster, 'kubectl-svc.txt'), columns(svcRows));
  fs.writeFileSync(path.join(cluster, 'kubectl-endpoints.txt'), columns(epRows));
  return { nodes, pods: nodes * podsPerNode, services };
}

// node scripts/bench/cluster-project.mjs DIR [NODES [PODS [SERVICES]]]
if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, n, p, s] = process.argv.slice(2);
  if (dir === undefined) {
    process.stderr.write('usage: node scripts/bench/cluster-project.mjs DIR [NODES [PODS_PER_NODE [SERVICES]]]\n');
    process.exit(2);
  }
  const counts = writeClusterProject(dir, { nodes: Number(n ?? 200), podsPerNode: Number(p ?? 25), services: Number(s ?? 500) });
  process.stdout.write(`${JSON.stringify(counts)}\n`);
}
