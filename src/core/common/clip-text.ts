/** A captured text quoted in a message, cut to `max` characters (with `...`) so one long line cannot flood it. */
export function clipText(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
