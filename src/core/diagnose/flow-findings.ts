/**
 * Findings about one captured flow: its symptom (flow-symptom.ts) joined with the replay of its first
 * packet (flow-replay.ts). A failing flow whose replay is stopped by a rule, a policy or a route gets
 * that cause; where replay and capture disagree, or replies come back another way, that is said; only
 * when nothing more specific is found does the symptom itself become the finding.
 */
import { isPrivateAddress, isPublicAddress } from '../common/address-scope';
import type { ConntrackView, RefusalView } from '../views/flow-timeline';
import { assertNever } from '../common/assert-never';
import { tupleText } from '../flows/flow-timeline';
import type { TimelineHop } from '../views/flow-timeline';
import type { FlowView } from '../views/flows';
import { settingDropFinding } from './sysctl-findings';
import type { NodeSnapshot } from '../simulate';
import { compileRouting, lookupRoute, routeText } from '../simulate/routing';
import { parseIp } from '../common/ip';
import { ipRouteLine, observationEvidence, stepEvidence } from './evidence';
import type { FindingEvidence, FindingSeverity, FindingTrace, ProjectFinding } from './finding';
import type { FlowReplay } from './flow-replay';
import { symptomText, type FlowSymptom } from './flow-symptom';
import { asymmetries, divergences, placeOf, type Asymmetry, type Divergence } from './path-divergence';
import { replayCause, type ReplayCause } from './replay-cause';
import { serviceFinding } from './ruleset-findings';
import { tunnelSentence } from '../views/tunnel-text';

/** Where each node's captures were read from, for evidence the replay cites without a file (routes). */
export interface CaptureFiles {
  routes(node: string): string | null;
  /**
   * An answered conntrack entry of `node` from `src` to `dst` whose source was rewritten: another connection of the
   * same hosts (a new echo id, a new port) that was NATed, so the rule came after the un-NATed one.
   */
  snatAnswered?(node: string, proto: string, src: string, dst: string): ConntrackView | null;
}

export interface DiagnosedFlow {
  /** The stored flow with its first observations (packets, then conntrack listings). */
  view: FlowView;
  symptom: FlowSymptom | null;
  replay: FlowReplay | null;
}

/** Captured packets and conntrack lines that show a flow's symptom, a few of each. */
export function flowEvidence(view: FlowView, packets = 4): FindingEvidence[] {
  const shown = view.observations.filter((o) => o.kind === 'packet').slice(0, packets);
  const conntrack = view.observations.filter((o) => o.kind === 'conntrack').slice(0, 2);
  const refusals = (view.timeline.refusals ?? []).slice(0, 2).map(refusalEvidence);
  return [...refusals, ...[...shown, ...conntrack].map(observationEvidence)];
}

/**
 * The service a flow went through: the one whose rules the replay of its first packet meets, else the
 * flow's label when a DNAT was captured. A connection addressed straight to a pod that happens to back a
 * service (its reply comes from an endpoint address) did not go through the service.
 */
export function flowService(flow: DiagnosedFlow): string | null {
  const replayed = flow.replay?.kind === 'replayed' ? flow.replay : null;
  const met = replayed?.result.outcomes.find((o) => o.service !== null)?.service?.id ?? null;
  if (met !== null) return met;
  return flow.view.nat.includes('dnat') ? flow.view.service : null;
}

const flowLabel = (flow: DiagnosedFlow): string => {
  const service = flowService(flow);
  return `flow ${flow.view.id} ${flow.view.proto} ${tupleText(flow.view.original)}${service ? ` (${service})` : ''}`;
};

/** The nodes that saw the flow: those of its listed observations and of its hops (a view may list no packets). */
const seenOn = (v: FlowView): string[] => [...v.observations.map((o) => o.node), ...v.timeline.hops.map((h) => h.node)];

/** A captured failing flow's findings are errors; the same cause in a flow that worked is a warning. */
const severityOf = (flow: DiagnosedFlow): FindingSeverity => (flow.symptom !== null ? 'error' : 'warning');

