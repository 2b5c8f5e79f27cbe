/**
 * Kernel truth for the forms engineers paste rules in: one ruleset (test/fixtures/forms/lab.rules) as the
 * kernel's iptables 1.8.9 printed it with iptables-save, iptables -S, -S -v, -L -n -v --line-numbers,
 * -L -n -v -x, -L -n and -L (scripts/lab/iptables-forms.sh). Each form is read through the transcript
 * path (prompt, command, output) as an import would read it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../test/fixtures/iptables/fixture-input';
import type { Rule, Ruleset, Table, TableName } from '../../netfilter/ruleset';
import type { NodeSnapshot } from '../../simulate/node-snapshot';
import { tracePacket } from '../../simulate/trace-packet';
import type { Outcome, TraceRequest } from '../../simulate/trace';
import type { CaptureUnit } from '../capture-unit';
import { parseIpAddr } from '../iproute/ip-addr';
import { parseIpRoute } from '../iproute/ip-route';
import type { RulesetWarning } from './iptables-save';
import { parseCaptureUnit, splitTextCapture } from '../registry';

const FORMS = path.join(REPO_ROOT, 'test', 'fixtures', 'forms');
const TABLES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter'];

function fixture(name: string): string {
  return readFileSync(path.join(FORMS, name), 'utf8');
}

/** The output of `command` as pasted after a prompt, cut and read as an import reads it. */
function pasted(command: string, name: string): { unit: CaptureUnit; ruleset: Ruleset; warnings: RulesetWarning[] } {
  const file = `${name}.session`;
  const { units, warnings } = splitTextCapture({ file, text: `root@nodea:~# ${command}\n${fixture(name)}`, firstLine: 1 });
  expect(warnings).toEqual([]);
  expect(units).toHaveLength(1);
  const unit = units[0]!;
  const parsed = parseCaptureUnit(unit);
  if (parsed.kind !== 'iptables-save' && parsed.kind !== 'iptables-list') throw new Error(`${name}: read as ${parsed.kind}`);
  return { unit, ruleset: parsed.ruleset, warnings: (parsed as { warnings?: RulesetWarning[] }).warnings ?? [] };
}

function table(rs: Ruleset, name: TableName): Table {
  const t = rs.tables.find((x) => x.name === name);
  if (t === undefined) throw new Error(`no table ${name}`);
  return t;
}

/** The rules of one table, as "CHAIN: text" with matches and target, chain by chain in declaration order. */
function shape(t: Table): Array<{ chain: string; policy: string | null; rules: Array<Pick<Rule, 'text' | 'matches' | 'target'>> }> {
  return t.chains.map((c) => ({ chain: c.name, policy: c.policy, rules: c.rules.map((r) => ({ text: r.text, matches: r.matches, target: r.target })) }));
}

const saved = pasted('iptables-save', 'save.txt');
const savedRules = (): Ruleset => saved.ruleset;

