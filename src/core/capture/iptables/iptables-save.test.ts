import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseIptablesSave } from './iptables-save';
import { CaptureError } from '../capture-error';
import { renderRule } from '../../netfilter/rule-text';
import type { Chain, Match, Rule, Ruleset, TableName, Target } from '../../netfilter/ruleset';
import { fixturePath, textInput, wholeFile } from '../../../../test/fixtures/iptables/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';
import { sharedDir } from '../../../../test/support/shared-corpus';

function chain(rs: Ruleset, table: TableName, name: string): Chain {
  const c = rs.tables.find((t) => t.name === table)?.chains.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no chain ${table}/${name}`);
  return c;
}

function ruleWith(rs: Ruleset, table: TableName, name: string, fragment: string): Rule {
  const r = chain(rs, table, name).rules.find((x) => x.text.includes(fragment));
  if (r === undefined) throw new Error(`no rule with "${fragment}" in ${table}/${name}`);
  return r;
}

function allRules(rs: Ruleset): Array<{ chain: string; rule: Rule }> {
  return rs.tables.flatMap((t) => t.chains.flatMap((c) => c.rules.map((rule) => ({ chain: c.name, rule }))));
}

function parseText(text: string) {
  return parseIptablesSave(textInput(text, 'dump.txt'));
}

function errorOf(text: string): CaptureError {
  try {
    parseText(text);
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw e;
  }
  throw new Error('expected a CaptureError');
}

function oneRule(rule: string, table = 'filter', decl = ':X - [0:0]'): { matches: Match[]; target: Target | null } {
  const r = parseText(`*${table}\n${decl}\n${rule}\nCOMMIT\n`);
  const rules = allRules(r.ruleset);
  expect(rules).toHaveLength(1);
  return rules[0].rule;
}

const richKernel = parseIptablesSave(wholeFile(fixturePath('rich.kernel-save.txt')));
const richWritten = parseIptablesSave(wholeFile(fixturePath('rich.rules')));

describe('iptables-save: the kernel round trip', () => {
  it('renders every rule of the kernel dump of rich.rules exactly as iptables-save printed it', () => {
    const rules = allRules(richKernel.ruleset);
    expect(rules.length).toBeGreaterThanOrEqual(90);
    for (const { chain: c, rule } of rules) expect(renderRule(c, rule.matches, rule.target)).toBe(rule.text);
  });

  it('reads the hand-written rules into the same model as the kernel reprint, apart from documented normalisations', () => {
    // Where the kernel prints a canonical form the model keeps what was written (names, defaults).
    const expectedDifferences = [
      '--rttl --name SEP2 --rdest', // kernel adds the default --mask
      '--remove --name SEP3 -j', // kernel adds the default --mask and --rsource
      '--icmp-type echo-reply', // the name as written is kept in icmp-type.name
      '! -f -p 47', // rule order of -f/-p differs; same matches
      '-A INPUT -j REJECT\n', // kernel adds --reject-with icmp-port-unreachable
    ];
    let compared = 0;
    for (const table of richWritten.ruleset.tables) {
      for (const c of table.chains) {
        const k = chain(richKernel.ruleset, table.name, c.name);
        expect(k.rules).toHaveLength(c.rules.length);
        c.rules.forEach((r, i) => {
          if (expectedDifferences.some((d) => `${r.text}\n`.includes(d))) return;
          compared++;
          expect({ text: r.text, m: r.matches, t: r.target }).toEqual({ text: r.text, m: k.rules[i].matches, t: k.rules[i].target });
        });
      }
    }
    expect(compared).toBeGreaterThanOrEqual(80);
    const w = ruleWith(richWritten.ruleset, 'filter', 'INPUT', '! -f -p 47');
    const kr = ruleWith(richKernel.ruleset, 'filter', 'INPUT', '-p gre ! -f');
    expect(new Set(w.matches.map((m) => JSON.stringify(m)))).toEqual(new Set(kr.matches.map((m) => JSON.stringify(m))));
  });

  it('keeps header time, family, counters and origin', () => {
    expect(richKernel.takenAt).toBe('2026-11-23T22:27:00Z');
    expect(richKernel.ruleset.family).toBe('ipv4');
    expect(richKernel.ruleset.origin).toEqual({ format: 'iptables-save', interfacesShown: true, countersShown: true, partial: false });
    expect(richWritten.ruleset.origin.countersShown).toBe(false);
    expect(richWritten.takenAt).toBeNull();
    const first = chain(richKernel.ruleset, 'filter', 'INPUT').rules[0];
    expect(first).toMatchObject({ position: 1, counters: { packets: 0, bytes: 0 }, text: '-A INPUT -i lo -j ACCEPT' });
    expect(chain(richKernel.ruleset, 'filter', 'INPUT')).toMatchObject({ builtin: true, policy: 'DROP' });
    expect(chain(richKernel.ruleset, 'filter', 'WEB')).toMatchObject({ builtin: false, policy: null });
    expect(chain(richWritten.ruleset, 'filter', 'INPUT').rules[0].counters).toBeNull();
  });
});

describe('iptables-save: matches', () => {
  const rs = richWritten.ruleset;
  it('reads addresses with dotted masks, bare addresses, negation and interface wildcards', () => {
    expect(ruleWith(rs, 'filter', 'FORWARD', '-s 10.0.0.0/255.0.0.0').matches).toEqual([
      { kind: 'source', cidr: { address: '10.0.0.0', prefixLength: 8 }, negated: false },
      { kind: 'destination', cidr: { address: '10.9.8.7', prefixLength: 32 }, negated: true },
      { kind: 'in-interface', name: 'eth+', negated: false },
      { kind: 'out-interface', name: 'docker0', negated: true },
    ]);
  });

  it('reads tcp/udp ports, ranges, tcp flags and --syn', () => {
    expect(ruleWith(rs, 'filter', 'INPUT', '! --sport 1:1023').matches.slice(1)).toEqual([
      { kind: 'ports', which: 'sport', ranges: [{ min: 1, max: 1023 }], negated: true },
      { kind: 'ports', which: 'dport', ranges: [{ min: 8000, max: 8100 }], negated: false },
    ]);
    expect(ruleWith(rs, 'filter', 'INPUT', '--syn').matches[1]).toEqual({ kind: 'tcp-flags', mask: ['FIN', 'SYN', 'RST', 'ACK'], set: ['SYN'], negated: false });
    expect(ruleWith(rs, 'filter', 'INPUT', '--tcp-flags ALL NONE').matches[1]).toEqual({
      kind: 'tcp-flags', mask: ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'], set: [], negated: false,
    });
  });

  it('reads multiport lists with ranges for sports, dports and ports', () => {
    expect(ruleWith(rs, 'filter', 'INPUT', '--dports 80,443').matches[1]).toEqual({
      kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }, { min: 443, max: 443 }, { min: 8000, max: 8080 }], negated: false,
    });
    expect(ruleWith(rs, 'filter', 'INPUT', '! --sports').matches[1]).toMatchObject({ which: 'sport', negated: true, ranges: [{ min: 53, max: 53 }, { min: 67, max: 68 }] });
    expect(ruleWith(rs, 'filter', 'INPUT', '--ports 25,587').matches[1]).toMatchObject({ which: 'either' });
  });

  it('reads icmp types by number, code, name and any', () => {
    expect(ruleWith(rs, 'filter', 'INPUT', '--icmp-type 8').matches[1]).toEqual({ kind: 'icmp-type', type: 8, code: null, name: '8', negated: false });
    expect(ruleWith(rs, 'filter', 'INPUT', '! --icmp-type 3/4').matches[1]).toEqual({ kind: 'icmp-type', type: 3, code: 4, name: '3/4', negated: true });
    expect(ruleWith(rs, 'filter', 'INPUT', 'echo-reply').matches[1]).toMatchObject({ type: 0, code: null });
    expect(ruleWith(rs, 'filter', 'INPUT', '--icmp-type any').matches[1]).toMatchObject({ type: null, code: null });
  });

  it('reads addrtype lists, negation and limit-iface flags', () => {
    expect(ruleWith(rs, 'nat', 'PREROUTING', '--limit-iface-in').matches[0]).toEqual({
      kind: 'addrtype',
      src: { value: ['UNICAST', 'LOCAL'], negated: false },
      dst: { value: ['BROADCAST', 'MULTICAST'], negated: true },
      limitIfaceIn: true,
      limitIfaceOut: false,
    });
  });

  it('reads mark and connmark matches with and without masks', () => {
    expect(ruleWith(rs, 'mangle', 'MARKS', '--mark 0x1 ').matches[0]).toEqual({ kind: 'mark', value: 1, mask: 0xffffffff, negated: false });
    expect(ruleWith(rs, 'mangle', 'MARKS', '! --mark 0x4000/0x4000').matches[0]).toEqual({ kind: 'mark', value: 0x4000, mask: 0x4000, negated: true });
    expect(ruleWith(rs, 'mangle', 'MARKS', 'connmark ! --mark 0x3').matches[0]).toEqual({ kind: 'connmark', value: 3, mask: 0xffffffff, negated: true });
  });

  it('reads every conntrack field', () => {
    expect(ruleWith(rs, 'filter', 'INPUT', '--ctorigdst').matches[0]).toMatchObject({
      ctorigdst: { value: { address: '10.96.0.0', prefixLength: 12 }, negated: false },
      ctorigsrc: { value: { address: '10.0.0.0', prefixLength: 8 }, negated: true },
      ctreplsrc: { value: { address: '10.1.2.3', prefixLength: 32 }, negated: false },
    });
    expect(ruleWith(rs, 'filter', 'INPUT', '--ctproto tcp').matches[0]).toMatchObject({
      ctproto: { value: 'tcp', negated: false },
      ctorigsrcport: { value: { min: 1000, max: 2000 }, negated: false },
      ctrepldstport: { value: { min: 5000, max: 5000 }, negated: true },
    });
    expect(ruleWith(rs, 'filter', 'INPUT', '--ctdir REPLY').matches[0]).toMatchObject({ ctstatus: { value: ['ASSURED', 'CONFIRMED'], negated: false }, ctdir: 'REPLY' });
    expect(ruleWith(rs, 'filter', 'INPUT', '! --ctstate INVALID').matches[0]).toMatchObject({
      ctstate: { value: ['INVALID', 'UNTRACKED', 'SNAT', 'DNAT'], negated: true },
    });
    expect(ruleWith(rs, 'filter', 'INPUT', '-m state ! --state INVALID').matches[0]).toEqual({ kind: 'state', states: ['INVALID'], negated: true });
  });

  it('reads statistic random and nth', () => {
    expect(ruleWith(rs, 'nat', 'SVC', '0.50000000000').matches[0]).toEqual({ kind: 'statistic', mode: 'random', probability: 0.5, negated: false });
    expect(ruleWith(rs, 'nat', 'SVC', '! --probability 0.25').matches[0]).toEqual({ kind: 'statistic', mode: 'random', probability: 0.25, negated: true });
    expect(ruleWith(rs, 'nat', 'SVC', '--every 3').matches[0]).toEqual({ kind: 'statistic', mode: 'nth', every: 3, packet: 1, negated: false });
  });

  it('reads recent with every option', () => {
    expect(ruleWith(rs, 'nat', 'SEP', '--rcheck').matches[1]).toEqual({
      kind: 'recent', op: 'rcheck', name: 'SEP1', side: 'source', seconds: 10800, hitcount: null, reap: true, rttl: false, mask: '255.255.255.255', negated: false,
    });
    expect(ruleWith(rs, 'nat', 'SEP', '--update').matches[1]).toMatchObject({ op: 'update', hitcount: 4, rttl: true, side: 'dest' });
    expect(ruleWith(rs, 'nat', 'SEP', '--remove').matches[0]).toMatchObject({ op: 'remove', negated: true, name: 'SEP3' });
  });

  it('reads physdev names and flags', () => {
    expect(ruleWith(rs, 'mangle', 'FORWARD', '--physdev-in veth+').matches[0]).toEqual({
      kind: 'physdev', physdevIn: { value: 'veth+', negated: false }, physdevOut: { value: 'eth0', negated: false }, isIn: null, isOut: null, isBridged: null,
    });
    expect(ruleWith(rs, 'mangle', 'FORWARD', '! --physdev-is-in').matches[0]).toMatchObject({ isIn: { value: true, negated: true }, isOut: { value: true, negated: true } });
  });

  it('reads comments, quoted with escapes or bare', () => {
    expect(ruleWith(rs, 'nat', 'SVC', 'inside').matches[0]).toEqual({ kind: 'comment', text: 'quote "inside" and back\\slash' });
    expect(ruleWith(rs, 'nat', 'SVC', 'cluster IP').matches.find((m) => m.kind === 'comment')).toEqual({ kind: 'comment', text: 'default/kubernetes:https cluster IP' });
  });

  it('reads ipset matches', () => {
    expect(oneRule('-A X -m set ! --match-set blocklist src,dst -j DROP').matches).toEqual([{ kind: 'set', name: 'blocklist', flags: ['src', 'dst'], negated: true }]);
  });

  it('keeps unknown modules, and known modules with unknown options, as unsupported without rejecting the file', () => {
    expect(ruleWith(rs, 'filter', 'OUTPUT', 'owner').matches).toEqual([{ kind: 'unsupported', module: 'owner', args: ['--uid-owner', '0'] }]);
    expect(ruleWith(rs, 'filter', 'INPUT', '-m limit').matches).toEqual([{ kind: 'unsupported', module: 'limit', args: ['--limit', '5/min', '--limit-burst', '10'] }]);
    expect(oneRule('-A X -p tcp -m tcp --tcp-option 5 -j DROP').matches[1]).toEqual({ kind: 'unsupported', module: 'tcp', args: ['--tcp-option', '5'] });
    expect(oneRule('-A X -m hashlimit --hashlimit-name x ! --hashlimit-above 5/sec -j DROP').matches[0]).toEqual({
      kind: 'unsupported', module: 'hashlimit', args: ['--hashlimit-name', 'x', '!', '--hashlimit-above', '5/sec'],
    });
  });

  it('accepts the old `--option ! value` negation and long option names', () => {
    expect(oneRule('-A X -p tcp --dport ! 80 --source ! 10.0.0.0/8 -j ACCEPT').matches).toEqual([
      { kind: 'protocol', proto: 'tcp', negated: false },
      { kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }], negated: true },
      { kind: 'source', cidr: { address: '10.0.0.0', prefixLength: 8 }, negated: true },
    ]);
  });

  it('loads the protocol module implicitly, as kube-proxy relies on (-m tcp -p tcp -d X --dport N)', () => {
    expect(oneRule('-A X -m tcp -p tcp -d 172.30.0.41 --dport 80 -j ACCEPT').matches).toEqual([
      { kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }], negated: false },
      { kind: 'protocol', proto: 'tcp', negated: false },
      { kind: 'destination', cidr: { address: '172.30.0.41', prefixLength: 32 }, negated: false },
    ]);
    expect(oneRule('-A X -p udp -m comment --comment x --sport 53 -j ACCEPT').matches[2]).toEqual({ kind: 'ports', which: 'sport', ranges: [{ min: 53, max: 53 }], negated: false });
  });
});

describe('iptables-save: targets', () => {
  const rs = richWritten.ruleset;
  const marks = chain(rs, 'mangle', 'MARKS').rules;
  it('normalises every MARK form to xmark value/mask', () => {
    expect(marks.slice(0, 6).map((r) => r.target)).toEqual([
      { kind: 'mark', value: 0x10, mask: 0xff },
      { kind: 'mark', value: 0x20, mask: 0xffffffff },
      { kind: 'mark', value: 0x20, mask: 0xf0 },
      { kind: 'mark', value: 0, mask: 0xf },
      { kind: 'mark', value: 0x4000, mask: 0x4000 },
      { kind: 'mark', value: 0x8000, mask: 0 },
    ]);
  });

  it('reads CONNMARK set, save and restore with masks', () => {
    expect(marks.slice(6, 11).map((r) => r.target)).toEqual([
      { kind: 'connmark', mode: 'set', value: 1, mask: 0xffffffff },
      { kind: 'connmark', mode: 'set', value: 2, mask: 0xf },
      { kind: 'connmark', mode: 'save', nfmask: 0xffffffff, ctmask: 0xffffffff },
      { kind: 'connmark', mode: 'restore', nfmask: 0xff, ctmask: 0xff },
      { kind: 'connmark', mode: 'save', nfmask: 0xf0, ctmask: 0xf },
    ]);
  });

  it('reads DNAT, SNAT, MASQUERADE and REDIRECT with ranges and flags', () => {
    expect(ruleWith(rs, 'nat', 'SEP', '10.0.0.1-10.0.0.9').target).toEqual({
      kind: 'dnat', to: [{ minAddress: '10.0.0.1', maxAddress: '10.0.0.9', ports: { min: 80, max: 90 } }], random: true, persistent: true,
    });
    expect(ruleWith(rs, 'nat', 'SEP', '--to-destination :8080').target).toMatchObject({ to: [{ minAddress: null, maxAddress: null, ports: { min: 8080, max: 8080 } }] });
    expect(ruleWith(rs, 'nat', 'POSTROUTING', '1.2.3.4-1.2.3.8').target).toEqual({
      kind: 'snat', to: [{ minAddress: '1.2.3.4', maxAddress: '1.2.3.8', ports: { min: 1000, max: 2000 } }], random: true, randomFully: true, persistent: true,
    });
    expect(ruleWith(rs, 'nat', 'POSTROUTING', '-o eth1').target).toEqual({ kind: 'masquerade', ports: { min: 1024, max: 65535 }, random: false, randomFully: true });
    expect(ruleWith(rs, 'nat', 'SEP', '3000-3010').target).toEqual({ kind: 'redirect', ports: { min: 3000, max: 3010 }, random: true });
    expect(oneRule('-A X -j DNAT --to-destination 10.0.0.1 --to-destination 10.0.0.2', 'nat').target).toMatchObject({
      to: [{ minAddress: '10.0.0.1' }, { minAddress: '10.0.0.2' }],
    });
  });

  it('reads REJECT, LOG, jumps, gotos, TRACE, NOTRACK, CT and keeps other extension targets', () => {
    expect(ruleWith(rs, 'filter', 'INPUT', 'tcp-reset').target).toEqual({ kind: 'reject', with: 'tcp-reset' });
    expect(ruleWith(rs, 'filter', 'LOGDROP', 'prefix').target).toEqual({ kind: 'log', prefix: 'dropped: ', level: null });
    expect(oneRule('-A X -j LOG --log-level debug --log-prefix x').target).toEqual({ kind: 'log', prefix: 'x', level: '7' });
    expect(ruleWith(rs, 'nat', 'OUTPUT', '-g SVC').target).toEqual({ kind: 'goto', chain: 'SVC' });
    expect(ruleWith(rs, 'filter', 'INPUT', '--syn').target).toEqual({ kind: 'jump', chain: 'WEB' });
    expect(ruleWith(rs, 'raw', 'OUTPUT', 'TRACE').target).toEqual({ kind: 'trace' });
    expect(ruleWith(rs, 'raw', 'PREROUTING', 'NOTRACK').target).toEqual({ kind: 'notrack' });
    expect(ruleWith(rs, 'raw', 'PREROUTING', 'CT --notrack').target).toEqual({ kind: 'ct', notrack: true, zone: null, helper: null, args: ['--notrack'] });
    expect(ruleWith(rs, 'raw', 'PREROUTING', '--zone 7').target).toMatchObject({ kind: 'ct', zone: 7 });
    expect(ruleWith(rs, 'raw', 'PREROUTING', '--helper').target).toMatchObject({ kind: 'ct', helper: 'ftp' });
    expect(ruleWith(rs, 'mangle', 'FORWARD', 'TCPMSS').target).toEqual({ kind: 'other', name: 'TCPMSS', args: ['--clamp-mss-to-pmtu'] });
    expect(ruleWith(rs, 'filter', 'INPUT', 'NFLOG').target).toEqual({ kind: 'other', name: 'NFLOG', args: ['--nflog-group', '5'] });
    expect(ruleWith(rs, 'filter', 'INPUT', 'counts only').target).toBeNull();
  });
});

describeShared('kube-proxy-conformance', 'iptables-save: kube-proxy conformance dumps', () => {
  const dir = sharedDir('kube-proxy-conformance');
  const folders = readdirSync(dir).filter((d) => !d.endsWith('.md'));
  const parsed = new Map(folders.map((d) => [d, parseIptablesSave(wholeFile(path.join(dir, d, 'ruleset.iptables-save')))]));

  it('parses all 31 dumps into filter and nat tables', () => {
    expect(folders).toHaveLength(31);
    const withoutTarget: string[] = [];
    for (const [, p] of parsed) {
      expect(p.ruleset.tables.map((t) => t.name)).toEqual(['filter', 'nat']);
      for (const { rule } of allRules(p.ruleset)) if (rule.target === null) withoutTarget.push(rule.text);
    }
    // The one comment-only rule of the v2 dump (README: "rules without -j are skipped").
    expect(withoutTarget).toHaveLength(1);
    expect(withoutTarget[0]).toContain('will be dropped by KUBE-PROXY-FIREWALL');
  });

  it('reads DNAT, the KUBE-MARK-MASQ jump, addrtype LOCAL and comments with spaces', () => {
    const rs = parsed.get('TestNodePort')!.ruleset;
    expect(ruleWith(rs, 'nat', 'KUBE-SEP-SXIVWICOYRO3J4NJ', 'DNAT').target).toEqual({
      kind: 'dnat', to: [{ minAddress: '10.180.0.1', maxAddress: '10.180.0.1', ports: { min: 80, max: 80 } }], random: false, persistent: false,
    });
    expect(ruleWith(rs, 'nat', 'KUBE-SEP-SXIVWICOYRO3J4NJ', '-s 10.180.0.1').target).toEqual({ kind: 'jump', chain: 'KUBE-MARK-MASQ' });
    const nodeports = ruleWith(rs, 'nat', 'KUBE-SERVICES', 'addrtype');
    expect(nodeports.matches).toEqual([
      { kind: 'comment', text: 'kubernetes service nodeports; NOTE: this must be the last rule in this chain' },
      { kind: 'addrtype', src: null, dst: { value: ['LOCAL'], negated: false }, limitIfaceIn: false, limitIfaceOut: false },
    ]);
    expect(ruleWith(rs, 'nat', 'KUBE-MARK-MASQ', 'MARK').target).toEqual({ kind: 'mark', value: 0x4000, mask: 0x4000 });
    expect(ruleWith(rs, 'nat', 'KUBE-POSTROUTING', '--xor-mark').target).toEqual({ kind: 'mark', value: 0x4000, mask: 0 });
  });

  it('reads statistic probabilities and recent session-affinity rules', () => {
    const rs = parsed.get('TestEndpointSliceWithTerminatingEndpointsTrafficPolicyCluster.1-gate-on-ready-endpoints-exist')!.ruleset;
    expect(ruleWith(rs, 'nat', 'KUBE-SVC-AQI2S6QIMU7PVVRP', '0.3333333333').matches[1]).toEqual({ kind: 'statistic', mode: 'random', probability: 0.3333333333, negated: false });
    expect(ruleWith(rs, 'nat', 'KUBE-SVC-AQI2S6QIMU7PVVRP', '--rcheck').matches[1]).toMatchObject({
      kind: 'recent', op: 'rcheck', name: 'KUBE-SEP-3JOIVZTXZZRGORX4', seconds: 10800, reap: true, side: 'source', mask: null,
    });
  });

  it('keeps jumps to the undeclared KUBE-MARK-DROP as jumps and warns about them', () => {
    const p = parsed.get('TestLoadBalancer')!;
    expect(ruleWith(p.ruleset, 'nat', 'KUBE-FW-XPGD46QRK7WJZT7O', 'KUBE-MARK-DROP').target).toEqual({ kind: 'jump', chain: 'KUBE-MARK-DROP' });
    expect(p.warnings).toContainEqual({ line: 26, message: '-j KUBE-MARK-DROP: no chain KUBE-MARK-DROP in table nat (kept as a jump)' });
  });

  it('joins the unquoted multi-word comments of the TestTracePacket dump and warns once', () => {
    const p = parsed.get('TestTracePacket')!;
    const r = chain(p.ruleset, 'filter', 'INPUT').rules[0];
    expect(r.matches).toEqual([{ kind: 'comment', text: 'kubernetes health check service ports' }]);
    expect(r.target).toEqual({ kind: 'jump', chain: 'KUBE-NODEPORTS' });
    expect(chain(p.ruleset, 'filter', 'INPUT').policy).toBeNull();
    expect(p.warnings.filter((w) => w.message.startsWith('unquoted multi-word comment'))).toHaveLength(1);
  });
});

describe('iptables-save: formats around the rules', () => {
  it('reads the header time as UTC and ip6tables-save as IPv6', () => {
    const p = parseText('# Generated by ip6tables-save v1.8.7 on Tue Jan  5 10:00:00 2021\n*filter\n:INPUT ACCEPT [12:3400]\nCOMMIT\n# Completed on Tue Jan  5 10:00:00 2021\n');
    expect(p.takenAt).toBe('2021-01-05T10:00:00Z');
    expect(p.ruleset.family).toBe('ipv6');
    expect(p.ruleset.tables[0].chains[0]).toMatchObject({ name: 'INPUT', policy: 'ACCEPT', counters: { packets: 12, bytes: 3400 } });
  });

  it('reads the kernel ip6tables-save dump: v6 prefixes, masks and bracketed DNAT ranges', () => {
    const p = parseIptablesSave(wholeFile(fixturePath('v6.kernel-save.txt')));
    expect(p.ruleset.family).toBe('ipv6');
    expect(ruleWith(p.ruleset, 'nat', 'PREROUTING', '[fd00::5]:8080').target).toMatchObject({ to: [{ minAddress: 'fd00::5', maxAddress: 'fd00::5', ports: { min: 8080, max: 8080 } }] });
    expect(ruleWith(p.ruleset, 'nat', 'PREROUTING', 'fd00::9').target).toMatchObject({ to: [{ minAddress: 'fd00::5', maxAddress: 'fd00::9', ports: { min: 80, max: 90 } }] });
    expect(ruleWith(p.ruleset, 'filter', 'INPUT', '--icmpv6-type 135').matches[1]).toMatchObject({ kind: 'icmp-type', type: 135 });
    for (const { chain: c, rule } of allRules(p.ruleset)) expect(renderRule(c, rule.matches, rule.target)).toBe(rule.text);
    const written = parseIptablesSave(wholeFile(fixturePath('v6.rules')));
    expect(written.ruleset.family).toBe('ipv6');
    expect(ruleWith(written.ruleset, 'nat', 'POSTROUTING', 'fd01::').matches[0]).toEqual({ kind: 'source', cidr: { address: 'fd01::', prefixLength: 64 }, negated: false });
  });

  it('tolerates -I (inserted first) and CRLF line ends, and reads -c counters', () => {
    const p = parseText('*filter\r\n:INPUT ACCEPT [0:0]\r\n-A INPUT -j DROP\r\n-I INPUT -i lo -j ACCEPT -c 5 300\r\nCOMMIT\r\n');
    const rules = chain(p.ruleset, 'filter', 'INPUT').rules;
    expect(rules.map((r) => [r.position, r.line, r.text])).toEqual([[1, 4, '-I INPUT -i lo -j ACCEPT -c 5 300'], [2, 3, '-A INPUT -j DROP']]);
    expect(rules[0].counters).toEqual({ packets: 5, bytes: 300 });
    expect(p.ruleset.origin.countersShown).toBe(true);
  });

  it('creates an undeclared built-in chain on first use', () => {
    const p = parseText('*nat\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n');
    expect(chain(p.ruleset, 'nat', 'POSTROUTING')).toMatchObject({ builtin: true, policy: null, line: 2 });
  });

  it('parses a 150,000-rule kube-proxy-sized dump in one pass', () => {
    const lines = ['*nat', ':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
    for (let i = 0; i < 150000; i++) {
      lines.push(`-A KUBE-SERVICES -m comment --comment "ns${i}/svc:p80 cluster IP" -m tcp -p tcp -d 172.30.${(i >> 8) & 255}.${i & 255} --dport 80 -m statistic --mode random --probability 0.50000000000 -j KUBE-MARK-MASQ`);
    }
    lines.push('COMMIT');
    const p = parseText(lines.join('\n'));
    const rules = chain(p.ruleset, 'nat', 'KUBE-SERVICES').rules;
    expect(rules).toHaveLength(150000);
    expect(rules[149999]).toMatchObject({ position: 150000, line: 150003 });
  });
});

describe('iptables-save: rejected input names file and line', () => {
  it.each([
    ['a rule before any table', '-A INPUT -j ACCEPT\n', 1, 'rule outside a table'],
    ['a missing COMMIT', '*filter\n:INPUT ACCEPT [0:0]\n*nat\nCOMMIT\n', 3, 'table filter not COMMITted'],
    ['a missing COMMIT at the end', '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n*nat\n:X - [0:0]\n-A X -j RETURN\n', 6, 'table nat not COMMITted'],
    ['an unterminated quote', '*filter\n:X - [0:0]\n-A X -m comment --comment "open -j ACCEPT\nCOMMIT\n', 3, 'unterminated quote'],
    ['an option missing its value', '*filter\n:X - [0:0]\n-A X -p tcp --dport -j ACCEPT\nCOMMIT\n', 3, 'option --dport needs a value'],
    ['-s at the end of the line', '*filter\n:X - [0:0]\n-A X -s\nCOMMIT\n', 3, 'option -s needs a value'],
    ['an undeclared user chain', '*filter\n:INPUT ACCEPT [0:0]\n-A FOO -j ACCEPT\nCOMMIT\n', 3, 'chain FOO is not declared in table filter'],
    ['a garbage line', '*filter\nhello world\nCOMMIT\n', 2, 'not iptables-save output'],
    ['an unknown table', '*bogus\nCOMMIT\n', 1, 'unknown table'],
    ['a bad port', '*filter\n:X - [0:0]\n-A X -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n', 3, 'port 99999 out of range'],
    ['a stray word', '*filter\n:X - [0:0]\n-A X -p tcp stray -j ACCEPT\nCOMMIT\n', 3, 'unexpected argument "stray"'],
    ['a non-contiguous mask', '*filter\n:X - [0:0]\n-A X -s 10.0.0.0/255.0.255.0 -j ACCEPT\nCOMMIT\n', 3, 'non-contiguous mask'],
    ['no table at all', '# just a comment\n', 1, 'no table'],
  ])('rejects %s', (_, text, line, reason) => {
    const e = errorOf(text);
    expect(e.place).toEqual({ file: 'dump.txt', line });
    expect(e.reason).toContain(reason);
    expect(e.message).toContain(`dump.txt:${line}: `);
  });

  it('rejects binary garbage', () => {
    const e = errorOf('*filter\n\u0000\u0001\u0002ELF\u0000\nCOMMIT\n');
    expect(e.place.line).toBe(2);
    expect(e.reason).toContain('binary');
  });

  it('rejects a 10 MB single line', () => {
    expect(errorOf('x'.repeat(10 * 1024 * 1024)).place.line).toBe(1);
    const e = errorOf(`*filter\n:X - [0:0]\n-A X -m comment --comment "${'a'.repeat(10 * 1024 * 1024)}\nCOMMIT\n`);
    expect(e.place.line).toBe(3);
    expect(e.reason).toBe('unterminated quote');
  });

  it('counts lines from the TextInput firstLine', () => {
    const e = (() => {
      try {
        parseIptablesSave(textInput('*filter\n-A X -j ACCEPT\nCOMMIT\n', 'session.txt', 100));
      } catch (err) {
        return err as CaptureError;
      }
      throw new Error('expected an error');
    })();
    expect(e.message).toBe('session.txt:101: chain X is not declared in table filter (iptables-restore rejects this)');
  });
});

