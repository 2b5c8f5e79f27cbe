/**
 * A node's state composed from all its captures in order, each replacing only what it covers
 * (capture-scope.ts): a full `ip addr` replaces the interfaces, `ip addr show lo` only lo; a whole
 * ruleset replaces the ruleset, a table listing one table, a chain listing one chain, and a grep only
 * adds the rules it shows. Where two captures of the same thing disagree both are kept in a conflict
 * and the later one is used. Rulesets form snapshots: a new one starts only where the captures show the
 * rules changed (a state-changing command typed in between, or a later capture that differs on fields
 * both show). Pure: no SQL, no I/O.
 */
import type { CaptureScope } from '../capture/capture-scope';
import { changes } from '../capture/transcript/command-selection';
import type { StateChangeNote } from '../capture/capture-unit';
import type { BridgePortRecord, CaptureKind, InterfaceRecord, RouteRecord } from '../records/records';
import { assertNever } from '../common/assert-never';
import { parseCidr } from '../common/ip';
import { isNamedGateway, namedDestinationPrefix } from '../records/route-names';
import { defineLazy } from '../common/lazy-property';
import { UNKNOWN_CHAIN } from '../capture/iptables/iptables-list';
import { attachChainIndex, chainsOnDemand } from '../netfilter/chain-index';
import { chainsAgree, hiddenBetween, hiddenCount, ruleKey, type ShownChain } from '../netfilter/rule-key';
import { TABLE_NAMES, type Chain, type Ruleset, type Table, type TableName } from '../netfilter/ruleset';
import type { StateConflict } from '../views/nodes';
import type { RulesetSnapshotStart } from '../views/rulesets';

type ScopeOf<K extends CaptureScope['of']> = Extract<CaptureScope, { of: K }>;

interface CaptureMeta {
  id: number;
  kind: CaptureKind;
  /** The file the capture's records' lines refer to. */
  sourceFile: string;
  /** `file:line` of the capture. */
  source: string;
  changedBy: readonly StateChangeNote[];
}

export type ComposeCapture = CaptureMeta &
  (
    | { part: 'interfaces'; scope: ScopeOf<'interfaces'>; interfaces: readonly InterfaceRecord[] }
    | { part: 'routes'; scope: ScopeOf<'routes'>; routes: readonly RouteRecord[] }
    | { part: 'ruleset'; scope: ScopeOf<'ruleset'>; rulesets: readonly Ruleset[] }
    | { part: 'bridges'; scope: ScopeOf<'bridges'>; ports: readonly BridgePortRecord[] }
  );

export interface ComposedInterface extends InterfaceRecord {
  captureId: number;
  sourceFile: string;
  /** 'bridge': only a bridge capture (`brctl show`, `bridge link`) showed it, as a port or a bridge. */
  knownFrom: 'addresses' | 'bridge';
}

export interface ComposedBridgePort extends BridgePortRecord {
  captureId: number;
  sourceFile: string;
}

export interface ComposedRoute extends RouteRecord {
  captureId: number;
  sourceFile: string;
}

export type { RulesetSnapshotStart };

export interface ComposedRulesetSnapshot {
  family: 'ipv4' | 'ipv6';
  ruleset: Ruleset;
  /** The captures that make it, in order; the first opened it. */
  captures: number[];
  startedBy: RulesetSnapshotStart;
  /** `table/chain` of every chain whose rules are known in full (shown whole, or its table shown whole). */
  knownChains: string[];
  /** Tables shown whole: a chain of them not in `ruleset` does not exist. */
  wholeTables: TableName[];
}

export type { StateConflict };

export interface ComposedState {
  /** Null when no capture showed any interface. */
  interfaces: ComposedInterface[] | null;
  /** Some capture listed every interface (`ip addr`, `ifconfig -a`), not just some of them. */
  interfacesComplete: boolean;
  routes: ComposedRoute[] | null;
  /** The bridge ports of all bridge captures, each replacing the bridges it covers. */
  bridgePorts: ComposedBridgePort[];
  /** Every snapshot of each family, oldest first. */
  rulesets: ComposedRulesetSnapshot[];
  conflicts: StateConflict[];
}

