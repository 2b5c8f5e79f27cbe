import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempProject } from '../../../test/support/temp-project';
import { UsageError } from '../command';
import type { CliIo } from '../cli-io';
import { importCommand } from './import-command';
import { nodesCommand } from './nodes-command';

const project = useTempProject('nodes-command');
const LAB = path.resolve('test/fixtures/lab/nodes');

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stderrIsTty: false };
}

async function names(db: string): Promise<string[]> {
  const o = io();
  await nodesCommand.run(['--db', db, '--json'], o);
  return (JSON.parse(o.out.join('')) as Array<{ name: string }>).map((n) => n.name);
}

describe('natlens nodes EDIT', () => {
  it('renames a node, prints the undo command, and --undo takes it back', async () => {
    const db = project().file('p.db');
    expect(await importCommand.run(['--db', db, LAB], io())).toBe(0);
    const o = io();
    expect(await nodesCommand.run(['--db', db, '--rename', 'nodea', '--to', 'worker-1'], o)).toBe(0);
    expect(o.out[0]).toBe('renamed node nodea to worker-1\n');
    const undo = /--undo (\S+)/.exec(o.out.join(''))?.[1];
    expect(await names(db)).toEqual(['nodeb', 'worker-1']);
    expect(await nodesCommand.run(['--db', db, '--undo', undo!], io())).toBe(0);
    expect(await names(db)).toEqual(['nodea', 'nodeb']);
  });

  it('refuses a new node name holding an escape sequence (exit 1), says why with the escape made visible, and stores nothing', async () => {
    const db = project().file('p.db');
    expect(await importCommand.run(['--db', db, LAB], io())).toBe(0);
    const stored = fs.readFileSync(db);
    const o = io();
    expect(await nodesCommand.run(['--db', db, '--rename', 'nodea', '--to', 'evil\u001b[2Jname'], o)).toBe(1);
    expect(o.out).toEqual([]);
    expect(o.err.join('')).toBe('natlens: a node\'s name cannot hold control characters: "evil\\x1b[2Jname"\n');
    expect(o.err.join('')).not.toContain('\u001b');
    // A move to a node that would be made with such a name, likewise.
    const moved = io();
    expect(await nodesCommand.run(['--db', db, '--json', '--move-capture', '1', '--to', 'worker\u0007'], moved)).toBe(1);
    expect(moved.err.join('')).toBe('natlens: a node\'s name cannot hold control characters: "worker\\x07"\n');
    expect(fs.readFileSync(db).equals(stored)).toBe(true);
    expect(await names(db)).toEqual(['nodea', 'nodeb']);
  });

  it('merges and deletes with --json answering the undo id; a clash or an unknown name is rejected (exit 1)', async () => {
    const db = project().file('p.db');
    await importCommand.run(['--db', db, LAB], io());
    const merged = io();
    expect(await nodesCommand.run(['--db', db, '--json', '--merge', 'nodeb', '--into', 'nodea'], merged)).toBe(0);
    expect(JSON.parse(merged.out.join(''))).toMatchObject({ undo: expect.any(String), summary: 'merged node nodeb into nodea', notes: expect.any(Array) });
    expect(await names(db)).toEqual(['nodea']);
    const missing = io();
    expect(await nodesCommand.run(['--db', db, '--delete', 'nodeb'], missing)).toBe(1);
    expect(missing.err.join('')).toContain('no node "nodeb"');
    expect(await nodesCommand.run(['--db', db, '--delete', 'nodea'], io())).toBe(0);
    expect(await names(db)).toEqual([]);
  });

  it('names a capture: --json lists its label, the source stays, --unname-capture takes it away, --undo puts it back', async () => {
    const db = project().file('p.db');
    await importCommand.run(['--db', db, LAB], io());
    type Listed = Array<{ name: string; captures: Array<{ id: number; source: string; label: string | null }> }>;
    const list = async (): Promise<Listed> => {
      const o = io();
      await nodesCommand.run(['--db', db, '--json'], o);
      return JSON.parse(o.out.join('')) as Listed;
    };
    const before = (await list())[0]!.captures[0]!;
    expect(before.label).toBeNull();
    const named = io();
    expect(await nodesCommand.run(['--db', db, '--json', '--rename-capture', String(before.id), '--to', 'before the fix'], named)).toBe(0);
    expect(JSON.parse(named.out.join(''))).toMatchObject({ undo: expect.any(String), summary: expect.stringMatching(/^named capture \d+ .* "before the fix"$/) });
    expect((await list())[0]!.captures[0]).toEqual({ ...before, label: 'before the fix' });
    const cleared = io();
    expect(await nodesCommand.run(['--db', db, '--unname-capture', String(before.id)], cleared)).toBe(0);
    expect((await list())[0]!.captures[0]!.label).toBeNull();
    const undo = /--undo (\S+)/.exec(cleared.out.join(''))?.[1];
    expect(await nodesCommand.run(['--db', db, '--undo', undo!], io())).toBe(0);
    expect((await list())[0]!.captures[0]!.label).toBe('before the fix');
    const missing = io();
    expect(await nodesCommand.run(['--db', db, '--rename-capture', '999999', '--to', 'x'], missing)).toBe(1);
    expect(missing.err.join('')).toContain('no capture 999999');
    await expect(nodesCommand.run(['--db', db, '--rename-capture', String(before.id)], io())).rejects.toThrow('--rename-capture needs --to');
  });

  it('refuses two edits at once, a missing partner option and a capture id that is not a number', async () => {
    const db = project().file('p.db');
    await expect(nodesCommand.run(['--db', db, '--rename', 'a', '--delete', 'b', '--to', 'c'], io())).rejects.toThrow(UsageError);
    await expect(nodesCommand.run(['--db', db, '--rename', 'a'], io())).rejects.toThrow('--rename needs --to');
    await expect(nodesCommand.run(['--db', db, '--delete-capture', 'x1'], io())).rejects.toThrow(UsageError);
    await expect(nodesCommand.run(['--db', db, '--into', 'x'], io())).rejects.toThrow('--into goes with --merge');
  });
});