describe('iptables -S: the same rules as iptables-save', () => {
  for (const t of TABLES) {
    it(`iptables -t ${t} -S reads into table ${t}, rule for rule as iptables-save printed it`, () => {
      const { unit, ruleset, warnings } = pasted(`iptables -t ${t} -S`, `S-${t}.txt`);
      expect(unit.kind).toBe('iptables-save');
      expect(unit.table).toBe(t);
      expect(unit.partial).toBe(true);
      expect(ruleset.origin).toEqual({ format: 'iptables-save', interfacesShown: true, countersShown: false, partial: true });
      expect(ruleset.tables.map((x) => x.name)).toEqual([t]);
      expect(shape(ruleset.tables[0]!)).toEqual(shape(table(saved.ruleset, t)));
      expect(warnings).toEqual([]);
    });

    it(`iptables -t ${t} -S -v: the same rules, with each rule's and policy's counters`, () => {
      const { ruleset } = pasted(`iptables -t ${t} -S -v`, `Sv-${t}.txt`);
      expect(ruleset.origin.countersShown).toBe(true);
      const read = ruleset.tables[0]!;
      expect(shape(read)).toEqual(shape(table(saved.ruleset, t)));
      for (const c of read.chains) {
        if (c.builtin) expect(c.counters).not.toBeNull();
        for (const r of c.rules) expect(r.counters).not.toBeNull();
      }
    });
  }

  it('-S -v counts what the kernel counted: the packets accepted on lo', () => {
    const { ruleset } = pasted('iptables -S -v', 'Sv-filter.txt');
    const input = table(ruleset, 'filter').chains.find((c) => c.name === 'INPUT')!;
    expect(input.rules[0]!.text).toBe('-A INPUT -i lo -j ACCEPT');
    expect(input.rules[0]!.counters!.packets).toBeGreaterThan(0);
  });

  it('`iptables -t nat -S CHAIN`: one chain, partial, its jumps to chains not shown kept without a warning', () => {
    const { unit, ruleset, warnings } = pasted('iptables -t nat -S KUBE-SVC-HELLOTPW5SKX6ZGQ', 'S-chain.txt');
    expect(unit.partial).toBe(true);
    expect(warnings).toEqual([]);
    const nat = table(ruleset, 'nat');
    expect(nat.chains.map((c) => c.name)).toEqual(['KUBE-SVC-HELLOTPW5SKX6ZGQ']);
    expect(shape(nat)).toEqual(shape(table(saved.ruleset, 'nat')).filter((c) => c.chain === 'KUBE-SVC-HELLOTPW5SKX6ZGQ'));
  });

  it('ip6tables -S is IPv6 and matches ip6tables-save', () => {
    const v6 = pasted('ip6tables-save', 'v6-save.txt');
    const { ruleset } = pasted('ip6tables -S', 'v6-S.txt');
    expect(ruleset.family).toBe('ipv6');
    expect(shape(table(ruleset, 'filter'))).toEqual(shape(table(v6.ruleset, 'filter')));
  });
});