export function composeState(captures: readonly ComposeCapture[]): ComposedState {
  const conflicts: StateConflict[] = [];
  const interfaces = new InterfaceState(conflicts);
  const routes = new RouteState(conflicts);
  const rulesets = new RulesetComposer();
  const bridges: Array<Extract<ComposeCapture, { part: 'bridges' }>> = [];
  for (const c of captures) {
    switch (c.part) {
      case 'interfaces':
        interfaces.apply(c);
        break;
      case 'routes':
        routes.apply(c);
        break;
      case 'ruleset':
        rulesets.apply(c);
        break;
      case 'bridges':
        bridges.push(c);
        break;
      default:
        assertNever(c);
    }
  }
  const bridgePorts = composeBridgePorts(bridges);
  interfaces.addBridgePorts(bridgePorts, conflicts);
  return {
    interfaces: interfaces.list(),
    interfacesComplete: interfaces.complete,
    routes: routes.list(),
    bridgePorts,
    rulesets: rulesets.snapshots(),
    conflicts,
  };
}

// ---- interfaces ------------------------------------------------------------------------------

function addressText(i: InterfaceRecord, family: 'ipv4' | 'ipv6' | null): string {
  const cidrs = i.addresses.filter((a) => family === null || a.family === family).map((a) => a.cidr).sort();
  return cidrs.length === 0 ? 'no address' : cidrs.join(' ');
}

class InterfaceState {
  private readonly byName = new Map<string, ComposedInterface>();
  private seen = false;
  complete = false;

  constructor(private readonly conflicts: StateConflict[]) {}

  apply(c: Extract<ComposeCapture, { part: 'interfaces' }>): void {
    const { scope } = c;
    this.seen = true;
    const changed = c.changedBy.some((n) => changes(n.changes, 'interfaces'));
    const whole = scope.interfaces === 'all' && !scope.filtered;
    if (whole) {
      this.complete = true;
      for (const [name, known] of this.byName) {
        if (known.knownFrom === 'addresses' && !c.interfaces.some((i) => i.name === name) && !changed) {
          this.conflict(known, c, name, addressText(known, null), 'not listed', 'the later listing, which shows every interface');
        }
      }
      const previous = new Map(this.byName);
      this.byName.clear();
      for (const i of c.interfaces) this.byName.set(i.name, this.merged(previous.get(i.name), i, c, changed));
      return;
    }
    for (const i of c.interfaces) this.byName.set(i.name, this.merged(this.byName.get(i.name), i, c, changed));
  }

  /** `next` as captured by `c` over what was known: only the addresses `c` shows replace the known ones. */
  private merged(known: ComposedInterface | undefined, next: InterfaceRecord, c: Extract<ComposeCapture, { part: 'interfaces' }>, changed: boolean): ComposedInterface {
    const { scope } = c;
    // The kernel numbers an interface once: another index under the same name is another interface (deleted and
    // made again, or a lab reset with the same host name), so nothing of the earlier one carries over to it.
    if (known !== undefined && known.index !== null && next.index !== null && known.index !== next.index) {
      this.conflict(known, c, next.name, `index ${known.index}: ${addressText(known, null)}`, `index ${next.index}: ${addressText(next, null)}`, 'the later capture (another interface under the same name)');
      known = undefined;
    }
    const shownFamily = scope.addresses === 'ipv4' || scope.addresses === 'ipv6' ? scope.addresses : null;
    let addresses = next.addresses;
    if (known !== undefined) {
      if (scope.addresses === 'none') addresses = known.addresses;
      else if (scope.filtered) addresses = [...known.addresses, ...next.addresses.filter((a) => !known.addresses.some((k) => k.cidr === a.cidr))];
      else if (shownFamily !== null) addresses = [...known.addresses.filter((a) => a.family !== shownFamily), ...next.addresses];
      if (scope.addresses !== 'none' && !scope.filtered && !changed && known.knownFrom === 'addresses') {
        const before = addressText(known, shownFamily);
        const after = addressText(next, shownFamily);
        if (before !== after) this.conflict(known, c, next.name, before, after, 'the later capture');
      }
    }
    return {
      ...next,
      index: next.index ?? known?.index ?? null,
      peer: next.peer ?? known?.peer ?? null,
      linkNetns: next.linkNetns ?? known?.linkNetns ?? null,
      mtu: next.mtu ?? known?.mtu ?? null,
      state: next.state ?? known?.state ?? null,
      master: next.master ?? known?.master ?? null,
      linkType: next.linkType ?? known?.linkType ?? null,
      mac: next.mac ?? known?.mac ?? null,
      flags: next.flags.length > 0 ? next.flags : known?.flags ?? [],
      addresses,
      captureId: c.id,
      sourceFile: c.sourceFile,
      knownFrom: 'addresses',
    };
  }

