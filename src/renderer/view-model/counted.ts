/** `1 node`, `2 nodes`, `1,204 captures`: a count as the UI's summaries print it. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `3 of 1,204 captures`: how many of a list a filter keeps (the noun follows the whole). */
export function countedOf(shown: number, all: number, one: string, many = `${one}s`): string {
  return `${shown.toLocaleString('en-US')} of ${counted(all, one, many)}`;
}
