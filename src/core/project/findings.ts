/**
 * `natlens findings`: what is wrong in a project, each finding tied to its evidence. The one place
 * that joins the store with the pure rule checks: it stitches flows when the captures changed, loads
 * the replay's world once, reads each flow's stored summary, and replays only the flows that need it
 * (symptomatic ones, and those whose captured NAT the stitcher could not reproduce).
 */
import type { CancellationSignal } from '../common/cancellation';
import { stitchFlows } from './flows-stitch';
import { protoName } from '../flows/flow-simulator';
import type { FlowTimeline } from '../views/flow-timeline';
import { conntrackView } from '../flows/flow-timeline';
import { FlowViewReader } from './flows';
import type { FlowView } from '../views/flows';
import { FlowStore, type StoredFlowRow } from '../model/flow-store';
import { forgetNodeRules, loadWorld } from './node-world';
import type { Store } from '../model/store';
import { readTopology } from './topology';
import type { TcpEvents } from '../views/flows';
import { SimulateError, tracePacket, type NodeSnapshot, type TraceResult } from '../simulate';
import type { FindingEvidence, FindingTrace, ProjectFinding } from '../diagnose/finding';
import { findingList } from '../diagnose/finding-list';
import { flowFindings, flowEvidence, withTunnelsCrossed, type CaptureFiles } from '../diagnose/flow-findings';
import { chooseIngress, replayFlowView, replayRequest, type FlowReplay } from '../diagnose/flow-replay';
import { FlowFindingSummaries, isPerFlow } from '../diagnose/flow-finding-summary';
import type { FlowSymptom } from '../diagnose/flow-symptom';
import { broadcastAddresses, flowSymptom } from '../diagnose/flow-symptom';
import { asymmetries } from '../diagnose/path-divergence';
import { dropPolicies, markBitConflicts, noEndpointsRuleFor, noEndpointsRules, serviceFinding, servicesWithoutEndpointsOf, type NoEndpointsRule } from '../diagnose/ruleset-findings';
import { ruleEvidence } from '../diagnose/evidence';
import { dnatTargetGone, dnatTargets, staleEndpointFinding, type DnatTargets } from '../diagnose/stale-endpoint';
import { overlappingSubnets } from '../diagnose/subnet-findings';
import { kernelTraceFindingsOf } from './kernel-trace-check';
import { kernelSettingFindings } from '../diagnose/sysctl-findings';
import { getCommandOf } from '../capture/kubectl/kubectl-command';
import { analyseCommand } from '../capture/transcript/command';
import { probeFindingsOf } from './probe-check';

export interface ProjectFindingsOptions {
  /** A ruleset capture id: that snapshot of its node's rules instead of the newest (as `trace --snapshot`). */
  snapshot?: number | null;
  /** At most this many flow replays (default 2000); flows beyond are judged on their symptoms alone. */
  replayLimit?: number;
  /** Passed to the stitching that comes first: a cancel there rolls the flows back (CancelledError). */
  signal?: CancellationSignal | null;
}

/**
 * Services the cluster lists with ports but without any endpoint, where kube-proxy's rules do not
 * already say so. Only when the captures list endpoints at all (`kubectl get endpoints`, `describe
 * svc`): a `kubectl get svc` alone says nothing about them.
 */
function listedWithoutEndpoints(store: Store, already: ReadonlySet<string>): ProjectFinding[] {
  const listsEndpoints = store.kubectlCaptures().some((c) => store.endpoints(c.id).length > 0);
  const empty = emptyEndpointListings(store);
  if (!listsEndpoints && empty.size === 0) return [];
  const rows = new Map<string, FindingEvidence[]>();
  for (const c of store.kubectlCaptures()) {
    for (const s of store.services(c.id)) {
      if (s.origin !== 'kubectl') continue;
      const key = `${s.namespace}/${s.name}`;
      const ports = s.ports.map((p) => `${p.port}${p.nodePort !== null ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',');
      const list = rows.get(key) ?? [];
      list.push({ source: `${c.sourceFile}:${s.line}`, text: `service ${key} ${s.type ?? ''} ${s.clusterIP ?? ''} ${ports}`.replace(/ +/g, ' ') });
      rows.set(key, list);
    }
  }
  const out: ProjectFinding[] = [];
  for (const s of readTopology(store).services) {
    const name = `${s.namespace}/${s.name}`;
    if (s.endpoints.length > 0 || s.ports.length === 0 || s.type === 'ExternalName' || !s.origins.includes('kubectl')) continue;
    if ([...already].some((id) => id === name || id.startsWith(`${name}:`))) continue;
    const none = empty.get(s.namespace) ?? empty.get('*');
    if (!listsEndpoints && none === undefined) continue;
    const evidence = [...(rows.get(name) ?? []), ...(none === undefined ? [] : [none])];
    if (evidence.length === 0) continue;
    out.push({
      ...serviceFinding(name, s.programmedOn, evidence),
      explanation: `The cluster lists ${name} with ports but no endpoint address, so connections to it fail. Fix: make the service's selector match running, ready pods (or remove the unused service).`,
    });
  }
  return out;
}

