import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../records/records';
import { detectCaptureKind, parseTcpdumpUnit, splitTextCapture } from '../registry';
import { looksLikeTsharkText, parseTsharkText } from './tshark-text';

function read(text: string): PacketRecord[] {
  const out: PacketRecord[] = [];
  parseTsharkText({ file: 't', text, firstLine: 1 }, (p) => out.push(p));
  return out;
}

const haveTshark = ((): boolean => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('tshark one-line summary', () => {
  it('reads the ksniff capture (external-dns 2027): ARP, DNS and ICMP rows, the banner and the elision named', () => {
    const file = 'test/fixtures/real/external-dns-issues/2027-ksniff-tshark.txt';
    const split = splitTextCapture({ file, text: readFileSync(file, 'utf8'), firstLine: 1 });
    expect(split.units.map((u) => u.kind)).toEqual(['tcpdump-text']);
    expect(split.warnings.map((w) => w.line)).toEqual([1, 12]);
    const packets: PacketRecord[] = [];
    const summary = parseTcpdumpUnit(split.units[0]!, (p) => packets.push(p));
    expect(summary.packets).toBe(10);
    expect(packets[0]).toMatchObject({ network: 'arp', arpOp: 1, src: '10.244.0.22', dst: '10.244.0.1', srcMac: 'a2:73:10:f9:e4:1f', origLen: 44, line: 2 });
    expect(packets[2]).toMatchObject({ network: 'arp', arpOp: 2, src: '10.244.0.1', srcMac: '66:6d:53:2b:df:7a' });
    // DNS runs over UDP and TCP: the summary does not say which, so neither transport nor ports are guessed.
    expect(packets[3]).toMatchObject({ network: 'ipv4', src: '10.244.0.22', dst: '10.96.0.10', ipProto: null, sport: null, dport: null, origLen: 109 });
    expect(packets[8]).toMatchObject({ network: 'ipv4', src: '10.96.0.10', dst: '10.244.0.22', ipProto: 1, icmpType: 3, icmpCode: 1, tsSec: 3 });
  });

  it('reads TCP ports and flags from the Info column, with the arrow tshark prints in either form', () => {
    const [syn, synAck, v6] = read([
      '    3   0.000037 192.168.56.11 → 10.40.2.2    TCP 74 40001 → 8080 [SYN] Seq=0 Win=64240 Len=0 MSS=1460',
      '    4   0.000118    10.40.2.2 -> 192.168.56.11 TCP 74 8080 > 40001 [SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0',
      '    5   1.5 fd00::1 → fd00::2 UDP 62 5353 → 53 Len=12',
    ].join('\n'));
    expect(syn).toMatchObject({ frame: 1, tsSec: 0, tsNsec: 37_000, ipProto: 6, sport: 40001, dport: 8080, tcpFlags: 0x02, origLen: 74 });
    expect(synAck).toMatchObject({ ipProto: 6, sport: 8080, dport: 40001, tcpFlags: 0x12 });
    expect(v6).toMatchObject({ network: 'ipv6', src: 'fd00::1', dst: 'fd00::2', ipProto: 17, sport: 5353, dport: 53, tsSec: 1, tsNsec: 500_000_000 });
  });

  it('is told apart from tcpdump text and from other tables', () => {
    expect(looksLikeTsharkText('    1   0.000000 10.0.0.1 → 10.0.0.2 ICMP 98 Echo (ping) request  id=0x0001, seq=1/256, ttl=64\n')).toBe(true);
    expect(looksLikeTsharkText('12:00:00.000000 IP 10.0.0.1.40001 > 10.0.0.2.80: Flags [S], seq 1, length 0\n')).toBe(false);
    expect(looksLikeTsharkText('NAME   TYPE   CLUSTER-IP\n')).toBe(false);
    expect(detectCaptureKind('    1   0.000000 10.0.0.1 → 10.0.0.2 ICMP 98 Echo (ping) request  id=0x0001, seq=1/256, ttl=64\n')).toBe('tcpdump-text');
    const [echo] = read('    1   0.000000 10.0.0.1 → 10.0.0.2 ICMP 98 Echo (ping) request  id=0x0001, seq=1/256, ttl=64\n');
    expect(echo).toMatchObject({ ipProto: 1, icmpType: 8, icmpId: 1 });
  });

  it('rejects a text without any packet line, naming it', () => {
    expect(() => read('hello\n')).toThrow('t:1: no tshark packet line found');
  });

  it.skipIf(!haveTshark)('agrees with tshark -T fields on a lab pcap: addresses, ports where shown, TCP flags, lengths', () => {
    const pcap = 'test/fixtures/lab/nodes/nodea/eth0.pcap';
    const summary = execFileSync('tshark', ['-r', pcap], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const fields = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'frame.len', '-e', 'tcp.flags', '-e', 'arp.opcode'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
    const packets = read(summary);
    expect(packets).toHaveLength(fields.length);
    packets.forEach((p, i) => {
      const [src, dst, sport, dport, len, flags, arpOp] = fields[i]!;
      expect(p.origLen).toBe(Number(len));
      if (arpOp !== '') {
        expect(p.arpOp).toBe(Number(arpOp));
        return;
      }
      expect([p.src, p.dst]).toEqual([src, dst]);
      if (p.sport !== null) expect([p.sport, p.dport]).toEqual([Number(sport), Number(dport)]);
      if (p.tcpFlags !== null) expect(p.tcpFlags).toBe(Number.parseInt(flags!, 16) & 0xff);
    });
    expect(packets.filter((p) => p.sport !== null).length).toBeGreaterThan(packets.length / 2);
  });
});
