import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../iptables/iptables-save';
import { CaptureError } from '../capture-error';
import type { Match, Target } from '../../netfilter/ruleset';
import { rulesetDifferences } from './nft-agreement';
import { parseNftRuleset } from './nft-ruleset';
import { detectCaptureKind, parseCaptureUnit, splitTextCapture } from '../registry';
import { captureScope } from '../capture-scope';
import { analyseCommand } from '../transcript/command';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/nft');

function read(text: string, partial = false) {
  return parseNftRuleset({ file: 'nft.txt', text, firstLine: 1 }, { partial });
}

/** One rule in `table ip TABLE { chain CHAIN { ... } }`, read. */
function rule(line: string, table = 'filter', chain = 'FORWARD', hook = 'forward') {
  const parsed = read(`table ip ${table} {\n\tchain ${chain} {\n\t\ttype filter hook ${hook} priority filter; policy accept;\n\t\t${line}\n\t}\n}\n`);
  const r = parsed.rulesets[0]!.tables[0]!.chains[0]!.rules[0]!;
  return { matches: r.matches, target: r.target, counters: r.counters, text: r.text, line: r.line, warnings: parsed.warnings };
}

describe('nft list ruleset of the rules iptables-nft wrote, read as iptables-nft-save of the same namespace is', () => {
  const pairs: Array<[string, string]> = [
    ['constructs.nft', 'constructs.nft-save'],
    ['constructs.handles.nft', 'constructs.nft-save'],
    ['constructs.numeric.nft', 'constructs.nft-save'],
    ['kube.nft', 'kube.nft-save'],
    ...readdirSync(path.join(FIXTURES, 'kube-proxy')).filter((f) => f.endsWith('.nft')).map((f): [string, string] => [`kube-proxy/${f}`, `kube-proxy/${f}-save`]),
  ];
  it('finds the fixtures the lab script wrote', () => {
    expect(pairs.length).toBe(8);
  });
  for (const [nft, save] of pairs) {
    it(`${nft} agrees with ${save} on every table, chain, rule, match and target`, () => {
      const a = parseNftRuleset({ file: nft, text: readFileSync(path.join(FIXTURES, nft), 'utf8'), firstLine: 1 }, { partial: false });
      const b = parseIptablesSave({ file: save, text: readFileSync(path.join(FIXTURES, save), 'utf8'), firstLine: 1 });
      expect(a.rulesets).toHaveLength(1);
      expect(a.rulesets[0]!.origin).toEqual({ format: 'nft', interfacesShown: true, countersShown: true, partial: false });
      expect(rulesetDifferences(a.rulesets[0]!, b.ruleset)).toEqual([]);
      // Every rule keeps the line nft printed, where it printed it.
      const lines = readFileSync(path.join(FIXTURES, nft), 'utf8').split('\n');
      for (const t of a.rulesets[0]!.tables) for (const c of t.chains) for (const r of c.rules) expect(lines[r.line - 1]!.trim()).toBe(r.text);
    });
  }
});

