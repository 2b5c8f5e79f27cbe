/**
 * The JSON shapes of CONTRACT.md that the UI reads, written here so the renderer depends on the
 * contract rather than on core's modules. src/shared/backend/handlers.ts checks at compile time that core's
 * views are assignable to these, so a drift breaks the build instead of the UI.
 */

export interface InterfaceJson {
  name: string;
  addresses: string[];
  mac: string | null;
  state: string | null;
  master: string | null;
  peer: string | null;
  /** 'bridge': only a bridge capture (`brctl show`, `bridge link`) showed it. Beyond the contract. */
  knownFrom?: 'addresses' | 'bridge';
}

export interface RouteJson {
  dst: string;
  via: string | null;
  dev: string | null;
  src: string | null;
  metric: number | null;
}

export interface NodeCaptureJson {
  id: number | string;
  kind: string;
  takenAt: string | null;
  source: string;
  /** The namespace the capture was taken in; null (or absent) for the node's own. Beyond the contract. */
  netns?: string | null;
}

/** One element of `natlens nodes --json`. */
export interface NodeJson {
  name: string;
  interfaces: InterfaceJson[];
  routes: RouteJson[];
  /** `ip rule` / `ip -6 rule`, beyond the contract's first version: absent from older servers. */
  rules?: RuleJson[];
  /** `ip neigh`. */
  neighbours?: NeighbourJson[];
  /** `bridge fdb show`. */
  fdb?: FdbJson[];
  captures: NodeCaptureJson[];
  /** Two captures of the same thing that disagree: both kept, the later used. Beyond the contract. */
  conflicts?: ConflictJson[];
}

export interface ConflictJson {
  about: 'interface' | 'route' | 'bridge-port';
  subject: string;
  captures: [number, number];
  sources: [string, string];
  says: [string, string];
  resolution: string;
}

export interface RuleJson {
  priority: number;
  family: 'ipv4' | 'ipv6';
  not: boolean;
  from: string | null;
  to: string | null;
  iif: string | null;
  oif: string | null;
  fwmark: string | null;
  action: 'lookup' | 'goto' | 'blackhole' | 'unreachable' | 'prohibit' | 'nop' | 'nat';
  table: string | null;
  goto: number | null;
  suppressPrefixLength: number | null;
  other: string[];
}

export interface NeighbourJson {
  address: string;
  family: 'ipv4' | 'ipv6';
  dev: string | null;
  lladdr: string | null;
  state: string | null;
  router: boolean;
}

export interface FdbJson {
  mac: string;
  dev: string | null;
  master: string | null;
  vlan: number | null;
  dst: string | null;
  vni: number | null;
  self: boolean;
  state: string | null;
}

export interface ImportedCaptureJson {
  kind: string;
  source: string;
  takenAt: string | null;
  records: number;
  /** The source lines the capture spans, [first, last]; null for pcap files. Beyond the first contract. */
  lines?: [number, number] | null;
}

export interface ImportErrorJson {
  source: string;
  message: string;
}

/** A warning is a sentence, or a sentence with the place it is about (and the lines, for data not read). */
export type ImportWarningJson = string | { source: string; message: string; lines?: [number, number] };

/** What became of one input file's lines that look like data (rules, addresses, routes, conntrack entries, packets). */
export interface ImportFileJson {
  file: string;
  lines: number;
  dataLines: number;
  readDataLines: number;
  warnedDataLines: number;
  kept: { source: string; lines: [number, number]; command: string | null; reason: string }[];
  /** Warnings about this file counted but not listed; absent when none were left out. */
  warningsOmitted?: number;
}

/** `natlens import --json`. */
export interface ImportJson {
  nodes: { name: string; captures: ImportedCaptureJson[] }[];
  /** Cluster-wide captures (kubectl output), owned by no node. Beyond the contract. */
  cluster?: ImportedCaptureJson[];
  warnings: ImportWarningJson[];
  errors: ImportErrorJson[];
  /** Per input file; absent from reports made before it existed. */
  files?: ImportFileJson[];
  /** Warnings counted but not listed (each file lists its first 100 and one warning counting the rest). */
  warningsOmitted?: number;
}
