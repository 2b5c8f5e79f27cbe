import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import { detectCaptureKind, parseCaptureUnit, splitTextCapture } from '../registry';
import { looksLikeKernelTrace, parseKernelTrace } from './kernel-trace';

const FIXTURES = 'test/fixtures/kernel-trace';
const read = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');
const parse = (text: string, file = 'trace.txt') => parseKernelTrace({ file, text, firstLine: 1 });

describe('iptables-legacy TRACE and LOG lines (the kernel log)', () => {
  it('reads a real dmesg trace: hook, interfaces, packet, uptime', () => {
    const { events, warnings } = parse(read('legacy-dmesg.txt'));
    expect(warnings).toBeUndefined();
    expect(events).toHaveLength(15);
    const [raw, jump, dnat, input] = events;
    expect(raw!.hook).toEqual({ kind: 'policy', table: 'raw', chain: 'PREROUTING', position: 3, verdict: null });
    expect(jump!.hook).toMatchObject({ kind: 'rule', table: 'nat', chain: 'PREROUTING', position: 1 });
    expect(dnat!.hook).toMatchObject({ kind: 'rule', table: 'nat', chain: 'KUBE-SVC', position: 2 });
    expect(dnat!.packet).toMatchObject({ family: 'ipv4', proto: 'tcp', src: '10.77.0.1', sport: 52156, dst: '10.96.0.10', dport: 80, ipId: 24580, tcpFlags: ['SYN'], length: 60 });
    // After the DNAT the kernel shows the rewritten destination.
    expect(input!.packet).toMatchObject({ dst: '10.77.0.2', dport: 8080 });
    expect(input!.in).toBe('ks0');
    expect(input!.out).toBeNull();
    expect(raw!.time).toEqual({ uptime: 85447.18404, stamp: null, iso: null });
    expect(raw!.format).toBe('kernel-log');
    expect(raw!.line).toBe(1);
  });

  it('reads a -j LOG line by its prefix, with the packet after it', () => {
    const { events } = parse(read('legacy-dmesg.txt'));
    const logged = events[4]!;
    expect(logged.hook).toEqual({ kind: 'log', prefix: 'nlkt-in:' });
    expect(logged.packet).toMatchObject({ src: '10.77.0.1', dst: '10.77.0.2', dport: 8080 });
    expect(logged.line).toBe(5);
  });

  it('keeps dmesg -T local time as printed, without inventing a zone', () => {
    const { events, takenAt } = parse(read('legacy-dmesg-T.txt'));
    expect(events[0]!.time).toEqual({ uptime: null, stamp: 'Mon Dec  7 22:57:06 2026', iso: null });
    expect(takenAt).toBeNull();
  });

  it('reads journalctl -k, syslog with uptime, ISO syslog and /dev/kmsg stamps, and the host they name', () => {
    const packet = 'IN=eth0 OUT=cbr0 MAC= SRC=10.0.0.1 DST=10.40.1.5 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=1 DF PROTO=TCP SPT=40000 DPT=8080 WINDOW=64240 RES=0x00 SYN URGP=0 MARK=0x4000';
    const text = [
      `Dec 07 22:57:06 nodea kernel: TRACE: filter:FORWARD:rule:4 ${packet}`,
      `Dec  7 22:57:06 nodeb kernel: [85447.184040] TRACE: nat:POSTROUTING:policy:3 ${packet}`,
      `2026-12-07T22:57:06.500000+01:00 nodec kernel: KUBE-DROP: ${packet}`,
      `4,2231,85447184040,-;TRACE: mangle:FORWARD:return:2 ${packet}`,
    ].join('\n');
    const { events, takenAt } = parse(text);
    expect(events.map((e) => e.host)).toEqual(['nodea', 'nodeb', 'nodec', null]);
    expect(events[0]!.time).toEqual({ uptime: null, stamp: 'Dec 07 22:57:06', iso: null });
    expect(events[1]!.time.uptime).toBe(85447.18404);
    expect(events[2]!.time.iso).toBe('2026-12-07T21:57:06.500Z');
    expect(events[2]!.hook).toEqual({ kind: 'log', prefix: 'KUBE-DROP:' });
    expect(events[3]!.time.uptime).toBeCloseTo(85447.18404, 6);
    expect(events[3]!.hook).toEqual({ kind: 'return', table: 'mangle', chain: 'FORWARD', position: 2, verdict: null });
    expect(events[0]!).toMatchObject({ in: 'eth0', out: 'cbr0', mark: 0x4000 });
    expect(takenAt).toBe('2026-12-07T21:57:06.500Z');
  });

  it('takes an ICMP echo id after PROTO and leaves out the packet an ICMP error quotes', () => {
    const text = [
      '[1.000000] TRACE: raw:PREROUTING:policy:2 IN=eth0 OUT= SRC=10.0.0.1 DST=10.96.0.5 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=777 DF PROTO=ICMP TYPE=8 CODE=0 ID=4242 SEQ=1',
      '[1.000100] TRACE: filter:OUTPUT:policy:1 IN= OUT=eth0 SRC=10.0.0.2 DST=10.0.0.1 LEN=88 TOS=0x00 PREC=0xC0 TTL=64 ID=9 PROTO=ICMP TYPE=3 CODE=3 [SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=5 DF PROTO=TCP SPT=40000 DPT=81 WINDOW=64240 RES=0x00 SYN URGP=0 ] MARK=0x1',
    ].join('\n');
    const [echo, refusal] = parse(text).events;
    expect(echo!.packet).toMatchObject({ proto: 'icmp', ipId: 777, icmp: { type: 8, code: 0, id: 4242 }, sport: null });
    expect(refusal!.packet).toMatchObject({ proto: 'icmp', src: '10.0.0.2', dst: '10.0.0.1', icmp: { type: 3, code: 3, id: null }, tcpFlags: null });
    expect(refusal!.mark).toBe(1);
    expect(refusal!.in).toBeNull();
  });

  it('reads the shapes posted logs take: columns padded with spaces, a bridge port, a local packet with its owner, a mark set on the way', () => {
    const text = [
      '[90332.221171] TRACE: nat:PREROUTING:rule:1                    IN=cbr0 OUT=     PHYSIN=veth4a3719bc SRC=10.24.1.40 DST=10.27.0.10  LEN=82 TOS=0x00 PREC=0x00 TTL=64 ID=4359 PROTO=UDP SPT=36775 DPT=53 LEN=62',
      'Mar  3 10:01:02 worker-1 kernel: [2076.158823] TRACE: nat:OUTPUT:rule:2 IN= OUT=ens192 SRC=10.12.0.151 DST=10.100.3.59 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=3176 DF PROTO=TCP SPT=47644 DPT=80 SEQ=16557 ACK=0 WINDOW=29200 RES=0x00 SYN URGP=0 OPT (020405B40402080A) UID=0 GID=0',
      'Mar  3 10:01:02 worker-1 kernel: [2076.158848] TRACE: nat:KUBE-MARK-MASQ:return:2 IN= OUT=ens192 SRC=10.12.0.151 DST=10.100.3.59 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=3176 DF PROTO=TCP SPT=47644 DPT=80 SEQ=16557 ACK=0 WINDOW=29200 RES=0x00 SYN URGP=0 OPT (020405B40402080A) UID=0 GID=0 MARK=0x4000',
      '[2076.158900] worker-1 kernel: TRACE: filter:OUTPUT:rule:1 IN= OUT=ens192 SRC=10.12.0.151 DST=192.168.2.4 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=3176 DF PROTO=TCP SPT=47644 DPT=8080 WINDOW=29200 RES=0x00 SYN URGP=0 MARK=0x4000',
    ].join('\n');
    const { events, warnings } = parse(text);
    expect(warnings).toBeUndefined();
    expect(events[0]).toMatchObject({ in: 'cbr0', out: null, packet: { proto: 'udp', src: '10.24.1.40', dst: '10.27.0.10', sport: 36775, dport: 53, length: 82 } });
    expect(events[1]).toMatchObject({ in: null, out: 'ens192', mark: null, host: 'worker-1', hook: { kind: 'rule', table: 'nat', chain: 'OUTPUT', position: 2 } });
    expect(events[2]).toMatchObject({ mark: 0x4000, hook: { kind: 'return', chain: 'KUBE-MARK-MASQ', position: 2 } });
    // journalctl -o short-monotonic: the uptime first, then the host.
    expect(events[3]).toMatchObject({ host: 'worker-1', time: { uptime: 2076.1589 }, packet: { dst: '192.168.2.4', dport: 8080 } });
  });

  it('reads an IPv6 line', () => {
    const line = '[2.5] TRACE: filter:INPUT:rule:1 IN=eth0 OUT= MAC= SRC=fd00::1 DST=fd00::2 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=1 PROTO=UDP SPT=5353 DPT=53 LEN=40';
    expect(parse(line).events[0]!.packet).toMatchObject({ family: 'ipv6', proto: 'udp', src: 'fd00::1', dst: 'fd00::2', sport: 5353, dport: 53, length: 80 });
  });

  it('names other kernel messages of the log in a warning with their line, and reads the rest', () => {
    const text = `[1.0] eth0: renamed from veth1234\n${read('legacy-dmesg.txt').split('\n')[0]}\n`;
    const { events, warnings } = parse(text, 'node/dmesg.txt');
    expect(events).toHaveLength(1);
    expect(events[0]!.line).toBe(2);
    expect(warnings).toEqual([{ line: 1, message: 'not a netfilter trace or packet log line, not read: [1.0] eth0: renamed from veth1234' }]);
  });

  it('warns about a line whose trace type the kernel left UNKNOWN instead of guessing its hook', () => {
    const [first] = read('legacy-dmesg.txt').split('\n');
    const { events, warnings } = parse(`${first}\n${first!.replace('raw:PREROUTING:policy:3', 'raw:PREROUTING:UNKNOWN:3')}\n`);
    expect(events).toHaveLength(1);
    expect(warnings).toEqual([{ line: 2, message: 'the kernel named no trace type (UNKNOWN) for raw:PREROUTING: not read as a hook' }]);
  });

  it('rejects a trace line cut or mangled inside an address or port, naming its line', () => {
    const [first, second] = read('legacy-dmesg.txt').split('\n');
    const cut = first!.slice(0, first!.indexOf('DST=') + 7);
    expect(() => parse(`${second}\n${cut}\n`, 'd.txt')).toThrow(/^d\.txt:2: DST=10\. is not an address: /);
    expect(() => parse(`${second!.replace('SPT=52156', 'SPT=752156')}\n`, 'd.txt')).toThrow(/^d\.txt:1: source port 752156 is out of range: /);
    const nft = read('nft-monitor-trace.txt').replace('ip saddr 10.77.0.1', 'ip saddr 10.77.0');
    expect(() => parse(nft, 'n.txt')).toThrow(/^n\.txt:1: SRC=10\.77\.0 is not an address/);
    // A TRACE line cut before its packet.
    expect(() => parse(`${second}\n[1.0] TRACE: nat:KUBE-SVC:ru\n`, 'd.txt')).toThrow(/^d\.txt:2: a netfilter trace line that cannot be read: /);
  });

  it('rejects a text without a single trace line, naming the file and line', () => {
    expect(() => parse('\n[1.0] eth0: link up\n', 'k.txt')).toThrow(CaptureError);
    expect(() => parse('\n[1.0] eth0: link up\n', 'k.txt')).toThrow('k.txt:2: no netfilter trace or packet log line here');
  });
});

