/**
 * Reads a node's captures (its own namespace, or one namespace of it) from the store and composes
 * them (compose-state.ts). Captures stored before scopes were kept get the scope their command and
 * content imply, as an import would give them today.
 */
import { captureScope, type CaptureScope } from '../capture/capture-scope';
import { analyseCommand } from '../capture/transcript/command';
import type { CaptureKind, ParsedCapture } from '../records/records';
import { composeState, type ComposeCapture, type ComposedRulesetSnapshot, type ComposedState } from './compose-state';
import type { CaptureRow, Store } from './store';

export type StatePart = ComposeCapture['part'];

const ALL_PARTS: ReadonlySet<StatePart> = new Set(['interfaces', 'routes', 'ruleset', 'bridges']);
/** Interfaces, routes and bridge ports: what the nodes view shows, without reading rulesets back. */
export const LINK_PARTS: ReadonlySet<StatePart> = new Set(['interfaces', 'routes', 'bridges']);
/** Interfaces and bridge ports: LINK_PARTS without the routes, which only a second route capture can contradict. */
export const INTERFACE_PARTS: ReadonlySet<StatePart> = new Set(['interfaces', 'bridges']);
/** The rulesets alone. */
export const RULESET_PARTS: ReadonlySet<StatePart> = new Set(['ruleset']);

const PART_OF: Partial<Record<CaptureRow['kind'], StatePart>> = {
  'ip-addr': 'interfaces', 'ip-route': 'routes', 'route-table': 'routes', 'iptables-save': 'ruleset', 'iptables-list': 'ruleset', 'nft-ruleset': 'ruleset', bridge: 'bridges',
};

/**
 * Composed states already made on a store, per node, namespace and parts. A stored capture never
 * changes, so a state is reused while the node's captures are the same ones (the same ids, sources and
 * import times: an id a rolled-back import freed and a later one took again is not the same capture).
 * One command reads the same node several times (flows, then the report; every trace of `serve`).
 */
const composed = new WeakMap<Store, Map<string, { nodeId: number; rulesets: boolean; captures: string; state: ComposedState }>>();

export interface NodeStateOptions {
  /** Keep the state made for the next caller (default true); false: one already kept is used, a new one is not kept. */
  keep?: boolean;
  /** Called between the captures read back (each a query): throws to stop, and nothing is kept. */
  cancelPoint?: () => void;
}

/** The composed state of the captures of `nodeId` taken in namespace `netns` (null: the node's own), of the parts asked for. */
export function nodeState(
  store: Store, nodeId: number, netns: string | null = null, parts: ReadonlySet<StatePart> = ALL_PARTS, options: NodeStateOptions = {},
): ComposedState {
  const captures = store.capturesOf(nodeId).filter((c) => c.netns === netns);
  const identity = identityOf(captures);
  const key = `${nodeId}|${netns ?? ''}|${[...parts].sort().join(',')}`;
  let byKey = composed.get(store);
  if (byKey === undefined) composed.set(store, (byKey = new Map()));
  const known = byKey.get(key);
  if (known !== undefined && known.captures === identity) return known.state;
  const state = composeState(composeInputs(store, captures, parts, options.cancelPoint));
  if (options.keep ?? true) byKey.set(key, { nodeId, rulesets: parts.has('ruleset'), captures: identity, state });
  else byKey.delete(key);
  if (netns === null && parts.has('ruleset')) newestOf(store).set(nodeId, { captures: identity, newest: newestSnapshot(store, state.rulesets.filter((r) => r.family === 'ipv4'))?.captures ?? [] });
  return state;
}

/**
 * The captures that make each node's newest IPv4 ruleset snapshot (its own namespace), learnt whenever its rulesets are
 * composed and kept when the state itself is forgotten: a few numbers per node, so the topology need not compose a
 * fleet's rulesets again to know them.
 */
const newestCaptures = new WeakMap<Store, Map<number, { captures: string; newest: readonly number[] }>>();

function newestOf(store: Store): Map<number, { captures: string; newest: readonly number[] }> {
  let byNode = newestCaptures.get(store);
  if (byNode === undefined) newestCaptures.set(store, (byNode = new Map()));
  return byNode;
}

/** The captures making the newest IPv4 ruleset snapshot of the node's own namespace (newestSnapshot); composed, not kept, when not known. */
export function newestRulesetCaptures(store: Store, nodeId: number): readonly number[] {
  const known = newestOf(store).get(nodeId);
  if (known !== undefined && known.captures === identityOf(store.capturesOf(nodeId).filter((c) => c.netns === null))) return known.newest;
  nodeState(store, nodeId, null, RULESET_PARTS, { keep: false });
  return newestOf(store).get(nodeId)?.newest ?? [];
}

function identityOf(captures: readonly CaptureRow[]): string {
  return captures.map((c) => `${c.id}@${c.importedAt}@${c.sourceFile}:${c.firstLine ?? ''}`).join('|');
}

/**
 * Forgets the kept states of `nodeId` that hold its rulesets (their chains' headers: ~3k objects on a kube-proxy
 * node). A pass over every node's rules (findings, a report) has each node's forgotten once done with it
 * (node-world.ts, forgetNodeRules), so it holds one node's at a time; they are composed again when next asked for.
 */
