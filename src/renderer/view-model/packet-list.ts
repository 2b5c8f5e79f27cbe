/**
 * A flow's packets as the detail's list shows them: one row per sighting (node · interface, in aligned
 * time order), pages appended as the list scrolls, conntrack listings kept once after the packets.
 */
import type { FlowDetailJson, ObservationJson } from '../../shared/contract/flow-json';
import { tunnelLabel, tunnelSentence } from '../../shared/contract/tunnel-text';
import { clockText, tupleText } from './flow-table';

export interface PacketRow {
  key: string;
  /** 1-based position among the flow's packets. */
  number: number;
  at: string;
  atFull: string;
  where: string;
  /** The tunnel the packet was seen in, short (`VXLAN 1`, `IPIP`), '' when none; `tunnelFull` says between which nodes. */
  tunnel: string;
  tunnelFull: string;
  direction: string;
  stage: string;
  tuple: string;
  flags: string;
  length: string;
  source: string;
}

export interface PacketPages {
  packets: ObservationJson[];
  /** The flow's packets, loaded or not. */
  total: number;
}

const DASH = '—';

/** The first page from a flow's detail: its packets (its conntrack listings are shown apart). */
export function firstPacketPage(detail: FlowDetailJson): PacketPages {
  return { packets: detail.observations.filter((o) => o.kind === 'packet'), total: detail.packets };
}

/** A later page (`flowDetail` from `offset`), appended; an answer for another offset than the end is ignored. */
export function appendPacketPage(pages: PacketPages, offset: number, next: FlowDetailJson): PacketPages {
  if (offset !== pages.packets.length) return pages;
  return { packets: [...pages.packets, ...next.observations.filter((o) => o.kind === 'packet')], total: next.packets };
}

export function packetRow(o: ObservationJson, index: number): PacketRow {
  const time = o.alignedTime ?? o.time;
  return {
    key: `${index}`,
    number: index + 1,
    at: clockText(time),
    atFull: time === null ? 'no time captured' : `${time}${o.clockAligned ? '' : ' (this node’s clock, not aligned)'}`,
    where: `${o.node} · ${o.interface ?? '?'}${o.netns === null ? '' : ` [${o.netns}]`}`,
    tunnel: o.tunnel ? tunnelLabel(o.tunnel) : '',
    tunnelFull: o.tunnel ? tunnelSentence(o.tunnel) : '',
    direction: o.direction === 'original' ? '→' : o.direction === 'reply' ? '←' : '?',
    stage: o.stage ?? DASH,
    tuple: tupleText(o.packet),
    flags: o.tcpFlags ?? '',
    length: o.length === null ? DASH : String(o.length),
    source: o.source,
  };
}
