#!/usr/bin/env node
// Reprints an `iptables -L -n -v [--line-numbers]` listing taken with iptables 1.8.9 as another iptables
// version prints the same rules, for the versions this machine cannot run. The row layout is iptables'
// own printf formats (iptables/xshared.c print_header, print_rule_details, print_fragment, print_ifaces,
// print_ipv4_addresses/print_ipv6_addresses); only what changed between versions differs:
//   ip6-1.8.8  ip6tables before 1.8.9: `prot` as a name (`all`, `tcp`), `opt` column blank ("  " + " ")
//   1.8.11     iptables 1.8.11 reverted numeric protocols: `prot` as a name even with -n, `opt` "--"
// 1.8.9 and 1.8.10 print protocol numbers with -n (`0`, `6`), which is what the input has.
//
//   node scripts/lab/iptables-listing-versions.mjs VERSION < listing-1.8.9.txt > listing-VERSION.txt
import { readFileSync } from 'node:fs';

const version = process.argv[2];
if (version !== 'ip6-1.8.8' && version !== '1.8.11') {
  process.stderr.write('usage: iptables-listing-versions.mjs ip6-1.8.8|1.8.11 < listing\n');
  process.exit(2);
}
// proto_to_name() with the built-in xtables_chain_protos names (and /etc/protocols' for the others).
const NAMES = new Map([['0', 'all'], ['1', 'icmp'], ['6', 'tcp'], ['17', 'udp'], ['58', 'ipv6-icmp'], ['132', 'sctp'], ['136', 'udplite'], ['50', 'esp'], ['51', 'ah']]);

const pad = (s, n) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const left = (s, n) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

let num = false;
const out = [];
for (const line of readFileSync(0, 'utf8').split('\n')) {
  const words = line.trim().split(/\s+/);
  if (line.startsWith('Chain ') || line.trim() === '') {
    out.push(line);
    continue;
  }
  if (words.includes('target') && words.includes('prot')) {
    num = words[0] === 'num';
    // print_header: "%-4s " num, "%5s " pkts, "%5s " bytes, "%-9s " target, " prot ", "opt", " %-6s " in, "%-6s " out, " %-19s " source, " %-19s " destination
    out.push(`${num ? pad('num', 4) + ' ' : ''}${left('pkts', 5)} ${left('bytes', 5)} ${pad('target', 9)}  prot opt ${pad('in', 6)} ${pad('out', 6)}  ${pad('source', 19)}  ${pad('destination', 19)} `);
    continue;
  }
  // A rule row of the 1.8.9 listing: [num] pkts bytes target prot opt in out source destination extras...
  let k = 0;
  const n = num ? words[k++] : null;
  const pkts = words[k++];
  const bytes = words[k++];
  // A rule without a target prints an empty target column: the protocol then comes right after the counters.
  const target = NAMES.has(words[k]) && words[k + 1] === '--' ? '' : words[k++];
  const prot = words[k++];
  k++; // opt
  const inIf = words[k++];
  const outIf = words[k++];
  const src = words[k++];
  const dst = words[k++];
  const extras = line.slice(line.indexOf(dst, line.indexOf(src) + src.length) + dst.length).trim();
  const inv = prot.startsWith('!');
  const p = inv ? prot.slice(1) : prot;
  const name = NAMES.get(p) ?? p;
  const opt = version === 'ip6-1.8.8' ? '  ' : '--';
  const addr = (a) => (a.startsWith('!') ? `!${pad(a.slice(1), 19)} ` : ` ${pad(a, 19)} `);
  out.push(
    `${n !== null ? pad(n, 4) + ' ' : ''}${left(pkts, 5)} ${left(bytes, 5)} ${pad(target, 9)} ${inv ? '!' : ' '}${pad(name, 4)} ${opt} ` +
      ` ${pad(inIf, 6)} ${pad(outIf, 6)} ${addr(src)}${addr(dst)}${extras === '' ? '' : ` ${extras}`}`,
  );
}
process.stdout.write(out.join('\n'));
