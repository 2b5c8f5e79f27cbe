/** Column encodings every row module shares: booleans as 0/1, times as ISO text, lists as comma-joined text. */
export const flag = (b: boolean): number => (b ? 1 : 0);

export const now = (): string => new Date().toISOString();

export function splitList(text: string): string[] {
  return text === '' ? [] : text.split(',');
}
