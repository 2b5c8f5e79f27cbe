/**
 * How every face names the tunnel a packet was seen in, so the UI, `natlens flows` and the reports say it alike:
 * `VXLAN 1` short, `in VXLAN 1 (192.168.77.1 → 192.168.77.2)` beside a capture point, and the full sentence
 * `inside VXLAN 1 from node 192.168.77.1 to node 192.168.77.2 (UDP 8472)`.
 */
import type { TunnelKind } from '../records/records';
import type { ObservationTunnel } from './flows';

const TUNNEL_NAMES: Record<TunnelKind, string> = {
  vxlan: 'VXLAN', geneve: 'Geneve', ipip: 'IPIP', sit: 'IPv6-in-IPv4',
};

/** `VXLAN 1`, `Geneve 7`, `IPIP`. */
export function tunnelLabel(t: ObservationTunnel): string {
  return t.vni === null ? TUNNEL_NAMES[t.kind] : `${TUNNEL_NAMES[t.kind]} ${t.vni}`;
}

/** `in VXLAN 1 (192.168.77.1 → 192.168.77.2)`: beside a node and interface, in one line of text. */
export function tunnelBeside(t: ObservationTunnel): string {
  return `in ${tunnelLabel(t)} (${t.src} → ${t.dst})`;
}

/** `inside VXLAN 1 from node 192.168.77.1 to node 192.168.77.2 (UDP 8472)`. */
export function tunnelSentence(t: ObservationTunnel): string {
  return `inside ${tunnelLabel(t)} from node ${t.src} to node ${t.dst}${t.dport === null ? '' : ` (UDP ${t.dport})`}`;
}

/** Equal tunnels (kind, VNI, outer addresses and port), whatever object carries them. */
export function sameTunnel(a: ObservationTunnel | null, b: ObservationTunnel | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.kind === b.kind && a.vni === b.vni && a.src === b.src && a.dst === b.dst && a.dport === b.dport;
}