  private conflict(known: ComposedInterface, c: CaptureMeta, name: string, before: string, after: string, resolution: string): void {
    this.conflicts.push({
      about: 'interface', subject: name, captures: [known.captureId, c.id], sources: [`${known.sourceFile}:${known.line}`, c.source],
      says: [before, after], resolution: `using ${resolution}`,
    });
  }

  /** Bridge ports are interfaces of the node (master set), even where no address capture listed them. */
  addBridgePorts(ports: readonly ComposedBridgePort[], conflicts: StateConflict[]): void {
    for (const p of ports) {
      this.seen = true;
      for (const name of [p.bridge, p.port]) {
        if (this.byName.has(name)) continue;
        this.byName.set(name, {
          name, index: null, peer: null, linkNetns: null, flags: [], mtu: null, state: null, master: name === p.port ? p.bridge : null,
          linkType: null, mac: null, addresses: [], line: p.line, captureId: p.captureId, sourceFile: p.sourceFile, knownFrom: 'bridge',
        });
      }
      const port = this.byName.get(p.port)!;
      if (port.master === null) this.byName.set(p.port, { ...port, master: p.bridge });
      else if (port.master !== p.bridge) {
        conflicts.push({
          about: 'bridge-port', subject: p.port, captures: [port.captureId, p.captureId],
          sources: [`${port.sourceFile}:${port.line}`, `${p.sourceFile}:${p.line}`], says: [`master ${port.master}`, `port of ${p.bridge}`],
          resolution: `using master ${port.master} from the address capture`,
        });
      }
    }
  }

  list(): ComposedInterface[] | null {
    return this.seen ? [...this.byName.values()] : null;
  }
}

/** The bridge ports all bridge captures show, each capture replacing the bridges it covers. */
function composeBridgePorts(captures: ReadonlyArray<Extract<ComposeCapture, { part: 'bridges' }>>): ComposedBridgePort[] {
  let ports: ComposedBridgePort[] = [];
  for (const c of captures) {
    const mine = c.ports.map((p) => ({ ...p, captureId: c.id, sourceFile: c.sourceFile }));
    if (c.scope.filtered) {
      ports.push(...mine.filter((p) => !ports.some((q) => q.bridge === p.bridge && q.port === p.port)));
    } else {
      const covered = c.scope.bridges;
      ports = [...ports.filter((p) => covered !== 'all' && !covered.includes(p.bridge)), ...mine];
    }
  }
  return ports;
}

// ---- routes ------------------------------------------------------------------------------------

/**
 * A route whose destination one capture named (`route` without -n: `link-local/16`) and another gave as an address:
 * the same route when the prefix length, table, type and device agree (the name hides only the network).
 */