function base(
  kind: string, id: string, severity: FindingSeverity, title: string, explanation: string, flow: DiagnosedFlow, nodes: string[], evidence: FindingEvidence[],
): ProjectFinding {
  const trace: FindingTrace | null = flow.replay?.kind === 'replayed' ? flow.replay.trace : null;
  return { id, severity, kind, title, explanation, nodes: [...new Set(nodes)].sort(), service: flowService(flow), flows: [flow.view.id], evidence, trace };
}

/** The captured `ip route` line the replay's route came from. */
export function routeEvidence(node: NodeSnapshot | undefined, text: string, files: CaptureFiles): FindingEvidence {
  const record = node?.routes?.find((r) => routeText(r) === text || text.startsWith(`${routeText(r)},`));
  const file = node ? files.routes(node.name) : null;
  return { source: record && file ? `${file}:${record.line}` : `${node?.name ?? '?'} ip route`, text: record && file ? ipRouteLine(record) : text };
}

function causeFinding(flow: DiagnosedFlow, cause: ReplayCause, world: ReadonlyMap<string, NodeSnapshot>, symptom: FlowSymptom, files: CaptureFiles): ProjectFinding | null {
  const v = flow.view;
  const packets = flowEvidence(v);
  const why = `${flowLabel(flow)}: ${symptomText(symptom)}.`;
  switch (cause.kind) {
    case 'no-endpoints': {
      const f = serviceFinding(cause.service, [cause.step.node], [stepEvidence(world.get(cause.step.node), cause.step), ...packets], [v.id]);
      return { ...f, trace: flow.replay?.kind === 'replayed' ? flow.replay.trace : null };
    }
    case 'rule':
    case 'policy': {
      const s = cause.step;
      const what = cause.kind === 'policy' ? `filter ${s.chain} policy DROP` : `${s.table} ${s.chain} rule (${s.target})`;
      const where = cause.kind === 'policy' ? 'policy' : String(s.line ?? s.rule);
      return base(
        'packet-dropped', `packet-dropped:${s.node}:${s.table}/${s.chain}:${where}`, 'error',
        `${s.node}: ${what} ${cause.kind === 'rule' && cause.verdict === 'reject' ? 'rejects' : 'drops'} captured traffic`,
        `${why} Replaying its first packet, ${s.node}'s ${cause.kind === 'policy' ? `${s.chain} chain has no rule accepting it and its DROP policy discards it` : `rule in ${s.table}/${s.chain} ${s.target === 'REJECT' ? 'rejects' : 'drops'} it`}` +
          `${cause.outcome.reason ? ` (${cause.outcome.reason})` : ''}. Fix: ${cause.kind === 'policy' ? `add an ACCEPT rule to ${s.chain} for this traffic (interface, destination subnet) before the policy applies` : 'remove or narrow that rule, or accept this traffic before it'}.`,
        flow, [s.node], [stepEvidence(world.get(s.node), s), ...packets],
      );
    }
    case 'route':
      return base(
        'no-route', `no-route:${cause.node}:${cause.routeText ?? cause.dst}`, 'error',
        `${cause.node}: ${cause.route === 'no-route' ? `no route to ${cause.dst}` : `${cause.route} route ${cause.routeText ?? `to ${cause.dst}`}`} stops captured traffic`,
        `${why} Replaying its first packet, ${cause.node} ${cause.route === 'no-route' ? `has no route to ${cause.dst}` : `routes ${cause.dst} to a ${cause.route} route`}, so the packet goes nowhere. ` +
          `Fix: add a route to ${cause.dst} (its pod/node subnet via the right node or device)${cause.route === 'no-route' ? '' : ' or remove the ' + cause.route + ' route'}.`,
        flow, [cause.node], [...(cause.routeText ? [routeEvidence(world.get(cause.node), cause.routeText, files)] : []), ...packets],
      );
    case 'setting':
      return settingDropFinding(cause.setting, why, v.id, flowService(flow), flow.replay?.kind === 'replayed' ? flow.replay.trace : null, packets);
    case 'other':
    case 'passes':
    case 'unknown':
      return null;
  }
}