describe('iptables -L: the same rules as iptables-save, what the listing shows of them', () => {
  for (const [form, flags] of [['Lnv', '-L -n -v --line-numbers'], ['Lnvx', '-L -n -v -x']] as const) {
    for (const t of TABLES) {
      it(`iptables -t ${t} ${flags}: same matches, targets and text as iptables-save`, () => {
        const { ruleset } = pasted(`iptables -t ${t} ${flags}`, `${form}-${t}.txt`);
        expect(ruleset.origin).toEqual({ format: 'iptables-list', interfacesShown: true, countersShown: true, partial: true });
        const want = shape(table(saved.ruleset, t));
        const got = shape(table(ruleset, t));
        expect(got.map((c) => [c.chain, c.policy, c.rules.length])).toEqual(want.map((c) => [c.chain, c.policy, c.rules.length]));
        got.forEach((c, i) =>
          c.rules.forEach((r, k) => {
            expect(r).toEqual(want[i]!.rules[k]!);
          }),
        );
      });
    }
  }

  for (const t of TABLES) {
    it(`iptables -t ${t} -L -n hides interfaces: interfacesShown=false, the other matches as saved`, () => {
      const { ruleset } = pasted(`iptables -t ${t} -L -n`, `Ln-${t}.txt`);
      expect(ruleset.origin.interfacesShown).toBe(false);
      expect(ruleset.origin.countersShown).toBe(false);
      const want = shape(table(saved.ruleset, t));
      shape(table(ruleset, t)).forEach((c, i) =>
        c.rules.forEach((r, k) => {
          const w = want[i]!.rules[k]!;
          const visible = w.matches.filter((m) => m.kind !== 'in-interface' && m.kind !== 'out-interface');
          expect(r.matches).toEqual(visible);
          expect(r.target).toEqual(w.target);
        }),
      );
    });
  }

  /** The saved rule's matches but the interfaces, which a listing without -v does not show. */
  const visibleOf = (t: TableName, chain: string, k: number): Rule['matches'] =>
    table(saved.ruleset, t).chains.find((c) => c.name === chain)!.rules[k]!.matches.filter((m) => m.kind !== 'in-interface' && m.kind !== 'out-interface');

  it('iptables -nL --line-numbers: the num column without counters, interfaces hidden', () => {
    const { ruleset } = pasted('iptables -nL --line-numbers', 'Lnl-filter.txt');
    const ln = pasted('iptables -t filter -L -n', 'Ln-filter.txt').ruleset;
    expect(ruleset.origin.interfacesShown).toBe(false);
    expect(shape(table(ruleset, 'filter'))).toEqual(shape(table(ln, 'filter')));
  });

  it('iptables -L without -n: anywhere is any address, names are hidden addresses, service names are ports', () => {
    const { ruleset } = pasted('iptables -L', 'L-filter.txt');
    const input = table(ruleset, 'filter').chains.find((c) => c.name === 'INPUT')!;
    // `DROP all -- anywhere loopback/8`: /etc/networks named 127.0.0.0/8; natlens does not guess it.
    expect(input.rules[3]!.matches).toEqual([{ kind: 'unsupported', module: 'host', args: ['-d', 'loopback/8'] }]);
    // `tcp dpt:ssh`, `tcp dpt:https`: /etc/services names read as the ports.
    expect(input.rules[4]!.matches).toEqual(visibleOf('filter', 'INPUT', 4));
    expect(input.rules[5]!.matches).toEqual(visibleOf('filter', 'INPUT', 5));
    const forward = table(ruleset, 'filter').chains.find((c) => c.name === 'FORWARD')!;
    // `tcp dpt:http-alt`: a service name with a dash, not a port range.
    expect(forward.rules.at(-1)!.matches).toEqual(visibleOf('filter', 'FORWARD', forward.rules.length - 1));
  });

  it('iptables -L -v without -n: `any` is no interface, the shown interfaces are read', () => {
    const { ruleset } = pasted('iptables -L -v', 'Lv-filter.txt');
    expect(ruleset.origin.interfacesShown).toBe(true);
    const forward = table(ruleset, 'filter').chains.find((c) => c.name === 'FORWARD')!;
    const saved = table(savedRules(), 'filter').chains.find((c) => c.name === 'FORWARD')!;
    expect(forward.rules.map((r) => r.matches)).toEqual(saved.rules.map((r) => r.matches));
    const input = table(ruleset, 'filter').chains.find((c) => c.name === 'INPUT')!;
    expect(input.rules[3]!.matches).toEqual([
      { kind: 'unsupported', module: 'host', args: ['-d', 'loopback/8'] },
      { kind: 'in-interface', name: 'lo', negated: true },
    ]);
  });

  it('iptables -t nat -L CHAIN -n -v --line-numbers: one chain, partial, as saved', () => {
    const { unit, ruleset } = pasted('iptables -t nat -L KUBE-SVC-HELLOTPW5SKX6ZGQ -n -v --line-numbers', 'L-chain.txt');
    expect(unit.partial).toBe(true);
    expect(shape(table(ruleset, 'nat'))).toEqual(shape(table(savedRules(), 'nat')).filter((c) => c.chain === 'KUBE-SVC-HELLOTPW5SKX6ZGQ'));
  });

  it('a service name natlens does not know is an unknown port match, not an error', () => {
    const text = [
      'Chain INPUT (policy ACCEPT)',
      'target     prot opt source               destination',
      'ACCEPT     tcp  --  anywhere             anywhere             tcp dpt:myapp',
      'ACCEPT     tcp  --  anywhere             anywhere             multiport dports http,myapp',
      'ACCEPT     tcp  --  anywhere             anywhere             multiport dports http,https,ftp-data',
    ].join('\n');
    const { units } = splitTextCapture({ file: 'l.txt', text: `$ sudo iptables -L\n${text}`, firstLine: 1 });
    const parsed = parseCaptureUnit(units[0]!);
    if (parsed.kind !== 'iptables-list') throw new Error(parsed.kind);
    const rules = parsed.ruleset.tables[0]!.chains[0]!.rules;
    expect(rules[0]!.matches).toEqual([
      { kind: 'protocol', proto: 'tcp', negated: false },
      { kind: 'unsupported', module: 'tcp', args: ['dpt:myapp'] },
    ]);
    expect(rules[1]!.matches[1]).toEqual({ kind: 'unsupported', module: 'multiport', args: ['dports', 'http,myapp'] });
    expect(rules[2]!.text).toBe('-A INPUT -p tcp -m multiport --dports 80,443,20 -j ACCEPT');
  });

  it('iptables -t nat -L: a host name for a service address is an unknown address, never a guess', () => {
    const { ruleset } = pasted('iptables -t nat -L', 'L-nat.txt');
    const services = table(ruleset, 'nat').chains.find((c) => c.name === 'KUBE-SERVICES')!;
    expect(services.rules[0]!.matches[0]).toEqual({ kind: 'unsupported', module: 'host', args: ['-d', 'hello.default.svc.cluster.local'] });
    expect(services.rules[0]!.matches.slice(1)).toEqual(visibleOf('nat', 'KUBE-SERVICES', 0).slice(1));
    // No name for 10.96.0.53: printed as a number, read as one.
    expect(services.rules[1]!.matches).toEqual(visibleOf('nat', 'KUBE-SERVICES', 1));
    const sep = table(ruleset, 'nat').chains.find((c) => c.name === 'KUBE-SEP-4XQW3QNHAF2OEXNC')!;
    expect(sep.rules[0]!.matches[0]).toEqual({ kind: 'unsupported', module: 'host', args: ['-s', 'hello-7d9f-abcde'] });
  });

  it('ip6tables -L (anywhere everywhere) is IPv6 from its command', () => {
    const { ruleset } = pasted('ip6tables -L', 'v6-L.txt');
    expect(ruleset.family).toBe('ipv6');
    const lnv = pasted('ip6tables -L -n -v', 'v6-Lnv.txt');
    expect(lnv.ruleset.family).toBe('ipv6');
  });
});

