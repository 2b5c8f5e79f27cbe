/**
 * iptables-restore input in the shape kube-proxy (iptables mode) writes, for a handful of
 * services: the same chain names (sha256/base32 hashes), comments, rule order and statistic
 * probabilities, the filter KUBE-SERVICES REJECT for a service without endpoints, and
 * KUBE-MARK-MASQ / KUBE-POSTROUTING masquerade on mark 0x4000. Small, but real.
 *
 * Two additions are the lab's own and are not kube-proxy's: optional filter FORWARD rules
 * (the policy-DROP scenario) and mangle POSTROUTING rules without a target that only count
 * original-direction TCP and UDP leaving each interface — the kernel's word on the egress interface.
 */
import { createHash } from 'node:crypto';

export interface Endpoint {
  ip: string;
  port: number;
}

export interface ServiceSpec {
  namespace: string;
  name: string;
  portName: string;
  clusterIP: string;
  port: number;
  /** Default tcp. */
  protocol?: 'tcp' | 'udp';
  nodePort?: number;
  endpoints: Endpoint[];
}

function protocolOf(s: ServiceSpec): 'tcp' | 'udp' {
  return s.protocol ?? 'tcp';
}

export interface NodeRules {
  clusterCidr: string;
  services: ServiceSpec[];
  /** Policy of filter FORWARD (kube-proxy leaves it alone; Docker sets DROP). */
  forwardPolicy?: 'ACCEPT' | 'DROP';
  /** Extra `-A FORWARD ...` rules in filter, appended after kube-proxy's jumps. */
  forwardRules?: string[];
  /** Interfaces to count original-direction TCP and UDP egress on (mangle POSTROUTING, no target). */
  countEgress?: string[];
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** kube-proxy's portProtoHash: the first 16 base32 characters of sha256(servicePortName + protocol [+ endpoint]). */
function chainHash(...parts: string[]): string {
  return base32(createHash('sha256').update(parts.join('')).digest()).slice(0, 16);
}

export function servicePortName(s: ServiceSpec): string {
  return `${s.namespace}/${s.name}:${s.portName}`;
}

export function svcChain(s: ServiceSpec): string {
  return `KUBE-SVC-${chainHash(servicePortName(s), protocolOf(s))}`;
}

export function extChain(s: ServiceSpec): string {
  return `KUBE-EXT-${chainHash(servicePortName(s), protocolOf(s))}`;
}

export function sepChain(s: ServiceSpec, e: Endpoint): string {
  return `KUBE-SEP-${chainHash(servicePortName(s), protocolOf(s), `${e.ip}:${e.port}`)}`;
}

/** kube-proxy prints probabilities with %0.10f. */
function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function filterTable(r: NodeRules): string[] {
  const lines = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    `:FORWARD ${r.forwardPolicy ?? 'ACCEPT'} [0:0]`,
    ':OUTPUT ACCEPT [0:0]',
    ':KUBE-EXTERNAL-SERVICES - [0:0]',
    ':KUBE-FIREWALL - [0:0]',
    ':KUBE-FORWARD - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-PROXY-FIREWALL - [0:0]',
    ':KUBE-SERVICES - [0:0]',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A INPUT -j KUBE-FIREWALL',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ...(r.forwardRules ?? []),
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -j KUBE-FIREWALL',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  ];
  for (const s of r.services) {
    if (s.endpoints.length > 0) continue;
    const name = servicePortName(s);
    lines.push(`-A KUBE-SERVICES -d ${s.clusterIP}/32 -p ${protocolOf(s)} -m comment --comment "${name} has no endpoints" -m ${protocolOf(s)} --dport ${s.port} -j REJECT --reject-with icmp-port-unreachable`);
    if (s.nodePort !== undefined) {
      lines.push(`-A KUBE-EXTERNAL-SERVICES -p ${protocolOf(s)} -m comment --comment "${name} has no endpoints" -m addrtype --dst-type LOCAL -m ${protocolOf(s)} --dport ${s.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
    }
  }
  lines.push('COMMIT');
  return lines;
}

function natTable(r: NodeRules): string[] {
  const live = r.services.filter((s) => s.endpoints.length > 0);
  const declare = [':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':KUBE-MARK-MASQ - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-SERVICES - [0:0]'];
  const rules = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
  ];
  for (const s of live) {
    if (s.nodePort !== undefined) rules.push(`-A KUBE-NODEPORTS -p ${protocolOf(s)} -m comment --comment "${servicePortName(s)}" -m ${protocolOf(s)} --dport ${s.nodePort} -j ${extChain(s)}`);
  }
  rules.push(
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
  );
  for (const s of live) {
    const name = servicePortName(s);
    for (const e of s.endpoints) {
      const sep = sepChain(s, e);
      declare.push(`:${sep} - [0:0]`);
      rules.push(
        `-A ${sep} -s ${e.ip}/32 -m comment --comment "${name}" -j KUBE-MARK-MASQ`,
        `-A ${sep} -p ${protocolOf(s)} -m comment --comment "${name}" -m ${protocolOf(s)} -j DNAT --to-destination ${e.ip}:${e.port}`,
      );
    }
  }
  for (const s of live) {
    rules.push(`-A KUBE-SERVICES -d ${s.clusterIP}/32 -p ${protocolOf(s)} -m comment --comment "${servicePortName(s)} cluster IP" -m ${protocolOf(s)} --dport ${s.port} -j ${svcChain(s)}`);
  }
  rules.push('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
  for (const s of live) {
    const name = servicePortName(s);
    if (s.nodePort !== undefined) {
      declare.push(`:${extChain(s)} - [0:0]`);
      rules.push(
        `-A ${extChain(s)} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`,
        `-A ${extChain(s)} -j ${svcChain(s)}`,
      );
    }
    declare.push(`:${svcChain(s)} - [0:0]`);
    rules.push(`-A ${svcChain(s)} ! -s ${r.clusterCidr} -d ${s.clusterIP}/32 -p ${protocolOf(s)} -m comment --comment "${name} cluster IP" -m ${protocolOf(s)} --dport ${s.port} -j KUBE-MARK-MASQ`);
    s.endpoints.forEach((e, i) => {
      const left = s.endpoints.length - i;
      const statistic = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : '';
      rules.push(`-A ${svcChain(s)} -m comment --comment "${name} -> ${e.ip}:${e.port}"${statistic} -j ${sepChain(s, e)}`);
    });
  }
  return ['*nat', ...declare, ...rules, 'COMMIT'];
}

function mangleTable(r: NodeRules): string[] {
  const lines = ['*mangle', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  for (const dev of r.countEgress ?? []) {
    for (const proto of ['tcp', 'udp']) {
      lines.push(`-A POSTROUTING -o ${dev} -p ${proto} -m conntrack --ctdir ORIGINAL -m comment --comment "nlkt: original-direction ${proto} leaving by ${dev}"`);
    }
  }
  lines.push('COMMIT');
  return lines;
}

/** The whole iptables-restore input for one node. */
export function kubeProxyRestore(r: NodeRules): string {
  return [...mangleTable(r), ...filterTable(r), ...natTable(r), ''].join('\n');
}
