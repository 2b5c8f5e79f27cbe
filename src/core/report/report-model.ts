/**
 * What `natlens report` hands to colleagues, independent of the format it is written in: the
 * summary, each node's interfaces and routes, the Kubernetes services, the findings with their
 * evidence, and a capped page of the NAT flows. Renderers read only this.
 */
import type { ProjectFinding } from '../diagnose/finding';
import type { CaptureView } from '../model/views';
import type { TopologyBridgePort, TopologyInterface, TopologyNamespace, TopologyPod, TopologyRoute, TopologyService } from '../model/topology-view';

/** A place in a capture (`file:line`) and the text found there (a rule, a conntrack entry, a packet). */
export interface Evidence {
  source: string;
  text: string;
}

export type Finding =
  | { kind: 'forward-drop-policy'; node: string; table: string; chain: string; evidence: Evidence }
  | { kind: 'service-no-endpoints'; service: string; nodes: string[]; evidence: Evidence[] }
  | { kind: 'conntrack-unreplied'; node: string; proto: string; tuple: string; evidence: Evidence }
  | { kind: 'one-sided-tcp'; flowId: number; tuple: string; service: string | null; evidence: Evidence[] };

export type FindingKind = Finding['kind'];

export interface ReportWarning {
  source: string;
  message: string;
}

export interface ReportNode {
  name: string;
  captures: CaptureView[];
  interfaces: TopologyInterface[];
  routes: TopologyRoute[];
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
  services: TopologyService[];
  pods: TopologyPod[];
  findings: Finding[];
  /** `natlens findings` (src/core/diagnose): root causes with evidence and replay, most severe first. */
  diagnosis: ProjectFinding[];
  /** Findings of a kind beyond the per-kind cap, counted. */
  findingsOmitted: Array<{ kind: FindingKind; count: number }>;
  flows: {
    total: number;
    limit: number;
    shown: ReportFlow[];
    capped: boolean;
  };
}