function sameNamedRoute(a: RouteRecord, b: RouteRecord): boolean {
  const namedA = namedDestinationPrefix(a.dst);
  const namedB = namedDestinationPrefix(b.dst);
  // Both named: their names are compared as text (routeKey).
  if ((namedA === null) === (namedB === null)) return false;
  if (a.family !== b.family || a.table !== b.table || a.type !== b.type || a.dev !== b.dev) return false;
  const numeric = namedA === null ? a : b;
  const prefix = parseCidr(numeric.dst)?.prefixLength ?? null;
  return prefix !== null && prefix === (namedA ?? namedB);
}

function routeKey(r: RouteRecord): string {
  // route -n prints metric 0 where ip route prints none: the same route.
  const metric = r.metric ?? (r.family === 'ipv4' ? 0 : 1024);
  return `${routeKeyWithoutMetric(r)} ${metric}`;
}

function routeKeyWithoutMetric(r: RouteRecord): string {
  const dst = r.dst === '0.0.0.0/0' || r.dst === '::/0' ? 'default' : r.dst;
  return `${r.family} ${r.table} ${r.type} ${dst}`;
}

function routeSays(r: RouteRecord): string {
  return [r.dst, r.via ? `via ${r.via}` : null, r.dev ? `dev ${r.dev}` : null].filter((x) => x !== null).join(' ');
}

/** The same gateway, or one a capture only named (`route` without -n: `_gateway`) beside another's address. */
function routesAgree(a: RouteRecord, b: RouteRecord): boolean {
  const via = (a.via ?? null) === (b.via ?? null) || (a.via !== null && b.via !== null && (isNamedGateway(a.via) || isNamedGateway(b.via)));
  return via && (a.dev === null || b.dev === null || a.dev === b.dev);
}

/** ip route's record over route -n's: it shows src, proto and scope, which route -n does not; an address over a name. */
function richer(a: ComposedRoute, b: ComposedRoute): ComposedRoute {
  const score = (r: ComposedRoute): number =>
    (r.src !== null ? 1 : 0) + (r.proto !== null ? 1 : 0) + (r.scope !== null ? 1 : 0) -
    (isNamedGateway(r.via) ? 4 : 0) - (namedDestinationPrefix(r.dst) !== null ? 4 : 0);
  return score(a) > score(b) ? { ...a, flags: a.flags.length > 0 ? a.flags : b.flags } : b;
}

function inScope(r: RouteRecord, scope: ScopeOf<'routes'>): boolean {
  if (r.family !== scope.family) return false;
  switch (scope.routes.kind) {
    case 'all':
      return true;
    case 'table':
      return r.table === scope.routes.table;
    case 'lookup':
      return false;
    default:
      return assertNever(scope.routes);
  }
}

class RouteState {
  private routes: ComposedRoute[] = [];
  private seen = false;
  /** The kind of each capture that gave a route: ip route and route -n are two views of one table. */
  private readonly kinds = new Map<number, CaptureKind>();

  constructor(private readonly conflicts: StateConflict[]) {}

  apply(c: Extract<ComposeCapture, { part: 'routes' }>): void {
    const { scope } = c;
    // `ip route get` answers for one address: it is no table, and adds no route to one.
    if (scope.routes.kind === 'lookup') return;
    this.seen = true;
    this.kinds.set(c.id, c.kind);
    const mine: ComposedRoute[] = c.routes.map((r) => ({ ...r, captureId: c.id, sourceFile: c.sourceFile }));
    const changed = c.changedBy.some((n) => changes(n.changes, 'routes'));
    const same = (k: ComposedRoute, r: ComposedRoute): boolean => this.sameRoute(k, r, c.kind);
    if (scope.filtered) {
      for (const r of mine) {
        const i = this.routes.findIndex((k) => same(k, r));
        if (i < 0) this.routes.push(r);
        else if (routesAgree(this.routes[i]!, r)) this.routes[i] = richer(this.routes[i]!, r);
        else this.disagree(this.routes[i]!, r, c, changed, i);
      }
      return;
    }
    const kept = this.routes.filter((r) => !inScope(r, scope));
    const next: ComposedRoute[] = [];
    for (const r of mine) {
      const known = this.routes.find((k) => inScope(k, scope) && same(k, r));
      if (known === undefined) next.push(r);
      else if (routesAgree(known, r)) next.push(richer(known, r));
      else {
        next.push(r);
        if (!changed) this.conflict(known, r, c, 'using the later capture');
      }
    }
    for (const known of this.routes) {
      if (!inScope(known, scope) || mine.some((r) => same(known, r))) continue;
      if (changed || known.captureId === c.id) continue;
      // Another tool's listing of the same table (route -n after ip route) is a second view of it, not a later
      // state: a route one shows and the other does not is kept, and said.
      const otherTool = this.kindOf(known) !== c.kind;
      if (otherTool) next.push(known);
      this.conflict(known, null, c, otherTool ? 'kept: another tool listed the same table' : 'dropped: the later listing of the whole table replaces it');
    }
    this.routes = [...kept, ...next];
  }

