import { describe, it, expect } from 'vitest';
import { parseIptablesList, UNKNOWN_CHAIN } from './iptables-list';
import { parseIptablesSave } from './iptables-save';
import { CaptureError } from '../capture-error';
import type { Chain, Rule, Ruleset, TableName } from '../../netfilter/ruleset';
import { fixturePath, lineRange, textInput, wholeFile } from '../../../../test/fixtures/iptables/fixture-input';
import { describeShared } from '../../../../test/support/describe-shared';
import { sharedFile } from '../../../../test/support/shared-corpus';

const T001 = sharedFile('transcripts', '001_a5b3b11c70178834.txt');
const T002 = sharedFile('transcripts', '002_1fb178fb5a43cd31.txt');
const T004 = sharedFile('transcripts', '004_21b806302248d7be.txt');

function chain(rs: Ruleset, name: string, table?: TableName): Chain {
  const c = rs.tables.filter((t) => table === undefined || t.name === table).flatMap((t) => t.chains).find((x) => x.name === name);
  if (c === undefined) throw new Error(`no chain ${name}`);
  return c;
}

function rules(rs: Ruleset): Rule[] {
  return rs.tables.flatMap((t) => t.chains.flatMap((c) => c.rules));
}

function errorOf(text: string): CaptureError {
  try {
    parseIptablesList(textInput(text, 'list.txt'), { partial: false });
  } catch (e) {
    if (e instanceof CaptureError) return e;
    throw e;
  }
  throw new Error('expected a CaptureError');
}

describe('iptables -L: against the kernel dump of the same rules', () => {
  const saved = parseIptablesSave(wholeFile(fixturePath('rich.kernel-save.txt'))).ruleset;
  const savedRule = (table: TableName, c: string, i: number): Rule => chain(saved, c, table).rules[i];
  // What a listing cannot show: extension targets and matches print prose, not their options.
  const notRepresentable = ['TCPMSS', 'CHECKSUM', 'NFLOG', '-m limit', '-m owner'];

  it('reads `-L -n -v --line-numbers` of every table into the same matches and targets as iptables-save', () => {
    const list = parseIptablesList(wholeFile(fixturePath('rich.kernel-list-nvx.txt')), { partial: false });
    expect(list.ruleset.tables.map((t) => t.name)).toEqual(['raw', 'mangle', 'nat', 'filter']);
    expect(list.ruleset.origin).toEqual({ format: 'iptables-list', interfacesShown: true, countersShown: true, partial: false });
    let compared = 0;
    for (const t of list.ruleset.tables) {
      for (const c of t.chains) {
        expect(c.rules.length).toBe(chain(saved, c.name, t.name).rules.length);
        c.rules.forEach((r, i) => {
          const k = savedRule(t.name, c.name, i);
          if (notRepresentable.some((x) => k.text.includes(x))) return;
          compared++;
          expect(r.text).toBe(k.text);
          expect({ m: r.matches, t: r.target }).toEqual({ m: k.matches, t: k.target });
          expect(r.counters).toEqual({ packets: 0, bytes: 0 });
        });
      }
    }
    expect(compared).toBeGreaterThanOrEqual(85);
  });

  it('reads `-L -n` (no interfaces shown) and marks interfaces as not shown', () => {
    const list = parseIptablesList(wholeFile(fixturePath('rich.kernel-list-n.txt')), { partial: false });
    expect(list.ruleset.origin).toMatchObject({ interfacesShown: false, countersShown: false });
    expect(list.ruleset.tables.map((t) => t.name)).toEqual(['nat', 'filter']);
    const nodeports = chain(list.ruleset, 'SEP', 'nat').rules[1];
    expect(nodeports.text).toBe('-A SEP -p tcp -m recent --set --name SEP1 --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.244.1.5:8080');
    expect(chain(list.ruleset, 'INPUT', 'filter')).toMatchObject({ builtin: true, policy: 'DROP', counters: null });
    expect(chain(list.ruleset, 'INPUT', 'filter').rules[0]).toMatchObject({ counters: null, text: '-A INPUT -j ACCEPT' });
  });

  it('reads one chain with exact counters and takes the table from the caller', () => {
    const list = parseIptablesList(wholeFile(fixturePath('rich.kernel-list-input-vx.txt')), { partial: true, table: 'filter' });
    expect(list.ruleset.tables).toHaveLength(1);
    expect(list.ruleset.tables[0].chains.map((c) => c.name)).toEqual(['INPUT']);
    expect(list.ruleset.origin.partial).toBe(true);
    expect(chain(list.ruleset, 'INPUT').rules[30]).toMatchObject({ target: null, matches: [{ kind: 'comment', text: 'counts only' }] });
  });
});

