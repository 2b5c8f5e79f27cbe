/**
 * Property: on random small rulesets full of what the captures do not decide (hidden interface
 * columns, ipsets, opaque modules, chains not captured) mixed with statistic branches, the
 * outcome sets read as CONTRACT.md says: within each set of equal assumptions the probabilities
 * sum to 1, and no assumption an outcome keeps could be flipped without changing its set's ends;
 * where the only unknowns are ipsets, any concrete membership consistent with a set's assumptions
 * replays (with certainty) to exactly that set's ends.
 */
import { describe, expect, it } from 'vitest';
import { randomFrom, caseSeed } from '../../../test/fuzz/prng';
import type { Random } from '../../../test/fuzz/prng';
import type { Assumption } from './assumption';
import { nodeFrom } from './test-support/capture-world';
import { tracePacket } from './trace-packet';
import type { Outcome } from './trace';

const ADDR = `2: eth0: <BROADCAST,UP> mtu 1500 state UP
    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff
    inet 10.0.0.5/24 scope global eth0
3: eth1: <BROADCAST,UP> mtu 1500 state UP
    link/ether 52:54:00:12:34:58 brd ff:ff:ff:ff:ff:ff
    inet 172.16.0.5/24 scope global eth1
`;
const ROUTE = `default via 10.0.0.1 dev eth0
10.0.0.0/24 dev eth0 scope link src 10.0.0.5
172.16.0.0/24 dev eth1 scope link src 172.16.0.5
10.244.1.0/24 via 10.0.0.7 dev eth0
`;

function matchText(r: Random, opaque = true): string {
  const parts: string[] = [];
  if (r.chance(0.3)) parts.push(`-p tcp -m tcp --dport ${r.pick(['80', '22'])}`);
  if (r.chance(0.15)) parts.push(`-s ${r.pick(['172.16.0.0/24', '10.0.0.0/8'])}`);
  if (r.chance(0.25)) parts.push(`-m set --match-set s${r.int(3)} ${r.pick(['src', 'dst'])}`);
  if (opaque && r.chance(0.15)) parts.push('-m limit --limit 5/min');
  if (r.chance(0.15)) parts.push(`-o ${r.pick(['eth0', 'eth1'])}`);
  if (r.chance(0.2)) parts.push(`-m statistic --mode random --probability ${r.pick(['0.5', '0.25'])}`);
  return parts.join(' ');
}

function targetText(r: Random, chain: number | null, chains: number, opaque = true): string {
  const options = ['ACCEPT', 'DROP', 'REJECT', 'LOG', 'MARK --set-xmark 0x1/0xffffffff', ...(opaque ? ['GONE'] : [])];
  if (chain !== null) options.push('RETURN');
  const deeper = Array.from({ length: chains }, (_, i) => i).filter((i) => chain === null || i > chain);
  for (const i of deeper) options.push(`U${i}`);
  return r.pick(options);
}

/** `opaque`: also rules the replay cannot decide beyond ipsets (-m limit, a chain not captured). */
function randomRuleset(r: Random, opaque = true): string {
  const chains = r.int(3);
  const lines = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  for (let i = 0; i < r.int(3); i++) {
    lines.push(`-A PREROUTING -d 10.96.0.10/32 ${matchText(r, opaque)} -j ${r.pick(['DNAT --to-destination 10.244.1.4:8080', 'DNAT --to-destination 10.244.1.5:8080', 'ACCEPT', 'MARK --set-xmark 0x4000/0x4000'])}`);
  }
  lines.push('COMMIT', '*filter', ':INPUT ACCEPT [0:0]', `:FORWARD ${r.pick(['ACCEPT', 'DROP'])} [0:0]`, ':OUTPUT ACCEPT [0:0]');
  for (let c = 0; c < chains; c++) lines.push(`:U${c} - [0:0]`);
  const rules = (name: string, index: number | null): void => {
    for (let i = 0; i < 1 + r.int(4); i++) lines.push(`-A ${name} ${matchText(r, opaque)} -j ${targetText(r, index, chains, opaque)}`.replace(/ +/g, ' '));
  };
  rules('FORWARD', null);
  for (let c = 0; c < chains; c++) rules(`U${c}`, c);
  lines.push('COMMIT');
  return lines.join('\n');
}

function sig(o: Outcome): string {
  return JSON.stringify([o.verdict, o.packet, o.egress]);
}

function setKey(assumptions: Assumption[]): string {
  return JSON.stringify(assumptions.map((a) => [a.node, a.about, a.rule, a.source, a.assumed]).sort());
}

function distribution(outcomes: Outcome[]): string {
  const sums = new Map<string, number>();
  for (const o of outcomes) sums.set(sig(o), (sums.get(sig(o)) ?? 0) + o.probability);
  return JSON.stringify([...sums.entries()].map(([k, p]) => [k, Math.round(p * 1e6)]).sort());
}