  private kindOf(r: ComposedRoute): CaptureKind | undefined {
    return this.kinds.get(r.captureId);
  }

  /**
   * One route in two captures. `netstat -rn` prints no Metric column (MSS, Window and irtt instead), so a route
   * table's route without a metric matches whatever metric ip route gives the same destination.
   */
  private sameRoute(known: ComposedRoute, r: ComposedRoute, kindOfR: CaptureKind): boolean {
    if (routeKey(known) === routeKey(r)) return true;
    const metricless = (this.kindOf(known) === 'route-table' && known.metric === null) || (kindOfR === 'route-table' && r.metric === null);
    if (sameNamedRoute(known, r)) return metricless || (known.metric ?? 0) === (r.metric ?? 0);
    if (routeKeyWithoutMetric(known) !== routeKeyWithoutMetric(r)) return false;
    return metricless;
  }

  private disagree(known: ComposedRoute, r: ComposedRoute, c: CaptureMeta, changed: boolean, i: number): void {
    this.routes[i] = r;
    if (!changed) this.conflict(known, r, c, 'using the later capture');
  }

  private conflict(known: ComposedRoute, next: ComposedRoute | null, c: CaptureMeta, resolution: string): void {
    this.conflicts.push({
      about: 'route', subject: `${known.table} ${known.dst}`, captures: [known.captureId, c.id],
      sources: [`${known.sourceFile}:${known.line}`, next === null ? c.source : `${next.sourceFile}:${next.line}`],
      says: [routeSays(known), next === null ? 'not listed' : routeSays(next)], resolution,
    });
  }

  list(): ComposedRoute[] | null {
    return this.seen ? this.routes : null;
  }
}

// ---- rulesets ----------------------------------------------------------------------------------

interface ChainState extends ShownChain {
  /** Every rule of it was shown (not a grep's excerpt). */
  full: boolean;
  countersShown: boolean;
}

interface TableState {
  name: TableName;
  line: number;
  /** Shown whole: a chain not in `chains` does not exist. */
  whole: boolean;
  chains: Map<string, ChainState>;
}

/**
 * A table a capture showed whole into a snapshot that knew nothing of it, whose chains are made on demand
 * (lazy-rulesets.ts): kept as that table until something asks for its chains' states (a later capture, a copy of the
 * snapshot), so a trace of a kube-proxy node does not make ~60k chains and their states. Its `chains` are then what
 * applyRuleset would have made: each chain's state, in order.
 */
class ShownTable implements TableState {
  readonly name: TableName;
  line: number;
  whole = true;
  #chains: Map<string, ChainState> | null = null;
  #unit: { table: Table; ruleset: Ruleset } | null;

  constructor(table: Table, ruleset: Ruleset) {
    this.name = table.name;
    this.line = table.line;
    this.#unit = { table, ruleset };
  }

  /** The table as shown, while no chain state was asked for. */
  get unit(): { table: Table; ruleset: Ruleset } | null {
    return this.#unit;
  }

  get chains(): Map<string, ChainState> {
    if (this.#chains === null) {
      const { table, ruleset } = this.#unit!;
      const chains = new Map<string, ChainState>();
      for (const ch of table.chains) chains.set(ch.name, chainStateOf(ch, ruleset, true));
      this.#chains = chains;
      this.#unit = null;
    }
    return this.#chains;
  }

