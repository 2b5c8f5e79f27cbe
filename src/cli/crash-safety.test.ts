/** Killing natlens in the middle of an import leaves a sound database holding nothing of that import. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';
import { writeKubeProxyDump } from '../../scripts/bench/kube-proxy-dump.mjs';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
const PACKETS = 300_000;
const SERVICES = 3_000;
let dumpRules = 0;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-crash-'));
  writeSyntheticPcap(path.join(dir, 'big.pcap'), PACKETS);
  dumpRules = writeKubeProxyDump(path.join(dir, 'big.save'), SERVICES, 5);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts an import and SIGKILLs it as soon as it reports progress (it is then inside its transaction). */
function killMidImport(db: string, file: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'import', '--db', db, '--json', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (/\d+%/.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ signal, stderr }));
  });
}

describe('an import killed midway', () => {
  it('leaves an intact database with no trace of it, and the next import succeeds', async () => {
    const db = path.join(dir, 'p.db');
    const pcap = path.join(dir, 'big.pcap');
    const killed = await killMidImport(db, pcap);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stderr).toMatch(/importing .*big\.pcap: \d+%/);

    const raw = new Database(db);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(raw.prepare('SELECT count(*) FROM captures').pluck().get()).toBe(0);
    expect(raw.prepare('SELECT count(*) FROM packets').pluck().get()).toBe(0);
    expect(raw.prepare('SELECT count(*) FROM nodes').pluck().get()).toBe(0);
    raw.close();

    const again = spawnSync(process.execPath, [bin, 'import', '--db', db, '--json', pcap], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    const report = JSON.parse(again.stdout) as { nodes: Array<{ captures: Array<{ records: number }> }> };
    expect(report.nodes[0].captures[0].records).toBe(PACKETS);
  });

  it('leaves no trace of a streamed iptables-save dump either (rows were written while its reader thread read)', async () => {
    const db = path.join(dir, 'rules.db');
    const dump = path.join(dir, 'big.save');
    const killed = await killMidImport(db, dump);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stderr).toMatch(/importing .*big\.save: \d+%/);

    const raw = new Database(db);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const table of ['captures', 'rules', 'chains', 'services', 'nodes']) {
      expect(raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
    }
    raw.close();

    const again = spawnSync(process.execPath, [bin, 'import', '--db', db, '--json', dump], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    const report = JSON.parse(again.stdout) as { nodes: Array<{ captures: Array<{ records: number }> }> };
    expect(report.nodes[0].captures[0].records).toBe(dumpRules);
  });
});
