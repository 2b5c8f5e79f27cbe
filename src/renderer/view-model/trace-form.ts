/**
 * The Trace form as plain data: what it offers for a node (arrival interfaces, ruleset snapshots),
 * how a change of node keeps the rest valid, and the `trace` request it builds — with the same
 * endpoint reading as `natlens trace --src/--dst` (src/shared/contract/trace-request.ts).
 */
import type { NodeJson } from '../../shared/contract/contract-json';
import { parseEndpoint, TRACE_PROTOS, type TraceProto, type TraceRequestJson } from '../../shared/contract/trace-request';
import { formatTakenAt } from './node-list';

/** The arrival choice for a packet sent by a process on the node; `@` never appears in an interface name. */
export const LOCAL_ARRIVAL = '@local';
/** The arrival choice for an interface typed by hand: one the captures do not list (the replay then assumes it, or says the node has no such interface). */
export const OTHER_ARRIVAL = '@other';
/** The snapshot choice for the newest ruleset of each node. */
export const NEWEST_SNAPSHOT = '';

export interface TraceForm {
  node: string;
  proto: TraceProto;
  src: string;
  dst: string;
  /** An interface name, LOCAL_ARRIVAL, or OTHER_ARRIVAL. */
  arrival: string;
  /** The interface typed by hand when `arrival` is OTHER_ARRIVAL. */
  otherArrival: string;
  follow: boolean;
  /** A ruleset capture id, or NEWEST_SNAPSHOT. */
  snapshot: string;
  /**
   * br_netfilter: bridged frames cross iptables. Checked (the default) sends nothing, so the
   * simulator assumes it on and says so in a caveat; unchecked sends `bridgeNetfilter: false`.
   */
  bridgeNetfilter: boolean;
}

export type TraceField = 'node' | 'src' | 'dst' | 'arrival' | 'snapshot';

export type TraceFormCheck = { ok: true; request: TraceRequestJson } | { ok: false; errors: Partial<Record<TraceField, string>> };

export interface Choice {
  value: string;
  label: string;
}

const RULESET_KINDS = ['iptables-save', 'iptables-list', 'nft-ruleset'];

export const PROTO_CHOICES: readonly Choice[] = TRACE_PROTOS.map((p) => ({ value: p, label: p.toUpperCase() }));

export function isTraceProto(value: string): value is TraceProto {
  return (TRACE_PROTOS as readonly string[]).includes(value);
}

/** The node's interfaces (loopback last), then a packet sent locally, then an interface the captures do not show. */
/**
 * Devices the node's routes name that its interfaces do not list: on a node captured without `ip addr` (routes
 * alone), the interfaces a packet can come in on are the ones its routes go out of.
 */
function routeOnlyDevices(node: NodeJson | undefined): string[] {
  const listed = new Set((node?.interfaces ?? []).map((i) => i.name));
  const devices = (node?.routes ?? []).flatMap((r) => [r.dev, ...r.nexthops.map((h) => h.dev)]);
  return [...new Set(devices.filter((d): d is string => d !== null && d !== '' && !listed.has(d)))];
}

export function arrivalChoices(node: NodeJson | undefined): Choice[] {
  const interfaces = node?.interfaces ?? [];
  const ordered = [...interfaces.filter((i) => i.name !== 'lo'), ...interfaces.filter((i) => i.name === 'lo')];
  return [
    ...ordered.map((i) => ({ value: i.name, label: i.addresses.length > 0 ? `${i.name} (${i.addresses.join(', ')})` : i.name })),
    ...routeOnlyDevices(node).map((d) => ({ value: d, label: `${d} (named by a route; its addresses were not captured)` })),
    { value: LOCAL_ARRIVAL, label: 'local — sent by a process on the node' },
    { value: OTHER_ARRIVAL, label: 'another interface (not in the captures)…' },
  ];
}

/** Newest first; the node's own namespace only (a pod's rules are not the node's). */
export function snapshotChoices(node: NodeJson | undefined): Choice[] {
  const rulesets = (node?.captures ?? [])
    .filter((c) => RULESET_KINDS.includes(c.kind) && (c.netns ?? null) === null)
    .sort((a, b) => Number(b.id) - Number(a.id));
  return [
    { value: NEWEST_SNAPSHOT, label: 'newest capture' },
    ...rulesets.map((c) => ({ value: String(c.id), label: `#${c.id} ${c.kind} · ${c.source}${c.takenAt === null ? '' : ` · ${formatTakenAt(c.takenAt)}`}` })),
  ];
}

function defaultArrival(node: NodeJson | undefined): string {
  return arrivalChoices(node)[0]?.value ?? LOCAL_ARRIVAL;
}