  set chains(chains: Map<string, ChainState>) {
    this.#chains = chains;
    this.#unit = null;
  }
}

interface Snapshot {
  family: 'ipv4' | 'ipv6';
  tables: Map<TableName, TableState>;
  /** A whole ruleset was shown: a table not in `tables` is empty. */
  wholeRuleset: boolean;
  captures: number[];
  startedBy: RulesetSnapshotStart;
}

function cloneSnapshot(s: Snapshot, startedBy: RulesetSnapshotStart): Snapshot {
  const tables = new Map<TableName, TableState>();
  for (const [name, t] of s.tables) tables.set(name, { ...t, chains: new Map(t.chains) });
  return { family: s.family, tables, wholeRuleset: s.wholeRuleset, captures: [], startedBy };
}

function chainStateOf(chain: Chain, ruleset: Ruleset, full: boolean): ChainState {
  return { chain, full, interfacesShown: ruleset.origin.interfacesShown, countersShown: ruleset.origin.countersShown, format: ruleset.origin.format };
}

/** Of two captures of a chain that agree, the one showing more (interfaces, numeric addresses), else the later (fresher counters). */
function better(known: ChainState, next: ChainState): ChainState {
  return hiddenCount(known) < hiddenCount(next) ? known : next;
}

class RulesetComposer {
  /** Every snapshot in the order it was opened. */
  private readonly all: Snapshot[] = [];
  private readonly current = new Map<'ipv4' | 'ipv6', Snapshot>();

  apply(c: Extract<ComposeCapture, { part: 'ruleset' }>): void {
    const notes = c.changedBy.filter((n) => changes(n.changes, 'rules'));
    for (const ruleset of c.rulesets) {
      let snap = this.current.get(ruleset.family);
      if (snap === undefined) {
        snap = { family: ruleset.family, tables: new Map(), wholeRuleset: false, captures: [], startedBy: { kind: 'first' } };
        this.open(snap);
      } else if (notes.length > 0 && snap.captures.length > 0) {
        snap = this.open(cloneSnapshot(snap, { kind: 'command', notes }));
      }
      // A snapshot's first capture has nothing to differ from.
      const differs = snap.captures.length > 0 ? differences(snap, c.scope, ruleset) : [];
      if (differs.length > 0) snap = this.open(cloneSnapshot(snap, { kind: 'differs', chains: differs }));
      applyRuleset(snap, c.scope, ruleset);
      snap.captures.push(c.id);
    }
  }

  private open(s: Snapshot): Snapshot {
    this.all.push(s);
    this.current.set(s.family, s);
    return s;
  }

  snapshots(): ComposedRulesetSnapshot[] {
    return this.all.map(finish);
  }
}

const chainName = (table: TableName, chain: string): string => `${table}/${chain}`;

/** The tables (with the chains of each) a capture covers in full, given its scope and what it shows. */
function coverage(scope: ScopeOf<'ruleset'>, ruleset: Ruleset, snap: Snapshot): Array<{ table: TableName; chains: 'all' | string[] }> {
  const { part } = scope;
  switch (part.kind) {
    case 'whole':
      return [...new Set([...ruleset.tables.map((t) => t.name), ...snap.tables.keys()])].map((table) => ({ table, chains: 'all' as const }));
    case 'tables':
      return part.tables.map((table) => ({ table, chains: 'all' as const }));
    case 'chains': {
      const shown = ruleset.tables.find((t) => t.name === part.table)?.chains.map((ch) => ch.name) ?? [];
      return [{ table: part.table, chains: [...new Set([...part.chains, ...shown])] }];
    }
    default:
      return assertNever(part);
  }
}

