/**
 * pcapng timestamps: a 64-bit count of units (10^-k or 2^-k seconds) split into exact
 * seconds + nanoseconds. The common decimal units go through 16-bit long division in plain
 * numbers (every intermediate stays under 2^53); anything else takes the BigInt path.
 */
export type TimeUnit =
  | { kind: 'decimal'; digits: number; divisor: number; nsecPerUnit: number }
  | { kind: 'binary'; bits: number };

export const MICROSECONDS: TimeUnit = decimalUnit(6);

export function decimalUnit(digits: number): TimeUnit {
  return digits <= 9
    ? { kind: 'decimal', digits, divisor: 10 ** digits, nsecPerUnit: 10 ** (9 - digits) }
    : { kind: 'decimal', digits, divisor: 0, nsecPerUnit: 0 };
}

/** if_tsresol: high bit clear → 10^-v seconds, set → 2^-v seconds. */
export function unitOfTsresol(value: number): TimeUnit {
  return value & 0x80 ? { kind: 'binary', bits: value & 0x7f } : decimalUnit(value);
}

/** Seconds and nanoseconds of a timestamp, written into `out` to spare an allocation per packet. */
export interface SplitTime {
  sec: number;
  nsec: number;
}

export function splitTimestamp(hi: number, lo: number, unit: TimeUnit, out: SplitTime): void {
  if (unit.kind === 'decimal' && unit.divisor !== 0) {
    const d = unit.divisor;
    let cur = hi >>> 16;
    const q0 = Math.floor(cur / d);
    cur = (cur - q0 * d) * 65536 + (hi & 0xffff);
    const q1 = Math.floor(cur / d);
    cur = (cur - q1 * d) * 65536 + (lo >>> 16);
    const q2 = Math.floor(cur / d);
    cur = (cur - q2 * d) * 65536 + (lo & 0xffff);
    const q3 = Math.floor(cur / d);
    const rem = cur - q3 * d;
    const sec = ((q0 * 65536 + q1) * 65536 + q2) * 65536 + q3;
    if (sec <= Number.MAX_SAFE_INTEGER) {
      out.sec = sec;
      out.nsec = rem * unit.nsecPerUnit;
      return;
    }
  }
  splitWithBigInt(hi, lo, unit, out);
}

function splitWithBigInt(hi: number, lo: number, unit: TimeUnit, out: SplitTime): void {
  const total = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  if (unit.kind === 'binary') {
    const bits = BigInt(unit.bits);
    out.sec = Number(total >> bits);
    out.nsec = Number(((total & ((1n << bits) - 1n)) * 1_000_000_000n) >> bits);
    return;
  }
  const divisor = 10n ** BigInt(unit.digits);
  const rem = total % divisor;
  out.sec = Number(total / divisor);
  out.nsec = unit.digits <= 9 ? Number(rem) * 10 ** (9 - unit.digits) : Number((rem * 1_000_000_000n) / divisor);
}
