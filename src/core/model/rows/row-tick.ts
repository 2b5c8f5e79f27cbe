/** How a row loop of a parsed capture's insert reports: where a long insert shows progress and hears a cancel. */
import { lineTicker } from '../../capture/text-input';

/** Called by a row loop after each record it stores. */
export type RowTick = () => void;

/**
 * A RowTick that calls `onRows` with the records stored so far every LINES_PER_REPORT records (lineTicker's
 * cadence, so an insert reports as often as the parse before it); undefined when no one listens.
 */
export function rowTicker(onRows: ((rows: number) => void) | undefined): RowTick | undefined {
  if (onRows === undefined) return undefined;
  const passed = lineTicker(onRows);
  let rows = 0;
  return () => passed(++rows);
}
