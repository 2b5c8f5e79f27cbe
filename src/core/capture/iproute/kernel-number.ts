/** Numbers the kernel keeps in 32 bits (route metrics, MTUs, interface indexes), as iproute2 and net-tools print them. */

export const U32_MAX = 0xffff_ffff;

/** `text` as an unsigned 32-bit decimal; null when it is not one (a sign, other characters, or too many digits). */
export function u32Of(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n <= U32_MAX ? n : null;
}
