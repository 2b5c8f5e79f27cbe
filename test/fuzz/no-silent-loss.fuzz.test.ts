/**
 * Property: whatever shape a pasted document takes, every line that looks like data is read into a
 * capture or lies within a warning's lines (or the file is rejected with an error), and the per-file
 * counts add up. Documents are drawn from fragments: prompts of several shapes, outputs natlens reads
 * and does not read, broken ones, prose, fences, <pre> blocks and quotes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { dataLinesOf } from '../../src/core/capture/transcript/data-shape';
import { importPaths } from '../../src/core/import/import-paths';
import { Store } from '../../src/core/model/store';
import { caseSeed, randomFrom, type Random } from './prng';
import { useTempProject } from '../support/temp-project';

const OUTPUTS: ReadonlyArray<readonly [string, string]> = [
  ['ip route', 'default via 10.0.0.1 dev eth0\n10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5'],
  ['ip -6 neigh', 'fe80::1 dev eth0 lladdr 52:54:00:12:34:56 router REACHABLE'],
  ['iptables-save -t nat', '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.9\nCOMMIT'],
  ['iptables-save', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dprot 80 -j ACCEPT\nCOMMIT'],
  ['iptables -t filter -nvL', 'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n pkts bytes target     prot opt in     out     source               destination\n    0     0 ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0'],
  ['conntrack -L', 'tcp      6 117 TIME_WAIT src=10.0.0.5 dst=10.96.0.1 sport=40000 dport=443 src=10.0.0.6 dst=10.0.0.5 sport=443 dport=40000 [ASSURED] mark=0 use=1'],
  ['ls /etc', 'hosts\nresolv.conf'],
  ['kubectl logs kube-proxy-x', 'I1123 10:00:00.000000       1 proxier.go:812] "Syncing iptables rules"'],
  ['ip addr show eth0', '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000\n    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff\n    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0'],
  ['route -n', 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         10.0.0.1        0.0.0.0         UG    100    0        0 eth0'],
  ['cat notes.txt', '-A INPUT -j ACCEPT\ndefault via 10.0.0.1 dev eth0'],
];
const PROMPTS = ['root@node-a:~# ', '$ ', '# ', '[root@node-a ~]# ', 'sh-5.1# ', '❯ ', '', 'me@node-a:~$ sudo '];
const PROSE = ['Here is what I see on the node:', 'The second rule never matches.', 'and then -A INPUT -j DROP was added', '-A INPUT -j DROP', 'default via 10.0.0.1 dev eth0'];

function documentOf(random: Random): string {
  const parts: string[] = [];
  for (let b = 0, blocks = 1 + random.int(4); b < blocks; b++) {
    if (random.chance(0.5)) parts.push(random.pick(PROSE), '');
    const body: string[] = [];
    for (let c = 0, commands = 1 + random.int(3); c < commands; c++) {
      const [command, output] = random.pick(OUTPUTS);
      body.push(`${random.pick(PROMPTS)}${command}`, output);
      if (random.chance(0.2)) body.push('');
    }
    const wrap = random.int(5);
    if (wrap === 0) parts.push('```', ...body, '```');
    else if (wrap === 1) parts.push('<pre>', ...body, '</pre>');
    else if (wrap === 2) parts.push(...body.flatMap((l) => l.split('\n')).map((l) => `> ${l}`));
    else if (wrap === 3) parts.push(...body.flatMap((l) => l.split('\n')).map((l) => `    ${l}`));
    else parts.push(...body);
    parts.push('');
  }
  return parts.join('\n');
}

const project = useTempProject('fuzz-loss', 'all');
let dir: string;
let store: Store;
beforeAll(() => {
  dir = project().dir;
  store = project().store();
});

describe('no silent loss on pasted documents of any shape', () => {
  it('reads or warns about every data-shaped line of 150 generated documents', () => {
    for (let index = 0; index < 150; index++) {
      const seed = caseSeed(0x1055, index);
      const text = documentOf(randomFrom(seed));
      const file = path.join(dir, `doc-${index}.md`);
      fs.writeFileSync(file, text);
      // Outputs repeated within a document are found already stored: their warning carries their lines.
      const report = importPaths(store, [file]);
      const account = report.files.find((f) => f.file === file);
      expect(account, `seed ${seed}`).toBeDefined();
      expect(account!.readDataLines + account!.warnedDataLines, `seed ${seed}`).toBe(account!.dataLines);
      const read = report.nodes.flatMap((n) => n.captures).map((c) => c.lines).filter((l): l is [number, number] => l !== null);
      const warned = report.warnings.map((w) => w.lines).filter((l): l is [number, number] => l !== undefined);
      const rejected = report.errors.some((e) => e.source.startsWith(file));
      const { data } = dataLinesOf(text);
      for (const line of data.lines) {
        const covered = rejected || [...read, ...warned].some(([a, b]) => a <= line && line <= b);
        expect(covered, `seed ${seed}: line ${line} neither read nor warned about in\n${text}`).toBe(true);
      }
    }
  });
});
