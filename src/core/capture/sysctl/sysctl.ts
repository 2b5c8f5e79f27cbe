/**
 * Kernel settings as engineers paste them: `sysctl -a` (whole or greped), `sysctl KEY...`, `sysctl -p`, `sysctl -w`
 * (`key = value`, or `key=value` from `-N`-less busybox builds), `grep . /proc/sys/...` (`/proc/sys/a/b:value`), and
 * bare values whose keys the command names (`sysctl -n KEY...`, `cat /proc/sys/a/b`). sysctl's own complaints are read
 * too: `cannot stat /proc/sys/...` says the key does not exist (stored as such, and for net.bridge.* that br_netfilter is
 * not loaded), `permission denied on key` and `reading key` say a value was not shown. Every other line is a warning.
 */
import { CaptureError, clipText } from '../capture-error';
import type { CaptureNote, ParsedCapture, SysctlRecord } from '../../records/records';
import { programName } from '../shell-words';
import { linesOf, type TextInput } from '../text-input';

type SysctlCapture = Extract<ParsedCapture, { kind: 'sysctl' }>;

/** The top-level directories of /proc/sys: a dotted key under one of them is a setting, not any `a.b = c` text. */
const ROOTS = '(?:net|kernel|vm|fs|dev|user|abi|debug|crypto|sunrpc)';
const SETTING = new RegExp(`^(${ROOTS}\\.[\\w.:@/+-]+?)\\s*=\\s?(.*)$`);
/** `grep . /proc/sys/net/ipv4/conf/*\/rp_filter` and `grep -r . /proc/sys/net/bridge`: path, colon, value. */
const PROC_SETTING = new RegExp(`^/proc/sys/(${ROOTS}/[\\w.:@/+-]+?):(.*)$`);
/** sysctl (procps) and cat, when the file is not there: the module that makes it is not loaded, or no such setting. */
const MISSING = /^(?:sysctl|cat|grep): (?:cannot stat )?(\/proc\/sys\/\S+?):? No such file or directory$/;
const DENIED = /^sysctl: permission denied on key ['"]?([^'",\s]+)['"]?/;
const UNREADABLE = /^sysctl: reading key ['"]?([^'",\s]+)['"]?/;

/** A value alone on its line: a number, a word, or a few of them (`4096\t131072\t6291456`). */
const BARE = /^[\w./:-]+(?:\s+[\w./:-]+){0,3}$/;

const SNIFF_LINES = 200;

/** True when the text's lines are mostly settings (`net.ipv4.ip_forward = 1`, `/proc/sys/...:1`) or sysctl's complaints. */
export function looksLikeSysctl(head: string): boolean {
  let shaped = 0;
  let other = 0;
  for (const raw of head.split('\n').slice(0, SNIFF_LINES)) {
    const text = raw.trim();
    if (text === '') continue;
    if (SETTING.test(text) || PROC_SETTING.test(text) || MISSING.test(text) || DENIED.test(text) || UNREADABLE.test(text)) shaped++;
    else other++;
  }
  return shaped > 0 && shaped * 3 >= other;
}

/**
 * The keys whose bare values `argv` prints, in order: `sysctl -n KEY...` (`-w`-less) and `cat /proc/sys/PATH...`; null when
 * the command prints no bare values or names them by a glob (their order cannot be told from the command).
 */
export function bareValueKeys(argv: readonly string[]): string[] | null {
  if (argv.length === 0) return null;
  const program = programName(argv[0]!);
  const args = argv.slice(1);
  if (program === 'sysctl') {
    const flags = args.filter((a) => a.startsWith('-'));
    const keys = args.filter((a) => !a.startsWith('-'));
    const bare = flags.some((f) => /^-[a-zA-Z]*n/.test(f) || f === '--values');
    if (!bare || keys.length === 0 || flags.some((f) => /^-[a-zA-Z]*[apwf]/.test(f)) || keys.some((k) => /[=*?[]/.test(k))) return null;
    return keys.map((k) => k.replace(/^\/proc\/sys\//, '').replaceAll('/', '.'));
  }
  if (program === 'cat') {
    const files = args.filter((a) => !a.startsWith('-'));
    if (files.length === 0 || !files.every((f) => f.startsWith('/proc/sys/') && !/[*?[]/.test(f))) return null;
    return files.map(keyOfPath);
  }
  return null;
}

/** Bare values, one a line, as many as `keys`: the output of `sysctl -n` or a cat of /proc/sys files. */
export function looksLikeBareValues(head: string, keys: readonly string[]): boolean {
  const lines = head.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.length > 0 && lines.length <= keys.length && lines.every((l) => BARE.test(l) && !SETTING.test(l));
}

/** `/proc/sys/net/ipv4/conf/eth0.100/rp_filter` → `net.ipv4.conf.eth0/100.rp_filter`: sysctl's name (a dot in a directory becomes `/`). */
export function keyOfPath(path: string): string {
  return path.replace(/^\/proc\/sys\//, '').split('/').filter((p) => p !== '').map((p) => p.replaceAll('.', '/')).join('.');
}

/**
 * Reads settings; `bareKeys` names the keys of bare value lines (bareValueKeys of the command). A text with neither a
 * setting nor a missing key is not sysctl output.
 */
export function parseSysctl(input: TextInput, bareKeys: readonly string[] | null = null): SysctlCapture {
  const settings: SysctlRecord[] = [];
  const warnings: CaptureNote[] = [];
  let bare = 0;
  let first: number | null = null;
  for (const { line, text } of linesOf(input)) {
    const trimmed = text.trim();
    if (trimmed === '') continue;
    first ??= line;
    const setting = SETTING.exec(trimmed);
    if (setting !== null) {
      settings.push({ key: setting[1]!, value: setting[2]!.trim(), line });
      continue;
    }
    const proc = PROC_SETTING.exec(trimmed);
    if (proc !== null) {
      settings.push({ key: keyOfPath(proc[1]!), value: proc[2]!.trim(), line });
      continue;
    }
    const missing = MISSING.exec(trimmed);
    if (missing !== null) {
      const key = keyOfPath(missing[1]!);
      settings.push({ key, value: null, line });
      warnings.push({ line, message: missingNote(key) });
      continue;
    }
    const denied = DENIED.exec(trimmed) ?? UNREADABLE.exec(trimmed);
    if (denied !== null) {
      warnings.push({ line, message: `${denied[1]} was not shown (${DENIED.test(trimmed) ? 'permission denied' : 'the kernel refused to read it'}): its value is unknown` });
      continue;
    }
    if (bareKeys !== null && bare < bareKeys.length && BARE.test(trimmed)) {
      settings.push({ key: bareKeys[bare]!, value: trimmed, line });
      bare++;
      continue;
    }
    warnings.push({ line, message: `not a kernel setting, not read: ${clipText(trimmed)}` });
  }
  if (settings.length === 0) {
    throw new CaptureError({ file: input.file, line: first ?? input.firstLine }, 'no kernel setting (key = value) here');
  }
  return warnings.length > 0 ? { kind: 'sysctl', settings, takenAt: null, warnings } : { kind: 'sysctl', settings, takenAt: null };
}

function missingNote(key: string): string {
  if (key.startsWith('net.bridge.')) {
    return `${key} does not exist: br_netfilter is not loaded, so bridged traffic does not cross iptables (as if ${key}=0)`;
  }
  if (key.startsWith('net.netfilter.')) return `${key} does not exist: nf_conntrack is not loaded (or the key is misspelt)`;
  return `${key} does not exist on this kernel (no such setting, or its module is not loaded)`;
}
