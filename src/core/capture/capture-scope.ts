/**
 * What part of a node's state one capture covers, so that composing a node's captures replaces only
 * that part: every interface or the named ones (and which addresses), the main route table, one table
 * or all of them, a whole ruleset, one table, some chains, or a filtered (grep'ed) excerpt. Derived
 * from the capture's kind, the command that printed it and, where no command says, its content.
 */
import { BUILTIN_CHAINS, type TableName } from '../netfilter/ruleset';
import { nftListingOf } from './transcript/output-hints';
import { assertNever } from '../common/assert-never';
import type { CommandInfo } from './transcript/command';
import type { CaptureKind, ParsedCapture } from '../records/records';

export type AddressFamilies = 'all' | 'ipv4' | 'ipv6' | 'none';

export type RulesetPart =
  | { kind: 'whole' }
  | { kind: 'tables'; tables: TableName[] }
  | { kind: 'chains'; table: TableName; chains: string[] };

export type RouteCoverage =
  | { kind: 'table'; table: string }
  | { kind: 'all' }
  /** `ip route get`: an answer for one address, no table. */
  | { kind: 'lookup' };

export type CaptureScope =
  | {
      of: 'interfaces';
      /** 'all', or the names the capture covers (those it shows, and those the command asked for). */
      interfaces: 'all' | string[];
      /** Which addresses it shows: `ip link` none, `ip -4 addr` only IPv4. */
      addresses: AddressFamilies;
      /** grep'ed or cut: what is not shown may still be there. */
      filtered: boolean;
    }
  | { of: 'routes'; family: 'ipv4' | 'ipv6'; routes: RouteCoverage; filtered: boolean }
  | { of: 'ruleset'; part: RulesetPart; filtered: boolean }
  | { of: 'bridges'; bridges: 'all' | string[]; filtered: boolean }
  /** Cluster-wide kubectl output: no part of a node. */
  | { of: 'cluster' }
  /** Conntrack entries and packets: observations, not state that later captures replace. */
  | { of: 'observations' };

export type CaptureScopeOf = CaptureScope['of'];

/** The scope of a capture of `kind` printed by `command` (null when no command was typed) with content `parsed`. */
export function captureScope(kind: CaptureKind, command: CommandInfo | null, parsed: ParsedCapture | null, listingTable: TableName | null = null): CaptureScope {
  const filtered = command?.filtered ?? false;
  const sel = command?.selection ?? null;
  switch (kind) {
    case 'ip-addr': {
      const shown = parsed?.kind === 'ip-addr' ? parsed.interfaces.map((i) => i.name) : [];
      const addresses: AddressFamilies = sel === null ? 'all' : !sel.addressesShown ? 'none' : sel.family ?? 'all';
      const named = sel !== null && (sel.interfaces.length > 0 || sel.upOnly || command!.selective);
      const interfaces = filtered || named ? unique([...(sel?.interfaces ?? []), ...shown]) : 'all';
      return { of: 'interfaces', interfaces, addresses, filtered };
    }
    case 'ip-route':
    case 'route-table': {
      const routes = parsed?.kind === kind ? parsed.routes : [];
      const family = sel?.family ?? (routes.length > 0 && routes.every((r) => r.family === 'ipv6') ? 'ipv6' : 'ipv4');
      if (sel?.routeLookup) return { of: 'routes', family, routes: { kind: 'lookup' }, filtered };
      if (sel?.routeTable != null) {
        return { of: 'routes', family, routes: sel.routeTable === 'all' ? { kind: 'all' } : { kind: 'table', table: sel.routeTable }, filtered };
      }
      // No command naming a table: `ip route show table all` prints `table local` routes beside main's.
      const tables = unique(routes.map((r) => r.table));
      if (kind === 'ip-route' && (tables.length > 1 || (tables.length === 1 && tables[0] !== 'main'))) {
        return { of: 'routes', family, routes: tables.includes('main') ? { kind: 'all' } : { kind: 'table', table: tables[0]! }, filtered };
      }
      return { of: 'routes', family, routes: { kind: 'table', table: 'main' }, filtered };
    }
    case 'iptables-save':
    case 'iptables-list':
      return { of: 'ruleset', part: rulesetPart(kind, command, parsed, listingTable), filtered };
    case 'nft-ruleset':
      return { of: 'ruleset', part: nftRulesetPart(command), filtered };
    case 'bridge': {
      const shown = parsed?.kind === 'bridge' ? unique(parsed.ports.map((p) => p.bridge)) : [];
      const named = sel !== null && sel.bridges.length > 0;
      return { of: 'bridges', bridges: filtered || named ? unique([...(sel?.bridges ?? []), ...shown]) : 'all', filtered };
    }
    case 'kubectl':
      return { of: 'cluster' };
    case 'conntrack':
    case 'tcpdump-text':
    case 'pcap':
      return { of: 'observations' };
    // Not composed: their readers take the newest capture of each family (project/node-world.ts, project/nodes.ts).
    case 'ip-rule':
    case 'ip-neigh':
    case 'bridge-fdb':
    case 'kernel-trace':
    case 'probe':
    // Composed key by key, the newest value of each winning (model/node-sysctl.ts).
    case 'sysctl':
      return { of: 'observations' };
    default:
      return assertNever(kind);
  }
}

