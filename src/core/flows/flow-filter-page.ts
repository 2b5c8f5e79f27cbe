/**
 * A flow filter applied to the stored flows: the ids of the flows it matches, in first-seen order.
 * Reads only the tuple columns, so a filter over 100k flows never builds their timelines.
 */
import { FlowStore } from '../model/flow-store';
import type { Store } from '../model/store';
import { flowMatches, type FlowFilter } from './flow-filter';

export function matchingFlowIds(store: Store, filter: FlowFilter): number[] {
  const ids: number[] = [];
  new FlowStore(store).forEachFlowKey((key) => {
    if (flowMatches(filter, key)) ids.push(key.id);
  });
  return ids;
}
