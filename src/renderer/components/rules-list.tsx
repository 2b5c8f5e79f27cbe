/**
 * A node's iptables rules (listRules) in the virtualised grid: only the pages under the view are
 * fetched, so the last of 170k rules is one request away. Filters: chain prefix, target, and one box
 * for text, an IP/CIDR or a port, applied on Enter. A rule copies as text or as its iptables command.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Api } from '../../shared/contract/api';
import type { RulePageJson, RuleRowJson } from '../../shared/contract/rule-list-json';
import { describeRuleFilter, EMPTY_RULE_FILTER, pagesCovering, RULE_PAGE, ruleCommand, ruleFilter, rulesSummary, type RuleFilterForm } from '../view-model/rule-list';
import { VirtualGrid, type CopyAction, type GridColumn } from './virtual-grid';

interface RuleSlot {
  /** Row number in the (filtered) list. */
  at: number;
  rule: RuleRowJson | null;
}

const ROW_HEIGHT = 28;

const COLUMNS: ReadonlyArray<GridColumn<RuleSlot>> = [
  { id: 'index', label: '#', width: '5em', className: 'num muted', cell: (s) => (s.rule === null ? '' : s.rule.index + 1) },
  { id: 'chain', label: 'Chain', width: 'minmax(9em, 1.2fr)', className: 'mono', cell: (s) => (s.rule === null ? '…' : `${s.rule.table}/${s.rule.chain}`) },
  { id: 'target', label: 'Target', width: 'minmax(7em, 0.8fr)', className: 'mono', cell: (s) => s.rule?.target ?? '' },
  { id: 'rule', label: 'Rule', width: 'minmax(20em, 4fr)', className: 'mono nowrap', cell: (s) => (s.rule === null ? '' : <span title={s.rule.text}>{s.rule.text}</span>) },
  { id: 'line', label: 'Line', width: '5em', className: 'num muted', cell: (s) => s.rule?.line ?? '' },
];

const COPY: ReadonlyArray<CopyAction<RuleSlot>> = [
  { label: 'Rule', text: (s) => s.rule?.text ?? '' },
  { label: 'iptables command', text: (s) => (s.rule === null ? '' : ruleCommand(s.rule)) },
];

export function RulesList({ api, node, revision }: { api: Api; node: string; revision: unknown }) {
  const [form, setForm] = useState<RuleFilterForm>(EMPTY_RULE_FILTER);
  const [applied, setApplied] = useState<RuleFilterForm>(EMPTY_RULE_FILTER);
  const filter = useMemo(() => ruleFilter(applied), [applied]);
  const [head, setHead] = useState<Omit<RulePageJson, 'rules'> | null>(null);
  const [pages, setPages] = useState<ReadonlyMap<number, RuleRowJson[]>>(new Map());
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(new Set<number>());
  const epoch = useRef(0);

  const fetchPage = useCallback(
    (page: number) => {
      if (asked.current.has(page)) return;
      asked.current.add(page);
      const mine = epoch.current;
      api.listRules({ node, offset: page * RULE_PAGE, limit: RULE_PAGE, ...filter }).then(
        (result) => {
          if (mine !== epoch.current) return;
          const { rules, ...rest } = result;
          setHead(rest);
          setPages((p) => new Map(p).set(page, rules));
          setError(null);
        },
        (err: unknown) => {
          if (mine !== epoch.current) return;
          asked.current.delete(page);
          setError(err instanceof Error ? err.message : String(err));
          setHead((h) => h ?? { node, capture: null, captures: [], offset: 0, total: 0, unfiltered: 0 });
        },
      );
    },
    [api, node, filter],
  );

  useEffect(() => {
    epoch.current++;
    asked.current = new Set();
    setPages(new Map());
    setHead(null);
    setError(null);
    fetchPage(0);
  }, [fetchPage, revision]);

  const total = head?.total ?? 0;
  const slots = useMemo(() => Array.from({ length: total }, (_, at): RuleSlot => ({ at, rule: pages.get(Math.floor(at / RULE_PAGE))?.[at % RULE_PAGE] ?? null })), [total, pages]);
  const onRange = useCallback((first: number, last: number) => pagesCovering(first, last).forEach(fetchPage), [fetchPage]);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setApplied(form);
  };
  const field = (key: keyof RuleFilterForm) => ({ value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });
  const described = describeRuleFilter(filter);

  return (
    <section className="rules-list" aria-label={`Rules of ${node}`} data-testid="rules-list">
      <form className="filter-box rules-filter" role="search" onSubmit={submit}>
        <label>
          Chain <input type="text" className="mono" placeholder="KUBE-SVC-" spellCheck={false} data-testid="rules-chain" {...field('chain')} />
        </label>
        <label>
          Target <input type="text" className="mono" placeholder="DNAT" spellCheck={false} data-testid="rules-target" {...field('target')} />
        </label>
        <label>
          Text, IP or port <input type="text" className="mono" placeholder="10.96.0.10, 8080 or default/web" spellCheck={false} data-testid="rules-query" {...field('query')} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <p className="summary" data-testid="rules-summary">
        {head === null
          ? 'Reading the rules…'
          : head.capture === null
            ? 'No iptables capture of this node.'
            : rulesSummary(head.total, head.unfiltered, head.capture.source, described)}
      </p>
      {error !== null && (
        <p className="banner banner-error" role="alert" data-testid="rules-error">
          {error}
        </p>
      )}
      {head !== null && head.capture !== null && (
        <VirtualGrid
          label={`Rules of ${node}`}
          testId="rules-table"
          rowTestId="rule-row"
          className="rules-table"
          rows={slots}
          rowKey={(s) => s.at}
          rowHeight={ROW_HEIGHT}
          totalRows={total}
          columns={COLUMNS}
          onRange={onRange}
          copy={COPY}
        />
      )}
    </section>
  );
}
