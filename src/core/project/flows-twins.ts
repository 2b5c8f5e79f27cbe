/**
 * Twin captures and undated times. The same packets are often captured twice at one point: a pcap and
 * the tcpdump text of it (`tcpdump -w x.pcap --print`), one file imported under two names, an `-i any`
 * capture beside an `-i cbr0` one. A packet seen at the same node and interface, at the same instant
 * (to the microsecond), with the same addresses, ports, TCP flags and length, is one sighting: the
 * richer capture keeps it (a pcap before text, a dated capture before an undated one, else the first
 * imported) and the other's copy is a twin, left out of flows and counts. A capture whose packets are
 * all in one other capture is that capture's twin. A packet read inside a tunnel is a copy only of one read
 * inside the same tunnel (the underlay's view of a pod packet is another point than the tunnel device's).
 *
 * tcpdump text printed without -tt/-tttt has times of day and no date (stored from 1970-01-01). Such a
 * capture is placed by what else the project knows, in this order: its twin (exact), what `date` printed
 * in the same transcript, the node's other dated captures, the file's modification time; the basis is kept so every face can say it is inferred.
 * Times of day are matched modulo 15 minutes, the granularity of time zones, so a capture printed in
 * local time still meets its UTC pcap.
 */
import { FlowStore, type PacketCaptureRow, type TimeBasis } from '../model/flow-store';
import type { PacketBlock } from '../model/packet-block';
import type { Store } from '../model/store';
import type { CaptureInterfaces } from '../flows/capture-interface';
import type { TunnelView } from '../model/packet-tunnels';

export type { TimeBasis };

/** Where the times of a capture without dates were placed: add `shiftSeconds` to its packets' stored times. */
export interface CapturePlacement {
  captureId: number;
  shiftSeconds: number;
  basis: TimeBasis;
}

/** Consecutive frames of `captureId` that are copies of packets of `twinOf`. */
export interface TwinRun {
  captureId: number;
  firstFrame: number;
  lastFrame: number;
  twinOf: number;
}

export interface CaptureTwinSummary {
  captureId: number;
  packets: number;
  /** Packets that are copies of another capture's. */
  duplicates: number;
  /** The capture holding most of those copies; with duplicates === packets this capture is its twin. */
  twinOf: number | null;
}

export interface TwinReport {
  runs: TwinRun[];
  placements: CapturePlacement[];
  captures: CaptureTwinSummary[];
}

/** Stored times before this are not times since 1970 but times of day (or since the first packet). */
const UNDATED_BEFORE = 40 * 86400;
const DAY = 86400;
const ZONE_STEP = 900;
const NOT_IP = 0x3c6ef372;
const WINDOW_MICROS = ZONE_STEP * 1e6;
/**
 * Two tcpdumps at one interface (`-i any` and `-i cbr0`) stamp the same packet a microsecond or two apart;
 * a pcap and its own text agree exactly. Copies are looked for this close, nearest first.
 */
const SLACK_MICROS = 5;

/** Frames of one capture that stitching leaves out (copies of a twin's packets). */
export class TwinFrames {
  private readonly frames = new Map<number, Set<number> | 'all'>();

  constructor(runs: readonly TwinRun[], summaries: readonly CaptureTwinSummary[]) {
    for (const s of summaries) if (s.packets > 0 && s.duplicates === s.packets) this.frames.set(s.captureId, 'all');
    for (const r of runs) {
      let set = this.frames.get(r.captureId);
      if (set === 'all') continue;
      if (set === undefined) this.frames.set(r.captureId, (set = new Set()));
      for (let f = r.firstFrame; f <= r.lastFrame; f++) set.add(f);
    }
  }

  /** True when the capture has no packet of its own (it is wholly a twin). */
  whollyTwin(captureId: number): boolean {
    return this.frames.get(captureId) === 'all';
  }

  isTwin(captureId: number, frame: number): boolean {
    const set = this.frames.get(captureId);
    return set === 'all' || (set !== undefined && set.has(frame));
  }
}

