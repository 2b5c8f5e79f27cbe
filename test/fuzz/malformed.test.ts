/**
 * Malformed inputs for every text parser and through the registry: empty, blank, truncated, binary,
 * mixed line endings, other formats, a 10 MB line. Each parser answers with a CaptureError naming the
 * file and a line of the input (or reads the input as it reads the clean form); the registry recognises
 * no capture and keeps the text. Then values a parser must refuse: ports, prefixes, protocol numbers out of range.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { PacketRecord } from '../../src/core/records/records';
import { splitTextCapture } from '../../src/core/capture/registry';
import { parseTcpdumpText } from '../../src/core/capture/tcpdump-text/tcpdump-text';
import { lineRangeOf, outcomeOf, parseDirect, type Outcome } from './parse-outcome';
import { randomFrom } from './prng';
import { FUZZ_TARGETS, loadCorpus, type FuzzTarget, type Seed, SHARED_SEEDS } from './seed-corpus';
import { removeWorkerScript, REPO_ROOT, runInWorker, type Subject, type WorkerAnswer } from './worker-harness';
import { sharedOrNote } from '../support/describe-shared';

afterAll(removeWorkerScript);

const corpus = loadCorpus(REPO_ROOT);
const PARSERS = FUZZ_TARGETS.filter((t) => t !== 'registry');

function seedOf(text: string, firstLine = 1, file = 'malformed.txt'): Seed {
  return { input: { file, text, firstLine }, table: null, partial: false };
}

/** `rejected: file:line: reason`, `parsed: N`, or `broken: what went wrong`, so a failure says what happened. */
function verdict(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'parsed': return `parsed: ${outcome.records}`;
    case 'rejected': return `rejected: ${outcome.message}`;
    case 'broken': return `broken: ${outcome.detail}`;
  }
}

function garbage(seed: number, size: number): Buffer {
  const rnd = randomFrom(seed);
  return Buffer.from(Array.from({ length: size }, () => rnd.int(256)));
}

