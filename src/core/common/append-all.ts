/**
 * `target.push(...items)` without the spread: a spread passes every item as an argument, and a
 * list of a hundred thousand overflows the call stack ("Maximum call stack size exceeded").
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
