/**
 * Kernel versus trace: each function takes what the kernel left behind (conntrack tuples,
 * rule counters, the client's result) and a trace of the same packet, and lists where they
 * disagree. Tests expect the lists to be empty, so a failure prints the disagreement itself.
 */
import type { ConntrackEntry } from '../../src/core/records/records';
import type { Chain, Rule, Ruleset, TableName } from '../../src/core/netfilter/ruleset';
import type { Outcome, PacketView, Step, TraceResult } from '../../src/core/simulate/trace';
import type { NodeCapture } from './node-capture';
import type { ConnectionResult } from './traffic';

export function packetText(p: PacketView): string {
  return `${p.proto} ${p.src}:${p.sport ?? '-'} → ${p.dst}:${p.dport ?? '-'}`;
}

function tupleText(t: ConntrackEntry['original']): string {
  return `${t.src}:${t.sport ?? '-'} → ${t.dst}:${t.dport ?? '-'}`;
}

/** The conntrack entry whose original direction is this packet. */
export function conntrackOf(capture: NodeCapture, p: PacketView): ConntrackEntry | null {
  return capture.conntrack.find((e) => e.proto === p.proto && e.original.src === p.src && e.original.sport === p.sport
    && e.original.dst === p.dst && e.original.dport === p.dport) ?? null;
}

/** The packet as it leaves the node, read from conntrack: the reply tuple reversed. */
export function kernelAfter(e: ConntrackEntry): PacketView {
  return { proto: e.proto, src: e.reply.dst, sport: e.reply.dport, dst: e.reply.src, dport: e.reply.sport };
}

/** The outcomes that end where the kernel delivered: a `deliver` on the host whose server answered. */
export function outcomesDeliveredTo(result: TraceResult, role: string): Outcome[] {
  return result.outcomes.filter((o) => o.verdict === 'deliver' && o.hops.at(-1)?.node === role);
}

export function probabilitySum(result: TraceResult): number {
  return result.outcomes.reduce((n, o) => n + o.probability, 0);
}

/**
 * At every hop through a node whose conntrack table has the connection, the trace's rewrite must
 * be conntrack's: hop.after equals the reply tuple reversed. A node the packet crossed without
 * leaving a conntrack entry is a disagreement too (the kernel never saw it there).
 */
export function natDisagreements(outcome: Outcome, captures: Map<string, NodeCapture>, nodeRoles: string[]): string[] {
  const problems: string[] = [];
  for (const hop of outcome.hops) {
    if (!nodeRoles.includes(hop.node)) continue;
    const capture = captures.get(hop.node);
    if (capture === undefined) continue;
    const entry = conntrackOf(capture, hop.before);
    if (entry === null) {
      const seen = capture.conntrack.filter((e) => e.proto === hop.before.proto).map((e) => tupleText(e.original));
      problems.push(`${hop.node}: the trace passes ${packetText(hop.before)} through it, but its conntrack has no such connection (it has: ${seen.join('; ') || 'none'})`);
      continue;
    }
    const kernel = kernelAfter(entry);
    if (packetText(kernel) !== packetText(hop.after)) {
      problems.push(`${hop.node}: ${packetText(hop.before)} leaves as ${packetText(kernel)} in the kernel (conntrack reply ${tupleText(entry.reply)}), the trace says ${packetText(hop.after)}`);
    }
  }
  return problems;
}

function chainOf(ruleset: Ruleset, table: string, chain: string): Chain | null {
  return ruleset.tables.find((t) => t.name === table)?.chains.find((c) => c.name === chain) ?? null;
}

function ruleOf(ruleset: Ruleset, step: Step): Rule | null {
  const chain = chainOf(ruleset, step.table, step.chain);
  if (chain === null) return null;
  return chain.rules.find((r) => step.line !== null && r.line === step.line) ?? chain.rules.find((r) => r.text === step.rule) ?? null;
}