describe('chain lines read without splitting their words', () => {
  it('reads `NAME - [0:0]` as the split reading does, and leaves every other spelling to it', () => {
    const rs = parseText(
      ['*filter', ':INPUT - [0:0]', ':FORWARD DROP [0:0]', ':KUBE-SEP-ABC - [0:0]', ':X  - [0:0]', ':Y\t- [0:0]', ':Z - [0:0] ', ':W - [3:4]', ':É - [0:0]', 'COMMIT'].join('\n'),
    ).ruleset;
    const heads = rs.tables[0]!.chains.map((c) => ({ name: c.name, builtin: c.builtin, policy: c.policy, counters: c.counters }));
    expect(heads).toEqual([
      { name: 'INPUT', builtin: true, policy: null, counters: { packets: 0, bytes: 0 } },
      { name: 'FORWARD', builtin: true, policy: 'DROP', counters: { packets: 0, bytes: 0 } },
      { name: 'KUBE-SEP-ABC', builtin: false, policy: null, counters: { packets: 0, bytes: 0 } },
      { name: 'X', builtin: false, policy: null, counters: { packets: 0, bytes: 0 } },
      { name: 'Y', builtin: false, policy: null, counters: { packets: 0, bytes: 0 } },
      { name: 'Z', builtin: false, policy: null, counters: { packets: 0, bytes: 0 } },
      { name: 'W', builtin: false, policy: null, counters: { packets: 3, bytes: 4 } },
      { name: 'É', builtin: false, policy: null, counters: { packets: 0, bytes: 0 } },
    ]);
    expect(errorOf('*filter\n:A B - [0:0]\nCOMMIT\n').message).toMatch(/dump\.txt:2: bad chain line ":A B - \[0:0\]"/);
    expect(errorOf('*filter\n: - [0:0]\nCOMMIT\n').message).toMatch(/dump\.txt:2: bad chain/);
  });
});
