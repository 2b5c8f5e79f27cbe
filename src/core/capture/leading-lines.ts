/**
 * The first few non-empty lines of a text, for content sniffing. Looks at no more than
 * `maxChars` characters, so a sniff costs the same on a 10 MB capture as on a 1 KB one.
 */
export function leadingLines(text: string, count: number, maxChars = 16_384): string[] {
  const lines: string[] = [];
  const end = Math.min(text.length, maxChars);
  let start = 0;
  while (start < end && lines.length < count) {
    let stop = start;
    while (stop < end) {
      const c = text.charCodeAt(stop);
      if (c === 10 || c === 13) break;
      stop++;
    }
    const line = text.slice(start, stop);
    if (line.trim() !== '') lines.push(line);
    start = stop + 1;
  }
  return lines;
}
