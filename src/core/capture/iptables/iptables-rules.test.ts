import { describe, expect, it } from 'vitest';
import { CaptureError } from '../capture-error';
import { analyseCommand } from '../transcript/command';
import { parseIptablesRules } from './iptables-rules';
import { parseIptablesSave } from './iptables-save';
import { looksLikeIptablesRules } from './iptables-sniff';
import { detectCaptureKind, parseCaptureUnit, splitTextCapture } from '../registry';
import type { ParsedCapture } from '../../records/records';
import type { RulesetWarning } from './iptables-save';

const FILTER_S = [
  '-P INPUT ACCEPT',
  '-P FORWARD DROP',
  '-P OUTPUT ACCEPT',
  '-N DOCKER-USER',
  '-A INPUT -i lo -j ACCEPT',
  '-A FORWARD -j DOCKER-USER',
  '-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A DOCKER-USER -j RETURN',
].join('\n');

const NAT_S = [
  '-P PREROUTING ACCEPT',
  '-P INPUT ACCEPT',
  '-P OUTPUT ACCEPT',
  '-P POSTROUTING ACCEPT',
  '-N DOCKER',
  '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
  '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE',
  '-A DOCKER -i docker0 -j RETURN',
].join('\n');

type Rules = Extract<ParsedCapture, { kind: 'iptables-save' }> & { warnings: RulesetWarning[] };

function session(text: string, file = 'paste.txt'): Rules[] {
  const { units, warnings } = splitTextCapture({ file, text, firstLine: 1 });
  expect(warnings).toEqual([]);
  return units.map((u) => {
    const parsed = parseCaptureUnit(u);
    if (parsed.kind !== 'iptables-save') throw new Error(`read as ${parsed.kind}`);
    return parsed as Rules;
  });
}

function errorOf(f: () => unknown): CaptureError {
  try {
    f();
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw e;
  }
  throw new Error('expected a CaptureError');
}

