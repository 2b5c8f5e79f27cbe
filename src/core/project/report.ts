/**
 * Builds the Report from the store's read views: the findings as `natlens findings` gives them
 * (projectFindings, which stitches the flows first when the captures changed), each replayed, listNodes for the
 * captures, readTopology for interfaces, routes, bridges and services, each service's kube-proxy
 * rules per node, the stored flows (paged, capped) with their hop timelines, and the traces the user
 * added.
 * Everything a project can have many of is capped and the rest counted, so a 50-node project gives a
 * report of bounded size.
 */
import { throwIfCancelled, type CancellationSignal } from '../common/cancellation';
import path from 'node:path';
import { CaptureInterfaces, captureOrigin, type InterfaceBasis } from '../flows/capture-interface';
import { isoFromSeconds } from '../flows/flow-text';
import { forEachFlowView } from './flows';
import type { FlowView } from '../views/flows';
import { tupleText } from '../flows/flow-timeline';
import { FlowStore } from '../model/flow-store';
import { packetCaptureDetail } from '../model/packet-capture-detail';
import { listNodes } from './nodes';
import type { Store } from '../model/store';
import { readTopology } from './topology';
import type { TopologyService } from '../views/topology';
import type { NodeView } from '../views/nodes';
import { kubeProxyServiceRules, namesAnyService } from '../netfilter/kube-proxy-rules';
import type { NodeSnapshot } from '../simulate';
import { projectFindings } from './findings';
import { projectFlowDivergence } from './flow-divergence';
import { layoutNatPicture, type PictureComparison } from '../views/nat-picture';
import type { ProjectFinding } from '../diagnose/finding';
import type { RuleSources } from './rule-sources';
import { forgetNodeRules } from './node-world';
import { ReportReplayer, splitEndpoint, type ReplayRequest } from './report-replay';
import type { Report, ReportCapture, ReportFinding, ReportFlow, ReportNode, ReportService, ReportTunnel, ReportWarning } from '../report/report-model';

export interface ReportOptions {
  /** At most this many flows listed (default 200); the rest are counted. */
  flowLimit?: number;
  /** At most this many findings of each kind (default 50). */
  findingLimit?: number;
  /** NAT flows whose picture shows the replay beside the captures (default PICTURE_REPLAY_LIMIT). */
  pictureReplays?: number;
  /** ISO-8601 time the report says it was generated at (default: now). */
  generatedAt?: string;
  title?: string;
  /** Traces the user ran and added to the report, replayed as they were asked (at most TRACE_LIMIT). */
  traces?: readonly ReplayRequest[];
  /** Checked between the report's parts and its replays, and through the stitching it starts (CancelledError). */
  signal?: CancellationSignal | null;
}

const WARNING_LIMIT = 100;
/** Findings whose trace is replayed in the report; the others keep their trace as a command to run. */
export const REPLAY_LIMIT = 25;
export const TRACE_LIMIT = 20;
/** kube-proxy rules listed per service and node, nodes listed per service, services with rules listed. */
export const SERVICE_RULE_LIMIT = 40;
export const SERVICE_NODE_LIMIT = 3;
export const SERVICE_LIMIT = 200;
export const HOP_LIMIT = 16;
export const CAPTURE_LIMIT = 500;
/** Interfaces and routes listed per node, pods listed: past these a reader searches, and the report says where. */
export const INTERFACE_LIMIT = 100;
export const ROUTE_LIMIT = 100;
export const POD_LIMIT = 1000;
/** NAT flows whose picture shows the replay beside the captures (each costs a replay); the others are drawn without it. */
export const PICTURE_REPLAY_LIMIT = 20;
/** Tunnels listed (one per capture, direction and outer endpoints: a few per node pair and capture). */
export const TUNNEL_LIMIT = 200;

