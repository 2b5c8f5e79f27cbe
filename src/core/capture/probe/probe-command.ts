/**
 * What a probe's command line names: the tool, the protocol it speaks and the targets it tries (host or address,
 * port), read from the words of curl, wget, nc/ncat/netcat, telnet and ping/ping6 (wrappers already removed).
 */
import { isIpAddress, isIpv6 } from '../../common/ip';
import type { ProbeProto, ProbeTool } from '../../records/records';
import { programName } from '../shell-words';

export interface ProbeTarget {
  /** The host as typed: an address or a name. */
  host: string;
  port: number | null;
}

export interface ProbeCommand {
  tool: ProbeTool;
  proto: ProbeProto;
  family: 'ipv4' | 'ipv6' | null;
  targets: ProbeTarget[];
  /** `ping -I eth0`, `curl --interface 10.0.0.1`, `nc -s ADDR`: where the probe leaves from. */
  via: string | null;
  /** `curl -w '%{http_code}'`: the output is a status code, `000` when no answer came. */
  statusCodeOnly: boolean;
}

const TOOLS: Readonly<Record<string, ProbeTool>> = {
  curl: 'curl', wget: 'wget', nc: 'nc', ncat: 'nc', netcat: 'nc', telnet: 'telnet', ping: 'ping', ping6: 'ping',
};

/** The probe tool a program name is, if any. */
export function probeToolOf(program: string): ProbeTool | null {
  return TOOLS[program] ?? null;
}

/** Options of each tool that take the next word as their value (the short ones also glued: `-w3`, `-c3`). */
const CURL_VALUED = new Set([
  '-o', '-w', '-H', '-d', '-X', '-u', '-A', '-e', '-m', '-x', '-b', '-c', '-F', '-T', '-r', '-C', '-E', '-K', '-U', '-Y', '-y', '-z', '-Q', '-t',
  '--output', '--write-out', '--header', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--request', '--user', '--user-agent',
  '--referer', '--max-time', '--proxy', '--cookie', '--cookie-jar', '--form', '--upload-file', '--range', '--cacert', '--cert', '--key',
  '--connect-timeout', '--resolve', '--connect-to', '--retry', '--retry-delay', '--retry-max-time', '--interface', '--local-port', '--noproxy',
  '--unix-socket', '--url', '--config', '--capath', '--cert-type', '--key-type', '--limit-rate', '--max-filesize', '--output-dir', '--dns-servers',
]);
const WGET_VALUED = new Set(['-O', '-o', '-a', '-T', '-t', '-w', '-U', '-P', '-e', '--output-document', '--output-file', '--timeout', '--tries',
  '--user-agent', '--header', '--bind-address', '--directory-prefix', '--post-data', '--method', '--dns-timeout', '--connect-timeout', '--read-timeout']);
const NC_VALUED = new Set(['-w', '-i', '-p', '-s', '-x', '-X', '-q', '-O', '-P', '-T', '-V', '-I', '-M', '-m', '-e', '-c', '-W', '-g', '-G']);
const PING_VALUED = new Set(['-c', '-W', '-w', '-i', '-s', '-I', '-t', '-l', '-p', '-Q', '-M', '-S', '-T', '-m']);

/** `-zvw3`: the letters of a short-option cluster up to the first that takes a value; the value glued to it, if any. */
function cluster(word: string, valued: ReadonlySet<string>): { letters: string[]; valued: string | null; glued: string | null } {
  const letters: string[] = [];
  for (let k = 1; k < word.length; k++) {
    const flag = `-${word[k]}`;
    letters.push(word[k]!);
    if (valued.has(flag)) return { letters, valued: flag, glued: k + 1 < word.length ? word.slice(k + 1) : null };
  }
  return { letters, valued: null, glued: null };
}

interface Words {
  positional: string[];
  flags: Set<string>;
  values: Map<string, string>;
}

function readWords(args: readonly string[], valued: ReadonlySet<string>): Words {
  const positional: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (eq > 0) values.set(name, a.slice(eq + 1));
      else if (valued.has(name)) values.set(name, args[++i] ?? '');
      else flags.add(name);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const c = cluster(a, valued);
      for (const l of c.letters) flags.add(`-${l}`);
      if (c.valued !== null) values.set(c.valued, c.glued ?? args[++i] ?? '');
      continue;
    }
    positional.push(a);
  }
  return { positional, flags, values };
}

const SCHEME_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ftp: 21, ftps: 990, gopher: 70, ws: 80, wss: 443 };

