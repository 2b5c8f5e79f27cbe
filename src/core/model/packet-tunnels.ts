/**
 * The tunnels a packet capture's packets came in (VXLAN, Geneve, IPIP: capture/pcap/tunnel.ts), one packet_tunnels row
 * per tunnel between two nodes (kind, VNI, outer addresses, outer destination port) with its packet count, frame range
 * and the frames themselves (u32 little-endian, ascending), so each stored packet, whose fields are the inner packet's,
 * can say which tunnel it was seen in. The outer UDP source port is not kept: VXLAN and Geneve senders make it a hash
 * of the inner flow (RFC 7348 §5, RFC 8926 §3.3) for ECMP, so it tells nothing the inner tuple does not.
 * Captures without tunnels write no row and pay one property test per packet.
 */
import type Database from 'better-sqlite3';
import type { PacketTunnel, TunnelKind } from '../records/records';

/** A tunnel of a capture, as stored. */
export interface StoredTunnel {
  captureId: number;
  /** 1, 2, ... within the capture, in the order first seen. */
  tunnel: number;
  kind: TunnelKind;
  vni: number | null;
  src: string;
  dst: string;
  dport: number | null;
  packets: number;
  firstFrame: number;
  lastFrame: number;
}

/** A tunnel as a view shows it on a packet: the outer packet, less its source port. */
export type TunnelView = Pick<StoredTunnel, 'kind' | 'vni' | 'src' | 'dst' | 'dport'>;

interface Tally {
  tunnel: PacketTunnel;
  frames: Uint32Array;
  count: number;
}

/** Counts the tunnels of one capture being written; `save()` writes them (again, whole, at every call). */
export class TunnelTally {
  private readonly byKey = new Map<string, Tally>();
  private readonly order: Tally[] = [];
  private last: Tally | null = null;
  private lastSeen: PacketTunnel | null = null;

  constructor(private readonly db: Database.Database, private readonly captureId: number) {}

  add(t: PacketTunnel, frame: number): void {
    let tally = this.last;
    // Packets come in runs of one tunnel (the decoder hands the same object for a run): the map is asked only when it changes.
    if (tally === null || (t !== this.lastSeen && !sameTunnel(tally.tunnel, t))) {
      const key = `${t.kind}|${t.vni ?? ''}|${t.src}|${t.dst}|${t.dport ?? ''}`;
      tally = this.byKey.get(key) ?? null;
      if (tally === null) {
        tally = { tunnel: { ...t, sport: null }, frames: new Uint32Array(64), count: 0 };
        this.byKey.set(key, tally);
        this.order.push(tally);
      }
      this.last = tally;
    }
    this.lastSeen = t;
    if (tally.count === tally.frames.length) {
      const grown = new Uint32Array(tally.frames.length * 2);
      grown.set(tally.frames);
      tally.frames = grown;
    }
    tally.frames[tally.count++] = frame;
  }

  save(): void {
    if (this.order.length === 0) return;
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO packet_tunnels (capture_id, tunnel, kind, vni, src, dst, dport, packets, first_frame, last_frame, frames)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.order.forEach((t, i) => {
      const frames = t.frames.subarray(0, t.count);
      insert.run(
        this.captureId, i + 1, t.tunnel.kind, t.tunnel.vni, t.tunnel.src, t.tunnel.dst, t.tunnel.dport, t.count,
        frames[0]!, frames[t.count - 1]!, framesBlob(frames),
      );
    });
  }
}

function sameTunnel(a: PacketTunnel, b: PacketTunnel): boolean {
  return a.kind === b.kind && a.vni === b.vni && a.src === b.src && a.dst === b.dst && a.dport === b.dport;
}

function framesBlob(frames: Uint32Array): Buffer {
  const out = Buffer.alloc(frames.length * 4);
  for (let i = 0; i < frames.length; i++) out.writeUInt32LE(frames[i]!, i * 4);
  return out;
}