describe('nf_tables traces', () => {
  it('reads xtables-monitor --trace: each TRACE line with the packet of its PACKET line, the rule handle and text', () => {
    const { events, warnings } = parse(read('xtables-monitor-trace.txt'));
    expect(warnings).toBeUndefined();
    expect(events.map((e) => e.hook.kind)).toEqual(['rule', 'policy', 'rule', 'rule', 'rule']);
    const dnat = events[3]!;
    expect(dnat).toMatchObject({ format: 'xtables-monitor', traceId: '9abd61f1', in: 'ks0', line: 6 });
    expect(dnat.hook).toEqual({
      kind: 'rule', table: 'nat', chain: 'KUBE-SVC', position: null, handle: 5, verdict: 'ACCEPT',
      ruleText: '-t nat -A KUBE-SVC -d 10.96.0.11/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.77.0.2:8081',
    });
    expect(dnat.packet).toMatchObject({ proto: 'tcp', src: '10.77.0.1', dst: '10.96.0.11', sport: 40568, dport: 80, ipId: 1861, tcpFlags: ['SYN'] });
    expect(events[4]!.packet).toMatchObject({ dst: '10.77.0.2', dport: 8081 });
    expect(events[4]!.hook).toMatchObject({ kind: 'rule', table: 'filter', chain: 'INPUT', verdict: 'DROP' });
  });

  it('gives an xtables-monitor TRACE line printed before its PACKET line that packet, and warns about one that never gets one', () => {
    const lines = read('xtables-monitor-trace.txt').split('\n');
    // The DNAT rule's TRACE line, then the PACKET line of its id; then a TRACE line of an id no PACKET line names.
    const text = [lines[5], lines[3], lines[5]!.replace('9abd61f1', '0badf00d')].join('\n');
    const { events, warnings } = parse(text, 'm.txt');
    expect(events[0]!.packet).toMatchObject({ src: '10.77.0.1', dst: '10.96.0.11', dport: 80 });
    expect(events[1]!.packet.src).toBeNull();
    expect(warnings).toEqual([{ line: 3, message: 'trace 0badf00d: no packet line names this packet; its addresses are unknown' }]);
  });

  it('reads nft monitor trace: packet lines as hook sightings, rules and policies with their verdicts', () => {
    const { events } = parse(read('nft-monitor-trace.txt'));
    expect(events.map((e) => `${e.hook.kind}`)).toEqual(['packet', 'rule', 'policy', 'packet', 'rule', 'rule', 'packet', 'rule']);
    expect(events[0]!.hook).toEqual({ kind: 'packet', table: 'raw', chain: 'PREROUTING' });
    expect(events[0]!.packet).toMatchObject({ family: 'ipv4', proto: 'tcp', src: '10.77.0.1', dst: '10.96.0.11', sport: 40568, dport: 80, ipId: 1861, length: 60, tcpFlags: ['SYN'] });
    expect(events[0]!.in).toBe('ks0');
    expect(events[5]!.hook).toEqual({ kind: 'rule', table: 'nat', chain: 'KUBE-SVC', position: null, handle: null, verdict: 'accept', ruleText: 'ip daddr 10.96.0.11 tcp dport 80 counter packets 0 bytes 0 dnat to 10.77.0.2:8081' });
    // A rule line prints no packet: it is the one its trace id was last seen with.
    expect(events[7]!.packet).toMatchObject({ dst: '10.77.0.2', dport: 8081 });
    expect(events[7]!.hook).toMatchObject({ verdict: 'drop' });
  });
});

