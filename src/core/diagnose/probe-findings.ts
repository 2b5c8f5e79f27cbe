/**
 * A probe the engineer ran (curl, wget, nc, telnet, ping) that failed, tied to its cause: the probe's packet is
 * replayed as the kernel of the node it ran on would send it (`--local`), and the rule, policy or route that
 * stops it is named with the probe's own lines; where the captured rules and routes deliver the packet, that is
 * said, with what lies outside the captures, rather than a guess. An answered probe is no finding.
 */
import { assertNever } from '../common/assert-never';
import type { ProbeOutcome, ProbeRecord } from '../records/records';
import { SimulateError, tracePacket, type NodeSnapshot, type Outcome, type TraceRequest, type TraceResult } from '../simulate';
import { stepEvidence } from './evidence';
import type { FindingEvidence, ProjectFinding } from './finding';
import { routeEvidence, type CaptureFiles } from './flow-findings';
import { replayRequest } from './flow-replay';
import { replayCause, type ReplayCause } from './replay-cause';

/** A stored probe with where it ran and was read from. */
export interface ProbeSubject {
  probe: ProbeRecord;
  node: string;
  /** The network namespace it ran in (`ip netns exec`, `kubectl exec` into a pod); null: the node's own. */
  netns: string | null;
  sourceFile: string;
}

const OUTCOME_WORDS: Readonly<Record<ProbeOutcome, string>> = {
  answered: 'answered',
  refused: 'was refused',
  'timed-out': 'timed out',
  reset: 'was reset',
  unreachable: 'got unreachable',
  'no-route': 'found no route',
  'name-not-resolved': 'could not resolve its target',
  'not-permitted': 'was not permitted',
  failed: 'failed to connect',
  unknown: 'did not say what happened',
};