function framesOf(blob: Buffer): Uint32Array {
  const out = new Uint32Array(blob.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = blob.readUInt32LE(i * 4);
  return out;
}

/** The tunnels of a capture, in the order first seen. */
export function capturedTunnels(db: Database.Database, captureId: number): StoredTunnel[] {
  const rows = db
    .prepare('SELECT tunnel, kind, vni, src, dst, dport, packets, first_frame, last_frame FROM packet_tunnels WHERE capture_id = ? ORDER BY tunnel')
    .raw(true)
    .all(captureId) as Array<[number, TunnelKind, number | null, string, string, number | null, number, number, number]>;
  return rows.map(([tunnel, kind, vni, src, dst, dport, packets, firstFrame, lastFrame]) => ({
    captureId, tunnel, kind, vni, src, dst, dport, packets, firstFrame, lastFrame,
  }));
}

/** Frames in ascending order, each with the index of its tunnel. */
interface FrameRun {
  frames: Uint32Array;
  tunnelAt: Uint32Array;
}

function ascending(frames: Uint32Array): boolean {
  for (let i = 1; i < frames.length; i++) if (frames[i - 1]! > frames[i]!) return false;
  return true;
}

function mergeRuns(a: FrameRun, b: FrameRun): FrameRun {
  const n = a.frames.length + b.frames.length;
  const frames = new Uint32Array(n);
  const tunnelAt = new Uint32Array(n);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    if (j >= b.frames.length || (i < a.frames.length && a.frames[i]! <= b.frames[j]!)) {
      frames[k] = a.frames[i]!;
      tunnelAt[k] = a.tunnelAt[i++]!;
    } else {
      frames[k] = b.frames[j]!;
      tunnelAt[k] = b.tunnelAt[j++]!;
    }
  }
  return { frames, tunnelAt };
}

/** The runs as one, sorted by frame (a capture written out of frame order: never by natlens's own writer). */
function sortedRun(runs: readonly FrameRun[]): FrameRun {
  const pairs: Array<[number, number]> = [];
  for (const r of runs) r.frames.forEach((f, i) => pairs.push([f, r.tunnelAt[i]!]));
  pairs.sort((x, y) => x[0] - y[0]);
  return { frames: Uint32Array.from(pairs, (p) => p[0]), tunnelAt: Uint32Array.from(pairs, (p) => p[1]) };
}

/** Which tunnel each frame of a capture came in: every tunnelled frame of the capture, sorted, with its tunnel. */
export class TunnelFrames {
  private readonly frames: Uint32Array;
  private readonly tunnelAt: Uint32Array;
  private readonly tunnels: TunnelView[];
  /** Where the last frame asked for was found (see of). */
  private last = 0;

  constructor(db: Database.Database, captureId: number) {
    const rows = db
      .prepare('SELECT kind, vni, src, dst, dport, frames FROM packet_tunnels WHERE capture_id = ? ORDER BY tunnel')
      .raw(true)
      .all(captureId) as Array<[TunnelKind, number | null, string, string, number | null, Buffer]>;
    this.tunnels = rows.map(([kind, vni, src, dst, dport]) => ({ kind, vni, src, dst, dport }));
    // Each tunnel's frames were written in frame order: the runs are merged two by two, not sorted again.
    let runs: FrameRun[] = rows.map((r, t) => {
      const frames = framesOf(r[5]);
      return { frames, tunnelAt: new Uint32Array(frames.length).fill(t) };
    });
    if (runs.some((r) => !ascending(r.frames))) runs = [sortedRun(runs)];
    while (runs.length > 1) {
      const merged: FrameRun[] = [];
      for (let i = 0; i < runs.length; i += 2) merged.push(i + 1 < runs.length ? mergeRuns(runs[i]!, runs[i + 1]!) : runs[i]!);
      runs = merged;
    }
    this.frames = runs[0]?.frames ?? new Uint32Array(0);
    this.tunnelAt = runs[0]?.tunnelAt ?? new Uint32Array(0);
  }

  get empty(): boolean {
    return this.frames.length === 0;
  }

  /** The tunnel frame `frame` came in, or null for a packet seen as it is. */
  of(frame: number): TunnelView | null {
    const f = this.frames;
    // Frames are mostly asked for in order (stitching reads a capture's packets in time order): the place of the last
    // answer is tried before a search.
    const last = this.last;
    if (last < f.length && f[last]! < frame) {
      const next = last + 1;
      if (next >= f.length || f[next]! > frame) return null;
      if (f[next] === frame) {
        this.last = next;
        return this.tunnels[this.tunnelAt[next]!]!;
      }
    }
    let lo = 0;
    let hi = f.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const x = f[mid]!;
      if (x === frame) {
        this.last = mid;
        return this.tunnels[this.tunnelAt[mid]!]!;
      }
      if (x < frame) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }
}
