/**
 * A whole number with commas between thousands, as `toLocaleString('en-US')` writes it. The first toLocaleString
 * of a process loads ICU's number formats (~13 ms of CPU here), which a command line that prints one progress
 * line or one usage text should not pay.
 */
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = Math.abs(n).toString();
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 || Object.is(n, -0) ? `-${out}` : out;
}