describe('listings of versions this machine cannot run, reprinted from the 1.8.9 ones with their printf formats', () => {
  it('ip6tables before 1.8.9 (blank opt column, protocol names): the rules of ip6tables-save', () => {
    const v6 = pasted('ip6tables-save', 'v6-save.txt');
    const { ruleset } = pasted('ip6tables -L -n -v', 'v6-Lnv.ip6tables-1.8.8.txt');
    expect(ruleset.family).toBe('ipv6');
    expect(shape(table(ruleset, 'filter'))).toEqual(shape(table(v6.ruleset, 'filter')));
  });

  for (const t of ['filter', 'nat'] as const) {
    it(`iptables 1.8.11 -t ${t} -L -n -v --line-numbers (protocol names again with -n): the rules of iptables-save`, () => {
      const { ruleset } = pasted(`iptables -t ${t} -L -n -v --line-numbers`, `Lnv-${t}.iptables-1.8.11.txt`);
      expect(shape(table(ruleset, t))).toEqual(shape(table(saved.ruleset, t)));
    });
  }

  it('a rule without a target in the opt-less layout: the protocol is the first column after the counters', () => {
    const text = [
      'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
      ' pkts bytes target     prot opt in     out     source               destination',
      '   12   960            tcp      eth0   *       ::/0                 ::/0                 tcp dpt:22',
      '    0     0 DROP       all      *      *       2001:db8::/32        ::/0',
    ].join('\n');
    const { units } = splitTextCapture({ file: 'v6.txt', text: `# ip6tables -nvL INPUT\n${text}`, firstLine: 1 });
    const parsed = parseCaptureUnit(units[0]!);
    if (parsed.kind !== 'iptables-list') throw new Error(parsed.kind);
    const rules = parsed.ruleset.tables[0]!.chains[0]!.rules;
    expect(rules.map((r) => r.text)).toEqual(['-A INPUT -i eth0 -p tcp -m tcp --dport 22', '-A INPUT -s 2001:db8::/32 -j DROP']);
    expect(rules[0]!.counters).toEqual({ packets: 12, bytes: 960 });
  });
});

