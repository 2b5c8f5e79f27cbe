/**
 * The result of a simulated replay, shaped as CONTRACT.md's `trace --json` document. The
 * contract fields are kept exactly; richer typed data (the ordered trail of events, NAT
 * transformations with before/after, the Kubernetes service) rides alongside.
 */

/** CONTRACT.md's assumption on an outcome (core/simulate/assumption.ts makes them). */
export interface Assumption {
  node: string;
  /** What the captures do not show, in one sentence. */
  about: string;
  /** The branch this outcome took, in one sentence ("assuming 8.8.8.8 is not a local address of n1"). */
  assumed: string;
  rule: string | null;
  /** `file:line` of the rule or capture the question arose at. */
  source: string | null;
}

export interface TraceRequest {
  node: string;
  proto: string;
  /** Absent or null with `local`: chosen as the kernel does (the route's src, else the egress interface's primary address). */
  src?: string | null;
  /** Default 40000 for tcp/udp/sctp. */
  sport?: number | null;
  dst: string;
  dport?: number | null;
  /** The interface the packet arrives on; absent with `local`. */
  in?: string | null;
  /** Sent by a process on the node (routing, then OUTPUT). */
  local?: boolean;
  /** Continue onto the next captured node. */
  follow: boolean;
  /**
   * net.bridge.bridge-nf-call-iptables (and -ip6tables) on every node, which captures do not
   * show: with br_netfilter, frames bridged between ports of a bridge cross iptables and
   * physdev matches see the ports. Absent: assumed on, as kube-proxy requires, and each outcome
   * that crosses a bridge port says so in its caveats.
   */
  bridgeNetfilter?: boolean | null;
}

export interface PacketView {
  proto: string;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
}

export interface TraceInput {
  node: string;
  proto: string;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  in: string | null;
  local: boolean;
}

export type Verdict = 'deliver' | 'forward' | 'drop' | 'reject' | 'unknown';

export type NatKind = 'dnat' | 'snat' | 'masquerade' | 'redirect';

/** A NAT rewrite as a typed transformation (Batfish's TransformationStep): what changed, before and after. */
export interface NatTransformation {
  kind: NatKind;
  before: PacketView;
  after: PacketView;
  /** Why this address/port was chosen when the rule allowed several (ranges, masquerade source). */
  note: string | null;
}

/** Contract step: one rule that matched and acted, or a chain policy. */
export interface Step {
  node: string;
  table: string;
  chain: string;
  /** The rule as iptables-save prints it; null for a chain policy. */
  rule: string | null;
  /** ACCEPT, DROP, DNAT, KUBE-SVC-..., the policy name... */
  target: string;
  policy: boolean;
  /** Richer data, never required by the contract. */
  kind: 'rule' | 'policy';
  /** Source line of the rule in its capture, when known. */
  line: number | null;
  nat: NatTransformation | null;
  /** The rule's comment (kube-proxy names services there). */
  comment: string | null;
  /** What the simulator had to decide or assume here (statistic branch, recent list, partial listing). */
  note: string | null;
}

export type RouteResult =
  | { kind: 'local'; dev: string | null }
  | { kind: 'unicast'; dev: string | null; via: string | null; bridged: boolean }
  | { kind: 'blackhole' | 'unreachable' | 'prohibit' }
  | { kind: 'no-route' }
  | { kind: 'unknown' };

/** The ordered trail of one outcome: everything the replay did, in order. */
export type TraceEvent =
  | { kind: 'arrive'; node: string; in: string | null; packet: PacketView }
  | { kind: 'hook'; node: string; hook: HookName }
  | { kind: 'step'; step: Step }
  | { kind: 'route'; node: string; stage: 'input' | 'output' | 'reroute'; dst: string; result: RouteResult; route: string | null; note: string | null }
  | { kind: 'note'; node: string; text: string }
  | { kind: 'leave'; node: string; out: string | null; nextHop: string | null; packet: PacketView };

export type HookName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export interface Hop {
  node: string;
  in: string | null;
  out: string | null;
  before: PacketView;
  after: PacketView;
}

export interface Egress {
  node: string;
  interface: string;
  nextHop: string | null;
}

export type KubeEntry = 'cluster-ip' | 'external-ip' | 'load-balancer' | 'node-port';

/** The kube-proxy service a packet went through, named from the rules' comments. */
export interface ServiceHit {
  namespace: string;
  name: string;
  /** kube-proxy's port name (may be empty for an unnamed port). */
  portName: string;
  /** `ns/name:port` as kube-proxy writes it in comments. */
  id: string;
  entry: KubeEntry | null;
  /** `10.40.0.6:8080` — the endpoint chosen in this branch, or null (no endpoint / rejected). */
  endpoint: string | null;
  /** Marked for masquerade (0x4000 via KUBE-MARK-MASQ) in this branch. */
  markedForMasquerade: boolean;
}

/** A kernel setting (sysctl) of a node that decided a drop, as captured: which key, its value, and its `file:line`. */
export interface SettingDrop {
  node: string;
  effect: 'forwarding-off' | 'rp-filter' | 'martian-destination';
  key: string;
  value: string;
  source: string;
  /** The interface the packet came in on. */
  in: string;
}

export interface Outcome {
  probability: number;
  verdict: Verdict;
  packet: PacketView;
  egress: Egress | null;
  marks: Record<string, string>;
  hops: Hop[];
  steps: Step[];
  /** Why, for drop/reject/unknown; null for deliver/forward. */
  reason: string | null;
  /** One human line: `default/hello:80 → 10.40.0.6:8080, masqueraded; forwarded out eth0`. */
  summary: string;
  service: ServiceHit | null;
  trail: TraceEvent[];
  /** Things about the captures that weaken this outcome (partial listing, policy routing not replayed...). */
  caveats: string[];
  /**
   * What this outcome rests on that the captures do not show: the branch it took at each
   * undecidable question that changed the outcome, and the premises it needed (a table never
   * captured taken as empty). Outcomes with equal assumptions form one set whose probabilities sum to 1.
   */
  assumptions: Assumption[];
  /**
   * Indices into `assumptions` of those this outcome's own path met; the others are its set's, met by
   * the set's other outcomes (the set shares them so that its probabilities sum to 1).
   */
  assumptionsOnPath: number[];
  /** Present when a captured kernel setting decided the drop (ip_forward, rp_filter, route_localnet). */
  setting?: SettingDrop;
}

export interface TraceResult {
  input: TraceInput;
  outcomes: Outcome[];
}
