import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../import/import-paths';
import { loadWorld } from './node-world';
import { tracePacket } from '../simulate/trace-packet';
import { useTempProject } from '../../../test/support/temp-project';
import { parseNftRuleset } from '../capture/nft/nft-ruleset';
import type { NodeSnapshot } from '../simulate/node-snapshot';
import type { InterfaceRecord, RouteRecord } from '../records/records';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/nft');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

describe('a node whose rules natlens read from nft list ruleset', () => {
  const project = useTempProject('nft-world');

  it('replays on them, quoting the line nft printed with its file:line', () => {
    const p = project();
    const store = p.store();
    const report = importPaths(store, [p.write('n1/nft.txt', fixture('kube-proxy/LabClusterIP.nft'))], { node: 'n1' });
    expect(report.errors).toEqual([]);
    const [n1] = loadWorld(store);
    expect(n1!.ruleset!.origin).toMatchObject({ format: 'nft', partial: false });
    const result = tracePacket([n1!], { node: 'n1', proto: 'tcp', src: '10.0.0.5', sport: 40000, dst: '10.96.0.10', dport: 80, in: 'eth0', follow: false });
    const dnat = result.outcomes.flatMap((o) => o.steps).find((s) => s.nat?.kind === 'dnat');
    expect(dnat?.rule).toMatch(/^meta l4proto tcp +counter packets \d+ bytes \d+ dnat to 10\.244\.\d+\.\d+:8080$/);
    expect(dnat?.line).toBeGreaterThan(0);
  });

  it('beside iptables-save of the same node (a collector bundle holds both), the iptables-save reading stands alone', () => {
    const p = project();
    const store = p.store();
    const files = [p.write('n1/iptables-nft-save.txt', fixture('kube-proxy/LabClusterIP.nft-save')), p.write('n1/nft-ruleset.txt', fixture('kube-proxy/LabClusterIP.nft'))];
    const report = importPaths(store, files, { node: 'n1' });
    expect(report.errors).toEqual([]);
    expect(report.nodes[0]!.captures.map((c) => c.kind).sort()).toEqual(['iptables-save', 'nft-ruleset']);
    const [n1] = loadWorld(store);
    expect(n1!.ruleset!.origin.format).toBe('iptables-save');
    expect(n1!.ruleset!.tables.flatMap((t) => t.chains.flatMap((c) => c.rules)).every((r) => r.text.startsWith('-A '))).toBe(true);
  });
});

describe('the replay on what nft could not show', () => {
  const snapshot = (text: string): NodeSnapshot[] => {
    const ruleset = parseNftRuleset({ file: 'nft.txt', text, firstLine: 1 }, { partial: false }).rulesets[0]!;
    const iface = (name: string, cidr: string): InterfaceRecord => ({
      name, index: null, peer: null, linkNetns: null, flags: [], mtu: null, state: 'UP', master: null, linkType: 'ether', mac: null, line: 0,
      addresses: [{ family: 'ipv4', cidr, peer: null, broadcast: null, scope: null, label: null, secondary: false, line: 0 }],
    });
    const route = (dst: string, dev: string): RouteRecord => ({
      type: 'unicast', dst, family: 'ipv4', via: null, dev, src: null, metric: null, table: 'main', scope: 'link', proto: null, flags: [], line: 0,
    });
    return [{ name: 'n1', ruleset, interfaces: [iface('eth0', '10.0.0.1/24'), iface('eth1', '10.1.0.1/24')], routes: [route('10.0.0.0/24', 'eth0'), route('10.1.0.0/24', 'eth1')] }];
  };
  const forward = { node: 'n1', proto: 'tcp', src: '10.0.0.5', sport: 40000, dst: '10.1.0.5', dport: 80, in: 'eth0', follow: false } as const;

  it('an xt match nft cannot print is not guessed: the replay follows both answers, each naming what it assumed', () => {
    const world = snapshot('table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy accept;\n\t\txt match "physdev" counter packets 0 bytes 0 drop\n\t}\n}\n');
    const result = tracePacket(world, forward);
    expect(result.outcomes.map((o) => o.verdict).sort()).toEqual(['drop', 'forward']);
    for (const o of result.outcomes) expect(o.assumptions.map((a) => a.about).join(' ')).toMatch(/-m physdev/);
  });

  it('beside a native nftables table the ruleset is partial, and a table nft did not list is named by the nft command that would show it', () => {
    const world = snapshot('table ip nat {\n\tchain PREROUTING {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t}\n}\ntable inet firewalld {\n\tchain filter_FORWARD {\n\t\ttype filter hook forward priority filter + 10; policy drop;\n\t}\n}\n');
    expect(world[0]!.ruleset!.origin.partial).toBe(true);
    const result = tracePacket(world, forward);
    expect(result.outcomes.flatMap((o) => o.assumptions.map((a) => a.about))).toContain('the filter table of n1 was not captured (nft list table ip filter)');
    expect(result.outcomes[0]!.caveats).toContain('n1: the ruleset capture is partial (a filtered or cut listing, or native nftables tables beside it that are not read): rules or tables it does not show may change this path');
  });
});

describe('nft listings of part of the ruleset, composed', () => {
  const project = useTempProject('nft-compose');
  it('a later nft list table inet firewalld keeps the iptables tables an earlier nft list ruleset showed; nft list chain updates its chain', () => {
    const p = project();
    const store = p.store();
    const whole = fixture('kube-proxy/LabClusterIP.nft').trimEnd().split('\n');
    const transcript = [
      'root@n1:~# nft list ruleset', ...whole,
      'root@n1:~# nft list table inet firewalld',
      'table inet firewalld {', '\tchain filter_INPUT {', '\t\ttype filter hook input priority filter + 10; policy accept;', '\t}', '}',
      'root@n1:~# nft list chain ip nat KUBE-MARK-MASQ',
      'table ip nat {', '\tchain KUBE-MARK-MASQ {', '\t\tcounter packets 7 bytes 420 meta mark set mark or 0x4000', '\t}', '}',
      'root@n1:~# exit',
    ].join('\n');
    const report = importPaths(store, [p.write('t.txt', transcript)]);
    expect(report.errors).toEqual([]);
    expect(report.nodes[0]!.captures.map((c) => c.kind)).toEqual(['nft-ruleset', 'nft-ruleset', 'nft-ruleset']);
    const [n1] = loadWorld(store);
    const nat = n1!.ruleset!.tables.find((t) => t.name === 'nat')!;
    expect(nat.chains.length).toBeGreaterThan(10);
    expect(nat.chains.find((c) => c.name === 'KUBE-MARK-MASQ')!.rules[0]!.counters).toEqual({ packets: 7, bytes: 420 });
    expect(n1!.ruleset!.tables.map((t) => t.name)).toEqual(['nat', 'filter']);
  });
});
