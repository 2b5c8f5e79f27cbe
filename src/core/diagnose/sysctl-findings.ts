/**
 * Findings from a node's captured kernel settings (sysctl): forwarding off on a node that must forward, bridged traffic
 * skipping iptables on a kube-proxy node, a full conntrack table; and the finding of a captured flow whose replay a
 * setting dropped (forwarding off, rp_filter). Each cites the setting's `file:line`.
 */
import type { NodeSnapshot } from '../simulate';
import type { SettingDrop } from '../simulate/trace';
import { bridgeNetfilterSetting, type SettingValue } from '../simulate/kernel-settings';
import type { FindingEvidence, FindingTrace, ProjectFinding } from './finding';
import { isBridgeLike } from './subnet-findings';

/** Overlay and CNI devices: a node holding one carries other hosts' pod traffic. */
const TUNNEL_LIKE = /^(flannel|vxlan|tunl|cilium_|cali|weave|genev|kube-ipvs|wg|nodelocal)/;

const settingEvidence = (node: NodeSnapshot, key: string): FindingEvidence | null => {
  const s = node.sysctls?.get(key);
  return s === undefined ? null : { source: s.source, text: `${key} = ${s.value ?? '(does not exist)'}` };
};

/** The captured global IPv4 forwarding switch (net.ipv4.ip_forward or conf.all.forwarding, the newest line of the two). */
function globalForwarding(node: NodeSnapshot): SettingValue<boolean> | null {
  const found = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding']
    .map((key) => ({ key, s: node.sysctls?.get(key) }))
    .filter((x): x is { key: string; s: { value: string; source: string } } => x.s !== undefined && x.s.value !== null && /^\d+$/.test(x.s.value));
  const first = found[0];
  return first === undefined ? null : { value: found.some((x) => x.s.value !== '0'), key: first.key, source: first.s.source };
}

function hasKubeProxyRules(node: NodeSnapshot): boolean {
  const nat = node.ruleset?.tables.find((t) => t.name === 'nat');
  return nat !== undefined && nat.chains.some((c) => c.name === 'KUBE-SERVICES' || c.name === 'KUBE-NODEPORTS');
}

/** Why the node must forward, from what its captures show; empty when they show no reason. */
function forwardingNeeds(node: NodeSnapshot): string[] {
  const out: string[] = [];
  const bridges = (node.interfaces ?? []).filter((i) => i.name !== 'lo' && isBridgeLike(i) && i.addresses.length > 0).map((i) => i.name);
  if (bridges.length > 0) out.push(`it routes for the bridge${bridges.length > 1 ? 's' : ''} ${bridges.join(', ')} (pods or containers behind ${bridges.length > 1 ? 'them' : 'it'})`);
  const tunnels = (node.interfaces ?? []).filter((i) => TUNNEL_LIKE.test(i.name)).map((i) => i.name);
  if (tunnels.length > 0) out.push(`it holds overlay/CNI device${tunnels.length > 1 ? 's' : ''} ${tunnels.slice(0, 3).join(', ')}${tunnels.length > 3 ? '…' : ''}`);
  if (hasKubeProxyRules(node)) out.push('kube-proxy programs Service rules on it (nat KUBE-SERVICES), whose DNAT\'d packets it must forward to pods');
  return out;
}

export function ipForwardOff(node: NodeSnapshot): ProjectFinding | null {
  const fw = globalForwarding(node);
  if (fw === null || fw.value) return null;
  const needs = forwardingNeeds(node);
  if (needs.length === 0) return null;
  return {
    id: `ip-forward-off:${node.name}`, severity: 'error', kind: 'ip-forward-off',
    title: `${node.name}: IP forwarding is off (${fw.key} = 0)`,
    explanation: `${node.name} does not forward IPv4 packets (${fw.key} = 0 at ${fw.source}), yet ${needs.join('; ')}. ` +
      'The kernel drops every packet it would forward at the routing decision, before FORWARD, without an ICMP error: pod-to-pod across nodes, ' +
      'Service traffic DNAT\'d to a pod and replies all vanish. Fix: `sysctl -w net.ipv4.ip_forward=1`, and persist it ' +
      '(`net.ipv4.ip_forward = 1` in /etc/sysctl.d/, which kubeadm\'s preflight also requires).',
    nodes: [node.name], service: null, flows: [],
    evidence: ['net.ipv4.ip_forward', 'net.ipv4.conf.all.forwarding'].flatMap((k) => settingEvidence(node, k) ?? []),
    trace: null,
  };
}

