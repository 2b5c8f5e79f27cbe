/**
 * What part of its program's state a command line asks to see (one chain, named interfaces, one
 * route table, one address family), and whether it changes that state (`iptables -A`, `ip route add`,
 * restarting kube-proxy). Read from the words of the program itself, wrappers already removed.
 */
import { TABLE_NAMES, type TableName } from '../../netfilter/ruleset';
import { programName } from '../shell-words';
import type { StateChange } from '../../views/rulesets';

export interface CommandSelection {
  /** `iptables -L CHAIN`, `iptables -S CHAIN`, `iptables --list-rules CHAIN`. */
  chain: string | null;
  /** `-t TABLE` of any iptables command (listing, `-S`, or a change). */
  table: TableName | null;
  /** `ip addr show dev X`, `ip a s X`, `ip link show X`, `ifconfig X`. */
  interfaces: string[];
  /** `ip -4 addr`, `ip -f inet6 addr`, `ip -6 route`, `route -A inet6`: only this family is shown. */
  family: 'ipv4' | 'ipv6' | null;
  /** False for `ip link`: interfaces without their addresses. */
  addressesShown: boolean;
  /** `ifconfig` without `-a` shows only the interfaces that are up. */
  upOnly: boolean;
  /** `ip route show table T` (`all` for every table); null: the main table. */
  routeTable: string | null;
  /** `ip route get ADDR`: the kernel's answer for one address, not a table. */
  routeLookup: boolean;
  /** `brctl show BR`. */
  bridges: string[];
  /** What the command changes on the node, if anything. */
  changes: StateChange | null;
}

/** `everything`: a service whose (re)start rewrites rules and recreates interfaces and routes (docker, a CNI agent, networking). */
export type { StateChange };

/** Whether a command that made `change` changed `part` of the node's state. */
export function changes(change: StateChange | null, part: Exclude<StateChange, 'everything'>): boolean {
  return change === part || change === 'everything';
}

export const NO_SELECTION: CommandSelection = {
  chain: null, table: null, interfaces: [], family: null, addressesShown: true, upOnly: false, routeTable: null, routeLookup: false,
  bridges: [], changes: null,
};

const IPTABLES = new Set(['iptables', 'ip6tables', 'iptables-legacy', 'iptables-nft', 'ip6tables-legacy', 'ip6tables-nft']);
const RESTORES = new Set([
  'iptables-restore', 'ip6tables-restore', 'iptables-legacy-restore', 'iptables-nft-restore', 'ip6tables-legacy-restore',
  'ip6tables-nft-restore', 'netfilter-persistent', 'ufw', 'firewall-cmd',
]);
/** Services whose (re)start rewrites netfilter rules only. */
const RULE_WRITERS = /^(kube-proxy|firewalld|iptables|ip6tables|netfilter-persistent|ufw)(\.service)?$/;
/** Services whose (re)start also creates or removes interfaces and routes. */
const NETWORK_WRITERS = /^(kubelet|docker|containerd|calico-node|cilium|flanneld|k3s|k3s-agent|rke2-server|rke2-agent|networking|network|NetworkManager|systemd-networkd|wg-quick@\S+)(\.service)?$/;
/** kubectl verbs that change services, endpoints or kube-proxy itself, so the nodes' rules follow. */
const KUBECTL_MUTATIONS = new Set(['apply', 'create', 'delete', 'replace', 'patch', 'edit', 'expose', 'scale', 'rollout', 'set', 'label', 'annotate', 'autoscale', 'run']);

