/**
 * A tape of strings and numbers packed into one blob, read back in the order written: what a block of many
 * small records (rows/kubernetes.ts's services and endpoints) is stored as instead of a row each.
 *
 *   u8 FORMAT, 3 bytes 0, u32le byte length of STRINGS, u32le count of INTS, u32le count of DOUBLES,
 *   STRINGS (a JSON array, UTF-8: any string round-trips), INTS (i32le), DOUBLES (f64le)
 *
 * Every value takes one int: a string its index in STRINGS (a string the writer looks up is stored once), a
 * count itself, a number itself when it is a 32-bit integer. Null is NULL; a number that is not a 32-bit integer
 * is WIDE and takes the next double, so every number comes back exactly.
 */
import { readColumn, writeColumn } from './rows/chain-heads';

const FORMAT = 1;
const HEADER = 16;
const NULL = -0x80000000;
const WIDE = -0x7fffffff;

/** What a blob that does not read as a tape is said to be, by the reader that knows whose it is. */
export class DamagedTape extends Error {}

export class ValueTapeWriter {
  private readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  private ints = new Int32Array(1024);
  private intCount = 0;
  private readonly doubles: number[] = [];

  private push(v: number): void {
    if (this.intCount === this.ints.length) {
      const grown = new Int32Array(this.ints.length * 2);
      grown.set(this.ints);
      this.ints = grown;
    }
    this.ints[this.intCount++] = v;
  }

  /** A string that may recur (a namespace, a protocol): stored once, however often written. */
  str(s: string | null): void {
    if (s === null) return this.push(NULL);
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.index.set(s, i);
    }
    this.push(i);
  }

  /** A string that seldom recurs (a name, an address): stored each time, without the lookup. */
  once(s: string): void {
    this.push(this.strings.length);
    this.strings.push(s);
  }

  num(n: number | null): void {
    if (n === null) return this.push(NULL);
    if ((n | 0) === n && n !== NULL && n !== WIDE && !Object.is(n, -0)) return this.push(n);
    this.push(WIDE);
    this.doubles.push(n);
  }

  /** A count or length: a non-negative 32-bit integer. */
  count(n: number): void {
    if (!(n >= 0 && n <= 0x7fffffff && (n | 0) === n)) throw new RangeError(`a tape count must be a 31-bit integer, not ${n}`);
    this.push(n);
  }

  finish(): Buffer {
    const strings = Buffer.from(JSON.stringify(this.strings), 'utf8');
    const out = Buffer.alloc(HEADER + strings.length + this.intCount * 4 + this.doubles.length * 8);
    out[0] = FORMAT;
    out.writeUInt32LE(strings.length, 4);
    out.writeUInt32LE(this.intCount, 8);
    out.writeUInt32LE(this.doubles.length, 12);
    strings.copy(out, HEADER);
    const at = HEADER + strings.length;
    // The ints' bits as u32 (the bytes an i32le would have), read back as the reader's Int32Array view.
    writeColumn(out, at, new Uint32Array(this.ints.buffer, 0, this.intCount));
    writeColumn(out, at + this.intCount * 4, Float64Array.from(this.doubles));
    return out;
  }
}

/** Reads a ValueTapeWriter's blob; every read past its end, or of a value that is not what is asked, throws DamagedTape. */
export class ValueTapeReader {
  private readonly strings: string[];
  private readonly ints: Int32Array;
  private readonly doubles: Float64Array;
  private at = 0;
  private wide = 0;

  constructor(blob: Buffer) {
    if (blob.length < HEADER || blob[0] !== FORMAT) throw new DamagedTape(`not a value tape of format ${FORMAT}`);
    const stringBytes = blob.readUInt32LE(4);
    const ints = blob.readUInt32LE(8);
    const doubles = blob.readUInt32LE(12);
    const size = HEADER + stringBytes + ints * 4 + doubles * 8;
    if (blob.length !== size) throw new DamagedTape(`${blob.length} bytes where its header says ${size}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(blob.toString('utf8', HEADER, HEADER + stringBytes));
    } catch {
      throw new DamagedTape('its strings do not read as JSON');
    }
    if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string')) throw new DamagedTape('its strings are not a list of strings');
    this.strings = parsed as string[];
    const raw = new Uint32Array(ints);
    readColumn(blob, HEADER + stringBytes, raw);
    this.ints = new Int32Array(raw.buffer);
    this.doubles = new Float64Array(doubles);
    readColumn(blob, HEADER + stringBytes + ints * 4, this.doubles);
  }

  private next(): number {
    if (this.at >= this.ints.length) throw new DamagedTape('it ends early');
    return this.ints[this.at++]!;
  }

  str(): string | null {
    const v = this.next();
    if (v === NULL) return null;
    const s = this.strings[v];
    if (s === undefined) throw new DamagedTape(`string ${v} of ${this.strings.length}`);
    return s;
  }

  /** A string where the tape must hold one. */
  text(): string {
    const s = this.str();
    if (s === null) throw new DamagedTape('a null where a string must be');
    return s;
  }

  num(): number | null {
    const v = this.next();
    if (v === NULL) return null;
    if (v !== WIDE) return v;
    if (this.wide >= this.doubles.length) throw new DamagedTape('it ends early');
    return this.doubles[this.wide++]!;
  }

  /** A number where the tape must hold one. */
  value(): number {
    const n = this.num();
    if (n === null) throw new DamagedTape('a null where a number must be');
    return n;
  }

  count(): number {
    const v = this.next();
    if (v < 0) throw new DamagedTape(`a count of ${v}`);
    return v;
  }

  /** True when every value was read: a reader checks it after its last record. */
  get done(): boolean {
    return this.at === this.ints.length && this.wide === this.doubles.length;
  }
}
