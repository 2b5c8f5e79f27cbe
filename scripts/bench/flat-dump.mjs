// A flat iptables-save dump: `rules` rules appended to INPUT of the filter table (blocklist-shaped),
// so the file grows with rules while chains and services do not. Shows what memory follows.
import fs from 'node:fs';

/** Returns the number of rules written. */
export function writeFlatDump(file, rules) {
  const out = fs.openSync(file, 'w');
  let buffer = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  for (let i = 0; i < rules; i++) {
    const source = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`;
    buffer.push(`-A INPUT -s ${source} -p tcp -m tcp --dport ${1000 + (i % 5000)} -m comment --comment "block ${i % 97}" -j DROP`);
    if (buffer.length >= 50_000) {
      fs.writeSync(out, `${buffer.join('\n')}\n`);
      buffer = [];
    }
  }
  buffer.push('COMMIT');
  fs.writeSync(out, `${buffer.join('\n')}\n`);
  fs.closeSync(out);
  return rules;
}
