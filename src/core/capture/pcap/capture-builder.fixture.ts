import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Byte-level builders for hand-made captures in tests. */
export class Bytes {
  private readonly parts: number[] = [];
  constructor(private readonly le = true) {}
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.le ? this.u8(v).u8(v >> 8) : this.u8(v >> 8).u8(v);
  }
  u32(v: number): this {
    return this.le ? this.u16(v & 0xffff).u16(v >>> 16) : this.u16(v >>> 16).u16(v & 0xffff);
  }
  u64(v: bigint): this {
    const lo = Number(v & 0xffffffffn);
    const hi = Number((v >> 32n) & 0xffffffffn);
    return this.le ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }
  raw(bytes: Uint8Array | number[]): this {
    for (const b of bytes) this.parts.push(b);
    return this;
  }
  pad4(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function pcapngBlock(type: number, body: Uint8Array, le = true): Uint8Array {
  const padded = new Bytes(le).raw(body).pad4().bytes();
  const total = 12 + padded.length;
  return new Bytes(le).u32(type).u32(total).raw(padded).u32(total).bytes();
}

export function shb(le = true): Uint8Array {
  return pcapngBlock(0x0a0d0d0a, new Bytes(le).u32(0x1a2b3c4d).u16(1).u16(0).u64(0xffffffffffffffffn).bytes(), le);
}

export function option(code: number, value: Uint8Array, le = true): Uint8Array {
  return new Bytes(le).u16(code).u16(value.length).raw(value).pad4().bytes();
}

export function idb(linkType: number, options: Uint8Array[] = [], le = true, snapLen = 262144): Uint8Array {
  const body = new Bytes(le).u16(linkType).u16(0).u32(snapLen);
  for (const o of options) body.raw(o);
  if (options.length > 0) body.u32(0);
  return pcapngBlock(1, body.bytes(), le);
}

export function epb(ifId: number, ts: bigint, data: Uint8Array, options: Uint8Array[] = [], le = true, origLen = data.length): Uint8Array {
  const body = new Bytes(le).u32(ifId).u32(Number(ts >> 32n)).u32(Number(ts & 0xffffffffn)).u32(data.length).u32(origLen).raw(data).pad4();
  for (const o of options) body.raw(o);
  if (options.length > 0) body.u32(0);
  return pcapngBlock(6, body.bytes(), le);
}

export function pcapHeader(linkType: number, le = true, nano = false): Uint8Array {
  return new Bytes(le).u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(262144).u32(linkType).bytes();
}

export function pcapRecord(sec: number, frac: number, data: Uint8Array, le = true, origLen = data.length, capLen = data.length): Uint8Array {
  return new Bytes(le).u32(sec).u32(frac).u32(capLen).u32(origLen).raw(data).bytes();
}

/** A UDP/IPv4 Ethernet frame, 192.0.2.1:1000 → 192.0.2.2:2000. */
export function udpFrame(): Uint8Array {
  return new Bytes(false)
    .raw([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]).u16(0x0800)
    .raw([0x45, 0]).u16(32).u16(7).u16(0).raw([64, 17]).u16(0).raw([192, 0, 2, 1, 192, 0, 2, 2])
    .u16(1000).u16(2000).u16(12).u16(0).raw([1, 2, 3, 4])
    .bytes();
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

let dir: string | null = null;
let n = 0;
/** Writes `bytes` to a fresh file in a per-process temporary directory. */
export function tempCapture(bytes: Uint8Array, ext = 'pcapng'): string {
  dir ??= mkdtempSync(path.join(tmpdir(), 'natlens-pcap-'));
  const file = path.join(dir, `c${n++}.${ext}`);
  writeFileSync(file, bytes);
  return file;
}

export function removeTempCaptures(): void {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
}
