/**
 * Kernel truth for policy routing: one namespace with four routing tables and rules of every action,
 * captured as an engineer would (`ip -d addr`, `ip route show table all`, `ip rule`), then each
 * question asked of the kernel (`ip route get`) and of natlens's lookup on the parsed captures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIpAddr } from '../capture/iproute/ip-addr';
import { parseIpRoute } from '../capture/iproute/ip-route';
import { parseIpRule } from '../capture/iproute/ip-rule';
import { kernelLabUnavailable, Lab } from '../../../test/kernel-truth/netns';
import { formatIp, parseIp } from '../common/ip';
import type { IpNumber } from '../common/ip';
import type { PolicyKey } from './policy-routing';
import { compileRouting, lookupRoute, type NodeRouting } from './routing';

const unavailable = kernelLabUnavailable();

interface Question {
  dst: string;
  /** For an arriving packet: its source and input interface. Without: a packet sent from the node itself. */
  from?: string;
  iif?: string;
  mark?: number;
  udpDport?: number;
}

/** What the kernel answered, reduced to what both sides can say: `via GW dev X`, `dev X`, `local`, or the error. */
function kernelAnswer(line: string): string {
  const error = /RTNETLINK answers: (.*)$/.exec(line);
  if (error) return error[1] === 'No route to host' || error[1] === 'Network is unreachable' ? 'unreachable' : (error[1] ?? '');
  if (line.startsWith('local ')) return 'local';
  const via = / via (\S+)/.exec(line)?.[1];
  const dev = / dev (\S+)/.exec(line)?.[1];
  return via ? `via ${via} dev ${dev}` : `dev ${dev}`;
}

function natlensAnswer(routing: NodeRouting, q: Question): string {
  const dst = ip(q.dst);
  const key: PolicyKey = {
    src: q.from !== undefined ? ip(q.from) : dst.family === 'ipv4' ? { family: 'ipv4', value: 0 } : { family: 'ipv6', value: 0n }, iif: q.iif ?? 'lo', oif: null, mark: q.mark ?? 0,
    protoNum: q.udpDport !== undefined ? 17 : 1, sport: q.udpDport !== undefined ? 40000 : null, dport: q.udpDport ?? null,
  };
  const look = lookupRoute(routing, dst, key);
  switch (look.kind) {
    case 'unicast': return look.route.via !== null ? `via ${formatIp(look.nextHop)} dev ${look.dev}` : `dev ${look.dev}`;
    case 'local': return 'local';
    case 'blackhole': return 'Invalid argument';
    case 'prohibit': return 'Permission denied';
    case 'unreachable':
    case 'no-route': return 'unreachable';
    case 'unknown': return `unknown: ${look.missing}`;
    default: return look satisfies never;
  }
}

function ip(text: string): IpNumber {
  const parsed = parseIp(text);
  if (parsed === null) throw new Error(text);
  return parsed;
}

function routeGetArgs(q: Question): string[] {
  const args = ['ip', 'route', 'get', q.dst];
  if (q.from !== undefined) args.push('from', q.from);
  if (q.iif !== undefined) args.push('iif', q.iif);
  if (q.mark !== undefined) args.push('mark', `0x${q.mark.toString(16)}`);
  if (q.udpDport !== undefined) args.push('ipproto', 'udp', 'sport', '40000', 'dport', String(q.udpDport));
  return args;
}

const QUESTIONS: Question[] = [
  { dst: '10.80.1.1', from: '10.70.1.1' },                 // from-rule 100 → table 100's 10.80/16
  { dst: '8.8.8.8', from: '10.70.1.1' },                   // table 100's default
  { dst: '10.80.1.1' },                                    // source not chosen yet: from-rules do not match
  { dst: '10.90.1.1', mark: 0x4000 },                      // fwmark rule → table 200
  { dst: '10.90.1.1', mark: 0x4001 },                      // the mask still matches
  { dst: '10.90.1.1', mark: 0x8000 },                      // does not
  { dst: '10.90.5.1', mark: 0x4000 },                      // throw route: on to the next rules
  { dst: '10.91.0.1', mark: 0x4000 },                      // blackhole route in table 200
  { dst: '10.92.0.1', from: '10.70.2.5', iif: 'd2' },      // iif rule: prohibit
  { dst: '10.92.0.1', from: '10.70.0.5', iif: 'd0' },      // other iif: no
  { dst: '10.93.0.1' },                                    // unreachable rule
  { dst: '10.70.1.9' },                                    // main's connected /24 survives suppress_prefixlength 0
  { dst: '8.8.8.8' },                                      // main's default is suppressed → table 300
  { dst: '10.96.0.1' },                                    // `not to 10.96/16` does not match → main
  { dst: '10.94.0.1' },                                    // blackhole rule
  { dst: '10.94.0.1', from: '10.70.2.5', iif: 'd2' },      // goto 170 skips the blackhole rule
  { dst: '10.94.0.1', from: '10.70.2.1' },                 // a local source in 10.70.2/24 takes the goto too
  { dst: '10.97.0.1', udpDport: 5353 },                    // ipproto/dport rule → table 100
  { dst: '10.97.0.1', udpDport: 53 },
  { dst: '10.70.0.1' },                                    // local table first
  { dst: '10.80.1.1', from: '10.70.1.5', iif: 'd1' },      // forwarded from d1's subnet → table 100
];

