import { describe, it, expect } from 'vitest';
import { CaptureError } from '../capture-error';
import { looksLikeConntrack, parseConntrack } from './conntrack';
import { textFixture, transcriptSlice, withCrlf } from '../../../../test/fixtures/text/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';

describe('parseConntrack on real outputs', () => {
  it('reads tcp/udp/icmp with accounting and delta-time from a namespace router (fixture)', () => {
    const got = parseConntrack(textFixture('conntrack-L.txt'));
    expect(got.entries.map((e) => [e.proto, e.state, e.unreplied, e.assured, e.line])).toEqual([
      ['udp', null, true, false, 2], ['tcp', 'TIME_WAIT', false, true, 3], ['udp', null, true, false, 4], ['icmp', null, false, false, 5],
    ]);
    const tcp = got.entries[1];
    expect(tcp?.original).toEqual({ src: '10.77.1.2', dst: '10.77.2.2', sport: 52976, dport: 8080, icmp: null, packets: 4, bytes: 216 });
    expect(tcp?.reply).toEqual({ src: '10.77.2.2', dst: '10.77.2.1', sport: 8080, dport: 52976, icmp: null, packets: 4, bytes: 219 });
    expect(got.entries[3]?.original.icmp).toEqual({ type: 8, code: 0, id: 10049 });
  });

  it('reads -o extended and /proc/net/nf_conntrack the same as the plain listing, plus zone', () => {
    const plain = parseConntrack(textFixture('conntrack-L.txt')).entries;
    const extended = parseConntrack(textFixture('conntrack-extended.txt')).entries;
    const proc = parseConntrack(textFixture('proc-nf-conntrack.txt')).entries;
    expect(extended).toEqual(plain);
    expect(proc.map((e) => [e.original, e.reply, e.proto])).toEqual(plain.map((e) => [e.original, e.reply, e.proto]));
    expect(proc.every((e) => e.zone === 0 && e.use === 2 && e.family === 'ipv4')).toBe(true);
  });

  it('parses CRLF input the same as LF', () => {
    const input = textFixture('conntrack-L.txt');
    expect(parseConntrack(withCrlf(input))).toEqual(parseConntrack(input));
  });
});

describeShared('transcripts', 'parseConntrack (shared transcripts)', () => {
  it('reads an unreplied icmp flow and skips the conntrack-tools banner', () => {
    const got = parseConntrack(transcriptSlice('001_a5b3b11c70178834.txt', 435, 436));
    expect(got.entries).toEqual([{
      family: 'ipv4', proto: 'icmp', protoNumber: 1, timeout: 29, state: null,
      original: { src: '192.168.255.2', dst: '8.8.8.8', sport: null, dport: null, icmp: { type: 8, code: 0, id: 24606 }, packets: null, bytes: null },
      reply: { src: '8.8.8.8', dst: '192.168.255.2', sport: null, dport: null, icmp: { type: 0, code: 0, id: 24606 }, packets: null, bytes: null },
      unreplied: true, assured: false, mark: 0, zone: null, use: 2, flags: [], line: 435,
    }]);
  });

  it('reads a masqueraded icmp flow after the banner line', () => {
    const got = parseConntrack(transcriptSlice('001_a5b3b11c70178834.txt', 483, 484));
    expect(got.entries).toHaveLength(1);
    expect(got.entries[0]?.reply).toMatchObject({ src: '8.8.8.8', dst: '10.142.0.2' });
    expect(got.entries[0]).toMatchObject({ unreplied: false, line: 484 });
  });

  it('reads an entry glued to the banner and skips a bare summary line (NodePort DNAT)', () => {
    const got = parseConntrack(transcriptSlice('001_a5b3b11c70178834.txt', 876, 878));
    expect(got.entries).toHaveLength(1);
    expect(got.entries[0]).toMatchObject({
      proto: 'tcp', protoNumber: 6, timeout: 86394, state: 'ESTABLISHED', assured: true, mark: 0, use: 1, line: 877,
      original: { src: '10.142.0.6', dst: '10.40.0.6', sport: 41244, dport: 8080 },
      reply: { src: '10.40.0.6', dst: '10.142.0.6', sport: 8080, dport: 41244 },
    });
  });

  it('reads a TIME_WAIT NodePort flow whose reply goes to the pod', () => {
    const got = parseConntrack(transcriptSlice('001_a5b3b11c70178834.txt', 890, 890));
    expect(got.entries[0]).toMatchObject({
      state: 'TIME_WAIT', timeout: 51,
      original: { src: '10.142.0.6', dst: '10.142.0.8', sport: 46078, dport: 31830 },
      reply: { src: '10.40.0.6', dst: '10.40.0.1', sport: 8080, dport: 46078 },
    });
  });
});

