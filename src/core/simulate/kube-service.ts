/**
 * Naming the Kubernetes service a replay went through, from kube-proxy's own chains and comments:
 * KUBE-SERVICES rules say `ns/name:port cluster IP` (or external IP, loadbalancer IP),
 * KUBE-NODEPORTS rules `ns/name:port`, KUBE-SEP-* chains hold the endpoint's DNAT,
 * KUBE-MARK-MASQ sets the 0x4000 mark KUBE-POSTROUTING turns into MASQUERADE.
 */
import type { KubeEntry, Outcome, ServiceHit, Step } from './trace';

const SERVICE_PORT_NAME = /(?:^|\s)([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\/([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?):([-a-z0-9]*)(?=\s|$)/;

function entryOf(step: Step): KubeEntry | null {
  if (step.chain === 'KUBE-NODEPORTS') return 'node-port';
  if (step.chain !== 'KUBE-SERVICES' || step.comment === null) return null;
  if (step.comment.includes('cluster IP')) return 'cluster-ip';
  if (step.comment.includes('external IP')) return 'external-ip';
  if (step.comment.includes('loadbalancer IP')) return 'load-balancer';
  return null;
}

export function serviceOf(steps: Step[]): ServiceHit | null {
  let hit: ServiceHit | null = null;
  let kube = false;
  let masq = false;
  let entry: KubeEntry | null = null;
  let endpoint: string | null = null;
  for (const step of steps) {
    if (step.kind !== 'rule') continue;
    if (step.chain.startsWith('KUBE-') || step.target.startsWith('KUBE-')) kube = true;
    if (step.target === 'KUBE-MARK-MASQ') masq = true;
    entry ??= entryOf(step);
    if (hit === null && step.comment !== null && (step.chain.startsWith('KUBE-') || step.target.startsWith('KUBE-'))) {
      const m = SERVICE_PORT_NAME.exec(step.comment);
      if (m !== null) {
        const [, namespace = '', name = '', portName = ''] = m;
        // A port without a name is the service itself, as kubectl and the flows name it: `ns/name`, not `ns/name:`.
        hit = { namespace, name, portName, id: portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`, entry: null, endpoint: null, markedForMasquerade: false };
      }
    }
    if (step.nat !== null && step.nat.kind === 'dnat' && (step.chain.startsWith('KUBE-SEP-') || hit !== null) && endpoint === null) {
      const a = step.nat.after;
      endpoint = a.dport !== null ? `${a.dst}:${a.dport}` : a.dst;
    }
  }
  if (!kube || hit === null) return null;
  return { ...hit, entry, endpoint, markedForMasquerade: masq };
}

function portText(p: { dst: string; dport: number | null }): string {
  return p.dport !== null ? `${p.dst.includes(':') ? `[${p.dst}]` : p.dst}:${p.dport}` : p.dst;
}

/** One line for people: `default/hello:80 → 10.40.0.6:8080, masqueraded; forwarded out eth0 of nodea via 10.0.0.1`. */
export function summarize(o: Pick<Outcome, 'verdict' | 'steps' | 'egress' | 'reason' | 'hops' | 'service' | 'packet'>, firstPacket: { dport: number | null }): string {
  const parts: string[] = [];
  const packetDst = o.packet.dst;
  const nats = o.steps.filter((s) => s.nat !== null);
  const masqueraded = nats.some((s) => s.nat?.kind === 'masquerade' || s.nat?.kind === 'snat');
  if (o.service !== null) {
    const svc = o.service;
    const label = `${svc.namespace}/${svc.name}:${svc.portName || (firstPacket.dport ?? '')}`;
    let text = svc.endpoint !== null ? `${label} → ${svc.endpoint}` : `${label} (no endpoint chosen)`;
    if (masqueraded) text += ', masqueraded';
    else if (svc.markedForMasquerade) text += ', marked for masquerade';
    parts.push(text);
  } else {
    for (const s of nats) {
      const n = s.nat;
      if (n === null) continue;
      if (n.kind === 'dnat' || n.kind === 'redirect') parts.push(`${n.kind.toUpperCase()} ${portText(n.before)} → ${portText(n.after)}`);
      else parts.push(`${n.kind === 'masquerade' ? 'masqueraded' : 'SNAT'} ${n.before.src} → ${n.after.src}`);
    }
  }
  const last = o.hops[o.hops.length - 1];
  const node = last?.node ?? '';
  switch (o.verdict) {
    case 'deliver': parts.push(`delivered locally on ${node}`); break;
    case 'forward': parts.push(o.egress ? `forwarded out ${o.egress.interface} of ${o.egress.node}${o.egress.nextHop && o.egress.nextHop !== packetDst ? ` via ${o.egress.nextHop}` : ''}` : 'forwarded'); break;
    case 'drop': parts.push(`dropped: ${o.reason ?? ''}`); break;
    case 'reject': parts.push(`rejected: ${o.reason ?? ''}`); break;
    case 'unknown': parts.push(`unknown: ${o.reason ?? ''}`); break;
  }
  return parts.join('; ');
}
