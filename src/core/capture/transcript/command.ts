/**
 * What a command line typed in a transcript tells about its output: which program produced it
 * (wrappers such as sudo, ssh, `ip netns exec`, `kubectl exec` removed), in which node or network
 * namespace it ran, whether a pipe cut it, and whether it opened a new shell.
 */
import { TABLE_NAMES, type TableName } from '../../netfilter/ruleset';
import type { NamespaceContext } from '../capture-unit';
import { commandSelection, isIprouteKeyword, NO_SELECTION, type CommandSelection } from './command-selection';
import type { CaptureKind } from '../../records/records';
import { programName, splitCommandLine, type ShellCommand } from '../shell-words';

export interface CommandInfo {
  text: string;
  /** Words of the program whose output is shown, wrappers removed; empty when the line only opens a shell or sets variables. */
  argv: string[];
  program: string | null;
  namespace: NamespaceContext | null;
  /** `ssh HOST cmd`, `vagrant ssh HOST -c cmd`, `gcloud compute ssh HOST -- cmd`. */
  remoteNode: string | null;
  /** Ran through kubectl: the output describes the cluster or a pod, never the node of the prompt. */
  viaKubectl: boolean;
  /** Piped through a filter (grep, head, awk, less...): a fragment of the output. */
  filtered: boolean;
  /** The capture kind this command prints, if it is one natlens reads (a hint: content decides). */
  kindHint: CaptureKind | null;
  /** `-t TABLE` of iptables / iptables-save. */
  table: TableName | null;
  /** The command asks for part of what it could show: `iptables -L CHAIN`, `ip addr show dev X`, `kubectl get svc NAME`. */
  selective: boolean;
  /** The line opens an interactive shell (`bash`, `sudo -i`, `ip netns exec NS bash`, `ssh host`, `docker exec -it C sh`). */
  entersShell: boolean;
  /** `exit` / `logout`: leaves the current shell. */
  exits: boolean;
  /** The program prints a file (`cat FILE`, `grep X FILE`): its output is whatever the file holds. */
  printsFile: boolean;
  /** The part of the state the command shows (one chain, named interfaces, a route table), and what it changes. */
  selection: CommandSelection;
}

const SHELLS = new Set(['bash', 'sh', 'ash', 'dash', 'zsh', 'ksh', 'fish', 'su']);
/** Pipeline stages that pass output through unchanged. */
const PASS_THROUGH = new Set(['tee', 'cat']);
/** Programs that print (part of) a file; those after `cat` print only part of it. */
const FILE_PRINTERS = new Set(['cat', 'zcat', 'bzcat', 'xzcat', 'tac', 'less', 'more', 'bat', 'head', 'tail', 'grep', 'egrep', 'fgrep', 'awk', 'sed', 'cut', 'sort']);
const WHOLE_FILE_PRINTERS = new Set(['cat', 'zcat', 'bzcat', 'xzcat', 'less', 'more', 'bat']);

interface Unwrapped {
  argv: string[];
  namespace: NamespaceContext | null;
  remoteNode: string | null;
  viaKubectl: boolean;
  /** A wrapper that runs a shell when given no command (sudo -i, nsenter, ssh, docker run -it...). */
  shellWhenEmpty: boolean;
  /** A nested command line to analyse (ssh host 'cmd', bash -c 'cmd'). */
  nested: string | null;
}

export function analyseCommand(text: string): CommandInfo {
  return analyseLine(text, 0);
}

function analyseLine(text: string, depth: number): CommandInfo {
  const commands = splitCommandLine(text);
  const infos = commands.map((command) => analyseOne(text, command, depth));
  const exits = infos.some((info) => info.exits);
  const producer = [...infos].reverse().find((info) => info.kindHint !== null) ?? infos[infos.length - 1];
  if (!producer) return emptyInfo(text);
  // `iptables -F; iptables -L`: the line changes rules even though its output is the listing's.
  const changes = infos.find((info) => info.selection.changes !== null)?.selection.changes ?? null;
  return { ...producer, text, exits, selection: { ...producer.selection, changes } };
}