export function commandSelection(argv: readonly string[]): CommandSelection {
  if (argv.length === 0) return NO_SELECTION;
  const program = programName(argv[0]!);
  const args = argv.slice(1);
  if (IPTABLES.has(program)) return iptablesSelection(args);
  if (RESTORES.has(program)) return { ...NO_SELECTION, changes: program === 'netfilter-persistent' && args[0] !== 'reload' && args[0] !== 'start' && args[0] !== 'restart' ? null : 'rules' };
  switch (program) {
    case 'ip':
      return ipSelection(args);
    case 'ifconfig':
      return ifconfigSelection(args);
    case 'route':
      return routeSelection(args);
    case 'brctl':
      return brctlSelection(args);
    case 'nft':
      return { ...NO_SELECTION, changes: args.some((a) => /^(add|insert|delete|flush|replace|create|destroy|-f|--file)$/.test(a)) ? 'rules' : null };
    case 'systemctl':
    case 'service':
      return { ...NO_SELECTION, changes: serviceRestartChanges(program, args) };
    case 'reboot':
      return { ...NO_SELECTION, changes: 'everything' };
    case 'kubectl':
    case 'oc':
    case 'k':
      return { ...NO_SELECTION, changes: KUBECTL_MUTATIONS.has(args.find((a) => !a.startsWith('-')) ?? '') ? 'rules' : null };
    case 'kube-proxy':
      return { ...NO_SELECTION, changes: args.some((a) => a === '-h' || a === '--help' || a === '--version') ? null : 'rules' };
    default:
      return NO_SELECTION;
  }
}

function serviceRestartChanges(program: string, args: string[]): StateChange | null {
  const words = args.filter((a) => !a.startsWith('-'));
  // systemctl restart UNIT... ; service UNIT restart
  const verb = program === 'systemctl' ? words[0] : words[1];
  const units = program === 'systemctl' ? words.slice(1) : words.slice(0, 1);
  if (verb === 'reboot') return 'everything';
  if (!/^(restart|start|stop|reload|try-restart|reload-or-restart)$/.test(verb ?? '')) return null;
  if (units.some((u) => NETWORK_WRITERS.test(u))) return 'everything';
  return units.some((u) => RULE_WRITERS.test(u)) ? 'rules' : null;
}

/** Short-option letters that take the next word (or the rest of the cluster) as their value. */
const IPTABLES_VALUED = new Set(['t', 'j', 'g', 'i', 'o', 's', 'd', 'p', 'm', 'W', 'c']);

function iptablesSelection(args: string[]): CommandSelection {
  let chain: string | null = null;
  let table: TableName | null = null;
  let changes: StateChange | null = null;
  const asTable = (w: string | undefined): TableName | null => (TABLE_NAMES as readonly string[]).includes(w ?? '') ? (w as TableName) : null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let lists = false;
    if (a === '--table') table = asTable(args[i + 1]);
    else if (a.startsWith('--table=')) table = asTable(a.slice('--table='.length));
    else if (/^-[a-zA-Z]*t/.test(a)) {
      const rest = a.slice(a.indexOf('t') + 1);
      table = asTable(rest === '' ? args[i + 1] : rest);
    }
    if (a === '--list' || a === '--list-rules') lists = true;
    else if (/^--(append|insert|delete|replace|flush|delete-chain|new-chain|new|policy|rename-chain)$/.test(a)) changes = 'rules';
    else if (/^-[a-zA-Z]+$/.test(a)) {
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if (c === 'L' || c === 'S') lists = true;
        else if ('AIDRFXNPE'.includes(c)) changes = 'rules';
        // `-tnat`: the rest of the cluster is the value.
        if (IPTABLES_VALUED.has(c)) break;
      }
    }
    if (!lists) continue;
    const next = args[i + 1];
    if (next !== undefined && !next.startsWith('-') && !next.startsWith('!') && !/^\d+$/.test(next)) chain = next;
  }
  // `-L` / `-S` only show; a -D/-F among them still changes (`iptables -F; iptables -L` is two commands).
  return { ...NO_SELECTION, chain, table, changes };
}

const IP_VALUED = new Set(['-n', '-netns', '--netns', '-f', '-family', '--family', '-b', '-batch', '-rc', '-rcvbuf', '-l', '-loops']);
const SHOW_VERBS = new Set(['show', 'list', 'ls', 'lst', 'sh', 's']);
const ADDR_OBJECTS = new Set(['a', 'ad', 'add', 'addr', 'addre', 'addres', 'address']);
const LINK_OBJECTS = new Set(['l', 'li', 'lin', 'link']);
const ROUTE_OBJECTS = new Set(['r', 'ro', 'rou', 'rout', 'route']);
const CHANGE_VERBS = new Set(['add', 'a', 'del', 'delete', 'd', 'change', 'chg', 'replace', 'flush', 'f', 'append', 'set', 'prepend']);
/** `ip addr show` selectors that take a value and are not interface names. */
const ADDR_SELECTOR_VALUED = new Set(['scope', 'to', 'label', 'type', 'master', 'vrf', 'group', 'nomaster']);
const ADDR_SELECTOR_FLAGS = new Set(['up', 'dynamic', 'permanent', 'tentative', 'deprecated', 'dadfailed', 'temporary', 'primary', 'secondary', 'home', 'nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy']);

