/**
 * The lab cluster: two nodes on a LAN (a bridge in its own namespace), each with a pod bridge
 * cbr0 and pods behind veths, routes for the other node's pod CIDR via its node IP, and an
 * external client that is also the nodes' default gateway (it does not forward, so nothing
 * leaves the lab). Every address lives inside the lab's namespaces.
 *
 *   client 192.168.50.100 ─┐            ┌─ node-a eth0 192.168.50.11, cbr0 10.244.1.1/24: pod-a1 .10, pod-a2 .11
 *                          └─ lan br0 ──┤
 *                                       └─ node-b eth0 192.168.50.12, cbr0 10.244.2.1/24: pod-b1 .10, pod-b2 .11
 */
import type { Lab } from './netns';

export const CLUSTER_CIDR = '10.244.0.0/16';
export const LAN_PREFIX = 24;

export interface PodSpec {
  role: string;
  ip: string;
  /** The node-side veth, a port of cbr0. */
  hostVeth: string;
}

export interface NodeSpec {
  role: string;
  ip: string;
  bridgeIp: string;
  podCidr: string;
  pods: PodSpec[];
}

export const NODE_A: NodeSpec = {
  role: 'node-a', ip: '192.168.50.11', bridgeIp: '10.244.1.1', podCidr: '10.244.1.0/24',
  pods: [
    { role: 'pod-a1', ip: '10.244.1.10', hostVeth: 'veth-a1' },
    { role: 'pod-a2', ip: '10.244.1.11', hostVeth: 'veth-a2' },
  ],
};

export const NODE_B: NodeSpec = {
  role: 'node-b', ip: '192.168.50.12', bridgeIp: '10.244.2.1', podCidr: '10.244.2.0/24',
  pods: [
    { role: 'pod-b1', ip: '10.244.2.10', hostVeth: 'veth-b1' },
    { role: 'pod-b2', ip: '10.244.2.11', hostVeth: 'veth-b2' },
  ],
};

export const NODES: NodeSpec[] = [NODE_A, NODE_B];
export const CLIENT = { role: 'client', ip: '192.168.50.100' };
const LAN = 'lan';

export const PODS: PodSpec[] = NODES.flatMap((n) => n.pods);

export function podIp(role: string): string {
  const pod = PODS.find((p) => p.role === role);
  if (pod === undefined) throw new Error(`no pod ${role}`);
  return pod.ip;
}

/** The roles that are hosts in the trace's world (the LAN bridge is only wire). */
export const HOST_ROLES: string[] = [CLIENT.role, ...NODES.map((n) => n.role), ...PODS.map((p) => p.role)];

/** Build the whole cluster inside fresh namespaces of `lab`: one `ip -batch` per namespace, wires first. */
export function buildCluster(lab: Lab): void {
  lab.addNamespaces([LAN, ...HOST_ROLES]);
  const lanHosts = [{ role: CLIENT.role, ip: CLIENT.ip }, ...NODES.map((n) => ({ role: n.role, ip: n.ip }))];
  lab.ip(LAN, [
    'link set lo up', 'link add br0 type bridge', 'link set br0 up',
    ...lanHosts.flatMap((h) => [`link add p-${h.role} type veth peer name eth0 netns ${lab.ns(h.role)}`, `link set p-${h.role} master br0`, `link set p-${h.role} up`]),
  ]);
  const lanSide = (address: string): string[] => ['link set lo up', `addr add ${address}/${LAN_PREFIX} dev eth0`, 'link set eth0 up'];
  lab.ip(CLIENT.role, lanSide(CLIENT.ip));
  for (const node of NODES) {
    const prefix = node.podCidr.split('/')[1];
    lab.ip(node.role, [
      ...lanSide(node.ip),
      'link add cbr0 type bridge', `addr add ${node.bridgeIp}/${prefix} dev cbr0`, 'link set cbr0 up',
      ...node.pods.flatMap((pod) => [
        `link add ${pod.hostVeth} type veth peer name eth0 netns ${lab.ns(pod.role)}`,
        `link set ${pod.hostVeth} master cbr0`,
        // kubelet puts pod ports in hairpin mode, so a pod can reach itself through its service.
        `link set ${pod.hostVeth} type bridge_slave hairpin on`,
        `link set ${pod.hostVeth} up`,
      ]),
      ...NODES.filter((other) => other !== node).map((other) => `route add ${other.podCidr} via ${other.ip} dev eth0`),
      `route add default via ${CLIENT.ip} dev eth0`,
    ]);
    lab.sh(node.role, 'sysctl -qw net.ipv4.ip_forward=1');
    for (const pod of node.pods) {
      lab.ip(pod.role, ['link set lo up', `addr add ${pod.ip}/${prefix} dev eth0`, 'link set eth0 up', `route add default via ${node.bridgeIp} dev eth0`]);
    }
  }
}
