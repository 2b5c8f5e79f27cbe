/**
 * The kernel's traced path of a packet against natlens's replay of the same packet through the node's captured
 * ruleset, and the place a traced packet's walk ended when that was a DROP.
 *
 * The kernel logs a line for every rule that matched (its 1-based position; xtables-monitor: its handle and text)
 * and the policy of every base chain the packet ran to the end of; it never logs the rule that switched tracing on.
 * The replay's steps are read the same way: rules by position, policies as the chain's rule count + 1, `-j TRACE`
 * rules left out. Both are compared over the chains the kernel's walk shows, so a log cut by grep or a trace switched
 * on in a later table is compared only where it speaks. A walk is compared only when it is a connection's first
 * packet (the nat table's chains appear in it), as the replay is of a new connection.
 */
import type { KernelTraceEvent, KernelTracePacket } from '../records/records';
import type { Rule } from '../netfilter/ruleset';
import { tracePacket, SimulateError, type NodeSnapshot, type Outcome, type Step, type TraceRequest } from '../simulate';
import { chainOf, ruleEvidence, policyEvidence, stepEvidence } from './evidence';
import type { FindingEvidence, FindingTrace, ProjectFinding } from './finding';
import { kernelWalks } from './kernel-walks';

/** A stored trace event and the file it was read from. */
export type SourcedEvent = KernelTraceEvent & { sourceFile: string };

/** One place in netfilter a path went through: a rule by position, or a chain's policy. */
interface PathPoint {
  table: string;
  chain: string;
  /** 1-based rule position; the chain's rule count + 1 for its policy. */
  position: number;
  policy: boolean;
}

const REPLAYED_PROTOS = new Set(['tcp', 'udp', 'icmp']);

/** A finding and the packets (as first traced) it is about, so the caller can name their flows. */
export interface KernelTraceFinding {
  finding: ProjectFinding;
  packets: KernelTracePacket[];
}

/**
 * `complete`: the capture is the whole log of the time it covers (not a grep, head or tail of it), so a walk that stops
 * stopped in the kernel, not in the paste.
 */
export function kernelTraceFindings(
  node: NodeSnapshot | null, nodeName: string, events: readonly SourcedEvent[], world: NodeSnapshot[], complete = false,
): KernelTraceFinding[] {
  const found: KernelTraceFinding[] = [];
  const drops = new Map<string, KernelTraceFinding>();
  for (const walk of kernelWalks(events)) {
    const packet = walk.find((e) => e.packet.src !== null)?.packet ?? null;
    const drop = walkDrop(node, nodeName, walk) ?? (complete && node !== null ? walkLost(node, walk, world) : null);
    if (drop !== null) {
      const seen = drops.get(drop.id);
      if (seen === undefined) drops.set(drop.id, { finding: drop, packets: packet === null ? [] : [packet] });
      else {
        if (packet !== null) seen.packets.push(packet);
        if (seen.finding.evidence.length < 6) seen.finding.evidence.splice(seen.packets.length - 1, 0, lineEvidence(walk[walk.length - 1]!));
      }
    }
    if (node !== null) {
      const agreement = walkAgreement(node, walk, world);
      if (agreement.kind === 'disagrees') found.push({ finding: agreement.finding, packets: packet === null ? [] : [packet] });
    }
  }
  for (const drop of drops.values()) {
    const n = drop.packets.length;
    found.push(n > 1 ? { ...drop, finding: { ...drop.finding, title: `${drop.finding.title} (${n} traced packets)` } } : drop);
  }
  return found;
}

function lineEvidence(e: SourcedEvent): FindingEvidence {
  return { source: `${e.sourceFile}:${e.line}`, text: e.text };
}

function packetText(e: KernelTraceEvent): string {
  const p = e.packet;
  const end = (a: string | null, port: number | null): string => (port === null ? a ?? '?' : `${a ?? '?'}:${port}`);
  return `${p.proto ?? 'packet'} ${end(p.src, p.sport)} → ${end(p.dst, p.dport)}`;
}

// ---- where a walk ended -----------------------------------------------------------------------