describe('a listing line cut short by whoever pasted it: what was cut is unknown, never guessed', () => {
  const rule = (extras: string, target = 'DNAT'): Rule => {
    const text = `Chain KUBE-SEP-X (1 references)\ntarget     prot opt source               destination\n${target.padEnd(10)} tcp  --  0.0.0.0/0            10.96.0.1            ${extras}\n`;
    const { units } = splitTextCapture({ file: 'cut.txt', text: `$ sudo iptables -t nat -L -n\n${text}`, firstLine: 1 });
    const parsed = parseCaptureUnit(units[0]!);
    if (parsed.kind !== 'iptables-list') throw new Error(parsed.kind);
    return parsed.ruleset.tables[0]!.chains[0]!.rules[0]!;
  };
  const destination = { kind: 'destination', cidr: { address: '10.96.0.1', prefixLength: 32 }, negated: false };
  const tcp = { kind: 'protocol', proto: 'tcp', negated: false };

  it('inside the DNAT address: the target is unknown, the matches before the cut are read', () => {
    const r = rule('/* default/kubernetes:https */ tcp dpt:443 to:10.0.0.1:8...');
    expect(r.matches).toEqual([destination, tcp, { kind: 'comment', text: 'default/kubernetes:https' }, expect.objectContaining({ kind: 'ports', which: 'dport' }), { kind: 'unsupported', module: 'elided', args: ['to:10.0.0.1:8...'] }]);
    expect(r.target).toEqual({ kind: 'other', name: 'DNAT', args: [] });
  });

  it('inside a comment: the comment and what followed it are unknown', () => {
    const r = rule('/* default/kubernetes:https clus...');
    expect(r.matches).toEqual([destination, tcp, { kind: 'unsupported', module: 'elided', args: ['/* default/kubernetes:https clus...'] }]);
  });

  it('an option that lost its value to the cut is unknown with it', () => {
    const r = rule('multiport dports …', 'ACCEPT');
    expect(r.matches).toEqual([destination, tcp, { kind: 'unsupported', module: 'elided', args: ['multiport dports …'] }]);
    expect(r.target).toEqual({ kind: 'accept' });
  });

  it('a port cut to `...`', () => {
    expect(rule('tcp dpt:...', 'ACCEPT').matches).toEqual([destination, tcp, { kind: 'unsupported', module: 'elided', args: ['dpt:...'] }]);
  });
});

describe('iptables-nft with legacy tables loaded: the warning it prints is a warning, not lost', () => {
  it('iptables -S', () => {
    const { ruleset, warnings } = pasted('iptables -S', 'legacy-S.txt');
    expect(warnings).toEqual([{ line: 2, message: expect.stringContaining('iptables-legacy tables are loaded too') }]);
    expect(shape(table(ruleset, 'filter'))).toEqual(shape(table(saved.ruleset, 'filter')));
  });

  it('iptables-save -t filter', () => {
    const { unit, ruleset, warnings } = pasted('iptables-save -t filter', 'legacy-save.txt');
    expect(unit.partial).toBe(true);
    expect(warnings.map((w) => w.line)).toEqual([2]);
    expect(warnings[0]!.message).toContain('iptables-legacy-save');
    expect(shape(table(ruleset, 'filter'))).toEqual(shape(table(saved.ruleset, 'filter')));
  });

  it('iptables -L -n -v', () => {
    const { ruleset, warnings } = pasted('iptables -L -n -v', 'legacy-Lnv.txt');
    expect(warnings.map((w) => w.line)).toEqual([2]);
    expect(table(ruleset, 'filter').chains.map((c) => c.name)).toEqual(table(saved.ruleset, 'filter').chains.map((c) => c.name));
  });
});