describe.skipIf(unavailable !== null)('kernel truth: policy routing (ip rule) against ip route get', () => {
  let lab: Lab;
  let routing: NodeRouting;

  beforeAll(() => {
    lab = new Lab();
    lab.addNamespaces(['r']);
    lab.ip('r', [
      'link set lo up',
      ...[0, 1, 2].flatMap((i) => [`link add d${i} type veth peer name d${i}p`, `link set d${i} up`, `link set d${i}p up`, `addr add 10.70.${i}.1/24 dev d${i}`]),
      'route add default via 10.70.0.254 dev d0',
      'route add default via 10.70.1.254 dev d1 table 100',
      'route add 10.80.0.0/16 via 10.70.2.100 dev d2 table 100',
      'route add 10.90.0.0/16 via 10.70.2.200 dev d2 table 200',
      'route add throw 10.90.5.0/24 table 200',
      'route add blackhole 10.91.0.0/16 table 200',
      'route add default via 10.70.2.253 dev d2 table 300',
      'rule add pref 100 from 10.70.1.0/24 lookup 100',
      'rule add pref 110 fwmark 0x4000/0x4000 lookup 200',
      'rule add pref 120 iif d2 to 10.92.0.0/16 prohibit',
      'rule add pref 130 to 10.93.0.0/16 unreachable',
      'rule add pref 140 lookup main suppress_prefixlength 0',
      'rule add pref 150 from 10.70.2.0/24 goto 170',
      'rule add pref 160 to 10.94.0.0/16 blackhole',
      'rule add pref 170 ipproto udp dport 5353 lookup 100',
      'rule add pref 180 not to 10.96.0.0/16 lookup 300',
      'route add default via 10.70.1.200 dev d1 table 400',
      'rule add pref 95 from 10.70.2.1 to 9.9.9.0/24 lookup 400',
      'addr add fd00:70:1::1/64 dev d1 nodad',
      'addr add fd00:70:2::1/64 dev d2 nodad',
    ]);
    // Batch lines take no -6, and a rule or default route is IPv4 unless told.
    for (const line of [
      'route add default via fd00:70:2::fe dev d2',
      'route add default via fd00:70:1::fe dev d1 table 100',
      'route add blackhole fd00:99::/64 table 100',
      'rule add pref 100 from fd00:70:1::/64 lookup 100',
      'rule add pref 110 fwmark 0x10 lookup 100',
    ]) {
      const r = lab.exec('r', ['ip', '-6', ...line.split(' ')]);
      if (r.code !== 0) throw new Error(`ip -6 ${line}: ${r.stderr}`);
    }
    lab.exec('r', ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const capture = (argv: string[]) => ({ file: argv.join(' '), text: lab.exec('r', argv).stdout, firstLine: 1 });
    routing = compileRouting(
      parseIpAddr(capture(['ip', '-d', 'addr'])).interfaces,
      [...parseIpRoute(capture(['ip', 'route', 'show', 'table', 'all'])).routes, ...parseIpRoute(capture(['ip', '-6', 'route', 'show', 'table', 'all'])).routes],
      [...parseIpRule(capture(['ip', 'rule'])).rules, ...parseIpRule(capture(['ip', '-6', 'rule']), { family: 'ipv6' }).rules],
    );
  }, 60_000);

  afterAll(() => lab?.dispose());

  it('answers every question as the kernel does', () => {
    const rows = QUESTIONS.map((q) => {
      const r = lab.exec('r', routeGetArgs(q));
      const kernel = kernelAnswer((r.code === 0 ? r.stdout : r.stderr).split('\n')[0] ?? '');
      return { question: routeGetArgs(q).slice(3).join(' '), kernel, natlens: natlensAnswer(routing, q) };
    });
    if (process.env.NL_SHOW) console.log(rows);
    expect(rows.map((r) => `${r.question}: ${r.natlens}`)).toEqual(rows.map((r) => `${r.question}: ${r.kernel}`));
    // The questions reach every kind of answer, and every table (each has its own gateway).
    expect(new Set(rows.map((r) => r.kernel.split(' ')[0]))).toEqual(new Set(['via', 'dev', 'local', 'unreachable', 'Invalid', 'Permission']));
    expect(new Set(rows.map((r) => /via (\S+)/.exec(r.kernel)?.[1]).filter((g) => g !== undefined))).toEqual(
      new Set(['10.70.0.254', '10.70.1.254', '10.70.2.100', '10.70.2.200', '10.70.2.253']),
    );
  });

  it('answers IPv6 questions by the IPv6 rules (ip -6 rule), apart from the IPv4 ones', () => {
    const v6: Question[] = [
      { dst: '2001:db8::1' }, { dst: '2001:db8::1', from: 'fd00:70:1::1' }, { dst: '2001:db8::1', mark: 0x10 },
      { dst: 'fd00:99::1', mark: 0x10 }, { dst: 'fd00:99::1' }, { dst: 'fd00:70:1::1' },
    ];
    const rows = v6.map((q) => {
      const r = lab.exec('r', ['ip', '-6', ...routeGetArgs(q).slice(1)]);
      return { question: routeGetArgs(q).slice(3).join(' '), kernel: kernelAnswer((r.code === 0 ? r.stdout : r.stderr).split('\n')[0] ?? ''), natlens: natlensAnswer(routing, q) };
    });
    if (process.env.NL_SHOW) console.log(rows);
    expect(rows.map((r) => `${r.question}: ${r.natlens}`)).toEqual(rows.map((r) => `${r.question}: ${r.kernel}`));
    expect(new Set(rows.map((r) => r.kernel))).toEqual(new Set(['via fd00:70:2::fe dev d2', 'via fd00:70:1::fe dev d1', 'Invalid argument', 'local']));
    expect(routing.v6.policy?.map((r) => r.record.priority)).toEqual([0, 100, 110, 32766]);
  });

  it('routes a TCP connect from an unbound socket again from the source the first lookup chose, as the kernel does (UDP sendto does not)', () => {
    // The kernel's answer: the gateway whose neighbour entry the first packet created.
    const sent = (proto: 'tcp' | 'udp'): string => {
      const out = lab.sh('r', [
        'ip neigh flush all',
        `python3 -c "import socket,time
s=socket.socket(socket.AF_INET, socket.SOCK_${proto === 'tcp' ? 'STREAM' : 'DGRAM'}); s.setblocking(False)
try:
    s.${proto === 'tcp' ? "connect(('9.9.9.9', 80))" : "sendto(b'x', ('9.9.9.9', 53))"}
except BlockingIOError:
    pass
time.sleep(0.3)"`,
        'ip neigh show',
      ].join('\n'));
      const gateways = [...out.matchAll(/^(10\.70\.\d+\.\d+) dev (\S+)/gm)].map((m) => `via ${m[1]} dev ${m[2]}`);
      expect(gateways).toHaveLength(1);
      return gateways[0] ?? '';
    };
    const natlens = (protoNum: number): string => {
      const look = lookupRoute(routing, ip('9.9.9.9'), { src: { family: 'ipv4', value: 0 }, iif: 'lo', oif: null, mark: 0, protoNum, sport: 40000, dport: 80 });
      return look.kind === 'unicast' ? `via ${formatIp(look.nextHop)} dev ${look.dev}` : look.kind;
    };
    expect(natlens(6)).toBe(sent('tcp'));
    expect(natlens(17)).toBe(sent('udp'));
    expect(natlens(6)).not.toBe(natlens(17));
  });

  it('without the rules, the same captures route by the main table only (and say nothing is decided by table 300)', () => {
    const plain = compileRouting([...routing.interfaces.values()], null, null);
    expect(plain.v4.policy).toBeNull();
    expect(routing.v4.policy?.map((r) => r.record.priority)).toEqual([0, 95, 100, 110, 120, 130, 140, 150, 160, 170, 180, 32766, 32767]);
    expect(routing.v4.allTablesKnown).toBe(true);
  });
});