/**
 * `kubectl get endpoints` answered `No resources found`: the namespace it listed (`*` for -A) has no Endpoints object
 * at all, so none of its services has an endpoint. Keyed by namespace, with the listing as evidence.
 */
function emptyEndpointListings(store: Store): Map<string, FindingEvidence> {
  const out = new Map<string, FindingEvidence>();
  for (const c of store.kubectlCaptures()) {
    if (c.records !== 0 || c.command === null) continue;
    const get = getCommandOf(analyseCommand(c.command).argv);
    if (get?.resource !== 'endpoints') continue;
    const namespace = get.allNamespaces ? '*' : (get.namespace ?? 'default');
    out.set(namespace, { source: `${c.sourceFile}:${c.firstLine ?? 1}`, text: `${c.command}: No resources found${namespace === '*' ? '' : ` in ${namespace} namespace`}.` });
  }
  return out;
}

/** Flows of one class (flowClass) looked at one by one before the rest of the class is judged on their stored summary alone. */
export const ANALYSED_PER_CLASS = 50;

/**
 * What a flow's findings can depend on, read from its stored row alone: its symptom, what else marks it,
 * its protocol, service and the nodes that saw it. A SYN scan over thousands of addresses is one class.
 */
function flowClass(row: StoredFlowRow, timeline: FlowTimeline, symptom: FlowSymptom | null, marks: Record<string, boolean>): string {
  const nodes = [...new Set([...timeline.hops.map((h) => h.node), ...timeline.conntrack.map((c) => c.node)])].sort();
  return JSON.stringify([symptom?.kind ?? null, row.proto, row.service, row.nat, nodes, marks]);
}

/** Findings that only restate a flow's symptom: dropped when a cause is found for it. */
const SYMPTOM_ONLY: readonly string[] = ['conntrack-unreplied', 'one-sided-tcp', 'connection-refused', 'handshake-incomplete'];

const parseTcp = (row: StoredFlowRow): (TcpEvents & { oneSided: boolean }) | null =>
  row.tcp === null ? null : (JSON.parse(row.tcp) as TcpEvents & { oneSided: boolean });

