/** Rule lines of the fixtures and ../shared, and deterministic variations of them, for the rule readers' differential tests. */
import fs from 'node:fs';
import path from 'node:path';

/** Rule lines (`-A ...`, counters cut off) of every text file under `dir` that holds some. */
export function ruleLinesUnder(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) ruleLinesUnder(file, out);
    else if (entry.isFile() && fs.statSync(file).size < 4_000_000 && !/\.(pcap|pcapng|gz|tgz|zip|db)$/.test(entry.name)) {
      for (const line of fs.readFileSync(file, 'latin1').split(/\r?\n/)) {
        const m = /^\s*(?:\[\d+:\d+\]\s*)?(-A \S+.*?)\s*$/.exec(line);
        if (m) out.push(m[1]!);
      }
    }
  }
}

/** Deterministic variations of a rule: words dropped, doubled, swapped, negated, and values replaced by odd ones. */
export function* mutations(text: string, seed: number, extraOdd: readonly string[] = []): Generator<string> {
  const words = text.split(' ');
  const odd = ['', '""', '!', '-5', '--x', '999999', '1.2.3.4/33', '1.2.3', '::1', 'fd00::1/64', '10.0.0.1:', '10.0.0.1:99999', '0.5x', '2', '1e0',
    '"a b"', 'x y', '-j', '-m', 'tcp', 'comment', '--comment', '--dport', '80:70', 'http', '10.0.0.1-10.0.0.9:80', '[fd00::1]:80', 'ACCEPT', 'DNAT', 'KUBE-MARK-DROP', 'LOG',
    ...extraOdd];
  let r = seed;
  const next = (n: number): number => {
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    return r % n;
  };
  for (let k = 0; k < 24; k++) {
    const w = words.slice();
    const i = 2 + next(Math.max(1, w.length - 2));
    switch (next(5)) {
      case 0: w.splice(i, 1); break;
      case 1: w.splice(i, 0, w[i] ?? '!'); break;
      case 2: { const j = 2 + next(Math.max(1, w.length - 2)); [w[i], w[j]] = [w[j]!, w[i]!]; break; }
      case 3: w.splice(i, 0, '!'); break;
      default: w[i] = odd[next(odd.length)]!;
    }
    yield w.join(' ');
  }
}
