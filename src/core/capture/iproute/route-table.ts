/** net-tools routing tables: `route -n`, `netstat -rn`, and their IPv6 forms (`route -n -A inet6`, `netstat -rn6`). */
import { CaptureError, clipText } from '../capture-error';
import { isCidr, isIpAddress, isIpv4, prefixOfNetmask } from '../../common/ip';
import { u32Of } from './kernel-number';
import { leadingLines } from '../leading-lines';
import type { CaptureNote, ParsedCapture, RouteRecord } from '../../records/records';
import { isAddressName, namedDestinationPrefix } from '../../records/route-names';
import { linesOf, type TextInput } from '../text-input';

type RouteTableCapture = Extract<ParsedCapture, { kind: 'route-table' }>;

const TITLE = /^Kernel IP(v6)? routing table/;
/** net-tools translates its title (`Table de routage IPv6 du noyau`), not the column header under it: words only. */
const LOCALISED_TITLE = /^[\p{L}\p{N}][\p{L}\p{N} -]{0,60}$/u;
/** A column header always opens with Destination; IPv6's "Next Hop" is one column printed as two words. */
const HEADER = /^Destination\s+(Gateway|Next Hop)\s/;

export type Column = 'destination' | 'gateway' | 'genmask' | 'flags' | 'metric' | 'iface' | 'other';

const USE_ROUTE_N = 'route without -n prints names; capture `route -n` for the address';

/** `headerless`: the columns the command prints (headerlessColumnsOf), for rows greped without their header. */
export function parseRouteTable(input: TextInput, headerless: Column[] | null = null): RouteTableCapture {
  const routes: RouteRecord[] = [];
  const warnings: CaptureNote[] = [];
  let columns: Column[] | null = headerless;
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    if (TITLE.test(text) || (columns === null && routes.length === 0 && LOCALISED_TITLE.test(text.trim()))) {
      columns = null;
      continue;
    }
    if (HEADER.test(text)) {
      columns = columnsOf(text);
      continue;
    }
    if (!columns) fail(`routing table row before its column header: "${clipText(text)}"`);
    const cols = columns as Column[];
    const cells = text.trim().split(/\s+/);
    if (cells.length !== cols.length) fail(`expected ${cols.length} columns, found ${cells.length}`);
    routes.push(routeFromRow(cols, cells, line, fail, (message) => warnings.push({ line, message })));
  }
  if (routes.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no route found in routing table output');
  return { kind: 'route-table', routes, takenAt: null, ...(warnings.length === 0 ? {} : { warnings }) };
}

function columnsOf(header: string): Column[] {
  return header.replace('Next Hop', 'NextHop').trim().split(/\s+/).map((name): Column => {
    switch (name) {
      case 'Destination': return 'destination';
      case 'Gateway': case 'NextHop': return 'gateway';
      case 'Genmask': return 'genmask';
      case 'Flags': case 'Flag': return 'flags';
      case 'Metric': case 'Met': return 'metric';
      case 'Iface': case 'If': return 'iface';
      default: return 'other';
    }
  });
}

function routeFromRow(columns: Column[], cells: string[], line: number, fail: (r: string) => never, warn: (message: string) => void): RouteRecord {
  const cell = (c: Column): string | null => {
    const i = columns.indexOf(c);
    return i >= 0 ? (cells[i] ?? null) : null;
  };
  const destination = cell('destination') ?? '';
  const genmask = cell('genmask');
  let dst: string;
  if (destination === 'default') {
    dst = 'default';
  } else if (genmask !== null) {
    // IPv4 table: address + netmask; the netmask is printed as numbers even without -n.
    const named = !isIpv4(destination) && isAddressName(destination);
    if (!isIpv4(destination) && !named) fail(`not a destination address: "${clipText(destination)}"`);
    const prefix = prefixOfNetmask(genmask);
    if (prefix === null) fail(`not a netmask: "${clipText(genmask)}"`);
    dst = prefix === 0 && destination === '0.0.0.0' ? 'default' : `${destination}/${prefix as number}`;
    if (named) {
      const what = prefix === 32 ? 'host' : 'network';
      warn(`destination "${destination}" is a ${what} name, not resolved (${USE_ROUTE_N}): the replay takes this /${prefix as number} route as one that may hold any address`);
    }
  } else {
    // IPv6 table: the destination carries its prefix; without -n net-tools prints the unspecified address `[::]`.
    const bare = destination.startsWith('[::]/') ? destination.slice(1).replace(']', '') : destination;
    // A name from /etc/hosts or /etc/networks in place of the address (`ip6-localhost/128`, `ip6-mcastprefix/8`).
    const prefix = namedDestinationPrefix(bare);
    if (prefix !== null && prefix <= 128) {
      dst = bare;
      const what = prefix === 128 ? 'host' : 'network';
      // `Un`: the route of one of the node's own addresses (its local table), which the replay takes from `ip addr`.
      const own = /^U?n$/.test(cell('flags') ?? '');
      warn(`destination "${bare.slice(0, bare.indexOf('/'))}" is a ${what} name, not resolved (${USE_ROUTE_N}): ` +
        (own ? 'which of the node\'s own addresses it is stays unknown' : `the replay takes this /${prefix} route as one that may hold any address`));
    } else {
      if (!isCidr(bare) || !bare.includes('/')) fail(`not a destination prefix: "${clipText(destination)}"`);
      dst = bare === '::/0' ? 'default' : bare;
    }
  }
  const gateway = cell('gateway');
  const via = gateway === null || gateway === '0.0.0.0' || gateway === '::' || gateway === '[::]' || gateway === '*' || gateway === '-' ? null : gateway;
  if (via !== null && !isIpAddress(via)) {
    if (!isAddressName(via)) fail(`not a gateway address: "${clipText(via)}"`);
    warn(`gateway "${via}" is a host name, not resolved (${USE_ROUTE_N}): the replay takes the next hop of this route as unknown`);
  }
  const flags = cell('flags');
  const metric = cell('metric');
  const iface = cell('iface');
  const reject = flags !== null && flags.includes('!');
  // /proc/net/ipv6_route holds every table: the kernel gives the route of each address of the node (its local
  // table's) RTF_NONEXTHOP, which net-tools prints `n`; the reject route `!n` is the kernel's own null entry.
  const local = genmask === null && !reject && flags !== null && flags.includes('n');
  return {
    // `!` is net-tools' "reject route": the kernel's unreachable/prohibit types, which it cannot tell apart.
    type: reject ? 'unreachable' : local ? 'local' : 'unicast',
    dst,
    // Only the IPv4 table has a Genmask column (the IPv6 one's default, `::/0`, has no address to tell it by).
    family: genmask !== null ? 'ipv4' : 'ipv6',
    via,
    dev: iface === null || iface === '*' || iface === '-' ? null : iface,
    src: null,
    metric: metric === null ? null : metricOf(metric),
    table: local ? 'local' : 'main',
    scope: null,
    proto: null,
    flags: flags === null || flags === '-' ? [] : [flags],
    line,
  };
}