describe('nft rule translation', () => {
  const proto = (p: string): Match => ({ kind: 'protocol', proto: p, negated: false });
  it('addresses, interfaces (with the veth* wildcard), protocols', () => {
    expect(rule('ip saddr != 10.244.0.0/16 ip daddr 10.96.0.10 iifname "cni0" oifname != "veth*" meta l4proto udp accept').matches).toEqual([
      { kind: 'source', cidr: { address: '10.244.0.0', prefixLength: 16 }, negated: true },
      { kind: 'destination', cidr: { address: '10.96.0.10', prefixLength: 32 }, negated: false },
      { kind: 'in-interface', name: 'cni0', negated: false },
      { kind: 'out-interface', name: 'veth+', negated: true },
      proto('udp'),
    ]);
    expect(rule('ip protocol != tcp drop').matches).toEqual([{ kind: 'protocol', proto: 'tcp', negated: true }]);
  });
  it('ports: one, a range, a set, negated; the protocol a port implies', () => {
    expect(rule('tcp dport 80 accept').matches).toEqual([proto('tcp'), { kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }], negated: false }]);
    expect(rule('udp sport != 1000-2000 accept').matches).toEqual([proto('udp'), { kind: 'ports', which: 'sport', ranges: [{ min: 1000, max: 2000 }], negated: true }]);
    expect(rule('meta l4proto tcp tcp dport { 22, 80, 443 } accept').matches).toEqual([
      proto('tcp'), { kind: 'ports', which: 'dport', ranges: [{ min: 22, max: 22 }, { min: 80, max: 80 }, { min: 443, max: 443 }], negated: false },
    ]);
  });
  it('conntrack state (and its inverted form as libxtables prints it), mark, connmark', () => {
    const ct = (value: string[], negated: boolean) => ({ value, negated });
    expect(rule('ct state related,established accept').matches).toMatchObject([{ kind: 'conntrack', ctstate: ct(['RELATED', 'ESTABLISHED'], false) }]);
    expect(rule('ct state ! new drop').matches).toMatchObject([{ kind: 'conntrack', ctstate: ct(['NEW'], true) }]);
    expect(rule('meta mark & 0x00004000 == 0x00004000 accept').matches).toEqual([{ kind: 'mark', value: 0x4000, mask: 0x4000, negated: false }]);
    expect(rule('meta mark & 0x00004000 != 0x00004000 return').matches).toEqual([{ kind: 'mark', value: 0x4000, mask: 0x4000, negated: true }]);
    expect(rule('ct mark and 0x1 == 0x1').matches).toEqual([{ kind: 'connmark', value: 1, mask: 1, negated: false }]);
  });
  it('statistic: meta random & 2147483647 < N is probability N/2^31 as iptables-nft-save prints it (11 decimals)', () => {
    expect(rule('meta random & 2147483647 < 1073741824 jump KUBE-SEP-1').matches).toEqual([{ kind: 'statistic', mode: 'random', probability: 0.5, negated: false }]);
    expect(rule('meta random & 2147483647 < 715827883 drop').matches).toEqual([{ kind: 'statistic', mode: 'random', probability: 0.33333333349, negated: false }]);
    expect(rule('numgen inc mod 3 0 drop').matches).toEqual([{ kind: 'statistic', mode: 'nth', every: 3, packet: 0, negated: false }]);
  });
  it('fib type (addrtype), fragments, tcp flags, icmp type', () => {
    expect(rule('fib daddr type local fib saddr type != local return').matches).toEqual([
      { kind: 'addrtype', src: null, dst: { value: ['LOCAL'], negated: false }, limitIfaceIn: false, limitIfaceOut: false },
      { kind: 'addrtype', src: { value: ['LOCAL'], negated: true }, dst: null, limitIfaceIn: false, limitIfaceOut: false },
    ]);
    expect(rule('ip frag-off & 8191 != 0 drop').matches).toEqual([{ kind: 'fragment', negated: false }]);
    expect(rule('tcp flags syn / syn,rst accept').matches).toEqual([proto('tcp'), { kind: 'tcp-flags', mask: ['SYN', 'RST'], set: ['SYN'], negated: false }]);
    expect(rule('tcp flags 0x2 / 0x2,0x4 accept').matches).toEqual([proto('tcp'), { kind: 'tcp-flags', mask: ['SYN', 'RST'], set: ['SYN'], negated: false }]);
    expect(rule('meta l4proto icmp icmp type echo-request accept').matches).toEqual([
      proto('icmp'), { kind: 'icmp-type', type: 8, code: null, name: 'echo-request', negated: false },
    ]);
  });
  it('counters, comments and the rule text as nft printed it', () => {
    const r = rule('counter packets 12 bytes 720 comment "kubernetes service portals" jump KUBE-SERVICES # handle 7');
    expect(r.counters).toEqual({ packets: 12, bytes: 720 });
    expect(r.matches).toEqual([{ kind: 'comment', text: 'kubernetes service portals' }]);
    expect(r.target).toEqual({ kind: 'jump', chain: 'KUBE-SERVICES' });
    expect(r.text).toBe('counter packets 12 bytes 720 comment "kubernetes service portals" jump KUBE-SERVICES # handle 7');
    expect(r.line).toBe(4);
  });
  it('verdicts and targets', () => {
    const t = (line: string, table = 'filter'): Target | null => rule(line, table, table === 'nat' ? 'POSTROUTING' : 'FORWARD', table === 'nat' ? 'postrouting' : 'forward').target;
    expect(t('goto KUBE-X')).toEqual({ kind: 'goto', chain: 'KUBE-X' });
    expect(t('drop')).toEqual({ kind: 'drop' });
    expect(t('return')).toEqual({ kind: 'return' });
    expect(t('reject')).toEqual({ kind: 'reject', with: 'icmp-port-unreachable' });
    expect(t('reject with tcp reset')).toEqual({ kind: 'reject', with: 'tcp-reset' });
    expect(t('reject with icmp type host-unreachable')).toEqual({ kind: 'reject', with: 'icmp-host-unreachable' });
    expect(t('log prefix "udp-in: " level info')).toEqual({ kind: 'log', prefix: 'udp-in: ', level: '6' });
    expect(t('log group 5')).toEqual({ kind: 'other', name: 'NFLOG', args: ['--nflog-group', '5'] });
    expect(t('meta mark set mark or 0x4000')).toEqual({ kind: 'mark', value: 0x4000, mask: 0x4000 });
    expect(t('meta mark set mark xor 0x4000')).toEqual({ kind: 'mark', value: 0x4000, mask: 0 });
    expect(t('meta mark set mark and 0xffffff00 xor 0x10')).toEqual({ kind: 'mark', value: 0x10, mask: 0xff });
    expect(t('meta mark set 0x20')).toEqual({ kind: 'mark', value: 0x20, mask: 0xffffffff });
    expect(t('ct mark set mark')).toEqual({ kind: 'connmark', mode: 'save', nfmask: 0xffffffff, ctmask: 0xffffffff });
    expect(t('tcp option maxseg size set rt mtu')).toEqual({ kind: 'other', name: 'TCPMSS', args: ['--clamp-mss-to-pmtu'] });
    expect(t('dnat to 10.244.1.5:8080', 'nat')).toEqual({ kind: 'dnat', to: [{ minAddress: '10.244.1.5', maxAddress: '10.244.1.5', ports: { min: 8080, max: 8080 } }], random: false, persistent: false });
    expect(t('dnat to :99', 'nat')).toEqual({ kind: 'dnat', to: [{ minAddress: null, maxAddress: null, ports: { min: 99, max: 99 } }], random: false, persistent: false });
    expect(t('snat to 1.2.3.4:1000-2000 fully-random', 'nat')).toEqual({
      kind: 'snat', to: [{ minAddress: '1.2.3.4', maxAddress: '1.2.3.4', ports: { min: 1000, max: 2000 } }], random: false, randomFully: true, persistent: false,
    });
    expect(t('masquerade fully-random', 'nat')).toEqual({ kind: 'masquerade', ports: null, random: false, randomFully: true });
    expect(t('masquerade to :1024-2048 random', 'nat')).toEqual({ kind: 'masquerade', ports: { min: 1024, max: 2048 }, random: true, randomFully: false });
    expect(t('redirect to :3128', 'nat')).toEqual({ kind: 'redirect', ports: { min: 3128, max: 3128 }, random: false });
    expect(t('counter packets 0 bytes 0')).toBeNull();
  });
  it('an iptables extension nft cannot print is kept unread: xt match is an unsupported match, xt target another target', () => {
    const r = rule('xt match "physdev" counter packets 0 bytes 0 accept');
    expect(r.matches).toEqual([{ kind: 'unsupported', module: 'physdev', args: [] }]);
    expect(rule('xt match recent counter packets 0 bytes 0').matches).toEqual([{ kind: 'unsupported', module: 'recent', args: [] }]);
    expect(rule('xt target "CHECKSUM"').target).toEqual({ kind: 'other', name: 'CHECKSUM', args: [] });
  });
  it('ct status dnat, how nft prints kube-proxy\'s ! --ctstate RELATED,ESTABLISHED,DNAT, is kept unread with a warning at its line', () => {
    const r = rule('ip saddr != 127.0.0.0/8 ip daddr 127.0.0.0/8  ct status dnat counter packets 0 bytes 0 drop');
    expect(r.matches).toContainEqual({ kind: 'unsupported', module: 'conntrack', args: ['ct', 'status', 'dnat'] });
    expect(r.warnings).toEqual([{ line: 4, message: expect.stringContaining('"ct status dnat" is how nft prints an iptables -m conntrack --ctstate list') }]);
  });
  it('words it does not read become an unsupported match holding them, with a warning naming the line; the rest of the rule is read', () => {
    const r = rule('meta pkttype host tcp dport 80 counter packets 1 bytes 60 accept');
    expect(r.matches).toEqual([proto('tcp'), { kind: 'unsupported', module: 'nft', args: ['meta', 'pkttype', 'host'] }, { kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }], negated: false }]);
    expect(r.target).toEqual({ kind: 'accept' });
    expect(r.warnings).toEqual([{ line: 4, message: expect.stringContaining('nft rule words natlens does not read: "meta pkttype host"') }]);
  });
});

