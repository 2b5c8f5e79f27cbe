/**
 * A kernel trace cut into walks: the lines of one packet's way through netfilter on one node. nftables' monitors
 * number each packet (`trace id`); the kernel log does not, so a packet is known there by what NAT leaves alone
 * (protocol, IP id, source address and port) and a walk ends when a hook it passed comes again or a second passes.
 * nftables' trace id is reused for a later packet in the same buffer, so there too a new IP id or a hook met again
 * starts a new walk.
 */
import type { KernelTraceEvent, KernelTraceHook } from '../records/records';

/** Lines of the kernel log more than this far apart (dmesg's uptime) are not one packet's walk. */
const WALK_GAP_SECONDS = 1;

export function kernelWalks<E extends KernelTraceEvent>(events: readonly E[]): E[][] {
  const walks: E[][] = [];
  cutKernelWalks(events, (e, walk) => {
    if (walk === walks.length) walks.push([e]);
    else walks[walk]!.push(e);
  }, () => undefined);
  return walks;
}

/** Open walks past which a cut looks for those a gap in the log ended (a log with dmesg's uptime). */
const SWEEP_ABOVE = 1024;

/** What the cut keeps of a walk still open: what the next line is compared with, not the lines. */
interface OpenWalk {
  id: number;
  /** The last line's IP id and uptime (null where that line printed none). */
  ipId: number | null;
  uptime: number | null;
  places: Set<string>;
}

/**
 * kernelWalks as the lines come, keeping only the open walks' last IP id, uptime and hooks met: `line` is told each
 * line's walk (numbered from 0 in the order walks begin), `ended` each walk no later line can join (its key taken by a
 * new walk, a gap of more than a second in the log, or the end of the lines), once.
 */
export function cutKernelWalks<E extends KernelTraceEvent>(events: Iterable<E>, line: (e: E, walk: number) => void, ended: (walk: number) => void): void {
  const open = new Map<string, OpenWalk>();
  let next = 0;
  for (const e of events) {
    const key = walkKey(e);
    const walk = key === null ? undefined : open.get(key);
    if (walk !== undefined && continues(walk, e)) {
      note(walk, e);
      line(e, walk.id);
      continue;
    }
    if (walk !== undefined) ended(walk.id);
    const fresh: OpenWalk = { id: next++, ipId: null, uptime: null, places: new Set() };
    note(fresh, e);
    line(e, fresh.id);
    if (key === null) ended(fresh.id);
    else open.set(key, fresh);
    if (open.size > SWEEP_ABOVE && e.time.uptime !== null) sweep(open, e.time.uptime, ended);
  }
  for (const w of open.values()) ended(w.id);
}

/** Ends the open walks whose last line is more than the gap behind `uptime`: no later line of the log continues them. */
function sweep(open: Map<string, OpenWalk>, uptime: number, ended: (walk: number) => void): void {
  for (const [key, w] of open) {
    if (w.uptime !== null && uptime - w.uptime > WALK_GAP_SECONDS) {
      open.delete(key);
      ended(w.id);
    }
  }
}

function note(walk: OpenWalk, e: KernelTraceEvent): void {
  walk.ipId = e.packet.ipId;
  walk.uptime = e.time.uptime;
  const place = hookPlace(e.hook);
  if (place !== null) walk.places.add(place);
}

function walkKey(e: KernelTraceEvent): string | null {
  if (e.traceId !== null) return `id|${e.traceId}`;
  const p = e.packet;
  if (p.src === null) return null;
  return `log|${p.proto}|${p.ipId}|${p.src}|${p.sport ?? p.icmp?.id ?? ''}`;
}

function continues(walk: OpenWalk, e: KernelTraceEvent): boolean {
  // nf_tables' trace id hashes the packet buffer's address with the flow's hash: a later packet of the flow in a reused buffer has the same one.
  if (e.packet.ipId !== null && walk.ipId !== null && e.packet.ipId !== walk.ipId) return false;
  if (walk.uptime !== null && e.time.uptime !== null && Math.abs(e.time.uptime - walk.uptime) > WALK_GAP_SECONDS) return false;
  const place = hookPlace(e.hook);
  return place === null || !walk.places.has(place);
}

/** A hook as one string, for equality; null for a LOG line, which may be met twice by one packet. */
export function hookPlace(h: KernelTraceHook): string | null {
  switch (h.kind) {
    case 'rule':
      return `rule|${h.table}|${h.chain}|${h.position ?? h.handle ?? h.ruleText ?? ''}`;
    case 'return':
    case 'policy':
      return `${h.kind}|${h.table}|${h.chain}|${h.position ?? ''}`;
    case 'packet':
      return `packet|${h.table}|${h.chain}`;
    case 'log':
      return null;
  }
}
