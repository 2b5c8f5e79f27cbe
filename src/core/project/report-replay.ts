/**
 * The replays a report shows: a finding's trace, or one the user ran in the UI, run through the
 * captured rules and routes as `natlens trace` runs it, and kept as the outcomes with their steps
 * and the file:line of each rule. The world is loaded once for all of a report's replays (traceProject
 * loads it per call).
 */
import { ModelError } from '../model/model-error';
import { loadWorld } from './node-world';
import type { Store } from '../model/store';
import { SimulateError, tracePacket, type NodeSnapshot, type Outcome, type Step, type TraceRequest } from '../simulate';
import type { ReportOutcome, ReportReplay, ReportStep } from '../report/report-model';
import { RuleSources } from './rule-sources';

/** Steps listed per outcome; a replay through kube-proxy's chains rarely takes more than 30. */
export const STEP_LIMIT = 60;
/** Outcomes listed per replay (kube-proxy's statistic branches: one per endpoint). */
export const OUTCOME_LIMIT = 8;

export interface ReplayRequest {
  node: string;
  proto: string;
  src: string | null;
  sport: number | null;
  dst: string;
  dport: number | null;
  in: string | null;
  local: boolean;
  /** Continue onto the next captured node (`--follow`). */
  follow: boolean;
  /** A ruleset capture id (`--snapshot`); null: the newest of each node. */
  snapshot: number | null;
  /** `--bridge-nf on|off`; null: assumed on. */
  bridgeNetfilter: boolean | null;
}

/** `10.0.0.1:80`, `[fd00::1]:80`, `fd00::1`, `10.0.0.1` → address and port. */
export function splitEndpoint(text: string): { address: string; port: number | null } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { address: bracketed[1]!, port: bracketed[2] === undefined ? null : Number(bracketed[2]) };
  const v4 = /^([^:]+):(\d+)$/.exec(text);
  return v4 ? { address: v4[1]!, port: Number(v4[2]) } : { address: text, port: null };
}

/** The request as the command that runs it: `natlens trace --node n1 --proto tcp --src ... --dst ... --in eth0`. */
export function traceCommand(r: ReplayRequest): string {
  const end = (address: string, port: number | null): string => (port === null ? address : address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
  return [
    `natlens trace --node ${r.node} --proto ${r.proto}`,
    r.src === null ? null : `--src ${end(r.src, r.sport)}`,
    `--dst ${end(r.dst, r.dport)}`,
    r.local ? '--local' : `--in ${r.in ?? '?'}`,
    r.follow ? '--follow' : null,
    r.snapshot === null ? null : `--snapshot ${r.snapshot}`,
    r.bridgeNetfilter === null ? null : `--bridge-nf ${r.bridgeNetfilter ? 'on' : 'off'}`,
  ].filter((p) => p !== null).join(' ');
}

function natText(s: Step): string | null {
  const n = s.nat;
  if (n === null) return null;
  const end = (addr: string, port: number | null): string => (port === null ? addr : `${addr}:${port}`);
  return n.kind === 'dnat' || n.kind === 'redirect'
    ? `${n.kind.toUpperCase()} ${end(n.before.dst, n.before.dport)} -> ${end(n.after.dst, n.after.dport)}`
    : `${n.kind.toUpperCase()} ${end(n.before.src, n.before.sport)} -> ${end(n.after.src, n.after.sport)}`;
}

export class ReportReplayer {
  /** One world per ruleset snapshot asked for (null: the newest of each node), with where its rules were read. */
  private readonly worlds = new Map<number | null, { world: NodeSnapshot[]; sources: RuleSources }>();

  constructor(private readonly store: Store) {}

  /** The world the replays see: each node's newest captures, or the ruleset snapshot `snapshot` belongs to for its node. */
  world(snapshot: number | null): { world: NodeSnapshot[]; sources: RuleSources } {
    let w = this.worlds.get(snapshot);
    if (w === undefined) {
      const world = loadWorld(this.store, { snapshot });
      this.worlds.set(snapshot, (w = { world, sources: new RuleSources(this.store, world) }));
    }
    return w;
  }

  private stepOf(sources: RuleSources, s: Step): ReportStep {
    const source = s.line === null ? null : sources.sourceOf(s.node, s.table, s.chain, s.line, s.rule);
    return { node: s.node, table: s.table, chain: s.chain, target: s.target, policy: s.policy, rule: s.rule, source, nat: natText(s) };
  }

  private outcomeOf(sources: RuleSources, o: Outcome): ReportOutcome {
    return {
      probability: o.probability,
      verdict: o.verdict,
      summary: o.summary,
      reason: o.reason,
      steps: o.steps.slice(0, STEP_LIMIT).map((s) => this.stepOf(sources, s)),
      stepsOmitted: Math.max(0, o.steps.length - STEP_LIMIT),
      assumptions: o.assumptions.map((a) => `${a.node}: ${a.assumed}${a.source ? ` (${a.source})` : ''}`),
    };
  }

  /** The replay, or what stopped it (an unknown node, an interface the node lacks, not a ruleset snapshot) as its error. */
  replay(r: ReplayRequest): ReportReplay {
    const command = traceCommand(r);
    const request: TraceRequest = {
      node: r.node, proto: r.proto, src: r.src, sport: r.sport, dst: r.dst, dport: r.dport, in: r.local ? null : r.in, local: r.local,
      follow: r.follow, bridgeNetfilter: r.bridgeNetfilter,
    };
    try {
      const { world, sources } = this.world(r.snapshot);
      const result = tracePacket(world, request);
      return {
        command,
        outcomes: result.outcomes.slice(0, OUTCOME_LIMIT).map((o) => this.outcomeOf(sources, o)),
        outcomesOmitted: Math.max(0, result.outcomes.length - OUTCOME_LIMIT),
        error: null,
      };
    } catch (e) {
      if (e instanceof SimulateError) return { command, outcomes: [], outcomesOmitted: 0, error: e.reason };
      if (e instanceof ModelError) return { command, outcomes: [], outcomesOmitted: 0, error: e.reason };
      throw e;
    }
  }
}