describe('the same replay from iptables-save, iptables -S and iptables -L -n -v --line-numbers', () => {
  const interfaces = parseIpAddr({ file: 'addr.txt', text: fixture('addr.txt'), firstLine: 1 }).interfaces;
  const routes = parseIpRoute({ file: 'route.txt', text: fixture('route.txt'), firstLine: 1 }).routes;
  const merged = (form: (t: TableName) => [string, string]): Ruleset => {
    const parts = TABLES.map((t) => pasted(...form(t)).ruleset);
    return { ...parts[0]!, origin: { ...parts[0]!.origin, partial: false }, tables: parts.flatMap((p) => p.tables) };
  };
  const worlds: Record<string, NodeSnapshot> = {
    save: { name: 'nodea', ruleset: saved.ruleset, interfaces, routes },
    S: { name: 'nodea', ruleset: merged((t) => [`iptables -t ${t} -S`, `S-${t}.txt`]), interfaces, routes },
    L: { name: 'nodea', ruleset: merged((t) => [`iptables -t ${t} -L -n -v --line-numbers`, `Lnv-${t}.txt`]), interfaces, routes },
  };
  const packets: Array<Omit<TraceRequest, 'node' | 'follow'>> = [
    { proto: 'tcp', src: '192.168.56.100', dst: '10.96.0.10', dport: 80, in: 'eth0' },
    { proto: 'tcp', src: '10.40.1.3', dst: '10.96.0.10', dport: 80, in: 'cbr0' },
    { proto: 'tcp', src: '192.168.56.100', dst: '192.168.56.11', dport: 30080, in: 'eth0' },
    { proto: 'udp', src: '10.40.1.3', dst: '10.96.0.53', dport: 53, in: 'cbr0' },
    { proto: 'tcp', src: '192.168.56.100', dst: '10.96.0.20', dport: 80, in: 'eth0' },
    { proto: 'tcp', src: '192.168.56.100', dst: '192.168.56.11', dport: 22, in: 'eth0' },
    { proto: 'tcp', src: '192.168.56.100', dst: '192.168.56.11', dport: 8443, in: 'eth0' },
    { proto: 'tcp', src: '192.168.56.100', dst: '127.0.0.1', dport: 80, in: 'eth0' },
    { proto: 'tcp', src: '10.40.1.3', dst: '8.8.8.8', dport: 443, in: 'cbr0' },
    { proto: 'tcp', src: '192.168.56.100', dst: '10.40.1.2', dport: 8080, in: 'eth0' },
    { proto: 'tcp', src: '192.168.56.100', dst: '10.40.1.2', dport: 9090, in: 'eth0' },
    { proto: 'tcp', src: '192.168.56.11', dst: '192.168.56.100', dport: 25, local: true },
  ];
  const gist = (o: Outcome): unknown => ({ probability: o.probability, verdict: o.verdict, packet: o.packet, egress: o.egress, reason: o.reason });

  it.each(packets.map((p) => [`${p.proto} ${p.src} → ${p.dst}:${p.dport} ${p.local ? 'local' : `in ${p.in}`}`, p] as const))('%s', (_, p) => {
    const results = Object.fromEntries(
      Object.entries(worlds).map(([form, world]) => [form, tracePacket([world], { node: 'nodea', follow: false, ...p }).outcomes.map(gist)]),
    );
    expect(results.save!.length).toBeGreaterThan(0);
    expect(results.S).toEqual(results.save);
    expect(results.L).toEqual(results.save);
  });
});
