/**
 * What a command line typed in a transcript tells about its output: which program produced it
 * (wrappers such as sudo, ssh, `ip netns exec`, `kubectl exec` removed), in which node or network
 * namespace it ran, whether a pipe cut it, and whether it opened a new shell. The wrappers are a table in
 * command-wrappers.ts, what each program prints is output-hints.ts; this module puts a line's answers together.
 */
import type { TableName } from '../../netfilter/ruleset';
import type { NamespaceContext } from '../capture-unit';
import { commandSelection, isIprouteKeyword, NO_SELECTION, type CommandSelection } from './command-selection';
import type { CaptureKind } from '../../records/records';
import { programName, splitCommandLine, type ShellCommand } from '../shell-words';
import { unwrap } from './command-wrappers';
import { hintOf } from './output-hints';

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
  /** Piped through `grep -n`: each line of the output carries its number (`12:` a match, `13-` context). */
  lineNumbered: boolean;
  /** Piped through a stage that may change what a line holds (`awk`, `sed`, `cut`), not only which lines are shown. */
  reshaped: boolean;
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
    text, argv: [], program: null, namespace: null, remoteNode: null, viaKubectl: false, filtered: false, lineNumbered: false, reshaped: false,
    kindHint: null, table: null, selective: false, entersShell: false, exits: false, printsFile: false,
    selection: NO_SELECTION,
  };
}

function analyseOne(text: string, command: ShellCommand, depth: number): CommandInfo {
  const [first = [], ...rest] = command;
  const filtered = rest.some((stage) => stage.length > 0 && !PASS_THROUGH.has(programName(stage[0]!)));
  const lineNumbered = rest.some(numbersLines);
  const reshaped = rest.some((stage) => stage.length > 0 && !LINE_SELECTORS.has(programName(stage[0]!)));
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
      lineNumbered: inner.lineNumbered || lineNumbered,
      reshaped: inner.reshaped || reshaped,
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
    lineNumbered,
    reshaped,
    // `curl URL | sh`: what shows is the script's output, not the probe's.
    kindHint: hint.kind === 'probe' && reshaped ? null : hint.kind,
    table: hint.table,
    selective: hint.selective,
    entersShell: opensShell,
    exits: program === 'exit' || program === 'logout',
    printsFile: program !== null && FILE_PRINTERS.has(program),
    selection: commandSelection(u.argv),
  };
}

const GREPS = new Set(['grep', 'egrep', 'fgrep']);
/** Stages that choose, order or page lines but leave each line's words as they were (`column -t` only respaces them). */
const LINE_SELECTORS = new Set([...GREPS, 'head', 'tail', 'sort', 'uniq', 'less', 'more', 'tee', 'cat', 'column']);

/** A `grep -n` stage (`-n`, `-nA3`, `-in`, `--line-number`): its output lines start with their numbers. */
function numbersLines(stage: string[]): boolean {
  if (stage.length === 0 || !GREPS.has(programName(stage[0]!))) return false;
  for (const w of stage.slice(1)) {
    if (w === '--') break;
    if (w === '--line-number') return true;
    // Short options up to the first that takes a value (`-e`, `-f`, `-m`, `-A`...): `-nA3` numbers, `-A3n` cannot occur.
    if (/^-[a-zA-Z]/.test(w) && /^-[a-zA-Z]*?n/.test(w.replace(/[efmABCdD].*$/, ''))) return true;
  }
  return false;
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