function divergenceText(d: Divergence): { text: string; where: string } {
  switch (d.kind) {
    case 'dnat-target':
      return { text: `${d.node}: the capture shows DNAT to ${tupleText(d.captured).split(' > ')[1]}, the replay only to ${d.predicted.map((p) => tupleText(p).split(' > ')[1]).join(' or ')}`, where: `${d.node}:dnat` };
    case 'interface':
      return { text: `${d.node}: the packet was captured on ${d.interface}, the replay passes only ${d.predicted.join(', ')}`, where: `${d.node}:${d.interface}` };
    case 'node':
      return { text: `the packet was captured on ${d.node}, which the replay never reaches`, where: d.node };
  }
}

function asymmetryText(a: Asymmetry): { text: string; where: string } {
  switch (a.kind) {
    case 'interface':
      return { text: `${a.node}: replies captured on ${a.interface}, the packets went by ${a.expected.join(', ')}`, where: `${a.node}:${a.interface}` };
    case 'node':
      return { text: `replies captured on ${a.node}, which the packets never passed`, where: a.node };
  }
}

/** The node routes `address` through a bridge (one with ports): a pod there needs hairpin masquerade. */
function behindBridge(node: NodeSnapshot | undefined, address: string): string | null {
  const ip = parseIp(address);
  if (!node || ip === null) return null;
  const look = lookupRoute(compileRouting(node.interfaces, node.routes, node.rules ?? null), ip);
  if (look.kind !== 'unicast' || look.dev === null) return null;
  const dev = look.dev;
  const isBridge = (node.interfaces ?? []).some((i) => i.master === dev || (i.name === dev && i.details?.kind === 'bridge'));
  return isBridge ? dev : null;
}

function hairpinFinding(flow: DiagnosedFlow, world: ReadonlyMap<string, NodeSnapshot>): ProjectFinding | null {
  const v = flow.view;
  const pod = v.original.src;
  const dnat = v.original.dst !== v.reply.src;
  if (!dnat || v.reply.src !== pod || v.reply.dst !== pod) return null;
  const node = v.timeline.conntrack[0]?.node ?? v.timeline.hops[0]?.node;
  const bridge = node === undefined ? null : behindBridge(world.get(node), pod);
  if (node === undefined || bridge === null) return null;
  const service = flowService(flow);
  return base(
    'hairpin-without-masquerade', `hairpin-without-masquerade:${node}:${pod}`, severityOf(flow),
    `${node}: ${pod} reaches itself through ${service ?? tupleText(v.original).split(' > ')[1]} without masquerade`,
    `${flowLabel(flow)} was DNATed back to its own sender on bridge ${bridge} and not SNATed, so the pod answers itself directly and the reply never gets its service address back; the connection fails. ` +
      'Fix: masquerade hairpin traffic (kube-proxy\'s KUBE-SEP "-s <endpoint> -j KUBE-MARK-MASQ" rule, or the kubelet\'s --hairpin-mode=hairpin-veth / promiscuous-bridge).',
    flow, [node], [...dnatRuleEvidence(flow, node, world), ...flowEvidence(v)],
  );
}

/** The rules the replay DNATs the flow by on `node`, in the branch that reaches the address the capture shows it went to. */
function dnatRuleEvidence(flow: DiagnosedFlow, node: string, world: ReadonlyMap<string, NodeSnapshot>): FindingEvidence[] {
  if (flow.replay?.kind !== 'replayed') return [];
  const to = flow.view.reply;
  const reaching = flow.replay.result.outcomes.filter((o) => o.hops.some((h) => h.node === node && h.after.dst === to.src && (to.sport === null || h.after.dport === to.sport)));
  const steps = reaching.flatMap((o) => o.steps.filter((st) => st.node === node && st.nat?.kind === 'dnat'));
  return [...new Map(steps.map((st) => [st.line ?? st.rule, stepEvidence(world.get(node), st)])).values()];
}

/**
 * The routes that made a reply go another way: the one that sent it out where it was captured leaving,
 * and, where it arrived on an interface the node would not route its source out of, that route back to
 * the source (what rp_filter checks).
 */
