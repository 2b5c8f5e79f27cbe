/**
 * What `natlens report` hands to colleagues, independent of the format it is written in: the
 * findings first (each with its evidence, the replay that explains it and the fix), each node's
 * interfaces and routes, the Kubernetes services with the exact kube-proxy rules behind them, a
 * capped page of the NAT flows with their hop timelines, the captures with their provenance, and
 * the traces the user added. Renderers read only this.
 */
import type { ProjectFinding } from '../diagnose/finding';
import type { CaptureView } from '../views/nodes';
import type { NatPicture } from '../views/nat-picture';
import type { ObservationTunnel } from '../views/flows';
import type { TopologyBridgePort, TopologyInterface, TopologyNamespace, TopologyPod, TopologyRoute, TopologyService } from '../views/topology';

/** A place in a capture (`file:line`) and the text found there (a rule, a conntrack entry, a packet). */
export interface Evidence {
  source: string;
  text: string;
}

/** One step of a replay: the rule (or chain policy) that acted, where it was read, and its rewrite. */
export interface ReportStep {
  node: string;
  table: string;
  chain: string;
  target: string;
  policy: boolean;
  rule: string | null;
  /** `file:line` of the rule; null for a chain policy the capture gives no line for. */
  source: string | null;
  /** `DNAT 10.96.0.10:80 -> 10.40.1.2:8080`; null when the step rewrote nothing. */
  nat: string | null;
}

export interface ReportOutcome {
  probability: number;
  verdict: 'deliver' | 'forward' | 'drop' | 'reject' | 'unknown';
  /** One line: `default/hello:80 -> 10.40.0.6:8080; forwarded out eth0 of nodea`. */
  summary: string;
  reason: string | null;
  steps: ReportStep[];
  stepsOmitted: number;
  /** What the outcome assumed that the captures do not show, one sentence each. */
  assumptions: string[];
}

/** A replay as `natlens trace` runs it, or why it could not run. */
export interface ReportReplay {
  /** The command that shows it: `natlens trace --node ... --proto ... --dst ... --in ...`. */
  command: string;
  outcomes: ReportOutcome[];
  outcomesOmitted: number;
  error: string | null;
}

/** A finding as `natlens findings --json` gives it, with its trace replayed. */
export interface ReportFinding extends ProjectFinding {
  replay: ReportReplay | null;
}

/** A trace the user ran in the UI and added to the report. */
export interface ReportTrace {
  replay: ReportReplay;
}

/** A rule kube-proxy wrote for a service, where it was read. */
export interface ReportServiceRule {
  table: string;
  chain: string;
  text: string;
  source: string;
}

export interface ReportService extends TopologyService {
  /** Per node whose ruleset programs it: its kube-proxy rules, capped. */
  rules: Array<{ node: string; rules: ReportServiceRule[]; omitted: number }>;
}

/** A capture with how natlens knew what it is: its node, interface and time. */
export interface ReportCapture extends CaptureView {
  node: string;
  /** Plain sentences: `node: the folder nodea/`, `time: the first packet`, `interfaces: eth0, cbr0`. */
  provenance: string[];
}

export interface ReportHop {
  node: string;
  interface: string | null;
  direction: string;
  tuple: string;
  /** `pre-NAT`, `post-NAT`, `after DNAT only`... */
  stage: string;
  time: string | null;
  packets: number;
  /** The tunnel its packets were seen in (the tuple being the inner packet's), null when seen as they are. */
  tunnel: ObservationTunnel | null;
  /** A point of the kernel's trace, not a capture: its hook (`nat PREROUTING`); the stage names its trace line. */
  traceHook?: string;
}

/** A tunnel a packet capture's packets came in (VXLAN, Geneve, IPIP): one per capture, direction and outer endpoints. */
export interface ReportTunnel extends ObservationTunnel {
  node: string;
  captureId: number;
  /** The capture it was read in (`file` or `file:line`), as the Captures section lists it. */
  source: string;
  /** Packets of that capture that came inside it. */
  packets: number;
}

export interface ReportWarning {
  source: string;
  message: string;
}

export interface ReportNode {
  name: string;
  captures: CaptureView[];
  /** At most INTERFACE_LIMIT, then counted in interfacesOmitted. */
  interfaces: TopologyInterface[];
  interfacesOmitted: number;
  /** At most ROUTE_LIMIT (a full mesh of routes grows with the square of the nodes), then counted in routesOmitted. */
  routes: TopologyRoute[];
  routesOmitted: number;
  bridgePorts: TopologyBridgePort[];
  namespaces: TopologyNamespace[];
}

export interface ReportRewrite {
  node: string;
  kind: string;
  before: string;
  after: string;
  /** `nat/KUBE-SEP-...` or `conntrack`. */
  by: string;
  rule: string | null;
  /** `file:line` of the rule, when the replay named it. */
  source: string | null;
}

export interface ReportFlow {
  id: number;
  proto: string;
  original: string;
  reply: string;
  nat: string[];
  service: string | null;
  evidence: string;
  firstSeen: string | null;
  packets: number;
  /** `SYN, handshake 0.4 ms, closed (FIN)`; null for a flow that is not TCP. */
  tcp: string | null;
  oneSided: boolean;
  rewrites: ReportRewrite[];
  /** Where the flow was seen, in time order: node · interface, tuple, stage. */
  hops: ReportHop[];
  hopsOmitted: number;
  /** The timeline as a picture (lanes per capture point, the replay beside it); null for a flow seen at no capture point. */
  picture: NatPicture | null;
}

export interface Report {
  title: string;
  generatedAt: string;
  database: string;
  summary: {
    nodes: number;
    captures: number;
    capturesByKind: Array<{ kind: string; count: number }>;
    services: number;
    flows: number;
    findings: number;
  };
  /** Captures that failed to parse and were kept as text. */
  warnings: ReportWarning[];
  warningsOmitted: number;
  nodes: ReportNode[];
  services: ReportService[];
  /** At most POD_LIMIT, then counted in podsOmitted. */
  pods: TopologyPod[];
  podsOmitted: number;
  /** Most severe first. */
  findings: ReportFinding[];
  /** Findings beyond the cap, counted per kind. */
  findingsOmitted: Array<{ kind: string; count: number }>;
  flows: {
    total: number;
    limit: number;
    shown: ReportFlow[];
    capped: boolean;
  };
  captures: ReportCapture[];
  capturesOmitted: number;
  traces: ReportTrace[];
  /** The tunnels the packet captures hold, capture by capture (at most TUNNEL_LIMIT, then counted in tunnelsOmitted). */
  tunnels: ReportTunnel[];
  tunnelsOmitted: number;
}
