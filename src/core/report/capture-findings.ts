/**
 * The findings the report reads from the captures (findings.ts), gathered over the whole project
 * with a cap per kind, in the findings contract's shape and most severe first.
 */
import { SEVERITY_ORDER, type FindingTrace, type ProjectFinding } from '../diagnose/finding';
import { flowDetail } from '../flows/flow-views';
import { tupleText } from '../flows/flow-timeline';
import { protoName } from '../flows/flow-simulator';
import { FlowStore } from '../model/flow-store';
import { nodeState } from '../model/node-state';
import { readTopology } from '../model/topology-view';
import type { Store } from '../model/store';
import { FINDING_KINDS, forwardDropFindings, projectFindingOf, serviceFindings, unrepliedFinding, type Finding, type FindingKind, type NodeRulesets } from './findings';
import type { Evidence } from './report-model';

class FindingList {
  readonly kept: Finding[] = [];
  private readonly counts = new Map<FindingKind, number>();

  constructor(private readonly limit: number) {}

  add(f: Finding): void {
    const n = (this.counts.get(f.kind) ?? 0) + 1;
    this.counts.set(f.kind, n);
    if (n <= this.limit) this.kept.push(f);
  }

  wants(kind: FindingKind): boolean {
    return (this.counts.get(kind) ?? 0) < this.limit;
  }

  omitted(): Array<{ kind: string; count: number }> {
    return FINDING_KINDS.map((kind) => ({ kind: kind as string, count: Math.max(0, (this.counts.get(kind) ?? 0) - this.limit) })).filter((o) => o.count > 0);
  }
}

/** The node's newest composed ruleset of each family (compose-state.ts) and the file of the capture that opened it. */
function newestRulesets(store: Store, nodeId: number, node: string): NodeRulesets | null {
  const snapshots = nodeState(store, nodeId).rulesets;
  const newest = (['ipv4', 'ipv6'] as const).map((f) => snapshots.filter((s) => s.family === f).at(-1)).filter((s) => s !== undefined);
  const opener = newest[0] === undefined ? null : store.capture(newest[0].captures[0]!);
  return opener === null ? null : { node, sourceFile: opener.sourceFile, rulesets: newest.map((s) => s.ruleset) };
}

const endpoint = (address: string, port: number | null): string => (port === null ? address : address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

/** The flow's first captured packets as evidence, and the replay of the first one that names its interface. */
function oneSidedDetail(store: Store, id: number, proto: string): { evidence: Evidence[]; trace: FindingTrace | null } {
  const detail = flowDetail(store, id, { limit: 4 });
  if (!detail) return { evidence: [], trace: null };
  const packets = detail.observations.filter((o) => o.kind === 'packet');
  const first = packets.find((o) => o.interface !== null);
  const traceProto = proto === 'tcp' || proto === 'udp' || proto === 'icmp' ? proto : null;
  return {
    evidence: packets.map((o) => ({ source: o.source, text: `${o.node} ${o.interface ?? '?'} ${o.time ?? ''} ${tupleText(o.packet)}${o.tcpFlags ? ` [${o.tcpFlags}]` : ''}` })),
    trace: first === undefined || first.interface === null || traceProto === null ? null : {
      node: first.node, proto: traceProto, src: endpoint(first.packet.src, first.packet.sport), dst: endpoint(first.packet.dst, first.packet.dport), in: first.interface,
    },
  };
}

/** Where kubectl listed each service (`namespace/name` → its rows), as evidence for a service without endpoints. */
function kubectlServiceRows(store: Store): Map<string, Evidence[]> {
  const rows = new Map<string, Evidence[]>();
  for (const c of store.kubectlCaptures()) {
    for (const s of store.services(c.id)) {
      if (s.origin !== 'kubectl') continue;
      const key = `${s.namespace}/${s.name}`;
      const ports = s.ports.map((p) => `${p.port}${p.nodePort !== null ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',');
      const list = rows.get(key) ?? [];
      list.push({ source: `${c.sourceFile}:${s.line}`, text: `service ${key} ${s.type ?? ''} ${s.clusterIP ?? ''} ${ports}, no endpoints listed`.replace(/ +/g, ' ') });
      rows.set(key, list);
    }
  }
  return rows;
}

export interface GatheredFindings {
  findings: ProjectFinding[];
  omitted: Array<{ kind: string; count: number }>;
}

/** Every finding of the project, at most `limit` of each kind (the rest counted), most severe first. */
export function captureFindings(store: Store, limit: number): GatheredFindings {
  const findings = new FindingList(limit);
  const rulesets: NodeRulesets[] = [];
  for (const { id, name } of store.listNodes()) {
    const newest = newestRulesets(store, id, name);
    if (newest) rulesets.push(newest);
  }
  for (const r of rulesets) for (const f of forwardDropFindings(r)) findings.add(f);
  for (const f of serviceFindings(rulesets, readTopology(store).services, kubectlServiceRows(store))) findings.add(f);

  const fs = new FlowStore(store);
  for (const row of fs.conntrackRows()) {
    if (row.entry.unreplied) findings.add(unrepliedFinding(row.node, row.sourceFile, row.entry));
  }
  // Every flow is checked for a one-sided handshake, reading only its stored TCP summary.
  for (let offset = 0; ; ) {
    const page = fs.flows(offset, 1000);
    if (page.length === 0) break;
    offset += page.length;
    for (const row of page) {
      if (row.tcp === null || !(JSON.parse(row.tcp) as { oneSided?: boolean }).oneSided) continue;
      const proto = protoName(row.proto);
      const { evidence, trace } = findings.wants('one-sided-tcp') ? oneSidedDetail(store, row.id, proto) : { evidence: [], trace: null };
      findings.add({ kind: 'one-sided-tcp', flowId: row.id, tuple: `${proto} ${tupleText(row.original)}`, service: row.service, evidence, trace });
    }
  }
  const rank = (f: ProjectFinding): number => SEVERITY_ORDER.indexOf(f.severity);
  const kindRank = (f: ProjectFinding): number => FINDING_KINDS.indexOf(f.kind as FindingKind);
  const projected = findings.kept.map(projectFindingOf).sort((a, b) => rank(a) - rank(b) || kindRank(a) - kindRank(b));
  return { findings: projected, omitted: findings.omitted() };
}