function asymmetryRoutes(a: Asymmetry, world: ReadonlyMap<string, NodeSnapshot>, files: CaptureFiles): FindingEvidence[] {
  const node = world.get(a.node);
  if (a.kind !== 'interface' || node === undefined) return [];
  const place = placeOf(world);
  const routing = compileRouting(node.interfaces, node.routes, node.rules ?? null);
  const route = (address: string): { text: string; dev: string | null } | null => {
    const ip = parseIp(address);
    const look = ip === null ? null : lookupRoute(routing, ip);
    return look?.kind === 'unicast' ? { text: look.route.text, dev: look.dev } : null;
  };
  const at = place(a.node, a.interface);
  const out = route(a.hop.after.dst);
  if (out?.dev != null && place(a.node, out.dev) === at) return [routeEvidence(node, out.text, files)];
  const back = route(a.hop.after.src);
  if (back?.dev != null && place(a.node, back.dev) !== at) return [routeEvidence(node, back.text, files)];
  return [];
}

/** Every finding this flow gives: its causes; only when none is found, the disagreement or the symptom itself. */
export function flowFindings(flow: DiagnosedFlow, world: ReadonlyMap<string, NodeSnapshot>, files: CaptureFiles = { routes: () => null }): ProjectFinding[] {
  return findingsOfFlow(flow, world, files).map((f) => withTunnelsCrossed(flow.view, f));
}

/** A finding about `view`'s flow, saying (before its fix) the tunnels the flow's packets crossed, if any. */
export function withTunnelsCrossed(view: Pick<FlowView, 'timeline'>, f: ProjectFinding): ProjectFinding {
  const crossed = tunnelsCrossed(view);
  return crossed === null ? f : { ...f, explanation: beforeFix(f.explanation, crossed) };
}

/**
 * The tunnels a flow's packets were seen in, as a sentence (`Its packets crossed the node network inside VXLAN 1 from node
 * 192.168.77.1 to node 192.168.77.2 (UDP 8472), seen on nodea eth0.`), or null for a flow seen only as it is.
 */
export function tunnelsCrossed(v: Pick<FlowView, 'timeline'>): string | null {
  const seen = new Map<string, string[]>();
  for (const h of v.timeline.hops) {
    if (!h.tunnel) continue;
    const sentence = tunnelSentence(h.tunnel);
    const at = `${h.node} ${h.interface ?? '?'}`;
    const points = seen.get(sentence);
    if (points === undefined) seen.set(sentence, [at]);
    else if (!points.includes(at)) points.push(at);
  }
  if (seen.size === 0) return null;
  return `Its packets crossed the node network ${[...seen].map(([sentence, at]) => `${sentence}, seen on ${at.join(' and ')}`).join('; ')}.`;
}

/** `sentence` put before the explanation's closing `Fix: ...`, where the report and the UI keep the explanation's body. */
function beforeFix(explanation: string, sentence: string): string {
  const fixAt = explanation.lastIndexOf('Fix: ');
  return fixAt > 0 ? `${explanation.slice(0, fixAt)}${sentence} ${explanation.slice(fixAt)}` : `${explanation} ${sentence}`;
}

