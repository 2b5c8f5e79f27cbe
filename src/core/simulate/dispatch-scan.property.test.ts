/**
 * Property: where scanDispatchKeys vouches for a rule's arguments, its keys are those dispatchKeysOf gives the
 * matches parseRuleText reads from the same text, and it never vouches for a text the parser refuses. Rules are
 * put together at random from kube-proxy's forms and from adversarial ones (negations in both places, ranges,
 * multiport lists, implicit modules, service names, comments holding `-d`/`--dport` and escaped quotes, tokens glued
 * to quotes, options after the target, IPv6 and odd prefixes), with spaces and tabs between them.
 */
import { describe, expect, it } from 'vitest';
import { caseSeed, randomFrom } from '../../../test/fuzz/prng';
import type { Random } from '../../../test/fuzz/prng';
import { parseRuleText } from '../capture/iptables/iptables-rule-text';
import { dispatchKeysOf, type RuleKeys } from './dispatch-index';
import { scanDispatchKeys } from './dispatch-scan';

const IPS = ['10.96.0.1', '10.96.12.200', '192.168.1.1', '0.0.0.0', '255.255.255.255'];

function address(r: Random): string {
  const ip = r.pick(IPS);
  return r.pick([`${ip}/32`, `${ip}/32`, `${ip}/24`, ip, `${ip}/0`, `${ip}/032`, `${ip}/33`, `0${ip}/32`, 'fe80::1/128', '2001:db8::/64', 'host.example']);
}

function piece(r: Random): string {
  switch (r.int(24)) {
    case 0: return `-d ${address(r)}`;
    case 1: return `! -d ${address(r)}`;
    case 2: return `-d ! ${address(r)}`;
    case 3: return `${r.pick(['-s', '! -s', '--destination', '--dst'])} ${address(r)}`;
    case 4: return `-p ${r.pick(['tcp', 'udp', 'sctp', 'TCP', 'Udp', '6', '17', '132', 'all', 'ALL', '0', 'icmp', 'udplite', 'gre', 'foo', '""'])}`;
    case 5: return r.pick(['! -p tcp', '-p ! udp', '--protocol tcp', '! -p all']);
    case 6: return `-m ${r.pick(['tcp', 'udp', 'sctp', 'udplite'])} ${portOptions(r)}`;
    case 7: return `-m tcp ${portOptions(r)}`;
    case 8: return `-m multiport ${r.pick(['--dports 80,443', '--dports 80', '! --dports 53', '--ports 80', '--sports 1000:2000'])}`;
    case 9: return `-m comment --comment ${comment(r)}`;
    case 10: return `-m comment --comment ${comment(r)}`;
    case 11: return r.pick(['-m statistic --mode random --probability 0.50000000000', '-m statistic --mode random --probability 2',
      '-m statistic --mode nth --every 2 --packet 0', '-m statistic --mode random']);
    case 12: return r.pick(['-m addrtype --dst-type LOCAL', '-m mark --mark 0x4000/0x4000', '-m set --match-set KUBE-X dst', '-m conntrack --ctstate NEW']);
    case 13: return `${r.pick(['-i', '-o', '! -i', '! -o'])} ${r.pick(['eth0', 'cni+', '"eth0"', 'veth"x"', '-x', '!'])}`;
    case 14: return r.pick(['--dport 80', '! --dport 80', '--sport 53', '--syn']);
    case 15: return r.pick(['-f', '! -f', '-c 1 2', '-4', '! -m tcp --dport 80', '!', '! !']);
    case 16: return '-m tcp';
    case 17: return `-m ${r.pick(['comment', 'tcp', 'statistic', '"tcp"', ''])}`;
    default: return r.pick([`-d ${r.pick(IPS)}/32`, `-p ${r.pick(['tcp', 'udp', 'sctp'])}`, `-m tcp --dport ${r.pick(['80', '443', '53'])}`,
      `-m comment --comment "ns/svc:${r.pick(['http', 'dns'])} cluster IP"`]);
  }
}