/** The chains where `ruleset` (of a capture with `scope`) shows something other than what `snap` knows. */
function differences(snap: Snapshot, scope: ScopeOf<'ruleset'>, ruleset: Ruleset): string[] {
  const out: string[] = [];
  if (scope.filtered) {
    for (const t of ruleset.tables) {
      const known = snap.tables.get(t.name);
      for (const ch of t.chains) {
        if (ch.name === UNKNOWN_CHAIN) {
          if (known !== undefined && unplaced(known, ch, ruleset).length > 0 && [...known.chains.values()].every((k) => k.full) && known.whole) out.push(chainName(t.name, ch.name));
          continue;
        }
        const k = known?.chains.get(ch.name);
        const next = chainStateOf(ch, ruleset, false);
        if (k?.full) {
          const hidden = hiddenBetween(k, next);
          const keys = new Set(k.chain.rules.map((r) => ruleKey(ch.name, r, hidden)));
          if (ch.rules.some((r) => !keys.has(ruleKey(ch.name, r, hidden)))) out.push(chainName(t.name, ch.name));
        } else if (k === undefined && known?.whole && ch.rules.length > 0) {
          out.push(chainName(t.name, ch.name));
        }
      }
    }
    return out;
  }
  for (const { table, chains } of coverage(scope, ruleset, snap)) {
    const known = snap.tables.get(table);
    const shown = new Map((ruleset.tables.find((t) => t.name === table)?.chains ?? []).map((c) => [c.name, c]));
    const names = chains === 'all' ? new Set([...(known?.chains.keys() ?? []), ...shown.keys()]) : new Set(chains);
    for (const name of names) {
      const k = known?.chains.get(name);
      const ch = shown.get(name);
      if (k !== undefined && k.full && ch !== undefined) {
        if (!chainsAgree(k, chainStateOf(ch, ruleset, true))) out.push(chainName(table, name));
      } else if (k !== undefined && k.full && ch === undefined) {
        // Shown whole without it: removed. A chain asked for by name and not printed says nothing.
        if (chains === 'all') out.push(chainName(table, name));
      } else if (k === undefined && ch !== undefined && (known?.whole || (known === undefined && snap.wholeRuleset))) {
        if (ch.rules.length > 0 || !ch.builtin) out.push(chainName(table, name));
      }
    }
  }
  return out;
}

/** Rules of `ch` (a grep's lines whose chain is not shown) found in no chain of `table`, on the fields both show. */
function unplaced(table: TableState, ch: Chain, ruleset: Ruleset): Chain['rules'] {
  const next = chainStateOf(ch, ruleset, false);
  return ch.rules.filter((r) =>
    ![...table.chains.values()].some((k) => {
      const hidden = hiddenBetween(k, next);
      const key = ruleKey(UNKNOWN_CHAIN, r, hidden);
      return k.chain.rules.some((x) => ruleKey(UNKNOWN_CHAIN, x, hidden) === key);
    }),
  );
}