function findingsOfFlow(flow: DiagnosedFlow, world: ReadonlyMap<string, NodeSnapshot>, files: CaptureFiles): ProjectFinding[] {
  const v = flow.view;
  const failed = flow.symptom !== null;
  const causes: ProjectFinding[] = [];
  const hairpin = hairpinFinding(flow, world);
  if (hairpin) causes.push(hairpin);
  const replayed = flow.replay?.kind === 'replayed' ? flow.replay : null;
  if (failed && replayed) {
    const found = causeFinding(flow, replayCause(replayed.result), world, flow.symptom!, files);
    if (found) causes.push(found);
  }
  const asym = asymmetries(v, replayed?.result ?? null, world);
  if (asym.length > 0) {
    const texts = asym.map(asymmetryText);
    causes.push(base(
      'asymmetric-reply', `asymmetric-reply:${v.id}`, severityOf(flow),
      `${flowLabel(flow)}: replies come back another way than the packets went`,
      `${texts.map((t) => t.text).join('; ')}. Stateful NAT and conntrack see only one direction there, and with rp_filter=1 the kernel drops replies arriving on an interface it would not route them out of. ` +
        'Fix: make the return route go back through the same node and interface (or SNAT the traffic), or set rp_filter to 2 (loose) on that interface.',
      flow, asym.map((a) => a.node), [...asym.flatMap((a) => asymmetryRoutes(a, world, files)), ...flowEvidence(v, 2), ...asym.map((a) => hopEvidence(v, a.hop))],
    ));
  }
  const diffs = replayed ? divergences(v, replayed.result, world) : [];
  const disagreement = diffs.map((d) => divergenceText(d).text).join('; ');
  // A flow whose cause is found is said once, by its cause; where the capture also disagrees with the replay, the cause says so.
  if (causes.length > 0) {
    if (diffs.length === 0) return causes;
    const [first, ...rest] = causes;
    return [{ ...first!, explanation: `${first!.explanation} The capture also disagrees with the replay: ${disagreement}.` }, ...rest];
  }
  if (diffs.length > 0) {
    return [base(
      'replay-capture-divergence', `replay-capture-divergence:${v.id}`, severityOf(flow),
      `${flowLabel(flow)}: the capture disagrees with the replay`,
      `${disagreement}. The captured rules or routes are not the ones the kernel used (a capture taken at another time, a rule added or removed since, another agent such as IPVS or eBPF). ` +
        'Fix: capture iptables-save, ip route and the packets at the same moment, then compare again; if they still disagree, look for what rewrites packets outside iptables.',
      flow, diffs.map((d) => d.node), [...flowEvidence(v), ...diffs.flatMap((d) => (d.kind === 'dnat-target' ? [] : [hopEvidence(v, d.hop)]))],
    )];
  }
  if (!failed) return [];
  const symptom = flow.symptom!;
  const replayedText = replayed
    ? `Replaying the first packet on ${replayed.request.node} ${replayed.basis.kind === 'local' ? '(sent locally)' : `(in ${replayed.request.in})`}, the rules let it through: ${replayed.result.outcomes[0]?.summary ?? ''}; `
    : flow.replay?.kind === 'not-replayed' ? `It could not be replayed: ${flow.replay.reason}; ` : '';
  switch (symptom.kind) {
    case 'unreplied': {
      const unNated = unNatedToInternet(symptom.entries);
      if (unNated.length > 0) {
        const own = v.timeline.conntrack.filter((c) => !c.unreplied && c.nat.length > 0);
        const first = unNated[0]!;
        const other = own.length > 0 ? null : files.snatAnswered?.(first.node, v.proto, first.original.src, first.original.dst) ?? null;
        return [unNatedFinding(flow, unNated, other ? [other] : own)];
      }
      if (v.nat.length === 0) return [];
      return [base(
        'conntrack-unreplied', `conntrack-unreplied:${v.id}`, 'warning',
        `${symptom.entries[0]!.node}: ${flowLabel(flow)} [UNREPLIED]`,
        `conntrack NATed this connection (${v.nat.join('+')}) and saw its first packet but never a reply: the endpoint did not answer, or its answer went another way and missed the NAT reversal. ` +
          `${replayed ? `The replay of its first packet passes (${replayed.result.outcomes[0]?.summary ?? ''}), so the loss is past what the captures show.` : 'No capture lets natlens replay it.'} Fix: capture on the endpoint's node to see whether the packet arrives and whether the reply leaves.`,
        flow, symptom.entries.map((e) => e.node), flowEvidence(v),
      )];
    }
    // One-way UDP is normal for some protocols (syslog, metrics): without a cause, not a finding of its own.
    case 'no-reply':
      return [];
    case 'not-established':
      return [base(
        'handshake-incomplete', `handshake-incomplete:${v.id}`, 'error',
        `${flowLabel(flow)}: handshake never completed`,
        `${symptomText(symptom)}. ${replayedText}the SYN-ACK was sent but the client never acknowledged it: it did not reach the client, or the client's ACK did not reach the server. ` +
          'Fix: capture on every interface between them to find where the SYN-ACK (or the ACK) is lost; check reverse-path filtering and the return routes.',
        flow, seenOn(v), flowEvidence(v),
      )];
    case 'refused': {
      const port = symptom.refusals.some((r) => r.message === 'port unreachable');
      return [base(
        'connection-refused', `connection-refused:${v.id}`, 'error',
        `${flowLabel(flow)}: refused (ICMP ${symptom.refusals[0]!.message})`,
        `${symptomText(symptom)}. ${replayedText}` +
          (port
            ? 'nothing listens on that port at the endpoint, or a REJECT rule there answers for it. Fix: check the server process and its port, and the REJECT rules on the path.'
            : `${symptom.refusals[0]!.from} has no way on to ${symptom.refusals[0]!.answered.dst}: no route, a neighbour that does not answer ARP, or a REJECT rule. Fix: check the routes and neighbours of ${symptom.refusals[0]!.from}.`),
        flow, [...new Set([...symptom.refusals.map((r) => r.node), ...seenOn(v)])],
        flowEvidence(v),
      )];
    }
    case 'no-syn-ack':
    case 'reset': {
      const refused = symptom.kind === 'reset';
      return [base(
        refused ? 'connection-refused' : 'one-sided-tcp', `${refused ? 'connection-refused' : 'one-sided-tcp'}:${v.id}`, 'error',
        `${flowLabel(flow)}: ${refused ? 'refused (RST)' : 'no SYN-ACK'}`,
        `${symptomText(symptom)}. ${replayedText}` +
          `${refused ? 'nothing listens on that port at the endpoint (or a firewall there resets it). Fix: check the server process and its port.' : 'the server did not answer, or its answer went another way. Fix: capture on the server\'s node to see whether the SYN arrives and the SYN-ACK leaves.'}`,
        flow, seenOn(v), flowEvidence(v),
      )];
    }
    default:
      return assertNever(symptom);
  }
}

