/** Killing natlens in the middle of an import leaves a sound database holding nothing of that import. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { writeSyntheticPcap } from '../../scripts/bench/synthetic-pcap.mjs';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
const PACKETS = 300_000;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-crash-'));
  writeSyntheticPcap(path.join(dir, 'big.pcap'), PACKETS);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts an import and SIGKILLs it as soon as it reports progress (it is then inside its transaction). */
function killMidImport(db: string, pcap: string): Promise<{ signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'import', '--db', db, '--json', pcap], { stdio: ['ignore', 'pipe', 'pipe'] });
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
});
