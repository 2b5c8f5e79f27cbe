#!/usr/bin/env node
// node scripts/bench/trace-compare.mjs --old BIN --dir DIR
//
// Whether this build's `natlens trace` prints what another build's does (stdout, stderr and exit code, byte for
// byte) for 11 packets on each project trace-cli.mjs keeps in DIR (`--keep DIR`: single, bare and fleet, each
// build's copy: *.now.db for this one, *.db for BIN): services near the top of KUBE-SERVICES, the 10,000th, one
// in between, a miss that walks it all, udp, icmp, `--local`, in on eth0 to a service and to a NodePort, and the
// text output. Exits 1 when any of them differs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const PACKETS = [
  '--proto tcp --src 10.40.0.7 --dst 10.96.0.12:80 --in cni0 --follow --json',
  '--proto tcp --src 10.40.0.7 --dst 10.96.0.10:80 --in cni0 --json',
  '--proto tcp --src 10.40.0.7 --dst 10.96.39.25:80 --in cni0 --follow --json',
  '--proto tcp --src 10.40.0.7 --dst 10.96.7.207:80 --in cni0 --follow --json',
  '--proto tcp --src 10.40.0.7 --dst 10.97.1.1:443 --in cni0 --follow --json',
  '--proto udp --src 10.40.0.7 --dst 10.96.0.12:53 --in cni0 --follow --json',
  '--proto tcp --dst 10.96.39.25:80 --local --follow --json',
  '--proto tcp --src 192.168.5.5 --dst 10.96.0.12:80 --in eth0 --follow --json',
  '--proto tcp --src 192.168.5.5 --dst 192.168.0.10:30080 --in eth0 --follow --json',
  '--proto tcp --src 10.40.0.7 --dst 10.96.0.12:80 --in cni0 --follow',
  '--proto icmp --src 10.40.0.7 --dst 8.8.8.8 --in cni0 --json',
].map((line) => ['--node', 'node-00', ...line.split(' ')]);

const run = (bin, db, args) => {
  const r = spawnSync(bin, ['trace', '--db', db, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const option = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const old = option('old');
  const dir = option('dir');
  if (!old || !dir) {
    process.stderr.write('usage: node scripts/bench/trace-compare.mjs --old BIN --dir DIR (a trace-cli.mjs --keep folder)\n');
    process.exit(2);
  }
  const bin = path.join(root, 'bin', 'natlens');
  let compared = 0;
  let differ = 0;
  for (const project of ['bare', 'single', 'fleet']) {
    const mine = path.join(dir, `${project}.now.db`);
    const theirs = path.join(dir, `${project}.db`);
    if (!fs.existsSync(mine) || !fs.existsSync(theirs)) throw new Error(`${dir} has no ${project}.db and ${project}.now.db: run trace-cli.mjs --keep ${dir} --old ${old} first`);
    for (const args of PACKETS) {
      const a = run(bin, mine, args);
      const b = run(old, theirs, args);
      compared++;
      const same = a.stdout === b.stdout && a.stderr === b.stderr && a.status === b.status;
      if (!same) differ++;
      process.stdout.write(`${same ? 'same' : 'DIFF'} ${project} ${args.join(' ')} (${a.stdout.length} B, exit ${a.status})\n`);
    }
  }
  process.stdout.write(`compared ${compared}, ${differ} differ\n`);
  process.exit(differ === 0 ? 0 : 1);
}
