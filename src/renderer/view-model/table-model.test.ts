import { describe, expect, it } from 'vitest';
import { moveActive, nextSort, quickFilter, sortRows, type FilterFields } from './table-model';

interface Row {
  name: string;
  packets: number | null;
  addresses: string[];
}
const ROWS: Row[] = [
  { name: 'eth10', packets: 5, addresses: ['10.40.1.1/24'] },
  { name: 'eth9', packets: null, addresses: ['192.168.0.9'] },
  { name: 'cbr0', packets: 5, addresses: ['fd00::1/64', '10.40.2.1/24'] },
];
const fields = (r: Row): FilterFields => ({ addresses: r.addresses, ports: r.packets === null ? [] : [r.packets], words: [r.name] });
const valueOf = (r: Row, column: string) => (column === 'name' ? r.name : r.packets);

describe('table model', () => {
  it('cycles a header between ascending, descending and the list’s own order', () => {
    expect(nextSort(null, 'name')).toEqual({ column: 'name', direction: 'asc' });
    expect(nextSort({ column: 'name', direction: 'asc' }, 'name')).toEqual({ column: 'name', direction: 'desc' });
    expect(nextSort({ column: 'name', direction: 'desc' }, 'name')).toBeNull();
    expect(nextSort({ column: 'name', direction: 'desc' }, 'packets')).toEqual({ column: 'packets', direction: 'asc' });
  });

  it('sorts text with numbers inside as numbers, keeps ties in order and nulls last both ways', () => {
    expect(sortRows(ROWS, { column: 'name', direction: 'asc' }, valueOf).map((r) => r.name)).toEqual(['cbr0', 'eth9', 'eth10']);
    expect(sortRows(ROWS, { column: 'packets', direction: 'asc' }, valueOf).map((r) => r.name)).toEqual(['eth10', 'cbr0', 'eth9']);
    expect(sortRows(ROWS, { column: 'packets', direction: 'desc' }, valueOf).map((r) => r.name)).toEqual(['eth10', 'cbr0', 'eth9']);
    expect(sortRows(ROWS, null, valueOf)).toBe(ROWS);
  });

  it('filters by address, CIDR, port and word, every word of the box at once', () => {
    const names = (text: string) => quickFilter(ROWS, text, fields).map((r) => r.name);
    expect(names('')).toEqual(['eth10', 'eth9', 'cbr0']);
    expect(names('10.40.0.0/16')).toEqual(['eth10', 'cbr0']);
    expect(names('10.40.2.1')).toEqual(['cbr0']);
    expect(names('fd00:0::1')).toEqual(['cbr0']);
    expect(names('fd00::/8')).toEqual(['cbr0']);
    expect(names('5')).toEqual(['eth10', 'cbr0']);
    expect(names('ETH')).toEqual(['eth10', 'eth9']);
    expect(names('10.40.0.0/16 eth')).toEqual(['eth10']);
    expect(names('192.168')).toEqual(['eth9']);
  });

  it('moves the active row by arrow, page, Home and End, inside the list', () => {
    expect(moveActive(-1, 'ArrowDown', 3, 10)).toBe(0);
    expect(moveActive(2, 'ArrowDown', 3, 10)).toBe(2);
    expect(moveActive(-1, 'ArrowUp', 3, 10)).toBe(0);
    expect(moveActive(1, 'ArrowUp', 3, 10)).toBe(0);
    expect(moveActive(0, 'End', 3, 10)).toBe(2);
    expect(moveActive(2, 'Home', 3, 10)).toBe(0);
    expect(moveActive(0, 'PageDown', 30, 10)).toBe(10);
    expect(moveActive(25, 'PageDown', 30, 10)).toBe(29);
    expect(moveActive(5, 'PageUp', 30, 10)).toBe(0);
    expect(moveActive(0, 'ArrowDown', 0, 10)).toBe(-1);
  });
});