export function initialTraceForm(nodes: readonly NodeJson[]): TraceForm {
  const first = nodes[0];
  return {
    node: first?.name ?? '', proto: 'tcp', src: '', dst: '', arrival: defaultArrival(first), otherArrival: '', follow: false, snapshot: NEWEST_SNAPSHOT,
    bridgeNetfilter: true,
  };
}

/** The form after the project changed (an import): the choices that still exist are kept. */
export function reconcileTraceForm(form: TraceForm, nodes: readonly NodeJson[]): TraceForm {
  const node = nodes.find((n) => n.name === form.node);
  if (node === undefined) return { ...form, ...pickNode(nodes[0]) };
  return {
    ...form,
    arrival: arrivalChoices(node).some((c) => c.value === form.arrival) ? form.arrival : defaultArrival(node),
    snapshot: snapshotChoices(node).some((c) => c.value === form.snapshot) ? form.snapshot : NEWEST_SNAPSHOT,
  };
}

function pickNode(node: NodeJson | undefined): Pick<TraceForm, 'node' | 'arrival' | 'snapshot'> {
  return { node: node?.name ?? '', arrival: defaultArrival(node), snapshot: NEWEST_SNAPSHOT };
}

/** Choosing another node: its own interfaces and snapshots, the arrival kept when it has one of that name. */
export function withNode(form: TraceForm, nodes: readonly NodeJson[], name: string): TraceForm {
  const node = nodes.find((n) => n.name === name);
  const keep = arrivalChoices(node).some((c) => c.value === form.arrival);
  return { ...form, ...pickNode(node), arrival: keep ? form.arrival : defaultArrival(node) };
}

export function buildTraceRequest(form: TraceForm, nodes: readonly NodeJson[]): TraceFormCheck {
  const errors: Partial<Record<TraceField, string>> = {};
  const node = nodes.find((n) => n.name === form.node);
  if (node === undefined) errors.node = form.node === '' ? 'choose a node' : `no node "${form.node}" in this project`;
  const local = form.arrival === LOCAL_ARRIVAL;
  const endpoint = (field: 'src' | 'dst', text: string) => {
    if (text.trim() === '') {
      errors[field] = field === 'src' ? 'give the source as IP or IP:PORT (only a local packet may leave it out)' : 'give the destination as IP or IP:PORT';
      return null;
    }
    const e = parseEndpoint(text);
    if (!e.ok) {
      errors[field] = e.message;
      return null;
    }
    if (form.proto === 'icmp' && e.port !== null) {
      errors[field] = 'ICMP has no ports: give the address alone';
      return null;
    }
    return e;
  };
  // A local packet without a source: the kernel chooses it (the route's src, else the interface's primary address).
  const kernelSource = local && form.src.trim() === '';
  const src = kernelSource ? null : endpoint('src', form.src);
  const dst = endpoint('dst', form.dst);
  const typed = form.arrival === OTHER_ARRIVAL;
  const arrival = typed ? form.otherArrival.trim() : form.arrival;
  if (typed && arrival === '') errors.arrival = 'name the interface the packet arrives on';
  else if (typed && /[\s/@]/.test(arrival)) errors.arrival = `"${arrival}" is not an interface name`;
  else if (!local && !typed && node !== undefined && !arrivalChoices(node).some((c) => c.value === arrival)) errors.arrival = `${form.node} has no interface "${arrival}"`;
  const snapshot = form.snapshot === NEWEST_SNAPSHOT ? null : Number(form.snapshot);
  if (snapshot !== null && !snapshotChoices(node).some((c) => c.value === form.snapshot)) errors.snapshot = 'not a ruleset capture of this node';
  if ((src === null && !kernelSource) || dst === null || Object.keys(errors).length > 0) return { ok: false, errors };
  const request: TraceRequestJson = {
    node: form.node,
    proto: form.proto,
    src: src?.ip ?? null,
    sport: src?.port ?? null,
    dst: dst.ip,
    dport: dst.port,
    in: local ? null : arrival,
    local,
    follow: form.follow,
  };
  if (snapshot !== null) request.snapshot = snapshot;
  if (!form.bridgeNetfilter) request.bridgeNetfilter = false;
  return { ok: true, request };
}

/** `nodea: tcp 10.40.1.3:40001 → 10.96.0.10:80 in cbr0`, the line that heads a result. */
export function describeRequest(r: TraceRequestJson): string {
  const end = (ip: string, port: number | null | undefined): string => (port === null || port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const where = r.local ? 'sent locally' : `in ${r.in}`;
  const from = r.src === undefined || r.src === null ? 'the source the kernel picks' : end(r.src, r.sport);
  return `${r.node}: ${r.proto} ${from} → ${end(r.dst, r.dport)} ${where}${r.follow ? ', followed across nodes' : ''}${r.snapshot == null ? '' : `, ruleset #${r.snapshot}`}${r.bridgeNetfilter === false ? ', without br_netfilter' : ''}`;
}