function emptyInfo(text: string): CommandInfo {
  return {
    text, argv: [], program: null, namespace: null, remoteNode: null, viaKubectl: false, filtered: false,
    kindHint: null, table: null, selective: false, entersShell: false, exits: false, printsFile: false,
    selection: NO_SELECTION,
  };
}

function analyseOne(text: string, command: ShellCommand, depth: number): CommandInfo {
  const [first = [], ...rest] = command;
  const filtered = rest.some((stage) => stage.length > 0 && !PASS_THROUGH.has(programName(stage[0]!)));
  const u = unwrap(withoutRedirections(first));
  if (u.nested !== null && depth < 4) {
    const inner = analyseLine(u.nested, depth + 1);
    return {
      ...inner,
      text,
      namespace: inner.namespace ?? u.namespace,
      remoteNode: inner.remoteNode ?? u.remoteNode,
      viaKubectl: inner.viaKubectl || u.viaKubectl,
      filtered: inner.filtered || filtered,
    };
  }
  const program = u.argv.length > 0 ? programName(u.argv[0]!) : null;
  const hint = hintOf(u.argv);
  const opensShell =
    (u.argv.length === 0 && u.shellWhenEmpty) ||
    (program !== null && SHELLS.has(program) && u.argv.slice(1).every((w) => w.startsWith('-') && w !== '-c'));
  return {
    text,
    argv: u.argv,
    program,
    namespace: u.namespace,
    remoteNode: u.remoteNode,
    viaKubectl: u.viaKubectl || program === 'kubectl' || program === 'oc' || program === 'k',
    filtered: filtered || (program !== null && FILE_PRINTERS.has(program) && !WHOLE_FILE_PRINTERS.has(program)),
    kindHint: hint.kind,
    table: hint.table,
    selective: hint.selective,
    entersShell: opensShell,
    exits: program === 'exit' || program === 'logout',
    printsFile: program !== null && FILE_PRINTERS.has(program),
    selection: commandSelection(u.argv),
  };
}

function withoutRedirections(words: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (/^(\d*|&)>>?$|^<$/.test(w)) {
      i++;
      continue;
    }
    if (/^(\d*|&)>>?.|^<./.test(w)) continue;
    out.push(w);
  }
  return out;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function unwrap(input: string[]): Unwrapped {
  const u: Unwrapped = { argv: [], namespace: null, remoteNode: null, viaKubectl: false, shellWhenEmpty: false, nested: null };
  let words = input;
  for (let guard = 0; guard < 16; guard++) {
    while (words.length > 0 && ASSIGNMENT.test(words[0]!)) words = words.slice(1);
    if (words.length === 0) break;
    const name = programName(words[0]!);
    const next = unwrapOne(name, words, u);
    if (next === null) break;
    words = next;
    if (u.nested !== null) return u;
  }
  u.argv = words;
  return u;
}