describe('iptables -L: values out of range', () => {
  it('rejects an ICMP code above 255 at its line (a fuzz finding: it was read as code 422)', () => {
    const text = 'Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nACCEPT     icmp --  0.0.0.0/0            0.0.0.0/0            icmp type 3 code 422\n';
    expect(() => parseIptablesList({ file: 'l.txt', text, firstLine: 1 }, { partial: false })).toThrow(/l\.txt:3: .*bad ICMP code "422"/);
    const ok = parseIptablesList({ file: 'l.txt', text: text.replace('422', '4'), firstLine: 1 }, { partial: false });
    expect(ok.ruleset.tables[0]!.chains[0]!.rules[0]!.matches).toContainEqual(expect.objectContaining({ kind: 'icmp-type', type: 3, code: 4 }));
  });
});

describeShared('transcripts', 'iptables -L: transcripts', () => {
  it('reads `iptables -L` without -n: anywhere, comments and the ADDRTYPE text, with an elided rule', () => {
    const list = parseIptablesList(lineRange(T001, 958, 961), { partial: true });
    const r = chain(list.ruleset, 'KUBE-SERVICES').rules[0];
    expect(r).toMatchObject({ line: 961, position: 1, counters: null });
    expect(r.matches).toEqual([
      { kind: 'comment', text: 'kubernetes service nodeports; NOTE: this must be the last rule in this chain' },
      { kind: 'addrtype', src: null, dst: { value: ['LOCAL'], negated: false }, limitIfaceIn: false, limitIfaceOut: false },
    ]);
    expect(r.target).toEqual({ kind: 'jump', chain: 'KUBE-NODEPORTS' });
    expect(r.text).toBe('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
    expect(list.ruleset.tables[0].name).toBe('filter');
  });

  it('infers the nat table from a DNAT rule and reads `tcp to:` and a source address', () => {
    const list = parseIptablesList(lineRange(T001, 987, 990), { partial: true });
    expect(list.ruleset.tables[0].name).toBe('nat');
    const [masq, dnat] = chain(list.ruleset, 'KUBE-SEP-WGEM4BP3ARCHJ5MF').rules;
    expect(masq.matches[0]).toEqual({ kind: 'source', cidr: { address: '10.40.0.6', prefixLength: 32 }, negated: false });
    expect(dnat.target).toEqual({ kind: 'dnat', to: [{ minAddress: '10.40.0.6', maxAddress: '10.40.0.6', ports: { min: 8080, max: 8080 } }], random: false, persistent: false });
    // The bare `tcp` before `to:` is kube-proxy's option-less `-m tcp`, which iptables-save prints too.
    expect(dnat.text).toBe('-A KUBE-SEP-WGEM4BP3ARCHJ5MF -p tcp -m comment --comment default/hello-server: -m tcp -j DNAT --to-destination 10.40.0.6:8080'.replace('default/hello-server:', '"default/hello-server:"'));
  });

  it('maps service names of listings without -n to port numbers', () => {
    const list = parseIptablesList(lineRange(T001, 1111, 1113), { partial: true });
    const r = chain(list.ruleset, 'KUBE-SERVICES').rules[0];
    expect(r.matches).toContainEqual({ kind: 'ports', which: 'dport', ranges: [{ min: 80, max: 80 }], negated: false });
    expect(r.matches).toContainEqual({ kind: 'destination', cidr: { address: '10.43.246.223', prefixLength: 32 }, negated: false });
    expect(list.ruleset.origin.partial).toBe(true);
  });

  it('reads `-L -vn -t filter` with K/M counter suffixes, policies and interface negation', () => {
    const list = parseIptablesList(lineRange(T002, 702, 732), { partial: false, table: 'filter' });
    expect(chain(list.ruleset, 'INPUT')).toMatchObject({ policy: 'ACCEPT', counters: { packets: 388, bytes: 195000 } });
    expect(chain(list.ruleset, 'INPUT').rules[0].counters).toEqual({ packets: 31755, bytes: 91e6 });
    expect(chain(list.ruleset, 'FORWARD').policy).toBe('DROP');
    expect(chain(list.ruleset, 'DOCKER').rules).toHaveLength(0);
    expect(chain(list.ruleset, 'FORWARD').rules[4].matches).toEqual([
      { kind: 'in-interface', name: 'docker0', negated: false },
      { kind: 'out-interface', name: 'docker0', negated: true },
    ]);
    expect(chain(list.ruleset, 'FORWARD').rules[2].text).toBe('-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    expect(chain(list.ruleset, 'KUBE-FIREWALL').rules[0].matches[1]).toEqual({ kind: 'mark', value: 0x8000, mask: 0x8000, negated: false });
    expect(list.ruleset.origin).toEqual({ format: 'iptables-list', interfacesShown: true, countersShown: true, partial: false });
  });

  it('reads the full kube-proxy nat listing: MARK or, MASQUERADE, recent, statistic', () => {
    const list = parseIptablesList(lineRange(T002, 1408, 1476), { partial: false, table: 'nat' });
    expect(chain(list.ruleset, 'KUBE-MARK-MASQ').rules[0].target).toEqual({ kind: 'mark', value: 0x4000, mask: 0x4000 });
    expect(chain(list.ruleset, 'KUBE-SVC-254CYKZ73JNCZ5NW').rules[0].matches[1]).toEqual({ kind: 'statistic', mode: 'random', probability: 0.5, negated: false });
    expect(chain(list.ruleset, 'KUBE-SVC-NPX46M4PTMTKRN6Y').rules[0].matches[1]).toEqual({
      kind: 'recent', op: 'rcheck', name: 'KUBE-SEP-7XLM5FY5OZDUTZPQ', side: 'source', seconds: 10800, hitcount: null, reap: true, rttl: false, mask: '255.255.255.255', negated: false,
    });
    expect(chain(list.ruleset, 'KUBE-SEP-7XLM5FY5OZDUTZPQ').rules[1].text).toBe(
      '-A KUBE-SEP-7XLM5FY5OZDUTZPQ -p tcp -m comment --comment "default/kubernetes:https" -m recent --set --name KUBE-SEP-7XLM5FY5OZDUTZPQ --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 192.168.225.193:6443',
    );
    expect(chain(list.ruleset, 'KUBE-SERVICES').rules[0].matches.slice(0, 2)).toEqual([
      { kind: 'source', cidr: { address: '10.0.0.0', prefixLength: 16 }, negated: true },
      { kind: 'destination', cidr: { address: '10.0.0.1', prefixLength: 32 }, negated: false },
    ]);
    expect(chain(list.ruleset, 'OUTPUT').rules[1].matches[0]).toEqual({ kind: 'destination', cidr: { address: '127.0.0.0', prefixLength: 8 }, negated: true });
    expect(chain(list.ruleset, 'POSTROUTING').rules[1].target).toEqual({ kind: 'masquerade', ports: null, random: false, randomFully: false });
    expect(chain(list.ruleset, 'POSTROUTING').builtin).toBe(true);
  });

  it('reads a grep-ed fragment with misaligned columns into an unknown chain, always partial', () => {
    const list = parseIptablesList(lineRange(T002, 1485, 1486), { partial: false, table: 'nat' });
    const c = chain(list.ruleset, UNKNOWN_CHAIN);
    expect(c.rules).toHaveLength(2);
    expect(c.rules[0].matches.slice(0, 2)).toEqual([
      { kind: 'source', cidr: { address: '10.0.0.0', prefixLength: 16 }, negated: true },
      { kind: 'destination', cidr: { address: '10.0.34.209', prefixLength: 32 }, negated: false },
    ]);
    expect(c.rules[0].target).toEqual({ kind: 'jump', chain: 'KUBE-MARK-MASQ' });
    expect(list.ruleset.origin).toMatchObject({ partial: true, countersShown: true });
  });

  it('reads `grep -A4` chain excerpts with a wide target column', () => {
    const list = parseIptablesList(lineRange(T002, 1496, 1499), { partial: true });
    expect(chain(list.ruleset, 'KUBE-SVC-254CYKZ73JNCZ5NW').rules.map((r) => r.target)).toEqual([
      { kind: 'jump', chain: 'KUBE-SEP-XDPNDAH2CYMNR5MR' }, { kind: 'jump', chain: 'KUBE-SEP-2YXAMM7IVAYA72O7' },
    ]);
    expect(list.ruleset.tables[0].name).toBe('nat');
  });

  it('reads a header with odd spacing and an elision', () => {
    const list = parseIptablesList(lineRange(T002, 872, 877), { partial: true, table: 'filter' });
    expect(chain(list.ruleset, 'FORWARD').rules[0]).toMatchObject({ line: 877, counters: { packets: 2, bytes: 144 }, text: '-A FORWARD -d 172.18.0.0/16 -i eth0 -j ACCEPT' });
  });

  it('reads the headerless `-t nat -nL | grep` fragment with PHYSDEV and negated addrtype', () => {
    const list = parseIptablesList(lineRange(T004, 114, 121), { partial: true });
    expect(list.ruleset.tables[0].name).toBe('nat');
    const rs = chain(list.ruleset, UNKNOWN_CHAIN).rules;
    expect(rs).toHaveLength(8);
    expect(rs[5].matches.slice(-2)).toEqual([
      { kind: 'physdev', physdevIn: null, physdevOut: null, isIn: { value: true, negated: true }, isOut: null, isBridged: null },
      { kind: 'addrtype', src: { value: ['LOCAL'], negated: true }, dst: null, limitIfaceIn: false, limitIfaceOut: false },
    ]);
    expect(rs[2].matches[0]).toEqual({ kind: 'source', cidr: { address: '10.2.0.0', prefixLength: 16 }, negated: true });
    expect(list.ruleset.origin).toMatchObject({ interfacesShown: false, countersShown: false, partial: true });
  });
});

describe('iptables -L: rejected input', () => {
  it('names file and line of a line that is not a listing line', () => {
    const e = errorOf('Chain INPUT (policy ACCEPT)\ntarget     prot opt source               destination\nhello there\n');
    expect(e.place).toEqual({ file: 'list.txt', line: 3 });
    expect(e.reason).toContain('not an iptables -L rule line');
  });

  it('rejects a bad chain header, an unterminated comment and binary data', () => {
    expect(errorOf('Chain INPUT (policy MAYBE)\n').place.line).toBe(1);
    expect(errorOf('Chain X (1 references)\nACCEPT all -- 0.0.0.0/0 0.0.0.0/0 /* open\n').reason).toContain('unterminated');
    expect(errorOf('Chain X (1 references)\n\u0000\u0001\u0002\n').reason).toContain('binary');
  });

  it('rejects at its line a column that cannot hold its value: a mask, an address, an interface, a counter, a probability', () => {
    const head = 'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n';
    const rule = (cols: string): CaptureError => errorOf(`${head}${cols}\n`);
    for (const [cols, reason] of [
      ['    0     0 ACCEPT     all  --  *      *       10.0.0.1/33          0.0.0.0/0', 'too long'],
      ['    0     0 ACCEPT     all  --  *      *       0.0.0.0/             0.0.0.0/0', 'bad mask'],
      ['    0     0 ACCEPT     all  --  *      *       :9                   0.0.0.0/0', 'bad address'],
      ['    0     0 ACCEPT     all  --  *      !       0.0.0.0/0            0.0.0.0/0', 'no interface name'],
      [`    0 ${'9'.repeat(21)} ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0`, 'bad counters'],
      ['    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability 1.5', 'bad probability'],
    ] as const) {
      const e = rule(cols);
      expect([e.place.line, e.reason], cols).toEqual([3, expect.stringContaining(reason)]);
    }
  });

  it('rejects a 10 MB single line quickly', () => {
    expect(errorOf(`ACCEPT all -- ${'a'.repeat(10 * 1024 * 1024)}`).place.line).toBe(1);
  });

  it('rejects empty input', () => {
    expect(errorOf('\n\n').reason).toContain('no chain');
  });
});