/** The rule or policy that dropped the packet, when the walk's last line is one. */
function walkDrop(node: NodeSnapshot | null, nodeName: string, walk: readonly SourcedEvent[]): ProjectFinding | null {
  const last = [...walk].reverse().find((e) => e.hook.kind === 'rule' || e.hook.kind === 'policy');
  if (last === undefined || (last.hook.kind !== 'rule' && last.hook.kind !== 'policy')) return null;
  const h = last.hook;
  const found = node === null ? null : chainOf(node, h.table, h.chain);
  const evidence: FindingEvidence[] = [lineEvidence(last)];
  let what: string;
  if (h.kind === 'policy') {
    const policy = h.verdict?.toUpperCase() ?? found?.chain.policy ?? null;
    if (policy !== 'DROP') return null;
    what = `the ${h.table}/${h.chain} policy (DROP)`;
    if (found && node) evidence.push(policyEvidence(node, found.ruleset, h.table, found.chain));
  } else {
    const rule = found === null ? null : ruleAt(found.chain.rules, last);
    const verdict = h.verdict?.toUpperCase() ?? null;
    const target = rule?.target?.kind ?? null;
    const dropped = verdict === 'DROP' || (verdict === null && (target === 'drop' || target === 'reject'));
    if (!dropped) return null;
    const position = h.position ?? rule?.position ?? null;
    const place = position !== null ? `rule ${position} of ${h.table}/${h.chain}` : `a rule of ${h.table}/${h.chain}`;
    what = target === 'reject' ? `${place} (REJECT)` : `${place} (DROP)`;
    if (rule && node) evidence.push(ruleEvidence(node, h.table, rule));
    else if (h.ruleText !== null) evidence.push({ source: `${last.sourceFile}:${last.line}`, text: h.ruleText });
  }
  return {
    id: `kernel-trace-drop:${nodeName}:${h.table}/${h.chain}:${h.kind === 'policy' ? 'policy' : h.position ?? h.handle ?? h.ruleText ?? ''}`,
    severity: 'error',
    kind: 'kernel-trace-drop',
    title: `The kernel dropped ${packetText(last)} on ${nodeName} at ${what}`,
    explanation: `The kernel's own trace of the packet (${last.sourceFile}:${last.line}) ends at ${what}: netfilter dropped it there, so it never reached its destination. Fix the rule or policy, or add a rule before it that accepts this traffic.`,
    nodes: [nodeName],
    service: null,
    flows: [],
    evidence,
    trace: null,
  };
}

// ---- a walk that stops before the routing decision's next hook ---------------------------------

const BASE_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/**
 * An arriving packet whose walk ends in PREROUTING's chains without a drop: every table's base chain a packet passes
 * logs a line (a rule that matched, or its policy), so with a filter table no INPUT or FORWARD line means the packet
 * never reached either — the routing decision between them dropped it.
 */
function walkLost(node: NodeSnapshot, walk: readonly SourcedEvent[], world: NodeSnapshot[]): ProjectFinding | null {
  const first = walk.find((e) => e.packet.src !== null && e.packet.dst !== null);
  if (first === undefined || first.in === null) return null;
  if (chainOf(node, 'filter', 'INPUT') === null && chainOf(node, 'filter', 'FORWARD') === null) return null;
  const hooked = walk.filter((e) => e.hook.kind === 'rule' || e.hook.kind === 'policy' || e.hook.kind === 'return' || e.hook.kind === 'packet');
  const bases = hooked.flatMap((e) => (e.hook.kind !== 'log' && BASE_CHAINS.has(e.hook.chain) ? [e.hook.chain] : []));
  if (bases.length === 0 || bases.some((b) => b !== 'PREROUTING')) return null;
  const last = hooked[hooked.length - 1]!;
  const where = last.hook.kind === 'log' ? 'PREROUTING' : `${last.hook.table}/${last.hook.chain}`;
  const replay = replayOf(node, first, world);
  const predicted = replay?.outcomes[0] ?? null;
  // A line shows the packet as its rule met it, before that rule's DNAT: the replay's packet is the one routed.
  const after = predicted === null ? last.packet : { dst: predicted.packet.dst, dport: predicted.packet.dport };
  const passes = predicted !== null && (predicted.verdict === 'forward' || predicted.verdict === 'deliver');
  const replaySays = predicted === null ? '' : ` natlens's replay of it through the captured rules and routes: ${predicted.summary}${passes ? ' — the captured routes do not show what stopped it' : ''}.`;
  return {
    id: `kernel-trace-lost:${node.name}:${where}:${after.dst ?? ''}`,
    severity: 'error',
    kind: 'kernel-trace-lost',
    title: `The kernel's trace of ${packetText(first)} on ${node.name} stops after ${where}: no INPUT or FORWARD chain saw it`,
    explanation: `After PREROUTING the kernel routes the packet (to ${after.dst ?? '?'}${after.dport === null ? '' : `:${after.dport}`} by then), and every table's INPUT or FORWARD chain it passes next would log a line; none did (${last.sourceFile}:${last.line} is its last), so the routing decision dropped it: no route to that address, reverse-path filtering (rp_filter) refusing the source on ${first.in}, a martian source or destination, or forwarding off (net.ipv4.ip_forward=0).${replaySays} Check \`ip route get ${after.dst ?? '?'} from ${first.packet.src ?? '?'} iif ${first.in}\` on the node.`,
    nodes: [node.name],
    service: null,
    flows: [],
    evidence: [lineEvidence(last)],
    trace: replay?.trace ?? null,
  };
}

