/**
 * What a `kubectl get` command line says of the table it prints, for the rows that come without their
 * header (`kubectl get svc -A | grep web`, `--no-headers`): the resource, whether NAMESPACE opens each row
 * (`-A`), the namespace `-n` put every row in, and the columns `-o wide` / `--show-labels` add. null when
 * the line leaves the columns in doubt (another output format, `-L` columns, several resources, a flag not
 * known here): such rows are kept as text.
 */
import { programName } from '../shell-words';

export type GetResource = 'service' | 'endpoints' | 'pod';

export interface GetCommand {
  /** The one resource listed; null for `get` of others or of several (`svc,ep`). */
  resource: GetResource | null;
  /** `-A` / `--all-namespaces`: a NAMESPACE column first. */
  allNamespaces: boolean;
  /** `-n NS`: the namespace of every row; null: the context's, which the output does not name. */
  namespace: string | null;
  wide: boolean;
  /** `--show-labels`: a LABELS column last. */
  labels: boolean;
  /** Every flag is one whose effect on the columns is known. */
  columnsKnown: boolean;
}

const RESOURCES: Readonly<Record<string, GetResource>> = {
  svc: 'service', service: 'service', services: 'service',
  ep: 'endpoints', endpoints: 'endpoints',
  po: 'pod', pod: 'pod', pods: 'pod',
};

/** Flags that take a value and leave the columns as they are. */
const VALUED = new Set([
  '-l', '--selector', '--field-selector', '--sort-by', '--context', '--kubeconfig', '--cluster', '--user', '-s', '--server',
  '--request-timeout', '--chunk-size', '--as', '--as-group', '--token', '--certificate-authority', '--client-certificate',
  '--client-key', '--tls-server-name', '-v', '--v', '--cache-dir', '--profile', '--profile-output', '--password', '--username',
]);
/** Flags without a value that leave the columns as they are. */
const PLAIN = new Set([
  '--insecure-skip-tls-verify', '--ignore-not-found', '--show-managed-fields', '--match-server-version', '--warnings-as-errors',
  // A watch prints the same columns again as objects change (kubectl-watch.ts); --output-watch-events adds EVENT and is not here.
  '-w', '--watch', '--watch-only',
]);

/**
 * The namespace a command makes the kubectl context's: `kubens NS`, `kubectl config set-context --current
 * --namespace=NS`, `oc project NS`. null: it changes it to one the transcript does not show (`kubens -`, another
 * context); undefined: it leaves it alone.
 */
export function contextNamespaceSetBy(argv: readonly string[]): string | null | undefined {
  const program = argv.length > 0 ? programName(argv[0]!) : '';
  const words = argv.slice(1);
  const positional = words.filter((w) => !w.startsWith('-'));
  if (program === 'kubens') {
    if (positional.length === 1 && positional[0] !== '-') return positional[0]!;
    return words.length === 0 || words.some((w) => w === '-c' || w === '--current') ? undefined : null;
  }
  if (program === 'kubectx') return positional.length === 1 ? null : undefined;
  if (program === 'oc' && positional[0] === 'project') return positional.length === 2 ? positional[1]! : undefined;
  if (program !== 'kubectl' && program !== 'oc' && program !== 'k') return undefined;
  if (positional[0] !== 'config') return undefined;
  if (positional[1] === 'use-context') return null;
  if (positional[1] !== 'set-context' || !words.includes('--current')) return undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('--namespace=')) return w.slice('--namespace='.length);
    if (w === '--namespace' || w === '-n') return words[i + 1] ?? null;
  }
  return undefined;
}

/** The `get` of `argv` (kubectl, oc or k and their words, wrappers removed); null when it is no `kubectl get`. */
export function getCommandOf(argv: readonly string[]): GetCommand | null {
  const program = argv.length > 0 ? programName(argv[0]!) : '';
  if (program !== 'kubectl' && program !== 'oc' && program !== 'k') return null;
  const out: GetCommand = { resource: null, allNamespaces: false, namespace: null, wide: false, labels: false, columnsKnown: true };
  const positional: string[] = [];
  let output: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const inline = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : null;
    const value = (): string | null => inline ?? argv[++i] ?? null;
    if (name === '-A' || name === '--all-namespaces') out.allNamespaces = inline === null || inline === 'true';
    else if (name === '-n' || name === '--namespace') out.namespace = value();
    else if (name.startsWith('-n') && !name.startsWith('--')) out.namespace = name.slice(2);
    else if (name === '-o' || name === '--output') output = value();
    else if (name.startsWith('-o') && !name.startsWith('--')) output = name.slice(2).replace(/^=/, '');
    else if (name === '--no-headers') out.columnsKnown &&= inline === null || inline === 'true';
    else if (name === '--show-labels') out.labels = inline === null || inline === 'true';
    else if (name === '--show-kind') continue;
    else if (VALUED.has(name)) {
      if (inline === null) i++;
    } else if (/^-v=?\d+$/.test(a) || PLAIN.has(name)) continue;
    else out.columnsKnown = false;
  }
  if (positional[0] !== 'get') return null;
  const types = (positional[1] ?? '').split(',');
  const resource = types.length === 1 ? RESOURCES[types[0]!.split('/')[0]!] : undefined;
  out.resource = resource ?? null;
  if (output !== null) {
    if (output === 'wide') out.wide = true;
    else out.columnsKnown = false;
  }
  return out;
}
