/**
 * resources/collect.sh as shells other than bash run it (dash, busybox sh) and as `natlens collect
 * --print` ships it: it parses, writes one tarball whose manifest natlens reads, lists every file it
 * kept, and prints the tarball's path last. Gathers this machine's state read-only; no tcpdump.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCollectManifest } from '../src/core/import/collect-manifest';

const SCRIPT = path.resolve('resources', 'collect.sh');

function which(tool: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const SHELLS: Array<{ name: string; argv: string[] }> = [
  { name: 'dash', argv: ['dash'] },
  { name: 'busybox sh', argv: ['busybox', 'sh'] },
  { name: 'bash --posix', argv: ['bash', '--posix'] },
].filter((s) => which(s.argv[0]!) !== null);

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-collect-sh-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('collect.sh', () => {
  it('is what `natlens collect --print` prints', () => {
    const r = spawnSync(process.execPath, [path.resolve('bin', 'natlens'), 'collect', '--print'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(fs.readFileSync(SCRIPT, 'utf8'));
    expect(spawnSync(process.execPath, [path.resolve('bin', 'natlens'), 'collect'], { encoding: 'utf8' }).status).toBe(2);
  });

  it.skipIf(which('shellcheck') === null)('passes shellcheck as POSIX sh', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', SCRIPT], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('refuses a missing output folder and an unknown option with exit 2, writing nothing', () => {
    const sh = SHELLS[0]!.argv;
    expect(spawnSync(sh[0]!, [...sh.slice(1), SCRIPT, path.join(dir, 'absent')], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(sh[0]!, [...sh.slice(1), SCRIPT, '-x', dir], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(sh[0]!, [...sh.slice(1), SCRIPT, '-c', 'many', dir], { encoding: 'utf8' }).status).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  for (const shell of SHELLS) {
    it(`runs under ${shell.name}: one tarball, its path last on stdout, a manifest listing every kept file`, () => {
      const out = path.join(dir, shell.name.replace(/\W+/g, '-'));
      fs.mkdirSync(out);
      // -n matches no namespace: only this machine's own state is read.
      const r = spawnSync(shell.argv[0]!, [...shell.argv.slice(1), SCRIPT, '-n', 'nlkt-none-*', '-t', '10', out], { encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const tarball = r.stdout.trimEnd().split('\n').at(-1)!;
      expect(path.dirname(tarball)).toBe(out);
      expect(fs.readdirSync(out)).toEqual([path.basename(tarball)]);
      const names = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter((n) => n !== '' && !n.endsWith('/'));
      const top = names[0]!.split('/')[0]!;
      expect(names.every((n) => n.startsWith(`${top}/`))).toBe(true);
      const manifest = parseCollectManifest('manifest.tsv', execFileSync('tar', ['-xzOf', tarball, `${top}/manifest.tsv`], { encoding: 'utf8' }));
      expect(manifest.host).toBe(os.hostname());
      expect(manifest.time).not.toBeNull();
      const commands = manifest.commands.map((c) => c.command);
      expect(commands).toEqual(expect.arrayContaining(['ip -d addr', 'ip -d link', 'ip route show table all', 'ip -6 route show table all', 'ip rule', 'ip neigh', 'bridge fdb']));
      for (const c of manifest.commands) {
        if (c.file !== null) expect(names, c.command).toContain(`${top}/${c.file}`);
        else expect(['missing', 'failed', 'ok']).toContain(c.status);
      }
      const kept = new Set(manifest.commands.flatMap((c) => (c.file === null ? [] : [`${top}/${c.file}`, `${top}/${c.file}.stderr`])));
      expect(names.filter((n) => n !== `${top}/manifest.tsv` && !kept.has(n))).toEqual([]);
    });
  }
});
