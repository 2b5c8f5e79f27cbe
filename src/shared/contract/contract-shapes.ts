/**
 * CONTRACT.md's JSON documents as it writes them: the fields scripts rely on. The contract serves core's
 * types (src/core/views); each is checked here, at compile time, to carry every field CONTRACT.md names
 * with a value CONTRACT.md allows, so renaming, dropping or retyping one breaks the build. Core may add
 * fields freely. The shapes follow CONTRACT.md's text, one document per line where it fits.
 */
import type { FindingJson } from './finding-json';
import type { FlowDetailJson } from './flow-json';
import type { ImportJson, NodeJson } from './contract-json';
import type { TraceResultJson } from './trace-json';

type Primitive = string | number | boolean | null | undefined;

/**
 * The places (`.interfaces[].mac`) where `Served` does not carry `Shape`: never when every field of
 * `Shape` is there with a value `Shape` allows. Arrays compare element by element, objects field by
 * field; a nullable object is compared without its null, and must stay nullable only if `Served` is.
 */
export type Drift<Served, Shape, At extends string = ''> =
  unknown extends Shape ? never
  : [Shape] extends [readonly (infer E)[]]
    ? [Served] extends [readonly (infer S)[]] ? Drift<S, E, `${At}[]`> : At
    : [Shape] extends [Primitive]
      ? [Served] extends [Shape] ? never : At
      : [Shape] extends [object]
        ? [Served] extends [object]
          ? { [K in keyof Shape & string]-?: K extends keyof Served ? Drift<Served[K], Shape[K], `${At}.${K}`> : `${At}.${K}` }[keyof Shape & string]
          : At
        : [NonNullable<Served>] extends [never] ? At : Drift<NonNullable<Served>, NonNullable<Shape>, At>;

/** Compiles only when `Places` is never: the served type fits CONTRACT.md's shape. */
export type Fits<Places extends never> = Places;

type Tuple = { src: string; sport: number | null; dst: string; dport: number | null };
type Packet = Tuple & { proto: string };

/** `import --json` */
export type ImportShape = {
  nodes: Array<{ name: string; captures: Array<{ kind: string; source: string; takenAt: string | null; records: number }> }>;
  warnings: unknown[]; errors: Array<{ source: string; message: string }>;
};

/** `nodes --json`, one element */
export type NodeShape = {
  name: string;
  interfaces: Array<{ name: string; addresses: string[]; mac: string | null; state: string | null; master: string | null; peer: string | null }>;
  routes: Array<{ dst: string; via: string | null; dev: string | null; src: string | null; metric: number | null }>;
  captures: Array<{ id: number; kind: string; takenAt: string | null; source: string }>;
};

/** `trace --json` */
export type TraceShape = {
  input: { node: string; proto: string; src: string; sport: number | null; dst: string; dport: number | null; in: string | null; local: boolean };
  outcomes: Array<{
    probability: number; verdict: 'deliver' | 'forward' | 'drop' | 'reject' | 'unknown'; packet: Packet;
    egress: { node: string; interface: string; nextHop: string | null } | null; marks: Record<string, string>;
    hops: Array<{ node: string; in: string | null; out: string | null; before: Packet; after: Packet }>;
    steps: Array<{ node: string; table: string; chain: string; rule: string | null; target: string; policy: boolean }>;
    reason: string | null;
    assumptions: Array<{ node: string; about: string; assumed: string; rule: string | null; source: string | null }>;
  }>;
};

/** `flows --json`, one element (the detail answer carries the same fields) */
export type FlowShape = {
  id: number; proto: string; original: Tuple; reply: Tuple; nat: string[]; service: string | null;
  observations: Array<{ node: string; interface: string | null; source: string; time: string | null; packet: Tuple }>;
};

/** `findings --json`, one element */
export type FindingShape = {
  id: string; severity: 'error' | 'warning' | 'info'; kind: string; title: string; explanation: string; nodes: string[];
  service: string | null; flows: number[]; evidence: Array<{ source: string; text: string }>;
  trace: ({ node: string; proto: string; src: string; dst: string } & ({ in: string } | { local: true })) | null;
};

export type ContractChecks = [
  Fits<Drift<ImportJson, ImportShape>>,
  Fits<Drift<NodeJson, NodeShape>>,
  Fits<Drift<TraceResultJson, TraceShape>>,
  Fits<Drift<FlowDetailJson, FlowShape>>,
  Fits<Drift<FindingJson, FindingShape>>,
];
