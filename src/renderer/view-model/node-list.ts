/** Rows the Nodes screen shows, derived from `natlens nodes --json` and nothing else. */
import type { InterfaceJson, NodeJson, RouteJson } from '../../shared/contract/contract-json';

export interface InterfaceRow {
  name: string;
  addresses: string[];
  mac: string;
  state: string;
  stateTone: 'up' | 'down' | 'unknown';
  /** `master cbr0`, `peer if18` (`peer if3 (eth0 in cni-aaaa)` when the other end was found, as the report says it), joined; empty when neither. */
  links: string;
}

export interface RouteRow {
  dst: string;
  via: string;
  dev: string;
  src: string;
  metric: string;
}

export interface CaptureLine {
  key: string;
  kind: string;
  /** The name the user gave the capture; null: none. */
  label: string | null;
  source: string;
  takenAt: string;
}

export interface NodeCard {
  name: string;
  summary: string;
  interfaces: InterfaceRow[];
  routes: RouteRow[];
  captures: CaptureLine[];
}

const DASH = '—';

export function stateTone(state: string | null): InterfaceRow['stateTone'] {
  switch ((state ?? '').toUpperCase()) {
    case 'UP':
      return 'up';
    case 'DOWN':
    case 'LOWERLAYERDOWN':
    case 'NOTPRESENT':
      return 'down';
    default:
      return 'unknown';
  }
}

export function interfaceRow(i: InterfaceJson): InterfaceRow {
  const paired = i.pairedWith === null ? '' : ` (${i.pairedWith.interface} in ${i.pairedWith.netns})`;
  const links = [i.master === null ? null : `master ${i.master}`, i.peer === null ? null : `peer ${i.peer}${paired}`].filter((x) => x !== null);
  return {
    name: i.name,
    addresses: i.addresses,
    mac: i.mac ?? DASH,
    state: i.state ?? DASH,
    stateTone: stateTone(i.state),
    links: links.join(', '),
  };
}

export function routeRow(r: RouteJson): RouteRow {
  return { dst: r.dst, via: r.via ?? r.viaName ?? DASH, dev: r.dev ?? DASH, src: r.src ?? DASH, metric: r.metric === null ? DASH : String(r.metric) };
}

/** Default route first, then by prefix length (longest first) as the kernel would prefer them, then by text. */
function compareRoutes(a: RouteJson, b: RouteJson): number {
  const len = (r: RouteJson): number => (r.dst === 'default' ? -1 : Number(r.dst.split('/')[1] ?? 32));
  if (a.dst === 'default' || b.dst === 'default') return a.dst === 'default' ? (b.dst === 'default' ? 0 : -1) : 1;
  return len(b) - len(a) || a.dst.localeCompare(b.dst);
}

/** Loopback last; otherwise the order of the capture (ip addr lists by index). */
function orderInterfaces(interfaces: readonly InterfaceJson[]): InterfaceJson[] {
  return [...interfaces.filter((i) => i.name !== 'lo'), ...interfaces.filter((i) => i.name === 'lo')];
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Cards made, by the node they were made from: a project's node objects live as long as its snapshot, so the Nodes
 * tab mounted again (a tab switch) reuses them instead of sorting 200 nodes' routes again.
 */
const made = new WeakMap<NodeJson, NodeCard>();

function nodeCard(node: NodeJson): NodeCard {
  const known = made.get(node);
  if (known !== undefined) return known;
  const addresses = node.interfaces.reduce((n, i) => n + i.addresses.length, 0);
  const card: NodeCard = {
    name: node.name,
    summary: [count(node.interfaces.length, 'interface'), count(addresses, 'address', 'addresses'), count(node.routes.length, 'route'), count(node.captures.length, 'capture')].join(' · '),
    interfaces: orderInterfaces(node.interfaces).map(interfaceRow),
    routes: [...node.routes].sort(compareRoutes).map(routeRow),
    captures: node.captures.map((c) => ({ key: String(c.id), kind: c.kind, label: c.label ?? null, source: c.source, takenAt: formatTakenAt(c.takenAt) })),
  };
  made.set(node, card);
  return card;
}

export function nodeCards(nodes: readonly NodeJson[]): NodeCard[] {
  return [...nodes].sort((a, b) => a.name.localeCompare(b.name)).map(nodeCard);
}

/** `2024-05-01 10:22:03 UTC` from ISO-8601; the text as given when it does not parse; `—` for none. */
export function formatTakenAt(iso: string | null): string {
  if (iso === null) return DASH;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC')}`;
}
