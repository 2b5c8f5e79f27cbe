/**
 * Builds the Report from the store's read views: listNodes for captures, readTopology for
 * interfaces, routes, bridges and services, the stored flows (paged, capped) and the findings.
 * The diagnosis (natlens findings) stitches flows first when the captures changed, as `natlens flows` does.
 */
import { projectFindings } from '../diagnose/project-findings';
import { nodeState } from '../model/node-state';
import type { Store } from '../model/store';
import { listNodes } from '../model/nodes-view';
import { readTopology } from '../model/topology-view';
import { FlowStore } from '../model/flow-store';
import { forEachFlowView, flowDetail, type FlowView } from '../flows/flow-views';
import { tupleText } from '../flows/flow-timeline';
import { protoName } from '../flows/flow-simulator';
import { FINDING_KINDS, forwardDropFindings, serviceFindings, unrepliedFinding, type NodeRulesets } from './findings';
import type { Evidence, Finding, FindingKind, Report, ReportFlow, ReportNode, ReportWarning } from './report-model';

export interface ReportOptions {
  /** At most this many flows listed (default 200); the rest are counted. */
  flowLimit?: number;
  /** At most this many findings of each kind (default 50). */
  findingLimit?: number;
  /** ISO-8601 time the report says it was generated at (default: now). */
  generatedAt?: string;
  title?: string;
}

const WARNING_LIMIT = 100;

/** The node's newest composed ruleset of each family (compose-state.ts) and the file of the capture that opened it. */
function newestRulesets(store: Store, nodeId: number, node: string): NodeRulesets | null {
  const snapshots = nodeState(store, nodeId).rulesets;
  const newest = (['ipv4', 'ipv6'] as const).map((f) => snapshots.filter((s) => s.family === f).at(-1)).filter((s) => s !== undefined);
  const opener = newest[0] === undefined ? null : store.capture(newest[0].captures[0]!);
  return opener === null ? null : { node, sourceFile: opener.sourceFile, rulesets: newest.map((s) => s.ruleset) };
}

/** Captures that failed to parse, kept as text by the import (its warnings, as far as they are stored). */
function readWarnings(store: Store): { warnings: ReportWarning[]; omitted: number } {
  const rows = store.db
    .prepare(`SELECT source_file, first_line, reason FROM text_blocks WHERE reason LIKE '%not read:%' ORDER BY id LIMIT ${WARNING_LIMIT + 1}`)
    .all() as Array<{ source_file: string; first_line: number; reason: string }>;
  const total = rows.length > WARNING_LIMIT
    ? (store.db.prepare(`SELECT count(*) AS n FROM text_blocks WHERE reason LIKE '%not read:%'`).get() as { n: number }).n
    : rows.length;
  return {
    warnings: rows.slice(0, WARNING_LIMIT).map((r) => ({ source: `${r.source_file}:${r.first_line}`, message: `${r.reason}; kept as text` })),
    omitted: total - Math.min(rows.length, WARNING_LIMIT),
  };
}

function tcpText(f: FlowView): string | null {
  const t = f.tcp;
  if (!t) return null;
  return [
    t.synAt !== null ? 'SYN' : 'no SYN captured',
    t.synAckAt !== null ? 'SYN-ACK' : null,
    t.handshakeMs !== null ? `handshake ${t.handshakeMs} ms` : null,
    t.durationMs !== null ? `closed after ${t.durationMs} ms (${t.finAt !== null ? 'FIN' : 'RST'})` : null,
    t.retransmissions ? `${t.retransmissions} retransmissions` : null,
    t.oneSided ? 'ONE-SIDED (no SYN-ACK)' : null,
  ].filter((p): p is string => p !== null).join(', ');
}