/** The project's findings, most severe first. Stitches flows first when the captures changed. */
export function projectFindings(store: Store, options: ProjectFindingsOptions = {}): ProjectFinding[] {
  stitchFlows(store, { signal: options.signal ?? null });
  const world = loadWorld(store, { snapshot: options.snapshot ?? null });
  const byName = new Map(world.map((n) => [n.name, n]));
  const addrSource = new Map<string, string>();
  const routeSource = new Map<string, string>();
  for (const { id, name } of store.listNodes()) {
    const addr = store.newestCapture(id, ['ip-addr'], null);
    if (addr) addrSource.set(name, addr.sourceFile);
    const routes = store.newestCapture(id, ['ip-route', 'route-table'], null);
    if (routes) routeSource.set(name, routes.sourceFile);
  }
  const snatAnswered = new FlowStore(store).snatAnsweredFinder();
  const files: CaptureFiles = {
    routes: (node) => routeSource.get(node) ?? null,
    snatAnswered: (node, proto, src, dst) => {
      const row = snatAnswered(node, proto, src, dst);
      return row === undefined ? null : conntrackView({ node: row.node, source: `${row.sourceFile}:${row.entry.line}`, entry: row.entry });
    },
  };

  // One pass over each node's rules, keeping what the checks found; the node's rules are then dropped, so a
  // 50-node project holds one node's rules at a time (the replays below read those on their path again).
  const noEndpoints: NoEndpointsRule[] = [];
  const drops: ProjectFinding[] = [];
  const marks: ProjectFinding[] = [];
  const settings: ProjectFinding[] = [];
  const targets = new Map<string, DnatTargets>();
  for (const node of world) {
    noEndpoints.push(...noEndpointsRules([node]));
    drops.push(...dropPolicies([node]));
    marks.push(...markBitConflicts([node]));
    settings.push(...kernelSettingFindings(node));
    targets.set(node.name, dnatTargets(node));
    forgetNodeRules(node);
  }
  const found: ProjectFinding[] = [
    ...servicesWithoutEndpointsOf(noEndpoints),
    ...drops,
    ...marks,
    ...settings,
    ...overlappingSubnets(world, (node) => addrSource.get(node) ?? `${node} ip addr`),
  ];
  found.push(...listedWithoutEndpoints(store, new Set(found.filter((f) => f.kind === 'service-without-endpoints').map((f) => f.service ?? ''))));

  const broadcasts = broadcastAddresses(world);
  let replays = options.replayLimit ?? 2000;
  const replay = (view: FlowView): FlowReplay | null => (replays-- > 0 ? replayFlowView(view, world) : null);
  /** Replays a conntrack entry's original tuple on its node (where its DNAT was made). */
  const replayAt = (node: NodeSnapshot, c: FlowTimeline['conntrack'][number], proto: string): { result: TraceResult; trace: FindingTrace | null } | null => {
    const sighting = { node: node.name, interface: null, packet: c.original, source: c.source, from: 'conntrack' as const };
    const ingress = chooseIngress(sighting, node);
    if ('reason' in ingress || replays-- <= 0) return null;
    const { request, trace } = replayRequest(proto, sighting, ingress.basis);
    try {
      return { result: tracePacket(world, request), trace };
    } catch (e) {
      if (e instanceof SimulateError) return null;
      throw e;
    }
  };

  const reader = new FlowViewReader(store);
  const summaries = new FlowFindingSummaries();
  /** Flows of each class looked at one by one (packets read, replayed); the rest of a class only on their stored summary. */
  const analysed = new Map<string, number>();
  const fs = new FlowStore(store);
  for (let after = 0; ; ) {
    const page = fs.flowsAfter(after, 500);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    for (const row of page) {
      const timeline = JSON.parse(row.timeline) as FlowTimeline;
      const proto = protoName(row.proto);
      const summary = { proto, original: row.original, tcp: parseTcp(row), timeline };
      const symptom = flowSymptom(summary, broadcasts);
      const unreproduced = timeline.rewrites.some((r) => r.kind === 'dnat' && r.evidence === 'conntrack');
      const stale = timeline.conntrack.filter((c) => dnatTargetGone(c, targets.get(c.node) ?? null));
      const hairpin = row.original.dst !== row.reply.src && row.reply.src === row.original.src && row.reply.dst === row.original.src;
      const asymmetric = asymmetries({ timeline }, null, byName).length > 0;
      if (symptom === null && !unreproduced && stale.length === 0 && !hairpin && !asymmetric) continue;
      const cls = flowClass(row, timeline, symptom, { unreproduced, stale: stale.length > 0, hairpin, asymmetric });
      const seen = analysed.get(cls) ?? 0;
      analysed.set(cls, seen + 1);
      const deep = seen < ANALYSED_PER_CLASS;
      // Past the first flows of its class, a flow is judged on its stored summary: no packets read, no replay.
      const view: FlowView = reader.view(row, deep ? 64 : 0);
      const flowReplay = deep && (symptom !== null || unreproduced || asymmetric) ? replay(view) : null;
      const staleFindings: ProjectFinding[] = [];
      for (const c of deep ? stale : []) {
        const node = byName.get(c.node);
        const replayed = node ? replayAt(node, c, proto) : null;
        const f = node && replayed ? staleEndpointFinding(c, proto, replayed.result, node, row.id, symptom !== null, flowEvidence(view, 2)) : null;
        if (f) staleFindings.push(withTunnelsCrossed(view, { ...f, trace: replayed!.trace }));
      }
      let flow = flowFindings({ view, symptom, replay: flowReplay }, byName, files);
      // A flow the replay could not start (ingress unknown) still meets a no-endpoints REJECT at its service's address.
      const rejected = symptom !== null && flowReplay?.kind !== 'replayed' ? noEndpointsRuleFor(noEndpoints, proto, row.original.dst, row.original.dport) : null;
      if (rejected) {
        found.push(serviceFinding(rejected.service, [rejected.node.name], [ruleEvidence(rejected.node, rejected.table, rejected.rule), ...flowEvidence(view)], [row.id]));
        flow = flow.filter((f) => !SYMPTOM_ONLY.includes(f.kind));
      }
      found.push(...staleFindings);
      // A stale endpoint explains the flow's NAT disagreeing with the rules and its failing: said once, by it.
      const said = staleFindings.length > 0 ? flow.filter((f) => f.kind !== 'replay-capture-divergence' && !SYMPTOM_ONLY.includes(f.kind)) : flow;
      for (const f of said) {
        if (isPerFlow(f)) summaries.add(f);
        else found.push(f);
      }
    }
  }
  found.push(...summaries.findings());
  found.push(...kernelTraceFindingsOf(store, world, byName));
  found.push(...probeFindingsOf(store, world, files));

  // A DROP policy a captured flow met is said by that flow's finding; the latent note would repeat it.
  const met = new Set(found.filter((f) => f.kind === 'packet-dropped').map((f) => f.id));
  const said = found.filter((f) => !(f.kind === 'forward-drop-policy' && met.has(f.id.replace(/^forward-drop-policy:([^:]+)(:ipv6)?$/, 'packet-dropped:$1:filter/FORWARD$2:policy'))));
  return findingList(said, (f) => {
    if (f.kind !== 'service-without-endpoints' || f.flows.length === 0 || f.service === null) return f;
    return { ...serviceFinding(f.service, f.nodes, f.evidence, f.flows, f.flowCount), flowCount: f.flowCount, trace: f.trace };
  });
}