export function bridgeNetfilterOff(node: NodeSnapshot): ProjectFinding | null {
  const brnf = bridgeNetfilterSetting({ snapshot: node }, 'ipv4');
  if (brnf === null || brnf.value || !hasKubeProxyRules(node)) return null;
  const bridges = (node.interfaces ?? []).filter((i) => i.name !== 'lo' && isBridgeLike(i)).map((i) => i.name);
  if (bridges.length === 0) return null;
  const absent = node.sysctls?.get(brnf.key)?.value === null;
  return {
    id: `bridge-netfilter-off:${node.name}`, severity: 'warning', kind: 'bridge-netfilter-off',
    title: `${node.name}: bridged traffic skips iptables (${absent ? 'br_netfilter not loaded' : `${brnf.key} = 0`})`,
    explanation: `${node.name} has bridge ${bridges.join(', ')} and kube-proxy rules, but ${absent ? `${brnf.key} does not exist (br_netfilter is not loaded)` : `${brnf.key} = 0`} (${brnf.source}): ` +
      'a frame the bridge switches from one pod to another never crosses iptables, so a pod calling a Service whose endpoint is on the same bridge is not DNAT\'d ' +
      '(or its reply is not un-NATed) and the connection fails. Fix: `modprobe br_netfilter` and `sysctl -w net.bridge.bridge-nf-call-iptables=1`, persisted in /etc/modules-load.d/ and /etc/sysctl.d/.',
    nodes: [node.name], service: null, flows: [],
    evidence: [settingEvidence(node, brnf.key)!],
    trace: null,
  };
}

export function conntrackTableFull(node: NodeSnapshot): ProjectFinding | null {
  const count = node.sysctls?.get('net.netfilter.nf_conntrack_count');
  const max = node.sysctls?.get('net.netfilter.nf_conntrack_max');
  if (count?.value == null || max?.value == null || !/^\d+$/.test(count.value) || !/^\d+$/.test(max.value)) return null;
  if (Number(count.value) < Number(max.value) || Number(max.value) === 0) return null;
  return {
    id: `conntrack-table-full:${node.name}`, severity: 'error', kind: 'conntrack-table-full',
    title: `${node.name}: the conntrack table is full (${count.value} of ${max.value} entries)`,
    explanation: `${node.name}'s conntrack table holds ${count.value} entries and its limit is ${max.value}: the kernel drops the first packet of every new connection ` +
      '(dmesg: `nf_conntrack: table full, dropping packet`) until entries expire. Fix: raise net.netfilter.nf_conntrack_max (and the hash size), or find what opens so many connections.',
    nodes: [node.name], service: null, flows: [],
    evidence: [settingEvidence(node, 'net.netfilter.nf_conntrack_count')!, settingEvidence(node, 'net.netfilter.nf_conntrack_max')!],
    trace: null,
  };
}

/** The node's findings from its settings alone. */
export function kernelSettingFindings(node: NodeSnapshot): ProjectFinding[] {
  if (node.sysctls == null) return [];
  return [ipForwardOff(node), bridgeNetfilterOff(node), conntrackTableFull(node)].filter((f): f is ProjectFinding => f !== null);
}

/**
 * A captured flow whose replay a setting dropped. Forwarding off shares its id with ipForwardOff's finding (one finding,
 * the flows added); rp_filter is one finding per node and interface.
 */
export function settingDropFinding(setting: SettingDrop, why: string, flowId: number, service: string | null, trace: FindingTrace | null, packets: FindingEvidence[]): ProjectFinding {
  const evidence = [{ source: setting.source, text: `${setting.key} = ${setting.value}` }, ...packets];
  const common = { nodes: [setting.node], service, flows: [flowId], evidence, trace };
  switch (setting.effect) {
    case 'forwarding-off':
      return {
        ...common, id: `ip-forward-off:${setting.node}`, severity: 'error', kind: 'ip-forward-off',
        title: `${setting.node}: IP forwarding is off (${setting.key} = 0)`,
        explanation: `${why} Replaying its first packet, ${setting.node} does not forward (${setting.key} = 0 at ${setting.source}): the kernel drops it at the routing decision, before FORWARD, without an ICMP error. ` +
          'Fix: `sysctl -w net.ipv4.ip_forward=1` (IPv6: net.ipv6.conf.all.forwarding=1), persisted in /etc/sysctl.d/.',
      };
    case 'rp-filter':
      return {
        ...common, id: `rp-filter-drops:${setting.node}:${setting.in}`, severity: 'error', kind: 'rp-filter-drops',
        title: `${setting.node}: the reverse-path filter drops captured traffic on ${setting.in}`,
        explanation: `${why} Replaying its first packet, ${setting.node} would not route its source back out of ${setting.in}, and rp_filter is strict (${setting.key} = ${setting.value} at ${setting.source}), so the kernel drops it after PREROUTING. ` +
          `Fix: make the route back to that source leave by ${setting.in} (symmetric routing), or set rp_filter to 2 (loose) on ${setting.in} and all.`,
      };
    case 'martian-destination':
      return {
        ...common, id: `martian-destination:${setting.node}:${setting.in}`, severity: 'error', kind: 'martian-destination',
        title: `${setting.node}: a loopback destination arriving on ${setting.in} is dropped`,
        explanation: `${why} Replaying its first packet, it arrives on ${setting.in} for a 127/8 address, which the kernel drops as martian (${setting.key} = 0 at ${setting.source}). ` +
          `Fix: set net.ipv4.conf.${setting.in}.route_localnet=1 where such traffic is meant (kube-proxy's localhost NodePorts), or address it elsewhere.`,
      };
  }
}