export function forgetRulesetStates(store: Store, nodeId: number): void {
  const byKey = composed.get(store);
  if (byKey === undefined) return;
  for (const [key, kept] of byKey) if (kept.nodeId === nodeId && kept.rulesets) byKey.delete(key);
}

/** `captures` (oldest first) with their records, as composeState takes them; captures that are not node state are left out. */
export function composeInputs(store: Store, captures: readonly CaptureRow[], parts: ReadonlySet<StatePart> = ALL_PARTS, cancelPoint?: () => void): ComposeCapture[] {
  const out: ComposeCapture[] = [];
  // nft's listing of iptables-nft's tables is the reading of last resort: iptables' own (a collector bundle has both)
  // keeps the comments that name services and the extensions nft prints only as `xt match`, so it stands alone.
  const iptablesShown = captures.some((c) => c.kind === 'iptables-save' || c.kind === 'iptables-list');
  for (const c of [...captures].sort((a, b) => a.id - b.id)) {
    const part = PART_OF[c.kind];
    if (part === undefined || !parts.has(part)) continue;
    if (c.kind === 'nft-ruleset' && iptablesShown) continue;
    cancelPoint?.();
    const meta = { id: c.id, kind: c.kind, sourceFile: c.sourceFile, source: c.firstLine === null ? c.sourceFile : `${c.sourceFile}:${c.firstLine}`, changedBy: c.changedBy };
    switch (c.kind) {
      case 'ip-addr': {
        const interfaces = store.interfacesOf(c.id);
        const scope = scopeOf(c, { kind: 'ip-addr', interfaces, takenAt: null });
        if (scope.of === 'interfaces') out.push({ ...meta, part: 'interfaces', scope, interfaces });
        break;
      }
      case 'ip-route':
      case 'route-table': {
        const routes = store.routesOf(c.id, cancelPoint);
        const scope = scopeOf(c, { kind: c.kind, routes, takenAt: null });
        if (scope.of === 'routes') out.push({ ...meta, part: 'routes', scope, routes });
        break;
      }
      case 'iptables-save':
      case 'iptables-list':
      case 'nft-ruleset': {
        const rulesets = store.lazyRulesetsOf(c.id);
        const first = rulesets[0];
        const scope = scopeOf(c, first === undefined ? null : { kind: 'iptables-save', ruleset: first, takenAt: null });
        if (scope.of === 'ruleset') out.push({ ...meta, part: 'ruleset', scope, rulesets });
        break;
      }
      case 'bridge': {
        const ports = store.bridgePortsOf(c.id);
        const scope = scopeOf(c, { kind: 'bridge', ports, takenAt: null });
        if (scope.of === 'bridges') out.push({ ...meta, part: 'bridges', scope, ports });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function scopeOf(c: CaptureRow, parsed: ParsedCapture | null): CaptureScope {
  if (c.scope !== null) return c.scope;
  const command = c.command === null ? null : analyseCommand(c.command);
  const scope = captureScope(c.kind, command, parsed);
  // Before scopes were kept, a capture marked partial without a command that says why was an excerpt.
  if (command === null && c.partial && c.kind === 'iptables-save' && scope.of === 'ruleset') return { ...scope, filtered: true };
  return scope;
}

/**
 * The records of each family from the newest capture of the node's own namespace that holds that family:
 * `ip rule` and `ip -6 rule` are two captures of one kind, and the later one does not replace the other
 * family. Null when no capture of `kind` was taken.
 */
export function newestPerFamily<T extends { family: 'ipv4' | 'ipv6' }>(
  store: Store, nodeId: number, kind: CaptureKind, read: (captureId: number) => T[],
): T[] | null {
  const captures = store.capturesOf(nodeId).filter((c) => c.kind === kind && c.netns === null).sort((a, b) => b.id - a.id);
  if (captures.length === 0) return null;
  const out: T[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    for (const c of captures) {
      const records = read(c.id).filter((r) => r.family === family);
      if (records.length === 0) continue;
      out.push(...records);
      break;
    }
  }
  return out;
}

/** When a snapshot's rules were last seen: the latest time its captures carry (iptables-save's `# Generated ... on`), else null. */
function takenAt(store: Store, snapshot: ComposedRulesetSnapshot): number | null {
  let latest: number | null = null;
  for (const id of snapshot.captures) {
    const at = store.capture(id)?.takenAt;
    const ms = at == null ? NaN : Date.parse(at);
    if (!Number.isNaN(ms) && (latest === null || ms > latest)) latest = ms;
  }
  return latest;
}

/**
 * The snapshot in force last: the last one composed (captures are composed in import order), unless the
 * captures' own clocks say another was taken later. A transcript imported after a node's files may hold
 * the rules from before a change the files show (a rollout), and importing it must not bring them back.
 */
export function newestSnapshot(store: Store, snapshots: readonly ComposedRulesetSnapshot[]): ComposedRulesetSnapshot | null {
  const last = snapshots[snapshots.length - 1];
  if (last === undefined) return null;
  let best = last;
  let bestAt = takenAt(store, last);
  if (bestAt === null) return last;
  for (const s of snapshots) {
    const at = takenAt(store, s);
    if (at !== null && at > bestAt) [best, bestAt] = [s, at];
  }
  return best;
}