describe('iptables -S: the command names the table', () => {
  it.each([
    ['iptables -S', 'iptables-save', 'filter', false],
    ['iptables -t nat -S', 'iptables-save', 'nat', false],
    ['sudo iptables -t nat -S KUBE-SERVICES', 'iptables-save', 'nat', true],
    ['iptables -vS', 'iptables-save', 'filter', false],
    ['iptables --list-rules FORWARD', 'iptables-save', 'filter', true],
    ['iptables-legacy -t mangle -S', 'iptables-save', 'mangle', false],
    ['ip6tables-nft -S', 'iptables-save', 'filter', false],
    ['iptables -tnat -S', 'iptables-save', 'nat', false],
    ['iptables -nvL', 'iptables-list', 'filter', false],
  ] as const)('%s', (command, kind, table, selective) => {
    const info = analyseCommand(command);
    expect([info.kindHint, info.table, info.selective]).toEqual([kind, table, selective]);
  });

  it('reads `iptables -t nat -S` after a prompt into the nat table, partial (one table)', () => {
    const [nat] = session(`root@node1:~# iptables -t nat -S\n${NAT_S}\n`);
    expect(nat!.ruleset.tables.map((t) => t.name)).toEqual(['nat']);
    expect(nat!.ruleset.origin.partial).toBe(true);
    const post = nat!.ruleset.tables[0]!.chains.find((c) => c.name === 'POSTROUTING')!;
    expect(post.policy).toBe('ACCEPT');
    expect(post.rules[0]!.text).toBe('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
    expect(post.rules[0]!.line).toBe(8);
    expect(nat!.warnings).toEqual([]);
  });

  it('reads two listings of one session into their own tables', () => {
    const [filter, nat] = session(`$ sudo iptables -S\n${FILTER_S}\n$ sudo iptables -t nat -S\n${NAT_S}\n`);
    expect(filter!.ruleset.tables.map((t) => t.name)).toEqual(['filter']);
    expect(filter!.ruleset.tables[0]!.chains.find((c) => c.name === 'FORWARD')!.policy).toBe('DROP');
    expect(nat!.ruleset.tables.map((t) => t.name)).toEqual(['nat']);
  });

  it('ip6tables -S is IPv6 even when no address says so', () => {
    const [v6] = session(`# ip6tables -S\n-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-A INPUT -i lo -j ACCEPT\n`);
    expect(v6!.ruleset.family).toBe('ipv6');
  });

  it('a grep of -S output: rules of chains it never declares are read, partial', () => {
    const [grep] = session('$ iptables -t nat -S | grep KUBE-SVC-ABC\n-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-ABC\n-A KUBE-SVC-ABC -j KUBE-SEP-DEF\n');
    expect(grep!.ruleset.origin.partial).toBe(true);
    expect(grep!.ruleset.tables[0]!.chains.map((c) => [c.name, c.builtin, c.rules.length])).toEqual([['KUBE-SERVICES', false, 1], ['KUBE-SVC-ABC', false, 1]]);
    expect(grep!.warnings).toEqual([]);
  });

  it('-S -v: counters out of the rule text, into the rule; a `-c` inside a quoted comment stays', () => {
    const r = parseIptablesRules(
      { file: 'sv.txt', text: '-P INPUT DROP -c 7 420\n-A INPUT -m comment --comment "x -c 1 2 y" -c 3 180 -j ACCEPT\n', firstLine: 1 },
      { table: 'filter', partial: false },
    );
    const input = r.ruleset.tables[0]!.chains[0]!;
    expect(input.counters).toEqual({ packets: 7, bytes: 420 });
    expect(input.rules[0]!.counters).toEqual({ packets: 3, bytes: 180 });
    expect(input.rules[0]!.text).toBe('-A INPUT -m comment --comment "x -c 1 2 y" -j ACCEPT');
    expect(r.ruleset.origin.countersShown).toBe(true);
  });
});

describe('iptables -S without its command (a file of -P/-N/-A lines)', () => {
  it('is recognised as rules, not as something else', () => {
    expect(looksLikeIptablesRules(FILTER_S)).toBe(true);
    expect(detectCaptureKind(FILTER_S)).toBe('iptables-save');
    expect(detectCaptureKind(`# Warning: iptables-legacy tables present, use iptables-legacy to see them\n${NAT_S}`)).toBe('iptables-save');
    expect(looksLikeIptablesRules('-P INPUT ACCEPT\nChain INPUT (policy ACCEPT)\n')).toBe(false);
  });

  it('infers nat from MASQUERADE, and says so', () => {
    const r = parseIptablesRules({ file: 'nat.rules', text: NAT_S, firstLine: 1 }, { table: null, partial: false });
    expect(r.ruleset.tables.map((t) => t.name)).toEqual(['nat']);
    expect(r.warnings).toEqual([{ line: 1, message: expect.stringMatching(/read as table nat \(target MASQUERADE exists only in the nat table\)/) }]);
  });

  it('infers filter when nothing is nat-only, and says so', () => {
    const r = parseIptablesRules({ file: 'f.rules', text: FILTER_S, firstLine: 1 }, { table: null, partial: false });
    expect(r.ruleset.tables.map((t) => t.name)).toEqual(['filter']);
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringContaining('read as table filter')]);
  });

  it('infers nat from a jump to a kube-proxy nat chain: a grep of KUBE-SERVICES is not filter', () => {
    const text = [
      '-A KUBE-SERVICES ! -s 192.168.0.0/16 -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ',
      '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
    ].join('\n');
    const r = parseIptablesRules({ file: 'grep.rules', text, firstLine: 1 }, { table: null, partial: true });
    expect(r.ruleset.tables.map((t) => t.name)).toEqual(['nat']);
    expect(r.warnings.map((w) => w.message)).toEqual([expect.stringContaining('read as table nat (jump to KUBE-MARK-MASQ, a kube-proxy nat chain)')]);
  });

  it('starts a filter part where a rule the nat table refuses follows nat rules (a write-up assembled kube rules: SecurityNeo/ReadingNotes)', () => {
    const text = [
      '-A KUBE-MARK-DROP -j MARK --set-xmark 0x8000/0x8000',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -m mark --mark 0x4000/0x4000 -j MASQUERADE',
      '-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP',
    ].join('\n');
    const r = parseIptablesRules({ file: 'mixed.rules', text, firstLine: 1 }, { table: null, partial: true });
    expect(r.ruleset.tables.map((t) => [t.name, t.chains.map((c) => c.name).filter((n) => n.startsWith('KUBE'))])).toEqual([
      ['nat', ['KUBE-MARK-DROP', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING']],
      ['filter', ['KUBE-FIREWALL']],
    ]);
    expect(r.warnings.map((w) => [w.line, w.message])).toEqual([
      [1, expect.stringContaining('read as table nat')],
      [4, expect.stringContaining('read as table filter')],
    ]);
    // With the command's -t, the listing is one table whatever it holds.
    const told = parseIptablesRules({ file: 'nat.rules', text, firstLine: 1 }, { table: 'nat', partial: true });
    expect(told.ruleset.tables.map((t) => t.name)).toEqual(['nat']);
  });

  it("infers nat from kube-proxy's PREROUTING hook into KUBE-SERVICES, not raw", () => {
    const text = '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES';
    const r = parseIptablesRules({ file: 'grep.rules', text, firstLine: 1 }, { table: null, partial: true });
    expect(r.ruleset.tables.map((t) => t.name)).toEqual(['nat']);
    const filterOnly = parseIptablesRules({ file: 'f.rules', text: '-A FORWARD -j KUBE-SERVICES', firstLine: 1 }, { table: null, partial: true });
    expect(filterOnly.ruleset.tables.map((t) => t.name)).toEqual(['filter']);
  });

  it('cuts concatenated listings where a -P follows rules, each with its own table', () => {
    const text = `${FILTER_S}\n${NAT_S}\n-P PREROUTING ACCEPT\n-P OUTPUT ACCEPT\n-A PREROUTING -i eth0 -p udp -m udp --dport 4789 -j NOTRACK\n`;
    const r = parseIptablesRules({ file: 'all.rules', text, firstLine: 10 }, { table: null, partial: false });
    expect(r.ruleset.tables.map((t) => [t.name, t.line])).toEqual([['filter', 10], ['nat', 18], ['raw', 26]]);
    expect(r.warnings.map((w) => w.line)).toEqual([10, 18, 26]);
  });

  it('through the importer path: the whole file is one capture, its warning carries the line', () => {
    const [r] = session(`${NAT_S}\n`, 'docker-nat.txt');
    expect(r!.ruleset.tables[0]!.name).toBe('nat');
    expect(r!.warnings).toHaveLength(1);
  });
});

describe('iptables -S: input it cannot take is an error at its line', () => {
  const parse = (text: string): unknown => parseIptablesRules({ file: 'bad.rules', text, firstLine: 1 }, { table: 'filter', partial: false });

  it('a policy on a chain that is not built in', () => {
    const e = errorOf(() => parse('-P INPUT ACCEPT\n-P DOCKER ACCEPT\n'));
    expect([e.place.file, e.place.line]).toEqual(['bad.rules', 2]);
    expect(e.message).toMatch(/not a built-in chain of table filter/);
  });

  it('a line that is no -P/-N/-A', () => {
    const e = errorOf(() => parse('-P INPUT ACCEPT\n-A INPUT -j ACCEPT\nChain INPUT (policy ACCEPT)\n'));
    expect(e.place.line).toBe(3);
  });

  it('a rule of a chain a whole listing never declared', () => {
    const e = errorOf(() => parse('-P INPUT ACCEPT\n-A MYCHAIN -j ACCEPT\n'));
    expect(e.place.line).toBe(2);
    expect(e.message).toMatch(/iptables -S prints -N CHAIN before its rules/);
  });

  it('-N of a built-in chain, a bad policy, an unknown option', () => {
    expect(errorOf(() => parse('-N INPUT\n')).message).toMatch(/built-in/);
    expect(errorOf(() => parse('-P INPUT MAYBE\n')).message).toMatch(/bad chain policy/);
    expect(errorOf(() => parse('-P INPUT ACCEPT\n-A INPUT --bogus-option 1 -j ACCEPT\n')).place.line).toBe(2);
  });

  it('nothing but comments', () => {
    expect(errorOf(() => parse('# Warning: iptables-legacy tables present, use iptables-legacy to see them\n')).message).toMatch(/no -P, -N or -A/);
  });
});

describe('iptables-save variants', () => {
  const dump = (header: string): string => `${header}\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::/32 -j DROP\nCOMMIT\n`;

  it.each([
    ['# Generated by iptables-nft-save v1.8.4 on Tue Mar  3 10:00:00 2020', 'ipv4', '2020-03-03T10:00:00Z'],
    ['# Generated by iptables-legacy-save v1.8.7 on Tue Mar  3 10:00:00 2020', 'ipv4', '2020-03-03T10:00:00Z'],
    ['# Generated by ip6tables-save v1.8.9 (nf_tables) on Tue Mar  3 10:00:00 2020', 'ipv6', '2020-03-03T10:00:00Z'],
    ['# Generated by ip6tables-nft-save v1.8.2 on Tue Mar  3 10:00:00 2020', 'ipv6', '2020-03-03T10:00:00Z'],
  ])('%s', (header, family, takenAt) => {
    const r = parseIptablesSave({ file: 'd.txt', text: dump(header), firstLine: 1 });
    expect([r.ruleset.family, r.takenAt]).toEqual([family, takenAt]);
  });

  it('ip6tables-save output without its header is IPv6 from its command', () => {
    const [r] = session('# ip6tables-save\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n');
    expect(r!.ruleset.family).toBe('ipv6');
  });

  it("iptables-nft-save's note about a table it could not print is a warning naming the table", () => {
    const text = '# Generated by iptables-nft-save v1.8.2 on Tue Mar  3 10:00:00 2020\n# Table `nat\' is incompatible, use \'nft\' tool.\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
    const r = parseIptablesSave({ file: 'd.txt', text, firstLine: 1 });
    expect(r.warnings).toEqual([{ line: 2, message: expect.stringContaining('table nat left out') }]);
  });

  it('`iptables-save -t nat` is one table: partial', () => {
    const { units } = splitTextCapture({ file: 'p.txt', text: '$ sudo iptables-save -t nat\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n', firstLine: 1 });
    expect(units[0]!.partial).toBe(true);
  });
});

describe('iptables -L with the legacy-tables warning where a terminal puts it (after the listing)', () => {
  it('is a warning at its line, the listing read whole', () => {
    const text = [
      '[root@k8s-node1 ~]# iptables -t nat -nvL POSTROUTING --line-numbers',
      'Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)',
      'num   pkts bytes target     prot opt in     out     source               destination',
      '1        0     0 MASQUERADE  all  --  *      !docker0  172.17.0.0/16        0.0.0.0/0',
      '# Warning: iptables-legacy tables present, use iptables-legacy to see them',
    ].join('\n');
    const { units } = splitTextCapture({ file: 'n.txt', text, firstLine: 1 });
    expect(units).toHaveLength(1);
    const parsed = parseCaptureUnit(units[0]!);
    if (parsed.kind !== 'iptables-list') throw new Error(parsed.kind);
    expect((parsed as unknown as { warnings: RulesetWarning[] }).warnings).toEqual([{ line: 5, message: expect.stringContaining('iptables-legacy tables are loaded too') }]);
    expect(parsed.ruleset.tables[0]!.chains[0]!.rules[0]!.text).toBe('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
  });
});