/** Every rule (and chain policy) on the outcome's path must have counted packets in the kernel. */
export function uncountedSteps(outcome: Outcome, captures: Map<string, NodeCapture>): string[] {
  const problems: string[] = [];
  for (const step of outcome.steps) {
    const ruleset = captures.get(step.node)?.ruleset ?? null;
    if (ruleset === null) continue;
    if (step.policy) {
      const chain = chainOf(ruleset, step.table, step.chain);
      if ((chain?.counters?.packets ?? 0) === 0) problems.push(`${step.node} ${step.table} ${step.chain} policy ${step.target}: the trace ends here, the kernel's policy counter is ${chain?.counters?.packets ?? 'missing'}`);
      continue;
    }
    const rule = ruleOf(ruleset, step);
    if (rule === null) problems.push(`${step.node} ${step.table}: the trace's rule "${step.rule}" is not in the captured ruleset`);
    else if ((rule.counters?.packets ?? 0) === 0) problems.push(`${step.node} ${step.table}: "${rule.text}" is on the trace's path but counted no packet`);
  }
  return problems;
}

/** Rules whose counters can only move for the lab's own service traffic (IGMP and the like never reach them). */
function serviceRule(chain: Chain, rule: Rule): boolean {
  if (/^KUBE-(SVC|SEP|EXT|SVL|FW)-/.test(chain.name) || chain.name === 'KUBE-NODEPORTS' || chain.name === 'KUBE-MARK-MASQ') return true;
  const t = rule.target?.kind;
  return t === 'dnat' || t === 'snat' || t === 'masquerade' || t === 'redirect' || (t === 'mark' && chain.name !== 'KUBE-POSTROUTING');
}

/**
 * The converse: nat service rules the kernel counted packets on that no traced outcome (of the
 * connections the kernel actually made) passes. The lab sends nothing else, so each one is a
 * rule the kernel applied and the simulator did not.
 */
export function unpredictedNatHits(chosen: Outcome[], captures: Map<string, NodeCapture>, nodeRoles: string[]): string[] {
  const predicted = new Set<string>();
  for (const o of chosen) for (const s of o.steps) if (s.kind === 'rule') predicted.add(`${s.node}|${s.table}|${s.chain}|${s.line ?? s.rule}`);
  const problems: string[] = [];
  for (const role of nodeRoles) {
    const ruleset = captures.get(role)?.ruleset;
    const nat = ruleset?.tables.find((t) => t.name === ('nat' satisfies TableName));
    if (nat === undefined) continue;
    for (const chain of nat.chains) {
      for (const rule of chain.rules) {
        if ((rule.counters?.packets ?? 0) === 0 || !serviceRule(chain, rule)) continue;
        if (!predicted.has(`${role}|nat|${chain.name}|${rule.line}`) && !predicted.has(`${role}|nat|${chain.name}|${rule.text}`)) {
          problems.push(`${role}: the kernel counted ${rule.counters?.packets} packet(s) on "${rule.text}", no traced path goes through it`);
        }
      }
    }
  }
  return problems;
}

/** Interfaces a node's mangle counting rules (`-o DEV ... --ctdir ORIGINAL`, no target) saw original-direction TCP leave by. */
export function kernelEgress(capture: NodeCapture): Set<string> {
  const out = new Set<string>();
  const chain = capture.ruleset === null ? null : chainOf(capture.ruleset, 'mangle', 'POSTROUTING');
  for (const rule of chain?.rules ?? []) {
    const dev = rule.matches.find((m) => m.kind === 'out-interface');
    if (rule.target === null && dev?.kind === 'out-interface' && (rule.counters?.packets ?? 0) > 0) out.add(dev.name);
  }
  return out;
}

/** Per node: the interfaces the chosen outcomes leave by, against the kernel's counting rules. */
export function egressDisagreements(chosen: Outcome[], captures: Map<string, NodeCapture>, nodeRoles: string[]): string[] {
  const problems: string[] = [];
  for (const role of nodeRoles) {
    const capture = captures.get(role);
    if (capture === undefined) continue;
    const kernel = [...kernelEgress(capture)].sort();
    const traced = [...new Set(chosen.flatMap((o) => o.hops.filter((h) => h.node === role && h.out !== null).map((h) => h.out ?? '')))].sort();
    if (kernel.join(',') !== traced.join(',')) {
      problems.push(`${role}: original-direction TCP left by [${kernel.join(', ')}] in the kernel, the trace has it leave by [${traced.join(', ')}]`);
    }
  }
  return problems;
}

/** One line for a failing expectation: what the client saw. */
export function resultText(r: ConnectionResult): string {
  return r.result === 'reply' ? `answered by ${r.reply} (from ${r.src})` : `${r.result}: ${r.error}`;
}
