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

/**
 * Kills an import of `file` midway, then checks the database is sound and holds none of it in `tables`,
 * and that importing it again stores all its `records`.
 */
async function expectKilledImportLeavesNothing(db: string, file: string, tables: string[], records: number): Promise<void> {
  const killed = await killMidImport(db, file);
  expect(killed.signal).toBe('SIGKILL');
  expect(killed.stderr).toMatch(new RegExp(`importing .*${path.basename(file).replace('.', '\\.')}: \\d+%`));
  // A large file is written through a rollback journal (Store.withBulkJournal): the kill left it hot.
  expect(fs.existsSync(`${db}-journal`)).toBe(true);

  const raw = new Database(db);
  expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
  for (const table of tables) expect(raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
  raw.close();

  const again = spawnSync(process.execPath, [bin, 'import', '--db', db, '--json', file], { encoding: 'utf8' });
  expect(again.status).toBe(0);
  const report = JSON.parse(again.stdout) as { nodes: Array<{ captures: Array<{ records: number }> }> };
  expect(report.nodes[0].captures[0].records).toBe(records);
}

describe('an import killed midway', () => {
  it('leaves an intact database with no trace of it, and the next import succeeds', async () => {
    await expectKilledImportLeavesNothing(path.join(dir, 'p.db'), path.join(dir, 'big.pcap'), ['captures', 'packets', 'nodes'], PACKETS);
  });

  it('leaves no trace of a streamed iptables-save dump either (rows were written while its reader thread read)', async () => {
    await expectKilledImportLeavesNothing(
      path.join(dir, 'rules.db'), path.join(dir, 'big.save'), ['captures', 'rule_chunks', 'rule_runs', 'chain_heads', 'services', 'nodes'], dumpRules,
    );
  });
});