describe('nft listing structure', () => {
  it('ip and ip6 tables are two rulesets; base chains are built-in with their policy, others are not', () => {
    const parsed = read([
      'table ip filter {', '\tchain INPUT {', '\t\ttype filter hook input priority filter; policy drop;', '\t\tiifname "lo" accept', '\t}',
      '\tchain KUBE-FIREWALL {', '\t}', '}',
      'table ip6 nat {', '\tchain POSTROUTING {', '\t\ttype nat hook postrouting priority srcnat; policy accept;', '\t\tmasquerade', '\t}', '}',
    ].join('\n'));
    expect(parsed.rulesets.map((r) => r.family)).toEqual(['ipv4', 'ipv6']);
    expect(parsed.rulesets[0]!.tables[0]!.chains.map((c) => [c.name, c.builtin, c.policy, c.line])).toEqual([['INPUT', true, 'DROP', 2], ['KUBE-FIREWALL', false, null, 6]]);
    expect(parsed.rulesets[1]!.tables[0]!.chains[0]!.rules[0]!.target).toEqual({ kind: 'masquerade', ports: null, random: false, randomFully: false });
    expect(parsed.warnings).toEqual([]);
  });
  it('a native nftables table is one warning naming its base chains\' hooks and priorities, and makes the families it filters partial', () => {
    const parsed = read([
      'table ip nat {', '\tchain PREROUTING {', '\t\ttype nat hook prerouting priority dstnat; policy accept;', '\t}', '}',
      'table inet firewalld { # handle 3',
      '\tset allowed { type ipv4_addr; elements = { 10.0.0.1 } }',
      '\tchain filter_INPUT {', '\t\ttype filter hook input priority filter + 10; policy accept;', '\t\tct state established,related accept', '\t\treject with icmpx admin-prohibited', '\t}',
      '\tchain filter_FORWARD {', '\t\ttype filter hook forward priority filter + 10; policy drop;', '\t}', '}',
      'table ip kube-proxy {', '\tmap service-ips {', '\t\ttype ipv4_addr . inet_proto . inet_service : verdict', '\t\telements = { 10.96.0.1 . tcp . 443 : goto service-X }', '\t}',
      '\tchain nat-prerouting {', '\t\ttype nat hook prerouting priority dstnat; policy accept;', '\t\tjump services', '\t}', '}',
    ].join('\n'));
    expect(parsed.rulesets).toHaveLength(1);
    expect(parsed.rulesets[0]!.origin.partial).toBe(true);
    expect(parsed.rulesets[0]!.tables.map((t) => t.name)).toEqual(['nat']);
    expect(parsed.warnings).toEqual([
      { line: 6, message: 'native nftables table inet firewalld (not written by iptables-nft): base chains filter_INPUT (input, priority filter + 10), filter_FORWARD (forward, priority filter + 10, policy drop); 1 named object(s): set allowed; not read: a packet the replay passes there may be dropped or rewritten by it' },
      { line: 17, message: 'native nftables table ip kube-proxy (not written by iptables-nft): base chains nat-prerouting (prerouting, priority dstnat); 1 named object(s): map service-ips; not read: a packet the replay passes there may be dropped or rewritten by it' },
    ]);
  });
  it('an ip6 native table leaves the IPv4 ruleset whole; a table ip filter with lower-case base chains is native', () => {
    const parsed = read([
      'table ip nat {', '\tchain OUTPUT {', '\t\ttype nat hook output priority -100; policy accept;', '\t}', '}',
      'table ip6 filter {', '\tchain input {', '\t\ttype filter hook input priority 0; policy drop;', '\t}', '}',
    ].join('\n'));
    expect(parsed.rulesets.map((r) => [r.family, r.origin.partial])).toEqual([['ipv4', false]]);
    expect(parsed.warnings.map((w) => w.line)).toEqual([6]);
  });
  it('nft list chain output, partial: the one chain in its table', () => {
    const parsed = read('table ip nat {\n\tchain KUBE-SERVICES {\n\t\tmeta l4proto tcp ip daddr 10.96.0.10 tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-ABC\n\t}\n}\n', true);
    expect(parsed.rulesets[0]!.origin.partial).toBe(true);
    expect(parsed.rulesets[0]!.tables[0]!.chains[0]!.rules[0]!.target).toEqual({ kind: 'jump', chain: 'KUBE-SVC-ABC' });
  });
  it('a grep that kept the table and chain lines reads its rules; one without them says each line it cannot place', () => {
    const kept = read('table ip nat {\n\tchain KUBE-SEP-1 {\n\t\tmeta l4proto tcp counter packets 0 bytes 0 dnat to 10.244.1.5:8080\n', true);
    expect(kept.rulesets[0]!.tables[0]!.chains[0]!.rules).toHaveLength(1);
    expect(kept.rulesets[0]!.origin.partial).toBe(true);
    const lost = read('table ip nat {\n\t\tmeta l4proto tcp counter packets 0 bytes 0 dnat to 10.244.1.5:8080\n}\n', true);
    expect(lost.warnings).toEqual([{ line: 2, message: expect.stringContaining('line outside any chain') }]);
  });
});

