/**
 * NAT targets as transformations: each returns the rewritten branch and a typed record of what
 * changed (before/after), or says why the captures cannot tell the new address.
 */
import type { NatRange, PortRange, Target } from '../netfilter/ruleset';
import type { FlowState } from './flow-state';
import { packetView } from './flow-state';
import { formatIp, parseIp } from '../common/ip';
import type { IpNumber } from '../common/ip';
import { hasPorts } from './rule-match';
import { firstAddressOf, selectAddress } from './routing';
import type { NodeRouting } from './routing';
import type { NatKind, NatTransformation } from './trace';

export type NatApplied =
  | { kind: 'ok'; state: FlowState; nat: NatTransformation }
  | { kind: 'unknown'; reason: string }
  | { kind: 'drop'; reason: string };

function rangeText(r: NatRange): string {
  const addr = r.minAddress === null ? '' : r.maxAddress !== null && r.maxAddress !== r.minAddress ? `${r.minAddress}-${r.maxAddress}` : r.minAddress;
  const ports = r.ports === null ? '' : r.ports.min === r.ports.max ? `:${r.ports.min}` : `:${r.ports.min}-${r.ports.max}`;
  return addr + ports;
}

function portChoice(ports: PortRange | null, current: number | null, protoNum: number, notes: string[]): number | null {
  if (ports === null || !hasPorts(protoNum)) return current;
  if (ports.max !== ports.min) notes.push(`port range ${ports.min}-${ports.max}: the kernel picks one free port per connection; showing the first`);
  return ports.min;
}

function done(before: FlowState, after: FlowState, kind: NatKind, notes: string[]): NatApplied {
  return { kind: 'ok', state: after, nat: { kind, before: packetView(before), after: packetView(after), note: notes.length ? notes.join('; ') : null } };
}

/** DNAT/SNAT `--to-destination`/`--to-source`: the first address of a range, the first port of a port range (and say so). */
function applyRanges(s: FlowState, to: NatRange[], side: 'dst' | 'src'): NatApplied {
  const notes: string[] = [];
  const first = to[0];
  if (first === undefined) return { kind: 'unknown', reason: `${side === 'dst' ? 'DNAT' : 'SNAT'} without an address or port` };
  if (to.length > 1) notes.push(`several ranges (${to.map(rangeText).join(', ')}): old kernels rotate between them; showing the first`);
  let addr: IpNumber | null = null;
  if (first.minAddress !== null) {
    addr = parseIp(first.minAddress);
    if (addr === null || addr.family !== s.family) return { kind: 'unknown', reason: `NAT address "${first.minAddress}" could not be read` };
    if (first.maxAddress !== null && first.maxAddress !== first.minAddress) {
      notes.push(`address range ${first.minAddress}-${first.maxAddress}: the kernel picks one address per connection (hashed); showing the first`);
    }
  }
  const kind: NatKind = side === 'dst' ? 'dnat' : 'snat';
  if (side === 'dst') {
    const after: FlowState = { ...s, dst: addr ?? s.dst, dport: portChoice(first.ports, s.dport, s.protoNum, notes), natDst: true };
    return done(s, after, kind, notes);
  }
  const after: FlowState = { ...s, src: addr ?? s.src, sport: portChoice(first.ports, s.sport, s.protoNum, notes), natSrc: true };
  return done(s, after, kind, notes);
}

export function applyNatTarget(s: FlowState, target: Extract<Target, { kind: 'dnat' | 'snat' | 'masquerade' | 'redirect' }>, routing: NodeRouting, interfacesKnown: boolean): NatApplied {
  switch (target.kind) {
    case 'dnat':
      return applyRanges(s, target.to, 'dst');
    case 'snat':
      return applyRanges(s, target.to, 'src');
    case 'masquerade': {
      if (s.outIface === null) return { kind: 'unknown', reason: 'MASQUERADE takes the address of the outgoing interface, which the captures do not decide' };
      if (!interfacesKnown) return { kind: 'unknown', reason: `MASQUERADE takes the address of ${s.outIface}, but the node's addresses (ip addr) were not captured` };
      const chosen = selectAddress(routing, s.family, s.outIface, s.nextHop);
      if (chosen === null) return { kind: 'drop', reason: `MASQUERADE: neither ${s.outIface} nor any other interface has a global ${s.family} address, so the kernel drops the packet` };
      const notes: string[] = [];
      if (chosen.dev !== s.outIface) {
        notes.push(`${s.outIface} has no global ${s.family} address: like inet_select_addr, the kernel takes the first global primary address of another interface, ${chosen.text} on ${chosen.dev}`);
      }
      const primaries = routing.interfaces.get(s.outIface)?.addresses.filter((a) => a.family === s.family && !a.secondary).length ?? 0;
      if (primaries > 1) notes.push(`${chosen.text} is the primary address of ${s.outIface} ${s.nextHop !== null && chosen.subnet ? `chosen for next hop ${formatIp(s.nextHop)}` : ''}`.trim());
      const after: FlowState = { ...s, src: chosen.ip, sport: portChoice(target.ports, s.sport, s.protoNum, notes), natSrc: true };
      return done(s, after, 'masquerade', notes);
    }
    case 'redirect': {
      const notes: string[] = [];
      let addr: IpNumber;
      if (s.inIface === '') {
        addr = s.family === 'ipv4' ? { family: 'ipv4', value: 0x7f000001 } : { family: 'ipv6', value: 1n };
        notes.push('locally generated: redirected to the loopback address');
      } else {
        if (!interfacesKnown) return { kind: 'unknown', reason: `REDIRECT takes the address of ${s.inIface}, but the node's addresses (ip addr) were not captured` };
        const first = firstAddressOf(routing, s.family, s.inIface);
        if (first === null) return { kind: 'drop', reason: `REDIRECT: ${s.inIface} has no ${s.family} address, so the kernel drops the packet` };
        addr = first.ip;
        notes.push(`the first address of ${s.inIface}`);
      }
      const after: FlowState = { ...s, dst: addr, dport: portChoice(target.ports, s.dport, s.protoNum, notes), natDst: true };
      return done(s, after, 'redirect', notes);
    }
  }
}