function rulesetPart(kind: 'iptables-save' | 'iptables-list', command: CommandInfo | null, parsed: ParsedCapture | null, listingTable: TableName | null): RulesetPart {
  const ruleset = parsed !== null && (parsed.kind === 'iptables-save' || parsed.kind === 'iptables-list') ? parsed.ruleset : null;
  const program = command?.program ?? null;
  const savesAll = program !== null && /save$/.test(program);
  const table = command?.table ?? command?.selection.table ?? null;
  const chain = command?.selection.chain ?? null;
  if (command !== null && program !== null && (kind === 'iptables-list' || !savesAll)) {
    // `iptables [-t T] -L|-S [CHAIN]`: one table, filter unless named, or one chain of it.
    const t = table ?? listingTable ?? 'filter';
    return chain !== null ? { kind: 'chains', table: t, chains: [chain] } : { kind: 'tables', tables: [t] };
  }
  if (kind === 'iptables-save') return table !== null ? { kind: 'tables', tables: [table] } : { kind: 'whole' };
  // A listing pasted without its command: a table when every built-in chain of it is shown, else the chains shown.
  const tables = ruleset?.tables ?? [];
  const t = tables[0]?.name ?? listingTable ?? 'filter';
  const shown = tables.flatMap((x) => x.chains.map((c) => c.name));
  if (tables.length > 1) return { kind: 'tables', tables: unique(tables.map((x) => x.name)) };
  if (BUILTIN_CHAINS[t].every((c) => shown.includes(c))) return { kind: 'tables', tables: [t] };
  return shown.length > 0 ? { kind: 'chains', table: t, chains: shown } : { kind: 'tables', tables: [t] };
}

/**
 * `nft list ruleset` (or no command): the whole ruleset; `nft list table F T`: that table; `nft list chain F T C`: that
 * chain; a table iptables has none of (`nft list table inet firewalld`): none of the iptables tables.
 */
function nftRulesetPart(command: CommandInfo | null): RulesetPart {
  const listing = command === null ? null : nftListingOf(command.argv.slice(1));
  if (listing === null || listing.what === 'ruleset') return { kind: 'whole' };
  if (listing.table === null) return { kind: 'tables', tables: [] };
  if (listing.what === 'chain' && listing.chain !== null) return { kind: 'chains', table: listing.table, chains: [listing.chain] };
  return { kind: 'tables', tables: [listing.table] };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** Reads a scope stored as JSON; null when absent or not one natlens writes (an older or damaged row). */
export function parseCaptureScope(json: string | null): CaptureScope | null {
  if (json === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const of = (value as { of?: unknown }).of;
  const known: readonly string[] = ['interfaces', 'routes', 'ruleset', 'bridges', 'cluster', 'observations'];
  return typeof of === 'string' && known.includes(of) ? (value as CaptureScope) : null;
}
