/**
 * The read-side shapes every face serves: `natlens nodes --json`, `GET /api/nodes`, the Electron
 * API. Field names are part of CONTRACT.md: add fields freely, never rename or drop one.
 */
import type { CaptureKind } from '../capture/records';

export interface InterfaceView {
  name: string;
  /** CIDRs as `ip addr` prints them: `10.0.0.5/24`, `fe80::1/64`. */
  addresses: string[];
  mac: string | null;
  state: string | null;
  master: string | null;
  peer: string | null;
  /** 'bridge': known only from a bridge capture (`brctl show`, `bridge link`), as a port (master set) or a bridge. */
  knownFrom: 'addresses' | 'bridge';
}

export interface RouteView {
  dst: string;
  via: string | null;
  dev: string | null;
  src: string | null;
  metric: number | null;
  /** `main` unless the capture listed another routing table. */
  table: string;
  type: string;
}

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
}

/** Two captures of the same thing that disagree (compose-state.ts): both kept, the later one used. */
export interface ConflictView {
  about: 'interface' | 'route' | 'bridge-port';
  /** The interface, `TABLE DST` of the route, the bridge port. */
  subject: string;
  /** The earlier and the later capture's id, `file:line` and what each says. */
  captures: [number, number];
  sources: [string, string];
  says: [string, string];
  resolution: string;
}

export interface NodeView {
  name: string;
  /** Composed from all the address and bridge captures of the node's own namespace, each replacing what it covers. */
  interfaces: InterfaceView[];
  /** Composed from all its `ip-route` and `route-table` captures in the node's own namespace. */
  routes: RouteView[];
  captures: CaptureView[];
  conflicts: ConflictView[];
}