describe('fork and merge, property', () => {
  it('holds on 200 random rulesets', () => {
    let forked = 0;
    for (let index = 0; index < 200; index++) {
      const seed = caseSeed(0x5eed, index);
      const r = randomFrom(seed);
      const text = randomRuleset(r);
      const n = { ...nodeFrom('n1', { iptables: text, addr: ADDR, route: ROUTE }), rulesetSource: 'n1/save' };
      if (n.ruleset && r.chance(0.5)) n.ruleset.origin = { ...n.ruleset.origin, interfacesShown: false };
      const outcomes = tracePacket([n], {
        node: 'n1', proto: 'tcp', src: '172.16.0.9', dst: r.pick(['8.8.8.8', '10.96.0.10']), dport: r.pick([80, 22]), in: 'eth1', follow: false,
      }).outcomes;
      const context = `seed ${seed}:\n${text}`;
      const sets = new Map<string, { assumptions: Assumption[]; outcomes: Outcome[] }>();
      for (const o of outcomes) {
        const key = setKey(o.assumptions);
        const set = sets.get(key) ?? { assumptions: o.assumptions, outcomes: [] };
        set.outcomes.push(o);
        sets.set(key, set);
      }
      if (sets.size > 1) forked++;
      for (const { outcomes: members } of sets.values()) {
        expect(members.reduce((sum, o) => sum + o.probability, 0), context).toBeCloseTo(1, 9);
      }
      // Every kept assumption changed the outcome: its flip, where that world exists, ends differently.
      const all = outcomes.flatMap((o) => o.assumptions);
      for (const { assumptions, outcomes: members } of sets.values()) {
        for (const a of assumptions) {
          for (const flip of all) {
            if (flip.about !== a.about || flip.rule !== a.rule || flip.source !== a.source || flip.node !== a.node || flip.assumed === a.assumed) continue;
            const other = sets.get(setKey(assumptions.map((x) => (x === a ? flip : x))));
            if (other === undefined) continue;
            expect(distribution(other.outcomes), `${context}\nflipping "${a.assumed}" changes nothing`).not.toBe(distribution(members));
          }
        }
        // Each assumption appears once per outcome.
        expect(new Set(assumptions.map((a) => `${a.about}|${a.rule}|${a.source}`)).size, context).toBe(assumptions.length);
      }
    }
    // The generator does exercise forks.
    expect(forked).toBeGreaterThan(40);
  });

  it('is sound on 100 random rulesets whose only unknowns are ipsets: any membership consistent with a set\'s assumptions replays to that set\'s ends', () => {
    const HOLDS = /^assuming ipset (\S+) (holds|does not hold) the packet's (source|destination) (\S+)/;
    const UNIVERSE = ['172.16.0.9', '8.8.8.8', '10.96.0.10', '10.244.1.4', '10.244.1.5'];
    let checked = 0;
    for (let index = 0; index < 100; index++) {
      const seed = caseSeed(0xa55e7, index);
      const r = randomFrom(seed);
      const text = randomRuleset(r, false);
      const request = { node: 'n1', proto: 'tcp', src: '172.16.0.9', dst: r.pick(['8.8.8.8', '10.96.0.10']), dport: r.pick([80, 22]), in: 'eth1', follow: false };
      const outcomes = tracePacket([nodeFrom('n1', { iptables: text, addr: ADDR, route: ROUTE })], request).outcomes;
      const sets = new Map<string, Outcome[]>();
      for (const o of outcomes) sets.set(setKey(o.assumptions), [...(sets.get(setKey(o.assumptions)) ?? []), o]);
      for (const members of sets.values()) {
        // Memberships the set assumed; every other one drawn at random.
        const member = new Map<string, boolean>();
        for (const a of members[0]?.assumptions ?? []) {
          const m = HOLDS.exec(a.assumed);
          if (m !== null) member.set(`${m[1]}|${m[4]}`, m[2] === 'holds');
        }
        for (const set of ['s0', 's1', 's2']) for (const ip of UNIVERSE) if (!member.has(`${set}|${ip}`)) member.set(`${set}|${ip}`, r.chance(0.5));
        // The concrete ruleset: each ipset match becomes one copy of its rule per member address.
        const concrete = text.split('\n').flatMap((line) => {
          const m = / -m set --match-set (s\d) (src|dst)/.exec(line);
          if (m === null) return [line];
          return UNIVERSE.filter((ip) => member.get(`${m[1]}|${ip}`)).map((ip) => line.replace(m[0], ` ${m[2] === 'src' ? '-s' : '-d'} ${ip}/32`));
        }).join('\n');
        const truth = tracePacket([nodeFrom('n1', { iptables: concrete, addr: ADDR, route: ROUTE })], request).outcomes;
        expect(truth.every((o) => o.assumptions.length === 0), concrete).toBe(true);
        expect(distribution(truth), `seed ${seed}\n${text}\n--- concrete:\n${concrete}`).toBe(distribution(members));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