describe('parseConntrack on other forms', () => {
  it('skips an entry whose address was blanked out, with a warning, and says so when every entry was (vesta#497)', () => {
    const kept = 'ipv4 2 udp 17 9 src=168.95.43.143 dst=10.0.0.9 sport=52012 dport=53 src=10.0.0.9 dst=168.95.43.143 sport=53 dport=52012 mark=0 secmark=0 use=2';
    const blanked = 'ipv4 2 udp 17 170 src=xxx.xxx.xxx.xxx dst=8.8.8.8 sport=57012 dport=53 src=8.8.8.8 dst=xxx.xxx.xxx.xxx sport=53 dport=57012 [ASSURED] mark=0 secmark=0 use=2';
    const got = parseConntrack({ file: 'c', firstLine: 1, text: `${kept}\n${blanked}` });
    expect(got.entries.map((e) => [e.original.src, e.original.dport])).toEqual([['168.95.43.143', 53]]);
    expect(got.kind === 'conntrack' && got.warnings).toEqual([{ line: 2, message: 'the address xxx.xxx.xxx.xxx was blanked out by whoever posted it: entry skipped' }]);
    expect(() => parseConntrack({ file: 'c', firstLine: 1, text: blanked })).toThrow('c:1: no conntrack entry left: every one of the 1 entries has an address blanked out (xxx.xxx.xxx.xxx)');
  });

  it('reads a line whose protocol name a paste clipped by its number, with a warning, and skips a clipped banner (aks-engine#1912)', () => {
    const got = parseConntrack({ file: 'c', firstLine: 1, text: [
      'cp      6 86205 ESTABLISHED src=10.244.2.6 dst=10.0.223.224 sport=33041 dport=27017 src=10.244.1.7 dst=10.244.2.6 sport=27017 dport=33041 [ASSURED] mark=0 use=1',
      'tcp      6 299 ESTABLISHED src=10.244.2.6 dst=10.0.223.224 sport=34659 dport=27017 src=10.244.1.7 dst=10.244.2.6 sport=27017 dport=34659 [ASSURED] mark=0 use=1',
      'onntrack v1.4.3 (conntrack-tools): 364 flow entries have been shown.',
    ].join('\n') });
    expect(got.entries.map((e) => [e.proto, e.protoNumber, e.original.dport, e.reply.src])).toEqual([['tcp', 6, 27017, '10.244.1.7'], ['tcp', 6, 27017, '10.244.1.7']]);
    expect(got.kind === 'conntrack' && got.warnings).toEqual([{ line: 1, message: 'protocol "cp" is not what conntrack prints for protocol 6: read as tcp (the line\'s start looks clipped)' }]);
  });

  it('reads unknown protocols, ipv6, OFFLOAD, secctx, labels, zone, timestamps and events', () => {
    const text = [
      'unknown  2 596 src=10.77.1.1 dst=224.0.0.22 packets=2 bytes=80 [UNREPLIED] src=224.0.0.22 dst=10.77.1.1 packets=0 bytes=0 mark=0 use=1',
      'tcp      6 431999 ESTABLISHED src=fd00::2 dst=fd00::1 sport=40000 dport=443 src=fd00::1 dst=fd00::2 sport=443 dport=40000 [OFFLOAD] mark=3 secctx=system_u:object_r:unlabeled_t:s0 zone=3 use=2 labels=default',
      'ipv6     10 icmpv6   58 29 src=fd00::2 dst=fd00::1 type=128 code=0 id=7 src=fd00::1 dst=fd00::2 type=129 code=0 id=7 mark=0 zone=0 use=2',
      '[1700000000.123456]\t    [NEW] udp      17 30 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=53 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=53 dport=1',
      'icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=5 src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=5 mark=0 use=1 id=3053790216',
    ].join('\n');
    const got = parseConntrack({ file: 'x', text, firstLine: 1 });
    expect(got.entries[0]).toMatchObject({ proto: 'unknown', protoNumber: 2, timeout: 596, state: null, unreplied: true });
    expect(got.entries[0]?.original).toMatchObject({ src: '10.77.1.1', dst: '224.0.0.22', sport: null, icmp: null });
    expect(got.entries[1]).toMatchObject({ family: 'ipv6', flags: ['OFFLOAD'], mark: 3, zone: 3, use: 2 });
    expect(got.entries[2]).toMatchObject({ family: 'ipv6', proto: 'icmpv6', protoNumber: 58 });
    expect(got.entries[2]?.reply.icmp).toEqual({ type: 129, code: 0, id: 7 });
    expect(got.entries[3]).toMatchObject({ proto: 'udp', timeout: 30, unreplied: true, mark: null });
    expect(got.entries[4]?.reply.icmp).toEqual({ type: 0, code: 0, id: 5 });
  });

  it('reports a garbage line inside the output with its file and line', () => {
    const input = textFixture('conntrack-L.txt');
    const lines = input.text.split('\n');
    lines.splice(2, 0, 'this is not conntrack');
    const bad = { ...input, text: lines.join('\n'), firstLine: 100 };
    expect(() => parseConntrack(bad)).toThrow('test/fixtures/text/conntrack-L.txt:102: not a conntrack entry');
  });

  it('reports a missing reply tuple and a bad address', () => {
    expect(() => parseConntrack({ file: 'c', text: 'tcp 6 5 ESTABLISHED src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2\n', firstLine: 9 }))
      .toThrow('c:9: conntrack entry without its reply tuple');
    expect(() => parseConntrack({ file: 'c', text: 'udp 17 5 src=1.1.1 dst=2.2.2.2 src=2.2.2.2 dst=1.1.1.1\n', firstLine: 1 }))
      .toThrow('c:1: not an address');
  });

  it('refuses a field wider than the kernel keeps it: a port, an ICMP code, a protocol number, a zone', () => {
    const entry = (o: string, r = 'src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1'): string => `tcp 6 5 ${o} ${r} mark=0 zone=0 use=1\n`;
    expect(parseConntrack({ file: 'c', text: entry('src=1.1.1.1 dst=2.2.2.2 sport=1 dport=65535'), firstLine: 3 }).entries[0]?.original.dport).toBe(65535);
    expect(() => parseConntrack({ file: 'c', text: entry('src=1.1.1.1 dst=2.2.2.2 sport=1 dport=65536'), firstLine: 3 })).toThrow('c:3: dport=65536 out of range');
    expect(() => parseConntrack({ file: 'c', text: 'icmp 1 5 src=1.1.1.1 dst=2.2.2.2 type=8 code=256 id=1 src=2.2.2.2 dst=1.1.1.1 type=0 code=0 id=1\n', firstLine: 1 })).toThrow('c:1: code=256 out of range');
    expect(() => parseConntrack({ file: 'c', text: entry('src=1.1.1.1 dst=2.2.2.2').replace('tcp 6', 'tcp 256'), firstLine: 1 })).toThrow('c:1: protocol number=256 out of range');
    expect(() => parseConntrack({ file: 'c', text: entry('src=1.1.1.1 dst=2.2.2.2').replace('zone=0', 'zone=65536'), firstLine: 1 })).toThrow('c:1: zone=65536 out of range');
    expect(() => parseConntrack({ file: 'c', text: entry('src=1.1.1.1 dst=2.2.2.2').replace('tcp 6 5', 'tcp 6 4294967296'), firstLine: 1 })).toThrow('c:1: timeout=4294967296 out of range');
    expect(() => parseConntrack({ file: 'c', text: `ipv6     10 ${entry('src=1.1.1.1 dst=2.2.2.2')}`, firstLine: 1 })).toThrow('c:1: ipv4 address 1.1.1.1 in an ipv6 entry');
  });

  it('accepts an empty table the tool says it showed, and refuses text with no entry', () => {
    expect(parseConntrack({ file: 'c', text: 'conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n', firstLine: 1 }).entries).toEqual([]);
    expect(() => parseConntrack({ file: 'c', text: '\n', firstLine: 1 })).toThrow(CaptureError);
  });

  it('sniffs plain, extended and banner-first outputs, not ip route', () => {
    expect(looksLikeConntrack(textFixture('conntrack-L.txt').text)).toBe(true);
    expect(looksLikeConntrack(textFixture('proc-nf-conntrack.txt').text)).toBe(true);
    expect(looksLikeConntrack('tcp      6 51 TIME_WAIT src=10.142.0.6 dst=10.142.0.8 sport=46078')).toBe(true);
    expect(looksLikeConntrack(textFixture('ip-route.txt').text)).toBe(false);
  });
});