// ---- the kernel's path against the replay's ----------------------------------------------------

/** How one walk compares with the replay: `points` rules and policies agreed on, or the finding where they part. */
export type WalkAgreement =
  | { kind: 'agrees'; points: number }
  | { kind: 'disagrees'; finding: ProjectFinding }
  | { kind: 'not-compared'; why: string };

export function walkAgreement(node: NodeSnapshot, walk: readonly SourcedEvent[], world: NodeSnapshot[]): WalkAgreement {
  const kernel = kernelPath(node, walk);
  if (kernel === null) return { kind: 'not-compared', why: 'a traced rule is not in the captured ruleset by position or text' };
  if (!walk.some((e) => (e.hook.kind === 'rule' || e.hook.kind === 'policy') && e.hook.table === 'nat')) {
    return { kind: 'not-compared', why: 'not a connection\'s first packet (no nat chain in its walk)' };
  }
  const first = walk.find((e) => e.packet.src !== null && e.packet.dst !== null);
  if (first === undefined) return { kind: 'not-compared', why: 'no line of the walk shows the packet' };
  const replay = replayOf(node, first, world);
  if (replay === null) return { kind: 'not-compared', why: 'the packet cannot be replayed' };
  const chains = new Set(walk.flatMap((e) => (e.hook.kind === 'rule' || e.hook.kind === 'policy' || e.hook.kind === 'return' ? [`${e.hook.table}/${e.hook.chain}`] : [])));
  let best: { outcome: Outcome; path: Array<PathPoint & { step: Step }>; at: number } | null = null;
  for (const outcome of replay.outcomes) {
    const path = replayPath(node, outcome).filter((p) => chains.has(`${p.table}/${p.chain}`));
    const at = firstDifference(kernel.map((k) => k.point), path);
    if (at === null) return { kind: 'agrees', points: kernel.length };
    if (best === null || at > best.at) best = { outcome, path, at };
  }
  if (best === null) return { kind: 'not-compared', why: 'the replay has no outcome' };
  const k = kernel[best.at];
  const r = best.path[best.at];
  const title = `On ${node.name} the kernel ${k ? `took ${pointText(k.point)}` : 'logged nothing more'} where the replay ${r ? `takes ${pointText(r)}` : 'ends'} (${packetText(first)})`;
  const evidence: FindingEvidence[] = [];
  if (k) {
    evidence.push(lineEvidence(k.event));
    const taken = chainOf(node, k.point.table, k.point.chain);
    const rule = taken?.chain.rules[k.point.position - 1];
    if (rule && !k.point.policy) evidence.push(ruleEvidence(node, k.point.table, rule));
  } else {
    evidence.push(lineEvidence(walk[walk.length - 1]!));
  }
  if (r) evidence.push(stepEvidence(node, r.step));
  return { kind: 'disagrees', finding: {
    id: `kernel-trace-disagrees:${node.name}:${first.sourceFile}:${first.line}`,
    severity: 'warning',
    kind: 'kernel-trace-disagrees',
    title,
    explanation: `The kernel's own trace of this packet (${first.sourceFile}:${first.line}) and natlens's replay of the same packet through the captured ruleset part at ${k ? pointText(k.point) : 'the end of the trace'}. Either the ruleset captured is not the one the kernel ran (rules changed between the dump and the trace, or the dump is of another node or backend: capture iptables-save and the trace together), or the replay is wrong about this packet.`,
    nodes: [node.name],
    service: null,
    flows: [],
    evidence,
    trace: replay.trace,
  } };
}