/** Removes one wrapper from `words`, recording what it says in `u`; null when `words[0]` is the program itself. */
function unwrapOne(name: string, words: string[], u: Unwrapped): string[] | null {
  switch (name) {
    case 'sudo':
    case 'doas': {
      const { rest, flags } = skipOptions(words.slice(1), new Set(['-u', '-g', '-C', '-h', '-p', '-r', '-t', '-U', '-D', '-T', '--user', '--group']));
      if (flags.some((f) => /^-[a-zA-Z]*[is]/.test(f) && !f.startsWith('--') || f === '--login' || f === '--shell')) u.shellWhenEmpty = true;
      return rest;
    }
    case 'env':
      return skipOptions(words.slice(1), new Set(['-u', '--unset', '-C', '--chdir'])).rest;
    case 'time':
    case 'nohup':
    case 'exec':
    case 'command':
      return words.slice(1);
    case 'nice':
      return skipOptions(words.slice(1), new Set(['-n', '--adjustment'])).rest;
    case 'toolbox':
      // CoreOS toolbox shares the host's network namespace: its output is the node's own.
      u.shellWhenEmpty = true;
      return skipOptions(words.slice(1), new Set()).rest;
    case 'ip':
      return unwrapIpNetns(words, u);
    case 'nsenter':
      return unwrapNsenter(words, u);
    case 'docker':
    case 'podman':
    case 'nerdctl':
      return unwrapContainerRuntime(name, words, u);
    case 'crictl':
      if (words[1] !== 'exec') return null;
      return unwrapExec(words.slice(2), 'crictl', new Set(['--timeout', '-t']), u);
    case 'kubectl':
    case 'oc':
    case 'k':
      u.viaKubectl = true;
      return unwrapKubectl(name, words, u);
    case 'watch':
      return unwrapWatch(words, u);
    case 'chroot':
      // `oc debug node/X -- chroot /host cmd`: the node's own tools, in the node's namespaces.
      return skipOptions(words.slice(1), new Set(['--userspec', '--groups'])).rest.slice(1);
    case 'ssh':
      return unwrapSsh(words, u);
    case 'vagrant':
      return words[1] === 'ssh' ? unwrapVagrantSsh(words, u) : null;
    case 'gcloud':
      return unwrapGcloudSsh(words, u);
    case 'minikube':
      return words[1] === 'ssh' ? unwrapMinikubeSsh(words, u) : null;
    case 'bash':
    case 'sh':
    case 'zsh':
    case 'ash':
    case 'dash': {
      const c = words.indexOf('-c');
      if (c < 0 || c + 1 >= words.length) return null;
      u.nested = words[c + 1]!;
      return [];
    }
    default:
      return null;
  }
}

/** Skips leading options; `valued` options take the next word. Stops at `--` (dropped) or the first non-option. */
function skipOptions(words: string[], valued: ReadonlySet<string>): { rest: string[]; flags: string[]; values: Map<string, string> } {
  const flags: string[] = [];
  const values = new Map<string, string>();
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-') || w === '-') break;
    flags.push(w);
    const eq = w.indexOf('=');
    if (w.startsWith('--') && eq > 0) {
      values.set(w.slice(0, eq), w.slice(eq + 1));
    } else if (valued.has(w) && i + 1 < words.length) {
      values.set(w, words[i + 1]!);
      i++;
    }
    i++;
  }
  return { rest: words.slice(i), flags, values };
}

function unwrapIpNetns(words: string[], u: Unwrapped): string[] | null {
  // ip [-n NS | -netns NS] ... and ip netns exec NS cmd...
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if ((w === '-n' || w === '-netns' || w === '--netns') && i + 1 < words.length) {
      u.namespace = { via: 'ip-netns', name: words[i + 1]! };
      return null;
    }
    if (!w.startsWith('-')) {
      if (w === 'netns' && words[i + 1] === 'exec' && i + 2 < words.length) {
        u.namespace = { via: 'ip-netns', name: words[i + 2]! };
        u.shellWhenEmpty = true;
        return words.slice(i + 3);
      }
      return null;
    }
  }
  return null;
}

function unwrapNsenter(words: string[], u: Unwrapped): string[] {
  let target: string | null = null;
  let netPath: string | null = null;
  let net = false;
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (!w.startsWith('-')) break;
    if (w === '-t' || w === '--target') {
      target = words[i + 1] ?? null;
      i++;
    } else if (w.startsWith('--target=')) {
      target = w.slice('--target='.length);
    } else if (/^-t\S/.test(w)) {
      target = w.slice(2);
    } else if (w === '--net' || w === '-a' || w === '--all') {
      net = true;
    } else if (w.startsWith('--net=') || /^-n\//.test(w)) {
      net = true;
      netPath = w.startsWith('--net=') ? w.slice('--net='.length) : w.slice(2);
    } else if (/^-[a-zA-Z]+$/.test(w)) {
      if (w.includes('n') || w.includes('a')) net = true;
      if (w.endsWith('t') && i + 1 < words.length) {
        target = words[i + 1]!;
        i++;
      }
    }
  }
  if (net) {
    const pid = netPath ? /^\/proc\/([^/]+)\/ns\/net$/.exec(netPath)?.[1] ?? null : null;
    u.namespace = { via: 'nsenter', name: pid ?? netPath ?? target ?? 'unknown' };
  }
  u.shellWhenEmpty = true;
  return words.slice(i);
}