/** iproute2 takes any prefix of a keyword (`matches()`): `ip r s t 101` is `ip route show table 101`. */
export function isIprouteKeyword(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

function familyFlag(a: string, value: string | undefined): 'ipv4' | 'ipv6' | null {
  if (a === '-4') return 'ipv4';
  if (a === '-6') return 'ipv6';
  if (a === '-f' || a === '-family' || a === '--family') return value === 'inet' ? 'ipv4' : value === 'inet6' ? 'ipv6' : null;
  return null;
}

function ipSelection(args: string[]): CommandSelection {
  let family: 'ipv4' | 'ipv6' | null = null;
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) {
    family = familyFlag(args[i]!, args[i + 1]) ?? family;
    i += IP_VALUED.has(args[i]!) ? 2 : 1;
  }
  const object = args[i];
  const verb = args[i + 1];
  if (object === undefined) return NO_SELECTION;
  const isAddr = ADDR_OBJECTS.has(object);
  const isLink = LINK_OBJECTS.has(object);
  const isRoute = ROUTE_OBJECTS.has(object);
  if (verb !== undefined && CHANGE_VERBS.has(verb) && (isAddr || isLink || isRoute)) {
    return { ...NO_SELECTION, changes: isRoute ? 'routes' : 'interfaces' };
  }
  const rest = args.slice(verb !== undefined && SHOW_VERBS.has(verb) ? i + 2 : i + 1);
  if (isAddr || isLink) {
    const interfaces: string[] = [];
    for (let k = 0; k < rest.length; k++) {
      const w = rest[k]!;
      if (w === 'dev') {
        if (rest[k + 1] !== undefined) interfaces.push(rest[++k]!);
      } else if (ADDR_SELECTOR_VALUED.has(w)) k++;
      else if (!ADDR_SELECTOR_FLAGS.has(w) && !w.startsWith('-')) interfaces.push(w);
    }
    return { ...NO_SELECTION, interfaces, family, addressesShown: !isLink };
  }
  if (isRoute) {
    if (verb !== undefined && isIprouteKeyword(verb, 'get')) return { ...NO_SELECTION, routeLookup: true, family };
    let routeTable: string | null = null;
    for (let k = 0; k < rest.length; k++) if (isIprouteKeyword(rest[k]!, 'table') && rest[k + 1] !== undefined) routeTable = rest[k + 1]!;
    if (verb !== undefined && isIprouteKeyword(verb, 'table') && args[i + 2] !== undefined) routeTable = args[i + 2]!;
    return { ...NO_SELECTION, routeTable: routeTable === '0' ? 'all' : routeTable === '254' ? 'main' : routeTable, family };
  }
  return NO_SELECTION;
}

function ifconfigSelection(args: string[]): CommandSelection {
  const names = args.filter((a) => !a.startsWith('-'));
  // `ifconfig eth0 10.0.0.5 netmask ...` / `ifconfig eth0 up`: sets, does not show.
  if (names.length > 1) return { ...NO_SELECTION, changes: 'interfaces' };
  return { ...NO_SELECTION, interfaces: names, upOnly: names.length === 0 && !args.includes('-a') };
}

function routeSelection(args: string[]): CommandSelection {
  if (args.some((a) => a === 'add' || a === 'del' || a === 'delete')) return { ...NO_SELECTION, changes: 'routes' };
  const inet6 = args.includes('-6') || args.some((a, k) => (a === '-A' && args[k + 1] === 'inet6') || a === '-Ainet6' || a === '--inet6');
  return { ...NO_SELECTION, family: inet6 ? 'ipv6' : 'ipv4' };
}

function brctlSelection(args: string[]): CommandSelection {
  if (args[0] === 'show') return { ...NO_SELECTION, bridges: args.slice(1).filter((a) => !a.startsWith('-')) };
  if (args[0] === 'addif' || args[0] === 'delif' || args[0] === 'addbr' || args[0] === 'delbr') return { ...NO_SELECTION, changes: 'interfaces' };
  return NO_SELECTION;
}