/** `http://[fd00::1]:8080/x`, `10.96.0.10:80`, `web.default.svc`, `https://web/`: host and port (the scheme's default). */
export function urlTarget(url: string, defaultScheme = 'http'): ProbeTarget | null {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?(?:[^@/?#]*@)?(\[[0-9a-fA-F:.]+\]|[^:/?#[\]]+)(?::(\d{1,5}))?(?:[/?#].*)?$/.exec(url);
  if (m === null) return null;
  const scheme = (m[1] ?? defaultScheme).toLowerCase();
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const port = m[3] !== undefined ? Number(m[3]) : (SCHEME_PORTS[scheme] ?? null);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { host, port };
}

function familyOf(flags: ReadonlySet<string>, targets: readonly ProbeTarget[], six: boolean): 'ipv4' | 'ipv6' | null {
  if (six || flags.has('-6') || flags.has('--ipv6')) return 'ipv6';
  if (flags.has('-4') || flags.has('--ipv4')) return 'ipv4';
  const first = targets[0]?.host;
  if (first === undefined || !isIpAddress(first)) return null;
  return isIpv6(first) ? 'ipv6' : 'ipv4';
}

/** `80`, `80-82`, `http` (a few well-known names): the ports an nc word names. */
function ncPorts(word: string): number[] | null {
  const named: Record<string, number> = { http: 80, https: 443, ssh: 22, domain: 53, telnet: 23, smtp: 25 };
  if (named[word] !== undefined) return [named[word]!];
  const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(word);
  if (range === null) return null;
  const from = Number(range[1]);
  const to = range[2] === undefined ? from : Number(range[2]);
  if (from < 1 || to > 65535 || to < from || to - from > 64) return null;
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/** What `argv` (a probe tool's words) tries; null when it is no probe (`nc -l`, a `curl` of a file, `ping` without target). */
export function probeCommandOf(argv: readonly string[]): ProbeCommand | null {
  if (argv.length === 0) return null;
  const program = programName(argv[0]!);
  const tool = probeToolOf(program);
  if (tool === null) return null;
  const args = argv.slice(1);
  switch (tool) {
    case 'curl': {
      const w = readWords(args, CURL_VALUED);
      const urls = [...w.positional, ...(w.values.has('--url') ? [w.values.get('--url')!] : [])];
      if (w.values.has('--unix-socket') || w.values.has('-x') || w.values.has('--proxy')) return null;
      const targets = urls.map((u) => urlTarget(u)).filter((t): t is ProbeTarget => t !== null && !/^file$/i.test(t.host));
      if (targets.length === 0) return null;
      const format = w.values.get('-w') ?? w.values.get('--write-out') ?? '';
      return {
        tool, proto: 'tcp', family: familyOf(w.flags, targets, false), targets,
        via: w.values.get('--interface') ?? null, statusCodeOnly: /%\{(?:http_code|response_code)\}/.test(format),
      };
    }
    case 'wget': {
      const w = readWords(args, WGET_VALUED);
      const targets = w.positional.map((u) => urlTarget(u)).filter((t): t is ProbeTarget => t !== null);
      if (targets.length === 0) return null;
      return { tool, proto: 'tcp', family: familyOf(w.flags, targets, false), targets, via: w.values.get('--bind-address') ?? null, statusCodeOnly: false };
    }
    case 'nc': {
      const w = readWords(args, NC_VALUED);
      if (w.flags.has('-l') || w.flags.has('--listen') || w.values.has('-U')) return null;
      const [host, ...portWords] = w.positional;
      if (host === undefined) return null;
      const ports = portWords.length === 0 ? [null] : portWords.map(ncPorts);
      if (ports.some((p) => p === null) && portWords.length > 0) return null;
      const targets = (ports as Array<number[] | null>).flatMap((list): ProbeTarget[] => (list === null ? [{ host, port: null }] : list.map((port) => ({ host, port }))));
      const udp = w.flags.has('-u') || w.flags.has('--udp');
      return { tool, proto: udp ? 'udp' : 'tcp', family: familyOf(w.flags, targets, false), targets, via: w.values.get('-s') ?? null, statusCodeOnly: false };
    }
    case 'telnet': {
      const w = readWords(args, new Set(['-b', '-e', '-l', '-n', '-k', '-X']));
      const [host, port] = w.positional;
      if (host === undefined) return null;
      const p = port === undefined ? 23 : ncPorts(port)?.[0] ?? null;
      if (p === null) return null;
      const targets = [{ host, port: p }];
      return { tool, proto: 'tcp', family: familyOf(w.flags, targets, false), targets, via: w.values.get('-b') ?? null, statusCodeOnly: false };
    }
    case 'ping': {
      const w = readWords(args, PING_VALUED);
      const host = w.positional[w.positional.length - 1];
      if (host === undefined) return null;
      const targets = [{ host, port: null }];
      return { tool, proto: 'icmp', family: familyOf(w.flags, targets, program === 'ping6'), targets, via: w.values.get('-I') ?? null, statusCodeOnly: false };
    }
  }
}