function unwrapContainerRuntime(name: string, words: string[], u: Unwrapped): string[] | null {
  let sub = 1;
  if (words[sub] === 'container') sub++;
  const via = name === 'docker' ? 'docker' : 'other';
  if (words[sub] === 'exec') {
    return unwrapExec(words.slice(sub + 1), via, new Set(['-e', '--env', '-u', '--user', '-w', '--workdir', '--env-file', '--detach-keys']), u);
  }
  if (words[sub] === 'run') {
    const { rest, flags } = skipOptions(words.slice(sub + 1), DOCKER_RUN_VALUED);
    if (rest.length === 0) return null;
    const interactive = flags.some((f) => /^-[a-zA-Z]*[it]/.test(f) && !f.startsWith('--')) || flags.includes('--interactive') || flags.includes('--tty');
    const detached = flags.some((f) => /^-[a-zA-Z]*d/.test(f) && !f.startsWith('--')) || flags.includes('--detach');
    if (detached) return null;
    u.namespace = { via, name: rest[0]! };
    u.shellWhenEmpty = interactive;
    return rest.slice(1);
  }
  return null;
}

const DOCKER_RUN_VALUED = new Set([
  '-e', '--env', '-p', '--publish', '-v', '--volume', '--name', '--network', '--net', '-w', '--workdir',
  '-u', '--user', '--entrypoint', '-h', '--hostname', '-l', '--label', '--mount', '--cap-add', '--cap-drop',
  '--env-file', '--add-host', '--dns', '--ip', '--pid', '--restart', '-m', '--memory', '--platform', '--device',
]);

function unwrapExec(words: string[], via: NamespaceContext['via'], valued: ReadonlySet<string>, u: Unwrapped): string[] {
  const { rest } = skipOptions(words, valued);
  if (rest.length === 0) return [];
  u.namespace = { via, name: rest[0]! };
  u.shellWhenEmpty = true;
  const cmd = rest.slice(1);
  return cmd[0] === '--' ? cmd.slice(1) : cmd;
}