/** Captures that failed to parse, kept as text by the import (its warnings, as far as they are stored). */
function readWarnings(store: Store): { warnings: ReportWarning[]; omitted: number } {
  const { blocks, total } = store.unreadBlocks(WARNING_LIMIT);
  return {
    warnings: blocks.map((b) => ({ source: `${b.sourceFile}:${b.firstLine}`, message: `${b.reason}; kept as text` })),
    omitted: total - blocks.length,
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

function reportFlow(f: FlowView, sources: RuleSources, comparison: PictureComparison | null): ReportFlow {
  const hops = f.timeline.hops;
  return {
    id: f.id, proto: f.proto, original: tupleText(f.original), reply: tupleText(f.reply), nat: f.nat, service: f.service,
    evidence: f.evidence, firstSeen: f.firstSeen, packets: f.packets, tcp: tcpText(f), oneSided: f.tcp?.oneSided === true,
    rewrites: f.timeline.rewrites.map((r) => ({
      node: r.node, kind: r.kind, before: tupleText(r.before), after: tupleText(r.after),
      by: r.chain ? `${r.table ?? ''}/${r.chain}` : 'conntrack', rule: r.rule,
      source: r.rule === null || r.line === null ? null : sources.sourceOf(r.node, r.table ?? '', r.chain ?? '', r.line, r.rule),
    })),
    hops: hops.slice(0, HOP_LIMIT).map((h) => ({
      node: h.node, interface: h.interface, direction: h.direction, tuple: tupleText(h.after), stage: h.explanation,
      time: h.trace?.dated === false ? null : isoFromSeconds(h.alignedFirstTime), packets: h.packets, tunnel: h.tunnel ?? null,
      ...(h.trace ? { traceHook: h.trace.hook } : {}),
    })),
    hopsOmitted: Math.max(0, hops.length - HOP_LIMIT),
    picture: hops.length === 0 ? null : layoutNatPicture({ hops, rewrites: f.timeline.rewrites, conntrack: f.timeline.conntrack, comparison }),
  };
}

const INTERFACE_BASIS: Record<InterfaceBasis, string> = {
  packet: 'the packets', chosen: 'a choice made in natlens', command: 'the tcpdump command', 'file-name': 'the file name', 'import-option': 'import --interface',
};

/** How natlens knew the capture's node, interface and time, as far as the store says. */
export function captureProvenance(node: string, c: NodeView['captures'][number], sourceFile: string, detail: string | null): string[] {
  const out: string[] = [];
  const folder = path.basename(path.dirname(sourceFile));
  if (folder === node) out.push(`node: the folder ${folder}/`);
  else if (c.command !== null) out.push('node: the shell prompt of the transcript, or import --node');
  else out.push('node: import --node, an archive\'s manifest, or the file\'s folder');
  if (c.command !== null) out.push(`command: ${c.command}`);
  if (c.netns !== null) out.push(`namespace: ${c.netns}`);
  if (c.kind === 'pcap' || c.kind === 'tcpdump-text') {
    const stored = packetCaptureDetail(detail);
    const listed = stored.interfaces;
    const naming = new CaptureInterfaces(captureOrigin(sourceFile, c.command, stored), null).of(null);
    if (listed.length > 0) out.push(`interfaces: ${listed.join(', ')} (named in the packets)`);
    else if (naming.name !== null && naming.from !== null) out.push(`interface: ${naming.name} (from ${INTERFACE_BASIS[naming.from]})`);
    else out.push('interface: not known');
    out.push(c.takenAt === null
      ? 'time: not known'
      : stored.clock === 'time-of-day' ? 'time: the packets\' times of day, dated by what the project knows (see natlens flows)' : 'time: the first packet\'s timestamp');
  } else {
    out.push(c.takenAt === null ? 'time: not known' : 'time: written in the capture');
  }
  return out;
}

/** The tunnels each packet capture's packets came in, node by node, capture by capture, in the order first seen. */
function reportTunnels(store: Store, views: readonly NodeView[]): { tunnels: ReportTunnel[]; omitted: number } {
  const tunnels: ReportTunnel[] = [];
  let total = 0;
  for (const v of views) {
    for (const c of v.captures) {
      if (c.kind !== 'pcap' && c.kind !== 'tcpdump-text') continue;
      for (const t of store.packets.tunnels(c.id)) {
        total++;
        if (tunnels.length >= TUNNEL_LIMIT) continue;
        tunnels.push({ node: v.name, captureId: c.id, source: c.source, kind: t.kind, vni: t.vni, src: t.src, dst: t.dst, dport: t.dport, packets: t.packets });
      }
    }
  }
  return { tunnels, omitted: total - tunnels.length };
}

function reportCaptures(store: Store, views: readonly NodeView[]): { captures: ReportCapture[]; omitted: number } {
  const captures: ReportCapture[] = [];
  let total = 0;
  for (const v of views) {
    for (const c of v.captures) {
      total++;
      if (captures.length >= CAPTURE_LIMIT) continue;
      const row = store.capture(c.id);
      captures.push({ ...c, node: v.name, provenance: captureProvenance(v.name, c, row?.sourceFile ?? c.source, row?.detail ?? null) });
    }
  }
  return { captures, omitted: total - captures.length };
}

/**
 * Each listed service with the kube-proxy rules of the first SERVICE_NODE_LIMIT nodes (in node order) that
 * program it. Node by node: a node's rules are read, the services still wanting a node take theirs, and the
 * node's rules are dropped; once every listed service has its nodes, no further node is read.
 */
function reportServices(services: readonly TopologyService[], world: readonly NodeSnapshot[], sources: RuleSources): ReportService[] {
  const listed = new Map<string, ReportService['rules']>();
  for (const s of services.slice(0, SERVICE_LIMIT)) listed.set(`${s.namespace}/${s.name}`, []);
  for (const n of world) {
    const wanted = new Set([...listed].filter(([, found]) => found.length < SERVICE_NODE_LIMIT).map(([name]) => name));
    if (wanted.size === 0) break;
    if (n.ruleset === null) continue;
    // Most nodes of a fleet program none of the services still wanting a node: their rules are read, not parsed.
    if (!namesAnyService(n.ruleset, wanted)) {
      forgetNodeRules(n);
      continue;
    }
    const rules = kubeProxyServiceRules(n.ruleset, SERVICE_RULE_LIMIT);
    for (const [name, found] of listed) {
      const of = rules.get(name);
      if (of === undefined || found.length >= SERVICE_NODE_LIMIT) continue;
      found.push({
        node: n.name,
        rules: of.rules.map((r) => ({ table: r.table, chain: r.chain, text: r.text, source: sources.sourceOf(n.name, r.table, r.chain, r.line, r.text) })),
        omitted: of.omitted,
      });
    }
    forgetNodeRules(n);
  }
  return services.map((s, i) => (i >= SERVICE_LIMIT ? { ...s, rules: [] } : { ...s, rules: listed.get(`${s.namespace}/${s.name}`) ?? [] }));
}

export function findingReplayRequest(t: NonNullable<ReportFinding['trace']>): ReplayRequest {
  const src = splitEndpoint(t.src);
  const dst = splitEndpoint(t.dst);
  const local = 'local' in t;
  return {
    node: t.node, proto: t.proto, src: src.address, sport: src.port, dst: dst.address, dport: dst.port,
    in: local ? null : t.in, local, follow: true, snapshot: null, bridgeNetfilter: null,
  };
}

/** At most `limit` findings of each kind, in the order given (most severe first); the rest counted per kind. */
export function capPerKind(all: readonly ProjectFinding[], limit: number): { findings: ProjectFinding[]; omitted: Array<{ kind: string; count: number }> } {
  const counts = new Map<string, number>();
  const findings: ProjectFinding[] = [];
  for (const f of all) {
    const n = (counts.get(f.kind) ?? 0) + 1;
    counts.set(f.kind, n);
    if (n <= limit) findings.push(f);
  }
  const omitted = [...counts.entries()].filter(([, n]) => n > limit).map(([kind, n]) => ({ kind, count: n - limit }));
  return { findings, omitted };
}

export function buildReport(store: Store, options: ReportOptions = {}): Report {
  const flowLimit = options.flowLimit ?? 200;
  const { signal } = options;
  const check = (): void => throwIfCancelled(signal, 'the report');
  check();
  const views = listNodes(store);
  const topology = readTopology(store);
  const topoByName = new Map(topology.nodes.map((n) => [n.name, n]));
  const replayer = new ReportReplayer(store);
  const { world, sources } = replayer.world(null);

  const nodes: ReportNode[] = views.map((v) => {
    const t = topoByName.get(v.name);
    const interfaces = t?.interfaces ?? [];
    const routes = t?.routes ?? [];
    return {
      name: v.name, captures: v.captures,
      interfaces: interfaces.slice(0, INTERFACE_LIMIT), interfacesOmitted: Math.max(0, interfaces.length - INTERFACE_LIMIT),
      routes: routes.slice(0, ROUTE_LIMIT), routesOmitted: Math.max(0, routes.length - ROUTE_LIMIT),
      bridgePorts: t?.bridgePorts ?? [], namespaces: t?.namespaces ?? [],
    };
  });

  const gathered = capPerKind(projectFindings(store, { signal: signal ?? null }), options.findingLimit ?? 50);
  const findings: ReportFinding[] = gathered.findings.map((f, i) => {
    check();
    return { ...f, replay: f.trace === null || i >= REPLAY_LIMIT ? null : replayer.replay(findingReplayRequest(f.trace)) };
  });
  check();

  const fs = new FlowStore(store);
  const shown: ReportFlow[] = [];
  let replayed = 0;
  const comparisonOf = (f: FlowView): PictureComparison | null => {
    if (f.nat.length === 0 || f.timeline.hops.length === 0 || replayed >= (options.pictureReplays ?? PICTURE_REPLAY_LIMIT)) return null;
    replayed++;
    check();
    const view = projectFlowDivergence(store, f.id, { world });
    return view?.kind === 'replayed' ? view.comparison : null;
  };
  forEachFlowView(store, (f) => shown.push(reportFlow(f, sources, comparisonOf(f))), { limit: flowLimit, observations: 0 });
  const totalFlows = fs.flowCount();

  const byKind = new Map<string, number>();
  for (const n of nodes) for (const c of n.captures) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  const services = reportServices(topology.services, world, sources);
  const { warnings, omitted } = readWarnings(store);

  const captures = reportCaptures(store, views);
  const tunnels = reportTunnels(store, views);

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
      findings: findings.length + gathered.omitted.reduce((n, o) => n + o.count, 0),
    },
    warnings,
    warningsOmitted: omitted,
    nodes,
    services,
    pods: topology.pods.slice(0, POD_LIMIT),
    podsOmitted: Math.max(0, topology.pods.length - POD_LIMIT),
    findings,
    findingsOmitted: gathered.omitted,
    flows: { total: totalFlows, limit: flowLimit, shown, capped: totalFlows > shown.length },
    captures: captures.captures,
    capturesOmitted: captures.omitted,
    tunnels: tunnels.tunnels,
    tunnelsOmitted: tunnels.omitted,
    traces: (options.traces ?? []).slice(0, TRACE_LIMIT).map((t) => {
      check();
      return { replay: replayer.replay(t) };
    }),
  };
}
