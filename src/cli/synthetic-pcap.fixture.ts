/** Test-only: writes a large classic pcap of small TCP/IPv4 frames, in chunks, without holding it in memory. */
import fs from 'node:fs';

const FRAME_BYTES = 54; // Ethernet 14 + IPv4 20 + TCP 20

export function writeSyntheticPcap(file: string, packets: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16);
    header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    fs.writeSync(fd, header);
    const perChunk = 10_000;
    const record = 16 + FRAME_BYTES;
    const chunk = Buffer.alloc(perChunk * record);
    for (let done = 0; done < packets; done += perChunk) {
      const n = Math.min(perChunk, packets - done);
      for (let i = 0; i < n; i++) writeRecord(chunk, i * record, done + i);
      fs.writeSync(fd, chunk, 0, n * record);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function writeRecord(b: Buffer, at: number, index: number): void {
  b.writeUInt32LE(1_700_000_000 + Math.floor(index / 1000), at);
  b.writeUInt32LE((index % 1000) * 1000, at + 4);
  b.writeUInt32LE(FRAME_BYTES, at + 8);
  b.writeUInt32LE(FRAME_BYTES, at + 12);
  const f = at + 16;
  b.fill(0, f, f + FRAME_BYTES);
  b.writeUInt32BE(0x02000000, f); b.writeUInt16BE(0x0001, f + 4); // dst mac 02:00:00:00:00:01
  b.writeUInt32BE(0x02000000, f + 6); b.writeUInt16BE(0x0002, f + 10); // src mac
  b.writeUInt16BE(0x0800, f + 12);
  const ip = f + 14;
  b[ip] = 0x45;
  b.writeUInt16BE(40, ip + 2);
  b.writeUInt16BE(index & 0xffff, ip + 4);
  b[ip + 8] = 64;
  b[ip + 9] = 6;
  b.writeUInt32BE(0x0a000000 + (index % 250) + 1, ip + 12); // 10.0.0.x
  b.writeUInt32BE(0x0a600001, ip + 16); // 10.96.0.1
  const tcp = ip + 20;
  b.writeUInt16BE(30000 + (index % 30000), tcp);
  b.writeUInt16BE(443, tcp + 2);
  b.writeUInt32BE(index >>> 0, tcp + 4);
  b[tcp + 12] = 0x50;
  b[tcp + 13] = 0x02; // SYN
  b.writeUInt16BE(65535, tcp + 14);
}