const KUBECTL_GLOBAL_VALUED = new Set(['-n', '--namespace', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server', '--as', '--token', '--request-timeout']);

/**
 * `kubectl [global options] exec|debug ...` (and `oc`, `k`, `oc rsh`): the command run in a pod, or on a
 * node through a debug pod (`kubectl debug node/X`, `oc debug node/X`), whose network namespace is the node's.
 * null: kubectl itself prints the output.
 */
function unwrapKubectl(name: string, words: string[], u: Unwrapped): string[] | null {
  let verb = 1;
  while (verb < words.length && words[verb]!.startsWith('-')) verb += KUBECTL_GLOBAL_VALUED.has(words[verb]!) ? 2 : 1;
  const global = words.slice(1, verb);
  const rest = words.slice(verb + 1);
  switch (words[verb]) {
    case 'exec':
      return unwrapKubectlExec([...global, ...rest], u);
    case 'rsh':
      return name === 'oc' ? unwrapKubectlExec([...global, ...rest], u) : null;
    case 'debug': {
      const target = rest.find((w) => /^node\/\S/.test(w));
      if (target === undefined) return null;
      u.viaKubectl = false;
      u.remoteNode = target.slice('node/'.length);
      u.shellWhenEmpty = true;
      const dashes = rest.indexOf('--');
      return dashes < 0 ? [] : rest.slice(dashes + 1);
    }
    default:
      return null;
  }
}

/** `watch [-n SECS] [-d] cmd...` or `watch 'cmd | grep x'`: the command it reruns. */
function unwrapWatch(words: string[], u: Unwrapped): string[] {
  const { rest } = skipOptions(words.slice(1), new Set(['-n', '--interval', '-q', '--equexit']));
  if (rest.length === 1 && /\s/.test(rest[0]!)) {
    u.nested = rest[0]!;
    return [];
  }
  return rest;
}

function unwrapKubectlExec(words: string[], u: Unwrapped): string[] {
  const valued = new Set(['-n', '--namespace', '-c', '--container', '--context', '--kubeconfig', '--cluster', '--user', '-f', '--filename']);
  let pod: string | null = null;
  let ns: string | null = null;
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (w.startsWith('-')) {
      const eq = w.indexOf('=');
      const key = eq > 0 ? w.slice(0, eq) : w;
      const value = eq > 0 ? w.slice(eq + 1) : valued.has(w) ? words[++i] ?? null : null;
      if ((key === '-n' || key === '--namespace') && value !== null) ns = value;
      continue;
    }
    if (pod === null) pod = w;
    else break;
  }
  if (pod !== null) {
    const name = pod.replace(/^pods?\//, '');
    u.namespace = { via: 'kubectl', name: ns ? `${ns}/${name}` : name };
  }
  u.shellWhenEmpty = true;
  return words.slice(i);
}

const SSH_VALUED = new Set(['-i', '-p', '-l', '-o', '-F', '-J', '-L', '-R', '-D', '-b', '-c', '-E', '-e', '-I', '-m', '-O', '-Q', '-S', '-W', '-w', '-B']);

function unwrapSsh(words: string[], u: Unwrapped): string[] {
  const { rest } = skipOptions(words.slice(1), SSH_VALUED);
  if (rest.length === 0) return [];
  u.remoteNode = hostOf(rest[0]!);
  u.shellWhenEmpty = true;
  if (rest.length > 1) u.nested = rest.slice(1).join(' ');
  return [];
}

function unwrapVagrantSsh(words: string[], u: Unwrapped): string[] {
  let machine: string | null = null;
  let command: string | null = null;
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') break;
    if (w === '-c' || w === '--command') command = words[++i] ?? null;
    else if (w.startsWith('--command=')) command = w.slice('--command='.length);
    else if (!w.startsWith('-') && machine === null) machine = w;
  }
  u.remoteNode = machine ?? 'default';
  u.shellWhenEmpty = true;
  if (command !== null) u.nested = command;
  return [];
}

const GCLOUD_VALUED = new Set(['--zone', '--project', '--command', '--ssh-flag', '--ssh-key-file', '--container', '--strict-host-key-checking', '--account', '--configuration', '--verbosity', '--region']);

function unwrapGcloudSsh(words: string[], u: Unwrapped): string[] | null {
  const ssh = words.indexOf('ssh');
  if (ssh < 0 || !words.slice(1, ssh).includes('compute')) return null;
  let node: string | null = null;
  let command: string | null = null;
  let i = ssh + 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      i++;
      break;
    }
    if (w.startsWith('--command=')) command = w.slice('--command='.length);
    else if (w === '--command') command = words[++i] ?? null;
    else if (GCLOUD_VALUED.has(w)) i++;
    else if (!w.startsWith('-') && node === null) node = hostOf(w);
  }
  if (node === null) return null;
  u.remoteNode = node;
  u.shellWhenEmpty = true;
  const tail = words.slice(i);
  if (command !== null) u.nested = command;
  else if (tail.length > 0 && i <= words.length && words[i - 1] === '--') u.nested = tail.join(' ');
  return [];
}

function unwrapMinikubeSsh(words: string[], u: Unwrapped): string[] {
  let node = 'minikube';
  const command: string[] = [];
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-n' || w === '--node') node = words[++i] ?? node;
    else if (w.startsWith('--node=')) node = w.slice('--node='.length);
    else if (w !== '--') command.push(w);
  }
  u.remoteNode = node;
  u.shellWhenEmpty = true;
  if (command.length > 0) u.nested = command.join(' ');
  return [];
}

function hostOf(target: string): string {
  const at = target.lastIndexOf('@');
  return at >= 0 ? target.slice(at + 1) : target;
}

