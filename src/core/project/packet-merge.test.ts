import { describe, expect, it } from 'vitest';
import type { CaptureTuple } from '../model/flow-store';
import type { PacketBlock } from '../model/packet-block';
import type { PacketRun } from '../model/packet-store';
import { mergePacketStreams, type PacketStream } from './packet-merge';

/** A stand-in block: the merge reads frame, tuple id and time only. */
function block(packets: Array<[frame: number, sec: number, nsec: number, tupleId: number]>): PacketBlock {
  return {
    frame: (i: number) => packets[i]![0], tsSec: (i: number) => packets[i]![1], tsNsec: (i: number) => packets[i]![2], tupleId: (i: number) => packets[i]![3],
  } as unknown as PacketBlock;
}

function stream(captureId: number, shiftSeconds: number, runs: Array<Array<[number, number, number, number]>>): PacketStream {
  const tuple: CaptureTuple = { proto: 6, src: 'a', sport: 1, dst: 'b', dport: 2 };
  const out: PacketRun[] = runs.map((packets) => {
    const b = block(packets);
    return { blocks: packets.map(() => b), slots: packets.map((_, i) => i) };
  });
  return { captureId, shiftSeconds, runs: out[Symbol.iterator](), tuples: new Map([[1, tuple], [2, tuple]]) };
}

describe('mergePacketStreams', () => {
  it('visits every capture\'s packets in time order, across runs, with the capture\'s shift, equal times in capture order', () => {
    const seen: string[] = [];
    mergePacketStreams(
      [
        stream(1, 0, [[[1, 10, 0, 1], [2, 12, 0, 1]], [[3, 14, 500, 1]]]),
        stream(2, 0, [[[1, 10, 0, 1], [2, 11, 0, 1], [3, 14, 500, 1]]]),
        stream(3, -100, [[[1, 111, 0, 1], [2, 113, 0, 1]]]),
      ],
      () => false,
      (s, _tuple, _tupleId, b, slot, time) => seen.push(`${s.captureId}#${b.frame(slot)}@${time}`),
    );
    expect(seen).toEqual(['1#1@10', '2#1@10', '2#2@11', '3#1@11', '1#2@12', '3#2@13', '1#3@14.0000005', '2#3@14.0000005']);
  });

  it('passes over copies of another capture\'s packets and packets without a tuple, and empty captures', () => {
    const seen: string[] = [];
    mergePacketStreams(
      [stream(1, 0, [[[1, 1, 0, 1], [2, 2, 0, 99], [3, 3, 0, 2]]]), stream(2, 0, []), stream(3, 0, [[], [[1, 1, 5, 1]]])],
      (captureId, frame) => captureId === 1 && frame === 1,
      (s, _tuple, tupleId, b, slot) => seen.push(`${s.captureId}#${b.frame(slot)}/${tupleId}`),
    );
    expect(seen).toEqual(['3#1/1', '1#3/2']);
  });
});
