/**
 * The traces the user added to the report from the Trace tab: kept in order, each once, at most as
 * many as one report request may carry; the Reports tab lists them (removable) and sends them with
 * the report request. A plain store with subscribe/snapshot, for React's useSyncExternalStore.
 */
import { MAX_REPORT_TRACES } from '../../shared/contract/api';
import type { TraceRequestJson } from '../../shared/contract/trace-request';

export interface ReportTraceItem {
  /** Same request, same key: adding it again changes nothing. */
  key: string;
  request: TraceRequestJson;
}

/** The request's identity: its fields in a fixed order, absent and null alike. */
export function reportTraceKey(r: TraceRequestJson): string {
  return JSON.stringify([r.node, r.proto, r.src ?? null, r.sport ?? null, r.dst, r.dport ?? null, r.in ?? null, r.local, r.follow, r.snapshot ?? null, r.bridgeNetfilter ?? null]);
}

export type AddResult = 'added' | 'already' | 'full';

export class ReportTraceList {
  private items: readonly ReportTraceItem[] = [];
  private readonly listeners = new Set<() => void>();

  /** The current list; a new array after every change, the same one otherwise. */
  readonly snapshot = (): readonly ReportTraceItem[] => this.items;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  add(request: TraceRequestJson): AddResult {
    const key = reportTraceKey(request);
    if (this.items.some((i) => i.key === key)) return 'already';
    if (this.items.length >= MAX_REPORT_TRACES) return 'full';
    this.set([...this.items, { key, request }]);
    return 'added';
  }

  has(request: TraceRequestJson): boolean {
    const key = reportTraceKey(request);
    return this.items.some((i) => i.key === key);
  }

  remove(key: string): void {
    if (this.items.some((i) => i.key === key)) this.set(this.items.filter((i) => i.key !== key));
  }

  requests(): TraceRequestJson[] {
    return this.items.map((i) => i.request);
  }

  private set(items: readonly ReportTraceItem[]): void {
    this.items = items;
    for (const l of this.listeners) l();
  }
}

/** The one list of the page: the Trace tab adds to it, the Reports tab reads it. */
export const reportTraces = new ReportTraceList();