// ---- what the program prints -------------------------------------------------------------

interface Hint {
  kind: CaptureKind | null;
  table: TableName | null;
  selective: boolean;
}

const NO_HINT: Hint = { kind: null, table: null, selective: false };

function hintOf(argv: string[]): Hint {
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
      return { kind: args.every((a) => a.startsWith('-')) ? 'route-table' : null, table: null, selective: false };
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
      return { kind: args.some((a) => /^\/proc\/net\/(nf|ip)_conntrack$/.test(a)) ? 'conntrack' : null, table: null, selective: false };
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
    default:
      return NO_HINT;
  }
}

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
    return shows || verb === 'table' ? { kind: 'ip-route', table: null, selective: false } : NO_HINT;
  }
  if (['ru', 'rul', 'rule'].includes(object)) return shows ? { kind: 'ip-rule', table: null, selective: selectors.length > 0 } : NO_HINT;
  if (['n', 'ne', 'nei', 'neig', 'neigh', 'neighbor', 'neighbour'].includes(object)) {
    return shows ? { kind: 'ip-neigh', table: null, selective: selectors.length > 0 } : NO_HINT;
  }
  return NO_HINT;
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

// ---- is this line a command? ----------------------------------------------------------------

/** Programs whose name alone makes a line a command (output lines do not start with them). */
const COMMAND_WORDS = new Set([
  'sudo', 'doas', 'cat', 'echo', 'printf', 'export', 'cd', 'unset', 'source', 'curl', 'wget', 'ping', 'ping6', 'apt', 'apt-get',
  'apk', 'yum', 'dnf', 'screen', 'tmux', 'exit', 'logout', 'sysctl', 'arp', 'ss', 'toolbox', 'vagrant', 'ssh', 'gcloud',
  'aws', 'az', 'systemctl', 'journalctl', 'less', 'tail', 'head', 'grep', 'egrep', 'watch', 'traceroute', 'tracepath',
  'mtr', 'nc', 'ncat', 'telnet', 'dig', 'nslookup', 'modprobe', 'lsmod', 'ethtool', 'tc', 'nft', 'ipvsadm', 'nsenter',
  'unshare', 'ifconfig', 'netstat', 'iptables-save', 'ip6tables-save', 'iptables-legacy-save', 'iptables-nft-save',
  'iptables-restore', 'ipset', 'ebtables', 'etcd', 'etcdctl', 'rm', 'vim', 'vi', 'nano', 'ls', 'mkdir', 'touch', 'cp',
  'mv', 'chmod', 'chown', 'kube-proxy', 'kubelet', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager',
  'kubeadm', 'helm', 'minikube', 'kind', 'k3s', 'ctr', 'calicoctl', 'cilium', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl',
  'nmcli', 'resolvectl', 'sleep', 'ps', 'pgrep', 'pkill', 'kill', 'lsof', 'hostname', 'uname', 'whoami', 'dmesg', 'tee',
  'awk', 'sed', 'jq', 'xargs', 'env', 'nohup', 'while', 'for', 'if', 'diff', 'git', 'make', 'openssl', 'socat', 'lsns',
  'pidof', 'which', 'tshark', 'bash', 'sh', 'zsh', 'su', 'mount', 'umount', 'free', 'df', 'conntrack', 'tcpdump',
  'iptables', 'ip6tables', 'iptables-legacy', 'iptables-nft', 'ip', 'bridge', 'brctl', 'route', 'kubectl', 'oc',
  'docker', 'podman', 'nerdctl', 'crictl', 'k', 'time', 'column', 'chroot',
]);