describe('detection', () => {
  it('knows each form by its content', () => {
    for (const f of ['legacy-dmesg.txt', 'legacy-dmesg-T.txt', 'xtables-monitor-trace.txt', 'nft-monitor-trace.txt']) {
      expect(detectCaptureKind(read(f)), f).toBe('kernel-trace');
    }
    expect(looksLikeKernelTrace('[1.0] eth0: link up\n[2.0] usb 1-1: new device\n')).toBe(false);
    expect(detectCaptureKind(read('legacy-iptables-save.txt'))).toBe('iptables-save');
  });

  it('takes the node from the one host journalctl or syslog names on every line, where no prompt names one', () => {
    const line = read('legacy-dmesg.txt').split('\n')[0]!.replace(/^\[[^\]]*\] /, '');
    const journal = `Dec 07 22:57:06 worker-2 kernel: ${line}\nDec 07 22:57:07 worker-2 kernel: ${line}\n`;
    expect(splitTextCapture({ file: 'kern.log', text: journal, firstLine: 1 }).units.map((u) => [u.kind, u.node])).toEqual([['kernel-trace', 'worker-2']]);
    const two = journal.replace(/worker-2 kernel(?=[^\n]*\n$)/, 'worker-3 kernel');
    expect(splitTextCapture({ file: 'kern.log', text: two, firstLine: 1 }).units.map((u) => u.node)).toEqual([null]);
    const prompted = `root@nodea:~# journalctl -k\n${journal}`;
    expect(splitTextCapture({ file: 't.txt', text: prompted, firstLine: 1 }).units.map((u) => u.node)).toEqual(['nodea']);
  });

  it('finds a trace inside a transcript and a Markdown fence, greps included, with the prompt naming the node', () => {
    const lines = read('legacy-dmesg.txt').split('\n');
    const text = [
      'root@nodea:~# dmesg | grep TRACE',
      lines[0], lines[1],
      'root@nodea:~# iptables-save',
      ...read('legacy-iptables-save.txt').trimEnd().split('\n'),
      '```',
    ].join('\n');
    const md = `Here is what the node logged:\n\n\`\`\`\n${text}`;
    const split = splitTextCapture({ file: 'notes.md', text: md, firstLine: 1 });
    const trace = split.units.find((u) => u.kind === 'kernel-trace')!;
    expect(trace).toBeDefined();
    expect(trace.node).toBe('nodea');
    const parsed = parseCaptureUnit(trace);
    expect(parsed.kind === 'kernel-trace' && parsed.events.map((e) => e.line)).toEqual([5, 6]);
    expect(split.units.some((u) => u.kind === 'iptables-save')).toBe(true);
  });
});