function reportFlow(f: FlowView): ReportFlow {
  return {
    id: f.id, proto: f.proto, original: tupleText(f.original), reply: tupleText(f.reply), nat: f.nat, service: f.service,
    evidence: f.evidence, firstSeen: f.firstSeen, packets: f.packets, tcp: tcpText(f), oneSided: f.tcp?.oneSided === true,
    rewrites: f.timeline.rewrites.map((r) => ({
      node: r.node, kind: r.kind, before: tupleText(r.before), after: tupleText(r.after),
      by: r.chain ? `${r.table ?? ''}/${r.chain}` : 'conntrack', rule: r.rule,
    })),
  };
}

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

  omitted(): Array<{ kind: FindingKind; count: number }> {
    return FINDING_KINDS.map((kind) => ({ kind, count: Math.max(0, (this.counts.get(kind) ?? 0) - this.limit) })).filter((o) => o.count > 0);
  }

  sorted(): Finding[] {
    return FINDING_KINDS.flatMap((kind) => this.kept.filter((f) => f.kind === kind));
  }
}

function oneSidedEvidence(store: Store, id: number): Array<{ source: string; text: string }> {
  const detail = flowDetail(store, id, { limit: 4 });
  if (!detail) return [];
  return detail.observations
    .filter((o) => o.kind === 'packet')
    .map((o) => ({ source: o.source, text: `${o.node} ${o.interface ?? '?'} ${o.time ?? ''} ${tupleText(o.packet)}${o.tcpFlags ? ` [${o.tcpFlags}]` : ''}` }));
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

export function buildReport(store: Store, options: ReportOptions = {}): Report {
  const flowLimit = options.flowLimit ?? 200;
  const findings = new FindingList(options.findingLimit ?? 50);
  const views = listNodes(store);
  const topology = readTopology(store);
  const topoByName = new Map(topology.nodes.map((n) => [n.name, n]));

  const nodes: ReportNode[] = views.map((v) => {
    const t = topoByName.get(v.name);
    return { name: v.name, captures: v.captures, interfaces: t?.interfaces ?? [], routes: t?.routes ?? [], bridgePorts: t?.bridgePorts ?? [], namespaces: t?.namespaces ?? [] };
  });

  const rulesets: NodeRulesets[] = [];
  for (const { id, name } of store.listNodes()) {
    const newest = newestRulesets(store, id, name);
    if (newest) rulesets.push(newest);
  }
  for (const r of rulesets) for (const f of forwardDropFindings(r)) findings.add(f);
  for (const f of serviceFindings(rulesets, topology.services, kubectlServiceRows(store))) findings.add(f);

  const fs = new FlowStore(store);
  for (const row of fs.conntrackRows()) {
    if (row.entry.unreplied) findings.add(unrepliedFinding(row.node, row.sourceFile, row.entry));
  }

  const shown: ReportFlow[] = [];
  forEachFlowView(store, (f) => shown.push(reportFlow(f)), { limit: flowLimit, observations: 0 });
  // Every flow is checked for a one-sided handshake, reading only its stored TCP summary.
  for (let offset = 0; ; ) {
    const page = fs.flows(offset, 1000);
    if (page.length === 0) break;
    offset += page.length;
    for (const row of page) {
      if (row.tcp === null || !(JSON.parse(row.tcp) as { oneSided?: boolean }).oneSided) continue;
      findings.add({
        kind: 'one-sided-tcp', flowId: row.id, tuple: `${protoName(row.proto)} ${tupleText(row.original)}`, service: row.service,
        evidence: findings.wants('one-sided-tcp') ? oneSidedEvidence(store, row.id) : [],
      });
    }
  }
  const totalFlows = fs.flowCount();

  const byKind = new Map<string, number>();
  for (const n of nodes) for (const c of n.captures) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  const { warnings, omitted } = readWarnings(store);
  const kept = findings.sorted();
  const omittedFindings = findings.omitted();

  return {
    title: options.title ?? 'natlens report',
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    database: store.path,
    summary: {
      nodes: nodes.length,
      captures: nodes.reduce((n, node) => n + node.captures.length, 0),
      capturesByKind: [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, count]) => ({ kind, count })),
      services: topology.services.length,
      flows: totalFlows,
      findings: kept.length + omittedFindings.reduce((n, o) => n + o.count, 0),
    },
    warnings,
    warningsOmitted: omitted,
    nodes,
    services: topology.services,
    pods: topology.pods,
    findings: kept,
    diagnosis: projectFindings(store),
    findingsOmitted: omittedFindings,
    flows: { total: totalFlows, limit: flowLimit, shown, capped: totalFlows > shown.length },
  };
}