const ROUTE_N: Column[] = ['destination', 'gateway', 'genmask', 'flags', 'metric', 'other', 'other', 'iface'];
const NETSTAT_RN: Column[] = ['destination', 'gateway', 'genmask', 'flags', 'other', 'other', 'other', 'iface'];
const INET6: Column[] = ['destination', 'gateway', 'flags', 'metric', 'other', 'other', 'iface'];

/**
 * The columns of `route -n` / `netstat -rn` (IPv4: Metric Ref Use, or netstat's MSS Window irtt, in the same
 * places; IPv6 with `-6`, `-A inet6`, `--inet6`), for rows greped without their header. null when the command
 * leaves them in doubt (`-e`/`-ee` change them, another program).
 */
export function headerlessColumnsOf(argv: readonly string[]): Column[] | null {
  const program = argv.length > 0 ? (argv[0]!.split('/').pop() ?? '') : '';
  const args = argv.slice(1);
  if (program !== 'route' && program !== 'netstat') return null;
  if (args.some((a) => /^-[a-zA-Z]*e/.test(a) || a === '--extend' || a === '-C' || a === '--cache')) return null;
  if (program === 'netstat' && !args.some((a) => /^-[a-zA-Z]*r/.test(a) || a === '--route')) return null;
  const inet6 = args.some((a, k) => a === '--inet6' || /^-[a-zA-Z]*6/.test(a) || a === '-Ainet6' || (a === '-A' && args[k + 1] === 'inet6'));
  if (inet6) return INET6;
  return program === 'route' ? ROUTE_N : NETSTAT_RN;
}

/** Every leading line is a row of `columns`: as many cells, a destination first (and a netmask third, IPv4). */
export function looksLikeHeaderlessRoutes(text: string, columns: Column[] | null): boolean {
  if (columns === null) return false;
  const lines = leadingLines(text, 5).filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => {
    const cells = l.trim().split(/\s+/);
    if (cells.length !== columns.length) return false;
    const [destination = '', , third = ''] = cells;
    // Without -n: `default`, and names in place of addresses (`_gateway`, `link-local`, `ip6-localnet/64`).
    if (columns[2] === 'genmask') return (isIpv4(destination) || destination === 'default' || isAddressName(destination)) && prefixOfNetmask(third) !== null;
    return isCidr(destination.replace(/^\[::\]/, '::')) || namedDestinationPrefix(destination) !== null;
  });
}

/** `Kernel IP routing table` title (or its translation above the header), or a `Destination  Gateway ...` header first. */
export function looksLikeRouteTable(text: string): boolean {
  const [first, second] = leadingLines(text, 2);
  if (first === undefined) return false;
  return TITLE.test(first) || HEADER.test(first) || (second !== undefined && HEADER.test(second) && LOCALISED_TITLE.test(first.trim()));
}

/** net-tools prints the metric as a signed int: `-1` on the IPv6 unreachable route (0xffffffff). */
function metricOf(text: string): number | null {
  const magnitude = u32Of(text.startsWith('-') ? text.slice(1) : text);
  return magnitude === null ? null : text.startsWith('-') ? -magnitude : magnitude;
}