function hashString(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A 53-bit number standing for (interface, time modulo 15 min to the µs, tuple, TCP flags, length). For
 * ARP and other non-IP frames only the interface and the instant: tcpdump's text of them names fewer
 * fields than the frame holds.
 */
function signature(ifaceHash: number, tupleHash: number, micros: number, flagsLen: number | null): number {
  let h = Math.imul(ifaceHash ^ tupleHash, 0x85ebca6b);
  h = Math.imul(h ^ Math.floor(micros / 1e6), 0xc2b2ae35);
  h = Math.imul(h ^ (micros % 1e6), 0x85ebca6b);
  if (flagsLen !== null) h = Math.imul(h ^ flagsLen, 0xc2b2ae35);
  const low = (h ^ (h >>> 16)) >>> 0;
  const high = (Math.imul(tupleHash ^ micros ^ ifaceHash, 0x27d4eb2f) >>> 11) & 0x1fffff;
  return high * 2 ** 32 + low;
}

/** Probe order for a copy's time: the same microsecond first, then ±1, ±2 ... ±SLACK_MICROS. */
const PROBES: readonly number[] = [0, ...Array.from({ length: SLACK_MICROS }, (_, k) => [k + 1, -(k + 1)]).flat()];

export interface TwinInputs {
  store: Store;
  captures: readonly PacketCaptureRow[];
  names: ReadonlyMap<number, CaptureInterfaces>;
}

/**
 * Whether a capture's times are times of day without a date. A capture imported before the clock was
 * stored with it is judged by its first time: -ttt and -ttttt start at 0, a time of day does not.
 */
export function isUndated(c: PacketCaptureRow, firstSec: number | null): boolean {
  if (c.kind !== 'tcpdump-text' || firstSec === null || firstSec >= UNDATED_BEFORE) return false;
  return c.detail.clock === undefined ? firstSec > 0 : c.detail.clock === 'time-of-day';
}

/** Finds twin packets and places undated captures, one node (and namespace) at a time. */
export function findTwins({ store, captures, names }: TwinInputs): TwinReport {
  const report: TwinReport = { runs: [], placements: [], captures: [] };
  const groups = new Map<string, PacketCaptureRow[]>();
  for (const c of captures) {
    const key = `${c.nodeId}|${c.netns ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  for (const group of groups.values()) findTwinsOnNode(store, group, names, report);
  return report;
}

function firstSecOf(store: Store, captureId: number): number | null {
  const first = store.packets.blocks(captureId)[0];
  return first === undefined ? null : first.minSec;
}

function findTwinsOnNode(
  store: Store, group: readonly PacketCaptureRow[], names: ReadonlyMap<number, CaptureInterfaces>, report: TwinReport,
): void {
  const info = group.map((c) => ({ c, first: firstSecOf(store, c.id) }));
  const undated = new Set(info.filter((x) => isUndated(x.c, x.first)).map((x) => x.c.id));
  // Richest first: the copy a later capture matches is the one kept.
  const rank = (c: PacketCaptureRow): number => (c.kind === 'pcap' ? 0 : 2) + (undated.has(c.id) ? 1 : 0);
  const ordered = info.map((x) => x.c).sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  // signature → capture id × 2^32 + the packet's stored second (dated captures' seconds fit in 32 bits).
  const seen = new Map<number, number>();
  // Copies are looked for only among captures that share an interface (a copy is one of the same point):
  // a node's per-interface captures alone cost nothing here.
  const pointsOf = new Map(group.map((c) => {
    const namer = names.get(c.id)!;
    return [c.id, new Set([namer.of(null).name ?? '', ...c.detail.interfaces.map((i) => namer.of(i).name ?? '')])];
  }));
  const sharing = new Set<number>();
  for (const a of group) {
    for (const b of group) {
      if (a.id < b.id && [...pointsOf.get(a.id)!].some((p) => pointsOf.get(b.id)!.has(p))) sharing.add(a.id).add(b.id);
    }
  }
  for (const c of ordered) {
    const single = !sharing.has(c.id);
    const namer = names.get(c.id)!;
    // Every tuple, ARP's sender/target too: a twin must match packet for packet, not only the IP ones.
    const tuples = store.packets.tuplesOf(c.id);
    // A packet read inside a tunnel (on the underlay) and the same packet on the tunnel device or a veth are two
    // sightings, not copies: the tunnel is part of the point.
    const tunnels = store.packets.tunnelFrames(c.id);
    const tunnelHashes = new Map<TunnelView, number>();
    const tupleHashes = new Map<number, number>();
    const ifaceHashes = new Map<string | null, number>();
    const matchedBy = new Map<number, number>();
    /** Copies this capture already paired with. */
    const taken = new Set<number>();
    const shifts = new Map<number, number>();
    let packets = 0;
    let duplicates = 0;
    let run: TwinRun | null = null;
    if (single) {
      report.captures.push({ captureId: c.id, packets: store.packets.count(c.id), duplicates: 0, twinOf: null });
      continue;
    }
    const closeRun = (): void => {
      if (run) report.runs.push(run);
      run = null;
    };
    for (const meta of store.packets.blocks(c.id)) {
      const b = store.packets.block(meta.id);
      for (let i = 0; i < b.count; i++) {
        packets++;
        const tupleId = b.tupleId(i);
        let th = tupleHashes.get(tupleId);
        if (th === undefined) {
          const t = tuples.get(tupleId);
          th = t === undefined || t.ipProto === null ? NOT_IP : hashString(`${t.ipProto}|${t.src}|${t.sport ?? ''}|${t.dst}|${t.dport ?? ''}`, 0x811c9dc5);
          tupleHashes.set(tupleId, th);
        }
        const raw = b.iface(i);
        let ih = ifaceHashes.get(raw);
        if (ih === undefined) {
          ih = hashString(namer.of(raw).name ?? '', 0x9747b28c);
          ifaceHashes.set(raw, ih);
        }
        const tunnel = tunnels.empty ? null : tunnels.of(b.frame(i));
        if (tunnel !== null) {
          let h = tunnelHashes.get(tunnel);
          if (h === undefined) tunnelHashes.set(tunnel, (h = hashString(`${tunnel.kind}|${tunnel.vni ?? ''}|${tunnel.src}|${tunnel.dst}`, 0x3c6ef372)));
          ih = (ih ^ h) >>> 0;
        }
        const sec = b.tsSec(i);
        const micros = Math.floor(b.tsNsec(i) / 1000);
        const inWindow = (((sec % ZONE_STEP) + ZONE_STEP) % ZONE_STEP) * 1e6 + micros;
        const flagsLen = th === NOT_IP ? null : (((b.tcpFlags(i) ?? 0x1ff) << 20) | ((b.payloadLen(i) ?? 0xfffff) & 0xfffff)) >>> 0;
        let hit: { capture: number; diff: number; sig: number } | null = null;
        for (const k of PROBES) {
          const t = (inWindow + k + WINDOW_MICROS) % WINDOW_MICROS;
          const probe = signature(ih, th, t, flagsLen);
          const value = seen.get(probe);
          if (value === undefined || taken.has(probe)) continue;
          const capture = Math.floor(value / 2 ** 32);
          if (capture === c.id) continue;
          // The copy's own time: its stored second and the microsecond the probe found it at.
          const diff = ((value - capture * 2 ** 32) * 1e6 + (t % 1e6)) - (sec * 1e6 + micros);
          // Both dated: the same instant, not merely the same time of day.
          if (!undated.has(c.id) && !undated.has(capture) && Math.abs(diff) > SLACK_MICROS) continue;
          hit = { capture, diff, sig: probe };
          break;
        }
        if (hit === null) {
          closeRun();
          const own = signature(ih, th, inWindow, flagsLen);
          if (!seen.has(own)) seen.set(own, c.id * 2 ** 32 + Math.max(0, Math.min(sec, 2 ** 32 - 1)));
          continue;
        }
        // One copy stands for one packet: a bridge's three sightings of a segment pair off one to one.
        taken.add(hit.sig);
        // Kept as a copy's own instant too, so an exact twin of this capture (its text) pairs with it, not with the first.
        const own = signature(ih, th, inWindow, flagsLen);
        if (!seen.has(own)) seen.set(own, c.id * 2 ** 32 + Math.max(0, Math.min(sec, 2 ** 32 - 1)));
        const hitCapture = hit.capture;
        duplicates++;
        matchedBy.set(hitCapture, (matchedBy.get(hitCapture) ?? 0) + 1);
        if (undated.has(c.id) && !undated.has(hitCapture)) {
          const shift = Math.round(hit.diff / 1e6);
          shifts.set(shift, (shifts.get(shift) ?? 0) + 1);
        }
        const frame = b.frame(i);
        if (run !== null && (run as TwinRun).twinOf === hitCapture && (run as TwinRun).lastFrame === frame - 1) (run as TwinRun).lastFrame = frame;
        else {
          closeRun();
          run = { captureId: c.id, firstFrame: frame, lastFrame: frame, twinOf: hitCapture };
        }
      }
    }
    closeRun();
    const twinOf = [...matchedBy].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? null;
    report.captures.push({ captureId: c.id, packets, duplicates, twinOf });
    if (undated.has(c.id)) {
      const best = [...shifts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
      if (best !== undefined) report.placements.push({ captureId: c.id, shiftSeconds: best[0], basis: 'twin' });
    }
  }
  placeUndated(store, group, info, undated, report);
}

/** Undated captures no twin placed: by the node's other dated captures, else by the file's modification time. */
function placeUndated(
  store: Store, group: readonly PacketCaptureRow[], info: ReadonlyArray<{ c: PacketCaptureRow; first: number | null }>,
  undated: ReadonlySet<number>, report: TwinReport,
): void {
  const placed = new Set(report.placements.map((p) => p.captureId));
  const pending = info.filter((x) => undated.has(x.c.id) && !placed.has(x.c.id) && x.first !== null);
  if (pending.length === 0) return;
  const nodeTimes: number[] = [];
  for (const x of info) if (!undated.has(x.c.id) && x.first !== null && x.first >= UNDATED_BEFORE) nodeTimes.push(x.first);
  const nodeId = group[0]!.nodeId;
  for (const row of store.capturesOf(nodeId)) {
    if (row.kind === 'pcap' || row.kind === 'tcpdump-text' || row.takenAt === null) continue;
    const t = Date.parse(row.takenAt) / 1000;
    if (!Number.isNaN(t) && t >= UNDATED_BEFORE) nodeTimes.push(t);
  }
  nodeTimes.sort((a, b) => a - b);
  const flowStore = new FlowStore(store);
  for (const { c, first } of pending) {
    const dated = transcriptDate(flowStore.dateOutputs(c.sourceFile), c.firstLine, first!);
    if (dated !== null) {
      report.placements.push({ captureId: c.id, shiftSeconds: dated, basis: 'transcript-date' });
      continue;
    }
    const reference = nodeTimes.length > 0 ? nodeTimes[nodeTimes.length >> 1]! : null;
    if (reference !== null) {
      report.placements.push({ captureId: c.id, shiftSeconds: nearestDayShift(first!, reference), basis: 'node-captures' });
      continue;
    }
    const mtime = c.detail.fileModifiedAt === undefined ? NaN : Date.parse(c.detail.fileModifiedAt) / 1000;
    if (Number.isNaN(mtime)) continue;
    // The file was written as the packets came: its first packet falls on the day before its modification time.
    const shift = nearestDayShift(first!, mtime);
    report.placements.push({ captureId: c.id, shiftSeconds: first! + shift > mtime ? shift - DAY : shift, basis: 'file-mtime' });
  }
}

/** The whole-day shift that brings `sec` nearest to `reference`. */
export function nearestDayShift(sec: number, reference: number): number {
  return Math.round((reference - sec) / DAY) * DAY;
}

/**
 * The shift that places a capture's times of day (`firstSec`, local time on the node) by the `date` output
 * of its transcript nearest to it: `date` prints the local time with its zone, so both the day and the
 * zone's offset are known. Null when no `date` output there reads as a time.
 */
export function transcriptDate(outputs: ReadonlyArray<{ line: number; text: string }>, line: number | null, firstSec: number): number | null {
  const readable = outputs
    .map((o) => ({ line: o.line, text: o.text.trim().split('\n')[0]!, instant: Date.parse(o.text.trim().split('\n')[0]!) / 1000 }))
    // Only a text naming its zone says an instant; without one Date.parse would read it in natlens's own zone.
    .filter((o) => !Number.isNaN(o.instant) && /\b(UTC|GMT|[ECMP][SD]T)\b|\dZ\b|[+-]\d{2}:?\d{2}$/.test(o.text));
  if (readable.length === 0) return null;
  const nearest = readable.sort((a, b) => Math.abs(a.line - (line ?? 0)) - Math.abs(b.line - (line ?? 0)))[0]!;
  const clock = /\b(\d{1,2}):(\d{2}):(\d{2})\b/.exec(nearest.text);
  let zone = 0;
  if (clock) {
    const local = Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
    const utc = ((Math.floor(nearest.instant) % DAY) + DAY) % DAY;
    zone = Math.round((local - utc) / ZONE_STEP) * ZONE_STEP;
    if (zone > DAY / 2) zone -= DAY;
    if (zone < -DAY / 2) zone += DAY;
  }
  // Local time of day minus the zone is UTC; then the day that puts the first packet nearest the `date`.
  return nearestDayShift(firstSec - zone, nearest.instant) - zone;
}
