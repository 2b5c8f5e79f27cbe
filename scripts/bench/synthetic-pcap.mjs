// Writes a classic pcap of small Ethernet/IPv4/TCP frames over many flows, in chunks.
import fs from 'node:fs';

const FRAME_BYTES = 54;

/** `flows` connections (5,000 unless given), the packets dealt round-robin among them. */
export function writeSyntheticPcap(file, packets, flows = 5000) {
  const fd = fs.openSync(file, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  fs.writeSync(fd, header);
  const perChunk = 10_000;
  const record = 16 + FRAME_BYTES;
  const chunk = Buffer.alloc(perChunk * record);
  for (let done = 0; done < packets; done += perChunk) {
    const n = Math.min(perChunk, packets - done);
    for (let i = 0; i < n; i++) writeRecord(chunk, i * record, done + i, flows);
    fs.writeSync(fd, chunk, 0, n * record);
  }
  fs.closeSync(fd);
  return 24 + packets * record;
}

function writeRecord(b, at, index, flows) {
  b.writeUInt32LE(1_700_000_000 + Math.floor(index / 1000), at);
  b.writeUInt32LE((index % 1000) * 1000, at + 4);
  b.writeUInt32LE(FRAME_BYTES, at + 8);
  b.writeUInt32LE(FRAME_BYTES, at + 12);
  const f = at + 16;
  b.fill(0, f, f + FRAME_BYTES);
  b.writeUInt32BE(0x02000000, f); b.writeUInt16BE(0x0001, f + 4);
  b.writeUInt32BE(0x02000000, f + 6); b.writeUInt16BE(0x0002, f + 10);
  b.writeUInt16BE(0x0800, f + 12);
  const ip = f + 14;
  const flow = index % flows;
  b[ip] = 0x45;
  b.writeUInt16BE(40, ip + 2);
  b.writeUInt16BE(index & 0xffff, ip + 4);
  b[ip + 8] = 64;
  b[ip + 9] = 6;
  b.writeUInt32BE(0x0af40000 + flow, ip + 12); // 10.244.x.y
  b.writeUInt32BE(0x0a600000 + (flow % 300) + 10, ip + 16); // 10.96.x.y
  const tcp = ip + 20;
  b.writeUInt16BE(32768 + (flow % 32768), tcp);
  b.writeUInt16BE(80, tcp + 2);
  b.writeUInt32BE(index >>> 0, tcp + 4);
  b.writeUInt32BE((index * 7) >>> 0, tcp + 8);
  b[tcp + 12] = 0x50;
  b[tcp + 13] = index % 50 === 0 ? 0x02 : 0x10;
  b.writeUInt16BE(65535, tcp + 14);
}