function portOptions(r: Random): string {
  const n = 1 + r.int(3);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const neg = r.chance(0.2) ? '! ' : '';
    const option = r.pick(['--dport', '--dport', '--sport', '--destination-port', '--tcp-flags SYN,ACK', '--syn']);
    const value = r.pick(['80', '443', '53', '0', '65535', '65536', '80:90', '80:80', ':1024', '1024:', 'http', 'http-alt', '080', '! 80', '"80"', '-1']);
    out.push(`${neg}${option} ${value}`);
  }
  return out.join(' ');
}

function comment(r: Random): string {
  return r.pick([
    '"ns/svc:http cluster IP"',
    '"-d 10.96.0.1/32 -p tcp --dport 80"',
    '"a \\" -d 10.96.0.1/32 \\" b"',
    '"ends in a backslash \\\\"',
    'plain',
    '--dport',
    '""',
    '"glued"on',
    '"unterminated',
    '"tab\there"',
    '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"',
  ]);
}

function target(r: Random): string {
  return r.pick([
    '-j KUBE-SVC-ABC', '-j KUBE-SVC-ABC', '-j KUBE-MARK-MASQ', '-j ACCEPT', '-j RETURN', '-j DROP', '-g KUBE-X', '',
    '-j DNAT --to-destination 10.244.0.5:80', '-j MARK --set-xmark 0x4000/0x4000', '-j REJECT', '-j DNAT', '-j NFQUEUE',
    '-j KUBE-SVC-ABC -d 10.96.0.9/32', '-j ACCEPT --dport 80', '! -j ACCEPT', '-j', '-j ""', '-g ACCEPT',
  ]);
}

function args(r: Random): string {
  const parts = Array.from({ length: 1 + r.int(5) }, () => piece(r));
  const t = target(r);
  if (t !== '') parts.push(t);
  let out = '';
  for (const p of parts) out += r.pick([' ', ' ', ' ', '  ', '\t']) + p;
  return out;
}

/** kube-proxy's service-port rule, each part at times mutated: what the scan's fast path reads, and its near misses. */
function nearKubeProxy(r: Random): string {
  const m = (p: number, usual: string, ...odd: string[]): string => (r.chance(p) ? r.pick(odd) : usual);
  const proto = r.pick(['tcp', 'udp', 'sctp']);
  const dst = m(0.2, ` -d ${r.pick(IPS)}/32`, '', ` -d ${r.pick(IPS)}/320`, ` -d 10.96.0.01/32`, ` -d ${r.pick(IPS)}/3`, `  -d ${r.pick(IPS)}/32`,
    ` -d 10.96.0/32`, ` ! -d ${r.pick(IPS)}/32`, ` -d ${r.pick(IPS)}/32 -d 10.96.0.1/32`, ' -d fe80::1/128');
  const p = m(0.15, ` -p ${proto}`, ` -p ${proto.toUpperCase()}`, ' -p tcpx', ' -p 6', ` ! -p ${proto}`, ` -p ${proto}\t`, ' -p');
  const comment = m(0.25, ` -m comment --comment "ns/svc-${r.int(99)}:http cluster IP"`, '', ' -m comment --comment "a\\" -d 1.2.3.4/32 -p udp"',
    ' -m comment --comment "x -m tcp --dport 1 -j ACCEPT"', ' -m comment --comment "unterminated', ' -m comment --comment ""', ' -m comment --comment plain',
    ' -m comment --comment "x"y', ' -m comment --comment "a" "b"');
  const module = m(0.15, ` -m ${proto}`, ` -m ${r.pick(['tcp', 'udp', 'sctp'])}`, ' -m multiport', ' -m tcpx', '');
  const port = m(0.25, ` --dport ${r.pick(['80', '443', '53', '0', '65535'])}`, ' --dport 65536', ' --dport 080', ' --dport 80:90', ' --dport http',
    ' ! --dport 80', ' --dport ', ' --dports 80', ' --dport 999999', ' --dport 80 --dport 81', ' --sport 80');
  const target = m(0.25, ` -j KUBE-SVC-${r.int(99)}`, ' -j ACCEPT', ' -j DNAT', ' -j MARK', ' -j NFQUEUE', ' -j', ' -j ', ' -j A B', ' -j "q"', ' -j A"b"',
    ' -j -x', ' -j !', ' -j KUBE-SVC-A -d 10.96.0.9/32', ' -g KUBE-X', ' -j A\tB', '');
  return dst + p + comment + module + port + target;
}

