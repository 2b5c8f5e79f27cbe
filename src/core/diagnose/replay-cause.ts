/**
 * What a replay says stopped a packet: the kube-proxy rule rejecting a service that has no endpoints,
 * another rule or a chain policy, or a route that leads nowhere. Reads the outcome's steps and trail;
 * when the replay forks (random endpoint choice, assumptions), the most likely failing branch speaks.
 */
import type { Outcome, RouteResult, Step, TraceResult } from '../simulate';
import type { SettingDrop } from '../simulate/trace';

const NO_ENDPOINTS = /^(\S+) has no endpoints$/;

export type ReplayCause =
  | { kind: 'no-endpoints'; service: string; step: Step; outcome: Outcome }
  | { kind: 'rule'; verdict: 'drop' | 'reject'; step: Step; outcome: Outcome }
  | { kind: 'policy'; step: Step; outcome: Outcome }
  | { kind: 'route'; node: string; dst: string; route: Exclude<RouteResult['kind'], 'local' | 'unicast' | 'unknown'>; routeText: string | null; outcome: Outcome }
  /** A captured kernel setting (ip_forward, rp_filter, route_localnet) dropped it at the routing decision. */
  | { kind: 'setting'; setting: SettingDrop; outcome: Outcome }
  /** A drop or reject the replay cannot pin on a rule or a route. */
  | { kind: 'other'; outcome: Outcome }
  /** Every outcome is delivered or forwarded: the replay says it should have worked. */
  | { kind: 'passes' }
  /** The captures lack what the replay needs. */
  | { kind: 'unknown'; reason: string };

/** `default/web:http has no endpoints` → `default/web:http`. */
export function serviceWithoutEndpoints(comment: string | null): string | null {
  const m = comment === null ? null : NO_ENDPOINTS.exec(comment.trim());
  return m ? m[1]! : null;
}

function failedRoute(o: Outcome): Extract<ReplayCause, { kind: 'route' }> | null {
  for (let i = o.trail.length - 1; i >= 0; i--) {
    const e = o.trail[i]!;
    if (e.kind !== 'route') continue;
    const kind = e.result.kind;
    if (kind === 'blackhole' || kind === 'unreachable' || kind === 'prohibit' || kind === 'no-route') {
      return { kind: 'route', node: e.node, dst: e.dst, route: kind, routeText: e.route, outcome: o };
    }
    return null;
  }
  return null;
}

export function causeOfOutcome(o: Outcome): ReplayCause {
  if (o.setting !== undefined) return { kind: 'setting', setting: o.setting, outcome: o };
  const last = o.steps.at(-1);
  const stepDecided = last !== undefined && (last.policy ? last.target === 'DROP' : ['DROP', 'REJECT'].includes(last.target));
  if (stepDecided) {
    const service = serviceWithoutEndpoints(last.comment);
    if (service !== null && last.target === 'REJECT') return { kind: 'no-endpoints', service, step: last, outcome: o };
    if (last.policy) return { kind: 'policy', step: last, outcome: o };
    return { kind: 'rule', verdict: o.verdict === 'reject' ? 'reject' : 'drop', step: last, outcome: o };
  }
  return failedRoute(o) ?? { kind: 'other', outcome: o };
}

/** The cause of the replay's most likely failing outcome, `passes` when none fails. */
export function replayCause(result: TraceResult): ReplayCause {
  const failing = result.outcomes.filter((o) => o.verdict === 'drop' || o.verdict === 'reject');
  if (failing.length === 0) {
    const unknown = result.outcomes.find((o) => o.verdict === 'unknown');
    if (unknown && result.outcomes.every((o) => o.verdict === 'unknown')) return { kind: 'unknown', reason: unknown.reason ?? 'the captures do not decide' };
    return { kind: 'passes' };
  }
  const best = failing.reduce((a, b) => (b.probability > a.probability ? b : a));
  return causeOfOutcome(best);
}
