/** `natlens report` through the built command line: one file per extension, exit codes of CONTRACT.md. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../../core/model/store';

const repo = process.cwd();
const bin = path.join(repo, 'bin', 'natlens');
const labNodes = path.join(repo, 'test', 'fixtures', 'lab', 'nodes');

let dir: string;
let db: string;

function natlens(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-report-cli-'));
  db = path.join(dir, 'lab.db');
  const r = natlens(['import', '--db', db, labNodes]);
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('natlens report', () => {
  it('writes a self-contained HTML page', () => {
    const out = path.join(dir, 'r.html');
    const r = natlens(['report', '--db', db, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^wrote .*r\.html: 2 nodes, 26 captures/m);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('Node nodea');
    expect(html).not.toMatch(/<script|\b(src|href)=/i);
  });

  it('writes Markdown', () => {
    const out = path.join(dir, 'r.md');
    expect(natlens(['report', '--db', db, '--out', out]).code).toBe(0);
    const md = fs.readFileSync(out, 'utf8');
    expect(md).toMatch(/^# natlens report\n/);
    expect(md).toContain('## Node nodeb');
    expect(md).toContain('### kube-proxy rules on nodea');
    expect(md).toContain('# NAT flows');
  });

  it('adds each --trace to the Traces section, and refuses a malformed one with exit 2 naming it', () => {
    const out = path.join(dir, 'traces.md');
    const r = natlens([
      'report', '--db', db, '--out', out,
      '--trace', 'node=nodea,proto=tcp,src=10.40.1.3,dst=10.96.0.10:80,in=veth-a1,follow',
      '--trace', 'node=nodeb,proto=icmp,dst=10.40.1.3,local',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const md = fs.readFileSync(out, 'utf8');
    expect(md).toContain('## Trace 1');
    expect(md).toContain('natlens trace --node nodea --proto tcp --src 10.40.1.3 --dst 10.96.0.10:80 --in veth-a1 --follow');
    expect(md).toContain('natlens trace --node nodeb --proto icmp --dst 10.40.1.3 --local');
    const bad = natlens(['report', '--db', db, '--out', path.join(dir, 'bad.md'), '--trace', 'node=nodea,proto=tcp,dst=10.96.0.10:80']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--trace "node=nodea,proto=tcp,dst=10.96.0.10:80": give exactly one of --in IFACE and --local');
    expect(fs.existsSync(path.join(dir, 'bad.md'))).toBe(false);
  });

  it('writes a PDF', () => {
    const out = path.join(dir, 'r.pdf');
    expect(natlens(['report', '--db', db, '--out', out]).code).toBe(0);
    const pdf = fs.readFileSync(out);
    expect(pdf.subarray(0, 9).toString('latin1')).toBe('%PDF-1.4\n');
    expect(pdf.subarray(-6).toString('latin1')).toBe('%%EOF\n');
  });

  it('writes the report data as JSON, with the flows stitched for it', () => {
    const out = path.join(dir, 'r.json');
    expect(natlens(['report', `--db=${db}`, '--out', out]).code).toBe(0);
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { version: number; summary: { nodes: number }; flows: { total: number; shown: unknown[] } };
    expect(json.version).toBe(2);
    expect(json.summary.nodes).toBe(2);
    expect(json.flows.total).toBeGreaterThan(0);
    expect(json.flows.shown).toHaveLength(json.flows.total);
  });

  it('exits 2 for an unknown extension, a missing --out or a stray argument, writing nothing', () => {
    for (const args of [['--out', 'r.txt'], ['--out', 'report'], [], ['--out', 'x.md', 'extra'], ['--bogus', '--out', 'x.md']]) {
      const r = natlens(['report', '--db', db, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: natlens report');
    }
    expect(fs.existsSync(path.join(dir, 'r.txt'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'x.md'))).toBe(false);
  });

  it('exits 1 when the report cannot be written', () => {
    const r = natlens(['report', '--db', db, '--out', path.join(dir, 'no', 'such', 'dir', 'r.md')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot write');
  });

  it('exits 1 when the database is missing or holds no captures', () => {
    const missing = natlens(['report', '--db', path.join(dir, 'none.db'), '--out', path.join(dir, 'm.md')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('natlens import');
    expect(fs.existsSync(path.join(dir, 'none.db'))).toBe(false);
    const empty = path.join(dir, 'empty.db');
    Store.open(empty).close();
    const r = natlens(['report', '--db', empty, '--out', path.join(dir, 'e.md')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no captures');
    expect(fs.existsSync(path.join(dir, 'e.md'))).toBe(false);
  });
});
