/**
 * The rules list of a node (listRules): what its filter boxes ask the server, which pages the visible
 * rows need, and a rule copied as text. The list holds only the pages in view (a 170k-rule ruleset
 * scrolls by fetching the page under the scrollbar, never the 339 before it).
 */
import type { RequestOf } from '../../shared/contract/api';
import type { RuleRowJson } from '../../shared/contract/rule-list-json';
import { isIpAddress } from '../../shared/contract/ip-text';
import { counted, countedOf } from './counted';

export const RULE_PAGE = 200;

export interface RuleFilterForm {
  chain: string;
  target: string;
  /** Text, an IP or CIDR, or a port: told apart by their look. */
  query: string;
}

export const EMPTY_RULE_FILTER: RuleFilterForm = { chain: '', target: '', query: '' };

export type RuleFilter = Pick<RequestOf<'listRules'>, 'chain' | 'target' | 'text' | 'address' | 'port'>;

const CIDR = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/;

/** The request's filter fields: a port is a bare number up to 65535, an address an IP or CIDR, anything else text. */
export function ruleFilter(form: RuleFilterForm): RuleFilter {
  const out: RuleFilter = {};
  const chain = form.chain.trim();
  const target = form.target.trim();
  const query = form.query.trim();
  if (chain !== '') out.chain = chain;
  if (target !== '') out.target = target;
  if (query === '') return out;
  if (/^\d{1,5}$/.test(query) && Number(query) <= 65535) out.port = Number(query);
  else if (isIpAddress(query) || (CIDR.test(query) && isIpAddress(query.replace(CIDR, '$1')))) out.address = query;
  else out.text = query;
  return out;
}

/** What the free box was read as, for the summary line. */
export function describeRuleFilter(filter: RuleFilter): string {
  const parts: string[] = [];
  if (filter.chain !== undefined) parts.push(`chain ${filter.chain}…`);
  if (filter.target !== undefined) parts.push(`target ${filter.target}`);
  if (filter.address !== undefined) parts.push(`address ${filter.address}`);
  if (filter.port !== undefined) parts.push(`port ${filter.port}`);
  if (filter.text !== undefined) parts.push(`text “${filter.text}”`);
  return parts.join(', ');
}

/** `1 rule of nodea/iptables-save.txt:1`, `3 of 170,023 rules of … matching target DNAT`: the list's summary line. */
export function rulesSummary(total: number, unfiltered: number, source: string, described: string): string {
  const count = described === '' ? counted(unfiltered, 'rule') : countedOf(total, unfiltered, 'rule');
  return `${count} of ${source}${described === '' ? '' : ` matching ${described}`}`;
}

/** The pages (by number) holding rows first..last. */
export function pagesCovering(first: number, last: number, pageSize = RULE_PAGE): number[] {
  if (last < first || last < 0) return [];
  const pages: number[] = [];
  for (let p = Math.floor(Math.max(0, first) / pageSize); p <= Math.floor(last / pageSize); p++) pages.push(p);
  return pages;
}

/** The rule as the command that would add it again: `iptables -t nat -A KUBE-SERVICES ...`. A listing's line is copied as it is. */
export function ruleCommand(rule: RuleRowJson): string {
  if (!rule.text.startsWith('-A ')) return rule.text;
  return `${rule.family === 'ipv6' ? 'ip6tables' : 'iptables'} -t ${rule.table} ${rule.text}`;
}
