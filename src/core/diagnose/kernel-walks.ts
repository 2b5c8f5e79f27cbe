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
  const open = new Map<string, E[]>();
  for (const e of events) {
    const key = walkKey(e);
    const walk = key === null ? undefined : open.get(key);
    if (walk !== undefined && continues(walk, e)) {
      walk.push(e);
      continue;
    }
    const fresh = [e];
    walks.push(fresh);
    if (key !== null) open.set(key, fresh);
  }
  return walks;
}

function walkKey(e: KernelTraceEvent): string | null {
  if (e.traceId !== null) return `id|${e.traceId}`;
  const p = e.packet;
  if (p.src === null) return null;
  return `log|${p.proto}|${p.ipId}|${p.src}|${p.sport ?? p.icmp?.id ?? ''}`;
}

function continues(walk: readonly KernelTraceEvent[], e: KernelTraceEvent): boolean {
  const last = walk[walk.length - 1]!;
  // nf_tables' trace id hashes the packet buffer's address with the flow's hash: a later packet of the flow in a reused buffer has the same one.
  if (e.packet.ipId !== null && last.packet.ipId !== null && e.packet.ipId !== last.packet.ipId) return false;
  if (last.time.uptime !== null && e.time.uptime !== null && Math.abs(e.time.uptime - last.time.uptime) > WALK_GAP_SECONDS) return false;
  const place = hookPlace(e.hook);
  return place === null || !walk.some((w) => hookPlace(w.hook) === place);
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
