/**
 * What a program prints, read from its words (wrappers already removed): the capture kind natlens expects
 * of its output, the iptables table it shows, and whether it asks for part of what it could show.
 * A hint only: the content decides.
 */
import { TABLE_NAMES, type TableName } from '../../netfilter/ruleset';
import type { CaptureKind } from '../../records/records';
import { programName } from '../shell-words';
import { probeCommandOf } from '../probe/probe-command';

export interface Hint {
  kind: CaptureKind | null;
  table: TableName | null;
  selective: boolean;
}

const NO_HINT: Hint = { kind: null, table: null, selective: false };

export function hintOf(argv: string[]): Hint {
  if (argv.length === 0) return NO_HINT;
  const program = programName(argv[0]!);
  const args = argv.slice(1);
  switch (program) {
    case 'iptables-save':
    case 'ip6tables-save':
    case 'iptables-legacy-save':
    case 'iptables-nft-save':
    case 'ip6tables-legacy-save':
    case 'ip6tables-nft-save':
      return { kind: 'iptables-save', table: iptablesTable(args), selective: false };
    case 'iptables':
    case 'ip6tables':
    case 'iptables-legacy':
    case 'iptables-nft':
    case 'ip6tables-legacy':
    case 'ip6tables-nft':
      return iptablesListHint(args);
    case 'ip':
      return ipHint(args);
    case 'ifconfig': {
      const names = args.filter((a) => !a.startsWith('-'));
      return { kind: names.length <= 1 ? 'ip-addr' : null, table: null, selective: names.length === 1 };
    }
    case 'route':
      // `route -n -A inet6`: the family is -A's value; any other word (`add`, `del`, a host) makes it no listing.
      return { kind: args.every((a, k) => a.startsWith('-') || args[k - 1] === '-A') ? 'route-table' : null, table: null, selective: false };
    case 'netstat':
      return { kind: args.some((a) => /^-[a-zA-Z]*r/.test(a) || a === '--route') ? 'route-table' : null, table: null, selective: false };
    case 'conntrack': {
      const dumps = args.some((a) => (/^-[a-zA-Z]*L/.test(a) && !a.startsWith('--')) || a === '--dump');
      const filters = args.some((a) => /^(-[spdrqmgfzu]|--(orig|reply|src|dst|proto|mark|zone|status|state|sport|dport)\S*)$/.test(a));
      return { kind: dumps ? 'conntrack' : null, table: null, selective: dumps && filters };
    }
    case 'cat':
    case 'tail':
    case 'head':
    case 'less':
    case 'more':
      if (args.some((a) => KERNEL_LOG_FILE.test(a))) return { kind: 'kernel-trace', table: null, selective: false };
      if (args.some((a) => a.startsWith('/proc/sys/'))) return { kind: 'sysctl', table: null, selective: true };
      return { kind: args.some((a) => /^\/proc\/net\/(nf|ip)_conntrack$/.test(a)) ? 'conntrack' : null, table: null, selective: false };
    // The kernel log, where iptables-legacy's TRACE and every -j LOG line land; nf_tables' own trace monitors.
    case 'dmesg':
    case 'journalctl':
    case 'xtables-monitor':
    case 'xtables-nft-multi':
      return { kind: 'kernel-trace', table: null, selective: false };
    case 'nft':
      return args.includes('monitor') ? { kind: 'kernel-trace', table: null, selective: false } : nftListHint(args);
    case 'sysctl':
      return { kind: 'sysctl', table: null, selective: !args.some((a) => /^-[a-zA-Z]*a/.test(a) || a === '--all') };
    case 'tcpdump':
      return { kind: tcpdumpWritesFileOnly(args) ? null : 'tcpdump-text', table: null, selective: false };
    case 'brctl':
      return { kind: args[0] === 'show' ? 'bridge' : null, table: null, selective: false };
    case 'bridge': {
      const object = args.find((a) => !a.startsWith('-'));
      if (object === 'fdb' || object === 'fd' || object === 'f') return { kind: 'bridge-fdb', table: null, selective: args.includes('dev') || args.includes('br') };
      return { kind: object === 'link' || object === 'l' ? 'bridge' : null, table: null, selective: false };
    }
    case 'kubectl':
    case 'oc':
    case 'k':
      return kubectlHint(args);
    // Probes (curl, wget, nc, telnet, ping): what they print is the symptom (refused, timed out, unreachable) of the
    // target their command names; probeCommandOf knows the tools.
    default:
      return probeCommandOf(argv) === null ? NO_HINT : { kind: 'probe', table: null, selective: false };
  }
}

