/**
 * The read-side shapes every face serves: `natlens nodes --json`, `GET /api/nodes`, the Electron
 * API. Field names are part of CONTRACT.md: add fields freely, never rename or drop one.
 */
import type { CaptureKind, FdbRecord } from '../records/records';

export interface InterfaceView {
  name: string;
  /** CIDRs as `ip addr` prints them: `10.0.0.5/24`, `fe80::1/64`. */
  addresses: string[];
  mac: string | null;
  state: string | null;
  master: string | null;
  peer: string | null;
  /** The other end of this veth in a network namespace captured on the same node, when both ends name each other's ifindex. */
  pairedWith: { netns: string; interface: string } | null;
  /** The device kind `ip -d` showed (`veth`, `bridge`, `vxlan`...); null when not shown or a plain device. */
  kind: string | null;
  /** 'bridge': known only from a bridge capture (`brctl show`, `bridge link`), as a port (master set) or a bridge. */
  knownFrom: 'addresses' | 'bridge';
}

export interface RouteView {
  /** `default` or a CIDR; NAME/PREFIX where the capture printed a name (`unresolved` holds `dst`). */
  dst: string;
  /** The gateway's address; null when there is none or the capture printed only its name (then `viaName`). */
  via: string | null;
  /** The gateway's name where the capture printed one instead of its address (`route` without -n); absent otherwise. */
  viaName?: string;
  dev: string | null;
  src: string | null;
  metric: number | null;
  /** `main` unless the capture listed another routing table. */
  table: string;
  type: string;
  /** Every hop of a multipath route (empty for a single path). */
  nexthops: Array<{ via: string | null; dev: string | null; weight: number }>;
  /** The fields the capture gave as names, not addresses (`route` without -n); absent when none. */
  unresolved?: Array<'dst' | 'via'>;
}

/** One `ip rule`: the selector, then what it does (`lookup TABLE`, `goto PRIORITY`, `blackhole`...). */
export interface RuleView {
  priority: number;
  family: 'ipv4' | 'ipv6';
  not: boolean;
  /** Prefixes; null for `all`. */
  from: string | null;
  to: string | null;
  iif: string | null;
  oif: string | null;
  /** `0x4000/0x4000` as ip rule prints it; null when the rule has no mark. */
  fwmark: string | null;
  action: 'lookup' | 'goto' | 'blackhole' | 'unreachable' | 'prohibit' | 'nop' | 'nat';
  /** The table of a `lookup`. */
  table: string | null;
  /** The priority a `goto` jumps to. */
  goto: number | null;
  suppressPrefixLength: number | null;
  /** Selectors natlens keeps as printed (`ipproto tcp`, `uidrange 0-99`...). */
  other: string[];
}

export interface NeighbourView {
  address: string;
  family: 'ipv4' | 'ipv6';
  dev: string | null;
  lladdr: string | null;
  /** NUD state(s) as printed: `REACHABLE`, `STALE`, `PERMANENT`...; null when none was printed. */
  state: string | null;
  router: boolean;
}

/** A `bridge fdb` entry as the nodes view shows it: the record without its underlay device, flags and line. */
export type FdbView = Omit<FdbRecord, 'via' | 'flags' | 'line'>;

export interface CaptureView {
  id: number;
  kind: CaptureKind;
  takenAt: string | null;
  /** `file:line` of the capture's first line (just `file` for a binary capture). */
  source: string;
  records: number;
  /** The namespace the capture was taken in (`ip netns exec NAME`, a pod), null for the node's own. */
  netns: string | null;
  command: string | null;
  partial: boolean;
  /** The name the user gave it (`natlens nodes --rename-capture`); null: none, it goes by `source`. */
  label: string | null;
}

export interface NodeView {
  name: string;
  /** Composed from all the address and bridge captures of the node's own namespace, each replacing what it covers. */
  interfaces: InterfaceView[];
  /** Composed from all its `ip-route` and `route-table` captures in the node's own namespace. */
  routes: RouteView[];
  /** From the newest `ip-rule` capture of each family in the node's own namespace. */
  rules: RuleView[];
  /** From the newest `ip-neigh` capture of each family in the node's own namespace. */
  neighbours: NeighbourView[];
  /** From the newest `bridge-fdb` capture in the node's own namespace. */
  fdb: FdbView[];
  captures: CaptureView[];
  /** Two captures of the same thing that disagree (compose-state.ts): both kept, the later one used. */
  conflicts: StateConflict[];
}

/** Two captures of the same thing that disagree (model/compose-state.ts composes them): both kept, the later one used. */
export interface StateConflict {
  about: 'interface' | 'route' | 'bridge-port';
  /** The interface name, the route's `table dst`, the port. */
  subject: string;
  /** The earlier and the later capture. */
  captures: [number, number];
  sources: [string, string];
  /** What each says, in the same order. */
  says: [string, string];
  /** Which one the composed state uses and why. */
  resolution: string;
}
