/** `ip rule` / `ip -6 rule` (iproute2 ip/iprule.c print_rule): the policy routing rules, one a line. */
import { CaptureError, clipText } from '../capture-error';
import { familyOfAddress, isCidr, withHostPrefix } from '../../common/ip';
import { u32Of } from './kernel-number';
import { leadingLines } from '../leading-lines';
import type { ParsedCapture, RuleAction, RuleRecord } from '../../records/records';
import { linesOf, type TextInput } from '../text-input';

type IpRuleCapture = Extract<ParsedCapture, { kind: 'ip-rule' }>;

export interface IpRuleOptions {
  /** The family the command asked for (`ip -6 rule`): what a rule without addresses belongs to. */
  family?: 'ipv4' | 'ipv6' | null;
}

/** `PRIO:` then the selector; iproute2 separates them with a tab, older versions and pastes with spaces. */
const LINE = /^(\d+):\s+(.*)$/;

/** Selector words followed by a value that natlens keeps as printed (`other`). */
const OTHER_WITH_VALUE = new Set(['uidrange', 'ipproto', 'sport', 'dport', 'tun_id', 'realms', 'dscp', 'flowlabel']);

export function parseIpRule(input: TextInput, options: IpRuleOptions = {}): IpRuleCapture {
  const rules: RuleRecord[] = [];
  for (const { line, text } of linesOf(input)) {
    if (text.trim() === '') continue;
    const fail = (reason: string): never => { throw new CaptureError({ file: input.file, line }, reason); };
    const m = LINE.exec(text.trim()) ?? fail(`not an ip rule line (PRIORITY: selector action): "${clipText(text)}"`);
    const [, priorityText = '', selector = ''] = m;
    const priority = u32Of(priorityText) ?? fail(`rule priority out of range: "${clipText(priorityText)}"`);
    rules.push(ruleFromTokens(priority, selector.split(/\s+/), line, options.family ?? null, fail));
  }
  if (rules.length === 0) throw new CaptureError({ file: input.file, line: input.firstLine }, 'no rule found in ip rule output');
  return { kind: 'ip-rule', rules, takenAt: null };
}

export function emptyRule(priority: number, line: number): RuleRecord {
  return {
    family: 'ipv4', priority, not: false, from: null, to: null, iif: null, oif: null, fwmark: null, fwmask: null, tos: null,
    other: [], action: { kind: 'nop' }, suppressPrefixLength: null, suppressIfgroup: null, flags: [], line,
  };
}

function ruleFromTokens(
  priority: number, tokens: string[], line: number, family: 'ipv4' | 'ipv6' | null, fail: (r: string) => never,
): RuleRecord {
  const rule = emptyRule(priority, line);
  let action: RuleAction | null = null;
  let families: Array<'ipv4' | 'ipv6'> = [];
  const value = (i: number): string => {
    const v = tokens[i + 1];
    if (v === undefined || v === '') fail(`"${tokens[i] ?? ''}" without a value`);
    return v as string;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    switch (token) {
      case '':
        break;
      case 'not':
        rule.not = true;
        break;
      case 'from':
      case 'to': {
        const v = value(i++);
        const prefix = selectorPrefix(v, fail);
        if (prefix !== null) families.push(familyOfAddress(prefix));
        if (token === 'from') rule.from = prefix;
        else rule.to = prefix;
        break;
      }
      case 'tos':
      case 'dsfield': {
        const v = value(i++);
        rule.tos = /^0x[0-9a-fA-F]+$/.test(v) ? Number.parseInt(v, 16) : u32Of(v);
        if (rule.tos === null) rule.other.push(`${token} ${v}`);
        break;
      }
      case 'fwmark': {
        const [mark, mask] = markAndMask(value(i++), fail);
        rule.fwmark = mark;
        rule.fwmask = mask;
        break;
      }
      case 'iif':
      case 'oif':
        rule[token] = value(i++);
        if (tokens[i + 1] === '[detached]') {
          rule.flags.push(`${token} detached`);
          i++;
        }
        break;
      case 'lookup':
      case 'table': {
        const v = value(i++);
        if (v === '[l3mdev-table]') rule.other.push('l3mdev');
        action = { kind: 'lookup', table: v === '[l3mdev-table]' ? 'l3mdev' : v };
        break;
      }
      case 'l3mdev':
        rule.other.push('l3mdev');
        break;
      case 'suppress_prefixlength':
        rule.suppressPrefixLength = u32Of(value(i++)) ?? fail(`not a prefix length: "${clipText(tokens[i] ?? '')}"`);
        break;
      case 'suppress_ifgroup':
        rule.suppressIfgroup = value(i++);
        break;
      case 'goto': {
        const v = value(i++);
        action = { kind: 'goto', target: v === 'none' ? null : (u32Of(v) ?? fail(`not a rule priority: "${clipText(v)}"`)) };
        break;
      }
      case '[unresolved]':
        rule.flags.push('unresolved');
        break;
      case 'nop':
      case 'blackhole':
      case 'unreachable':
      case 'prohibit':
        action = { kind: token };
        break;
      case 'map-to':
        action = { kind: 'nat', to: value(i++) };
        break;
      case 'masquerade':
        action = { kind: 'nat', to: null };
        break;
      case 'proto':
      case 'protocol':
        rule.flags.push(`proto ${value(i++)}`);
        break;
      default:
        if (OTHER_WITH_VALUE.has(token)) rule.other.push(`${token} ${value(i++)}`);
        else fail(`unknown ip rule word "${clipText(token)}"`);
    }
  }
  if (action === null) fail('ip rule without an action (lookup, goto, blackhole...)');
  rule.action = action as RuleAction;
  families = [...new Set(families)];
  if (families.length > 1) fail('ip rule mixes IPv4 and IPv6 prefixes');
  rule.family = families[0] ?? family ?? 'ipv4';
  return rule;
}

/** `all` → null; `10.0.0.1` → `10.0.0.1/32`; `0/8` (a length without an address) → `0.0.0.0/8`. */
function selectorPrefix(text: string, fail: (r: string) => never): string | null {
  if (text === 'all') return null;
  const zero = /^0\/(\d+)$/.exec(text);
  if (zero) return `0.0.0.0/${zero[1]}`;
  if (!isCidr(text)) fail(`not an address prefix: "${clipText(text)}"`);
  return withHostPrefix(text);
}

/** `0x4000/0x4000`, `0x10`, `16`: iproute2 prints hex, users type either. A mark without a mask matches all 32 bits. */
export function markAndMask(text: string, fail: (r: string) => never): [number, number] {
  const [markText = '', maskText] = text.split('/');
  const mark = numberOf(markText) ?? fail(`not a mark: "${clipText(text)}"`);
  const mask = maskText === undefined ? 0xffff_ffff : (numberOf(maskText) ?? fail(`not a mark mask: "${clipText(text)}"`));
  return [mark, mask];
}

function numberOf(text: string): number | null {
  if (/^0x[0-9a-fA-F]{1,8}$/.test(text)) return Number.parseInt(text, 16);
  return u32Of(text);
}

/** Leading lines are `N:<tab>[not ]from ...` (every rule iproute2 prints starts with its from selector). */
export function looksLikeIpRule(text: string): boolean {
  const lines = leadingLines(text, 3);
  return lines.length > 0 && lines.every((l) => /^\s*\d+:\s+(not\s+)?from\s+\S+/.test(l));
}