/** What the parser reads from `-A X` + args, keyed; 'refused' when it throws. */
function parsedKeys(text: string): RuleKeys | 'refused' {
  try {
    return dispatchKeysOf(parseRuleText(`-A X${text}`).matches);
  } catch {
    return 'refused';
  }
}

describe('scanDispatchKeys', () => {
  it('keys a random or adversarial rule as its parsed matches key it, or does not vouch for it', () => {
    let vouched = 0;
    let keyed = 0;
    const cases = 20000;
    for (let k = 0; k < cases; k++) {
      const text = args(randomFrom(caseSeed(0x5ca7, k)));
      const scanned = scanDispatchKeys(text);
      if (scanned === null) continue;
      vouched++;
      if (scanned.dst !== null || scanned.proto !== null || scanned.dport !== null) keyed++;
      expect(parsedKeys(text), `case ${k}: ${JSON.stringify(text)}`).toEqual(scanned);
    }
    // Worth something only if the scan vouches for a good part of them, keys included.
    expect(vouched).toBeGreaterThan(cases / 20);
    expect(keyed).toBeGreaterThan(cases / 40);
  });

  it("keys kube-proxy's service rules and their near misses as their parsed matches key them, or does not vouch", () => {
    let keyed = 0;
    const cases = 20000;
    for (let k = 0; k < cases; k++) {
      const text = nearKubeProxy(randomFrom(caseSeed(0x6b70, k)));
      const scanned = scanDispatchKeys(text);
      if (scanned === null) continue;
      if (scanned.dport !== null) keyed++;
      expect(parsedKeys(text), `case ${k}: ${JSON.stringify(text)}`).toEqual(scanned);
    }
    expect(keyed).toBeGreaterThan(cases / 10);
  });

  it("vouches for kube-proxy's dispatch rules and keys them", () => {
    const rules: Array<[string, RuleKeys | null]> = [
      [' -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU',
        { dst: `4:${(10 << 24 | 96 << 16 | 10) >>> 0}`, proto: 17, dport: 53 }],
      [' -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-ABC', { dst: null, proto: 6, dport: 30080 }],
      [' ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-MARK-MASQ',
        { dst: `4:${(10 << 24 | 96 << 16 | 1) >>> 0}`, proto: 6, dport: 443 }],
      [' -m comment --comment "ns/svc:p -> 10.244.1.5:80" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-X', { dst: null, proto: null, dport: null }],
      // The addrtype jump at the end of KUBE-SERVICES: parsed, not scanned.
      [' -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS', null],
      // A comment that reads like a port match keys nothing.
      [' -m comment --comment "--dport 80 -d 10.96.0.1/32" -j ACCEPT', { dst: null, proto: null, dport: null }],
      [' -p tcp -m tcp --dport 80:90 -j ACCEPT', null],
      [' -d 10.96.0.1/32 -p tcp -m multiport --dports 80,443 -j ACCEPT', null],
      [' -d 10.96.0.1/32 -p tcp --dport 80 -j ACCEPT', null],
    ];
    for (const [text, keys] of rules) {
      expect(scanDispatchKeys(text), text).toEqual(keys);
      if (keys !== null) expect(parsedKeys(text), text).toEqual(keys);
    }
  });
});