function pointText(p: PathPoint): string {
  return p.policy ? `the ${p.table}/${p.chain} policy` : `rule ${p.position} of ${p.table}/${p.chain}`;
}

/** The kernel's rules and policies in order, by position; null when a line's rule cannot be placed in the ruleset. */
function kernelPath(node: NodeSnapshot, walk: readonly SourcedEvent[]): Array<{ point: PathPoint; event: SourcedEvent }> | null {
  const out: Array<{ point: PathPoint; event: SourcedEvent }> = [];
  for (const e of walk) {
    const h = e.hook;
    if (h.kind !== 'rule' && h.kind !== 'policy') continue;
    const found = chainOf(node, h.table, h.chain);
    if (found === null) return null;
    if (h.kind === 'policy') {
      out.push({ point: { table: h.table, chain: h.chain, position: found.chain.rules.length + 1, policy: true }, event: e });
      continue;
    }
    const rule = ruleAt(found.chain.rules, e);
    if (rule === null) {
      // A position past the chain's end: the kernel ran another ruleset (said as a disagreement); no text to place: not comparable.
      if (h.position === null) return null;
      out.push({ point: { table: h.table, chain: h.chain, position: h.position, policy: false }, event: e });
      continue;
    }
    if (rule.target?.kind === 'trace') continue;
    out.push({ point: { table: h.table, chain: h.chain, position: rule.position, policy: false }, event: e });
  }
  return out;
}

/** The ruleset's rule a trace line names: by position (the kernel log), else by its text (xtables-monitor). */
function ruleAt(rules: readonly Rule[], e: KernelTraceEvent): Rule | null {
  if (e.hook.kind !== 'rule') return null;
  if (e.hook.position !== null) return rules[e.hook.position - 1] ?? null;
  const text = e.hook.ruleText?.replace(/^-t \S+ /, '') ?? null;
  return text === null ? null : rules.find((r) => r.text === text) ?? null;
}

function replayPath(node: NodeSnapshot, outcome: Outcome): Array<PathPoint & { step: Step }> {
  const out: Array<PathPoint & { step: Step }> = [];
  for (const step of outcome.steps) {
    if (step.node !== node.name) continue;
    const found = chainOf(node, step.table, step.chain);
    if (found === null) continue;
    if (step.policy) {
      out.push({ table: step.table, chain: step.chain, position: found.chain.rules.length + 1, policy: true, step });
      continue;
    }
    const rule = found.chain.rules.find((r) => r.line === step.line);
    if (rule === undefined || rule.target?.kind === 'trace') continue;
    out.push({ table: step.table, chain: step.chain, position: rule.position, policy: false, step });
  }
  return out;
}

/** The first index where the two paths differ (one ending before the other included); null when they agree. */
function firstDifference(kernel: readonly PathPoint[], replay: readonly PathPoint[]): number | null {
  const n = Math.max(kernel.length, replay.length);
  for (let i = 0; i < n; i++) {
    const a = kernel[i];
    const b = replay[i];
    // A trace cut short (a grep, a log rotated) says nothing past its end.
    if (a === undefined) return null;
    if (b === undefined || a.table !== b.table || a.chain !== b.chain || a.position !== b.position) return i;
  }
  return null;
}

function replayOf(node: NodeSnapshot, e: KernelTraceEvent, world: NodeSnapshot[]): { outcomes: Outcome[]; trace: FindingTrace | null } | null {
  const p = e.packet;
  if (p.proto === null || !REPLAYED_PROTOS.has(p.proto) || p.src === null || p.dst === null) return null;
  const local = e.in === null;
  if (local && e.out === null) return null;
  const request: TraceRequest = {
    node: node.name, proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport, follow: false,
    ...(local ? { local: true } : { in: e.in! }),
  };
  let outcomes: Outcome[];
  try {
    outcomes = tracePacket(world, request).outcomes;
  } catch (err) {
    if (err instanceof SimulateError) return null;
    throw err;
  }
  const proto = p.proto as FindingTrace['proto'];
  const src = p.sport === null ? p.src : `${p.src}:${p.sport}`;
  const dst = p.dport === null ? p.dst : `${p.dst}:${p.dport}`;
  return { outcomes, trace: local ? { node: node.name, proto, src, dst, local: true } : { node: node.name, proto, src, dst, in: e.in! } };
}