/** What `nft [-a] [-n] list ruleset|table [FAMILY] T|chain [FAMILY] T C` lists; null for any other nft command. */
export interface NftListing {
  what: 'ruleset' | 'table' | 'chain';
  /** An iptables table name (null for `ruleset`, or a table iptables has none of). */
  table: TableName | null;
  chain: string | null;
}

export function nftListingOf(args: readonly string[]): NftListing | null {
  const words = args.filter((a) => !a.startsWith('-'));
  const list = words.indexOf('list');
  const what = list < 0 ? undefined : words[list + 1];
  if (what !== 'ruleset' && what !== 'table' && what !== 'chain') return null;
  const rest = words.slice(list + 2);
  // The family is optional (`nft list table nat` means ip).
  const named = rest.length > 0 && /^(ip|ip6|inet|arp|bridge|netdev)$/.test(rest[0]!) ? rest.slice(1) : rest;
  return { what, table: what === 'ruleset' ? null : asTable(named[0]), chain: what === 'chain' ? (named[1] ?? null) : null };
}

function nftListHint(args: string[]): Hint {
  const listing = nftListingOf(args);
  if (listing === null) return NO_HINT;
  return { kind: 'nft-ruleset', table: listing.table, selective: listing.what !== 'ruleset' };
}

/** Files the kernel log is written to: /dev/kmsg, /var/log/kern.log, syslog, messages (rotated ones too). */
const KERNEL_LOG_FILE = /^(?:\/dev\/kmsg|\/var\/log\/(?:kern\.log|syslog|messages)(?:\.\d+)?)$/;

function tcpdumpWritesFileOnly(args: string[]): boolean {
  return args.some((a) => /^-[a-zA-Z]*w/.test(a)) && !args.some((a) => /^-[a-zA-Z]*r/.test(a));
}

function asTable(word: string | undefined): TableName | null {
  return word !== undefined && (TABLE_NAMES as readonly string[]).includes(word) ? (word as TableName) : null;
}

/** `-t nat`, `-tnat`, `--table nat`, `--table=nat`. */
function iptablesTable(args: string[]): TableName | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--table') return asTable(args[i + 1]);
    if (a.startsWith('--table=')) return asTable(a.slice('--table='.length));
    if (/^-[a-zA-Z]+$/.test(a) && !a.startsWith('--')) {
      const t = a.indexOf('t');
      if (t > 0) return asTable(t === a.length - 1 ? args[i + 1] : a.slice(t + 1));
    }
  }
  return null;
}

/** `-L` / `--list` print a listing (iptables-list); `-S` / `--list-rules` print rules as iptables-save does. */
function iptablesListHint(args: string[]): Hint {
  let kind: 'iptables-list' | 'iptables-save' | null = null;
  let oneChain = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const command = a === '--list' ? 'L' : a === '--list-rules' ? 'S' : /^-[a-zA-Z]+$/.test(a) ? listsInCluster(a) : null;
    if (command === null) continue;
    kind = command === 'L' ? 'iptables-list' : 'iptables-save';
    const nextWord = args[i + 1];
    if (nextWord !== undefined && !nextWord.startsWith('-') && !nextWord.startsWith('!')) oneChain = true;
  }
  if (kind === null) return NO_HINT;
  return { kind, table: iptablesTable(args) ?? 'filter', selective: oneChain };
}