/** Output lines can start with these words too; the next word tells a command from output. */
function argumentsLookLikeCommand(program: string, next: string | undefined): boolean {
  switch (program) {
    case 'conntrack':
    case 'iptables':
    case 'ip6tables':
    case 'iptables-legacy':
    case 'iptables-nft':
      return next !== undefined && next.startsWith('-');
    case 'tcpdump':
      return next === undefined || next.startsWith('-');
    case 'time':
      return next !== undefined && COMMAND_WORDS.has(programName(next));
    case 'column':
      return next === undefined || next.startsWith('-');
    case 'chroot':
      return next !== undefined && next.startsWith('/');
    case 'route':
      return next === undefined || next.startsWith('-') || next === 'add' || next === 'del';
    case 'ip':
      return next !== undefined && (next.startsWith('-') || /^(a|ad|addr|address|r|ro|route|l|link|n|neigh|neighbor|netns|rule|ru|tuntap|monitor|maddr|mroute|xfrm|tunnel|vrf|token)$/.test(next));
    case 'bridge':
      return next !== undefined && /^(-\S*|link|fdb|mdb|vlan|monitor)$/.test(next);
    case 'brctl':
      return next !== undefined && /^(-\S*|show|addbr|delbr|addif|delif|showmacs|showstp|stp|setageing)$/.test(next);
    case 'kubectl':
    case 'oc':
    case 'k':
    case 'docker':
    case 'podman':
    case 'crictl':
    case 'kind':
      return next === undefined || /^-|^[a-z][a-z-]*$/.test(next);
    default:
      return true;
  }
}

/** Word a prompt's command must start with when the prompt itself is ambiguous (`# cmd`, `host$ cmd`). */
export function isCommandWord(word: string): boolean {
  return COMMAND_WORDS.has(programName(word)) || ASSIGNMENT.test(word);
}

/**
 * A line of a prompt-less code block that is a command (`sudo iptables-save`, `ip address show`,
 * `PID=$(docker inspect ...)`), not output. Looks at the start of the line only.
 */
export function looksLikeCommandLine(line: string): boolean {
  const head = line.slice(0, 256).trim();
  if (head === '') return false;
  const words = head.split(/\s+/);
  let i = 0;
  if (ASSIGNMENT.test(words[0]!)) return !/^[A-Za-z_][A-Za-z0-9_]*=\s*$/.test(words[0]!) || words.length === 1;
  while (i < words.length && (words[i] === 'sudo' || (i > 0 && words[i - 1] === 'sudo' && words[i]!.startsWith('-')))) i++;
  const word = words[i];
  if (word === undefined) return words[0] === 'sudo';
  const program = programName(word);
  if (!COMMAND_WORDS.has(program)) return false;
  if (word.includes('/') && !/^(\.{1,2}|~|\$\w+|\/(usr\/)?s?bin|\/usr\/local\/s?bin)/.test(word)) return false;
  return argumentsLookLikeCommand(program, words[i + 1]);
}

// ---- what an iproute2 listing leaves out -------------------------------------------------------

/** What `ip`/`bridge` print no longer once the command selected it: the family, the route table, the device. */
export interface IprouteSelection {
  family: 'ipv4' | 'ipv6' | null;
  /** `ip route show table 100` (not `all`). */
  table: string | null;
  /** `ip neigh show dev eth0`, `bridge fdb show dev vxlan0`. */
  dev: string | null;
}

export function iprouteSelection(command: string | null): IprouteSelection {
  const none: IprouteSelection = { family: null, table: null, dev: null };
  if (command === null) return none;
  const argv = analyseCommand(command).argv;
  const program = argv.length > 0 ? programName(argv[0]!) : null;
  if (program !== 'ip' && program !== 'bridge') return none;
  const out = { ...none };
  const args = argv.slice(1);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = args[i + 1];
    if (a === '-4' || a === '-6') out.family = a === '-4' ? 'ipv4' : 'ipv6';
    else if ((a === '-f' || a === '-family') && next !== undefined) {
      out.family = next === 'inet6' ? 'ipv6' : next === 'inet' ? 'ipv4' : out.family;
      i++;
    } else if (isIprouteKeyword(a, 'table') && next !== undefined) {
      out.table = next === 'all' || next === '0' ? null : next;
      i++;
    } else if (a === 'dev' && next !== undefined) {
      out.dev = next;
      i++;
    }
  }
  return out;
}
