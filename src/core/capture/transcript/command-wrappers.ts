/**
 * The wrappers a typed command runs through before the program whose output is shown: sudo, env, watch,
 * chroot, `ip netns exec`, nsenter, container runtimes, `kubectl exec` / `oc debug`, ssh and friends. Each is
 * an entry of WRAPPERS: what the wrapper's words are (options, then the command) as data, or, for those with
 * a syntax of their own, the function that reads it. Removing them says where the command ran.
 */
import type { NamespaceContext } from '../capture-unit';
import { assertNever } from '../../common/assert-never';
import { programName } from '../shell-words';

export interface Unwrapped {
  argv: string[];
  namespace: NamespaceContext | null;
  remoteNode: string | null;
  viaKubectl: boolean;
  /** A wrapper that runs a shell when given no command (sudo -i, nsenter, ssh, docker run -it...). */
  shellWhenEmpty: boolean;
  /** A nested command line to analyse (ssh host 'cmd', bash -c 'cmd'). */
  nested: string | null;
}

export type Wrapper =
  /** `time cmd`: the rest of the line is the command. */
  | { kind: 'prefix' }
  /**
   * Options first (those in `valued` take the next word), then `skipWords` words of the wrapper's own (chroot's
   * new root), then the command; `shellWhenEmpty`: a shell runs when no command follows.
   */
  | { kind: 'options'; valued: ReadonlySet<string>; skipWords: number; shellWhenEmpty: boolean }
  /** A syntax of its own; null when `words[0]` is the program itself (`ip addr`, `kubectl get`). */
  | { kind: 'own'; unwrap: (words: string[], u: Unwrapped, name: string) => string[] | null };

const options = (valued: readonly string[], more: { skipWords?: number; shellWhenEmpty?: boolean } = {}): Wrapper => ({
  kind: 'options', valued: new Set(valued), skipWords: more.skipWords ?? 0, shellWhenEmpty: more.shellWhenEmpty ?? false,
});
const own = (unwrap: (words: string[], u: Unwrapped, name: string) => string[] | null): Wrapper => ({ kind: 'own', unwrap });
const PREFIX: Wrapper = { kind: 'prefix' };

const WRAPPER_LIST: ReadonlyArray<readonly [names: readonly string[], wrapper: Wrapper]> = [
  [['sudo', 'doas'], own(unwrapSudo)],
  [['env'], options(['-u', '--unset', '-C', '--chdir'])],
  [['time', 'nohup', 'exec', 'command'], PREFIX],
  [['nice'], options(['-n', '--adjustment'])],
  // CoreOS toolbox shares the host's network namespace: its output is the node's own.
  [['toolbox'], options([], { shellWhenEmpty: true })],
  [['ip'], own(unwrapIpNetns)],
  [['nsenter'], own(unwrapNsenter)],
  [['docker', 'podman', 'nerdctl'], own(unwrapContainerRuntime)],
  [['crictl'], own((words, u) => (words[1] === 'exec' ? unwrapExec(words.slice(2), 'crictl', new Set(['--timeout', '-t']), u) : null))],
  [['kubectl', 'oc', 'k'], own((words, u, name) => {
    u.viaKubectl = true;
    return unwrapKubectl(name, words, u);
  })],
  [['watch'], own(unwrapWatch)],
  // `oc debug node/X -- chroot /host cmd`: the node's own tools, in the node's namespaces.
  [['chroot'], options(['--userspec', '--groups'], { skipWords: 1 })],
  [['ssh'], own(unwrapSsh)],
  [['vagrant'], own((words, u) => (words[1] === 'ssh' ? unwrapVagrantSsh(words, u) : null))],
  [['gcloud'], own(unwrapGcloudSsh)],
  [['minikube'], own((words, u) => (words[1] === 'ssh' ? unwrapMinikubeSsh(words, u) : null))],
  [['bash', 'sh', 'zsh', 'ash', 'dash'], own(unwrapShellCommand)],
];

/** Wrapper by program name. */
export const WRAPPERS: ReadonlyMap<string, Wrapper> = new Map(WRAPPER_LIST.flatMap(([names, w]) => names.map((n) => [n, w] as const)));

export const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** Removes every wrapper from `input` (and leading variable assignments): the program's words and what the wrappers said. */
export function unwrap(input: string[]): Unwrapped {
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
  const wrapper = WRAPPERS.get(name);
  if (wrapper === undefined) return null;
  switch (wrapper.kind) {
    case 'prefix':
      return words.slice(1);
    case 'options':
      if (wrapper.shellWhenEmpty) u.shellWhenEmpty = true;
      return skipOptions(words.slice(1), wrapper.valued).rest.slice(wrapper.skipWords);
    case 'own':
      return wrapper.unwrap(words, u, name);
    default:
      return assertNever(wrapper);
  }
}

function unwrapSudo(words: string[], u: Unwrapped): string[] {
  const { rest, flags } = skipOptions(words.slice(1), new Set(['-u', '-g', '-C', '-h', '-p', '-r', '-t', '-U', '-D', '-T', '--user', '--group']));
  if (flags.some((f) => /^-[a-zA-Z]*[is]/.test(f) && !f.startsWith('--') || f === '--login' || f === '--shell')) u.shellWhenEmpty = true;
  return rest;
}

/** `bash -c 'cmd'`: the command line it runs; null for a shell run without one (the shell is the program). */
function unwrapShellCommand(words: string[], u: Unwrapped): string[] | null {
  const c = words.indexOf('-c');
  if (c < 0 || c + 1 >= words.length) return null;
  u.nested = words[c + 1]!;
  return [];
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

function unwrapContainerRuntime(words: string[], u: Unwrapped, name: string): string[] | null {
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