/** `-nvL`, `-Lnv`, `-S`, `-vS`: an L or S among short flags, before any `t` (whose value is the rest of the cluster). */
function listsInCluster(cluster: string): 'L' | 'S' | null {
  for (let i = 1; i < cluster.length; i++) {
    const c = cluster[i];
    if (c === 't') return null;
    if (c === 'L' || c === 'S') return c;
  }
  return null;
}

const IP_VALUED = new Set(['-n', '-netns', '--netns', '-f', '-family', '-b', '-batch', '-rc', '-rcvbuf', '-l', '-loops']);

const SHOW_VERBS = new Set(['show', 'list', 'ls', 'lst', 'sh', 's']);

function ipHint(args: string[]): Hint {
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) i += IP_VALUED.has(args[i]!) ? 2 : 1;
  const object = args[i];
  const verb = args[i + 1];
  const selectors = args.slice(SHOW_VERBS.has(verb ?? '') ? i + 2 : i + 1);
  const shows = verb === undefined || SHOW_VERBS.has(verb) || verb === 'dev';
  if (object === undefined) return NO_HINT;
  if (['a', 'ad', 'addr', 'address', 'l', 'li', 'link'].includes(object)) {
    return shows ? { kind: 'ip-addr', table: null, selective: selectors.length > 0 } : NO_HINT;
  }
  if (['r', 'ro', 'rou', 'route'].includes(object)) {
    if (verb === 'get') return { kind: 'ip-route', table: null, selective: true };
    if (!shows && verb !== 'table') return NO_HINT;
    // `ip route show default`, `... dev eth0`, `... 10.0.0.0/8`, `... proto bird` list some routes of the table only.
    return { kind: 'ip-route', table: null, selective: routeSelectors(verb === 'table' ? args.slice(i + 1) : selectors).length > 0 };
  }
  if (['ru', 'rul', 'rule'].includes(object)) return shows ? { kind: 'ip-rule', table: null, selective: selectors.length > 0 } : NO_HINT;
  if (['n', 'ne', 'nei', 'neig', 'neigh', 'neighbor', 'neighbour'].includes(object)) {
    return shows ? { kind: 'ip-neigh', table: null, selective: selectors.length > 0 } : NO_HINT;
  }
  return NO_HINT;
}

/** The selectors of an `ip route show` other than the table it lists (`table all`, `table 101`), which selects no route. */
function routeSelectors(selectors: readonly string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < selectors.length; k++) {
    if (['table', 'tab', 't'].includes(selectors[k]!)) k++;
    else out.push(selectors[k]!);
  }
  return out;
}

const KUBECTL_VALUED = new Set(['-n', '--namespace', '-o', '--output', '-l', '--selector', '--context', '--kubeconfig', '-f', '--field-selector', '-c', '--sort-by']);

/** The resources natlens reads from kubectl: services, endpoints, pods. */
const KUBECTL_TYPES = new Set(['svc', 'service', 'services', 'ep', 'endpoints', 'po', 'pod', 'pods', 'all']);

/** `kubectl get|describe TYPE [NAME]`: a NAME (or `TYPE/NAME`) asks for one object. */
function kubectlHint(args: string[]): Hint {
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      if (KUBECTL_VALUED.has(a)) i++;
      continue;
    }
    positional.push(a);
  }
  const [verb, type, name] = positional;
  if (verb !== 'get' && verb !== 'describe') return NO_HINT;
  const types = (type ?? '').split(',').map((t) => t.split('/')[0]!.split('.')[0]!);
  if (!types.some((t) => KUBECTL_TYPES.has(t))) return NO_HINT;
  const selective = name !== undefined || (type?.includes('/') ?? false) || args.some((a) => a === '-l' || a.startsWith('--selector') || a.startsWith('--field-selector'));
  return { kind: 'kubectl', table: null, selective };
}
