/**
 * A flow filter applied to the stored flows: the ids of the flows it matches, in first-seen order or
 * the list's sort order. Reads only the tuple and sort columns, so a filter over 100k flows never
 * builds their timelines.
 */
import { FlowStore, type FlowKeyRow, type FlowOrder } from '../model/flow-store';
import type { Store } from '../model/store';
import { filterUsesTunnels, flowMatches, type FlowFilter } from '../flows/flow-filter';

function sortValue(key: FlowKeyRow, order: FlowOrder): number | string | null {
  switch (order.column) {
    case 'id':
      return key.id;
    case 'proto':
      return key.proto;
    case 'service':
      return key.service;
    case 'packets':
      return key.packets;
    case 'first-seen':
      return key.firstSeen;
    default: {
      const never: never = order.column;
      return never;
    }
  }
}

/** As SQLite's ORDER BY in FlowStore.flows: nulls last either way, ties by id. */
function compare(a: FlowKeyRow, b: FlowKeyRow, order: FlowOrder): number {
  const x = sortValue(a, order);
  const y = sortValue(b, order);
  if (x === null || y === null) return x === y ? a.id - b.id : x === null ? 1 : -1;
  const sign = order.direction === 'desc' ? -1 : 1;
  const byValue = typeof x === 'number' && typeof y === 'number' ? x - y : x < y ? -1 : x > y ? 1 : 0;
  return sign * byValue || (order.column === 'id' ? 0 : a.id - b.id);
}

export function matchingFlowIds(store: Store, filter: FlowFilter, order?: FlowOrder): number[] {
  const keys: FlowKeyRow[] = [];
  new FlowStore(store).forEachFlowKey((key) => {
    if (flowMatches(filter, key)) keys.push(key);
  }, { tunnels: filterUsesTunnels(filter) });
  if (order !== undefined) keys.sort((a, b) => compare(a, b, order));
  return keys.map((k) => k.id);
}
