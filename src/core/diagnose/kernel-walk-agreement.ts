/**
 * The kernel's traced path of a packet against natlens's replay of the same packet through the node's captured
 * ruleset.
 *
 * The kernel logs a line for every rule that matched (its 1-based position; xtables-monitor: its handle and text)
 * and the policy of every base chain the packet ran to the end of; it never logs the rule that switched tracing on.
 * The replay's steps are read the same way: rules by position, policies as the chain's rule count + 1, `-j TRACE`
 * rules left out. Both are compared over the chains the kernel's walk shows, so a log cut by grep or a trace switched
 * on in a later table is compared only where it speaks. A walk is compared only when it is a connection's first
 * packet (the nat table's chains appear in it), as the replay is of a new connection.
 */
import type { KernelTraceEvent } from '../records/records';
import { tracePacket, SimulateError, type NodeSnapshot, type Outcome, type Step } from '../simulate';
import { replayRequest } from './flow-replay';
import { ruleEvidence, stepEvidence } from './evidence';
import type { FindingEvidence, FindingTrace, ProjectFinding } from './finding';
import { lineEvidence, packetText, ruleAt, traceChainOf, type SourcedEvent } from './kernel-trace-line';

/** One place in netfilter a path went through: a rule by position, or a chain's policy. */
interface PathPoint {
  table: string;
  chain: string;
  /** 1-based rule position; the chain's rule count + 1 for its policy. */
  position: number;
  policy: boolean;
}

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
    const path = replayPath(node, outcome, first.packet.family).filter((p) => chains.has(`${p.table}/${p.chain}`));
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
    const taken = traceChainOf(node, first.packet.family, k.point.table, k.point.chain);
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
    const found = traceChainOf(node, e.packet.family, h.table, h.chain);
    if (found === null) return null;
    if (h.kind === 'policy') {
      out.push({ point: { table: h.table, chain: h.chain, position: found.chain.rules.length + 1, policy: true }, event: e });
      continue;
    }
    const rule = ruleAt(found.chain.rules, h.position, h.ruleText);
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

function replayPath(node: NodeSnapshot, outcome: Outcome, family: 'ipv4' | 'ipv6' | null): Array<PathPoint & { step: Step }> {
  const out: Array<PathPoint & { step: Step }> = [];
  for (const step of outcome.steps) {
    if (step.node !== node.name) continue;
    const found = traceChainOf(node, family, step.table, step.chain);
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

/** The replay of the packet a trace line shows, from where it showed it (its IN interface; local with OUT alone). */
export function replayOf(node: NodeSnapshot, e: KernelTraceEvent, world: NodeSnapshot[]): { outcomes: Outcome[]; trace: FindingTrace } | null {
  const p = e.packet;
  if (p.proto === null || p.src === null || p.dst === null) return null;
  if (e.in === null && e.out === null) return null;
  const { request, trace } = replayRequest(
    p.proto, { node: node.name, packet: { src: p.src, sport: p.sport, dst: p.dst, dport: p.dport } },
    e.in === null ? { kind: 'local', address: p.src } : { kind: 'observed', interface: e.in },
  );
  // A protocol `natlens trace` does not take is not replayed.
  if (trace === null) return null;
  try {
    return { outcomes: tracePacket(world, { ...request, follow: false }).outcomes, trace };
  } catch (err) {
    if (err instanceof SimulateError) return null;
    throw err;
  }
}
