/**
 * A flow's kernel trace lines as the detail's "Kernel trace" table shows them: one row per line the kernel logged for
 * the flow's packets (iptables TRACE/LOG, xtables-monitor, nft monitor), naming the hook — table/chain, rule or
 * policy — the packet as it was there and the line's own time.
 */
import type { FlowDetailJson, ObservationJson } from '../../shared/contract/flow-json';
import { tupleText } from './flow-table';

export interface KernelTraceRow {
  key: string;
  /** `node · eth0 → cbr0` */
  where: string;
  /** `nat/KUBE-SVC-X rule 2`, `filter/FORWARD policy`, `LOG "KUBE-DROP:"`, `raw/PREROUTING (packet seen)` */
  hook: string;
  /** ACCEPT, DROP, JUMP:KUBE-SVC-X... as the trace printed it; '' when it printed none. */
  verdict: string;
  /** The rule as the trace printed it (xtables-monitor, nft monitor) or as the node's captured ruleset has it, or ''. */
  rule: string;
  /** `(captured ruleset, file:line)` when the rule text is the ruleset's, not the kernel's; ''. */
  ruleNote: string;
  tuple: string;
  stage: string;
  /** The line's time as printed: `[85447.184040]`, its wall-clock stamp, or its instant. */
  at: string;
  mark: string;
  source: string;
}

export function kernelTraceRows(detail: FlowDetailJson): KernelTraceRow[] {
  return detail.observations.filter((o) => o.kind === 'kernel-trace' && o.hook !== undefined).map(kernelTraceRow);
}

function kernelTraceRow(o: ObservationJson, index: number): KernelTraceRow {
  const h = o.hook!;
  const through = h.out === null ? (h.in ?? '?') : `${h.in ?? 'local'} → ${h.out}`;
  return {
    key: `${index}`,
    where: `${o.node} · ${through}`,
    hook: hookText(h),
    verdict: h.verdict ?? '',
    rule: h.ruleText ?? '',
    ruleNote: h.ruleFrom === 'ruleset' ? `captured ruleset${h.ruleSource === null ? '' : `, ${h.ruleSource}`}` : '',
    tuple: tupleText(o.packet),
    stage: o.stage ?? '',
    at: o.time ?? (o.traceTime?.uptime != null ? `[${o.traceTime.uptime.toFixed(6)}]` : (o.traceTime?.stamp ?? '')),
    mark: h.mark ?? '',
    source: o.source,
  };
}

function hookText(h: NonNullable<ObservationJson['hook']>): string {
  const chain = `${h.table ?? '?'}/${h.chain ?? '?'}`;
  switch (h.type) {
    case 'rule':
      return h.rule !== null ? `${chain} rule ${h.rule}` : h.handle !== null ? `${chain} rule (handle ${h.handle})` : `${chain} rule`;
    case 'return':
      return `${chain} return (end of chain)`;
    case 'policy':
      return `${chain} policy`;
    case 'packet':
      return `${chain} (packet seen)`;
    case 'log':
      return `LOG "${h.prefix ?? ''}"`;
  }
}
