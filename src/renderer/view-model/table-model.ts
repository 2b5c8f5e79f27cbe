/**
 * What every list of the UI does with its rows, as plain functions: sort by a column, keep the rows a
 * filter box's words match, and move the keyboard's active row. The components only render the result.
 */
import { cidrContains, isIpAddress, sameIp } from '../../shared/contract/ip-text';

export type SortDirection = 'asc' | 'desc';
export interface SortState {
  column: string;
  direction: SortDirection;
}

/** A click on a header: sorts by it ascending, a second click descending, a third returns to the list's own order. */
export function nextSort(current: SortState | null, column: string): SortState | null {
  if (current === null || current.column !== column) return { column, direction: 'asc' };
  return current.direction === 'asc' ? { column, direction: 'desc' } : null;
}

export type SortValue = string | number | null;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Nulls sort last either way; text compares with numbers inside it as numbers (`eth10` after `eth9`). */
export function compareValues(a: SortValue, b: SortValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/** A stable sort: rows that compare equal keep the list's own order. */
export function sortRows<T>(rows: readonly T[], sort: SortState | null, valueOf: (row: T, column: string) => SortValue): readonly T[] {
  if (sort === null) return rows;
  const sign = sort.direction === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, value: valueOf(row, sort.column) }))
    .sort((x, y) => {
      const nullOrder = x.value === null || y.value === null ? compareValues(x.value, y.value) : 0;
      if (nullOrder !== 0) return nullOrder;
      return sign * compareValues(x.value, y.value) || x.index - y.index;
    })
    .map((e) => e.row);
}

/** What a row offers a filter box: addresses (matched by IP or CIDR), ports (by number), and words (by substring). */
export interface FilterFields {
  addresses: readonly string[];
  ports: readonly number[];
  words: readonly string[];
}

type Term =
  | { kind: 'ip'; text: string }
  | { kind: 'cidr'; text: string }
  | { kind: 'port'; port: number }
  | { kind: 'word'; text: string };

/** The words of a filter box; every one must match the row (`10.40.0.0/16 cbr0` = both). */
export function quickFilterTerms(text: string): Term[] {
  return text
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w): Term => {
      if (/^\d{1,5}$/.test(w) && Number(w) <= 65535) return { kind: 'port', port: Number(w) };
      const slash = w.indexOf('/');
      if (slash > 0 && isIpAddress(w.slice(0, slash)) && /^\d{1,3}$/.test(w.slice(slash + 1))) return { kind: 'cidr', text: w };
      if (isIpAddress(w)) return { kind: 'ip', text: w };
      return { kind: 'word', text: w.toLowerCase() };
    });
}

/** Addresses may carry a prefix (`10.40.1.1/24`): the address part is compared. */
const bare = (address: string): string => address.replace(/\/\d+$/, '');

function termMatches(term: Term, fields: FilterFields): boolean {
  switch (term.kind) {
    case 'ip':
      return fields.addresses.some((a) => sameIp(bare(a), term.text)) || fields.words.some((w) => w.toLowerCase().includes(term.text.toLowerCase()));
    case 'cidr':
      return fields.addresses.some((a) => isIpAddress(bare(a)) && cidrContains(term.text, bare(a)));
    case 'port':
      return fields.ports.includes(term.port) || fields.words.some((w) => w.toLowerCase().includes(String(term.port)));
    case 'word':
      return fields.words.some((w) => w.toLowerCase().includes(term.text)) || fields.addresses.some((a) => a.toLowerCase().includes(term.text));
    default: {
      const never: never = term;
      return never;
    }
  }
}

export function quickFilterMatches(terms: readonly Term[], fields: FilterFields): boolean {
  return terms.every((t) => termMatches(t, fields));
}

export function quickFilter<T>(rows: readonly T[], text: string, fieldsOf: (row: T) => FilterFields): readonly T[] {
  const terms = quickFilterTerms(text);
  return terms.length === 0 ? rows : rows.filter((r) => quickFilterMatches(terms, fieldsOf(r)));
}

export type NavigationKey = 'ArrowDown' | 'ArrowUp' | 'Home' | 'End' | 'PageDown' | 'PageUp';

export function isNavigationKey(key: string): key is NavigationKey {
  return key === 'ArrowDown' || key === 'ArrowUp' || key === 'Home' || key === 'End' || key === 'PageDown' || key === 'PageUp';
}

/** The active row after a key: -1 is none (the first arrow press lands on the first row). */
export function moveActive(active: number, key: NavigationKey, count: number, pageRows: number): number {
  if (count === 0) return -1;
  const last = count - 1;
  switch (key) {
    case 'ArrowDown':
      return Math.min(last, active + 1);
    case 'ArrowUp':
      return active < 0 ? 0 : Math.max(0, active - 1);
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'PageDown':
      return Math.min(last, Math.max(0, active) + pageRows);
    case 'PageUp':
      return Math.max(0, active - pageRows);
    default: {
      const never: never = key;
      return never;
    }
  }
}
