// Writes a classic pcap of small Ethernet/IPv4 frames over `connections` distinct 5-tuples, in chunks.
//
// Packet i belongs to connection i % connections. With the default 5,000 connections every packet is
// a TCP segment of a pod → service conversation (the shape the benchmarks have always measured). Any
// other count draws each connection from a mix of short-lived traffic: SYN scans (one scanner, many
// hosts and ports), DNS lookups (UDP, a fresh source port each), kubelet health checks (node → pod,
// a fresh source port each) and pod → service requests; up to 2^22 connections stay distinct.
import fs from 'node:fs';

const TCP_FRAME = 54;
const UDP_FRAME = 42 + 32; // a 32-byte DNS query
export const CLASSIC_CONNECTIONS = 5000;

export function writeSyntheticPcap(file, packets, { connections = CLASSIC_CONNECTIONS } = {}) {
  if (!Number.isInteger(connections) || connections < 1 || connections > 1 << 22) {
    throw new RangeError(`connections must be an integer in 1..${1 << 22}, got ${connections}`);
  }
  const fd = fs.openSync(file, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  fs.writeSync(fd, header);
  let bytes = 24;
  const perChunk = 10_000;
  const chunk = Buffer.alloc(perChunk * (16 + Math.max(TCP_FRAME, UDP_FRAME)));
  for (let done = 0; done < packets; done += perChunk) {
    const n = Math.min(perChunk, packets - done);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const index = done + i;
      const flow = index % connections;
      at += connections === CLASSIC_CONNECTIONS ? writeClassic(chunk, at, index, flow) : writeMixed(chunk, at, index, flow);
    }
    fs.writeSync(fd, chunk, 0, at);
    bytes += at;
  }
  fs.closeSync(fd);
  return bytes;
}

function recordHeader(b, at, index, frameBytes) {
  b.writeUInt32LE(1_700_000_000 + Math.floor(index / 1000), at);
  b.writeUInt32LE((index % 1000) * 1000, at + 4);
  b.writeUInt32LE(frameBytes, at + 8);
  b.writeUInt32LE(frameBytes, at + 12);
  const f = at + 16;
  b.fill(0, f, f + frameBytes);
  b.writeUInt32BE(0x02000000, f); b.writeUInt16BE(0x0001, f + 4);
  b.writeUInt32BE(0x02000000, f + 6); b.writeUInt16BE(0x0002, f + 10);
  b.writeUInt16BE(0x0800, f + 12);
  return f + 14;
}

function ipv4(b, ip, index, proto, totalLen, src, dst) {
  b[ip] = 0x45;
  b.writeUInt16BE(totalLen, ip + 2);
  b.writeUInt16BE(index & 0xffff, ip + 4);
  b[ip + 8] = 64;
  b[ip + 9] = proto;
  b.writeUInt32BE(src >>> 0, ip + 12);
  b.writeUInt32BE(dst >>> 0, ip + 16);
}

function tcp(b, at, index, sport, dport, flags) {
  b.writeUInt16BE(sport, at);
  b.writeUInt16BE(dport, at + 2);
  b.writeUInt32BE(index >>> 0, at + 4);
  b.writeUInt32BE((index * 7) >>> 0, at + 8);
  b[at + 12] = 0x50;
  b[at + 13] = flags;
  b.writeUInt16BE(65535, at + 14);
}

function writeClassic(b, at, index, flow) {
  const ip = recordHeader(b, at, index, TCP_FRAME);
  ipv4(b, ip, index, 6, 40, 0x0af40000 + flow, 0x0a600000 + (flow % 300) + 10); // 10.244.x.y → 10.96.x.y
  tcp(b, ip + 20, index, 32768 + flow, 80, index % 50 === 0 ? 0x02 : 0x10);
  return 16 + TCP_FRAME;
}

function writeMixed(b, at, index, flow) {
  const j = flow >>> 2; // below 2^20: each kind keeps its connections distinct with it
  switch (flow & 3) {
    case 0: { // SYN scan: one scanner pod, 4096 hosts of 10.96/16 × 256 ports
      const ip = recordHeader(b, at, index, TCP_FRAME);
      ipv4(b, ip, index, 6, 40, 0x0af4c807, 0x0a600000 + (j >>> 8));
      tcp(b, ip + 20, index, 40000, 1 + (j & 255), 0x02);
      return 16 + TCP_FRAME;
    }
    case 1: { // DNS: 64 client pods, a fresh source port each lookup, to the cluster DNS
      const ip = recordHeader(b, at, index, UDP_FRAME);
      ipv4(b, ip, index, 17, UDP_FRAME - 14, 0x0af40100 + (j >>> 14), 0x0a60000a);
      const udp = ip + 20;
      b.writeUInt16BE(16384 + (j & 16383), udp);
      b.writeUInt16BE(53, udp + 2);
      b.writeUInt16BE(UDP_FRAME - 34, udp + 4);
      b.writeUInt16BE(index & 0xffff, udp + 8); // DNS id
      b.writeUInt16BE(0x0100, udp + 10);
      return 16 + UDP_FRAME;
    }
    case 2: { // kubelet health checks: 64 nodes → 200 pods on :8080, a fresh source port each
      const ip = recordHeader(b, at, index, TCP_FRAME);
      ipv4(b, ip, index, 6, 40, 0x0a800000 + (j >>> 14) + 1, 0x0af40500 + (j % 200));
      tcp(b, ip + 20, index, 32768 + (j & 16383), 8080, index % 3 === 0 ? 0x02 : 0x10);
      return 16 + TCP_FRAME;
    }
    default: { // pod → service requests: 64 pods, 300 services
      const ip = recordHeader(b, at, index, TCP_FRAME);
      ipv4(b, ip, index, 6, 40, 0x0af41000 + (j >>> 14), 0x0a600000 + (j % 300) + 10);
      tcp(b, ip + 20, index, 32768 + (j & 16383), 80, 0x10);
      return 16 + TCP_FRAME;
    }
  }
}