const OTHER_FORMATS: ReadonlyArray<readonly [string, string]> = [
  ['a JSON document', '{\n  "apiVersion": "v1",\n  "kind": "Service",\n  "spec": { "ports": [{ "port": 80, "protocol": "TCP" }] }\n}\n'],
  ['a YAML file', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n    targetPort: 8080\n'],
  ['a C source', '#include <stdio.h>\n\nint main(void) {\n  printf("10.0.0.1 > 10.0.0.2: %d\\n", 80);\n  return 0;\n}\n'],
];

describe.each(PARSERS)('%s on malformed input', (target) => {
  it('rejects an empty input at its first line', () => {
    expect(verdict(outcomeOf(target, seedOf('', 7)))).toMatch(/^rejected: malformed\.txt:7: /);
  });

  it('rejects an input of blank lines (spaces, tabs, CRLF) at a line of the input', () => {
    expect(verdict(outcomeOf(target, seedOf('   \n\t\r\n \r\r\n', 3)))).toMatch(/^rejected: malformed\.txt:[3-6]: /);
  });

  for (const [name, text] of OTHER_FORMATS) {
    it(`rejects ${name} with file:line`, () => {
      expect(verdict(outcomeOf(target, seedOf(text, 10)))).toMatch(/^rejected: malformed\.txt:1\d: /);
    });
  }

  it('rejects 16 KB of random bytes, read as latin1 and as UTF-8, with file:line', () => {
    for (const encoding of ['latin1', 'utf8'] as const) {
      const text = garbage(encoding === 'latin1' ? 1 : 2, 16_384).toString(encoding);
      expect(verdict(outcomeOf(target, seedOf(text)))).toMatch(/^rejected: malformed\.txt:\d+: /);
    }
  });

  it('reads or rejects (never crashes on) real inputs truncated mid-line and mid-token', () => {
    const verdicts = corpus[target].slice(0, 4).flatMap((seed) =>
      [0.17, 0.33, 0.5, 0.71, 0.93].map((cut) => {
        const text = seed.input.text.slice(0, Math.floor(seed.input.text.length * cut));
        return `${seed.input.file}:${seed.input.firstLine} cut at ${text.length}: ${verdict(outcomeOf(target, { ...seed, input: { ...seed.input, text } }))}`;
      }));
    expect(verdicts.filter((v) => / broken: /.test(v))).toEqual([]);
  });

  it('reads real inputs with mixed LF, CRLF and CR line endings exactly as with LF', () => {
    for (const seed of corpus[target].slice(0, 3)) {
      const lf = seed.input.text.replace(/\r\n?/g, '\n');
      let k = 0;
      const mixed = lf.replace(/\n/g, () => ['\r\n', '\n', '\r'][k++ % 3] as string);
      const read = (text: string): unknown => {
        const s = { ...seed, input: { ...seed.input, text } };
        if (target !== 'tcpdump-text') return parseDirect(target, s);
        const packets: PacketRecord[] = [];
        parseTcpdumpText(s.input, (p) => packets.push({ ...p }));
        return packets;
      };
      expect(read(mixed)).toEqual(read(lf));
    }
  });
});

sharedOrNote('every parser on a 10 MB single line: the seeds from ../shared', ...SHARED_SEEDS);

describe('every parser on a 10 MB single line', () => {
  const TEN_MB = 10_000_000;
  // A real first line grown to 10 MB by a token that keeps it plausible; the registry also gets 10 MB of one letter.
  const subjects: Subject[] = FUZZ_TARGETS.map((target) => {
    const real = corpus[target][0] as Seed;
    const firstBreak = real.input.text.search(/[\r\n]/);
    const endOfLine = firstBreak < 0 ? real.input.text.length : firstBreak;
    return { ...real, target, grow: { at: endOfLine, unit: ' 10.0.0.1/24', size: TEN_MB } };
  });
  const letters = FUZZ_TARGETS.map((target): Subject => ({ ...seedOf(''), target, grow: { at: 0, unit: 'q', size: TEN_MB } }));
  subjects.push(...letters);
  let answer: Promise<WorkerAnswer> | null = null;
  // One worker reads them all, one after the other; each test looks at its own parser's answer.
  const answers = (): Promise<WorkerAnswer> => (answer ??= runInWorker({ kind: 'inputs', subjects }, 60_000));

  FUZZ_TARGETS.forEach((target, i) => {
    it(`${target}: rejects or reads its first real line grown to 10 MB, and rejects (registry: finds nothing in) 10 MB of one letter`, async () => {
      const a = await answers();
      if (a.kind === 'hung') expect(`${subjects[a.index]?.target} did not finish within ${a.stallMs} ms`).toBe('');
      expect(a.kind).toBe('outcomes');
      if (a.kind !== 'outcomes') return;
      expect(verdict(a.outcomes[i] as Outcome)).not.toMatch(/^broken/);
      const letter = verdict(a.outcomes[FUZZ_TARGETS.length + i] as Outcome);
      expect(letter).toMatch(target === 'registry' ? /^parsed: 0$/ : /^rejected: malformed\.txt:1: /);
    }, 180_000);
  });
});

describe('the registry on malformed input', () => {
  const split = (text: string, firstLine = 1) => splitTextCapture({ file: 'malformed.txt', text, firstLine });

  it('finds no capture in an empty or blank input and says so at its first line', () => {
    for (const text of ['', ' \n\t\r\n  \r']) {
      const result = split(text, 4);
      expect(result.units).toEqual([]);
      expect(result.warnings.map((w) => `${w.file}:${w.line}`)).toEqual(['malformed.txt:4']);
    }
  });

  for (const [name, text] of OTHER_FORMATS) {
    it(`recognises no capture in ${name} and keeps or reports the text`, () => {
      const result = split(text, 20);
      expect(result.units.map((u) => u.kind)).toEqual([]);
      const lines = lineRangeOf({ file: 'malformed.txt', text, firstLine: 20 });
      const places = [...result.kept.map((k) => k.firstLine), ...result.warnings.map((w) => w.line)];
      expect(places.length).toBeGreaterThan(0);
      for (const line of places) expect(line >= lines.first && line <= lines.last).toBe(true);
    });
  }

  it('never crashes on random bytes read as latin1 or UTF-8: every unit found parses or is rejected at its own lines', () => {
    for (let seed = 11; seed < 17; seed++) {
      const text = garbage(seed, 16_384).toString(seed % 2 === 0 ? 'latin1' : 'utf8');
      expect(verdict(outcomeOf('registry', seedOf(text)))).toMatch(/^parsed: /);
    }
  });

  it('never crashes on truncated and CRLF-mixed transcripts', () => {
    const verdicts = corpus.registry.slice(0, 5).flatMap((seed) => {
      let k = 0;
      const mixed = seed.input.text.replace(/\r?\n/g, () => ['\r\n', '\n', '\r'][k++ % 3] as string);
      return [0.25, 0.5, 0.75].map((cut) => {
        const text = mixed.slice(0, Math.floor(mixed.length * cut));
        return `${seed.input.file} cut at ${text.length}: ${verdict(outcomeOf('registry', { ...seed, input: { ...seed.input, text } }))}`;
      });
    });
    expect(verdicts.filter((v) => / broken: /.test(v))).toEqual([]);
  });
});

/** Values the tools never print: a parser that reads them puts a number into a record that cannot be one. */
describe('values out of range are rejected with file:line', () => {
  const rejectsAt = (target: FuzzTarget, text: string, line: number): void => {
    expect(verdict(outcomeOf(target, seedOf(text)))).toMatch(new RegExp(`^rejected: malformed\\.txt:${line}: `));
  };
  const CONNTRACK = 'tcp      6 431999 ESTABLISHED src=10.0.0.5 dst=10.0.0.6 sport=40000 dport=80 src=10.0.0.6 dst=10.0.0.5 sport=80 dport=40000 [ASSURED] mark=0 use=1';
  const ICMP = 'icmp     1 29 src=10.0.0.5 dst=10.0.0.6 type=8 code=0 id=1234 src=10.0.0.6 dst=10.0.0.5 type=0 code=0 id=1234 mark=0 use=1';
  const SAVE = (rule: string): string => `*filter\n:INPUT ACCEPT [0:0]\n${rule}\nCOMMIT\n`;
  const LIST = (rule: string): string => `Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n${rule}\n`;

  it('iptables-save: --dport 99999', () => rejectsAt('iptables-save', SAVE('-A INPUT -p tcp -m tcp --dport 99999 -j ACCEPT'), 3));
  it('ip route: a /40 prefix on an IPv4 destination', () => rejectsAt('ip-route', 'default via 10.0.0.1 dev eth0\n10.1.0.0/40 dev eth0 scope link\n', 2));
  it('ip rule: a mark above 2^32-1 (fwmark 0x1ffffffff)', () => rejectsAt('ip-rule', '0:\tfrom all lookup local\n10:\tfrom all fwmark 0x1ffffffff lookup 5\n', 2));
  it('ip rule: a /33 source prefix', () => rejectsAt('ip-rule', '10:\tfrom 10.0.0.0/33 lookup 5\n', 1));
  it('ip -j rule: a destination length of 99 on an IPv4 address', () => rejectsAt('iproute-json', '[ {\n"priority": 5, "src": "all", "table": "main"\n}, {\n"priority": 6, "dst": "10.0.0.0", "dstlen": 99, "table": "main"\n} ]\n', 3));
  it('ip -j addr: a prefix length of 40 on an IPv4 address', () => rejectsAt('iproute-json', '[{"ifindex":1,"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":40}]}]', 1));
  it('bridge fdb: a vlan that is not a number (vlan x)', () => rejectsAt('bridge-fdb', 'aa:bb:cc:dd:ee:ff dev vx0 vlan x self\n', 1));
  it('ip neigh: an address that is not one (10.0.0.256)', () => rejectsAt('ip-neigh', '10.0.0.256 dev eth0 lladdr 02:00:00:00:00:01 REACHABLE\n', 1));

  it('conntrack: a port above 65535 (sport=70000)', () => rejectsAt('conntrack', `${CONNTRACK}\n${CONNTRACK.replace('sport=40000', 'sport=70000')}\n`, 2));
  it('conntrack: an ICMP type above 255 (type=300)', () => rejectsAt('conntrack', ICMP.replace('type=8', 'type=300'), 1));
  it('conntrack: an ICMP id above 65535 (id=99999)', () => rejectsAt('conntrack', ICMP.replace('id=1234', 'id=99999'), 1));
  it('conntrack: a layer-4 protocol number above 255 (tcp 416)', () => rejectsAt('conntrack', CONNTRACK.replace('tcp      6', 'tcp      416'), 1));
  it('conntrack: a mark above 2^32-1 (mark=9999999999)', () => rejectsAt('conntrack', CONNTRACK.replace('mark=0', 'mark=9999999999'), 1));

  it('iptables-save: a source that is not an address (-s 672b8:)', () => rejectsAt('iptables-save', SAVE('-A INPUT -s 672b8: -j ACCEPT'), 3));
  it('iptables-save: a destination that is not an address (-d :8)', () => rejectsAt('iptables-save', SAVE('-A INPUT -d :8 -j ACCEPT'), 3));
  it('iptables-save: an empty protocol (-p "")', () => rejectsAt('iptables-save', SAVE('-A INPUT -p "" -j ACCEPT'), 3));

  it('iptables -L: a source with an empty mask (0.0.0.0/) is a CaptureError, not a RuleSyntaxError', () => {
    rejectsAt('iptables-list', LIST('    0     0 ACCEPT     all  --  *      *       0.0.0.0/             0.0.0.0/0'), 3);
  });
  it('iptables -L: a prefix too long for IPv4 (10.0.0.1/33) is a CaptureError, not a RuleSyntaxError', () => {
    rejectsAt('iptables-list', LIST('    0     0 ACCEPT     all  --  *      *       10.0.0.1/33          0.0.0.0/0'), 3);
  });
  it('iptables -L: a statistic probability that is not a number (probability .)', () => {
    rejectsAt('iptables-list', LIST('    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability .'), 3);
  });
  it('iptables -L: a statistic probability above 1 (probability 9)', () => {
    rejectsAt('iptables-list', LIST('    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random probability 9'), 3);
  });

  it('iptables -L: a source that is not an address (:9)', () => {
    rejectsAt('iptables-list', LIST('    0     0 ACCEPT     all  --  *      *       :9                   0.0.0.0/0'), 3);
  });
  it('iptables -L: a lone "!" in the out column (an empty interface name)', () => {
    rejectsAt('iptables-list', LIST('    0     0 ACCEPT     all  --  *      !      *                    0.0.0.0/0'), 3);
  });

  it('ifconfig: an IPv6 prefixlen above 128 (prefixlen 999)', () => {
    rejectsAt('ifconfig', 'eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        inet6 fe80::1  prefixlen 999  scopeid 0x20<link>\n', 2);
  });
  it('ifconfig: an address with a prefix that is not a number (inet 10.0.0.5/abc)', () => {
    rejectsAt('ifconfig', 'eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        inet 10.0.0.5/abc\n', 2);
  });

  it('kubectl: a service port above 65535 (70000/TCP)', () => {
    rejectsAt('kubectl', 'NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)     AGE\nweb    ClusterIP   10.0.0.10    <none>        70000/TCP   1h\n', 2);
  });
  it('kubectl: a node port above 65535 (80:99999/TCP)', () => {
    rejectsAt('kubectl', 'NAME   TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE\nweb    NodePort   10.0.0.10    <none>        80:99999/TCP   1h\n', 2);
  });

  // tcpdump text skips what it does not recognise: such a line may be skipped, but never read into these values.
  const TCPDUMP = '22:30:52.944093 IP 10.142.0.6.48648 > 10.142.0.8.31830: Flags [S], seq 1615789609, win 28400, length 0';
  it('tcpdump text: a TCP seq above 2^32-1 (seq 9999999999) is not read as one', () => {
    expect(verdict(outcomeOf('tcpdump-text', seedOf(`${TCPDUMP}\n${TCPDUMP.replace('seq 1615789609', 'seq 9999999999')}\n`)))).not.toMatch(/^broken/);
  });
  it('tcpdump text: a TCP ack above 2^32-1 (ack 23146060393) is not read as one', () => {
    expect(verdict(outcomeOf('tcpdump-text', seedOf(`${TCPDUMP}\n${TCPDUMP.replace('Flags [S]', 'Flags [.], ack 23146060393')}\n`)))).not.toMatch(/^broken/);
  });
  it('tcpdump text: an ARP line without addresses gives no empty address', () => {
    expect(verdict(outcomeOf('tcpdump-text', seedOf(`${TCPDUMP}\n22:30:52.944100 ARP, Request who-has  tell , length 28\n`)))).not.toMatch(/^broken/);
  });
  it('tcpdump text: an IP line without a destination gives no empty address', () => {
    expect(verdict(outcomeOf('tcpdump-text', seedOf(`${TCPDUMP}\n22:30:52.944100 IP 10.142.0.6 > : ICMP echo request, id 1, seq 1, length 64\n`)))).not.toMatch(/^broken/);
  });
});