function applyRuleset(snap: Snapshot, scope: ScopeOf<'ruleset'>, ruleset: Ruleset): void {
  const tableOf = (name: TableName, line: number): TableState => {
    let t = snap.tables.get(name);
    if (t === undefined) snap.tables.set(name, (t = { name, line, whole: false, chains: new Map() }));
    return t;
  };
  if (scope.filtered) {
    // A grep's lines add rules to what is known and remove nothing.
    for (const t of ruleset.tables) {
      const into = tableOf(t.name, t.line);
      for (const ch of t.chains) {
        // Lines a grep cut from their chain header cannot be placed in a chain: they add nothing the replay could use.
        if (ch.name === UNKNOWN_CHAIN) continue;
        const k = into.chains.get(ch.name);
        const next = chainStateOf(ch, ruleset, false);
        if (k === undefined) {
          into.chains.set(ch.name, next);
          continue;
        }
        const hidden = hiddenBetween(k, next);
        const keys = new Set(k.chain.rules.map((r) => ruleKey(ch.name, r, hidden)));
        const added = ch.rules.filter((r) => !keys.has(ruleKey(ch.name, r, hidden)));
        if (added.length === 0) continue;
        const rules = [...k.chain.rules, ...added].map((r, i) => ({ ...r, position: i + 1 }));
        into.chains.set(ch.name, {
          ...k, chain: { ...k.chain, rules, policy: k.chain.policy ?? ch.policy }, full: false,
          interfacesShown: k.interfacesShown && next.interfacesShown,
        });
      }
    }
    return;
  }
  if (scope.part.kind === 'whole') snap.wholeRuleset = true;
  for (const { table, chains } of coverage(scope, ruleset, snap)) {
    const shown = ruleset.tables.find((t) => t.name === table);
    if (chains === 'all' && shown !== undefined && !snap.tables.has(table) && ruleset.origin.format === 'iptables-save' && chainsOnDemand(shown)?.distinctNames) {
      snap.tables.set(table, new ShownTable(shown, ruleset));
      continue;
    }
    const into = tableOf(table, shown?.line ?? 0);
    if (chains === 'all') {
      const before = into.chains;
      into.chains = new Map();
      into.whole = true;
      for (const ch of shown?.chains ?? []) {
        const next = chainStateOf(ch, ruleset, true);
        const k = before.get(ch.name);
        into.chains.set(ch.name, k !== undefined && k.full && chainsAgree(k, next) ? better(k, next) : next);
      }
      continue;
    }
    for (const ch of shown?.chains ?? []) {
      const next = chainStateOf(ch, ruleset, true);
      const k = into.chains.get(ch.name);
      into.chains.set(ch.name, k !== undefined && k.full && chainsAgree(k, next) ? better(k, next) : next);
    }
  }
}

function finish(s: Snapshot): ComposedRulesetSnapshot {
  const order = (t: TableName): number => TABLE_NAMES.indexOf(t);
  const tables = [...s.tables.values()].sort((a, b) => order(a.name) - order(b.name));
  // One pass over the chains (a kube-proxy snapshot has ~60k) for what the origin says of all of them.
  let count = 0;
  let anySave = false;
  let anyNft = false;
  let allFull = true;
  let interfacesShown = true;
  let countersShown = true;
  const shown = tables.map((t): Table => {
    const unit = t instanceof ShownTable ? t.unit : null;
    if (unit !== null) {
      // Every chain full, in iptables-save form, as its ruleset's origin says: the table itself, looked up through its own index.
      count++;
      anySave = true;
      if (!unit.ruleset.origin.interfacesShown) interfacesShown = false;
      if (!unit.ruleset.origin.countersShown) countersShown = false;
      return unit.table;
    }
    const chains: Chain[] = [];
    for (const c of t.chains.values()) {
      chains.push(c.chain);
      count++;
      if (c.format === 'iptables-save') anySave = true;
      else if (c.format === 'nft') anyNft = true;
      if (!c.full) allFull = false;
      if (!c.interfacesShown) interfacesShown = false;
      if (!c.countersShown) countersShown = false;
    }
    const table: Table = { name: t.name, line: t.line, chains };
    const byName = t.chains;
    attachChainIndex(table, { get: (name) => byName.get(name)?.chain });
    return table;
  });
  const ruleset: Ruleset = {
    family: s.family,
    origin: {
      format: anySave || count === 0 ? 'iptables-save' : anyNft ? 'nft' : 'iptables-list',
      interfacesShown,
      countersShown,
      partial: !s.wholeRuleset || tables.some((t) => !t.whole) || !allFull,
    },
    tables: shown,
  };
  const snapshot: ComposedRulesetSnapshot = {
    family: s.family,
    ruleset,
    captures: s.captures,
    startedBy: s.startedBy,
    knownChains: [],
    wholeTables: tables.filter((t) => t.whole).map((t) => t.name),
  };
  // Only the ruleset timeline reads it: a trace does not make the ~60k `table/chain` names.
  defineLazy(snapshot, 'knownChains', () => tables.flatMap((t) => [...t.chains.values()].filter((c) => c.full).map((c) => chainName(t.name, c.chain.name))));
  return snapshot;
}