const endpoint = (ip: string, port: number | null): string => (port === null ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** `curl from node-a to 10.96.0.10:80`; without the node for a title, which names it first. */
function probeLabel(s: ProbeSubject, withNode = true): string {
  const p = s.probe;
  const to = p.dst === null ? p.target : p.dst === p.target ? endpoint(p.dst, p.dport) : `${p.target} (${endpoint(p.dst, p.dport)})`;
  return `${p.tool}${p.proto === 'udp' ? ' (udp)' : ''}${withNode ? ` from ${s.node}` : ''} to ${p.dst === null && p.dport !== null ? `${to}:${p.dport}` : to}`;
}

/** The probe's own output lines, as read. */
function probeEvidence(s: ProbeSubject): FindingEvidence[] {
  return s.probe.evidence.map((e) => ({ source: `${s.sourceFile}:${e.line}`, text: e.text }));
}

/** What the probe's outcome looks like when the replay's cause is real (a DROP times out, a REJECT is refused). */
function agrees(outcome: ProbeOutcome, cause: ReplayCause): boolean {
  switch (cause.kind) {
    case 'no-endpoints':
      return outcome === 'refused' || outcome === 'unreachable' || outcome === 'failed';
    case 'rule':
      return cause.verdict === 'reject' ? ['refused', 'unreachable', 'reset', 'not-permitted', 'failed'].includes(outcome) : ['timed-out', 'not-permitted'].includes(outcome);
    case 'policy':
      return outcome === 'timed-out' || outcome === 'not-permitted';
    case 'route':
      switch (cause.route) {
        // A locally sent packet with no route fails at once; one DNATed in OUTPUT to an unrouted address is lost (a timeout).
        case 'no-route':
          return outcome === 'no-route' || outcome === 'unreachable' || outcome === 'timed-out' || outcome === 'failed';
        case 'unreachable':
          return outcome === 'unreachable' || outcome === 'no-route' || outcome === 'failed';
        case 'prohibit':
          return outcome === 'unreachable' || outcome === 'not-permitted' || outcome === 'failed';
        case 'blackhole':
          return outcome === 'timed-out' || outcome === 'unknown';
        default:
          return assertNever(cause.route);
      }
    // Forwarding off, rp_filter and martian drops are silent: no ICMP error comes back.
    case 'setting':
      return outcome === 'timed-out';
    case 'other':
    case 'passes':
    case 'unknown':
      return true;
  }
}

/** What a delivered packet leaves open, for each symptom: the places the captures do not show. */
function outsideCaptures(p: ProbeRecord, delivered: Outcome): string {
  const to = endpoint(delivered.packet.dst, delivered.packet.dport);
  switch (p.outcome) {
    case 'refused':
      return `nothing listening on ${to}, or a firewall there (in the target's own namespace, not captured) rejecting it`;
    case 'failed':
      return `something answering at once with a refusal or an ICMP error: nothing listening on ${to}, a firewall there rejecting it, or a router on the way without a route (run the probe with -v to see which)`;
    case 'timed-out':
      return `the packet or its answer lost beyond the captured nodes (${to} down or not answering, a firewall on the way, the reply returning by another path without its NAT undone), or state that changed after the captures were taken`;
    case 'reset':
      return `${to} (or a middlebox) resetting the connection after it was made`;
    case 'unreachable':
      return p.reporter !== null
        ? `${p.reporter}, which sent "${p.detail ?? 'unreachable'}": its routes, neighbours (ARP) or rules, if they were not captured`
        : `a router or the target's host sending "${p.detail ?? 'unreachable'}" (its routes, neighbours or rules)`;
    case 'no-route':
    case 'not-permitted':
      return 'the node\'s routes or rules when the probe ran, if they changed after the captures were taken (the captures would have stopped it locally)';
    case 'answered':
    case 'name-not-resolved':
    case 'unknown':
      return 'nothing the probe shows';
  }
}

/**
 * The assumptions the replayed outcome rests on, where they change the outcome (the replay forks into outcomes of
 * different verdicts), as the trace command shows them; '' when every branch ends the same.
 */
function assumptionsText(result: TraceResult, o: Outcome): string {
  if (new Set(result.outcomes.map((x) => x.verdict)).size < 2) return '';
  const on = o.assumptionsOnPath.map((k) => o.assumptions[k]).filter((a) => a !== undefined);
  return on.length === 0 ? '' : ` The replay forks on what the captures do not show; this branch (${Math.round(o.probability * 100)}%) assumes: ${on.map((a) => a.assumed).join('; ')}.`;
}

/** What the replay took as passing because it was not captured (a table never listed): where a delivered probe's cause may be. */
function notCapturedText(o: Outcome): string {
  const about = [...new Set(o.assumptions.map((a) => a.about))];
  return about.length === 0 ? '' : ` Not captured, so taken as letting it pass: ${about.join('; ')}.`;
}

function finding(s: ProbeSubject, kind: 'probe-failed' | 'probe-unexplained', severity: ProjectFinding['severity'], title: string, explanation: string, evidence: FindingEvidence[], extra: Partial<ProjectFinding> = {}): ProjectFinding {
  const p = s.probe;
  return {
    id: `${kind}:${s.node}:${p.tool}:${p.dst ?? p.target}${p.dport === null ? '' : `:${p.dport}`}:${p.outcome}`,
    severity, kind, title, explanation, nodes: [s.node], service: null, flows: [], evidence: [...probeEvidence(s), ...evidence], trace: null, ...extra,
  };
}

/** The probe's packet as the node's kernel would send it; null with the reason when it cannot be replayed. */
function replay(s: ProbeSubject, world: readonly NodeSnapshot[]): { result: TraceResult; request: TraceRequest } | { reason: string } {
  const p = s.probe;
  if (p.dst === null) return { reason: `the output does not show the address ${p.target} resolved to, and natlens replays addresses` };
  // Sent from a pod's (or another) namespace: not the node's own routing and OUTPUT chains.
  if (s.netns !== null) return { reason: `it ran in network namespace ${s.netns}, not in ${s.node}'s own, and natlens replays a node's own packets only (replay the packet as it reaches the node: natlens trace --in IFACE)` };
  if (!world.some((n) => n.name === s.node)) return { reason: `no rules, addresses or routes of ${s.node} were captured` };
  const proto = p.proto === 'icmp' && p.family === 'ipv6' ? 'ipv6-icmp' : p.proto;
  const src = p.via !== null && /^[0-9a-fA-F.:]+$/.test(p.via) && /[.:]/.test(p.via) ? p.via : null;
  const request: TraceRequest = { node: s.node, proto, src, sport: null, dst: p.dst, dport: p.dport, local: true, follow: true };
  try {
    return { result: tracePacket([...world], request), request };
  } catch (e) {
    if (!(e instanceof SimulateError)) throw e;
    // No route to choose a source by: the node's own address lets the replay show that missing route.
    const own = src === null ? globalAddress(world.find((n) => n.name === s.node)!, p.dst) : null;
    if (own === null) return { reason: e.message };
    const retried = { ...request, src: own };
    try {
      return { result: tracePacket([...world], retried), request: retried };
    } catch (again) {
      if (again instanceof SimulateError) return { reason: e.message };
      throw again;
    }
  }
}

/** The node's first global address of `dst`'s family. */
function globalAddress(node: NodeSnapshot, dst: string): string | null {
  const family = dst.includes(':') ? 'ipv6' : 'ipv4';
  for (const i of node.interfaces ?? []) {
    const a = i.addresses.find((x) => x.family === family && (x.scope === null || x.scope === 'global'));
    if (a) return a.cidr.split('/')[0]!;
  }
  return null;
}

/** What the findings of probes are judged against: the nodes' captured state, and the services' cluster IPs. */
export interface ProbeWorld {
  world: readonly NodeSnapshot[];
  files: CaptureFiles;
  /** The service (`namespace/name`) whose cluster IP `address` is, if any. */
  serviceAt(address: string): string | null;
}

/** The finding a failed probe gives; null for an answered probe or one whose output does not say what happened. */
export function probeFinding(s: ProbeSubject, { world, files, serviceAt }: ProbeWorld): ProjectFinding | null {
  const p = s.probe;
  if (p.outcome === 'answered' || p.outcome === 'unknown') return null;
  const label = probeLabel(s);
  const short = probeLabel(s, false);
  const what = `${label} ${OUTCOME_WORDS[p.outcome]}${p.detail !== null ? ` (${p.detail}${p.reporter !== null ? `, from ${p.reporter}` : ''})` : ''}`;
  const service = p.proto === 'icmp' && p.dst !== null ? serviceAt(p.dst) : null;
  if (service !== null && (p.outcome === 'timed-out' || p.outcome === 'unreachable')) {
    return finding(s, 'probe-failed', 'info', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}: ${p.dst} is the cluster IP of ${service}, which answers its service ports only`,
      `${what}. kube-proxy forwards a service's TCP/UDP ports from its cluster IP to the endpoints; no interface holds the cluster IP itself, so a ping to it goes unanswered by design. ` +
        `Probe a service port instead (curl, or nc -zv ${p.dst} PORT).`, [], { service });
  }
  if (p.outcome === 'name-not-resolved') {
    return finding(s, 'probe-unexplained', 'warning', `${s.node}: ${p.tool} could not resolve ${p.target}`,
      `${what}: no packet was sent to the service, so the rules and routes natlens replays are not where it failed. ` +
        'Look at name resolution: the resolver the probe used (/etc/resolv.conf in its namespace), the cluster DNS service and whether it has endpoints.', []);
  }
  const replayed = replay(s, world);
  if ('reason' in replayed) {
    return finding(s, 'probe-unexplained', 'warning', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}; not replayed`,
      `${what}. natlens cannot replay it: ${replayed.reason}. Capture the node's iptables-save, ip addr and ip route next to the probe.`, []);
  }
  const { result, request } = replayed;
  const byName = new Map(world.map((n) => [n.name, n]));
  const cause = replayCause(result);
  const src = result.input.src;
  const { trace } = replayRequest(request.proto, { node: s.node, packet: { src, sport: result.input.sport, dst: p.dst!, dport: p.dport } }, { kind: 'local', address: src });
  const mismatch = agrees(p.outcome, cause) ? '' : ` Note: ${p.outcome === 'refused' ? 'a refusal comes from a REJECT or a closed port, not from what the replay found' : `the replay's cause would not show as "${p.outcome}"`}; the captures may not be the state the probe met.`;
  const how = `Replaying its first packet as ${s.node} sends it (from ${src})`;
  switch (cause.kind) {
    case 'no-endpoints':
      return finding(s, 'probe-failed', 'error', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}: ${cause.service} has no endpoints`,
        `${what}. ${how}, kube-proxy's rule for ${cause.service} rejects it: the service has no ready endpoint.${assumptionsText(result, cause.outcome)}${mismatch} ` +
          'Fix: make the service\'s selector match running, ready pods.',
        [stepEvidence(byName.get(cause.step.node), cause.step)], { service: cause.service, trace, nodes: [...new Set([s.node, cause.step.node])].sort() });
    case 'rule':
    case 'policy': {
      const st = cause.step;
      const rule = cause.kind === 'policy' ? `the ${st.table}/${st.chain} policy DROP` : `a ${st.table}/${st.chain} rule (${st.target})`;
      return finding(s, 'probe-failed', 'error', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}: ${st.node} ${cause.kind === 'policy' ? 'drops it by policy' : `${cause.verdict === 'reject' ? 'rejects' : 'drops'} it`} in ${st.table}/${st.chain}`,
        `${what}. ${how}, ${st.node === s.node ? '' : `on ${st.node} `}${rule} ${cause.kind === 'rule' && cause.verdict === 'reject' ? 'rejects' : 'drops'} it${cause.outcome.reason ? ` (${cause.outcome.reason})` : ''}.${assumptionsText(result, cause.outcome)}${mismatch} ` +
          `Fix: ${cause.kind === 'policy' ? `accept this traffic in ${st.chain} before its policy applies` : 'remove or narrow that rule, or accept this traffic before it'}.`,
        [stepEvidence(byName.get(st.node), st)], { trace, service: cause.outcome.service?.id ?? null, nodes: [...new Set([s.node, st.node])].sort() });
    }
    case 'route': {
      const where = cause.route === 'no-route' ? `has no route to ${cause.dst}` : `routes ${cause.dst} to a ${cause.route} route`;
      const via = cause.outcome.packet.dst !== p.dst ? `, after DNAT to ${endpoint(cause.outcome.packet.dst, cause.outcome.packet.dport)}${cause.outcome.service ? ` for ${cause.outcome.service.id}` : ''}` : '';
      return finding(s, 'probe-failed', 'error', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}: ${cause.node} ${where}`,
        `${what}. ${how}${via}, ${cause.node} ${where}, so the packet goes nowhere.${assumptionsText(result, cause.outcome)}${mismatch} ` +
          `Fix: add a route to ${cause.dst} (its pod or node subnet via the right node or device)${cause.route === 'no-route' ? '' : ` or remove the ${cause.route} route`}.`,
        [
          ...cause.outcome.steps.filter((st) => st.nat?.kind === 'dnat').map((st) => stepEvidence(byName.get(st.node), st)),
          ...(cause.routeText === null ? [] : [routeEvidence(byName.get(cause.node), cause.routeText, files)]),
        ],
        { trace, service: cause.outcome.service?.id ?? null, nodes: [...new Set([s.node, cause.node])].sort() });
    }
    case 'setting': {
      const st = cause.setting;
      const effect = st.effect === 'forwarding-off'
        ? `does not forward it (${st.key} = ${st.value})`
        : st.effect === 'rp-filter'
          ? `drops it by its reverse-path filter on ${st.in} (${st.key} = ${st.value})`
          : `drops it as a martian destination on ${st.in} (${st.key} = ${st.value})`;
      const fix = st.effect === 'forwarding-off'
        ? `turn forwarding on on ${st.node} (\`sysctl -w net.ipv4.ip_forward=1\`, persisted in /etc/sysctl.d/)`
        : st.effect === 'rp-filter'
          ? `make the route back to the source leave ${st.node} by ${st.in}, or set rp_filter to 2 (loose) there`
          : `set net.ipv4.conf.${st.in}.route_localnet=1 on ${st.node} where such traffic is meant`;
      return finding(s, 'probe-failed', 'error', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}: ${st.node} ${effect}`,
        `${what}. ${how}, ${st.node} ${effect} at ${st.source}: the kernel drops it at the routing decision, without an ICMP error.${assumptionsText(result, cause.outcome)}${mismatch} Fix: ${fix}.`,
        [{ source: st.source, text: `${st.key} = ${st.value}` }], { trace, nodes: [...new Set([s.node, st.node])].sort() });
    }
    case 'other':
      return finding(s, 'probe-failed', 'error', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}: the replay stops it too`,
        `${what}. ${how}, it is ${cause.outcome.verdict === 'reject' ? 'rejected' : 'dropped'}: ${cause.outcome.reason ?? cause.outcome.summary}.${assumptionsText(result, cause.outcome)}`, [], { trace });
    case 'passes': {
      const best = result.outcomes.reduce((a, b) => (b.probability > a.probability ? b : a));
      return finding(s, 'probe-unexplained', 'warning', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}, yet the captured rules and routes deliver it`,
        `${what}. The captured rules and routes deliver this packet (${best.summary}); the cause is outside what was captured: ${outsideCaptures(p, best)}.${notCapturedText(best)}`,
        [], { trace, service: best.service?.id ?? null });
    }
    case 'unknown':
      return finding(s, 'probe-unexplained', 'warning', `${s.node}: ${short} ${OUTCOME_WORDS[p.outcome]}; the captures do not decide it`,
        `${what}. ${how}, the captures do not decide its fate: ${cause.reason}.`, [], { trace });
  }
}
