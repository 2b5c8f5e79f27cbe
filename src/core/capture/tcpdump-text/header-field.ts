/** Decimal header fields as tcpdump prints them, held to the width the header gives them. */

export const U8 = 0xff;
export const U16 = 0xffff;
export const U32 = 0xffff_ffff;
/** The 12-bit 802.1Q VLAN id. */
export const VLAN_ID = 0xfff;

/**
 * The value of `digits` when the field can hold it, else null: tcpdump never prints a wider value, so the
 * text is damaged there and the field stays unknown rather than wrong.
 */
export function fieldValue(digits: string | undefined, max: number): number | null {
  if (digits === undefined || !/^\d{1,20}$/.test(digits)) return null;
  const n = Number(digits);
  return n <= max ? n : null;
}

/** An IP fragment offset printed in bytes, as the header's 13-bit count of 8-byte units. */
export function fragmentUnits(bytes: string | undefined): number | null {
  const n = fieldValue(bytes, U16);
  return n === null ? null : Math.floor(n / 8);
}