/** Unreplied entries whose packet left a private address for a public one with no rewrite of its source. */
function unNatedToInternet(entries: readonly ConntrackView[]): ConntrackView[] {
  return entries.filter((e) => !e.nat.includes('snat') && isPrivateAddress(e.original.src) === true && isPublicAddress(e.original.dst));
}

function conntrackEvidence(e: ConntrackView): FindingEvidence {
  return { source: e.source, text: `${e.node} conntrack ${tupleText(e.original)} ⇄ ${tupleText(e.reply)}${e.unreplied ? ' [UNREPLIED]' : ''}` };
}

function unNatedFinding(flow: DiagnosedFlow, entries: readonly ConntrackView[], natedLater: readonly ConntrackView[]): ProjectFinding {
  const e = entries[0]!;
  const later = natedLater[0];
  return base(
    'unreplied-without-snat', `unreplied-without-snat:${flow.view.id}`, 'warning',
    `${e.node}: flow ${flow.view.id} ${flow.view.proto} from the private ${e.original.src} to ${e.original.dst} left un-NATed, never answered`,
    `conntrack saw packets from the private address ${e.original.src} to the Internet address ${e.original.dst} leave with their source unchanged, and no reply: ` +
      `no router beyond the node has a route back to ${e.original.src}. ` +
      (later
        ? `A later entry (${later.source}) was rewritten (${later.nat.join('+')}) and answered: the source NAT applies to new flows only, and the old entry kept the packets un-NATed until it expired. `
        : '') +
      `Fix: masquerade traffic leaving the node (\`iptables -t nat -A POSTROUTING -s ${e.original.src} -o <uplink> -j MASQUERADE\`), or route ${e.original.src}'s subnet in the network; then delete the stale entry (\`conntrack -D -s ${e.original.src}\`).`,
    flow, entries.map((x) => x.node), [...entries.slice(0, 2), ...natedLater.slice(0, 1)].map(conntrackEvidence),
  );
}

function refusalEvidence(r: RefusalView): FindingEvidence {
  return { source: r.source, text: `${r.node} ${r.interface ?? '?'}: ICMP ${r.message} from ${r.from}, answering ${tupleText(r.answered)}` };
}

/** A captured packet at `hop` (its file:line when among the flow's listed observations). */
function hopEvidence(v: FlowView, h: TimelineHop): FindingEvidence {
  const o = v.observations.find((x) => x.kind === 'packet' && x.node === h.node && x.interface === h.interface && x.direction === h.direction);
  if (o) return observationEvidence(o);
  return { source: `${h.node} ${h.interface ?? '?'}`, text: `${h.direction} ${tupleText(h.after)} ×${h.packets}` };
}
