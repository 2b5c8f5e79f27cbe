/** Where a traced packet's walk ended: at a DROP or REJECT rule or a DROP policy, or before INPUT/FORWARD without one. */
import type { NodeSnapshot } from '../simulate';
import { policyEvidence, ruleEvidence } from './evidence';
import type { FindingEvidence, ProjectFinding } from './finding';
import { lineEvidence, packetText, ruleAt, traceChainOf, type SourcedEvent } from './kernel-trace-line';
import { replayOf } from './kernel-walk-agreement';

/** The rule or policy that dropped the packet, when the walk's last line is one. */
export function walkDrop(node: NodeSnapshot | null, nodeName: string, walk: readonly SourcedEvent[]): ProjectFinding | null {
  const last = [...walk].reverse().find((e) => e.hook.kind === 'rule' || e.hook.kind === 'policy');
  if (last === undefined || (last.hook.kind !== 'rule' && last.hook.kind !== 'policy')) return null;
  const h = last.hook;
  const found = node === null ? null : traceChainOf(node, last.packet.family, h.table, h.chain);
  const evidence: FindingEvidence[] = [lineEvidence(last)];
  let what: string;
  if (h.kind === 'policy') {
    const policy = h.verdict?.toUpperCase() ?? found?.chain.policy ?? null;
    if (policy !== 'DROP') return null;
    what = `the ${h.table}/${h.chain} policy (DROP)`;
    if (found && node) evidence.push(policyEvidence(node, found.ruleset, h.table, found.chain));
  } else {
    const rule = found === null ? null : ruleAt(found.chain.rules, h.position, h.ruleText);
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
export function walkLost(node: NodeSnapshot, walk: readonly SourcedEvent[], world: NodeSnapshot[]): ProjectFinding | null {
  const first = walk.find((e) => e.packet.src !== null && e.packet.dst !== null);
  if (first === undefined || first.in === null) return null;
  if (traceChainOf(node, first.packet.family, 'filter', 'INPUT') === null && traceChainOf(node, first.packet.family, 'filter', 'FORWARD') === null) return null;
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
