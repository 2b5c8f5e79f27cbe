/** Ctrl-C during `natlens import`: one line, exit 130, and the project as it was before the call. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { writeKubeProxyDump } from '../../scripts/bench/kube-proxy-dump.mjs';
import { conntrackText, ipRouteText, tcpdumpText } from '../../test/support/big-text-captures';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
const PACKETS = 300_000;
const lab = path.join(repo, 'test/fixtures/lab/nodes');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-interrupt-'));
  writeSyntheticPcap(path.join(dir, 'big.pcap'), PACKETS);
  writeKubeProxyDump(path.join(dir, 'big.save'), 3000, 5);
  // A busy node's table (nf_conntrack_max is 262144 by default) and a long tcpdump text: ~20 MB each.
  fs.writeFileSync(path.join(dir, 'conntrack-L.txt'), conntrackText(150_000));
  fs.writeFileSync(path.join(dir, 'tcpdump.txt'), tcpdumpText(100_000));
  // A BGP-fed table: parsed whole, then stored.
  fs.writeFileSync(path.join(dir, 'bgp-routes.txt'), ipRouteText(300_000));
  fs.writeFileSync(path.join(dir, 'routes.txt'), 'default via 10.9.0.1 dev eth0\n10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.5\n');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every table's row count: what "the project is unchanged" is checked by. */
function tableCounts(db: string): Record<string, number> {
  const raw = new Database(db, { readonly: true });
  try {
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    return Object.fromEntries(tables.map((t) => [t, raw.prepare(`SELECT count(*) FROM "${t}"`).pluck().get() as number]));
  } finally {
    raw.close();
  }
}

/**
 * Starts an import and sends SIGINT once it reports progress on `file` (it is then inside that file's transaction), or
 * once a progress line on it matches `when`.
 */
function interruptMidImport(db: string, paths: string[], file: string, when = /: \d+%/): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'import', '--db', db, ...paths], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      const progress = stderr.split('\n').filter((l) => l.includes(`importing `) && l.includes(path.basename(file)));
      if (!sent && progress.some((l) => when.test(l))) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('Ctrl-C during natlens import', () => {
  it('cancels a big pcap midway: one line, exit 130, the project unchanged, and the next import stores it whole', async () => {
    const db = path.join(dir, 'p.db');
    expect(spawnSync(process.execPath, [bin, 'import', '--db', db, lab], { encoding: 'utf8' }).status).toBe(0);
    const before = tableCounts(db);

    const run = await interruptMidImport(db, [path.join(dir, 'big.pcap')], 'big.pcap');
    expect(run.signal).toBeNull();
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    const lines = run.stderr.split(/[\r\n]/).filter((l) => l.trim() !== '' && !/importing .*\d+%/.test(l));
    expect(lines).toEqual([expect.stringMatching(/^natlens: the import of .*big\.pcap was cancelled; nothing of that file was stored, and nothing of this call was stored$/)]);
    expect(tableCounts(db)).toEqual(before);

    const again = spawnSync(process.execPath, [bin, 'import', '--db', db, '--json', path.join(dir, 'big.pcap')], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    const report = JSON.parse(again.stdout) as { nodes: Array<{ captures: Array<{ records: number }> }> };
    expect(report.nodes[0]?.captures[0]?.records).toBe(PACKETS);
  });

  it('keeps the files of the call imported before the cancelled one whole, and says so', async () => {
    const db = path.join(dir, 'two.db');
    const run = await interruptMidImport(db, [path.join(dir, 'routes.txt'), path.join(dir, 'big.pcap')], 'big.pcap');
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/big\.pcap was cancelled; nothing of that file was stored, and the 1 file before it is stored whole\n$/);
    const counts = tableCounts(db);
    expect(counts.routes).toBe(2);
    expect(counts.captures).toBe(1);
  });

  it('cancels a large iptables-save dump midway, its reader thread started by the command line: exit 130, the project unchanged', async () => {
    const db = path.join(dir, 'dump.db');
    expect(spawnSync(process.execPath, [bin, 'import', '--db', db, lab], { encoding: 'utf8' }).status).toBe(0);
    const before = tableCounts(db);
    const run = await interruptMidImport(db, [path.join(dir, 'big.save')], 'big.save');
    expect(run.signal).toBeNull();
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/natlens: the import of .*big\.save was cancelled; nothing of that file was stored, and nothing of this call was stored\n$/);
    expect(tableCounts(db)).toEqual(before);

    const again = spawnSync(process.execPath, [bin, 'import', '--db', db, '--json', path.join(dir, 'big.save')], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    const report = JSON.parse(again.stdout) as { nodes: Array<{ captures: Array<{ kind: string; records: number }> }> };
    expect(report.nodes[0]?.captures[0]).toMatchObject({ kind: 'iptables-save' });
    expect(report.nodes[0]?.captures[0]?.records).toBeGreaterThan(45_000);
  });

  it('cancels a BGP-sized ip route table while its parsed routes are stored: exit 130, the project unchanged', async () => {
    const db = path.join(dir, 'bgp.db');
    expect(spawnSync(process.execPath, [bin, 'import', '--db', db, lab], { encoding: 'utf8' }).status).toBe(0);
    const before = tableCounts(db);
    // The whole text is read by the first report of the insert (100%), and some routes are stored.
    const run = await interruptMidImport(db, [path.join(dir, 'bgp-routes.txt')], 'bgp-routes.txt', /: 100% .*, [1-9][\d,]* records$/);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(130);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/natlens: the import of .*bgp-routes\.txt was cancelled; nothing of that file was stored, and nothing of this call was stored\n$/);
    expect(tableCounts(db)).toEqual(before);
  });

  for (const [name, kind, records] of [['conntrack-L.txt', 'conntrack', 150_000], ['tcpdump.txt', 'tcpdump-text', 100_000]] as const) {
    it(`cancels a large ${kind} text file midway, once its progress is shown: exit 130, one line, the project unchanged`, async () => {
      const db = path.join(dir, `${kind}.db`);
      expect(spawnSync(process.execPath, [bin, 'import', '--db', db, lab], { encoding: 'utf8' }).status).toBe(0);
      const before = tableCounts(db);
      const run = await interruptMidImport(db, [path.join(dir, name)], name);
      expect(run.signal).toBeNull();
      expect(run.code).toBe(130);
      expect(run.stdout).toBe('');
      // It was heard before the end: no progress line says the whole file was read.
      expect(run.stderr).not.toMatch(/: 100% /);
      const lines = run.stderr.split(/[\r\n]/).filter((l) => l.trim() !== '' && !/importing .*\d+%/.test(l));
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^natlens: the import of .*${name.replace('.', '\\.')} was cancelled; nothing of that file was stored, and nothing of this call was stored$`))]);
      expect(tableCounts(db)).toEqual(before);

      const again = spawnSync(process.execPath, [bin, 'import', '--db', db, '--no-stitch', '--json', path.join(dir, name)], { encoding: 'utf8' });
      expect(again.status).toBe(0);
      const report = JSON.parse(again.stdout) as { nodes: Array<{ captures: Array<{ kind: string; records: number }> }> };
      expect(report.nodes[0]?.captures[0]).toMatchObject({ kind, records });
    });
  }
});
