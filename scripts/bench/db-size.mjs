#!/usr/bin/env node
// node scripts/bench/db-size.mjs [NODES] [SERVICES]
//
// A project's size against the captures it holds: NODES nodes of SERVICES kube-proxy services each (5 endpoints),
// each node's folder (its iptables-save dump, ip addr and ip route) imported into one project, one call per node.
// Prints the captures' bytes, the database's bytes and their ratio (target: <= 1).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeKubeProxyDump } from './kube-proxy-dump.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'natlens');

export function runDbSizeBench({ nodes = 50, services = 2000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-dbsize-'));
  const db = path.join(dir, 'project.db');
  let inputBytes = 0;
  let rules = 0;
  try {
    for (let i = 0; i < nodes; i++) {
      const name = `node-${String(i).padStart(2, '0')}`;
      const nodeDir = path.join(dir, name);
      fs.mkdirSync(nodeDir);
      const dump = path.join(nodeDir, 'iptables-save.txt');
      rules += writeKubeProxyDump(dump, services, 5);
      // Each node's dump its own content (a project stores identical content once).
      fs.appendFileSync(dump, `# ${name}\n`);
      fs.writeFileSync(path.join(nodeDir, 'ip-route.txt'), `default via 172.16.0.1 dev eth0\n10.${40 + (i >> 8)}.${i & 255}.0/24 dev cni0 proto kernel scope link src 10.${40 + (i >> 8)}.${i & 255}.1\n`);
      for (const f of fs.readdirSync(nodeDir)) inputBytes += fs.statSync(path.join(nodeDir, f)).size;
      const r = spawnSync(process.execPath, [bin, 'import', '--db', db, '--node', name, '--json', nodeDir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`import of ${name} failed: ${r.stderr}`);
      fs.rmSync(nodeDir, { recursive: true });
    }
    const dbBytes = ['', '-wal'].reduce((sum, s) => sum + (fs.existsSync(db + s) ? fs.statSync(db + s).size : 0), 0);
    return { nodes, services, rules, inputBytes, dbBytes, ratio: dbBytes / inputBytes };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function dbSizeSection(r) {
  const mb = (b) => (b / 1048576).toFixed(1);
  return [
    `Project size against its captures (scripts/bench/db-size.mjs): ${r.nodes} nodes of ${r.services.toLocaleString('en-US')} services,`,
    `${r.rules.toLocaleString('en-US')} rules: captures ${mb(r.inputBytes)} MB, project ${mb(r.dbBytes)} MB, ${r.ratio.toFixed(2)} bytes per captured byte (target <= 1).`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = runDbSizeBench({ nodes: Number(process.argv[2] ?? 50), services: Number(process.argv[3] ?? 2000) });
  process.stdout.write(`${dbSizeSection(r)}\n`);
}
