/**
 * A copy of `text` that holds no reference to a larger string. V8 cuts substrings as views of the string
 * they came from (and joins strings as views of their parts), so one short string kept from a piece of a
 * file read in pieces would keep the whole piece alive. Use it for what outlives the piece.
 */
export function ownString(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