describe('nft listings natlens refuses, naming file and line', () => {
  const fails = (text: string, at: string, reason: RegExp): void => {
    let err: unknown = null;
    try {
      read(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).message).toMatch(new RegExp(`^nft\\.txt:${at}: `));
    expect((err as CaptureError).message).toMatch(reason);
  };
  const wrap = (line: string): string => `table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority filter; policy accept;\n\t\t${line}\n\t}\n}\n`;
  it('a mangled value in a rule it reads', () => {
    fails(wrap('ip saddr 10.0.0.300 accept'), '4', /10\.0\.0\.300/);
    fails(wrap('tcp dport 99999 accept'), '4', /port 99999/);
    fails(wrap('meta mark & 0xzz == 1 accept'), '4', /0xzz/);
    fails(wrap('iifname "eth0 accept'), '4', /unterminated quote/);
    fails(wrap('accept drop'), '4', /second verdict/);
  });
  it('a broken structure', () => {
    fails('table ip filter {\n\tchain INPUT {\n\t}\n', '1', /not closed/);
    fails('table ip filter {\n}\n}\n', '3', /closes no table/);
    fails('table ip filter\n', '1', /table line nft would not print/);
    fails('table ip filter {\n\tchain INPUT {\n\t\ttype filter hook input priority;\n\t}\n}\n', '3', /base chain line/);
    fails('table ip nat {\n}\ntable ip nat {\n}\n', '3', /listed twice/);
  });
});

describe('nft listings in a terminal transcript', () => {
  const transcript = [
    'root@node1:~# nft list ruleset',
    '# Warning: table ip nat is managed by iptables-nft, do not touch!',
    'table ip nat {',
    '\tchain PREROUTING {',
    '\t\ttype nat hook prerouting priority dstnat; policy accept;',
    '\t\tcounter packets 12 bytes 720 jump KUBE-SERVICES',
    '\t}',
    '\tchain KUBE-SERVICES {',
    '\t\tmeta l4proto tcp ip daddr 10.96.0.10 tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-ABC',
    '\t}',
    '}',
    'root@node1:~# nft -a list chain ip nat KUBE-SERVICES',
    'table ip nat {',
    '\tchain KUBE-SERVICES { # handle 3',
    '\t\tmeta l4proto tcp ip daddr 10.96.0.10 tcp dport 80 counter packets 4 bytes 240 jump KUBE-SVC-ABC # handle 9',
    '\t}',
    '}',
    'root@node1:~# ip route',
    'default via 10.0.0.1 dev eth0',
    'root@node1:~# exit',
  ].join('\n');

  it('each listing after its prompt is an nft-ruleset capture of the node; a listed chain is partial and scoped to that chain', () => {
    const split = splitTextCapture({ file: 't.txt', text: transcript, firstLine: 1 });
    expect(split.units.map((u) => [u.kind, u.node, u.firstLine, u.partial])).toEqual([
      ['nft-ruleset', 'node1', 2, false], ['nft-ruleset', 'node1', 13, true], ['ip-route', 'node1', 19, false],
    ]);
    const whole = parseCaptureUnit(split.units[0]!);
    const chain = parseCaptureUnit(split.units[1]!);
    if (whole.kind !== 'nft-ruleset' || chain.kind !== 'nft-ruleset') throw new Error('not read as nft-ruleset');
    expect(whole.rulesets[0]!.origin.partial).toBe(false);
    expect(whole.rulesets[0]!.tables[0]!.chains[1]!.rules[0]!).toMatchObject({ line: 9, target: { kind: 'jump', chain: 'KUBE-SVC-ABC' } });
    expect(chain.rulesets[0]!.origin.partial).toBe(true);
    expect(chain.rulesets[0]!.tables[0]!.chains[0]!.rules[0]!.counters).toEqual({ packets: 4, bytes: 240 });
    expect(captureScope('nft-ruleset', analyseCommand(split.units[1]!.command!), chain)).toEqual({
      of: 'ruleset', part: { kind: 'chains', table: 'nat', chains: ['KUBE-SERVICES'] }, filtered: false,
    });
    expect(captureScope('nft-ruleset', analyseCommand(split.units[0]!.command!), whole)).toEqual({ of: 'ruleset', part: { kind: 'whole' }, filtered: false });
  });

  it('a standalone file is detected from its content', () => {
    expect(detectCaptureKind(readFileSync(path.join(FIXTURES, 'kube.nft'), 'utf8'))).toBe('nft-ruleset');
    expect(detectCaptureKind(readFileSync(path.join(FIXTURES, 'kube.nft-save'), 'utf8'))).toBe('iptables-save');
  });
});
